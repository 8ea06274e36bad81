//! (status, headers, body) -> what went wrong and what the router should do about it.
//!
//! Precedence, first match wins:
//! 1. OpenRouter's 2026 `error.availability.code` (switching on `retryable`);
//! 2. OpenRouter's account-wide free pool (`free-models-per-day*`, `free-models-per-min`);
//! 3. moderation (`content_policy_violation`, `refusal`, `metadata.reasons`, 403 "flagged");
//! 4. context length (typed codes or the usual provider wordings);
//! 5. the HTTP status, or for errors inside a 2xx body the status the error's code implies.
//!
//! | status / shape                                  | code                   | action                |
//! |-------------------------------------------------|------------------------|-----------------------|
//! | 400 OpenRouter's own validation                 | invalid_argument       | Stop                  |
//! | 400 other providers, relayed upstream 400       | invalid_argument       | TryNext               |
//! | 400 "not a valid model ID", "Invalid model name", model_not_found | not_found | Evict     |
//! | 400 "API key not valid" (Gemini)                | auth                   | ProviderOut           |
//! | 400 Groq `tool_use_failed`; in-body 400         | provider_error         | TryNext               |
//! | context length (any status but 429)             | context_length         | ContextAtMost / TryNext |
//! | 401                                             | auth                   | ProviderOut           |
//! | 402                                             | payment_required       | ProviderOut           |
//! | 403 moderation                                  | content_filter         | Stop                  |
//! | 403 guardrail / region_restricted               | forbidden              | Evict                 |
//! | 403 key, permission, HTML (WAF/CDN)             | forbidden              | ProviderOut           |
//! | 404 "support tool use" / "tool_choice" / ...    | capability_unsupported | LacksCapability       |
//! | 404 data policy / privacy_restricted            | not_found              | Evict                 |
//! | 404 (and 410) JSON                              | not_found              | Evict                 |
//! | 404 non-JSON (wrong baseUrl)                    | not_found              | ProviderOut           |
//! | 408, in-body timeout                            | timeout                | Cooldown (30 s)       |
//! | 413 Groq TPM overflow                           | context_length         | TryNext + fact        |
//! | 413 other                                       | context_length         | ContextAtMost / TryNext |
//! | 422                                             | invalid_argument       | TryNext               |
//! | other 4xx, 1xx/3xx, unknown in-body codes       | provider_error         | TryNext               |
//! | 429 free-models-per-day*                        | quota_exhausted        | FreePoolExhausted     |
//! | 429 free-models-per-min                         | rate_limited           | Cooldown + pool fact  |
//! | 429 upstream, Groq, Gemini array, anything else | rate_limited           | Cooldown (60 s)       |
//! | 429 `insufficient_quota`                        | quota_exhausted        | ProviderOut           |
//! | 429 Gemini "limit: 0" (no free tier for it)     | quota_exhausted        | Evict                 |
//! | 5xx (502/503/504/524/529 ...)                   | provider_error         | Cooldown (30 s)       |
//! | 2xx with no recognisable error                  | parse                  | TryNext               |
//!
//! Cooldowns use the first readable hint (availability.retry_after, metadata.retry_after_seconds,
//! Retry-After, "try again in 3s", Gemini retryDelay), else the default, capped by
//! `retry_after_cap_ms`. `Error.retry_after_ms` carries the uncapped hint, since that is what the
//! provider actually asked for.

mod clean;
mod decide;
mod headers;
mod hints;
mod read;
mod rules;
#[cfg(test)]
mod tests;

use crate::core::json::{self, Value};

use self::clean::{clean, looks_html, lower_head, strip_tags};
use self::decide::{no_error, run};
use self::headers::header_facts;
use self::hints::ms_ceil;
use self::read::{Body, Info};
use crate::core::catalog::Capability;
use crate::core::error::{Error, ErrorCode, ErrorScope};
use crate::core::limits::LimitFact;
use crate::core::num;
use crate::core::provider::ProviderKind;
use crate::core::text;
use crate::core::time::http_date_ms;

/// What the router does after a failed attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Transient trouble with this model: do not use it before `until_ms`, try the next.
    Cooldown { until_ms: f64 },
    /// The model is gone (404 no endpoints, free variant ended, deprecated): drop it until the
    /// next catalog refresh.
    Evict,
    /// The model lacks a capability the request needs (e.g. "No endpoints found that support
    /// tool use"): remember that, try a model that has it.
    LacksCapability(Capability),
    /// The prompt does not fit: skip models whose context is at most this many tokens.
    ContextAtMost(u64),
    /// Try the next candidate with no penalty for this one (empty completion, unknown 4xx).
    TryNext,
    /// The key or account is unusable on this provider (401, 403 key, 402): every candidate of
    /// this provider is out; other providers go on.
    ProviderOut,
    /// OpenRouter's account-wide free pool is spent until `until_ms` (free-models-per-day);
    /// every `:free` candidate on that provider is out until then.
    FreePoolExhausted { until_ms: f64 },
    /// The request itself is wrong (invalid argument, content filter): no other model will do
    /// better, so stop and report.
    Stop,
}

