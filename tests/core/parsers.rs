//! The remaining parsers never panic on anything, and keep their promises: chunk steps,
//! body sniffing, client and call options, the stored catalog form, adapters.

use free_router::core::body::Body;
use free_router::core::cache;
use free_router::core::json::{Map, Number, Value};
use free_router::core::options::{CallOptions, ClientOptions};
use free_router::core::provider::ProviderKind;
use free_router::core::providers::{for_kind, CallShape};
use free_router::core::wire::{Accumulator, Step};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        // XorShift: several times faster than the default in debug builds.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

/// Keys the parsers look for, so random objects reach their branches.
const KEYS: &[&str] = &[
    "id",
    "model",
    "provider",
    "choices",
    "delta",
    "message",
    "content",
    "reasoning",
    "reasoning_details",
    "text",
    "tool_calls",
    "index",
    "function",
    "name",
    "arguments",
    "finish_reason",
    "usage",
    "error",
    "code",
    "providers",
    "apiKey",
    "baseUrl",
    "kind",
    "models",
    "limits",
    "rpm",
    "requests",
    "perMs",
    "budget",
    "maxUsd",
    "period",
    "strategy",
    "app",
    "title",
    "waitForQuota",
    "timeoutMs",
    "messages",
    "role",
    "max_tokens",
    "seed",
    "data",
];

fn leaf() -> impl Strategy<Value = Value> {
    (
        0u8..7,
        any::<i64>(),
        any::<f64>(),
        "[a-z:/\\.\\-0-9 ]{0,12}",
    )
        .prop_map(|(t, i, f, s)| match t {
            0 => Value::Null,
            1 => Value::Bool(i % 2 == 0),
            2 => Value::from(i),
            3 => Number::from_f64(f).map_or(Value::Null, Value::Number),
            4 => Value::from(s),
            5 => Value::from("openrouter"),
            _ => Value::from(i.rem_euclid(100) as u64),
        })
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        (
            prop::collection::vec((0..KEYS.len(), inner.clone()), 0..6),
            prop::collection::vec(inner, 0..4),
            any::<bool>(),
        )
            .prop_map(|(fields, items, obj)| {
                if obj {
                    let mut m = Map::new();
                    for (k, v) in fields {
                        m.insert(KEYS[k].to_string(), v);
                    }
                    Value::Object(m)
                } else {
                    Value::Array(items)
                }
            })
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn chunk_steps_never_panic(v in json(), raw in ".{0,64}") {
        let mut acc = Accumulator::new();
        let _ = acc.step(&v.to_string());
        let _ = acc.step(&raw);
        // Whatever came before, the accumulated completion is well-formed.
        let c = acc.completion("m");
        prop_assert!(c["choices"][0]["message"]["content"].is_string());
    }

    #[test]
    fn body_sniffing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256), cut in 0usize..256) {
        let mut b = Body::new();
        let mut out = Vec::new();
        let cut = cut.min(bytes.len());
        let r1 = b.feed(&bytes[..cut], &mut out);
        if r1.is_ok() {
            let _ = b.feed(&bytes[cut..], &mut out);
        }
        let _ = b.end(&mut out);
        // Steps are only ever what the decoder produced; [DONE] comes last if at all.
        if let Some(pos) = out.iter().position(|s| *s == Step::Done) {
            prop_assert!(out[pos + 1..].iter().all(|s| *s == Step::Done));
        }
    }

    #[test]
    fn json_bodies_never_panic(v in json()) {
        let mut b = Body::new();
        let mut out = Vec::new();
        let _ = b.feed(v.to_string().as_bytes(), &mut out);
        let _ = b.end(&mut out);
    }

    #[test]
    fn client_options_never_panic(v in json()) {
        let mut wrapped = Map::new();
        wrapped.insert("providers".into(), Value::Array(vec![v.clone()]));
        let _ = ClientOptions::from_json(&v);
        if let Ok(o) = ClientOptions::from_json(&Value::Object(wrapped)) {
            // Anything accepted is safe to use: https, or http to loopback only.
            for p in &o.providers {
                let https = p.base_url.starts_with("https://");
                let http_loop = p.base_url.starts_with("http://localhost")
                    || p.base_url.starts_with("http://127.")
                    || p.base_url.starts_with("http://[::1]");
                prop_assert!(https || http_loop || p.base_url.starts_with("http://") && p.base_url.contains(".localhost"), "{}", p.base_url);
            }
        }
    }

    #[test]
    fn call_options_never_panic(v in json(), wait in any::<u64>()) {
        let _ = CallOptions::from_json(&v, wait);
    }

    #[test]
    fn cache_form_never_panics(s in ".{0,80}", body in ".{0,80}", at in any::<u32>()) {
        let _ = cache::unwrap(&s);
        let _ = cache::trim(&s);
        prop_assert_eq!(cache::unwrap(&cache::wrap(at as f64, &body)), Some((at as f64, body)));
    }

    #[test]
    fn adapters_never_panic_and_always_stream(v in json(), kind in 0usize..6, cap in proptest::option::of(0u64..100_000)) {
        let kinds = [ProviderKind::OpenRouter, ProviderKind::Groq, ProviderKind::Gemini, ProviderKind::Mistral, ProviderKind::Cerebras, ProviderKind::OpenAiCompatible];
        let req = match v { Value::Object(m) => m, _ => Map::new() };
        let call = CallShape { model: "m", session: Some("s"), max_tokens: cap };
        let body = for_kind(kinds[kind]).chat_body(&req, &call);
        prop_assert_eq!(body.get("stream"), Some(&Value::Bool(true)));
        prop_assert_eq!(body.get("model"), Some(&Value::from("m")));
        prop_assert!(body.get("models").is_none());
        if let Some(c) = cap {
            let sent = ["max_tokens", "max_completion_tokens"].iter().filter_map(|k| body.get(k).and_then(Value::as_u64)).max();
            prop_assert!(sent.is_some_and(|s| s <= c), "cap {c} not enforced: {body:?}");
        }
    }
}
