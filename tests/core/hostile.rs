//! Issue 18, the core side: what a hostile caller or upstream hands the library. Each test
//! failed before its fix.

use free_router::core::body::Body;
use free_router::core::boundary;
use free_router::core::catalog::{parse_openai_models, Catalog};
use free_router::core::classify::{self, ErrorInput};
use free_router::core::error::{delay_ms, ErrorCode, MAX_DELAY_MS};
use free_router::core::json::{self, Value};
use free_router::core::limits::{LimitFact, Scope, Source, Unit, Window};
use free_router::core::options::{CallOptions, ClientOptions};
use free_router::core::provider::ProviderKind;
use free_router::core::quota::{Ledger, ScopeKey, Verdict};
use free_router::core::redact;
use free_router::core::route::{Health, ModelState};
use free_router::core::wire::Step;
use proptest::prelude::*;

/// 2026-06-01 00:00 UTC.
const NOW: f64 = 1_780_272_000_000.0;
const DAY: f64 = 86_400_000.0;

fn input<'a>(status: u16, headers: &'a [(String, String)], body: &'a str) -> ErrorInput<'a> {
    ErrorInput {
        provider: "openrouter",
        kind: ProviderKind::OpenRouter,
        model: "m:free",
        status,
        headers,
        body,
        now_ms: NOW,
        is_free_model: true,
        retry_after_cap_ms: 60_000,
    }
}

fn free_key() -> ScopeKey {
    ScopeKey::new("openrouter", Scope::OpenRouterFree)
}

fn openrouter() -> Ledger {
    let mut l = Ledger::new();
    l.ensure_defaults(
        "openrouter",
        ProviderKind::OpenRouter,
        &Scope::OpenRouterFree,
        NOW,
    );
    l
}

// ---- items 5 and 6: learned resets and retryAfterMs stay bounded ----

#[test]
fn a_garbage_rate_limit_reset_does_not_lock_a_provider_out() {
    for reset in ["99999999999999999999", "18446744073709551615"] {
        let headers = vec![
            ("x-ratelimit-limit".to_string(), "50".to_string()),
            ("x-ratelimit-remaining".to_string(), "0".to_string()),
            ("x-ratelimit-reset".to_string(), reset.to_string()),
        ];
        let body = r#"{"error":{"message":"Rate limit exceeded","code":429}}"#;
        let c = classify::classify(&input(429, &headers, body));
        let retry = c.error.retry_after_ms.unwrap_or(0);
        assert!(retry <= MAX_DELAY_MS, "retryAfterMs {retry}");
        let mut l = openrouter();
        for f in &c.facts {
            l.learn("openrouter", f, NOW);
        }
        // Whatever it learned ends within a day.
        assert_eq!(l.check(&[free_key()], 0, NOW + DAY + 1.0), Verdict::Ok);
        match l.check(&[free_key()], 0, NOW + 1.0) {
            Verdict::Ok => {}
            Verdict::WaitUntil { at_ms, .. }
            | Verdict::Exhausted {
                until_ms: at_ms, ..
            } => {
                assert!(at_ms <= NOW + DAY + 1.0, "locked until {at_ms}")
            }
        }
    }
}

#[test]
fn a_learned_reset_ends_within_its_windows_span() {
    let mut l = openrouter();
    let fact = LimitFact {
        scope: Scope::OpenRouterFree,
        window: Window::Minute,
        unit: Unit::Requests,
        limit: Some(20),
        remaining: Some(0),
        reset_at_ms: Some(1e20),
        source: Source::Header,
    };
    l.learn("openrouter", &fact, NOW);
    assert_eq!(l.check(&[free_key()], 0, NOW + 60_001.0), Verdict::Ok);
}

