//! The call loop as a state machine: plan -> gate -> send -> classify -> next (fallback, wait,
//! plan again, deliver, fail). It never awaits, reads a clock or draws a random number: the
//! driver (src/web) does what each [`Next`] says and reports back with the time.
//!
//! ```text
//! Plan ──planned──▶ Gate(c) ──gated(Open)──▶ Send(c) ──sent(Token)──▶ Deliver
//!   ▲                 │ gated(Quota/Spend): next candidate, or Wait, or the round is over
//!   │                 ▼                        sent(Failed): learn, then Gate the next
//!   └──── waited ◀── Wait(ms)                  sent(Aborted) / no more rounds: Fail(error)
//! ```
//!
//! Bounds: at most `max_attempts` counted attempts (a call waiting for quota does not count a
//! 429 it waits out) and at most [`MAX_ROUNDS`] plans and waits, so every call ends.

pub mod plan;

use std::rc::Rc;

use crate::core::budget;
use crate::core::catalog::Pricing;
use crate::core::classify::{Action, Classified};
use crate::core::error::{delay_ms, Attempt, Error, ErrorCode};
use crate::core::json::{Map, Value};
use crate::core::map::Put as _;
use crate::core::options::ProviderConfig;
use crate::core::output::{self, Rejected};
use crate::core::quota::Verdict;
use crate::core::route::{Candidate, Health, ModelState, Skip};

/// Plans and waits one call may go through (each waits for a recovery or tries something).
pub const MAX_ROUNDS: usize = 64;
/// Slack added to a wait, so the window has surely turned when the call looks again.
const WAIT_SLACK_MS: f64 = 5.0;
/// How long a model that let an attempt time out rests (later calls try others first).
const ATTEMPT_TIMEOUT_REST_MS: f64 = 60_000.0;

/// A model on a provider, to be tried.
#[derive(Clone, Debug)]
pub struct Cand {
    pub provider: Rc<ProviderConfig>,
    pub model: String,
    pub free: bool,
    /// List prices (what a paid call is budgeted at).
    pub pricing: Pricing,
}

/// Who ended a call early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortKind {
    /// The caller's signal.
    User,
    /// `timeoutMs`.
    Timeout,
}

impl AbortKind {
    pub fn code(self) -> ErrorCode {
        match self {
            AbortKind::User => ErrorCode::Aborted,
            AbortKind::Timeout => ErrorCode::Timeout,
        }
    }
}

/// A candidate the plan considered and did not try (`RouteInfo.skipped`).
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub provider: String,
    pub model: String,
    pub reason: &'static str,
    pub until_ms: Option<f64>,
}

impl Skipped {
    pub fn new(c: &Candidate, s: &Skip) -> Skipped {
        let reason = match s {
            Skip::CoolingDown { .. } => "cooling_down",
            Skip::Evicted => "evicted",
            Skip::LacksCapability { .. } => "capability",
            Skip::ContextTooSmall { .. } => "context",
            Skip::ProviderOut => "provider_out",
            Skip::PoolExhausted { .. } => "quota",
        };
        Skipped {
            provider: c.provider.clone(),
            model: c.model.clone(),
            reason,
            until_ms: s.until_ms(),
        }
    }
}

/// `RouteInfo.skipped`: `{ provider, model, reason, untilMs? }` for each.
pub fn skipped_json(skipped: &[Skipped]) -> Value {
    let mut out = Vec::with_capacity(skipped.len());
    for s in skipped {
        let mut m = Map::new();
        m.put("provider", s.provider.clone().into());
        m.put("model", s.model.clone().into());
        m.put("reason", s.reason.into());
        if let Some(t) = s.until_ms.filter(|t| t.is_finite()) {
            m.put("untilMs", t.round().into());
        }
        out.push(Value::Object(m));
    }
    Value::Array(out)
}

/// What the plan gave: candidates in order.
#[derive(Clone, Debug)]
pub struct Planned {
    pub order: Vec<Cand>,
    pub fallback: bool,
    /// The session's pin before this call (a different model answering is a repin).
    pub repin_from: Option<(String, String)>,
    /// Candidates the plan left out, and why (see [`Skipped`]).
    pub skipped: Vec<(Candidate, Skip)>,
}

