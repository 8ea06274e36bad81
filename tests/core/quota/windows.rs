//! Windows, reservations and time stepping.

use free_router::core::limits::{Scope, Unit, Window};
use free_router::core::provider::ProviderKind;
use free_router::core::quota::{
    day_bounds, DayReset, Ledger, ScopeKey, Verdict, RESERVATION_TTL_MS,
};

const MIN: f64 = 60_000.0;
/// 2026-06-01 00:00 UTC.
const JUNE1: f64 = 1_780_272_000_000.0;

fn free_key() -> ScopeKey {
    ScopeKey::new("openrouter", Scope::OpenRouterFree)
}

fn openrouter(now: f64) -> Ledger {
    let mut l = Ledger::new();
    l.ensure_defaults(
        "openrouter",
        ProviderKind::OpenRouter,
        &Scope::OpenRouterFree,
        now,
    );
    l
}

/// Reserve and commit at once; panics if refused.
fn send(l: &mut Ledger, keys: &[ScopeKey], tokens: u64, t: f64) {
    let id = l
        .reserve(keys, tokens, t)
        .unwrap_or_else(|v| panic!("refused at {t}: {v:?}"));
    l.commit(id, None, t);
}

#[test]
fn minute_window_frees_the_exact_ms_the_first_request_leaves() {
    let t0 = JUNE1 + 3.0 * 3_600_000.0 + 123.0;
    let mut l = openrouter(t0);
    let k = [free_key()];
    for i in 0..20 {
        send(&mut l, &k, 0, t0 + f64::from(i) * 1500.0);
    }
    let want = Verdict::WaitUntil {
        at_ms: t0 + MIN,
        scope: free_key(),
        window: Window::Minute,
    };
    assert_eq!(l.check(&k, 0, t0 + 30_000.0), want);
    assert_eq!(l.reserve(&k, 0, t0 + 59_999.0), Err(want));
    assert_eq!(l.check(&k, 0, t0 + MIN), Verdict::Ok);
    send(&mut l, &k, 0, t0 + MIN);
    // The second request (t0 + 1500) leaves next.
    assert_eq!(
        l.check(&k, 0, t0 + MIN + 1.0),
        Verdict::WaitUntil {
            at_ms: t0 + MIN + 1500.0,
            scope: free_key(),
            window: Window::Minute
        }
    );
}

#[test]
fn day_window_exhausts_until_utc_midnight_and_rolls_over() {
    let t0 = JUNE1 + 10.0 * 3_600_000.0;
    let mut l = openrouter(t0);
    let k = [free_key()];
    for i in 0..50 {
        // 3 s apart: exactly 20 per sliding minute, so only the day limit binds.
        send(&mut l, &k, 0, t0 + f64::from(i) * 3000.0);
    }
    let midnight = JUNE1 + 86_400_000.0;
    let exhausted = Verdict::Exhausted {
        until_ms: midnight,
        scope: free_key(),
        window: Window::Day,
        limit: 50,
    };
    assert_eq!(l.check(&k, 0, t0 + 200_000.0), exhausted);
    assert_eq!(l.check(&k, 0, midnight - 1.0), exhausted);
    assert_eq!(l.check(&k, 0, midnight), Verdict::Ok);
    let day = |l: &Ledger, t| {
        l.snapshot(t)
            .into_iter()
            .find(|r| r.window == "day")
            .expect("day row")
    };
    let before = day(&l, midnight - 1.0);
    assert_eq!(
        (before.used, before.remaining, before.resets_at),
        (50, 0, midnight)
    );
    let after = day(&l, midnight);
    assert_eq!((after.used, after.remaining), (0, 50));
    assert_eq!(after.resets_at, midnight + 86_400_000.0);
}

