//! `GET {base}/models` of the OpenAI-compatible providers, with hand-made bodies in each
//! provider's shape (reference section 6).

use free_router::core::catalog::{parse_openai_models, Capability, ModelInfo, Pricing};
use free_router::core::error::ErrorCode;

use Capability::*;

fn caps(m: &ModelInfo) -> Vec<Capability> {
    m.caps.iter().collect()
}

fn ids(v: &[ModelInfo]) -> Vec<&str> {
    v.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn groq() {
    let body = r#"{"object":"list","data":[
      {"id":"llama-3.3-70b-versatile","object":"model","created":1733447754,"owned_by":"Meta",
       "active":true,"context_window":131072,"public_apps":null,"max_completion_tokens":32768},
      {"id":"meta-llama/llama-4-scout-17b-16e-instruct","object":"model","created":1743874824,
       "owned_by":"Meta","active":true,"context_window":131072,"max_completion_tokens":8192},
      {"id":"openai/gpt-oss-120b","object":"model","owned_by":"OpenAI","active":true,"context_window":131072},
      {"id":"whisper-large-v3","object":"model","owned_by":"OpenAI","active":true,"context_window":448},
      {"id":"playai-tts","object":"model","active":true,"context_window":8192},
      {"id":"meta-llama/llama-guard-4-12b","object":"model","active":true,"context_window":131072},
      {"id":"retired-model","object":"model","active":false,"context_window":8192}
    ]}"#;
    let m = parse_openai_models(body, "groq", true).expect("parses");
    assert_eq!(
        ids(&m),
        [
            "llama-3.3-70b-versatile",
            "meta-llama/llama-4-scout-17b-16e-instruct",
            "openai/gpt-oss-120b"
        ]
    );
    let llama = &m[0];
    assert_eq!(llama.provider, "groq");
    assert!(llama.free);
    assert_eq!(llama.pricing, Pricing::ZERO);
    assert_eq!(llama.context_length, Some(131_072));
    assert_eq!(llama.max_output_tokens, Some(32_768));
    assert_eq!(llama.created, Some(1_733_447_754.0));
    assert_eq!(llama.name, "llama-3.3-70b-versatile");
    assert_eq!(caps(llama), [Tools, ToolChoice, JsonMode]);
    assert!(!llama.is_router);
    assert_eq!(llama.input_modalities, ["text"]);
    assert_eq!(
        caps(&m[1]),
        [Vision, Tools, ToolChoice, StructuredOutputs, JsonMode]
    );
    assert_eq!(m[1].input_modalities, ["text", "image"]);
    assert_eq!(
        caps(&m[2]),
        [Tools, ToolChoice, StructuredOutputs, JsonMode, Reasoning]
    );
}

#[test]
fn gemini_compat_strips_models_prefix() {
    let body = r#"{"object":"list","data":[
      {"id":"models/gemini-2.5-flash","object":"model","owned_by":"google"},
      {"id":"models/gemini-2.0-flash-lite","object":"model","owned_by":"google"},
      {"id":"models/gemma-3-27b-it","object":"model","owned_by":"google"},
      {"id":"models/embedding-001","object":"model","owned_by":"google"},
      {"id":"models/imagen-4.0-generate-001","object":"model","owned_by":"google"},
      {"id":"models/veo-3.0-generate-preview","object":"model","owned_by":"google"},
      {"id":"models/aqa","object":"model","owned_by":"google"}
    ]}"#;
    let m = parse_openai_models(body, "gemini", true).expect("parses");
    assert_eq!(
        ids(&m),
        [
            "gemini-2.5-flash",
            "gemini-2.0-flash-lite",
            "gemma-3-27b-it"
        ]
    );
    assert_eq!(
        caps(&m[0]),
        [
            Vision,
            Tools,
            ToolChoice,
            StructuredOutputs,
            JsonMode,
            Reasoning
        ]
    );
    assert_eq!(
        caps(&m[1]),
        [Vision, Tools, ToolChoice, StructuredOutputs, JsonMode]
    );
    // Gemma on the Gemini API: images yes, function calling no.
    assert_eq!(caps(&m[2]), [Vision]);
    assert_eq!(m[0].context_length, None);
}

