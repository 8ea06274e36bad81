//! Quota ledger: per-scope windows, learned limits, reserve / commit / refund, and spend.
//!
//! Counting model:
//! - Every tab owns one *contribution* (its request log, in-flight reservations and spend);
//!   only that tab writes it. A window's count is the sum over all tabs' contributions.
//! - Logs hold `(at, requests, tokens)` entries per scope key, stamped when the answer began
//!   (`ReservationId::answered_ms`, else at `commit`): never earlier than when the provider
//!   counted the request, so waits never end too early, and a long stream does not hold its
//!   minute slot until it ends. Windows derive their counts from the log:
//!   `Minute`, `Hour` and `Millis(n)` slide (an entry leaves exactly `span` after it was
//!   stamped); `Day` is a calendar day ending at UTC or Pacific midnight.
//! - Logs stay bounded (`LOG_CAP` entries per key per tab): past it, adjacent entries merge
//!   into the later one, choosing the merge whose span is smallest relative to its age, so
//!   recent entries stay exact and old ones form wider buckets. Entries only ever move later
//!   in time, so every count stays conservative (never lower than the truth).
//! - In-flight reservations count in every window of their keys as if answered now; they
//!   expire after [`RESERVATION_TTL_MS`] so that a crashed tab cannot hold quota forever.
//! - A provider's own count ("remaining" in headers or a 429) is an *observation* `(t, used,
//!   until)`: while it holds, the window's count is `used` plus entries stamped after `t`;
//!   once `until` passes, entries stamped up to `t` no longer count (the provider freed them).
//!
//! Merge semantics (cross-tab sharing, see [`Ledger::merge`]): tab contributions merge by
//! keeping the higher version of each tab (single writer, so nothing is lost and nothing is
//! counted twice); limits and observations are last-writer-wins registers ordered by time
//! with a total tie-break; "has credits" flags are a grow-only set. Merge is commutative,
//! associative and idempotent on this shared state; local configuration (tab id, declared
//! limits, budget) stays the receiver's.

use std::cmp::Ordering;

use crate::core::json::{self, Map, Value};

use crate::core::catalog::push_json_str;
use crate::core::error::{Error, ErrorCode};
use crate::core::limits::{LimitFact, Scope, Source, Unit, Window};
use crate::core::map::Put;
use crate::core::map::SortedMap;
use crate::core::num::{fixed6, json_f64, show_f64};
use crate::core::provider::ProviderKind;
use crate::core::sort;

const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 86_400_000.0;
/// In-flight reservations stop counting after this long: no first answer takes 10 minutes,
/// and a tab that crashed mid-request must not block the others.
pub const RESERVATION_TTL_MS: f64 = 600_000.0;
/// Spend is only known when a paid answer ends, which can take long (reasoning models): a
/// spend hold lasts an hour, so the budget is not handed out twice under a live request.
pub const SPEND_TTL_MS: f64 = 3_600_000.0;
/// Entries kept per scope key per tab (see module docs for how the log stays exact-ish).
const LOG_CAP: usize = 64;
/// Logs keep at least this much history: the longest calendar day is 25 h.
const MIN_RETAIN_MS: f64 = 26.0 * HOUR;
const VERSION: u32 = 1;
const NANO: f64 = 1e9;

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
struct Rule {
    w: Window,
    u: Unit,
    l: u64,
    s: Source,
    r: DayReset,
    /// When it was set; the newest wins when tabs merge (defaults are 0 so anything beats them).
    t: f64,
    /// `l` is a guess (what had been sent when a 429 named no limit). A guess grows by one per
    /// window since `t`, so a one-off throttle does not pace the key below its real rate forever.
    g: bool,
    /// How often a grown guess met another 429: each doubles the time a step of growth takes,
    /// so probing a real limit costs fewer and fewer refused requests.
    k: u8,
}

/// What the provider said its count was at `t`, valid until `until`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Obs {
    w: Window,
    u: Unit,
    t: f64,
    n: u64,
    until: f64,
}

/// Log entry: (answer began at, requests, tokens).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Entry(f64, u64, u64);

#[derive(Clone, Debug, PartialEq)]
struct Pend {
    id: u64,
    k: Vec<ScopeKey>,
    tok: u64,
    exp: f64,
}

/// A spend reservation: (id, nano-USD, expires at).
#[derive(Clone, Copy, Debug, PartialEq)]
struct SpendPend(u64, u64, f64);

/// One tab's contribution. Only the tab with this id writes it; `v` grows on every write.
#[derive(Clone, Debug, Default, PartialEq)]
struct Tab {
    v: u64,
    next: u64,
    log: SortedMap<ScopeKey, Vec<Entry>>,
    pend: Vec<Pend>,
    sp: Vec<SpendPend>,
    /// Committed spend: (UTC day start, nano-USD); days before the current month fold into 0.
    spent: Vec<(f64, u64)>,
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
struct Budget {
    max: u64,
    period: BudgetPeriod,
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

fn unit_str(u: Unit) -> &'static str {
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
    v: u32,
    tab: String,
    rules: SortedMap<ScopeKey, Vec<Rule>>,
    obs: SortedMap<ScopeKey, Vec<Obs>>,
    tabs: SortedMap<String, Tab>,
    /// OpenRouter providers whose account bought credits (1000 free requests/day), sorted.
    credits: Vec<String>,
    decl: SortedMap<ScopeKey, Vec<Rule>>,
    budget: Budget,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

/// How far behind OpenRouter's `free_model_daily_requests.used` runs (reference section 0).
pub const KEY_INFO_LAG_MS: f64 = 60_000.0;

fn rank(s: Source) -> u8 {
    match s {
        Source::Documented => 0,
        Source::Learned => 1,
        Source::Header => 2,
        Source::Provider => 3,
    }
}

fn span(w: Window) -> f64 {
    match w {
        Window::Minute => 60_000.0,
        Window::Hour => HOUR,
        Window::Day => DAY,
        Window::Millis(n) => n as f64,
    }
}

/// Sort key of a (window, unit) slot.
fn slot(w: Window, u: Unit) -> (u64, bool, bool) {
    (
        span(w) as u64,
        matches!(w, Window::Millis(_)),
        u == Unit::Tokens,
    )
}

impl Rule {
    fn val(&self, req: u64, tok: u64) -> u64 {
        match self.u {
            Unit::Requests => req,
            Unit::Tokens => tok,
        }
    }

    /// Does something stamped `at` count in the window as it stands at `t`?
    fn holds(&self, at: f64, t: f64) -> bool {
        match self.w {
            Window::Day => at >= day_bounds(t, self.r).0,
            w => at > t - span(w),
        }
    }

    /// When a window that fills up at `now` frees by itself.
    fn natural_end(&self, now: f64) -> f64 {
        match self.w {
            Window::Day => day_bounds(now, self.r).1,
            w => now + span(w),
        }
    }

