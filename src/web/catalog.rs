//! The live catalog: fetched per provider, cached in storage with a TTL, a stale copy served when
//! a refresh fails, and one refresh in flight however many callers ask.

use std::rc::Rc;

use crate::core::json::{self, Map, Value};
use crate::web::glue::future_to_promise;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::cache;
use crate::core::catalog::{self, ModelInfo};
use crate::core::error::{Error, ErrorCode};
use crate::core::map::Put;
use crate::core::options::ProviderConfig;
use crate::core::providers;
use crate::core::route::{Health, ModelState};
use crate::web::error::to_js;
use crate::web::state::{CatalogState, Inner};
use crate::web::storage::url_tag;
use crate::web::transport::{self, now_ms};

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = catalogModels)]
    fn catalog_models(cache: &Array, rows: &[f64], added: &str) -> Result<Array, JsValue>;
}

fn cache_key(p: &ProviderConfig) -> String {
    format!("catalog:{}:{}", p.id, url_tag(&p.base_url))
}

fn parse(p: &ProviderConfig, body: &str) -> Result<Vec<ModelInfo>, Error> {
    providers::parse_catalog(p.kind, body, &p.id, p.free)
}

/// A provider that lists its models in the options needs no request.
fn configured(p: &ProviderConfig) -> Option<Vec<ModelInfo>> {
    let ids = p.models.as_ref()?;
    // `{"data":[{"id":...},...]}` written directly: no Map or Value tree to build and drop.
    let mut body = String::from("{\"data\":[");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str("{\"id\":");
        json::push_str(&mut body, id);
        body.push('}');
    }
    body.push_str("]}");
    let mut models = catalog::parse_openai_models(&body, &p.id, p.free).ok()?;
    if let (Some(pp), Some(cp)) = (p.prompt_price, p.completion_price) {
        for m in &mut models {
            m.pricing.prompt_per_mtok = pp;
            m.pricing.completion_per_mtok = cp;
        }
    }
    Some(models)
}

