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

use crate::core::json::{self, Value};

use crate::core::catalog::Capability;
use crate::core::error::{Error, ErrorCode, ErrorScope};
use crate::core::limits::{LimitFact, Scope, Source, Unit, Window};
use crate::core::num;
use crate::core::provider::ProviderKind;
use crate::core::redact;
use crate::core::text;

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
    let text = input.body.trim_start_matches('\u{feff}').trim();
    // Some servers frame even errors as SSE; a JSON value followed by junk is still readable.
    let json_text = text.strip_prefix("data:").map_or(text, str::trim_start);
    let parsed = json::from_str_prefix(json_text)
        .ok()
        .filter(|v| v.is_object() || v.is_array());
    let failed = input.status >= 400;
    if let Some(v) = &parsed {
        if let Some(e) = error_in_body(v) {
            return run(input, Info::read(e, v.is_object().then_some(v)));
        }
        if !failed {
            return no_error(input, text);
        }
        // Problem+json and other shapes with no `error` key: the object is the error.
        let e = if v.is_object() { v } else { &Value::Null };
        return run(input, Info::read(e, None));
    }
    if !failed {
        return no_error(input, text);
    }
    let kind = if text.is_empty() {
        Body::Empty
    } else if looks_html(text) {
        Body::Html
    } else if text.starts_with('{') || text.starts_with('[') {
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
    // Plain or broken-JSON text still carries the provider's words; HTML pages do not.
    let mut info = Info {
        body: kind,
        lead: Some(lead),
        ..Info::default()
    };
    if matches!(kind, Body::Text | Body::BrokenJson) {
        info.hay = lower_head(text);
    }
    run(input, info)
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
        Error::new(ErrorCode::Network, msg)
            .with_provider(provider)
            .with_model(model),
        Action::Cooldown {
            until_ms: now_ms + cooldown_ms as f64,
        },
        Vec::new(),
    )
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
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
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
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let amount = num::parse_f64(rest.get(..n)?)?;
        rest = rest.get(n..)?;
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest.get(..u)? {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" | "μs" => 1e-3,
            "ns" => 1e-6,
            _ => return None,
        };
        total += amount * scale;
        rest = rest.get(u..)?;
    }
    Some(ms_ceil(total))
}

/// Next 00:00 UTC strictly after `now_ms` (OpenRouter's daily reset).
pub fn next_utc_midnight_ms(now_ms: f64) -> f64 {
    ((now_ms / DAY_MS).floor() + 1.0) * DAY_MS
}

// ---------------------------------------------------------------------------------------------
// Reading the error object

/// What the body was, when it was not JSON.
#[derive(Clone, Copy, Default, PartialEq)]
enum Body {
    #[default]
    Json,
    Empty,
    Html,
    Text,
    BrokenJson,
}

/// The parts of an error payload that decide the verdict.
#[derive(Default)]
struct Info {
    /// The provider's own words (message, plus `metadata.raw`), cleaned and shortened.
    msg: String,
    /// Lowercased message, raw text and string codes, for pattern matching.
    hay: String,
    /// Lowercased string codes, first wins when mapping to a status: `code`/`status` strings,
    /// `error_type`, `type`, metadata's `error_type`/`limit_source`/`provider_error_code`,
    /// `availability.code`.
    tags: Vec<String>,
    /// A numeric status-like code (`http_status`, numeric `code`, `status`).
    num: Option<u16>,
    /// `metadata.headers`, names lowercased (OpenRouter mirrors its 429 headers here).
    meta_headers: Vec<(String, String)>,
    avail_code: Option<String>,
    avail_retryable: Option<bool>,
    avail_excluded: String,
    /// Seconds from `availability.retry_after` / `metadata.retry_after_seconds`.
    hint_s: Option<f64>,
    /// Gemini `RetryInfo.retryDelay`.
    gemini_delay: Option<u64>,
    /// Gemini `QuotaFailure` violations: (quotaId, quotaValue).
    quota_ids: Vec<(String, Option<u64>)>,
    reasons: Vec<String>,
    upstream_name: Option<String>,
    body: Body,
    /// For non-JSON bodies: "groq returned HTTP 502 with a non-JSON body (...): ...", which
    /// replaces the verdict's own first sentence.
    lead: Option<String>,
    /// "HTTP 429", or "error 429 inside a successful response"; set by `run`.
    label: String,
}

