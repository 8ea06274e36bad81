//! Defaults, declared limits, and learning from provider facts.

use free_router::core::limits::{LimitFact, Scope, Source, Unit, Window};
use free_router::core::provider::ProviderKind;
use free_router::core::quota::{DayReset, Ledger, ScopeKey, ScopeRow, Verdict};

/// 2026-09-30 15:00 UTC; OpenRouter's observed reset 1790812800000 is the next UTC midnight.
const NOW: f64 = 1_790_780_400_000.0;
const RESET: f64 = 1_790_812_800_000.0;

fn fact(scope: Scope, window: Window, unit: Unit) -> LimitFact {
    LimitFact {
        scope,
        window,
        unit,
        limit: None,
        remaining: None,
        reset_at_ms: None,
        source: Source::Header,
    }
}

fn row<'a>(rows: &'a [ScopeRow], scope: &str, window: &str, unit: &str) -> &'a ScopeRow {
    rows.iter()
        .find(|r| r.scope == scope && r.window == window && r.unit == unit)
        .unwrap_or_else(|| panic!("no row {scope} {window} {unit} in {rows:?}"))
}

fn send(l: &mut Ledger, keys: &[ScopeKey], tokens: u64, t: f64) {
    let id = l
        .reserve(keys, tokens, t)
        .unwrap_or_else(|v| panic!("{v:?}"));
    l.commit(id, None, t);
}

#[test]
fn documented_defaults_table() {
    let mut l = Ledger::new();
    let m = |s: &str| Scope::Model(s.to_string());
    let cases: [(&str, ProviderKind, Scope); 8] = [
        (
            "openrouter",
            ProviderKind::OpenRouter,
            Scope::OpenRouterFree,
        ),
        ("groq", ProviderKind::Groq, m("llama-3.1-8b-instant")),
        ("groq", ProviderKind::Groq, m("openai/gpt-oss-120b")),
        ("gemini", ProviderKind::Gemini, m("gemini-2.5-flash")),
        ("gemini", ProviderKind::Gemini, m("gemma-3-27b-it")),
        ("cerebras", ProviderKind::Cerebras, m("llama3.1-8b")),
        ("mistral", ProviderKind::Mistral, Scope::Provider),
        ("lab", ProviderKind::OpenAiCompatible, Scope::Provider),
    ];
    for (p, k, s) in &cases {
        l.ensure_defaults(p, *k, s, NOW);
        l.ensure_defaults(p, *k, s, NOW + 1.0); // idempotent
    }
    let got: Vec<String> = l
        .snapshot(NOW)
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {}",
                r.provider, r.scope, r.window, r.unit, r.limit, r.source
            )
        })
        .collect();
    let want = [
        "cerebras llama3.1-8b minute requests 30 documented",
        "cerebras llama3.1-8b minute tokens 60000 documented",
        "cerebras llama3.1-8b hour requests 900 documented",
        "cerebras llama3.1-8b hour tokens 1000000 documented",
        "cerebras llama3.1-8b day requests 14400 documented",
        "cerebras llama3.1-8b day tokens 1000000 documented",
        "gemini gemini-2.5-flash minute requests 5 documented",
        "gemini gemini-2.5-flash minute tokens 250000 documented",
        "gemini gemini-2.5-flash day requests 20 documented",
        "gemini gemma-3-27b-it minute requests 30 documented",
        "gemini gemma-3-27b-it minute tokens 15000 documented",
        "gemini gemma-3-27b-it day requests 14400 documented",
        "groq llama-3.1-8b-instant minute requests 30 documented",
        "groq llama-3.1-8b-instant minute tokens 6000 documented",
        "groq llama-3.1-8b-instant day requests 14400 documented",
        "groq openai/gpt-oss-120b minute requests 30 documented",
        "groq openai/gpt-oss-120b minute tokens 8000 documented",
        "groq openai/gpt-oss-120b day requests 1000 documented",
        "mistral provider custom requests 1 documented",
        "mistral provider minute tokens 500000 documented",
        "openrouter free minute requests 20 documented",
        "openrouter free day requests 50 documented",
    ];
    assert_eq!(got, want);
    // Gemini days end at Pacific midnight.
    let g = l.windows(&ScopeKey::new("gemini", m("gemini-2.5-flash")), NOW);
    assert!(g.iter().all(|w| w.day_reset == DayReset::PacificMidnight));
}

