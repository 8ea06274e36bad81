//! The reference's verbatim bodies (reference/openrouter-api.md sections 2.3, 3, 6), header
//! parsing, Retry-After, durations and the daily reset.

use free_router::core::catalog::Capability;
use free_router::core::classify::{
    classify, classify_error_value, error_in_body, facts_from_headers, network_error,
    next_utc_midnight_ms, parse_duration_ms, parse_retry_after, Action, Classified, ErrorInput,
};
use free_router::core::error::ErrorCode as C;
use free_router::core::json::Value;
use free_router::core::limits::{LimitFact, Scope, Source, Unit, Window};
use free_router::core::provider::ProviderKind;
use free_router::json;

/// 2026-09-30T20:48Z, 3 h 12 min before the documented reset 1790812800000 (2026-10-01T00:00Z).
const RESET: f64 = 1_790_812_800_000.0;
const NOW: f64 = RESET - 11_520_000.0;
const CAP: u64 = 60_000;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(kind: ProviderKind, status: u16, headers: &[(String, String)], body: &str) -> Classified {
    classify(&ErrorInput {
        provider: kind.as_str(),
        kind,
        model: "vendor/model:free",
        status,
        headers,
        body,
        now_ms: NOW,
        is_free_model: true,
        retry_after_cap_ms: CAP,
    })
}

fn or(status: u16, body: &str) -> Classified {
    run(ProviderKind::OpenRouter, status, &[], body)
}

fn cool(ms: u64) -> Action {
    Action::Cooldown {
        until_ms: NOW + ms as f64,
    }
}

// ---------------------------------------------------------------------------------------------
// OpenRouter's free pool

const PER_DAY: &str = r#"{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,
 "metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1790812800000"},
             "limit_source":"openrouter_free_tier_daily"}},"user_id":"user_abc"}"#;

#[test]
fn free_models_per_day() {
    let c = or(429, PER_DAY);
    assert_eq!(c.error.code, C::QuotaExhausted);
    assert_eq!(c.action, Action::FreePoolExhausted { until_ms: RESET });
    assert_eq!(c.error.retry_after_ms, Some(11_520_000));
    assert_eq!(
        c.error.message,
        "All free models on openrouter hit the daily limit of 50 requests; it resets at 00:00 UTC \
         (in 3 h 12 min). Buy 10 credits to raise it to 1000, add another provider, or set \
         budget.maxUsd to spill to paid models."
    );
    assert_eq!(
        c.facts,
        vec![LimitFact {
            scope: Scope::OpenRouterFree,
            window: Window::Day,
            unit: Unit::Requests,
            limit: Some(50),
            remaining: Some(0),
            reset_at_ms: Some(RESET),
            source: Source::Header,
        }]
    );
}

#[test]
fn free_models_per_day_reset_from_response_headers_and_fallbacks() {
    // Headers readable on the response itself (no metadata.headers in the body).
    let body = r#"{"error":{"message":"Rate limit exceeded: free-models-per-day. ","code":429}}"#;
    let hs = h(&[
        ("x-ratelimit-limit", "50"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "1790812800000"),
    ]);
    let c = run(ProviderKind::OpenRouter, 429, &hs, body);
    assert_eq!(c.action, Action::FreePoolExhausted { until_ms: RESET });
    assert_eq!(c.facts[0].limit, Some(50));
    // No reset anywhere: next 00:00 UTC.
    let c = or(429, body);
    assert_eq!(c.action, Action::FreePoolExhausted { until_ms: RESET });
    assert!(c.error.message.contains("the daily request limit"));
    // A reset a week away is not a daily reset: next midnight again. Caps never apply here.
    let hs = h(&[("x-ratelimit-reset", "1791417600000")]);
    let c = run(ProviderKind::OpenRouter, 429, &hs, body);
    assert_eq!(c.action, Action::FreePoolExhausted { until_ms: RESET });
    // limit_source alone is enough, and so is the high-balance variant in a 200 stream chunk.
    let c = or(
        429,
        r#"{"error":{"message":"Rate limit exceeded","code":429,"metadata":{"limit_source":"openrouter_free_tier_daily"}}}"#,
    );
    assert_eq!(c.error.code, C::QuotaExhausted);
    let v =
        json!({"code": 429, "message": "Rate limit exceeded: free-models-per-day-high-balance."});
    let c = classify_error_value(&input(200, &[], ""), &v);
    assert_eq!(c.action, Action::FreePoolExhausted { until_ms: RESET });
    assert_eq!(c.error.status, Some(429));
}