/// The call's fixed parameters.
#[derive(Clone, Debug)]
pub struct Settings {
    pub started_ms: f64,
    pub max_attempts: usize,
    /// `started_ms` plus what `waitForQuota` allows (equal to `started_ms`: never wait).
    pub wait_deadline_ms: f64,
    /// `timeoutMs`, for the message of a timed-out call.
    pub timeout_ms: Option<u64>,
    pub budget_usd: f64,
    pub prompt_tokens: u64,
    /// Prompt plus room for the reply: what per-minute token windows are asked for.
    pub min_context: u64,
    pub max_tokens: Option<u64>,
    /// `attemptTimeoutMs`: an attempt with no first delta by then is aborted.
    pub attempt_timeout_ms: u64,
    /// chat(): each answer is read whole before it is delivered, so a bad one still falls back.
    pub whole: bool,
    /// The `response_format` a whole answer is held to (None: not JSON, or `validateOutput: false`).
    pub response_format: Option<Value>,
    /// Optional parameters models refused before: (provider, model, parameter).
    pub refused_params: Vec<(String, String, String)>,
}

/// Ask the quota ledger (and, for a paid model, the budget) for room to send to `cand`.
#[derive(Clone, Debug)]
pub struct Gate {
    pub cand: Cand,
    /// Tokens the request may use (per-minute token windows).
    pub tokens: u64,
    /// A paid model: the most this attempt may cost, to hold against the budget.
    pub spend_usd: Option<f64>,
}

/// What the ledger and the budget said to a [`Gate`].
#[derive(Clone, Debug)]
pub enum GateResult {
    /// Room held: send.
    Open,
    /// The ledger's windows refuse it now.
    Quota(Verdict),
    /// The budget refuses the hold.
    Spend(Error),
}

/// Send attempt `n` to `cand`.
#[derive(Clone, Debug)]
pub struct Send {
    pub cand: Cand,
    pub n: usize,
    /// A paid model's reply is capped at this many tokens.
    pub max_tokens: Option<u64>,
    /// Abort the attempt (its fetch too) when no delta came within this many ms.
    pub timeout_ms: u64,
    /// Read the answer whole, then report it with [`CallLoop::answered`].
    pub whole: bool,
    /// Optional parameters to leave out of the body: this model refused them.
    pub without: Vec<String>,
}

/// How an attempt ended, up to its first token.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The first token arrived: the call goes live.
    Token,
    /// `reached`: the provider had answered (the request counts against its quota).
    Aborted { kind: AbortKind, reached: bool },
    /// The provider's answer (or the lack of one), classified.
    Failed(Box<Classified>),
    /// No delta within [`Send::timeout_ms`]: the driver aborted the attempt.
    TimedOut { reached: bool },
    /// HTTP 2xx but no answer: empty, or not in the format asked for.
    Rejected { why: Rejected, status: u16 },
    /// A 400 that names one optional parameter this model refuses (see [`refused_param`]).
    Refused {
        failed: Box<Classified>,
        param: String,
    },
}

impl Outcome {
    /// Whether the request reached the provider and so counts against its quota.
    pub fn reached(&self) -> bool {
        match self {
            Outcome::Token => true,
            Outcome::Aborted { reached, .. } | Outcome::TimedOut { reached } => *reached,
            Outcome::Failed(c) | Outcome::Refused { failed: c, .. } => c.error.status.is_some(),
            Outcome::Rejected { .. } => true,
        }
    }
}

/// What the driver does next.
#[derive(Clone, Debug)]
pub enum Next {
    /// Build the plan (loading the catalog if needed), then call [`CallLoop::planned`].
    Plan,
    Gate(Gate),
    Send(Send),
    /// Sleep this many ms (abortably), then call [`CallLoop::waited`].
    Wait(f64),
    /// The attempt just sent is live: hand its stream to the caller.
    Deliver,
    Fail(Error),
}

/// What to do once a wait is over.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Resume {
    Plan,
    Gate,
}

