//! Size probe: the sans-IO core alone in a wasm module, without the web layer. Each export
//! drives one part (decode, ledger, catalog, options, classify) so LTO keeps what that part
//! needs. Not shipped; built by bench/core-size/run.sh. Raw pointers keep the bindings out.
#![allow(clippy::missing_safety_doc, clippy::not_unsafe_ptr_arg_deref)]

use free_router::core::*;
use std::hint::black_box;
fn s<'a>(p: *const u8, n: usize) -> &'a str {
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(p, n)) }
}
#[no_mangle]
pub extern "C" fn alloc(n: usize) -> *mut u8 { let mut v = Vec::<u8>::with_capacity(n); let p = v.as_mut_ptr(); std::mem::forget(v); p }
#[no_mangle]
pub extern "C" fn decode(p: *const u8, n: usize) -> usize {
    let mut b = body::Body::new();
    let mut out = Vec::new();
    let _ = b.feed(s(p, n).as_bytes(), &mut out);
    let _ = b.end(&mut out);
    black_box(&out);
    let v = b.acc.completion("m");
    json::to_string(&v).len() + out.len()
}
#[no_mangle]
pub extern "C" fn ledger(p: *const u8, n: usize, now: f64) -> usize {
    let Ok(mut l) = quota::Ledger::from_json(s(p, n)) else { return 0 };
    l.gc(now);
    let other = l.clone();
    l.merge(&other);
    black_box(l.snapshot(now));
    black_box(l.spend(now));
    l.to_json().len()
}
#[no_mangle]
pub extern "C" fn cat(p: *const u8, n: usize, q: *const u8, m: usize, now: f64) -> usize {
    let Ok(models) = catalog::parse_openrouter_models(s(p, n), "openrouter") else { return 1 };
    let models2 = catalog::parse_openai_models(s(p, n), "groq", true).unwrap_or_default();
    let mut c = catalog::Catalog::new();
    c.set_provider_models("openrouter", models);
    c.set_provider_models("groq", models2);
    let Ok(v) = json::from_str(s(q, m)) else { return 2 };
    let Ok(f) = catalog::filter_from_json(&v) else { return 3 };
    let hits = c.query_idx(&f, now, &|_| None);
    let mut out = String::new();
    for i in &hits { catalog::write_model_json(&mut out, &c.models()[*i], catalog::ModelStatus::Available, &Default::default()); }
    out.len()
}
#[no_mangle]
pub extern "C" fn opts(p: *const u8, n: usize) -> usize {
    let Ok(v) = json::from_str(s(p, n)) else { return 2 };
    match options::ClientOptions::from_json(&v) { Ok(o) => black_box(o).providers.len(), Err(e) => e.message.len() }
}
#[no_mangle]
pub extern "C" fn cls(p: *const u8, n: usize, st: u16) -> usize {
    let h: Vec<(String,String)> = vec![("retry-after".into(), "3".into())];
    let inp = classify::ErrorInput { provider: "openrouter", kind: provider::ProviderKind::OpenRouter, model: "m", status: st, headers: &h, body: s(p, n), now_ms: 1.0, is_free_model: true, retry_after_cap_ms: 60000 };
    let c = classify::classify(&inp);
    black_box(&c);
    c.error.message.len()
}
