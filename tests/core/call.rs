//! The call loop (core::call): every rule of README's "Fallback and events", the item-4 bugs
//! of issue 15 that live in the loop or the plan, and a proptest that every call ends.
#![allow(clippy::result_large_err)]

use std::rc::Rc;

use free_router::core::call::plan::{self, CatalogFailure, Context, Spec};
use free_router::core::call::*;
use free_router::core::catalog::{self, Catalog, Pricing};
use free_router::core::classify::{classify, Action, ErrorInput};
use free_router::core::error::{Error, ErrorCode};
use free_router::core::json::{self, Map, Value};
use free_router::core::limits::{Scope, Window};
use free_router::core::needs::{self, Needs};
use free_router::core::options::{CallOptions, ClientOptions, ProviderConfig};
use free_router::core::provider::ProviderKind;
use free_router::core::quota::{ScopeKey, Verdict};
use free_router::core::route::{Health, Sessions};
use free_router::core::text;
use proptest::prelude::*;

const T0: f64 = 1_800_000_000_000.0;

fn providers() -> Vec<Rc<ProviderConfig>> {
    let v = json::from_str(
        r#"{"providers":[
            {"id":"openrouter","apiKey":"sk-or-v1-x"},
            {"id":"groq","apiKey":"gsk_x"},
            {"id":"lab","kind":"openai-compatible","baseUrl":"http://127.0.0.1:4000/v1","apiKey":"k","free":true}
        ]}"#,
    )
    .unwrap();
    ClientOptions::from_json(&v)
        .unwrap()
        .providers
        .into_iter()
        .map(Rc::new)
        .collect()
}

fn provider(id: &str) -> Rc<ProviderConfig> {
    providers().into_iter().find(|p| p.id == id).unwrap()
}

fn cand(provider_id: &str, model: &str) -> Cand {
    Cand {
        provider: provider(provider_id),
        model: model.into(),
        free: true,
        pricing: Pricing::ZERO,
    }
}

fn settings(max_attempts: usize, wait_ms: f64) -> Settings {
    Settings {
        started_ms: T0,
        max_attempts,
        wait_deadline_ms: T0 + wait_ms,
        timeout_ms: Some(30_000),
        budget_usd: 0.0,
        prompt_tokens: 10,
        min_context: 266,
        max_tokens: None,
        attempt_timeout_ms: 30_000,
        whole: false,
        response_format: None,
        refused_params: Vec::new(),
    }
}

fn planned(order: Vec<Cand>, fallback: bool) -> Planned {
    Planned {
        order,
        fallback,
        repin_from: None,
        skipped: Vec::new(),
    }
}

fn failure(c: &Cand, status: u16, headers: &[(String, String)], body: &str, now: f64) -> Outcome {
    Outcome::Failed(Box::new(classify(&ErrorInput {
        provider: &c.provider.id,
        kind: c.provider.kind,
        model: &c.model,
        status,
        headers,
        body,
        now_ms: now,
        is_free_model: c.free,
        retry_after_cap_ms: 60_000,
    })))
}

fn rate_limit(c: &Cand, now: f64) -> Outcome {
    failure(
        c,
        429,
        &[],
        r#"{"error":{"message":"Rate limit exceeded"}}"#,
        now,
    )
}

fn server_error(c: &Cand, now: f64) -> Outcome {
    failure(
        c,
        503,
        &[],
        r#"{"error":{"message":"upstream overloaded"}}"#,
        now,
    )
}

fn send_of(n: &Next) -> &Send {
    match n {
        Next::Send(s) => s,
        other => panic!("expected Send, got {other:?}"),
    }
}

fn gate_of(n: &Next) -> &Gate {
    match n {
        Next::Gate(g) => g,
        other => panic!("expected Gate, got {other:?}"),
    }
}

fn error_of(n: Next) -> Error {
    match n {
        Next::Fail(e) => e,
        other => panic!("expected Fail, got {other:?}"),
    }
}

fn events_of(lp: &mut CallLoop, kind: &str) -> Vec<Map> {
    lp.take_events()
        .into_iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, m)| m)
        .collect()
}

fn field<'a>(m: &'a Map, k: &str) -> &'a str {
    m.get(k).and_then(Value::as_str).unwrap_or_default()
}

/// Plan with `order`, open the gate for the first candidate: the first Send.
fn first_send(lp: &mut CallLoop, health: &Health, order: Vec<Cand>, fallback: bool) -> Next {
    assert!(matches!(lp.start(), Next::Plan));
    let g = lp.planned(planned(order, fallback), T0, health);
    gate_of(&g);
    lp.gated(GateResult::Open, T0, health)
}

fn outcomes(attempts: &[free_router::core::error::Attempt]) -> Vec<&str> {
    attempts.iter().map(|a| a.outcome.as_str()).collect()
}

// Issue 16 item 2: attemptTimeoutMs.

#[test]
fn an_attempt_with_no_delta_in_time_is_recorded_as_timeout_and_the_next_is_tried() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("openrouter", "a/one:free"), cand("groq", "b-two"));
    let n = first_send(&mut lp, &health, vec![a, b], true);
    // The driver arms the attempt's own timer with this (default 30 s).
    assert_eq!(send_of(&n).timeout_ms, 30_000);
    let n = lp.sent(
        Outcome::TimedOut { reached: false },
        T0 + 30_000.0,
        &mut health,
    );
    assert_eq!(gate_of(&n).cand.model, "b-two");
    let n = lp.gated(GateResult::Open, T0 + 30_001.0, &health);
    assert_eq!(send_of(&n).cand.model, "b-two");
    let f = events_of(&mut lp, "fallback");
    assert_eq!(field(&f[0], "reason"), "timeout");
    assert!(matches!(
        lp.sent(Outcome::Token, T0 + 30_100.0, &mut health),
        Next::Deliver
    ));
    assert_eq!(outcomes(lp.attempts()), ["timeout", "ok"]);
    // The model that hung rests a while: later calls try others first.
    assert!(health
        .cooldown_reason("openrouter", "a/one:free", T0 + 31_000.0)
        .is_some());
}

#[test]
fn when_every_attempt_times_out_the_error_says_attempt_timeout() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    first_send(&mut lp, &health, vec![cand("lab", "m1")], true);
    let e = error_of(lp.sent(
        Outcome::TimedOut { reached: true },
        T0 + 30_000.0,
        &mut health,
    ));
    assert_eq!(e.code, ErrorCode::Timeout);
    assert!(e.message.contains("attemptTimeoutMs"), "{}", e.message);
    assert_eq!(outcomes(&e.attempts), ["timeout"]);
}

