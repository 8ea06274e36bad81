//! `analyse` (what a request needs) and `explain_no_candidates`.

use free_router::core::catalog::{
    parse_openrouter_models, CapSet, Capability, Catalog, ModelFilter, ModelInfo, Pricing,
};
use free_router::core::error::ErrorCode;
use free_router::core::json::Value;
use free_router::core::needs::{analyse, explain_no_candidates, Needs};
use free_router::json;

use Capability::*;

fn needs(v: Value) -> Needs {
    analyse(&v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn caps(v: Value) -> Vec<Capability> {
    needs(v).caps
}

fn user(content: Value) -> Value {
    json!({"messages": [{"role": "user", "content": content}]})
}

fn with(extra: Value) -> Value {
    let mut v = json!({"messages": [{"role": "user", "content": "hi"}]});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v
}

fn err(v: Value) -> String {
    let e = analyse(&v).expect_err("should fail");
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    e.message
}

#[test]
fn plain_text() {
    let n = needs(user(json!("Hello")));
    // 3 reply-priming + 4 per message + ceil(5 / 4).
    assert_eq!(
        n,
        Needs {
            caps: vec![],
            prompt_tokens: 9,
            max_tokens: None,
            min_context: 9 + 256,
        }
    );
}

#[test]
fn context_estimate() {
    let long = "a".repeat(4000);
    let n = needs(json!({"messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": long},
    ], "max_tokens": 500}));
    assert_eq!(n.prompt_tokens, 3 + 4 + 4 + 4 + 1000);
    assert_eq!(n.max_tokens, Some(500));
    assert_eq!(n.min_context, n.prompt_tokens + 500);

    // Multi-byte text weighs by bytes: 1000 CJK chars = 3000 bytes = 750 tokens.
    let n = needs(user(json!("字".repeat(1000))));
    assert_eq!(n.prompt_tokens, 3 + 4 + 750);

    // An image costs a flat 1000, however long its data URL.
    let url = format!("data:image/png;base64,{}", "A".repeat(100_000));
    let n = needs(user(json!([
        {"type": "text", "text": "abcd"},
        {"type": "image_url", "image_url": {"url": url}}
    ])));
    assert_eq!(n.prompt_tokens, 3 + 4 + 1 + 1000);

    // Tools count their JSON size.
    let tools = json!([{"type": "function", "function": {"name": "f", "parameters": {}}}]);
    let len = tools.to_string().len() as u64;
    let n = needs(with(json!({ "tools": tools })));
    let base = needs(with(json!({}))).prompt_tokens;
    assert!(
        n.prompt_tokens >= base + len / 4,
        "{} vs {}",
        n.prompt_tokens,
        base + len / 4
    );
    assert!(n.prompt_tokens <= base + len / 4 + 10);

    // Assistant tool calls count too.
    let n = needs(json!({"messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"}
    ]}));
    assert!(n.prompt_tokens > 3 + 12 + 2 + 2 + 10, "{}", n.prompt_tokens);
}

#[test]
fn max_tokens_variants() {
    assert_eq!(needs(with(json!({"max_tokens": 64}))).max_tokens, Some(64));
    assert_eq!(
        needs(with(json!({"max_completion_tokens": 128}))).max_tokens,
        Some(128)
    );
    assert_eq!(
        needs(with(
            json!({"max_tokens": 64, "max_completion_tokens": 128})
        ))
        .max_tokens,
        Some(64)
    );
    assert_eq!(needs(with(json!({"max_tokens": null}))).max_tokens, None);
    assert_eq!(
        needs(with(json!({"max_tokens": 100.0}))).max_tokens,
        Some(100)
    );
    let n = needs(with(json!({"max_tokens": 0})));
    assert_eq!(n.min_context, n.prompt_tokens);
}

#[test]
fn images() {
    for part in [
        json!({"type": "image_url", "image_url": {"url": "https://x/y.png"}}),
        json!({"type": "image_url", "image_url": "https://x/y.png"}),
        json!({"type": "input_image", "image_url": "https://x/y.png"}),
        json!({"type": "input_image", "file_id": "f1"}),
        json!({"image_url": {"url": "https://x/y.png"}}),
    ] {
        assert_eq!(caps(user(json!([part]))), [Vision], "{part}");
    }
    // Images anywhere in the conversation count, once.
    let two = json!({"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "a"}}]},
        {"role": "assistant", "content": "a cat"},
        {"role": "user", "content": [{"type": "text", "text": "and"},
                                     {"type": "image_url", "image_url": {"url": "b"}}]}
    ]});
    let n = needs(two);
    assert_eq!(n.caps, [Vision]);
    assert!(n.prompt_tokens >= 2000);
    // Text, files and audio are not images.
    assert!(caps(user(json!([{"type": "text", "text": "image_url"}]))).is_empty());
    assert!(caps(user(json!([{"type": "file", "file": {"file_data": "x"}}]))).is_empty());
    assert!(caps(user(
        json!([{"type": "input_audio", "input_audio": {"data": "x"}}])
    ))
    .is_empty());
    assert!(caps(user(json!([]))).is_empty());
}

