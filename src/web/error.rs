//! core `Error` -> a real JS `FreeRouterError`.

use serde_json::{Map, Value};
use wasm_bindgen::JsValue;

use crate::core::error::{Error, ErrorCode};
use crate::web::glue;

fn attempts_value(e: &Error) -> Value {
    Value::Array(
        e.attempts
            .iter()
            .map(|a| {
                let mut m = Map::new();
                m.insert("provider".into(), a.provider.clone().into());
                m.insert("model".into(), a.model.clone().into());
                m.insert("outcome".into(), a.outcome.clone().into());
                if let Some(s) = a.status {
                    m.insert("status".into(), s.into());
                }
                if let Some(c) = a.error_code {
                    m.insert("errorCode".into(), c.as_str().into());
                }
                m.insert("ms".into(), a.ms.round().into());
                Value::Object(m)
            })
            .collect(),
    )
}

/// Attempts in the JSON shape of `AttemptInfo`.
pub fn attempts_json(e: &Error) -> Value {
    attempts_value(e)
}

pub fn to_js_with_cause(e: &Error, cause: &JsValue) -> JsValue {
    let mut extra = Map::new();
    if let Some(s) = e.status {
        extra.insert("status".into(), s.into());
    }
    if let Some(p) = &e.provider {
        extra.insert("provider".into(), p.clone().into());
    }
    if let Some(m) = &e.model {
        extra.insert("model".into(), m.clone().into());
    }
    if let Some(r) = e.retry_after_ms {
        extra.insert("retryAfterMs".into(), r.into());
    }
    if !e.attempts.is_empty() {
        extra.insert("attempts".into(), attempts_value(e));
    }
    if let Some(p) = &e.partial {
        extra.insert("partial".into(), p.clone().into());
    }
    glue::make_error(
        e.code.as_str(),
        &e.message,
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