/// `GET /api/v1/key`'s `free_model_daily_requests` sets the day exactly: its limit (whatever
/// `is_free_tier` says), and its count, which lags about a minute, so what this client sent in
/// that minute is added on top and the count never falls below it.
#[test]
fn free_day_from_key_info() {
    let mut l = Ledger::new();
    let free = ScopeKey::new("openrouter", Scope::OpenRouterFree);
    l.ensure_defaults(
        "openrouter",
        ProviderKind::OpenRouter,
        &Scope::OpenRouterFree,
        NOW,
    );
    // Three sent long ago (already in the provider's count), two in the last half minute.
    for t in [
        NOW - 600_000.0,
        NOW - 500_000.0,
        NOW - 400_000.0,
        NOW - 30_000.0,
        NOW - 10_000.0,
    ] {
        send(&mut l, std::slice::from_ref(&free), 0, t);
    }
    l.set_free_daily("openrouter", 3, 1000, NOW);
    let rows = l.snapshot(NOW);
    let day = row(&rows, "free", "day", "requests");
    assert_eq!((day.limit, day.used), (1000, 5));
    assert_eq!((day.source.as_str(), day.resets_at), ("provider", RESET));
    assert_eq!(row(&rows, "free", "minute", "requests").limit, 20);

    // The provider counts more than this client knows of (other devices): its count wins.
    l.set_free_daily("openrouter", 48, 50, NOW + 1.0);
    let rows = l.snapshot(NOW + 1.0);
    let day = row(&rows, "free", "day", "requests");
    assert_eq!((day.limit, day.used), (50, 50));
    assert!(matches!(
        l.check(std::slice::from_ref(&free), 0, NOW + 1.0),
        Verdict::Exhausted { limit: 50, .. }
    ));

    // A lower-ranked fact (a 429 header) does not replace the provider's own limit.
    let mut f = fact(Scope::OpenRouterFree, Window::Day, Unit::Requests);
    f.limit = Some(200);
    f.remaining = Some(150);
    l.learn("openrouter", &f, NOW + 2.0);
    let day = l.snapshot(NOW + 2.0);
    assert_eq!(row(&day, "free", "day", "requests").limit, 50);

    // After midnight UTC the provider's count no longer applies; the limit stays.
    let rows = l.snapshot(RESET + 1.0);
    let day = row(&rows, "free", "day", "requests");
    assert_eq!((day.limit, day.used), (50, 0));
}

#[test]
fn openrouter_429_metadata_headers() {
    let mut l = Ledger::new();
    l.ensure_defaults(
        "openrouter",
        ProviderKind::OpenRouter,
        &Scope::OpenRouterFree,
        NOW,
    );
    let k = [ScopeKey::new("openrouter", Scope::OpenRouterFree)];
    send(&mut l, &k, 0, NOW - 60_000.0);
    // Another app used the key today: OpenRouter says 0 of 50 remain, reset 1790812800000.
    let f = LimitFact {
        limit: Some(50),
        remaining: Some(0),
        reset_at_ms: Some(RESET),
        ..fact(Scope::OpenRouterFree, Window::Day, Unit::Requests)
    };
    l.learn("openrouter", &f, NOW);
    assert_eq!(
        l.check(&k, 0, NOW + 1.0),
        Verdict::Exhausted {
            until_ms: RESET,
            scope: k[0].clone(),
            window: Window::Day,
            limit: 50
        }
    );
    let rows = l.snapshot(NOW + 1.0);
    let day = row(&rows, "free", "day", "requests");
    assert_eq!((day.used, day.remaining, day.resets_at), (50, 0, RESET));
    assert_eq!(day.source, "header");
    assert_eq!(l.check(&k, 0, RESET), Verdict::Ok);
    assert_eq!(row(&l.snapshot(RESET), "free", "day", "requests").used, 0);

    // High-balance tier learned from the same headers replaces the documented 50.
    let f = LimitFact {
        limit: Some(1000),
        remaining: Some(990),
        reset_at_ms: Some(RESET + 86_400_000.0),
        ..fact(Scope::OpenRouterFree, Window::Day, Unit::Requests)
    };
    l.learn("openrouter", &f, RESET + 1_000.0);
    send(&mut l, &k, 0, RESET + 2_000.0);
    let rows = l.snapshot(RESET + 3_000.0);
    let day = row(&rows, "free", "day", "requests");
    assert_eq!((day.limit, day.used, day.remaining), (1000, 11, 989));

    // Per-minute 429 with a reset 30 s out.
    let f = LimitFact {
        limit: Some(20),
        remaining: Some(0),
        reset_at_ms: Some(RESET + 33_000.0),
        ..fact(Scope::OpenRouterFree, Window::Minute, Unit::Requests)
    };
    l.learn("openrouter", &f, RESET + 3_000.0);
    assert_eq!(
        l.check(&k, 0, RESET + 4_000.0),
        Verdict::WaitUntil {
            at_ms: RESET + 33_000.0,
            scope: k[0].clone(),
            window: Window::Minute
        }
    );
    assert_eq!(l.check(&k, 0, RESET + 33_000.0), Verdict::Ok);
}

