//! Every verdict pinned, so the classifier can be rewritten (for size) without changing what it
//! says: real bodies, one body per rule and seeded error-shaped JSON, classified under every
//! status, provider kind and header set; each group's renderings (code, action, status, retry
//! time, scope, message, facts) are hashed and compared with golden.txt, which names the group.
//!
//! After an intended change: `GOLDEN_UPDATE=1 cargo test --test core golden` rewrites golden.txt.
//! `GOLDEN_DUMP=/tmp/a.txt` writes every rendering in full, to diff two commits' texts.

use std::fmt::Write as _;

use free_router::core::classify::{
    classify, classify_error_value, error_in_body, facts_from_headers, network_error,
    parse_duration_ms, parse_retry_after, Classified, ErrorInput,
};
use free_router::core::json::{self, Map, Number, Value};
use free_router::core::provider::ProviderKind;

const NOW: f64 = 1_790_812_800_000.0 - 11_520_000.0;

const KINDS: [ProviderKind; 7] = [
    ProviderKind::OpenRouter,
    ProviderKind::Groq,
    ProviderKind::Gemini,
    ProviderKind::Mistral,
    ProviderKind::Cerebras,
    ProviderKind::OpenAiCompatible,
    ProviderKind::Demo,
];

const STATUSES: [u16; 17] = [
    200, 400, 401, 402, 403, 404, 408, 410, 413, 418, 422, 429, 500, 502, 503, 529, 302,
];

