//! `refreshKeyInfo()`: OpenRouter's `GET /api/v1/key` tells whether credits were ever bought,
//! which sets the daily free limit (50 or 1000).

use std::rc::Rc;

use crate::core::json::{self, Value};
use wasm_bindgen::JsValue;

use crate::core::error::{Error, ErrorCode};
use crate::core::map::Put;
use crate::core::providers;
use crate::web::glue;
use crate::web::quota;
use crate::web::state::Inner;
use crate::web::transport::{self, now_ms, CallCtl, Wait};

pub async fn fetch(inner: &Rc<Inner>) -> Result<Value, Error> {
    let p = inner
        .providers()
        .iter()
        .find(|p| providers::facts(p.kind).key_info && p.api_key.is_some())
        .cloned()
        .ok_or_else(|| {
            Error::invalid("refreshKeyInfo() needs an OpenRouter provider with an apiKey")
        })?;
    let auth = format!("Bearer {}", p.api_key.as_deref().unwrap_or(""));
    let headers = transport::headers_object(&[("Authorization", &auth)]);
    let ctl = CallCtl::new(&JsValue::UNDEFINED, Some(30_000));
    let signal = ctl.signal();
    let url = format!("{}/key", p.base_url);
    let fail = |code: ErrorCode, m: String| {
        Error::new(code, format!("GET {url} failed: {m}")).with_provider(p.id.clone())
    };
    let resp = match transport::wait(
        glue::call_fetch(inner.fetch(), &url, "GET", &headers, None, &signal),
        &ctl,
    )
    .await
    {
        Wait::Ok(r) => r,
        Wait::Aborted(_) => return Err(fail(ErrorCode::Timeout, "no answer within 30 s".into())),
        Wait::Failed(e) => return Err(fail(ErrorCode::Network, glue::describe(&e))),
    };
    let status = glue::response_status(&resp);
    let text = match transport::wait(glue::response_text(&resp, &signal), &ctl).await {
        Wait::Ok(t) => t.as_string().unwrap_or_default(),
        _ => String::new(),
    };
    ctl.release();
    if !(200..300).contains(&status) {
        let code = match status {
            401 => ErrorCode::Auth,
            403 => ErrorCode::Forbidden,
            _ => ErrorCode::ProviderError,
        };
        return Err(fail(
            code,
            format!("HTTP {status}: {}", crate::core::wire::preview(&text)),
        )
        .with_status(status));
    }
    let v: Value = json::from_str(&text)
        .map_err(|e| fail(ErrorCode::Parse, format!("the answer is not JSON ({e})")))?;
    // Borrowed, not cloned: only a few fields are read.
    let data = v.get("data").unwrap_or(&Value::Null);
    let Some(free_tier) = data.get("is_free_tier").and_then(Value::as_bool) else {
        return Err(fail(
            ErrorCode::Parse,
            "the answer has no data.is_free_tier".into(),
        ));
    };
    quota::set_openrouter_tier(inner, &p.id, !free_tier);
    let mut out = json::Map::new();
    out.put("provider", p.id.clone().into());
    out.put("isFreeTier", free_tier.into());
    out.put(
        "freeRequestsPerDay",
        (if free_tier { 50 } else { 1000 }).into(),
    );
    for (k, name) in [
        ("label", "label"),
        ("usage", "usage"),
        ("limit", "limit"),
        ("limit_remaining", "limitRemaining"),
        ("usage_daily", "usageDaily"),
    ] {
        if let Some(x) = data.get(k) {
            out.put(name, x.clone());
        }
    }
    out.put("fetchedAt", now_ms().into());
    Ok(Value::Object(out))
}
