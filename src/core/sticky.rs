//! `sticky: "auto"`: a conversation without a session id is known by a hash of how it began
//! (its system prompt and first user message), so each later turn finds the model that first
//! answered it. Only the hash is kept, never the text.

use crate::core::json::Value;
use crate::core::sha256;

/// The text of a message's `content`: a string, or the text parts of an array (images and
/// other parts are named by their type, so two image questions with one caption differ only
/// by what the hash can see).
fn content_text(content: Option<&Value>, out: &mut String) {
    match content {
        Some(Value::String(s)) => out.push_str(s),
        Some(Value::Array(parts)) => {
            for p in parts {
                match p.get("text").and_then(Value::as_str) {
                    Some(t) => out.push_str(t),
                    None => out.push_str(p.get("type").and_then(Value::as_str).unwrap_or("?")),
                }
                out.push('\u{1f}');
            }
        }
        _ => {}
    }
}

fn role(m: &Value) -> &str {
    m.get("role").and_then(Value::as_str).unwrap_or("")
}

/// `auto:<sha-256 hex>` of the first system (or developer) message and the first user message;
/// None when the request has no user message to know the conversation by.
pub fn conversation_key(messages: &[Value]) -> Option<String> {
    let user = messages.iter().find(|m| role(m) == "user")?;
    let mut text = String::new();
    if let Some(system) = messages
        .iter()
        .find(|m| matches!(role(m), "system" | "developer"))
    {
        content_text(system.get("content"), &mut text);
    }
    // A separator no prompt contains, so ("ab", "c") and ("a", "bc") differ.
    text.push('\u{0}');
    content_text(user.get("content"), &mut text);
    Some(format!("auto:{}", sha256::hex_digest(text.as_bytes())))
}
