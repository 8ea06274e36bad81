//! What a chat request needs from a model (capabilities, context), and why nothing matched.

// `Error` is the crate's one error type (error.rs, 144 bytes) and these signatures are fixed;
// results are built once per call, so the size costs nothing measurable.

use std::fmt::Write;

use crate::core::json::{Map, Value};

use super::catalog::{shown, CapSet, Capability, ModelInfo};
use super::error::{Error, ErrorCode};
use super::sort;

/// What a request needs from a model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Sorted, no duplicates.
    pub caps: Vec<Capability>,
    /// Estimated prompt size (an over- rather than an under-estimate).
    pub prompt_tokens: u64,
    pub max_tokens: Option<u64>,
    /// `prompt_tokens` + `max_tokens`, or + `OUTPUT_RESERVE` when `max_tokens` is unset.
    pub min_context: u64,
}

impl Needs {
    /// Room kept for the reply when the request does not say how long it may be.
    pub const OUTPUT_RESERVE: u64 = 256;
    /// Rough cost of one image or file part: images are billed by tiles, not by URL length.
    pub const ATTACHMENT_TOKENS: u64 = 1000;
    /// Per-message framing (role markers, separators) in chat templates.
    pub const MESSAGE_OVERHEAD: u64 = 4;

    pub fn cap_set(&self) -> CapSet {
        self.caps.iter().copied().collect()
    }
}

const ROLES: [&str; 5] = ["system", "developer", "user", "assistant", "tool"];

/// Text tokens: about 4 bytes a token in English. Counting UTF-8 bytes instead of chars makes
/// non-Latin text (2-3 bytes a char, and often a token a char) weigh more, which is closer.
fn text_tokens(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(4)
}

/// Length of `v` as compact JSON, without building the string.
fn json_len(v: &Value) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.iter().map(|x| json_len(x) + 1).sum::<usize>(),
        Value::Object(o) => {
            2 + o
                .iter()
                .map(|(k, x)| k.len() + 4 + json_len(x))
                .sum::<usize>()
        }
    }
}

fn json_tokens(v: &Value) -> u64 {
    text_tokens(json_len(v))
}

fn invalid(msg: String) -> Error {
    Error::invalid(msg)
}

/// A present, non-null field.
fn field<'a>(o: &'a Map, k: &str) -> Option<&'a Value> {
    o.get(k).filter(|v| !v.is_null())
}

fn content_tokens(i: usize, parts: &[Value], caps: &mut CapSet) -> Result<u64, Error> {
    let mut t = 0u64;
    for (j, p) in parts.iter().enumerate() {
        let Some(p) = p.as_object() else {
            return Err(invalid(format!(
                "messages[{i}].content[{j}] must be an object like {{type: \"text\", text: \"...\"}}, got {}",
                shown(p)
            )));
        };
        let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
        if matches!(ty, "image_url" | "input_image") || p.contains_key("image_url") {
            caps.insert(Capability::Vision);
            t += Needs::ATTACHMENT_TOKENS;
        } else if matches!(ty, "file" | "input_file" | "input_audio")
            || p.contains_key("file")
            || p.contains_key("input_audio")
        {
            t += Needs::ATTACHMENT_TOKENS;
        }
        if let Some(text) = p.get("text").and_then(Value::as_str) {
            t += text_tokens(text.len());
        }
    }
    Ok(t)
}

/// What a ChatRequest body needs: image parts → Vision; non-empty `tools` → Tools; a
/// `tool_choice` other than "auto"/"none" → ToolChoice; `response_format` json_schema →
/// StructuredOutputs, json_object → JsonMode; `reasoning` (unless `enabled: false` or
/// `effort: "none"`) or `reasoning_effort` other than "none" → Reasoning. Validates `messages`
/// and the types of those fields; errors are `invalid_argument` naming the index and field.
pub fn analyse(req: &Value) -> Result<Needs, Error> {
    let Some(obj) = req.as_object() else {
        return Err(invalid(format!(
            "the request must be an object like {{messages: [{{role: \"user\", content: \"Hi\"}}]}}, got {}",
            shown(req)
        )));
    };
    analyse_object(obj)
}

