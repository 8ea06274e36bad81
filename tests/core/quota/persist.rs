//! Persistence (to_json / from_json) and cross-tab merge.

use free_router::core::error::ErrorCode;
use free_router::core::limits::{LimitFact, Scope, Source, Unit, Window};
use free_router::core::provider::ProviderKind;
use free_router::core::quota::{BudgetPeriod, DayReset, Ledger, ScopeKey, Verdict};
use proptest::prelude::*;

/// 2026-06-01 23:00 UTC: runs cross midnight.
const T0: f64 = 1_780_354_800_000.0;

fn keys() -> [ScopeKey; 3] {
    [
        ScopeKey::new("openrouter", Scope::OpenRouterFree),
        ScopeKey::new("lab", Scope::Provider),
        ScopeKey::new("groq", Scope::Model("llama-3.1-8b-instant".into())),
    ]
}

/// Every tab starts from the same configuration, as the web layer would.
fn base(tab: &str) -> Ledger {
    let mut l = Ledger::new();
    l.set_tab(tab);
    l.ensure_defaults(
        "openrouter",
        ProviderKind::OpenRouter,
        &Scope::OpenRouterFree,
        T0,
    );
    l.ensure_defaults("groq", ProviderKind::Groq, &keys()[2].scope, T0);
    l.declare(
        keys()[1].clone(),
        Window::Millis(2000),
        Unit::Requests,
        5,
        DayReset::UtcMidnight,
    );
    l.set_budget(5.0, BudgetPeriod::Day);
    l
}

#[derive(Clone, Debug)]
enum Op {
    Send(usize, u64),
    Hold(usize),
    Refund,
    Learn(bool, u64, u32),
    Spend(u32),
    Advance(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, 0u64..3000).prop_map(|(k, t)| Op::Send(k, t)),
        1 => (0usize..3).prop_map(Op::Hold),
        1 => Just(Op::Refund),
        1 => (any::<bool>(), 0u64..60, 0u32..120_000).prop_map(|(d, r, s)| Op::Learn(d, r, s)),
        1 => (0u32..2_000_000).prop_map(Op::Spend),
        3 => (0u32..400_000).prop_map(Op::Advance),
    ]
}

/// Apply ops; returns the time reached.
fn run(l: &mut Ledger, ops: &[Op], mut t: f64) -> f64 {
    let ks = keys();
    let mut held = Vec::new();
    for op in ops {
        match op {
            Op::Send(k, tok) => {
                if let Ok(id) = l.reserve(&ks[*k..=*k], *tok, t) {
                    l.commit(id, Some(tok / 2), t + 1.0);
                }
            }
            Op::Hold(k) => held.extend(l.reserve(&ks[*k..=*k], 10, t).ok()),
            Op::Refund => {
                if let Some(id) = held.pop() {
                    l.refund(id, t);
                }
            }
            Op::Learn(day, rem, reset) => {
                let (scope, window, provider) = if *day {
                    (Scope::OpenRouterFree, Window::Day, "openrouter")
                } else {
                    (ks[2].scope.clone(), Window::Minute, "groq")
                };
                let f = LimitFact {
                    scope,
                    window,
                    unit: Unit::Requests,
                    limit: Some(50),
                    remaining: Some(*rem),
                    reset_at_ms: Some(t + f64::from(*reset)),
                    source: Source::Header,
                };
                l.learn(provider, &f, t);
            }
            Op::Spend(nano_ish) => {
                let usd = f64::from(*nano_ish) / 1e6;
                if let Ok(id) = l.reserve_spend(usd, t) {
                    l.commit_spend(id, usd / 2.0, t);
                }
            }
            Op::Advance(ms) => t += f64::from(*ms),
        }
        t += 1.0;
    }
    t
}

fn merged(a: &Ledger, b: &Ledger) -> Ledger {
    let mut m = a.clone();
    m.merge(b);
    m
}