#[test]
fn groq_rpd_and_tpm_headers() {
    let mut l = Ledger::new();
    let scope = Scope::Model("llama-3.3-70b-versatile".into());
    l.ensure_defaults("groq", ProviderKind::Groq, &scope, NOW);
    let key = ScopeKey::new("groq", scope.clone());
    let k = [key.clone()];
    send(&mut l, &k, 900, NOW);
    // x-ratelimit-limit-requests: 1000 (RPD), remaining 998, reset 2m59.56s;
    // x-ratelimit-limit-tokens: 12000 (TPM), remaining 4000 (others use the key too), reset 7.66s.
    l.learn(
        "groq",
        &LimitFact {
            limit: Some(1000),
            remaining: Some(998),
            reset_at_ms: Some(NOW + 179_560.0),
            ..fact(scope.clone(), Window::Day, Unit::Requests)
        },
        NOW,
    );
    l.learn(
        "groq",
        &LimitFact {
            limit: Some(12_000),
            remaining: Some(4_000),
            reset_at_ms: Some(NOW + 7_660.0),
            ..fact(scope.clone(), Window::Minute, Unit::Tokens)
        },
        NOW,
    );
    let rows = l.snapshot(NOW + 1.0);
    let rpd = row(&rows, "llama-3.3-70b-versatile", "day", "requests");
    assert_eq!(
        (rpd.limit, rpd.used, rpd.source.as_str()),
        (1000, 2, "header")
    );
    let tpm = row(&rows, "llama-3.3-70b-versatile", "minute", "tokens");
    assert_eq!(
        (tpm.limit, tpm.used, tpm.source.as_str()),
        (12_000, 8_000, "header")
    );
    assert_eq!(l.check(&k, 3_000, NOW + 1.0), Verdict::Ok);
    assert_eq!(
        l.check(&k, 5_000, NOW + 1.0),
        Verdict::WaitUntil {
            at_ms: NOW + 7_660.0,
            scope: key.clone(),
            window: Window::Minute
        }
    );
    // A 429 body: "Rate limit reached ... tokens per minute (TPM): Limit 12000, Used 11900".
    l.learn(
        "groq",
        &LimitFact {
            limit: Some(12_000),
            remaining: Some(100),
            reset_at_ms: Some(NOW + 13_000.0),
            ..fact(scope, Window::Minute, Unit::Tokens)
        },
        NOW + 10_000.0,
    );
    match l.check(&k, 500, NOW + 10_001.0) {
        Verdict::WaitUntil { at_ms, .. } => assert_eq!(at_ms, NOW + 13_000.0),
        v => panic!("{v:?}"),
    }
}

#[test]
fn cerebras_day_and_minute_headers() {
    let mut l = Ledger::new();
    let scope = Scope::Model("qwen-3-32b".into());
    l.ensure_defaults("cerebras", ProviderKind::Cerebras, &scope, NOW);
    let k = [ScopeKey::new("cerebras", scope.clone())];
    // x-ratelimit-remaining-requests-day 14000, reset-requests-day 33011.38 s;
    // x-ratelimit-remaining-tokens-minute 0, reset-tokens-minute 33.2 s.
    for (w, u, limit, rem, reset) in [
        (Window::Day, Unit::Requests, 14_400, 14_000, 33_011_380.0),
        (Window::Minute, Unit::Tokens, 60_000, 0, 33_200.0),
    ] {
        let f = LimitFact {
            limit: Some(limit),
            remaining: Some(rem),
            reset_at_ms: Some(NOW + reset),
            ..fact(scope.clone(), w, u)
        };
        l.learn("cerebras", &f, NOW);
    }
    let rows = l.snapshot(NOW);
    assert_eq!(row(&rows, "qwen-3-32b", "day", "requests").used, 400);
    assert_eq!(row(&rows, "qwen-3-32b", "day", "requests").source, "header");
    assert_eq!(
        row(&rows, "qwen-3-32b", "hour", "requests").source,
        "documented"
    );
    match l.check(&k, 100, NOW) {
        Verdict::WaitUntil {
            at_ms,
            window: Window::Minute,
            ..
        } => assert_eq!(at_ms, NOW + 33_200.0),
        v => panic!("{v:?}"),
    }
    assert_eq!(l.check(&k, 100, NOW + 33_200.0), Verdict::Ok);
}

