//! Model catalog: normalised `ModelInfo`, filters and sorts.
//!
//! Parsing is lenient on purpose: a catalog is a foreign document that changes shape between
//! years (reference section 1.3), so a field of an unexpected type is treated as absent rather
//! than failing the whole list. Only a body that is not JSON, or that has no model array, fails.

// `Error` is the crate's one error type (error.rs, 144 bytes) and these signatures are fixed;
// results are built once per call, so the size costs nothing measurable.

use std::borrow::Cow;

use crate::core::json::{self, Number, Tree, Value};

use super::error::Error;
use super::num;
use super::provider::ProviderKind;
use super::sort;
use super::text;

/// A capability a request can need and a model can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    Vision,
    Tools,
    ToolChoice,
    StructuredOutputs,
    JsonMode,
    Reasoning,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::Vision,
        Capability::Tools,
        Capability::ToolChoice,
        Capability::StructuredOutputs,
        Capability::JsonMode,
        Capability::Reasoning,
    ];

    /// The camelCase name used in `ModelInfo.capabilities` and `ModelFilter`.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Vision => "vision",
            Capability::Tools => "tools",
            Capability::ToolChoice => "toolChoice",
            Capability::StructuredOutputs => "structuredOutputs",
            Capability::JsonMode => "jsonMode",
            Capability::Reasoning => "reasoning",
        }
    }

    /// Words for messages ("No free model supports tools with images").
    pub fn human(self) -> &'static str {
        match self {
            Capability::Vision => "images",
            Capability::Tools => "tools",
            Capability::ToolChoice => "this tool_choice",
            Capability::StructuredOutputs => "structured outputs (json_schema)",
            Capability::JsonMode => "JSON mode",
            Capability::Reasoning => "reasoning",
        }
    }

    /// Inverse of `as_str`.
    pub fn from_name(s: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of capabilities as a bitset: `Copy`, and a subset test is one AND, which keeps
/// re-filtering the catalog cheap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CapSet(u8);

impl CapSet {
    pub const EMPTY: CapSet = CapSet(0);

    pub fn has(self, c: Capability) -> bool {
        self.0 & c.bit() != 0
    }

    pub fn insert(&mut self, c: Capability) {
        self.0 |= c.bit();
    }

    pub fn remove(&mut self, c: Capability) {
        self.0 &= !c.bit();
    }

    /// Whether every capability in `other` is in `self`.
    pub fn contains_all(self, other: CapSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersection(self, other: CapSet) -> CapSet {
        CapSet(self.0 & other.0)
    }

    /// The capabilities of `self` that `other` lacks.
    pub fn minus(self, other: CapSet) -> CapSet {
        CapSet(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Members in `Capability::ALL` order (which is also `Ord` order).
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL.into_iter().filter(move |c| self.has(*c))
    }
}

impl FromIterator<Capability> for CapSet {
    fn from_iter<I: IntoIterator<Item = Capability>>(it: I) -> Self {
        let mut s = CapSet::EMPTY;
        for c in it {
            s.insert(c);
        }
        s
    }
}

/// Prices in USD. A negative value means "unknown": OpenRouter reports `-1` for routers whose
/// price depends on the model they pick, and providers other than OpenRouter give no prices.
/// Unknown prices are never free, never pass `maxPromptPrice` and sort last by price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pricing {
    /// Per million prompt tokens.
    pub prompt_per_mtok: f64,
    /// Per million completion tokens.
    pub completion_per_mtok: f64,
    /// Per request.
    pub request: f64,
}

impl Pricing {
    pub const UNKNOWN_PRICE: f64 = -1.0;
    pub const ZERO: Pricing = Pricing {
        prompt_per_mtok: 0.0,
        completion_per_mtok: 0.0,
        request: 0.0,
    };
    pub const UNKNOWN: Pricing = Pricing {
        prompt_per_mtok: Pricing::UNKNOWN_PRICE,
        completion_per_mtok: Pricing::UNKNOWN_PRICE,
        request: Pricing::UNKNOWN_PRICE,
    };

    /// `Some(price)` when the price is known.
    pub fn known(x: f64) -> Option<f64> {
        (x.is_finite() && x >= 0.0).then_some(x)
    }

    /// Prompt + completion per million tokens, when both are known (the "price" sort key).
    pub fn total_per_mtok(&self) -> Option<f64> {
        Some(Pricing::known(self.prompt_per_mtok)? + Pricing::known(self.completion_per_mtok)?)
    }
}

/// Observed by this client, not by the provider (`null` until observed).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelStats {
    pub ttft_ms_p50: Option<f64>,
    pub tokens_per_sec: Option<f64>,
    pub success_rate: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelStatus {
    Available,
    CoolingDown,
    Evicted,
}

impl ModelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Available => "available",
            ModelStatus::CoolingDown => "cooling_down",
            ModelStatus::Evicted => "evicted",
        }
    }
}