#[test]
fn timer_durations_are_clamped_never_instant() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(Settings {
        attempt_timeout_ms: 9_000_000_000_000_000,
        ..settings(4, 1e15)
    });
    let n = first_send(&mut lp, &health, vec![cand("lab", "m1")], false);
    assert_eq!(send_of(&n).timeout_ms, 2_147_483_647);
    // A retry-after beyond a timer's range waits the longest a timer can, not 0 ms.
    let mut e = Error::new(ErrorCode::RateLimited, "slow down");
    e.retry_after_ms = Some(5_000_000_000_000);
    let out = Outcome::Failed(Box::new(free_router::core::classify::Classified::new(
        e,
        Action::TryNext,
        Vec::new(),
    )));
    match lp.sent(out, T0 + 1.0, &mut health) {
        Next::Wait(ms) => assert_eq!(ms, 2_147_483_647.0),
        other => panic!("expected Wait, got {other:?}"),
    }
}

// Issue 16 item 3: bad answers are failed attempts.

fn json_schema_format() -> Value {
    json::from_str(
        r#"{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object","required":["name"]}}}"#,
    )
    .unwrap()
}

#[test]
fn an_empty_whole_answer_is_outcome_empty_and_the_next_is_tried() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(Settings {
        whole: true,
        ..settings(4, 0.0)
    });
    let (a, b) = (cand("openrouter", "a/one:free"), cand("groq", "b-two"));
    let n = first_send(&mut lp, &health, vec![a, b], true);
    assert!(send_of(&n).whole);
    // Reasoning alone (no content, no tool calls) is no answer.
    let n = lp.answered("  ", false, 200, T0 + 5.0, &mut health);
    assert_eq!(gate_of(&n).cand.model, "b-two");
    lp.gated(GateResult::Open, T0 + 6.0, &health);
    assert!(matches!(
        lp.answered("", true, 200, T0 + 9.0, &mut health),
        Next::Deliver
    ));
    assert_eq!(outcomes(lp.attempts()), ["empty", "ok"]);
    assert_eq!(lp.attempts()[0].status, Some(200));
}

#[test]
fn a_stream_that_ends_without_a_delta_is_outcome_empty() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(1, 0.0));
    first_send(
        &mut lp,
        &health,
        vec![cand("openrouter", "a/one:free")],
        true,
    );
    let why = free_router::core::output::Rejected::Empty {
        network_error: true,
    };
    let e = error_of(lp.sent(
        Outcome::Rejected { why, status: 200 },
        T0 + 5.0,
        &mut health,
    ));
    assert_eq!(outcomes(&e.attempts), ["empty"]);
    assert!(e.message.contains("network error"), "{}", e.message);
}

#[test]
fn json_that_misses_the_schema_is_invalid_output_bounded_by_max_attempts() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(Settings {
        whole: true,
        response_format: Some(json_schema_format()),
        ..settings(2, 0.0)
    });
    let cands = vec![cand("lab", "m1"), cand("lab", "m2"), cand("lab", "m3")];
    first_send(&mut lp, &health, cands, true);
    let n = lp.answered("Sure! Here it is", false, 200, T0 + 1.0, &mut health);
    assert_eq!(gate_of(&n).cand.model, "m2");
    lp.gated(GateResult::Open, T0 + 2.0, &health);
    let e = error_of(lp.answered(r#"{"age":3}"#, false, 200, T0 + 3.0, &mut health));
    assert_eq!(outcomes(&e.attempts), ["invalid_output", "invalid_output"]);
    assert!(e.message.contains("\"name\""), "{}", e.message);
}

#[test]
fn json_that_holds_the_schema_is_delivered_and_validation_can_be_off() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(Settings {
        whole: true,
        response_format: Some(json_schema_format()),
        ..settings(2, 0.0)
    });
    first_send(&mut lp, &health, vec![cand("lab", "m1")], true);
    let n = lp.answered(r#"{"name":"Ada"}"#, false, 200, T0 + 1.0, &mut health);
    assert!(matches!(n, Next::Deliver));
    // validateOutput: false leaves response_format out of the settings.
    let mut lp = CallLoop::new(Settings {
        whole: true,
        ..settings(2, 0.0)
    });
    first_send(&mut lp, &health, vec![cand("lab", "m1")], true);
    let n = lp.answered("not json", false, 200, T0 + 1.0, &mut health);
    assert!(matches!(n, Next::Deliver));
}

// Issue 16 item 4: a refused optional parameter.

const MISTRAL_422: &str = r#"{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","reasoning_effort"],"msg":"Extra inputs are not permitted","input":"low"}]},"type":"invalid_request_message_error","param":null,"code":null}"#;

#[test]
fn a_refused_parameter_is_named_only_when_the_request_carried_it() {
    let sent = r#"{"model":"mistral-small-latest","messages":[],"reasoning_effort":"low"}"#;
    assert_eq!(
        refused_param(422, MISTRAL_422, sent).as_deref(),
        Some("reasoning_effort")
    );
    let without = r#"{"model":"m","messages":[]}"#;
    assert_eq!(refused_param(422, MISTRAL_422, without), None);
    assert_eq!(refused_param(500, MISTRAL_422, sent), None);
    // A 400 about the request itself names no optional parameter: it still fails at once.
    let bad = r#"{"error":{"message":"messages: at least one message is required"}}"#;
    assert_eq!(refused_param(400, bad, sent), None);
}

#[test]
fn a_refused_parameter_is_retried_once_on_the_same_model_without_it() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("lab", "m1"), cand("groq", "b-two"));
    let n = first_send(&mut lp, &health, vec![a.clone(), b], false);
    assert!(send_of(&n).without.is_empty());
    let refusal = |lp: &mut CallLoop, health: &mut Health| {
        let Outcome::Failed(failed) = failure(&a, 422, &[], MISTRAL_422, T0) else {
            unreachable!()
        };
        let param = "reasoning_effort".to_string();
        lp.sent(Outcome::Refused { failed, param }, T0 + 1.0, health)
    };
    let n = refusal(&mut lp, &mut health);
    assert_eq!(gate_of(&n).cand.model, "m1");
    let n = lp.gated(GateResult::Open, T0 + 2.0, &health);
    assert_eq!(send_of(&n).cand.model, "m1");
    assert_eq!(send_of(&n).without, ["reasoning_effort"]);
    let learned = lp.take_learned_params();
    assert_eq!(
        learned,
        [("lab".into(), "m1".into(), "reasoning_effort".into())]
    );
    // Once only: a second refusal is a failure like any other.
    let e = error_of(refusal(&mut lp, &mut health));
    assert_eq!(e.attempts.len(), 2);
    // A later call leaves the parameter out up front.
    let mut later = CallLoop::new(Settings {
        refused_params: learned,
        ..settings(4, 0.0)
    });
    let n = first_send(&mut later, &health, vec![a.clone()], false);
    assert_eq!(send_of(&n).without, ["reasoning_effort"]);
    let mut other = CallLoop::new(Settings {
        refused_params: later.take_learned_params(),
        ..settings(4, 0.0)
    });
    assert!(send_of(&first_send(&mut other, &health, vec![a], false))
        .without
        .is_empty());
}