/// One body per rule of the precedence table, and the shapes around them.
const RULE_BODIES: &[&str] = &[
    "",
    "   ",
    "\u{feff}{\"error\":{\"message\":\"bom\",\"code\":503}}",
    "data: {\"error\":{\"message\":\"Internal error\",\"code\":500}} trailing",
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
    "<!DOCTYPE html><p>Forbidden by WAF</p>",
    "  <HTML>not found</HTML>",
    "upstream connect error or disconnect/reset before headers",
    "404 page not found",
    "the model does not exist here",
    "Rate limit reached. Please try again in 20 seconds.",
    "{\"error\":{\"message\":\"truncated",
    "[{\"error\":",
    "{\"error\":\"a plain string error\"}",
    "{\"error\":\"   \"}",
    "{\"error\":{}}",
    "{\"message\":\"no error key\",\"status\":429}",
    "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"busy, retry after 5 s\"}",
    "{\"choices\":[{\"index\":0,\"error\":{\"message\":\"mid-stream failure\",\"code\":502}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":{}}]}",
    "{\"id\":\"x\",\"object\":\"chat.completion\"}",
    "[1,2,3]",
    "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}]",
    "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota. Quota exceeded for metric: generate_content_free_tier_requests, limit: 0\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
    "{\"error\":{\"code\":429,\"message\":\"Quota exceeded, retry in 41.2s.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaMetric\":\"m\",\"quotaId\":\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\",\"quotaValue\":\"50\"},{\"quotaId\":\"GenerateContentInputTokensPerModelPerMinute-FreeTier\",\"quotaValue\":250000},{\"quotaId\":\"SomethingPerHour\"}]},{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"41s\"}]}}",
    "{\"error\":{\"message\":\"Rate limit reached for model `llama` in organization `org` service tier `on_demand` on tokens per day (TPD): Limit 200000, Used 197117, Requested 3000. Please try again in 9m52.272s.\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}",
    "{\"error\":{\"message\":\"Rate limit reached on requests per minute (RPM): Limit: 30, Used: 30. Please try again in 2s.\",\"code\":\"rate_limit_exceeded\"}}",
    "{\"error\":{\"message\":\"Request too large for model on tokens per minute (TPM): Limit 6000, Requested 9000\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}",
    "{\"error\":{\"message\":\"slow down (rpd) limit=14400 used=14400, retry after 3 minutes\"}}",
    "{\"error\":{\"message\":\"try again in 500ms\"}}",
    "{\"error\":{\"message\":\"try again in 2 hours\"}}",
    "{\"error\":{\"message\":\"try again in soon, retry in 7 milliseconds\"}}",
    "{\"error\":{\"message\":\"try again in -5 seconds\"}}",
    "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}",
    "{\"error\":{\"message\":\"Provider returned error\",\"code\":429,\"metadata\":{\"raw\":\"vendor/model:free is temporarily rate-limited upstream. Please retry shortly.\",\"provider_name\":\"Chutes\"}}}",
    "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day\",\"code\":429,\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"50\",\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset\":\"1790812800000\"}}}}",
    "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-day-high-balance\",\"code\":429,\"metadata\":{\"headers\":{\"X-RateLimit-Reset\":\"1791417600000\"}}}}",
    "{\"error\":{\"message\":\"Rate limit exceeded\",\"code\":429,\"metadata\":{\"limit_source\":\"openrouter_free_tier_daily\"}}}",
    "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-min. \",\"code\":429,\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"20\",\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset\":\"1790801300000\"}}}}",
    "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-min\",\"code\":429,\"metadata\":{\"retry_after_seconds\":12.5}}}",
    "{\"error\":{\"message\":\"busy\",\"code\":\"capacity_exhausted\",\"availability\":{\"code\":\"capacity_exhausted\",\"retryable\":true,\"retry_after\":17}}}",
    "{\"error\":{\"message\":\"down\",\"code\":503,\"availability\":{\"code\":\"temporarily_unavailable\",\"retryable\":true,\"retry_after\":\"4.5\"}}}",
    "{\"error\":{\"message\":\"privacy\",\"code\":404,\"availability\":{\"code\":\"privacy_restricted\",\"retryable\":false}}}",
    "{\"error\":{\"message\":\"region\",\"code\":403,\"availability\":{\"code\":\"region_restricted\",\"retryable\":true}}}",
    "{\"error\":{\"message\":\"filtered\",\"code\":404,\"availability\":{\"code\":\"constraint_filtered\",\"excluded_by\":[\"data_policy\"]}}}",
    "{\"error\":{\"message\":\"filtered\",\"code\":400,\"availability\":{\"code\":\"constraint_filtered\",\"excluded_by\":{\"context_length\":3},\"retryable\":true}}}",
    "{\"error\":{\"message\":\"filtered\",\"code\":404,\"availability\":{\"code\":\"Constraint_Filtered\",\"excluded_by\":\"max_price\",\"retryable\":true,\"retry_after\":-3}}}",
    "{\"error\":{\"message\":\"gone\",\"code\":404,\"availability\":{\"code\":\"free_variant_ended\"}}}",
    "{\"error\":{\"message\":\"gone\",\"availability\":{\"code\":\"model_not_found\",\"retryable\":true}}}",
    "{\"error\":{\"message\":\"gone\",\"availability\":{\"code\":\"no_endpoints\"},\"metadata\":{\"retry_after_seconds\":\"8\"}}}",
    "{\"error\":{\"message\":\"odd\",\"code\":502,\"availability\":{\"code\":\"something_new\",\"retryable\":true}}}",
    "{\"error\":{\"message\":\"Input was flagged\",\"code\":403,\"metadata\":{\"reasons\":[\"violence\",\"self-harm\"],\"flagged_input\":\"x\"}}}",
    "{\"error\":{\"message\":\"Your request was flagged by moderation\",\"code\":403}}",
    "{\"error\":{\"message\":\"refused\",\"code\":\"content_policy_violation\"}}",
    "{\"error\":{\"message\":\"refused\",\"type\":\"refusal\"}}",
    "{\"error\":{\"message\":\"This endpoint's maximum context length is 131072 tokens. However, you requested about 140000 tokens\",\"code\":400}}",
    "{\"error\":{\"message\":\"prompt contains 40000 tokens, too large for model with 32768 maximum context length\",\"type\":\"invalid_request_error\"}}",
    "{\"error\":{\"message\":\"Please reduce the length of the messages.\",\"code\":\"context_length_exceeded\"}}",
    "{\"error\":{\"message\":\"too long\",\"code\":\"string_too_long\"}}",
    "{\"error\":{\"message\":\"context window of 100 tokens exceeded\"}}",
    "{\"error\":{\"message\":\"API key not valid. Please pass a valid API key.\",\"code\":400,\"status\":\"INVALID_ARGUMENT\"}}",
    "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc123456789. Authorization: Bearer xyz\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}",
    "{\"error\":{\"message\":\"Invalid model name passed in model=foo/bar\",\"code\":\"400\"}}",
    "{\"error\":{\"message\":\"foo/bar is not a valid model ID\",\"code\":400}}",
    "{\"error\":{\"message\":\"The model `x` does not exist or you do not have access to it.\",\"code\":\"model_not_found\"}}",
    "{\"error\":{\"message\":\"model x not found\"}}",
    "{\"error\":{\"message\":\"Failed to call a function. Please adjust your prompt.\",\"code\":\"tool_use_failed\",\"failed_generation\":\"{}\"}}",
    "{\"error\":{\"message\":\"Provider returned error\",\"code\":400,\"metadata\":{\"raw\":{\"error\":{\"message\":\"temperature out of range\"}},\"provider_name\":\"Vendor\"}}}",
    "{\"error\":{\"message\":\"max_tokens must be positive\",\"code\":400}}",
    "{\"error\":{\"message\":\"Insufficient credits\",\"code\":402}}",
    "{\"error\":{\"message\":\"Blocked by guardrail\",\"code\":403}}",
    "{\"error\":{\"message\":\"not available in your country\",\"code\":403}}",
    "{\"error\":{\"message\":\"Key lacks permission\",\"code\":403,\"type\":\"permission_error\"}}",
    "{\"error\":{\"message\":\"No endpoints found that support tool use.\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found that support the provided 'tool_choice' value.\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found that support json_schema response_format\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found that support JSON mode\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found that support image input\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found that support reasoning\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found that support audio\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found matching your data policy (Free model training).\",\"code\":404}}",
    "{\"error\":{\"message\":\"No endpoints found for vendor/model:free.\",\"code\":404}}",
    "{\"error\":{\"message\":\"Request timed out\",\"code\":408}}",
    "{\"error\":{\"message\":\"deadline\",\"status\":\"DEADLINE_EXCEEDED\"}}",
    "{\"error\":{\"message\":\"Payload too large\",\"code\":413}}",
    "{\"error\":{\"message\":\"Unprocessable\",\"code\":422}}",
    "{\"error\":{\"message\":\"Internal server error\",\"type\":\"server_error\",\"code\":null}}",
    "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}",
    "{\"error\":{\"message\":\"bad gateway\",\"code\":\"bad_gateway\",\"metadata\":{\"raw\":\"bad gateway\"}}}",
    "{\"error\":{\"message\":\"odd\",\"code\":\"something_else\",\"http_status\":599}}",
    "{\"error\":{\"message\":\"odd\",\"code\":999}}",
    "{\"error\":{\"message\":\"odd\",\"code\":\"12x\",\"status\":\"unknown\",\"error_type\":\"unmapped\"}}",
    "{\"error\":{\"detail\":\"detail only\",\"code\":\"unauthenticated\"}}",
    "{\"error\":{\"title\":\"title only\",\"code\":\"payment_required\"}}",
    "{\"error\":{\"error_description\":\"description only\",\"code\":\"forbidden\"}}",
    "{\"error\":{\"code\":\"not_found\"}}",
    "{\"error\":{\"code\":\"payload_too_large\"}}",
    "{\"error\":{\"code\":\"unprocessable_entity\"}}",
    "{\"error\":{\"code\":\"request_timeout\"}}",
    "{\"error\":{\"code\":\"provider_unavailable\"}}",
    "{\"error\":{\"code\":\"too_many_requests\",\"metadata\":{\"headers\":{\"Retry-After\":\"9\",\"X-RateLimit-Remaining\":7}}}}",
    "{\"error\":{\"message\":\"msg\",\"metadata\":{\"raw\":\"msg and more\"}}}",
    "{\"error\":{\"message\":\"msg\",\"metadata\":{\"raw\":\"msg\"}}}",
    "{\"error\":{\"message\":\"msg\",\"metadata\":{\"raw\":42,\"error_type\":\"Rate_Limit_Error\",\"provider_error_code\":\"X\"}}}",
    "{\"error\":{\"message\":\"top metadata\"},\"metadata\":{\"raw\":\"from the top\",\"reasons\":[\"hate\"]}}",
    "{\"error\":{\"message\":\"Ünïcödé ✓ message — with a long tail that goes on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on\",\"code\":500}}",
];