#[test]
fn stored_observations_out_of_range_are_discarded() {
    let mut l = openrouter();
    let fact = LimitFact {
        scope: Scope::OpenRouterFree,
        window: Window::Day,
        unit: Unit::Requests,
        limit: Some(50),
        remaining: Some(0),
        reset_at_ms: Some(NOW + 3_600_000.0),
        source: Source::Header,
    };
    l.learn("openrouter", &fact, NOW);
    let stored = l.to_json();
    // What an older build stored after the garbage header: a reset 1e20 ms out.
    let until = format!("\"until\":{:.1}", NOW + 3_600_000.0);
    assert!(stored.contains(&until), "{stored}");
    let poisoned = stored.replace(&until, "\"until\":1e20");
    let back = Ledger::load(&poisoned).expect("the rest of the ledger still loads");
    // 30 days later nothing is locked.
    assert_eq!(back.check(&[free_key()], 0, NOW + 30.0 * DAY), Verdict::Ok);
    assert_eq!(back.check(&[free_key()], 0, NOW + 1.0), Verdict::Ok);
}

#[test]
fn stored_cooldowns_out_of_range_are_forgotten() {
    let mut h = Health::new();
    let saved = r#"{"m":[{"p":"groq","m":"m1","l":1780272000000,"cd":99999999999999999}],"p":[{"p":"openrouter","u":99999999999999999}]}"#;
    h.stats_from_json(saved).expect("readable");
    let later = NOW + 30.0 * DAY;
    assert!(matches!(
        h.status("groq", "m1", later),
        ModelState::CoolingDown { .. }
    ));
    h.forget_beyond(NOW + DAY);
    assert_eq!(h.status("groq", "m1", NOW), ModelState::Available);
    assert_eq!(h.status("openrouter", "x:free", NOW), ModelState::Available);
}

#[test]
fn retry_after_ms_is_a_timer_delay() {
    assert_eq!(delay_ms(1e20), MAX_DELAY_MS);
    assert_eq!(delay_ms(f64::NAN), 0);
    assert_eq!(delay_ms(-5.0), 0);
    assert_eq!(delay_ms(1.2), 2);
    let headers = vec![(
        "retry-after".to_string(),
        "99999999999999999999".to_string(),
    )];
    let c = classify::classify(&input(503, &headers, "busy"));
    assert!(c.error.retry_after_ms.is_none_or(|r| r <= MAX_DELAY_MS));
    let e = free_router::core::error::Error::new(ErrorCode::RateLimited, "x")
        .with_retry_after(u64::MAX);
    assert_eq!(e.public_retry_after(), Some(MAX_DELAY_MS));
}

// ---- the minute window's slot is stamped at send ----

#[test]
fn a_long_answer_frees_its_minute_slot_a_minute_after_it_began() {
    let mut l = openrouter();
    let k = [free_key()];
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(l.reserve(&k, 0, NOW).expect("room for 20 a minute"));
    }
    // Every answer begins 500 ms after it was sent and streams for 30 s.
    for mut id in held {
        id.answered_ms = Some(NOW + 500.0);
        l.commit(id, None, NOW + 30_000.0);
    }
    assert!(matches!(
        l.check(&k, 0, NOW + 60_000.0),
        Verdict::WaitUntil { .. }
    ));
    assert_eq!(l.check(&k, 0, NOW + 60_501.0), Verdict::Ok);
}

// ---- item 8: keys redacted by value, then by shape ----

#[test]
fn held_keys_are_redacted_whatever_surrounds_them() {
    let keys = vec![
        "mistralKEY0123456789abcdef".to_string(),
        "sk-or-v1-0123456789abcdef".to_string(),
    ];
    for text in [
        r#"{"error":{"message":"invalid key=sk-or-v1-0123456789abcdef"}}"#,
        r#"{"key":"sk-or-v1-0123456789abcdef"}"#,
        "GET /v1/models?key=mistralKEY0123456789abcdef&x=1",
        "<b>mistralKEY0123456789abcdef</b>",
        "bad:mistralKEY0123456789abcdef.",
    ] {
        let out = redact::all(text, &keys);
        for k in &keys {
            assert!(!out.contains(k.as_str()), "{out}");
        }
        assert!(out.contains(redact::REDACTED), "{out}");
    }
}

