//! `sticky: "auto"`: a conversation without a session id is known by a hash of how it began
//! (its system prompt and first user message), so each later turn finds the model that first
//! answered it. Only the hash is kept, never the text.

use crate::core::json::{self, Map, Value};
use crate::core::route::Sessions;
use crate::core::sha256;

/// What marks a session id as a conversation's hash (only these are stored).
const PREFIX: &str = "auto:";

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
    Some(format!("{PREFIX}{}", sha256::hex_digest(text.as_bytes())))
}

/// The session a call's pin lives under: its own `sessionId`, else with `sticky: "auto"` the
/// hash of how its conversation began; None when neither applies.
pub fn session_for(req: &Map, session_id: Option<&str>, sticky: bool) -> Option<String> {
    if let Some(id) = session_id {
        return Some(id.to_string());
    }
    if !sticky {
        return None;
    }
    conversation_key(req.get("messages")?.as_array()?)
}

/// The conversations' pins as stored: `[["auto:<hash>", provider, model], ..]`.
/// A caller's own session ids are left out: they may be any text, and only hashes are kept.
pub fn to_json(sessions: &Sessions) -> String {
    let mut out = Vec::new();
    for (id, provider, model) in sessions.entries() {
        if id.starts_with(PREFIX) {
            out.push(Value::Array(vec![id.into(), provider.into(), model.into()]));
        }
    }
    Value::Array(out).to_string()
}

/// Pins read back from [`to_json`]; anything else in storage is ignored.
pub fn restore(sessions: &mut Sessions, stored: &str) {
    let Ok(Value::Array(list)) = json::from_str(stored) else {
        return;
    };
    for e in &list {
        if let Some([Value::String(id), Value::String(p), Value::String(m)]) =
            e.as_array().map(Vec::as_slice)
        {
            if id.starts_with(PREFIX) && id.len() == PREFIX.len() + 64 {
                sessions.pin(id, p, m);
            }
        }
    }
}