/// One model of one provider, normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    /// The provider's own id, sent as `model` (`models/` prefixes already stripped).
    pub id: String,
    pub provider: String,
    pub name: String,
    pub description: String,
    pub free: bool,
    pub context_length: Option<u64>,
    pub max_output_tokens: Option<u64>,
    pub input_modalities: Vec<String>,
    pub output_modalities: Vec<String>,
    pub caps: CapSet,
    pub pricing: Pricing,
    /// "YYYY-MM-DD": the provider will remove the model on that day.
    pub expires_at: Option<String>,
    /// Midnight UTC of `expires_at`, epoch ms.
    pub expires_at_ms: Option<f64>,
    /// Unix seconds.
    pub created: Option<f64>,
    /// Meta-models that pick another model (`openrouter/*`, tokenizer "Router") and `~` "latest"
    /// aliases. Aliases are not routers strictly, but they duplicate a model that is listed anyway
    /// and silently change target, so they are hidden by default the same way.
    pub is_router: bool,
    /// False when the provider did not say what the model supports: a router entry with an
    /// empty `supported_parameters` (`openrouter/fusion` lists none yet takes tools).
    pub caps_known: bool,
}

impl ModelInfo {
    pub fn is_expired(&self, now_ms: f64) -> bool {
        self.expires_at_ms.is_some_and(|e| now_ms >= e)
    }

    /// Whether the model may serve `c`: unknown capabilities count, since a failure teaches
    /// the router otherwise. Vision comes from the input modalities, which are always listed.
    pub fn has(&self, c: Capability) -> bool {
        self.caps.has(c) || (!self.caps_known && c != Capability::Vision)
    }

    pub fn has_all(&self, need: CapSet) -> bool {
        need.iter().all(|c| self.has(c))
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient JSON fields

pub(crate) use crate::core::json::{Obj, J};

impl<'a> Obj<'a> {
    fn get(&self, key: &str) -> Option<&J<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut J<'a>> {
        self.0
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Entries without the ones a later repeat of their key overrides.
    fn entries(&self) -> impl Iterator<Item = &(Cow<'a, str>, J<'a>)> {
        let e = &self.0;
        e.iter()
            .enumerate()
            .filter(|(i, (k, _))| !e[i + 1..].iter().any(|(n, _)| n == k))
            .map(|(_, x)| x)
    }
}

/// Append `v` as JSON text (numbers in their shortest form, which reads back to the same f64).
pub(crate) fn write_json(out: &mut String, v: &J) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(x) => out.push_str(&num::json_num(x.as_f64().unwrap_or(f64::NAN))),
        J::Str(s) => push_json_str(out, s),
        J::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x);
            }
            out.push(']');
        }
        J::Obj(o) => {
            out.push('{');
            for (i, (k, x)) in o.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_str(out, k);
                out.push(':');
                write_json(out, x);
            }
            out.push('}');
        }
    }
}

impl<'a> J<'a> {
    fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_object(&self) -> Option<&Obj<'a>> {
        match self {
            J::Obj(o) => Some(o),
            _ => None,
        }
    }
}

