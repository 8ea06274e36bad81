//! Parsing rules (WHATWG EventSource), errors and limits of the SSE decoder.

use free_router::core::error::ErrorCode;
use free_router::core::sse::*;

fn decode(input: &[u8]) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    d.feed(input, &mut out).unwrap();
    d.finish(&mut out).unwrap();
    out
}

fn decode_pieces(pieces: &[&[u8]]) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for p in pieces {
        d.feed(p, &mut out).unwrap();
    }
    d.finish(&mut out).unwrap();
    out
}

/// Every way to cut `input` in two and in three must give `expect`.
fn assert_every_cut(input: &[u8], expect: &[SseEvent]) {
    assert_eq!(decode(input), expect, "whole");
    for i in 0..=input.len() {
        let (a, rest) = input.split_at(i);
        assert_eq!(decode_pieces(&[a, rest]), expect, "cut at {i}");
        for j in 0..=rest.len() {
            let (b, c) = rest.split_at(j);
            assert_eq!(decode_pieces(&[a, b, c]), expect, "cuts at {i}, {}", i + j);
        }
    }
}

fn data(s: &str) -> SseEvent {
    SseEvent {
        data: s.to_owned(),
        ..SseEvent::default()
    }
}

#[test]
fn multibyte_characters_split_at_every_byte() {
    for text in ["é", "日本", "😀", "aé日😀z", "𝄞\u{0301}"] {
        let input = format!("data: {text}\n\n");
        assert_every_cut(input.as_bytes(), &[data(text)]);
    }
}

#[test]
fn comments_are_ignored() {
    let input = b": OPENROUTER PROCESSING\n\n:\n\ndata: x\n: inside\n\n";
    assert_every_cut(input, &[data("x")]);
}

#[test]
fn multi_line_data_is_joined_with_newlines() {
    assert_every_cut(b"data: a\ndata:b\ndata:  c\n\n", &[data("a\nb\n c")]);
}

#[test]
fn event_id_and_retry_fields() {
    let input = b"event: delta\nid: 7\nretry: 3000\ndata: one\n\ndata: two\n\n";
    let expect = [
        SseEvent {
            event: Some("delta".into()),
            data: "one".into(),
            id: Some("7".into()),
            retry: Some(3000),
        },
        // The id persists (spec: last event ID); event type and retry do not.
        SseEvent {
            event: None,
            data: "two".into(),
            id: Some("7".into()),
            retry: None,
        },
    ];
    assert_every_cut(input, &expect);
}

#[test]
fn empty_id_resets_and_id_with_nul_is_ignored() {
    let input = b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\nid\ndata: c\n\n";
    let out = decode(input);
    let ids: Vec<Option<&str>> = out.iter().map(|e| e.id.as_deref()).collect();
    assert_eq!(ids, [Some("1"), Some("1"), None]);
}

#[test]
fn invalid_retry_values_are_ignored() {
    for bad in [
        "retry: x",
        "retry: 1.5",
        "retry: -1",
        "retry: +1",
        "retry:",
        "retry: 1 ",
    ] {
        let input = format!("{bad}\ndata: a\n\n");
        assert_eq!(decode(input.as_bytes())[0].retry, None, "{bad}");
    }
    assert_eq!(decode(b"retry:250\ndata: a\n\n")[0].retry, Some(250));
    // A later bad value does not undo a good one.
    assert_eq!(
        decode(b"retry: 5\nretry: no\ndata: a\n\n")[0].retry,
        Some(5)
    );
}

#[test]
fn retry_without_data_carries_to_the_next_event() {
    let out = decode(b"retry: 10\n\ndata: a\n\ndata: b\n\n");
    assert_eq!(out[0].retry, Some(10));
    assert_eq!(out[1].retry, None);
}

#[test]
fn event_type_resets_after_blank_line_even_without_data() {
    let out = decode(b"event: ping\n\ndata: a\n\nevent:\ndata: b\n\n");
    assert_eq!(out, [data("a"), data("b")]);
}

#[test]
fn empty_data_field_dispatches_an_empty_event() {
    assert_every_cut(b"data:\n\n", &[data("")]);
    assert_every_cut(b"data\n\n", &[data("")]);
    assert_eq!(decode(b"data:\ndata:\n\n"), [data("\n")]);
}

#[test]
fn blank_lines_without_data_dispatch_nothing() {
    assert!(decode(b"\n\n\r\n\r\r\nevent: x\nid: 1\n\n").is_empty());
}

#[test]
fn field_without_colon_has_empty_value() {
    // `data` alone is a data field with an empty value; `event` alone clears the type.
    let out = decode(b"event: x\nevent\ndata\ndata: y\n\n");
    assert_eq!(out, [data("\ny")]);
}

#[test]
fn data_without_space_and_only_one_space_stripped() {
    assert_eq!(decode(b"data:x\n\n"), [data("x")]);
    assert_eq!(decode(b"data:  x \n\n"), [data(" x ")]);
    assert_eq!(decode(b"data:\tx\n\n"), [data("\tx")]);
    assert_eq!(decode(b"data: a:b: c\n\n"), [data("a:b: c")]);
}

