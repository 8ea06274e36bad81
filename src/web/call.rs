//! One call: try candidates in order until one produces its first token (falling back
//! transparently before that), then stream the rest. Decisions come from core; this file only
//! awaits fetch and body pieces.

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::json::{Map, Value};
use crate::core::map::Put as _;
use wasm_bindgen::prelude::*;

use crate::core::body::Body;
use crate::core::budget;
use crate::core::classify::{self, Action, Classified, ErrorInput};
use crate::core::error::{Attempt, Error, ErrorCode};
use crate::core::limits::LimitFact;
use crate::core::options::ProviderConfig;
use crate::core::providers::{self, CallShape};
use crate::core::text;
use crate::core::wire::{self, ChatDelta, Step};
use crate::web::glue;
use crate::web::quota;
use crate::web::state::Inner;
use crate::web::transport::{self, now_ms, AbortKind, CallCtl, Wait};

pub use crate::core::call::Cand;

/// Why an attempt did not produce a first token: what the loop is told (`CallLoop::sent`).
pub use crate::core::call::Outcome as Fail;

fn fail(c: Classified) -> Fail {
    Fail::Failed(Box::new(c))
}

/// A classified failure that is not about the provider's answer (parse trouble, empty body).
fn local_failure(p: &ProviderConfig, model: &str, e: Error, action: Action) -> Classified {
    Classified::new(
        e.with_provider(p.id.clone()).with_model(model),
        action,
        Vec::new(),
    )
}

pub fn request_headers(inner: &Inner, p: &ProviderConfig) -> js_sys::Object {
    let auth = p.api_key.as_ref().map(|k| text::join2("Bearer ", k));
    let mut pairs: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        pairs.push(("Authorization", a));
    }
    // Only OpenRouter gets attribution headers; anything extra breaks other providers' CORS.
    if providers::for_kind(p.kind).attribution() {
        if let Some(u) = &inner.opts().app_url {
            pairs.push(("HTTP-Referer", u));
        }
        if let Some(t) = &inner.opts().app_title {
            pairs.push(("X-OpenRouter-Title", t));
        }
    }
    transport::headers_object(&pairs)
}

/// The body sent for one candidate, shaped by the provider's adapter.
pub fn request_body(
    req: &Map,
    p: &ProviderConfig,
    model: &str,
    session: Option<&str>,
    max_tokens: Option<u64>,
) -> String {
    let call = CallShape {
        model,
        session,
        max_tokens,
    };
    Value::Object(providers::for_kind(p.kind).chat_body(req, &call)).to_string()
}

/// The state of a stream after its first token, shared by `pull()` calls.
pub struct Live {
    pub inner: Rc<Inner>,
    pub ctl: Rc<CallCtl>,
    pub reader: JsValue,
    pub body: Body,
    pub pending: Vec<ChatDelta>,
    pub phase: Phase,
    pub cand: Cand,
    pub attempts: Vec<Attempt>,
    pub started_ms: f64,
    pub attempt_started_ms: f64,
    pub ttft_ms: f64,
    pub finished_ms: Option<f64>,
    pub busy: bool,
    /// Events raised while the state was borrowed; emitted once the borrow is gone, so a
    /// listener may call back into the stream.
    pub outbox: Vec<(&'static str, Map)>,
    pub session: Option<String>,
    /// `resumeOnError`: what is needed to continue on another candidate after a break.
    pub resume: Option<Resume>,
    /// Text streamed by earlier attempts of this call (after a resume).
    pub prefix: String,
    /// The quota held for the attempt that is streaming; committed when it ends.
    pub reservation: Option<crate::core::quota::ReservationId>,
    /// Money held for a paid attempt: the reservation and its worst-case amount.
    pub spend: Option<(crate::core::quota::SpendId, f64)>,
    /// Rate-limit facts from the streaming response's headers, learned once it is committed.
    pub facts: Vec<LimitFact>,
    /// What the plan considered and did not try (`RouteInfo.skipped`).
    pub skipped: Vec<crate::core::call::Skipped>,
}

/// `resumeOnError`: the call's loop, still running, decides where a broken stream continues.
pub struct Resume {
    pub req: Map,
    pub lp: crate::core::call::CallLoop,
    pub call: Call,
}

/// How a call routes, kept while its loop may still run (`resumeOnError`).
pub struct Call {
    pub copts: crate::core::options::CallOptions,
    pub spec: crate::core::call::plan::Spec,
    pub needs: crate::core::needs::Needs,
}

pub enum Phase {
    Streaming,
    /// Broke after the first token; another candidate is about to continue the text.
    Resuming(Error),
    Finished,
    Failed(Error),
}

impl Live {
    pub fn provider_id(&self) -> &str {
        &self.cand.provider.id
    }

