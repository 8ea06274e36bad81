use crate::core::json::{Map, Value};

use super::{ask_usage, base, Adapter, CallShape};
use crate::core::text;

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

/// ~30 RPM for every model; RPD/TPM per model family (reference section 6), headers refine them.
pub fn model_limits(model: &str) -> [u64; 6] {
    let (rpd, tpm) = if text::contains(model, "llama-3.1-8b") {
        (14_400, 6_000)
    } else if text::contains(model, "llama-3.3-70b") {
        (1_000, 12_000)
    } else if text::contains(model, "gpt-oss") {
        (1_000, 8_000)
    } else if text::contains(model, "compound") {
        (250, 0)
    } else {
        (0, 0)
    };
    [30, 0, rpd, tpm, 0, 0]
}