/// An event to emit: its type and fields (`at` is the driver's).
pub type Event = (&'static str, Map);

/// One call's loop. See the module docs.
#[derive(Debug)]
pub struct CallLoop {
    settings: Settings,
    attempts: Vec<Attempt>,
    remaining: Vec<Cand>,
    fallback: bool,
    /// Providers whose free pool this call saw spent.
    pool_spent: Vec<String>,
    last: Option<Error>,
    rounds: usize,
    /// The candidate the gate is asking about, and the earliest a refused one comes back.
    gate_at: usize,
    soonest: Option<(Error, f64)>,
    /// The attempt in flight and when it was sent.
    sending: Option<(Cand, f64)>,
    /// When the attempt that went live was sent.
    delivered_at: f64,
    /// The failure a next attempt falls back from (announced when it is sent).
    fell_from: Option<(Cand, ErrorCode)>,
    after_wait: Resume,
    repin_from: Option<(String, String)>,
    skipped: Vec<(Candidate, Skip)>,
    events: Vec<Event>,
    over: bool,
    /// Candidates retried without a refused parameter (once each), and what was learned.
    param_retried: Vec<(String, String)>,
    learned_params: Vec<(String, String, String)>,
    /// `resumeOnError`: the break being resumed; the call ends with it when no one continues.
    resuming: Option<Error>,
}

impl CallLoop {
    pub fn new(settings: Settings) -> CallLoop {
        CallLoop {
            settings,
            attempts: Vec::new(),
            remaining: Vec::new(),
            fallback: false,
            pool_spent: Vec::new(),
            last: None,
            rounds: 0,
            gate_at: 0,
            soonest: None,
            sending: None,
            delivered_at: 0.0,
            fell_from: None,
            after_wait: Resume::Plan,
            repin_from: None,
            skipped: Vec::new(),
            events: Vec::new(),
            over: false,
            param_retried: Vec::new(),
            learned_params: Vec::new(),
            resuming: None,
        }
    }

    /// The first step.
    pub fn start(&mut self) -> Next {
        self.replan()
    }

    pub fn started_ms(&self) -> f64 {
        self.settings.started_ms
    }

    pub fn max_attempts(&self) -> usize {
        self.settings.max_attempts
    }

    /// When the attempt that went live was sent.
    pub fn delivered_at(&self) -> f64 {
        self.delivered_at
    }

    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    pub fn take_attempts(&mut self) -> Vec<Attempt> {
        std::mem::take(&mut self.attempts)
    }

    /// Candidates not tried yet, in plan order (what `resumeOnError` may continue on).
    pub fn remaining(&self) -> &[Cand] {
        &self.remaining
    }

    pub fn repin_from(&self) -> Option<&(String, String)> {
        self.repin_from.as_ref()
    }

    /// What the last plan left out, as `RouteInfo.skipped` lists it.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.skipped
            .iter()
            .map(|(c, s)| Skipped::new(c, s))
            .collect()
    }

    /// Parameters models refused during this call, for the client to drop up front later.
    pub fn take_learned_params(&mut self) -> Vec<(String, String, String)> {
        std::mem::take(&mut self.learned_params)
    }

    /// Events raised since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The plan is there.
    pub fn planned(&mut self, p: Planned, now: f64, health: &Health) -> Next {
        self.remaining = p.order;
        self.fallback = p.fallback;
        if self.repin_from.is_none() {
            self.repin_from = p.repin_from;
        }
        self.skipped = p.skipped;
        self.gate_from_start(now, health)
    }

    /// Nothing could be planned; `e` may say when a candidate comes back.
    pub fn plan_failed(&mut self, mut e: Error, now: f64) -> Next {
        if let Some(ms) = self.wait_allowed(e.retry_after_ms, now) {
            return self.wait(ms, Resume::Plan);
        }
        e.attempts = self.attempts.clone();
        self.end(Next::Fail(e))
    }

    /// A wait is over: look again with fresh times (never the ones from before the wait).
    pub fn waited(&mut self, now: f64, health: &Health) -> Next {
        match self.after_wait {
            Resume::Plan => self.replan(),
            Resume::Gate => self.gate_from_start(now, health),
        }
    }

    /// The caller's signal or the call's deadline ended the call between steps.
    pub fn abort(&mut self, kind: AbortKind) -> Error {
        let mut e = match kind {
            AbortKind::User => Error::new(ErrorCode::Aborted, "the request was aborted"),
            AbortKind::Timeout => Error::new(
                ErrorCode::Timeout,
                format!(
                    "no complete answer within {} ms (options.timeoutMs); try a larger timeout or another model",
                    self.settings.timeout_ms.unwrap_or(0)
                ),
            ),
        };
        e.attempts = self.attempts.clone();
        self.over = true;
        e
    }

    /// The gate's answer for the candidate of the last [`Next::Gate`].
    pub fn gated(&mut self, r: GateResult, now: f64, health: &Health) -> Next {
        if self.gate_at >= self.remaining.len() {
            return self.gate_next(now);
        }
        match r {
            GateResult::Open => {
                let cand = self.remaining.remove(self.gate_at);
                self.send(cand, now)
            }
            GateResult::Quota(v) => {
                let model = &self.remaining[self.gate_at].model;
                if let Some((e, at)) = verdict_error(&v, model, now) {
                    if self.soonest.as_ref().is_none_or(|(_, t)| at < *t) {
                        self.soonest = Some((e, at));
                    }
                }
                self.gate_at += 1;
                self.gate_next(now)
            }
            GateResult::Spend(e) => {
                let c = self.remaining.remove(self.gate_at);
                self.last = Some(e.with_provider(c.provider.id.clone()).with_model(c.model));
                self.gate_from_start(now, health)
            }
        }
    }

    /// How the attempt of the last [`Next::Send`] ended. `health` learns from a failure.
    pub fn sent(&mut self, outcome: Outcome, now: f64, health: &mut Health) -> Next {
        let Some((cand, t0)) = self.sending.take() else {
            return self.end(Next::Fail(Error::new(
                ErrorCode::ProviderError,
                "an attempt was reported that was never sent",
            )));
        };
        let ms = now - t0;
        match outcome {
            Outcome::Token => {
                self.resuming = None;
                self.delivered_at = t0;
                self.attempts
                    .push(attempt(&cand, "ok", Some(200), None, ms));
                self.end(Next::Deliver)
            }
            Outcome::Aborted { kind, .. } => {
                let code = kind.code();
                self.attempts
                    .push(attempt(&cand, code.as_str(), None, Some(code), ms));
                let e = self.abort(kind);
                self.end(Next::Fail(e))
            }
            Outcome::Failed(c) => self.failed(cand, *c, None, ms, now, health),
            Outcome::TimedOut { .. } => {
                let e = Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "{} on {} sent nothing within {} ms (attemptTimeoutMs)",
                        cand.model,
                        cand.provider.id,
                        self.attempt_timeout()
                    ),
                );
                let rest = Action::Cooldown {
                    until_ms: now + ATTEMPT_TIMEOUT_REST_MS,
                };
                self.failed(cand, local(e, rest), None, ms, now, health)
            }
            Outcome::Rejected { why, status } => {
                let e = Error::new(
                    ErrorCode::ProviderError,
                    why.describe(&cand.provider.id, &cand.model),
                )
                .with_status(status);
                let c = local(e, Action::TryNext);
                self.failed(cand, c, Some(why.outcome()), ms, now, health)
            }
            Outcome::Refused { failed, param } => {
                self.refused(cand, *failed, param, ms, now, health)
            }
        }
    }

    /// `resumeOnError`: the delivered stream broke after its first token (`broke`, already
    /// recorded in `attempts`). Continue on the candidates this plan has not tried, free ones
    /// only (the budget was planned for one answer), within `maxAttempts`, without waiting or
    /// planning again; when none produces a token the call ends with `broke`.
    pub fn resume(
        &mut self,
        attempts: Vec<Attempt>,
        broke: Error,
        now: f64,
        health: &Health,
    ) -> Next {
        self.attempts = attempts;
        self.resuming = Some(broke);
        self.over = false;
        self.fallback = true;
        self.fell_from = None;
        self.last = None;
        // The continuation streams: it is delivered at its first token.
        self.settings.whole = false;
        self.remaining.retain(|c| c.free);
        self.gate_from_start(now, health)
    }

    /// Whether a [`Next::Deliver`] continues a broken stream (see [`CallLoop::resume`]).
    pub fn is_resuming(&self) -> bool {
        self.resuming.is_some()
    }

    /// A whole answer ([`Send::whole`]) arrived with status `status`: deliver it, or, when it
    /// is no answer (empty, or not the JSON `response_format` asked for), try the next.
    pub fn answered(
        &mut self,
        content: &str,
        tool_calls: bool,
        status: u16,
        now: f64,
        health: &mut Health,
    ) -> Next {
        let judged = output::check_empty(content, tool_calls, None)
            .and_then(|()| output::check_format(self.settings.response_format.as_ref(), content));
        match judged {
            Ok(()) => self.sent(Outcome::Token, now, health),
            Err(why) => self.sent(Outcome::Rejected { why, status }, now, health),
        }
    }

    fn attempt_timeout(&self) -> u64 {
        self.settings
            .attempt_timeout_ms
            .min(crate::core::error::MAX_DELAY_MS)
    }

    /// A model refused one optional parameter: the same model once more without it (the
    /// client remembers, so later calls leave it out up front); a second refusal is a failure.
    fn refused(
        &mut self,
        cand: Cand,
        c: Classified,
        param: String,
        ms: f64,
        now: f64,
        health: &mut Health,
    ) -> Next {
        let key = (cand.provider.id.clone(), cand.model.clone());
        if self.param_retried.contains(&key) {
            return self.failed(cand, c, None, ms, now, health);
        }
        let code = c.error.code;
        self.attempts.push(attempt(
            &cand,
            code.as_str(),
            c.error.status,
            Some(code),
            ms,
        ));
        let learned = (key.0.clone(), key.1.clone(), param);
        self.settings.refused_params.push(learned.clone());
        self.learned_params.push(learned);
        self.param_retried.push(key);
        // Through the gate again: the retry is a request of its own for the quota ledger.
        self.remaining.insert(0, cand);
        self.gate_at = 0;
        self.soonest = None;
        self.gate_next(now)
    }

    fn failed(
        &mut self,
        cand: Cand,
        c: Classified,
        outcome: Option<&str>,
        ms: f64,
        now: f64,
        health: &mut Health,
    ) -> Next {
        let code = c.error.code;
        self.attempts.push(attempt(
            &cand,
            outcome.unwrap_or(code.as_str()),
            c.error.status,
            Some(code),
            ms,
        ));
        learn(
            health,
            &cand.provider.id,
            &cand.model,
            &c,
            now,
            &mut self.events,
        );
        if matches!(c.action, Action::FreePoolExhausted { .. }) {
            self.pool_spent.push(cand.provider.id.clone());
        }
        if matches!(c.action, Action::Stop) && self.resuming.is_none() {
            // The request itself is wrong: no other model does better.
            return self.fail(c.error, false);
        }
        self.last = Some(c.error);
        if !self.fallback {
            return self.round_over(now);
        }
        self.fell_from = Some((cand, code));
        self.gate_from_start(now, health)
    }

    fn send(&mut self, cand: Cand, now: f64) -> Next {
        let n = self.attempts.len() + 1;
        if let Some((from, code)) = self.fell_from.take() {
            let moved = from.provider.id != cand.provider.id || from.model != cand.model;
            if moved {
                let mut m = Map::new();
                m.put("from", from.model.into());
                m.put("fromProvider", from.provider.id.clone().into());
                m.put("to", cand.model.clone().into());
                m.put("toProvider", cand.provider.id.clone().into());
                m.put("reason", code.as_str().into());
                self.events.push(("fallback", m));
            }
        }
        let mut m = Map::new();
        m.put("provider", cand.provider.id.clone().into());
        m.put("model", cand.model.clone().into());
        m.put("n", n.into());
        self.events.push(("attempt", m));
        let max_tokens = (!cand.free).then(|| {
            self.settings
                .max_tokens
                .unwrap_or(budget::DEFAULT_PAID_MAX_TOKENS)
        });
        let mut without = Vec::new();
        for (p, m, param) in &self.settings.refused_params {
            if *p == cand.provider.id && *m == cand.model && !without.contains(param) {
                without.push(param.clone());
            }
        }
        self.sending = Some((cand.clone(), now));
        Next::Send(Send {
            cand,
            n,
            max_tokens,
            timeout_ms: self.attempt_timeout(),
            whole: self.settings.whole,
            without,
        })
    }

    /// Drop what this call has learned is unusable, then ask the gate from the first candidate.
    fn gate_from_start(&mut self, now: f64, health: &Health) -> Next {
        let tried = !self.attempts.is_empty();
        let spent = &self.pool_spent;
        self.remaining.retain(|c| {
            let pool_out = c.free && spent.contains(&c.provider.id);
            let state = health.status(&c.provider.id, &c.model, now);
            !pool_out && (!tried || state == ModelState::Available)
        });
        if self.counted() >= self.settings.max_attempts || self.remaining.is_empty() {
            return self.round_over(now);
        }
        self.gate_at = 0;
        self.soonest = None;
        self.gate_next(now)
    }

    /// The next candidate the gate should ask about, or what to do when none is left.
    fn gate_next(&mut self, now: f64) -> Next {
        while let Some(c) = self.remaining.get(self.gate_at) {
            // A paid model is only sent under a budget with room for its worst case.
            if !c.free {
                if let Some(e) = budget::refuse_paid(self.settings.budget_usd, &c.model, &c.pricing)
                {
                    self.last = Some(e.with_provider(c.provider.id.clone()));
                    self.remaining.remove(self.gate_at);
                    continue;
                }
            }
            let spend_usd = (!c.free).then(|| {
                let cap = self
                    .settings
                    .max_tokens
                    .unwrap_or(budget::DEFAULT_PAID_MAX_TOKENS);
                budget::worst_case_usd(&c.pricing, self.settings.prompt_tokens, cap).unwrap_or(0.0)
            });
            return Next::Gate(Gate {
                cand: c.clone(),
                tokens: self.settings.min_context,
                spend_usd,
            });
        }
        match self.soonest.take() {
            Some((_, at)) if at <= self.settings.wait_deadline_ms => {
                self.wait((at - now).max(0.0), Resume::Gate)
            }
            Some((e, _)) => {
                // Nothing was sent: the ledger knows the request would certainly fail.
                self.last = Some(e);
                self.round_over(now)
            }
            None => self.round_over(now),
        }
    }

    /// Nothing more to try in this plan: plan again, wait for a recovery, or fail.
    fn round_over(&mut self, now: f64) -> Next {
        if let Some(mut e) = self.resuming.take() {
            // Nobody continued the broken stream: it ends as it broke (the driver reports it).
            e.attempts = self.attempts.clone();
            return self.end(Next::Fail(e));
        }
        let Some(e) = self.last.take() else {
            // Everything became unusable between planning and trying (another call learned
            // something meanwhile): plan again, which waits or explains.
            return self.replan();
        };
        if self.counted() < self.settings.max_attempts {
            if let Some(ms) = self.wait_allowed(e.retry_after_ms, now) {
                return self.wait(ms, Resume::Plan);
            }
        }
        self.fail(e, true)
    }

    fn replan(&mut self) -> Next {
        if self.rounds >= MAX_ROUNDS {
            return self.out_of_rounds();
        }
        self.rounds += 1;
        Next::Plan
    }

    fn wait(&mut self, ms: f64, then: Resume) -> Next {
        if self.resuming.is_some() {
            // A stream being continued does not wait for quota: the reader is waiting.
            return self.round_over(0.0);
        }
        if self.rounds >= MAX_ROUNDS {
            return self.out_of_rounds();
        }
        self.rounds += 1;
        self.after_wait = then;
        let ms = delay_ms(ms + WAIT_SLACK_MS) as f64;
        let mut m = Map::new();
        m.put("ms", Value::from(ms.round()));
        self.events.push(("waiting", m));
        Next::Wait(ms)
    }

    fn out_of_rounds(&mut self) -> Next {
        let e = Error::new(
            ErrorCode::NoCandidates,
            "no candidate model stayed usable long enough to be tried",
        );
        self.fail(e, true)
    }

    /// The wait `retry_after_ms` asks for, when it ends within the caller's patience.
    fn wait_allowed(&self, retry_after_ms: Option<u64>, now: f64) -> Option<f64> {
        let ms = retry_after_ms? as f64;
        (now + ms <= self.settings.wait_deadline_ms).then_some(ms)
    }

    /// Attempts that count against maxAttempts. A call that waits for quota takes a 429 as
    /// "wait this long", which it does, not as a failed candidate; MAX_ROUNDS still bounds it.
    fn counted(&self) -> usize {
        let waiting = self.settings.wait_deadline_ms > self.settings.started_ms;
        let waited_out = |a: &&Attempt| waiting && a.error_code == Some(ErrorCode::RateLimited);
        self.attempts.len() - self.attempts.iter().filter(waited_out).count()
    }

    /// End with `e`, saying how many attempts failed, with an `error` event. `explain`: nothing
    /// could answer, so the message and `attempts` also name what the plan skipped.
    fn fail(&mut self, mut e: Error, explain: bool) -> Next {
        if self.attempts.len() > 1 {
            e.message = format!(
                "all {} attempts failed; the last one: {}",
                self.attempts.len(),
                e.message
            );
        }
        e.attempts = self.attempts.clone();
        if explain && !self.skipped.is_empty() {
            explain_skipped(&mut e, &self.skipped());
        }
        let mut m = Map::new();
        m.put("code", e.code.as_str().into());
        m.put("message", e.message.clone().into());
        self.events.push(("error", m));
        self.end(Next::Fail(e))
    }

    fn end(&mut self, n: Next) -> Next {
        self.over = true;
        n
    }

    /// True once the loop delivered or failed.
    pub fn is_over(&self) -> bool {
        self.over
    }
}

