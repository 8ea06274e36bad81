//! Message cleaning: HTML pages, tags, length.

use super::SCAN_MAX;
use crate::core::redact;
use crate::core::text;

pub(super) fn looks_html(t: &str) -> bool {
    t.as_bytes().first() == Some(&b'<')
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
    // Text up to a '<' is kept, the tag up to its '>' becomes one space; whole runs are
    // copied, not char by char.
    let mut rest = text::first_chars(s, SCAN_MAX);
    while let Some((kept, tag)) = text::split_once(rest, "<") {
        out.push_str(kept);
        let Some((_, after)) = text::split_once(tag, ">") else {
            return out;
        };
        out.push(' ');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Whitespace collapsed, anything that looks like a key redacted, cut to `max` (> 0) chars.
/// Keys the client holds were already replaced by value (`redact::by_value`) before this guess.
pub(super) fn clean(s: &str, max: usize) -> String {
    // redact::all's word loop, then the cut: one copy of that loop in the binary.
    let all = redact::all(s, &[]);
    let cut = text::first_chars(&all, max);
    if cut.len() == all.len() {
        return all;
    }
    // A cut that ends a word is kept whole, with no ellipsis.
    if all.as_bytes().get(cut.len()) == Some(&b' ') {
        return cut.to_string();
    }
    text::join2(cut.trim_end(), "…")
}
