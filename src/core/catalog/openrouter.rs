//! OpenRouter's `/models` list.

use super::dates::expiry;
use super::fields::{objects, parse_body, raw_pricing, Field};
use super::model::{CapSet, Capability, ModelInfo, Pricing};
use crate::core::error::Error;

fn modalities(f: Field) -> Vec<String> {
    let v: Vec<String> = f.strs().map(str::to_owned).collect();
    // Every chat model takes and gives text; an absent list should not read as "nothing".
    if v.is_empty() {
        vec!["text".to_owned()]
    } else {
        v
    }
}

/// Parse an OpenRouter `/api/v1/models` body (2025 and 2026 shapes; null context lengths; unknown
/// fields; prices as strings or numbers, missing price keys = 0; `data` missing -> error naming it).
/// Entries that are not objects or have no string `id` are skipped.
pub fn parse_openrouter_models(body: &str, provider_id: &str) -> Result<Vec<ModelInfo>, Error> {
    let root = parse_body(body).map_err(|e| {
        Error::parse(format!(
            "The OpenRouter model list is not the expected JSON ({e}); expected {{\"data\": [models]}}."
        ))
        .with_provider(provider_id)
    })?;
    let Some(data) = Field::of(root.as_object(), "data").list() else {
        return Err(Error::parse(
            "The OpenRouter model list has no `data` array of models; expected {\"data\": [models]}.",
        )
        .with_provider(provider_id));
    };
    let mut out = Vec::with_capacity(data.len());
    for raw in objects(data) {
        let f = |k: &str| Field::of(Some(raw), k);
        let Some(id) = f("id").str().filter(|s| !s.is_empty()) else {
            continue;
        };
        let arch = f("architecture").obj();
        let top = f("top_provider").obj();

        let mut caps = CapSet::EMPTY;
        let mut listed = 0;
        for p in f("supported_parameters").strs() {
            listed += 1;
            match p {
                "tools" => caps.insert(Capability::Tools),
                "tool_choice" => caps.insert(Capability::ToolChoice),
                "structured_outputs" => caps.insert(Capability::StructuredOutputs),
                "response_format" => caps.insert(Capability::JsonMode),
                "reasoning" | "include_reasoning" => caps.insert(Capability::Reasoning),
                _ => {}
            }
        }
        let input_modalities = modalities(Field::of(arch, "input_modalities"));
        if input_modalities.iter().any(|m| m == "image") {
            caps.insert(Capability::Vision);
        }

        // A missing pricing object is unknown, not free: "missing keys = 0" applies inside it.
        let (pricing, all_zero) = match f("pricing").obj().map(raw_pricing) {
            Some(p) => (
                Pricing {
                    prompt_per_mtok: per_mtok(p.prompt),
                    completion_per_mtok: per_mtok(p.completion),
                    request: p.request,
                },
                p.all_zero,
            ),
            None => (Pricing::UNKNOWN, false),
        };
        let tokenizer_router = Field::of(arch, "tokenizer").str() == Some("Router");
        let is_router = id.starts_with("openrouter/") || id.starts_with('~') || tokenizer_router;
        let (expires_at, expires_at_ms) = expiry(f("expiration_date").str());

        out.push(ModelInfo {
            id: id.to_owned(),
            provider: provider_id.to_owned(),
            name: f("name").str().unwrap_or(id).to_owned(),
            description: f("description").str().unwrap_or("").to_owned(),
            free: id.ends_with(":free") || all_zero,
            context_length: f("context_length")
                .count()
                .or_else(|| Field::of(top, "context_length").count()),
            max_output_tokens: Field::of(top, "max_completion_tokens").count(),
            input_modalities,
            output_modalities: modalities(Field::of(arch, "output_modalities")),
            caps,
            pricing,
            expires_at,
            expires_at_ms,
            created: f("created").num().filter(|x| x.is_finite()),
            is_router,
            caps_known: listed > 0 || !is_router,
        });
    }
    Ok(out)
}

/// USD per token -> USD per million tokens, rounded to 1e-6 so "0.0000025" reads as 2.5.
fn per_mtok(per_token: f64) -> f64 {
    match Pricing::known(per_token) {
        Some(x) => {
            let y = (x * 1e12).round() / 1e6;
            if y.is_finite() {
                y
            } else {
                Pricing::UNKNOWN_PRICE
            }
        }
        None => Pricing::UNKNOWN_PRICE,
    }
}
