//! Candidate order per strategy, model health (cooldowns, evictions, learned limits), observed
//! stats and sticky sessions. Sans-IO: time (`now_ms`, epoch ms) and randomness (`seed`) are
//! arguments, so every decision is reproducible in tests.
//!
//! What persists (`stats_to_json`): per-model stats and the time-bounded blocks (cooldowns and the
//! free-pool-exhausted time, absolute epoch ms, so they simply expire after a reload). Evictions,
//! learned capability/context limits and provider-out are session state: a reload re-learns them
//! in one request, and a persisted fact could otherwise go stale forever (a key fixed, a model
//! that gained tools).

use std::fmt;

use crate::core::json::{self, Value};

use crate::core::catalog::{push_json_str, Capability};
use crate::core::classify::{Action, Classified};
use crate::core::error::{Error, ErrorCode};
use crate::core::map::SortedMap;
use crate::core::sort;

/// Recent TTFTs kept per model for the p50: recent behaviour matters more than history.
pub const TTFT_WINDOW: usize = 20;
/// Recent outcomes kept per model; the success rate is the share of successes among them.
pub const OUTCOME_WINDOW: u8 = 20;
/// Weight of the newest sample in the tokens/s moving average.
const TPS_ALPHA: f64 = 0.3;
/// Share of `Fastest` plans that put a least-sampled model first, so new models get measured
/// and sunk ones get a second chance.
pub const EXPLORE_RATE: f64 = 0.15;
/// Floor of the success rate in the `Fastest` score (`p50 / max(success, MIN_SUCCESS)`).
pub const MIN_SUCCESS: f64 = 0.05;
/// Persisted stats: at most this many models, none idle 30 days longer than the newest one
/// (free catalogs churn completely within a year; old ids would only grow the storage).
const MAX_SAVED: usize = 256;
const MAX_AGE_MS: u64 = 30 * 24 * 3_600_000;
/// Sticky sessions kept; the least recently pinned one goes first.
pub const MAX_SESSIONS: usize = 1000;

/// How `plan` orders the free candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Random,
    Ordered,
    Fastest,
    Seeded,
    Router,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::Random,
        Strategy::Ordered,
        Strategy::Fastest,
        Strategy::Seeded,
        Strategy::Router,
    ];

    // Option like `ProviderKind::from_id`: the caller words the `invalid_argument` message.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::Ordered => "ordered",
            Strategy::Fastest => "fastest",
            Strategy::Seeded => "seeded",
            Strategy::Router => "router",
        }
    }
}

/// One model on one provider, as the router sees it (the web layer maps `ModelInfo` to this).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub provider: String,
    /// Index of the provider in the client's `providers` list.
    pub provider_rank: usize,
    pub model: String,
    pub free: bool,
    /// A `:free` OpenRouter model: it shares the account-wide free pool.
    pub is_openrouter_free_pool: bool,
    pub context_length: Option<u64>,
    /// What the model has, per the catalog.
    pub caps: Vec<Capability>,
    /// Position in catalog order.
    pub catalog_rank: usize,
    /// Prompt + completion USD per million tokens; orders the paid spill.
    pub price: f64,
}

/// A model named by the caller: a pinned id, or one entry of an explicit `models` list.
/// Without a provider it matches that id on every provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelRef {
    pub provider: Option<String>,
    pub model: String,
}

impl ModelRef {
    pub fn new(provider: Option<&str>, model: &str) -> Self {
        ModelRef {
            provider: provider.map(str::to_string),
            model: model.to_string(),
        }
    }

    pub fn matches(&self, c: &Candidate) -> bool {
        c.model == self.model && self.provider.iter().all(|p| *p == c.provider)
    }
}

/// Why a candidate is left out of a plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Skip {
    CoolingDown {
        until_ms: f64,
    },
    /// Gone until the next catalog refresh of its provider.
    Evicted,
    /// `learned`: the provider said so, although the catalog lists it.
    LacksCapability {
        cap: Capability,
        learned: bool,
    },
    /// The request needs more context than `max` tokens.
    ContextTooSmall {
        max: u64,
        learned: bool,
    },
    /// The key or account is unusable on this provider (401/403/402).
    ProviderOut,
    /// The account-wide free pool of this provider is spent until `until_ms`.
    PoolExhausted {
        until_ms: f64,
    },
}