impl Action {
    /// What the failure sets aside (API.md "Error scope").
    pub fn scope(&self) -> ErrorScope {
        match self {
            Action::Stop => ErrorScope::Request,
            Action::ProviderOut => ErrorScope::Provider,
            Action::FreePoolExhausted { .. } => ErrorScope::Account,
            _ => ErrorScope::Model,
        }
    }
}

/// Everything known about one failed response. No key is ever part of it.
#[derive(Clone, Copy, Debug)]
pub struct ErrorInput<'a> {
    /// Provider id as configured, e.g. "openrouter", "groq", "lab".
    pub provider: &'a str,
    pub kind: ProviderKind,
    /// Model id that was requested.
    pub model: &'a str,
    /// HTTP status (200 for errors found inside 200 bodies / streams).
    pub status: u16,
    /// Response headers, names lowercased; may be empty (CORS hides them).
    pub headers: &'a [(String, String)],
    /// Raw body text: may be empty, HTML, truncated, a JSON array (Gemini), anything.
    pub body: &'a str,
    pub now_ms: f64,
    /// Whether the requested model is a free one (OpenRouter pool rules).
    pub is_free_model: bool,
    /// Never cool down longer than this from a Retry-After-ish hint (the daily pool excepted).
    pub retry_after_cap_ms: u64,
}

/// The verdict: the error to report, what the router does, and what was learned about limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    pub error: Error,
    pub action: Action,
    pub facts: Vec<LimitFact>,
}

impl Classified {
    /// The error carries the action's scope, so every classified failure says what it set aside.
    pub fn new(mut error: Error, action: Action, facts: Vec<LimitFact>) -> Classified {
        error.scope = Some(action.scope());
        Classified {
            error,
            action,
            facts,
        }
    }
}

const DAY_MS: f64 = 86_400_000.0;
const RATE_DEFAULT_MS: u64 = 60_000;
const SERVER_DEFAULT_MS: u64 = 30_000;
/// Bound the text we lowercase and scan, so a megabyte HTML page costs nothing.
const SCAN_MAX: usize = 8192;

/// An HTTP response that was not a success (status >= 400), or a 2xx whose body is an error payload.
pub fn classify(input: &ErrorInput) -> Classified {
    let mut text = input.body;
    while let Some(rest) = text.strip_prefix("\u{feff}") {
        text = rest;
    }
    let text = text.trim();
    // Some servers frame even errors as SSE; a JSON value followed by junk is still readable.
    let json_text = text.strip_prefix("data:").map_or(text, str::trim_start);
    let parsed = json::from_str_prefix(json_text)
        .ok()
        .filter(|v| v.is_object() || v.is_array());
    let error = parsed.as_ref().and_then(error_in_body);
    if error.is_none() && input.status < 400 {
        return no_error(input, text);
    }
    let info = match &parsed {
        Some(v) => {
            let (e, top) = match error {
                Some(e) => (e, v.is_object().then_some(v)),
                // Problem+json and other shapes with no `error` key: the object is the error.
                None if v.is_object() => (v, None),
                None => (&Value::Null, None),
            };
            Info::read(e, top)
        }
        None => non_json(input, text),
    };
    run(input, info)
}

/// What a failed response whose body is not JSON says: its lead sentence, and for plain or
/// broken-JSON text the provider's words (HTML pages carry none).
fn non_json(input: &ErrorInput, text: &str) -> Info {
    let kind = if text.is_empty() {
        Body::Empty
    } else if looks_html(text) {
        Body::Html
    } else if matches!(text.as_bytes().first(), Some(b'{' | b'[')) {
        Body::BrokenJson
    } else {
        Body::Text
    };
    let what = match kind {
        Body::Html => "an HTML page, probably from a proxy or CDN",
        Body::BrokenJson => "truncated or invalid JSON",
        _ => "plain text",
    };
    let lead = if kind == Body::Empty {
        format!(
            "{} returned HTTP {} with an empty body",
            input.provider, input.status
        )
    } else {
        format!(
            "{} returned HTTP {} with a non-JSON body ({what}): {}",
            input.provider,
            input.status,
            clean(&strip_tags(text), 120)
        )
    };
    let mut info = Info::empty();
    info.body = kind;
    info.lead = Some(lead);
    if matches!(kind, Body::Text | Body::BrokenJson) {
        info.hay = lower_head(text);
    }
    info
}

