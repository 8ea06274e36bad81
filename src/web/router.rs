//! Carries out core's routing decisions for one call: build candidates from the catalog, plan
//! them, try them in order until one streams, apply what each failure taught, and report.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use crate::core::json::{Map, Value};
use crate::core::map::Put as _;
use wasm_bindgen::prelude::*;

use crate::core::budget;
use crate::core::catalog::{Capability, ModelInfo, Pricing};
use crate::core::classify::{Action, Classified};
use crate::core::error::{Attempt, Error, ErrorCode};
use crate::core::needs::{self, Needs};
use crate::core::options::{CallOptions, ProviderConfig, WaitForQuota};
use crate::core::provider::ProviderKind;
use crate::core::route::{self, Candidate, ModelRef, PinCheck, PlanRequest, Skip, Strategy};
use crate::web::call::{
    self, abort_error, attempt, attempt_info, close_hold, Cand, Fail, Live, Phase, SharedLive,
};
use crate::web::catalog;
use crate::web::client::Inner;
use crate::web::error::to_js;
use crate::web::glue;
use crate::web::quota;
use crate::web::transport::{self, now_ms, CallCtl, Wait};

/// The router model OpenRouter picks a free model with.
pub const OPENROUTER_FREE: &str = "openrouter/free";

fn is_free_id(model: &str) -> bool {
    model.ends_with(":free") || model == OPENROUTER_FREE
}

fn to_candidate(inner: &Inner, m: &ModelInfo, rank: usize) -> Option<Candidate> {
    let (prank, p) = inner
        .providers
        .iter()
        .enumerate()
        .find(|(_, p)| p.id == m.provider)?;
    Some(Candidate {
        provider: p.id.clone(),
        provider_rank: prank,
        model: m.id.clone(),
        free: m.free,
        is_openrouter_free_pool: p.kind == ProviderKind::OpenRouter && m.free,
        context_length: m.context_length,
        caps: Capability::ALL.into_iter().filter(|c| m.has(*c)).collect(),
        catalog_rank: rank,
        price: m.pricing.prompt_per_mtok.max(0.0) + m.pricing.completion_per_mtok.max(0.0),
    })
}

/// A model the caller named that the catalog does not list (yet): trust the caller about its
/// capabilities; the provider will say otherwise if need be.
fn named_candidate(inner: &Inner, p: &ProviderConfig, model: &str, needs: &Needs) -> Candidate {
    let prank = inner
        .providers
        .iter()
        .position(|q| q.id == p.id)
        .unwrap_or(0);
    let free = match p.kind {
        ProviderKind::OpenRouter => is_free_id(model),
        _ => p.free,
    };
    Candidate {
        provider: p.id.clone(),
        provider_rank: prank,
        model: model.to_string(),
        free,
        is_openrouter_free_pool: p.kind == ProviderKind::OpenRouter && free,
        context_length: None,
        caps: needs.caps.clone(),
        catalog_rank: usize::MAX,
        price: 0.0,
    }
}

impl Inner {
    pub fn provider_by_id(&self, id: &str) -> Option<Rc<ProviderConfig>> {
        self.providers.iter().find(|p| p.id == id).cloned()
    }

    /// Where a model named without a provider lives: the catalog, a configured list, then the
    /// first OpenRouter provider for `author/model` ids, then the first provider.
    fn provider_for_model(&self, model: &str) -> Option<Rc<ProviderConfig>> {
        if let Some(m) = self.catalog.borrow().cat.get(model, None) {
            if let Some(p) = self.provider_by_id(&m.provider) {
                return Some(p);
            }
        }
        let listed = self.providers.iter().find(|p| {
            p.models
                .as_ref()
                .is_some_and(|ms| ms.iter().any(|m| m == model))
        });
        listed
            .or_else(|| {
                self.providers
                    .iter()
                    .find(|p| p.kind == ProviderKind::OpenRouter && model.contains('/'))
            })
            .or_else(|| self.providers.first())
            .cloned()
    }