#[test]
fn free_models_per_min() {
    let body = format!(
        r#"{{"error":{{"message":"Rate limit exceeded: free-models-per-min. ","code":429,"metadata":{{"headers":{{"X-RateLimit-Limit":"20","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"{}"}}}}}}}}"#,
        NOW + 23_000.0
    );
    let c = or(429, &body);
    assert_eq!(c.error.code, C::RateLimited);
    assert_eq!(c.action, cool(23_000));
    assert_eq!(c.error.retry_after_ms, Some(23_000));
    assert_eq!(
        c.facts[0],
        LimitFact {
            scope: Scope::OpenRouterFree,
            window: Window::Minute,
            unit: Unit::Requests,
            limit: Some(20),
            remaining: Some(0),
            reset_at_ms: Some(NOW + 23_000.0),
            source: Source::Header,
        }
    );
    assert!(c.error.message.contains("limit of 20 requests per minute"));

    // Retry-After wins over the reset; a long one is capped for the cooldown only.
    let hs = h(&[("retry-after", "90")]);
    let c = run(ProviderKind::OpenRouter, 429, &hs, &body);
    assert_eq!(c.action, cool(CAP));
    assert_eq!(c.error.retry_after_ms, Some(90_000));
    assert!(c.error.message.contains("capped from 1 min 30 s"));

    // Nothing readable: 60 s, and the pool is still blocked by a learned fact.
    let c = or(
        429,
        r#"{"error":{"message":"Rate limit exceeded: free-models-per-min. ","code":429}}"#,
    );
    assert_eq!(c.action, cool(60_000));
    assert_eq!(c.facts[0].scope, Scope::OpenRouterFree);
    assert_eq!(c.facts[0].window, Window::Minute);
    assert_eq!(c.facts[0].source, Source::Learned);
}

// ---------------------------------------------------------------------------------------------
// Other 429s

#[test]
fn upstream_429() {
    let body = r#"{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"google/gemma-4-31b-it:free is temporarily rate-limited upstream. Please retry shortly.","provider_name":"Google"}}}"#;
    let c = or(429, body);
    assert_eq!(c.error.code, C::RateLimited);
    assert_eq!(c.action, cool(60_000));
    // No hint: the cooldown the message states is the wait it reports.
    assert_eq!(c.error.retry_after_ms, Some(60_000));
    assert!(c.error.message.contains("rate-limited upstream at Google"));
    assert!(c.error.message.contains("vendor/model:free"));
    // A small cap shortens the default too.
    let c = classify(&ErrorInput {
        retry_after_cap_ms: 10_000,
        ..input(429, &[], body)
    });
    assert_eq!(c.action, cool(10_000));
}

#[test]
fn groq_429_try_again_in_3s() {
    let body = r#"{"error":{"message":"Rate limit reached for model `openai/gpt-oss-120b` on tokens per minute (TPM): Limit 8000, Used 7900. Please try again in 3s.","type":"tokens","code":"rate_limit_exceeded"}}"#;
    let c = run(ProviderKind::Groq, 429, &[], body);
    assert_eq!(c.error.code, C::RateLimited);
    assert_eq!(c.action, cool(3_000));
    assert_eq!(c.error.retry_after_ms, Some(3_000));
    let f = &c.facts[0];
    assert_eq!(f.scope, Scope::Model("vendor/model:free".into()));
    assert_eq!((f.window, f.unit), (Window::Minute, Unit::Tokens));
    assert_eq!((f.limit, f.remaining), (Some(8000), Some(100)));
    assert_eq!(f.reset_at_ms, Some(NOW + 3000.0));
    assert_eq!(f.source, Source::Learned);

    // With Groq's headers on the same 429, header facts come along.
    let hs = h(&[
        ("retry-after", "3"),
        ("x-ratelimit-limit-requests", "1000"),
        ("x-ratelimit-remaining-requests", "950"),
        ("x-ratelimit-reset-requests", "1h2m"),
        ("x-ratelimit-limit-tokens", "8000"),
        ("x-ratelimit-remaining-tokens", "0"),
        ("x-ratelimit-reset-tokens", "2.5s"),
    ]);
    let c = run(ProviderKind::Groq, 429, &hs, body);
    assert_eq!(c.action, cool(3_000));
    assert!(c.facts.iter().any(|f| f.window == Window::Day
        && f.unit == Unit::Requests
        && f.limit == Some(1000)
        && f.source == Source::Header));
}

