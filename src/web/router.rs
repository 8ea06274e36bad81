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
use crate::web::call::{self, attempt, close_hold, flush, Call, Live, Phase, SharedLive};
use crate::web::catalog;
use crate::web::endpoints;
use crate::web::error::{to_js, to_js_with_cause};
use crate::web::glue;
use crate::web::keyinfo;
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
    keyinfo::before_send(inner, &c.provider, c.free).await;
    let mut held = Held::default();
    match quota::reserve(inner, keys, g.tokens).await {
        Ok(r) => held.reservation = r,
        Err(v) => return (GateResult::Quota(v), held),
    }
    if let Some(usd) = g.spend_usd {
        match quota::reserve_spend(inner, usd).await {
            Ok(id) => held.spend = Some((id, usd)),
            Err(e) => {
                // Nothing was sent: the request slot goes back.
                held.close(inner, false);
                return (GateResult::Spend(e), Held::default());
            }
        }
    }
    (GateResult::Open, held)
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

fn settings(inner: &Inner, req: &Map, copts: &CallOptions, needs: &Needs, whole: bool) -> Settings {
    let started = now_ms();
    let validate = whole && copts.validate_output;
    Settings {
        attempt_timeout_ms: copts
            .attempt_timeout_ms
            .unwrap_or(inner.opts().attempt_timeout_ms),
        whole,
        response_format: req.get("response_format").filter(|_| validate).cloned(),
        refused_params: inner.refused_params().borrow().clone(),
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

/// Run a call up to its first token, falling back across candidates before that. Owns the
/// request and options: they move into the live call (no clones).
async fn open(
    inner: &Rc<Inner>,
    req: Map,
    copts: CallOptions,
    ctl: &Rc<CallCtl>,
    whole: bool,
) -> Result<SharedLive, JsValue> {
    let needs = needs::analyse_object(&req).map_err(|e| to_js(&e))?;
    let sticky = copts.sticky.unwrap_or(inner.opts().sticky);
    let spec = Spec::read(&req, &copts, inner.providers(), &inner.opts().strategy)
        .map_err(|e| to_js(&e))?
        .with_sticky(&req, sticky);
    let mut lp = CallLoop::new(settings(inner, &req, &copts, &needs, whole));
    let next = lp.start();
    let call = Call { copts, spec, needs };
    match drive(inner, &call, &req, ctl, &mut lp, next).await {
        Ok(d) => Ok(go_live(inner, ctl, req, call, d, lp)),
        Err(e) => Err(fail_js(ctl, &closest_for(inner, e).await)),
    }
}

/// The attempt the loop delivered, with the quota it holds.
struct Delivered {
    opened: call::Opened,
    cand: Cand,
    held: Held,
}

/// Do what the loop says from `next` until it delivers or fails: plan, gate, fetch, sleep.
/// `sent` is the request each attempt sends (a resumed call's carries the text so far).
async fn drive(
    inner: &Rc<Inner>,
    call: &Call,
    sent: &Map,
    ctl: &Rc<CallCtl>,
    lp: &mut CallLoop,
    mut next: Next,
) -> Result<Delivered, Error> {
    let mut held = Held::default();
    loop {
        inner.emit_all(lp.take_events());
        if !matches!(next, Next::Fail(_)) {
            if let Some(k) = ctl.aborted() {
                return Err(lp.abort(k));
            }
        }
        next = match next {
            Next::Plan => {
                // Boxed: its state machine stays out of drive's (smaller wasm).
                let planned: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
                    Box::pin(make_plan(inner, &call.spec, &call.needs));
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
                let body = send_body(sent, &call.copts, &s);
                let opened: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
                    Box::pin(attempt(inner, ctl, &s.cand, &body, s.timeout_ms, s.whole));
                let mut hold = std::mem::take(&mut held);
                match opened.await {
                    Ok(opened) => {
                        // The provider had counted it by its first token (issue 18): its window
                        // slot dates from then, not from when a long stream ends.
                        if let Some(r) = hold.reservation.as_mut() {
                            r.answered_ms = Some(now_ms());
                        }
                        let n = judge(inner, lp, &opened);
                        if !matches!(n, Next::Deliver) {
                            glue::cancel_reader(&opened.reader, &JsValue::UNDEFINED);
                            hold.close(inner, true);
                            next = n;
                            continue;
                        }
                        return Ok(Delivered {
                            opened,
                            cand: s.cand,
                            held: hold,
                        });
                    }
                    Err(o) => {
                        learn_failed(inner, &s.cand, &o);
                        hold.close(inner, o.reached());
                        let n = lp.sent(o, now_ms(), &mut inner.health().borrow_mut());
                        let learned = lp.take_learned_params();
                        inner.refused_params().borrow_mut().extend(learned);
                        n
                    }
                }
            }
            Next::Wait(ms) => match transport::wait(glue::sleep(ms, &ctl.signal()), ctl).await {
                Wait::Aborted(k) => return Err(lp.abort(k)),
                _ => lp.waited(now_ms(), &inner.health().borrow()),
            },
            Next::Fail(e) => return Err(e),
            // Only `sent(Token)` delivers, handled above.
            Next::Deliver => {
                return Err(Error::new(
                    ErrorCode::ProviderError,
                    "the call loop delivered without a stream",
                ))
            }
        };
    }
}

/// The body for one attempt: the request without what the model refused, shaped for its provider.
fn send_body(req: &Map, copts: &CallOptions, s: &crate::core::call::Send) -> String {
    let mut trimmed;
    let mut sent = req;
    if !s.without.is_empty() {
        trimmed = req.clone();
        for k in &s.without {
            trimmed.remove(k);
        }
        sent = &trimmed;
    }
    let session = copts.session_id.as_deref();
    call::request_body(sent, &s.cand.provider, &s.cand.model, session, s.max_tokens)
}

/// Tell the loop an attempt produced its first token, or a whole answer for it to judge.
fn judge(inner: &Inner, lp: &mut CallLoop, opened: &call::Opened) -> Next {
    let mut health = inner.health().borrow_mut();
    if opened.complete {
        let content = &opened.body.acc.content;
        lp.answered(
            content,
            opened.tool_calls,
            opened.status,
            now_ms(),
            &mut health,
        )
    } else {
        lp.sent(Outcome::Token, now_ms(), &mut health)
    }
}

/// Continue a stream that broke after its first token (`resumeOnError`) where the loop says,
/// sending the text so far as an assistant prefix. Never holds the borrow across an await.
async fn resume(live: &SharedLive) {
    let taken = {
        let Ok(mut l) = live.try_borrow_mut() else {
            return;
        };
        let Phase::Resuming(broke) = &l.phase else {
            return;
        };
        let broke = broke.clone();
        l.busy = true;
        l.settle_attempt(None);
        let attempts = std::mem::take(&mut l.attempts);
        match l.resume.take() {
            Some(r) => Some((r, l.inner.clone(), l.ctl.clone(), l.text(), attempts, broke)),
            None => {
                l.attempts = attempts;
                l.busy = false;
                l.settle_failed(broke);
                None
            }
        }
    };
    let Some((mut r, inner, ctl, partial, attempts, broke)) = taken else {
        flush(live);
        return;
    };
    let mut with_prefix = std::mem::take(&mut r.req);
    if let Some(Value::Array(msgs)) = with_prefix.get_mut("messages") {
        let mut m = Map::new();
        m.put("role", "assistant".into());
        m.put("content", partial.clone().into());
        msgs.push(Value::Object(m));
    }
    let next =
        r.lp.resume(attempts, broke, now_ms(), &inner.health().borrow());
    let driven: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>> =
        Box::pin(drive(&inner, &r.call, &with_prefix, &ctl, &mut r.lp, next));
    let out = driven.await;
    if let Some(Value::Array(msgs)) = with_prefix.get_mut("messages") {
        msgs.pop();
    }
    r.req = with_prefix;
    resumed(live, r, out, partial);
}

/// What resuming brought (no await: kept out of the async state machine).
fn resumed(live: &SharedLive, mut r: call::Resume, out: Result<Delivered, Error>, partial: String) {
    let Ok(mut l) = live.try_borrow_mut() else {
        return;
    };
    l.attempts = r.lp.take_attempts();
    l.busy = false;
    match out {
        Ok(Delivered { opened, cand, held }) => {
            let from = l.served_model().to_string();
            let call::Opened {
                reader,
                body,
                pending,
                rest,
                broke,
                facts,
                ..
            } = opened;
            l.facts = facts;
            l.reservation = held.reservation;
            l.spend = held.spend;
            l.reader = reader;
            // Texts still queued from the old body are read from it before it goes.
            let Live {
                pending: queued,
                body: old,
                ..
            } = &mut *l;
            for d in queued {
                d.unshare(&old.acc.content);
            }
            l.body = body;
            l.pending.extend(pending);
            l.cand = cand;
            l.attempt_started_ms = r.lp.delivered_at();
            l.phase = Phase::Streaming;
            let mut m = Map::new();
            m.put("from", from.into());
            m.put("to", l.served_model().into());
            m.put(
                "partialLength",
                crate::core::text::char_count(&partial).into(),
            );
            l.prefix = partial;
            l.outbox.push(("resume", m));
            l.resume = Some(r);
            l.absorb(rest);
            if let Some(e) = broke {
                l.fail(e);
            }
        }
        Err(mut e) => {
            // The original break, or the caller's abort while resuming.
            if e.partial.is_none() {
                e.partial = Some(l.text());
                e.provider = Some(l.provider_id().to_string());
                e.model = Some(l.served_model().to_string());
            }
            l.settle_failed(e);
        }
    }
    drop(l);
    flush(live);
}

/// Resume a live stream that broke (`resumeOnError`); in any other state nothing.
pub async fn advance(live: &SharedLive) {
    let resuming = live
        .try_borrow()
        .is_ok_and(|l| matches!(l.phase, Phase::Resuming(_)) && !l.busy);
    if resuming {
        resume(live).await;
    }
}

/// An attempt that failed: learn what its headers said before the loop is told.
fn learn_failed(inner: &Inner, cand: &Cand, o: &Outcome) {
    if let Outcome::Failed(c) | Outcome::Refused { failed: c, .. } = o {
        quota::learn(inner, &cand.provider.id, &c.facts);
    }
}

/// The first token arrived: the call goes live (no await: kept out of the async state
/// machine).
#[allow(clippy::too_many_arguments)]
fn go_live(
    inner: &Rc<Inner>,
    ctl: &Rc<CallCtl>,
    req: Map,
    call: Call,
    delivered: Delivered,
    mut lp: CallLoop,
) -> SharedLive {
    let Delivered { opened, cand, held } = delivered;
    let call::Opened {
        reader,
        body,
        pending,
        rest,
        broke,
        facts,
        first_token_ms,
        ..
    } = opened;
    let now = now_ms();
    // chat() reads its answer whole first: time to first token is still to that token.
    let first = if first_token_ms > 0.0 {
        first_token_ms
    } else {
        now
    };
    let (started, t0) = (lp.started_ms(), lp.delivered_at());
    let mut live = Live {
        inner: inner.clone(),
        ctl: ctl.clone(),
        reader,
        body,
        pending,
        phase: Phase::Streaming,
        cand,
        attempts: lp.take_attempts(),
        skipped: lp.skipped(),
        started_ms: started,
        attempt_started_ms: t0,
        ttft_ms: first - started,
        finished_ms: None,
        busy: false,
        outbox: Vec::new(),
        session: call.copts.session_id.clone(),
        resume: None,
        prefix: String::new(),
        reservation: held.reservation,
        spend: held.spend,
        facts,
    };
    let ttft = live.ttft_ms;
    let provider = live.provider_id();
    let served = live.served_model();
    if let Some(sid) = call.spec.session_id.as_deref() {
        inner.pin_session(sid, provider, served);
        if let Some(from) = lp.repin_from() {
            if from.0 != provider || from.1 != served {
                inner.events().emit("repin", now, |m| {
                    m.put("sessionId", sid.into());
                    m.put("from", from.1.as_str().into());
                    m.put("to", served.into());
                });
            }
        }
    }
    inner.events().emit("first_token", now, |m| {
        m.put("provider", provider.into());
        m.put("model", served.into());
        m.put("ttftMs", ttft.round().into());
    });
    if call.copts.resume_on_error {
        live.resume = Some(call::Resume { req, lp, call });
    }
    live.absorb(rest);
    if let Some(e) = broke {
        live.fail(e);
    }
    let shared = Rc::new(RefCell::new(live));
    call::flush(&shared);
    shared
}

/// A call's abort state (signal, timeout), then routing up to the first token (`whole`, for
/// chat(): up to a whole answer the loop accepted).
pub async fn start(
    inner: Rc<Inner>,
    req: Map,
    copts: CallOptions,
    signal: JsValue,
    whole: bool,
) -> Result<SharedLive, JsValue> {
    let ctl = CallCtl::new(&signal, copts.timeout_ms.or(inner.opts().timeout_ms));
    drop(signal);
    let r = open(&inner, req, copts, &ctl, whole).await;
    if r.is_err() {
        ctl.release();
    }
    r
}

/// Drive a live stream to its end without handing deltas to JS.
pub async fn drain(live: &SharedLive) -> Result<Value, JsValue> {
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
        advance(live).await;
    }
}