impl Info {
    fn read(e: &Value, top: Option<&Value>) -> Info {
        let mut i = Info::default();
        let mut raw = String::new();
        match e {
            Value::String(s) => i.msg = s.clone(),
            Value::Object(o) => {
                i.msg = ["message", "detail", "title", "error_description"]
                    .iter()
                    .find_map(|k| o.get(k)?.as_str())
                    .unwrap_or_default()
                    .to_string();
                for k in &["http_status", "code", "status"] {
                    match o.get(k) {
                        Some(Value::Number(n)) => {
                            i.num = i.num.or(n.as_u64().and_then(|n| u16::try_from(n).ok()))
                        }
                        // Integers are parsed as u64 only: each `parse` type is its own copy in wasm.
                        Some(Value::String(s)) => {
                            match num::parse_u64(s.trim()).and_then(|n| u16::try_from(n).ok()) {
                                Some(n) => i.num = i.num.or(Some(n)),
                                None => i.tags.push(s.to_ascii_lowercase()),
                            }
                        }
                        _ => {}
                    }
                }
                for k in &["error_type", "type"] {
                    if let Some(s) = o.get(k).and_then(Value::as_str) {
                        i.tags.push(s.to_ascii_lowercase());
                    }
                }
                let meta = o
                    .get("metadata")
                    .filter(|m| m.is_object())
                    .or_else(|| top?.get("metadata").filter(|m| m.is_object()));
                if let Some(m) = meta {
                    match m.get("raw") {
                        Some(Value::String(s)) => raw = s.clone(),
                        Some(v) if !v.is_null() => raw = v.to_string(),
                        _ => {}
                    }
                    for &k in &["error_type", "limit_source", "provider_error_code"] {
                        if let Some(s) = m.get(k).and_then(Value::as_str) {
                            i.tags.push(s.to_ascii_lowercase());
                        }
                    }
                    if let Some(h) = m.get("headers").and_then(Value::as_object) {
                        for (k, v) in h {
                            let v = match v {
                                Value::String(s) => s.clone(),
                                Value::Number(n) => n.to_string(),
                                _ => continue,
                            };
                            i.meta_headers.push((k.to_ascii_lowercase(), v));
                        }
                    }
                    i.hint_s = m.get("retry_after_seconds").and_then(secs_of);
                    if let Some(r) = m.get("reasons").and_then(Value::as_array) {
                        for r in r {
                            if let Some(r) = r.as_str() {
                                i.reasons.push(r.to_string());
                            }
                        }
                    }
                    i.upstream_name = m
                        .get("provider_name")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                if let Some(a) = o.get("availability").filter(|a| a.is_object()) {
                    i.avail_code = a
                        .get("code")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase);
                    i.avail_retryable = a.get("retryable").and_then(Value::as_bool);
                    i.hint_s = a.get("retry_after").and_then(secs_of).or(i.hint_s);
                    if let Some(x) = a.get("excluded_by") {
                        i.avail_excluded = x.to_string();
                        i.avail_excluded.make_ascii_lowercase();
                    }
                    if let Some(c) = &i.avail_code {
                        i.tags.push(c.clone());
                    }
                }
                // Plain loops: iterator adaptors (flatten) each add their own code to the wasm.
                let none = Vec::new();
                let details = o.get("details").and_then(Value::as_array).unwrap_or(&none);
                for d in details {
                    if let Some(s) = d.get("retryDelay").and_then(Value::as_str) {
                        i.gemini_delay = i.gemini_delay.or(parse_duration_ms(s));
                    }
                    let violations = d.get("violations").and_then(Value::as_array);
                    for v in violations.unwrap_or(&none) {
                        if let Some(id) = v.get("quotaId").and_then(Value::as_str) {
                            let lim = v.get("quotaValue").and_then(|q| match q {
                                Value::String(s) => num::parse_u64(s.trim()),
                                _ => q.as_u64(),
                            });
                            i.quota_ids.push((id.to_string(), lim));
                        }
                    }
                }
            }
            _ => {}
        }
        i.hay = lower_head(&format!("{} {} {}", i.msg, raw, i.tags.join(" ")));
        let raw = raw.trim();
        if !raw.is_empty() && !text::contains(&i.msg, raw) {
            i.msg = if i.msg.is_empty() {
                raw.to_string()
            } else {
                format!("{}: {raw}", i.msg)
            };
        }
        i.msg = clean(&i.msg, 200);
        i
    }

    fn tag(&self, names: &[&str]) -> bool {
        self.tags.iter().any(|t| names.contains(&t.as_str()))
    }

    fn has(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| text::contains(&self.hay, n))
    }
}

fn secs_of(v: &Value) -> Option<f64> {
    let s = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => num::parse_f64(s.trim())?,
        _ => return None,
    };
    (s.is_finite() && s >= 0.0).then_some(s)
}

/// In-body string codes by the status they imply, space-separated: one loop over this table
/// is far smaller in wasm than a `match`, which compiles to one comparison per name.
static TAG_STATUS: [(u16, &str); 12] = [
    (
        429,
        "rate_limit_exceeded rate_limit_error resource_exhausted too_many_requests \
         insufficient_quota capacity_exhausted",
    ),
    (
        500,
        "server_error server internal internal_error internal_server_error api_error unmapped \
         unknown",
    ),
    (502, "provider_unavailable bad_gateway"),
    (
        503,
        "overloaded overloaded_error provider_overloaded unavailable service_unavailable \
         temporarily_unavailable",
    ),
    (408, "timeout deadline_exceeded request_timeout"),
    (
        400,
        "invalid_request_error invalid_request invalid_prompt invalid_argument bad_request \
         tool_use_failed context_length_exceeded max_tokens_exceeded token_limit_exceeded \
         string_too_long content_policy_violation refusal content_filter failed_precondition",
    ),
    (
        401,
        "authentication authentication_error invalid_api_key unauthenticated",
    ),
    (402, "payment_required insufficient_credits"),
    (403, "permission_denied permission_error forbidden"),
    (404, "not_found not_found_error model_not_found"),
    (413, "payload_too_large"),
    (422, "unprocessable unprocessable_entity"),
];

/// Whether `t` is one of the space-separated `words`.
#[inline(never)]
fn one_of(t: &str, words: &str) -> bool {
    words.split(' ').any(|w| w == t)
}

/// The status an in-body string code implies.
fn tag_status(t: &str) -> Option<u16> {
    TAG_STATUS.iter().find(|e| one_of(t, e.1)).map(|e| e.0)
}

// ---------------------------------------------------------------------------------------------
// The decision

struct Verdict {
    code: ErrorCode,
    action: Action,
    /// What happened, in the provider's words where we have them.
    lead: String,
    /// What happens next and what the user can do.
    advice: String,
    retry: Option<u64>,
}

impl Verdict {
    fn new(code: ErrorCode, action: Action, lead: String, advice: impl Into<String>) -> Verdict {
        Verdict {
            code,
            action,
            lead,
            advice: advice.into(),
            retry: None,
        }
    }
}

fn run(input: &ErrorInput, mut info: Info) -> Classified {
    let failed = input.status >= 400;
    let status = if failed {
        input.status
    } else {
        info.num
            .filter(|n| (400..=599).contains(n))
            .or_else(|| info.tags.iter().find_map(|t| tag_status(t)))
            .unwrap_or(0)
    };
    info.label = match (failed, status) {
        (true, s) => format!("HTTP {s}"),
        (false, 0) => "error inside a successful response".to_string(),
        (false, s) => format!("error {s} inside a successful response"),
    };
    // Moved out, not cloned: nothing reads them after this.
    let mut headers = std::mem::take(&mut info.meta_headers);
    headers.extend(input.headers.iter().cloned());
    let mut facts = Vec::new();
    let v = decide(input, &info, status, &headers, &mut facts);

    let lead = info.lead.as_deref().unwrap_or(&v.lead);
    let mut error = Error::new(v.code, format!("{lead}. {}.", v.advice))
        .with_provider(input.provider)
        .with_model(input.model);
    // In-body errors report their numeric code when it is a status; string codes keep the HTTP one.
    let num = info.num.filter(|n| !failed && (400..=599).contains(n));
    error.status = Some(num.unwrap_or(input.status));
    error.retry_after_ms = v.retry.map(|ms| ms.min(crate::core::error::MAX_DELAY_MS));
    Classified::new(error, v.action, facts)
}