#[test]
fn gemini_array_errors() {
    let body = "[{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Resource has been exhausted (e.g. check quota).\",\n    \"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}\n]";
    let c = run(ProviderKind::Gemini, 429, &[], body);
    assert_eq!(c.error.code, C::RateLimited);
    assert_eq!(c.action, cool(60_000));

    // Native-style details give a delay and the quota that ran out.
    let body = r#"[{"error":{"code":429,"message":"You exceeded your current quota. Please retry in 41.2s.","status":"RESOURCE_EXHAUSTED","details":[
        {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":"20"}]},
        {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"41s"}]}}]"#;
    let c = run(ProviderKind::Gemini, 429, &[], body);
    assert_eq!(c.action, cool(41_000));
    assert!(c
        .facts
        .iter()
        .any(|f| f.window == Window::Day && f.limit == Some(20) && f.remaining == Some(0)));

    let body = r#"[{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"foo\": Cannot find field.","status":"INVALID_ARGUMENT"}}]"#;
    let c = run(ProviderKind::Gemini, 400, &[], body);
    assert_eq!(
        (c.error.code, c.action),
        (C::InvalidArgument, Action::TryNext)
    );
}

#[test]
fn availability_2026_shape() {
    let body = r#"{"error":{"code":429,"message":"All providers for vendor/model:free are rate-limited","error_type":"rate_limit_exceeded","http_status":429,
        "availability":{"code":"capacity_exhausted","retryable":true,"retry_after":12,"requested_models":["vendor/model:free"],"docs_url":"https://openrouter.ai/docs/api_reference/errors-and-debugging"}}}"#;
    let c = or(429, body);
    assert_eq!(c.error.code, C::RateLimited);
    assert_eq!(c.action, cool(12_000));
    assert_eq!(c.error.retry_after_ms, Some(12_000));

    let gone = |code: &str, status: u16, retryable: bool| {
        let body = json!({"error": {"code": status, "message": "x", "http_status": status,
            "availability": {"code": code, "retryable": retryable, "requested_models": ["m"]}}});
        or(status, &body.to_string())
    };
    for code in [
        "no_endpoints",
        "model_deprecated",
        "model_unavailable_upstream",
        "free_variant_ended",
    ] {
        let c = gone(code, 404, false);
        assert_eq!(
            (c.error.code, &c.action),
            (C::NotFound, &Action::Evict),
            "{code}"
        );
    }
    let c = gone("model_not_found", 400, false);
    assert_eq!(c.action, Action::Evict);
    // "may mark individual occurrences retryable": then it is only a cooldown.
    let c = gone("no_endpoints", 404, true);
    assert_eq!(c.action, cool(30_000));
    let c = gone("privacy_restricted", 404, false);
    assert_eq!(c.action, Action::Evict);
    assert!(c
        .error
        .message
        .contains("https://openrouter.ai/settings/privacy"));
    let c = gone("region_restricted", 403, false);
    assert_eq!((c.error.code, c.action), (C::Forbidden, Action::Evict));

    let body = json!({"error": {"code": 503, "message": "No provider available",
        "availability": {"code": "temporarily_unavailable", "retryable": true, "retry_after": 7}}});
    let c = or(503, &body.to_string());
    assert_eq!((c.error.code, c.action), (C::ProviderError, cool(7_000)));

    let body = json!({"error": {"code": 404, "message": "No endpoints match",
        "availability": {"code": "constraint_filtered", "retryable": false,
            "excluded_by": ["data_policy:training"]}}});
    let c = or(404, &body.to_string());
    assert!(c.error.message.contains("settings/privacy"));
}

// ---------------------------------------------------------------------------------------------
// 404s and capabilities

