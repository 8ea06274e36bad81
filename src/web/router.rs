//! Drives core's call loop (`core::call`) for one call: loads the catalog, asks the quota
//! ledger, fetches, sleeps and hands the first token over to the stream. Every decision (which
//! candidate, what a failure means, when to wait, what events say) is the loop's.

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::call::plan::{self, Spec};
use crate::core::call::{CallLoop, Cand, Gate, GateResult, Next, Outcome, Planned, Settings};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::Map;
use crate::core::map::Put as _;
use crate::core::needs::{self, Needs};
use crate::core::options::{CallOptions, WaitForQuota};
use crate::core::quota::{ReservationId, SpendId};
use wasm_bindgen::prelude::*;

use crate::core::json::Value;
use crate::web::call::{self, attempt, close_hold, Fail, Live, Phase, SharedLive};
use crate::web::catalog;
use crate::web::endpoints;
use crate::web::error::{to_js, to_js_with_cause};
use crate::web::glue;
use crate::web::quota;
use crate::web::state::Inner;
use crate::web::transport::{self, now_ms, CallCtl, Wait};

/// The plan on the catalog as it is now (no await: kept out of the async state machine).
fn plan_now(inner: &Inner, spec: &Spec, needs: &Needs) -> Result<Planned, Error> {
    let st = inner.catalog().borrow();
    let health = inner.health().borrow();
    let sessions = inner.sessions().borrow();
    let cx = plan::Context {
        providers: inner.providers(),
        catalog: &st.cat,
        catalog_failures: &st.failures,
        health: &health,
        sessions: &sessions,
        budget_usd: inner.opts().budget_usd,
        seed: inner.opts().seed,
        random: inner.next_seed(),
        now: now_ms(),
    };
    plan::plan(spec, needs, &cx)
}

/// Load the catalog when the plan reads it, then plan. A failed load leaves its reason in the
/// catalog state, where the plan finds it if nothing else can answer.
async fn make_plan(inner: &Rc<Inner>, spec: &Spec, needs: &Needs) -> Result<Planned, Error> {
    if spec.needs_catalog(inner.providers()) {
        let _ = catalog::ensure(inner, false).await;
        // Skips models the endpoint lists rule out, before a request is spent on them.
        endpoints::check(inner, spec).await;
    }
    plan_now(inner, spec, needs)
}

/// Quota and budget held for the attempt about to be sent.
#[derive(Default)]
struct Held {
    reservation: Option<ReservationId>,
    spend: Option<(SpendId, f64)>,
}

impl Held {
    /// The attempt failed: money goes back (errors are not billed); the request counts only
    /// when it reached the provider.
    fn close(self, inner: &Inner, reached: bool) {
        if let Some((id, _)) = self.spend {
            quota::refund_spend(inner, id);
        }
        close_hold(inner, self.reservation, reached);
    }
}

/// Ask the ledger (and the budget, for a paid model) for room to send.
async fn gate(inner: &Rc<Inner>, g: &Gate) -> (GateResult, Held) {
    let c = &g.cand;
    let keys = quota::keys_for(inner, &c.provider, &c.model, c.free);
    let reservation = match quota::reserve(inner, keys, g.tokens).await {
        Ok(r) => r,
        Err(v) => return (GateResult::Quota(v), Held::default()),
    };
    let Some(usd) = g.spend_usd else {
        return (
            GateResult::Open,
            Held {
                reservation,
                spend: None,
            },
        );
    };
    match quota::reserve_spend(inner, usd).await {
        Ok(id) => (
            GateResult::Open,
            Held {
                reservation,
                spend: Some((id, usd)),
            },
        ),
        Err(e) => {
            if let Some(r) = reservation {
                quota::refund(inner, r);
            }
            (GateResult::Spend(e), Held::default())
        }
    }
}

