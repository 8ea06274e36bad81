//! OpenAI-compatible providers' `/models` lists, with capabilities guessed from ids.

use super::dates::expiry;
use super::fields::{objects, parse_body, Field};
use super::model::{CapSet, Capability, ModelInfo, Pricing};
use crate::core::error::Error;
use crate::core::json::{Obj, J};
use crate::core::provider::ProviderKind;
use crate::core::text;

/// Ids of models that cannot chat (embeddings, speech, images, video, classifiers). Routing a
/// chat request to one wastes a request, so they are left out of the catalog.
const NOT_CHAT_HINTS: [&str; 10] = [
    "embed",
    "whisper",
    "tts",
    "orpheus",
    "imagen",
    "veo-",
    "aqa",
    "moderation",
    "-ocr",
    "guard",
];
const VISION_HINTS: [&str; 8] = [
    "vision", "-vl", "vl-", "llama-4", "pixtral", "llava", "gemini", "gemma-3",
];
const REASONING_HINTS: [&str; 8] = [
    "gpt-oss",
    "qwen3",
    "qwq",
    "-r1",
    "magistral",
    "thinking",
    "gemini-2.5",
    "gemini-3",
];
/// Groq documents json_schema support for these families only.
const GROQ_SCHEMA_HINTS: [&str; 3] = ["gpt-oss", "kimi-k2", "llama-4"];

fn hinted(id: &str, hints: &[&str]) -> bool {
    hints.iter().any(|h| text::contains(id, h))
}

/// Capabilities assumed for a model of a provider that does not list them (only Mistral does,
/// partly). These are the documented defaults of each provider's OpenAI-compatible API; an id
/// hint marks what varies per model. A wrong guess costs one failed attempt, which the router
/// classifies (e.g. "does not support tools") and routes around.
///
/// | provider | assumed |
/// |---|---|
/// | groq | tools, toolChoice, jsonMode; structuredOutputs for gpt-oss / kimi-k2 / llama-4 |
/// | cerebras | tools, toolChoice, jsonMode, structuredOutputs |
/// | mistral | jsonMode, structuredOutputs; tools+toolChoice and vision from `capabilities` (tools assumed when it is absent) |
/// | gemini | `gemini-*`: tools, toolChoice, jsonMode, structuredOutputs, vision; other ids (Gemma): none beyond hints |
/// | demo (the offline fake) | all six |
/// | anything else (openai-compatible) | tools only |
///
/// Everywhere: vision when the id contains vision / -vl / vl- / llama-4 / pixtral / llava / gemini /
/// gemma-3; reasoning when it contains gpt-oss / qwen3 / qwq / -r1 / magistral / thinking /
/// gemini-2.5 / gemini-3.
fn default_caps(kind: Option<ProviderKind>, id: &str, mistral: Option<&Obj<'_>>) -> CapSet {
    use Capability::*;
    let mut c = CapSet::EMPTY;
    let add = |c: &mut CapSet, list: &[Capability]| list.iter().for_each(|x| c.insert(*x));
    match kind {
        Some(ProviderKind::Groq) => {
            add(&mut c, &[Tools, ToolChoice, JsonMode]);
            if hinted(id, &GROQ_SCHEMA_HINTS) {
                c.insert(StructuredOutputs);
            }
        }
        Some(ProviderKind::Cerebras) => {
            add(&mut c, &[Tools, ToolChoice, JsonMode, StructuredOutputs])
        }
        Some(ProviderKind::Mistral) => {
            add(&mut c, &[JsonMode, StructuredOutputs]);
            let m = mistral;
            if Field::of(m, "function_calling").bool().unwrap_or(true) {
                add(&mut c, &[Tools, ToolChoice]);
            }
            if Field::of(m, "vision").bool() == Some(true) {
                c.insert(Vision);
            }
            if Field::of(m, "reasoning").bool() == Some(true) {
                c.insert(Reasoning);
            }
        }
        Some(ProviderKind::Gemini) => {
            if id.starts_with("gemini") {
                add(
                    &mut c,
                    &[Tools, ToolChoice, JsonMode, StructuredOutputs, Vision],
                );
            }
        }
        Some(ProviderKind::Demo) => add(&mut c, &Capability::ALL),
        Some(ProviderKind::OpenRouter | ProviderKind::OpenAiCompatible) | None => c.insert(Tools),
    }
    // Mistral says per model whether it sees images; trust that over the id.
    if hinted(id, &VISION_HINTS) && !(kind == Some(ProviderKind::Mistral) && mistral.is_some()) {
        c.insert(Vision);
    }
    if hinted(id, &REASONING_HINTS) {
        c.insert(Reasoning);
    }
    c
}