#[test]
fn tools_and_tool_choice() {
    let tools = json!([{"type": "function", "function": {"name": "f"}}]);
    assert_eq!(caps(with(json!({ "tools": tools }))), [Tools]);
    assert!(caps(with(json!({"tools": []}))).is_empty());
    assert!(caps(with(json!({"tools": null}))).is_empty());
    for (choice, want) in [
        (json!("auto"), vec![Tools]),
        (json!("none"), vec![Tools]),
        (json!(null), vec![Tools]),
        (json!("required"), vec![Tools, ToolChoice]),
        (
            json!({"type": "function", "function": {"name": "f"}}),
            vec![Tools, ToolChoice],
        ),
    ] {
        assert_eq!(
            caps(with(json!({"tools": tools, "tool_choice": choice}))),
            want,
            "{choice}"
        );
    }
    assert_eq!(caps(with(json!({"tool_choice": "required"}))), [ToolChoice]);
}

#[test]
fn response_format() {
    let schema =
        json!({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}});
    assert_eq!(
        caps(with(json!({ "response_format": schema }))),
        [StructuredOutputs]
    );
    assert_eq!(
        caps(with(json!({"response_format": {"type": "json_object"}}))),
        [JsonMode]
    );
    assert!(caps(with(json!({"response_format": {"type": "text"}}))).is_empty());
    assert!(caps(with(json!({"response_format": null}))).is_empty());
    // Schemas add to the prompt.
    let big = json!({"type": "json_schema", "json_schema": {"name": "x", "schema": {"description": "d".repeat(400)}}});
    let n = needs(with(json!({ "response_format": big })));
    assert!(n.prompt_tokens >= needs(with(json!({}))).prompt_tokens + 100);
}

#[test]
fn reasoning_only_when_asked() {
    for (r, want) in [
        (json!({}), true),
        (json!({"effort": "high"}), true),
        (json!({"max_tokens": 2000}), true),
        (json!({"enabled": true}), true),
        (json!({"exclude": true}), true),
        (json!({"enabled": false}), false),
        (json!({"effort": "none"}), false),
        (json!(null), false),
    ] {
        let got = caps(with(json!({ "reasoning": r })));
        assert_eq!(got == [Reasoning], want, "{r}");
    }
    assert_eq!(caps(with(json!({"reasoning_effort": "low"}))), [Reasoning]);
    assert!(caps(with(json!({"reasoning_effort": "none"}))).is_empty());
    assert!(caps(with(json!({}))).is_empty());
}

#[test]
fn caps_sorted_and_deduplicated() {
    let v = json!({
        "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "a"}},
            {"type": "input_image", "image_url": "b"}
        ]}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": "required",
        "response_format": {"type": "json_schema", "json_schema": {}},
        "reasoning": {"effort": "low"},
        "reasoning_effort": "high"
    });
    assert_eq!(
        caps(v),
        [Vision, Tools, ToolChoice, StructuredOutputs, Reasoning]
    );
}

#[test]
fn valid_roles_and_content_shapes() {
    let v = json!({"messages": [
        {"role": "system", "content": "s"},
        {"role": "developer", "content": [{"type": "text", "text": "d"}]},
        {"role": "user", "content": "u", "name": "bob"},
        {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "assistant", "content": null, "function_call": {"name": "f", "arguments": "{}"}},
        {"role": "tool", "tool_call_id": "1", "content": "ok"},
        {"role": "assistant", "content": ""}
    ]});
    assert!(analyse(&v).is_ok());
}