#[test]
fn capability_and_gone_404s() {
    for msg in [
        "No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing",
        "No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/guides/routing/provider-selection",
        "No endpoints found that support tool use. Try disabling \"question\". To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing",
    ] {
        let c = or(404, &json!({"error": {"message": msg, "code": 404}}).to_string());
        assert_eq!(c.error.code, C::CapabilityUnsupported);
        assert_eq!(c.action, Action::LacksCapability(Capability::Tools));
    }
    let c = or(
        404,
        r#"{"error":{"message":"No endpoints found that support the provided 'tool_choice' value. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing","code":404}}"#,
    );
    assert_eq!(c.action, Action::LacksCapability(Capability::ToolChoice));

    for (status, msg) in [
        (404, "No endpoints found for stepfun/step-3.5-flash:free."),
        (
            404,
            "This model is unavailable for free. The paid version is available now - use this slug instead: openai/gpt-oss-20b",
        ),
        (
            400,
            "This model is unavailable for free. The paid version is available now - use this slug instead: openai/gpt-oss-20b",
        ),
        (
            404,
            "No allowed providers are available for the selected model.",
        ),
        (400, "acme/fake-1.0 is not a valid model ID"),
    ] {
        let c = or(
            status,
            &json!({"error": {"message": msg, "code": status}}).to_string(),
        );
        assert_eq!((c.error.code, &c.action), (C::NotFound, &Action::Evict), "{msg}");
        assert!(c.error.message.contains("next catalog refresh"));
    }

    for msg in [
        "No endpoints found matching your data policy. Check your settings: https://openrouter.ai/settings/privacy",
        "No endpoints available matching your guardrail restrictions and data policy. Configure: https://openrouter.ai/settings/privacy",
        "No endpoints for openai/gpt-5.2 match your data policy (zero data retention). Adjust at https://openrouter.ai/settings/privacy.",
    ] {
        let c = or(404, &json!({"error": {"message": msg, "code": 404}}).to_string());
        assert_eq!((c.error.code, &c.action), (C::NotFound, &Action::Evict));
        assert!(c.error.message.contains("Check https://openrouter.ai/settings/privacy"));
    }

    // An HTML or plain "404 page not found" means a wrong baseUrl: the provider is out.
    let c = run(
        ProviderKind::OpenAiCompatible,
        404,
        &[],
        "404 page not found",
    );
    assert_eq!((c.error.code, c.action), (C::NotFound, Action::ProviderOut));
    assert!(c.error.message.contains("baseUrl"));
}

// ---------------------------------------------------------------------------------------------
// Other statuses

#[test]
fn payment_auth_forbidden() {
    let c = or(
        402,
        r#"{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 64000 tokens, but can only afford 2666. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account","code":402,"metadata":{"provider_name":null}},"user_id":"user_35tI"}"#,
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::PaymentRequired, Action::ProviderOut)
    );
    assert!(c.error.message.contains("can only afford 2666"));

    let c = or(
        401,
        r#"{"error":{"message":"Incorrect API key provided: sk-or-v1-abcdef123456. Header was Bearer sk-or-v1-abcdef123456","code":401}}"#,
    );
    assert_eq!((c.error.code, c.action), (C::Auth, Action::ProviderOut));
    assert!(!c.error.message.contains("abcdef"), "{}", c.error.message);

    let moderation = r#"{"error":{"code":403,"message":"vendor/model:free requires moderation on OpenAI. Your input was flagged for \"violence\".","metadata":{"reasons":["violence"],"flagged_input":"...","provider_name":"OpenAI","model_slug":"openai/gpt-4o"}}}"#;
    let c = or(403, moderation);
    assert_eq!((c.error.code, c.action), (C::ContentFilter, Action::Stop));
    assert!(c.error.message.contains("(violence)"));

    let c = run(
        ProviderKind::Groq,
        403,
        &[],
        "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1></body></html>",
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::Forbidden, Action::ProviderOut)
    );
    assert!(c.error.message.starts_with(
        "groq returned HTTP 403 with a non-JSON body (an HTML page, probably from a proxy or CDN): \
         Attention Required! | Cloudflare Sorry, you have been blocked"
    ));

    let c = or(
        403,
        r#"{"error":{"code":403,"message":"Key is not allowed to use this endpoint"}}"#,
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::Forbidden, Action::ProviderOut)
    );
}

#[test]
fn context_length_and_size() {
    let c = or(
        400,
        r#"{"error":{"message":"This endpoint's maximum context length is 131072 tokens. However, you requested about 140000 tokens (139000 of text input, 1000 in the output). Please reduce the length of either one.","code":400,"metadata":{"error_type":"context_length_exceeded"}}}"#,
    );
    assert_eq!(c.error.code, C::ContextLength);
    assert_eq!(c.action, Action::ContextAtMost(131_072));
    let c = run(
        ProviderKind::Mistral,
        400,
        &[],
        r#"{"object":"error","message":"Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length","type":"invalid_request_error","code":3051}"#,
    );
    assert_eq!(c.action, Action::ContextAtMost(32_768));
    let c = or(
        400,
        r#"{"error":{"message":"Input too big","code":400,"metadata":{"error_type":"context_length_exceeded"}}}"#,
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::ContextLength, Action::TryNext)
    );
    let c = run(
        ProviderKind::OpenAiCompatible,
        413,
        &[],
        "Payload Too Large",
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::ContextLength, Action::TryNext)
    );
}