    /// The model that actually answered (routers report it in the chunks).
    pub fn served_model(&self) -> &str {
        self.body.acc.model.as_deref().unwrap_or(&self.cand.model)
    }

    pub fn cost_usd(&self) -> f64 {
        if self.cand.free {
            return 0.0;
        }
        budget::actual_usd(&self.cand.pricing, self.body.acc.usage.as_ref())
            .or(self.spend.as_ref().map(|s| s.1))
            .unwrap_or(0.0)
    }

    pub fn route_value(&self) -> Value {
        let latency = self.finished_ms.unwrap_or_else(now_ms) - self.started_ms;
        let mut m = Map::new();
        m.put("provider", self.provider_id().into());
        m.put("model", self.served_model().into());
        m.put("attempts", crate::web::error::attempts_json(&self.attempts));
        m.put("costUsd", self.cost_usd().into());
        m.put("latencyMs", latency.round().into());
        m.put("ttftMs", self.ttft_ms.round().into());
        m.put("skipped", crate::core::call::skipped_json(&self.skipped));
        Value::Object(m)
    }

    /// All text streamed so far, across resumed attempts.
    pub fn text(&self) -> String {
        text::join2(&self.prefix, &self.body.acc.content)
    }

    pub fn final_value(&self) -> Value {
        let mut v = self.body.acc.completion(&self.cand.model);
        if !self.prefix.is_empty() {
            // Not `msg["content"] = ..`: Value's IndexMut can panic, and its message links
            // Debug formatting with Unicode tables. The message is always an object here.
            let msg = v.get_mut("choices").and_then(|c| c.get_mut(0));
            if let Some(Value::Object(msg)) = msg.and_then(|c| c.get_mut("message")) {
                msg.put("content", Value::from(self.text()));
            }
        }
        if let Value::Object(m) = &mut v {
            m.put("route", self.route_value());
        }
        v
    }

    /// Apply steps read after the first token.
    pub fn absorb(&mut self, steps: Vec<Step>) {
        for s in steps {
            if !matches!(self.phase, Phase::Streaming) {
                return;
            }
            match s {
                Step::Delta(d) => self.pending.push(d),
                Step::Done => self.finish(),
                Step::Error(v) => {
                    let c = self.classify_value(&v);
                    self.fail(c.error);
                }
                Step::Nothing => {}
            }
        }
    }

    fn classify_value(&self, v: &Value) -> Classified {
        let input = error_input(&self.inner, &self.cand, self.served_model(), 200, &[], "");
        classify::classify_error_value(&input, v)
    }

    pub fn finish(&mut self) {
        if !matches!(self.phase, Phase::Streaming) {
            return;
        }
        self.phase = Phase::Finished;
        let now = now_ms();
        self.finished_ms = Some(now);
        transport_done(&self.reader);
        self.ctl.release();
        let gen_ms = now - (self.started_ms + self.ttft_ms);
        let (prompt, completion) = match &self.body.acc.usage {
            Some(u) => wire::usage_tokens(u),
            None => (None, None),
        };
        let tps = match completion {
            Some(t) if gen_ms > 50.0 => Some(t as f64 * 1000.0 / gen_ms),
            _ => None,
        };
        let ttft_attempt = self.started_ms + self.ttft_ms - self.attempt_started_ms;
        self.inner.health().borrow_mut().record_success(
            &self.cand.provider.id,
            &self.cand.model,
            ttft_attempt,
            tps,
            now,
        );
        self.inner.save_stats();
        let tokens = completion.map(|c| prompt.unwrap_or(0) + c);
        self.settle_attempt(tokens);
        if let Some(u) = self.body.acc.usage.clone() {
            let mut m = Map::new();
            m.put("tokens", u);
            m.put("costUsd", self.cost_usd().into());
            self.outbox.push(("usage", m));
        }
        let mut m = Map::new();
        m.put("route", self.route_value());
        self.outbox.push(("done", m));
    }

