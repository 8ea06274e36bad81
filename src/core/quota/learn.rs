//! Limits and counts learned from providers' headers, 429s and key info.

use super::merge::add_sorted;
use super::slots::{default_reset, find_slot, rank, sort_slots, span, upsert};
use super::types::{Ledger, Obs, Rule, ScopeKey};
use super::KEY_INFO_LAG_MS;
use crate::core::limits::{LimitFact, Scope, Source, Unit, Window};
use crate::core::provider::ProviderKind;

impl Ledger {
    /// Learn from a fact. A fact with a limit replaces what we had unless it comes from a
    /// less trusted source. `remaining` becomes an observation of the provider's count,
    /// valid until `reset_at_ms` (or the window's natural end). A fact with neither limit nor
    /// remaining means a 429 on that window: it is full until its reset, and a window we did
    /// not know gets a learned limit equal to the requests counted in it.
    pub fn learn(&mut self, provider: &str, fact: &LimitFact, now_ms: f64) {
        let key = ScopeKey::new(provider, fact.scope.clone());
        let (w, u) = (fact.window, fact.unit);
        let rules = self.rules_for(&key, now_ms);
        let cur = find_slot(&rules, w, u).and_then(|i| rules.get(i)).cloned();
        let mut rule = cur.clone().unwrap_or(Rule {
            w,
            u,
            l: 1,
            g: false,
            k: 0,
            s: Source::Learned,
            r: rules
                .iter()
                .find(|r| r.w == Window::Day)
                .map_or(default_reset(ProviderKind::from_id(provider)), |r| r.r),
            t: now_ms,
        });
        let mut restart = false;
        match (fact.limit, &cur) {
            (Some(_), Some(c)) if rank(fact.source) < rank(c.s) => {}
            (Some(l), _) => {
                rule.l = l.max(1);
                rule.s = fact.source;
                rule.g = false;
                rule.k = 0;
            }
            (None, Some(c)) if c.g => {
                // Another bare 429: the guess stops growing at what was sent this time.
                let used = self.used(&key, c, self.obs_of(&key, c), now_ms);
                rule.l = c.l.min(used.max(2));
                rule.k = c.k.saturating_add(1).min(16);
                restart = true;
            }
            (None, Some(_)) => {}
            (None, None) => {
                let o = self.obs_of(&key, &rule);
                let used = self.used(&key, &rule, o, now_ms);
                // One rejected request says the provider is throttling, not what its rate is
                // (the router's cooldown covers that); a rule learned from it would hold the
                // window to one request.
                if used < 2 {
                    return;
                }
                rule.l = used;
                rule.g = true;
                rule.k = 0;
            }
        }
        if restart || cur.as_ref() != Some(&rule) {
            rule.t = now_ms;
            let rules = self.rules.entry(key.clone());
            upsert(rules, &rule, &|_| true);
            sort_slots(rules);
        }
        // No provider's window ends later than its span from now (a day window within a day):
        // a garbage reset must not lock the provider out for good.
        let latest = now_ms + span(w);
        let reset = fact
            .reset_at_ms
            .filter(|t| t.is_finite())
            .map(|t| t.min(latest));
        let remaining = match (fact.limit, fact.remaining) {
            (None, None) => Some(0),
            (_, r) => r,
        };
        let obs = self.obs.entry(key);
        if let Some(rem) = remaining {
            let o = Obs {
                w,
                u,
                t: now_ms,
                n: rule.l.saturating_sub(rem),
                until: reset.unwrap_or_else(|| rule.natural_end(now_ms)),
            };
            upsert(obs, &o, &|_| true);
        } else if let (Some(t), Some(o)) =
            (reset, find_slot(obs, w, u).and_then(|i| obs.get_mut(i)))
        {
            o.until = t.min(o.t + span(w));
        }
    }

    /// OpenRouter's exact free day from `GET /api/v1/key` (`free_model_daily_requests`): the
    /// limit as the provider states it, and its count. The count lags about a minute, so it is
    /// taken as of a minute ago: what this client sent since then is added on top.
    pub fn set_free_daily(&mut self, provider: &str, used: u64, limit: u64, now_ms: f64) {
        if limit >= 1000 {
            add_sorted(&mut self.credits, provider);
        } else {
            self.credits.retain(|c| c != provider);
        }
        let scope = Scope::OpenRouterFree;
        self.ensure_defaults(provider, ProviderKind::OpenRouter, &scope, now_ms);
        let key = ScopeKey::new(provider, scope);
        let rules = self.rules.entry(key.clone());
        let Some(rule) =
            find_slot(rules, Window::Day, Unit::Requests).and_then(|i| rules.get_mut(i))
        else {
            return;
        };
        *rule = Rule {
            l: limit,
            s: Source::Provider,
            t: now_ms,
            g: false,
            k: 0,
            ..rule.clone()
        };
        let until = rule.natural_end(now_ms);
        let seen = Obs {
            w: Window::Day,
            u: Unit::Requests,
            t: now_ms - KEY_INFO_LAG_MS,
            n: used,
            until,
        };
        upsert(self.obs.entry(key), &seen, &|_| true);
    }
}