/// [`analyse`] of a request already known to be an object (no copy into a `Value`).
pub fn analyse_object(obj: &Map) -> Result<Needs, Error> {
    let msgs =
        match obj.get("messages") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(Value::Array(_)) => return Err(invalid(
                "messages must not be empty: add at least one {role: \"user\", content: \"...\"}"
                    .into(),
            )),
            None | Some(Value::Null) => {
                return Err(invalid(
                    "messages is required: an array of {role, content} objects".into(),
                ))
            }
            Some(other) => {
                return Err(invalid(format!(
                    "messages must be an array of {{role, content}} objects, got {}",
                    shown(other)
                )))
            }
        };

    let mut caps = CapSet::EMPTY;
    // The reply is primed with a few tokens too.
    let mut tokens: u64 = 3;
    for (i, m) in msgs.iter().enumerate() {
        let Some(m) = m.as_object() else {
            return Err(invalid(format!(
                "messages[{i}] must be an object with role and content, got {}",
                shown(m)
            )));
        };
        let role = match m.get("role") {
            Some(Value::String(r)) if ROLES.contains(&r.as_str()) => r.as_str(),
            None => {
                return Err(invalid(format!(
                    "messages[{i}].role is required: one of system, developer, user, assistant, tool"
                )))
            }
            Some(other) => {
                return Err(invalid(format!(
                    "messages[{i}].role must be one of system, developer, user, assistant, tool; got {}",
                    shown(other)
                )))
            }
        };
        tokens = tokens.saturating_add(Needs::MESSAGE_OVERHEAD);
        match field(m, "content") {
            Some(Value::String(s)) => tokens = tokens.saturating_add(text_tokens(s.len())),
            Some(Value::Array(parts)) => {
                tokens = tokens.saturating_add(content_tokens(i, parts, &mut caps)?)
            }
            Some(other) => {
                return Err(invalid(format!(
                    "messages[{i}].content must be a string or an array of content parts, got {}",
                    shown(other)
                )))
            }
            None => {
                let calls = field(m, "tool_calls").or_else(|| field(m, "function_call"));
                if role != "assistant" || calls.is_none() {
                    return Err(invalid(format!(
                        "messages[{i}].content is required (a string or an array of content parts); \
                         only an assistant message with tool_calls may leave it null"
                    )));
                }
            }
        }
        if let Some(calls) = field(m, "tool_calls") {
            tokens = tokens.saturating_add(json_tokens(calls));
        }
    }

    match field(obj, "tools") {
        Some(tv @ Value::Array(tools)) if !tools.is_empty() => {
            caps.insert(Capability::Tools);
            tokens = tokens.saturating_add(json_tokens(tv));
        }
        None | Some(Value::Array(_)) => {}
        Some(other) => {
            return Err(invalid(format!(
                "tools must be an array of {{type: \"function\", function: {{name, parameters}}}}, got {}",
                shown(other)
            )))
        }
    }

    match field(obj, "tool_choice") {
        None => {}
        Some(Value::String(s)) if s == "auto" || s == "none" => {}
        Some(Value::String(s)) if s == "required" => caps.insert(Capability::ToolChoice),
        Some(Value::Object(_)) => caps.insert(Capability::ToolChoice),
        Some(other) => {
            return Err(invalid(format!(
                "tool_choice must be \"auto\", \"none\", \"required\" or {{type: \"function\", function: {{name}}}}; got {}",
                shown(other)
            )))
        }
    }

    match field(obj, "response_format") {
        None => {}
        Some(rf @ Value::Object(o)) => {
            match o.get("type") {
                Some(Value::String(t)) if t == "json_schema" => {
                    caps.insert(Capability::StructuredOutputs);
                    tokens = tokens.saturating_add(json_tokens(rf));
                }
                Some(Value::String(t)) if t == "json_object" => caps.insert(Capability::JsonMode),
                // "text" needs nothing; other types are passed through for the provider to judge.
                Some(Value::String(_)) => {}
                other => {
                    return Err(invalid(format!(
                        "response_format.type must be \"text\", \"json_object\" or \"json_schema\"; got {}",
                        shown(other.unwrap_or(&Value::Null))
                    )))
                }
            }
        }
        Some(other) => {
            return Err(invalid(format!(
                "response_format must be an object like {{type: \"json_object\"}}, got {}",
                shown(other)
            )))
        }
    }

    match field(obj, "reasoning") {
        None => {}
        Some(Value::Object(r)) => {
            let off = r.get("enabled") == Some(&Value::Bool(false))
                || r.get("effort").and_then(Value::as_str) == Some("none");
            if !off {
                caps.insert(Capability::Reasoning);
            }
        }
        Some(other) => {
            return Err(invalid(format!(
                "reasoning must be an object like {{effort: \"medium\"}}, got {}",
                shown(other)
            )))
        }
    }
    match field(obj, "reasoning_effort") {
        Some(Value::String(e)) if e != "none" => caps.insert(Capability::Reasoning),
        None | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(invalid(format!(
                "reasoning_effort must be a string such as \"low\", \"medium\" or \"high\", got {}",
                shown(other)
            )))
        }
    }

    let mut max_tokens = None;
    for key in ["max_tokens", "max_completion_tokens"] {
        let Some(v) = field(obj, key) else { continue };
        let n = v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .map(|x| x as u64)
        });
        match n {
            Some(n) => {
                if max_tokens.is_none() {
                    max_tokens = Some(n);
                }
            }
            None => {
                return Err(invalid(format!(
                    "{key} must be a non-negative integer, got {}",
                    shown(v)
                )))
            }
        }
    }

    Ok(Needs {
        caps: caps.iter().collect(),
        prompt_tokens: tokens,
        max_tokens,
        min_context: tokens.saturating_add(max_tokens.unwrap_or(Needs::OUTPUT_RESERVE)),
    })
}