#[test]
fn exhausted_names_the_day_even_when_the_minute_frees_later() {
    let t0 = JUNE1 + 86_400_000.0 - 30_000.0; // 23:59:30 UTC
    let mut l = Ledger::new();
    let key = ScopeKey::new("lab", Scope::Provider);
    l.declare(
        key.clone(),
        Window::Day,
        Unit::Requests,
        3,
        DayReset::UtcMidnight,
    );
    l.declare(
        key.clone(),
        Window::Minute,
        Unit::Requests,
        3,
        DayReset::UtcMidnight,
    );
    for i in 0..3 {
        send(&mut l, std::slice::from_ref(&key), 0, t0 + f64::from(i));
    }
    assert_eq!(
        l.check(std::slice::from_ref(&key), 0, t0 + 10.0),
        Verdict::Exhausted {
            until_ms: t0 + MIN,
            scope: key,
            window: Window::Day,
            limit: 3
        }
    );
}

/// Fill a 20/day Gemini Flash model starting at `start` (12 s apart, exactly 5 per minute)
/// and return the verdict right after.
fn fill_gemini(start: f64) -> Verdict {
    let mut l = Ledger::new();
    let scope = Scope::Model("gemini-2.5-flash".into());
    l.ensure_defaults("gemini", ProviderKind::Gemini, &scope, start);
    let k = [ScopeKey::new("gemini", scope)];
    for i in 0..20 {
        send(&mut l, &k, 100, start + f64::from(i) * 12_000.0);
    }
    l.check(&k, 100, start + 240_000.0)
}

fn until(v: Verdict) -> f64 {
    match v {
        Verdict::Exhausted {
            until_ms,
            window: Window::Day,
            limit: 20,
            ..
        } => until_ms,
        v => panic!("expected exhausted, got {v:?}"),
    }
}

#[test]
fn pacific_reset_on_normal_days() {
    // 2026-01-15 10:00 PST = 18:00 UTC → resets 2026-01-16 00:00 PST = 08:00 UTC.
    assert_eq!(until(fill_gemini(1_768_500_000_000.0)), 1_768_550_400_000.0);
    // 2026-07-04 10:00 PDT = 17:00 UTC → resets 2026-07-05 00:00 PDT = 07:00 UTC.
    assert_eq!(until(fill_gemini(1_783_184_400_000.0)), 1_783_234_800_000.0);
    // Late evening Pacific is already the next UTC day but the same Pacific day.
    // 2026-01-15 23:50 PST = 2026-01-16 07:50 UTC.
    assert_eq!(until(fill_gemini(1_768_549_800_000.0)), 1_768_550_400_000.0);
}

#[test]
fn pacific_reset_on_the_2026_dst_change_days() {
    // March 8: starts 01:58 PST (09:58 UTC), crosses 02:00 → 03:00 PDT while filling;
    // the day (23 h long) ends 2026-03-09 00:00 PDT = 07:00 UTC.
    assert_eq!(until(fill_gemini(1_772_963_880_000.0)), 1_773_039_600_000.0);
    // November 1: starts 01:58 PDT (08:58 UTC), clocks fall back to 01:00 PST at 09:00 UTC;
    // the day (25 h long) ends 2026-11-02 00:00 PST = 08:00 UTC.
    assert_eq!(until(fill_gemini(1_793_523_480_000.0)), 1_793_606_400_000.0);

    let p = DayReset::PacificMidnight;
    let mar8 = (1_772_956_800_000.0, 1_773_039_600_000.0);
    assert_eq!(day_bounds(1_772_956_800_000.0, p), mar8); // 00:00 PST
    assert_eq!(day_bounds(1_772_963_999_999.0, p), mar8); // 01:59:59.999 PST
    assert_eq!(day_bounds(1_772_964_000_000.0, p), mar8); // 03:00 PDT
    assert_eq!(day_bounds(1_773_039_599_999.0, p), mar8); // 23:59:59.999 PDT
    assert_eq!(day_bounds(1_773_039_600_000.0, p).0, 1_773_039_600_000.0);
    assert_eq!(
        day_bounds(1_772_956_799_999.0, p),
        (1_772_870_400_000.0, 1_772_956_800_000.0)
    );
    let nov1 = (1_793_516_400_000.0, 1_793_606_400_000.0);
    assert_eq!(day_bounds(1_793_516_400_000.0, p), nov1); // 00:00 PDT
    assert_eq!(day_bounds(1_793_521_800_000.0, p), nov1); // 01:30 PDT (first)
    assert_eq!(day_bounds(1_793_525_400_000.0, p), nov1); // 01:30 PST (second)
    assert_eq!(day_bounds(1_793_606_399_999.0, p), nov1); // 23:59:59.999 PST
    assert_eq!(
        day_bounds(1_793_516_399_999.0, p),
        (1_793_430_000_000.0, 1_793_516_400_000.0)
    );
    let u = DayReset::UtcMidnight;
    assert_eq!(day_bounds(JUNE1 + 1.0, u), (JUNE1, JUNE1 + 86_400_000.0));
}

