//! Whether a finished answer is one: a 200 can carry nothing (an empty completion, or
//! OpenRouter's `native_finish_reason: "network_error"`), or structured output that does not
//! parse. Both are failed attempts, decided before the caller sees a token.

use crate::core::json::{self, Value};

/// Why an answer is not one; `outcome()` is the `AttemptInfo.outcome` it is recorded with.
#[derive(Clone, Debug, PartialEq)]
pub enum Rejected {
    /// No content and no tool calls.
    Empty { network_error: bool },
    /// `response_format` asked for JSON and the content is not what it asked for.
    InvalidOutput(String),
}

impl Rejected {
    pub fn outcome(&self) -> &'static str {
        match self {
            Rejected::Empty { .. } => "empty",
            Rejected::InvalidOutput(_) => "invalid_output",
        }
    }

    /// The sentence for the attempt's error: "`model` answered with nothing" and the like.
    pub fn describe(&self, provider: &str, model: &str) -> String {
        match self {
            Rejected::Empty {
                network_error: true,
            } => format!(
                "{provider} ended {model}'s answer with no content after an upstream network error"
            ),
            Rejected::Empty { .. } => format!("{model} on {provider} answered with no content"),
            Rejected::InvalidOutput(why) => {
                format!("{model} on {provider} did not answer in the requested format: {why}")
            }
        }
    }
}

/// An answer with neither text nor tool calls. Reasoning alone does not count: the caller asked
/// for an answer, not for thoughts.
pub fn check_empty(
    content: &str,
    has_tool_calls: bool,
    native_finish_reason: Option<&str>,
) -> Result<(), Rejected> {
    if has_tool_calls || !content.trim().is_empty() {
        return Ok(());
    }
    Err(Rejected::Empty {
        network_error: native_finish_reason == Some("network_error"),
    })
}

/// For `response_format` `json_object` / `json_schema`: the content parses as JSON and, for a
/// schema, holds each `required` top-level property. Anything else (text, none) passes.
pub fn check_format(response_format: Option<&Value>, content: &str) -> Result<(), Rejected> {
    let Some(rf) = response_format else {
        return Ok(());
    };
    let kind = rf.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("json_object" | "json_schema")) {
        return Ok(());
    }
    let parsed: Value = json::from_str(content.trim())
        .map_err(|e| Rejected::InvalidOutput(format!("the content is not JSON ({e})")))?;
    if kind == Some("json_object") {
        return match parsed {
            Value::Object(_) => Ok(()),
            _ => Err(Rejected::InvalidOutput(
                "the content is JSON but not an object".into(),
            )),
        };
    }
    let schema = rf.get("json_schema").and_then(|s| s.get("schema"));
    let required = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array);
    let Some(required) = required else {
        return Ok(());
    };
    let Value::Object(obj) = &parsed else {
        return Err(Rejected::InvalidOutput(
            "the content is JSON but not the object the schema describes".into(),
        ));
    };
    for name in required.iter().filter_map(Value::as_str) {
        if obj.get(name).is_none() {
            return Err(Rejected::InvalidOutput(format!(
                "the required property {} is missing",
                crate::core::text::quoted(name)
            )));
        }
    }
    Ok(())
}
