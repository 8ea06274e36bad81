use crate::core::json::{Map, Value};

use super::{ask_usage, base, Adapter, CallShape};

/// Groq: OpenAI-compatible. It has no `reasoning` object (it takes `reasoning_effort`) and
/// rejects `n` other than 1.
pub struct Groq;

impl Adapter for Groq {
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map {
        let mut body = base(req, call, &[]);
        if let Some(Value::Object(r)) = body.remove("reasoning") {
            if let Some(e) = r.get("effort").and_then(Value::as_str) {
                if !body.contains_key("reasoning_effort") {
                    body.insert("reasoning_effort".into(), e.into());
                }
            }
        }
        body.remove("n");
        ask_usage(&mut body);
        body
    }
}