/// Header sets: none, Retry-After forms, and each provider's rate-limit headers.
fn header_sets() -> Vec<Vec<(String, String)>> {
    let sets: &[&[(&str, &str)]] = &[
        &[],
        &[("retry-after", "7")],
        &[("Retry-After", "Wed, 30 Sep 2026 20:50:00 GMT")],
        &[("retry-after", "99999")],
        &[("retry-after", "soon")],
        &[
            ("x-ratelimit-limit", "20"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1790801300000"),
        ],
        &[
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "3"),
            ("x-ratelimit-reset", "1790812800000"),
        ],
        &[("x-ratelimit-limit", "200")],
        &[("x-ratelimit-remaining", "5")],
        &[
            ("x-ratelimit-limit-requests", "14400"),
            ("x-ratelimit-remaining-requests", "14370"),
            ("x-ratelimit-reset-requests", "2m59.56s"),
            ("x-ratelimit-limit-tokens", "6000"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "7.66s"),
            ("retry-after", "8"),
        ],
        &[
            ("x-ratelimit-limit-requests-day", "14400"),
            ("x-ratelimit-remaining-requests-day", "14399"),
            ("x-ratelimit-reset-requests-day", "33011.38"),
            ("x-ratelimit-limit-tokens-minute", "60000"),
            ("x-ratelimit-remaining-tokens-minute", "-2"),
            ("x-ratelimit-reset-tokens-minute", "11.38"),
            ("x-ratelimit-limit-tokens-month", "1"),
        ],
        &[
            ("x-ratelimit-limit-req-minute", "60"),
            ("x-ratelimit-remaining-req-minute", "59"),
            ("x-ratelimit-limit-tokens-hour", "100"),
            ("x-ratelimit-reset-requests-second", "1"),
            ("x-ratelimit-limit-other", "1"),
        ],
        &[
            ("x-ratelimit-reset", "1790801300"),
            ("x-ratelimit-limit", "-1"),
        ],
        &[("x-ratelimit-reset", "30"), ("x-ratelimit-limit", "10")],
        &[
            ("x-ratelimit-reset", "1e400"),
            ("x-ratelimit-remaining", "nan"),
        ],
    ];
    let mut out = Vec::new();
    for set in sets {
        let mut hs = Vec::new();
        for (k, v) in set.iter() {
            hs.push((k.to_string(), v.to_string()));
        }
        out.push(hs);
    }
    out
}