    /// Catalog models a call may use: free ones (paid ones only under a budget), no routers, not
    /// expired. Returns candidates and the pool used to explain an empty result.
    fn catalog_candidates(&self, now: f64) -> (Vec<Candidate>, Vec<ModelInfo>) {
        let st = self.catalog.borrow();
        let mut out = Vec::new();
        let mut pool = Vec::new();
        for (rank, m) in st.cat.models().iter().enumerate() {
            if m.is_router || m.is_expired(now) {
                continue;
            }
            if !m.free && self.opts.budget_usd <= 0.0 {
                continue;
            }
            if let Some(c) = to_candidate(self, m, rank) {
                out.push(c);
                pool.push(m.clone());
            }
        }
        (out, pool)
    }

    fn cand(&self, c: &Candidate) -> Option<Cand> {
        let provider = self.provider_by_id(&c.provider)?;
        let listed = self
            .catalog
            .borrow()
            .cat
            .get(&c.model, Some(&c.provider))
            .map(|m| m.pricing);
        let configured = match (provider.prompt_price, provider.completion_price) {
            (Some(p), Some(q)) => Some(Pricing {
                prompt_per_mtok: p,
                completion_per_mtok: q,
                request: 0.0,
            }),
            _ => None,
        };
        let pricing = listed.or(configured).unwrap_or(if c.free {
            Pricing::ZERO
        } else {
            Pricing::UNKNOWN
        });
        Some(Cand {
            provider,
            model: c.model.clone(),
            free: c.free,
            pricing,
        })
    }

    pub fn next_seed(&self) -> u64 {
        (u64::from(glue::random_u32()) << 32) | u64::from(glue::random_u32())
    }
}

/// What the request asked for by name.
enum Named {
    Auto,
    One(String),
    List(Vec<String>),
}

fn named(req: &Map) -> Result<Named, Error> {
    if let Some(list) = req.get("models") {
        let Value::Array(items) = list else {
            return Err(Error::invalid(
                "request.models must be an array of model ids",
            ));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, m) in items.iter().enumerate() {
            match m.as_str() {
                Some(s) if !s.is_empty() => out.push(s.to_string()),
                _ => {
                    return Err(Error::invalid(format!(
                        "request.models[{i}] must be a model id string"
                    )))
                }
            }
        }
        if out.is_empty() {
            return Err(Error::invalid(
                "request.models is empty; leave it out to let the client choose",
            ));
        }
        return Ok(Named::List(out));
    }
    match req.get("model") {
        None | Some(Value::Null) => Ok(Named::Auto),
        Some(Value::String(m)) if m == "auto" || m.is_empty() => Ok(Named::Auto),
        Some(Value::String(m)) => Ok(Named::One(m.clone())),
        Some(_) => Err(Error::invalid(
            "request.model must be a model id string or \"auto\"",
        )),
    }
}