#[test]
fn invalid_timeouts_and_servers() {
    // OpenRouter's own validation: every model would fail the same way.
    let c = or(
        400,
        r#"{"error":{"message":"'models' array must have 3 items or fewer.","code":400}}"#,
    );
    assert_eq!((c.error.code, c.action), (C::InvalidArgument, Action::Stop));
    // A relayed upstream 400 is about that model.
    let c = or(
        400,
        r#"{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"{\"error\":{\"code\":400,\"message\":\"bad\"}}","provider_name":"Google"}}}"#,
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::InvalidArgument, Action::TryNext)
    );
    let c = run(
        ProviderKind::Mistral,
        422,
        &[],
        r#"{"detail":[{"msg":"bad"}]}"#,
    );
    assert_eq!(
        (c.error.code, c.action),
        (C::InvalidArgument, Action::TryNext)
    );
    let c = or(
        408,
        r#"{"error":{"code":408,"message":"Your request timed out"}}"#,
    );
    assert_eq!((c.error.code, c.action), (C::Timeout, cool(30_000)));

    for status in [500, 502, 503, 504, 524, 529] {
        let c = run(ProviderKind::Groq, status, &[], "");
        assert_eq!((c.error.code, &c.action), (C::ProviderError, &cool(30_000)));
        assert!(
            c.error.message.contains("with an empty body"),
            "{}",
            c.error.message
        );
    }
    let hs = h(&[("retry-after", "Wed, 30 Sep 2026 20:48:10 GMT")]);
    let c = run(
        ProviderKind::OpenRouter,
        503,
        &hs,
        r#"{"error":{"code":503,"message":"There is no available model provider that meets your routing requirements"}}"#,
    );
    assert_eq!(c.action, cool(10_000));
    assert_eq!(c.error.retry_after_ms, Some(10_000));
    // Capped: an hour-long Retry-After cools down for the cap only.
    let hs = h(&[("retry-after", "3600")]);
    let c = run(ProviderKind::Cerebras, 503, &hs, "{}");
    assert_eq!(c.action, cool(CAP));
    assert_eq!(c.error.retry_after_ms, Some(3_600_000));
    // A zero cap means no cooldown at all.
    let c = classify(&ErrorInput {
        retry_after_cap_ms: 0,
        ..input(503, &hs, "{}")
    });
    assert_eq!(c.action, cool(0));
}

#[test]
fn errors_inside_200_bodies_and_streams() {
    let chunk = r#"{"id":"gen-abc123","object":"chat.completion.chunk","created":1234567890,"model":"openai/gpt-4o","provider":"OpenAI","error":{"code":"server_error","message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#;
    let v: Value = free_router::core::json::from_str(chunk).unwrap();
    let e = error_in_body(&v).unwrap();
    let c = classify_error_value(&input(200, &[], ""), e);
    assert_eq!((c.error.code, &c.action), (C::ProviderError, &cool(30_000)));
    assert_eq!(c.error.status, Some(200));
    assert_eq!(classify(&input(200, &[], chunk)).action, cool(30_000));

    let chunk = r#"{"id":"gen-abc123","object":"chat.completion.chunk","error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#;
    let c = classify(&input(200, &[], chunk));
    assert_eq!((c.error.code, c.error.status), (C::RateLimited, Some(429)));

    // choices[i].error in a non-stream body.
    let body = r#"{"id":"gen-1","choices":[{"index":0,"finish_reason":"error","message":{"role":"assistant","content":""},"error":{"code":502,"message":"Upstream failed","metadata":{"error_type":"provider_unavailable"}}}]}"#;
    let c = classify(&input(200, &[], body));
    assert_eq!(
        (c.error.code, c.error.status),
        (C::ProviderError, Some(502))
    );
    // String codes map too.
    let v = json!({"code": "tool_use_failed", "message": "Failed to call a function"});
    assert_eq!(
        classify_error_value(&input(200, &[], ""), &v).action,
        Action::TryNext
    );
    let v = json!({"code": "timeout", "message": "upstream timed out"});
    assert_eq!(
        classify_error_value(&input(200, &[], ""), &v).error.code,
        C::Timeout
    );

    // No error at all.
    let ok = json!({"id": "x", "choices": [{"delta": {"content": "hi"}}]});
    assert!(error_in_body(&ok).is_none());
    assert!(error_in_body(&json!({"error": null})).is_none());
    let c = classify(&input(200, &[], &ok.to_string()));
    assert_eq!((c.error.code, c.action), (C::Parse, Action::TryNext));
}