    /// The stream broke after its first token: keep the partial text in the error, or hand
    /// over to another candidate when `resumeOnError` allows.
    pub fn fail(&mut self, mut e: Error) {
        if !matches!(self.phase, Phase::Streaming) {
            return;
        }
        let provider = self.provider_id().to_string();
        let model = self.served_model().to_string();
        let broke = e.code != ErrorCode::Aborted && e.code != ErrorCode::Timeout;
        if broke {
            e.message = format!(
                "the stream from {model} on {provider} broke after it had started: {}",
                e.message
            );
            e.code = ErrorCode::StreamInterrupted;
            self.inner
                .health()
                .borrow_mut()
                .record_failure_stat(&provider, &model, now_ms());
        }
        crate::core::call::live_attempt_ended(&mut self.attempts, e.code);
        e.partial = Some(self.text());
        e.provider = Some(provider);
        e.model = Some(model);
        glue::cancel_reader(&self.reader, &JsValue::UNDEFINED);
        // Whether anyone continues is the loop's to say (CallLoop::resume).
        if broke && self.resume.is_some() {
            self.phase = Phase::Resuming(e);
            return;
        }
        self.settle_failed(e);
    }

    /// The streaming attempt is over: count it (it reached the provider), learn what its
    /// headers said, and settle its spend at the real cost or, when that is unknown, the most
    /// it could have been, so the budget never undercounts a paid answer that broke.
    pub fn settle_attempt(&mut self, tokens: Option<u64>) {
        if let Some(r) = self.reservation.take() {
            quota::commit(&self.inner, r, tokens);
        }
        let facts = std::mem::take(&mut self.facts);
        quota::learn(&self.inner, &self.cand.provider.id, &facts);
        if let Some((id, worst)) = self.spend.take() {
            let cost = budget::actual_usd(&self.cand.pricing, self.body.acc.usage.as_ref())
                .unwrap_or(worst);
            quota::commit_spend(&self.inner, id, cost);
        }
    }

    /// End the call with `e`: release its timer and signal, report, remember.
    pub fn settle_failed(&mut self, mut e: Error) {
        // The provider answered this attempt: it counts, however it ended.
        self.settle_attempt(None);
        e.attempts = self.attempts.clone();
        self.finished_ms = Some(now_ms());
        self.ctl.release();
        let mut m = Map::new();
        m.put("code", e.code.as_str().into());
        m.put("message", e.message.clone().into());
        m.put("provider", self.provider_id().into());
        m.put("model", self.served_model().into());
        self.outbox.push(("error", m));
        self.phase = Phase::Failed(e);
    }

