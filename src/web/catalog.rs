//! The live catalog: fetched per provider, cached in storage with a TTL, a stale copy served when
//! a refresh fails, and one refresh in flight however many callers ask.

use std::rc::Rc;

use crate::web::glue::future_to_promise;
use js_sys::Promise;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::cache;
use crate::core::catalog::{self, Catalog, ModelInfo};
use crate::core::error::{Error, ErrorCode};
use crate::core::map::{Put, SortedMap};
use crate::core::options::ProviderConfig;
use crate::core::provider::ProviderKind;
use crate::web::client::Inner;
use crate::web::error::to_js;
use crate::web::glue;
use crate::web::storage::url_tag;
use crate::web::transport::{self, now_ms, CallCtl, Wait};

#[derive(Default)]
pub struct CatalogState {
    pub cat: Catalog,
    /// When each provider's models were fetched (network or cache).
    pub fetched_at: SortedMap<String, f64>,
    /// Providers whose last refresh failed and whose models are an older copy.
    pub stale: SortedMap<String, bool>,
    /// The refresh in flight, shared by every caller.
    pub inflight: Option<Promise>,
}

fn cache_key(p: &ProviderConfig) -> String {
    format!("catalog:{}:{}", p.id, url_tag(&p.base_url))
}

fn parse(p: &ProviderConfig, body: &str) -> Result<Vec<ModelInfo>, Error> {
    match p.kind {
        ProviderKind::OpenRouter => catalog::parse_openrouter_models(body, &p.id),
        _ => catalog::parse_openai_models(body, &p.id, p.free),
    }
}

/// A provider that lists its models in the options needs no request.
fn configured(p: &ProviderConfig) -> Option<Vec<ModelInfo>> {
    let ids = p.models.as_ref()?;
    let data: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut m = Map::new();
            m.put("id", id.clone().into());
            Value::Object(m)
        })
        .collect();
    let mut body = Map::new();
    body.put("data", Value::Array(data));
    let mut models =
        catalog::parse_openai_models(&Value::Object(body).to_string(), &p.id, p.free).ok()?;
    for m in &mut models {
        if let (Some(pp), Some(cp)) = (p.prompt_price, p.completion_price) {
            m.pricing.prompt_per_mtok = pp;
            m.pricing.completion_per_mtok = cp;
        }
    }
    Some(models)
}