#[test]
fn network_failures() {
    let c = network_error(
        "gemini",
        "gemini-2.5-flash",
        "TypeError: Failed to fetch",
        NOW,
        30_000,
    );
    assert_eq!((c.error.code, c.action), (C::Network, cool(30_000)));
    assert!(c.error.message.contains("gemini-2.5-flash"));
    assert!(c.error.message.contains("CORS"));
    // Node and workers have no CORS: the message must not blame a browser first.
    assert!(
        c.error.message.contains("nothing answered at that address"),
        "{}",
        c.error.message
    );
    assert!(c.facts.is_empty());
}

fn input<'a>(status: u16, headers: &'a [(String, String)], body: &'a str) -> ErrorInput<'a> {
    ErrorInput {
        provider: "openrouter",
        kind: ProviderKind::OpenRouter,
        model: "vendor/model:free",
        status,
        headers,
        body,
        now_ms: NOW,
        is_free_model: true,
        retry_after_cap_ms: CAP,
    }
}

// ---------------------------------------------------------------------------------------------
// Headers, Retry-After, durations, midnight

#[test]
fn header_facts_per_provider() {
    let groq = h(&[
        ("x-ratelimit-limit-requests", "14400"),
        ("x-ratelimit-remaining-requests", "14370"),
        ("x-ratelimit-reset-requests", "2m59.56s"),
        ("x-ratelimit-limit-tokens", "6000"),
        ("x-ratelimit-remaining-tokens", "5900"),
        ("x-ratelimit-reset-tokens", "7.66s"),
        ("content-type", "application/json"),
    ]);
    let f = facts_from_headers(ProviderKind::Groq, "llama-3.1-8b-instant", &groq, NOW);
    let model = Scope::Model("llama-3.1-8b-instant".into());
    assert_eq!(
        f,
        vec![
            LimitFact {
                scope: model.clone(),
                window: Window::Day,
                unit: Unit::Requests,
                limit: Some(14_400),
                remaining: Some(14_370),
                reset_at_ms: Some(NOW + 179_560.0),
                source: Source::Header,
            },
            LimitFact {
                scope: model.clone(),
                window: Window::Minute,
                unit: Unit::Tokens,
                limit: Some(6000),
                remaining: Some(5900),
                reset_at_ms: Some(NOW + 7_660.0),
                source: Source::Header,
            },
        ]
    );

    let cerebras = h(&[
        ("x-ratelimit-limit-requests-day", "14400"),
        ("x-ratelimit-remaining-requests-day", "14399"),
        ("x-ratelimit-reset-requests-day", "33011.38"),
        ("x-ratelimit-limit-tokens-minute", "60000"),
        ("x-ratelimit-remaining-tokens-minute", "59000"),
        ("x-ratelimit-reset-tokens-minute", "11.38"),
    ]);
    let f = facts_from_headers(ProviderKind::Cerebras, "llama3.1-8b", &cerebras, NOW);
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].window, f[0].unit), (Window::Day, Unit::Requests));
    assert_eq!(f[0].reset_at_ms, Some(NOW + 33_011_380.0));
    assert_eq!((f[1].window, f[1].unit), (Window::Minute, Unit::Tokens));
    assert_eq!(f[1].reset_at_ms, Some(NOW + 11_380.0));

    let mistral = h(&[
        ("x-ratelimit-limit-req-minute", "60"),
        ("x-ratelimit-remaining-req-minute", "59"),
        ("x-ratelimit-limit-tokens-minute", "500000"),
        ("x-ratelimit-limit-tokens-month", "1000000000"),
    ]);
    let f = facts_from_headers(ProviderKind::Mistral, "mistral-small-latest", &mistral, NOW);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|f| f.scope == Scope::Provider));
    assert_eq!((f[0].limit, f[0].remaining), (Some(60), Some(59)));

    let or = h(&[
        ("X-RateLimit-Limit", "20"),
        ("X-RateLimit-Remaining", "3"),
        ("X-RateLimit-Reset", &format!("{}", NOW + 40_000.0)),
    ]);
    let f = facts_from_headers(
        ProviderKind::OpenRouter,
        "openai/gpt-oss-20b:free",
        &or,
        NOW,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].scope.clone(), f[0].window, f[0].remaining),
        (Scope::OpenRouterFree, Window::Minute, Some(3))
    );
    assert!(facts_from_headers(ProviderKind::Gemini, "g", &[], NOW).is_empty());
}

