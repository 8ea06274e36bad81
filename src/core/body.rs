//! Turning response body bytes into `Step`s, whatever the body turns out to be: an event stream,
//! a JSON completion (a provider that ignored `stream: true`), a JSON error in a 200, or an HTML
//! page from a proxy.

use crate::core::classify;
use crate::core::error::Error;
use crate::core::sse::{SseDecoder, SseEvent, DEFAULT_MAX_EVENT_BYTES};
use crate::core::wire::{preview, Accumulator, Step};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing but whitespace seen yet.
    Sniff,
    Sse,
    /// A JSON (or HTML, or other) body instead of an event stream: read whole, then judge.
    Whole,
}

pub struct Body {
    mode: Mode,
    decoder: SseDecoder,
    events: Vec<SseEvent>,
    raw: Vec<u8>,
    pub acc: Accumulator,
}

impl Default for Body {
    fn default() -> Self {
        Body {
            mode: Mode::Sniff,
            decoder: SseDecoder::new(),
            events: Vec::new(),
            raw: Vec::new(),
            acc: Accumulator::new(),
        }
    }
}

impl Body {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Step>) -> Result<(), Error> {
        if self.mode == Mode::Sniff {
            // Event streams start with a field or a comment; anything else is a whole body.
            match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
                None => return Ok(()),
                Some(b'{') | Some(b'[') | Some(b'<') => self.mode = Mode::Whole,
                Some(_) => self.mode = Mode::Sse,
            }
        }
        match self.mode {
            Mode::Whole => {
                if self.raw.len() + bytes.len() > DEFAULT_MAX_EVENT_BYTES {
                    return Err(Error::parse(format!(
                        "the response body is larger than {DEFAULT_MAX_EVENT_BYTES} bytes and is not an event stream"
                    )));
                }
                self.raw.extend_from_slice(bytes);
                Ok(())
            }
            _ => {
                self.decoder.feed(bytes, &mut self.events)?;
                self.drain_events(out)
            }
        }
    }

    fn drain_events(&mut self, out: &mut Vec<Step>) -> Result<(), Error> {
        let mut first_err = None;
        for ev in self.events.drain(..) {
            if first_err.is_some() {
                continue;
            }
            match self.acc.step(&ev.data) {
                Ok(Step::Nothing) => {}
                Ok(s) => out.push(s),
                Err(e) => first_err = Some(e),
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The body ended.
    pub fn end(&mut self, out: &mut Vec<Step>) -> Result<(), Error> {
        match self.mode {
            Mode::Sniff => Ok(()),
            Mode::Sse => {
                self.decoder.finish(&mut self.events)?;
                self.drain_events(out)
            }
            Mode::Whole => {
                let raw = std::mem::take(&mut self.raw);
                let text = String::from_utf8_lossy(&raw);
                match crate::core::json::from_str(&text) {
                    Ok(v) => match classify::error_in_body(&v) {
                        Some(err) => {
                            out.push(Step::Error(err.clone()));
                            Ok(())
                        }
                        None if v.is_object() => self.acc.absorb_completion(&v, out),
                        None => Err(Error::parse(format!(
                            "expected an event stream or a chat.completion object, got: {}",
                            preview(&text)
                        ))),
                    },
                    Err(_) => Err(Error::new(
                        crate::core::error::ErrorCode::ProviderError,
                        format!(
                            "expected an event stream, got a body that is neither SSE nor JSON (an HTML page from a proxy?): {}",
                            preview(&strip_tags(&text))
                        ),
                    )),
                }
            }
        }
    }
}

/// For messages about HTML error pages: the visible text, collapsed.
pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut last_space = true;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if in_tag => {}
            c if c.is_whitespace() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
    }
    out.trim().to_string()
}