/// Add what the plan skipped to a final error: `attempts` entries with outcome "skipped" and
/// their reason, and the first few in the message.
pub fn explain_skipped(e: &mut Error, skipped: &[Skipped]) {
    let mut list = String::new();
    for (i, s) in skipped.iter().enumerate() {
        if i < 4 {
            if i > 0 {
                list.push_str(", ");
            }
            list.push_str(&format!("{} ({})", s.model, s.reason.replace('_', " ")));
        }
        e.attempts.push(Attempt {
            provider: s.provider.clone(),
            model: s.model.clone(),
            outcome: "skipped".into(),
            status: None,
            error_code: None,
            ms: 0.0,
            reason: Some(s.reason),
        });
    }
    if skipped.len() > 4 {
        list.push_str(&format!(" and {} more", skipped.len() - 4));
    }
    let msg = e.message.trim_end_matches('.');
    e.message = format!("{msg}. Skipped: {list}.");
}

/// A failure decided here, not by the provider's words.
fn local(e: Error, action: Action) -> Classified {
    Classified::new(e, action, Vec::new())
}

/// The optional parameter a 400/422 answer refused, when it names exactly one that `sent`
/// (the request body) carried: that model is worth one more try without it.
pub fn refused_param(status: u16, body: &str, sent: &str) -> Option<String> {
    if status != 400 && status != 422 {
        return None;
    }
    let sent: Value = crate::core::json::from_str(sent).ok()?;
    let Value::Object(m) = &sent else {
        return None;
    };
    let mut keys = Vec::with_capacity(m.len());
    for (k, _) in m.iter() {
        keys.push(k.as_str());
    }
    crate::core::params::refused_parameter(body, &keys).map(str::to_string)
}

