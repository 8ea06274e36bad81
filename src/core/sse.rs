//! Incremental Server-Sent Events decoder, following the WHATWG EventSource parsing rules.
//!
//! Bytes go in as they arrive, cut anywhere; complete events come out. Two deliberate departures
//! from the spec: invalid UTF-8 in a value we use is an error rather than U+FFFD (a corrupted
//! token must not pass silently), and one event is capped in size so memory stays bounded.

use crate::core::error::{Error, ErrorCode};

/// Default cap on the bytes held for one event (its data plus the line being read).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field; `None` means the default type, `message`.
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`. `data: [DONE]` is passed through as `"[DONE]"`.
    pub data: String,
    /// The last event ID in force at dispatch. As in the spec it persists across events until
    /// the next `id:` line; an empty `id:` resets it to `None`.
    pub id: Option<String>,
    /// The last valid `retry:` value (milliseconds) seen since the previous dispatched event.
    pub retry: Option<u64>,
}

/// An event whose `data` was not checked for UTF-8 ([`SseDecoder::unchecked`]): its reader
/// checks it while parsing instead of in a second pass.
#[derive(Clone, Debug, Default)]
pub struct RawEvent {
    pub event: Option<String>,
    /// The data is `data[from..]` (a long line keeps its `data:` prefix: no copy).
    data: Vec<u8>,
    from: usize,
    pub id: Option<String>,
    pub retry: Option<u64>,
    /// Stream offset of `data[0]`, and (data index, stream offset) of each later data line.
    data_at: u64,
    more_at: Vec<(usize, u64)>,
}

impl RawEvent {
    /// The `data` lines, joined with `\n`.
    pub fn data(&self) -> &[u8] {
        self.data.get(self.from..).unwrap_or_default()
    }

    /// Stream offset of `data()[i]`, for error messages.
    pub fn offset_of(&self, i: usize) -> u64 {
        let (start, at) = self
            .more_at
            .iter()
            .rev()
            .find(|(s, _)| *s <= i)
            .copied()
            .unwrap_or((0, self.data_at));
        at + (i - start) as u64
    }

    fn into_event(mut self) -> SseEvent {
        self.data.drain(..self.from.min(self.data.len()));
        SseEvent {
            event: self.event,
            // Checked line by line already (only an unchecked decoder skips that).
            data: String::from_utf8(self.data)
                .unwrap_or_else(|e| crate::core::text::lossy(e.as_bytes())),
            id: self.id,
            retry: self.retry,
        }
    }
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A line buffer above this capacity is released once its line is done, so one huge event
/// does not pin its memory for the rest of the stream.
const KEEP_LINE_CAPACITY: usize = 64 * 1024;

/// Decodes one `text/event-stream` body. Feed it byte slices, then call [`SseDecoder::finish`].
#[derive(Debug)]
pub struct SseDecoder {
    max: usize,
    /// The start of a line whose end has not arrived yet. Never holds `\r` or `\n`.
    line: Vec<u8>,
    /// Stream offset of `line[0]`, for error messages.
    line_start: u64,
    /// Stream offset of the next byte to be fed.
    offset: u64,
    /// The last feed ended with `\r`: a `\n` starting the next feed completes that CRLF.
    after_cr: bool,
    /// At stream start: how many bytes of a BOM have been matched. `None` once past it.
    bom: Option<usize>,
    ev: Pending,
    /// Set by the first error; every later call returns it.
    failed: Option<Error>,
    /// `data` lines are checked for UTF-8 (false: [`SseDecoder::unchecked`]).
    check: bool,
}

/// Internal failure, small so the per-line `Result` stays cheap; becomes an [`Error`] in `feed`.
#[derive(Debug)]
enum Fail {
    /// Invalid UTF-8 at this stream offset.
    Utf8(u64),
    TooBig,
}

/// Fields of the event being assembled.
#[derive(Debug, Default)]
struct Pending {
    data: Vec<u8>,
    /// Bytes of `data` before the value (see `take_line`).
    data_from: usize,
    data_at: u64,
    more_at: Vec<(usize, u64)>,
    /// A `data` field was seen (its value may be empty, which still dispatches).
    has_data: bool,
    event: String,
    id: Option<String>,
    retry: Option<u64>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the cap [`DEFAULT_MAX_EVENT_BYTES`].
    pub fn new() -> Self {
        Self::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A decoder that fails once one event (its data plus the line being read) exceeds `max` bytes.
    pub fn with_max_event_bytes(max: usize) -> Self {
        SseDecoder {
            max,
            line: Vec::new(),
            line_start: 0,
            offset: 0,
            after_cr: false,
            bom: Some(0),
            ev: Pending::default(),
            failed: None,
            check: true,
        }
    }

    /// A decoder that leaves `data` values unchecked ([`SseDecoder::feed_raw`]): for a reader
    /// that checks UTF-8 while parsing them, so the bytes are walked once.
    pub fn unchecked() -> Self {
        SseDecoder {
            check: false,
            ..Self::new()
        }
    }

    /// Feed any slice of bytes; complete events are pushed to `out`.
    ///
    /// Errors (code `parse`): invalid UTF-8 in a field value that is used, or an event over the
    /// cap. Events completed before the error are still in `out`. After an error the decoder is
    /// poisoned: every later call returns the same error.
    // The shared `Error` is large; its size is error.rs's concern, and this path is cold.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), Error> {
        let mut raw = Vec::new();
        let r = self.feed_raw(bytes, &mut raw);
        out.extend(raw.into_iter().map(RawEvent::into_event));
        r
    }

    /// [`SseDecoder::feed`] with the data as bytes (unchecked if the decoder is).
    pub fn feed_raw(&mut self, bytes: &[u8], out: &mut Vec<RawEvent>) -> Result<(), Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Err(fail) = self.feed_inner(bytes, out) else {
            return Ok(());
        };
        let e = match fail {
            Fail::Utf8(at) => Error::parse(format!(
                "invalid UTF-8 in the event stream at byte offset {at}"
            )),
            Fail::TooBig => Error::parse(format!(
                "an event in the event stream is larger than the {}-byte limit; \
                 the body is not a valid event stream or the event is too large",
                self.max
            )),
        };
        // Free what was buffered: nothing more will be decoded.
        self.line = Vec::new();
        self.ev = Pending::default();
        self.failed = Some(e.clone());
        Err(e)
    }

    /// End of body. Nothing incomplete is dispatched (per spec, an unterminated event is
    /// dropped). Returns `Err` with code `stream_interrupted` when bytes of an unterminated line
    /// or event were left over, or the poisoning error. Afterwards (unless poisoned) the decoder
    /// is reset and can decode a new stream.
    pub fn finish<T>(&mut self, out: &mut Vec<T>) -> Result<(), Error> {
        let _ = out; // kept for symmetry with `feed`: a complete event was already dispatched
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let left = self.bytes_buffered();
        let pending = left > 0 || self.ev.has_data;
        *self = SseDecoder {
            check: self.check,
            ..Self::with_max_event_bytes(self.max)
        };
        if pending {
            return Err(Error::new(
                ErrorCode::StreamInterrupted,
                format!(
                    "the event stream ended inside an event ({left} bytes not dispatched); \
                     an event must end with a blank line"
                ),
            ));
        }
        Ok(())
    }

    /// Bytes held for what is not dispatched yet: the partial line and the pending event's data.
    pub fn bytes_buffered(&self) -> usize {
        let bom = self.bom.unwrap_or(0);
        self.line.len() + self.ev.data.len() + bom
    }

    fn feed_inner(&mut self, bytes: &[u8], out: &mut Vec<RawEvent>) -> Result<(), Fail> {
        let base = self.offset;
        self.offset = base.saturating_add(bytes.len() as u64);
        let mut rest = bytes;

        if let Some(n) = self.bom {
            let want = BOM.get(n..).unwrap_or_default();
            let (head, tail) = rest.split_at(want.len().min(rest.len()));
            if !want.starts_with(head) {
                // Not a BOM: the bytes matched so far are the start of the first line.
                self.bom = None;
                self.line
                    .extend_from_slice(BOM.get(..n).unwrap_or_default());
                self.line_start = 0;
            } else if head.len() == want.len() {
                self.bom = None;
                rest = tail;
            } else {
                // Still a BOM prefix and this feed is used up.
                self.bom = Some(n + head.len());
                return Ok(());
            }
        }

        if self.after_cr {
            if let Some((&first, tail)) = rest.split_first() {
                self.after_cr = false;
                if first == b'\n' {
                    rest = tail;
                }
            }
        }

        // Only the new bytes are scanned; a buffered partial line is never rescanned.
        while let Some(i) = find_eol(rest) {
            let at = base + (bytes.len() - rest.len()) as u64;
            let (piece, tail) = rest.split_at(i);
            let Some((&eol, mut after)) = tail.split_first() else {
                break;
            };
            if eol == b'\r' {
                match after.split_first() {
                    Some((&b'\n', t)) => after = t,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            if self.line.is_empty() {
                // Fast path: the whole line is in this slice; parse it in place.
                self.ev.line(piece, at, self.max, self.check, out)?;
            } else {
                self.grow_line(piece)?;
                if !self.check && self.ev.take_line(&mut self.line, self.line_start) {
                    // The line's buffer became the event's data.
                    rest = after;
                    continue;
                }
                self.ev
                    .line(&self.line, self.line_start, self.max, self.check, out)?;
                self.line.clear();
                if self.line.capacity() > KEEP_LINE_CAPACITY {
                    self.line = Vec::new();
                }
            }
            rest = after;
        }

        if !rest.is_empty() {
            if self.line.is_empty() {
                self.line_start = base + (bytes.len() - rest.len()) as u64;
            }
            self.grow_line(rest)?;
        }
        Ok(())
    }

    /// Appends to the partial line, refusing to pass the cap and never reserving beyond it.
    fn grow_line(&mut self, extra: &[u8]) -> Result<(), Fail> {
        let need = self.line.len().saturating_add(extra.len());
        if need.saturating_add(self.ev.data.len()) > self.max {
            return Err(Fail::TooBig);
        }
        if need > self.line.capacity() {
            let target = self
                .line
                .capacity()
                .saturating_mul(2)
                .min(self.max)
                .max(need);
            self.line
                .reserve_exact(target.saturating_sub(self.line.len()));
        }
        self.line.extend_from_slice(extra);
        Ok(())
    }
}

impl Pending {
    /// A long buffered `data` line that starts an event becomes its data without a copy (an
    /// 8 MB line is otherwise copied once more). False (nothing done) for any other line.
    fn take_line(&mut self, line: &mut Vec<u8>, at: u64) -> bool {
        let skip = match line.get(..6) {
            Some(b"data: ") => 6,
            Some([b'd', b'a', b't', b'a', b':', _]) => 5,
            _ => return false,
        };
        if self.has_data || line.len() <= KEEP_LINE_CAPACITY {
            return false;
        }
        // `grow_line` already held the line under the cap, and there is no data yet.
        self.data = std::mem::take(line);
        self.data_from = skip;
        self.data_at = at + skip as u64;
        self.has_data = true;
        true
    }

    /// Interprets one complete line (without its terminator) starting at stream offset `at`.
    /// `check`: `data` values must be UTF-8.
    fn line(
        &mut self,
        line: &[u8],
        at: u64,
        max: usize,
        check: bool,
        out: &mut Vec<RawEvent>,
    ) -> Result<(), Fail> {
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        // Same test as `grow_line`, so a line is refused alike however the stream was cut.
        if line.len().saturating_add(self.data.len()) > max {
            return Err(Fail::TooBig);
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return Ok(()), // comment, e.g. `: OPENROUTER PROCESSING`
            Some(i) => {
                let (name, rest) = line.split_at(i);
                let value = rest.get(1..).unwrap_or_default();
                (name, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        let value_at = at + (line.len() - value.len()) as u64;
        match name {
            b"data" => {
                if check {
                    utf8(value, value_at)?;
                }
                if self.has_data {
                    self.data.push(b'\n');
                    self.more_at
                        .push((self.data.len() - self.data_from, value_at));
                } else {
                    self.data_at = value_at;
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => {
                let s = utf8(value, value_at)?;
                self.event.clear();
                self.event.push_str(s);
            }
            // An id containing NUL is ignored, per spec.
            b"id" if !value.contains(&0) => {
                let s = utf8(value, value_at)?;
                self.id = if s.is_empty() {
                    None
                } else {
                    Some(s.to_owned())
                };
            }
            b"retry" => {
                if let Some(ms) = parse_digits(value) {
                    self.retry = Some(ms);
                }
            }
            _ => {} // unknown fields are ignored, value unchecked
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<RawEvent>) {
        if self.has_data {
            let event = if self.event.is_empty() {
                None
            } else {
                Some(std::mem::take(&mut self.event))
            };
            out.push(RawEvent {
                event,
                data: std::mem::take(&mut self.data),
                from: std::mem::take(&mut self.data_from),
                id: self.id.clone(),
                retry: self.retry.take(),
                data_at: self.data_at,
                more_at: std::mem::take(&mut self.more_at),
            });
        }
        self.has_data = false;
        self.data.clear();
        self.data_from = 0;
        self.more_at.clear();
        self.event.clear();
    }
}

/// Index of the first `\n` or `\r`. Reads eight bytes per step: most lines are hundreds of bytes.
#[inline]
fn find_eol(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LF: u64 = ONES * b'\n' as u64;
    const CR: u64 = ONES * b'\r' as u64;
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let (x, y) = (w ^ LF, w ^ CR);
        // High bit set in each zero byte of x or y; the lowest flagged byte is always exact.
        let hits = ((x.wrapping_sub(ONES) & !x) | (y.wrapping_sub(ONES) & !y)) & HIGH;
        if hits != 0 {
            return Some(base + (hits.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|i| base + i)
}

fn utf8(bytes: &[u8], at: u64) -> Result<&str, Fail> {
    std::str::from_utf8(bytes).map_err(|e| Fail::Utf8(at + e.valid_up_to() as u64))
}

/// `retry:` takes ASCII digits only; anything else (or an overflow) is ignored.
fn parse_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_eol(s: &[u8]) -> Option<usize> {
        s.iter().position(|&b| b == b'\n' || b == b'\r')
    }

    fn decode(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, &mut out).unwrap();
        }
        d.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn find_eol_every_position_and_length() {
        for len in 0..40 {
            for pos in 0..=len {
                for eol in [b'\n', b'\r'] {
                    let mut v = vec![b'a'; len];
                    if pos < len {
                        v[pos] = eol;
                    }
                    let expect = (pos < len).then_some(pos);
                    assert_eq!(find_eol(&v), expect, "len {len} pos {pos}");
                }
            }
        }
    }

    #[test]
    fn find_eol_bytes_near_terminators_are_not_hits() {
        // Values around 0x0A/0x0D and high bytes exercise the borrow logic.
        let tricky = [0x09, 0x0B, 0x0C, 0x0E, 0x8A, 0x8D, 0xFF, 0x00, 0x01, 0x80];
        for &b in &tricky {
            let v = vec![b; 17];
            assert_eq!(find_eol(&v), None, "byte {b:#x}");
        }
        let v = [0x0B, 0x0A, 0x0D, 0x0A, 0, 0, 0, 0, 0];
        assert_eq!(find_eol(&v), Some(1));
    }

    proptest! {
        #[test]
        fn find_eol_matches_naive(v in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(0u8), Just(0x0Bu8), any::<u8>()], 0..64)
        ) {
            prop_assert_eq!(find_eol(&v), naive_eol(&v));
        }
    }

    #[test]
    fn parse_digits_rules() {
        assert_eq!(parse_digits(b"0"), Some(0));
        assert_eq!(parse_digits(b"3000"), Some(3000));
        assert_eq!(parse_digits(b""), None);
        assert_eq!(parse_digits(b"+5"), None);
        assert_eq!(parse_digits(b"5 "), None);
        assert_eq!(parse_digits(b"1.5"), None);
        assert_eq!(parse_digits(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_digits(b"18446744073709551616"), None);
    }

    #[test]
    fn crlf_split_between_feeds_counts_once() {
        // If the `\n` after a trailing `\r` counted as a second line end, `a` would dispatch
        // alone before `b` arrived.
        let out = decode(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].data, "a\nb");
    }

    #[test]
    fn bom_prefix_that_is_not_a_bom_stays_data() {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.feed(&[0xEF], &mut out).unwrap();
        assert_eq!(d.bytes_buffered(), 1);
        d.feed(&[0xBB], &mut out).unwrap();
        assert_eq!(d.bytes_buffered(), 2);
        // The field name is now the bytes EF BB then "data": unknown, so nothing is dispatched.
        d.feed(b"data: x\n\n", &mut out).unwrap();
        assert!(out.is_empty());
        assert_eq!(d.bytes_buffered(), 0);
    }

    #[test]
    fn buffered_line_capacity_is_released() {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.feed(b"data: ", &mut out).unwrap();
        d.feed(&vec![b'x'; 200_000], &mut out).unwrap();
        d.feed(b"\n\n", &mut out).unwrap();
        assert_eq!(out[0].data.len(), 200_000);
        assert!(d.line.capacity() <= KEEP_LINE_CAPACITY);
    }

    #[test]
    fn line_capacity_never_exceeds_cap() {
        let mut d = SseDecoder::with_max_event_bytes(1000);
        let mut out = Vec::new();
        for _ in 0..9 {
            d.feed(&[b'x'; 100], &mut out).unwrap();
        }
        assert!(d.line.capacity() <= 1000);
        assert!(d.feed(&[b'x'; 101], &mut out).is_err());
    }
}