impl<'a> Tree<'a> for J<'a> {
    type Obj = Obj<'a>;
    fn null() -> J<'a> {
        J::Null
    }
    fn bool(b: bool) -> J<'a> {
        J::Bool(b)
    }
    fn num(n: Number) -> J<'a> {
        J::Num(n)
    }
    fn str(s: Cow<'a, str>) -> J<'a> {
        J::Str(s)
    }
    fn arr(v: Vec<J<'a>>) -> J<'a> {
        J::Arr(v)
    }
    fn new_obj() -> Obj<'a> {
        // Model entries have ~20 keys: skip the smallest growth steps.
        Obj(Vec::with_capacity(8))
    }
    fn push(o: &mut Obj<'a>, k: Cow<'a, str>, v: J<'a>) {
        o.0.push((k, v));
    }
    fn obj(o: Obj<'a>) -> J<'a> {
        J::Obj(o)
    }
}

/// A field of a model entry, read leniently: every parsed field goes through this, so a wrong
/// type never fails a list.
#[derive(Clone, Copy)]
struct Field<'a>(Option<&'a J<'a>>);

impl<'a> Field<'a> {
    fn of(obj: Option<&'a Obj<'a>>, key: &str) -> Field<'a> {
        Field(obj.and_then(|o| o.get(key)))
    }

    /// Numbers, or numeric strings (OpenRouter prices are strings). `Some(NaN)` = present but
    /// not a number, so callers can tell "absent" from "garbage".
    fn num(self) -> Option<f64> {
        match self.0? {
            J::Null => None,
            J::Num(x) => Some(x.as_f64().unwrap_or(f64::NAN)),
            J::Str(s) => Some(num::parse_f64(s.trim()).unwrap_or(f64::NAN)),
            _ => Some(f64::NAN),
        }
    }

    fn count(self) -> Option<u64> {
        let x = self.num()?;
        // `as` saturates, which is what an absurd context length deserves.
        (x.is_finite() && x >= 0.0).then_some(x as u64)
    }

    fn str(self) -> Option<&'a str> {
        self.0?.as_str()
    }

    fn bool(self) -> Option<bool> {
        match self.0? {
            J::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn obj(self) -> Option<&'a Obj<'a>> {
        self.0?.as_object()
    }

    fn list(self) -> Option<&'a Vec<J<'a>>> {
        match self.0? {
            J::Arr(v) => Some(v),
            _ => None,
        }
    }

    fn strs(self) -> impl Iterator<Item = &'a str> {
        self.list()
            .map_or(&[][..], |v| v.as_slice())
            .iter()
            .filter_map(J::as_str)
    }
}

/// OpenRouter's `pricing` object, reduced to what routing needs.
struct RawPricing {
    prompt: f64,
    completion: f64,
    request: f64,
    /// Every price key present is zero (missing keys count as zero: the 2026 shape omits them).
    all_zero: bool,
}

/// Per-unit price from a field: absent = 0, garbage or negative = unknown.
fn price_of(f: Field) -> f64 {
    match f.num() {
        None => 0.0,
        Some(x) => Pricing::known(x).unwrap_or(Pricing::UNKNOWN_PRICE),
    }
}

fn raw_pricing(map: &Obj) -> RawPricing {
    let mut p = RawPricing {
        prompt: 0.0,
        completion: 0.0,
        request: 0.0,
        all_zero: true,
    };
    for (key, v) in map.entries() {
        // Conditional overrides and the discount factor are not prices of the base offer; a
        // free model stays free.
        if key == "overrides" || key == "discount" {
            continue;
        }
        let x = price_of(Field(Some(v)));
        if x != 0.0 {
            p.all_zero = false;
        }
        match key.as_ref() {
            "prompt" => p.prompt = x,
            "completion" => p.completion = x,
            "request" => p.request = x,
            _ => {}
        }
    }
    p
}

/// The body as JSON, or the parse error's text.
pub(crate) fn parse_body(body: &str) -> Result<J<'_>, String> {
    json::parse_all(body).map_err(|e| e.to_string())
}

/// The objects of a model array; other entries are skipped.
fn objects<'a>(list: &'a [J<'a>]) -> impl Iterator<Item = &'a Obj<'a>> {
    list.iter().filter_map(J::as_object)
}

// ---------------------------------------------------------------------------------------------
// OpenRouter

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

// ---------------------------------------------------------------------------------------------
// Dates

/// "YYYY-MM-DD" (optionally followed by a time, which is ignored) -> (date, midnight UTC in ms).
fn expiry(s: Option<&str>) -> (Option<String>, Option<f64>) {
    match s.and_then(parse_date) {
        Some((date, ms)) => (Some(date.to_owned()), Some(ms)),
        None => (None, None),
    }
}

fn parse_date(s: &str) -> Option<(&str, f64)> {
    let b = s.as_bytes();
    let date = s.get(..10)?;
    if b.len() > 10 && !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = date.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        num::parse_u64(part).and_then(|n| i64::try_from(n).ok())
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if d < 1 || d > month_days {
        return None;
    }
    Some((
        date,
        crate::core::time::days_from_civil(y, m, d) as f64 * 86_400_000.0,
    ))
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible providers

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

// ---------------------------------------------------------------------------------------------
// Filter

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

fn field_err(key: &str, what: &str, v: &Value) -> Error {
    Error::invalid(format!("filter.{key} must be {what}, got {}", shown(v)))
}

fn opt_bool(key: &str, v: &Value) -> Result<Option<bool>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        _ => Err(field_err(key, "true or false", v)),
    }
}