/// The record of one attempt.
pub fn attempt(
    cand: &Cand,
    outcome: &str,
    status: Option<u16>,
    code: Option<ErrorCode>,
    ms: f64,
) -> Attempt {
    Attempt {
        provider: cand.provider.id.clone(),
        model: cand.model.clone(),
        outcome: outcome.into(),
        status,
        error_code: code,
        ms,
        reason: None,
    }
}

/// A provider's `GET /models` failed with `status`: a refused key (401, 402, a key 403,
/// Gemini's 400 "API key not valid") takes the provider out for the session, as a chat would,
/// so the next call does not send the bad key again. Other failures only leave the catalog
/// stale. Returns the code that put the provider out.
pub fn catalog_refused(
    provider: &ProviderConfig,
    status: u16,
    body: &str,
    now: f64,
    health: &mut Health,
) -> Option<ErrorCode> {
    let c = crate::core::classify::classify(&crate::core::classify::ErrorInput {
        provider: &provider.id,
        kind: provider.kind,
        model: "",
        status,
        headers: &[],
        body,
        now_ms: now,
        is_free_model: provider.free,
        retry_after_cap_ms: 0,
    });
    if c.action != Action::ProviderOut {
        return None;
    }
    health.apply_classified(&provider.id, "", &c, now);
    Some(c.error.code)
}