    pub fn abort(&mut self, kind: AbortKind) {
        let e = match kind {
            AbortKind::User => Error::new(ErrorCode::Aborted, "the stream was aborted"),
            AbortKind::Timeout => Error::new(
                ErrorCode::Timeout,
                format!(
                    "the stream did not finish within {} ms (options.timeoutMs)",
                    self.ctl.timeout_ms.unwrap_or(0)
                ),
            ),
        };
        self.fail(e);
    }
}

fn transport_done(reader: &JsValue) {
    // After [DONE] nothing useful can follow; release the connection now.
    glue::cancel_reader(reader, &JsValue::UNDEFINED);
}

/// A candidate that produced its first token.
pub struct Opened {
    pub reader: JsValue,
    pub body: Body,
    /// Deltas up to and including the first token.
    pub pending: Vec<ChatDelta>,
    /// Steps read in the same piece after the first token.
    pub rest: Vec<Step>,
    /// The body broke after those steps, in the same piece.
    pub broke: Option<Error>,
    /// What the response headers said about rate limits.
    pub facts: Vec<LimitFact>,
    pub status: u16,
    /// When the first token came (a whole answer is read on past it).
    pub first_token_ms: f64,
    /// Read whole (`Send::whole`) and complete: the loop judges it before it is delivered.
    pub complete: bool,
    pub tool_calls: bool,
}

/// What classify needs to know about an answer of `cand`.
fn error_input<'a>(
    inner: &Inner,
    cand: &'a Cand,
    model: &'a str,
    status: u16,
    headers: &'a [(String, String)],
    body: &'a str,
) -> ErrorInput<'a> {
    ErrorInput {
        provider: &cand.provider.id,
        kind: cand.provider.kind,
        model,
        status,
        headers,
        body,
        now_ms: now_ms(),
        is_free_model: cand.free,
        retry_after_cap_ms: inner.opts().retry_after_cap_ms,
    }
}

/// One attempt at one candidate, up to its first token (`whole`: its whole answer), on a
/// signal of its own that aborts it when no delta came within `timeout_ms`.
pub async fn attempt(
    inner: &Rc<Inner>,
    ctl: &Rc<CallCtl>,
    cand: &Cand,
    body_json: &str,
    timeout_ms: u64,
    whole: bool,
) -> Result<Opened, Fail> {
    let timer = glue::attempt_start(&ctl.signal(), timeout_ms as f64);
    let r = attempt_on(inner, ctl, cand, body_json, &timer, whole).await;
    glue::attempt_stop(&timer);
    match r {
        Err(Fail::Failed(c)) if glue::attempt_late(&timer) && ctl.aborted().is_none() => {
            Err(Fail::TimedOut {
                reached: c.error.status.is_some(),
            })
        }
        r => r,
    }
}

async fn attempt_on(
    inner: &Rc<Inner>,
    ctl: &Rc<CallCtl>,
    cand: &Cand,
    body_json: &str,
    timer: &JsValue,
    whole: bool,
) -> Result<Opened, Fail> {
    let p = &cand.provider;
    if let Some(k) = ctl.aborted() {
        return Err(Fail::Aborted {
            kind: k,
            reached: false,
        });
    }
    let url = text::join2(&p.base_url, "/chat/completions");
    let headers = request_headers(inner, p);
    let signal = glue::attempt_signal(timer);
    let resp = match transport::wait(
        glue::call_fetch(
            inner.fetch(),
            &url,
            "POST",
            &headers,
            Some(body_json.to_string()),
            &signal,
        ),
        ctl,
    )
    .await
    {
        Wait::Ok(r) => r,
        Wait::Aborted(k) => {
            return Err(Fail::Aborted {
                kind: k,
                reached: false,
            })
        }
        Wait::Failed(e) => {
            return Err(fail(classify::network_error(
                &p.id,
                &cand.model,
                &glue::describe(&e),
                now_ms(),
                inner.opts().retry_after_cap_ms.min(30_000),
            )))
        }
    };
    let status = glue::response_status(&resp);
    let headers = transport::response_headers(&resp);
    if !(200..300).contains(&status) {
        let text = match transport::wait(glue::response_text(&resp, &signal), ctl).await {
            Wait::Ok(t) => t.as_string().unwrap_or_default(),
            Wait::Aborted(k) => {
                return Err(Fail::Aborted {
                    kind: k,
                    reached: true,
                })
            }
            Wait::Failed(_) => String::new(),
        };
        // Held keys go before anything reads the body: no later cut can leave half a key.
        let text = crate::web::secrets::by_value(text);
        let input = error_input(inner, cand, &cand.model, status, &headers, &text);
        let c = classify::classify(&input);
        if let Some(param) = crate::core::call::refused_param(status, &text, body_json) {
            return Err(Fail::Refused {
                failed: Box::new(c),
                param,
            });
        }
        return Err(fail(c));
    }
    let reader = glue::body_reader(&resp);
    if reader.is_null() || reader.is_undefined() {
        return Err(fail(local_failure(
            p,
            &cand.model,
            Error::new(
                ErrorCode::ProviderError,
                format!("{} answered HTTP {status} with no body", p.id),
            )
            .with_status(status),
            Action::TryNext,
        )));
    }
    // JS reads the body and feeds each piece here synchronously until the attempt is decided:
    // one promise per attempt, not one per piece (an 8 MiB first event is ~5,700 reads).
    let mut opening = Opening {
        whole,
        timer: timer.clone(),
        ..Opening::default()
    };
    // Deltas reach JS through `delta_to_js`, which reads a shared text from the accumulator.
    opening.body.acc.share = true;
    let state = Rc::new(RefCell::new(opening));
    let feed = {
        let state = state.clone();
        Closure::<dyn FnMut(JsValue) -> bool>::new(move |piece: JsValue| {
            state.try_borrow_mut().map_or(true, |mut s| s.feed(&piece))
        })
    };
    let read = transport::wait(
        glue::read_until(&reader, &signal, feed.as_ref().unchecked_ref()),
        ctl,
    )
    .await;
    // `readUntil` never calls `feed` once its promise has settled.
    drop(feed);
    decide(inner, cand, status, &headers, reader, state.take(), read)
}