    fn order(&self, o: &Rule) -> Ordering {
        self.t
            .total_cmp(&o.t)
            .then(rank(self.s).cmp(&rank(o.s)))
            .then(o.l.cmp(&self.l))
            .then((self.r as u8).cmp(&(o.r as u8)))
    }
}

impl Obs {
    fn order(&self, o: &Obs) -> Ordering {
        self.t
            .total_cmp(&o.t)
            .then(self.n.cmp(&o.n))
            .then(self.until.total_cmp(&o.until))
    }
}

/// Rules and observations: at most one per (window, unit) slot of a key.
trait Slotted: Clone {
    fn wu(&self) -> (Window, Unit);
}

impl Slotted for Rule {
    fn wu(&self) -> (Window, Unit) {
        (self.w, self.u)
    }
}

impl Slotted for Obs {
    fn wu(&self) -> (Window, Unit) {
        (self.w, self.u)
    }
}

/// Put `item` in its slot: added if the slot is empty, else replacing what is there when
/// `wins` says so. One copy per item type (`dyn`), not one per call site's closures.
#[inline(never)]
fn upsert<T: Slotted>(v: &mut Vec<T>, item: &T, wins: &dyn Fn(&T) -> bool) {
    let (w, u) = item.wu();
    match find_slot(v, w, u).and_then(|i| v.get_mut(i)) {
        Some(x) if wins(x) => *x = item.clone(),
        Some(_) => {}
        None => v.push(item.clone()),
    }
}

/// Where the (window, unit) slot is in `v`, if present.
#[inline(never)]
fn find_slot<T: Slotted>(v: &[T], w: Window, u: Unit) -> Option<usize> {
    v.iter().position(|x| x.wu() == (w, u))
}

/// Slot order (shortest window first, requests before tokens); one sort instance per type.
#[inline(never)]
fn sort_slots<T: Slotted>(v: &mut [T]) {
    sort::sort_by_key(v, |x| {
        let (w, u) = x.wu();
        slot(w, u)
    });
}

/// The slots `defaults` fills, in order; Mistral's first is per second (`Millis(1000)`).
const DEFAULT_SLOTS: [(Window, Unit); 6] = [
    (Window::Minute, Unit::Requests),
    (Window::Hour, Unit::Requests),
    (Window::Day, Unit::Requests),
    (Window::Minute, Unit::Tokens),
    (Window::Hour, Unit::Tokens),
    (Window::Day, Unit::Tokens),
];

/// Documented free-tier limits per `DEFAULT_SLOTS` (a table, not a Vec per provider); 0 = not
/// documented. Sources: OpenRouter `api_reference/limits.mdx` (20/min; 50/day, 1000/day with
/// credits); the rest from reference section 6 (cheahjs list 2026-07; Mistral help center;
/// Cerebras docs).
fn defaults(kind: ProviderKind, scope: &Scope, credits: bool) -> [u64; 6] {
    crate::core::providers::documented_limits(kind, scope, credits)
}

fn default_reset(kind: Option<ProviderKind>) -> DayReset {
    if kind.is_some_and(|k| crate::core::providers::facts(k).pacific_day) {
        DayReset::PacificMidnight
    } else {
        DayReset::UtcMidnight
    }
}

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

    /// The limits that apply to `key`: provider facts first, then declarations, then (unless
    /// the provider has declarations) documented defaults.
    fn rules_for(&self, key: &ScopeKey, now: f64) -> Vec<Rule> {
        let declared = self.decl.keys().any(|k| k.provider == key.provider);
        let mut out = self.decl.get(key).cloned().unwrap_or_default();
        for r in self.rules.get(key).into_iter().flatten() {
            let fact = r.s != Source::Documented;
            // A fact replaces or adds; a default only fills an empty slot, and only when the
            // provider declared nothing.
            if fact || !declared {
                upsert(&mut out, &Self::grown(r, now), &|_| fact);
            }
        }
        sort_slots(&mut out);
        out
    }

    /// A guessed limit as it stands at `now`: one more per whole window since it was set.
    fn grown(r: &Rule, now: f64) -> Rule {
        let mut r = r.clone();
        if r.g {
            // Float-to-int casts saturate; NaN (a clock gone wrong) adds nothing.
            let step = span(r.w) * f64::from(1u32 << r.k.min(16));
            let steps = ((now - r.t) / step).floor().max(0.0) as u64;
            r.l = r.l.saturating_add(steps);
        }
        r
    }

    fn obs_of(&self, key: &ScopeKey, r: &Rule) -> Option<Obs> {
        let v = self.obs.get(key)?;
        find_slot(v, r.w, r.u).and_then(|i| v.get(i)).copied()
    }

    /// Answered usage at time `t` (log entries of every tab, plus the provider's count).
    fn used(&self, key: &ScopeKey, r: &Rule, o: Option<Obs>, t: f64) -> u64 {
        let mut n = match o {
            Some(o) if o.until > t => o.n,
            _ => 0,
        };
        let cut = o.map_or(f64::NEG_INFINITY, |o| o.t);
        for tab in self.tabs.values() {
            for e in tab.log.get(key).into_iter().flatten() {
                if e.0 > cut && r.holds(e.0, t) {
                    n = n.saturating_add(r.val(e.1, e.2));
                }
            }
        }
        n
    }

    /// In-flight usage at time `t`: live reservations count as if answered at `now`.
    fn inflight(&self, key: &ScopeKey, r: &Rule, t: f64, now: f64) -> u64 {
        if !r.holds(now, t) {
            return 0;
        }
        let mut n = 0u64;
        for tab in self.tabs.values() {
            for p in &tab.pend {
                if p.exp > now && p.k.contains(key) {
                    n = n.saturating_add(r.val(1, p.tok));
                }
            }
        }
        n
    }

    /// The earliest time ≥ now at which this window admits `need` more. Counts only fall
    /// as time passes (no new entries), so the answer is the first candidate time that fits.
    fn earliest(&self, key: &ScopeKey, r: &Rule, need: u64, now: f64) -> f64 {
        let o = self.obs_of(key, r);
        let need = need.min(r.l); // a request bigger than the window fits an empty one
        let fits = |t: f64| {
            self.used(key, r, o, t)
                .saturating_add(self.inflight(key, r, t, now))
                .saturating_add(need)
                <= r.l
        };
        if fits(now) {
            return now;
        }
        // The smallest candidate after now that fits, else the largest (else now): a running
        // min/max instead of collecting, sorting and scanning the candidates.
        let mut best: Option<f64> = None;
        let mut last = now;
        let mut consider = |t: f64| {
            if t > now {
                last = last.max(t);
                if best.is_none_or(|b| t < b) && fits(t) {
                    best = Some(t);
                }
            }
        };
        consider(r.natural_end(now));
        if let Some(o) = o {
            consider(o.until);
        }
        if r.w != Window::Day {
            for tab in self.tabs.values() {
                for e in tab.log.get(key).into_iter().flatten() {
                    consider(e.0 + span(r.w));
                }
            }
        }
        best.unwrap_or(last)
    }

    /// Does any window (declared, documented, learned or guessed) apply to one of `keys`? A
    /// call on keys with none can never be refused, so nothing another tab does can make
    /// reserving it wrong: the web layer skips the cross-tab lock for it.
    pub fn limited(&self, keys: &[ScopeKey], now_ms: f64) -> bool {
        keys.iter().any(|k| !self.rules_for(k, now_ms).is_empty())
    }

    /// Could a request of `tokens` estimated tokens go now against all of `keys`?
    pub fn check(&self, keys: &[ScopeKey], tokens: u64, now_ms: f64) -> Verdict {
        let mut worst: Option<(f64, &ScopeKey, Window)> = None;
        let mut day: Option<(&ScopeKey, u64)> = None;
        for key in keys {
            for r in self.rules_for(key, now_ms) {
                let t = self.earliest(key, &r, r.val(1, tokens), now_ms);
                if t <= now_ms {
                    continue;
                }
                if r.w == Window::Day && day.is_none() {
                    day = Some((key, r.l));
                }
                if worst.is_none_or(|w| t > w.0) {
                    worst = Some((t, key, r.w));
                }
            }
        }
        match (worst, day) {
            (None, _) => Verdict::Ok,
            (Some((t, ..)), Some((k, limit))) => Verdict::Exhausted {
                until_ms: t,
                scope: k.clone(),
                window: Window::Day,
                limit,
            },
            (Some((t, k, w)), None) => Verdict::WaitUntil {
                at_ms: t,
                scope: k.clone(),
                window: w,
            },
        }
    }

    /// Longest history any window needs.
    // Plain loops: chain/flatten adapters cost more than they save here.
    fn retain_ms(&self) -> f64 {
        let mut keep = MIN_RETAIN_MS;
        for rules in [&self.rules, &self.decl] {
            for (_, rs) in &rules.0 {
                for r in rs {
                    keep = keep.max(span(r.w));
                }
            }
        }
        keep
    }

