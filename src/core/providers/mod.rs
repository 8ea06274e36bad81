//! Everything a provider does differently, one file per provider: how a chat request is
//! shaped for it (its `Adapter`), its facts (`FACTS`: catalog access, free pool, day reset,
//! key info, router model) and its documented free-tier limits. Everything speaks the OpenAI
//! chat-completions dialect; the differences are which fields each accepts.

use crate::core::json::{Map, Value};

use crate::core::catalog::{self, ModelInfo};
use crate::core::error::Error;
use crate::core::limits::Scope;
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

/// What a provider does differently besides request shaping.
pub struct Facts {
    /// Its `GET /models` needs no key, so the key does not travel for it.
    pub public_catalog: bool,
    /// Without a key its `GET /models` is still worth asking: self-hosted servers (Ollama,
    /// LM Studio, vLLM, LiteLLM without auth) list models to anyone, and a failure there is how
    /// a call learns the endpoint is down.
    pub keyless_catalog: bool,
    /// Its `GET /models` is in OpenRouter's shape (pricing, architecture, parameters).
    pub openrouter_catalog: bool,
    /// Free models share one account-wide pool, marked by a `:free` id suffix; model ids
    /// look like `author/model`.
    pub free_pool: bool,
    /// Daily windows reset at midnight Pacific instead of UTC.
    pub pacific_day: bool,
    /// `GET /key` reports the key's limits and tier.
    pub key_info: bool,
    /// A model that picks a free model by itself (strategy "router").
    pub router_model: Option<&'static str>,
}

impl Facts {
    /// An OpenAI-compatible endpoint with nothing special.
    pub const PLAIN: Facts = Facts {
        public_catalog: false,
        keyless_catalog: false,
        openrouter_catalog: false,
        free_pool: false,
        pacific_day: false,
        key_info: false,
        router_model: None,
    };
}

pub fn facts(kind: ProviderKind) -> &'static Facts {
    match kind {
        ProviderKind::OpenRouter => &openrouter::FACTS,
        ProviderKind::Gemini => &gemini::FACTS,
        ProviderKind::OpenAiCompatible => &compat::FACTS,
        _ => &Facts::PLAIN,
    }
}

/// Documented free-tier limits of `scope` per `quota::DEFAULT_SLOTS` (0 = not documented).
pub fn documented_limits(kind: ProviderKind, scope: &Scope, credits: bool) -> [u64; 6] {
    match (kind, scope) {
        (ProviderKind::OpenRouter, Scope::OpenRouterFree) => openrouter::free_pool_limits(credits),
        (ProviderKind::Groq, Scope::Model(m)) => groq::model_limits(m),
        (ProviderKind::Gemini, Scope::Model(m)) => gemini::model_limits(m),
        (ProviderKind::Cerebras, Scope::Model(_)) => cerebras::MODEL_LIMITS,
        (ProviderKind::Mistral, Scope::Provider) => mistral::ACCOUNT_LIMITS,
        _ => [0; 6],
    }
}

/// A provider's model list, parsed in its shape.
pub fn parse_catalog(
    kind: ProviderKind,
    body: &str,
    provider_id: &str,
    free: bool,
) -> Result<Vec<ModelInfo>, Error> {
    if facts(kind).openrouter_catalog {
        catalog::parse_openrouter_models(body, provider_id)
    } else {
        catalog::parse_openai_models(body, provider_id, free)
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