/// How an attempt ended once its body was read up to a decision (no await: kept out of the
/// async state machine).
fn decide(
    inner: &Inner,
    cand: &Cand,
    status: u16,
    headers: &[(String, String)],
    reader: JsValue,
    opening: Opening,
    read: Wait<JsValue>,
) -> Result<Opened, Fail> {
    let p = &cand.provider;
    let Opening {
        body,
        pending,
        outcome,
        whole,
        tool_calls,
        network_error,
        first_token_ms,
        ..
    } = opening;
    match read {
        Wait::Ok(_) => {}
        Wait::Aborted(k) => {
            glue::cancel_reader(&reader, &JsValue::UNDEFINED);
            return Err(Fail::Aborted {
                kind: k,
                reached: true,
            });
        }
        Wait::Failed(e) => {
            return Err(fail(local_failure(
                p,
                &cand.model,
                Error::new(
                    ErrorCode::Network,
                    format!("reading the answer failed: {}", glue::describe(&e)),
                ),
                Action::TryNext,
            )))
        }
    }
    let (rest, broke) = match outcome {
        Some(Outcome::Token(rest, broke)) => (rest, broke),
        other => {
            glue::cancel_reader(&reader, &JsValue::UNDEFINED);
            return Err(no_token(
                inner,
                cand,
                status,
                headers,
                &body,
                network_error,
                other,
            ));
        }
    };
    // Rate-limit headers (Groq, Cerebras send them on success too) are learned after this
    // request is committed, or it counts twice.
    let facts = classify::facts_from_headers(p.kind, &cand.model, headers, now_ms());
    let complete = whole
        && broke.is_none()
        && body.acc.completed()
        && !rest.iter().any(|s| matches!(s, Step::Error(_)));
    Ok(Opened {
        reader,
        body,
        pending,
        rest,
        broke,
        facts,
        status,
        first_token_ms,
        complete,
        tool_calls,
    })
}

/// What a body that was read to a decision without a first token means.
fn no_token(
    inner: &Inner,
    cand: &Cand,
    status: u16,
    headers: &[(String, String)],
    body: &Body,
    network_error: bool,
    outcome: Option<Outcome>,
) -> Fail {
    let p = &cand.provider;
    match outcome {
        Some(Outcome::Refused(e)) => {
            let action = if e.code == ErrorCode::ProviderError {
                Action::Cooldown {
                    until_ms: now_ms() + 30_000f64.min(inner.opts().retry_after_cap_ms as f64),
                }
            } else {
                Action::TryNext
            };
            fail(local_failure(p, &cand.model, e.with_status(status), action))
        }
        Some(Outcome::ErrorValue(v)) => {
            let input = error_input(inner, cand, &cand.model, 200, headers, "");
            fail(classify::classify_error_value(&input, &v))
        }
        _ if body.acc.completed() => Fail::Rejected {
            why: crate::core::output::Rejected::Empty { network_error },
            status,
        },
        _ => {
            let e = Error::new(
                ErrorCode::ProviderError,
                format!(
                    "{} closed the stream for {} before sending any answer",
                    p.id, cand.model
                ),
            );
            // The provider answered (and counted) it: the status makes the ledger count it too.
            let e = e.with_status(status);
            fail(local_failure(p, &cand.model, e, Action::TryNext))
        }
    }
}

