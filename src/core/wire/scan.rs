//! A one-pass reader for the common chunk shape: top-level `id`/`model`/`provider`/`created`,
//! at most one choice with `delta.content`/`reasoning`/`reasoning_content` and
//! `finish_reason`; every other value is checked and skipped. It gives up (`None`) on
//! anything it does not fully understand (non-null `usage`, `error`, `message`,
//! `tool_calls`, `reasoning_details`, several choices, exponents, long numbers,
//! deep nesting, lone surrogates, invalid JSON) so the full parser reads those and reports the errors.

use super::chunk::{Chunk, ChunkChoice, RawDelta};
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

/// `data` if it is exactly one JSON string (what [`super::template::Template`] leaves open).
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