fn opt_num(key: &str, v: &Value) -> Result<Option<f64>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            _ => Err(field_err(key, "a non-negative number", v)),
        },
        _ => Err(field_err(key, "a non-negative number", v)),
    }
}

fn opt_str(key: &str, v: &Value) -> Result<Option<String>, Error> {
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
    let mut f = ModelFilter::default();
    let obj = match v {
        Value::Null => return Ok(f),
        Value::Object(o) => o,
        _ => {
            return Err(Error::invalid(format!(
                "filter must be an object like {{ free: true, tools: true }}, got {}",
                shown(v)
            )))
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
                return Err(Error::invalid(format!(
                    "filter.{name} is not a known filter field; known fields: {FILTER_FIELDS}"
                )));
            }
        }
    }
    sort::sort(&mut f.caps);
    Ok(f)
}

// ---------------------------------------------------------------------------------------------
// Catalog

/// Every provider's models, in configuration order, with a lowercase search text per model
/// computed once so that re-filtering allocates nothing per model.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    models: Vec<ModelInfo>,
    /// `hay[i]` = lowercase "id\nname\ndescription" of `models[i]`.
    hay: Vec<String>,
}

fn haystack(m: &ModelInfo) -> String {
    let mut h = String::with_capacity(m.id.len() + m.name.len() + m.description.len() + 2);
    for (i, part) in [&m.id, &m.name, &m.description].into_iter().enumerate() {
        if i > 0 {
            h.push('\n');
        }
        if part.is_ascii() {
            // The common case, a byte at a time.
            let at = h.len();
            h.push_str(part);
            // `get_mut`, not `[at..]`: slicing links str's panic formatting (~2 KB raw).
            if let Some(t) = h.get_mut(at..) {
                t.make_ascii_lowercase();
            }
        } else {
            h.extend(part.chars().map(fold_case));
        }
    }
    h
}