/// "groq rate-limited x (HTTP 429: <their words>)".
fn said(info: &Info, what: String) -> String {
    if info.msg.is_empty() {
        format!("{what} ({})", info.label)
    } else {
        format!("{what} ({}: {})", info.label, info.msg)
    }
}

fn decide(
    input: &ErrorInput,
    info: &Info,
    status: u16,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    use ErrorCode as C;
    let (p, m, now) = (input.provider, input.model, input.now_ms);
    let evict = || format!("{m} is dropped until the next catalog refresh");

    // 1. OpenRouter's typed availability codes.
    if let Some(code) = info.avail_code.as_deref() {
        let v = match code {
            "capacity_exhausted" => Some(rate_limited(input, info, headers, facts)),
            "temporarily_unavailable" => Some(server_error(input, info, headers)),
            "privacy_restricted" => Some(privacy(input, info)),
            "region_restricted" => Some(Verdict::new(
                C::Forbidden,
                Action::Evict,
                said(info, format!("{p} does not serve {m} in this region")),
                evict(),
            )),
            "constraint_filtered" if text::contains(&info.avail_excluded, "data_policy") => {
                Some(privacy(input, info))
            }
            "constraint_filtered" if text::contains(&info.avail_excluded, "context_length") => {
                Some(context(input, info))
            }
            "constraint_filtered" => Some(Verdict::new(
                C::NotFound,
                Action::TryNext,
                said(
                    info,
                    format!("{p} has no endpoint for {m} that meets the request's constraints"),
                ),
                "Relax provider settings such as max_price or require_parameters if this keeps \
                 happening",
            )),
            _ if one_of(
                code,
                "model_not_found wrong_endpoint no_endpoints model_deprecated \
                 model_unavailable_upstream free_variant_ended",
            ) =>
            {
                Some(Verdict::new(
                    C::NotFound,
                    Action::Evict,
                    said(info, format!("{p} cannot serve {m} ({code})")),
                    evict(),
                ))
            }
            _ => None,
        };
        if let Some(mut v) = v {
            // The router may flag a single occurrence as transient.
            if info.avail_retryable == Some(true)
                && matches!(v.action, Action::Evict | Action::TryNext)
            {
                cool_down(&mut v, input, info, headers);
            }
            return v;
        }
    }

    // 2. OpenRouter's account-wide free pool.
    if info.has(&["free-models-per-day"]) || info.tag(&["openrouter_free_tier_daily"]) {
        return daily_pool(input, info, headers, facts);
    }
    if info.has(&["free-models-per-min"]) {
        return minute_pool(input, info, headers, facts);
    }

    // 3. Moderation: the input itself is refused.
    if info.tag(&["content_policy_violation", "refusal", "content_filter"])
        || !info.reasons.is_empty()
        || (status == 403 && info.has(&["moderation", "flagged"]))
    {
        let why = if info.reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", clean(&info.reasons.join(", "), 120))
        };
        return Verdict::new(
            C::ContentFilter,
            Action::Stop,
            said(
                info,
                format!("{p} refused the input for {m} on content-policy grounds{why}"),
            ),
            "Rephrase the request; other models would most likely refuse it too",
        );
    }

    // 4. Context length, whatever the status (some providers use 500 or 422), but not a 429.
    // Static, not a local array rebuilt on the stack on every call.
    static CTX_WORDS: [&str; 8] = [
        "context length",
        "context_length",
        "context window",
        "maximum context",
        "prompt is too long",
        "too many tokens",
        "input is too long",
        "reduce the length",
    ];
    if !matches!(status, 413 | 429)
        && (info.tag(&[
            "context_length_exceeded",
            "token_limit_exceeded",
            "string_too_long",
        ]) || info.has(&CTX_WORDS))
    {
        return context(input, info);
    }

    let failed = input.status >= 400;
    match status {
        400 => {
            if info.has(&["api key", "api_key"])
                && info.has(&["invalid", "not valid", "incorrect", "expired", "missing"])
            {
                return auth(input, info);
            }
            if info.tag(&["model_not_found"])
                || info.has(&[
                    "not a valid model",
                    "invalid model name",
                    "unknown model",
                    "model not found",
                    "unavailable for free",
                    "no endpoints found for",
                    "no allowed providers",
                ])
                || (info.has(&["model"]) && info.has(&["does not exist", "not found"]))
            {
                return Verdict::new(
                    C::NotFound,
                    Action::Evict,
                    said(info, format!("{p} cannot serve {m}")),
                    evict(),
                );
            }
            if info.tag(&["tool_use_failed"]) {
                return Verdict::new(
                    C::ProviderError,
                    Action::TryNext,
                    said(info, format!("{p} rejected a tool call that {m} produced")),
                    "The model's tool call did not fit the request's tools",
                );
            }
            if !failed {
                // Accepted, then failed upstream mid-way: the request itself was fine.
                return Verdict::new(
                    C::ProviderError,
                    Action::TryNext,
                    said(
                        info,
                        format!("{p} reported an error while generating with {m}"),
                    ),
                    "Another model may succeed",
                );
            }
            // OpenRouter validates requests itself, the same way for every model. A relayed
            // upstream 400, or a single-vendor provider's 400, is specific to that model or
            // provider (Gemini's compat layer rejects parameters others accept).
            let own = input.kind == ProviderKind::OpenRouter
                && info.upstream_name.is_none()
                && !info.has(&["provider returned error"]);
            if own {
                Verdict::new(
                    C::InvalidArgument,
                    Action::Stop,
                    said(info, format!("{p} rejected the request as invalid")),
                    "Fix the request; every model would reject it the same way",
                )
            } else {
                Verdict::new(
                    C::InvalidArgument,
                    Action::TryNext,
                    said(info, format!("{p} rejected the request for {m}")),
                    "If every model rejects it, fix the request",
                )
            }
        }
        401 => auth(input, info),
        402 => {
            let what = if input.kind == ProviderKind::OpenRouter {
                "Add credits at https://openrouter.ai/settings/credits (a negative balance blocks \
                 free models too), lower max_tokens, or add another provider"
            } else if input.kind == ProviderKind::Cerebras {
                "Cerebras' free tier needs a payment card on file since 2026-09; add one in the \
                 Cerebras console, or add another provider"
            } else {
                "Check the account's billing, or add another provider"
            };
            Verdict::new(
                C::PaymentRequired,
                Action::ProviderOut,
                said(info, format!("{p} needs payment for {m}")),
                format!("{what}; {p} is skipped for now"),
            )
        }
        403 => {
            if info.has(&["guardrail", "region", "country", "territory"]) {
                return Verdict::new(
                    C::Forbidden,
                    Action::Evict,
                    said(
                        info,
                        format!("{p} does not allow {m} for this account or region"),
                    ),
                    evict(),
                );
            }
            // An HTML 403 is a WAF/CDN block of the whole host; a JSON 403 is about the key.
            // Either way no model of this provider will get through.
            let what = if info.body == Body::Html {
                format!("A firewall in front of {p} blocked the request")
            } else {
                format!("Check the permissions of the key configured for \"{p}\"")
            };
            Verdict::new(
                C::Forbidden,
                Action::ProviderOut,
                said(info, format!("{p} refused access")),
                format!("{what}; {p} is skipped for now"),
            )
        }
        404 | 410 => {
            if info.has(&["that support"]) {
                let cap = if info.has(&["tool_choice", "tool choice"]) {
                    Capability::ToolChoice
                } else if info.has(&["tool"]) {
                    Capability::Tools
                } else if info.has(&["json_schema", "structured", "response_format"]) {
                    Capability::StructuredOutputs
                } else if info.has(&["json"]) {
                    Capability::JsonMode
                } else if info.has(&["image", "vision"]) {
                    Capability::Vision
                } else if info.has(&["reasoning"]) {
                    Capability::Reasoning
                } else {
                    Capability::Tools
                };
                return Verdict::new(
                    C::CapabilityUnsupported,
                    Action::LacksCapability(cap),
                    said(
                        info,
                        format!("{p} has no endpoint for {m} that supports {}", cap.human()),
                    ),
                    format!("Trying a model that supports {}", cap.human()),
                );
            }
            if info.has(&["data policy", "privacy", "guardrail"]) {
                return privacy(input, info);
            }
            // A 404 page that is not an API error means the path is wrong: check baseUrl.
            let page = matches!(info.body, Body::Html | Body::Empty)
                || (info.body == Body::Text && !info.has(&["model"]));
            if page {
                return Verdict::new(
                    C::NotFound,
                    Action::ProviderOut,
                    said(info, format!("{p} has no such endpoint")),
                    format!("Check the baseUrl configured for \"{p}\"; {p} is skipped for now"),
                );
            }
            Verdict::new(
                C::NotFound,
                Action::Evict,
                said(info, format!("{p} cannot serve {m}")),
                evict(),
            )
        }
        408 => {
            let mut v = Verdict::new(
                C::Timeout,
                Action::TryNext,
                said(info, format!("{p} timed out on {m}")),
                String::new(),
            );
            cool_down(&mut v, input, info, headers);
            v
        }
        413 => {
            if info.tag(&["rate_limit_exceeded"]) || info.has(&["tokens per minute"]) {
                // Groq: the request alone exceeds the model's per-minute token budget, so
                // waiting will not help; the budget is a fact worth keeping.
                message_facts(info, m, now, None, facts);
                return Verdict::new(
                    C::ContextLength,
                    Action::TryNext,
                    said(
                        info,
                        format!("{p} cannot take a request this large for {m}"),
                    ),
                    "It exceeds the model's per-minute token limit on this account; trying \
                     another model. Shorten the prompt or lower max_tokens",
                );
            }
            context(input, info)
        }
        422 => Verdict::new(
            C::InvalidArgument,
            Action::TryNext,
            said(info, format!("{p} could not process the request for {m}")),
            "Another model may succeed",
        ),
        429 => rate_limited(input, info, headers, facts),
        500..=599 => server_error(input, info, headers),
        _ => Verdict::new(
            C::ProviderError,
            Action::TryNext,
            said(info, format!("{p} reported an unexpected error for {m}")),
            "Another model may succeed",
        ),
    }
}

