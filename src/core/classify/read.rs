//! Reading the error object: what the body was, its codes, message and hints.

use crate::core::json::Value;

use super::clean::{clean, lower_head};
use super::parse_duration_ms;
use crate::core::num;
use crate::core::text;

/// What the body was, when it was not JSON.
#[derive(Clone, Copy, Default, PartialEq)]
pub(super) enum Body {
    #[default]
    Json,
    Empty,
    Html,
    Text,
    BrokenJson,
}

/// The parts of an error payload that decide the verdict.
#[derive(Default)]
pub(super) struct Info {
    /// The provider's own words (message, plus `metadata.raw`), cleaned and shortened.
    pub(super) msg: String,
    /// Lowercased message, raw text and string codes, for pattern matching.
    pub(super) hay: String,
    /// Lowercased string codes, first wins when mapping to a status: `code`/`status` strings,
    /// `error_type`, `type`, metadata's `error_type`/`limit_source`/`provider_error_code`,
    /// `availability.code`.
    pub(super) tags: Vec<String>,
    /// A numeric status-like code (`http_status`, numeric `code`, `status`).
    pub(super) num: Option<u16>,
    /// `metadata.headers`, names lowercased (OpenRouter mirrors its 429 headers here).
    pub(super) meta_headers: Vec<(String, String)>,
    pub(super) avail_code: Option<String>,
    pub(super) avail_retryable: Option<bool>,
    pub(super) avail_excluded: String,
    /// Seconds from `availability.retry_after` / `metadata.retry_after_seconds`.
    pub(super) hint_s: Option<f64>,
    /// Gemini `RetryInfo.retryDelay`.
    pub(super) gemini_delay: Option<u64>,
    /// Gemini `QuotaFailure` violations: (quotaId, quotaValue).
    pub(super) quota_ids: Vec<(String, Option<u64>)>,
    pub(super) reasons: Vec<String>,
    pub(super) upstream_name: Option<String>,
    pub(super) body: Body,
    /// For non-JSON bodies: "groq returned HTTP 502 with a non-JSON body (...): ...", which
    /// replaces the verdict's own first sentence.
    pub(super) lead: Option<String>,
}

impl Info {
    pub(super) fn read(e: &Value, top: Option<&Value>) -> Info {
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
        i.hay = lower_head(&format!(
            "{} {} {}",
            i.msg,
            raw,
            crate::core::text::join(&i.tags, " ")
        ));
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

    pub(super) fn tag(&self, names: &[&str]) -> bool {
        self.tags.iter().any(|t| names.contains(&t.as_str()))
    }

    pub(super) fn has(&self, needles: &[&str]) -> bool {
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
pub(super) fn one_of(t: &str, words: &str) -> bool {
    words.split(' ').any(|w| w == t)
}

/// The status an in-body string code implies.
pub(super) fn tag_status(t: &str) -> Option<u16> {
    TAG_STATUS.iter().find(|e| one_of(t, e.1)).map(|e| e.0)
}