/// The error when the plan has nothing to try.
fn nothing_usable(
    skipped: &[(Candidate, Skip)],
    now: f64,
    needs: &Needs,
    pool: &[ModelInfo],
) -> Error {
    // Only capability or size misses: explain the needs and name the closest models.
    let only_unfit = skipped.iter().all(|(_, s)| {
        matches!(
            s,
            Skip::LacksCapability { learned: false, .. }
                | Skip::ContextTooSmall { learned: false, .. }
        )
    });
    if skipped.is_empty() || (only_unfit && !pool.is_empty()) {
        let refs: Vec<&ModelInfo> = pool.iter().collect();
        return needs::explain_no_candidates(needs, &refs);
    }
    let until = skipped
        .iter()
        .filter_map(|(_, s)| s.until_ms())
        .min_by(f64::total_cmp);
    let pool_out = skipped
        .iter()
        .any(|(_, s)| matches!(s, Skip::PoolExhausted { .. }));
    // Something comes back by itself: say when, even if other candidates are out for good.
    let all_timed = skipped.iter().any(|(_, s)| s.until_ms().is_some());
    let mut list = String::new();
    for (i, (c, s)) in skipped.iter().take(4).enumerate() {
        if i > 0 {
            list.push_str(", ");
        }
        let _ = write!(list, "{} ({s})", c.model);
    }
    let mut e = match until {
        Some(t) if all_timed => {
            let wait = (t - now).max(0.0);
            let code = if pool_out {
                ErrorCode::QuotaExhausted
            } else {
                ErrorCode::RateLimited
            };
            Error::new(
                code,
                format!(
                    "every candidate model is resting; the first is usable again in {} ({}). Pass waitForQuota: true to wait, add another provider, or try later",
                    human_ms(wait),
                    list
                ),
            )
            .with_retry_after(wait as u64)
        }
        _ => Error::new(
            ErrorCode::NoCandidates,
            format!("no candidate model can take this request: {list}"),
        ),
    };
    if let Some(t) = until {
        e.retry_after_ms = Some(crate::core::error::delay_ms(t - now));
    }
    e
}