fn auth(input: &ErrorInput, info: &Info) -> Verdict {
    let p = input.provider;
    Verdict::new(
        ErrorCode::Auth,
        Action::ProviderOut,
        said(info, format!("{p} rejected the API key")),
        format!("Check the key configured for \"{p}\"; {p} is skipped for now"),
    )
}

fn privacy(input: &ErrorInput, info: &Info) -> Verdict {
    let (p, m) = (input.provider, input.model);
    Verdict::new(
        ErrorCode::NotFound,
        Action::Evict,
        said(
            info,
            format!("{p} has no endpoint for {m} that your data policy allows"),
        ),
        format!(
            "Check https://openrouter.ai/settings/privacy (free models need the free-model \
             training and publication settings allowed); {m} is dropped until the next catalog \
             refresh"
        ),
    )
}

fn context(input: &ErrorInput, info: &Info) -> Verdict {
    let (p, m) = (input.provider, input.model);
    let (action, size) = match context_tokens(&info.hay) {
        Some(n) => (
            Action::ContextAtMost(n),
            format!(" (its context is {n} tokens)"),
        ),
        None => (Action::TryNext, String::new()),
    };
    Verdict::new(
        ErrorCode::ContextLength,
        action,
        said(
            info,
            format!("The request is too long for {m} on {p}{size}"),
        ),
        "A model with a larger context may take it (with fallback on, the client tries one); \
         otherwise shorten the conversation or lower max_tokens",
    )
}

fn server_error(input: &ErrorInput, info: &Info, headers: &[(String, String)]) -> Verdict {
    let (p, m) = (input.provider, input.model);
    let mut v = Verdict::new(
        ErrorCode::ProviderError,
        Action::TryNext,
        said(info, format!("{p} failed on {m}")),
        String::new(),
    );
    cool_down(&mut v, input, info, headers);
    v
}

/// Transient trouble: cool the model down for as long as the provider hints (capped), or
/// the server default, and say so.
fn cool_down(v: &mut Verdict, input: &ErrorInput, info: &Info, headers: &[(String, String)]) {
    let now = input.now_ms;
    let hint = retry_hint(info, headers, now).map(|h| h.0);
    let ms = cap(hint, SERVER_DEFAULT_MS, input.retry_after_cap_ms);
    v.action = Action::Cooldown {
        until_ms: now + ms as f64,
    };
    v.advice = format!("{} cools down for {}", input.model, waited(ms, hint));
    v.retry = hint;
}

