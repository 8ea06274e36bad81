//! The ledger's data: scope keys, rules, observations, tab contributions, and the rows it reports.

use std::cmp::Ordering;

use crate::core::json::{Map, Value};

use crate::core::limits::{Scope, Source, Unit, Window};
use crate::core::map::Put;
use crate::core::map::SortedMap;
use crate::core::provider::ProviderKind;

/// One pool of quota: a provider plus a scope (the OpenRouter free pool, the whole provider,
/// or one model).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopeKey {
    pub provider: String,
    pub scope: Scope,
}

impl ScopeKey {
    pub fn new(provider: &str, scope: Scope) -> Self {
        ScopeKey {
            provider: provider.to_string(),
            scope,
        }
    }

    /// "free", "provider", or the model id (as in `quota()` rows).
    pub fn scope_str(&self) -> &str {
        match &self.scope {
            Scope::OpenRouterFree => "free",
            Scope::Provider => "provider",
            Scope::Model(m) => m,
        }
    }

    /// The keys one call to `model` on `provider` draws from: always the provider scope
    /// (user-declared limits live there), plus the OpenRouter free pool for `:free` models on
    /// OpenRouter, or the per-model scope elsewhere.
    pub fn for_call(
        provider: &str,
        kind: ProviderKind,
        model: &str,
        free_pool: bool,
    ) -> Vec<ScopeKey> {
        let mut keys = vec![ScopeKey::new(provider, Scope::Provider)];
        if !crate::core::providers::facts(kind).free_pool {
            keys.push(ScopeKey::new(provider, Scope::Model(model.to_string())));
        } else if free_pool {
            keys.push(ScopeKey::new(provider, Scope::OpenRouterFree));
        }
        keys
    }

    fn rank(&self) -> (u8, &str) {
        match &self.scope {
            Scope::OpenRouterFree => (0, ""),
            Scope::Provider => (1, ""),
            Scope::Model(m) => (2, m),
        }
    }
}

impl Ord for ScopeKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.provider, self.rank()).cmp(&(&other.provider, other.rank()))
    }
}

impl PartialOrd for ScopeKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// When a `Day` window starts over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DayReset {
    #[default]
    UtcMidnight,
    /// Midnight America/Los_Angeles (Gemini), with US daylight-saving rules.
    PacificMidnight,
}

/// One limit on one key.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Rule {
    pub(super) w: Window,
    pub(super) u: Unit,
    pub(super) l: u64,
    pub(super) s: Source,
    pub(super) r: DayReset,
    /// When it was set; the newest wins when tabs merge (defaults are 0 so anything beats them).
    pub(super) t: f64,
    /// `l` is a guess (what had been sent when a 429 named no limit). A guess grows by one per
    /// window since `t`, so a one-off throttle does not pace the key below its real rate forever.
    pub(super) g: bool,
    /// How often a grown guess met another 429: each doubles the time a step of growth takes,
    /// so probing a real limit costs fewer and fewer refused requests.
    pub(super) k: u8,
}

/// What the provider said its count was at `t`, valid until `until`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Obs {
    pub(super) w: Window,
    pub(super) u: Unit,
    pub(super) t: f64,
    pub(super) n: u64,
    pub(super) until: f64,
}

/// Log entry: (answer began at, requests, tokens).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Entry(pub(super) f64, pub(super) u64, pub(super) u64);

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Pend {
    pub(super) id: u64,
    pub(super) k: Vec<ScopeKey>,
    pub(super) tok: u64,
    pub(super) exp: f64,
}

/// A spend reservation: (id, nano-USD, expires at).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct SpendPend(pub(super) u64, pub(super) u64, pub(super) f64);

/// One tab's contribution. Only the tab with this id writes it; `v` grows on every write.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Tab {
    pub(super) v: u64,
    pub(super) next: u64,
    pub(super) log: SortedMap<ScopeKey, Vec<Entry>>,
    pub(super) pend: Vec<Pend>,
    pub(super) sp: Vec<SpendPend>,
    /// Committed spend: (UTC day start, nano-USD); days before the current month fold into 0.
    pub(super) spent: Vec<(f64, u64)>,
}

