//! `refreshKeyInfo()`: OpenRouter's `GET /api/v1/key` reports the account's free-model day
//! (`free_model_daily_requests`), which sets the daily window exactly.

use std::rc::Rc;

use crate::core::json::Value;
use wasm_bindgen::JsValue;

use crate::core::error::{Error, ErrorCode};
use crate::core::keyinfo::{refresh_due, Refresh};
use crate::core::options::ProviderConfig;
use crate::core::providers;
use crate::web::glue;
use crate::web::quota;
use crate::web::state::Inner;
use crate::web::transport::{self, now_ms};

/// `refreshKeyInfo()`: the first OpenRouter provider with a key.
pub async fn fetch(inner: &Rc<Inner>) -> Result<Value, Error> {
    let p = inner
        .providers()
        .iter()
        .find(|p| providers::facts(p.kind).key_info && p.api_key.is_some())
        .cloned()
        .ok_or_else(|| {
            Error::invalid("refreshKeyInfo() needs an OpenRouter provider with an apiKey")
        })?;
    ask(inner, &p, 30).await
}

/// Before a free request to `p`: refresh key info when the day decides and the reading is
/// stale (`core::keyinfo::refresh_due`). Behind the request when a reading exists; first,
/// within 5 s, when none does and the day would refuse the request.
pub async fn before_send(inner: &Rc<Inner>, p: &Rc<ProviderConfig>, free: bool) {
    if !free || !providers::facts(p.kind).key_info || p.api_key.is_none() {
        return;
    }
    let Some((limit, taken)) = quota::free_day(inner, &p.id) else {
        return;
    };
    let (asked, answered) = inner.key_asked();
    match refresh_due(limit, taken, asked, answered, now_ms()) {
        Refresh::Skip => {}
        Refresh::First => {
            let _ = ask(inner, p, 5).await;
        }
        Refresh::Behind => {
            let (inner, p) = (inner.clone(), p.clone());
            // Through the promise plumbing every exported method already links (no spawn_local).
            let _ = glue::future_to_promise(async move {
                let _ = ask(&inner, &p, 30).await;
                Ok(JsValue::UNDEFINED)
            });
        }
    }
}

async fn ask(inner: &Inner, p: &ProviderConfig, timeout_s: u32) -> Result<Value, Error> {
    // Marked before the await, so requests sent before it answers do not ask again.
    inner.mark_key_asked(now_ms(), false);
    let auth = format!("Bearer {}", p.api_key.as_deref().unwrap_or(""));
    let headers = transport::headers_object(&[("Authorization", &auth)]);
    let url = format!("{}/key", p.base_url);
    let fail = |code: ErrorCode, m: String| {
        Error::new(code, format!("GET {url} failed: {m}")).with_provider(p.id.clone())
    };
    let got = transport::fetch(
        inner.fetch(),
        &url,
        "GET",
        &headers,
        "",
        &JsValue::UNDEFINED,
        u64::from(timeout_s) * 1000,
        false,
    )
    .await;
    let status = got.status;
    let text = match got.fail {
        0 => got.text(),
        1 | 2 => {
            return Err(fail(
                ErrorCode::Timeout,
                format!("no answer within {timeout_s} s"),
            ))
        }
        3 => return Err(fail(ErrorCode::Network, got.text())),
        // A body that broke off reads as empty.
        _ => String::new(),
    };
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
    inner.mark_key_asked(now_ms(), true);
    if let Some(d) = info.free_daily {
        quota::set_free_daily(inner, &p.id, d.used, d.limit);
    }
    Ok(info.to_value(&p.id, now_ms()))
}