/// Same shared state? (local configuration is identical by construction except the tab id.)
fn same(a: &Ledger, b: &Ledger) -> bool {
    let mut b = b.clone();
    b.set_tab(a.tab());
    a.to_json() == b.to_json()
}

fn used(l: &Ledger, key: &ScopeKey, t: f64) -> Vec<(u64, u64)> {
    l.windows(key, t)
        .iter()
        .map(|w| (w.used, w.reserved))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn merge_is_commutative_associative_idempotent_and_loses_nothing(
        oa in prop::collection::vec(op(), 0..40),
        ob in prop::collection::vec(op(), 0..40),
        oc in prop::collection::vec(op(), 0..20),
        split in 0usize..40,
    ) {
        let (mut a, mut b, mut c) = (base("tab-a"), base("tab-b"), base("tab-c"));
        let split = split.min(oa.len());
        let ta = run(&mut a, &oa[..split], T0);
        let a_old = a.clone();
        let ta = run(&mut a, &oa[split..], ta);
        let tb = run(&mut b, &ob, T0 + 500.0);
        let tc = run(&mut c, &oc, T0 + 900.0);
        let now = ta.max(tb).max(tc);

        let ab = merged(&a, &b);
        prop_assert!(same(&ab, &merged(&b, &a)), "commutative");
        prop_assert!(same(&merged(&a, &a), &a), "idempotent");
        prop_assert!(same(&merged(&ab, &b), &ab), "re-merge changes nothing");
        prop_assert!(same(&merged(&ab, &a_old), &ab), "a stale copy changes nothing");
        prop_assert!(same(&merged(&ab, &c), &merged(&a, &merged(&b, &c))), "associative");

        // Counts add up: the lab key has no provider facts, so it is a pure sum.
        let lab = &keys()[1];
        for t in [now, now + 1_000.0] {
            let (ua, ub, um) = (used(&a, lab, t), used(&b, lab, t), used(&ab, lab, t));
            let sum: Vec<_> = ua.iter().zip(&ub).map(|(x, y)| (x.0 + y.0, x.1 + y.1)).collect();
            prop_assert_eq!(um, sum);
        }
        // Spend adds up too.
        let (sa, sb, sm) = (a.spend(now), b.spend(now), ab.spend(now));
        prop_assert!((sm.spent_usd - sa.spent_usd - sb.spent_usd).abs() < 1e-9);
        prop_assert!((sm.reserved_usd - sa.reserved_usd - sb.reserved_usd).abs() < 1e-9);
        // Where providers reported nothing, a merged window never shows less than either side.
        let free = &keys()[0];
        if !oa.iter().chain(&ob).any(|o| matches!(o, Op::Learn(true, ..))) {
            for (m, (x, y)) in used(&ab, free, now).iter().zip(used(&a, free, now).iter().zip(&used(&b, free, now))) {
                prop_assert_eq!(m.0, x.0 + y.0);
            }
        }

        // Round trip.
        let back = Ledger::from_json(&ab.to_json());
        prop_assert!(back.as_ref() == Ok(&ab), "round trip");
    }
}

#[test]
fn two_tabs_share_one_free_pool() {
    let (mut a, mut b) = (base("a"), base("b"));
    let k = [keys()[0].clone()];
    for i in 0..10 {
        let t = T0 + f64::from(i) * 100.0;
        let id = a.reserve(&k, 0, t).expect("a slot");
        a.commit(id, None, t);
        let id = b.reserve(&k, 0, t + 50.0).expect("b slot");
        b.commit(id, None, t + 50.0);
    }
    let held = b.reserve(&k, 0, T0 + 2_000.0).expect("b holds one");
    // Through storage, as the web layer does it.
    a.merge(&Ledger::from_json(&b.to_json()).expect("readable"));
    let w = a.windows(&k[0], T0 + 2_001.0);
    assert_eq!((w[0].used, w[0].reserved), (20, 1));
    assert!(matches!(
        a.check(&k, 0, T0 + 2_001.0),
        Verdict::WaitUntil { .. }
    ));
    // b settles; a picks it up on the next merge.
    b.refund(held, T0 + 3_000.0);
    a.merge(&b);
    assert_eq!(a.windows(&k[0], T0 + 3_001.0)[0].reserved, 0);
    // Dropping a tab that no longer counts is harmless, and b's day usage is kept until then.
    a.gc(T0 + 3_001.0);
    assert_eq!(a.windows(&k[0], T0 + 3_001.0)[1].used, 20);
    a.gc(T0 + 4.0 * 86_400_000.0);
    assert_eq!(a.to_json().matches("\"b\"").count(), 0);
}

