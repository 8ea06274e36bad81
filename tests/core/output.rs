//! Bad answers as failed attempts: empty completions and structured output that is not.

use free_router::core::json::{self, Value};
use free_router::core::output::{check_empty, check_format, Rejected};

fn rf(text: &str) -> Value {
    json::from_str(text).expect("valid JSON")
}

#[test]
fn empty_answers_are_rejected_and_say_why() {
    assert_eq!(check_empty("Hello", false, Some("stop")), Ok(()));
    assert_eq!(
        check_empty("", true, Some("tool_calls")),
        Ok(()),
        "tool calls are an answer"
    );
    let e = check_empty("  \n", false, Some("stop")).unwrap_err();
    assert_eq!(
        e,
        Rejected::Empty {
            network_error: false
        }
    );
    assert_eq!(e.outcome(), "empty");
    // OpenRouter 2026-08: finish_reason stop, native_finish_reason network_error, no content.
    let e = check_empty("", false, Some("network_error")).unwrap_err();
    assert_eq!(
        e,
        Rejected::Empty {
            network_error: true
        }
    );
    assert!(e.describe("openrouter", "m:free").contains("network error"));
}

#[test]
fn json_object_needs_an_object() {
    let f = rf(r#"{"type":"json_object"}"#);
    assert_eq!(check_format(Some(&f), " {\"a\": 1}\n"), Ok(()));
    for bad in [
        "Sure! Here is the JSON: {\"a\":1}",
        "```json\n{\"a\":1}\n```",
        "",
        "[1,2]",
    ] {
        let e = check_format(Some(&f), bad).unwrap_err();
        assert_eq!(e.outcome(), "invalid_output", "{bad:?}");
    }
}

#[test]
fn json_schema_needs_its_required_top_level_properties() {
    let f = rf(
        r#"{"type":"json_schema","json_schema":{"name":"city","strict":true,"schema":{
        "type":"object","properties":{"name":{"type":"string"},"population":{"type":"integer"}},
        "required":["name","population"]}}}"#,
    );
    assert_eq!(
        check_format(Some(&f), r#"{"name":"Oslo","population":709000}"#),
        Ok(())
    );
    let e = check_format(Some(&f), r#"{"name":"Oslo"}"#).unwrap_err();
    assert_eq!(
        e,
        Rejected::InvalidOutput("the required property \"population\" is missing".into())
    );
    assert!(e
        .describe("groq", "llama")
        .contains("did not answer in the requested format"));
    assert!(check_format(Some(&f), r#"["Oslo"]"#).is_err());
    // A schema without `required` asks only for JSON.
    let loose =
        rf(r#"{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}"#);
    assert_eq!(check_format(Some(&loose), "{}"), Ok(()));
    assert!(check_format(Some(&loose), "not json").is_err());
}

#[test]
fn text_formats_and_none_are_not_checked() {
    assert_eq!(check_format(None, "anything"), Ok(()));
    assert_eq!(
        check_format(Some(&rf(r#"{"type":"text"}"#)), "plain"),
        Ok(())
    );
    assert_eq!(check_format(Some(&rf("null")), "plain"), Ok(()));
}
