//! Substring search for the crate. `str::find`/`contains` with a `&str` pattern bring in the
//! two-way searcher (~2.4 KB of wasm); the haystacks here are short (error messages, model ids,
//! hosts), where a plain scan is as good.

/// Byte offset of the first `needle` in `hay`, as `str::find`. A match of a whole UTF-8
/// needle in UTF-8 text always starts on a char boundary.
#[inline(never)]
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return Some(0);
    };
    // First byte before the rest: a catalog search runs this over every model's description.
    let last = h.len().checked_sub(n.len())?;
    let mut i = 0;
    while i <= last {
        if h.get(i) == Some(&first) && h.get(i + 1..i + n.len()) == Some(rest) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// As `str::contains` with a `&str` pattern.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// As `str::split_once` with a `&str` separator.
pub fn split_once<'a>(hay: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, sep)?;
    Some((hay.get(..i)?, hay.get(i + sep.len()..)?))
}

/// `s` quoted for a message, as `format!("{s:?}")` prints it for ASCII, controls and the
/// invisible format characters; other non-ASCII text passes as is (readable host names).
/// Debug itself is not linked: its Unicode printable tables cost ~3 KB of gzip.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            // Controls and the invisible format characters a spoofed URL would hide behind, as
            // `{:?}` writes them; other text as is (Debug's printable tables cost ~2 KB).
            _ if c.is_control()
                || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
                    | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}') =>
            {
                out.push_str("\\u{");
                let mut v = c as u32;
                let mut digits = 1;
                while v > 15 {
                    v >>= 4;
                    digits += 1;
                }
                push_hex(&mut out, u64::from(c as u32), digits);
                out.push('}');
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Appends `v` as `digits` lowercase hex digits, as `{v:0<digits>x}` does when it fits: no
/// `LowerHex` formatting machinery.
pub fn push_hex(out: &mut String, v: u64, digits: u32) {
    for i in (0..digits).rev() {
        out.push(char::from(
            b"0123456789abcdef"[(v >> (4 * i)) as usize & 15],
        ));
    }
}

/// The first `n` characters of `s` (all of `s` when shorter), without a copy: no
/// `chars().take(n).collect()` (a char-by-char String builder in wasm).
pub fn first_chars(s: &str, n: usize) -> &str {
    let mut count = 0;
    for (i, b) in s.bytes().enumerate() {
        if b & 0xC0 != 0x80 {
            if count == n {
                return s.get(..i).unwrap_or(s);
            }
            count += 1;
        }
    }
    s
}

/// `items.join(sep)`: std's joiner is ~0.7 KB of wasm per element type.
pub fn join<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(s.as_ref());
    }
    out
}

/// `String::from_utf8_lossy(bytes).into_owned()`: each invalid sequence becomes one U+FFFD, as
/// std (and TextDecoder) decide. A loop over `from_utf8`, which wasm already has, instead of
/// std's chunk iterator (~1 KB of wasm).
pub fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // `good` is the valid prefix `from_utf8` just measured.
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                out.push('\u{FFFD}');
                match e.error_len().and_then(|n| bad.get(n..)) {
                    Some(next) => rest = next,
                    None => return out,
                }
            }
        }
    }
}

/// `s.chars().count()` as one byte loop: std's counter is ~0.8 KB of wasm, and no caller is hot.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// `a` then `b` in one string: cheaper in wasm than `format!("{a}{b}")` at each site.
#[inline(never)]
pub fn join2(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len());
    s.push_str(a);
    s.push_str(b);
    s
}