#[test]
fn keys_the_client_never_held_are_redacted_by_shape() {
    for text in [
        "invalid key=sk-or-v1-abcdef123",
        r#"{"key":"sk-or-v1-abcdef123"}"#,
        "<b>sk-or-v1-abcdef123</b>",
        "Authorization: Bearer abcdef123",
    ] {
        let out = redact::all(text, &[]);
        assert!(!out.contains("abcdef123"), "{out}");
    }
    // Words that merely contain a prefix stay.
    assert_eq!(redact::all("a task-based flow", &[]), "a task-based flow");
}

#[test]
fn provider_error_messages_never_show_a_key() {
    for body in [
        r#"{"error":{"message":"invalid key=sk-or-v1-abcdef123 provided"}}"#,
        r#"{"error":{"message":"bad {\"key\":\"sk-or-v1-abcdef123\"}"}}"#,
        "<html><body><b>sk-or-v1-abcdef123</b></body></html>",
    ] {
        let c = classify::classify(&input(401, &[], body));
        assert!(
            !c.error.message.contains("abcdef123"),
            "{}",
            c.error.message
        );
    }
}

// ---- item 9: one UTF-8 rule whatever the chunking ----

/// What a body means: the text of each delta, other steps, and how it ended.
fn outcome(pieces: &[&[u8]]) -> String {
    let mut b = Body::new();
    let mut out = Vec::new();
    let mut end = String::from("ok");
    for p in pieces {
        if let Err(e) = b.feed(p, &mut out) {
            end = format!("{}: {}", e.code, e.message);
            break;
        }
    }
    if end == "ok" {
        if let Err(e) = b.end(&mut out) {
            end = format!("{}: {}", e.code, e.message);
        }
    }
    let steps: Vec<String> = out
        .iter()
        .map(|s| match s {
            Step::Delta(d) => format!("delta {:?} {:?}", d.content, d.finish_reason),
            Step::Error(v) => format!("error {v}"),
            Step::Done => "done".into(),
            Step::Nothing => "nothing".into(),
        })
        .collect();
    format!("{steps:?} -> {end}")
}

/// A chunk body with bytes that may be anything (invalid UTF-8 included).
fn event(content: &[u8]) -> Vec<u8> {
    let mut e = b"data: {\"choices\":[{\"delta\":{\"content\":\"".to_vec();
    e.extend(content.iter().map(|&b| {
        if b == b'"' || b == b'\\' || b < 0x20 {
            b'x'
        } else {
            b
        }
    }));
    e.extend_from_slice(b"\"}}]}\n\n");
    e
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..12).prop_map(|c| event(&c)),
        "[a-zé✓😀]{0,8}".prop_map(|s| event(s.as_bytes())),
        Just(b": keep-alive\n\n".to_vec()),
        Just(b"data: [DONE]\n\n".to_vec()),
        Just(b"data: {\"choices\":[{\"delta\":{\"content\":\"\\ud83d\"}}]}\n\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..6),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn a_body_means_the_same_however_it_is_split(
        body in body_strategy(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let whole = outcome(&[&body]);
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        prop_assert_eq!(&outcome(&bytes), &whole, "byte by byte");
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        at.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for c in at {
            pieces.push(&body[from..c]);
            from = c;
        }
        pieces.push(&body[from..]);
        prop_assert_eq!(&outcome(&pieces), &whole, "cut at random");
    }
}

#[test]
fn invalid_utf8_in_an_event_is_a_replacement_character() {
    let body = event(b"a\xffb");
    for cut in [1, 5, body.len()] {
        let pieces: Vec<&[u8]> = body.chunks(cut).collect();
        assert_eq!(
            outcome(&pieces),
            "[\"delta Some(\\\"a\u{fffd}b\\\") None\"] -> ok"
        );
    }
}

// ---- Also: lone surrogates, deep JSON ----

