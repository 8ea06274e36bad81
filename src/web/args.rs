//! Arguments JS may pass as anything: read as what they must be, or `invalid_argument` naming
//! the argument (never wasm-bindgen's own conversion, which traps or throws a raw TypeError).

use wasm_bindgen::JsValue;

use crate::core::error::Error;
use crate::web::error::to_js;
use crate::web::glue;

/// An `invalid_argument` FreeRouterError: one out-of-line builder for every argument check.
#[inline(never)]
pub fn invalid(message: &str) -> JsValue {
    to_js(&Error::invalid(message))
}

/// `e` thrown into JS; out of line, for every `map_err` on the argument paths.
#[inline(never)]
pub fn thrown(e: Error) -> JsValue {
    to_js(&e)
}

/// `v` as a string; `None` when it is undefined or null and `optional`.
pub fn string(
    v: &JsValue,
    call: &str,
    name: &str,
    optional: bool,
) -> Result<Option<String>, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(Some(s));
    }
    if optional && (v.is_undefined() || v.is_null()) {
        return Ok(None);
    }
    Err(invalid(&format!(
        "{call}: {name} must be a string{}, got {}",
        if optional { " or undefined" } else { "" },
        type_of(v)
    )))
}

/// A listener as the DOM takes it: a function or an object with `handleEvent`.
pub fn listener(v: &JsValue, call: &str) -> Result<JsValue, JsValue> {
    if glue::is_listener(v) {
        return Ok(v.clone());
    }
    Err(invalid(&format!(
        "{call}: listener must be a function or an object with a handleEvent method, got {}",
        type_of(v)
    )))
}

fn type_of(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    v.js_typeof().as_string().unwrap_or_default()
}