async fn fetch_models(inner: &Rc<Inner>, p: &ProviderConfig) -> Result<String, Error> {
    let url = format!("{}/models", p.base_url);
    // OpenRouter's catalog is public: the key need not travel for it.
    let auth = match (p.kind, &p.api_key) {
        (ProviderKind::OpenRouter, _) | (_, None) => None,
        (_, Some(k)) => Some(format!("Bearer {k}")),
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &auth {
        pairs.push(("Authorization", a));
    }
    let headers = transport::headers_object(&pairs);
    let ctl = CallCtl::new(&JsValue::UNDEFINED, Some(30_000));
    let signal = ctl.signal();
    let net = |detail: String| {
        Error::new(
            ErrorCode::Network,
            format!(
                "could not load the model list of {} ({url}): {detail}",
                p.id
            ),
        )
        .with_provider(p.id.clone())
    };
    let resp = match transport::wait(
        glue::call_fetch(&inner.fetch, &url, "GET", &headers, None, &signal),
        &ctl,
    )
    .await
    {
        Wait::Ok(r) => r,
        Wait::Aborted(_) => return Err(net("no answer within 30 s".into())),
        Wait::Failed(e) => return Err(net(glue::describe(&e))),
    };
    let status = glue::response_status(&resp);
    let text = match transport::wait(glue::response_text(&resp, &signal), &ctl).await {
        Wait::Ok(t) => t.as_string().unwrap_or_default(),
        Wait::Aborted(_) => return Err(net("the body did not arrive within 30 s".into())),
        Wait::Failed(e) => return Err(net(glue::describe(&e))),
    };
    ctl.release();
    if !(200..300).contains(&status) {
        let code = match status {
            401 => ErrorCode::Auth,
            403 => ErrorCode::Forbidden,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::ProviderError,
        };
        return Err(Error::new(
            code,
            format!(
                "{} answered HTTP {status} to GET {url}: {}",
                p.id,
                crate::core::wire::preview(&crate::core::body::strip_tags(&text))
            ),
        )
        .with_status(status)
        .with_provider(p.id.clone()));
    }
    Ok(text)
}

fn emit(inner: &Inner, fields: Map<String, Value>) {
    inner.events.emit_map("catalog", now_ms(), fields);
}

/// Refresh every provider whose copy is older than the TTL (all of them when `force`).
async fn refresh_all(inner: Rc<Inner>, force: bool) -> Result<Value, Error> {
    let ttl = inner.opts.catalog_ttl_ms as f64;
    let mut errors: Vec<Error> = Vec::new();
    let mut source = "cache";
    for p in inner.providers.iter() {
        let now = now_ms();
        let fresh = {
            let st = inner.catalog.borrow();
            st.fetched_at.get(&p.id).is_some_and(|t| now - t < ttl)
        };
        if fresh && !force {
            continue;
        }
        if let Some(models) = configured(p) {
            let n = models.len();
            let mut st = inner.catalog.borrow_mut();
            st.cat.set_provider_models(&p.id, models);
            st.fetched_at.insert(p.id.clone(), now);
            drop(st);
            inner.health.borrow_mut().catalog_refreshed(&p.id);
            let mut m = Map::new();
            m.put("provider", p.id.clone().into());
            m.put("count", n.into());
            m.put("source", "config".into());
            emit(&inner, m);
            continue;
        }
        if p.kind != ProviderKind::OpenRouter && p.api_key.is_none() {
            // Nothing to ask without a key; such a provider only serves named models.
            continue;
        }
        let key = cache_key(p);
        let have = inner.catalog.borrow().fetched_at.contains_key(&p.id);
        // First load in this page: a persisted copy within its TTL saves a request.
        if !have && !force {
            if let Some(stored) = inner.store.get(&key).and_then(|s| cache::unwrap(&s)) {
                if now - stored.0 < ttl {
                    if let Ok(models) = parse(p, &stored.1) {
                        let n = models.len();
                        let mut st = inner.catalog.borrow_mut();
                        st.cat.set_provider_models(&p.id, models);
                        st.fetched_at.insert(p.id.clone(), stored.0);
                        drop(st);
                        let mut m = Map::new();
                        m.put("provider", p.id.clone().into());
                        m.put("count", n.into());
                        m.put("source", "cache".into());
                        m.put("stale", false.into());
                        emit(&inner, m);
                        continue;
                    }
                }
            }
        }
        let got = match fetch_models(&inner, p).await {
            Ok(body) => parse(p, &body).map(|models| (body, models)),
            Err(e) => Err(e),
        };
        match got {
            Ok((body, models)) => {
                let n = models.len();
                let now = now_ms();
                {
                    let mut st = inner.catalog.borrow_mut();
                    st.cat.set_provider_models(&p.id, models);
                    st.fetched_at.insert(p.id.clone(), now);
                    st.stale.remove(&p.id);
                }
                inner.health.borrow_mut().catalog_refreshed(&p.id);
                // Trimming costs a parse and a print: only worth it when the copy is kept.
                if inner.opts.persist {
                    inner
                        .store
                        .set(&key, &cache::wrap(now, &cache::trim(&body)));
                }
                source = "network";
                let mut m = Map::new();
                m.put("provider", p.id.clone().into());
                m.put("count", n.into());
                m.put("source", "network".into());
                emit(&inner, m);
            }
            Err(e) => {
                // Serve what we have: in memory, else the persisted copy however old.
                let mut served = inner.catalog.borrow().fetched_at.contains_key(&p.id);
                if !served {
                    if let Some((at, body)) = inner.store.get(&key).and_then(|s| cache::unwrap(&s))
                    {
                        if let Ok(models) = parse(p, &body) {
                            let mut st = inner.catalog.borrow_mut();
                            st.cat.set_provider_models(&p.id, models);
                            st.fetched_at.insert(p.id.clone(), at);
                            served = true;
                        }
                    }
                }
                if served {
                    inner.catalog.borrow_mut().stale.insert(p.id.clone(), true);
                    let count = inner
                        .catalog
                        .borrow()
                        .cat
                        .models()
                        .iter()
                        .filter(|m| m.provider == p.id)
                        .count();
                    let mut m = Map::new();
                    m.put("provider", p.id.clone().into());
                    m.put("count", count.into());
                    m.put("source", "cache".into());
                    m.put("stale", true.into());
                    m.put("error", e.message.clone().into());
                    emit(&inner, m);
                } else {
                    let mut m = Map::new();
                    m.put("provider", p.id.clone().into());
                    m.put("count", 0.into());
                    m.put("source", "network".into());
                    m.put("error", e.message.clone().into());
                    emit(&inner, m);
                    errors.push(e);
                }
            }
        }
    }
    let st = inner.catalog.borrow();
    if st.cat.models().is_empty() {
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
    }
    let mut info = Map::new();
    info.put("count", st.cat.models().len().into());
    info.put("source", source.into());
    info.insert(
        "fetchedAt".into(),
        st.fetched_at.values().cloned().fold(0.0, f64::max).into(),
    );
    info.put("stale", (!st.stale.is_empty()).into());
    Ok(Value::Object(info))
}

/// Make sure the catalog is loaded and within its TTL. Concurrent callers share one refresh.
pub async fn ensure(inner: &Rc<Inner>, force: bool) -> Result<Value, JsValue> {
    let existing = inner.catalog.borrow().inflight.clone();
    let promise = match existing {
        Some(p) => p,
        None => {
            let i2 = inner.clone();
            let p = future_to_promise(async move {
                let r = refresh_all(i2.clone(), force).await;
                i2.catalog.borrow_mut().inflight = None;
                match r {
                    Ok(v) => Ok(JsValue::from_str(&v.to_string())),
                    Err(e) => Err(to_js(&e)),
                }
            });
            inner.catalog.borrow_mut().inflight = Some(p.clone());
            p
        }
    };
    let v = JsFuture::from(promise).await?;
    let s = v.as_string().unwrap_or_default();
    Ok(serde_json::from_str(&s).unwrap_or(Value::Null))
}
