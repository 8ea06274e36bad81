//! `client.fetch`: a standard `fetch` for openai-node, the AI SDK and other OpenAI clients.
//! The work is in src/js/fetch.js, on top of the client's own `chat`, `chatStream` and
//! `listModels`: framing SSE and JSON there costs less than in wasm, and routing stays single.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = bindFetch)]
    fn bind_fetch(client: JsValue) -> JsValue;
}

/// The fetch function over `client`, a `FreeRouterClient` (a second handle on the same shared
/// state). Taken as a JsValue so this module needs nothing of `client`.
pub fn bind(client: JsValue) -> JsValue {
    bind_fetch(client)
}
