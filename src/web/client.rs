//! `FreeRouterClient`: the exported class. Each async method clones `Rc<Inner>` into its future
//! and never holds `&self` across an await.

use std::rc::Rc;

use crate::core::json::{Map, Value};
use crate::web::glue::future_to_promise;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::core::catalog as cat;
use crate::core::options::{CallOptions, ClientOptions};
use crate::core::text;
use crate::web::args::{invalid, thrown};
use crate::web::catalog;
use crate::web::error::to_js;
use crate::web::glue;
use crate::web::quota;
use crate::web::router::{drain, start};
use crate::web::state::Inner;
use crate::web::stream::ChatStreamHandle;

/// A client for free LLM models across providers, with routing, fallback and a quota ledger.
///
/// ```js
/// import init, { FreeRouterClient } from "free-router";
/// await init();
/// const client = new FreeRouterClient({ providers: [{ id: "openrouter", apiKey }] });
/// const stream = await client.chatStream({ messages: [{ role: "user", content: "Hi" }] });
/// for await (const d of stream) out.textContent += d.content ?? "";
/// ```
#[wasm_bindgen]
pub struct FreeRouterClient {
    inner: Rc<Inner>,
}

/// JSON from `JSON.stringify`, or `invalid_argument` "{root} {verb} not valid JSON: ...".
fn parse_json(json: &str, what: &str, root: &str) -> Result<Value, JsValue> {
    crate::core::boundary::parse_argument(json, what, root).map_err(thrown)
}

/// An options bag read as JSON (its functions and signal are taken apart in JS).
fn options_json(split: &glue::SplitOptions) -> Result<Value, JsValue> {
    parse_json(&split.json(), "options are", "options")
}

/// Parse `(request, options)` from JS. Errors are `invalid_argument` naming the field.
fn parse_call(
    request: &JsValue,
    options: &JsValue,
    inner: &Inner,
) -> Result<(Map, CallOptions, JsValue), JsValue> {
    let req = parse_json(&glue::json_stringify(request)?, "request is", "request")?;
    let Value::Object(req) = req else {
        return Err(invalid(
            "request must be an object like { messages: [{ role: \"user\", content: \"Hi\" }] }",
        ));
    };
    let split = glue::split_options(options);
    let opts_v = options_json(&split)?;
    let copts = CallOptions::from_json(&opts_v, inner.opts().retry_after_cap_ms).map_err(thrown)?;
    let signal = split.signal();
    if !signal.is_undefined() && !signal.is_null() && !glue::is_abort_signal(&signal) {
        return Err(invalid("options.signal must be an AbortSignal"));
    }
    Ok((req, copts, signal))
}

impl FreeRouterClient {
    /// chat() (`whole`: read to the end, resolve to the completion) and chatStream() (resolve
    /// to the stream at its first token): one path.
    fn call(&self, request: JsValue, options: Option<JsValue>, whole: bool) -> Promise {
        let inner = self.inner.clone();
        let parsed = parse_call(&request, &options.unwrap_or(JsValue::UNDEFINED), &inner);
        future_to_promise(async move {
            let (req, copts, signal) = parsed?;
            let live = start(inner, req, copts, signal, whole).await?;
            if whole {
                let v = drain(&live).await?;
                return glue::json_parse(&v.to_string());
            }
            Ok(glue::wrap_stream(ChatStreamHandle::new(live).into()))
        })
    }
}