    /// Our own contribution, pruned, with its version bumped (every caller writes to it).
    fn own(&mut self, now: f64) -> &mut Tab {
        let keep = self.retain_ms();
        let tab = self.tabs.entry(self.tab.clone());
        tab.v = tab.v.saturating_add(1);
        keep_if(&mut tab.pend, &|p| p.exp > now);
        keep_if(&mut tab.sp, &|p| p.2 > now);
        if now.is_finite() {
            for log in tab.log.values_mut() {
                log.retain(|e| e.0 > now - keep);
            }
        }
        tab.log.retain(|_, l| !l.is_empty());
        // Days before this month only matter for a Total budget: fold them into one entry.
        let month = month_bounds(now).0;
        let old: u64 = tab
            .spent
            .iter()
            .filter(|e| e.0 < month)
            .fold(0, |a, e| a.saturating_add(e.1));
        tab.spent.retain(|e| e.0 >= month);
        if old > 0 {
            tab.spent.insert(0, (0.0, old));
        }
        tab
    }

    /// Reserve one request (and `tokens`) in every window of `keys`; never over-commits.
    pub fn reserve(
        &mut self,
        keys: &[ScopeKey],
        tokens: u64,
        now_ms: f64,
    ) -> Result<ReservationId, Verdict> {
        match self.check(keys, tokens, now_ms) {
            Verdict::Ok => {}
            v => return Err(v),
        }
        // Sorted and deduplicated by insertion: a call has two or three keys.
        let mut sorted: Vec<ScopeKey> = Vec::new();
        for k in keys {
            if let Err(i) = sorted.binary_search(k) {
                sorted.insert(i, k.clone());
            }
        }
        let keys = sorted;
        let tab = self.own(now_ms);
        let id = tab.next;
        tab.next = id.saturating_add(1);
        tab.pend.push(Pend {
            id,
            k: keys.clone(),
            tok: tokens,
            exp: now_ms + RESERVATION_TTL_MS,
        });
        Ok(ReservationId {
            id,
            keys,
            tokens,
            answered_ms: None,
        })
    }

    /// The provider answered (success or HTTP error): the request counts, with
    /// `actual_tokens` (or the estimate) in token windows.
    pub fn commit(&mut self, id: ReservationId, actual_tokens: Option<u64>, now_ms: f64) {
        let tok = actual_tokens.unwrap_or(id.tokens);
        // Never later than now (a clock that stepped back), never a non-number.
        let at = match id.answered_ms {
            Some(t) if t <= now_ms => t,
            _ => now_ms,
        };
        let tab = self.own(now_ms);
        keep_if(&mut tab.pend, &|p| p.id != id.id);
        for k in id.keys {
            push_entry(tab.log.entry(k), at, tok);
        }
    }

    /// The request never reached the provider: give the reservation back.
    pub fn refund(&mut self, id: ReservationId, now_ms: f64) {
        keep_if(&mut self.own(now_ms).pend, &|p| p.id != id.id);
    }

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

    /// Each window of `key` as it stands at `now_ms`.
    // Plain loops: the iterator chain (flat_map, chain, fold) cost several adapter functions.
    pub fn windows(&self, key: &ScopeKey, now_ms: f64) -> Vec<WindowState> {
        let mut out = Vec::new();
        self.each_state(key, now_ms, &mut |s| out.push(s));
        out
    }

    /// `windows` one by one, without collecting them (the `quota()` path).
    fn each_state(&self, key: &ScopeKey, now_ms: f64, f: &mut dyn FnMut(WindowState)) {
        for r in self.rules_for(key, now_ms) {
            let o = self.obs_of(key, &r);
            let used = self.used(key, &r, o, now_ms);
            let reserved = self.inflight(key, &r, now_ms, now_ms);
            let next = self.earliest(key, &r, 1, now_ms);
            let resets_at_ms = if next > now_ms {
                next
            } else if r.w == Window::Day {
                r.natural_end(now_ms)
            } else {
                // Sliding and open: when the oldest counted thing leaves (now if empty).
                let cut = o.map_or(f64::NEG_INFINITY, |o| o.t);
                let mut first = f64::INFINITY;
                for t in self.tabs.values() {
                    for e in t.log.get(key).into_iter().flatten() {
                        if e.0 > cut && r.holds(e.0, now_ms) {
                            first = first.min(e.0 + span(r.w));
                        }
                    }
                }
                if let Some(o) = o.filter(|o| o.until > now_ms) {
                    first = first.min(o.until);
                }
                if first.is_finite() {
                    first
                } else {
                    now_ms
                }
            };
            f(WindowState {
                window: r.w,
                unit: r.u,
                limit: r.l,
                used,
                reserved,
                resets_at_ms,
                source: r.s,
                day_reset: r.r,
            });
        }
    }

    /// Each (key, window) of `quota()`, in row order.
    fn each_window(&self, now_ms: f64, f: &mut dyn FnMut(&ScopeKey, &WindowState)) {
        // Both maps are sorted: walk them together (each key once) instead of sorting.
        let (a, b) = (&self.rules.0, &self.decl.0);
        let (mut i, mut j) = (0, 0);
        loop {
            let key = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => {
                    let o = x.0.cmp(&y.0);
                    i += usize::from(o.is_le());
                    j += usize::from(o.is_ge());
                    if o.is_le() {
                        &x.0
                    } else {
                        &y.0
                    }
                }
                (Some(x), None) => {
                    i += 1;
                    &x.0
                }
                (None, Some(y)) => {
                    j += 1;
                    &y.0
                }
                (None, None) => break,
            };
            self.each_state(key, now_ms, &mut |s| f(key, &s));
        }
    }

    /// One row per (key, window, unit), for `quota()`.
    pub fn snapshot(&self, now_ms: f64) -> Vec<ScopeRow> {
        let mut rows = Vec::new();
        self.each_window(now_ms, &mut |key, s| {
            let used = s.used.saturating_add(s.reserved);
            rows.push(ScopeRow {
                provider: key.provider.clone(),
                scope: key.scope_str().to_string(),
                window: s.window.as_str().to_string(),
                unit: unit_str(s.unit).to_string(),
                limit: s.limit,
                used,
                remaining: s.limit.saturating_sub(used),
                resets_at: s.resets_at_ms,
                source: s.source.as_str().to_string(),
            });
        });
        rows
    }

    /// `snapshot` as the values `quota().scopes` shows (what `ScopeRow::to_value` gives),
    /// built directly: no row strings to allocate and clone again.
    pub fn snapshot_values(&self, now_ms: f64) -> Vec<Value> {
        let mut rows = Vec::new();
        self.each_window(now_ms, &mut |key, s| {
            let used = s.used.saturating_add(s.reserved);
            let mut m = Map::new();
            m.put("provider", key.provider.as_str().into());
            m.put("scope", key.scope_str().into());
            m.put("window", s.window.as_str().into());
            m.put("unit", unit_str(s.unit).into());
            m.put("source", s.source.as_str().into());
            m.put("limit", s.limit.into());
            m.put("used", used.into());
            m.put("remaining", s.limit.saturating_sub(used).into());
            m.put("resetsAt", s.resets_at_ms.into());
            rows.push(Value::Object(m));
        });
        rows
    }

    /// Spend limit in USD per period (0 = never spend).
    pub fn set_budget(&mut self, max_usd: f64, period: BudgetPeriod) {
        self.budget = Budget {
            max: nano(max_usd),
            period,
        };
    }

    /// (spent, reserved) in nano-USD for the current period.
    fn spend_nano(&self, now: f64) -> (u64, u64) {
        let start = match self.budget.period {
            BudgetPeriod::Day => day_bounds(now, DayReset::UtcMidnight).0,
            BudgetPeriod::Month => month_bounds(now).0,
            BudgetPeriod::Total => f64::NEG_INFINITY,
        };
        let (mut s, mut r) = (0u64, 0u64);
        for tab in self.tabs.values() {
            for e in tab.spent.iter().filter(|e| e.0 >= start) {
                s = s.saturating_add(e.1);
            }
            for p in tab.sp.iter().filter(|p| p.2 > now) {
                r = r.saturating_add(p.1);
            }
        }
        (s, r)
    }

