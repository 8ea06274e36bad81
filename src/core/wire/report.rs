//! What callers take from a finished stream: usage, cost, the truncation error, payload previews.

use crate::core::json::Value;

use crate::core::error::{Error, ErrorCode};

/// Up to 160 chars of a payload for messages, cut on a char boundary.
pub fn preview(s: &str) -> String {
    let cut = crate::core::text::first_chars(s, 160);
    let mut out = cut.to_string();
    if cut.len() < s.len() {
        out.push('…');
    }
    out
}

/// Token counts from a `usage` object: (prompt, completion).
pub fn usage_tokens(usage: &Value) -> (Option<u64>, Option<u64>) {
    (
        usage.get("prompt_tokens").and_then(Value::as_u64),
        usage.get("completion_tokens").and_then(Value::as_u64),
    )
}

/// OpenRouter reports the real cost of a call in `usage.cost` (USD).
pub fn usage_cost(usage: &Value) -> Option<f64> {
    usage.get("cost").and_then(Value::as_f64)
}

/// The error raised when a body ends without `[DONE]` or a finish reason.
pub fn truncated_error(provider: &str, model: &str) -> Error {
    Error::new(
        ErrorCode::StreamInterrupted,
        format!(
            "{provider} closed the stream for {model} before it finished (no [DONE] and no finish_reason); the answer is incomplete"
        ),
    )
    .with_provider(provider)
    .with_model(model)
}