/// The JS error for a failed call; an abort carries the caller's reason as its cause.
/// A not_found names the closest ids of its provider's list: load the list if this call did
/// not (a pinned call sends without it), then let the plan say.
async fn closest_for(inner: &Rc<Inner>, e: Error) -> Error {
    if e.code != ErrorCode::NotFound || e.model.is_none() {
        return e;
    }
    let _ = catalog::ensure(inner, false).await;
    plan::with_closest(e, &inner.catalog().borrow().cat)
}

fn fail_js(ctl: &CallCtl, e: &Error) -> JsValue {
    if matches!(e.code, ErrorCode::Aborted | ErrorCode::Timeout) {
        let reason = ctl.user_reason.borrow().clone();
        return to_js_with_cause(e, &reason);
    }
    to_js(e)
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

fn settings(inner: &Inner, copts: &CallOptions, needs: &Needs, started: f64) -> Settings {
    Settings {
        started_ms: started,
        max_attempts: copts.max_attempts.unwrap_or(inner.opts().max_attempts) as usize,
        wait_deadline_ms: match copts.wait_for_quota {
            WaitForQuota::No => started,
            WaitForQuota::UpTo(ms) => started + ms as f64,
        },
        timeout_ms: copts.timeout_ms.or(inner.opts().timeout_ms),
        budget_usd: inner.opts().budget_usd,
        prompt_tokens: needs.prompt_tokens,
        min_context: needs.min_context,
        max_tokens: needs.max_tokens,
    }
}

async fn open_inner(
    inner: &Rc<Inner>,
    req: &Map,
    copts: &CallOptions,
    ctl: &Rc<CallCtl>,
) -> Result<SharedLive, JsValue> {
    let started = now_ms();
    let needs = needs::analyse_object(req).map_err(|e| to_js(&e))?;
    let spec =
        Spec::read(req, copts, inner.providers(), &inner.opts().strategy).map_err(|e| to_js(&e))?;
    let mut lp = CallLoop::new(settings(inner, copts, &needs, started));
    let mut next = lp.start();
    let mut held = Held::default();
    loop {
        inner.emit_all(lp.take_events());
        if !matches!(next, Next::Fail(_)) {
            if let Some(k) = ctl.aborted() {
                return Err(fail_js(ctl, &lp.abort(k)));
            }
        }
        next = match next {
            Next::Plan => {
                // Boxed: its state machine stays out of open_inner's (smaller wasm).
                let planned: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
                    Box::pin(make_plan(inner, &spec, &needs));
                match planned.await {
                    Ok(p) => lp.planned(p, now_ms(), &inner.health().borrow()),
                    Err(e) => lp.plan_failed(e, now_ms()),
                }
            }
            Next::Gate(g) => {
                let gated: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
                    Box::pin(gate(inner, &g));
                let (r, h) = gated.await;
                held = h;
                lp.gated(r, now_ms(), &inner.health().borrow())
            }
            Next::Send(s) => {
                let body = call::request_body(
                    req,
                    &s.cand.provider,
                    &s.cand.model,
                    copts.session_id.as_deref(),
                    s.max_tokens,
                );
                let sent: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
                    Box::pin(attempt(inner, ctl, &s.cand, &body));
                let mut hold = std::mem::take(&mut held);
                match sent.await {
                    Ok(opened) => {
                        // The provider had counted it by its first token (issue 18): its window
                        // slot dates from then, not from when a long stream ends.
                        if let Some(r) = hold.reservation.as_mut() {
                            r.answered_ms = Some(now_ms());
                        }
                        let n = lp.sent(Outcome::Token, now_ms(), &mut inner.health().borrow_mut());
                        if !matches!(n, Next::Deliver) {
                            hold.close(inner, true);
                            next = n;
                            continue;
                        }
                        return Ok(go_live(inner, ctl, req, copts, opened, s.cand, lp, hold));
                    }
                    Err(Fail::Aborted(kind, reached)) => {
                        hold.close(inner, reached);
                        let o = Outcome::Aborted { kind, reached };
                        lp.sent(o, now_ms(), &mut inner.health().borrow_mut())
                    }
                    Err(Fail::Classified(c)) => {
                        hold.close(inner, c.error.status.is_some());
                        quota::learn(inner, &s.cand.provider.id, &c.facts);
                        lp.sent(
                            Outcome::Failed(c),
                            now_ms(),
                            &mut inner.health().borrow_mut(),
                        )
                    }
                }
            }
            Next::Wait(ms) => {
                inner.add_waited(ms);
                match transport::wait(glue::sleep(ms, &ctl.signal()), ctl).await {
                    Wait::Aborted(k) => return Err(fail_js(ctl, &lp.abort(k))),
                    _ => lp.waited(now_ms(), &inner.health().borrow()),
                }
            }
            Next::Fail(e) => return Err(fail_js(ctl, &closest_for(inner, e).await)),
            // Only `sent(Token)` delivers, handled above.
            Next::Deliver => {
                return Err(to_js(&Error::new(
                    ErrorCode::ProviderError,
                    "the call loop delivered without a stream",
                )))
            }
        };
    }
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
    mut lp: CallLoop,
    held: Held,
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
    let (started, t0) = (lp.started_ms(), lp.delivered_at());
    let repin_from = lp.repin_from().cloned();
    let mut live = Live {
        inner: inner.clone(),
        ctl: ctl.clone(),
        reader,
        body,
        pending,
        phase: Phase::Streaming,
        cand: cand.clone(),
        attempts: lp.take_attempts(),
        skipped: lp.skipped(),
        started_ms: started,
        attempt_started_ms: t0,
        ttft_ms: now - started,
        finished_ms: None,
        busy: false,
        outbox: Vec::new(),
        session: copts.session_id.clone(),
        resume: copts.resume_on_error.then(|| call::Resume {
            req: req.clone(),
            rest: lp.remaining().to_vec(),
            max_attempts: lp.max_attempts(),
        }),
        prefix: String::new(),
        reservation: held.reservation,
        spend: held.spend,
        facts,
    };
    let ttft = live.ttft_ms;
    let served = live.served_model().to_string();
    if let Some(sid) = &copts.session_id {
        inner
            .sessions()
            .borrow_mut()
            .pin(sid, &cand.provider.id, &served);
        let changed = repin_from
            .as_ref()
            .filter(|f| f.0 != cand.provider.id || f.1 != served);
        if let Some(from) = changed {
            inner.events().emit("repin", now, |m| {
                m.put("sessionId", sid.clone().into());
                m.put("from", from.1.clone().into());
                m.put("to", served.clone().into());
            });
        }
    }
    inner.events().emit("first_token", now, |m| {
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

/// One complete chat call (what `chat()` does), for batch.
pub async fn chat_once(
    inner: Rc<Inner>,
    req: Map,
    copts: CallOptions,
    signal: JsValue,
) -> Result<Value, JsValue> {
    let live = start(inner, req, copts, signal).await?;
    drain(&live).await
}

/// A call's abort state (signal, timeout), then routing up to the first token.
pub async fn start(
    inner: Rc<Inner>,
    req: Map,
    copts: CallOptions,
    signal: JsValue,
) -> Result<SharedLive, JsValue> {
    let ctl = CallCtl::new(&signal, copts.timeout_ms.or(inner.opts().timeout_ms));
    open(inner, req, copts, ctl).await
}

/// Drive a live stream to its end without handing deltas to JS.
async fn drain(live: &SharedLive) -> Result<Value, JsValue> {
    loop {
        {
            let mut l = live
                .try_borrow_mut()
                .map_err(|_| to_js(&Error::invalid("the call is busy")))?;
            l.pending.clear();
            match &l.phase {
                Phase::Finished => return Ok(l.final_value()),
                Phase::Failed(e) => return Err(to_js(e)),
                Phase::Streaming | Phase::Resuming(_) => {}
            }
        }
        call::read_rest(live).await;
        call::advance(live).await;
    }
}
