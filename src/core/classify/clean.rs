//! Message cleaning: HTML pages, tags, length.

use super::SCAN_MAX;
use crate::core::redact;
use crate::core::text;

pub(super) fn looks_html(t: &str) -> bool {
    t.starts_with('<')
        || text::contains(&lower_head(t.get(..t.len().min(512)).unwrap_or(t)), "<html")
}

pub(super) fn lower_head(s: &str) -> String {
    let mut end = s.len().min(SCAN_MAX);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // ASCII only: every phrase matched against this is ASCII, and `str::to_lowercase` would
    // bring ~10 KB of Unicode tables into the wasm binary.
    s.get(..end).unwrap_or_default().to_ascii_lowercase()
}

pub(super) fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut in_tag = false;
    for c in s.chars().take(SCAN_MAX) {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whitespace collapsed, anything that looks like a key redacted, cut to `max` chars. Keys the
/// client holds were already replaced by value (`redact::by_value`) before this guess.
pub(super) fn clean(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut redact_next = false;
    for w in s.split_whitespace() {
        if text::char_count(&out) >= max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if redact_next {
            out.push_str(redact::REDACTED);
        } else {
            out.push_str(&redact::prefixed(w));
        }
        redact_next = w.eq_ignore_ascii_case("bearer");
    }
    if text::char_count(&out) > max {
        format!("{}…", text::first_chars(&out, max).trim_end())
    } else {
        out
    }
}