// Issue 16 item 6: the final error lists what was skipped.

fn skipped_candidate(model: &str) -> free_router::core::route::Candidate {
    free_router::core::route::Candidate {
        provider: "groq".into(),
        provider_rank: 1,
        model: model.into(),
        free: true,
        is_openrouter_free_pool: false,
        context_length: None,
        caps: Vec::new(),
        catalog_rank: 0,
        price: 0.0,
    }
}

#[test]
fn when_nothing_answers_the_error_lists_the_skipped_candidates() {
    use free_router::core::route::Skip;
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    lp.start();
    let mut p = planned(vec![cand("lab", "m1")], true);
    p.skipped = vec![
        (
            skipped_candidate("g-cool"),
            Skip::CoolingDown {
                until_ms: T0 + 9_000.0,
            },
        ),
        (skipped_candidate("g-gone"), Skip::Evicted),
    ];
    lp.planned(p, T0, &health);
    lp.gated(GateResult::Open, T0, &health);
    let e = error_of(lp.sent(server_error(&cand("lab", "m1"), T0), T0 + 1.0, &mut health));
    assert_eq!(
        outcomes(&e.attempts),
        ["provider_error", "skipped", "skipped"]
    );
    assert_eq!(e.attempts[1].reason, Some("cooling_down"));
    assert_eq!(e.attempts[2].reason, Some("evicted"));
    assert!(
        e.message
            .ends_with("Skipped: g-cool (cooling down), g-gone (evicted)."),
        "{}",
        e.message
    );
}

#[test]
fn a_request_error_does_not_list_the_skipped() {
    use free_router::core::route::Skip;
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    lp.start();
    let a = cand("openrouter", "a/one:free");
    let mut p = planned(vec![a.clone()], true);
    p.skipped = vec![(skipped_candidate("g-gone"), Skip::Evicted)];
    lp.planned(p, T0, &health);
    lp.gated(GateResult::Open, T0, &health);
    let body = r#"{"error":{"code":403,"message":"Your input was flagged","metadata":{"reasons":["violence"],"flagged_input":"x"}}}"#;
    let e = error_of(lp.sent(failure(&a, 403, &[], body, T0), T0, &mut health));
    assert_eq!(e.attempts.len(), 1);
}

#[test]
fn a_429_cools_the_model_down_and_the_next_candidate_answers() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("openrouter", "a/one:free"), cand("groq", "b-two"));
    let n = first_send(&mut lp, &health, vec![a.clone(), b.clone()], true);
    assert_eq!(send_of(&n).cand.model, "a/one:free");
    let n = lp.sent(rate_limit(&a, T0 + 10.0), T0 + 10.0, &mut health);
    assert_eq!(gate_of(&n).cand.model, "b-two");
    let n = lp.gated(GateResult::Open, T0 + 11.0, &health);
    assert_eq!(send_of(&n).n, 2);
    assert!(matches!(
        lp.sent(Outcome::Token, T0 + 50.0, &mut health),
        Next::Deliver
    ));
    let outcomes: Vec<_> = lp.attempts().iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["rate_limited", "ok"]);
    assert!(health
        .cooldown_reason("openrouter", "a/one:free", T0 + 20.0)
        .is_some());
}

#[test]
fn fallback_event_names_both_providers() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("lab", "lab-text"), cand("groq", "lab-text"));
    first_send(&mut lp, &health, vec![a.clone(), b], true);
    lp.take_events();
    lp.sent(server_error(&a, T0), T0, &mut health);
    // Announced only once the next attempt goes out.
    assert!(events_of(&mut lp, "fallback").is_empty());
    lp.gated(GateResult::Open, T0, &health);
    let fallbacks = events_of(&mut lp, "fallback");
    assert_eq!(fallbacks.len(), 1);
    let f = &fallbacks[0];
    assert_eq!(field(f, "from"), "lab-text");
    assert_eq!(field(f, "fromProvider"), "lab");
    assert_eq!(field(f, "to"), "lab-text");
    assert_eq!(field(f, "toProvider"), "groq");
    assert_eq!(field(f, "reason"), "provider_error");
}

#[test]
fn no_fallback_event_toward_a_model_never_attempted() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("openrouter", "a/one:free"), cand("groq", "b-two"));
    first_send(&mut lp, &health, vec![a.clone(), b.clone()], true);
    let n = lp.sent(server_error(&a, T0), T0, &mut health);
    assert_eq!(gate_of(&n).cand.model, "b-two");
    // The ledger refuses b for longer than the caller waits: nothing more is sent.
    let v = Verdict::WaitUntil {
        at_ms: T0 + 30_000.0,
        scope: ScopeKey::new("groq", Scope::Provider),
        window: Window::Minute,
    };
    let n = lp.gated(GateResult::Quota(v), T0, &health);
    let e = error_of(n);
    assert_eq!(e.attempts.len(), 1);
    assert!(events_of(&mut lp, "fallback").is_empty());
}

#[test]
fn a_request_error_fails_at_once_without_trying_others() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("openrouter", "a/one:free"), cand("groq", "b-two"));
    first_send(&mut lp, &health, vec![a.clone(), b], true);
    let body = r#"{"error":{"code":403,"message":"Your input was flagged","metadata":{"reasons":["violence"],"flagged_input":"x"}}}"#;
    let out = failure(&a, 403, &[], body, T0);
    let Outcome::Failed(c) = &out else {
        unreachable!()
    };
    assert_eq!(c.action, Action::Stop);
    let e = error_of(lp.sent(out, T0, &mut health));
    assert_eq!(e.code, ErrorCode::ContentFilter);
    assert_eq!(e.attempts.len(), 1);
}

#[test]
fn without_fallback_the_first_failure_ends_the_call() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, b) = (cand("openrouter", "a/one:free"), cand("groq", "b-two"));
    first_send(&mut lp, &health, vec![a.clone(), b], false);
    let e = error_of(lp.sent(server_error(&a, T0), T0, &mut health));
    assert_eq!(e.code, ErrorCode::ProviderError);
    assert_eq!(e.attempts.len(), 1);
}

