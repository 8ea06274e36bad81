//! Keys kept out of every text the library emits. The client knows each secret it holds (API
//! keys, an OAuth code and verifier): those are replaced by value wherever they appear, whatever
//! surrounds them, before any guess. Then words that look like keys (a known prefix at the start
//! of a run of key characters, or the word after "Bearer") are replaced too, for keys the client
//! never held (a new key in an OAuth answer, another account's key echoed back).

use std::borrow::Cow;

pub const REDACTED: &str = "[redacted]";

/// Shorter values are not searched for: a 1-3 character "key" would blank out common words and
/// protects nothing.
pub const MIN_SECRET_LEN: usize = 4;

/// How API keys start (OpenAI and OpenRouter, Groq, Cerebras, Google, xAI, Hugging Face).
static KEY_PREFIXES: [&str; 6] = ["sk-", "gsk_", "csk-", "AIza", "xai-", "hf_"];

/// `text` with every occurrence of every secret replaced, longest secret first (so a key that
/// contains another is not left half-shown). Also the JSON-escaped form, for texts that are JSON.
pub fn by_value<'a>(text: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut sorted: Vec<&String> = secrets
        .iter()
        .filter(|s| s.len() >= MIN_SECRET_LEN)
        .collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = Cow::Borrowed(text);
    for s in sorted {
        replace_all(&mut out, s);
        let escaped = json_escaped(s);
        if escaped != *s {
            replace_all(&mut out, &escaped);
        }
    }
    out
}

fn replace_all(text: &mut Cow<'_, str>, secret: &str) {
    if text.contains(secret) {
        *text = Cow::Owned(text.replace(secret, REDACTED));
    }
}

/// The secret as it appears inside a JSON string.
fn json_escaped(s: &str) -> String {
    let mut out = String::new();
    crate::core::catalog::push_json_str(&mut out, s);
    out.get(1..out.len().saturating_sub(1))
        .unwrap_or_default()
        .to_string()
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// `word` with every run of key characters that starts with a key prefix replaced (whatever
/// surrounds it: `key=sk-...`, `"sk-..."`, `<b>sk-...</b>`).
pub fn prefixed(word: &str) -> Cow<'_, str> {
    if !KEY_PREFIXES.iter().any(|p| word.contains(p)) {
        return Cow::Borrowed(word);
    }
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while !rest.is_empty() {
        let run_end = rest.find(|c| !is_key_char(c)).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(run_end);
        if !run.is_empty() && KEY_PREFIXES.iter().any(|p| run.starts_with(p)) {
            out.push_str(REDACTED);
        } else {
            out.push_str(run);
        }
        // One non-key character, then the next run.
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    Cow::Owned(out)
}

/// Every rule at once: held secrets by value, then key-like runs and the word after "Bearer".
pub fn all(text: &str, secrets: &[String]) -> String {
    let text = by_value(text, secrets);
    let mut out = String::with_capacity(text.len());
    let mut redact_next = false;
    let mut rest: &str = &text;
    while !rest.is_empty() {
        let space = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(space);
        if !word.is_empty() {
            if redact_next {
                out.push_str(REDACTED);
            } else {
                out.push_str(&prefixed(word));
            }
            redact_next = word.eq_ignore_ascii_case("bearer");
        }
        let word_start = tail
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(tail.len());
        let (spaces, next) = tail.split_at(word_start);
        out.push_str(spaces);
        rest = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_value_replaces_everywhere() {
        let keys = vec!["mistral-KEY-123".to_string(), "abc".to_string()];
        let t = by_value("x=mistral-KEY-123&y=<b>mistral-KEY-123</b> abc", &keys);
        assert_eq!(t, "x=[redacted]&y=<b>[redacted]</b> abc");
    }

    #[test]
    fn prefixed_runs() {
        assert_eq!(prefixed("key=sk-or-v1-ab12"), "key=[redacted]");
        assert_eq!(prefixed("\"sk-1\"}"), "\"[redacted]\"}");
        assert_eq!(prefixed("task-based"), "task-based");
    }
}