fn rate_limited(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    let (p, m, now) = (input.provider, input.model, input.now_ms);
    if info.tag(&["insufficient_quota"]) {
        return Verdict::new(
            ErrorCode::QuotaExhausted,
            Action::ProviderOut,
            said(info, format!("{p} says the account's quota is used up")),
            format!("Check the plan and billing of the \"{p}\" account; {p} is skipped for now"),
        );
    }
    if input.kind == ProviderKind::Gemini && info.has(&["limit: 0", "limit:0"]) {
        // A quota of zero is not a busy model: this project has no free tier for it.
        return Verdict::new(
            ErrorCode::QuotaExhausted,
            Action::Evict,
            said(
                info,
                format!("{p} has no free quota for {m} on this project"),
            ),
            format!("{m} is dropped; use another model, or enable billing for it"),
        );
    }
    let hint = retry_hint(info, headers, now);
    facts.extend(header_facts(
        input.kind,
        m,
        headers,
        now,
        None,
        input.is_free_model,
    ));
    message_facts(info, m, now, hint.map(|h| h.0), facts);
    // A bare "wait N s" is a fact too, unless something more precise already says when.
    if let Some((ms, source)) = hint {
        // Matched in place; the scope is allocated only when the fact is pushed.
        if !facts
            .iter()
            .any(|f| matches!(&f.scope, Scope::Model(x) if x == m) && f.reset_at_ms.is_some())
        {
            facts.push(LimitFact {
                scope: Scope::Model(m.to_string()),
                window: window_for(ms),
                unit: Unit::Requests,
                limit: None,
                remaining: Some(0),
                reset_at_ms: Some(now + ms as f64),
                source,
            });
        }
    }
    let ms = cap(hint.map(|h| h.0), RATE_DEFAULT_MS, input.retry_after_cap_ms);
    let who = if info.has(&["rate-limited upstream", "upstream_provider_shared_pool"]) {
        let at = info
            .upstream_name
            .as_deref()
            .map(|n| format!(" at {n}"))
            .unwrap_or_default();
        format!("{m} is rate-limited upstream{at} on {p}")
    } else {
        format!("{p} rate-limited {m}")
    };
    let mut v = Verdict::new(
        ErrorCode::RateLimited,
        Action::Cooldown {
            until_ms: now + ms as f64,
        },
        said(info, who),
        format!("{m} cools down for {}", waited(ms, hint.map(|h| h.0))),
    );
    // Without a hint the cooldown the message states is the wait (LiteLLM's own 429s).
    v.retry = Some(hint.map_or(ms, |h| h.0));
    v
}

/// Pull the pool's fact out of `facts` (read from headers with the pool's scope and window),
/// or start a learned one.
fn pool_fact(facts: &mut Vec<LimitFact>, window: Window) -> LimitFact {
    match facts.iter().position(|f| f.scope == Scope::OpenRouterFree) {
        Some(i) => facts.remove(i),
        None => LimitFact {
            scope: Scope::OpenRouterFree,
            window,
            unit: Unit::Requests,
            limit: None,
            remaining: None,
            reset_at_ms: None,
            source: Source::Learned,
        },
    }
}

fn daily_pool(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    let (p, now) = (input.provider, input.now_ms);
    let ctx = (Scope::OpenRouterFree, Window::Day);
    facts.extend(header_facts(
        input.kind,
        input.model,
        headers,
        now,
        Some(ctx),
        true,
    ));
    let mut f = pool_fact(facts, Window::Day);
    // Trust the reset only when it is a plausible day boundary ahead of now.
    let until = f
        .reset_at_ms
        .filter(|r| *r > now && *r <= now + DAY_MS)
        .unwrap_or_else(|| next_utc_midnight_ms(now));
    // The message names the tier when the headers did not.
    f.limit = f.limit.or(if info.has(&["high-balance"]) {
        Some(1000)
    } else if info.has(&["add 10 credits"]) {
        Some(50)
    } else {
        None
    });
    f.remaining = f.remaining.or(Some(0));
    f.reset_at_ms = Some(until);
    let limit = f.limit;
    facts.insert(0, f);

    let wait = ms_ceil(until - now);
    let secs = (until / 1000.0).floor();
    let tod = if secs.is_finite() {
        (secs as i64).rem_euclid(86_400)
    } else {
        0
    };
    let at = format!("{:02}:{:02} UTC", tod / 3600, tod % 3600 / 60);
    let what = match limit {
        Some(n) => format!("the daily limit of {n} requests"),
        None => "the daily request limit".to_string(),
    };
    let mut v = Verdict::new(
        ErrorCode::QuotaExhausted,
        Action::FreePoolExhausted { until_ms: until },
        format!(
            "All free models on {p} hit {what}; it resets at {at} (in {})",
            text::duration(wait)
        ),
        if limit.is_some_and(|n| n >= 1000) {
            "Add another provider, or set budget.maxUsd to spill to paid models"
        } else {
            "Buy 10 credits to raise it to 1000, add another provider, or set budget.maxUsd to \
             spill to paid models"
        },
    );
    v.retry = Some(wait);
    v
}

fn minute_pool(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    let (p, m, now) = (input.provider, input.model, input.now_ms);
    let ctx = (Scope::OpenRouterFree, Window::Minute);
    facts.extend(header_facts(input.kind, m, headers, now, Some(ctx), true));
    let mut f = pool_fact(facts, Window::Minute);
    let from_reset = f.reset_at_ms.filter(|r| *r > now).map(|r| ms_ceil(r - now));
    let hint = retry_hint(info, headers, now).map(|h| h.0).or(from_reset);
    let ms = cap(hint, RATE_DEFAULT_MS, input.retry_after_cap_ms);
    f.remaining = f.remaining.or(Some(0));
    f.reset_at_ms = f
        .reset_at_ms
        .or(Some(now + hint.unwrap_or(RATE_DEFAULT_MS) as f64));
    let n = f.limit.map(|n| format!("{n} ")).unwrap_or_default();
    facts.insert(0, f);
    let mut v = Verdict::new(
        ErrorCode::RateLimited,
        Action::Cooldown {
            until_ms: now + ms as f64,
        },
        format!(
            "All free models on {p} share a limit of {n}requests per minute and it is used up \
             (calling {m})"
        ),
        format!(
            "{m} cools down for {}; other providers are tried meanwhile. Spread requests out or \
             add another provider",
            waited(ms, hint)
        ),
    );
    v.retry = hint;
    v
}