#[wasm_bindgen]
impl FreeRouterClient {
    /// Create a client. Throws `FreeRouterError` (`invalid_argument`) naming the bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "FreeRouterOptions")] options: JsValue,
    ) -> Result<FreeRouterClient, JsValue> {
        let split = glue::split_options(&options);
        let opts = ClientOptions::from_json(&options_json(&split)?).map_err(thrown)?;
        let fetch = split.fetch();
        if !fetch.is_undefined() && !fetch.is_null() && !fetch.is_function() {
            return Err(invalid(
                "options.fetch must be a function like globalThis.fetch",
            ));
        }
        let on_event = split.on_event();
        if !on_event.is_undefined() && !on_event.is_null() && !on_event.is_function() {
            return Err(invalid("options.onEvent must be a function"));
        }
        Ok(FreeRouterClient {
            inner: Rc::new(Inner::new(opts, fetch, &on_event)),
        })
    }

    /// One chat completion. Resolves to the OpenAI-shaped completion plus `route`.
    ///
    /// ```js
    /// const r = await client.chat({ messages: [{ role: "user", content: "Hello" }] });
    /// console.log(r.choices[0].message.content, r.route.model);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatResult>")]
    pub fn chat(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.call(request, options, true)
    }

    /// A streamed chat completion. Resolves once a model has produced its first token.
    ///
    /// ```js
    /// const stream = await client.chatStream({ messages }, { signal });
    /// for await (const d of stream) out.textContent += d.content ?? "";
    /// const { route } = await stream.final();
    /// ```
    #[wasm_bindgen(js_name = chatStream, unchecked_return_type = "Promise<ChatStream>")]
    pub fn chat_stream(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.call(request, options, false)
    }

    /// Free models (by default) that match `filter`, from the live catalog.
    ///
    /// ```js
    /// const models = await client.listModels({ tools: true, minContext: 32000, sort: "context" });
    /// ```
    #[wasm_bindgen(js_name = listModels, unchecked_return_type = "Promise<ModelInfo[]>")]
    pub fn list_models(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ModelFilter")] filter: Option<JsValue>,
    ) -> Promise {
        match parse_filter(filter.unwrap_or(JsValue::UNDEFINED)) {
            Ok(f) => with_catalog(
                self.inner.clone(),
                Box::new(move |inner| catalog::list(inner, &f)),
            ),
            Err(e) => Promise::reject(&e),
        }
    }

    /// One model by id (and provider, when several serve it), or `undefined`.
    #[wasm_bindgen(js_name = getModel, unchecked_return_type = "Promise<ModelInfo | undefined>")]
    pub fn get_model(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] provider: Option<JsValue>,
    ) -> Promise {
        let call = "getModel(id, provider)";
        let id = match crate::web::args::string(&id, call, "id", false) {
            Ok(id) => id.unwrap_or_default(),
            Err(e) => return Promise::reject(&e),
        };
        let provider = provider.unwrap_or(JsValue::UNDEFINED);
        let provider = match crate::web::args::string(&provider, call, "provider", true) {
            Ok(p) => p,
            Err(e) => return Promise::reject(&e),
        };
        with_catalog(
            self.inner.clone(),
            Box::new(move |inner| catalog::model(inner, &id, provider.as_deref())),
        )
    }

    /// Fetch every provider's model list now, whatever the cache's age.
    #[wasm_bindgen(js_name = refreshCatalog, unchecked_return_type = "Promise<CatalogInfo>")]
    pub fn refresh_catalog(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let v = catalog::ensure(&inner, true).await?;
            glue::json_parse(&v.as_string().unwrap_or_default())
        })
    }

    /// A conversation that keeps one model: the first that succeeds, until it becomes
    /// unavailable (then it re-picks and emits `repin`). On OpenRouter it sends `session_id`.
    ///
    /// ```js
    /// const s = client.session();
    /// await s.chat({ messages });          // picks a model
    /// await s.chat({ messages: more });    // same model
    /// ```
    pub fn session(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] id: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> Result<ChatSession, JsValue> {
        let id = id.unwrap_or(JsValue::UNDEFINED);
        let id = crate::web::args::string(&id, "session(id, options)", "id", true)?;
        let id = match id {
            Some(s) if !s.is_empty() => {
                if s.len() > 256 {
                    return Err(invalid(
                        "session id must be at most 256 characters (OpenRouter's session_id limit)",
                    ));
                }
                s
            }
            _ => {
                let mut s = String::from("fr-");
                text::push_hex(&mut s, u64::from(glue::random_u32()), 8);
                text::push_hex(&mut s, u64::from(glue::random_u32()), 8);
                s
            }
        };
        let defaults = options.unwrap_or(JsValue::UNDEFINED);
        // Validate now so a bad option fails at creation, not on the first message.
        let split = glue::split_options(&defaults);
        let v = options_json(&split)?;
        CallOptions::from_json(&v, self.inner.opts().retry_after_cap_ms).map_err(thrown)?;
        Ok(ChatSession {
            client: FreeRouterClient {
                inner: self.inner.clone(),
            },
            id,
            defaults,
        })
    }

    /// The quota ledger now: every known window per provider and scope, and spend.
    #[wasm_bindgen(unchecked_return_type = "QuotaSnapshot")]
    pub fn quota(&self) -> Result<JsValue, JsValue> {
        glue::json_parse(&quota::snapshot(&self.inner).to_string())
    }

    /// OpenRouter's `GET /api/v1/key`: learns whether the account has bought credits (50 or
    /// 1000 free requests a day). Needs an OpenRouter provider with a key.
    #[wasm_bindgen(js_name = refreshKeyInfo, unchecked_return_type = "Promise<KeyInfo>")]
    pub fn refresh_key_info(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let v = crate::web::keyinfo::fetch(&inner)
                .await
                .map_err(|e| to_js(&e))?;
            glue::json_parse(&v.to_string())
        })
    }

    /// Run many requests with bounded concurrency, waiting for quota windows instead of
    /// collecting 429s. Results come back in input order.
    ///
    /// ```js
    /// const items = await client.batch(requests, { concurrency: 4, onProgress: (p) => bar.value = p.done / p.total });
    /// for (const it of items) if (it.ok) use(it.result); else report(it.error);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<BatchItem[]>")]
    pub fn batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatRequest[]")] requests: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BatchOptions")] options: Option<JsValue>,
    ) -> Promise {
        let handle = FreeRouterClient {
            inner: self.inner.clone(),
        };
        crate::web::batch::run(
            handle.into(),
            &requests,
            &options.unwrap_or(JsValue::UNDEFINED),
        )
    }

    /// A standard `fetch` bound to this client, for openai-node, the AI SDK and other OpenAI
    /// clients: `POST …/chat/completions` and `GET …/models` run through the client.
    ///
    /// ```js
    /// const openai = new OpenAI({ apiKey: "unused", baseURL: "https://free-router.invalid/v1", fetch: client.fetch, maxRetries: 0 });
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "FreeRouterFetch")]
    pub fn fetch(&self) -> JsValue {
        let handle = FreeRouterClient {
            inner: self.inner.clone(),
        };
        crate::web::fetch::bind(handle.into())
    }

    /// Listen to one event type (see `FreeRouterEvent`).
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FreeRouterEvent[\"type\"]")] kind: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: FreeRouterEvent) => void")]
        listener: JsValue,
    ) -> Result<(), JsValue> {
        let call = "addEventListener(type, listener)";
        let kind = crate::web::args::string(&kind, call, "type", false)?.unwrap_or_default();
        let listener = crate::web::args::listener(&listener, call)?;
        self.inner.events().add(kind, listener);
        Ok(())
    }

    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FreeRouterEvent[\"type\"]")] kind: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: FreeRouterEvent) => void")]
        listener: JsValue,
    ) -> Result<(), JsValue> {
        let call = "removeEventListener(type, listener)";
        let kind = crate::web::args::string(&kind, call, "type", false)?.unwrap_or_default();
        self.inner.events().remove(&kind, &listener);
        Ok(())
    }
}