/// The body of an attempt before its first token, fed piece by piece from JS.
#[derive(Default)]
struct Opening {
    body: Body,
    buf: Vec<u8>,
    /// Deltas up to and including the first token.
    pending: Vec<ChatDelta>,
    /// Set once the attempt is decided; nothing is fed after that.
    outcome: Option<Outcome>,
    /// Read the whole answer before deciding (chat()); the steps after the first token.
    whole: bool,
    after_token: Option<Vec<Step>>,
    /// The attempt's timer, stopped by the first delta, and when that came.
    timer: JsValue,
    first_token_ms: f64,
    tool_calls: bool,
    /// OpenRouter named an upstream `network_error` (an empty answer then says why).
    network_error: bool,
    /// Bytes looked at for `network_error`.
    scanned: usize,
}

/// How the body decided an attempt.
enum Outcome {
    /// The first token arrived; these steps followed it in the same piece, and then maybe
    /// an error (bad bytes after it).
    Token(Vec<Step>, Option<Error>),
    /// The body is not a usable stream (HTML, a JSON error, bad bytes).
    Refused(Error),
    /// An error payload in the stream.
    ErrorValue(Value),
    /// The body ended, or sent [DONE], before any token.
    Closed,
}

impl Opening {
    /// Feed one piece (`null` or `undefined`: the end). True once the attempt is decided.
    fn feed(&mut self, piece: &JsValue) -> bool {
        if self.outcome.is_some() {
            return true;
        }
        let ended = piece.is_null() || piece.is_undefined();
        let mut steps = Vec::new();
        let r = if ended {
            self.body.end(&mut steps)
        } else {
            transport::copy_piece(piece, &mut self.buf);
            // An empty answer is small: past 64 KiB before the first token this is no empty
            // answer, and scanning on cost the 8 MiB event a fifth of its time.
            if self.after_token.is_none() && self.scanned < 65_536 {
                self.scanned += self.buf.len();
                self.network_error |= names_network_error(&self.buf);
            }
            self.body.feed(&self.buf, &mut steps)
        };
        // The steps before an error come first: a batch of pieces may hold a first token and
        // then bad bytes, which break the stream after that token as when read one by one.
        let mut r = r.err();
        if self.after_token.is_some() {
            return self.whole_step(steps, r, ended);
        }
        // Reversed, then popped: what is left after the first token is the rest, in order,
        // without an iterator collected into a new vector.
        steps.reverse();
        while let Some(s) = steps.pop() {
            match s {
                Step::Delta(d) => {
                    let token = d.is_token();
                    self.tool_calls |= !d.tool_calls.is_empty();
                    self.pending.push(d);
                    if token {
                        // In time: the attempt's timer stops at its first delta.
                        glue::attempt_stop(&self.timer);
                        self.first_token_ms = now_ms();
                        if self.whole {
                            self.after_token = Some(Vec::new());
                            steps.reverse();
                            return self.whole_step(steps, r, ended);
                        }
                        // Everything else in this piece belongs to the live stream.
                        steps.reverse();
                        self.outcome = Some(Outcome::Token(steps, r.take()));
                        return true;
                    }
                }
                Step::Error(v) => {
                    self.outcome = Some(Outcome::ErrorValue(v));
                    return true;
                }
                Step::Done | Step::Nothing => {}
            }
        }
        if let Some(e) = r {
            self.outcome = Some(Outcome::Refused(e));
            return true;
        }
        if ended || self.body.acc.saw_done {
            self.outcome = Some(Outcome::Closed);
            return true;
        }
        false
    }
}

