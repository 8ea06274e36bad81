//! Property tests: `analyse` and `explain_no_candidates` never panic on arbitrary requests.

use free_router::core::catalog::{parse_openrouter_models, Catalog, ModelFilter};
use free_router::core::json::{Map, Value};
use free_router::core::needs::{analyse, explain_no_candidates};
use free_router::json;
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "messages",
    "role",
    "content",
    "type",
    "text",
    "image_url",
    "url",
    "input_image",
    "file",
    "input_audio",
    "tool_calls",
    "function_call",
    "tools",
    "tool_choice",
    "function",
    "name",
    "response_format",
    "json_schema",
    "reasoning",
    "enabled",
    "effort",
    "reasoning_effort",
    "max_tokens",
    "max_completion_tokens",
];
const STRS: &[&str] = &[
    "system",
    "developer",
    "user",
    "assistant",
    "tool",
    "bot",
    "image_url",
    "input_image",
    "text",
    "auto",
    "none",
    "required",
    "function",
    "json_schema",
    "json_object",
    "high",
    "",
    "é字😀",
];

/// XorShift instead of the default ChaCha: several times faster in debug builds, and these
/// tests need volume, not cryptographic randomness.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

fn arb_str() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(STRS).prop_map(str::to_owned),
        1 => small_string(),
    ]
}

/// Short random text (the default String strategy is regex-driven and slow in debug builds).
fn small_string() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0u64..100_000).prop_map(Value::from),
        arb_str().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        let key = prop_oneof![
            4 => prop::sample::select(KEYS).prop_map(str::to_owned),
            1 => small_string(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map>())),
        ]
    })
}

/// Mostly well-formed requests with random parts, so validation passes often enough to reach
/// the capability and token paths.
fn arb_request() -> impl Strategy<Value = Value> {
    let role = prop_oneof![
        4 => prop::sample::select(&["system", "user", "assistant", "tool", "developer"][..])
            .prop_map(Value::from),
        1 => arb_json(),
    ];
    let part = prop_oneof![
        3 => arb_str().prop_map(|t| json!({"type": "text", "text": t})),
        2 => arb_str().prop_map(|u| json!({"type": "image_url", "image_url": {"url": u}})),
        1 => arb_json(),
    ];
    let content = prop_oneof![
        3 => arb_str().prop_map(Value::String),
        3 => prop::collection::vec(part, 0..4).prop_map(Value::Array),
        1 => Just(Value::Null),
        1 => arb_json(),
    ];
    let message = (role, content, any::<bool>(), arb_json()).prop_map(|(r, c, calls, tc)| {
        let mut m = json!({"role": r, "content": c});
        if calls {
            if let Value::Object(o) = &mut m {
                o.insert("tool_calls".into(), tc);
            }
        }
        m
    });
    (
        prop::collection::vec(message, 0..5),
        prop::collection::vec((prop::sample::select(KEYS), arb_json()), 0..4),
    )
        .prop_map(|(msgs, extra)| {
            let mut o = Map::new();
            o.insert("messages".into(), Value::Array(msgs));
            for (k, v) in extra {
                if k != "messages" {
                    o.insert(k.to_owned(), v);
                }
            }
            Value::Object(o)
        })
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn analyse_never_panics_on_any_value(v in arb_json()) {
        let _ = analyse(&v);
    }

    #[test]
    fn analyse_never_panics_on_request_shapes(v in arb_request()) {
        if let Ok(n) = analyse(&v) {
            prop_assert!(n.caps.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(n.min_context >= n.prompt_tokens);
        }
    }
}

#[test]
fn explain_never_panics_over_the_fixture() {
    let body = include_str!("../../fixtures/models_2026-08.json");
    let mut c = Catalog::new();
    c.set_provider_models(
        "openrouter",
        parse_openrouter_models(body, "openrouter").expect("parses"),
    );
    let pool = c.query(&ModelFilter::default(), 1.7e12, &|_| None);
    let mut runner = proptest::test_runner::TestRunner::new(config(2_000));
    runner
        .run(&arb_request(), |v| {
            if let Ok(n) = analyse(&v) {
                let e = explain_no_candidates(&n, &pool);
                prop_assert!(!e.message.is_empty());
                let e = explain_no_candidates(&n, &pool[..pool.len().min(2)]);
                prop_assert!(!e.message.is_empty());
            }
            Ok(())
        })
        .expect("no failures");
}