#[test]
fn requests_on_the_previous_pacific_day_do_not_count() {
    let mut l = Ledger::new();
    let scope = Scope::Model("gemini-2.5-flash".into());
    let k = [ScopeKey::new("gemini", scope.clone())];
    // 2026-03-07 23:00 PST = 2026-03-08 07:00 UTC (already "March 8" in UTC).
    let t = 1_772_953_200_000.0;
    l.ensure_defaults("gemini", ProviderKind::Gemini, &scope, t);
    for i in 0..20 {
        send(&mut l, &k, 0, t + f64::from(i) * 12_000.0);
    }
    assert!(matches!(
        l.check(&k, 0, t + 300_000.0),
        Verdict::Exhausted { .. }
    ));
    // Pacific midnight of March 8 (08:00 UTC) starts a new day.
    assert_eq!(l.check(&k, 0, 1_772_956_800_000.0), Verdict::Ok);
}

#[test]
fn declared_5_per_2000ms_paces_40_requests_into_8_windows() {
    let key = ScopeKey::new("lab", Scope::Provider);
    for latency in [0.0, 150.0] {
        let mut l = Ledger::new();
        l.declare(
            key.clone(),
            Window::Millis(2000),
            Unit::Requests,
            5,
            DayReset::UtcMidnight,
        );
        let k = [key.clone()];
        let t0 = JUNE1 + 5_000.0;
        let (mut t, mut sent, mut waits) = (t0, Vec::new(), 0);
        while sent.len() < 40 {
            match l.reserve(&k, 0, t) {
                Ok(id) => {
                    sent.push(t);
                    t += latency;
                    l.commit(id, None, t);
                }
                Err(Verdict::WaitUntil { at_ms, .. }) => {
                    assert!(at_ms > t);
                    t = at_ms;
                    waits += 1;
                }
                Err(v) => panic!("{v:?}"),
            }
        }
        assert_eq!(waits, 7, "latency {latency}");
        let elapsed = t - t0;
        assert!((14_000.0..=16_000.0).contains(&elapsed), "{elapsed}");
        if latency == 0.0 {
            assert_eq!(sent.last().copied(), Some(t0 + 14_000.0));
        }
        // The provider sees each request when it is sent (at most `latency` later):
        // no 2000 ms span ever holds more than 5.
        for &s in &sent {
            let n = sent.iter().filter(|&&x| x > s - 2000.0 && x <= s).count();
            assert!(n <= 5, "over-commit at {s}: {n}");
        }
    }
}