/// The first readable "wait this long" hint, with where it came from.
/// A provider's wait hint, never longer than a timer takes (a garbage header is not a lockout).
fn retry_hint(info: &Info, headers: &[(String, String)], now: f64) -> Option<(u64, Source)> {
    any_retry_hint(info, headers, now)
        .map(|(ms, source)| (ms.min(crate::core::error::MAX_DELAY_MS), source))
}

fn any_retry_hint(info: &Info, headers: &[(String, String)], now: f64) -> Option<(u64, Source)> {
    if let Some(s) = info.hint_s {
        return Some((ms_ceil(s * 1000.0), Source::Header));
    }
    if let Some(ms) = hget(headers, "retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some((ms, Source::Header));
    }
    if let Some(ms) = info.gemini_delay {
        return Some((ms, Source::Learned));
    }
    message_wait(&info.hay).map(|ms| (ms, Source::Learned))
}

/// "Please try again in 9m52.272s." / "retry in 41.2s" / "try again in 20 seconds".
fn message_wait(hay: &str) -> Option<u64> {
    for key in &["try again in ", "retry in ", "retry after "] {
        let Some(i) = text::find(hay, key) else {
            continue;
        };
        let mut words = hay.get(i + key.len()..)?.split_whitespace();
        let first = words.next()?.trim_end_matches(['.', ',', ';', ')']);
        if let Some(ms) = parse_duration_ms(first) {
            return Some(ms);
        }
        let Some(n) = num::parse_f64(first) else {
            continue;
        };
        let unit = words.next().unwrap_or("s");
        let scale = if unit.starts_with("ms") || unit.starts_with("milli") {
            1.0
        } else if unit.starts_with("min") {
            60_000.0
        } else if unit.starts_with('h') {
            3_600_000.0
        } else {
            1000.0
        };
        return (n.is_finite() && n >= 0.0).then(|| ms_ceil(n * scale));
    }
    None
}

/// Facts stated in words: Groq's "on tokens per day (TPD): Limit 200000, Used 197117" and
/// Gemini's QuotaFailure violations.
fn message_facts(
    info: &Info,
    model: &str,
    now: f64,
    hint: Option<u64>,
    facts: &mut Vec<LimitFact>,
) {
    let hay = &info.hay;
    static KINDS: [(&str, Unit, Window); 4] = [
        ("(tpm)", Unit::Tokens, Window::Minute),
        ("(tpd)", Unit::Tokens, Window::Day),
        ("(rpm)", Unit::Requests, Window::Minute),
        ("(rpd)", Unit::Requests, Window::Day),
    ];
    if let Some(&(key, unit, window)) = KINDS.iter().find(|k| text::contains(hay, k.0)) {
        let tail = text::split_once(hay, key).map_or("", |t| t.1);
        let limit = number_after(tail, "limit");
        let used = number_after(tail, "used");
        facts.push(LimitFact {
            scope: Scope::Model(model.to_string()),
            window,
            unit,
            limit,
            remaining: limit.zip(used).map(|(l, u)| l.saturating_sub(u)),
            reset_at_ms: hint.map(|h| now + h as f64),
            source: Source::Learned,
        });
    }
    for (id, limit) in &info.quota_ids {
        let window = if text::contains(id, "PerDay") {
            Window::Day
        } else if text::contains(id, "PerMinute") {
            Window::Minute
        } else {
            continue;
        };
        let unit = if text::contains(id, "Token") {
            Unit::Tokens
        } else {
            Unit::Requests
        };
        facts.push(LimitFact {
            scope: Scope::Model(model.to_string()),
            window,
            unit,
            limit: *limit,
            remaining: Some(0),
            reset_at_ms: hint
                .filter(|_| window == Window::Minute)
                .map(|h| now + h as f64),
            source: Source::Learned,
        });
    }
}

/// The first integer after `key` within a few characters ("limit 200000", "limit: 20").
fn number_after(s: &str, key: &str) -> Option<u64> {
    let rest = s.get(text::find(s, key)? + key.len()..)?;
    let rest = rest.trim_start_matches([' ', ':', '=']);
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    num::parse_u64(rest.get(..end)?)
}

/// The model's context size as a provider states it: "maximum context length is 131072 tokens",
/// "too large for model with 32768 maximum context length".
fn context_tokens(hay: &str) -> Option<u64> {
    let plausible = |n: u64| (256..=100_000_000).contains(&n);
    for key in &[
        "context length",
        "context window",
        "maximum context",
        "context_length",
    ] {
        let Some(i) = text::find(hay, key) else {
            continue;
        };
        let after = hay.get(i + key.len()..)?;
        let after = after.get(..after.len().min(40)).unwrap_or(after);
        if let Some(n) = first_number(after).filter(|n| plausible(*n)) {
            return Some(n);
        }
        let before = hay.get(i.saturating_sub(30)..i).unwrap_or("");
        if let Some(n) = last_number(before).filter(|n| plausible(*n)) {
            return Some(n);
        }
    }
    None
}

/// The numbers in `s`, each a run of digits and commas ("131,072" is 131072); runs that do not
/// parse (all commas, too long) are skipped. One byte loop: a split/filter_map iterator that
/// runs both ways costs far more wasm.
fn numbers(s: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut digits = String::new();
    for b in s.bytes().chain([b' ']) {
        match b {
            b'0'..=b'9' => digits.push(char::from(b)),
            b',' => {}
            _ => {
                if let Some(n) = num::parse_u64(&digits) {
                    out.push(n);
                }
                digits.clear();
            }
        }
    }
    out
}

fn first_number(s: &str) -> Option<u64> {
    numbers(s).first().copied()
}

fn last_number(s: &str) -> Option<u64> {
    numbers(s).last().copied()
}

