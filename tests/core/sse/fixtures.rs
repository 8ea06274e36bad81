//! The recorded OpenRouter streams decode the same however the body is cut.

use free_router::core::sse::*;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("sse_") && name.ends_with(".txt")
        })
        .collect();
    paths.sort();
    assert!(paths.len() >= 8, "expected the recorded sse_*.txt fixtures");
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Deterministic xorshift64, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for c in chunks {
        d.feed(c, &mut out).unwrap();
    }
    assert_eq!(d.bytes_buffered(), 0);
    d.finish(&mut out).unwrap();
    out
}

fn whole(bytes: &[u8]) -> Vec<SseEvent> {
    decode_chunks([bytes])
}

fn byte_by_byte(bytes: &[u8]) -> Vec<SseEvent> {
    decode_chunks(bytes.chunks(1))
}

/// Cuts at random points, with piece sizes from 0 (empty feeds) to `max_piece`.
fn random_splits(bytes: &[u8], seed: u64, max_piece: usize) -> Vec<SseEvent> {
    let mut rng = Rng(seed);
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = rng.below(max_piece + 1).min(rest.len());
        let (a, b) = rest.split_at(n);
        pieces.push(a);
        rest = b;
    }
    decode_chunks(pieces)
}

fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        if b == b'\n' {
            v.push(b'\r');
        }
        v.push(b);
    }
    v
}

fn to_cr(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'\n' { b'\r' } else { b })
        .collect()
}

fn assert_all_cuts_agree(name: &str, bytes: &[u8], expect: &[SseEvent]) {
    assert_eq!(whole(bytes), expect, "{name}: whole");
    assert_eq!(byte_by_byte(bytes), expect, "{name}: byte by byte");
    for seed in 1..=20u64 {
        for max_piece in [3, 17, 100, 1460, 5000] {
            let seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            assert_eq!(
                random_splits(bytes, seed, max_piece),
                expect,
                "{name}: seed {seed} max piece {max_piece}"
            );
        }
    }
}

#[test]
fn fixtures_decode_identically_whole_bytewise_and_random_splits() {
    for (name, bytes) in fixtures() {
        let expect = whole(&bytes);
        assert!(!expect.is_empty(), "{name}");
        assert_all_cuts_agree(&name, &bytes, &expect);
    }
}

#[test]
fn fixture_event_counts_match_data_lines_and_done_is_last() {
    for (name, bytes) in fixtures() {
        let text = std::str::from_utf8(&bytes).unwrap();
        // In these recordings every event is one `data:` line.
        let data_lines = text.lines().filter(|l| l.starts_with("data:")).count();
        let events = whole(&bytes);
        assert_eq!(events.len(), data_lines, "{name}");
        let done = events.iter().filter(|e| e.data == "[DONE]").count();
        if text.contains("data: [DONE]") {
            assert_eq!(done, 1, "{name}");
            assert_eq!(events.last().unwrap().data, "[DONE]", "{name}");
        }
        for e in &events {
            assert_eq!(e.event, None, "{name}");
            assert_eq!(e.id, None, "{name}");
            assert_eq!(e.retry, None, "{name}");
            assert!(!e.data.starts_with(' '), "{name}: leading space kept");
            if e.data != "[DONE]" {
                free_router::core::json::from_str(&e.data)
                    .unwrap_or_else(|err| panic!("{name}: not JSON ({err}): {}", e.data));
            }
        }
    }
}

#[test]
fn fixture_counts_are_the_recorded_ones() {
    let counts: Vec<(String, usize)> = fixtures()
        .into_iter()
        .map(|(n, b)| (n, whole(&b).len()))
        .collect();
    let expect = [
        ("sse_fallback-free-to-grok4.txt", 74),
        ("sse_midstream-error_minimax-m2-free.txt", 5),
        ("sse_reasoning_claude-sonnet-4.5.txt", 15),
        ("sse_reasoning_o3.txt", 103),
        ("sse_responses-api_tool-call_gpt-4.1-mini.txt", 8),
        ("sse_text-usage_gpt-4o-mini_2026-07.txt", 26),
        ("sse_tool-call_gpt-4.1-mini.txt", 5),
        ("sse_web-search_gpt-4.1-mini_2026-08.txt", 15),
    ];
    for (file, n) in expect {
        let got = counts.iter().find(|(name, _)| name == file);
        assert_eq!(got.map(|g| g.1), Some(n), "{file}");
    }
}

#[test]
fn fixtures_with_crlf_and_cr_line_ends_give_the_same_events() {
    for (name, bytes) in fixtures() {
        let expect = whole(&bytes);
        let crlf = to_crlf(&bytes);
        assert_all_cuts_agree(&format!("{name} (CRLF)"), &crlf, &expect);
        let cr = to_cr(&bytes);
        assert_all_cuts_agree(&format!("{name} (CR)"), &cr, &expect);
    }
}

#[test]
fn fixtures_with_crlf_split_inside_every_crlf() {
    for (name, bytes) in fixtures() {
        let expect = whole(&bytes);
        let crlf = to_crlf(&bytes);
        // Cut right after every `\r`, so each CRLF straddles two feeds.
        let pieces: Vec<&[u8]> = crlf.split_inclusive(|&b| b == b'\r').collect();
        assert!(pieces.len() > 2);
        assert_eq!(decode_chunks(pieces), expect, "{name}");
    }
}

#[test]
fn fixtures_with_utf8_text_survive_cuts_inside_characters() {
    // Two recordings hold multi-byte characters; cut at every position in a window around each.
    for (name, bytes) in fixtures() {
        let expect = whole(&bytes);
        let multi: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b >= 0x80)
            .map(|(i, _)| i)
            .take(50)
            .collect();
        for &i in &multi {
            for cut in i.saturating_sub(2)..=(i + 2).min(bytes.len()) {
                let (a, b) = bytes.split_at(cut);
                assert_eq!(decode_chunks([a, b]), expect, "{name} cut at {cut}");
            }
        }
    }
}