fn render(out: &mut String, c: &Classified) {
    let e = &c.error;
    let _ = writeln!(
        out,
        "{:?} | {:?} | {:?} | {:?} | {:?} | {} | {:?} | {:?}",
        e.code, c.action, e.status, e.retry_after_ms, e.scope, e.message, e.provider, e.model
    );
    for f in &c.facts {
        let _ = writeln!(
            out,
            "  fact {:?} {:?} {:?} limit {:?} remaining {:?} reset {:?} {:?}",
            f.scope, f.window, f.unit, f.limit, f.remaining, f.reset_at_ms, f.source
        );
    }
}

/// xorshift64: the same corpus on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() >> 33) as usize % n
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

const MESSAGES: &[&str] = &[
    "",
    "Rate limit exceeded",
    "free-models-per-day",
    "free-models-per-min",
    "is temporarily rate-limited upstream",
    "No endpoints found that support tool use",
    "maximum context length is 8192 tokens",
    "try again in 3s",
    "retry after 1.5 minutes",
    "Please try again in 1h2m.",
    "on tokens per minute (TPM): Limit 8000, Used 7",
    "API key not valid",
    "Invalid model name passed in model=x",
    "data policy",
    "guardrail",
    "flagged by moderation",
    "limit: 0",
    "Provider returned error",
    "upstream_provider_shared_pool",
    "tokens per minute",
    "<b>tagged</b>",
    "Bearer sk-or-v1-0123456789abcdef",
];

const CODES: &[&str] = &[
    "rate_limit_exceeded",
    "insufficient_quota",
    "server_error",
    "overloaded",
    "timeout",
    "invalid_request_error",
    "tool_use_failed",
    "model_not_found",
    "content_filter",
    "authentication_error",
    "insufficient_credits",
    "permission_denied",
    "not_found_error",
    "payload_too_large",
    "unprocessable",
    "capacity_exhausted",
    "privacy_restricted",
    "region_restricted",
    "constraint_filtered",
    "no_endpoints",
    "temporarily_unavailable",
    "openrouter_free_tier_daily",
    "mystery",
    "429",
    "503",
    "42",
];

fn number(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => Value::Number(Number::from(400 + rng.next() % 200)),
        1 => Value::Number(Number::from(rng.next() % 100_000)),
        2 => Value::Number(Number::from(-((rng.next() % 100) as i64))),
        3 => {
            Number::from_f64((rng.next() % 10_000) as f64 / 7.0).map_or(Value::Null, Value::Number)
        }
        4 => Value::String(((rng.next() % 100) as f64 / 3.0).to_string()),
        _ => Value::Null,
    }
}

fn set(m: &mut Map, k: &str, v: Value) {
    m.insert(k.to_string(), v);
}