fn no_error(input: &ErrorInput, text: &str) -> Classified {
    let shown = if text.is_empty() {
        "an empty body".to_string()
    } else {
        format!(
            "a body that is neither a completion nor an error: {}",
            clean(&strip_tags(text), 120)
        )
    };
    let msg = format!(
        "{} answered HTTP {} for {} with {shown}",
        input.provider, input.status, input.model
    );
    Classified::new(
        Error::parse(msg)
            .with_status(input.status)
            .with_provider(input.provider)
            .with_model(input.model),
        Action::TryNext,
        Vec::new(),
    )
}

// ---------------------------------------------------------------------------------------------
// Headers

fn hget<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `or_ctx` says which pool plain OpenRouter `X-RateLimit-*` headers describe when the body
/// named it; without it the window is guessed from the reset time.
fn header_facts(
    kind: ProviderKind,
    model: &str,
    headers: &[(String, String)],
    now: f64,
    or_ctx: Option<(Scope, Window)>,
    free: bool,
) -> Vec<LimitFact> {
    // `None` window = plain OpenRouter style, resolved after all headers are read.
    let mut acc: Vec<(Unit, Option<Window>, LimitFact)> = Vec::new();
    for (name, value) in headers {
        let lname = name.to_ascii_lowercase();
        let Some(rest) = lname.strip_prefix("x-ratelimit-") else {
            continue;
        };
        let (field, tail) = rest.split_once('-').unwrap_or((rest, ""));
        let (unit, window) = if tail.is_empty() {
            (Unit::Requests, None)
        } else {
            let unit = if tail.starts_with("req") {
                Unit::Requests
            } else if tail.starts_with("tok") {
                Unit::Tokens
            } else {
                continue;
            };
            let window = if tail.ends_with("-day") {
                Window::Day
            } else if tail.ends_with("-minute") {
                Window::Minute
            } else if tail.ends_with("-hour") {
                Window::Hour
            } else if tail.ends_with("-second") {
                Window::Millis(1000)
            } else if tail.contains('-') {
                continue; // month and other windows the ledger does not model
            } else if kind == ProviderKind::Groq && unit == Unit::Requests {
                Window::Day // Groq's request headers count per day, its token headers per minute
            } else {
                Window::Minute
            };
            (unit, Some(window))
        };
        let idx = match acc.iter().position(|a| a.0 == unit && a.1 == window) {
            Some(i) => i,
            None => {
                // Built only for a new entry: fewer Scope drops in the loop.
                let scope = match (&or_ctx, window) {
                    (Some(c), None) => c.0.clone(),
                    (None, None) if kind == ProviderKind::OpenRouter && free => {
                        Scope::OpenRouterFree
                    }
                    _ if matches!(kind, ProviderKind::Mistral | ProviderKind::OpenRouter) => {
                        Scope::Provider
                    }
                    _ => Scope::Model(model.to_string()),
                };
                acc.push((
                    unit,
                    window,
                    LimitFact {
                        scope,
                        window: window.unwrap_or(Window::Minute),
                        unit,
                        limit: None,
                        remaining: None,
                        reset_at_ms: None,
                        source: Source::Header,
                    },
                ));
                acc.len() - 1
            }
        };
        let Some((_, _, f)) = acc.get_mut(idx) else {
            continue;
        };
        match field {
            "limit" => f.limit = f.limit.or(count(value)),
            // LiteLLM counts past its limit (-1, -2, ...) when it does not enforce it: none left.
            "remaining" => f.remaining = f.remaining.or(count(value).or_else(|| over(value))),
            "reset" => f.reset_at_ms = f.reset_at_ms.or(reset_at(value, now)),
            _ => {}
        }
    }
    // A plain loop: the filter/map/collect chain costs more wasm.
    let mut out = Vec::new();
    for (_, w, mut f) in acc {
        if f.limit.is_none() && f.remaining.is_none() && f.reset_at_ms.is_none() {
            continue;
        }
        if w.is_none() {
            f.window = match &or_ctx {
                Some(c) => c.1,
                None => match f.reset_at_ms {
                    Some(r) if r - now <= 120_000.0 => Window::Minute,
                    Some(_) => Window::Day,
                    None if f.limit.is_some_and(|l| l > 20) => Window::Day,
                    None => Window::Minute,
                },
            };
        }
        out.push(f);
    }
    out
}

fn count(v: &str) -> Option<u64> {
    let n = num::parse_f64(v.trim())?;
    (n.is_finite() && n >= 0.0).then_some(n as u64)
}

/// A negative count: the window is over its limit.
fn over(v: &str) -> Option<u64> {
    let n = num::parse_f64(v.trim())?;
    (n.is_finite() && n < 0.0).then_some(0)
}

/// A reset header: a Go duration ("7.66s"), or a number that is epoch ms, epoch seconds or
/// delta seconds depending on its size.
fn reset_at(v: &str, now: f64) -> Option<f64> {
    if let Some(ms) = parse_duration_ms(v) {
        return Some(now + ms as f64);
    }
    let n = num::parse_f64(v.trim())?;
    if !n.is_finite() || n < 0.0 {
        None
    } else if n >= 1e12 {
        Some(n)
    } else if n >= 1e9 {
        Some(n * 1000.0)
    } else {
        Some(now + n * 1000.0)
    }
}