#[test]
fn bare_429_on_custom_provider_learns_a_limit() {
    let mut l = Ledger::new();
    let key = ScopeKey::new("lab", Scope::Provider);
    let k = [key.clone()];
    for i in 0..7 {
        send(&mut l, &k, 0, NOW + f64::from(i) * 1_000.0);
    }
    // The 8th got a 429 with nothing to say but the status.
    let mut f = fact(Scope::Provider, Window::Minute, Unit::Requests);
    f.source = Source::Learned;
    l.learn("lab", &f, NOW + 7_000.0);
    let rows = l.snapshot(NOW + 7_000.0);
    let m = row(&rows, "provider", "minute", "requests");
    assert_eq!((m.limit, m.used, m.source.as_str()), (7, 7, "learned"));
    // Full for a whole window from the 429. The 7 is a guess: one window on it allows 8.
    let t1 = NOW + 67_000.0;
    assert_eq!(
        l.check(&k, 0, NOW + 8_000.0),
        Verdict::WaitUntil {
            at_ms: t1,
            scope: key.clone(),
            window: Window::Minute
        }
    );
    for i in 0..8 {
        send(&mut l, &k, 0, t1 + f64::from(i));
    }
    assert_eq!(
        l.check(&k, 0, t1 + 10.0),
        Verdict::WaitUntil {
            at_ms: t1 + 60_000.0,
            scope: key.clone(),
            window: Window::Minute
        }
    );
    // A later 429 with Retry-After: 5 s, after 7 of those 8 are still in the window: the
    // guess (grown to 9 by then) drops back to 7 and restarts its growth, at half the pace.
    f.reset_at_ms = Some(t1 + 65_000.0);
    l.learn("lab", &f, t1 + 60_000.0);
    match l.check(&k, 0, t1 + 60_001.0) {
        Verdict::WaitUntil { at_ms, .. } => assert_eq!(at_ms, t1 + 65_000.0),
        v => panic!("{v:?}"),
    }
    let rows = l.snapshot(t1 + 60_001.0);
    assert_eq!(row(&rows, "provider", "minute", "requests").limit, 7);
    let rows = l.snapshot(t1 + 179_000.0);
    assert_eq!(row(&rows, "provider", "minute", "requests").limit, 7);
    let rows = l.snapshot(t1 + 180_000.0);
    assert_eq!(row(&rows, "provider", "minute", "requests").limit, 8);
    // The slower pace survives a reload.
    let l = Ledger::from_json(&l.to_json()).unwrap();
    let rows = l.snapshot(t1 + 300_000.0);
    assert_eq!(row(&rows, "provider", "minute", "requests").limit, 9);
}