/// "tools", "images", "tools with images", "tools and JSON mode with images".
fn phrase(set: CapSet) -> String {
    let mut s = String::new();
    for c in set.iter().filter(|c| *c != Capability::Vision) {
        if !s.is_empty() {
            s.push_str(" and ");
        }
        s.push_str(c.human());
    }
    if set.has(Capability::Vision) {
        s.push_str(if s.is_empty() {
            "images"
        } else {
            " with images"
        });
    }
    s
}

/// "a, b, c".
fn id_list(ids: &[&str]) -> String {
    crate::core::text::join(ids, ", ")
}

/// Explain why nothing matched, given the models that pass every non-capability filter: name
/// the unmet needs and up to 3 closest models (missing the fewest needed capabilities).
/// `capability_unsupported` when no model has every needed capability, else `no_candidates`.
pub fn explain_no_candidates(needs: &Needs, pool: &[&ModelInfo]) -> Error {
    let need = needs.cap_set();
    let all_free = !pool.is_empty() && pool.iter().all(|m| m.free);
    let kind = if all_free { "free model" } else { "model" };
    let paid_hint = if all_free {
        ", or set budget.maxUsd above 0 to allow paid models"
    } else {
        ""
    };
    if pool.is_empty() {
        return Error::new(
            ErrorCode::NoCandidates,
            "No model is available: none in the catalog passes the filters. Refresh the catalog, \
             check the provider and filter options, or add a provider.",
        );
    }

    if !need.is_empty() && !pool.iter().any(|m| m.caps.contains_all(need)) {
        // Group the pool by which of the needed capabilities each model has; the best group has
        // the most of them, then the most members, then lacks images (dropping images is the
        // usual workaround, so "N support tools without images" is the more useful hint).
        let mut groups: Vec<(CapSet, Vec<&str>)> = Vec::new();
        for m in pool {
            let have = m.caps.intersection(need);
            match groups.iter_mut().find(|g| g.0 == have) {
                Some(g) => g.1.push(&m.id),
                None => groups.push((have, vec![&m.id])),
            }
        }
        let best = groups
            .into_iter()
            .max_by_key(|g| (g.0.len(), g.1.len(), !g.0.has(Capability::Vision)));
        let mut msg = format!("No {kind} supports {}", phrase(need));
        match best {
            Some((have, mut ids)) if !have.is_empty() => {
                sort::sort(&mut ids);
                ids.dedup();
                let n = ids.len();
                ids.truncate(3);
                let _ = write!(
                    msg,
                    "; {n} support{} {} without {}: {}.",
                    if n == 1 { "s" } else { "" },
                    phrase(have),
                    phrase(need.minus(have)),
                    id_list(&ids)
                );
            }
            _ => {
                let _ = write!(
                    msg,
                    "; none of the {} candidates supports any of it.",
                    pool.len()
                );
            }
        }
        let _ = write!(
            msg,
            " Remove what is unsupported from the request, add a provider whose models support it{paid_hint}."
        );
        return Error::new(ErrorCode::CapabilityUnsupported, msg);
    }

    let capable: Vec<&&ModelInfo> = pool.iter().filter(|m| m.caps.contains_all(need)).collect();
    let fits = |m: &&&ModelInfo| m.context_length.is_none_or(|c| c >= needs.min_context);
    if !capable.iter().any(fits) {
        let largest = capable
            .iter()
            .filter_map(|m| Some((m.context_length?, m.id.as_str())))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        let with = if need.is_empty() {
            String::new()
        } else {
            format!(" with {}", phrase(need))
        };
        let mut msg = format!(
            "No {kind}{with} has a context window of {} tokens (about {} for the prompt + {} for the reply)",
            needs.min_context,
            needs.prompt_tokens,
            needs.max_tokens.unwrap_or(Needs::OUTPUT_RESERVE)
        );
        if let Some((c, id)) = largest {
            let _ = write!(msg, "; the largest is {id} with {c}");
        }
        msg.push_str(". Shorten the conversation or lower max_tokens.");
        return Error::new(ErrorCode::NoCandidates, msg);
    }

    Error::new(
        ErrorCode::NoCandidates,
        format!(
            "Every {kind} that fits this request is cooling down or unavailable right now. Retry \
             later, add a provider{paid_hint}."
        ),
    )
}
