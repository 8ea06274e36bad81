use crate::core::json::Map;

use super::{ask_usage, base, cap_tokens, Adapter, CallShape};

/// Cerebras' token bucket reserves `max_completion_tokens` (or the whole context) up front,
/// so an uncapped request drains the per-minute token budget: always send a modest cap.
pub struct Cerebras;

/// The cap sent when the request gives none.
pub const DEFAULT_MAX_COMPLETION_TOKENS: u64 = 2048;

impl Adapter for Cerebras {
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map {
        let mut body = base(req, call, &[]);
        body.remove("reasoning");
        if let Some(m) = body.remove("max_tokens") {
            body.entry("max_completion_tokens").or_insert(m);
        }
        let cap = call.max_tokens.unwrap_or(DEFAULT_MAX_COMPLETION_TOKENS);
        if !body.contains_key("max_completion_tokens") {
            body.insert("max_completion_tokens".into(), cap.into());
        } else {
            cap_tokens(&mut body, cap);
            body.remove("max_tokens");
        }
        ask_usage(&mut body);
        body
    }
}

/// Per model (Cerebras docs): 30/min, 900/hour, 14,400/day; 60K tokens/min, 1M/hour and /day.
pub const MODEL_LIMITS: [u64; 6] = [30, 900, 14_400, 60_000, 1_000_000, 1_000_000];
