//! Keys kept out of every text the library emits. The client knows each secret it holds (API
//! keys, an OAuth code and verifier): those are replaced by value wherever they appear, whatever
//! surrounds them, before any guess. Then words that look like keys (a known prefix at the start
//! of a run of key characters, or the word after "Bearer") are replaced too, for keys the client
//! never held (a new key in an OAuth answer, another account's key echoed back).

use std::borrow::Cow;

use crate::core::text;

pub const REDACTED: &str = "[redacted]";

/// Shorter values are not searched for: a 1-3 character "key" would blank out common words and
/// protects nothing.
pub const MIN_SECRET_LEN: usize = 4;

/// How API keys start (OpenAI and OpenRouter, Groq, Cerebras, Google, xAI, Hugging Face).
static KEY_PREFIXES: [&str; 6] = ["sk-", "gsk_", "csk-", "AIza", "xai-", "hf_"];

/// `text` with every occurrence of every secret replaced, longest secret first (so a key that
/// contains another is not left half-shown).
pub fn by_value<'a>(text: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut sorted: Vec<&String> = Vec::new();
    for s in secrets {
        if s.len() >= MIN_SECRET_LEN {
            sorted.push(s);
        }
    }
    crate::core::sort::sort_by_key(&mut sorted, |s| std::cmp::Reverse(s.len()));
    let mut out = Cow::Borrowed(text);
    // `text::find` rather than `str::replace`: std's substring searcher costs KBs of wasm.
    for secret in sorted {
        let Some(first) = text::find(&out, secret) else {
            continue;
        };
        let mut done = String::with_capacity(out.len());
        let mut rest: &str = &out;
        let mut at = Some(first);
        while let Some(i) = at {
            done.push_str(rest.get(..i).unwrap_or_default());
            done.push_str(REDACTED);
            rest = rest.get(i + secret.len()..).unwrap_or_default();
            at = text::find(rest, secret);
        }
        done.push_str(rest);
        out = Cow::Owned(done);
    }
    out
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `word` with every run of key characters that starts with a key prefix replaced (whatever
/// surrounds it: `key=sk-...`, `"sk-..."`, `<b>sk-...</b>`).
pub fn prefixed(word: &str) -> Cow<'_, str> {
    if !KEY_PREFIXES.iter().any(|p| text::contains(word, p)) {
        return Cow::Borrowed(word);
    }
    let bytes = word.as_bytes();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    // Key characters are ASCII, so every run boundary is a char boundary.
    while i < bytes.len() {
        let start = i;
        while bytes.get(i).is_some_and(|b| is_key_byte(*b)) {
            i += 1;
        }
        let run = word.get(start..i).unwrap_or_default();
        let secret = !run.is_empty() && KEY_PREFIXES.iter().any(|p| run.starts_with(p));
        out.push_str(if secret { REDACTED } else { run });
        let between = i;
        while bytes.get(i).is_some_and(|b| !is_key_byte(*b)) {
            i += 1;
        }
        out.push_str(word.get(between..i).unwrap_or_default());
    }
    Cow::Owned(out)
}

/// Every rule at once: held secrets by value, then key-like runs and the word after "Bearer".
/// Whitespace comes out as single spaces.
pub fn all(text: &str, secrets: &[String]) -> String {
    let text = by_value(text, secrets);
    let mut out = String::with_capacity(text.len());
    let mut redact_next = false;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if redact_next {
            out.push_str(REDACTED);
        } else {
            out.push_str(&prefixed(word));
        }
        redact_next = word.eq_ignore_ascii_case("bearer");
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
    fn a_key_holding_another_is_redacted_whole() {
        let keys = vec!["abcd1234".to_string(), "abcd1234XYZW".to_string()];
        assert_eq!(by_value("k=abcd1234XYZW", &keys), "k=[redacted]");
    }

    #[test]
    fn prefixed_runs() {
        assert_eq!(prefixed("key=sk-or-v1-ab12"), "key=[redacted]");
        assert_eq!(prefixed("\"sk-1\"}"), "\"[redacted]\"}");
        assert_eq!(prefixed("task-based"), "task-based");
    }
}
