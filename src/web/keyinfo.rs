//! `refreshKeyInfo()`: OpenRouter's `GET /api/v1/key` reports the account's free-model day
//! (`free_model_daily_requests`), which sets the daily window exactly.

use std::rc::Rc;

use crate::core::json::Value;
use wasm_bindgen::JsValue;

use crate::core::error::{Error, ErrorCode};
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
    let info = crate::core::keyinfo::parse(&text).map_err(|m| fail(ErrorCode::Parse, m))?;
    if let Some(d) = info.free_daily {
        quota::set_free_daily(inner, &p.id, d.used, d.limit);
    }
    Ok(info.to_value(&p.id, now_ms()))
}
