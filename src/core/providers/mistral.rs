use crate::core::json::{Map, Value};

use super::{base, only, Adapter, CallShape};

/// Mistral rejects unknown fields (422) and names a few things its own way: `random_seed`,
/// `tool_choice: "any"`, `max_tokens`. It sends usage in the last chunk unasked.
pub struct Mistral;

const ACCEPTED: [&str; 15] = [
    "model",
    "messages",
    "stream",
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "random_seed",
    "response_format",
    "tools",
    "tool_choice",
    "presence_penalty",
    "frequency_penalty",
    "n",
    "parallel_tool_calls",
];

impl Adapter for Mistral {
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map {
        let mut body = base(req, call, &[]);
        if let Some(seed) = body.remove("seed") {
            body.entry("random_seed").or_insert(seed);
        }
        if let Some(m) = body.remove("max_completion_tokens") {
            body.entry("max_tokens").or_insert(m);
        }
        if body.get("tool_choice").and_then(Value::as_str) == Some("required") {
            body.insert("tool_choice".into(), "any".into());
        }
        only(&mut body, &ACCEPTED);
        body
    }
}

/// The whole account (Mistral help center): 1 request per second, 500K tokens a minute.
pub const ACCOUNT_LIMITS: [u64; 6] = [1, 0, 0, 500_000, 0, 0];