/// An error object with a random subset of the fields the classifier reads.
fn error_object(rng: &mut Rng) -> Value {
    let mut e = Map::new();
    let mut message = String::new();
    for _ in 0..rng.below(3) {
        message.push_str(rng.pick(MESSAGES));
        message.push(' ');
    }
    set(
        &mut e,
        ["message", "detail", "title"][rng.below(3)],
        Value::String(message),
    );
    for key in ["code", "status", "type", "http_status", "error_type"] {
        match rng.below(4) {
            0 => set(&mut e, key, Value::String(rng.pick(CODES).to_string())),
            1 => set(&mut e, key, number(rng)),
            _ => {}
        }
    }
    if rng.below(2) == 0 {
        let mut m = Map::new();
        if rng.below(2) == 0 {
            set(&mut m, "raw", Value::String(rng.pick(MESSAGES).to_string()));
        }
        if rng.below(3) == 0 {
            set(&mut m, "retry_after_seconds", number(rng));
        }
        if rng.below(3) == 0 {
            set(&mut m, "provider_name", Value::String("Vendor".to_string()));
        }
        if rng.below(4) == 0 {
            let r = Value::Array(vec![Value::String("hate".to_string()), Value::Null]);
            set(&mut m, "reasons", r);
        }
        for key in ["error_type", "limit_source"] {
            if rng.below(4) == 0 {
                set(&mut m, key, Value::String(rng.pick(CODES).to_string()));
            }
        }
        if rng.below(2) == 0 {
            let mut h = Map::new();
            set(&mut h, "X-RateLimit-Limit", number(rng));
            set(&mut h, "X-RateLimit-Remaining", number(rng));
            set(
                &mut h,
                "X-RateLimit-Reset",
                Value::String("1790801300000".to_string()),
            );
            if rng.below(2) == 0 {
                set(&mut h, "Retry-After", number(rng));
            }
            set(&mut m, "headers", Value::Object(h));
        }
        set(&mut e, "metadata", Value::Object(m));
    }
    if rng.below(3) == 0 {
        let mut a = Map::new();
        set(&mut a, "code", Value::String(rng.pick(CODES).to_string()));
        match rng.below(3) {
            0 => set(&mut a, "retryable", Value::Bool(true)),
            1 => set(&mut a, "retryable", Value::Bool(false)),
            _ => {}
        }
        if rng.below(2) == 0 {
            set(&mut a, "retry_after", number(rng));
        }
        if rng.below(2) == 0 {
            let x = ["data_policy", "context_length", "max_price"][rng.below(3)];
            set(
                &mut a,
                "excluded_by",
                Value::Array(vec![Value::String(x.to_string())]),
            );
        }
        set(&mut e, "availability", Value::Object(a));
    }
    if rng.below(4) == 0 {
        let mut d = Map::new();
        set(
            &mut d,
            "retryDelay",
            Value::String(["41s", "1.5s", "x"][rng.below(3)].to_string()),
        );
        let mut v = Map::new();
        let id = [
            "RequestsPerDayPerProject",
            "InputTokensPerMinute",
            "PerHour",
        ][rng.below(3)];
        set(&mut v, "quotaId", Value::String(id.to_string()));
        set(&mut v, "quotaValue", number(rng));
        set(&mut d, "violations", Value::Array(vec![Value::Object(v)]));
        set(&mut e, "details", Value::Array(vec![Value::Object(d)]));
    }
    Value::Object(e)
}

fn input<'a>(
    kind: ProviderKind,
    status: u16,
    headers: &'a [(String, String)],
    body: &'a str,
    salt: usize,
) -> ErrorInput<'a> {
    ErrorInput {
        provider: kind.as_str(),
        kind,
        model: ["vendor/model:free", "m"][salt % 2],
        status,
        headers,
        body,
        now_ms: NOW + (salt % 3) as f64 * 1234.5,
        is_free_model: salt % 3 != 0,
        retry_after_cap_ms: [60_000, 5_000, 3_600_000, 0][salt % 4],
    }
}