impl Skip {
    /// When the candidate comes back by itself, if it does.
    pub fn until_ms(&self) -> Option<f64> {
        match self {
            Skip::CoolingDown { until_ms } | Skip::PoolExhausted { until_ms } => Some(*until_ms),
            _ => None,
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::CoolingDown { .. } => f.write_str("cooling down"),
            Skip::Evicted => f.write_str("removed until the next catalog refresh"),
            Skip::LacksCapability { cap, .. } => write!(f, "does not support {}", cap.human()),
            Skip::ContextTooSmall { max, .. } => write!(f, "context too small ({max} tokens)"),
            Skip::ProviderOut => f.write_str("provider key or account unusable"),
            Skip::PoolExhausted { .. } => f.write_str("free-model daily limit reached"),
        }
    }
}

/// Request-independent state of one model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ModelState {
    Available,
    CoolingDown { until_ms: f64 },
    Evicted,
    ProviderOut,
    PoolExhausted { until_ms: f64 },
}

impl ModelState {
    /// `ModelInfo.status`: "available" | "cooling_down" | "evicted".
    pub fn as_str(self) -> &'static str {
        match self {
            ModelState::Available => "available",
            ModelState::CoolingDown { .. } | ModelState::PoolExhausted { .. } => "cooling_down",
            ModelState::Evicted | ModelState::ProviderOut => "evicted",
        }
    }
}

/// Observed behaviour of one model on this client.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StatsView {
    /// Median of the last `TTFT_WINDOW` successful TTFTs.
    pub ttft_ms_p50: Option<f64>,
    /// Moving average (weight 0.3 on the newest) of reported tokens/s.
    pub tokens_per_sec: Option<f64>,
    /// Successes among the last `OUTCOME_WINDOW` recorded outcomes.
    pub success_rate: Option<f64>,
    /// Outcomes ever recorded (successes + failures).
    pub samples: u32,
}

#[derive(Clone, Debug, Default)]
struct Entry {
    cooldown_until: f64,
    /// What the cooldown is for (a 429, a 5xx, a timeout), as its error code.
    cooldown_code: Option<ErrorCode>,
    evicted: bool,
    /// Bit `c as u8` set: learned that the model lacks capability `c`.
    lacks: u8,
    max_ctx: Option<u64>,
    /// Oldest first.
    ttft: Vec<f64>,
    tps: Option<f64>,
    /// Bit 0 = newest outcome, 1 = success; `window` bits are valid.
    outcomes: u32,
    window: u8,
    samples: u32,
    /// Last time anything happened to this model (ages out persisted stats).
    last_ms: f64,
    /// A latency measured elsewhere (OpenRouter's endpoints list), ranking "fastest" until
    /// this client has its own TTFT samples. Not persisted, not in `stats`.
    seed_ttft: Option<f64>,
}

impl Entry {
    fn outcome(&mut self, ok: bool, now_ms: f64) {
        self.outcomes = (self.outcomes << 1) | u32::from(ok);
        self.window = (self.window + 1).min(OUTCOME_WINDOW);
        self.samples = self.samples.saturating_add(1);
        self.touch(now_ms);
    }

    fn touch(&mut self, now_ms: f64) {
        if now_ms.is_finite() {
            self.last_ms = self.last_ms.max(now_ms);
        }
    }

    fn success_rate(&self) -> Option<f64> {
        let mask = (1u32 << self.window) - 1;
        (self.window > 0)
            .then(|| f64::from((self.outcomes & mask).count_ones()) / f64::from(self.window))
    }
}

#[derive(Clone, Debug, Default)]
struct Prov {
    out: bool,
    /// Why the provider is out: the error's code and HTTP status.
    out_reason: Option<(ErrorCode, Option<u16>)>,
    pool_until: f64,
    models: SortedMap<String, Entry>,
}

/// All router state: per-model cooldowns, evictions, learned limits and stats; per-provider
/// out flag and free-pool exhaustion.
#[derive(Clone, Debug, Default)]
pub struct Health {
    providers: SortedMap<String, Prov>,
}

fn bit(c: Capability) -> u8 {
    1 << (c as u8)
}

fn median(v: &[f64]) -> Option<f64> {
    let mut s = v.to_vec();
    sort::sort_by(&mut s, f64::total_cmp);
    let n = s.len();
    let hi = *s.get(n / 2)?;
    if n % 2 == 1 {
        return Some(hi);
    }
    Some((s.get(n / 2 - 1)? + hi) / 2.0)
}

/// Blocks that no amount of waiting lifts.
fn gone(p: Option<&Prov>, e: Option<&Entry>) -> Result<(), Skip> {
    if p.is_some_and(|p| p.out) {
        Err(Skip::ProviderOut)
    } else if e.is_some_and(|e| e.evicted) {
        Err(Skip::Evicted)
    } else {
        Ok(())
    }
}

