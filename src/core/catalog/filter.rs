//! The `listModels` filter and sort, read from JSON.

use crate::core::json::Value;

use super::model::Capability;
use crate::core::error::Error;
use crate::core::sort;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    Context,
    Price,
    Latency,
    Newest,
    Id,
}

impl SortKey {
    // An inherent lookup returning Option, like `ProviderKind::from_id`; `FromStr` would force
    // an error type nobody needs.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Option<SortKey> {
        Some(match s {
            "context" => SortKey::Context,
            "price" => SortKey::Price,
            "latency" => SortKey::Latency,
            "newest" => SortKey::Newest,
            "id" => SortKey::Id,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Context => "context",
            SortKey::Price => "price",
            SortKey::Latency => "latency",
            SortKey::Newest => "newest",
            SortKey::Id => "id",
        }
    }
}

/// What `listModels` (and the router's candidate search) asks of the catalog.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFilter {
    /// `Some(true)`: free only; `Some(false)`: paid only; `None`: both.
    pub free: Option<bool>,
    pub provider: Option<String>,
    /// Required capabilities.
    pub caps: Vec<Capability>,
    /// Models with an unknown context length pass: other providers rarely report it, and a
    /// too-long prompt fails fast with `context_length`, which the router handles.
    pub min_context: Option<u64>,
    /// USD per million prompt tokens; models with unknown prices never pass.
    pub max_prompt_price: Option<f64>,
    pub search: Option<String>,
    pub include_routers: bool,
    pub include_expired: bool,
    /// `None` keeps catalog order (providers in configuration order, then the provider's order).
    pub sort: Option<SortKey>,
    pub limit: Option<usize>,
}

impl Default for ModelFilter {
    /// API.md: the default filter is `{ free: true }`.
    fn default() -> Self {
        ModelFilter {
            free: Some(true),
            provider: None,
            caps: Vec::new(),
            min_context: None,
            max_prompt_price: None,
            search: None,
            include_routers: false,
            include_expired: false,
            sort: None,
            limit: None,
        }
    }
}

const FILTER_FIELDS: &str =
    "free, provider, vision, tools, toolChoice, structuredOutputs, jsonMode, \
reasoning, minContext, maxPromptPrice, search, includeRouters, includeExpired, sort, limit";

/// A JSON value for an error message, cut short so a huge value cannot flood it.
pub(crate) fn shown(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 80 {
        let mut cut = 77;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Inside the reader an error is its message: a String moves through `?` cheaper than an Error.
type R<T> = Result<T, String>;

fn field_err(key: &str, what: &str, v: &Value) -> String {
    format!("filter.{key} must be {what}, got {}", shown(v))
}

fn opt_bool(key: &str, v: &Value) -> R<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        _ => Err(field_err(key, "true or false", v)),
    }
}

fn opt_num(key: &str, v: &Value) -> R<Option<f64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            _ => Err(field_err(key, "a non-negative number", v)),
        },
        _ => Err(field_err(key, "a non-negative number", v)),
    }
}

fn opt_str(key: &str, v: &Value) -> R<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(field_err(key, "a string", v)),
    }
}

/// Parse a ModelFilter from a JSON object with API.md's camelCase names. `null` (or a missing
/// filter) is the default filter; a field set to `null` is "no constraint" (so `free: null` lists
/// free and paid models). Capability flags only ever require: `vision: false` means "don't care".
/// Wrong types and unknown fields are `invalid_argument` naming the field.
pub fn filter_from_json(v: &Value) -> Result<ModelFilter, Error> {
    filter(v).map_err(Error::invalid)
}

fn filter(v: &Value) -> R<ModelFilter> {
    let mut f = ModelFilter::default();
    let obj = match v {
        Value::Null => return Ok(f),
        Value::Object(o) => o,
        _ => {
            return Err(format!(
                "filter must be an object like {{ free: true, tools: true }}, got {}",
                shown(v)
            ))
        }
    };
    for (key, val) in obj {
        let k = key.as_str();
        if let Some(cap) = Capability::from_name(k) {
            if opt_bool(k, val)? == Some(true) && !f.caps.contains(&cap) {
                f.caps.push(cap);
            }
            continue;
        }
        match k {
            "free" => f.free = opt_bool(k, val)?,
            "provider" => f.provider = opt_str(k, val)?,
            "minContext" => f.min_context = opt_num(k, val)?.map(|x| x.ceil() as u64),
            "maxPromptPrice" => f.max_prompt_price = opt_num(k, val)?,
            "search" => f.search = opt_str(k, val)?.filter(|s| !s.is_empty()),
            "includeRouters" => f.include_routers = opt_bool(k, val)?.unwrap_or(false),
            "includeExpired" => f.include_expired = opt_bool(k, val)?.unwrap_or(false),
            "sort" => {
                f.sort = match val {
                    Value::Null => None,
                    Value::String(s) => SortKey::from_str(s),
                    _ => None,
                };
                if f.sort.is_none() && !val.is_null() {
                    return Err(field_err(
                        k,
                        "one of \"context\", \"price\", \"latency\", \"newest\", \"id\"",
                        val,
                    ));
                }
            }
            "limit" => {
                f.limit = match opt_num(k, val) {
                    Ok(Some(x)) if x.fract() == 0.0 => Some(x as usize),
                    Ok(None) => None,
                    _ => return Err(field_err(k, "a non-negative integer", val)),
                }
            }
            _ => {
                let mut name = key.clone();
                if name.len() > 60 {
                    let mut cut = 60;
                    while !name.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    name.truncate(cut);
                }
                return Err(format!(
                    "filter.{name} is not a known filter field; known fields: {FILTER_FIELDS}"
                ));
            }
        }
    }
    sort::sort(&mut f.caps);
    Ok(f)
}