#[test]
fn gemini_native_list() {
    let body = r#"{"models":[
      {"name":"models/gemini-2.0-flash","version":"2.0","displayName":"Gemini 2.0 Flash",
       "description":"Fast and versatile.","inputTokenLimit":1048576,"outputTokenLimit":8192,
       "supportedGenerationMethods":["generateContent","countTokens"]},
      {"name":"models/text-embedding-004","displayName":"Text Embedding 004",
       "supportedGenerationMethods":["embedContent"]},
      {"name":"models/chat-but-no-methods","displayName":"X","supportedGenerationMethods":["countTokens"]}
    ],"nextPageToken":""}"#;
    let m = parse_openai_models(body, "gemini", false).expect("parses");
    assert_eq!(ids(&m), ["gemini-2.0-flash"]);
    assert_eq!(m[0].name, "Gemini 2.0 Flash");
    assert_eq!(m[0].description, "Fast and versatile.");
    assert_eq!(m[0].context_length, Some(1_048_576));
    assert_eq!(m[0].max_output_tokens, Some(8192));
    assert!(!m[0].free);
    assert_eq!(m[0].pricing, Pricing::UNKNOWN);
}

#[test]
fn mistral_capabilities_object() {
    let body = r#"{"object":"list","data":[
      {"id":"mistral-small-latest","object":"model","created":1741996800,"owned_by":"mistralai",
       "capabilities":{"completion_chat":true,"completion_fim":false,"function_calling":true,
         "fine_tuning":true,"vision":true,"classification":false},
       "name":"mistral-small-2503","description":"Small, fast, multimodal.",
       "max_context_length":131072,"aliases":["mistral-small-2503"],"deprecation":null,
       "default_model_temperature":0.3,"type":"base"},
      {"id":"open-mistral-7b","object":"model","created":1700000000,"owned_by":"mistralai",
       "capabilities":{"completion_chat":true,"function_calling":false,"vision":false},
       "max_context_length":32768,"deprecation":"2026-03-30T12:00:00Z","type":"base"},
      {"id":"magistral-small-latest","object":"model",
       "capabilities":{"completion_chat":true,"function_calling":true,"vision":false,"reasoning":true},
       "max_context_length":40000},
      {"id":"pixtral-large-latest","object":"model",
       "capabilities":{"completion_chat":true,"function_calling":true,"vision":false}},
      {"id":"mistral-embed","object":"model",
       "capabilities":{"completion_chat":false,"function_calling":false,"vision":false},
       "max_context_length":8192},
      {"id":"mistral-moderation-latest","object":"model","capabilities":{"completion_chat":false}},
      {"id":"no-caps-object","object":"model"}
    ]}"#;
    let m = parse_openai_models(body, "mistral", true).expect("parses");
    assert_eq!(
        ids(&m),
        [
            "mistral-small-latest",
            "open-mistral-7b",
            "magistral-small-latest",
            "pixtral-large-latest",
            "no-caps-object"
        ]
    );
    let small = &m[0];
    assert_eq!(
        caps(small),
        [Vision, Tools, ToolChoice, StructuredOutputs, JsonMode]
    );
    assert_eq!(small.context_length, Some(131_072));
    assert_eq!(small.description, "Small, fast, multimodal.");
    assert_eq!(small.expires_at, None);
    let seven = &m[1];
    assert_eq!(caps(seven), [StructuredOutputs, JsonMode]);
    assert_eq!(seven.expires_at.as_deref(), Some("2026-03-30"));
    assert!(seven.is_expired(1_790_000_000_000.0));
    assert_eq!(
        caps(&m[2]),
        [Tools, ToolChoice, StructuredOutputs, JsonMode, Reasoning]
    );
    // Mistral's own `vision: false` wins over the "pixtral" id hint.
    assert!(!m[3].has(Vision));
    // Without a capabilities object, tools are assumed.
    assert_eq!(
        caps(&m[4]),
        [Tools, ToolChoice, StructuredOutputs, JsonMode]
    );
}