/// The later of the two time blocks wins: that is when the candidate really comes back.
fn time_block(p: Option<&Prov>, e: Option<&Entry>, pool: bool, now_ms: f64) -> Result<(), Skip> {
    let pool_until = p.filter(|_| pool).map_or(0.0, |p| p.pool_until);
    let cool_until = e.map_or(0.0, |e| e.cooldown_until);
    if pool_until > now_ms && pool_until >= cool_until {
        Err(Skip::PoolExhausted {
            until_ms: pool_until,
        })
    } else if cool_until > now_ms {
        Err(Skip::CoolingDown {
            until_ms: cool_until,
        })
    } else {
        Ok(())
    }
}

impl Health {
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&self, provider: &str, model: &str) -> (Option<&Prov>, Option<&Entry>) {
        let p = self.providers.get(provider);
        (p, p.and_then(|p| p.models.get(model)))
    }

    fn prov_mut(&mut self, provider: &str) -> &mut Prov {
        self.providers.entry(provider.to_string())
    }

    fn entry_mut(&mut self, provider: &str, model: &str) -> &mut Entry {
        let p = self.prov_mut(provider);
        p.models.entry(model.to_string())
    }

    /// Apply what classify decided about a failed attempt. Non-finite times are ignored
    /// (classify always caps them). After `ContextAtMost(n)` the caller should also raise its
    /// `min_context` above `n` for the rest of that call.
    pub fn apply(&mut self, provider: &str, model: &str, action: &Action, now_ms: f64) {
        match *action {
            Action::Cooldown { until_ms } if until_ms.is_finite() => {
                let e = self.entry_mut(provider, model);
                e.cooldown_until = e.cooldown_until.max(until_ms);
                e.touch(now_ms);
            }
            Action::Evict => self.entry_mut(provider, model).evicted = true,
            Action::LacksCapability(c) => self.entry_mut(provider, model).lacks |= bit(c),
            Action::ContextAtMost(n) => {
                let e = self.entry_mut(provider, model);
                e.max_ctx = Some(e.max_ctx.map_or(n, |m| m.min(n)));
            }
            Action::ProviderOut => self.prov_mut(provider).out = true,
            Action::FreePoolExhausted { until_ms } if until_ms.is_finite() => {
                let p = self.prov_mut(provider);
                p.pool_until = p.pool_until.max(until_ms);
            }
            // Bad times (classify caps them), or nothing to remember (Stop is the caller's).
            Action::Cooldown { .. }
            | Action::FreePoolExhausted { .. }
            | Action::TryNext
            | Action::Stop => {}
        }
    }

    /// [`Health::apply`], remembering why: what a cooldown is for and what took a provider
    /// out, so later calls can say what happened.
    pub fn apply_classified(&mut self, provider: &str, model: &str, c: &Classified, now_ms: f64) {
        self.apply(provider, model, &c.action, now_ms);
        match c.action {
            Action::Cooldown { until_ms } if until_ms.is_finite() => {
                let e = self.entry_mut(provider, model);
                if e.cooldown_until <= until_ms {
                    e.cooldown_code = Some(c.error.code);
                }
            }
            Action::ProviderOut => {
                let p = self.prov_mut(provider);
                p.out_reason.get_or_insert((c.error.code, c.error.status));
            }
            _ => {}
        }
    }

    /// Why `provider` is out, when it is: the error code and HTTP status that put it out.
    pub fn out_reason(&self, provider: &str) -> Option<(ErrorCode, Option<u16>)> {
        let p = self.providers.get(provider).filter(|p| p.out)?;
        Some(p.out_reason.unwrap_or((ErrorCode::Auth, None)))
    }

    /// What the model is cooling down for at `now_ms` (None: not known, or not cooling down).
    pub fn cooldown_reason(&self, provider: &str, model: &str, now_ms: f64) -> Option<ErrorCode> {
        let e = self.get(provider, model).1?;
        (e.cooldown_until > now_ms)
            .then_some(e.cooldown_code)
            .flatten()
    }

    /// A success: TTFT sample, optional tokens/s, one successful outcome. A success does not
    /// lift a cooldown: a request started earlier can succeed after a later one got a 429.
    pub fn record_success(
        &mut self,
        provider: &str,
        model: &str,
        ttft_ms: f64,
        tokens_per_sec: Option<f64>,
        now_ms: f64,
    ) {
        let e = self.entry_mut(provider, model);
        if ttft_ms.is_finite() && ttft_ms >= 0.0 {
            if e.ttft.len() >= TTFT_WINDOW {
                e.ttft.remove(0);
            }
            e.ttft.push(ttft_ms);
        }
        if let Some(t) = tokens_per_sec.filter(|t| t.is_finite() && *t > 0.0) {
            e.tps = Some(e.tps.map_or(t, |old| old + TPS_ALPHA * (t - old)));
        }
        e.outcome(true, now_ms);
    }

    /// A time to first token measured elsewhere, for "fastest" until this client measures its
    /// own (`core::endpoints`).
    pub fn seed_latency(&mut self, provider: &str, model: &str, ttft_ms: f64) {
        if ttft_ms.is_finite() && ttft_ms >= 0.0 {
            self.entry_mut(provider, model).seed_ttft = Some(ttft_ms);
        }
    }

    /// The median TTFT this client measured, else the seeded one.
    fn ranking_ttft(&self, provider: &str, model: &str, measured: Option<f64>) -> Option<f64> {
        measured.or_else(|| self.get(provider, model).1.and_then(|e| e.seed_ttft))
    }

    /// A failed outcome for the success rate. Call it for failures that are the model's fault
    /// (not for `Stop`: a bad request says nothing about the model).
    pub fn record_failure_stat(&mut self, provider: &str, model: &str, now_ms: f64) {
        self.entry_mut(provider, model).outcome(false, now_ms);
    }

    /// The provider's catalog was fetched again: its evicted models are admitted again.
    pub fn catalog_refreshed(&mut self, provider: &str) {
        if let Some(p) = self.providers.get_mut(provider) {
            p.models.values_mut().for_each(|e| e.evicted = false);
        }
    }

    /// Forget cooldowns and pool exhaustion ending later than `latest_ms` (or not a number):
    /// stored by an older build from a garbage reset header, they would lock a model or a
    /// provider out for good.
    pub fn forget_beyond(&mut self, latest_ms: f64) {
        for p in self.providers.values_mut() {
            if p.pool_until.is_nan() || p.pool_until > latest_ms {
                p.pool_until = 0.0;
            }
            for e in p.models.values_mut() {
                if e.cooldown_until.is_nan() || e.cooldown_until > latest_ms {
                    e.cooldown_until = 0.0;
                }
            }
        }
    }

    /// Request-independent state; the free pool applies to ids ending in `:free` and to
    /// `openrouter/free` (use `usable` when a `Candidate` is at hand).
    pub fn status(&self, provider: &str, model: &str, now_ms: f64) -> ModelState {
        let pool = model.ends_with(":free") || model == "openrouter/free";
        match self.block(provider, model, pool, now_ms) {
            Ok(()) => ModelState::Available,
            Err(Skip::ProviderOut) => ModelState::ProviderOut,
            Err(Skip::PoolExhausted { until_ms }) => ModelState::PoolExhausted { until_ms },
            Err(Skip::CoolingDown { until_ms }) => ModelState::CoolingDown { until_ms },
            Err(_) => ModelState::Evicted,
        }
    }

    pub fn stats(&self, provider: &str, model: &str) -> StatsView {
        let Some(e) = self.get(provider, model).1 else {
            return StatsView::default();
        };
        StatsView {
            ttft_ms_p50: median(&e.ttft),
            tokens_per_sec: e.tps,
            success_rate: e.success_rate(),
            samples: e.samples,
        }
    }

    fn block(&self, provider: &str, model: &str, pool: bool, now_ms: f64) -> Result<(), Skip> {
        let (p, e) = self.get(provider, model);
        gone(p, e)?;
        time_block(p, e, pool, now_ms)
    }

    /// Can `c` serve a request needing `needs_caps` and `min_context` tokens now? Permanent
    /// reasons are reported before time-bounded ones, so a `Skip` with a time really means
    /// the candidate comes back then.
    pub fn usable(
        &self,
        c: &Candidate,
        needs_caps: &[Capability],
        min_context: u64,
        now_ms: f64,
    ) -> Result<(), Skip> {
        let (p, e) = self.get(&c.provider, &c.model);
        gone(p, e)?;
        let lacks = e.map_or(0, |e| e.lacks);
        for &cap in needs_caps {
            let learned = lacks & bit(cap) != 0;
            if learned || !c.caps.contains(&cap) {
                return Err(Skip::LacksCapability { cap, learned });
            }
        }
        let learned = e.and_then(|e| e.max_ctx);
        let max = match (learned, c.context_length) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(max) = max.filter(|m| min_context > *m) {
            let learned = learned == Some(max);
            return Err(Skip::ContextTooSmall { max, learned });
        }
        time_block(p, e, c.is_openrouter_free_pool, now_ms)
    }

    /// Earliest time at which any candidate skipped only for time (cooldown, free pool)
    /// becomes usable again; `None` when no candidate is waiting on time.
    pub fn earliest_recovery(&self, cands: &[Candidate], now_ms: f64) -> Option<f64> {
        cands
            .iter()
            .filter_map(|c| {
                let pool = c.is_openrouter_free_pool;
                self.block(&c.provider, &c.model, pool, now_ms)
                    .err()?
                    .until_ms()
            })
            .min_by(f64::total_cmp)
    }

    /// Compact JSON of the stats, cooldowns and free-pool times (see the module doc).
    pub fn stats_to_json(&self) -> String {
        let mut rows: Vec<SavedModel> = Vec::new();
        for (p, prov) in self.providers.iter() {
            for (m, e) in prov.models.iter() {
                if e.window == 0 && e.cooldown_until <= 0.0 {
                    continue;
                }
                rows.push(SavedModel {
                    p: p.clone(),
                    m: m.clone(),
                    // Whole ms are plenty and keep the text short; `as` saturates.
                    t: e.ttft.iter().map(|t| t.round() as u32).collect(),
                    s: e.tps.map(|t| (t * 10.0).round() / 10.0),
                    o: e.outcomes & ((1u32 << e.window) - 1),
                    n: e.window,
                    c: e.samples,
                    l: e.last_ms as u64,
                    // Rounded up: a cooldown never ends early.
                    cd: (e.cooldown_until > 0.0).then_some(e.cooldown_until.ceil() as u64),
                });
            }
        }
        let newest = rows.iter().map(|r| r.l).max().unwrap_or(0);
        rows.retain(|r| r.l >= newest.saturating_sub(MAX_AGE_MS));
        sort::sort_by_key(&mut rows, |r| std::cmp::Reverse(r.l));
        rows.truncate(MAX_SAVED);
        let pools = self
            .providers
            .iter()
            .filter(|(_, p)| p.pool_until > 0.0)
            .map(|(p, prov)| (p, prov.pool_until.ceil() as u64));
        let mut out = String::from("{\"v\":1,\"m\":[");
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            r.write(&mut out);
        }
        out.push_str("],\"p\":[");
        for (i, (p, u)) in pools.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"p\":");
            push_json_str(&mut out, p);
            out.push_str(",\"u\":");
            out.push_str(&u.to_string());
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    /// Merge stats saved by `stats_to_json`. A document that is not a JSON object is an
    /// error (nothing changes); malformed entries inside one are skipped, values sanitised.
    // The crate's one error type; it is large, but this runs once per page load.
    pub fn stats_from_json(&mut self, s: &str) -> Result<(), Error> {
        let unreadable =
            |e: &dyn fmt::Display| Error::parse(format!("saved router stats are unreadable: {e}"));
        let doc: Value = json::from_str(s).map_err(|e| unreadable(&e))?;
        let Value::Object(doc) = doc else {
            return Err(unreadable(&"expected an object"));
        };
        // Entries stay raw JSON until read one by one, so one bad entry does not lose the rest.
        let list = |key: &str| match doc.get(key) {
            None => Ok(&[][..]),
            Some(Value::Array(v)) => Ok(v.as_slice()),
            Some(_) => Err(unreadable(&format_args!("`{key}` is not an array"))),
        };
        let (models, pools) = (list("m")?, list("p")?);
        for r in models.iter().filter_map(SavedModel::read) {
            if r.p.is_empty() || r.m.is_empty() {
                continue;
            }
            let e = self.entry_mut(&r.p, &r.m);
            let skip = r.t.len().saturating_sub(TTFT_WINDOW);
            e.ttft = r.t.into_iter().skip(skip).map(f64::from).collect();
            e.tps = r.s.filter(|t| t.is_finite() && *t > 0.0);
            e.window = r.n.min(OUTCOME_WINDOW);
            e.outcomes = r.o & ((1u32 << e.window) - 1);
            e.samples = r.c.max(u32::from(e.window));
            e.touch(r.l as f64);
            if let Some(cd) = r.cd {
                e.cooldown_until = e.cooldown_until.max(cd as f64);
            }
        }
        for (p, u) in pools.iter().filter_map(read_pool) {
            if !p.is_empty() {
                let prov = self.prov_mut(p);
                prov.pool_until = prov.pool_until.max(u as f64);
            }
        }
        Ok(())
    }
}

