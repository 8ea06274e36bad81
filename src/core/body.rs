//! Turning response body bytes into `Step`s, whatever the body turns out to be: an event stream,
//! a JSON completion (a provider that ignored `stream: true`), a JSON error in a 200, or an HTML
//! page from a proxy.

use crate::core::classify;
use crate::core::error::Error;
use crate::core::sse::{RawEvent, SseDecoder, DEFAULT_MAX_EVENT_BYTES};
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
    events: Vec<RawEvent>,
    raw: Vec<u8>,
    pub acc: Accumulator,
}

impl Default for Body {
    fn default() -> Self {
        Body {
            mode: Mode::Sniff,
            // The chunk scanner checks UTF-8 as it reads; no second pass over every line.
            decoder: SseDecoder::unchecked(),
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
                None => {
                    // Kept, not dropped: the body must read the same however it was cut.
                    self.raw.extend_from_slice(bytes);
                    return Ok(());
                }
                Some(b'{') | Some(b'[') | Some(b'<') => self.mode = Mode::Whole,
                Some(_) => {
                    self.mode = Mode::Sse;
                    let lead = std::mem::take(&mut self.raw);
                    if !lead.is_empty() {
                        self.decoder.feed_raw(&lead, &mut self.events)?;
                    }
                }
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
                self.decoder.feed_raw(bytes, &mut self.events)?;
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
            // Invalid UTF-8 becomes U+FFFD, as TextDecoder and every JS client decode it: the
            // event is whole here, so the result never depends on how the body was cut.
            let step = self
                .acc
                .step_bytes(ev.data())
                .unwrap_or_else(|_| self.acc.step(&crate::core::text::lossy(ev.data())));
            match step {
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
                let text = crate::core::text::lossy(&raw);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pieces: &[&[u8]]) -> (Vec<Step>, Result<(), Error>) {
        let mut b = Body::new();
        let mut out = Vec::new();
        for p in pieces {
            if let Err(e) = b.feed(p, &mut out) {
                return (out, Err(e));
            }
        }
        let r = b.end(&mut out);
        (out, r)
    }

    fn chunk(content: &str) -> String {
        format!("data: {{\"choices\":[{{\"delta\":{{\"content\":\"{content}\"}}}}]}}\n\n")
    }

    #[test]
    fn invalid_utf8_in_data_is_a_replacement_character_however_cut() {
        // As TextDecoder reads it (WHATWG): U+FFFD, whatever the chunking.
        let good = chunk("ok");
        let mut bad = b"data: {\"choices\":\ndata: [{\"delta\":{\"content\":\"a".to_vec();
        bad.extend_from_slice(b"\xff\"}}]}\n\n");
        let all = [good.as_bytes(), &bad].concat();
        for cut in [1, 7, all.len()] {
            let pieces: Vec<&[u8]> = all.chunks(cut).collect();
            let (out, r) = run(&pieces);
            assert!(r.is_ok(), "cut {cut}: {r:?}");
            let got: Vec<Option<String>> = out
                .iter()
                .map(|s| match s {
                    Step::Delta(d) => d.content.clone(),
                    _ => None,
                })
                .collect();
            assert_eq!(got, [Some("ok".into()), Some("a\u{fffd}".into())]);
        }
    }

    #[test]
    fn long_data_line_is_read_alike_however_cut() {
        // Lines over 64 KiB become the event's data without a copy: same text, same offsets.
        let text = "é\\n✓ word ".repeat(20_000);
        let body = chunk(&text) + &chunk("!") + "data: [DONE]\n\n";
        let want = text.replace("\\n", "\n") + "!";
        for cut in [1460, 70_000, body.len()] {
            let pieces: Vec<&[u8]> = body.as_bytes().chunks(cut).collect();
            let (out, r) = run(&pieces);
            assert!(r.is_ok(), "cut {cut}: {r:?}");
            let got: String = out
                .iter()
                .filter_map(|s| match s {
                    Step::Delta(d) => d.content.clone(),
                    _ => None,
                })
                .collect();
            assert_eq!(got, want, "cut {cut}");
        }
        let mut bad = chunk(&text).into_bytes();
        let at = bad.len() - 10;
        bad[at] = 0xC3;
        let pieces: Vec<&[u8]> = bad.chunks(1460).collect();
        let (out, r) = run(&pieces);
        assert!(r.is_ok(), "{r:?}");
        assert!(
            matches!(out.first(), Some(Step::Delta(d)) if d.content.as_deref().is_some_and(|c| c.contains('\u{fffd}')))
        );
    }
}
