//! Imports from `src/js/glue.js`. Everything that can throw is imported with `catch`.

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(code: &str, message: &str, extra_json: &str, cause: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = isListener)]
    pub fn is_listener(v: &JsValue) -> bool;
    #[wasm_bindgen(js_name = sessionOptions)]
    pub fn session_options(defaults: &JsValue, options: &JsValue, id: &str) -> JsValue;
    #[wasm_bindgen(js_name = isFreeRouterError)]
    pub fn is_free_router_error(v: &JsValue) -> bool;
    pub fn describe(v: &JsValue) -> String;

    pub type SplitOptions;
    #[wasm_bindgen(js_name = splitOptions)]
    pub fn split_options(opts: &JsValue) -> SplitOptions;
    #[wasm_bindgen(method, getter)]
    pub fn json(this: &SplitOptions) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn fetch(this: &SplitOptions) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = onEvent)]
    pub fn on_event(this: &SplitOptions) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &SplitOptions) -> JsValue;

    #[wasm_bindgen(catch, js_name = jsonStringify)]
    pub fn json_stringify(v: &JsValue) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = jsonParse)]
    pub fn json_parse(s: &str) -> Result<JsValue, JsValue>;

    pub fn sleep(ms: f64, signal: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = linkSignal)]
    pub fn link_signal(signal: &JsValue, on_abort: &Function) -> Function;
    #[wasm_bindgen(js_name = isAbortSignal)]
    pub fn is_abort_signal(v: &JsValue) -> bool;
    #[wasm_bindgen(js_name = startTimer)]
    pub fn start_timer(ms: f64, f: &Function) -> JsValue;
    #[wasm_bindgen(js_name = stopTimer)]
    pub fn stop_timer(t: &JsValue);
    #[wasm_bindgen(js_name = attemptStart)]
    pub fn attempt_start(signal: &web_sys::AbortSignal, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = attemptSignal)]
    pub fn attempt_signal(a: &JsValue) -> web_sys::AbortSignal;
    #[wasm_bindgen(js_name = attemptStop)]
    pub fn attempt_stop(a: &JsValue);
    #[wasm_bindgen(js_name = attemptLate)]
    pub fn attempt_late(a: &JsValue) -> bool;
    #[wasm_bindgen(js_name = newController)]
    pub fn new_controller() -> web_sys::AbortController;
    #[wasm_bindgen(js_name = abortController)]
    pub fn abort_controller(c: &web_sys::AbortController, kind: &str);

    #[wasm_bindgen(js_name = callFetch)]
    pub fn call_fetch(
        fetch: &JsValue,
        url: &str,
        method: &str,
        headers: &Object,
        body: Option<String>,
        signal: &web_sys::AbortSignal,
    ) -> Promise;
    #[wasm_bindgen(js_name = responseStatus)]
    pub fn response_status(r: &JsValue) -> u16;
    #[wasm_bindgen(js_name = responseHeaders)]
    pub fn response_headers(r: &JsValue) -> String;
    #[wasm_bindgen(js_name = responseText)]
    pub fn response_text(r: &JsValue, signal: &web_sys::AbortSignal) -> Promise;
    #[wasm_bindgen(js_name = bodyReader)]
    pub fn body_reader(r: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = readUntil)]
    pub fn read_until(reader: &JsValue, signal: &web_sys::AbortSignal, feed: &Function) -> Promise;
    #[wasm_bindgen(js_name = cancelReader)]
    pub fn cancel_reader(reader: &JsValue, reason: &JsValue);

    #[wasm_bindgen(js_name = mkDelta)]
    pub fn mk_delta(
        content: Option<String>,
        reasoning: Option<String>,
        finish_reason: Option<String>,
        tool_calls_json: Option<String>,
        usage_json: Option<String>,
    ) -> JsValue;

    #[wasm_bindgen(js_name = setBigContent)]
    pub fn set_big_content(delta: &JsValue, bytes: &js_sys::Uint8Array);

    pub fn dispatch(listeners: &Array, json: &str);

    #[wasm_bindgen(js_name = wrapStream)]
    pub fn wrap_stream(handle: JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = storageGet)]
    pub fn storage_get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = storageSet)]
    pub fn storage_set(key: &str, value: &str) -> bool;
    #[wasm_bindgen(js_name = storageSetSoon)]
    pub fn storage_set_soon(key: &str, value: &str);
    #[wasm_bindgen(js_name = storageRemove)]
    pub fn storage_remove(key: &str);
    #[wasm_bindgen(js_name = randomU32)]
    pub fn random_u32() -> u32;
}

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    pub type Shared;
    #[wasm_bindgen(js_name = listenShared)]
    pub fn listen_shared(
        name: &str,
        storage_key: &str,
        on_message: &Function,
        on_flush: &Function,
    ) -> Shared;
    #[wasm_bindgen(method)]
    pub fn post(this: &Shared, message: &str);
    #[wasm_bindgen(method)]
    pub fn later(this: &Shared);
    #[wasm_bindgen(method)]
    pub fn stop(this: &Shared);
    #[wasm_bindgen(js_name = withLock)]
    pub fn with_lock(name: &str, f: &Function) -> Promise;
}

/// `wasm_bindgen_futures::future_to_promise` over a boxed future: one copy of the promise
/// plumbing (spawn, resolve, reject) for every exported async method, not one per future type.
pub fn future_to_promise(
    f: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
) -> Promise {
    boxed_promise(Box::pin(f))
}

#[inline(never)]
fn boxed_promise(
    f: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>,
) -> Promise {
    wasm_bindgen_futures::future_to_promise(f)
}
