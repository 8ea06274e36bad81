use crate::core::json::{Map, Value};

use super::{ask_usage, base, only, Adapter, CallShape, Facts};
use crate::core::text;

/// Gemini's OpenAI-compatible endpoint rejects parameters it does not know, and lists model
/// ids with a `models/` prefix that the chat endpoint does not want.
pub struct Gemini;

const ACCEPTED: [&str; 15] = [
    "model",
    "messages",
    "stream",
    "stream_options",
    "temperature",
    "top_p",
    "n",
    "stop",
    "max_tokens",
    "max_completion_tokens",
    "response_format",
    "tools",
    "tool_choice",
    "reasoning_effort",
    "seed",
];

impl Adapter for Gemini {
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map {
        let model = call.model.strip_prefix("models/").unwrap_or(call.model);
        let shape = CallShape {
            model,
            ..call.clone()
        };
        let mut body = base(req, &shape, &[]);
        if let Some(Value::Object(r)) = body.remove("reasoning") {
            if let Some(e) = r.get("effort").and_then(Value::as_str) {
                body.entry("reasoning_effort").or_insert(e.into());
            }
        }
        only(&mut body, &ACCEPTED);
        ask_usage(&mut body);
        body
    }
}

pub const FACTS: Facts = Facts {
    pacific_day: true,
    ..Facts::PLAIN
};

/// Unknown Gemini models get the strictest listed tier (Flash: 5 RPM, 20 RPD).
pub fn model_limits(model: &str) -> [u64; 6] {
    let (rpm, rpd, tpm) = if text::contains(model, "gemma") {
        (30, 14_400, 15_000)
    } else if text::contains(model, "flash-lite") {
        (15, 500, 0)
    } else {
        (5, 20, 250_000)
    };
    [rpm, 0, rpd, tpm, 0, 0]
}
