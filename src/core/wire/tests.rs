use super::accumulate::Accumulator;
use super::delta::Step;
use crate::core::error::ErrorCode;

#[test]
fn shared_texts_read_as_owned_ones() {
    // Big texts with and without escapes, after a small one, and two in one delta (the
    // full parser's several choices): the same deltas once unshared, the same content.
    let big = "é word ".repeat(200_000);
    let esc = big.replace(' ', "\\n");
    let chunk = |c: &str| format!(r#"{{"choices":[{{"delta":{{"content":"{c}"}}}}]}}"#);
    let two = format!(
        r#"{{"choices":[{{"delta":{{"content":"{big}"}}}},{{"delta":{{"content":"x"}}}}]}}"#
    );
    for datas in [
        vec![chunk(&esc), chunk("tail")],
        vec![chunk(&big), chunk(&esc)],
        vec![chunk("a"), chunk(&esc), chunk(&big)],
        vec![two.clone(), chunk(&big)],
        vec![chunk(&big), two],
    ] {
        let (mut plain, mut shared) = (Accumulator::new(), Accumulator::new());
        shared.share = true;
        let mut n = 0;
        for d in &datas {
            let a = plain.step(d).map_err(|e| e.message);
            let mut b = shared.step(d).map_err(|e| e.message);
            if let Ok(Step::Delta(d)) = &mut b {
                n += usize::from(d.shared.is_some());
                d.unshare(&shared.content);
            }
            assert_eq!(a, b);
        }
        assert!(n > 0);
        assert_eq!(plain.content, shared.content);
    }
}

fn run(acc: &mut Accumulator, datas: &[&str]) -> Vec<Step> {
    datas.iter().map(|d| acc.step(d).unwrap()).collect()
}

#[test]
fn content_and_role_only_chunks() {
    let mut acc = Accumulator::new();
    let steps = run(
        &mut acc,
        &[
            r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
            r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"content":"lo \u00e9\n"}}]}"#,
            r#"{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            r#"{"id":"gen-1","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"cost":0}}"#,
            "[DONE]",
        ],
    );
    assert_eq!(steps[0], Step::Nothing);
    assert!(matches!(&steps[1], Step::Delta(d) if d.content.as_deref() == Some("Hel")));
    assert!(matches!(&steps[2], Step::Delta(d) if d.content.as_deref() == Some("lo é\n")));
    assert!(
        matches!(&steps[3], Step::Delta(d) if d.finish_reason.as_deref() == Some("stop") && !d.is_token())
    );
    assert!(matches!(&steps[4], Step::Delta(d) if d.usage.is_some()));
    assert_eq!(steps[5], Step::Done);
    assert_eq!(acc.content, "Hello é\n");
    assert!(acc.completed());
    let c = acc.completion("req");
    assert_eq!(c["choices"][0]["message"]["content"], "Hello é\n");
    assert_eq!(c["usage"]["prompt_tokens"], 3);
    assert_eq!(c["model"], "m");
}

#[test]
fn reasoning_prefers_plain_field_over_details() {
    let mut acc = Accumulator::new();
    let steps = run(
        &mut acc,
        &[
            r#"{"choices":[{"delta":{"content":"","reasoning":"think","reasoning_details":[{"type":"reasoning.text","text":"think"}]}}]}"#,
            r#"{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.summary","summary":" more"}]}}]}"#,
            r#"{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.encrypted","data":"xyz"}]}}]}"#,
        ],
    );
    assert!(matches!(&steps[0], Step::Delta(d) if d.reasoning.as_deref() == Some("think")));
    assert!(matches!(&steps[1], Step::Delta(d) if d.reasoning.as_deref() == Some(" more")));
    assert_eq!(steps[2], Step::Nothing);
    assert_eq!(acc.reasoning, "think more");
    assert!(acc.tokens_seen);
}

#[test]
fn tool_calls_merge_by_index() {
    let mut acc = Accumulator::new();
    run(
        &mut acc,
        &[
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_","arguments":""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"other","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"weather","arguments":"{\"city\":"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":"tool_calls"}]}"#,
        ],
    );
    let calls = acc.tool_calls_value();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["id"], "call_1");
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    assert_eq!(calls[0]["function"]["arguments"], "{\"city\":\"Paris\"}");
    assert_eq!(calls[1]["function"]["name"], "other");
    let c = acc.completion("x");
    assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
}

#[test]
fn error_chunks_top_level_and_in_choice_and_finish_error() {
    let mut acc = Accumulator::new();
    let top = acc
        .step(r#"{"error":{"code":"server_error","message":"boom"},"choices":[{"delta":{"content":""},"finish_reason":"error"}]}"#)
        .unwrap();
    assert!(matches!(top, Step::Error(v) if v["code"] == "server_error"));
    let inner = acc
        .step(r#"{"choices":[{"delta":{},"error":{"code":502,"message":"x"}}]}"#)
        .unwrap();
    assert!(matches!(inner, Step::Error(v) if v["code"] == 502));
    let fin = acc
        .step(r#"{"choices":[{"delta":{"content":""},"finish_reason":"error"}]}"#)
        .unwrap();
    assert!(matches!(fin, Step::Error(_)));
}

#[test]
fn unknown_fields_missing_fields_and_bad_json() {
    let mut acc = Accumulator::new();
    assert_eq!(
        acc.step(r#"{"weird":{"nested":[1,2]},"object":"chat.completion.chunk"}"#)
            .unwrap(),
        Step::Nothing
    );
    assert_eq!(acc.step(r#"{"choices":null}"#).unwrap(), Step::Nothing);
    let e = acc.step("{not json").unwrap_err();
    assert_eq!(e.code, ErrorCode::Parse);
    assert!(e.message.contains("{not json"));
    let e = acc
        .step(r#"{"choices":[{"delta":{"content":5}}]}"#)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Parse);
    assert!(!acc.completed());
}

#[test]
fn fixtures_parse_end_to_end() {
    use crate::core::sse::SseDecoder;
    for (name, expect_text) in [
        ("sse_text-usage_gpt-4o-mini_2026-07.txt", true),
        ("sse_tool-call_gpt-4.1-mini.txt", false),
        ("sse_reasoning_o3.txt", true),
        ("sse_reasoning_claude-sonnet-4.5.txt", true),
        ("sse_fallback-free-to-grok4.txt", true),
        ("sse_web-search_gpt-4.1-mini_2026-08.txt", true),
    ] {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut dec = SseDecoder::new();
        let mut events = Vec::new();
        dec.feed(&bytes, &mut events).unwrap();
        dec.finish(&mut events).unwrap();
        let mut acc = Accumulator::new();
        for ev in &events {
            if let Step::Error(e) = acc.step(&ev.data).unwrap() {
                panic!("{name}: unexpected error {e}")
            }
        }
        assert!(acc.completed(), "{name}");
        assert!(acc.saw_done, "{name}");
        assert_eq!(!acc.content.is_empty(), expect_text, "{name}");
        assert!(acc.usage.is_some(), "{name}");
    }
}

#[test]
fn fixture_midstream_error_is_reported() {
    use crate::core::sse::SseDecoder;
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/sse_midstream-error_minimax-m2-free.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut dec = SseDecoder::new();
    let mut events = Vec::new();
    dec.feed(&bytes, &mut events).unwrap();
    let mut acc = Accumulator::new();
    let mut errors = 0;
    for ev in &events {
        if let Step::Error(e) = acc.step(&ev.data).unwrap() {
            assert_eq!(e["code"], 400);
            errors += 1;
        }
    }
    assert_eq!(errors, 1);
    assert!(!acc.reasoning.is_empty());
}