/// The attempt that went live ended before its answer was whole (a broken stream, the
/// caller's abort, the deadline): its record says so instead of "ok".
pub fn live_attempt_ended(attempts: &mut [Attempt], code: ErrorCode) {
    if let Some(a) = attempts.last_mut().filter(|a| a.outcome == "ok") {
        a.outcome = code.as_str().into();
        a.error_code = Some(code);
    }
}

/// Remember what a failure taught, and the events that say so.
pub fn learn(
    health: &mut Health,
    provider: &str,
    model: &str,
    c: &Classified,
    now: f64,
    out: &mut Vec<Event>,
) {
    health.apply_classified(provider, model, c, now);
    health.record_failure_stat(provider, model, now);
    let reason = c.error.code.as_str();
    let mut m = Map::new();
    match &c.action {
        Action::Cooldown { until_ms } | Action::FreePoolExhausted { until_ms } => {
            m.put("provider", provider.into());
            m.put("model", model.into());
            m.put("untilMs", (*until_ms).into());
            m.put("reason", reason.into());
            out.push(("cooldown", m));
        }
        Action::ProviderOut => {
            m.put("code", reason.into());
            m.put("provider", provider.into());
            let msg = format!(
                "{provider} is out for this session ({}); the other providers go on",
                c.error.message
            );
            m.put("message", msg.into());
            out.push(("error", m));
        }
        Action::Evict => {
            m.put("provider", provider.into());
            m.put("model", model.into());
            m.put("reason", c.error.message.clone().into());
            out.push(("model_evicted", m));
        }
        _ => {}
    }
    if matches!(
        c.error.code,
        ErrorCode::RateLimited | ErrorCode::QuotaExhausted
    ) {
        let mut m = Map::new();
        m.put("provider", provider.into());
        m.put("model", model.into());
        if let Some(r) = c.error.retry_after_ms {
            m.put("retryAfterMs", r.into());
        }
        out.push(("rate_limited", m));
    }
}