#[test]
fn unknown_and_case_mismatched_fields_are_ignored() {
    let out = decode(b"foo: bar\nDATA: no\nData: no\n data: no\ndata: yes\n\n");
    assert_eq!(out, [data("yes")]);
}

#[test]
fn done_is_an_ordinary_event() {
    assert_eq!(decode(b"data: [DONE]\n\n"), [data("[DONE]")]);
}

#[test]
fn lf_cr_and_crlf_line_ends_and_mixtures() {
    let expect = [data("a\nb"), data("c")];
    for input in [
        &b"data: a\ndata: b\n\ndata: c\n\n"[..],
        b"data: a\rdata: b\r\rdata: c\r\r",
        b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
        b"data: a\rdata: b\r\n\ndata: c\n\r",
    ] {
        assert_every_cut(input, &expect);
    }
}

#[test]
fn cr_at_end_of_a_feed_then_lf_is_one_line_end() {
    let out = decode_pieces(&[b"data: a\r", b"\n", b"\r", b"\n"]);
    assert_eq!(out, [data("a")]);
    // A lone `\r` then `\r`: two line ends, so the second is a blank line.
    let out = decode_pieces(&[b"data: a\r", b"\r"]);
    assert_eq!(out, [data("a")]);
    // An empty feed between `\r` and `\n` changes nothing.
    let out = decode_pieces(&[b"data: a\r", b"", b"\ndata: b\n\n"]);
    assert_eq!(out, [data("a\nb")]);
}

#[test]
fn bom_is_skipped_once_even_split_across_feeds() {
    let mut input = vec![0xEF, 0xBB, 0xBF];
    input.extend_from_slice(b"data: a\n\n");
    assert_every_cut(&input, &[data("a")]);
    for cut in 0..=3 {
        let (a, b) = input.split_at(cut);
        let out = decode_pieces(&[&a[..cut.min(1)], &a[cut.min(1)..], b]);
        assert_eq!(out, [data("a")], "cut at {cut}");
    }
    // A second BOM is not skipped: the field name becomes "\u{FEFF}data", unknown.
    let mut twice = vec![0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF];
    twice.extend_from_slice(b"data: a\n\n");
    assert!(decode(&twice).is_empty());
    // Only at the very start of the stream.
    assert_eq!(
        decode("data: a\n\n\u{FEFF}data: b\n\n".as_bytes()),
        [data("a")]
    );
    // Inside a value it is kept.
    assert_eq!(
        decode("data: \u{FEFF}x\n\n".as_bytes()),
        [data("\u{FEFF}x")]
    );
}

#[test]
fn unterminated_event_is_dropped_and_reported_by_finish() {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    d.feed(b"data: a\n\ndata: b", &mut out).unwrap();
    assert_eq!(d.bytes_buffered(), 7);
    let err = d.finish(&mut out).unwrap_err();
    assert_eq!(err.code, ErrorCode::StreamInterrupted);
    assert!(err.message.contains("7 bytes"), "{}", err.message);
    assert_eq!(out, [data("a")]);

    // A data line without its blank line is incomplete too.
    let mut d = SseDecoder::new();
    d.feed(b"data: b\n", &mut out).unwrap();
    assert!(d.finish(&mut out).is_err());
    // A trailing partial comment is still left-over bytes.
    let mut d = SseDecoder::new();
    d.feed(b": ping", &mut out).unwrap();
    assert!(d.finish(&mut out).is_err());
    assert_eq!(out, [data("a")]);
}

#[test]
fn finish_is_clean_after_a_complete_stream_and_resets() {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    d.feed(b"id: 9\ndata: a\n\n: trailing comment\n\r", &mut out)
        .unwrap();
    d.finish(&mut out).unwrap();
    // A new stream: BOM expected again, id forgotten, `\n` after the old `\r` is a line end.
    d.feed(b"\xEF\xBB\xBF\ndata: b\n\n", &mut out).unwrap();
    d.finish(&mut out).unwrap();
    assert_eq!(out[0].id.as_deref(), Some("9"));
    assert_eq!(out[1], data("b"));
}

#[test]
fn invalid_utf8_is_a_parse_error_naming_the_offset() {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    // Offset: 9 bytes of the first event, then "data: ab" puts 0xFF at 9 + 8 = 17.
    let err = d
        .feed(b"data: a\n\ndata: ab\xFFc\n\n", &mut out)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Parse);
    assert!(err.message.contains("byte offset 17"), "{}", err.message);
    assert_eq!(out, [data("a")]);

    // The same offset when fed byte by byte.
    let input = b"data: a\n\ndata: ab\xFFc\n\n";
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    let err = input
        .iter()
        .find_map(|b| d.feed(std::slice::from_ref(b), &mut out).err())
        .unwrap();
    assert!(err.message.contains("byte offset 17"), "{}", err.message);

    // A character cut short by the end of its line.
    let err = decode_err(b"event: \xE6\x97\n");
    assert!(err.message.contains("byte offset 7"), "{}", err.message);
}

