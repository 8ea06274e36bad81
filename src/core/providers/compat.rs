use crate::core::json::Map;

use super::{ask_usage, base, Adapter, CallShape, Facts};

/// Any OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp, hosted endpoints).
pub struct Compat;

impl Adapter for Compat {
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map {
        let mut body = base(req, call, &[]);
        ask_usage(&mut body);
        body
    }
}

pub const FACTS: Facts = Facts {
    keyless_catalog: true,
    ..Facts::PLAIN
};
