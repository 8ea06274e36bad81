//! Which optional parameter a provider's 400/422 refuses (shapes from public issue threads).

use free_router::core::params::refused_parameter;

const SENT: [&str; 5] = [
    "model",
    "messages",
    "reasoning_effort",
    "temperature",
    "top_k",
];

#[test]
fn mistral_validation_loc() {
    let body = r#"{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","reasoning_effort"],"msg":"Extra inputs are not permitted","input":"low"}]},"type":"invalid_request_error","param":null,"code":null}"#;
    assert_eq!(refused_parameter(body, &SENT), Some("reasoning_effort"));
    let top = r#"{"detail":[{"type":"extra_forbidden","loc":["body","top_k"],"msg":"Extra inputs are not permitted"}]}"#;
    assert_eq!(refused_parameter(top, &SENT), Some("top_k"));
    // A field inside a message is not an optional parameter to drop.
    let nested = r#"{"detail":[{"type":"extra_forbidden","loc":["body","messages",3,"assistant","reasoning_content"],"msg":"Extra inputs are not permitted"}]}"#;
    assert_eq!(refused_parameter(nested, &SENT), None);
}

#[test]
fn openai_style_param_and_wording() {
    let groq = r#"{"error":{"message":"`reasoning_effort` is not supported with this model","type":"invalid_request_error","param":"reasoning_effort"}}"#;
    assert_eq!(refused_parameter(groq, &SENT), Some("reasoning_effort"));
    let no_param = r#"{"error":{"message":"Unrecognized request argument supplied: top_k","type":"invalid_request_error"}}"#;
    assert_eq!(refused_parameter(no_param, &SENT), Some("top_k"));
    let gemini = r#"[{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"top_k\": Cannot find field.","status":"INVALID_ARGUMENT"}}]"#;
    assert_eq!(refused_parameter(gemini, &SENT), Some("top_k"));
}

#[test]
fn needs_and_unclear_errors_are_not_dropped() {
    let tools = r#"{"error":{"message":"tools is not supported by this model","param":"tools"}}"#;
    assert_eq!(
        refused_parameter(tools, &["model", "messages", "tools"]),
        None
    );
    let two = r#"{"error":{"message":"temperature and top_k are not supported"}}"#;
    assert_eq!(
        refused_parameter(two, &SENT),
        None,
        "which one cannot be told"
    );
    let other = r#"{"error":{"message":"temperature must be at most 2"}}"#;
    assert_eq!(
        refused_parameter(other, &SENT),
        None,
        "a bad value, not a refused parameter"
    );
    let unsent = r#"{"error":{"message":"seed is not supported","param":"seed"}}"#;
    assert_eq!(refused_parameter(unsent, &SENT), None);
    assert_eq!(refused_parameter("<html>502</html>", &SENT), None);
    let word = r#"{"error":{"message":"top_k_max is unsupported"}}"#;
    assert_eq!(refused_parameter(word, &SENT), None, "whole words only");
}