    /// Hold up to `usd` of the budget before a paid call; fails rather than exceed the max.
    // The crate-wide `Error` is large by design (error.rs); these calls are rare.
    pub fn reserve_spend(&mut self, usd: f64, now_ms: f64) -> Result<SpendId, Error> {
        if !(usd.is_finite() && usd >= 0.0) {
            return Err(Error::invalid(format!(
                "spend must be a finite, non-negative USD amount, got {}",
                show_f64(usd)
            )));
        }
        let amt = nano(usd);
        let (s, r) = self.spend_nano(now_ms);
        if s.saturating_add(r).saturating_add(amt) > self.budget.max {
            let row = self.spend(now_ms);
            let when = match row.period {
                BudgetPeriod::Day => " for today (resets at 00:00 UTC)",
                BudgetPeriod::Month => " for this month (resets on the 1st, 00:00 UTC)",
                BudgetPeriod::Total => " in total",
            };
            return Err(Error::new(
                ErrorCode::BudgetExceeded,
                format!(
                    "A paid call of up to {} USD would exceed the budget: {} USD spent \
                     and {} USD in flight of {} USD{when}. Raise budget.maxUsd or stay \
                     on free models.",
                    fixed6(usd),
                    fixed6(row.spent_usd),
                    fixed6(row.reserved_usd),
                    fixed6(row.budget_usd)
                ),
            ));
        }
        let tab = self.own(now_ms);
        let id = tab.next;
        tab.next = id.saturating_add(1);
        tab.sp.push(SpendPend(id, amt, now_ms + SPEND_TTL_MS));
        Ok(SpendId(id))
    }

    /// Record the real cost and release the rest of the reservation.
    pub fn commit_spend(&mut self, id: SpendId, actual_usd: f64, now_ms: f64) {
        let day = day_bounds(now_ms, DayReset::UtcMidnight).0;
        let tab = self.own(now_ms);
        let held = tab.sp.iter().find(|p| p.0 == id.0).map_or(0, |p| p.1);
        keep_if(&mut tab.sp, &|p| p.0 != id.0);
        // An unusable cost counts as the whole reservation (spend is never under-counted).
        let amt = if actual_usd.is_finite() {
            nano(actual_usd)
        } else {
            held
        };
        match tab.spent.iter_mut().find(|e| e.0 == day) {
            Some(e) => e.1 = e.1.saturating_add(amt),
            None => tab.spent.push((day, amt)),
        }
    }

    pub fn refund_spend(&mut self, id: SpendId, now_ms: f64) {
        keep_if(&mut self.own(now_ms).sp, &|p| p.0 != id.0);
    }

    pub fn spend(&self, now_ms: f64) -> SpendRow {
        let (s, r) = self.spend_nano(now_ms);
        let period = self.budget.period;
        SpendRow {
            spent_usd: s as f64 / NANO,
            reserved_usd: r as f64 / NANO,
            budget_usd: self.budget.max as f64 / NANO,
            period,
            resets_at_ms: match period {
                BudgetPeriod::Day => Some(day_bounds(now_ms, DayReset::UtcMidnight).1),
                BudgetPeriod::Month => Some(month_bounds(now_ms).1),
                BudgetPeriod::Total => None,
            },
        }
    }

    /// Compact JSON of the whole ledger (for localStorage): counts, limits, observations,
    /// spend, pending reservations with their expiry, and local configuration. A tab loading
    /// it calls `set_tab` with its own id and declares its limits again.
    pub fn to_json(&self) -> String {
        to_string_with(|o| self.write(o))
    }

    /// Load a stored ledger; anything unreadable or of another version is an error (start
    /// fresh).
    pub fn from_json(s: &str) -> Result<Ledger, Error> {
        let unreadable = |e: &dyn std::fmt::Display| {
            Error::parse(format!("stored quota ledger is unreadable: {e}"))
        };
        let v = json::from_str(s).map_err(|e| unreadable(&e))?;
        let l = Ledger::read(&v).map_err(|e| match e {
            Bad::Missing(k) => unreadable(&format_args!("missing field `{k}`")),
            Bad::Invalid(k) => unreadable(&format_args!("`{k}` is missing or invalid")),
            Bad::Scope(s) => unreadable(&format_args!("bad scope {}", Value::from(s))),
        })?;
        if l.v != VERSION {
            return Err(Error::parse(format!(
                "stored quota ledger has version {}, expected {VERSION}",
                l.v
            )));
        }
        Ok(l)
    }

    /// `from_json` without the error text, for callers that only skip what they cannot read
    /// (the web layer): the texts' formatting then stays out of the wasm.
    pub fn load(s: &str) -> Option<Ledger> {
        let l = Ledger::read(&json::from_str(s).ok()?).ok()?;
        (l.v == VERSION).then_some(l)
    }

    /// Fold in another tab's ledger. Each tab's contribution is kept at its highest version
    /// (ties broken by content, so any order gives the same result); counts are sums over
    /// tabs, so two tabs' usage adds up and re-merging the same state changes nothing.
    /// Limits and provider observations: newest wins. Credits flags: union.
    pub fn merge(&mut self, other: &Ledger) {
        self.merge_owned(other.clone());
    }

    /// `merge` of a ledger the caller no longer needs (the web layer's freshly read ones):
    /// keys and tab contributions move instead of being cloned.
    pub fn merge_owned(&mut self, other: Ledger) {
        for (k, rs) in other.rules.0 {
            let mine = self.rules.entry(k);
            for r in &rs {
                upsert(mine, r, &|x| r.order(x).is_gt());
            }
            sort_slots(mine);
        }
        for (k, os) in other.obs.0 {
            let mine = self.obs.entry(k);
            for o in &os {
                upsert(mine, o, &|x| o.order(x).is_gt());
            }
            sort_slots(mine);
        }
        for (id, t) in other.tabs.0 {
            let take = match self.tabs.get(&id) {
                None => true,
                Some(m) => t.v > m.v || (t.v == m.v && t != *m && tab_text(&t) > tab_text(m)),
            };
            if take {
                self.tabs.insert(id, t);
            }
        }
        for c in &other.credits {
            add_sorted(&mut self.credits, c);
        }
    }

    /// Drop other tabs' contributions that no longer count for anything (no spend, no live
    /// reservation, no log entry younger than the longest window). Safe at any time: such a
    /// contribution counts zero wherever it is merged back.
    pub fn gc(&mut self, now_ms: f64) {
        let keep = self.retain_ms();
        let me = self.tab.clone();
        self.tabs.retain(|id, t| {
            *id == me
                || !t.spent.is_empty()
                || t.pend.iter().any(|p| p.exp > now_ms)
                || t.sp.iter().any(|p| p.2 > now_ms)
                || t.log
                    .0
                    .iter()
                    .any(|l| l.1.iter().any(|e| e.0 > now_ms - keep))
        });
    }
}

/// `v.retain(keep)` with one instance per item type, not one per closure.
#[inline(never)]
fn keep_if<T>(v: &mut Vec<T>, keep: &dyn Fn(&T) -> bool) {
    v.retain(|x| keep(x));
}

fn nano(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 {
        (usd * NANO).round() as u64
    } else {
        0
    }
}

