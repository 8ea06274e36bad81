use crate::core::json::{Map, Value};
use crate::json;

use super::*;

fn req(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn body(kind: ProviderKind, r: Value, model: &str) -> Value {
    let call = CallShape {
        model,
        session: Some("s1"),
        max_tokens: None,
    };
    Value::Object(for_kind(kind).chat_body(&req(r), &call))
}

fn full() -> Value {
    json!({
        "model": "auto", "models": ["a", "b"], "stream": false, "session_id": "x",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.3, "seed": 7, "max_completion_tokens": 500,
        "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required",
        "reasoning": {"effort": "low"}, "provider": {"order": ["x"]}, "plugins": [{"id": "web"}],
        "logit_bias": {"1": 2}, "user": "u"
    })
}

#[test]
fn openrouter_keeps_its_routing_fields_and_never_sends_models() {
    let b = body(ProviderKind::OpenRouter, full(), "a/b:free");
    assert_eq!(b["model"], "a/b:free");
    assert_eq!(b["stream"], true);
    assert_eq!(b["session_id"], "s1");
    assert_eq!(b["provider"]["order"][0], "x");
    assert_eq!(b["plugins"][0]["id"], "web");
    assert_eq!(b["reasoning"]["effort"], "low");
    assert!(b.get("models").is_none());
    assert!(b.get("stream_options").is_none());
    assert!(for_kind(ProviderKind::OpenRouter).attribution());
    assert!(!for_kind(ProviderKind::Groq).attribution());
}

#[test]
fn compat_strips_openrouter_fields_and_asks_for_usage() {
    let b = body(ProviderKind::OpenAiCompatible, full(), "llama3.2");
    for k in ["models", "session_id", "provider", "plugins"] {
        assert!(b.get(k).is_none(), "{k}");
    }
    assert_eq!(b["stream_options"]["include_usage"], true);
    assert_eq!(b["logit_bias"]["1"], 2);
    assert_eq!(b["model"], "llama3.2");
}

#[test]
fn groq_maps_reasoning_to_effort() {
    let b = body(ProviderKind::Groq, full(), "openai/gpt-oss-20b");
    assert!(b.get("reasoning").is_none());
    assert_eq!(b["reasoning_effort"], "low");
    assert_eq!(b["stream_options"]["include_usage"], true);
    assert!(b.get("provider").is_none());
}

#[test]
fn gemini_sends_only_what_it_accepts_and_drops_the_models_prefix() {
    let b = body(ProviderKind::Gemini, full(), "models/gemini-2.5-flash");
    assert_eq!(b["model"], "gemini-2.5-flash");
    for k in [
        "logit_bias",
        "user",
        "provider",
        "plugins",
        "reasoning",
        "session_id",
    ] {
        assert!(b.get(k).is_none(), "{k}");
    }
    assert_eq!(b["reasoning_effort"], "low");
    assert_eq!(b["max_completion_tokens"], 500);
    assert_eq!(b["tools"][0]["function"]["name"], "f");
}

#[test]
fn mistral_renames_and_rejects_nothing_it_would_422_on() {
    let b = body(ProviderKind::Mistral, full(), "mistral-small-latest");
    assert_eq!(b["random_seed"], 7);
    assert!(b.get("seed").is_none());
    assert_eq!(b["max_tokens"], 500);
    assert!(b.get("max_completion_tokens").is_none());
    assert_eq!(b["tool_choice"], "any");
    for k in ["logit_bias", "user", "stream_options", "reasoning"] {
        assert!(b.get(k).is_none(), "{k}");
    }
}

#[test]
fn cerebras_always_caps_completion_tokens() {
    let b = body(
        ProviderKind::Cerebras,
        json!({"messages": [{"role": "user", "content": "x"}]}),
        "llama-3.3-70b",
    );
    assert_eq!(
        b["max_completion_tokens"],
        cerebras::DEFAULT_MAX_COMPLETION_TOKENS
    );
    let b = body(ProviderKind::Cerebras, full(), "llama-3.3-70b");
    assert_eq!(b["max_completion_tokens"], 500);
    let b = body(
        ProviderKind::Cerebras,
        json!({"messages": [], "max_tokens": 90000}),
        "m",
    );
    assert_eq!(
        b["max_completion_tokens"],
        cerebras::DEFAULT_MAX_COMPLETION_TOKENS
    );
    assert!(b.get("max_tokens").is_none());
}

#[test]
fn a_router_cap_bounds_the_reply() {
    let call = CallShape {
        model: "p/paid",
        session: None,
        max_tokens: Some(1000),
    };
    let r = req(json!({"messages": [], "max_tokens": 50000}));
    let b = for_kind(ProviderKind::OpenRouter).chat_body(&r, &call);
    assert_eq!(b["max_tokens"], 1000);
    let r = req(json!({"messages": [], "max_tokens": 200}));
    let b = for_kind(ProviderKind::OpenRouter).chat_body(&r, &call);
    assert_eq!(b["max_tokens"], 200);
    let r = req(json!({"messages": []}));
    let b = for_kind(ProviderKind::OpenRouter).chat_body(&r, &call);
    assert_eq!(b["max_tokens"], 1000);
}