#[test]
fn retry_after_values() {
    assert_eq!(parse_retry_after("120", NOW), Some(120_000));
    assert_eq!(parse_retry_after(" 0 ", NOW), Some(0));
    assert_eq!(parse_retry_after("1.5", NOW), Some(1_500));
    assert_eq!(parse_retry_after("0.0004", NOW), Some(1));
    // 1994-11-06T08:49:37Z in all three formats, seen from 10 s earlier.
    let t = 784_111_777_000.0;
    for s in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ] {
        assert_eq!(parse_retry_after(s, t - 10_000.0), Some(10_000), "{s}");
        // In the past: retry now.
        assert_eq!(parse_retry_after(s, t + 5_000.0), Some(0), "{s}");
    }
    assert_eq!(
        parse_retry_after("Thu, 01 Jan 2027 00:00:00 GMT", 1_798_761_599_000.0),
        Some(1_000)
    );
    assert_eq!(
        parse_retry_after("Tue, 29 Feb 2028 00:00:00 GMT", 1_835_395_200_000.0),
        Some(0)
    );
    // Huge: saturates, never overflows.
    assert_eq!(
        parse_retry_after("1000000000000000000000000000000", NOW),
        Some(u64::MAX)
    );
    assert_eq!(
        parse_retry_after(&"9".repeat(400), NOW),
        None,
        "an infinite number is garbage"
    );
    for bad in [
        "",
        "-5",
        "-0.5",
        "soon",
        "1e3",
        "NaN",
        "inf",
        "1.2.3",
        ".",
        "5 s",
        "Sun, 31 Feb 2026 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 GMT",
        "06 Nov 1994 08:49:37 PST",
    ] {
        assert_eq!(parse_retry_after(bad, NOW), None, "{bad:?}");
    }
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", f64::NAN),
        None
    );
}

#[test]
fn go_durations() {
    assert_eq!(parse_duration_ms("2m59.56s"), Some(179_560));
    assert_eq!(parse_duration_ms("7.66s"), Some(7_660));
    assert_eq!(parse_duration_ms("1h2m"), Some(3_720_000));
    assert_eq!(parse_duration_ms("120ms"), Some(120));
    assert_eq!(parse_duration_ms("0s"), Some(0));
    assert_eq!(parse_duration_ms("9m52.272s"), Some(592_272));
    assert_eq!(parse_duration_ms("1.5µs"), Some(1));
    assert_eq!(parse_duration_ms("1h0m0.5s"), Some(3_600_500));
    for bad in ["", "5", "3x", "-1s", "s", "1..2s", "1 s", "h1"] {
        assert_eq!(parse_duration_ms(bad), None, "{bad:?}");
    }
    assert_eq!(
        parse_duration_ms(&format!("{}h", "9".repeat(30))),
        Some(u64::MAX)
    );
}