#[test]
fn a_failed_key_takes_the_providers_other_models_out() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (a, a2, b) = (
        cand("groq", "one"),
        cand("groq", "two"),
        cand("lab", "three"),
    );
    first_send(&mut lp, &health, vec![a.clone(), a2, b], true);
    let out = failure(
        &a,
        401,
        &[],
        r#"{"error":{"message":"Invalid API Key"}}"#,
        T0,
    );
    let n = lp.sent(out, T0, &mut health);
    assert_eq!(gate_of(&n).cand.model, "three");
    let errors = events_of(&mut lp, "error");
    assert!(field(&errors[0], "message").contains("groq is out for this session"));
}

#[test]
fn a_spent_free_pool_skips_every_free_model_of_that_provider() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let a = cand("openrouter", "a/one:free");
    let a2 = cand("openrouter", "a/two:free");
    let b = cand("groq", "b-two");
    first_send(&mut lp, &health, vec![a.clone(), a2, b], true);
    let body = r#"{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429}}"#;
    let n = lp.sent(failure(&a, 429, &[], body, T0), T0, &mut health);
    assert_eq!(gate_of(&n).cand.model, "b-two");
}

#[test]
fn max_attempts_bounds_the_call() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(2, 0.0));
    let cs: Vec<Cand> = (0..5).map(|i| cand("groq", &format!("m{i}"))).collect();
    let mut n = first_send(&mut lp, &health, cs, true);
    let mut sends = 0;
    loop {
        match n {
            Next::Send(s) => {
                sends += 1;
                n = lp.sent(server_error(&s.cand, T0), T0, &mut health);
            }
            Next::Gate(_) => n = lp.gated(GateResult::Open, T0, &health),
            Next::Fail(e) => {
                assert!(
                    e.message.starts_with("all 2 attempts failed"),
                    "{}",
                    e.message
                );
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sends, 2);
}

#[test]
fn wait_for_quota_rechecks_with_fresh_times_after_a_sleep() {
    // Issue 15 item 4: the wait was longer than half the caller's patience, and the check after
    // the sleep added the old wait to the new time, so the call failed without sending.
    let health = Health::new();
    let mut lp = CallLoop::new(settings(4, 60_000.0));
    assert!(matches!(lp.start(), Next::Plan));
    let e = Error::new(ErrorCode::RateLimited, "resting").with_retry_after(40_000);
    let n = lp.plan_failed(e, T0);
    let Next::Wait(ms) = n else { panic!("{n:?}") };
    assert!((40_000.0..=40_100.0).contains(&ms));
    assert_eq!(events_of(&mut lp, "waiting").len(), 1);
    // After the sleep: plan again (and send), not fail.
    assert!(matches!(lp.waited(T0 + ms, &health), Next::Plan));
    let n = lp.planned(planned(vec![cand("lab", "m")], true), T0 + ms, &health);
    gate_of(&n);
}

#[test]
fn a_429_under_wait_for_quota_waits_its_retry_after_and_tries_again() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(1, 120_000.0));
    let a = cand("lab", "m1");
    first_send(&mut lp, &health, vec![a.clone()], false);
    // LiteLLM's own 429: no Retry-After; the cooldown its message states is the wait.
    let n = lp.sent(rate_limit(&a, T0), T0, &mut health);
    let Next::Wait(ms) = n else { panic!("{n:?}") };
    assert!((60_000.0..=60_100.0).contains(&ms));
    assert!(matches!(lp.waited(T0 + ms, &health), Next::Plan));
    let n = lp.planned(planned(vec![a.clone()], false), T0 + ms, &health);
    gate_of(&n);
    // The 429 it waited out does not use up maxAttempts (1 here).
    let n = lp.gated(GateResult::Open, T0 + ms, &health);
    assert_eq!(send_of(&n).n, 2);
}

#[test]
fn without_wait_for_quota_a_429_ends_the_call_with_its_retry_after() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let a = cand("lab", "m1");
    first_send(&mut lp, &health, vec![a.clone()], false);
    let e = error_of(lp.sent(rate_limit(&a, T0), T0, &mut health));
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.retry_after_ms, Some(60_000));
}

#[test]
fn an_aborted_or_timed_out_attempt_says_so_in_attempts() {
    for (kind, outcome) in [
        (AbortKind::User, "aborted"),
        (AbortKind::Timeout, "timeout"),
    ] {
        let mut health = Health::new();
        let mut lp = CallLoop::new(settings(4, 0.0));
        first_send(&mut lp, &health, vec![cand("lab", "m1")], true);
        let out = Outcome::Aborted {
            kind,
            reached: false,
        };
        assert!(!out.reached());
        let e = error_of(lp.sent(out, T0 + 5.0, &mut health));
        assert_eq!(e.code, kind.code());
        assert_eq!(e.attempts[0].outcome, outcome);
    }
}

#[test]
fn a_paid_model_is_not_sent_without_a_budget() {
    let health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let paid = Cand {
        free: false,
        pricing: Pricing {
            prompt_per_mtok: 1.0,
            completion_per_mtok: 2.0,
            request: 0.0,
        },
        ..cand("openrouter", "a/paid")
    };
    lp.start();
    let e = error_of(lp.planned(planned(vec![paid], true), T0, &health));
    assert_eq!(e.code, ErrorCode::BudgetExceeded);
    assert!(e.attempts.is_empty());
}

#[test]
fn a_paid_model_under_a_budget_holds_its_worst_case() {
    let health = Health::new();
    let mut lp = CallLoop::new(Settings {
        budget_usd: 1.0,
        ..settings(4, 0.0)
    });
    let paid = Cand {
        free: false,
        pricing: Pricing {
            prompt_per_mtok: 1.0,
            completion_per_mtok: 2.0,
            request: 0.0,
        },
        ..cand("openrouter", "a/paid")
    };
    lp.start();
    let n = lp.planned(planned(vec![paid], true), T0, &health);
    assert!(gate_of(&n).spend_usd.is_some_and(|u| u > 0.0));
    let n = lp.gated(GateResult::Open, T0, &health);
    assert!(send_of(&n).max_tokens.is_some());
}