/// Parse a generic OpenAI-compatible `GET {base}/models` body (`{"data":[{"id", "owned_by",
/// "created"}]}`; Gemini's `models/`-prefixed ids are stripped; Groq's `context_window`, Mistral's
/// `capabilities` and `max_context_length`, Cerebras; also Gemini's native `{"models": [...]}` and
/// a bare array). `free` comes from the provider config and sets prices to zero (else unknown).
/// Capabilities: see `default_caps`. Non-chat models (embeddings, speech, image, guard models,
/// Mistral `completion_chat: false`, Groq `active: false`) are left out.
pub fn parse_openai_models(
    body: &str,
    provider_id: &str,
    free: bool,
) -> Result<Vec<ModelInfo>, Error> {
    let root = parse_body(body).map_err(|e| {
        Error::parse(format!(
            "The model list of {provider_id} is not the expected JSON ({e}); expected {{\"data\": [models]}}."
        ))
        .with_provider(provider_id)
    })?;
    // `{"data": [...]}` (OpenAI, Groq, Mistral, Cerebras, the Gemini compat layer),
    // `{"models": [...]}` (Gemini's native list) or a bare array (Together).
    let list = match &root {
        J::Arr(v) => Some(v),
        J::Obj(o) => Field::of(Some(o), "data")
            .list()
            .or(Field::of(Some(o), "models").list()),
        _ => None,
    };
    let Some(list) = list else {
        return Err(Error::parse(format!(
            "The model list of {provider_id} has no `data` array of models; expected {{\"data\": [models]}}."
        ))
        .with_provider(provider_id));
    };
    let kind = ProviderKind::from_id(provider_id);
    let mut out = Vec::with_capacity(list.len());
    for raw in objects(list) {
        let f = |k: &str| Field::of(Some(raw), k);
        // Gemini's native list has no `id`; its `name` is "models/<id>".
        let Some(full_id) = f("id")
            .str()
            .or(f("name").str().filter(|n| n.starts_with("models/")))
        else {
            continue;
        };
        let id = full_id.strip_prefix("models/").unwrap_or(full_id);
        if id.is_empty() {
            continue;
        }
        let lower = id.to_ascii_lowercase();
        let mistral = f("capabilities").obj();
        let generation_methods = f("supportedGenerationMethods");
        let not_chat = hinted(&lower, &NOT_CHAT_HINTS)
            || Field::of(mistral, "completion_chat").bool() == Some(false)
            || f("active").bool() == Some(false)
            || matches!(
                f("type").str(),
                Some("embedding" | "embeddings" | "image" | "audio" | "moderation" | "rerank")
            )
            || (generation_methods.list().is_some()
                && !generation_methods.strs().any(|m| m == "generateContent"));
        if not_chat {
            continue;
        }
        let caps = default_caps(kind, &lower, mistral);
        let mut input_modalities = vec!["text".to_owned()];
        if caps.has(Capability::Vision) {
            input_modalities.push("image".to_owned());
        }
        let name = ["display_name", "displayName", "name"]
            .into_iter()
            .find_map(|k| {
                f(k).str()
                    .filter(|s| !s.is_empty() && !s.starts_with("models/"))
            })
            .unwrap_or(id);
        let (expires_at, expires_at_ms) = expiry(f("deprecation").str());
        // Context: Groq `context_window`, Mistral `max_context_length`, vLLM `max_model_len`,
        // Gemini native `inputTokenLimit`, others `context_length`.
        let first_count = |keys: &[&str]| keys.iter().find_map(|k| f(k).count());
        out.push(ModelInfo {
            id: id.to_owned(),
            provider: provider_id.to_owned(),
            name: name.to_owned(),
            description: f("description").str().unwrap_or("").to_owned(),
            free,
            context_length: first_count(&[
                "context_window",
                "max_context_length",
                "context_length",
                "max_model_len",
                "inputTokenLimit",
            ]),
            max_output_tokens: first_count(&[
                "max_completion_tokens",
                "max_output_tokens",
                "outputTokenLimit",
            ]),
            input_modalities,
            output_modalities: vec!["text".to_owned()],
            caps,
            pricing: if free {
                Pricing::ZERO
            } else {
                Pricing::UNKNOWN
            },
            expires_at,
            expires_at_ms,
            created: f("created").num().filter(|x| x.is_finite()),
            is_router: false,
            caps_known: true,
        });
    }
    Ok(out)
}
