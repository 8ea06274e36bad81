//! Every real error body in tests/fixtures/errors.jsonl, classified with an expected code and
//! action (see /work/shared/fixtures/SOURCES.md section 3 for where each line comes from).

use free_router::core::classify::{classify, error_in_body, Action, ErrorInput};
use free_router::core::error::ErrorCode as C;
use free_router::core::json::Value;
use free_router::core::limits::{Scope, Source, Unit, Window};
use free_router::core::provider::ProviderKind;

/// 2026-09-12T20:48Z: 3 h 12 min before the reset of line 15.
const NOW: f64 = 1_789_257_600_000.0 - 11_520_000.0;
const MIDNIGHT: f64 = 1_789_257_600_000.0;
const CAP: u64 = 60_000;

fn cool(ms: u64) -> Action {
    Action::Cooldown {
        until_ms: NOW + ms as f64,
    }
}

struct Line {
    provider: String,
    status: u16,
    body: String,
}

fn lines() -> Vec<Line> {
    let text = include_str!("../../fixtures/errors.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = free_router::core::json::from_str(l).unwrap();
            Line {
                provider: v["provider"].as_str().unwrap().to_string(),
                status: v["status"].as_u64().unwrap() as u16,
                body: v["body"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

/// The fixture's descriptive provider label -> a configured id and kind.
fn kind_of(label: &str) -> (&'static str, ProviderKind) {
    if label.starts_with("openrouter") || label.contains("OpenRouter") {
        ("openrouter", ProviderKind::OpenRouter)
    } else if label.starts_with("groq") {
        ("groq", ProviderKind::Groq)
    } else if label.starts_with("gemini") {
        ("gemini", ProviderKind::Gemini)
    } else {
        ("lab", ProviderKind::OpenAiCompatible)
    }
}

#[test]
fn every_fixture_line_is_classified() {
    use Action as A;
    // (code, action, retry_after_ms, reported status) per line, in file order.
    let expected: Vec<(C, Action, Option<u64>, u16)> = vec![
        // 1 upstream 429 "temporarily rate-limited upstream", nothing readable: 60 s.
        (C::RateLimited, cool(60_000), None, 429),
        // 2, 3 Groq tool_use_failed: the model's fault, another may do better.
        (C::ProviderError, A::TryNext, None, 400),
        (C::ProviderError, A::TryNext, None, 400),
        // 4 Groq model_not_found.
        (C::NotFound, A::Evict, None, 404),
        // 5 mid-stream chunk, in-body code 400 "Token limit reached".
        (C::ProviderError, A::TryNext, None, 400),
        // 6 tools, 7 tool_choice (truncated JSON quote).
        (
            C::CapabilityUnsupported,
            A::LacksCapability(free_router::core::catalog::Capability::Tools),
            None,
            404,
        ),
        (
            C::CapabilityUnsupported,
            A::LacksCapability(free_router::core::catalog::Capability::ToolChoice),
            None,
            404,
        ),
        // 8 retired :free model, 9 invalid model id.
        (C::NotFound, A::Evict, None, 404),
        (C::NotFound, A::Evict, None, 400),
        // 10 402 (terminal-wrapped, so invalid JSON), 11 401.
        (C::PaymentRequired, A::ProviderOut, None, 402),
        (C::Auth, A::ProviderOut, None, 401),
        // 12 daily pool (high balance, via a gateway; no reset given).
        (
            C::QuotaExhausted,
            A::FreePoolExhausted { until_ms: MIDNIGHT },
            Some(11_520_000),
            429,
        ),
        // 13 Gemini array 429, 14 NIM problem+json 429.
        (C::RateLimited, cool(60_000), None, 429),
        (C::RateLimited, cool(60_000), None, 429),
        // 15 daily pool with X-RateLimit-Reset, 16 without, 17 with a reset already past.
        (
            C::QuotaExhausted,
            A::FreePoolExhausted { until_ms: MIDNIGHT },
            Some(11_520_000),
            429,
        ),
        (
            C::QuotaExhausted,
            A::FreePoolExhausted { until_ms: MIDNIGHT },
            Some(11_520_000),
            429,
        ),
        (
            C::QuotaExhausted,
            A::FreePoolExhausted { until_ms: MIDNIGHT },
            Some(11_520_000),
            429,
        ),
        // 18 upstream 429 with retry_after_seconds 5.
        (C::RateLimited, cool(5_000), Some(5_000), 429),
        // 19 402 insufficient credits.
        (C::PaymentRequired, A::ProviderOut, None, 402),
        // 20 Anthropic-skin upstream 429.
        (C::RateLimited, cool(60_000), None, 429),
        // 21 Groq TPD 429 "try again in 9m52.272s": capped at 60 s, hint kept.
        (C::RateLimited, cool(60_000), Some(592_272), 429),
        // 22 Groq 413 over the per-minute token budget.
        (C::ContextLength, A::TryNext, None, 413),
        // 23 Gemini bad key (400), 24 schema too complex, 25 missing thought_signature.
        (C::Auth, A::ProviderOut, None, 400),
        (C::InvalidArgument, A::TryNext, None, 400),
        (C::InvalidArgument, A::TryNext, None, 400),
        // 26 Cloudflare HTML 502.
        (C::ProviderError, cool(30_000), None, 502),
    ];
    let lines = lines();
    assert_eq!(lines.len(), expected.len(), "fixture line count changed");
    for (i, (line, (code, action, retry, status))) in lines.iter().zip(expected).enumerate() {
        let (id, kind) = kind_of(&line.provider);
        let model = "some/model:free";
        let input = ErrorInput {
            provider: id,
            kind,
            model,
            status: line.status,
            headers: &[],
            body: &line.body,
            now_ms: NOW,
            is_free_model: true,
            retry_after_cap_ms: CAP,
        };
        let c = classify(&input);
        let n = i + 1;
        // A 429 without a hint reports the cooldown its message states as its wait.
        let retry = match (code, retry, &action) {
            (C::RateLimited, None, A::Cooldown { until_ms }) => Some((until_ms - NOW) as u64),
            _ => retry,
        };
        assert_eq!(c.error.code, code, "line {n}: {}", c.error.message);
        assert_eq!(c.action, action, "line {n}: {}", c.error.message);
        assert_eq!(c.error.retry_after_ms, retry, "line {n}");
        assert_eq!(c.error.status, Some(status), "line {n}");
        assert_eq!(c.error.provider.as_deref(), Some(id), "line {n}");
        assert_eq!(c.error.model.as_deref(), Some(model), "line {n}");
        let msg = &c.error.message;
        assert!(msg.contains(id), "line {n} names the provider: {msg}");
        assert!(!msg.contains("user_"), "line {n} echoes a user id: {msg}");
        assert!(msg.len() < 700, "line {n} message too long: {msg}");
    }
}

#[test]
fn fixture_facts() {
    let lines = lines();
    let run = |n: usize, kind: ProviderKind| {
        let l = &lines[n - 1];
        classify(&ErrorInput {
            provider: kind.as_str(),
            kind,
            model: "m",
            status: l.status,
            headers: &[],
            body: &l.body,
            now_ms: NOW,
            is_free_model: true,
            retry_after_cap_ms: CAP,
        })
    };

    // 15: limit and reset straight from metadata.headers.
    let c = run(15, ProviderKind::OpenRouter);
    let f = &c.facts[0];
    assert_eq!(f.scope, Scope::OpenRouterFree);
    assert_eq!(f.window, Window::Day);
    assert_eq!(
        (f.limit, f.remaining, f.reset_at_ms),
        (Some(1000), Some(0), Some(MIDNIGHT))
    );
    assert_eq!(f.source, Source::Header);
    assert!(c.error.message.contains("daily limit of 1000 requests"));
    assert!(c.error.message.contains("00:00 UTC (in 3 h 12 min)"));
    assert!(!c.error.message.contains("Buy 10 credits"));

    // 16: 50/day, message asks to buy credits.
    let c = run(16, ProviderKind::OpenRouter);
    assert_eq!(c.facts[0].limit, Some(50));
    assert!(c
        .error
        .message
        .contains("Buy 10 credits to raise it to 1000"));

    // 12: no headers at all; the tier is learned from "high-balance".
    let c = run(12, ProviderKind::OpenRouter);
    assert_eq!(c.facts[0].limit, Some(1000));
    assert_eq!(c.facts[0].source, Source::Learned);

    // 21: Groq's words give a per-day token fact.
    let c = run(21, ProviderKind::Groq);
    let f = c
        .facts
        .iter()
        .find(|f| f.window == Window::Day && f.unit == Unit::Tokens)
        .unwrap();
    assert_eq!(f.scope, Scope::Model("m".into()));
    assert_eq!((f.limit, f.remaining), (Some(200_000), Some(2_883)));
    assert_eq!(f.reset_at_ms, Some(NOW + 592_272.0));
    assert_eq!(f.source, Source::Learned);

    // 22: the per-minute token budget that the request exceeds.
    let c = run(22, ProviderKind::Groq);
    assert!(c
        .facts
        .iter()
        .any(|f| f.window == Window::Minute && f.unit == Unit::Tokens && f.limit == Some(8000)));

    // 18: Retry-After 5 becomes a model-scoped fact.
    let c = run(18, ProviderKind::OpenRouter);
    assert!(c
        .facts
        .iter()
        .any(|f| f.scope == Scope::Model("m".into()) && f.reset_at_ms == Some(NOW + 5000.0)));
}

#[test]
fn fixture_messages() {
    let lines = lines();
    let l = &lines[25];
    let c = classify(&ErrorInput {
        provider: "groq",
        kind: ProviderKind::Groq,
        model: "llama-3.3-70b-versatile",
        status: l.status,
        headers: &[],
        body: &l.body,
        now_ms: NOW,
        is_free_model: true,
        retry_after_cap_ms: CAP,
    });
    assert!(
        c.error.message.starts_with(
            "groq returned HTTP 502 with a non-JSON body (an HTML page, probably from a proxy or \
             CDN): 502 Bad Gateway 502 Bad Gateway cloudflare."
        ),
        "{}",
        c.error.message
    );
    assert!(c
        .error
        .message
        .contains("llama-3.3-70b-versatile cools down for 30 s"));

    // The SSE error chunk of line 5 is found by error_in_body.
    let v: Value = free_router::core::json::from_str(&lines[4].body).unwrap();
    assert_eq!(error_in_body(&v).unwrap()["message"], "Token limit reached");
}
