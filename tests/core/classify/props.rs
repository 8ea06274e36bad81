//! classify and its parsers never panic, whatever comes in, and keep their promises.

use free_router::core::classify::{
    classify, classify_error_value, error_in_body, facts_from_headers, parse_duration_ms,
    parse_retry_after, Action, Classified, ErrorInput,
};
use free_router::core::json::{Map, Number, Value};
use free_router::core::provider::ProviderKind;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const KINDS: [ProviderKind; 7] = [
    ProviderKind::OpenRouter,
    ProviderKind::Groq,
    ProviderKind::Gemini,
    ProviderKind::Mistral,
    ProviderKind::Cerebras,
    ProviderKind::OpenAiCompatible,
    ProviderKind::Demo,
];

/// Words the classifier looks for, so random values reach its branches.
const WORDS: &[&str] = &[
    "error",
    "code",
    "message",
    "metadata",
    "headers",
    "raw",
    "availability",
    "retry_after",
    "retryable",
    "choices",
    "details",
    "retryDelay",
    "violations",
    "quotaId",
    "quotaValue",
    "status",
    "type",
    "error_type",
    "limit_source",
    "reasons",
    "provider_name",
    "http_status",
    "excluded_by",
    "retry_after_seconds",
    "X-RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "Retry-After",
    "429",
    "capacity_exhausted",
    "privacy_restricted",
    "no_endpoints",
    "constraint_filtered",
    "data_policy",
    "context_length",
    "free-models-per-day",
    "free-models-per-min",
    "rate-limited upstream",
    "that support tool use",
    "tool_choice",
    "maximum context length is 131072",
    "try again in 9m52.272s",
    "(TPM): Limit 8000, Used 7",
    "server_error",
    "rate_limit_exceeded",
    "tool_use_failed",
    "insufficient_quota",
    "flagged",
    "PerDayPerProject",
    "41s",
    "1790812800000",
    "-1",
    "1e308",
    "high-balance",
    "api key not valid",
];

/// Arbitrary text up to `max` chars: ASCII, JSON/HTML punctuation, and any Unicode scalar.
/// Built from a seed because per-char strategies cost ~200 µs a string in debug builds; the
/// length still shrinks.
fn text(max: usize) -> impl Strategy<Value = String> {
    (0..=max, any::<u64>()).prop_map(|(len, seed)| {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let r = (x >> 32) as u32;
                match r % 10 {
                    0..=4 => char::from(b' ' + (r >> 8) as u8 % 95),
                    5..=6 => *b"{}[]\":,<>/ \n\t"
                        .get((r >> 8) as usize % 14)
                        .map_or(&b' ', |b| b) as char,
                    _ => char::from_u32((r >> 4) % 0x11_0000).unwrap_or('\u{fffd}'),
                }
            })
            .collect()
    })
}

// Inner strategies pick an arm with a number instead of `prop_oneof!`, which costs ~60 µs a
// draw in debug builds and is drawn many times per case here.