fn decode_err(input: &[u8]) -> free_router::core::error::Error {
    let mut d = SseDecoder::new();
    d.feed(input, &mut Vec::new()).unwrap_err()
}

#[test]
fn errors_poison_the_decoder() {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    let first = d.feed(b"data: \xC0\n", &mut out).unwrap_err();
    let again = d.feed(b"data: fine\n\n", &mut out).unwrap_err();
    assert_eq!(first, again);
    assert_eq!(d.finish(&mut out).unwrap_err(), first);
    assert_eq!(d.feed(b"", &mut out).unwrap_err(), first);
    assert!(out.is_empty());
    assert_eq!(d.bytes_buffered(), 0);
}

#[test]
fn over_cap_line_is_an_error_naming_the_cap() {
    const CAP: usize = 1024;
    let line = format!("data: {}\n\n", "x".repeat(CAP));
    // Whole.
    let mut d = SseDecoder::with_max_event_bytes(CAP);
    let err = d.feed(line.as_bytes(), &mut Vec::new()).unwrap_err();
    assert_eq!(err.code, ErrorCode::Parse);
    assert!(err.message.contains("1024-byte"), "{}", err.message);
    // In pieces: refused as soon as the buffer would pass the cap, never holding more.
    let mut d = SseDecoder::with_max_event_bytes(CAP);
    let mut failed = None;
    for piece in line.as_bytes().chunks(100) {
        match d.feed(piece, &mut Vec::new()) {
            Ok(()) => assert!(d.bytes_buffered() <= CAP),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    assert_eq!(failed, Some(err.clone()));
    // A comment line counts too: it must be buffered to be skipped.
    let comment = format!(":{}\n", "x".repeat(CAP));
    let mut d = SseDecoder::with_max_event_bytes(CAP);
    assert_eq!(
        d.feed(comment.as_bytes(), &mut Vec::new()).unwrap_err(),
        err
    );
}

#[test]
fn over_cap_event_of_many_lines_is_an_error() {
    const CAP: usize = 1024;
    let line = format!("data: {}\n", "y".repeat(100));
    let mut d = SseDecoder::with_max_event_bytes(CAP);
    let mut out = Vec::new();
    let mut result = Ok(());
    for _ in 0..20 {
        result = d.feed(line.as_bytes(), &mut out);
        assert!(d.bytes_buffered() <= CAP);
        if result.is_err() {
            break;
        }
    }
    let err = result.unwrap_err();
    assert!(err.message.contains("1024-byte"), "{}", err.message);
    // Events under the cap pass, and the count restarts with each event.
    let mut d = SseDecoder::with_max_event_bytes(CAP);
    let event = format!("data: {}\n\n", "z".repeat(900));
    for _ in 0..10 {
        d.feed(event.as_bytes(), &mut out).unwrap();
    }
    assert_eq!(out.len(), 10);
}

#[test]
fn default_cap_stops_a_20_mb_line_without_newline() {
    const PIECE: usize = 64 * 1024;
    let piece = vec![b'a'; PIECE];
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    d.feed(b"data: ", &mut out).unwrap();
    let mut fed = 6usize;
    let mut err = None;
    while fed < 20_000_000 {
        match d.feed(&piece, &mut out) {
            Ok(()) => {
                fed += PIECE;
                assert!(d.bytes_buffered() <= DEFAULT_MAX_EVENT_BYTES + PIECE);
                assert!(d.bytes_buffered() <= DEFAULT_MAX_EVENT_BYTES);
            }
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    let err = err.expect("a 20 MB line must be refused");
    assert_eq!(err.code, ErrorCode::Parse);
    assert!(
        err.message
            .contains(&format!("{DEFAULT_MAX_EVENT_BYTES}-byte")),
        "{}",
        err.message
    );
    assert!(
        fed <= DEFAULT_MAX_EVENT_BYTES,
        "fed {fed} bytes before failing"
    );
    assert_eq!(d.bytes_buffered(), 0, "memory is released on error");
    assert!(d.feed(b"\n\n", &mut out).is_err());
    assert!(out.is_empty());
}

#[test]
fn eight_mib_data_line_in_tcp_sized_pieces() {
    // Linear work is what keeps this fast; a rescan per piece would take minutes.
    let n = 8 * 1024 * 1024;
    let mut input = Vec::with_capacity(n + 20);
    input.extend_from_slice(b"data: ");
    input.extend((0..n).map(|i| b'a' + (i % 26) as u8));
    input.extend_from_slice(b"\n\ndata: [DONE]\n\n");
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for piece in input.chunks(1460) {
        d.feed(piece, &mut out).unwrap();
    }
    d.finish(&mut out).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].data.len(), n);
    assert_eq!(out[0].data.as_bytes(), &input[6..6 + n]);
    assert_eq!(out[1].data, "[DONE]");
}

#[test]
fn default_decoder_uses_the_default_cap() {
    let mut d = SseDecoder::default();
    let mut out = Vec::new();
    d.feed(b"data: x\n\n", &mut out).unwrap();
    assert_eq!(out, [data("x")]);
    assert_eq!(DEFAULT_MAX_EVENT_BYTES, 16 * 1024 * 1024);
}
