//! Asks OpenRouter's per-model endpoint lists for the free models a call may use, once per
//! model per catalog load, and hands the answers to `core::endpoints`. A call's lists go out
//! together under one bound, so only the first call after a catalog load waits, and for at
//! most one short round trip; a list that fails or is late says nothing.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::core::call::plan::Spec;
use crate::core::endpoints::{self, Verdict};
use crate::core::options::ProviderConfig;
use crate::core::providers::facts;
use crate::web::glue;
use crate::web::state::Inner;
use crate::web::transport::{self, now_ms, CallCtl, Wait};

/// The longest a call waits for the lists.
const BOUND_MS: u64 = 2_000;

/// Models of `p` not asked about since its catalog was loaded, with their list's URL; marked
/// as asked, so calls running meanwhile do not ask again.
fn due(inner: &Inner, p: &ProviderConfig) -> Vec<(String, String)> {
    let mut st = inner.catalog().borrow_mut();
    let Some(loaded) = st.fetched_at.get(&p.id).copied() else {
        return Vec::new();
    };
    let mut todo = Vec::new();
    for m in st.cat.models() {
        if m.provider != p.id || !m.free || m.is_router {
            continue;
        }
        if let Some(path) = endpoints::path(&m.id) {
            todo.push((m.id.clone(), format!("{}/{path}", p.base_url)));
        }
    }
    todo.retain(|(id, _)| {
        let key = format!("{}\n{id}", p.id);
        let fresh = st.endpoints_asked.get(&key) == Some(&loaded);
        st.endpoints_asked.insert(key, loaded);
        !fresh
    });
    todo
}

/// Every list of `todo` at once; the answers that arrived within the bound.
async fn ask(
    inner: &Inner,
    p: &ProviderConfig,
    todo: Vec<(String, String)>,
) -> Vec<(String, Verdict)> {
    let auth = p.api_key.as_ref().map(|k| format!("Bearer {k}"));
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &auth {
        // Latencies are null without a key; the list itself spends no quota.
        pairs.push(("Authorization", a));
    }
    let headers = transport::headers_object(&pairs);
    // One abort signal each: a shared one would collect an abort listener per request.
    let mut pending = Vec::with_capacity(todo.len());
    for (model, url) in todo {
        let ctl = CallCtl::new(&JsValue::UNDEFINED, Some(BOUND_MS));
        let sent = glue::call_fetch(inner.fetch(), &url, "GET", &headers, None, &ctl.signal());
        pending.push((model, ctl, sent));
    }
    let mut bodies = Vec::with_capacity(pending.len());
    for (model, ctl, sent) in pending {
        if let Wait::Ok(resp) = transport::wait(sent, &ctl).await {
            let status = glue::response_status(&resp);
            let text = glue::response_text(&resp, &ctl.signal());
            bodies.push((model, ctl, status, text));
        }
    }
    let mut answers = Vec::with_capacity(bodies.len());
    for (model, ctl, status, text) in bodies {
        if let Wait::Ok(t) = transport::wait(text, &ctl).await {
            let body = t.as_string().unwrap_or_default();
            if let Some(v) = endpoints::read(status, &body) {
                answers.push((model, v));
            }
        }
        ctl.release();
    }
    answers
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
        let todo = due(inner, p);
        if todo.is_empty() {
            continue;
        }
        let answers = ask(inner, p, todo).await;
        endpoints::apply(&mut inner.health().borrow_mut(), &p.id, &answers, now_ms());
    }
}