/// Whether a piece carries OpenRouter's `native_finish_reason: "network_error"` (the bytes may
/// end mid-character, so not through `str`).
fn names_network_error(piece: &[u8]) -> bool {
    const WORD: &[u8] = b"network_error";
    let mut i = 0;
    while i < piece.len() {
        if piece.get(i) == Some(&b'n') && piece.get(i..i + WORD.len()) == Some(WORD) {
            return true;
        }
        i += 1;
    }
    false
}

impl Opening {
    /// Whole mode after the first token: deltas queue up, and the attempt is decided once the
    /// answer ends or breaks (what follows the break goes to the live stream as before).
    fn whole_step(&mut self, steps: Vec<Step>, broke: Option<Error>, ended: bool) -> bool {
        let mut rest = self.after_token.take().unwrap_or_default();
        let mut over = broke.is_some() || ended || self.body.acc.saw_done;
        for s in steps {
            match s {
                Step::Delta(d) => {
                    self.tool_calls |= !d.tool_calls.is_empty();
                    self.pending.push(d);
                }
                Step::Nothing => {}
                end => {
                    rest.push(end);
                    over = true;
                    break;
                }
            }
        }
        if !over {
            self.after_token = Some(rest);
            return false;
        }
        if ended && broke.is_none() && rest.is_empty() && self.body.acc.completed() {
            rest.push(Step::Done);
        }
        self.outcome = Some(Outcome::Token(rest, broke));
        true
    }
}

/// Merge runs of plain text deltas that arrived together: fewer objects cross into JS, and the
/// text a reader sees is the same.
/// `text` is the accumulator's content (for shared texts).
pub fn coalesce(deltas: Vec<ChatDelta>, text: &str) -> Vec<ChatDelta> {
    let mut out: Vec<ChatDelta> = Vec::with_capacity(deltas.len().min(8));
    for mut d in deltas {
        let plain = d.tool_calls.is_empty() && d.finish_reason.is_none() && d.usage.is_none();
        if plain {
            if let Some(last) = out.last_mut() {
                let last_plain = last.tool_calls.is_empty()
                    && last.finish_reason.is_none()
                    && last.usage.is_none();
                if last_plain && last.reasoning.is_none() == d.reasoning.is_none() {
                    // Merged texts are owned (the copy a merge always made).
                    last.unshare(text);
                    d.unshare(text);
                    if let Some(c) = d.content {
                        match &mut last.content {
                            Some(s) => s.push_str(&c),
                            None => last.content = Some(c),
                        }
                    }
                    if let Some(r) = d.reasoning {
                        match &mut last.reasoning {
                            Some(s) => s.push_str(&r),
                            None => last.reasoning = Some(r),
                        }
                    }
                    continue;
                }
            }
        }
        out.push(d);
    }
    out
}

/// A text above this reaches JS in pieces (see `setBigContent` in glue.js).
const BIG_TEXT: usize = 1 << 20;

/// `text` is the accumulator's content (for a shared text).
pub fn delta_to_js(d: ChatDelta, text: &str) -> JsValue {
    let (content, big) = match d.content {
        Some(c) if c.len() > BIG_TEXT => (None, Some(c)),
        c => (c, None),
    };
    let v = glue::mk_delta(
        content,
        d.reasoning,
        d.finish_reason,
        (!d.tool_calls.is_empty()).then(|| Value::Array(d.tool_calls).to_string()),
        d.usage.map(|u| u.to_string()),
    );
    if let Some(c) = big.as_deref().or(d.shared.and_then(|r| text.get(r))) {
        // SAFETY: `setBigContent` reads the view at once and does not call into wasm, so
        // nothing can allocate (and move memory) while the view exists.
        let view = unsafe { js_sys::Uint8Array::view(c.as_bytes()) };
        glue::set_big_content(&v, &view);
    }
    v
}

pub type SharedLive = Rc<RefCell<Live>>;