#[test]
fn a_ledger_refusal_within_patience_waits_then_asks_again() {
    let health = Health::new();
    let mut lp = CallLoop::new(settings(4, 60_000.0));
    lp.start();
    lp.planned(planned(vec![cand("groq", "m")], true), T0, &health);
    let v = Verdict::WaitUntil {
        at_ms: T0 + 10_000.0,
        scope: ScopeKey::new("groq", Scope::Provider),
        window: Window::Minute,
    };
    let Next::Wait(ms) = lp.gated(GateResult::Quota(v.clone()), T0, &health) else {
        panic!()
    };
    assert!(ms >= 10_000.0);
    gate_of(&lp.waited(T0 + ms, &health));
    // Without patience the same refusal fails, saying when.
    let mut lp = CallLoop::new(settings(4, 0.0));
    lp.start();
    lp.planned(planned(vec![cand("groq", "m")], true), T0, &health);
    let e = error_of(lp.gated(GateResult::Quota(v), T0, &health));
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.retry_after_ms, Some(10_000));
    assert!(e.message.contains("in 10 s"), "{}", e.message);
}

#[test]
fn a_budget_refusal_moves_on_to_the_next_candidate() {
    let health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    lp.start();
    lp.planned(
        planned(vec![cand("groq", "m"), cand("lab", "n")], true),
        T0,
        &health,
    );
    let e = Error::new(ErrorCode::BudgetExceeded, "no room");
    let n = lp.gated(GateResult::Spend(e), T0, &health);
    assert_eq!(gate_of(&n).cand.model, "n");
}

#[test]
fn an_abort_between_steps_keeps_the_attempts_so_far() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    let a = cand("groq", "m");
    first_send(&mut lp, &health, vec![a.clone(), cand("lab", "n")], true);
    lp.sent(server_error(&a, T0), T0, &mut health);
    let e = lp.abort(AbortKind::User);
    assert_eq!(e.code, ErrorCode::Aborted);
    assert_eq!(e.attempts.len(), 1);
}

// ---- the plan ----