#[test]
fn utc_midnights() {
    // (now, next midnight)
    for (now, next) in [
        (1_798_761_599_999.0, 1_798_761_600_000.0), // 2026-12-31T23:59:59.999 -> 2027-01-01
        (1_798_761_600_000.0, 1_798_848_000_000.0), // exactly midnight -> the next one
        (1_835_352_000_000.0, 1_835_395_200_000.0), // 2028-02-28T12:00 -> 2028-02-29 (leap)
        (1_835_413_200_000.0, 1_835_481_600_000.0), // 2028-02-29T05:00 -> 2028-03-01
        (1_769_853_600_000.0, 1_769_904_000_000.0), // 2026-01-31T10:00 -> 2026-02-01
        (NOW, RESET),
    ] {
        assert_eq!(next_utc_midnight_ms(now), next, "{now}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2026 free tiers: error scopes and provider facts (reference section 0)

#[test]
fn every_classified_failure_has_the_scope_of_its_action() {
    use free_router::core::error::ErrorScope as S;
    let cases: [(ProviderKind, u16, &str, S); 9] = [
        // OpenRouter's own validation: the request itself.
        (
            ProviderKind::OpenRouter,
            400,
            r#"{"error":{"code":400,"message":"messages: Required"}}"#,
            S::Request,
        ),
        (
            ProviderKind::OpenRouter,
            401,
            r#"{"error":{"code":401,"message":"User not found."}}"#,
            S::Provider,
        ),
        (
            ProviderKind::Gemini,
            400,
            r#"[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}]"#,
            S::Provider,
        ),
        (
            ProviderKind::Cerebras,
            402,
            r#"{"message":"Payment required","type":"payment_required_error"}"#,
            S::Provider,
        ),
        (ProviderKind::OpenRouter, 429, PER_DAY, S::Account),
        (
            ProviderKind::Groq,
            429,
            r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
            S::Model,
        ),
        (
            ProviderKind::OpenRouter,
            404,
            r#"{"error":{"code":404,"message":"No endpoints found for vendor/model:free."}}"#,
            S::Model,
        ),
        (
            ProviderKind::OpenRouter,
            502,
            r#"{"error":{"code":502,"message":"Provider returned error"}}"#,
            S::Model,
        ),
        (
            ProviderKind::OpenRouter,
            403,
            r#"{"error":{"code":403,"message":"Input was flagged by moderation","metadata":{"reasons":["violence"]}}}"#,
            S::Request,
        ),
    ];
    for (kind, status, body, want) in cases {
        let c = run(kind, status, &[], body);
        assert_eq!(c.error.scope, Some(want), "{kind:?} {status} {body}");
        assert_eq!(c.action.scope(), want);
    }
    let n = network_error("groq", "m", "TypeError: Failed to fetch", NOW, 30_000);
    assert_eq!(n.error.scope, Some(S::Model));
}

/// A Gemini 429 whose quota is `limit: 0` is not a busy model: the project has no free tier for
/// it, so waiting never helps (continuedev/continue#12643's shape).
#[test]
fn gemini_limit_zero_evicts_instead_of_cooling_down() {
    let body = r#"[{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.5-pro\nPlease retry in 11.6s.","status":"RESOURCE_EXHAUSTED"}}]"#;
    let c = run(ProviderKind::Gemini, 429, &[], body);
    assert_eq!(
        (c.error.code, &c.action),
        (C::QuotaExhausted, &Action::Evict)
    );
    assert!(
        c.error.message.contains("no free quota"),
        "{}",
        c.error.message
    );
    assert_eq!(c.error.retry_after_ms, None, "no wait would help");
    // The same wait without `limit: 0` is an ordinary cooldown.
    let busy = body.replace("limit: 0, ", "limit: 15, ");
    let c = run(ProviderKind::Gemini, 429, &[], &busy);
    assert_eq!(c.error.code, C::RateLimited);
    assert!(matches!(c.action, Action::Cooldown { .. }));
}

#[test]
fn cerebras_402_says_a_card_is_needed() {
    let c = run(
        ProviderKind::Cerebras,
        402,
        &[],
        r#"{"message":"Payment required","type":"payment_required_error","code":"payment_required"}"#,
    );
    assert_eq!(
        (c.error.code, &c.action),
        (C::PaymentRequired, &Action::ProviderOut)
    );
    assert!(
        c.error.message.contains("payment card"),
        "{}",
        c.error.message
    );
}

/// LiteLLM keeps counting past a limit it does not enforce (`remaining` -1, -2, ...): that is
/// "none left", not a header to ignore.
#[test]
fn a_negative_remaining_count_means_none_left() {
    let litellm = h(&[
        ("x-ratelimit-limit-requests", "1"),
        ("x-ratelimit-remaining-requests", "-2"),
    ]);
    let f = facts_from_headers(ProviderKind::OpenAiCompatible, "lab-text", &litellm, NOW);
    assert!(!f.is_empty(), "{f:?}");
    assert!(f.iter().all(|x| x.remaining == Some(0)), "{f:?}");
    let garbage = h(&[
        ("x-ratelimit-limit-requests", "1"),
        ("x-ratelimit-remaining-requests", "-inf"),
    ]);
    let f = facts_from_headers(ProviderKind::OpenAiCompatible, "lab-text", &garbage, NOW);
    assert!(f.iter().all(|x| x.remaining.is_none()), "{f:?}");
}

/// Classification does not know whether the call may fall back, so the advice must not promise
/// another attempt (the LiteLLM stage met it with fallback off).
#[test]
fn context_length_advice_does_not_promise_a_fallback() {
    let body = r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
    let c = run(ProviderKind::OpenAiCompatible, 400, &[], body);
    assert_eq!(c.error.code, C::ContextLength);
    assert!(!c.error.message.contains("Trying"), "{}", c.error.message);
    assert!(
        c.error.message.contains("with fallback on"),
        "{}",
        c.error.message
    );
}
