//! One adapter per provider kind: how a chat request is shaped for it. Everything speaks the
//! OpenAI chat-completions dialect; the differences are which fields each accepts.

use crate::core::json::{Map, Value};

use crate::core::provider::ProviderKind;

mod cerebras;
mod compat;
mod gemini;
mod groq;
mod mistral;
mod openrouter;

/// What one attempt sends besides the user's request.
#[derive(Clone, Debug, Default)]
pub struct CallShape<'a> {
    /// The provider's own model id.
    pub model: &'a str,
    /// OpenRouter sticky routing.
    pub session: Option<&'a str>,
    /// A cap the router imposes (a paid model's worst-case cost must be bounded).
    pub max_tokens: Option<u64>,
}

pub trait Adapter {
    /// The body to POST to `{baseUrl}/chat/completions`, streaming.
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map;

    /// Whether the OpenRouter attribution headers (HTTP-Referer, X-OpenRouter-Title) may be
    /// sent: any other header can break a provider's CORS preflight.
    fn attribution(&self) -> bool {
        false
    }
}

pub fn for_kind(kind: ProviderKind) -> &'static dyn Adapter {
    match kind {
        ProviderKind::OpenRouter => &openrouter::OpenRouter,
        ProviderKind::Groq => &groq::Groq,
        ProviderKind::Gemini => &gemini::Gemini,
        ProviderKind::Mistral => &mistral::Mistral,
        ProviderKind::Cerebras => &cerebras::Cerebras,
        ProviderKind::OpenAiCompatible | ProviderKind::Demo => &compat::Compat,
    }
}

/// Fields only the router or OpenRouter understand; other providers may reject them.
const ROUTING_FIELDS: [&str; 11] = [
    "model",
    "models",
    "stream",
    "stream_options",
    "session_id",
    "provider",
    "plugins",
    "transforms",
    "route",
    "usage",
    "debug",
];

/// The user's request without routing fields, plus model and `stream: true`.
fn base(req: &Map, call: &CallShape, keep: &[&str]) -> Map {
    // Inserted one by one: collecting into a map sorts first, and that links a std sort.
    let mut body = Map::new();
    for (k, v) in req {
        let routing = ROUTING_FIELDS.contains(&k.as_str()) && !keep.contains(&k.as_str());
        if !routing && k != "model" && k != "stream" {
            body.insert(k.clone(), v.clone());
        }
    }
    body.insert("model".into(), call.model.into());
    body.insert("stream".into(), true.into());
    if let Some(cap) = call.max_tokens {
        cap_tokens(&mut body, cap);
    }
    body
}

/// Bound the reply length: keep a smaller value the user gave, else set ours.
fn cap_tokens(body: &mut Map, cap: u64) {
    let given = ["max_tokens", "max_completion_tokens"]
        .iter()
        .filter_map(|k| body.get(k).and_then(Value::as_u64))
        .min();
    let v = given.map_or(cap, |g| g.min(cap));
    if body.contains_key("max_completion_tokens") {
        body.insert("max_completion_tokens".into(), v.into());
    }
    if body.contains_key("max_tokens") || !body.contains_key("max_completion_tokens") {
        body.insert("max_tokens".into(), v.into());
    }
}

/// OpenAI-compatible servers send usage in the last chunk only when asked.
fn ask_usage(body: &mut Map) {
    let mut so = Map::new();
    so.insert("include_usage".into(), true.into());
    body.insert("stream_options".into(), Value::Object(so));
}

/// Keep only the fields a strict provider accepts.
fn only(body: &mut Map, allowed: &[&str]) {
    body.retain(|k, _| allowed.contains(&k.as_str()));
}

#[cfg(test)]
mod tests;
