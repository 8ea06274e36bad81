//! Browser tests: the client in headless Chromium against an injected fetch that returns
//! `Response(ReadableStream)` bodies. The scenarios live in tests/js/scenarios.js.
#![cfg(target_arch = "wasm32")]

use free_router::web::client::FreeRouterClient;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/js/scenarios.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn run(
        name: &str,
        make: &js_sys::Function,
        fixtures: &JsValue,
    ) -> Result<JsValue, JsValue>;
}

fn fixtures() -> JsValue {
    let o = Object::new();
    for (k, v) in [
        (
            "textUsage",
            include_str!("fixtures/sse_text-usage_gpt-4o-mini_2026-07.txt"),
        ),
        (
            "toolCall",
            include_str!("fixtures/sse_tool-call_gpt-4.1-mini.txt"),
        ),
        (
            "reasoning",
            include_str!("fixtures/sse_reasoning_claude-sonnet-4.5.txt"),
        ),
        (
            "midstream",
            include_str!("fixtures/sse_midstream-error_minimax-m2-free.txt"),
        ),
        ("errors", include_str!("fixtures/errors.jsonl")),
    ] {
        Reflect::set(&o, &k.into(), &v.into()).unwrap();
    }
    let catalog = js_sys::JSON::parse(include_str!("fixtures/models_2026-08.json")).unwrap();
    Reflect::set(&o, &"catalog".into(), &catalog).unwrap();
    o.into()
}

async fn scenario(name: &str) {
    let make = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(|opts: JsValue| {
        FreeRouterClient::new(opts).map(JsValue::from)
    });
    // `make.memory()` gives scenarios the wasm memory, to check it stays bounded.
    Reflect::set(
        make.as_ref(),
        &"memory".into(),
        &Closure::<dyn Fn() -> JsValue>::new(wasm_bindgen::memory).into_js_value(),
    )
    .unwrap();
    let r = run(name, make.as_ref().unchecked_ref(), &fixtures()).await;
    if let Err(e) = r {
        let msg = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        panic!("scenario {name} failed: {msg}");
    }
}

#[wasm_bindgen_test]
async fn chunked_stream() {
    scenario("chunkedStream").await
}
#[wasm_bindgen_test]
async fn request_shape() {
    scenario("requestShape").await
}
#[wasm_bindgen_test]
async fn tool_call_stream() {
    scenario("toolCallStream").await
}
#[wasm_bindgen_test]
async fn reasoning_stream() {
    scenario("reasoningStream").await
}
#[wasm_bindgen_test]
async fn slow_then_abort() {
    scenario("slowThenAbort").await
}
#[wasm_bindgen_test]
async fn timeout() {
    scenario("timeout").await
}
#[wasm_bindgen_test]
async fn body_reads() {
    scenario("bodyReads").await
}
#[wasm_bindgen_test]
async fn status_429() {
    scenario("status429").await
}
#[wasm_bindgen_test]
async fn status_500_and_html() {
    scenario("status500AndHtml").await
}
#[wasm_bindgen_test]
async fn http_200_error_payload() {
    scenario("http200ErrorPayload").await
}
#[wasm_bindgen_test]
async fn mid_stream_error() {
    scenario("midStreamError").await
}
#[wasm_bindgen_test]
async fn truncated() {
    scenario("truncated").await
}
#[wasm_bindgen_test]
async fn consumption() {
    scenario("consumption").await
}
#[wasm_bindgen_test]
async fn network_and_bad_input() {
    scenario("networkAndBadInput").await
}
#[wasm_bindgen_test]
async fn events_never_leak_key() {
    scenario("eventsNeverLeakKey").await
}