async fn fetch_models(inner: &Rc<Inner>, p: &ProviderConfig) -> Result<String, Error> {
    let url = format!("{}/models", p.base_url);
    // OpenRouter's catalog is public: the key need not travel for it.
    let auth = match &p.api_key {
        Some(k) if !providers::facts(p.kind).public_catalog => Some(format!("Bearer {k}")),
        _ => None,
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &auth {
        pairs.push(("Authorization", a));
    }
    let headers = transport::headers_object(&pairs);
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
    // Bytes, not text: a 1-2 MB list is not decoded to UTF-16 only to be encoded back.
    let got = transport::fetch(
        inner.fetch(),
        &url,
        "GET",
        &headers,
        "",
        &JsValue::UNDEFINED,
        30_000,
        true,
    )
    .await;
    let status = got.status;
    let bytes = match got.fail {
        0 => got.body.unchecked_into::<Uint8Array>().to_vec(),
        1 | 2 => return Err(net("no answer within 30 s".into())),
        4 | 5 => return Err(net("the body did not arrive within 30 s".into())),
        _ => return Err(net(got.text())),
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => crate::core::text::lossy(e.as_bytes()),
    };
    if !(200..300).contains(&status) {
        let refused = {
            let mut health = inner.health().borrow_mut();
            crate::core::call::catalog_refused(p, status, &text, now_ms(), &mut health)
        };
        let code = refused.unwrap_or(match status {
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::ProviderError,
        });
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

/// One `catalog` event; `stale` and `error` only when given. Shared by the five outcomes.
#[inline(never)]
fn emit(
    inner: &Inner,
    provider: &str,
    count: usize,
    source: &str,
    stale: Option<bool>,
    error: Option<&str>,
) {
    let mut m = Map::new();
    m.put("provider", provider.into());
    m.put("count", count.into());
    m.put("source", source.into());
    if let Some(s) = stale {
        m.put("stale", s.into());
    }
    if let Some(e) = error {
        m.put("error", e.into());
    }
    inner.events().emit_map("catalog", now_ms(), m);
}

/// Refresh every provider whose copy is older than the TTL (all of them when `force`).
async fn refresh_all(inner: Rc<Inner>, force: bool) -> Result<Value, Error> {
    let ttl = inner.opts().catalog_ttl_ms as f64;
    let mut errors: Vec<Error> = Vec::new();
    let mut source = "cache";
    for p in inner.providers().iter() {
        let now = now_ms();
        let fresh = is_fresh(&inner.catalog().borrow(), p, now, ttl);
        if fresh && !force {
            continue;
        }
        if let Some(models) = configured(p) {
            let n = models.len();
            inner.catalog().borrow_mut().load(&p.id, models, now);
            inner.health().borrow_mut().catalog_refreshed(&p.id);
            emit(&inner, &p.id, n, "config", None, None);
            // What the events said: the network wins, then the options, then a cache.
            if source == "cache" {
                source = "config";
            }
            continue;
        }
        if keyless(p) {
            // Nothing to ask without a key; such a provider only serves named models.
            continue;
        }
        let key = cache_key(p);
        let have = inner.catalog().borrow().fetched_at.contains_key(&p.id);
        // First load in this page: a persisted copy within its TTL saves a request.
        if !have && !force {
            if let Some(n) = load_stored(&inner, p, &key, now, ttl) {
                emit(&inner, &p.id, n, "cache", Some(false), None);
                continue;
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
                    let mut st = inner.catalog().borrow_mut();
                    st.load(&p.id, models, now);
                    st.stale.remove(&p.id);
                    st.failures.retain(|f| f.provider != p.id);
                }
                inner.health().borrow_mut().catalog_refreshed(&p.id);
                // Trimming costs a parse and a print: only worth it when the copy is kept.
                if inner.opts().persist {
                    inner
                        .store()
                        .set(&key, &cache::wrap(now, &cache::trim(&body)));
                }
                source = "network";
                emit(&inner, &p.id, n, "network", None, None);
            }
            Err(e) => {
                // Serve what we have: in memory, else the persisted copy however old.
                let mut served = inner.catalog().borrow().fetched_at.contains_key(&p.id);
                if !served {
                    served = load_stored(&inner, p, &key, now, f64::INFINITY).is_some();
                }
                if served {
                    inner
                        .catalog()
                        .borrow_mut()
                        .stale
                        .insert(p.id.clone(), true);
                    let count = inner
                        .catalog()
                        .borrow()
                        .cat
                        .models()
                        .iter()
                        .filter(|m| m.provider == p.id)
                        .count();
                    emit(&inner, &p.id, count, "cache", Some(true), Some(&e.message));
                } else {
                    emit(&inner, &p.id, 0, "network", None, Some(&e.message));
                    let failure = crate::core::call::plan::CatalogFailure {
                        provider: p.id.clone(),
                        code: e.code,
                        message: e.message.clone(),
                    };
                    let mut st = inner.catalog().borrow_mut();
                    st.failures.retain(|f| f.provider != p.id);
                    st.failures.push(failure);
                    errors.push(e);
                }
            }
        }
    }
    let st = inner.catalog().borrow();
    if st.cat.models().is_empty() {
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
    }
    Ok(info(&st, source))
}

/// Load `p`'s persisted copy when it parses and is younger than `max_age` ms: its model count.
fn load_stored(
    inner: &Inner,
    p: &ProviderConfig,
    key: &str,
    now: f64,
    max_age: f64,
) -> Option<usize> {
    let (at, body) = inner.store().get(key).and_then(|s| cache::unwrap(&s))?;
    (now - at < max_age).then_some(())?;
    let models = parse(p, &body).ok()?;
    let n = models.len();
    inner.catalog().borrow_mut().load(&p.id, models, at);
    Some(n)
}

fn info(st: &CatalogState, source: &str) -> Value {
    let mut info = Map::new();
    info.put("count", st.cat.models().len().into());
    info.put("source", source.into());
    info.put(
        "fetchedAt",
        st.fetched_at.values().cloned().fold(0.0, f64::max).into(),
    );
    info.put("stale", (!st.stale.is_empty()).into());
    Value::Object(info)
}

fn is_fresh(st: &CatalogState, p: &ProviderConfig, now: f64, ttl: f64) -> bool {
    st.fetched_at.get(&p.id).is_some_and(|t| now - t < ttl)
}

/// A provider `refresh_all` never asks: no configured models, no key, and a catalog that
/// needs one (a well-known provider; OpenRouter's and self-hosted servers' lists are open).
fn keyless(p: &ProviderConfig) -> bool {
    let facts = providers::facts(p.kind);
    p.models.is_none() && !facts.public_catalog && !facts.keyless_catalog && p.api_key.is_none()
}

/// True when `ensure(inner, false)` has nothing to do: no refresh in flight and every provider
/// within its TTL (or never asked). Lets a re-filter answer without a future.
pub fn ready(inner: &Inner) -> bool {
    let st = inner.catalog().borrow();
    let now = now_ms();
    let ttl = inner.opts().catalog_ttl_ms as f64;
    st.inflight.is_none()
        && inner
            .providers()
            .iter()
            .all(|p| keyless(p) || is_fresh(&st, p, now, ttl))
}

/// Make sure the catalog is loaded and within its TTL. Concurrent callers share one refresh.
/// Resolves to the CatalogInfo as JSON text (a JS string, as the shared promise carries it)
/// when a refresh ran; to undefined when there was nothing to do (only `force` callers read it).
pub async fn ensure(inner: &Rc<Inner>, force: bool) -> Result<JsValue, JsValue> {
    if !force && ready(inner) {
        return Ok(JsValue::UNDEFINED);
    }
    let existing = inner.catalog().borrow().inflight.clone();
    let promise = match existing {
        Some(p) => p,
        None => {
            let i2 = inner.clone();
            let p = future_to_promise(async move {
                let r = refresh_all(i2.clone(), force).await;
                i2.catalog().borrow_mut().inflight = None;
                match r {
                    Ok(v) => Ok(JsValue::from_str(&v.to_string())),
                    Err(e) => Err(to_js(&e)),
                }
            });
            inner.catalog().borrow_mut().inflight = Some(p.clone());
            p
        }
    };
    JsFuture::from(promise).await
}

/// Status and observed stats of a model: what changes between calls on the same catalog.
fn row(out: &mut Vec<f64>, health: &Health, i: usize, m: &ModelInfo, now: f64) {
    let status = match health.status(&m.provider, &m.id, now) {
        ModelState::Available => 0.0,
        ModelState::Evicted => 2.0,
        _ => 1.0,
    };
    let s = health.stats(&m.provider, &m.id);
    let nan = |x: Option<f64>| x.unwrap_or(f64::NAN);
    out.extend_from_slice(&[
        i as f64,
        status,
        nan(s.ttft_ms_p50),
        nan(s.tokens_per_sec),
        nan(s.success_rate),
    ]);
}

/// ModelInfo objects for catalog indices `hits`: each model's JSON crosses once per catalog
/// version, later calls send only indices, status and stats.
fn objects_of(inner: &Inner, hits: &[usize], now: f64) -> Result<Array, JsValue> {
    let mut st = inner.catalog().borrow_mut();
    let st = &mut *st;
    let health = inner.health().borrow();
    let models = st.cat.models();
    st.built.resize(models.len(), false);
    let cache = st.objs.get_or_insert_with(Array::new).clone();
    let mut rows = Vec::with_capacity(hits.len() * 5);
    let mut added = String::new();
    for &i in hits {
        let m = &models[i];
        row(&mut rows, &health, i, m, now);
        if !st.built[i] {
            added.push(if added.is_empty() { '[' } else { ',' });
            // Status and stats come from `rows`; the template's are placeholders.
            catalog::write_model_json(
                &mut added,
                m,
                catalog::ModelStatus::Available,
                &Default::default(),
            );
        }
    }
    if !added.is_empty() {
        added.push(']');
    }
    match catalog_models(&cache, &rows, &added) {
        Ok(out) => {
            for &i in hits {
                st.built[i] = true;
            }
            Ok(out)
        }
        Err(e) => {
            // Start over rather than trust a half-filled cache.
            st.objs = None;
            st.built.clear();
            Err(e)
        }
    }
}

/// `listModels` on a loaded catalog.
pub fn list(inner: &Inner, f: &catalog::ModelFilter) -> Result<JsValue, JsValue> {
    let now = now_ms();
    let hits = {
        let st = inner.catalog().borrow();
        let health = inner.health().borrow();
        let latency = |m: &ModelInfo| health.stats(&m.provider, &m.id).ttft_ms_p50;
        st.cat.query_idx(f, now, &latency)
    };
    objects_of(inner, &hits, now).map(JsValue::from)
}

/// `getModel` on a loaded catalog: the model, or undefined.
pub fn model(inner: &Inner, id: &str, provider: Option<&str>) -> Result<JsValue, JsValue> {
    let Some(i) = inner.catalog().borrow().cat.index_of(id, provider) else {
        return Ok(JsValue::UNDEFINED);
    };
    Ok(objects_of(inner, &[i], now_ms())?.get(0))
}