fn catalog_with(provider: &str, ids: &[&str]) -> Catalog {
    let body = format!(
        "{{\"data\":[{}]}}",
        ids.iter()
            .map(|i| format!("{{\"id\":\"{i}\"}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let models = match provider {
        "openrouter" => {
            let rows: Vec<String> = ids.iter().map(|i| format!(
                "{{\"id\":\"{i}\",\"name\":\"{i}\",\"context_length\":8192,\"pricing\":{{\"prompt\":\"0\",\"completion\":\"0\"}},\"architecture\":{{\"input_modalities\":[\"text\"],\"output_modalities\":[\"text\"]}},\"supported_parameters\":[]}}"
            )).collect();
            catalog::parse_openrouter_models(
                &format!("{{\"data\":[{}]}}", rows.join(",")),
                provider,
            )
            .unwrap()
        }
        _ => catalog::parse_openai_models(&body, provider, true).unwrap(),
    };
    let mut c = Catalog::new();
    c.set_provider_models(provider, models);
    c
}

fn request(json_text: &str) -> Map {
    match json::from_str(json_text).unwrap() {
        Value::Object(m) => m,
        _ => panic!(),
    }
}

fn plan_with(
    req: &str,
    copts: &str,
    cat: &Catalog,
    failures: &[CatalogFailure],
    health: &Health,
    now: f64,
) -> Result<Planned, Error> {
    let req = request(req);
    let copts = CallOptions::from_json(&json::from_str(copts).unwrap(), 60_000).unwrap();
    let ps = providers();
    let spec = Spec::read(&req, &copts, &ps, "ordered")?;
    let needs: Needs = needs::analyse_object(&req).unwrap();
    let sessions = Sessions::new();
    let cx = Context {
        providers: &ps,
        catalog: cat,
        catalog_failures: failures,
        health,
        sessions: &sessions,
        budget_usd: 0.0,
        seed: None,
        random: 7,
        now,
    };
    plan::plan(&spec, &needs, &cx)
}

const HI: &str = r#"{"messages":[{"role":"user","content":"hi"}]}"#;

#[test]
fn after_a_401_later_calls_fail_auth_naming_provider_and_status() {
    let mut health = Health::new();
    let c = cand("lab", "lab-text");
    let Outcome::Failed(cl) = failure(
        &c,
        401,
        &[],
        r#"{"error":{"message":"Authentication Error"}}"#,
        T0,
    ) else {
        unreachable!()
    };
    assert_eq!(cl.action, Action::ProviderOut);
    health.apply_classified("lab", "lab-text", &cl, T0);
    let cat = catalog_with("lab", &["lab-text"]);
    let e = plan_with(HI, "{}", &cat, &[], &health, T0 + 1000.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::Auth, "{}", e.message);
    assert_eq!(e.provider.as_deref(), Some("lab"));
    assert_eq!(e.status, Some(401));
    assert!(
        e.message.contains("lab") && e.message.contains("401"),
        "{}",
        e.message
    );
}

#[test]
fn a_401_on_the_model_list_takes_the_provider_out() {
    let mut health = Health::new();
    let body =
        r#"{"error":{"message":"Authentication Error, Invalid proxy server token passed."}}"#;
    let out = catalog_refused(&provider("lab"), 401, body, T0, &mut health);
    assert_eq!(out, Some(ErrorCode::Auth));
    assert_eq!(health.out_reason("lab"), Some((ErrorCode::Auth, Some(401))));
    // A 5xx on /models says nothing about the key.
    assert_eq!(
        catalog_refused(&provider("groq"), 503, "", T0, &mut health),
        None
    );
    assert_eq!(health.out_reason("groq"), None);
    let req = r#"{"model":"lab-text","messages":[{"role":"user","content":"hi"}]}"#;
    let e = plan_with(
        req,
        r#"{"provider":"lab"}"#,
        &Catalog::new(),
        &[],
        &health,
        T0,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Auth, "{}", e.message);
    assert_eq!(e.status, Some(401));
}

#[test]
fn a_cooldown_after_a_5xx_is_not_reported_as_rate_limited() {
    let mut health = Health::new();
    let c = cand("lab", "lab-text");
    let Outcome::Failed(cl) = server_error(&c, T0) else {
        unreachable!()
    };
    health.apply_classified("lab", "lab-text", &cl, T0);
    let cat = catalog_with("lab", &["lab-text"]);
    let e = plan_with(HI, "{}", &cat, &[], &health, T0 + 1000.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::ProviderError, "{}", e.message);
    assert!(!e.message.contains("rate"), "{}", e.message);
    assert!(e.message.contains("provider errors"), "{}", e.message);
    assert!(e.retry_after_ms.is_some());
}

#[test]
fn a_cooldown_after_a_429_is_reported_as_rate_limited() {
    let mut health = Health::new();
    let c = cand("lab", "lab-text");
    let Outcome::Failed(cl) = rate_limit(&c, T0) else {
        unreachable!()
    };
    health.apply_classified("lab", "lab-text", &cl, T0);
    let cat = catalog_with("lab", &["lab-text"]);
    let e = plan_with(HI, "{}", &cat, &[], &health, T0 + 1000.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::RateLimited, "{}", e.message);
    assert_eq!(e.retry_after_ms, Some(59_000));
}

#[test]
fn a_pinned_unknown_id_without_fallback_is_not_found_naming_the_closest() {
    let cat = catalog_with(
        "openrouter",
        &[
            "meta-llama/llama-3.3-70b-instruct:free",
            "qwen/qwen3-coder:free",
            "z/other:free",
        ],
    );
    let req = r#"{"model":"meta-llama/llama-3.3-70b-instruct","messages":[{"role":"user","content":"hi"}]}"#;
    let e = plan_with(req, "{}", &cat, &[], &Health::new(), T0).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{}", e.message);
    assert!(
        e.message.contains("meta-llama/llama-3.3-70b-instruct:free"),
        "{}",
        e.message
    );
    // The call's error path adds the closest ids to a provider's not_found: not to this one,
    // which already names them (they were listed twice).
    let again = plan::with_closest(e.clone(), &cat);
    assert_eq!(again.message, e.message);
    assert_eq!(e.message.matches("the closest are").count(), 1);
    // With fallback the client chooses among free models instead.
    let p = plan_with(req, r#"{"fallback":true}"#, &cat, &[], &Health::new(), T0);
    assert!(p.is_ok());
}

#[test]
fn a_pinned_id_the_catalog_lists_is_planned() {
    let cat = catalog_with("openrouter", &["qwen/qwen3-coder:free"]);
    let req = r#"{"model":"qwen/qwen3-coder:free","messages":[{"role":"user","content":"hi"}]}"#;
    let p = plan_with(req, "{}", &cat, &[], &Health::new(), T0).unwrap();
    assert_eq!(p.order.len(), 1);
    assert!(!p.fallback);
}

#[test]
fn a_catalog_that_failed_to_load_says_where_and_why() {
    let failures = [CatalogFailure {
        provider: "lab".into(),
        code: ErrorCode::Network,
        message: "could not load the model list of lab (http://127.0.0.1:4000/v1/models): connection refused".into(),
    }];
    let e = plan_with(HI, "{}", &Catalog::new(), &failures, &Health::new(), T0).unwrap_err();
    // What the list request met, not "no candidates": the endpoint is down.
    assert_eq!(e.code, ErrorCode::Network);
    assert!(e.message.contains("could not be loaded"), "{}", e.message);
    assert!(
        e.message.contains("http://127.0.0.1:4000/v1/models"),
        "{}",
        e.message
    );
    assert!(e.message.contains("connection refused"), "{}", e.message);
    assert_eq!(e.provider.as_deref(), Some("lab"));
}

#[test]
fn plan_lists_what_it_skipped_and_why() {
    let mut health = Health::new();
    let c = cand("lab", "a");
    let Outcome::Failed(cl) = rate_limit(&c, T0) else {
        unreachable!()
    };
    health.apply_classified("lab", "a", &cl, T0);
    let cat = catalog_with("lab", &["a", "b"]);
    let p = plan_with(HI, "{}", &cat, &[], &health, T0 + 10.0).unwrap();
    assert_eq!(p.order.len(), 1);
    assert_eq!(p.skipped.len(), 1);
    let s = Skipped::new(&p.skipped[0].0, &p.skipped[0].1);
    assert_eq!((s.provider.as_str(), s.model.as_str()), ("lab", "a"));
    assert_eq!(s.reason, "cooling_down");
    assert!(s.until_ms.is_some());
}

// ---- classify rules the loop relies on ----

#[test]
fn a_429_without_retry_after_carries_the_cooldown_it_states() {
    let c = cand("lab", "lab-text");
    let Outcome::Failed(cl) = rate_limit(&c, T0) else {
        unreachable!()
    };
    assert!(
        cl.error.message.contains("cools down for 1 min"),
        "{}",
        cl.error.message
    );
    assert_eq!(cl.error.retry_after_ms, Some(60_000));
}

#[test]
fn invalid_model_name_evicts_the_model() {
    let c = cand("lab", "nope");
    let body = r#"{"error":{"message":"{'error': '/chat/completions: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.'}","type":"None","param":"None","code":"400"}}"#;
    let Outcome::Failed(cl) = failure(&c, 400, &[], body, T0) else {
        unreachable!()
    };
    assert_eq!(cl.action, Action::Evict);
    assert_eq!(cl.error.code, ErrorCode::NotFound);
}

#[test]
fn durations_print_one_way() {
    assert_eq!(text::duration(90_000), "1 min 30 s");
    assert_eq!(text::duration(120_000), "2 min");
    assert_eq!(text::duration(45_000), "45 s");
    assert_eq!(text::duration(3_600_000 + 12 * 60_000), "1 h 12 min");
}

#[test]
fn closest_ids_prefer_related_then_shared_prefix() {
    let ids = ["a/b:free", "a/bc", "zzz"];
    assert_eq!(
        text::closest("a/b", &mut ids.into_iter(), 2),
        ["a/bc", "a/b:free"]
    );
    assert_eq!(
        text::closest("qwen-coder", &mut ["zz", "qwen-coders"].into_iter(), 1),
        ["qwen-coders"]
    );
}

// ---- every call ends ----

#[derive(Clone, Debug)]
enum Step {
    Status(u16, u8),
    Token,
    Abort(bool),
    GateOpen,
    GateQuota(u32),
    GateSpend,
    PlanOk,
    PlanFail(Option<u32>),
    /// No delta within attemptTimeoutMs.
    Slow(bool),
    /// A 200 with no answer.
    Empty,
    /// A 422 refusing an optional parameter.
    Refuse,
}

fn steps() -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            prop::sample::select(vec![
                200u16, 400, 401, 402, 403, 404, 408, 413, 429, 500, 502, 503
            ]),
            0u8..6
        )
            .prop_map(|(s, b)| Step::Status(s, b)),
        Just(Step::Token),
        any::<bool>().prop_map(Step::Abort),
        Just(Step::GateOpen),
        (0u32..200_000).prop_map(Step::GateQuota),
        Just(Step::GateSpend),
        Just(Step::PlanOk),
        prop::option::of(0u32..200_000).prop_map(Step::PlanFail),
        any::<bool>().prop_map(Step::Slow),
        Just(Step::Empty),
        Just(Step::Refuse),
    ]
}

