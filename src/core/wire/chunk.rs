//! The fields of a `chat.completion.chunk` this crate reads, borrowed from the payload.

use std::borrow::Cow;

use crate::core::json::{Map, Value};

/// The top-level fields of a `chat.completion.chunk` this crate reads, borrowed from the
/// payload (owned only when a string had escapes). Each is `None` when absent or null; a field
/// of the wrong type fails the chunk.
#[derive(Default)]
pub(super) struct Chunk<'a> {
    pub(super) id: Option<Cow<'a, str>>,
    pub(super) model: Option<Cow<'a, str>>,
    pub(super) provider: Option<Cow<'a, str>>,
    pub(super) created: Option<f64>,
    pub(super) usage: Option<&'a Value>,
    pub(super) error: Option<&'a Value>,
}

#[derive(Default)]
pub(super) struct ChunkChoice<'a> {
    pub(super) delta: Option<RawDelta<'a>>,
    /// Some providers send a full `message` in the last chunk instead of a delta.
    pub(super) message: Option<RawDelta<'a>>,
    pub(super) finish_reason: Option<Cow<'a, str>>,
    pub(super) error: Option<&'a Value>,
}

#[derive(Default)]
pub(super) struct RawDelta<'a> {
    pub(super) content: Option<Cow<'a, str>>,
    pub(super) reasoning: Option<Cow<'a, str>>,
    pub(super) reasoning_content: Option<Cow<'a, str>>,
    /// `(text, summary)` of each `reasoning_details` entry.
    pub(super) reasoning_details: Vec<(Option<&'a str>, Option<&'a str>)>,
    pub(super) tool_calls: &'a [Value],
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
    pub(super) fn read(o: &'a Obj, key: &str) -> Result<Option<Self>, String> {
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
    pub(super) fn read(v: &'a Value) -> Result<(Self, Vec<ChunkChoice<'a>>), String> {
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
