//! OpenAI-compatible chunk types, chunk -> `ChatDelta`, and the accumulator that turns a stream
//! into a `chat.completion` object.
//!
//! Chunks are parsed with borrowed strings: on the per-token path the only allocation is the
//! delta text itself, and only when it contains escapes.

use std::borrow::Cow;

use crate::core::json::{Map, Value};

use crate::core::error::{Error, ErrorCode};
use crate::core::map::Put;

/// The top-level fields of a `chat.completion.chunk` this crate reads, borrowed from the
/// payload (owned only when a string had escapes). Each is `None` when absent or null; a field
/// of the wrong type fails the chunk.
#[derive(Default)]
struct Chunk<'a> {
    id: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    provider: Option<Cow<'a, str>>,
    created: Option<f64>,
    usage: Option<&'a Value>,
    error: Option<&'a Value>,
}

#[derive(Default)]
struct ChunkChoice<'a> {
    delta: Option<RawDelta<'a>>,
    /// Some providers send a full `message` in the last chunk instead of a delta.
    message: Option<RawDelta<'a>>,
    finish_reason: Option<Cow<'a, str>>,
    error: Option<&'a Value>,
}

#[derive(Default)]
struct RawDelta<'a> {
    content: Option<Cow<'a, str>>,
    reasoning: Option<Cow<'a, str>>,
    reasoning_content: Option<Cow<'a, str>>,
    /// `(text, summary)` of each `reasoning_details` entry.
    reasoning_details: Vec<(Option<&'a str>, Option<&'a str>)>,
    tool_calls: &'a [Value],
}

/// The payload is parsed once into a `Value` (the JSON reader the rest of the crate uses) and
/// read through these checked accessors; derived chunk structs cost ~12 KB of wasm.
type Obj = Map;

/// `key` of `o` read by `get`: `None` when absent or null, an error naming `want` otherwise.
fn field<'a, T>(
    o: &'a Obj,
    key: &str,
    want: &str,
    get: fn(&'a Value) -> Option<T>,
) -> Result<Option<T>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => get(v)
            .map(Some)
            .ok_or_else(|| format!("invalid type: `{key}` is not {want}")),
    }
}

fn text<'a>(o: &'a Obj, key: &str) -> Result<Option<&'a str>, String> {
    field(o, key, "a string", Value::as_str)
}

fn cow<'a>(o: &'a Obj, key: &str) -> Result<Option<Cow<'a, str>>, String> {
    Ok(text(o, key)?.map(Cow::Borrowed))
}

/// The objects of array field `key` (each entry must be an object).
fn objects<'a>(o: &'a Obj, key: &str) -> Result<Vec<&'a Obj>, String> {
    let list = field(o, key, "an array", Value::as_array)?;
    let list = list.map_or(&[][..], |v| v.as_slice());
    let mut out = Vec::with_capacity(list.len());
    for x in list {
        match x.as_object() {
            Some(o) => out.push(o),
            None => {
                return Err(format!(
                    "invalid type: an entry of `{key}` is not an object"
                ))
            }
        }
    }
    Ok(out)
}

fn not_null<'a>(o: &'a Obj, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

impl<'a> RawDelta<'a> {
    fn read(o: &'a Obj, key: &str) -> Result<Option<Self>, String> {
        let Some(d) = field(o, key, "an object", Value::as_object)? else {
            return Ok(None);
        };
        let mut details = Vec::new();
        for x in objects(d, "reasoning_details")? {
            details.push((text(x, "text")?, text(x, "summary")?));
        }
        Ok(Some(RawDelta {
            content: cow(d, "content")?,
            reasoning: cow(d, "reasoning")?,
            reasoning_content: cow(d, "reasoning_content")?,
            reasoning_details: details,
            tool_calls: field(d, "tool_calls", "an array", Value::as_array)?
                .map_or(&[][..], |v| v.as_slice()),
        }))
    }
}

impl<'a> Chunk<'a> {
    fn read(v: &'a Value) -> Result<(Self, Vec<ChunkChoice<'a>>), String> {
        let o = v
            .as_object()
            .ok_or_else(|| "invalid type: expected an object".to_string())?;
        let mut choices = Vec::new();
        for c in objects(o, "choices")? {
            choices.push(ChunkChoice {
                delta: RawDelta::read(c, "delta")?,
                message: RawDelta::read(c, "message")?,
                finish_reason: cow(c, "finish_reason")?,
                error: not_null(c, "error"),
            });
        }
        let chunk = Chunk {
            id: cow(o, "id")?,
            model: cow(o, "model")?,
            provider: cow(o, "provider")?,
            created: field(o, "created", "a number", Value::as_f64)?,
            usage: not_null(o, "usage"),
            error: not_null(o, "error"),
        };
        Ok((chunk, choices))
    }
}

/// One streamed fragment, as yielded to JavaScript.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatDelta {
    pub content: Option<String>,
    /// Instead of `content`, a text the accumulator shares ([`Accumulator::share`]): it is
    /// `Accumulator::content[shared]` (a multi-megabyte text is then held once, not twice).
    pub shared: Option<std::ops::Range<usize>>,
    pub reasoning: Option<String>,
    /// Tool-call fragments as sent (`{index, id?, type?, function: {name?, arguments?}}`).
    pub tool_calls: Vec<Value>,
    pub finish_reason: Option<String>,
    pub usage: Option<Value>,
}