#[test]
fn validation_errors() {
    assert_eq!(
        err(json!({"messages": [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "bot", "content": "c"}
        ]})),
        "messages[2].role must be one of system, developer, user, assistant, tool; got \"bot\""
    );
    assert_eq!(
        err(json!({"messages": [{"role": 5, "content": "c"}]})),
        "messages[0].role must be one of system, developer, user, assistant, tool; got 5"
    );
    assert_eq!(
        err(json!({"messages": [{"content": "c"}]})),
        "messages[0].role is required: one of system, developer, user, assistant, tool"
    );
    assert!(err(json!([])).starts_with("the request must be an object"));
    assert!(err(json!("hi")).starts_with("the request must be an object"));
    assert_eq!(
        err(json!({})),
        "messages is required: an array of {role, content} objects"
    );
    assert_eq!(
        err(json!({"messages": null})),
        "messages is required: an array of {role, content} objects"
    );
    assert_eq!(
        err(json!({"messages": "hi"})),
        "messages must be an array of {role, content} objects, got \"hi\""
    );
    assert!(err(json!({"messages": []})).starts_with("messages must not be empty"));
    assert_eq!(
        err(json!({"messages": [{"role": "user", "content": "a"}, "hello"]})),
        "messages[1] must be an object with role and content, got \"hello\""
    );
    assert!(
        err(json!({"messages": [{"role": "user"}]})).starts_with("messages[0].content is required")
    );
    assert!(
        err(json!({"messages": [{"role": "user", "content": null}]}))
            .starts_with("messages[0].content is required")
    );
    assert!(
        err(json!({"messages": [{"role": "assistant", "content": null}]}))
            .contains("only an assistant message with tool_calls may leave it null")
    );
    assert_eq!(
        err(json!({"messages": [{"role": "user", "content": 42}]})),
        "messages[0].content must be a string or an array of content parts, got 42"
    );
    assert_eq!(
        err(json!({"messages": [{"role": "user", "content": {"text": "x"}}]})),
        "messages[0].content must be a string or an array of content parts, got {\"text\":\"x\"}"
    );
    assert!(err(
        json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, "b"]}]})
    )
    .starts_with("messages[0].content[1] must be an object"));

    assert!(err(with(json!({"tools": {"type": "function"}}))).starts_with("tools must be an array"));
    assert!(err(with(json!({"tool_choice": "always"})))
        .starts_with("tool_choice must be \"auto\", \"none\", \"required\""));
    assert!(err(with(json!({"tool_choice": true}))).starts_with("tool_choice must be"));
    assert!(err(with(json!({"response_format": "json"})))
        .starts_with("response_format must be an object"));
    assert!(err(with(json!({"response_format": {}}))).starts_with("response_format.type must be"));
    assert!(err(with(json!({"response_format": {"type": 1}})))
        .starts_with("response_format.type must be"));
    assert!(err(with(json!({"reasoning": "high"}))).starts_with("reasoning must be an object"));
    assert!(
        err(with(json!({"reasoning_effort": 3}))).starts_with("reasoning_effort must be a string")
    );
    assert_eq!(
        err(with(json!({"max_tokens": -1}))),
        "max_tokens must be a non-negative integer, got -1"
    );
    assert_eq!(
        err(with(json!({"max_tokens": "100"}))),
        "max_tokens must be a non-negative integer, got \"100\""
    );
    assert_eq!(
        err(with(json!({"max_completion_tokens": 1.5}))),
        "max_completion_tokens must be a non-negative integer, got 1.5"
    );
}

// ---- explain_no_candidates ----------------------------------------------------------------

const FIXTURE: &str = include_str!("../../fixtures/models_2026-08.json");
const AUG_20: f64 = 1_787_184_000_000.0;

fn fixture() -> Catalog {
    let mut c = Catalog::new();
    c.set_provider_models(
        "openrouter",
        parse_openrouter_models(FIXTURE, "openrouter").expect("parses"),
    );
    c
}

fn no_latency(_: &ModelInfo) -> Option<f64> {
    None
}

#[test]
fn explain_tools_with_images_over_the_fixture() {
    let c = fixture();
    // A long conversation with images and tools: only million-token free models are left.
    let needs = Needs {
        caps: vec![Vision, Tools],
        prompt_tokens: 990_000,
        max_tokens: None,
        min_context: 990_256,
    };
    let f = ModelFilter {
        min_context: Some(needs.min_context),
        ..ModelFilter::default()
    };
    let pool = c.query(&f, AUG_20, &no_latency);
    assert_eq!(pool.len(), 4);
    let e = explain_no_candidates(&needs, &pool);
    assert_eq!(e.code, ErrorCode::CapabilityUnsupported);
    assert_eq!(
        e.message,
        "No free model supports tools with images; 2 support tools without images: \
         nvidia/nemotron-3-ultra-550b-a55b:free, nvidia/nemotron-3.5-lightning:free. \
         Remove what is unsupported from the request, add a provider whose models support it, \
         or set budget.maxUsd above 0 to allow paid models."
    );

    // Over every free model: images + tools + structured outputs are met (dots, gemma-4-26b).
    let all = c.query(&ModelFilter::default(), AUG_20, &no_latency);
    let ok = Needs {
        caps: vec![Vision, Tools, StructuredOutputs],
        ..needs.clone()
    };
    let e = explain_no_candidates(&ok, &all);
    // Capable models exist, but none has a 990k window.
    assert_eq!(e.code, ErrorCode::NoCandidates);
    assert!(
        e.message.starts_with(
            "No free model with tools and structured outputs (json_schema) with images has a \
             context window of 990256 tokens (about 990000 for the prompt + 256 for the reply); \
             the largest is dots-studio/dots-3-note-preview:free with 512000."
        ),
        "{}",
        e.message
    );
}

