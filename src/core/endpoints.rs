//! OpenRouter's per-model endpoints (`GET /api/v1/models/{author}/{slug}/endpoints`) and what
//! they mean for a candidate: no live free endpoint (skip it), a parameter no live free endpoint
//! takes (skip it for requests that need it), and a measured latency to seed "fastest".
//!
//! It is not a request against a `:free` model, so it spends none of the free-model quota
//! (20/min, 50 or 1000/day); the key goes with it only because latencies are null without one.
//! What it says is advice: a model it rules out is set aside until the next catalog refresh,
//! as a 404 on a chat request would set it.

use crate::core::catalog::{CapSet, Capability};
use crate::core::classify::Action;
use crate::core::json::{self, Value};
use crate::core::num;
use crate::core::route::Health;

/// What one model's endpoints say.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// False for a 404: OpenRouter does not know the model any more.
    pub listed: bool,
    /// Some free endpoint is up.
    pub live_free: bool,
    /// What the live free endpoints take between them; None when one of them lists nothing
    /// (an empty list means "not said", as on router entries).
    pub caps: Option<CapSet>,
    /// The lowest median time to first token among the live free endpoints, in ms.
    pub latency_ms: Option<f64>,
}

/// The path under the OpenRouter base URL, e.g. `models/openai/gpt-oss-20b/endpoints` for
/// `openai/gpt-oss-20b:free` (the `:free` variant shares its model's endpoint list). None for
/// ids that are not `author/slug`: routers, `~` aliases, or characters a path would mangle.
pub fn path(model: &str) -> Option<String> {
    let base = model.split(':').next().unwrap_or(model);
    let (author, slug) = base.split_once('/')?;
    if author.is_empty() || slug.is_empty() || author == "openrouter" {
        return None;
    }
    for b in base.bytes() {
        if !(b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.')) {
            return None;
        }
    }
    if slug.contains('/') {
        return None;
    }
    Some(format!("models/{base}/endpoints"))
}

/// A price field: a number or a numeric string; anything else is not a price.
fn price(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => num::parse_f64(s.trim()),
        _ => None,
    }
}

/// Free: the prompt and completion prices are both given and zero (a missing pricing object
/// is unknown, not free).
fn is_free(e: &json::Map) -> bool {
    let Some(p) = e.get("pricing").and_then(Value::as_object) else {
        return false;
    };
    price(p.get("prompt")) == Some(0.0) && price(p.get("completion")) == Some(0.0)
}

/// Up unless the most recent uptime given is 0 %: OpenRouter leaves rate-limited requests out
/// of uptime, so 0 means every other request failed. `status` is not read: its values
/// (0, -1, -2, -3, -5, -10) are not documented.
fn is_up(e: &json::Map) -> bool {
    let recent = ["uptime_last_5m", "uptime_last_30m"];
    for key in recent {
        if let Some(u) = e.get(key).and_then(Value::as_f64) {
            return u > 0.0;
        }
    }
    true
}

/// Add the capabilities a `supported_parameters` list names (the catalog's mapping) to `caps`;
/// false when the list is missing or empty (not said).
fn add_caps(e: &json::Map, caps: &mut CapSet) -> bool {
    let Some(list) = e.get("supported_parameters").and_then(Value::as_array) else {
        return false;
    };
    for p in list {
        let cap = match p.as_str() {
            Some("tools") => Capability::Tools,
            Some("tool_choice") => Capability::ToolChoice,
            Some("structured_outputs") => Capability::StructuredOutputs,
            Some("response_format") => Capability::JsonMode,
            Some("reasoning" | "include_reasoning") => Capability::Reasoning,
            _ => continue,
        };
        caps.insert(cap);
    }
    !list.is_empty()
}

/// Read an answer to the endpoints request. None when it says nothing usable (an error other
/// than OpenRouter's own 404, or a body not of the documented shape): the model is then left
/// as it is. A 404 counts only as `{"error": {...}}`: a proxy's or a stub's page says nothing.
pub fn read(status: u16, body: &str) -> Option<Verdict> {
    let root = json::from_str(body).ok()?;
    let mut v = Verdict {
        listed: status != 404,
        live_free: false,
        caps: None,
        latency_ms: None,
    };
    if status == 404 {
        root.get("error")?.as_object()?;
        return Some(v);
    }
    if !(200..300).contains(&status) {
        return None;
    }
    let list = root.get("data")?.get("endpoints")?.as_array()?;
    let mut caps = CapSet::EMPTY;
    let mut caps_said = true;
    for e in list {
        let Some(e) = e.as_object() else { continue };
        if !is_free(e) || !is_up(e) {
            continue;
        }
        v.live_free = true;
        caps_said &= add_caps(e, &mut caps);
        // The spec's example is in seconds (p50 0.25), live answers are in ms (p50 636): no
        // model's median first token comes under 30 ms or over 30 s, so the size tells.
        let p50 = e.get("latency_last_30m").and_then(|l| l.get("p50"));
        if let Some(x) = p50
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite() && *x > 0.0)
        {
            let ms = if x < 30.0 { x * 1000.0 } else { x };
            v.latency_ms = Some(v.latency_ms.map_or(ms, |old: f64| old.min(ms)));
        }
    }
    if v.live_free && caps_said {
        v.caps = Some(caps);
    }
    Some(v)
}

/// Parameters a request may need that an endpoint list can rule out (vision comes from the
/// model's input modalities, which the list does not repeat).
const CHECKED: [Capability; 5] = [
    Capability::Tools,
    Capability::ToolChoice,
    Capability::StructuredOutputs,
    Capability::JsonMode,
    Capability::Reasoning,
];

/// Apply one provider's answers to the router's health: a model without a live free endpoint
/// is evicted until the next catalog refresh; a parameter none of its live free endpoints
/// takes is learned as missing; a latency seeds "fastest" until the model has its own.
///
/// `route.skipped` then says `evicted` and `capability`, the closest of API.md's reasons:
/// `evicted` is what a 404 "No endpoints found" on a chat request gives and lasts as long
/// (until the catalog is loaded again), and `not_free` means a paid model the call may not
/// use, which a free variant gone from the list is not.
///
/// When a batch of two or more has no live free model at all, the lists are more likely wrong
/// than every model gone (a proxy that 404s the path, a changed shape): no model is evicted
/// for it, and the requests will tell.
pub fn apply(health: &mut Health, provider: &str, answers: &[(String, Verdict)], now_ms: f64) {
    let mut live = 0;
    for (_, v) in answers {
        if v.live_free {
            live += 1;
        }
    }
    let trusted = live > 0 || answers.len() < 2;
    for (model, v) in answers {
        if !v.live_free {
            if trusted {
                health.apply(provider, model, &Action::Evict, now_ms);
            }
            continue;
        }
        if let Some(caps) = v.caps {
            for cap in CHECKED {
                if !caps.has(cap) {
                    health.apply(provider, model, &Action::LacksCapability(cap), now_ms);
                }
            }
        }
        if let Some(ms) = v.latency_ms {
            health.seed_latency(provider, model, ms);
        }
    }
}