#[test]
fn reserve_commit_refund_and_expiry() {
    let t = JUNE1 + 1_000.0;
    let mut l = openrouter(t);
    let k = [free_key()];
    let ids: Vec<_> = (0..20)
        .map(|_| l.reserve(&k, 0, t).expect("free slot"))
        .collect();
    // In-flight requests count as if answered now.
    assert_eq!(
        l.check(&k, 0, t + 5.0),
        Verdict::WaitUntil {
            at_ms: t + 5.0 + MIN,
            scope: free_key(),
            window: Window::Minute
        }
    );
    let row = &l.snapshot(t)[0];
    assert_eq!(
        (row.window.as_str(), row.used, row.remaining),
        ("minute", 20, 0)
    );
    let mut ids = ids.into_iter();
    l.refund(ids.next().expect("id"), t + 10.0);
    assert_eq!(l.check(&k, 0, t + 10.0), Verdict::Ok);
    l.commit(ids.next().expect("id"), None, t + 20.0);
    let w = l.windows(&free_key(), t + 20.0);
    assert_eq!((w[0].used, w[0].reserved), (1, 18));
    assert_eq!((w[1].used, w[1].reserved), (1, 18));
    // Reservations nobody settles stop counting after the TTL.
    assert!(l.check(&k, 0, t + RESERVATION_TTL_MS - 1.0) == Verdict::Ok);
    let w = l.windows(&free_key(), t + RESERVATION_TTL_MS);
    assert_eq!((w[1].used, w[1].reserved), (1, 0));
    // A late commit still counts (the request did reach the provider).
    l.commit(ids.next().expect("id"), None, t + RESERVATION_TTL_MS + 1.0);
    assert_eq!(
        l.windows(&free_key(), t + RESERVATION_TTL_MS + 2.0)[1].used,
        2
    );
    // Refunding twice or refunding a committed reservation changes nothing.
    let id = l.reserve(&k, 0, t + 700_000.0).expect("slot");
    l.commit(id.clone(), None, t + 700_000.0);
    l.refund(id, t + 700_001.0);
    assert_eq!(l.windows(&free_key(), t + 700_002.0)[1].used, 3);
}

#[test]
fn full_reservation_set_is_never_over_committed() {
    let t = JUNE1;
    let mut l = openrouter(t);
    let k = [free_key()];
    let ok = (0..100)
        .filter(|i| l.reserve(&k, 0, t + f64::from(*i)).is_ok())
        .count();
    assert_eq!(ok, 20);
}

#[test]
fn token_windows_count_estimates_then_actuals() {
    let t = JUNE1 + 7.0;
    let mut l = Ledger::new();
    let scope = Scope::Model("llama3.1-8b".into());
    l.ensure_defaults("cerebras", ProviderKind::Cerebras, &scope, t);
    let key = ScopeKey::new("cerebras", scope);
    let k = [key.clone()];
    let big = l.reserve(&k, 50_000, t).expect("fits 60K TPM");
    match l.check(&k, 20_000, t + 1.0) {
        Verdict::WaitUntil {
            at_ms,
            window: Window::Minute,
            ..
        } => assert_eq!(at_ms, t + 1.0 + MIN),
        v => panic!("{v:?}"),
    }
    assert_eq!(l.check(&k, 10_000, t + 1.0), Verdict::Ok);
    l.commit(big, Some(12_000), t + 2_000.0);
    send(&mut l, &k, 40_000, t + 3_000.0);
    match l.check(&k, 10_000, t + 4_000.0) {
        Verdict::WaitUntil { at_ms, .. } => assert_eq!(at_ms, t + 2_000.0 + MIN),
        v => panic!("{v:?}"),
    }
    let tpm = l
        .windows(&key, t + 4_000.0)
        .into_iter()
        .find(|w| w.unit == Unit::Tokens && w.window == Window::Minute)
        .expect("tpm");
    assert_eq!(
        (tpm.limit, tpm.used, tpm.resets_at_ms),
        (60_000, 52_000, t + 2_000.0 + MIN)
    );
    // A request larger than the whole window still goes once the window is empty.
    assert_eq!(l.check(&k, 90_000, t + 3_000.0 + MIN), Verdict::Ok);
}