#[test]
fn round_trip_keeps_everything() {
    let mut l = base("tab-1");
    l.set_free_daily("openrouter", 7, 1000, T0);
    let ops = [
        Op::Send(0, 10),
        Op::Send(1, 20),
        Op::Hold(2),
        Op::Learn(true, 7, 1000),
        Op::Learn(false, 3, 9000),
        Op::Spend(1_500_000),
    ];
    let t = run(&mut l, &ops, T0);
    let s = l.to_json();
    let back = Ledger::from_json(&s).expect("readable");
    assert_eq!(back, l);
    assert_eq!(back.snapshot(t), l.snapshot(t));
    assert_eq!(back.spend(t), l.spend(t));
    assert_eq!(back.to_json(), s);
}

#[test]
fn versions_and_garbage_are_errors() {
    let s = Ledger::new().to_json();
    assert!(s.starts_with("{\"v\":1,"), "{s}");
    let e = Ledger::from_json(&s.replacen("\"v\":1", "\"v\":2", 1)).expect_err("newer version");
    assert_eq!(e.code, ErrorCode::Parse);
    for g in [
        "",
        "null",
        "[]",
        "{}",
        "{\"v\":1}",
        "{\"v\":1,\"tab\":3}",
        "\u{0}",
    ] {
        if let Ok(l) = Ledger::from_json(g) {
            // Missing parts default; a loaded ledger must still work.
            assert!(l.snapshot(T0).is_empty(), "{g}");
        }
    }
    assert!(
        Ledger::from_json("{\"v\":1}").is_err(),
        "tab id is required"
    );
}

fn exercise(l: &mut Ledger) {
    let ks = keys();
    let _ = l.snapshot(T0);
    let _ = l.spend(T0);
    let _ = l.check(&ks, 5, T0);
    if let Ok(id) = l.reserve(&ks, 5, T0) {
        l.commit(id, Some(3), T0 + 1.0);
    }
    let _ = l.reserve_spend(0.01, T0);
    let other = base("x");
    l.merge(&other);
    let _ = Ledger::from_json(&l.to_json());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn from_json_never_panics_on_arbitrary_strings(s in any::<String>()) {
        if let Ok(mut l) = Ledger::from_json(&s) {
            exercise(&mut l);
        }
    }

    #[test]
    fn from_json_never_panics_on_json_like_strings(s in "[\\[\\]{}\",:0-9a-z.\\-]{0,40}") {
        if let Ok(mut l) = Ledger::from_json(&s) {
            exercise(&mut l);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Damage a real stored ledger: anything that still parses must be usable.
    #[test]
    fn damaged_ledgers_never_panic(at in 0usize..2_000, len in 0usize..12, with in "[0-9e\\-.,\\[\\]{}\"a-z]{0,6}") {
        let mut l = base("t");
        run(&mut l, &[Op::Send(0, 5), Op::Send(1, 5), Op::Hold(2), Op::Learn(true, 3, 5), Op::Spend(10)], T0);
        let s = l.to_json();
        let at = at.min(s.len());
        let end = (at + len).min(s.len());
        if s.is_char_boundary(at) && s.is_char_boundary(end) {
            let bad = format!("{}{}{}", &s[..at], with, &s[end..]);
            if let Ok(mut l) = Ledger::from_json(&bad) {
                exercise(&mut l);
            }
        }
    }
}
