//! The catalog's own JSON tree (borrowed strings, vector objects) must read bodies exactly as
//! `serde_json::Value` did: last duplicate key wins, escapes decoded, numbers as f64, strict
//! syntax with errors that say what and where (`core::json`'s parser, held to serde_json's
//! texts by tests/core/json.rs).

use free_router::core::catalog::{parse_openai_models, parse_openrouter_models, Capability};
use free_router::core::error::ErrorCode;

#[test]
fn duplicate_keys_keep_the_last_value() {
    let body = r#"{"data":[{"id":"a/first","id":"b/second:free","name":"one","name":"two",
        "pricing":{"prompt":"0.5","prompt":"0","completion":"0"},
        "context_length":5,"context_length":null,"top_provider":{"context_length":7}}]}"#;
    let m = parse_openrouter_models(body, "openrouter").unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].id, "b/second:free");
    assert_eq!(m[0].name, "two");
    assert!(m[0].free, "the overwritten non-zero price is gone");
    assert_eq!(m[0].pricing.prompt_per_mtok, 0.0);
    // The later `null` hides the earlier 5: the top provider's value is used.
    assert_eq!(m[0].context_length, Some(7));
    let paid =
        r#"{"data":[{"id":"c/x","pricing":{"prompt":"0","completion":"0","prompt":"0.000001"}}]}"#;
    let m = parse_openrouter_models(paid, "openrouter").unwrap();
    assert!(!m[0].free, "a repeated key's last, non-zero price counts");
    assert_eq!(m[0].pricing.prompt_per_mtok, 1.0);
}

#[test]
fn escapes_in_keys_and_values_are_decoded() {
    let body = r#"{"d\u0061ta":[{"\u0069d":"x/\u00e9t\u00e9","name":"Line\nTwo \"q\" \\ \ud83d\ude00",
        "description":"Tab\there","supported_parameters":["to\u006fls"],
        "architecture":{"input_modalities":["text","im\u0061ge"]},"pricing":{"prompt":"1e-6","completion":"0"}}]}"#;
    let m = parse_openrouter_models(body, "openrouter").unwrap();
    assert_eq!(m[0].id, "x/été");
    assert_eq!(m[0].name, "Line\nTwo \"q\" \\ 😀");
    assert_eq!(m[0].description, "Tab\there");
    assert!(m[0].has(Capability::Tools));
    assert!(m[0].has(Capability::Vision));
    assert_eq!(m[0].pricing.prompt_per_mtok, 1.0);
}

#[test]
fn numbers_of_every_json_form() {
    let body = r#"{"data":[
        {"id":"a","context_length":1e3,"created":-5,"top_provider":{"max_completion_tokens":18446744073709551615}},
        {"id":"b","context_length":2.5,"created":1.75e9,"top_provider":{"max_completion_tokens":-1}},
        {"id":"c","context_length":"4096","created":"soon"},
        {"id":"d","context_length":true,"created":[1],"top_provider":{"max_completion_tokens":{}}}]}"#;
    let m = parse_openrouter_models(body, "openrouter").unwrap();
    assert_eq!(m[0].context_length, Some(1000));
    assert_eq!(m[0].created, Some(-5.0));
    assert_eq!(m[0].max_output_tokens, Some(u64::MAX));
    assert_eq!(m[1].context_length, Some(2));
    assert_eq!(m[1].created, Some(1.75e9));
    assert_eq!(m[1].max_output_tokens, None);
    assert_eq!(m[2].context_length, Some(4096));
    assert_eq!(m[2].created, None);
    assert_eq!(m[3].context_length, None);
    assert_eq!(m[3].created, None);
    assert_eq!(m[3].max_output_tokens, None);
}

#[test]
fn odd_entries_and_shapes() {
    let body = r#"{"data":[null,1,"x",[{"id":"nested"}],{"id":""},{"id":7},{"id":"ok","extra":{"deep":[[[[{"a":[]}]]]]}}]}"#;
    let m = parse_openrouter_models(body, "openrouter").unwrap();
    assert_eq!(m.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["ok"]);
    let bare = parse_openai_models(r#"[{"id":"m1"},{"id":"m2"}]"#, "together", true).unwrap();
    assert_eq!(bare.len(), 2);
    let gemini = parse_openai_models(
        r#"{"models":[{"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent"],"inputTokenLimit":1048576}]}"#,
        "gemini",
        true,
    )
    .unwrap();
    assert_eq!(gemini[0].id, "gemini-2.5-flash");
    assert_eq!(gemini[0].context_length, Some(1_048_576));
}

#[test]
fn syntax_errors_say_what_and_where() {
    let deep = "[".repeat(200) + &"]".repeat(200);
    for (body, want) in [
        ("", "EOF while parsing a value at line 1 column 0"),
        ("{\"data\":[", "EOF while parsing a list at line 1 column 9"),
        ("{\"data\":[]} x", "trailing characters at line 1 column 13"),
        (
            "{\"data\":[{\"id\":\"a\",}]}",
            "trailing comma at line 1 column 20",
        ),
        ("{\"data\":[\"\\x\"]}", "invalid escape at line 1 column 12"),
        (
            "{\"data\":[1e999]}",
            "number out of range at line 1 column 14",
        ),
        (
            "{\"data\":[{\"id\":\"\\ud800\"}]}",
            "unexpected end of hex escape at line 1 column 23",
        ),
        (
            "{\"data\":[{1:2}]}",
            "key must be a string at line 1 column 11",
        ),
        ("\u{feff}{}", "expected value at line 1 column 1"),
        (&deep, "recursion limit exceeded at line 1 column 128"),
    ] {
        let e = parse_openrouter_models(body, "openrouter").unwrap_err();
        assert_eq!(e.code, ErrorCode::Parse, "{body}");
        assert!(e.message.contains(want), "{body}: {} vs {want}", e.message);
        let e = parse_openai_models(body, "groq", true).unwrap_err();
        assert!(e.message.contains(want), "{body}: {} vs {want}", e.message);
    }
    let e = parse_openrouter_models(r#"{"data":{}}"#, "openrouter").unwrap_err();
    assert!(e.message.contains("no `data` array"), "{}", e.message);
}