/// The window a bare "retry in N" describes. Under a minute it is taken to be N long (rounded
/// up to whole seconds): what was sent in the last N then approximates the provider's rate,
/// where a minute-long guess would pace far below it.
fn window_for(ms: u64) -> Window {
    match ms {
        0..=59_999 => Window::Millis(ms.div_ceil(1000).max(1) * 1000),
        60_000 => Window::Minute,
        60_001..=3_600_000 => Window::Hour,
        _ => Window::Day,
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn cap(hint: Option<u64>, default: u64, cap: u64) -> u64 {
    hint.unwrap_or(default).min(cap)
}

/// Non-negative ms, rounded up; float-to-int casts saturate, NaN becomes 0.
fn ms_ceil(ms: f64) -> u64 {
    ms.ceil() as u64
}

/// "1 min", or "1 min (capped from 9 min 53 s by retryAfterCapMs)".
fn waited(ms: u64, hint: Option<u64>) -> String {
    match hint {
        Some(h) if h > ms => format!(
            "{} (capped from {} by retryAfterCapMs)",
            text::duration(ms),
            text::duration(h)
        ),
        _ => text::duration(ms),
    }
}

fn looks_html(t: &str) -> bool {
    t.starts_with('<')
        || text::contains(&lower_head(t.get(..t.len().min(512)).unwrap_or(t)), "<html")
}

fn lower_head(s: &str) -> String {
    let mut end = s.len().min(SCAN_MAX);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // ASCII only: every phrase matched against this is ASCII, and `str::to_lowercase` would
    // bring ~10 KB of Unicode tables into the wasm binary.
    s.get(..end).unwrap_or_default().to_ascii_lowercase()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut in_tag = false;
    for c in s.chars().take(SCAN_MAX) {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whitespace collapsed, anything that looks like a key redacted, cut to `max` chars. Keys the
/// client holds were already replaced by value (`redact::by_value`) before this guess.
fn clean(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut redact_next = false;
    for w in s.split_whitespace() {
        if text::char_count(&out) >= max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if redact_next {
            out.push_str(redact::REDACTED);
        } else {
            out.push_str(&redact::prefixed(w));
        }
        redact_next = w.eq_ignore_ascii_case("bearer");
    }
    if text::char_count(&out) > max {
        let cut: String = out.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    } else {
        out
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP dates

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
/// or asctime ("Sun Nov  6 08:49:37 1994") -> epoch ms. In all three the day number comes
/// before the year number, so numbers are taken in order.
fn http_date_ms(s: &str) -> Option<f64> {
    static MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    static DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let (mut day, mut month, mut year, mut time) = (None, None, None, None);
    for tok in s.split(|c: char| c.is_whitespace() || c == ',' || c == '-') {
        if tok.is_empty() {
            continue;
        }
        let low = tok.to_ascii_lowercase();
        if tok.contains(':') {
            // h:m:s, each part in range; a plain loop is smaller in wasm than a mapped
            // iterator read four times. Any failure rejects the whole date.
            let (mut t, mut k) = (0u64, 0);
            for p in tok.split(':') {
                let max = *[23, 59, 60].get(k)?;
                let n = num::parse_u64(p).filter(|n| *n <= max)?;
                t = t * 60 + n;
                k += 1;
            }
            if k != 3 || time.is_some() {
                return None;
            }
            time = Some(t as u32);
        } else if tok.bytes().all(|b| b.is_ascii_digit()) {
            if tok.len() > 4 {
                return None;
            }
            let n = num::parse_u64(tok)? as i64;
            if day.is_none() {
                day = Some(n);
            } else if year.is_none() {
                // RFC 850 two-digit years: 70..99 are 19xx, the rest 20xx.
                year = Some(match (tok.len(), n) {
                    (2, 70..) => 1900 + n,
                    (2, _) => 2000 + n,
                    _ => n,
                });
            } else {
                return None;
            }
        } else if let Some(i) = MONTHS.iter().position(|m| low == *m) {
            if month.replace(i as i64 + 1).is_some() {
                return None;
            }
        } else if !(low == "gmt" || low == "utc" || DAYS.iter().any(|d| low.starts_with(d))) {
            return None;
        }
    }
    let (d, mo, y, t) = (day?, month?, year?, time?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    // A match, not a 12-entry array built on the stack.
    let max = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=max).contains(&d) || !(1..=9999).contains(&y) {
        return None;
    }
    Some((crate::core::time::days_from_civil(y, mo, d) * 86_400 + i64::from(t)) as f64 * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(crate::core::time::days_from_civil(1970, 1, 1), 0);
        assert_eq!(crate::core::time::days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(crate::core::time::days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn context_numbers() {
        let h = "this endpoint's maximum context length is 131072 tokens. however, you requested about 140000 tokens";
        assert_eq!(context_tokens(h), Some(131_072));
        let h = "prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length";
        assert_eq!(context_tokens(h), Some(32_768));
        assert_eq!(context_tokens("context length exceeded"), None);
    }

    #[test]
    fn number_runs() {
        assert_eq!(first_number("about 1,234 and 5"), Some(1234));
        assert_eq!(last_number("about 1,234 and 5"), Some(5));
        assert_eq!(first_number("1,,2 tokens"), Some(12));
        assert_eq!(first_number(", , ,"), None);
        assert_eq!(last_number(""), None);
        assert_eq!(first_number("99999999999999999999999 7"), Some(7));
        assert_eq!(last_number("7 99999999999999999999999"), Some(7));
        assert_eq!(last_number("x131072é"), Some(131_072));
    }

    #[test]
    fn clean_redacts_keys() {
        let s = clean(
            "Incorrect API key provided: sk-abc123. Authorization: Bearer xyz",
            200,
        );
        assert!(!s.contains("abc123") && !s.contains("xyz"), "{s}");
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(
            message_wait("please try again in 9m52.272s. need more"),
            Some(592_272)
        );
        assert_eq!(message_wait("please retry in 41.2s."), Some(41_200));
        assert_eq!(message_wait("try again in 20 seconds"), Some(20_000));
        assert_eq!(message_wait("retry after 2 minutes"), Some(120_000));
        assert_eq!(
            message_wait("retry after the reset; try again in 5s"),
            Some(5_000)
        );
        assert_eq!(message_wait("please retry shortly"), None);
    }

    #[test]
    fn tag_statuses() {
        let cases = [
            ("rate_limit_exceeded", Some(429)),
            ("capacity_exhausted", Some(429)),
            ("server", Some(500)),
            ("unknown", Some(500)),
            ("bad_gateway", Some(502)),
            ("temporarily_unavailable", Some(503)),
            ("request_timeout", Some(408)),
            ("failed_precondition", Some(400)),
            ("unauthenticated", Some(401)),
            ("insufficient_credits", Some(402)),
            ("forbidden", Some(403)),
            ("model_not_found", Some(404)),
            ("payload_too_large", Some(413)),
            ("unprocessable_entity", Some(422)),
            ("", None),
            ("rate_limit", None),
            ("server error", None),
        ];
        for (t, want) in cases {
            assert_eq!(tag_status(t), want, "{t}");
        }
    }

    #[test]
    fn durations_format() {
        assert_eq!(text::duration(0), "0 s");
        assert_eq!(text::duration(5_000), "5 s");
        assert_eq!(text::duration(125_000), "2 min 5 s");
        assert_eq!(text::duration(11_520_000), "3 h 12 min");
    }
}
