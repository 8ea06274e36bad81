//! Property tests: the catalog parsers and `filter_from_json` never panic on arbitrary input,
//! and whatever they accept can be queried and serialised to valid JSON.

use free_router::core::catalog::{
    filter_from_json, parse_openai_models, parse_openrouter_models, write_model_json, Catalog,
    ModelInfo, ModelStats, ModelStatus,
};
use free_router::core::json::{Map, Value};
use proptest::prelude::*;

/// Keys and strings the parsers look at, so random documents reach the interesting paths.
const KEYS: &[&str] = &[
    "data",
    "models",
    "id",
    "name",
    "description",
    "created",
    "context_length",
    "context_window",
    "max_context_length",
    "architecture",
    "input_modalities",
    "output_modalities",
    "tokenizer",
    "pricing",
    "prompt",
    "completion",
    "request",
    "image",
    "overrides",
    "discount",
    "top_provider",
    "max_completion_tokens",
    "supported_parameters",
    "expiration_date",
    "capabilities",
    "completion_chat",
    "function_calling",
    "vision",
    "active",
    "supportedGenerationMethods",
    "deprecation",
    "type",
    "displayName",
    "inputTokenLimit",
    "free",
    "provider",
    "tools",
    "toolChoice",
    "minContext",
    "maxPromptPrice",
    "search",
    "includeRouters",
    "sort",
    "limit",
];
const STRS: &[&str] = &[
    "0",
    "-1",
    "0.000001",
    "abc",
    "1e400",
    "NaN",
    "tools",
    "tool_choice",
    "structured_outputs",
    "response_format",
    "reasoning",
    "image",
    "text",
    "Router",
    "2026-08-24",
    "2025-02-29",
    "2026-08-24T00:00:00Z",
    "models/gemini-2.5-flash",
    "x:free",
    "~a/b-latest",
    "openrouter/free",
    "generateContent",
    "price",
    "context",
    "é字😀",
    "",
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
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0u32..2_000_000).prop_map(Value::from),
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

/// A model entry: a string id plus random known fields, so entries get past the id check.
fn arb_model() -> impl Strategy<Value = Value> {
    let price_key = prop::sample::select(
        &[
            "prompt",
            "completion",
            "request",
            "image",
            "web_search",
            "overrides",
            "discount",
        ][..],
    );
    (
        arb_str(),
        prop::collection::vec((prop::sample::select(KEYS), arb_json()), 0..5),
        prop::option::of(prop::collection::vec((price_key, arb_json()), 0..4)),
        prop::option::of(prop::collection::vec(arb_str(), 0..5)),
        prop::option::of(prop::collection::vec(arb_str(), 0..3)),
    )
        .prop_map(|(id, extra, pricing, params, inputs)| {
            let mut m: Map = extra.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            m.insert("id".into(), Value::String(id));
            if let Some(p) = pricing {
                let p: Map = p.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                m.insert("pricing".into(), Value::Object(p));
            }
            if let Some(p) = params {
                m.insert("supported_parameters".into(), Value::from(p));
            }
            if let Some(i) = inputs {
                let mut a = Map::new();
                a.insert("input_modalities".into(), Value::from(i));
                m.insert("architecture".into(), Value::Object(a));
            }
            Value::Object(m)
        })
}

/// A model-list-shaped document with random entries.
fn arb_body() -> impl Strategy<Value = String> {
    let entry = prop_oneof![3 => arb_model(), 1 => arb_json()];
    let list = prop::collection::vec(entry, 0..5);
    prop_oneof![
        3 => (list, prop::sample::select(&["data", "models", ""][..])).prop_map(|(v, key)| {
            if key.is_empty() {
                return Value::Array(v).to_string();
            }
            let mut root = Map::new();
            root.insert(key.into(), Value::Array(v));
            Value::Object(root).to_string()
        }),
        1 => arb_json().prop_map(|v| v.to_string()),
        1 => small_string(),
        // Valid JSON cut short at a random point.
        1 => (arb_model(), any::<prop::sample::Index>()).prop_map(|(v, i)| {
            let s = format!("{{\"data\":[{v}]}}");
            let mut cut = i.index(s.len() + 1);
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s[..cut].to_owned()
        }),
    ]
}

fn exercise(models: Vec<ModelInfo>, filter: &Value) {
    let mut c = Catalog::new();
    c.set_provider_models("p", models);
    let mut out = String::from("[");
    for (i, m) in c.models().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_model_json(&mut out, m, ModelStatus::Available, &ModelStats::default());
    }
    out.push(']');
    let parsed: Result<Value, _> = free_router::core::json::from_str(&out);
    assert!(parsed.is_ok(), "invalid JSON output: {out}");
    if let Ok(f) = filter_from_json(filter) {
        let lat = |m: &ModelInfo| m.context_length.map(|c| c as f64);
        let hits = c.query(&f, 1.7e12, &lat);
        assert!(hits.len() <= c.models().len());
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn openrouter_parser_never_panics(body in arb_body(), filter in arb_json()) {
        if let Ok(models) = parse_openrouter_models(&body, "openrouter") {
            exercise(models, &filter);
        }
    }

    #[test]
    fn openai_parser_never_panics(body in arb_body(), free in any::<bool>(),
                                  provider in prop::sample::select(&["groq", "gemini", "mistral", "cerebras", "demo", "lab"][..]),
                                  filter in arb_json()) {
        if let Ok(models) = parse_openai_models(&body, provider, free) {
            exercise(models, &filter);
        }
    }

    #[test]
    fn filter_from_json_never_panics(v in arb_json()) {
        let _ = filter_from_json(&v);
    }
}