const BODIES: [&str; 6] = [
    r#"{"error":{"message":"Rate limit exceeded"}}"#,
    r#"{"error":{"message":"Rate limit exceeded: free-models-per-day","code":429}}"#,
    r#"<html>bad gateway</html>"#,
    r#"{"error":{"message":"No endpoints found for x."}}"#,
    "",
    r#"{"error":{"message":"Invalid API Key"}}"#,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn every_call_ends_with_a_result_or_a_typed_error(
        n_cands in 0usize..6,
        max in 1usize..6,
        wait in prop::sample::select(vec![0.0, 30_000.0, 3_600_000.0]),
        fallback in any::<bool>(),
        script in prop::collection::vec(steps(), 1..64),
        ticks in prop::collection::vec(0u32..120_000, 1..64),
    ) {
        let mut health = Health::new();
        let mut lp = CallLoop::new(settings(max, wait));
        let names = ["openrouter", "groq", "lab"];
        let order: Vec<Cand> = (0..n_cands)
            .map(|i| cand(names[i % 3], &format!("m{i}:free")))
            .collect();
        let mut now = T0;
        let mut next = lp.start();
        let mut sends = 0usize;
        let mut refusals = 0usize;
        let mut i = 0usize;
        let bound = 10_000;
        let end = loop {
            prop_assert!(i < bound, "no end after {bound} steps");
            let pick = &script[i % script.len()];
            now += f64::from(ticks[i % ticks.len()]);
            i += 1;
            next = match next {
                Next::Plan => match pick {
                    Step::PlanFail(r) => {
                        let mut e = Error::new(ErrorCode::NoCandidates, "none");
                        e.retry_after_ms = r.map(u64::from);
                        lp.plan_failed(e, now)
                    }
                    _ => lp.planned(planned(order.clone(), fallback), now, &health),
                },
                Next::Gate(g) => {
                    let r = match pick {
                        Step::GateQuota(ms) => GateResult::Quota(Verdict::WaitUntil {
                            at_ms: now + f64::from(*ms),
                            scope: ScopeKey::new(&g.cand.provider.id, Scope::Provider),
                            window: Window::Minute,
                        }),
                        Step::GateSpend => GateResult::Spend(Error::new(ErrorCode::BudgetExceeded, "no")),
                        _ => GateResult::Open,
                    };
                    lp.gated(r, now, &health)
                }
                Next::Send(s) => {
                    sends += 1;
                    prop_assert_eq!(s.n, lp.attempts().len() + 1);
                    let out = match pick {
                        Step::Token => Outcome::Token,
                        Step::Abort(t) => Outcome::Aborted {
                            kind: if *t { AbortKind::Timeout } else { AbortKind::User },
                            reached: *t,
                        },
                        Step::Status(st, b) => failure(&s.cand, *st, &[], BODIES[*b as usize], now),
                        Step::Slow(reached) => Outcome::TimedOut { reached: *reached },
                        Step::Empty => Outcome::Rejected {
                            why: free_router::core::output::Rejected::Empty { network_error: false },
                            status: 200,
                        },
                        Step::Refuse => match failure(&s.cand, 422, &[], MISTRAL_422, now) {
                            Outcome::Failed(failed) => {
                                refusals += 1;
                                Outcome::Refused { failed, param: "top_k".into() }
                            }
                            other => other,
                        },
                        _ => server_error(&s.cand, now),
                    };
                    lp.sent(out, now, &mut health)
                }
                Next::Wait(ms) => {
                    prop_assert!(ms >= 0.0 && ms.is_finite());
                    now += ms;
                    lp.waited(now, &health)
                }
                done @ (Next::Deliver | Next::Fail(_)) => break done,
            };
        };
        prop_assert!(lp.is_over());
        let attempts = lp.attempts().to_vec();
        prop_assert_eq!(attempts.len(), sends);
        prop_assert!(sends <= max + MAX_ROUNDS * n_cands.max(1));
        match end {
            Next::Deliver => {
                prop_assert_eq!(attempts.last().map(|a| a.outcome.as_str()), Some("ok"));
            }
            Next::Fail(e) => {
                prop_assert_eq!(e.attempts.len(), attempts.len());
                prop_assert!(!e.message.is_empty());
                prop_assert!(attempts.iter().all(|a| a.outcome != "ok"));
                if wait == 0.0 {
                    // A refused parameter is retried once per model, beyond maxAttempts.
                    prop_assert!(sends <= max + refusals.min(n_cands));
                }
            }
            _ => unreachable!(),
        }
        let _ = ProviderKind::OpenRouter;
    }
}

/// A custom endpoint may serve ids it does not list, so a pinned unlisted id is sent; when the
/// server then says it has no such model, the error names the closest ids its list has.
#[test]
fn an_unlisted_pinned_id_the_server_refuses_names_the_closest_listed_ids() {
    let cat = catalog_with("lab", &["lab-text", "lab-slow"]);
    let req = r#"{"model":"lab-txt","messages":[{"role":"user","content":"hi"}]}"#;
    let p = plan_with(req, r#"{"provider":"lab"}"#, &cat, &[], &Health::new(), T0).unwrap();
    assert_eq!(p.order.len(), 1, "sent on trust");
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 0.0));
    assert!(matches!(lp.start(), Next::Plan));
    let c = p.order[0].clone();
    gate_of(&lp.planned(p, T0, &health));
    send_of(&lp.gated(GateResult::Open, T0, &health));
    let body = r#"{"error":{"message":"{'error': '/chat/completions: Invalid model name passed in model=lab-txt. Call `/v1/models` to view available models for your key.'}","type":"None","param":"None","code":"400"}}"#;
    let e = error_of(lp.sent(failure(&c, 400, &[], body, T0), T0, &mut health));
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = plan::with_closest(e, &cat);
    assert!(
        e.message.contains("the closest are lab-text"),
        "{}",
        e.message
    );
    // Without the provider's list, or for a listed id, nothing is added.
    let bare = plan::with_closest(e.clone(), &Catalog::new());
    assert_eq!(bare.message, e.message.clone());
    let mut listed = e.clone();
    listed.model = Some("lab-text".into());
    let before = listed.message.clone();
    assert_eq!(plan::with_closest(listed, &cat).message, before);
}

// Issue 16 item 7: sticky "auto".