/// Rule bodies and recorded ones: one group per (body, status), under every kind.
fn rule_groups(groups: &mut Vec<(String, String)>) {
    let hs = header_sets();
    let mut bodies: Vec<String> = RULE_BODIES.iter().map(|b| b.to_string()).collect();
    for line in include_str!("../../fixtures/errors.jsonl").lines() {
        if let Ok(v) = json::from_str(line) {
            if let Some(b) = v["body"].as_str() {
                bodies.push(b.to_string());
            }
        }
    }
    for (b, body) in bodies.iter().enumerate() {
        for (s, &status) in STATUSES.iter().enumerate() {
            let mut out = String::new();
            for (k, &kind) in KINDS.iter().enumerate() {
                let salt = b + s + k;
                let headers = &hs[salt % hs.len()];
                let inp = input(kind, status, headers, body, salt);
                render(&mut out, &classify(&inp));
                if s == 0 {
                    if let Ok(v) = json::from_str_prefix(body.trim()) {
                        render(&mut out, &classify_error_value(&inp, &v));
                        if let Some(e) = error_in_body(&v) {
                            render(&mut out, &classify_error_value(&inp, e));
                        }
                    }
                }
            }
            groups.push((format!("rule body {b} status {status}"), out));
        }
    }
}

/// Seeded error-shaped JSON, ten cases a group.
fn random_groups(groups: &mut Vec<(String, String)>) {
    let hs = header_sets();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for g in 0..300 {
        let mut out = String::new();
        for _ in 0..10 {
            let e = error_object(&mut rng);
            let mut top = Map::new();
            set(&mut top, "error", e.clone());
            let body = match rng.below(4) {
                0 => e.to_string(),
                1 => Value::Array(vec![Value::Object(top)]).to_string(),
                _ => Value::Object(top).to_string(),
            };
            let status = STATUSES[rng.below(STATUSES.len())];
            let kind = KINDS[rng.below(KINDS.len())];
            let headers = &hs[rng.below(hs.len())];
            let inp = input(kind, status, headers, &body, rng.below(12));
            render(&mut out, &classify(&inp));
            render(&mut out, &classify_error_value(&inp, &e));
        }
        groups.push((format!("random group {g}"), out));
    }
}

/// Headers, Retry-After, durations and network failures.
fn parser_groups(groups: &mut Vec<(String, String)>) {
    for (i, hs) in header_sets().iter().enumerate() {
        let mut out = String::new();
        for kind in KINDS {
            for model in ["vendor/model:free", "openrouter/free", "m"] {
                let _ = writeln!(out, "{:?}", facts_from_headers(kind, model, hs, NOW));
            }
        }
        groups.push((format!("header set {i}"), out));
    }
    let values = [
        "",
        " 7 ",
        "7.66",
        "0",
        "1e3",
        "-1",
        ".",
        "1.2.3",
        "2m59.56s",
        "1h2m",
        "120ms",
        "1.5µs",
        "3μs",
        "5ns",
        "1us",
        "7x",
        "m",
        "9999999999999999999999",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Wed, 30 Sep 2026 20:50:00 GMT",
        "Thu, 01 Oct 2026 00:00:00 GMT",
    ];
    let mut out = String::new();
    for v in values {
        let _ = writeln!(
            out,
            "{v:?} {:?} {:?}",
            parse_retry_after(v, NOW),
            parse_duration_ms(v)
        );
    }
    for (detail, ms) in [
        ("Failed to fetch", 30_000),
        ("", 0),
        ("sk-or-v1-abcdef0123456789 x", 90_000),
    ] {
        render(&mut out, &network_error("groq", "m", detail, NOW, ms));
    }
    groups.push(("parsers and network".to_string(), out));
}

/// FNV-1a, 64 bits.
fn hash(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[test]
fn every_verdict_matches_the_golden_hashes() {
    let mut groups = Vec::new();
    rule_groups(&mut groups);
    random_groups(&mut groups);
    parser_groups(&mut groups);
    let mut lines = String::new();
    for (name, out) in &groups {
        let _ = writeln!(lines, "{:016x} {name}", hash(out));
    }
    if let Ok(path) = std::env::var("GOLDEN_DUMP") {
        let mut all = String::new();
        for (name, out) in &groups {
            let _ = write!(all, "## {name}\n{out}");
        }
        std::fs::write(path, all).unwrap();
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/core/classify/golden.txt"
    );
    if std::env::var("GOLDEN_UPDATE").is_ok() {
        std::fs::write(path, &lines).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path).unwrap();
    let mut changed = Vec::new();
    for ((got, want), (name, out)) in lines.lines().zip(want.lines()).zip(&groups) {
        if got != want {
            changed.push(format!("{name}:\n{out}"));
        }
    }
    assert_eq!(lines.lines().count(), want.lines().count(), "group count");
    assert!(
        changed.is_empty(),
        "{} groups changed; the first:\n{}",
        changed.len(),
        changed.first().map_or("", String::as_str)
    );
}