#[test]
fn a_lone_surrogate_in_a_request_is_accepted() {
    // JSON.stringify("a\ud83d") and a lone trailing surrogate.
    let text = r#"{"messages":[{"role":"user","content":"cut \ud83d here \ude00 and \\ud83d"}]}"#;
    let v = boundary::parse_argument(text, "request is", "request").expect("accepted");
    let content = v["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(content, "cut \u{fffd} here \u{fffd} and \\ud83d");
    // Pairs stay pairs.
    let v = boundary::parse_argument(r#""\ud83d\ude00""#, "request is", "request");
    assert_eq!(v.ok(), Some(Value::String("😀".into())));
}

#[test]
fn a_lone_surrogate_in_an_upstream_chunk_passes_through() {
    let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"x\\ud83d\"}}]}\n\ndata: [DONE]\n\n";
    assert_eq!(
        outcome(&[body]),
        "[\"delta Some(\\\"x\u{fffd}\\\") None\", \"done\"] -> ok"
    );
}

#[test]
fn json_nested_too_deep_names_the_field() {
    let mut schema = String::from("1");
    for _ in 0..200 {
        schema = format!("{{\"properties\":{{\"a\":{schema}}}}}");
    }
    let text = format!(
        r#"{{"messages":[],"response_format":{{"type":"json_schema","json_schema":{{"schema":{schema}}}}}}}"#
    );
    let e = boundary::parse_argument(&text, "request is", "request").expect_err("too deep");
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(
        e.message
            .contains("request.response_format.json_schema.schema.properties.a"),
        "{}",
        e.message
    );
    assert!(e.message.contains("128"), "{}", e.message);
}

// ---- Also: options ----

fn client_error(v: Value) -> String {
    ClientOptions::from_json(&v)
        .err()
        .map(|e| e.message)
        .unwrap_or_default()
}

#[test]
fn an_api_key_no_header_can_carry_is_refused_naming_the_provider() {
    let v =
        json::from_str(r#"{"providers":[{"id":"groq","apiKey":"gsk_abc\u200b"}]}"#).expect("json");
    let m = client_error(v);
    assert!(m.contains("\"groq\"") && m.contains("U+200B"), "{m}");
    assert!(!m.contains("gsk_abc"), "{m}");
    // Latin-1 is what a header carries: accepted.
    let v =
        json::from_str(r#"{"providers":[{"id":"groq","apiKey":"gsk_abc\u00e9"}]}"#).expect("json");
    assert_eq!(client_error(v), "");
}

#[test]
fn base_urls_that_are_not_urls_are_refused() {
    for url in [
        "http://127.0.0.1:99999/v1",
        "http://[::1/v1",
        "http://127.0.0.1:80a/v1",
        "https://exa mple.com/v1",
        "http://[zz::1]/v1",
    ] {
        let v = json::from_str(&format!(
            r#"{{"providers":[{{"id":"x","kind":"openai-compatible","baseUrl":"{url}","models":["m"]}}]}}"#
        ))
        .expect("json");
        let m = client_error(v);
        assert!(m.contains("baseUrl"), "{url}: {m:?}");
    }
    for url in [
        "http://127.0.0.1:65535/v1",
        "http://[::1]:8080/v1",
        "http://localhost/v1",
    ] {
        let v = json::from_str(&format!(
            r#"{{"providers":[{{"id":"x","kind":"openai-compatible","baseUrl":"{url}","models":["m"]}}]}}"#
        ))
        .expect("json");
        assert_eq!(client_error(v), "", "{url}");
    }
}

#[test]
fn options_that_could_not_be_read_say_so() {
    let v = json::from_str(r#"{"__unserializable":"Error: getter threw"}"#).expect("json");
    let m = CallOptions::from_json(&v, 60_000)
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert_eq!(m, "options could not be read: Error: getter threw");
}

// ---- Also: a duplicated catalog entry is listed once ----

#[test]
fn a_model_listed_twice_is_listed_once() {
    let body = r#"{"data":[{"id":"m1"},{"id":"m2"},{"id":"m1"}]}"#;
    let models = parse_openai_models(body, "groq", true).expect("parses");
    let mut c = Catalog::new();
    c.set_provider_models("groq", models);
    let ids: Vec<&str> = c.models().iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2"]);
}