/// Append one answered request, keeping the log sorted and at most `LOG_CAP` long.
fn push_entry(log: &mut Vec<Entry>, at: f64, tok: u64) {
    let i = log.partition_point(|e| e.0 <= at);
    match log.get_mut(i.wrapping_sub(1)) {
        Some(e) if e.0 == at => {
            e.1 = e.1.saturating_add(1);
            e.2 = e.2.saturating_add(tok);
        }
        _ => log.insert(i, Entry(at, 1, tok)),
    }
    while log.len() > LOG_CAP {
        // Entry j holds requests stamped in (t[j-1], t[j]]. Merge the pair whose merged span is
        // smallest relative to its age into the later entry, so spans grow with age (recent
        // entries, which short windows need exactly, stay exact). The oldest entry's span is
        // unknown, so it is never merged into (it simply ages out).
        let newest = log.last().map_or(at, |e| e.0).max(at);
        let mut best = (f64::INFINITY, 1);
        for (j, p) in log.windows(3).enumerate() {
            if let [a, _, c] = p {
                let cost = (c.0 - a.0) / ((newest - c.0).max(0.0) + 1000.0);
                if cost < best.0 {
                    best = (cost, j + 1);
                }
            }
        }
        if best.1 + 1 >= log.len() {
            break;
        }
        let old = log.remove(best.1);
        if let Some(e) = log.get_mut(best.1) {
            e.1 = e.1.saturating_add(old.1);
            e.2 = e.2.saturating_add(old.2);
        }
    }
}

use crate::core::time::{civil_from_days, days_from_civil};

// ---- civil-date math (proleptic Gregorian, days since 1970-01-01) ----

/// First Sunday on or after a day (1970-01-01 was a Thursday).
fn sunday_from(day: i64) -> i64 {
    day + (7 - (day + 4).rem_euclid(7)) % 7
}

/// US daylight time of year y, as day numbers: (second Sunday of March, first Sunday of
/// November).
fn dst_days(y: i64) -> (i64, i64) {
    (
        sunday_from(days_from_civil(y, 3, 1)) + 7,
        sunday_from(days_from_civil(y, 11, 1)),
    )
}

fn day_of(ms: f64) -> i64 {
    (ms / DAY).floor() as i64
}

/// UTC ms of midnight Pacific on local date `d`. Midnight is never inside the 02:00 switch,
/// so the date alone says PST (UTC-8) or PDT (UTC-7).
fn pacific_midnight(d: i64) -> f64 {
    let (start, end) = dst_days(civil_from_days(d).0);
    let off = if d > start && d <= end { 7.0 } else { 8.0 };
    d as f64 * DAY + off * HOUR
}

/// The calendar day containing `now_ms`: (start, end) in epoch ms.
pub fn day_bounds(now_ms: f64, reset: DayReset) -> (f64, f64) {
    match reset {
        DayReset::UtcMidnight => {
            let s = day_of(now_ms) as f64 * DAY;
            (s, s + DAY)
        }
        DayReset::PacificMidnight => {
            // DST runs from 02:00 PST (10:00 UTC) to 02:00 PDT (09:00 UTC) on the switch days.
            let (start, end) = dst_days(civil_from_days(day_of(now_ms)).0);
            let pdt = now_ms >= start as f64 * DAY + 10.0 * HOUR
                && now_ms < end as f64 * DAY + 9.0 * HOUR;
            let local = day_of(now_ms - if pdt { 7.0 } else { 8.0 } * HOUR);
            (pacific_midnight(local), pacific_midnight(local + 1))
        }
    }
}

/// The UTC calendar month containing `now_ms`: (start, end) in epoch ms.
fn month_bounds(now_ms: f64) -> (f64, f64) {
    let (y, m) = civil_from_days(day_of(now_ms));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (
        days_from_civil(y, m, 1) as f64 * DAY,
        days_from_civil(ny, nm, 1) as f64 * DAY,
    )
}

/// Insert into a sorted list of names unless present.
fn add_sorted(v: &mut Vec<String>, s: &str) {
    if let Err(i) = v.binary_search_by(|x| x.as_str().cmp(s)) {
        v.insert(i, s.to_string());
    }
}

// ---- persistence: compact JSON, written and read by hand ----
//
// Layout (the one serde derived before, so stored ledgers stay readable):
// {"v":1,"tab":..,"rules":[[key,[rule..]]..],"obs":[[key,[obs..]]..],"tabs":{id:tab..},
//  "credits":[..],"decl":[[key,[rule..]]..],"budget":{"max":n,"period":"total"}}
// key [provider,"*free"|"*provider"|"=model"]; rule {"w","u","l","s","r","t","k"?} (s "g": a guess);
// obs {"w","u","t","n","until"}; window "m"|"h"|"d"|{"ms":n}; tab {"v","next","log":[[key,
// [[at,req,tok]..]]..],"pend":[{"id","k","tok","exp"}..],"sp":[[id,nano,exp]..],"spent":[[day,nano]..]}.

fn to_string_with(f: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    f(&mut out);
    out
}

fn put_u(out: &mut String, n: u64) {
    out.push_str(&n.to_string());
}

/// serde_json's float form (shortest round trip; `null` when not finite).
fn put_f(out: &mut String, x: f64) {
    out.push_str(&json_f64(x));
}

/// `[a,b,..]` with `item` writing each element.
fn put_list<T>(out: &mut String, items: &[T], item: &dyn Fn(&mut String, &T)) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, x);
    }
    out.push(']');
}

/// `,"name":` (no comma for the first field: pass `first`).
fn put_field(out: &mut String, name: &str, first: bool) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn put_key(out: &mut String, k: &ScopeKey) {
    out.push('[');
    push_json_str(out, &k.provider);
    out.push(',');
    match &k.scope {
        Scope::OpenRouterFree => out.push_str("\"*free\""),
        Scope::Provider => out.push_str("\"*provider\""),
        Scope::Model(m) => push_json_str(out, &format!("={m}")),
    }
    out.push(']');
}

fn put_window(out: &mut String, w: Window) {
    match w {
        Window::Minute => out.push_str("\"m\""),
        Window::Hour => out.push_str("\"h\""),
        Window::Day => out.push_str("\"d\""),
        Window::Millis(n) => {
            out.push_str("{\"ms\":");
            put_u(out, n);
            out.push('}');
        }
    }
}

fn put_wu(out: &mut String, w: Window, u: Unit) {
    put_field(out, "w", true);
    put_window(out, w);
    put_field(out, "u", false);
    out.push_str(match u {
        Unit::Requests => "\"r\"",
        Unit::Tokens => "\"t\"",
    });
}

fn put_rule(out: &mut String, r: &Rule) {
    out.push('{');
    put_wu(out, r.w, r.u);
    put_field(out, "l", false);
    put_u(out, r.l);
    put_field(out, "s", false);
    out.push_str(match r.s {
        Source::Documented => "\"d\"",
        Source::Learned if r.g => "\"g\"",
        Source::Learned => "\"l\"",
        Source::Header => "\"h\"",
        Source::Provider => "\"p\"",
    });
    put_field(out, "r", false);
    out.push_str(match r.r {
        DayReset::UtcMidnight => "\"UtcMidnight\"",
        DayReset::PacificMidnight => "\"PacificMidnight\"",
    });
    put_field(out, "t", false);
    put_f(out, r.t);
    if r.k > 0 {
        put_field(out, "k", false);
        put_u(out, u64::from(r.k));
    }
    out.push('}');
}

fn put_obs(out: &mut String, o: &Obs) {
    out.push('{');
    put_wu(out, o.w, o.u);
    put_field(out, "t", false);
    put_f(out, o.t);
    put_field(out, "n", false);
    put_u(out, o.n);
    put_field(out, "until", false);
    put_f(out, o.until);
    out.push('}');
}

/// `[[key,[item..]]..]`
fn put_pairs<T>(out: &mut String, m: &SortedMap<ScopeKey, Vec<T>>, item: &dyn Fn(&mut String, &T)) {
    put_list(out, &m.0, &|out, (k, v)| {
        out.push('[');
        put_key(out, k);
        out.push(',');
        put_list(out, v, item);
        out.push(']');
    });
}

/// A tab's stored form: the tie-break between two versions of one tab.
fn tab_text(t: &Tab) -> String {
    to_string_with(|o| put_tab(o, t))
}

