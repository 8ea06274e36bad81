//! Reading the error object: what the body was, its codes, message and hints.

use crate::core::json::{self, Map, Value};

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
    /// Out of line: the struct is large, and both makers would set every field inline.
    #[inline(never)]
    pub(super) fn empty() -> Info {
        Info::default()
    }

    pub(super) fn read(e: &Value, top: Option<&Value>) -> Info {
        let mut i = Info::empty();
        let mut raw = String::new();
        match e {
            // Appended to the empty strings: an assignment would drop the old value first.
            Value::String(s) => i.msg.push_str(s),
            Value::Object(o) => {
                for &k in &["message", "detail", "title", "error_description"] {
                    if let Some(s) = text_at(o, k) {
                        i.msg.push_str(s);
                        break;
                    }
                }
                i.read_codes(o);
                let mut meta = o.get("metadata");
                if !meta.is_some_and(Value::is_object) {
                    meta = top.and_then(|t| t.get("metadata"));
                }
                if let Some(Value::Object(m)) = meta {
                    i.read_metadata(m, &mut raw);
                }
                if let Some(Value::Object(a)) = o.get("availability") {
                    i.read_availability(a);
                }
                i.read_details(o);
            }
            _ => {}
        }
        let mut hay = String::new();
        hay.push_str(&i.msg);
        hay.push(' ');
        hay.push_str(&raw);
        hay.push(' ');
        for (n, t) in i.tags.iter().enumerate() {
            if n > 0 {
                hay.push(' ');
            }
            hay.push_str(t);
        }
        i.hay = lower_head(&hay);
        let raw = raw.trim();
        if !raw.is_empty() && !text::contains(&i.msg, raw) {
            if !i.msg.is_empty() {
                i.msg.push_str(": ");
            }
            i.msg.push_str(raw);
        }
        i.msg = clean(&i.msg, 200);
        i
    }

    /// `http_status`, `code`, `status` (numbers, or strings kept as tags), `error_type`, `type`.
    fn read_codes(&mut self, o: &Map) {
        for &k in &["http_status", "code", "status"] {
            match o.get(k) {
                Some(Value::Number(n)) if self.num.is_none() => {
                    self.num = n.as_u64().and_then(|n| u16::try_from(n).ok());
                }
                // Integers are parsed as u64 only: each `parse` type is its own copy in wasm.
                Some(Value::String(s)) => {
                    match num::parse_u64(s.trim()).and_then(|n| u16::try_from(n).ok()) {
                        Some(n) => self.num = self.num.or(Some(n)),
                        None => push_tag(&mut self.tags, s),
                    }
                }
                _ => {}
            }
        }
        for &k in &["error_type", "type"] {
            if let Some(s) = text_at(o, k) {
                push_tag(&mut self.tags, s);
            }
        }
    }

    fn read_metadata(&mut self, m: &Map, raw: &mut String) {
        match m.get("raw") {
            Some(Value::String(s)) => raw.push_str(s),
            Some(v) if !v.is_null() => json::write(raw, v),
            _ => {}
        }
        for &k in &["error_type", "limit_source", "provider_error_code"] {
            if let Some(s) = text_at(m, k) {
                push_tag(&mut self.tags, s);
            }
        }
        if let Some(Value::Object(h)) = m.get("headers") {
            for (k, v) in h {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) => json::to_string(v),
                    _ => continue,
                };
                self.meta_headers.push((k.to_ascii_lowercase(), v));
            }
        }
        self.hint_s = m.get("retry_after_seconds").and_then(secs_of);
        if let Some(Value::Array(r)) = m.get("reasons") {
            for r in r {
                if let Value::String(r) = r {
                    self.reasons.push(r.clone());
                }
            }
        }
        if let Some(n) = text_at(m, "provider_name") {
            self.upstream_name = Some(n.to_string());
        }
    }

    fn read_availability(&mut self, a: &Map) {
        if let Some(c) = text_at(a, "code") {
            let c = c.to_ascii_lowercase();
            self.tags.push(c.clone());
            self.avail_code = Some(c);
        }
        if let Some(Value::Bool(b)) = a.get("retryable") {
            self.avail_retryable = Some(*b);
        }
        if let Some(s) = a.get("retry_after").and_then(secs_of) {
            self.hint_s = Some(s);
        }
        if let Some(x) = a.get("excluded_by") {
            json::write(&mut self.avail_excluded, x);
            self.avail_excluded.make_ascii_lowercase();
        }
    }

    /// Gemini's `details`: `RetryInfo.retryDelay` and `QuotaFailure` violations.
    fn read_details(&mut self, o: &Map) {
        let Some(Value::Array(details)) = o.get("details") else {
            return;
        };
        for d in details {
            if let Some(s) = d.get("retryDelay").and_then(Value::as_str) {
                self.gemini_delay = self.gemini_delay.or(parse_duration_ms(s));
            }
            let Some(Value::Array(violations)) = d.get("violations") else {
                continue;
            };
            for v in violations {
                if let Some(id) = v.get("quotaId").and_then(Value::as_str) {
                    let limit = match v.get("quotaValue") {
                        Some(Value::String(s)) => num::parse_u64(s.trim()),
                        Some(q) => q.as_u64(),
                        None => None,
                    };
                    self.quota_ids.push((id.to_string(), limit));
                }
            }
        }
    }

    pub(super) fn tag(&self, names: &[&str]) -> bool {
        self.tags.iter().any(|t| names.contains(&t.as_str()))
    }

    pub(super) fn has(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| text::contains(&self.hay, n))
    }
}

/// `o[k]` when it is a string. Out of line: read looks up a dozen keys this way.
#[inline(never)]
fn text_at<'m>(o: &'m Map, k: &str) -> Option<&'m str> {
    match o.get(k) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn push_tag(tags: &mut Vec<String>, s: &str) {
    tags.push(s.to_ascii_lowercase());
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
    let mut rest = words;
    while let Some((word, tail)) = text::split_once(rest, " ") {
        if word == t {
            return true;
        }
        rest = tail;
    }
    rest == t
}

/// The status an in-body string code implies.
pub(super) fn tag_status(t: &str) -> Option<u16> {
    TAG_STATUS.iter().find(|e| one_of(t, e.1)).map(|e| e.0)
}
