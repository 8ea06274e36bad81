//! Building a ledger: its tab id, documented defaults and declared limits.

use super::slots::{default_reset, defaults, sort_slots, upsert, DEFAULT_SLOTS};
use super::types::{Budget, DayReset, Ledger, Rule, ScopeKey};
use super::VERSION;
use crate::core::limits::{Scope, Source, Unit, Window};
use crate::core::map::SortedMap;
use crate::core::provider::ProviderKind;

impl Ledger {
    pub fn new() -> Self {
        Ledger {
            v: VERSION,
            tab: "local".to_string(),
            rules: SortedMap::default(),
            obs: SortedMap::default(),
            tabs: SortedMap::default(),
            credits: Vec::new(),
            decl: SortedMap::default(),
            budget: Budget::default(),
        }
    }

    /// The id this ledger writes its usage under. Every tab sharing a ledger needs its own id
    /// (random, from the web layer); reusing ids of closed tabs keeps storage small.
    pub fn set_tab(&mut self, id: &str) {
        self.tab = id.to_string();
    }

    pub fn tab(&self) -> &str {
        &self.tab
    }

    /// Documented defaults for `scope` on a provider of `kind` (OpenRouter free pool, Groq /
    /// Gemini / Cerebras per model, Mistral per provider); adds only windows the key does not
    /// have yet, so it is idempotent and never undoes learning.
    pub fn ensure_defaults(
        &mut self,
        provider: &str,
        kind: ProviderKind,
        scope: &Scope,
        _now_ms: f64,
    ) {
        let key = ScopeKey::new(provider, scope.clone());
        let r = default_reset(Some(kind));
        let d = defaults(kind, scope, self.credits.iter().any(|c| c == provider));
        for (i, (l, (w, u))) in d.into_iter().zip(DEFAULT_SLOTS).enumerate() {
            if l == 0 {
                continue;
            }
            let w = if i == 0 && kind == ProviderKind::Mistral {
                Window::Millis(1000)
            } else {
                w
            };
            let rule = Rule {
                w,
                u,
                l,
                s: Source::Documented,
                r,
                t: 0.0,
                g: false,
                k: 0,
            };
            let rules = self.rules.entry(key.clone());
            upsert(rules, &rule, &|_| false);
            sort_slots(rules);
        }
    }

    /// A user-declared limit (provider option `limits`). Declaring anything for a provider
    /// makes the declared set authoritative for it: its documented defaults stop applying.
    /// Facts from the provider itself (headers, 429s) still override. Declarations are local
    /// configuration: the web layer declares them again at every start; merge keeps ours.
    pub fn declare(
        &mut self,
        key: ScopeKey,
        window: Window,
        unit: Unit,
        limit: u64,
        day_reset: DayReset,
    ) {
        let rule = Rule {
            w: window,
            u: unit,
            l: limit.max(1),
            s: Source::Documented,
            r: day_reset,
            t: 0.0,
            g: false,
            k: 0,
        };
        let rules = self.decl.entry(key);
        upsert(rules, &rule, &|_| true);
        sort_slots(rules);
    }
}