impl ChatDelta {
    /// Carries something the user asked for (text, reasoning or a tool call), as opposed to a
    /// role-only or empty keep-alive chunk. The router may only fall back before the first one.
    pub fn is_token(&self) -> bool {
        self.content.as_deref().is_some_and(|s| !s.is_empty())
            || self.shared.is_some()
            || self.reasoning.as_deref().is_some_and(|s| !s.is_empty())
            || !self.tool_calls.is_empty()
    }

    /// The shared text (if any) as `content`; `text` is the accumulator's content.
    pub fn unshare(&mut self, text: &str) {
        if let Some(r) = self.shared.take() {
            self.content = text.get(r).map(str::to_string);
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.is_token() && self.finish_reason.is_none() && self.usage.is_none()
    }
}

/// What one SSE `data:` payload meant.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// `[DONE]`.
    Done,
    /// A chunk with nothing the caller needs to see.
    Nothing,
    Delta(ChatDelta),
    /// The error object found inside the stream (HTTP 200), e.g. `{"code": 502, "message": ..}`.
    /// The caller classifies it.
    Error(Value),
}

#[derive(Clone, Debug, Default)]
struct ToolCallAcc {
    id: Option<String>,
    kind: Option<String>,
    name: String,
    arguments: String,
}

/// A JSON object from pairs. Not `json!`: it unwraps `to_value`, which links `Debug` formatting
/// (and its Unicode tables) for the panic message.
fn object(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// Aggregates a stream into the final completion and keeps what routing needs (served model).
#[derive(Debug, Default)]
pub struct Accumulator {
    pub id: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub created: Option<f64>,
    pub content: String,
    pub reasoning: String,
    tool_calls: Vec<ToolCallAcc>,
    pub finish_reason: Option<String>,
    pub usage: Option<Value>,
    pub saw_done: bool,
    pub tokens_seen: bool,
    /// A delta's text over [`SHARE_OVER`] bytes is left in `content` and the delta gets its
    /// range (`ChatDelta::shared`); for a reader that turns deltas into JS with this at hand.
    pub share: bool,
    tpl: Template,
}

/// See [`Accumulator::share`].
pub const SHARE_OVER: usize = 1 << 20;

/// The last chunk the scanner read whose only news was its content string, cut around that
/// string. Providers repeat every other byte (id, model, created, role, nulls) chunk after
/// chunk, so a chunk with the same bytes around a new string only needs the string read.
#[derive(Default)]
struct Template {
    /// The chunk without its content string literal (quotes included): that is not compared,
    /// and copying it would cost as much as reading it (an 8 MB string is one chunk).
    bytes: Vec<u8>,
    /// Where the literal was: `bytes[..at]` came before it.
    at: usize,
}

// Not state a reader of the stream sees: it stays out of `Accumulator`'s Debug output.
impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("_")
    }
}

impl Template {
    /// The content literal of `data` if `data` is the template with another string in it.
    fn hole<'d>(&self, data: &'d [u8]) -> Option<&'d [u8]> {
        let (head, tail) = self.bytes.split_at_checked(self.at)?;
        let mid = data.len().checked_sub(tail.len())?;
        if self.bytes.is_empty() || mid < head.len() {
            return None;
        }
        (same(data.get(..head.len())?, head) && same(data.get(mid..)?, tail))
            .then(|| data.get(head.len()..mid))
            .flatten()
    }
}

/// `a == b`, eight bytes per step (`==` on slices is a byte loop on wasm32).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (x, y) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = x.remainder() == y.remainder();
    tail && x.zip(y).all(|(p, q)| {
        let (mut u, mut v) = ([0u8; 8], [0u8; 8]);
        u.copy_from_slice(p);
        v.copy_from_slice(q);
        u64::from_ne_bytes(u) == u64::from_ne_bytes(v)
    })
}

