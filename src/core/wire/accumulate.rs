//! The accumulator: chunks in, the final `chat.completion` out.

use std::borrow::Cow;

use crate::core::json::{Map, Value};

use super::chunk::{Chunk, ChunkChoice, RawDelta};
use super::delta::{ChatDelta, Step};
use super::report::preview;
use super::scan;
use super::template::{Template, SHARE_OVER};
use crate::core::error::Error;
use crate::core::map::Put;

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