// The saved form is written and read by hand (serde derives cost ~10 KB of wasm). Reading
// follows serde's rules for these types: absent = default, a wrong type or an out-of-range
// number makes the entry unreadable (skipped), unknown keys are ignored.

#[derive(Default)]
struct SavedModel {
    p: String,
    m: String,
    t: Vec<u32>,
    s: Option<f64>,
    o: u32,
    n: u8,
    c: u32,
    l: u64,
    cd: Option<u64>,
}

fn u32_of(v: &Value) -> Option<u32> {
    u32::try_from(v.as_u64()?).ok()
}

/// `Some(None)` for null: an `Option` field.
fn opt<T>(v: &Value, get: fn(&Value) -> Option<T>) -> Option<Option<T>> {
    if v.is_null() {
        Some(None)
    } else {
        get(v).map(Some)
    }
}

impl SavedModel {
    fn read(v: &Value) -> Option<SavedModel> {
        let mut r = SavedModel::default();
        for (k, x) in v.as_object()? {
            match k.as_str() {
                "p" => r.p = x.as_str()?.to_owned(),
                "m" => r.m = x.as_str()?.to_owned(),
                "t" => {
                    // A loop, not `collect::<Option<_>>`: that costs three generic functions.
                    r.t.clear();
                    for t in x.as_array()? {
                        r.t.push(u32_of(t)?);
                    }
                }
                "s" => r.s = opt(x, Value::as_f64)?,
                "o" => r.o = u32_of(x)?,
                "n" => r.n = u8::try_from(x.as_u64()?).ok()?,
                "c" => r.c = u32_of(x)?,
                "l" => r.l = x.as_u64()?,
                "cd" => r.cd = opt(x, Value::as_u64)?,
                _ => {}
            }
        }
        Some(r)
    }

