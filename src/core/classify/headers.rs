//! Limits and counts in rate-limit headers.

use super::parse_duration_ms;
use crate::core::limits::{LimitFact, Scope, Source, Unit, Window};
use crate::core::num;
use crate::core::provider::ProviderKind;
use crate::core::text;

pub(super) fn hget<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The window of facts from plain OpenRouter-style headers (no unit or window in the name),
/// resolved once all headers are read. No header name states it.
const UNRESOLVED: Window = Window::Millis(0);

/// `pool` is the window of OpenRouter's free pool when the body named that pool: plain
/// `X-RateLimit-*` headers then describe it; without it their window is guessed from the reset
/// time.
pub(super) fn header_facts(
    kind: ProviderKind,
    model: &str,
    headers: &[(String, String)],
    now: f64,
    pool: Option<Window>,
    free: bool,
) -> Vec<LimitFact> {
    // One fact per (unit, window), in the order first seen.
    let mut acc: Vec<LimitFact> = Vec::new();
    for (name, value) in headers {
        let lname = name.to_ascii_lowercase();
        let Some(rest) = lname.strip_prefix("x-ratelimit-") else {
            continue;
        };
        let (field, tail) = text::split_once(rest, "-").unwrap_or((rest, ""));
        let Some((unit, window)) = unit_window(kind, tail) else {
            continue;
        };
        let mut at = None;
        for (i, f) in acc.iter().enumerate() {
            if f.unit == unit && f.window == window {
                at = Some(i);
                break;
            }
        }
        let at = match at {
            Some(i) => i,
            None => {
                // Built only for a new entry: fewer Scope drops in the loop.
                let scope = match pool {
                    Some(_) if window == UNRESOLVED => Scope::OpenRouterFree,
                    None if window == UNRESOLVED && kind == ProviderKind::OpenRouter && free => {
                        Scope::OpenRouterFree
                    }
                    _ if matches!(kind, ProviderKind::Mistral | ProviderKind::OpenRouter) => {
                        Scope::Provider
                    }
                    _ => Scope::Model(model.to_string()),
                };
                acc.push(LimitFact {
                    scope,
                    window,
                    unit,
                    limit: None,
                    remaining: None,
                    reset_at_ms: None,
                    source: Source::Header,
                });
                acc.len() - 1
            }
        };
        let Some(f) = acc.get_mut(at) else {
            continue;
        };
        match field {
            "limit" => f.limit = f.limit.or(count(value, None)),
            // LiteLLM counts past its limit (-1, -2, ...) when it does not enforce it: none left.
            "remaining" => f.remaining = f.remaining.or(count(value, Some(0))),
            "reset" => f.reset_at_ms = f.reset_at_ms.or(reset_at(value, now)),
            _ => {}
        }
    }
    // A plain loop: the filter/map/collect chain costs more wasm.
    let mut out = Vec::new();
    for mut f in acc {
        if f.limit.is_none() && f.remaining.is_none() && f.reset_at_ms.is_none() {
            continue;
        }
        if f.window == UNRESOLVED {
            f.window = match pool {
                Some(w) => w,
                None => match f.reset_at_ms {
                    Some(r) if r - now <= 120_000.0 => Window::Minute,
                    Some(_) => Window::Day,
                    None if f.limit.is_some_and(|l| l > 20) => Window::Day,
                    None => Window::Minute,
                },
            };
        }
        out.push(f);
    }
    out
}

/// The unit and window a header name's tail states ("requests-day", "tokens", "" for plain
/// OpenRouter style); None for windows the ledger does not model (month, ...).
fn unit_window(kind: ProviderKind, tail: &str) -> Option<(Unit, Window)> {
    if tail.is_empty() {
        return Some((Unit::Requests, UNRESOLVED));
    }
    let unit = if tail.starts_with("req") {
        Unit::Requests
    } else if tail.starts_with("tok") {
        Unit::Tokens
    } else {
        return None;
    };
    let window = if tail.ends_with("-day") {
        Window::Day
    } else if tail.ends_with("-minute") {
        Window::Minute
    } else if tail.ends_with("-hour") {
        Window::Hour
    } else if tail.ends_with("-second") {
        Window::Millis(1000)
    } else if text::contains(tail, "-") {
        return None;
    } else if kind == ProviderKind::Groq && unit == Unit::Requests {
        Window::Day // Groq's request headers count per day, its token headers per minute
    } else {
        Window::Minute
    };
    Some((unit, window))
}

/// A count header: a finite number; a negative one reads as `negative`.
fn count(v: &str, negative: Option<u64>) -> Option<u64> {
    let n = num::parse_f64(v.trim())?;
    if !n.is_finite() {
        None
    } else if n >= 0.0 {
        Some(n as u64)
    } else {
        negative
    }
}

/// A reset header: a Go duration ("7.66s"), or a number that is epoch ms, epoch seconds or
/// delta seconds depending on its size.
fn reset_at(v: &str, now: f64) -> Option<f64> {
    if let Some(ms) = parse_duration_ms(v) {
        return Some(now + ms as f64);
    }
    let n = num::parse_f64(v.trim())?;
    if !n.is_finite() || n < 0.0 {
        None
    } else if n >= 1e12 {
        Some(n)
    } else if n >= 1e9 {
        Some(n * 1000.0)
    } else {
        Some(now + n * 1000.0)
    }
}

/// The window a bare "retry in N" describes. Under a minute it is taken to be N long (rounded
/// up to whole seconds): what was sent in the last N then approximates the provider's rate,
/// where a minute-long guess would pace far below it.
pub(super) fn window_for(ms: u64) -> Window {
    match ms {
        0..=59_999 => Window::Millis(ms.div_ceil(1000).max(1) * 1000),
        60_000 => Window::Minute,
        60_001..=3_600_000 => Window::Hour,
        _ => Window::Day,
    }
}