fn put_tab(out: &mut String, t: &Tab) {
    out.push('{');
    put_field(out, "v", true);
    put_u(out, t.v);
    put_field(out, "next", false);
    put_u(out, t.next);
    put_field(out, "log", false);
    put_pairs(out, &t.log, &|out, e| {
        out.push('[');
        put_f(out, e.0);
        out.push(',');
        put_u(out, e.1);
        out.push(',');
        put_u(out, e.2);
        out.push(']');
    });
    put_field(out, "pend", false);
    put_list(out, &t.pend, &|out, p| {
        out.push('{');
        put_field(out, "id", true);
        put_u(out, p.id);
        put_field(out, "k", false);
        put_list(out, &p.k, &|out, k| put_key(out, k));
        put_field(out, "tok", false);
        put_u(out, p.tok);
        put_field(out, "exp", false);
        put_f(out, p.exp);
        out.push('}');
    });
    put_field(out, "sp", false);
    put_list(out, &t.sp, &|out, p| {
        out.push('[');
        put_u(out, p.0);
        out.push(',');
        put_u(out, p.1);
        out.push(',');
        put_f(out, p.2);
        out.push(']');
    });
    put_field(out, "spent", false);
    put_list(out, &t.spent, &|out, e| {
        out.push('[');
        put_f(out, e.0);
        out.push(',');
        put_u(out, e.1);
        out.push(']');
    });
    out.push('}');
}

type Obj = Map;

/// Why a stored ledger is unreadable. Copy and text-free, so the readers' error paths cost
/// nothing; `from_json` turns it into the message.
#[derive(Clone, Copy)]
enum Bad<'a> {
    Missing(&'a str),
    Invalid(&'a str),
    Scope(&'a str),
}

type Read<'a, T> = Result<T, Bad<'a>>;

fn invalid(what: &str) -> Bad<'_> {
    Bad::Invalid(what)
}

/// A required field.
fn req<'a>(o: &'a Obj, k: &'a str) -> Read<'a, &'a Value> {
    o.get(k).ok_or(Bad::Missing(k))
}

fn as_u<'a>(v: &Value, what: &'a str) -> Read<'a, u64> {
    v.as_u64().ok_or(Bad::Invalid(what))
}

fn as_f<'a>(v: &Value, what: &'a str) -> Read<'a, f64> {
    v.as_f64().ok_or(Bad::Invalid(what))
}

/// A required unsigned field, named the same in both errors.
fn req_u<'a>(o: &'a Obj, k: &'a str) -> Read<'a, u64> {
    as_u(req(o, k)?, k)
}

/// A required float field, named the same in both errors.
fn req_f<'a>(o: &'a Obj, k: &'a str) -> Read<'a, f64> {
    as_f(req(o, k)?, k)
}

fn as_obj<'a>(v: &'a Value, what: &'a str) -> Read<'a, &'a Obj> {
    v.as_object().ok_or(Bad::Invalid(what))
}

/// A JSON array of exactly `n` items (any length when `n` is 0).
fn as_arr<'a>(v: &'a Value, n: usize, what: &'a str) -> Read<'a, &'a [Value]> {
    match v.as_array() {
        Some(a) if n == 0 || a.len() == n => Ok(a),
        _ => Err(invalid(what)),
    }
}

/// An optional list field (missing = empty).
fn opt_arr<'a>(o: &'a Obj, k: &'a str) -> Read<'a, &'a [Value]> {
    match o.get(k) {
        None => Ok(&[]),
        Some(v) => as_arr(v, 0, k),
    }
}

/// An optional list field (missing = empty), each item read by `item`.
fn opt_list<'a, T>(
    o: &'a Obj,
    k: &'a str,
    item: &dyn Fn(&'a Value) -> Read<'a, T>,
) -> Read<'a, Vec<T>> {
    read_all(opt_arr(o, k)?, item)
}

/// Each item read by `item`: a plain loop, as `collect::<Result<Vec<_>>>` costs three
/// functions per item type.
fn read_all<'a, T>(a: &'a [Value], item: &dyn Fn(&'a Value) -> Read<'a, T>) -> Read<'a, Vec<T>> {
    let mut out = Vec::with_capacity(a.len());
    for x in a {
        out.push(item(x)?);
    }
    Ok(out)
}

fn get_key(v: &Value) -> Read<'_, ScopeKey> {
    let [p, s] = as_arr(v, 2, "scope key")? else {
        return Err(invalid("scope key"));
    };
    let (Some(provider), Some(s)) = (p.as_str(), s.as_str()) else {
        return Err(invalid("scope key"));
    };
    let scope = match s {
        "*free" => Scope::OpenRouterFree,
        "*provider" => Scope::Provider,
        _ => match s.strip_prefix('=') {
            Some(m) => Scope::Model(m.to_string()),
            None => return Err(Bad::Scope(s)),
        },
    };
    Ok(ScopeKey {
        provider: provider.to_string(),
        scope,
    })
}

/// `"w"` and `"u"` of a rule or observation.
fn get_wu(o: &Obj) -> Read<'_, (Window, Unit)> {
    let w = match req(o, "w")? {
        Value::String(s) if s == "m" => Window::Minute,
        Value::String(s) if s == "h" => Window::Hour,
        Value::String(s) if s == "d" => Window::Day,
        Value::Object(m) if m.len() == 1 => Window::Millis(as_u(req(m, "ms")?, "w")?),
        _ => return Err(invalid("w")),
    };
    let u = match req(o, "u")?.as_str() {
        Some("r") => Unit::Requests,
        Some("t") => Unit::Tokens,
        _ => return Err(invalid("u")),
    };
    Ok((w, u))
}

fn get_rule(v: &Value) -> Read<'_, Rule> {
    let o = as_obj(v, "rule")?;
    let (w, u) = get_wu(o)?;
    let (s, g) = match req(o, "s")?.as_str() {
        Some("d") => (Source::Documented, false),
        Some("l") => (Source::Learned, false),
        Some("g") => (Source::Learned, true),
        Some("h") => (Source::Header, false),
        Some("p") => (Source::Provider, false),
        _ => return Err(invalid("s")),
    };
    let r = match o.get("r").map(Value::as_str) {
        None | Some(Some("UtcMidnight")) => DayReset::UtcMidnight,
        Some(Some("PacificMidnight")) => DayReset::PacificMidnight,
        _ => return Err(invalid("r")),
    };
    Ok(Rule {
        w,
        u,
        l: req_u(o, "l")?,
        s,
        r,
        t: req_f(o, "t")?,
        g,
        k: match o.get("k") {
            None => 0,
            Some(v) => u8::try_from(as_u(v, "k")?.min(16)).unwrap_or(16),
        },
    })
}

fn get_obs(v: &Value) -> Read<'_, Obs> {
    let o = as_obj(v, "obs")?;
    let (w, u) = get_wu(o)?;
    Ok(Obs {
        w,
        u,
        t: req_f(o, "t")?,
        n: req_u(o, "n")?,
        until: req_f(o, "until")?,
    })
}

/// `[key,[item..]]`: the key (read after the items) and the items.
fn get_pair<'a>(p: &'a Value, k: &'a str) -> Read<'a, (&'a Value, &'a [Value])> {
    let [key, items] = as_arr(p, 2, k)? else {
        return Err(invalid(k));
    };
    Ok((key, as_arr(items, 0, k)?))
}

/// `[[key,[item..]]..]` (missing = empty; a repeated key keeps the last). Straight into the
/// map: no intermediate list of pairs per item type.
fn get_pairs<'a, T>(
    o: &'a Obj,
    k: &'a str,
    item: &dyn Fn(&'a Value) -> Read<'a, T>,
) -> Read<'a, SortedMap<ScopeKey, Vec<T>>> {
    let mut m = SortedMap::default();
    for p in opt_arr(o, k)? {
        let (key, items) = get_pair(p, k)?;
        let items = read_all(items, item)?;
        m.insert(get_key(key)?, items);
    }
    Ok(m)
}

// Readers fill a default value field by field: with one value live, every early return drops
// just that, instead of each combination of the fields read so far.