    /// `{"p","m","t"?,"s"?,"o","n","c","l","cd"?}`, empty `t` and absent options left out.
    fn write(&self, out: &mut String) {
        out.push_str("{\"p\":");
        push_json_str(out, &self.p);
        out.push_str(",\"m\":");
        push_json_str(out, &self.m);
        if !self.t.is_empty() {
            out.push_str(",\"t\":[");
            for (i, t) in self.t.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&t.to_string());
            }
            out.push(']');
        }
        if let Some(s) = self.s {
            // serde_json's float form (shortest round-trip, `null` if not finite).
            out.push_str(",\"s\":");
            out.push_str(&Value::from(s).to_string());
        }
        for (k, n) in [
            ("o", u64::from(self.o)),
            ("n", u64::from(self.n)),
            ("c", u64::from(self.c)),
            ("l", self.l),
        ] {
            out.push_str(",\"");
            out.push_str(k);
            out.push_str("\":");
            out.push_str(&n.to_string());
        }
        if let Some(cd) = self.cd {
            out.push_str(",\"cd\":");
            out.push_str(&cd.to_string());
        }
        out.push('}');
    }
}

/// A saved pool entry `{"p": provider, "u": until}`.
fn read_pool(v: &Value) -> Option<(&str, u64)> {
    let (mut p, mut u) = ("", 0);
    for (k, x) in v.as_object()? {
        match k.as_str() {
            "p" => p = x.as_str()?,
            "u" => u = x.as_u64()?,
            _ => {}
        }
    }
    Some((p, u))
}