#[test]
fn long_logs_stay_bounded_and_conservative() {
    let t0 = JUNE1;
    let mut l = Ledger::new();
    let scope = Scope::Model("llama3.1-8b".into());
    l.ensure_defaults("cerebras", ProviderKind::Cerebras, &scope, t0);
    let key = ScopeKey::new("cerebras", scope);
    let k = [key.clone()];
    // 900 requests/hour: try one every 4 s for two hours (1800 tries, 1800 ideal).
    let mut t = t0;
    let mut times = Vec::new();
    while t < t0 + 7_200_000.0 {
        match l.reserve(&k, 10, t) {
            Ok(id) => {
                l.commit(id, None, t);
                times.push(t);
            }
            Err(Verdict::WaitUntil { at_ms, .. }) => t = at_ms,
            Err(v) => panic!("{v:?}"),
        }
        t += 4_000.0;
    }
    let sent = times.len() as u64;
    // The log holds 64 entries, not 1669: older entries merge (later), costing a little
    // throughput but never over-committing.
    assert!(sent > 1_600, "{sent}");
    for (i, &s) in times.iter().enumerate() {
        let hour = times[..=i].iter().filter(|&&x| x > s - 3_600_000.0).count();
        let minute = times[..=i].iter().filter(|&&x| x > s - MIN).count();
        assert!(hour <= 900 && minute <= 30, "over-commit at {s}");
    }
    let json = l.to_json();
    assert!(json.len() < 8_000, "{}", json.len());
    let day = l
        .windows(&key, t)
        .into_iter()
        .find(|w| w.window == Window::Day && w.unit == Unit::Requests)
        .expect("day");
    assert_eq!(day.used, sent, "merging entries never loses a count");
}

/// `limited` decides which calls skip the cross-tab lock: it must be true as soon as any window
/// applies to any of the call's keys (documented, declared or learned), or tabs could
/// over-commit.
#[test]
fn limited_knows_every_kind_of_window() {
    use free_router::core::limits::{LimitFact, Source};
    let t = JUNE1;
    let custom = [
        ScopeKey::new("lab", Scope::Provider),
        ScopeKey::new("lab", Scope::Model("m1".into())),
    ];
    let mut l = Ledger::new();
    for k in &custom {
        l.ensure_defaults("lab", ProviderKind::OpenAiCompatible, &k.scope, t);
    }
    assert!(
        !l.limited(&custom, t),
        "a custom provider has no documented window"
    );
    // Documented: the OpenRouter free pool.
    assert!(openrouter(t).limited(
        &[ScopeKey::new("openrouter", Scope::Provider), free_key()],
        t
    ));
    // Declared on the provider scope.
    let mut d = l.clone();
    d.declare(
        custom[0].clone(),
        Window::Minute,
        Unit::Requests,
        5,
        DayReset::UtcMidnight,
    );
    assert!(d.limited(&custom, t));
    // Learned from headers on the model scope.
    let mut h = l.clone();
    h.learn(
        "lab",
        &LimitFact {
            scope: Scope::Model("m1".into()),
            window: Window::Minute,
            unit: Unit::Requests,
            limit: Some(10),
            remaining: Some(9),
            reset_at_ms: None,
            source: Source::Header,
        },
        t,
    );
    assert!(h.limited(&custom, t));
    // Guessed from bare 429s once a few requests were counted.
    let mut g = l.clone();
    for i in 0..3 {
        send(&mut g, &custom, 0, t + f64::from(i));
    }
    assert!(!g.limited(&custom, t + 3.0));
    g.learn(
        "lab",
        &LimitFact {
            scope: Scope::Provider,
            window: Window::Minute,
            unit: Unit::Requests,
            limit: None,
            remaining: None,
            reset_at_ms: None,
            source: Source::Learned,
        },
        t + 3.0,
    );
    assert!(g.limited(&custom, t + 4.0));
}
