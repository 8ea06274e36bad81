//! Wait hints and numbers in providers' messages, and how long to cool down.

use super::headers::hget;
use super::read::Info;
use super::{parse_duration_ms, parse_retry_after};
use crate::core::limits::{LimitFact, Scope, Source, Unit, Window};
use crate::core::num;
use crate::core::text;

/// The first readable "wait this long" hint, with where it came from.
/// A provider's wait hint, never longer than a timer takes (a garbage header is not a lockout).
pub(super) fn retry_hint(
    info: &Info,
    headers: &[(String, String)],
    now: f64,
) -> Option<(u64, Source)> {
    any_retry_hint(info, headers, now)
        .map(|(ms, source)| (ms.min(crate::core::error::MAX_DELAY_MS), source))
}

fn any_retry_hint(info: &Info, headers: &[(String, String)], now: f64) -> Option<(u64, Source)> {
    if let Some(s) = info.hint_s {
        return Some((ms_ceil(s * 1000.0), Source::Header));
    }
    if let Some(ms) = hget(headers, "retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some((ms, Source::Header));
    }
    if let Some(ms) = info.gemini_delay {
        return Some((ms, Source::Learned));
    }
    message_wait(&info.hay).map(|ms| (ms, Source::Learned))
}

/// "Please try again in 9m52.272s." / "retry in 41.2s" / "try again in 20 seconds".
pub(super) fn message_wait(hay: &str) -> Option<u64> {
    for key in &["try again in ", "retry in ", "retry after "] {
        let Some(i) = text::find(hay, key) else {
            continue;
        };
        let mut words = hay.get(i + key.len()..)?.split_whitespace();
        let first = words.next()?;
        // Trailing punctuation, byte by byte: a char-array pattern is a searcher of its own.
        let mut end = first.len();
        while let Some(b'.' | b',' | b';' | b')') = first.as_bytes().get(end.wrapping_sub(1)) {
            end -= 1;
        }
        let first = first.get(..end)?;
        if let Some(ms) = parse_duration_ms(first) {
            return Some(ms);
        }
        let Some(n) = num::parse_f64(first) else {
            continue;
        };
        let unit = words.next().unwrap_or("s");
        let scale = if unit.starts_with("ms") || unit.starts_with("milli") {
            1.0
        } else if unit.starts_with("min") {
            60_000.0
        } else if unit.starts_with('h') {
            3_600_000.0
        } else {
            1000.0
        };
        return (n.is_finite() && n >= 0.0).then(|| ms_ceil(n * scale));
    }
    None
}

/// Facts stated in words: Groq's "on tokens per day (TPD): Limit 200000, Used 197117" and
/// Gemini's QuotaFailure violations.
pub(super) fn message_facts(
    info: &Info,
    model: &str,
    now: f64,
    hint: Option<u64>,
    facts: &mut Vec<LimitFact>,
) {
    let hay = &info.hay;
    static KINDS: [(&str, Unit, Window); 4] = [
        ("(tpm)", Unit::Tokens, Window::Minute),
        ("(tpd)", Unit::Tokens, Window::Day),
        ("(rpm)", Unit::Requests, Window::Minute),
        ("(rpd)", Unit::Requests, Window::Day),
    ];
    if let Some(&(key, unit, window)) = KINDS.iter().find(|k| text::contains(hay, k.0)) {
        let tail = text::split_once(hay, key).map_or("", |t| t.1);
        let limit = number_after(tail, "limit");
        let used = number_after(tail, "used");
        facts.push(LimitFact {
            scope: Scope::Model(model.to_string()),
            window,
            unit,
            limit,
            remaining: match (limit, used) {
                (Some(l), Some(u)) => Some(l.saturating_sub(u)),
                _ => None,
            },
            reset_at_ms: hint.map(|h| now + h as f64),
            source: Source::Learned,
        });
    }
    for (id, limit) in &info.quota_ids {
        let window = if text::contains(id, "PerDay") {
            Window::Day
        } else if text::contains(id, "PerMinute") {
            Window::Minute
        } else {
            continue;
        };
        let unit = if text::contains(id, "Token") {
            Unit::Tokens
        } else {
            Unit::Requests
        };
        facts.push(LimitFact {
            scope: Scope::Model(model.to_string()),
            window,
            unit,
            limit: *limit,
            remaining: Some(0),
            reset_at_ms: match hint {
                Some(h) if window == Window::Minute => Some(now + h as f64),
                _ => None,
            },
            source: Source::Learned,
        });
    }
}

/// The first integer after `key` within a few characters ("limit 200000", "limit: 20").
fn number_after(s: &str, key: &str) -> Option<u64> {
    let b = s.as_bytes();
    let mut at = text::find(s, key)? + key.len();
    while let Some(b' ' | b':' | b'=') = b.get(at) {
        at += 1;
    }
    let start = at;
    while b.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    num::parse_u64(s.get(start..at)?)
}

/// The model's context size as a provider states it: "maximum context length is 131072 tokens",
/// "too large for model with 32768 maximum context length".
pub(super) fn context_tokens(hay: &str) -> Option<u64> {
    let plausible = |n: u64| (256..=100_000_000).contains(&n);
    for key in &[
        "context length",
        "context window",
        "maximum context",
        "context_length",
    ] {
        let Some(i) = text::find(hay, key) else {
            continue;
        };
        let after = hay.get(i + key.len()..)?;
        let after = after.get(..after.len().min(40)).unwrap_or(after);
        if let Some(n) = first_number(after).filter(|n| plausible(*n)) {
            return Some(n);
        }
        let before = hay.get(i.saturating_sub(30)..i).unwrap_or("");
        if let Some(n) = last_number(before).filter(|n| plausible(*n)) {
            return Some(n);
        }
    }
    None
}

/// The first number in `s`, or with `last` the last: a run of digits and commas ("131,072" is
/// 131072); runs that do not parse (all commas, too long) are skipped. One byte loop and no
/// Vec of the numbers.
fn number_in(s: &str, last: bool) -> Option<u64> {
    let mut found = None;
    let mut digits = String::new();
    let bytes = s.as_bytes();
    // One step past the end ends the last run.
    for i in 0..=bytes.len() {
        match bytes.get(i) {
            Some(&b) if b.is_ascii_digit() => digits.push(char::from(b)),
            Some(b',') => {}
            _ => {
                if let Some(n) = num::parse_u64(&digits) {
                    if !last {
                        return Some(n);
                    }
                    found = Some(n);
                }
                digits.clear();
            }
        }
    }
    found
}

pub(super) fn first_number(s: &str) -> Option<u64> {
    number_in(s, false)
}

pub(super) fn last_number(s: &str) -> Option<u64> {
    number_in(s, true)
}

pub(super) fn cap(hint: Option<u64>, default: u64, cap: u64) -> u64 {
    hint.unwrap_or(default).min(cap)
}

/// Non-negative ms, rounded up; float-to-int casts saturate, NaN becomes 0.
pub(super) fn ms_ceil(ms: f64) -> u64 {
    ms.ceil() as u64
}

/// "1 min", or "1 min (capped from 9 min 53 s by retryAfterCapMs)".
pub(super) fn waited(ms: u64, hint: Option<u64>) -> String {
    match hint {
        Some(h) if h > ms => format!(
            "{} (capped from {} by retryAfterCapMs)",
            text::duration(ms),
            text::duration(h)
        ),
        _ => text::duration(ms),
    }
}