/// What one call asks of the plan beyond the strategy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanRequest {
    pub needs_caps: Vec<Capability>,
    pub min_context: u64,
    /// Goes first when usable (a model the caller asked for, or a session's pin).
    pub pinned: Option<ModelRef>,
    /// Only these, in this order (the request's `models` list); it overrides the strategy.
    pub explicit: Option<Vec<ModelRef>>,
}

/// The order to try candidates in, and the ones left out with why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub order: Vec<Candidate>,
    pub skipped: Vec<(Candidate, Skip)>,
}

impl Plan {
    /// Earliest time a skipped candidate comes back by itself (for messages, `waitForQuota`).
    pub fn earliest_recovery(&self) -> Option<f64> {
        self.skipped
            .iter()
            .filter_map(|(_, s)| s.until_ms())
            .min_by(f64::total_cmp)
    }
}

/// Order candidates for one call (no pin, no explicit list); see `plan_with`.
pub fn plan(
    cands: &[Candidate],
    strategy: Strategy,
    health: &Health,
    needs_caps: &[Capability],
    min_context: u64,
    seed: u64,
    now_ms: f64,
) -> Plan {
    let req = PlanRequest {
        needs_caps: needs_caps.to_vec(),
        min_context,
        ..PlanRequest::default()
    };
    plan_with(cands, strategy, health, &req, seed, now_ms)
}