fn model(id: &str, caps: &[Capability], ctx: Option<u64>, free: bool) -> ModelInfo {
    ModelInfo {
        id: id.into(),
        provider: "p".into(),
        name: id.into(),
        description: String::new(),
        free,
        context_length: ctx,
        max_output_tokens: None,
        input_modalities: vec!["text".into()],
        output_modalities: vec!["text".into()],
        caps: caps.iter().copied().collect::<CapSet>(),
        pricing: if free {
            Pricing::ZERO
        } else {
            Pricing::UNKNOWN
        },
        expires_at: None,
        expires_at_ms: None,
        created: None,
        is_router: false,
        caps_known: true,
    }
}

fn small(caps: Vec<Capability>) -> Needs {
    Needs {
        caps,
        prompt_tokens: 10,
        max_tokens: Some(100),
        min_context: 110,
    }
}

#[test]
fn explain_other_cases() {
    let a = model("a", &[Tools], Some(8000), true);
    let b = model("b", &[Tools, JsonMode], Some(8000), true);
    let c = model("c", &[Vision], None, true);
    let d = model("d", &[Tools, JsonMode], Some(8000), true);
    let e = model("e", &[Tools, JsonMode], Some(8000), true);
    let f = model("f", &[Tools, JsonMode], Some(8000), true);
    let paid = model("p", &[], Some(100), false);

    // Empty pool.
    let err = explain_no_candidates(&small(vec![]), &[]);
    assert_eq!(err.code, ErrorCode::NoCandidates);
    assert!(
        err.message.starts_with("No model is available"),
        "{}",
        err.message
    );

    // Closest = most needed caps, then most models; at most 3 names, all counted.
    let err = explain_no_candidates(
        &small(vec![Tools, JsonMode, Reasoning]),
        &[&a, &f, &b, &c, &d, &e],
    );
    assert_eq!(err.code, ErrorCode::CapabilityUnsupported);
    assert!(
        err.message.starts_with(
            "No free model supports tools and JSON mode and reasoning; 4 support tools and JSON \
             mode without reasoning: b, d, e."
        ),
        "{}",
        err.message
    );

    // Singular, and a mixed pool does not say "free" nor suggest paid models.
    let err = explain_no_candidates(&small(vec![Vision, Reasoning]), &[&c, &paid]);
    assert_eq!(
        err.message,
        "No model supports reasoning with images; 1 supports images without reasoning: c. \
         Remove what is unsupported from the request, add a provider whose models support it."
    );

    // Nobody has any of it.
    let err = explain_no_candidates(&small(vec![StructuredOutputs]), &[&a, &b]);
    assert!(
        err.message.starts_with(
            "No free model supports structured outputs (json_schema); none of the 2 candidates \
             supports any of it."
        ),
        "{}",
        err.message
    );

    // Capabilities fine, context too small (unknown context counts as fitting).
    let big = Needs {
        caps: vec![Tools],
        prompt_tokens: 9000,
        max_tokens: None,
        min_context: 9256,
    };
    let err = explain_no_candidates(&big, &[&a, &b, &c]);
    assert_eq!(err.code, ErrorCode::NoCandidates);
    assert_eq!(
        err.message,
        "No free model with tools has a context window of 9256 tokens (about 9000 for the prompt \
         + 256 for the reply); the largest is a with 8000. Shorten the conversation or lower \
         max_tokens."
    );
    let err = explain_no_candidates(
        &Needs {
            caps: vec![],
            ..big
        },
        &[&a, &b, &c],
    );
    assert!(err.message.contains("cooling down"), "{}", err.message);

    // Everything fits: the router's state (cooldowns) must be why.
    let err = explain_no_candidates(&small(vec![Tools]), &[&a]);
    assert_eq!(err.code, ErrorCode::NoCandidates);
    assert!(err
        .message
        .starts_with("Every free model that fits this request is cooling down"));
}