impl Accumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Interpret one `data:` payload. Malformed JSON is a `parse` error naming what was wrong.
    pub fn step(&mut self, data: &str) -> Result<Step, Error> {
        self.step_bytes(data.as_bytes())
            .unwrap_or_else(|_| Err(Error::parse("invalid UTF-8")))
    }

    /// [`Accumulator::step`] on a payload not yet checked for UTF-8 (the SSE decoder leaves
    /// that to this one pass): `Err(i)` when it is not UTF-8 from byte `i` on.
    pub fn step_bytes(&mut self, data: &[u8]) -> Result<Result<Step, Error>, usize> {
        let start = data.len() - trim_start(data).len();
        let data = trim_bytes(data);
        // In a repeated frame only the hole is new: only it is checked and read.
        let hole = self
            .tpl
            .hole(data)
            .and_then(|h| std::str::from_utf8(h).ok());
        if let Some(content) = hole.and_then(scan::string) {
            // Everything else is as in the template's chunk, which was applied last: only
            // the content is news.
            let mut choice = ChunkChoice {
                delta: Some(RawDelta {
                    content: Some(content),
                    ..RawDelta::default()
                }),
                ..ChunkChoice::default()
            };
            return Ok(Ok(
                self.apply(Chunk::default(), std::slice::from_mut(&mut choice))
            ));
        }
        self.tpl.bytes.clear();
        // One pass over the payload (fast over ASCII) rather than one per line in the SSE
        // decoder and again in a reader.
        let data = std::str::from_utf8(data).map_err(|e| start + e.valid_up_to())?;
        if let Some((chunk, mut choice, at)) = scan::chunk(data) {
            if let (Some(c), Some((a, b))) = (&choice, at) {
                let only_content = chunk.usage.is_none()
                    && chunk.error.is_none()
                    && c.finish_reason.is_none()
                    && c.error.is_none()
                    && c.message.is_none()
                    && c.delta.as_ref().is_some_and(|d| {
                        d.content.is_some()
                            && d.reasoning.is_none()
                            && d.reasoning_content.is_none()
                            && d.reasoning_details.is_empty()
                            && d.tool_calls.is_empty()
                    });
                if only_content {
                    let d = data.as_bytes();
                    let (head, tail) = (d.get(..a), d.get(b..));
                    self.tpl.bytes.extend_from_slice(head.unwrap_or_default());
                    self.tpl.bytes.extend_from_slice(tail.unwrap_or_default());
                    self.tpl.at = a;
                }
            }
            let choices = choice.as_mut().map(std::slice::from_mut);
            return Ok(Ok(self.apply(chunk, choices.unwrap_or_default())));
        }
        Ok(self.step_with(data))
    }

    /// [`Accumulator::step`] without the chunk scanner: every payload goes through the full JSON parser.
    /// For tests that check the scanner changes nothing.
    #[doc(hidden)]
    pub fn step_parsed_only(&mut self, data: &str) -> Result<Step, Error> {
        self.step_with(data)
    }

    /// Whether the chunk scanner (rather than the full parser) would read this payload. For tests.
    #[doc(hidden)]
    pub fn scanner_reads(data: &str) -> bool {
        scan::chunk(trim(data)).is_some()
    }

    /// The payload through `core::json`: results and errors are the parser's.
    fn step_with(&mut self, data: &str) -> Result<Step, Error> {
        let data = trim(data);
        if data == "[DONE]" {
            self.saw_done = true;
            return Ok(Step::Done);
        }
        if data.is_empty() {
            return Ok(Step::Nothing);
        }
        let parsed = crate::core::boundary::parse_upstream(data).map_err(|e| e.to_string());
        let chunk = parsed.as_ref().map_err(String::clone).and_then(Chunk::read);
        let (chunk, mut choices) = chunk.map_err(|e| {
            Error::parse(format!(
                "a stream chunk is not valid chat.completion.chunk JSON ({e}): {}",
                preview(data)
            ))
        })?;
        Ok(self.apply(chunk, &mut choices))
    }

    fn apply(&mut self, chunk: Chunk, choices: &mut [ChunkChoice]) -> Step {
        if self.id.is_none() {
            self.id = chunk.id.map(Cow::into_owned);
        }
        if let Some(m) = chunk.model {
            if self.model.as_deref() != Some(&*m) {
                self.model = Some(m.into_owned());
            }
        }
        if self.provider.is_none() {
            self.provider = chunk.provider.map(Cow::into_owned);
        }
        if self.created.is_none() {
            self.created = chunk.created;
        }
        if let Some(err) = chunk.error {
            return Step::Error(err.clone());
        }
        let mut delta = ChatDelta::default();
        for choice in choices {
            if let Some(err) = choice.error {
                return Step::Error(err.clone());
            }
            if let Some(d) = choice.delta.take().or(choice.message.take()) {
                self.apply_delta(d, &mut delta);
            }
            if let Some(f) = choice.finish_reason.take() {
                if f == "error" {
                    return Step::Error(object(vec![
                        ("code", 502.into()),
                        (
                            "message",
                            "the provider ended the stream with finish_reason \"error\"".into(),
                        ),
                    ]));
                }
                self.finish_reason = Some(f.to_string());
                delta.finish_reason = Some(f.into_owned());
            }
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(u.clone());
            delta.usage = Some(u.clone());
        }
        if delta.is_empty() {
            return Step::Nothing;
        }
        if delta.is_token() {
            self.tokens_seen = true;
        }
        Step::Delta(delta)
    }

    fn apply_delta(&mut self, d: RawDelta, out: &mut ChatDelta) {
        if let Some(c) = d.content {
            // A second text for the same delta (several choices): back to owned text.
            out.unshare(&self.content);
            let from = self.content.len();
            if self.share && c.len() > SHARE_OVER && out.content.is_none() {
                // The first text moves in whole: an 8 MB content string is never copied.
                match c {
                    Cow::Owned(s) if from == 0 => self.content = s,
                    c => self.content.push_str(&c),
                }
                out.shared = Some(from..self.content.len());
            } else if !c.is_empty() {
                self.content.push_str(&c);
                // An unescaped (owned) text moves into the delta instead of being copied.
                append(&mut out.content, c);
            }
        }
        // `reasoning` and `reasoning_details` carry the same text on OpenRouter; take one.
        let reasoning = d.reasoning.or(d.reasoning_content);
        let reasoning = reasoning.or_else(|| {
            let mut s = String::new();
            for (text, summary) in &d.reasoning_details {
                if let Some(t) = text.or(*summary) {
                    s.push_str(t);
                }
            }
            (!s.is_empty()).then_some(Cow::Owned(s))
        });
        if let Some(r) = reasoning {
            if !r.is_empty() {
                self.reasoning.push_str(&r);
                append(&mut out.reasoning, r);
            }
        }
        for frag in d.tool_calls {
            self.merge_tool_call(frag);
            out.tool_calls.push(frag.clone());
        }
    }

    fn merge_tool_call(&mut self, frag: &Value) {
        let index = frag
            .get("index")
            .and_then(Value::as_u64)
            .map(|i| i as usize)
            .unwrap_or(self.tool_calls.len().saturating_sub(1));
        // Guard against absurd indexes in hostile input; tool calls come in single digits.
        if index > 1024 {
            return;
        }
        if self.tool_calls.len() <= index {
            self.tool_calls.resize(index + 1, ToolCallAcc::default());
        }
        let Some(acc) = self.tool_calls.get_mut(index) else {
            return;
        };
        if let Some(id) = frag.get("id").and_then(Value::as_str) {
            if !id.is_empty() {
                acc.id = Some(id.to_string());
            }
        }
        if let Some(t) = frag.get("type").and_then(Value::as_str) {
            acc.kind = Some(t.to_string());
        }
        if let Some(f) = frag.get("function") {
            if let Some(n) = f.get("name").and_then(Value::as_str) {
                acc.name.push_str(n);
            }
            if let Some(a) = f.get("arguments").and_then(Value::as_str) {
                acc.arguments.push_str(a);
            }
        }
    }

    /// A provider that ignored `stream: true` answered with a whole `chat.completion`: replay it
    /// as the steps a stream would have produced.
    pub fn absorb_completion(&mut self, v: &Value, out: &mut Vec<Step>) -> Result<(), Error> {
        let choice = v
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
            .ok_or_else(|| {
                Error::parse(format!(
                    "expected a chat.completion with choices, got: {}",
                    preview(&v.to_string())
                ))
            })?;
        let msg = choice.get("message").unwrap_or(&Value::Null);
        let text = |k: &str| msg.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let mut chunk = crate::core::json::Map::new();
        for k in ["id", "model", "provider", "created"] {
            if let Some(x) = v.get(k) {
                chunk.insert(k.into(), x.clone());
            }
        }
        let mut delta = crate::core::json::Map::new();
        if let Some(c) = text("content") {
            delta.put("content", c.into());
        }
        if let Some(r) = text("reasoning").or_else(|| text("reasoning_content")) {
            delta.put("reasoning", r.into());
        }
        if let Some(Value::Array(calls)) = msg.get("tool_calls") {
            let frags: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut f = c.clone();
                    if let Value::Object(m) = &mut f {
                        m.put("index", i.into());
                    }
                    f
                })
                .collect();
            delta.put("tool_calls", Value::Array(frags));
        }
        let mut ch = crate::core::json::Map::new();
        ch.put("index", 0.into());
        ch.put("delta", Value::Object(delta));
        if let Some(f) = choice.get("finish_reason") {
            ch.put("finish_reason", f.clone());
        }
        if let Some(e) = choice.get("error") {
            ch.put("error", e.clone());
        }
        chunk.put("choices", Value::Array(vec![Value::Object(ch)]));
        if let Some(u) = v.get("usage") {
            chunk.put("usage", u.clone());
        }
        match self.step(&Value::Object(chunk).to_string())? {
            Step::Nothing => {}
            s => out.push(s),
        }
        self.saw_done = true;
        out.push(Step::Done);
        Ok(())
    }

    pub fn has_tool_calls(&self) -> bool {
        !self.tool_calls.is_empty()
    }

    /// The stream ended properly: `[DONE]` or a finish reason was seen.
    pub fn completed(&self) -> bool {
        self.saw_done || self.finish_reason.is_some()
    }

    /// The merged tool calls in OpenAI's message shape.
    pub fn tool_calls_value(&self) -> Vec<Value> {
        self.tool_calls
            .iter()
            .map(|t| {
                object(vec![
                    ("id", t.id.clone().into()),
                    ("type", t.kind.as_deref().unwrap_or("function").into()),
                    (
                        "function",
                        object(vec![
                            ("name", t.name.clone().into()),
                            ("arguments", t.arguments.clone().into()),
                        ]),
                    ),
                ])
            })
            .collect()
    }

    /// The aggregated `chat.completion` object (without `route`).
    pub fn completion(&self, requested_model: &str) -> Value {
        let mut message = Map::new();
        message.put("role", Value::from("assistant"));
        message.put("content", Value::from(self.content.as_str()));
        if !self.reasoning.is_empty() {
            message.put("reasoning", Value::from(self.reasoning.as_str()));
        }
        if self.has_tool_calls() {
            message.put("tool_calls", Value::Array(self.tool_calls_value()));
        }
        let finish = self.finish_reason.clone().unwrap_or_else(|| {
            if self.has_tool_calls() {
                "tool_calls".into()
            } else {
                "stop".into()
            }
        });
        let choice = object(vec![
            ("index", 0.into()),
            ("message", Value::Object(message)),
            ("finish_reason", finish.into()),
        ]);
        object(vec![
            ("id", self.id.clone().unwrap_or_default().into()),
            ("object", "chat.completion".into()),
            ("created", (self.created.unwrap_or(0.0) as u64).into()),
            (
                "model",
                self.model.as_deref().unwrap_or(requested_model).into(),
            ),
            ("provider", self.provider.clone().into()),
            ("choices", Value::Array(vec![choice])),
            ("usage", self.usage.clone().unwrap_or(Value::Null)),
        ])
    }
}