/// The error object found inside a 200 JSON body or an SSE chunk: `{"error":{...}}` at top level
/// or in `choices[i].error` (a Gemini-style array is searched too).
/// Returns None when the value holds no error.
pub fn error_in_body(v: &Value) -> Option<&Value> {
    fn is_err(e: &Value) -> bool {
        match e {
            Value::Object(m) => !m.is_empty(),
            Value::String(s) => !s.trim().is_empty(),
            _ => false,
        }
    }
    match v {
        Value::Object(m) => m.get("error").filter(|e| is_err(e)).or_else(|| {
            m.get("choices")?
                .as_array()?
                .iter()
                .find_map(|c| c.get("error").filter(|e| is_err(e)))
        }),
        Value::Array(a) => a.iter().find_map(error_in_body),
        _ => None,
    }
}

/// Same classification for an error object found in a 200 body or mid-stream chunk.
pub fn classify_error_value(input: &ErrorInput, error: &Value) -> Classified {
    run(input, Info::read(error, None))
}

/// Classify a fetch failure before any response (TypeError: CORS, DNS, offline).
pub fn network_error(
    provider: &str,
    model: &str,
    detail: &str,
    now_ms: f64,
    cooldown_ms: u64,
) -> Classified {
    let msg = format!(
        "Could not reach {provider} for {model}: {}. The request failed before any response: \
         nothing answered at that address, the host name did not resolve, the device is offline, \
         or (in a page) the browser blocked it (CORS). Check the provider's baseUrl and the \
         connection; {model} cools down for {}.",
        clean(detail, 200),
        text::duration(cooldown_ms)
    );
    Classified::new(
        error_for(ErrorCode::Network, msg, provider, model),
        Action::Cooldown {
            until_ms: now_ms + cooldown_ms as f64,
        },
        Vec::new(),
    )
}

/// An error naming the provider and model. Out of line: each builder call moves the whole error,
/// at three sites.
#[inline(never)]
fn error_for(code: ErrorCode, message: String, provider: &str, model: &str) -> Error {
    Error::new(code, message)
        .with_provider(provider)
        .with_model(model)
}

/// Rate-limit facts from response headers of ANY response (success too): OpenRouter
/// `X-RateLimit-*` (reset in epoch ms), Groq `x-ratelimit-*` (requests = per day, tokens = per
/// minute, resets as Go durations), Cerebras `-day`/`-minute` suffixes (resets in fractional
/// seconds), Mistral `-req-minute` style names.
pub fn facts_from_headers(
    kind: ProviderKind,
    model: &str,
    headers: &[(String, String)],
    now_ms: f64,
) -> Vec<LimitFact> {
    let free = model.ends_with(":free") || model == "openrouter/free";
    header_facts(kind, model, headers, now_ms, None, free)
}

/// Retry-After: delta-seconds (possibly fractional) or an HTTP-date (IMF-fixdate, RFC 850,
/// asctime); returns ms from now (0 if the date is past); None for garbage, negative or
/// non-finite. Huge values saturate instead of overflowing; capping is the caller's job.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u64> {
    let v = value.trim();
    if !v.is_empty() && run_end(v, 0, true) == v.len() {
        let secs = num::parse_f64(v)?;
        // 400 digits parse as infinity: garbage, not "wait forever".
        return secs.is_finite().then(|| ms_ceil(secs * 1000.0));
    }
    let at = http_date_ms(v)?;
    let delta = at - now_ms;
    delta.is_finite().then(|| ms_ceil(delta.max(0.0)))
}

/// Go-style duration ("2m59.56s", "7.66s", "1h2m", "120ms", "1.5µs") -> ms, rounded up.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    let mut at = 0;
    while at < s.len() {
        // Byte runs: digits and '.' are ASCII, so every run ends on a char boundary.
        let unit_at = run_end(s, at, true);
        let amount = num::parse_f64(s.get(at..unit_at)?)?;
        at = run_end(s, unit_at, false);
        let scale = match s.get(unit_at..at)? {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" | "μs" => 1e-3,
            "ns" => 1e-6,
            _ => return None,
        };
        total += amount * scale;
    }
    Some(ms_ceil(total))
}

/// Where the run from `from` of number bytes (digits and '.'), or with `numeric` false of
/// other bytes, ends.
fn run_end(s: &str, from: usize, numeric: bool) -> usize {
    let mut at = from;
    while let Some(&b) = s.as_bytes().get(at) {
        if (b.is_ascii_digit() || b == b'.') != numeric {
            break;
        }
        at += 1;
    }
    at
}

/// Next 00:00 UTC strictly after `now_ms` (OpenRouter's daily reset).
pub fn next_utc_midnight_ms(now_ms: f64) -> f64 {
    ((now_ms / DAY_MS).floor() + 1.0) * DAY_MS
}
