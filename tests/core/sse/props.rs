//! Property tests: arbitrary bytes, cut anywhere, never panic and decode as if fed whole.

use free_router::core::error::Error;
use free_router::core::sse::*;
use proptest::prelude::*;

/// Everything a decode produced: events, the first error, and what `finish` said.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<SseEvent>,
    error: Option<Error>,
    finish: Result<(), Error>,
}

fn run(max: usize, input: &[u8], cuts: &[usize]) -> Outcome {
    let mut d = SseDecoder::with_max_event_bytes(max);
    let mut events = Vec::new();
    let mut error = None;
    let mut start = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(input.len());
    for end in cuts {
        let r = d.feed(&input[start..end], &mut events);
        // A BOM prefix (up to 2 bytes) is held before the cap applies to any line.
        assert!(d.bytes_buffered() <= max.max(2));
        if let Err(e) = r {
            if error.is_none() {
                error = Some(e);
            } else {
                assert_eq!(
                    error.as_ref(),
                    Some(&e),
                    "poisoned decoder changed its error"
                );
            }
        }
        start = end;
    }
    let finish = d.finish(&mut events);
    Outcome {
        events,
        error,
        finish,
    }
}

/// Pieces of SSE structure; `None` stands for one arbitrary byte. Repeats set the weights.
const TOKENS: &[Option<&[u8]>] = &[
    None,
    None,
    None,
    None,
    Some(b"\n"),
    Some(b"\n"),
    Some(b"\n"),
    Some(b"\r"),
    Some(b"\r"),
    Some(b"\r\n"),
    Some(b"\r\n"),
    Some(b"data:"),
    Some(b"data:"),
    Some(b"data: "),
    Some(b"data: "),
    Some(b"event: "),
    Some(b"id: "),
    Some(b"retry: "),
    Some(b":"),
    Some(b" "),
    Some(b"42"),
    Some(b"\0"),
    Some("é日😀".as_bytes()),
    Some(b"\xEF\xBB\xBF"),
    Some(b"[DONE]"),
];

/// Bytes biased toward SSE structure, so lines, fields and line ends are common.
/// (Built from plain integers: a `prop_oneof!` per token is far slower to generate.)
fn sse_bytes(max_tokens: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((0..TOKENS.len(), any::<u8>()), 0..max_tokens).prop_map(|v| {
        let mut bytes = Vec::new();
        for (i, b) in v {
            match TOKENS[i] {
                Some(t) => bytes.extend_from_slice(t),
                None => bytes.push(b),
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_in_arbitrary_pieces_never_panic(
        input in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            sse_bytes(60),
        ],
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        max in prop_oneof![Just(DEFAULT_MAX_EVENT_BYTES), 0usize..64],
    ) {
        let _ = run(max, &input, &cuts);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn split_feed_equals_whole_feed(
        input in sse_bytes(80),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        prop_assert_eq!(run(DEFAULT_MAX_EVENT_BYTES, &input, &cuts), run(DEFAULT_MAX_EVENT_BYTES, &input, &[]));
    }

    #[test]
    fn split_feed_equals_whole_feed_with_a_small_cap(
        input in sse_bytes(80),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
        max in 0usize..48,
    ) {
        prop_assert_eq!(run(max, &input, &cuts), run(max, &input, &[]));
    }

    #[test]
    fn byte_by_byte_equals_whole_feed(input in sse_bytes(60)) {
        let cuts: Vec<usize> = (0..input.len()).collect();
        prop_assert_eq!(run(DEFAULT_MAX_EVENT_BYTES, &input, &cuts), run(DEFAULT_MAX_EVENT_BYTES, &input, &[]));
    }

    #[test]
    fn line_end_style_does_not_change_events(
        lines in proptest::collection::vec("[a-z:é ]{0,12}", 0..12),
        style in 0usize..3,
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let eol = ["\n", "\r", "\r\n"][style];
        let lf: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let other: String = lines.iter().map(|l| format!("{l}{eol}")).collect();
        let a = run(DEFAULT_MAX_EVENT_BYTES, lf.as_bytes(), &[]);
        let b = run(DEFAULT_MAX_EVENT_BYTES, other.as_bytes(), &cuts);
        prop_assert_eq!(a.events, b.events);
        prop_assert_eq!(a.error, b.error);
    }
}