#[inline(never)]
fn get_tab(v: &Value) -> Read<'_, Tab> {
    let o = as_obj(v, "tab")?;
    let mut t = Tab {
        v: req_u(o, "v")?,
        next: req_u(o, "next")?,
        ..Tab::default()
    };
    t.log = get_pairs(o, "log", &|e| match as_arr(e, 3, "log")? {
        [at, r, t] => Ok(Entry(as_f(at, "log")?, as_u(r, "log")?, as_u(t, "log")?)),
        _ => Err(invalid("log")),
    })?;
    t.pend = opt_list(o, "pend", &|p| {
        let p = as_obj(p, "pend")?;
        let mut k = Vec::new();
        for key in as_arr(req(p, "k")?, 0, "k")? {
            k.push(get_key(key)?);
        }
        Ok(Pend {
            id: req_u(p, "id")?,
            k,
            tok: req_u(p, "tok")?,
            exp: req_f(p, "exp")?,
        })
    })?;
    t.sp = opt_list(o, "sp", &|p| match as_arr(p, 3, "sp")? {
        [id, n, exp] => Ok(SpendPend(as_u(id, "sp")?, as_u(n, "sp")?, as_f(exp, "sp")?)),
        _ => Err(invalid("sp")),
    })?;
    t.spent = opt_list(o, "spent", &|e| match as_arr(e, 2, "spent")? {
        [d, n] => Ok((as_f(d, "spent")?, as_u(n, "spent")?)),
        _ => Err(invalid("spent")),
    })?;
    Ok(t)
}