fn sticky_plan(req: &Map, sticky: bool, sessions: &Sessions, health: &Health) -> Planned {
    let cat = catalog_with("lab", &["lab-a", "lab-b"]);
    let copts = CallOptions::from_json(&Value::Null, 60_000).unwrap();
    let ps = providers();
    let spec = Spec::read(req, &copts, &ps, "ordered")
        .unwrap()
        .with_sticky(req, sticky);
    let cx = Context {
        providers: &ps,
        catalog: &cat,
        catalog_failures: &[],
        health,
        sessions,
        budget_usd: 0.0,
        seed: None,
        random: 7,
        now: T0,
    };
    plan::plan(&spec, &needs::analyse_object(req).unwrap(), &cx).unwrap()
}

#[test]
fn sticky_auto_keeps_a_conversation_on_the_model_that_first_answered_it() {
    use free_router::core::sticky;
    let first = request(
        r#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a river."}]}"#,
    );
    let later = request(
        r#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a river."},{"role":"assistant","content":"Nile"},{"role":"user","content":"Another?"}]}"#,
    );
    let mut health = Health::new();
    let mut sessions = Sessions::new();
    // lab-b answered the first turn: the driver pins the conversation's key to it.
    let key = sticky::session_for(&first, None, true).unwrap();
    sessions.pin(&key, "lab", "lab-b");
    assert_eq!(
        sticky_plan(&later, true, &sessions, &health).order[0].model,
        "lab-b"
    );
    // Without sticky the strategy decides ("ordered": lab-a first).
    assert_eq!(
        sticky_plan(&later, false, &sessions, &health).order[0].model,
        "lab-a"
    );
    // An explicit session id wins over the hash.
    assert_eq!(
        sticky::session_for(&later, Some("s1"), true).as_deref(),
        Some("s1")
    );
    // Re-picked only when the kept model becomes unavailable.
    let gone = free_router::core::classify::Classified::new(
        Error::new(ErrorCode::NotFound, "gone"),
        Action::Evict,
        Vec::new(),
    );
    health.apply_classified("lab", "lab-b", &gone, T0 - 1.0);
    assert_eq!(
        sticky_plan(&later, true, &sessions, &health).order[0].model,
        "lab-a"
    );
}

#[test]
fn sticky_pins_are_stored_as_hashes_only() {
    use free_router::core::sticky;
    let req = request(r#"{"messages":[{"role":"user","content":"My secret question"}]}"#);
    let key = sticky::session_for(&req, None, true).unwrap();
    let mut sessions = Sessions::new();
    sessions.pin(&key, "lab", "lab-b");
    sessions.pin("user-chosen session name", "groq", "g");
    let stored = sticky::to_json(&sessions);
    assert!(
        !stored.contains("secret") && !stored.contains("user-chosen"),
        "{stored}"
    );
    let mut back = Sessions::new();
    sticky::restore(&mut back, &stored);
    assert_eq!(back.get(&key), Some(("lab".into(), "lab-b".into())));
    assert_eq!(back.len(), 1);
    sticky::restore(&mut back, "garbage");
    sticky::restore(&mut back, r#"[["auto:short","lab","x"],[1,2,3]]"#);
    assert_eq!(back.len(), 1);
}

// Issue 15: resumeOnError decided by the loop.

/// A call delivered on its first candidate, whose stream then broke after its first token.
fn delivered_then_broke(
    lp: &mut CallLoop,
    health: &mut Health,
    order: Vec<Cand>,
) -> (Vec<free_router::core::error::Attempt>, Error) {
    first_send(lp, health, order, true);
    assert!(matches!(
        lp.sent(Outcome::Token, T0 + 10.0, health),
        Next::Deliver
    ));
    let mut attempts = lp.take_attempts();
    live_attempt_ended(&mut attempts, ErrorCode::StreamInterrupted);
    let broke = Error::new(
        ErrorCode::StreamInterrupted,
        "the stream broke after it had started",
    );
    (attempts, broke)
}

#[test]
fn resume_continues_on_the_next_free_candidate_never_a_paid_one() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(Settings {
        whole: true,
        budget_usd: 5.0,
        ..settings(4, 0.0)
    });
    let paid = Cand {
        free: false,
        ..cand("groq", "paid-model")
    };
    let order = vec![cand("lab", "m1"), paid, cand("openrouter", "a/one:free")];
    let (attempts, broke) = delivered_then_broke(&mut lp, &mut health, order);
    let n = lp.resume(attempts, broke, T0 + 20.0, &health);
    assert_eq!(gate_of(&n).cand.model, "a/one:free");
    assert!(lp.is_resuming());
    let n = lp.gated(GateResult::Open, T0 + 21.0, &health);
    // The continuation streams from its first token, whatever chat() asked of the first.
    assert!(!send_of(&n).whole);
    assert_eq!(send_of(&n).n, 2);
    assert!(matches!(
        lp.sent(Outcome::Token, T0 + 30.0, &mut health),
        Next::Deliver
    ));
    assert!(!lp.is_resuming());
    assert_eq!(outcomes(lp.attempts()), ["stream_interrupted", "ok"]);
}

#[test]
fn a_resume_nobody_takes_ends_with_the_original_break() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(4, 3_600_000.0));
    let (a, b) = (cand("lab", "m1"), cand("groq", "b-two"));
    let (attempts, broke) = delivered_then_broke(&mut lp, &mut health, vec![a, b.clone()]);
    let n = lp.resume(attempts, broke, T0 + 20.0, &health);
    gate_of(&n);
    lp.gated(GateResult::Open, T0 + 21.0, &health);
    // b fails with a 429: a resume does not wait for it (the reader is waiting), and ends
    // with the break it was resuming, the failed continuation in its attempts.
    let e = error_of(lp.sent(rate_limit(&b, T0 + 22.0), T0 + 22.0, &mut health));
    assert_eq!(e.code, ErrorCode::StreamInterrupted);
    assert_eq!(
        outcomes(&e.attempts),
        ["stream_interrupted", "rate_limited"]
    );
    // With no candidate left at all, the same at once.
    let mut lp = CallLoop::new(settings(4, 0.0));
    let (attempts, broke) = delivered_then_broke(&mut lp, &mut health, vec![cand("lab", "m1")]);
    let e = error_of(lp.resume(attempts, broke, T0 + 20.0, &health));
    assert_eq!(e.code, ErrorCode::StreamInterrupted);
    assert_eq!(e.attempts.len(), 1);
}

#[test]
fn a_resume_stays_within_max_attempts() {
    let mut health = Health::new();
    let mut lp = CallLoop::new(settings(1, 0.0));
    let (attempts, broke) = delivered_then_broke(
        &mut lp,
        &mut health,
        vec![cand("lab", "m1"), cand("groq", "b-two")],
    );
    let e = error_of(lp.resume(attempts, broke, T0 + 20.0, &health));
    assert_eq!(e.code, ErrorCode::StreamInterrupted);
}
