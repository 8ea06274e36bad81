//! `client.batch`: the arguments are read here, with the core's parser and messages; the pool
//! is src/js/batch.js, over the client's own public `chat` with `waitForQuota` (as client.fetch
//! is): a pool of JS promises costs far less than async state machines in wasm.

use crate::core::json::{self, Map, Value};
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::core::options::opt_u64;
use crate::web::error::to_js;
use crate::web::glue;

#[wasm_bindgen(module = "/src/js/batch.js")]
extern "C" {
    #[wasm_bindgen(js_name = runBatch)]
    fn run_batch(
        client: JsValue,
        requests: &str,
        concurrency: u32,
        on_progress: &JsValue,
        signal: &JsValue,
    ) -> Promise;
}

/// What batch options say: concurrency, onProgress (not yet checked) and signal, or the
/// message refusing them.
fn read_options(requests: &JsValue, options: &JsValue) -> Result<(u64, JsValue, JsValue), String> {
    if !Array::is_array(requests) {
        return Err("batch(requests) takes an array of chat requests".into());
    }
    let split = glue::split_options(options);
    let opts: Value = json::from_str(&split.json()).unwrap_or(Value::Null);
    let empty = Map::new();
    let o = opts.as_object().unwrap_or(&empty);
    if let Some(why) = o.get("__unserializable").and_then(Value::as_str) {
        return Err(format!("batch options could not be read: {why}"));
    }
    for k in o.keys() {
        if k != "concurrency" && k != "onProgress" {
            return Err(format!(
                "batch options.{k} is not a known option (known: concurrency, onProgress, signal)"
            ));
        }
    }
    let concurrency = opt_u64(o, "concurrency", "batch options.")?.unwrap_or(4);
    if !(1..=64).contains(&concurrency) {
        return Err("batch options.concurrency must be between 1 and 64".into());
    }
    let on_progress = Reflect::get(options, &"onProgress".into()).unwrap_or(JsValue::UNDEFINED);
    let signal = split.signal();
    if !signal.is_undefined() && !signal.is_null() && !glue::is_abort_signal(&signal) {
        return Err("batch options.signal must be an AbortSignal".into());
    }
    Ok((concurrency, on_progress, signal))
}

/// The batch over `client`, a `FreeRouterClient` (a second handle on the same shared state).
pub fn run(client: JsValue, requests: &JsValue, options: &JsValue) -> Promise {
    let (concurrency, on_progress, signal) = match read_options(requests, options) {
        Ok(read) => read,
        Err(why) => return Promise::reject(&to_js(&Error::invalid(why))),
    };
    // Read through JSON.stringify (which reports a throwing getter or Proxy as an error),
    // never element by element through imports that would let such a throw cross wasm.
    let text = match glue::json_stringify(requests) {
        Ok(text) => text,
        Err(e) => return Promise::reject(&e),
    };
    if let Err(e) = crate::core::boundary::parse_argument(&text, "batch requests are", "requests") {
        return Promise::reject(&to_js(&e));
    }
    run_batch(client, &text, concurrency as u32, &on_progress, &signal)
}
