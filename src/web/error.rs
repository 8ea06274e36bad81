//! core `Error` -> a real JS `FreeRouterError`.

use crate::core::json::{Map, Value};
use wasm_bindgen::JsValue;

use crate::core::error::{Attempt, Error, ErrorCode};
use crate::core::map::Put;
use crate::web::glue;

/// Attempts in the JSON shape of `AttemptInfo`.
pub fn attempts_json(attempts: &[Attempt]) -> Value {
    Value::Array(
        attempts
            .iter()
            .map(|a| {
                let mut m = Map::new();
                m.put("provider", a.provider.clone().into());
                m.put("model", a.model.clone().into());
                m.put("outcome", a.outcome.clone().into());
                if let Some(s) = a.status {
                    m.put("status", s.into());
                }
                if let Some(c) = a.error_code {
                    m.put("errorCode", c.as_str().into());
                }
                m.put("ms", a.ms.round().into());
                if let Some(r) = a.reason {
                    m.put("reason", r.into());
                }
                Value::Object(m)
            })
            .collect(),
    )
}

pub fn to_js_with_cause(e: &Error, cause: &JsValue) -> JsValue {
    let mut extra = Map::new();
    if let Some(s) = e.status {
        extra.put("status", s.into());
    }
    if let Some(p) = &e.provider {
        extra.put("provider", p.clone().into());
    }
    if let Some(m) = &e.model {
        extra.put("model", m.clone().into());
    }
    if let Some(r) = e.public_retry_after() {
        extra.put("retryAfterMs", r.into());
    }
    if !e.attempts.is_empty() {
        extra.put("attempts", attempts_json(&e.attempts));
    }
    if let Some(p) = &e.partial {
        extra.put("partial", p.clone().into());
    }
    if let Some(s) = e.scope {
        extra.put("scope", s.as_str().into());
    }
    glue::make_error(
        e.code.as_str(),
        &crate::web::secrets::redact(&e.message),
        &Value::Object(extra).to_string(),
        cause,
    )
}

pub fn to_js(e: &Error) -> JsValue {
    to_js_with_cause(e, &JsValue::UNDEFINED)
}

/// Something JS threw at us that is not ours: wrap it so every rejection is a FreeRouterError.
pub fn foreign(code: ErrorCode, context: &str, thrown: &JsValue) -> JsValue {
    if glue::is_free_router_error(thrown) {
        return thrown.clone();
    }
    let e = Error::new(code, format!("{context}: {}", glue::describe(thrown)));
    to_js_with_cause(&e, thrown)
}