fn trim(data: &str) -> &str {
    data.trim_matches(|c| c == ' ' || c == '\n' || c == '\r' || c == '\t')
}

/// [`trim`] on bytes.
fn trim_bytes(data: &[u8]) -> &[u8] {
    let s = trim_start(data);
    let n = s.len() - s.iter().rev().take_while(|b| is_pad(**b)).count();
    s.get(..n).unwrap_or_default()
}

fn trim_start(data: &[u8]) -> &[u8] {
    let n = data.iter().take_while(|b| is_pad(**b)).count();
    data.get(n..).unwrap_or_default()
}

fn is_pad(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn append(slot: &mut Option<String>, s: Cow<str>) {
    match slot {
        Some(existing) => existing.push_str(&s),
        None => *slot = Some(s.into_owned()),
    }
}

/// Up to 160 chars of a payload for messages, cut on a char boundary.
pub fn preview(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Token counts from a `usage` object: (prompt, completion).
pub fn usage_tokens(usage: &Value) -> (Option<u64>, Option<u64>) {
    (
        usage.get("prompt_tokens").and_then(Value::as_u64),
        usage.get("completion_tokens").and_then(Value::as_u64),
    )
}

/// OpenRouter reports the real cost of a call in `usage.cost` (USD).
pub fn usage_cost(usage: &Value) -> Option<f64> {
    usage.get("cost").and_then(Value::as_f64)
}

/// The error raised when a body ends without `[DONE]` or a finish reason.
pub fn truncated_error(provider: &str, model: &str) -> Error {
    Error::new(
        ErrorCode::StreamInterrupted,
        format!(
            "{provider} closed the stream for {model} before it finished (no [DONE] and no finish_reason); the answer is incomplete"
        ),
    )
    .with_provider(provider)
    .with_model(model)
}

/// A one-pass reader for the common chunk shape: top-level `id`/`model`/`provider`/`created`,
/// at most one choice with `delta.content`/`reasoning`/`reasoning_content` and
/// `finish_reason`; every other value is checked and skipped. It gives up (`None`) on
/// anything it does not fully understand (non-null `usage`, `error`, `message`,
/// `tool_calls`, `reasoning_details`, several choices, exponents, long numbers,
/// deep nesting, lone surrogates, invalid JSON) so the full parser reads those and reports the errors.
mod scan {
    use super::{Chunk, ChunkChoice, RawDelta};
    use std::borrow::Cow;

    /// Nesting beyond this goes to the full parser (its own limit is 128).
    const MAX_DEPTH: u32 = 64;

    type Field<'f, 'a> = &'f mut dyn FnMut(&mut Scan<'a>, &str) -> Option<()>;

    struct Scan<'a> {
        s: &'a str,
        i: usize,
        depth: u32,
        /// Where the last `delta.content` string read lies (quotes included).
        content_at: Option<(usize, usize)>,
    }

    /// `data` if it is exactly one JSON string (what [`super::Template`] leaves open).
    pub(super) fn string(data: &str) -> Option<Cow<'_, str>> {
        let mut sc = Scan {
            s: data,
            i: 0,
            depth: 0,
            content_at: None,
        };
        let s = sc.string(true)?;
        (sc.i == data.len()).then_some(s)
    }

    /// The chunk, and where its `delta.content` string lies (if it has one).
    #[allow(clippy::type_complexity)]
    pub(super) fn chunk(
        data: &str,
    ) -> Option<(Chunk<'_>, Option<ChunkChoice<'_>>, Option<(usize, usize)>)> {
        let mut sc = Scan {
            s: data,
            i: 0,
            depth: 0,
            content_at: None,
        };
        let mut chunk = Chunk::default();
        let mut choice = None;
        sc.object(&mut |s, k| {
            let bit = match k {
                "id" => 1,
                "model" => 2,
                "provider" => 4,
                "created" => 8,
                "choices" => 16,
                "usage" | "error" => 32 << u8::from(k == "error"),
                _ => return s.skip(),
            };
            // Assigning again keeps the last of repeated keys, as the full parser does.
            match bit {
                1 => chunk.id = s.opt_str()?,
                2 => chunk.model = s.opt_str()?,
                4 => chunk.provider = s.opt_str()?,
                8 => chunk.created = s.created()?,
                16 => choice = s.choices()?,
                _ => return s.null().then_some(()),
            }
            Some(())
        })?;
        // Trailing bytes are the full parser's error to report.
        if sc.ws().is_some() {
            return None;
        }
        Some((chunk, choice, sc.content_at))
    }

    /// Length of the leading run of `b` with no `"`, `\` or control byte, eight bytes per
    /// step (content and ids are most of a chunk's bytes). Stops early near the end; the
    /// caller's byte loop does the rest.
    #[inline]
    fn plain_run(b: &[u8]) -> usize {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut i = 0;
        for chunk in b.chunks_exact(8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let w = u64::from_le_bytes(word);
            let (q, s) = (w ^ (ONES * 0x22), w ^ (ONES * 0x5c));
            // High bit set in each byte that is zero in q or s, or below 0x20 in w; the lowest
            // flagged byte is always exact (a borrow only runs upward from a real hit).
            let hits = ((q.wrapping_sub(ONES) & !q)
                | (s.wrapping_sub(ONES) & !s)
                | (w.wrapping_sub(ONES * 0x20) & !w))
                & HIGH;
            if hits != 0 {
                return i + (hits.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        i
    }

    #[cfg(test)]
    #[test]
    fn plain_run_stops_at_the_first_special_byte() {
        let specials = [b'"', b'\\', 0, 0x1f, b'\n'];
        let others = [b'a', b' ', 0x21, 0x5b, 0x5d, 0x7f, 0x20, 0x80, 0xc3, 0xff];
        for len in 0..40 {
            for pos in 0..=len {
                for &sp in &specials {
                    for &o in &others {
                        let mut v = vec![o; len];
                        if pos < len {
                            v[pos] = sp;
                        }
                        // Bytes after the hit must not matter, nor shift it.
                        v.extend_from_slice(&[0, b'"', 0x01]);
                        let got = plain_run(&v);
                        let naive = v.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
                        // plain_run may stop short of the hit only in the last < 8 bytes.
                        let want = naive.unwrap_or(v.len());
                        assert!(
                            got <= want && (got == want || v.len() - got < 8),
                            "len {len} pos {pos} sp {sp} o {o}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    impl<'a> Scan<'a> {
        fn at(&self, i: usize) -> Option<u8> {
            self.s.as_bytes().get(i).copied()
        }

        /// Skips JSON whitespace; the next byte, if any.
        fn ws(&mut self) -> Option<u8> {
            while let Some(b) = self.at(self.i) {
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Some(b);
                }
                self.i += 1;
            }
            None
        }

        fn eat(&mut self, c: u8) -> bool {
            let hit = self.ws() == Some(c);
            self.i += usize::from(hit);
            hit
        }

        /// Consumes `w` if it is next (and only then).
        fn lit(&mut self, w: &[u8]) -> Option<()> {
            let hit = self.s.as_bytes().get(self.i..)?.starts_with(w);
            self.i += if hit { w.len() } else { 0 };
            hit.then_some(())
        }

        /// Consumes a `null` if one is next.
        fn null(&mut self) -> bool {
            self.ws() == Some(b'n') && self.lit(b"null").is_some()
        }

        fn enter(&mut self, open: u8) -> Option<()> {
            self.depth += 1;
            (self.eat(open) && self.depth <= MAX_DEPTH).then_some(())
        }

        /// The object at the cursor; `f` gets each key with the cursor on its value and must
        /// consume that value.
        fn object(&mut self, f: Field<'_, 'a>) -> Option<()> {
            self.enter(b'{')?;
            if !self.eat(b'}') {
                loop {
                    let key = self.string(true)?;
                    if !self.eat(b':') {
                        return None;
                    }
                    f(self, &key)?;
                    if self.eat(b'}') {
                        break;
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            self.depth -= 1;
            Some(())
        }

        fn skip_array(&mut self) -> Option<()> {
            self.enter(b'[')?;
            if !self.eat(b']') {
                loop {
                    self.skip()?;
                    if self.eat(b']') {
                        break;
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            self.depth -= 1;
            Some(())
        }

        /// Checks and passes over any value.
        fn skip(&mut self) -> Option<()> {
            match self.ws()? {
                b'"' => self.string(false).map(drop),
                b'{' => self.object(&mut |s, _| s.skip()),
                b'[' => self.skip_array(),
                b't' => self.lit(b"true"),
                b'f' => self.lit(b"false"),
                b'n' => self.lit(b"null"),
                _ => self.number().map(drop),
            }
        }

        /// A number's text. Exponents and long numbers (which may be out of range)
        /// are left to the full parser.
        fn number(&mut self) -> Option<&'a str> {
            let start = self.i;
            self.i += usize::from(self.at(self.i) == Some(b'-'));
            let int = self.i;
            self.digits();
            let n = self.i - int;
            // No digits, or a leading zero followed by more digits.
            if n == 0 || (n > 1 && self.at(int) == Some(b'0')) {
                return None;
            }
            if self.at(self.i) == Some(b'.') {
                self.i += 1;
                let frac = self.i;
                self.digits();
                if self.i == frac {
                    return None;
                }
            }
            if matches!(self.at(self.i), Some(b'e' | b'E')) || self.i - start > 40 {
                return None;
            }
            self.s.get(start..self.i)
        }

        fn digits(&mut self) {
            while self.at(self.i).is_some_and(|b| b.is_ascii_digit()) {
                self.i += 1;
            }
        }

        /// `created`: null or an integer of up to 15 digits (exact as f64, as the full parser gives).
        fn created(&mut self) -> Option<Option<f64>> {
            if self.null() {
                return Some(None);
            }
            let t = self.number()?;
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, t),
            };
            if digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let v = digits
                .bytes()
                .fold(0u64, |n, b| n * 10 + u64::from(b - b'0')) as f64;
            Some(Some(if neg { -v } else { v }))
        }

        fn opt_str(&mut self) -> Option<Option<Cow<'a, str>>> {
            if self.null() {
                return Some(None);
            }
            self.string(true).map(Some)
        }

        /// The string at the cursor, borrowed when it has no escapes. With `keep` false only
        /// checked (escaped text is not built).
        fn string(&mut self, keep: bool) -> Option<Cow<'a, str>> {
            if self.ws()? != b'"' {
                return None;
            }
            // A local cursor, written back at escapes and at the end: the loop stays in
            // registers (an 8 MB content string stops here every few bytes).
            let (t, s) = (self.s, self.s.as_bytes());
            let mut i = self.i + 1;
            let mut run = i;
            let mut out: Option<String> = None;
            loop {
                i += plain_run(s.get(i..)?);
                match *s.get(i)? {
                    b'"' => {
                        let tail = t.get(run..i)?;
                        self.i = i + 1;
                        return Some(match out {
                            None => Cow::Borrowed(tail),
                            Some(mut o) => {
                                o.push_str(tail);
                                Cow::Owned(o)
                            }
                        });
                    }
                    b'\\' => {
                        let before = t.get(run..i)?;
                        let e = *s.get(i + 1)?;
                        let c = match crate::core::json::short_escape(e) {
                            Some(c) => c,
                            None if e == b'u' => {
                                self.i = i + 2;
                                let c = self.unicode()?;
                                i = self.i - 2;
                                c
                            }
                            None => return None,
                        };
                        i += 2;
                        if keep {
                            // The text left is an upper bound: one allocation, even for an
                            // 8 MB string full of escapes.
                            let o = out.get_or_insert_with(|| {
                                String::with_capacity(s.len().saturating_sub(run))
                            });
                            o.push_str(before);
                            o.push(c);
                        }
                        run = i;
                    }
                    // JSON refuses raw control characters in strings.
                    0..=0x1f => return None,
                    _ => i += 1,
                }
            }
        }

        fn hex4(&mut self) -> Option<u32> {
            let h = self.s.as_bytes().get(self.i..self.i + 4)?;
            let mut n = 0;
            for &c in h {
                n = n * 16 + char::from(c).to_digit(16)?;
            }
            self.i += 4;
            Some(n)
        }

        /// The character of a `\u` escape (after the `u`); a surrogate must be a proper pair.
        fn unicode(&mut self) -> Option<char> {
            let n = self.hex4()?;
            let n = match n {
                0xD800..=0xDBFF => {
                    self.lit(b"\\u")?;
                    let lo = self.hex4()?;
                    if !(0xDC00..=0xDFFF).contains(&lo) {
                        return None;
                    }
                    0x10000 + ((n - 0xD800) << 10) + (lo - 0xDC00)
                }
                0xDC00..=0xDFFF => return None,
                n => n,
            };
            char::from_u32(n)
        }

        /// `choices`: null, `[]` or `[one choice]`.
        fn choices(&mut self) -> Option<Option<ChunkChoice<'a>>> {
            if self.null() {
                return Some(None);
            }
            self.enter(b'[')?;
            let c = if self.eat(b']') {
                None
            } else {
                let c = self.choice()?;
                if !self.eat(b']') {
                    return None;
                }
                Some(c)
            };
            self.depth -= 1;
            Some(c)
        }

        fn choice(&mut self) -> Option<ChunkChoice<'a>> {
            let mut c = ChunkChoice::default();
            self.object(&mut |s, k| {
                let bit = match k {
                    "delta" => 1,
                    "finish_reason" => 2,
                    "message" => 4,
                    "error" => 8,
                    _ => return s.skip(),
                };
                match bit {
                    1 => c.delta = s.delta()?,
                    2 => c.finish_reason = s.opt_str()?,
                    _ => return s.null().then_some(()),
                }
                Some(())
            })?;
            Some(c)
        }

        fn delta(&mut self) -> Option<Option<RawDelta<'a>>> {
            if self.null() {
                return Some(None);
            }
            let mut d = RawDelta::default();
            self.object(&mut |s, k| {
                let bit = match k {
                    "content" => 1,
                    "reasoning" => 2,
                    "reasoning_content" => 4,
                    "reasoning_details" => 8,
                    "tool_calls" => 16,
                    _ => return s.skip(),
                };
                match bit {
                    1 => {
                        let at = s.ws()?;
                        let from = s.i;
                        d.content = s.opt_str()?;
                        // A null leaves no string to stand in for.
                        s.content_at = (at == b'"').then_some((from, s.i));
                    }
                    2 => d.reasoning = s.opt_str()?,
                    4 => d.reasoning_content = s.opt_str()?,
                    // Only null or `[]`: entries are the full parser's.
                    _ => {
                        if !s.null() {
                            s.enter(b'[')?;
                            if !s.eat(b']') {
                                return None;
                            }
                            s.depth -= 1;
                        }
                    }
                }
                Some(())
            })?;
            Some(Some(d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_texts_read_as_owned_ones() {
        // Big texts with and without escapes, after a small one, and two in one delta (the
        // full parser's several choices): the same deltas once unshared, the same content.
        let big = "é word ".repeat(200_000);
        let esc = big.replace(' ', "\\n");
        let chunk = |c: &str| format!(r#"{{"choices":[{{"delta":{{"content":"{c}"}}}}]}}"#);
        let two = format!(
            r#"{{"choices":[{{"delta":{{"content":"{big}"}}}},{{"delta":{{"content":"x"}}}}]}}"#
        );
        for datas in [
            vec![chunk(&esc), chunk("tail")],
            vec![chunk(&big), chunk(&esc)],
            vec![chunk("a"), chunk(&esc), chunk(&big)],
            vec![two.clone(), chunk(&big)],
            vec![chunk(&big), two],
        ] {
            let (mut plain, mut shared) = (Accumulator::new(), Accumulator::new());
            shared.share = true;
            let mut n = 0;
            for d in &datas {
                let a = plain.step(d).map_err(|e| e.message);
                let mut b = shared.step(d).map_err(|e| e.message);
                if let Ok(Step::Delta(d)) = &mut b {
                    n += usize::from(d.shared.is_some());
                    d.unshare(&shared.content);
                }
                assert_eq!(a, b);
            }
            assert!(n > 0);
            assert_eq!(plain.content, shared.content);
        }
    }

    fn run(acc: &mut Accumulator, datas: &[&str]) -> Vec<Step> {
        datas.iter().map(|d| acc.step(d).unwrap()).collect()
    }

    #[test]
    fn content_and_role_only_chunks() {
        let mut acc = Accumulator::new();
        let steps = run(
            &mut acc,
            &[
                r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
                r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
                r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"content":"lo \u00e9\n"}}]}"#,
                r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
                r#"{"id":"gen-1","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"cost":0}}"#,
                "[DONE]",
            ],
        );
        assert_eq!(steps[0], Step::Nothing);
        assert!(matches!(&steps[1], Step::Delta(d) if d.content.as_deref() == Some("Hel")));
        assert!(matches!(&steps[2], Step::Delta(d) if d.content.as_deref() == Some("lo é\n")));
        assert!(
            matches!(&steps[3], Step::Delta(d) if d.finish_reason.as_deref() == Some("stop") && !d.is_token())
        );
        assert!(matches!(&steps[4], Step::Delta(d) if d.usage.is_some()));
        assert_eq!(steps[5], Step::Done);
        assert_eq!(acc.content, "Hello é\n");
        assert!(acc.completed());
        let c = acc.completion("req");
        assert_eq!(c["choices"][0]["message"]["content"], "Hello é\n");
        assert_eq!(c["usage"]["prompt_tokens"], 3);
        assert_eq!(c["model"], "m");
    }

    #[test]
    fn reasoning_prefers_plain_field_over_details() {
        let mut acc = Accumulator::new();
        let steps = run(
            &mut acc,
            &[
                r#"{"choices":[{"delta":{"content":"","reasoning":"think","reasoning_details":[{"type":"reasoning.text","text":"think"}]}}]}"#,
                r#"{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.summary","summary":" more"}]}}]}"#,
                r#"{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.encrypted","data":"xyz"}]}}]}"#,
            ],
        );
        assert!(matches!(&steps[0], Step::Delta(d) if d.reasoning.as_deref() == Some("think")));
        assert!(matches!(&steps[1], Step::Delta(d) if d.reasoning.as_deref() == Some(" more")));
        assert_eq!(steps[2], Step::Nothing);
        assert_eq!(acc.reasoning, "think more");
        assert!(acc.tokens_seen);
    }

    #[test]
    fn tool_calls_merge_by_index() {
        let mut acc = Accumulator::new();
        run(
            &mut acc,
            &[
                r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_","arguments":""}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"other","arguments":"{}"}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"weather","arguments":"{\"city\":"}}]}}]}"#,
                r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            ],
        );
        let calls = acc.tool_calls_value();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0]["id"], "call_1");
        assert_eq!(calls[0]["function"]["name"], "get_weather");
        assert_eq!(calls[0]["function"]["arguments"], "{\"city\":\"Paris\"}");
        assert_eq!(calls[1]["function"]["name"], "other");
        let c = acc.completion("x");
        assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
    }

    #[test]
    fn error_chunks_top_level_and_in_choice_and_finish_error() {
        let mut acc = Accumulator::new();
        let top = acc
            .step(r#"{"error":{"code":"server_error","message":"boom"},"choices":[{"delta":{"content":""},"finish_reason":"error"}]}"#)
            .unwrap();
        assert!(matches!(top, Step::Error(v) if v["code"] == "server_error"));
        let inner = acc
            .step(r#"{"choices":[{"delta":{},"error":{"code":502,"message":"x"}}]}"#)
            .unwrap();
        assert!(matches!(inner, Step::Error(v) if v["code"] == 502));
        let fin = acc
            .step(r#"{"choices":[{"delta":{"content":""},"finish_reason":"error"}]}"#)
            .unwrap();
        assert!(matches!(fin, Step::Error(_)));
    }

    #[test]
    fn unknown_fields_missing_fields_and_bad_json() {
        let mut acc = Accumulator::new();
        assert_eq!(
            acc.step(r#"{"weird":{"nested":[1,2]},"object":"chat.completion.chunk"}"#)
                .unwrap(),
            Step::Nothing
        );
        assert_eq!(acc.step(r#"{"choices":null}"#).unwrap(), Step::Nothing);
        let e = acc.step("{not json").unwrap_err();
        assert_eq!(e.code, ErrorCode::Parse);
        assert!(e.message.contains("{not json"));
        let e = acc
            .step(r#"{"choices":[{"delta":{"content":5}}]}"#)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Parse);
        assert!(!acc.completed());
    }

    #[test]
    fn fixtures_parse_end_to_end() {
        use crate::core::sse::SseDecoder;
        for (name, expect_text) in [
            ("sse_text-usage_gpt-4o-mini_2026-07.txt", true),
            ("sse_tool-call_gpt-4.1-mini.txt", false),
            ("sse_reasoning_o3.txt", true),
            ("sse_reasoning_claude-sonnet-4.5.txt", true),
            ("sse_fallback-free-to-grok4.txt", true),
            ("sse_web-search_gpt-4.1-mini_2026-08.txt", true),
        ] {
            let bytes = std::fs::read(format!(
                "{}/tests/fixtures/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            let mut dec = SseDecoder::new();
            let mut events = Vec::new();
            dec.feed(&bytes, &mut events).unwrap();
            dec.finish(&mut events).unwrap();
            let mut acc = Accumulator::new();
            for ev in &events {
                if let Step::Error(e) = acc.step(&ev.data).unwrap() {
                    panic!("{name}: unexpected error {e}")
                }
            }
            assert!(acc.completed(), "{name}");
            assert!(acc.saw_done, "{name}");
            assert_eq!(!acc.content.is_empty(), expect_text, "{name}");
            assert!(acc.usage.is_some(), "{name}");
        }
    }

    #[test]
    fn fixture_midstream_error_is_reported() {
        use crate::core::sse::SseDecoder;
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/sse_midstream-error_minimax-m2-free.txt",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut dec = SseDecoder::new();
        let mut events = Vec::new();
        dec.feed(&bytes, &mut events).unwrap();
        let mut acc = Accumulator::new();
        let mut errors = 0;
        for ev in &events {
            if let Step::Error(e) = acc.step(&ev.data).unwrap() {
                assert_eq!(e["code"], 400);
                errors += 1;
            }
        }
        assert_eq!(errors, 1);
        assert!(!acc.reasoning.is_empty());
    }
}
