//! `filter_from_json`: API.md's camelCase ModelFilter, with errors that name the field.

use free_router::core::catalog::{filter_from_json, Capability, ModelFilter, SortKey};
use free_router::core::error::ErrorCode;
use free_router::core::json::Value;
use free_router::json;

fn err(v: Value) -> String {
    let e = filter_from_json(&v).expect_err("should fail");
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    e.message
}

#[test]
fn defaults() {
    let d = ModelFilter::default();
    assert_eq!(d.free, Some(true));
    assert!(d.caps.is_empty() && !d.include_routers && !d.include_expired);
    assert_eq!(filter_from_json(&Value::Null).expect("null"), d);
    assert_eq!(filter_from_json(&json!({})).expect("empty"), d);
}

#[test]
fn every_field() {
    let f = filter_from_json(&json!({
        "free": false, "provider": "groq", "vision": true, "tools": true, "toolChoice": true,
        "structuredOutputs": true, "jsonMode": true, "reasoning": true, "minContext": 32000,
        "maxPromptPrice": 0.5, "search": "Llama", "includeRouters": true, "includeExpired": true,
        "sort": "price", "limit": 5
    }))
    .expect("valid");
    assert_eq!(
        f,
        ModelFilter {
            free: Some(false),
            provider: Some("groq".into()),
            caps: Capability::ALL.to_vec(),
            min_context: Some(32000),
            max_prompt_price: Some(0.5),
            search: Some("Llama".into()),
            include_routers: true,
            include_expired: true,
            sort: Some(SortKey::Price),
            limit: Some(5),
        }
    );
}

#[test]
fn nulls_and_false_flags() {
    let f = filter_from_json(&json!({
        "free": null, "provider": null, "vision": false, "tools": null, "minContext": null,
        "maxPromptPrice": null, "search": "", "includeRouters": null, "sort": null, "limit": null
    }))
    .expect("valid");
    // `free: null` = free and paid; a false capability flag is "don't care", not "must lack".
    assert_eq!(
        f,
        ModelFilter {
            free: None,
            ..ModelFilter::default()
        }
    );
}

#[test]
fn numbers() {
    let f = filter_from_json(&json!({"minContext": 1000.2, "limit": 3.0, "maxPromptPrice": 0}))
        .expect("valid");
    assert_eq!(f.min_context, Some(1001));
    assert_eq!(f.limit, Some(3));
    assert_eq!(f.max_prompt_price, Some(0.0));
    let f = filter_from_json(&json!({"tools": true, "vision": true})).expect("valid");
    assert_eq!(f.caps, [Capability::Vision, Capability::Tools]);
}

#[test]
fn sort_keys() {
    for (s, k) in [
        ("context", SortKey::Context),
        ("price", SortKey::Price),
        ("latency", SortKey::Latency),
        ("newest", SortKey::Newest),
        ("id", SortKey::Id),
    ] {
        assert_eq!(SortKey::from_str(s), Some(k));
        assert_eq!(k.as_str(), s);
        assert_eq!(
            filter_from_json(&json!({ "sort": s })).expect("valid").sort,
            Some(k)
        );
    }
    assert_eq!(SortKey::from_str("Price"), None);
}

#[test]
fn wrong_types_name_the_field() {
    assert_eq!(
        err(json!({"minContext": "abc"})),
        "filter.minContext must be a non-negative number, got \"abc\""
    );
    assert_eq!(
        err(json!({"minContext": -1})),
        "filter.minContext must be a non-negative number, got -1"
    );
    assert_eq!(
        err(json!({"maxPromptPrice": -0.5})),
        "filter.maxPromptPrice must be a non-negative number, got -0.5"
    );
    assert_eq!(
        err(json!({"free": "yes"})),
        "filter.free must be true or false, got \"yes\""
    );
    assert_eq!(
        err(json!({"tools": 1})),
        "filter.tools must be true or false, got 1"
    );
    assert_eq!(
        err(json!({"includeRouters": []})),
        "filter.includeRouters must be true or false, got []"
    );
    assert_eq!(
        err(json!({"provider": 5})),
        "filter.provider must be a string, got 5"
    );
    assert_eq!(
        err(json!({"search": {"q": "x"}})),
        "filter.search must be a string, got {\"q\":\"x\"}"
    );
    assert_eq!(
        err(json!({"sort": "cheapest"})),
        "filter.sort must be one of \"context\", \"price\", \"latency\", \"newest\", \"id\", got \"cheapest\""
    );
    assert_eq!(
        err(json!({"sort": 1})),
        "filter.sort must be one of \"context\", \"price\", \"latency\", \"newest\", \"id\", got 1"
    );
    assert_eq!(
        err(json!({"limit": 2.5})),
        "filter.limit must be a non-negative integer, got 2.5"
    );
    assert_eq!(
        err(json!({"limit": -3})),
        "filter.limit must be a non-negative integer, got -3"
    );
    for name in [
        "vision",
        "toolChoice",
        "structuredOutputs",
        "jsonMode",
        "reasoning",
        "includeExpired",
    ] {
        let msg = err(json!({ name: "true" }));
        assert!(
            msg.starts_with(&format!("filter.{name} must be true or false")),
            "{msg}"
        );
    }
    // Long values are cut.
    let long = "x".repeat(500);
    let msg = err(json!({ "provider": [long] }));
    assert!(msg.len() < 140, "{msg}");
    assert!(msg.ends_with("..."), "{msg}");
}

#[test]
fn unknown_fields_and_non_objects() {
    let msg = err(json!({"tool": true}));
    assert!(
        msg.starts_with("filter.tool is not a known filter field; known fields: free, provider,"),
        "{msg}"
    );
    let msg = err(json!({"min_context": 100}));
    assert!(
        msg.starts_with("filter.min_context is not a known"),
        "{msg}"
    );
    let msg = err(json!({ "é".repeat(100): 1 }));
    assert!(msg.starts_with("filter.éé"), "{msg}");
    for v in [json!([]), json!("free"), json!(true), json!(3)] {
        let msg = err(v);
        assert!(msg.starts_with("filter must be an object"), "{msg}");
    }
}