fn parse_filter(filter: JsValue) -> Result<cat::ModelFilter, JsValue> {
    if filter.is_undefined() || filter.is_null() {
        return Ok(cat::ModelFilter::default());
    }
    let v = parse_json(&glue::json_stringify(&filter)?, "filter is", "filter")?;
    cat::filter_from_json(&v).map_err(thrown)
}

/// What listModels or getModel computes from the loaded catalog.
type CatalogAnswer = Box<dyn FnOnce(&Inner) -> Result<JsValue, JsValue>>;

/// `f` on the loaded catalog. A fresh one answers at once: no future, no JsFuture round trip.
/// Boxed: one future type for listModels and getModel.
fn with_catalog(inner: Rc<Inner>, f: CatalogAnswer) -> Promise {
    if catalog::ready(&inner) {
        return settled(f(&inner));
    }
    future_to_promise(async move {
        catalog::ensure(&inner, false).await?;
        f(&inner)
    })
}

/// A promise already settled with `r`, for answers that need no await.
fn settled(r: Result<JsValue, JsValue>) -> Promise {
    match r {
        Ok(v) => Promise::resolve(&v),
        Err(e) => Promise::reject(&e),
    }
}

/// A sticky conversation from `client.session()`.
#[wasm_bindgen]
pub struct ChatSession {
    client: FreeRouterClient,
    id: String,
    defaults: JsValue,
}

impl ChatSession {
    /// The pinned (provider, model), read once for both getters.
    #[inline(never)]
    fn pinned(&self) -> Option<(String, String)> {
        self.client.inner.sessions().borrow().get(&self.id)
    }

    /// Call options with the session's id and defaults; per-call options win.
    fn options(&self, options: Option<JsValue>) -> JsValue {
        // In JS: spreading a caller's object may throw (a getter, a Proxy).
        glue::session_options(
            &self.defaults,
            &options.unwrap_or(JsValue::UNDEFINED),
            &self.id,
        )
    }
}

#[wasm_bindgen]
impl ChatSession {
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The pinned model, once a call has succeeded.
    #[wasm_bindgen(getter)]
    pub fn model(&self) -> Option<String> {
        self.pinned().map(|p| p.1)
    }

    #[wasm_bindgen(getter)]
    pub fn provider(&self) -> Option<String> {
        self.pinned().map(|p| p.0)
    }

    /// Forget the pinned model; the next call picks again.
    pub fn unpin(&self) {
        self.client.inner.sessions().borrow_mut().unpin(&self.id);
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<ChatResult>")]
    pub fn chat(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.client.chat(request, Some(self.options(options)))
    }

    #[wasm_bindgen(js_name = chatStream, unchecked_return_type = "Promise<ChatStream>")]
    pub fn chat_stream(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.client
            .chat_stream(request, Some(self.options(options)))
    }
}