/// Lowercase for search, one char to one char: ASCII, Latin-1, Latin Extended-A, Greek and
/// Cyrillic capitals (the scripts of model names and descriptions). `str::to_lowercase` would
/// bring ~10 KB of Unicode tables into the wasm binary for scripts no catalog uses.
pub(crate) fn fold_case(c: char) -> char {
    let u = c as u32;
    let lower = match u {
        0x41..=0x5A | 0xC0..=0xDE if u != 0xD7 => u + 32,
        0x130 => u32::from(b'i'),
        0x100..=0x137 | 0x14A..=0x177 if u % 2 == 0 => u + 1,
        0x139..=0x148 | 0x179..=0x17E if u % 2 == 1 => u + 1,
        0x178 => 0xFF,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 37,
        0x38C => 0x3CC,
        0x38E | 0x38F => u + 63,
        0x391..=0x3AB if u != 0x3A2 => u + 32,
        0x400..=0x40F => u + 80,
        0x410..=0x42F => u + 32,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x4FF if u % 2 == 0 => u + 1,
        0x4C1..=0x4CE if u % 2 == 1 => u + 1,
        0x4C0 => 0x4CF,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

impl Catalog {
    pub fn new() -> Self {
        Catalog::default()
    }

    /// Replaces that provider's models, keeping its place among the providers so that the
    /// unsorted order stays the configuration order across refreshes.
    pub fn set_provider_models(&mut self, provider: &str, models: Vec<ModelInfo>) {
        let at = self
            .models
            .iter()
            .position(|m| m.provider == provider)
            .unwrap_or(self.models.len());
        let mut keep = self.models.iter().map(|m| m.provider != provider);
        self.hay.retain(|_| keep.next().unwrap_or(true));
        self.models.retain(|m| m.provider != provider);
        let at = at.min(self.models.len());
        // A model the provider lists twice is listed once: the first entry wins.
        let mut unique: Vec<ModelInfo> = Vec::with_capacity(models.len());
        for m in models {
            if !unique.iter().any(|u| u.id == m.id) {
                unique.push(m);
            }
        }
        let mut models = unique;
        for m in &mut models {
            if m.provider != provider {
                m.provider = provider.to_owned();
            }
        }
        let hay: Vec<String> = models.iter().map(haystack).collect();
        self.hay.splice(at..at, hay);
        self.models.splice(at..at, models);
    }

    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    /// First model with that id (of that provider, when given).
    pub fn get(&self, id: &str, provider: Option<&str>) -> Option<&ModelInfo> {
        self.index_of(id, provider).map(|i| &self.models[i])
    }

    /// Where `get` finds its model in `models()`.
    pub fn index_of(&self, id: &str, provider: Option<&str>) -> Option<usize> {
        self.models
            .iter()
            .position(|m| m.id == id && provider.is_none_or(|p| m.provider == p))
    }

    /// Filter + sort; `latency` gives the observed ttft p50 for the "latency" sort (None last).
    /// Ties break by id, then provider, so results are deterministic.
    pub fn query(
        &self,
        f: &ModelFilter,
        now_ms: f64,
        latency: &dyn Fn(&ModelInfo) -> Option<f64>,
    ) -> Vec<&ModelInfo> {
        let hits = self.query_idx(f, now_ms, latency);
        hits.into_iter().map(|i| &self.models[i]).collect()
    }

    /// `query` as indices into `models()`, so a caller can keep per-model data by index.
    pub fn query_idx(
        &self,
        f: &ModelFilter,
        now_ms: f64,
        latency: &dyn Fn(&ModelInfo) -> Option<f64>,
    ) -> Vec<usize> {
        let need: CapSet = f.caps.iter().copied().collect();
        let needle: Option<String> = f
            .search
            .as_deref()
            .map(|s| s.chars().map(fold_case).collect());
        let mut hits: Vec<(f64, usize, &ModelInfo)> = Vec::new();
        for (i, (m, hay)) in self.models.iter().zip(&self.hay).enumerate() {
            let pass = f.free.is_none_or(|fr| m.free == fr)
                && f.provider.as_deref().is_none_or(|p| m.provider == p)
                && m.has_all(need)
                && (f.include_routers || !m.is_router)
                && (f.include_expired || !m.is_expired(now_ms))
                && f.min_context
                    .is_none_or(|min| m.context_length.is_none_or(|c| c >= min))
                && f.max_prompt_price.is_none_or(|max| {
                    Pricing::known(m.pricing.prompt_per_mtok).is_some_and(|p| p <= max)
                })
                && needle.as_deref().is_none_or(|n| text::contains(hay, n));
            if !pass {
                continue;
            }
            // One number per model, ascending; "unknown" is +inf so it sorts last.
            let key = match f.sort {
                None | Some(SortKey::Id) => 0.0,
                Some(SortKey::Context) => m.context_length.map_or(f64::INFINITY, |c| -(c as f64)),
                Some(SortKey::Price) => m.pricing.total_per_mtok().unwrap_or(f64::INFINITY),
                Some(SortKey::Latency) => {
                    latency(m).filter(|x| !x.is_nan()).unwrap_or(f64::INFINITY)
                }
                Some(SortKey::Newest) => m.created.map_or(f64::INFINITY, |c| -c),
            };
            hits.push((key, i, m));
        }
        if f.sort.is_some() {
            sort::sort_by(&mut hits, |a, b| {
                a.0.total_cmp(&b.0)
                    .then_with(|| a.2.id.cmp(&b.2.id))
                    .then_with(|| a.2.provider.cmp(&b.2.provider))
            });
        }
        if let Some(n) = f.limit {
            hits.truncate(n);
        }
        hits.into_iter().map(|(_, i, _)| i).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// JSON output

/// Append `s` as a JSON string literal: the one escaper, `json::push_str`.
pub(crate) use crate::core::json::push_str as push_json_str;

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

#[cfg(test)]
mod fold_tests {
    #[test]
    fn fold_case_agrees_with_to_lowercase_where_it_maps() {
        for c in (0u32..0x500).filter_map(char::from_u32) {
            let std: String = c.to_lowercase().collect();
            let mine = super::fold_case(c);
            if c == '\u{130}' {
                assert_eq!(mine, 'i');
            } else if mine != c {
                assert_eq!(std, mine.to_string(), "{c:?}");
            }
        }
        assert_eq!(super::fold_case('Ж'), 'ж');
        assert_eq!(super::fold_case('Ω'), 'ω');
        assert_eq!(super::fold_case('É'), 'é');
    }
}