#[test]
fn a_guessed_limit_grows_back() {
    // One 429 saying only "retry in 2 s" came after 5 requests in 2 s: an upstream hiccup,
    // not necessarily the model's real rate.
    let mut l = Ledger::new();
    let m = Scope::Model("llama-3.1-8b-instant".into());
    l.ensure_defaults("groq", ProviderKind::Groq, &m, NOW);
    let k = [ScopeKey::new("groq", m.clone())];
    for i in 0..5 {
        send(&mut l, &k, 0, NOW + f64::from(i));
    }
    let mut f = fact(m.clone(), Window::Millis(2_000), Unit::Requests);
    f.remaining = Some(0);
    f.reset_at_ms = Some(NOW + 2_004.0);
    l.learn("groq", &f, NOW + 4.0);
    let limit = |l: &Ledger, t: f64| {
        row(&l.snapshot(t), "llama-3.1-8b-instant", "custom", "requests").limit
    };
    assert_eq!(limit(&l, NOW + 5.0), 5);
    assert!(
        matches!(l.check(&k, 0, NOW + 5.0), Verdict::WaitUntil { at_ms, .. } if at_ms == NOW + 2_004.0)
    );
    assert_eq!(limit(&l, NOW + 4.0 + 2_000.0 * 3.0), 8);
    // The guess survives a reload and keeps growing from when it was made.
    let mut l = Ledger::from_json(&l.to_json()).unwrap();
    assert_eq!(limit(&l, NOW + 4.0 + 2_000.0 * 3.0), 8);
    assert_eq!(limit(&l, NOW + 4.0 + 2_000.0 * 600.0), 605);
    // So 6 requests in 2 s go through once a window has passed without another 429.
    let t = NOW + 10_000.0;
    for i in 0..6 {
        send(&mut l, &k, 0, t + f64::from(i));
    }
    // A stated limit is a fact, not a guess: it does not grow.
    f.limit = Some(12);
    f.remaining = Some(3);
    f.reset_at_ms = Some(t + 1_000.0);
    l.learn("groq", &f, t + 10.0);
    assert_eq!(limit(&l, t + 2_000.0 * 100.0), 12);
}

#[test]
fn trust_order_and_declared_limits() {
    let mut l = Ledger::new();
    l.ensure_defaults("mistral", ProviderKind::Mistral, &Scope::Provider, NOW);
    let key = ScopeKey::new("mistral", Scope::Provider);
    // The user's plan: 5 requests per 2000 ms replaces the documented defaults.
    l.declare(
        key.clone(),
        Window::Millis(2000),
        Unit::Requests,
        5,
        DayReset::UtcMidnight,
    );
    let got: Vec<_> = l
        .snapshot(NOW)
        .iter()
        .map(|r| (r.window.clone(), r.limit))
        .collect();
    assert_eq!(got, vec![("custom".to_string(), 5)]);
    l.ensure_defaults("mistral", ProviderKind::Mistral, &Scope::Provider, NOW);
    assert_eq!(l.snapshot(NOW).len(), 1);
    // Headers still override a declaration...
    let mut f = LimitFact {
        limit: Some(4),
        ..fact(Scope::Provider, Window::Millis(2000), Unit::Requests)
    };
    l.learn("mistral", &f, NOW);
    assert_eq!(
        (l.snapshot(NOW)[0].limit, l.snapshot(NOW)[0].source.as_str()),
        (4, "header")
    );
    // ...and a less trusted source does not override a header.
    f.limit = Some(9);
    f.source = Source::Learned;
    l.learn("mistral", &f, NOW + 1.0);
    assert_eq!(l.snapshot(NOW)[0].limit, 4);
    f.source = Source::Header;
    l.learn("mistral", &f, NOW + 2.0);
    assert_eq!(l.snapshot(NOW)[0].limit, 9);
}

#[test]
fn for_call_keys() {
    let k = ScopeKey::for_call("openrouter", ProviderKind::OpenRouter, "x/y:free", true);
    assert_eq!(
        k,
        vec![
            ScopeKey::new("openrouter", Scope::Provider),
            ScopeKey::new("openrouter", Scope::OpenRouterFree)
        ]
    );
    let k = ScopeKey::for_call("groq", ProviderKind::Groq, "m", false);
    assert_eq!(k[1], ScopeKey::new("groq", Scope::Model("m".into())));
}

#[test]
fn a_429_after_a_single_request_teaches_no_rate() {
    let mut l = Ledger::new();
    let key = ScopeKey::new("lab", Scope::Model("m1".into()));
    let k = [key.clone()];
    send(&mut l, &k, 0, NOW);
    let mut f = fact(
        Scope::Model("m1".into()),
        Window::Millis(1000),
        Unit::Requests,
    );
    f.source = Source::Learned;
    f.remaining = Some(0);
    f.reset_at_ms = Some(NOW + 1_000.0);
    l.learn("lab", &f, NOW + 10.0);
    // No rule was made up: the model is not held to one request per second afterwards.
    assert!(l.snapshot(NOW + 10.0).iter().all(|r| r.scope != "m1"));
    for i in 0..5 {
        send(&mut l, &k, 0, NOW + 2_000.0 + f64::from(i));
    }
    assert_eq!(l.check(&k, 0, NOW + 2_010.0), Verdict::Ok);
}