/// A duration for messages, one way everywhere: "45 s", "1 min 30 s", "2 min", "3 h 12 min".
pub fn duration(ms: u64) -> String {
    let s = ms.div_ceil(1000);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 if s % 60 == 0 => format!("{} min", s / 60),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// Up to `n` of `ids` closest to `wanted` (ASCII case folded): ids containing it or contained
/// in it first, then the longest common prefix, then the nearest length. One pass, no sort.
pub fn closest<'a>(wanted: &str, ids: &mut dyn Iterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let folded = wanted.to_ascii_lowercase();
    let mut keys: Vec<(bool, usize, usize)> = Vec::new();
    let mut best: Vec<&str> = Vec::new();
    for id in ids {
        let id_folded = id.to_ascii_lowercase();
        let related = contains(&id_folded, &folded) || contains(&folded, &id_folded);
        let prefix = folded
            .bytes()
            .zip(id_folded.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let key = (
            !related,
            usize::MAX - prefix,
            id.len().abs_diff(wanted.len()),
        );
        let at = keys.iter().position(|k| key < *k).unwrap_or(keys.len());
        if at < n && !best.contains(&id) {
            keys.insert(at, key);
            best.insert(at, id);
            keys.truncate(n);
            best.truncate(n);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std() {
        let hays = [
            "",
            "a",
            "abc",
            "aaab",
            "héllo wörld",
            "::1",
            "fe80::1::",
            "x𝄞y𝄞",
            "ababac",
        ];
        let needles = [
            "", "a", "b", "ab", "aab", "c", "ö", "wörld", "::", "𝄞", "𝄞y", "abac", "zz",
        ];
        for h in hays {
            for n in needles {
                assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
                assert_eq!(contains(h, n), h.contains(n));
                assert_eq!(split_once(h, n), h.split_once(n), "{h:?} {n:?}");
            }
        }
    }
    #[test]
    fn quoted_matches_debug() {
        for b in 0u8..0x80 {
            let s = format!("a{}b", char::from(b));
            assert_eq!(quoted(&s), format!("{s:?}"), "byte {b}");
        }
        let hidden = [
            '\u{85}', '\u{9f}', '\u{ad}', '\u{200b}', '\u{200e}', '\u{2028}',
        ];
        let hidden2 = ['\u{202e}', '\u{2066}', '\u{feff}', '\u{fffa}'];
        for c in hidden.into_iter().chain(hidden2) {
            let s = format!("x.test/{c}a");
            assert_eq!(quoted(&s), format!("{s:?}"), "U+{:X}", c as u32);
        }
        for s in [
            "",
            "https://x.test/a?b=\"c\"&d='e'",
            "ftp://h\\p",
            "héllo 𝄞 ünï",
            "https://bücher.example/日本",
        ] {
            assert_eq!(quoted(s), format!("{s:?}"));
        }
    }

    #[test]
    fn push_hex_matches_format() {
        for v in [0u64, 1, 0xab, 0x0123_4567_89ab_cdef, u64::MAX] {
            let mut s = String::new();
            push_hex(&mut s, v, 16);
            assert_eq!(s, format!("{v:016x}"));
            let mut s = String::new();
            push_hex(&mut s, v & 0xff, 2);
            assert_eq!(s, format!("{:02x}", v & 0xff));
        }
    }

    #[test]
    fn first_chars_matches_take() {
        for s in ["", "a", "héllo", "𝄞x日本語", "ab\u{feff}c"] {
            for n in 0..8 {
                let take: String = s.chars().take(n).collect();
                assert_eq!(first_chars(s, n), take, "{s:?} {n}");
            }
        }
    }

    #[test]
    fn join_matches_std() {
        let owned = vec!["a".to_string(), "bc".to_string()];
        assert_eq!(join(&owned, ", "), owned.join(", "));
        let none: [&str; 0] = [];
        assert_eq!(join(&none, "\n"), "");
        assert_eq!(join(&["x"], "\n"), "x");
        assert_eq!(join(&["x", "", "y"], " "), "x  y");
    }

    #[test]
    fn lossy_matches_std() {
        let cases: [&[u8]; 9] = [
            b"",
            b"plain",
            "h\u{e9}llo \u{1F600}".as_bytes(),
            b"a\xffb",
            b"\xf0\x9f\x98",
            b"\xf0\x9f\x98x\xe2\x82",
            b"\xc0\x80\xed\xa0\x80z",
            b"\x80\x80\xbf\xfe",
            b"ok\xe2\x82\xac\xe2\x82",
        ];
        for c in cases {
            assert_eq!(lossy(c), String::from_utf8_lossy(c), "{c:?}");
        }
        let mut seed = 7u32;
        for n in 0..2000 {
            let bytes: Vec<u8> = (0..n % 23)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    [0x41, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff, 0x9f]
                        [(seed >> 16) as usize % 10]
                })
                .collect();
            assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes), "{bytes:?}");
        }
    }

    #[test]
    fn char_count_matches_std() {
        for s in ["", "a", "héllo", "𝄞x", "日本語", "\u{feff}\u{10ffff}"] {
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
    }

    #[test]
    fn join2_concatenates() {
        assert_eq!(join2("free-router:v1:", "pkce"), "free-router:v1:pkce");
        assert_eq!(join2("", "é"), "é");
        assert_eq!(join2("", ""), "");
    }
}