#[wasm_bindgen_test]
async fn catalog_and_filters() {
    scenario("catalogAndFilters").await
}
#[wasm_bindgen_test]
async fn catalog_cache_and_stale() {
    scenario("catalogCacheAndStale").await
}
#[wasm_bindgen_test]
async fn catalog_objects() {
    scenario("catalogObjects").await
}
#[wasm_bindgen_test]
async fn catalog_persist_round_trip() {
    scenario("catalogPersistRoundTrip").await
}
#[wasm_bindgen_test]
async fn catalog_objects_follow_changes() {
    scenario("catalogObjectsFollowChanges").await
}
#[wasm_bindgen_test]
async fn scripted_fallback() {
    scenario("scriptedFallback").await
}
#[wasm_bindgen_test]
async fn daily_limit_stops_pool() {
    scenario("dailyLimitStopsPool").await
}
#[wasm_bindgen_test]
async fn eviction_and_readmission() {
    scenario("evictionAndReadmission").await
}
#[wasm_bindgen_test]
async fn needs_drive_choice() {
    scenario("needsDriveChoice").await
}
#[wasm_bindgen_test]
async fn sessions_stick() {
    scenario("sessionsStick").await
}
#[wasm_bindgen_test]
async fn router_and_seeded() {
    scenario("routerAndSeeded").await
}
#[wasm_bindgen_test]
async fn resume_on_error() {
    scenario("resumeOnError").await
}
#[wasm_bindgen_test]
async fn quota_ledger() {
    scenario("quotaLedger").await
}
#[wasm_bindgen_test]
async fn key_info_auto_refresh() {
    scenario("keyInfoAutoRefresh").await
}
#[wasm_bindgen_test]
async fn two_clients_share_limit() {
    scenario("twoClientsShareLimit").await
}
#[wasm_bindgen_test]
async fn batch_declared_window() {
    scenario("batchDeclaredWindow").await
}
#[wasm_bindgen_test]
async fn batch_learns_window() {
    scenario("batchLearnsWindow").await
}
#[wasm_bindgen_test]
async fn abort_while_waiting() {
    scenario("abortWhileWaiting").await
}
#[wasm_bindgen_test]
async fn provider_adapters() {
    scenario("providerAdapters").await
}
#[wasm_bindgen_test]
async fn catalog_auth_takes_provider_out() {
    scenario("catalogAuthTakesProviderOut").await
}
#[wasm_bindgen_test]
async fn cross_provider_fallback() {
    scenario("crossProviderFallback").await
}
#[wasm_bindgen_test]
async fn spill_to_paid() {
    scenario("spillToPaid").await
}
#[wasm_bindgen_test]
async fn budget_never_exceeded() {
    scenario("budgetNeverExceeded").await
}
#[wasm_bindgen_test]
async fn zero_budget_never_pays() {
    scenario("zeroBudgetNeverPays").await
}
#[wasm_bindgen_test]
async fn hostile_bodies() {
    scenario("hostileBodies").await
}
#[wasm_bindgen_test]
async fn storage_trouble() {
    scenario("storageTrouble").await
}
#[wasm_bindgen_test]
async fn abort_refunds() {
    scenario("abortRefunds").await
}
#[wasm_bindgen_test]
async fn keys_stay_home() {
    scenario("keysStayHome").await
}
#[wasm_bindgen_test]
async fn waiting_outlasts_rate_limits() {
    scenario("waitingOutlastsRateLimits").await
}
#[wasm_bindgen_test]
async fn soak() {
    scenario("soak").await
}
#[wasm_bindgen_test]
async fn pre_first_token_reads() {
    scenario("preFirstTokenReads").await
}
#[wasm_bindgen_test]
async fn ledger_own_broadcast() {
    scenario("ledgerOwnBroadcast").await
}
#[wasm_bindgen_test]
async fn ledger_write_behind() {
    scenario("ledgerWriteBehind").await
}
#[wasm_bindgen_test]
async fn two_clients_far_then_near() {
    scenario("twoClientsFarThenNear").await
}
#[wasm_bindgen_test]
async fn budget_two_clients() {
    scenario("budgetTwoClients").await
}
#[wasm_bindgen_test]
async fn attempt_timeout() {
    scenario("attemptTimeout").await
}
#[wasm_bindgen_test]
async fn bad_answers_fall_back() {
    scenario("badAnswersFallBack").await
}
#[wasm_bindgen_test]
async fn refused_parameter_retried() {
    scenario("refusedParameterRetried").await
}
#[wasm_bindgen_test]
async fn final_error_lists_skipped() {
    scenario("finalErrorListsSkipped").await
}
#[wasm_bindgen_test]
async fn sticky_auto() {
    scenario("stickyAuto").await
}