/// Emit what a `Live` queued while it was borrowed.
pub fn flush(live: &SharedLive) {
    let (inner, out) = match live.try_borrow_mut() {
        Ok(mut l) => (l.inner.clone(), std::mem::take(&mut l.outbox)),
        Err(_) => return,
    };
    let now = now_ms();
    for (kind, m) in out {
        inner.events().emit_map(kind, now, m);
    }
}

/// How a read of the body settled.
pub enum Read<'a> {
    Bytes(&'a [u8]),
    End,
    Failed(JsValue),
}

/// `chat()` after the first token: JS reads the rest of the body and feeds each piece here
/// synchronously, one promise for the whole body (as before the first token). Returns once
/// the stream finished, failed or waits to resume.
pub async fn read_rest(live: &SharedLive) {
    let (reader, ctl) = {
        let Ok(mut l) = live.try_borrow_mut() else {
            return;
        };
        if !matches!(l.phase, Phase::Streaming) || l.busy {
            return;
        }
        l.busy = true;
        (l.reader.clone(), l.ctl.clone())
    };
    let feed = {
        let live = live.clone();
        let mut buf = Vec::new();
        Closure::<dyn FnMut(JsValue) -> bool>::new(move |piece: JsValue| {
            let read = if piece.is_null() || piece.is_undefined() {
                Read::End
            } else {
                transport::copy_piece(&piece, &mut buf);
                Read::Bytes(&buf)
            };
            after_read(&live, read);
            let Ok(mut l) = live.try_borrow_mut() else {
                return true;
            };
            // chat() hands no deltas out; the accumulator keeps the text.
            l.pending.clear();
            let go_on = matches!(l.phase, Phase::Streaming);
            l.busy = go_on;
            !go_on
        })
    };
    let r = transport::wait(
        glue::read_until(&reader, &ctl.signal(), feed.as_ref().unchecked_ref()),
        &ctl,
    )
    .await;
    // `readUntil` never calls `feed` once its promise has settled.
    drop(feed);
    match r {
        // Decided by `feed`, or `feed(null)` ended it.
        Wait::Ok(_) => {}
        Wait::Failed(e) => after_read(live, Read::Failed(e)),
        // `after_read` sees the abort on the call's state.
        Wait::Aborted(_) => after_read(live, Read::End),
    }
}

/// A read handed out by `ChatStreamHandle::poll` (or made by `router::advance`) settled: absorb what it brought. An abort wins over
/// whatever the read returned, as in [`transport::wait`].
pub fn after_read(live: &SharedLive, r: Read) {
    {
        let Ok(mut l) = live.try_borrow_mut() else {
            return;
        };
        if !l.busy {
            return;
        }
        l.busy = false;
        let mut steps = Vec::new();
        let res = match (l.ctl.aborted(), r) {
            (Some(k), _) => {
                l.abort(k);
                Ok(())
            }
            (None, Read::Failed(e)) => {
                l.fail(Error::new(
                    ErrorCode::Network,
                    format!("reading the stream failed: {}", glue::describe(&e)),
                ));
                Ok(())
            }
            (None, Read::End) => {
                let r = l.body.end(&mut steps);
                if r.is_ok() && !l.body.acc.completed() {
                    // A body that ends without [DONE] or a finish reason is not a success
                    // (its steps are absorbed first, below).
                    Err(wire::truncated_error(&l.cand.provider.id, &l.cand.model))
                } else {
                    if r.is_ok() && matches!(l.phase, Phase::Streaming) {
                        steps.push(Step::Done);
                    }
                    r
                }
            }
            (None, Read::Bytes(b)) => l.body.feed(b, &mut steps),
        };
        match res {
            Ok(()) => l.absorb(steps),
            Err(e) => {
                l.absorb(steps);
                l.fail(e);
            }
        }
    }
    flush(live);
}

/// Close the quota held for an attempt: counted when it reached the provider, else given back.
pub fn close_hold(inner: &Inner, r: Option<crate::core::quota::ReservationId>, reached: bool) {
    if let Some(r) = r {
        if reached {
            quota::commit(inner, r, None);
        } else {
            quota::refund(inner, r);
        }
    }
}
