//! Asks OpenRouter's per-model endpoint lists for the free models a call may use, once per
//! model per catalog load, and hands the answers to `core::endpoints`. A call's lists go out
//! together under one bound, so only the first call after a catalog load waits, and for at
//! most one short round trip; a list that fails or is late says nothing.

use std::rc::Rc;

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::call::plan::Spec;
use crate::core::endpoints::{self, Verdict};
use crate::core::providers::facts;
use crate::web::state::Inner;
use crate::web::transport::{self, now_ms};

#[wasm_bindgen(module = "/src/js/endpoints.js")]
extern "C" {
    #[wasm_bindgen(js_name = endpointLists)]
    fn endpoint_lists(fetch: &JsValue, urls: &Array, headers: &Object, ms: f64) -> Promise;
}

/// The longest a call waits for the lists.
const BOUND_MS: f64 = 2_000.0;

/// The free models of `provider` when its catalog load has not been asked about yet; marked
/// as asked, so calls running meanwhile do not ask again.
fn due(inner: &Inner, provider: &str, base_url: &str, todo: &mut Vec<(String, String)>) {
    let mut st = inner.catalog().borrow_mut();
    let Some(loaded) = st.fetched_at.get(provider).copied() else {
        return;
    };
    if st.endpoints_asked.get(provider) == Some(&loaded) {
        return;
    }
    st.endpoints_asked.insert(provider.to_string(), loaded);
    for m in st.cat.models() {
        if m.provider != provider || !m.free || m.is_router {
            continue;
        }
        if let Some(path) = endpoints::path(&m.id) {
            todo.push((m.id.clone(), format!("{base_url}/{path}")));
        }
    }
}

/// Before a call plans from the catalog: ask about the free OpenRouter models not asked about
/// since their catalog was loaded, and let the core apply the answers to the router's health.
pub async fn check(inner: &Rc<Inner>, spec: &Spec) {
    if !spec.uses_catalog() {
        return;
    }
    for p in inner.providers().iter() {
        if !facts(p.kind).free_pool {
            continue;
        }
        let mut todo = Vec::new();
        due(inner, &p.id, &p.base_url, &mut todo);
        if todo.is_empty() {
            continue;
        }
        let urls = Array::new();
        for (_, url) in &todo {
            urls.push(&JsValue::from_str(url));
        }
        // Latencies are null without the key; the lists themselves spend no free quota.
        let auth = p.api_key.as_ref().map(|k| format!("Bearer {k}"));
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            pairs.push(("Authorization", a));
        }
        let headers = transport::headers_object(&pairs);
        let got = JsFuture::from(endpoint_lists(inner.fetch(), &urls, &headers, BOUND_MS)).await;
        let got = got.ok().and_then(|v| v.dyn_into::<Array>().ok());
        let got = got.unwrap_or_default();
        let mut answers: Vec<(String, Verdict)> = Vec::new();
        for (i, (model, _)) in todo.into_iter().enumerate() {
            // null: failed or late.
            let Some(entry) = got.get(i as u32).dyn_into::<Array>().ok() else {
                continue;
            };
            let status = entry.get(0).as_f64().unwrap_or(0.0) as u16;
            let verdict = entry
                .get(1)
                .as_string()
                .and_then(|b| endpoints::read(status, &b));
            if let Some(v) = verdict {
                answers.push((model, v));
            }
        }
        endpoints::apply(&mut inner.health().borrow_mut(), &p.id, &answers, now_ms());
    }
}