fn word() -> impl Strategy<Value = String> {
    (0u8..4, proptest::sample::select(WORDS), text(12)).prop_map(|(i, w, t)| {
        if i == 0 {
            t
        } else {
            w.to_string()
        }
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = (0u8..8, any::<i64>(), any::<f64>(), 400u16..600, word()).prop_map(
        |(i, n, f, status, w)| match i {
            0 => Value::Null,
            1 => Value::Bool(n % 2 == 0),
            2 => Value::Number(n.into()),
            3 => Value::Number((n as u64).into()),
            4 => Number::from_f64(f).map_or(Value::Null, Value::Number),
            5 => Value::Number(u64::from(status).into()),
            _ => Value::String(w),
        },
    );
    leaf.prop_recursive(4, 24, 5, |inner| {
        (any::<bool>(), prop::collection::vec((word(), inner), 0..5)).prop_map(|(array, kv)| {
            if array {
                Value::Array(kv.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(kv.into_iter().collect::<Map>())
            }
        })
    })
}

fn fixtures() -> Vec<String> {
    include_str!("../../fixtures/errors.jsonl")
        .lines()
        .filter_map(|l| free_router::core::json::from_str(l).ok())
        .filter_map(|v| v["body"].as_str().map(str::to_string))
        .collect()
}

/// Bodies: arbitrary text, serialised random JSON, real bodies cut or spliced anywhere.
fn body() -> impl Strategy<Value = String> {
    let real = fixtures();
    let real2 = real.clone();
    prop_oneof![
        text(200),
        json_value().prop_map(|v| v.to_string()),
        json_value().prop_map(|v| free_router::json!({ "error": v }).to_string()),
        (proptest::sample::select(real), any::<prop::sample::Index>())
            .prop_map(|(b, i)| b.chars().take(i.index(b.chars().count() + 1)).collect()),
        (
            proptest::sample::select(real2),
            any::<prop::sample::Index>(),
            text(8)
        )
            .prop_map(|(b, i, s)| {
                let mut c: Vec<char> = b.chars().collect();
                let at = i.index(c.len() + 1);
                c.splice(at..at, s.chars());
                c.into_iter().collect()
            }),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = vec![
        "retry-after",
        "x-ratelimit-reset",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset-requests",
        "x-ratelimit-remaining-tokens-minute",
        "x-ratelimit-limit-req-minute",
    ];
    let values = vec![
        "2m59.56s",
        "7.66s",
        "33011.38",
        "1h2m",
        "120ms",
        "-1",
        "1e400",
        "0",
        "1790812800000",
        "Sun, 06 Nov 1994 08:49:37 GMT",
    ];
    let name = (0u8..4, proptest::sample::select(names), text(12)).prop_map(|(i, n, t)| match i {
        0 => format!("x-ratelimit-{t}"),
        1 => t,
        _ => n.to_string(),
    });
    let value = (
        0u8..4,
        proptest::sample::select(values),
        text(16),
        any::<f64>(),
    )
        .prop_map(|(i, v, t, f)| match i {
            0 => t,
            1 => f.to_string(),
            _ => v.to_string(),
        });
    prop::collection::vec((name, value), 0..6)
}

fn now() -> impl Strategy<Value = f64> {
    (0u8..5, 0.0f64..4e12, any::<f64>()).prop_map(|(i, a, b)| if i == 0 { b } else { a })
}

fn status() -> impl Strategy<Value = u16> {
    let common = vec![
        200u16, 400, 401, 402, 403, 404, 408, 413, 422, 429, 500, 502, 503,
    ];
    (0u8..4, proptest::sample::select(common), any::<u16>())
        .prop_map(|(i, c, a)| if i == 0 { a } else { c })
}

/// Strings made of duration and date pieces, so the parsers get past their first character.
fn duration_like() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(vec![
        "1", "59", "2.5", ".", "h", "m", "s", "ms", "µs", "ns", " ", ",", ":", "-", "Nov", "Sun",
        "GMT", "1994", "06", "08:49:37", "x",
    ]);
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// What every verdict must satisfy.
fn check(c: &Classified, input: &ErrorInput) {
    assert!(!c.error.message.is_empty());
    assert_eq!(c.error.provider.as_deref(), Some(input.provider));
    assert_eq!(c.error.model.as_deref(), Some(input.model));
    assert!(c.error.message.len() < 2000, "{}", c.error.message);
    if let Action::Cooldown { until_ms } = c.action {
        if input.now_ms.is_finite() {
            assert!(until_ms >= input.now_ms);
            assert!(until_ms <= input.now_ms + input.retry_after_cap_ms as f64);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn classify_never_panics(
        body in body(),
        status in status(),
        hs in headers(),
        now in now(),
        cap in any::<u64>(),
        kind in proptest::sample::select(KINDS.to_vec()),
        free in any::<bool>(),
    ) {
        let input = ErrorInput {
            provider: "p",
            kind,
            model: "m:free",
            status,
            headers: &hs,
            body: &body,
            now_ms: now,
            is_free_model: free,
            retry_after_cap_ms: cap,
        };
        check(&classify(&input), &input);
    }

    #[test]
    fn classify_error_value_never_panics(
        v in json_value(),
        status in status(),
        hs in headers(),
        now in now(),
        cap in 0u64..200_000,
        kind in proptest::sample::select(KINDS.to_vec()),
    ) {
        let input = ErrorInput {
            provider: "p",
            kind,
            model: "m",
            status,
            headers: &hs,
            body: "",
            now_ms: now,
            is_free_model: true,
            retry_after_cap_ms: cap,
        };
        check(&classify_error_value(&input, &v), &input);
        if let Some(e) = error_in_body(&v) {
            check(&classify_error_value(&input, e), &input);
        }
    }

    #[test]
    fn parsers_never_panic(s in prop_oneof![text(40), duration_like()], now in now()) {
        if let Some(ms) = parse_retry_after(&s, now) {
            // A delta-seconds value reads back as what it said.
            if let Ok(secs) = s.trim().parse::<f64>() {
                if s.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    // Within an ulp: num::parse_f64 is not correctly rounded past 15 digits
                    // ("5919945919942.51994" read back 1 ms off of 5.9e15).
                    let want = (secs * 1000.0).ceil() as u64;
                    prop_assert!(ms.abs_diff(want) <= 1 + want / (1 << 50), "{} ms, want {}", ms, want);
                }
            }
        }
        let _ = parse_duration_ms(&s);
        let hs = vec![
            (format!("x-ratelimit-{s}"), s.clone()),
            ("x-ratelimit-reset".to_string(), s.clone()),
            ("x-ratelimit-reset-requests".to_string(), s.clone()),
            ("x-ratelimit-limit-tokens-day".to_string(), s.clone()),
        ];
        for kind in KINDS {
            for f in facts_from_headers(kind, &s, &hs, now) {
                prop_assert!(f.limit.is_some() || f.remaining.is_some() || f.reset_at_ms.is_some());
            }
        }
    }
}

/// The case proptest found: a 19-digit Retry-After reads back within an ulp, and a plain one
/// exactly.
#[test]
fn long_retry_after_reads_back_within_an_ulp() {
    let ms = parse_retry_after("5919945919942.51994", 0.0).unwrap();
    assert!(ms.abs_diff(5_919_945_919_942_520) <= 1, "{ms}");
    assert_eq!(parse_retry_after("7.66", 0.0), Some(7_660));
    assert_eq!(parse_retry_after("30", 0.0), Some(30_000));
}