pub fn human_ms(ms: f64) -> String {
    let s = (ms / 1000.0).ceil() as u64;
    if s < 90 {
        format!("{s} s")
    } else if s < 90 * 60 {
        format!("{} min", s.div_ceil(60))
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

struct Planned {
    order: Vec<Cand>,
    fallback: bool,
    repin_from: Option<(String, String)>,
}

/// Why a call could not be planned: a thrown JS error (catalog), or a core error that may say
/// when a candidate comes back (`retry_after_ms`).
enum PlanFail {
    Js(JsValue),
    Core(Error),
}

impl From<JsValue> for PlanFail {
    fn from(e: JsValue) -> Self {
        PlanFail::Js(e)
    }
}

/// Candidates for this call, in the order to try them.
async fn plan_call(
    inner: &Rc<Inner>,
    req: &Map,
    needs: &Needs,
    copts: &CallOptions,
) -> Result<Planned, PlanFail> {
    let named = named(req).map_err(|e| to_js(&e))?;
    let pinned_provider = match &copts.provider {
        Some(id) => Some(inner.provider_by_id(id).ok_or_else(|| {
            let mut ids = String::new();
            for (i, p) in inner.providers.iter().enumerate() {
                if i > 0 {
                    ids.push_str(", ");
                }
                ids.push_str(&p.id);
            }
            to_js(&Error::invalid(format!(
                "options.provider \"{id}\" is not one of the configured providers ({ids})"
            )))
        })?),
        None => None,
    };
    let session = copts.session_id.is_some();
    let fallback = copts
        .fallback
        .unwrap_or(!matches!(named, Named::One(_)) || session);
    let strategy = copts
        .strategy
        .as_deref()
        .or(Some(inner.opts.strategy.as_str()))
        .and_then(Strategy::from_str)
        .unwrap_or(Strategy::Random);
    let now = now_ms();
    // A single named model without fallback needs no catalog: it works offline of /models.
    let needs_catalog = fallback || matches!(named, Named::Auto);
    if needs_catalog {
        // Named models can go ahead without the catalog; only "auto" cannot choose blind.
        if let Err(e) = catalog::ensure(inner, false).await {
            if matches!(named, Named::Auto) {
                return Err(PlanFail::Js(e));
            }
        }
    }
    plan_after(
        inner,
        needs,
        copts,
        &named,
        pinned_provider,
        fallback,
        strategy,
        now,
        needs_catalog,
    )
}

/// The plan once the catalog is there (no await: kept out of the async state machine).
#[allow(clippy::too_many_arguments)]
fn plan_after(
    inner: &Rc<Inner>,
    needs: &Needs,
    copts: &CallOptions,
    named: &Named,
    pinned_provider: Option<Rc<ProviderConfig>>,
    fallback: bool,
    strategy: Strategy,
    now: f64,
    needs_catalog: bool,
) -> Result<Planned, PlanFail> {
    let (mut cands, pool) = if needs_catalog {
        inner.catalog_candidates(now)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut preq = PlanRequest {
        needs_caps: needs.caps.clone(),
        min_context: needs.min_context,
        pinned: None,
        explicit: None,
    };
    let add_named = |cands: &mut Vec<Candidate>, m: &str| -> Result<ModelRef, JsValue> {
        let p = match &pinned_provider {
            Some(p) => p.clone(),
            None => inner.provider_for_model(m).ok_or_else(|| {
                to_js(&Error::invalid(format!("no provider serves model \"{m}\"")))
            })?,
        };
        if !cands.iter().any(|c| c.provider == p.id && c.model == m) {
            cands.push(named_candidate(inner, &p, m, needs));
        }
        Ok(ModelRef::new(Some(&p.id), m))
    };
    let mut strategy = strategy;
    match named {
        Named::One(m) => {
            let r = add_named(&mut cands, m)?;
            if !fallback {
                cands.retain(|c| r.matches(c));
            }
            preq.pinned = Some(r);
        }
        Named::List(ms) => {
            let mut refs = Vec::new();
            for m in ms {
                refs.push(add_named(&mut cands, m)?);
            }
            preq.explicit = Some(refs);
        }
        Named::Auto if strategy == Strategy::Router => {
            // OpenRouter chooses; the model it used comes back in the chunks.
            if inner
                .providers
                .iter()
                .any(|p| p.kind == ProviderKind::OpenRouter)
            {
                let r = add_named(&mut cands, OPENROUTER_FREE)?;
                cands.retain(|c| r.matches(c));
            } else {
                strategy = Strategy::Random;
            }
        }
        Named::Auto => {}
    }
    let mut repin_from = None;
    if let Some(sid) = &copts.session_id {
        // A pin that changes during this call (checked here or failing below) is a repin.
        repin_from = inner.sessions.borrow().get(sid);
        let check =
            inner
                .sessions
                .borrow()
                .check(sid, &cands, &inner.health.borrow(), &preq, now, 0.0);
        match check {
            PinCheck::Keep(c) | PinCheck::Wait { candidate: c, .. } => {
                preq.pinned = Some(ModelRef::new(Some(&c.provider), &c.model));
            }
            PinCheck::Repin { .. } | PinCheck::Unpinned => {}
        }
    }
    let seed = match strategy {
        Strategy::Seeded => inner.opts.seed.unwrap_or(0),
        _ => inner.next_seed(),
    };
    let plan = route::plan_with(&cands, strategy, &inner.health.borrow(), &preq, seed, now);
    if plan.order.is_empty() {
        return Err(PlanFail::Core(nothing_usable(
            &plan.skipped,
            now,
            needs,
            &pool,
        )));
    }
    let order = plan.order.iter().filter_map(|c| inner.cand(c)).collect();
    Ok(Planned {
        order,
        fallback,
        repin_from,
    })
}

/// Remember what a failure taught, and say so in events.
pub fn learn(inner: &Inner, cand: &Cand, c: &Classified, now: f64) {
    let p = &cand.provider.id;
    inner
        .health
        .borrow_mut()
        .apply(p, &cand.model, &c.action, now);
    inner
        .health
        .borrow_mut()
        .record_failure_stat(p, &cand.model, now);
    let ev = &inner.events;
    let reason = c.error.code.as_str();
    match &c.action {
        Action::Cooldown { until_ms } | Action::FreePoolExhausted { until_ms } => {
            let until = *until_ms;
            ev.emit("cooldown", now, |m| {
                m.put("provider", p.clone().into());
                m.put("model", cand.model.clone().into());
                m.put("untilMs", until.into());
                m.put("reason", reason.into());
            });
        }
        Action::ProviderOut => ev.emit("error", now, |m| {
            m.put("code", reason.into());
            m.put("provider", p.clone().into());
            m.put(
                "message",
                format!(
                    "{p} is out for this session ({}); the other providers go on",
                    c.error.message
                )
                .into(),
            );
        }),
        Action::Evict => ev.emit("model_evicted", now, |m| {
            m.put("provider", p.clone().into());
            m.put("model", cand.model.clone().into());
            m.put("reason", c.error.message.clone().into());
        }),
        _ => {}
    }
    if matches!(
        c.error.code,
        ErrorCode::RateLimited | ErrorCode::QuotaExhausted
    ) {
        ev.emit("rate_limited", now, |m| {
            m.put("provider", p.clone().into());
            m.put("model", cand.model.clone().into());
            if let Some(r) = c.error.retry_after_ms {
                m.put("retryAfterMs", r.into());
            }
        });
    }
}

/// Run a call up to its first token, falling back across candidates before that.
pub async fn open(
    inner: Rc<Inner>,
    req: Map,
    copts: CallOptions,
    ctl: Rc<CallCtl>,
) -> Result<SharedLive, JsValue> {
    let r = open_inner(&inner, &req, &copts, &ctl).await;
    if r.is_err() {
        ctl.release();
    }
    r
}

async fn open_inner(
    inner: &Rc<Inner>,
    req: &Map,
    copts: &CallOptions,
    ctl: &Rc<CallCtl>,
) -> Result<SharedLive, JsValue> {
    let started = now_ms();
    let needs = needs::analyse_object(req).map_err(|e| to_js(&e))?;
    let max = copts.max_attempts.unwrap_or(inner.opts.max_attempts) as usize;
    let wait_deadline = match copts.wait_for_quota {
        WaitForQuota::No => started,
        WaitForQuota::UpTo(ms) => started + ms as f64,
    };
    let mut attempts: Vec<Attempt> = Vec::new();
    // Plan, try, and (with waitForQuota) wait for the earliest recovery and plan again.
    for _round in 0..MAX_ROUNDS {
        let planned = match plan_call(inner, req, &needs, copts).await {
            Ok(p) => p,
            Err(PlanFail::Js(e)) => return Err(e),
            Err(PlanFail::Core(mut e)) => {
                if let Some(k) = wait_for(inner, ctl, e.retry_after_ms, wait_deadline).await {
                    return Err(abort_error(k, ctl, attempts));
                }
                if wait_allows(e.retry_after_ms, wait_deadline) {
                    continue;
                }
                e.attempts = attempts;
                return Err(to_js(&e));
            }
        };
        if let Some(k) = ctl.aborted() {
            return Err(abort_error(k, ctl, attempts));
        }
        // Boxed as a trait object: its state machine stays out of open_inner's (smaller wasm).
        let tried: std::pin::Pin<Box<dyn std::future::Future<Output = Tried> + '_>> =
            Box::pin(try_planned(
                inner,
                req,
                copts,
                ctl,
                planned,
                attempts,
                started,
                &needs,
                max,
                wait_deadline,
            ));
        match tried.await {
            Tried::Streaming(live) => return Ok(live),
            Tried::Aborted(e) => return Err(e),
            // Everything became unusable between planning and trying (another call learned
            // something meanwhile): plan again, which waits or explains.
            Tried::Failed(None, back) => attempts = back,
            Tried::Failed(Some(e), back) => {
                attempts = back;
                let again = counted(&attempts, wait_deadline > started) < max
                    && wait_allows(e.retry_after_ms, wait_deadline);
                if again {
                    if let Some(k) = wait_for(inner, ctl, e.retry_after_ms, wait_deadline).await {
                        return Err(abort_error(k, ctl, attempts));
                    }
                    continue;
                }
                return Err(report(inner, e, attempts));
            }
        }
    }
    let e = Error::new(
        ErrorCode::NoCandidates,
        "no candidate model stayed usable long enough to be tried",
    );
    Err(report(inner, e, attempts))
}

/// Attempts that count against maxAttempts. A call that waits for quota takes a 429 as "wait
/// this long", which it does, not as a failed candidate; MAX_ROUNDS still bounds it.
fn counted(attempts: &[Attempt], waiting: bool) -> usize {
    let rate_limited = |a: &&Attempt| waiting && a.error_code == Some(ErrorCode::RateLimited);
    attempts.len() - attempts.iter().filter(rate_limited).count()
}

fn wait_allows(retry_after_ms: Option<u64>, deadline: f64) -> bool {
    retry_after_ms.is_some_and(|ms| now_ms() + ms as f64 <= deadline)
}

/// Sleep until the quota or a model comes back, if that is within the caller's patience.
/// Returns the abort kind if the call was aborted while waiting.
async fn wait_for(
    inner: &Rc<Inner>,
    ctl: &Rc<CallCtl>,
    retry_after_ms: Option<u64>,
    deadline: f64,
) -> Option<transport::AbortKind> {
    if !wait_allows(retry_after_ms, deadline) {
        return None;
    }
    sleep(inner, ctl, retry_after_ms.unwrap_or(0) as f64 + 5.0).await
}

/// Sleep `ms` (the `waiting` event, counted in `waitedMs`); the abort kind if aborted meanwhile.
async fn sleep(inner: &Inner, ctl: &CallCtl, ms: f64) -> Option<transport::AbortKind> {
    inner.events.emit("waiting", now_ms(), |m| {
        m.put("ms", ms.round().into());
    });
    inner.waited_ms.set(inner.waited_ms.get() + ms);
    match transport::wait(glue::sleep(ms, &ctl.signal()), ctl).await {
        Wait::Aborted(k) => Some(k),
        _ => None,
    }
}

fn report(inner: &Inner, mut e: Error, attempts: Vec<Attempt>) -> JsValue {
    if attempts.len() > 1 {
        e.message = format!(
            "all {} attempts failed; the last one: {}",
            attempts.len(),
            e.message
        );
    }
    e.attempts = attempts;
    inner.events.emit("error", now_ms(), |m| {
        m.put("code", e.code.as_str().into());
        m.put("message", e.message.clone().into());
    });
    to_js(&e)
}

enum Tried {
    Streaming(SharedLive),
    Aborted(JsValue),
    /// The last error (None: nothing could be tried this round), and the attempts so far.
    Failed(Option<Error>, Vec<Attempt>),
}

/// Rounds of planning one call may go through (each waits for a recovery or tries something).
const MAX_ROUNDS: usize = 64;

/// Try the planned candidates in order, through the quota gate, until one streams.
#[allow(clippy::too_many_arguments)]
async fn try_planned(
    inner: &Rc<Inner>,
    req: &Map,
    copts: &CallOptions,
    ctl: &Rc<CallCtl>,
    planned: Planned,
    mut attempts: Vec<Attempt>,
    started: f64,
    needs: &Needs,
    max: usize,
    wait_deadline: f64,
) -> Tried {
    let tokens = needs.min_context;
    let mut last: Option<Error> = None;
    let mut pool_spent: Vec<String> = Vec::new();
    let mut remaining = planned.order;
    let waiting = wait_deadline > started;
    while counted(&attempts, waiting) < max {
        // Drop what this call has learned is unusable (a spent free pool, a key that failed).
        remaining.retain(|c| {
            let spent = c.free && pool_spent.contains(&c.provider.id);
            let state = inner
                .health
                .borrow()
                .status(&c.provider.id, &c.model, now_ms());
            !spent && (attempts.is_empty() || state == route::ModelState::Available)
        });
        if remaining.is_empty() {
            break;
        }
        // The quota gate: the first candidate whose windows allow a request now.
        let now = now_ms();
        let mut chosen = None;
        let mut soonest: Option<(Error, f64)> = None;
        let mut refused: Vec<usize> = Vec::new();
        for (idx, c) in remaining.iter().enumerate() {
            // A paid model is only sent under a budget with room for its worst case.
            if !c.free {
                if let Some(e) = budget::refuse_paid(inner.opts.budget_usd, &c.model, &c.pricing) {
                    last = Some(e.with_provider(c.provider.id.clone()));
                    refused.push(idx);
                    continue;
                }
            }
            let keys = quota::keys_for(inner, &c.provider, &c.model, c.free);
            match quota::reserve(inner, keys, tokens).await {
                Ok(r) => {
                    chosen = Some((idx, r));
                    break;
                }
                Err(v) => {
                    if let Some((e, at)) = quota::verdict_error(&v, &c.model, now) {
                        if soonest.as_ref().is_none_or(|(_, t)| at < *t) {
                            soonest = Some((e, at));
                        }
                    }
                }
            }
        }
        // Refused candidates all stand before the chosen one (the scan stops there).
        let shift = refused.len();
        for idx in refused.into_iter().rev() {
            remaining.remove(idx);
        }
        let chosen = chosen.map(|(i, r)| (i - shift, r));
        let Some((idx, reservation)) = chosen else {
            match soonest {
                Some((_, at)) if at <= wait_deadline => {
                    let ms = (at - now_ms()).max(0.0) + 5.0;
                    if let Some(k) = sleep(inner, ctl, ms).await {
                        return Tried::Aborted(abort_error(k, ctl, attempts));
                    }
                    continue;
                }
                Some((e, _)) => {
                    // Nothing was sent: the ledger knows the request would certainly fail.
                    last = Some(e);
                    break;
                }
                None => break,
            }
        };
        let cand = remaining.remove(idx);
        // A paid model: cap the reply and hold its worst-case cost against the budget.
        let (cap, spend) = if cand.free {
            (None, None)
        } else {
            let cap = needs.max_tokens.unwrap_or(budget::DEFAULT_PAID_MAX_TOKENS);
            let worst =
                budget::worst_case_usd(&cand.pricing, needs.prompt_tokens, cap).unwrap_or(0.0);
            match quota::reserve_spend(inner, worst).await {
                Ok(id) => (Some(cap), Some((id, worst))),
                Err(e) => {
                    if let Some(r) = reservation {
                        quota::refund(inner, r);
                    }
                    last = Some(
                        e.with_provider(cand.provider.id.clone())
                            .with_model(cand.model.clone()),
                    );
                    continue;
                }
            }
        };
        call::emit_attempt(inner, &cand, attempts.len() + 1);
        let t0 = now_ms();
        let body = call::request_body(
            req,
            &cand.provider,
            &cand.model,
            copts.session_id.as_deref(),
            cap,
        );
        match attempt(inner, ctl, &cand, &body).await {
            Ok(opened) => {
                // The provider had counted it by its first token (issue 18): its window slot
                // dates from then, not from when a long stream ends.
                let mut reservation = reservation;
                if let Some(r) = reservation.as_mut() {
                    r.answered_ms = Some(now_ms());
                }
                return Tried::Streaming(go_live(
                    inner,
                    ctl,
                    req,
                    copts,
                    opened,
                    cand,
                    attempts,
                    Timing { started, t0, max },
                    &remaining,
                    reservation,
                    spend,
                    planned.repin_from.as_ref(),
                ));
            }
            Err(Fail::Aborted(k, reached)) => {
                if let Some((id, _)) = spend {
                    quota::refund_spend(inner, id);
                }
                close_hold(inner, reservation, reached);
                attempts.push(attempt_info(
                    &cand,
                    "aborted",
                    None,
                    Some(ErrorCode::Aborted),
                    now_ms() - t0,
                ));
                return Tried::Aborted(abort_error(k, ctl, attempts));
            }
            Err(Fail::Classified(c)) => {
                let now = now_ms();
                // Errors are not billed; the money held for this attempt goes back.
                if let Some((id, _)) = spend {
                    quota::refund_spend(inner, id);
                }
                // A request that never reached the provider (no status) does not count.
                close_hold(inner, reservation, c.error.status.is_some());
                quota::learn(inner, &cand.provider.id, &c.facts);
                attempts.push(attempt_info(
                    &cand,
                    c.error.code.as_str(),
                    c.error.status,
                    Some(c.error.code),
                    now - t0,
                ));
                learn(inner, &cand, &c, now);
                if matches!(c.action, Action::FreePoolExhausted { .. }) {
                    pool_spent.push(cand.provider.id.clone());
                }
                let stop = matches!(c.action, Action::Stop);
                if !planned.fallback || stop {
                    last = Some(c.error);
                    break;
                }
                let provider_out = matches!(c.action, Action::ProviderOut);
                let usable_next = |n: &&Cand| {
                    let spent = n.free && pool_spent.contains(&n.provider.id);
                    let same_provider_out = provider_out && n.provider.id == cand.provider.id;
                    !spent && !same_provider_out
                };
                if let Some(next) = remaining.iter().find(usable_next) {
                    if counted(&attempts, waiting) < max {
                        inner.events.emit("fallback", now, |m| {
                            m.put("from", cand.model.clone().into());
                            m.put("to", next.model.clone().into());
                            m.put("reason", c.error.code.as_str().into());
                        });
                    }
                }
                last = Some(c.error);
            }
        }
    }
    Tried::Failed(last, attempts)
}

/// When a call went live.
struct Timing {
    started: f64,
    t0: f64,
    max: usize,
}

/// The first token arrived: the call goes live (no await: kept out of the async state
/// machine).
#[allow(clippy::too_many_arguments)]
fn go_live(
    inner: &Rc<Inner>,
    ctl: &Rc<CallCtl>,
    req: &Map,
    copts: &CallOptions,
    opened: call::Opened,
    cand: Cand,
    mut attempts: Vec<Attempt>,
    Timing { started, t0, max }: Timing,
    remaining: &[Cand],
    reservation: Option<crate::core::quota::ReservationId>,
    spend: Option<(crate::core::quota::SpendId, f64)>,
    repin_from: Option<&(String, String)>,
) -> SharedLive {
    let call::Opened {
        reader,
        body,
        pending,
        rest,
        broke,
        facts,
    } = opened;
    let now = now_ms();
    attempts.push(attempt_info(&cand, "ok", Some(200), None, now - t0));
    let mut live = Live {
        inner: inner.clone(),
        ctl: ctl.clone(),
        reader,
        body,
        pending,
        phase: Phase::Streaming,
        cand: cand.clone(),
        attempts,
        started_ms: started,
        attempt_started_ms: t0,
        ttft_ms: now - started,
        finished_ms: None,
        busy: false,
        outbox: Vec::new(),
        session: copts.session_id.clone(),
        resume: copts.resume_on_error.then(|| call::Resume {
            req: req.clone(),
            rest: remaining.to_vec(),
            max_attempts: max,
        }),
        prefix: String::new(),
        reservation,
        spend,
        facts,
    };
    let ttft = live.ttft_ms;
    let served = live.served_model().to_string();
    if let Some(sid) = &copts.session_id {
        inner
            .sessions
            .borrow_mut()
            .pin(sid, &cand.provider.id, &served);
        let changed = repin_from.filter(|f| f.0 != cand.provider.id || f.1 != served);
        if let Some(from) = changed {
            inner.events.emit("repin", now, |m| {
                m.put("sessionId", sid.clone().into());
                m.put("from", from.1.clone().into());
                m.put("to", served.clone().into());
            });
        }
    }
    inner.events.emit("first_token", now, |m| {
        m.put("provider", cand.provider.id.clone().into());
        m.put("model", served.into());
        m.put("ttftMs", ttft.round().into());
    });
    live.absorb(rest);
    if let Some(e) = broke {
        live.fail(e);
    }
    let shared = Rc::new(RefCell::new(live));
    call::flush(&shared);
    shared
}