#[test]
fn cerebras() {
    let body = r#"{"object":"list","data":[
      {"id":"llama3.1-8b","object":"model","created":0,"owned_by":"Meta"},
      {"id":"gpt-oss-120b","object":"model","created":0,"owned_by":"OpenAI"},
      {"id":"qwen-3-235b-a22b-instruct-2507","object":"model","created":0,"owned_by":"Alibaba"}
    ]}"#;
    let m = parse_openai_models(body, "cerebras", true).expect("parses");
    assert_eq!(m.len(), 3);
    assert_eq!(
        caps(&m[0]),
        [Tools, ToolChoice, StructuredOutputs, JsonMode]
    );
    assert_eq!(
        caps(&m[1]),
        [Tools, ToolChoice, StructuredOutputs, JsonMode, Reasoning]
    );
    assert_eq!(m[0].context_length, None);
    assert_eq!(m[0].created, Some(0.0));
}

#[test]
fn generic_openai_compatible_and_bare_array() {
    // Ollama's /v1/models.
    let body = r#"{"object":"list","data":[
      {"id":"llama3.2:latest","object":"model","created":1700000000,"owned_by":"library"},
      {"id":"nomic-embed-text:latest","object":"model","created":1700000000,"owned_by":"library"},
      {"id":"llava:7b","object":"model","created":1700000000,"owned_by":"library"},
      {"id":"qwen3:8b","object":"model","max_model_len":40960}
    ]}"#;
    let m = parse_openai_models(body, "lab", true).expect("parses");
    assert_eq!(ids(&m), ["llama3.2:latest", "llava:7b", "qwen3:8b"]);
    assert_eq!(caps(&m[0]), [Tools]);
    assert_eq!(caps(&m[1]), [Vision, Tools]);
    assert_eq!(caps(&m[2]), [Tools, Reasoning]);
    assert_eq!(m[2].context_length, Some(40960));
    assert_eq!(m[0].provider, "lab");

    // Together returns a bare array with a `type`.
    let body = r#"[
      {"id":"meta-llama/Llama-3.3-70B-Instruct-Turbo-Free","object":"model","type":"chat",
       "display_name":"Meta Llama 3.3 70B Instruct Turbo Free","context_length":131072},
      {"id":"BAAI/bge-large-en-v1.5","object":"model","type":"embedding","context_length":512},
      {"id":"black-forest-labs/FLUX.1-schnell","object":"model","type":"image"}
    ]"#;
    let m = parse_openai_models(body, "together", false).expect("parses");
    assert_eq!(ids(&m), ["meta-llama/Llama-3.3-70B-Instruct-Turbo-Free"]);
    assert_eq!(m[0].name, "Meta Llama 3.3 70B Instruct Turbo Free");
    assert_eq!(m[0].context_length, Some(131_072));
    assert!(!m[0].free);
}

#[test]
fn demo_provider_has_everything() {
    let m = parse_openai_models(r#"{"data":[{"id":"demo-fast"}]}"#, "demo", true).expect("parses");
    assert_eq!(caps(&m[0]), Capability::ALL);
}

#[test]
fn odd_entries_are_skipped_and_errors_name_data() {
    let body = r#"{"data":[1,"x",null,{"id":5},{"id":""},{"id":"models/"},{"id":"ok","created":"x","context_window":-5}]}"#;
    let m = parse_openai_models(body, "groq", true).expect("parses");
    assert_eq!(ids(&m), ["ok"]);
    assert_eq!(m[0].created, None);
    assert_eq!(m[0].context_length, None);

    for body in [
        r#"{"object":"list"}"#,
        r#"{"data":"nope"}"#,
        "{}",
        r#"{"data":null}"#,
    ] {
        let e = parse_openai_models(body, "mistral", true).expect_err(body);
        assert_eq!(e.code, ErrorCode::Parse);
        assert!(e.message.contains("`data`"), "{}", e.message);
        assert!(e.message.contains("mistral"), "{}", e.message);
    }
    for body in ["", "not json", "[1,", "<!DOCTYPE html>", "12"] {
        let e = parse_openai_models(body, "gemini", true).expect_err(body);
        assert_eq!(e.code, ErrorCode::Parse, "{body}");
        assert_eq!(e.provider.as_deref(), Some("gemini"));
    }
    assert!(parse_openai_models("[]", "x", true)
        .expect("empty")
        .is_empty());
}
