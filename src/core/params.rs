//! A model that refuses one optional parameter (`reasoning_effort` on Mistral, an unknown field on
//! Gemini) is worth one more try without it. This finds which parameter an error names.

use crate::core::json::{self, Value};
use crate::core::text;

/// What a request must keep: dropping any of these changes what is asked, not how.
const NEEDED: [&str; 8] = [
    "model",
    "messages",
    "stream",
    "tools",
    "tool_choice",
    "response_format",
    "stream_options",
    "models",
];

/// Words providers use when they refuse a parameter, lowercased.
const REFUSED: [&str; 8] = [
    "not supported",
    "unsupported",
    "not permitted",
    "extra_forbidden",
    "unknown name",
    "unrecognized",
    "does not support",
    "not allowed",
];

fn optional<'a>(name: &str, sent: &[&'a str]) -> Option<&'a str> {
    sent.iter()
        .copied()
        .find(|s| *s == name && !NEEDED.contains(s))
}

/// The optional top-level parameter of `sent` (the request's keys) that the error body names as
/// refused, if exactly that can be told: an OpenAI-style `error.param`, a validation `loc` of
/// `["body", name]`, or the message naming a sent key next to a refusal.
pub fn refused_parameter<'a>(body: &str, sent: &[&'a str]) -> Option<&'a str> {
    let v: Value = json::from_str(body).unwrap_or(Value::Null);
    let root = match &v {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        other => other,
    };
    let error = root.get("error").unwrap_or(root);
    if let Some(p) = error.get("param").and_then(Value::as_str) {
        if let Some(hit) = optional(p, sent) {
            return Some(hit);
        }
    }
    // Pydantic-style validation (Mistral): detail[].loc = ["body", "<param>"].
    let details = [
        root.get("detail"),
        error.get("message").and_then(|m| m.get("detail")),
    ];
    for list in details.into_iter().flatten().filter_map(Value::as_array) {
        for d in list {
            let loc = d.get("loc").and_then(Value::as_array);
            if let Some([Value::String(b), Value::String(name)]) = loc.map(Vec::as_slice) {
                if b == "body" {
                    if let Some(hit) = optional(name, sent) {
                        return Some(hit);
                    }
                }
            }
        }
    }
    let text = match error.get("message") {
        // ASCII only: the refusal words are, and Unicode case tables cost package size.
        Some(Value::String(m)) => m.to_ascii_lowercase(),
        _ => body.to_ascii_lowercase(),
    };
    // text::contains, not str::contains: std's substring searcher costs ~6 KB of package.
    if !REFUSED.iter().any(|w| text::contains(&text, w)) {
        return None;
    }
    let mut named = sent
        .iter()
        .copied()
        .filter(|s| !NEEDED.contains(s) && mentions(&text, s));
    let first = named.next()?;
    // Two parameters named: which one was refused cannot be told.
    named.next().is_none().then_some(first)
}

/// `name` as a whole word of `text` (so `top_k` does not match inside `top_k_max`).
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| text::find(t, name)) {
        let start = from + i;
        let end = start + name.len();
        let before = text.get(..start).and_then(|t| t.chars().next_back());
        let after = text.get(end..).and_then(|t| t.chars().next());
        if !before.is_some_and(word) && !after.is_some_and(word) {
            return true;
        }
        from = end;
    }
    false
}