/// The error for a request the ledger refuses, and when it could go.
pub fn verdict_error(v: &Verdict, model: &str, now: f64) -> Option<(Error, f64)> {
    use crate::core::limits::{Scope, Window};
    let (at, key, window, limit, code) = match v {
        Verdict::Ok => return None,
        Verdict::WaitUntil {
            at_ms,
            scope,
            window,
        } => (*at_ms, scope, *window, None, ErrorCode::RateLimited),
        Verdict::Exhausted {
            until_ms,
            scope,
            window,
            limit,
        } => (
            *until_ms,
            scope,
            *window,
            Some(*limit),
            ErrorCode::QuotaExhausted,
        ),
    };
    // A refusal always has something to wait for: at least 1 ms, rounded up.
    let wait = (at - now).max(1.0).ceil();
    let when = format!("in {}", crate::core::text::duration(wait as u64));
    let limit_s = limit
        .map(|n| format!(" of {n} requests"))
        .unwrap_or_default();
    let msg = match (&key.scope, window) {
        (Scope::OpenRouterFree, Window::Day) => format!(
            "All free models on {} hit the daily limit{limit_s}; it resets at 00:00 UTC ({when}). Buy 10 credits to raise it to 1000, add another provider, or set budget.maxUsd to spill to paid models.",
            key.provider
        ),
        (Scope::OpenRouterFree, _) => format!(
            "The free-model limit of {} per {} is reached; it frees up {when}. Pass waitForQuota: true to wait, or add another provider.",
            key.provider,
            window.as_str()
        ),
        _ => format!(
            "The {} limit{limit_s} for {} on {} is reached; it frees up {when}. Pass waitForQuota: true to wait, or add another provider.",
            window.as_str(),
            if key.scope_str() == "provider" { "the account" } else { key.scope_str() },
            key.provider
        ),
    };
    Some((
        Error::new(code, msg)
            .with_provider(key.provider.clone())
            .with_model(model)
            .with_retry_after(wait as u64),
        at,
    ))
}