/// Order candidates for one call.
///
/// Unusable candidates go to `skipped` (input order). Free candidates come before paid ones
/// (paid by price ascending; the caller includes them only when a budget allows). The free
/// ones are ordered by the strategy:
/// - `Ordered`: provider rank, then catalog rank.
/// - `Random`: uniform shuffle driven by `seed` (pass a fresh random one per call).
/// - `Seeded`: each candidate ranked by a hash of (seed, provider, model): the same seed and
///   catalog give the same order whatever the input order, and a new model does not reshuffle
///   the others.
/// - `Fastest`: measured models by `p50 TTFT / max(success rate, 0.05)`, then unmeasured ones
///   (shuffled), then models whose recent success rate is 0. In `EXPLORE_RATE` (15 %) of calls
///   one of the least-sampled models (chosen uniformly) goes first, so new models get measured.
/// - `Router`: input order kept, no pin (the caller sends one virtual `openrouter/free`).
///
/// An explicit list replaces the strategy with its own order (ties, i.e. one id on several
/// providers, by provider rank), for paid ones too. A pinned model then goes first.
pub fn plan_with(
    cands: &[Candidate],
    strategy: Strategy,
    health: &Health,
    req: &PlanRequest,
    seed: u64,
    now_ms: f64,
) -> Plan {
    let mut plan = Plan::default();
    let mut ok: Vec<(usize, &Candidate)> = Vec::new();
    for c in cands {
        let pos = match &req.explicit {
            Some(list) => match list.iter().position(|r| r.matches(c)) {
                Some(i) => i,
                None => continue,
            },
            None => 0,
        };
        match health.usable(c, &req.needs_caps, req.min_context, now_ms) {
            Ok(()) => ok.push((pos, c)),
            Err(s) => plan.skipped.push((c.clone(), s)),
        }
    }
    if strategy == Strategy::Router {
        plan.order = ok.into_iter().map(|(_, c)| c.clone()).collect();
        return plan;
    }
    // A canonical start makes every strategy independent of the caller's input order.
    sort::sort_by(&mut ok, |a, b| {
        let key = |c: &Candidate| (c.provider_rank, c.catalog_rank);
        key(a.1)
            .cmp(&key(b.1))
            .then_with(|| (&a.1.provider, &a.1.model).cmp(&(&b.1.provider, &b.1.model)))
    });
    let explicit = req.explicit.is_some();
    let (free, paid): (Vec<_>, Vec<_>) = ok.into_iter().partition(|(_, c)| c.free);
    let (mut free, mut paid) = (strip(free, explicit), strip(paid, explicit));
    if !explicit {
        let mut rng = SplitMix(seed);
        match strategy {
            Strategy::Random => shuffle(&mut free, &mut rng),
            Strategy::Seeded => sort::sort_by_cached_key(&mut free, |c| seeded_key(seed, c)),
            Strategy::Fastest => fastest(&mut free, health, &mut rng),
            Strategy::Ordered | Strategy::Router => {}
        }
        sort::sort_by(&mut paid, |a, b| a.price.total_cmp(&b.price));
    }
    free.append(&mut paid);
    if let Some(pin) = &req.pinned {
        // Stable: the pinned model first, everything else keeps its place.
        sort::sort_by_key(&mut free, |c| !pin.matches(c));
    }
    plan.order = free.into_iter().cloned().collect();
    plan
}

/// Drop the explicit positions, after ordering by them when the list is explicit.
fn strip(mut v: Vec<(usize, &Candidate)>, explicit: bool) -> Vec<&Candidate> {
    if explicit {
        sort::sort_by_key(&mut v, |(pos, _)| *pos);
    }
    v.into_iter().map(|(_, c)| c).collect()
}

fn fastest(v: &mut Vec<&Candidate>, health: &Health, rng: &mut SplitMix) {
    // Drawn first so the exploration rate does not depend on the other draws.
    let explore = rng.unit() < EXPLORE_RATE;
    let (mut fast, mut fresh, mut sunk) = (Vec::new(), Vec::new(), Vec::new());
    for c in v.drain(..) {
        let s = health.stats(&c.provider, &c.model);
        let ttft = health.ranking_ttft(&c.provider, &c.model, s.ttft_ms_p50);
        match (s.success_rate, ttft) {
            // Known bad beats nothing: below every untried model.
            (Some(r), p) if r <= 0.0 => sunk.push((p.unwrap_or(f64::INFINITY), c)),
            (r, Some(p)) => fast.push((p / r.unwrap_or(1.0).max(MIN_SUCCESS), c)),
            _ => fresh.push(c),
        }
    }
    sort::sort_by(&mut fast, |a, b| a.0.total_cmp(&b.0));
    sort::sort_by(&mut sunk, |a, b| a.0.total_cmp(&b.0));
    shuffle(&mut fresh, rng);
    v.extend(fast.into_iter().map(|(_, c)| c));
    v.extend(fresh);
    v.extend(sunk.into_iter().map(|(_, c)| c));
    if explore {
        let samples: Vec<u32> = v
            .iter()
            .map(|c| health.stats(&c.provider, &c.model).samples)
            .collect();
        let Some(&min) = samples.iter().min() else {
            return;
        };
        let least: Vec<usize> = (0..samples.len())
            .filter(|&i| samples.get(i) == Some(&min))
            .collect();
        if let Some(&i) = least.get(rng.below(least.len())) {
            if let Some(head) = v.get_mut(..=i) {
                head.rotate_right(1);
            }
        }
    }
}

