//! JSON text from JavaScript (`JSON.stringify` of whatever a caller passed) and from upstreams,
//! read the way JS reads it: a lone UTF-16 surrogate (text cut mid-emoji; JSON.stringify writes
//! it as `\ud83d`, JSON.parse accepts it) becomes U+FFFD, as TextEncoder would encode it, and a
//! document nested too deeply is refused naming the field where it got too deep.

use std::borrow::Cow;

use crate::core::error::Error;
use crate::core::json::{self, ParseError, Value};

/// `text` with every `\u` escape of a lone surrogate replaced by `\ufffd`. Pairs, other
/// escapes (including an escaped backslash followed by `u`) and everything else stay as they are.
pub fn well_formed_escapes(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !crate::core::text::contains(text, "\\u") {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'\\') {
            i += 1;
            continue;
        }
        let Some(unit) = hex_escape(bytes, i) else {
            i += 2; // `\` and the escaped character: an escaped backslash is skipped whole
            continue;
        };
        let lone = match unit {
            0xD800..=0xDBFF => !matches!(hex_escape(bytes, i + 6), Some(0xDC00..=0xDFFF)),
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(text.get(copied..i).unwrap_or_default());
            o.push_str("\\ufffd");
            copied = i + 6;
            i += 6;
        } else if (0xD800..=0xDBFF).contains(&unit) {
            i += 12; // the pair
        } else {
            i += 6;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(text.get(copied..).unwrap_or_default());
            Cow::Owned(o)
        }
    }
}

/// The UTF-16 unit of a `\uXXXX` escape at `at`, if there is one.
fn hex_escape(bytes: &[u8], at: usize) -> Option<u16> {
    let esc = bytes.get(at..at + 6)?;
    if esc.first() != Some(&b'\\') || esc.get(1) != Some(&b'u') {
        return None;
    }
    let mut unit = 0u16;
    for &b in esc.get(2..)? {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        unit = unit << 4 | u16::from(digit);
    }
    Some(unit)
}

/// JSON text from JS as a value, or `invalid_argument` "{what} not valid JSON: ..." that names
/// the field when the document is nested too deeply.
#[inline(never)]
pub fn parse_argument(text: &str, what: &str, root: &str) -> Result<Value, Error> {
    let text = well_formed_escapes(text);
    json::from_str(&text).map_err(|e| Error::invalid(describe(&text, &e, what, root)))
}

/// Upstream JSON (a stream chunk, an error body) read as JSON.parse would: a lone surrogate is
/// U+FFFD instead of an error.
pub fn parse_upstream(text: &str) -> Result<Value, ParseError> {
    match json::from_str(text) {
        Err(_) if crate::core::text::contains(text, "\\u") => {
            json::from_str(&well_formed_escapes(text))
        }
        r => r,
    }
}

fn describe(text: &str, e: &ParseError, what: &str, root: &str) -> String {
    if e.what == "recursion limit exceeded" {
        // JSON.stringify writes one line: the column is the byte offset + 1.
        let at = if e.line == 1 {
            e.column.saturating_sub(1)
        } else {
            text.len()
        };
        return format!(
            "{what} nested deeper than 128 levels at {}; flatten it (a json_schema usually can be)",
            path_at(text, at, root)
        );
    }
    format!("{what} not valid JSON: {e}")
}

/// The path (`request.response_format.json_schema.schema.properties.a...`) of the value being
/// read at byte `at` of a JSON document, shortened after a few steps.
pub fn path_at(text: &str, at: usize, root: &str) -> String {
    let bytes = text.as_bytes();
    // Per open container: (is an array, element index or key start, key end).
    let mut stack: Vec<(bool, usize, usize)> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while i < at.min(bytes.len()) {
        match bytes.get(i).copied().unwrap_or(b' ') {
            b'{' => {
                stack.push((false, 0, 0));
                expect_key = true;
            }
            b'[' => stack.push((true, 0, 0)),
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => match stack.last_mut() {
                Some((true, n, _)) => *n += 1,
                Some(_) => expect_key = true,
                None => {}
            },
            b'"' => {
                let end = string_end(bytes, i);
                if let (true, Some(top)) = (expect_key, stack.last_mut()) {
                    // The raw key (escapes left as written): enough to find the field.
                    *top = (false, i + 1, end.saturating_sub(1));
                    expect_key = false;
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = root.to_string();
    for (n, &(array, a, b)) in stack.iter().enumerate() {
        if n >= 8 {
            path.push('…');
            break;
        }
        if array {
            path.push('[');
            path.push_str(&a.to_string());
            path.push(']');
        } else if let Some(key) = text.get(a..b).filter(|k| !k.is_empty()) {
            path.push('.');
            path.push_str(key);
        }
    }
    path
}

/// The byte after the string starting at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}
