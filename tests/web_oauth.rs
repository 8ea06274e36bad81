//! Browser tests of Sign in with OpenRouter (OAuth PKCE): the static methods of
//! `FreeRouterClient` in headless Chromium against an injected fetch. The scenarios live in
//! tests/js/oauth.js.
#![cfg(target_arch = "wasm32")]

use free_router::web::client::FreeRouterClient;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/js/oauth.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn run(name: &str, api: &JsValue) -> Result<JsValue, JsValue>;
}

async fn scenario(name: &str) {
    let auth_url = Closure::<dyn Fn(JsValue) -> Promise>::new(|opts: JsValue| {
        FreeRouterClient::open_router_auth_url(opts)
    });
    let complete =
        Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(|href: JsValue, opts: JsValue| {
            FreeRouterClient::complete_open_router_auth(href, Some(opts))
        });
    let api = Object::new();
    Reflect::set(&api, &"authUrl".into(), auth_url.as_ref()).unwrap();
    Reflect::set(&api, &"complete".into(), complete.as_ref()).unwrap();
    if let Err(e) = run(name, &api.into()).await {
        let msg = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        panic!("scenario {name} failed: {msg}");
    }
}

#[wasm_bindgen_test]
async fn challenge_is_s256_of_the_stored_verifier() {
    scenario("challengeIsS256").await
}
#[wasm_bindgen_test]
async fn auth_url_without_crypto_subtle() {
    scenario("withoutSubtle").await
}
#[wasm_bindgen_test]
async fn auth_url_params_are_exact() {
    scenario("urlParamsExact").await
}
#[wasm_bindgen_test]
async fn callback_url_must_be_absolute_http() {
    scenario("callbackUrlChecked").await
}
#[wasm_bindgen_test]
async fn exchange_request_shape_and_single_use() {
    scenario("exchangeAndSingleUse").await
}
#[wasm_bindgen_test]
async fn verifier_removed_after_failure() {
    scenario("removedAfterFailure").await
}
#[wasm_bindgen_test]
async fn forbidden_expired_and_invalid() {
    scenario("forbiddenExpiredInvalid").await
}
#[wasm_bindgen_test]
async fn bad_request_and_method_not_allowed() {
    scenario("badRequestAndMethod").await
}
#[wasm_bindgen_test]
async fn network_failure_is_network() {
    scenario("networkFailure").await
}
#[wasm_bindgen_test]
async fn malformed_answer_is_parse() {
    scenario("malformedAnswer").await
}
#[wasm_bindgen_test]
async fn null_without_code() {
    scenario("nullWithoutCode").await
}
#[wasm_bindgen_test]
async fn base_url_option() {
    scenario("baseUrlOption").await
}