/// splitmix64: tiny, fast, good enough to shuffle a few hundred candidates.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below n / 2^64).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn shuffle<T>(v: &mut [T], rng: &mut SplitMix) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// FNV-1a over the id, started from the mixed seed, then mixed again.
fn seeded_key(seed: u64, c: &Candidate) -> u64 {
    let mut h = mix(seed) ^ 0xCBF2_9CE4_8422_2325;
    for b in c.provider.bytes().chain([0xFF]).chain(c.model.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    mix(h)
}

/// What a session should do before planning.
#[derive(Clone, Debug, PartialEq)]
pub enum PinCheck {
    /// No pin: plan freely and pin the winner.
    Unpinned,
    /// Put this candidate first (`PlanRequest::pinned`).
    Keep(Candidate),
    /// Back within the caller's patience: wait until `until_ms`, then keep it.
    Wait { candidate: Candidate, until_ms: f64 },
    /// Unusable (`reason`), or gone from the candidates (`None`): plan without it, pin the
    /// winner and emit `repin`.
    Repin {
        from: (String, String),
        reason: Option<Skip>,
    },
}

#[derive(Clone, Debug)]
struct Pin {
    provider: String,
    model: String,
    tick: u64,
}

/// Sticky sessions: session id → (provider, model), at most `MAX_SESSIONS`, least recently
/// pinned dropped first. Call `pin` after every success so active sessions stay.
#[derive(Clone, Debug, Default)]
pub struct Sessions {
    pins: SortedMap<String, Pin>,
    tick: u64,
}

impl Sessions {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, id: &str) -> Option<(String, String)> {
        self.pins
            .get(id)
            .map(|p| (p.provider.clone(), p.model.clone()))
    }

    pub fn pin(&mut self, id: &str, provider: &str, model: &str) {
        self.tick += 1;
        let pin = Pin {
            provider: provider.to_string(),
            model: model.to_string(),
            tick: self.tick,
        };
        self.pins.insert(id.to_string(), pin);
        if self.pins.len() > MAX_SESSIONS {
            // A linear scan is fine: it runs once per new session beyond the bound.
            let oldest = self.pins.iter().min_by_key(|(_, p)| p.tick);
            if let Some(k) = oldest.map(|(k, _)| k.clone()) {
                self.pins.remove(&k);
            }
        }
    }

    /// Every pin as (session id, provider, model), in id order.
    pub fn entries(&self) -> Vec<(&str, &str, &str)> {
        let mut out = Vec::with_capacity(self.pins.len());
        for (k, p) in self.pins.iter() {
            out.push((k.as_str(), p.provider.as_str(), p.model.as_str()));
        }
        out
    }

    pub fn unpin(&mut self, id: &str) {
        self.pins.remove(id);
    }

    pub fn len(&self) -> usize {
        self.pins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
    }

    /// Keep, wait for (cooldown ending within `max_wait_ms`) or drop the session's pin for
    /// this request. Anything else (evicted, provider out, pool exhausted, a longer cooldown,
    /// a need the model cannot meet, not among `cands` or outside the explicit list) repins.
    pub fn check(
        &self,
        id: &str,
        cands: &[Candidate],
        health: &Health,
        req: &PlanRequest,
        now_ms: f64,
        max_wait_ms: f64,
    ) -> PinCheck {
        let Some(pin) = self.pins.get(id) else {
            return PinCheck::Unpinned;
        };
        let from = (pin.provider.clone(), pin.model.clone());
        let listed = |c: &Candidate| req.explicit.iter().all(|l| l.iter().any(|r| r.matches(c)));
        let found = cands
            .iter()
            .find(|c| c.provider == pin.provider && c.model == pin.model && listed(c));
        let Some(c) = found else {
            return PinCheck::Repin { from, reason: None };
        };
        match health.usable(c, &req.needs_caps, req.min_context, now_ms) {
            Ok(()) => PinCheck::Keep(c.clone()),
            Err(Skip::CoolingDown { until_ms }) if until_ms - now_ms <= max_wait_ms => {
                PinCheck::Wait {
                    candidate: c.clone(),
                    until_ms,
                }
            }
            Err(s) => PinCheck::Repin {
                from,
                reason: Some(s),
            },
        }
    }
}