impl Ledger {
    fn write(&self, out: &mut String) {
        out.push('{');
        put_field(out, "v", true);
        put_u(out, u64::from(self.v));
        put_field(out, "tab", false);
        push_json_str(out, &self.tab);
        put_field(out, "rules", false);
        put_pairs(out, &self.rules, &put_rule);
        put_field(out, "obs", false);
        put_pairs(out, &self.obs, &put_obs);
        put_field(out, "tabs", false);
        out.push('{');
        for (i, (id, t)) in self.tabs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, id);
            out.push(':');
            put_tab(out, t);
        }
        out.push('}');
        put_field(out, "credits", false);
        put_list(out, &self.credits, &|out, c| push_json_str(out, c));
        put_field(out, "decl", false);
        put_pairs(out, &self.decl, &put_rule);
        put_field(out, "budget", false);
        out.push('{');
        put_field(out, "max", true);
        put_u(out, self.budget.max);
        put_field(out, "period", false);
        push_json_str(out, self.budget.period.as_str());
        out.push_str("}}");
    }

    fn read(v: &Value) -> Read<'_, Ledger> {
        let o = as_obj(v, "ledger")?;
        let mut l = Ledger::new();
        l.v = u32::try_from(req_u(o, "v")?).map_err(|_| invalid("v"))?;
        l.tab = req(o, "tab")?.as_str().ok_or(invalid("tab"))?.to_string();
        l.rules = get_pairs(o, "rules", &get_rule)?;
        l.obs = get_pairs(o, "obs", &get_obs)?;
        // What no `learn` can produce (a reset past the window's span, a non-number) is
        // garbage or an older build's unbounded reset: dropped, so it cannot lock a provider.
        for (_, os) in &mut l.obs.0 {
            keep_if(os, &|o| {
                o.t.is_finite() && o.until.is_finite() && o.until <= o.t + span(o.w)
            });
        }
        if let Some(t) = o.get("tabs") {
            for (id, t) in as_obj(t, "tabs")? {
                l.tabs.insert(id.clone(), get_tab(t)?);
            }
        }
        if let Some(c) = o.get("credits") {
            for c in as_arr(c, 0, "credits")? {
                add_sorted(&mut l.credits, c.as_str().ok_or(invalid("credits"))?);
            }
        }
        l.decl = get_pairs(o, "decl", &get_rule)?;
        if let Some(b) = o.get("budget") {
            let b = as_obj(b, "budget")?;
            l.budget.max = req_u(b, "max")?;
            l.budget.period = match req(b, "period")?.as_str() {
                Some("day") => BudgetPeriod::Day,
                Some("month") => BudgetPeriod::Month,
                Some("total") => BudgetPeriod::Total,
                _ => return Err(invalid("period")),
            };
        }
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::text;

    #[test]
    fn civil_round_trip() {
        for d in [-800_000i64, -1, 0, 59, 365, 10_957, 20_520, 2_000_000] {
            let (y, m) = civil_from_days(d);
            let first = days_from_civil(y, m, 1);
            assert!(first <= d && d - first < 31, "{d}");
        }
        assert_eq!(days_from_civil(2026, 3, 8), 20_520);
        assert_eq!(dst_days(2026), (20_520, 20_758));
    }

    /// The defaults table gives what the per-provider lists gave, in the same order.
    #[test]
    fn defaults_table_matches_lists() {
        let models = [
            "llama-3.1-8b",
            "llama-3.3-70b",
            "gpt-oss-20b",
            "compound",
            "x",
            "gemma-3",
            "gemini-flash-lite",
            "gemini-2.5-flash",
        ];
        let kinds = [
            ProviderKind::OpenRouter,
            ProviderKind::Groq,
            ProviderKind::Gemini,
            ProviderKind::Cerebras,
            ProviderKind::Mistral,
        ];
        let mut scopes = vec![Scope::OpenRouterFree, Scope::Provider];
        scopes.extend(models.iter().map(|m| Scope::Model(m.to_string())));
        for kind in kinds {
            for scope in &scopes {
                for credits in [false, true] {
                    let mut l = Ledger::new();
                    l.ensure_defaults("p", kind, scope, 0.0);
                    let r = default_reset(Some(kind));
                    let mut want: Vec<Rule> = Vec::new();
                    for (w, u, l) in old_defaults(kind, scope, credits) {
                        want.push(Rule {
                            w,
                            u,
                            l,
                            s: Source::Documented,
                            r,
                            t: 0.0,
                            g: false,
                            k: 0,
                        });
                    }
                    sort_slots(&mut want);
                    if credits {
                        l.credits.push("p".into());
                        l.rules = SortedMap::default();
                        l.ensure_defaults("p", kind, scope, 0.0);
                    }
                    let key = ScopeKey::new("p", scope.clone());
                    assert_eq!(
                        l.rules.get(&key),
                        (!want.is_empty()).then_some(&want),
                        "{kind:?} {scope:?}"
                    );
                }
            }
        }
    }

    /// `earliest` as it was (collect, sort, first that fits), as the reference.
    fn old_earliest(l: &Ledger, key: &ScopeKey, r: &Rule, need: u64, now: f64) -> f64 {
        let o = l.obs_of(key, r);
        let need = need.min(r.l);
        let fits = |t: f64| {
            l.used(key, r, o, t)
                .saturating_add(l.inflight(key, r, t, now))
                .saturating_add(need)
                <= r.l
        };
        if fits(now) {
            return now;
        }
        let mut c = vec![r.natural_end(now)];
        if let Some(o) = o.filter(|o| o.until > now) {
            c.push(o.until);
        }
        if r.w != Window::Day {
            for tab in l.tabs.values() {
                for e in tab.log.get(key).into_iter().flatten() {
                    c.push(e.0 + span(r.w));
                }
            }
        }
        c.retain(|t| *t > now);
        sort::sort_by(&mut c, f64::total_cmp);
        c.dedup();
        let last = c.last().copied().unwrap_or(now);
        c.into_iter().find(|t| fits(*t)).unwrap_or(last)
    }

    #[test]
    fn earliest_matches_reference() {
        let t0 = 1.8e12;
        let key = ScopeKey::new("p", Scope::Provider);
        let mut l = Ledger::new();
        for (w, u, n) in [
            (Window::Minute, Unit::Requests, 5),
            (Window::Millis(7_000), Unit::Requests, 3),
            (Window::Hour, Unit::Tokens, 900),
            (Window::Day, Unit::Requests, 40),
        ] {
            l.declare(key.clone(), w, u, n, DayReset::PacificMidnight);
        }
        let mut seed = 7u64;
        let mut rnd = |m: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        let mut now = t0;
        let mut blocked = 0;
        for step in 0..400 {
            now += rnd(9_000) as f64;
            if step % 37 == 0 {
                let fact = LimitFact {
                    scope: Scope::Provider,
                    window: Window::Minute,
                    unit: Unit::Requests,
                    limit: None,
                    remaining: Some(rnd(3)),
                    reset_at_ms: Some(now + rnd(50_000) as f64),
                    source: Source::Header,
                };
                l.learn("p", &fact, now);
            }
            for r in l.rules_for(&key, now) {
                for need in [1, 2, 50] {
                    blocked += usize::from(l.earliest(&key, &r, need, now) > now);
                    assert_eq!(
                        l.earliest(&key, &r, need, now).to_bits(),
                        old_earliest(&l, &key, &r, need, now).to_bits(),
                        "step {step}"
                    );
                }
            }
            if let Ok(id) = l.reserve(std::slice::from_ref(&key), rnd(80), now) {
                if rnd(4) > 0 {
                    l.commit(id, Some(rnd(120)), now + rnd(500) as f64);
                }
            }
        }
        assert!(blocked > 100, "{blocked}");
    }

    /// The web layer's direct rows equal the `ScopeRow` ones.
    #[test]
    fn snapshot_values_match_rows() {
        let now = 1.8e12;
        let mut l = Ledger::new();
        let keys = ScopeKey::for_call("groq", ProviderKind::Groq, "llama-3.1-8b-instant", false);
        for k in &keys {
            l.ensure_defaults(&k.provider, ProviderKind::Groq, &k.scope, now);
        }
        l.declare(
            ScopeKey::new("other", Scope::Provider),
            Window::Millis(5000),
            Unit::Requests,
            3,
            DayReset::UtcMidnight,
        );
        l.declare(
            keys[1].clone(),
            Window::Hour,
            Unit::Tokens,
            900,
            DayReset::UtcMidnight,
        );
        l.ensure_defaults("zz", ProviderKind::Cerebras, &Scope::Model("m".into()), now);
        let id = l.reserve(&keys, 100, now).expect("room");
        l.commit(id, Some(40), now + 5.0);
        l.reserve(&keys, 7, now + 6.0).expect("room");
        let rows: Vec<Value> = l
            .snapshot(now + 9.0)
            .iter()
            .map(ScopeRow::to_value)
            .collect();
        assert!(rows.len() > 3);
        // Each key of rules and declarations once, in key order.
        let mut all: Vec<&ScopeKey> = l.rules.keys().chain(l.decl.keys()).collect();
        all.sort();
        all.dedup();
        let mut order = Vec::new();
        l.each_window(now + 9.0, &mut |k, _| order.push(k.clone()));
        let mut want = Vec::new();
        for k in all {
            for _ in l.windows(k, now + 9.0) {
                want.push(k.clone());
            }
        }
        assert_eq!(order, want);
        assert_eq!(l.snapshot_values(now + 9.0), rows);
    }

    /// The texts of unreadable-ledger errors stay as they were.
    #[test]
    fn from_json_error_texts() {
        let msg = |s: &str| Ledger::from_json(s).expect_err(s).message;
        let pre = "stored quota ledger is unreadable: ";
        assert_eq!(msg("{\"v\":1}"), format!("{pre}missing field `tab`"));
        assert_eq!(msg("[]"), format!("{pre}`ledger` is missing or invalid"));
        assert_eq!(
            msg("{\"v\":1,\"tab\":\"a\",\"rules\":[[[\"p\",\"x\\\"y\"],[]]]}"),
            format!("{pre}bad scope \"x\\\"y\"")
        );
        assert_eq!(
            msg("{\"v\":1,\"tab\":\"a\",\"obs\":[[[\"p\",\"*free\"],[{\"w\":\"m\",\"u\":\"r\",\"t\":1,\"n\":1}]]]}"),
            format!("{pre}missing field `until`")
        );
        assert_eq!(
            msg("{\"v\":1,\"tab\":\"a\",\"tabs\":{\"x\":{\"v\":1,\"next\":\"2\"}}}"),
            format!("{pre}`next` is missing or invalid")
        );
        assert!(msg("{\"v\":1,").starts_with(pre));
        for s in ["{\"v\":1}", "[]", "{\"v\":1,", "{\"v\":2,\"tab\":\"a\"}"] {
            assert_eq!(Ledger::load(s), None);
        }
        // A repeated key keeps the last list; a bad item fails before its key is read.
        let rule = |l: u32| format!("{{\"w\":\"m\",\"u\":\"r\",\"l\":{l},\"s\":\"h\",\"t\":0}}");
        let k = "[\"p\",\"*provider\"]";
        let two = format!(
            "{{\"v\":1,\"tab\":\"a\",\"rules\":[[{k},[{}]],[{k},[{}]]]}}",
            rule(3),
            rule(7)
        );
        let l = Ledger::from_json(&two).expect("readable");
        assert_eq!(l.rules.0.len(), 1);
        assert_eq!(l.rules.0[0].1[0].l, 7);
        assert_eq!(
            msg("{\"v\":1,\"tab\":\"a\",\"rules\":[[[\"p\",\"x\"],[{}]]]}"),
            format!("{pre}missing field `w`")
        );
        let ok = Ledger::new().to_json();
        assert_eq!(Ledger::load(&ok), Ledger::from_json(&ok).ok());
        assert_eq!(
            msg("{\"v\":2,\"tab\":\"a\"}"),
            "stored quota ledger has version 2, expected 1"
        );
    }

    /// Documented free-tier limits as (window, unit, limit); 0 = not documented. Sources:
    /// OpenRouter `api_reference/limits.mdx` (20/min; 50/day, 1000/day with credits); the rest
    /// from reference section 6 (cheahjs list 2026-07; Mistral help center; Cerebras docs).
    fn old_defaults(kind: ProviderKind, scope: &Scope, credits: bool) -> Vec<(Window, Unit, u64)> {
        use Unit::{Requests as R, Tokens as T};
        use Window::{Day as D, Hour as H, Minute as M};
        let mut v = Vec::new();
        match (kind, scope) {
            (ProviderKind::OpenRouter, Scope::OpenRouterFree) => {
                v = vec![(M, R, 20), (D, R, if credits { 1000 } else { 50 })];
            }
            (ProviderKind::Groq, Scope::Model(m)) => {
                // ~30 RPM for every model; RPD/TPM per model family, headers refine them.
                v.push((M, R, 30));
                let (rpd, tpm) = if text::contains(m, "llama-3.1-8b") {
                    (14_400, 6_000)
                } else if text::contains(m, "llama-3.3-70b") {
                    (1_000, 12_000)
                } else if text::contains(m, "gpt-oss") {
                    (1_000, 8_000)
                } else if text::contains(m, "compound") {
                    (250, 0)
                } else {
                    (0, 0)
                };
                v.extend([(D, R, rpd), (M, T, tpm)]);
            }
            (ProviderKind::Gemini, Scope::Model(m)) => {
                // Unknown Gemini models get the strictest listed tier (Flash: 5 RPM, 20 RPD).
                let (rpm, rpd, tpm) = if text::contains(m, "gemma") {
                    (30, 14_400, 15_000)
                } else if text::contains(m, "flash-lite") {
                    (15, 500, 0)
                } else {
                    (5, 20, 250_000)
                };
                v = vec![(M, R, rpm), (D, R, rpd), (M, T, tpm)];
            }
            (ProviderKind::Cerebras, Scope::Model(_)) => {
                v = vec![
                    (M, R, 30),
                    (H, R, 900),
                    (D, R, 14_400),
                    (M, T, 60_000),
                    (H, T, 1_000_000),
                    (D, T, 1_000_000),
                ];
            }
            (ProviderKind::Mistral, Scope::Provider) => {
                v = vec![(Window::Millis(1000), R, 1), (M, T, 500_000)];
            }
            _ => {}
        }
        v.retain(|x| x.2 > 0);
        v
    }
}