/// Spend period for the budget, in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BudgetPeriod {
    Day,
    Month,
    #[default]
    Total,
}

impl BudgetPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "day",
            BudgetPeriod::Month => "month",
            BudgetPeriod::Total => "total",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Budget {
    pub(super) max: u64,
    pub(super) period: BudgetPeriod,
}

/// A window as it stands at some time: `used` is answered requests (or tokens) including
/// what the provider reported, `reserved` what is in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowState {
    pub window: Window,
    pub unit: Unit,
    pub limit: u64,
    pub used: u64,
    pub reserved: u64,
    /// When a blocked window lets the next request through; for an open window, when the
    /// day ends (Day) or when the oldest counted entry leaves (sliding; now if empty).
    pub resets_at_ms: f64,
    pub source: Source,
    pub day_reset: DayReset,
}

/// One row of `quota().scopes`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeRow {
    pub provider: String,
    pub scope: String,
    pub window: String,
    pub unit: String,
    pub limit: u64,
    /// Includes in-flight reservations.
    pub used: u64,
    pub remaining: u64,
    pub resets_at: f64,
    pub source: String,
}

impl ScopeRow {
    /// The row as `quota().scopes` shows it (camelCase).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("provider", &self.provider),
            ("scope", &self.scope),
            ("window", &self.window),
            ("unit", &self.unit),
            ("source", &self.source),
        ] {
            m.insert(k.into(), Value::String(v.clone()));
        }
        for (k, v) in [
            ("limit", self.limit),
            ("used", self.used),
            ("remaining", self.remaining),
        ] {
            m.insert(k.into(), v.into());
        }
        m.put("resetsAt", self.resets_at.into());
        Value::Object(m)
    }
}

pub(super) fn unit_str(u: Unit) -> &'static str {
    match u {
        Unit::Requests => "requests",
        Unit::Tokens => "tokens",
    }
}

/// Spend so far in the budget period.
#[derive(Clone, Debug, PartialEq)]
pub struct SpendRow {
    pub spent_usd: f64,
    pub reserved_usd: f64,
    pub budget_usd: f64,
    pub period: BudgetPeriod,
    /// None for `Total`.
    pub resets_at_ms: Option<f64>,
}

/// A held request; hand it back to `commit` or `refund`. It carries its keys so a commit that
/// arrives after the reservation expired still counts.
#[derive(Clone, Debug, PartialEq)]
pub struct ReservationId {
    pub id: u64,
    pub keys: Vec<ScopeKey>,
    pub tokens: u64,
    /// When its answer began (the caller sets it at the first token): the provider had counted
    /// the request by then, so the log entry is stamped here rather than when a long stream
    /// ends. Unset, the entry is stamped at `commit`.
    pub answered_ms: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpendId(pub u64);

/// May a request go now?
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Ok,
    /// A short window is full: every window allows the request at `at_ms`; `scope`/`window`
    /// name the one that frees last.
    WaitUntil {
        at_ms: f64,
        scope: ScopeKey,
        window: Window,
    },
    /// A day window is spent: fail fast (`quota_exhausted`) unless waiting is allowed.
    Exhausted {
        until_ms: f64,
        scope: ScopeKey,
        window: Window,
        limit: u64,
    },
}

/// Quota and spend state. See the module docs for counting and merge semantics.
#[derive(Clone, Debug, PartialEq)]
pub struct Ledger {
    pub(super) v: u32,
    pub(super) tab: String,
    pub(super) rules: SortedMap<ScopeKey, Vec<Rule>>,
    pub(super) obs: SortedMap<ScopeKey, Vec<Obs>>,
    pub(super) tabs: SortedMap<String, Tab>,
    /// OpenRouter providers whose account bought credits (1000 free requests/day), sorted.
    pub(super) credits: Vec<String>,
    pub(super) decl: SortedMap<ScopeKey, Vec<Rule>>,
    pub(super) budget: Budget,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}
