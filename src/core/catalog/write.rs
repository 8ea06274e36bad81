//! A model as JSON for JavaScript.

use super::model::{Capability, ModelInfo, ModelStats, ModelStatus, Pricing};
use crate::core::json::push_str as push_json_str;

fn push_num(out: &mut String, x: Option<f64>) {
    match x.filter(|x| x.is_finite()) {
        // Shortest round-trip text (may use an exponent, valid JSON); not f64's Display,
        // which costs ~14 KB of wasm.
        Some(x) => out.push_str(&crate::core::num::json_num(x)),
        None => out.push_str("null"),
    }
}

fn push_key(out: &mut String, first: bool, key: &str) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

fn push_strs(out: &mut String, v: &[String]) {
    out.push('[');
    for (i, s) in v.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(out, s);
    }
    out.push(']');
}

/// Serialise a model to the API.md `ModelInfo` JSON object (camelCase) into `out`, directly as
/// text. Unknown prices and unknown numbers are `null`.
pub fn write_model_json(out: &mut String, m: &ModelInfo, status: ModelStatus, stats: &ModelStats) {
    let count = |x: Option<u64>| x.map(|c| c as f64);
    out.push('{');
    push_key(out, true, "id");
    push_json_str(out, &m.id);
    push_key(out, false, "provider");
    push_json_str(out, &m.provider);
    push_key(out, false, "name");
    push_json_str(out, &m.name);
    push_key(out, false, "description");
    push_json_str(out, &m.description);
    push_key(out, false, "free");
    out.push_str(if m.free { "true" } else { "false" });
    push_key(out, false, "contextLength");
    push_num(out, count(m.context_length));
    push_key(out, false, "maxOutputTokens");
    push_num(out, count(m.max_output_tokens));
    push_key(out, false, "inputModalities");
    push_strs(out, &m.input_modalities);
    push_key(out, false, "outputModalities");
    push_strs(out, &m.output_modalities);
    push_key(out, false, "capabilities");
    out.push('{');
    for (i, c) in [
        Capability::Tools,
        Capability::ToolChoice,
        Capability::StructuredOutputs,
        Capability::JsonMode,
        Capability::Reasoning,
        Capability::Vision,
    ]
    .into_iter()
    .enumerate()
    {
        push_key(out, i == 0, c.as_str());
        out.push_str(if m.caps.has(c) {
            "true"
        } else if m.has(c) {
            "null"
        } else {
            "false"
        });
    }
    out.push('}');
    push_key(out, false, "pricing");
    out.push('{');
    push_key(out, true, "promptPerMTok");
    push_num(out, Pricing::known(m.pricing.prompt_per_mtok));
    push_key(out, false, "completionPerMTok");
    push_num(out, Pricing::known(m.pricing.completion_per_mtok));
    push_key(out, false, "request");
    push_num(out, Pricing::known(m.pricing.request));
    out.push('}');
    push_key(out, false, "expiresAt");
    match &m.expires_at {
        Some(d) => push_json_str(out, d),
        None => out.push_str("null"),
    }
    push_key(out, false, "created");
    push_num(out, m.created);
    push_key(out, false, "status");
    push_json_str(out, status.as_str());
    push_key(out, false, "stats");
    out.push('{');
    push_key(out, true, "ttftMsP50");
    push_num(out, stats.ttft_ms_p50);
    push_key(out, false, "tokensPerSec");
    push_num(out, stats.tokens_per_sec);
    push_key(out, false, "successRate");
    push_num(out, stats.success_rate);
    out.push_str("}}");
}
