//! Spend budget: reserve worst case, commit the real cost, never exceed the max.

use free_router::core::error::ErrorCode;
use free_router::core::quota::{BudgetPeriod, Ledger, SpendId};
use proptest::prelude::*;

/// 2026-06-15 13:00 UTC.
const NOW: f64 = 1_781_528_400_000.0;
const JUNE16: f64 = 1_781_568_000_000.0;
const JULY1: f64 = 1_782_864_000_000.0;

#[test]
fn reserve_commit_refund() {
    let mut l = Ledger::new();
    l.set_budget(1.0, BudgetPeriod::Day);
    let a = l.reserve_spend(0.6, NOW).expect("fits");
    let err = l.reserve_spend(0.5, NOW).expect_err("0.6 + 0.5 > 1");
    assert_eq!(err.code, ErrorCode::BudgetExceeded);
    assert!(
        err.message.contains("0.600000 USD in flight"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("of 1.000000 USD for today"),
        "{}",
        err.message
    );
    l.commit_spend(a, 0.2, NOW + 1.0);
    let row = l.spend(NOW + 1.0);
    assert_eq!(
        (row.spent_usd, row.reserved_usd, row.budget_usd),
        (0.2, 0.0, 1.0)
    );
    assert_eq!(row.resets_at_ms, Some(JUNE16));
    let b = l
        .reserve_spend(0.8, NOW + 2.0)
        .expect("0.2 + 0.8 fits exactly");
    assert!(l.reserve_spend(0.000_001, NOW + 3.0).is_err());
    l.refund_spend(b, NOW + 4.0);
    assert_eq!(l.spend(NOW + 4.0).reserved_usd, 0.0);
    assert!(l
        .reserve_spend(-1.0, NOW)
        .is_err_and(|e| e.code == ErrorCode::InvalidArgument));
    assert!(l.reserve_spend(f64::NAN, NOW).is_err());
}

#[test]
fn default_budget_is_zero() {
    let mut l = Ledger::new();
    assert!(l.reserve_spend(0.000_01, NOW).is_err());
    let free = l.reserve_spend(0.0, NOW).expect("free calls pass");
    l.commit_spend(free, 0.0, NOW);
    let row = l.spend(NOW);
    assert_eq!(
        (row.spent_usd, row.period, row.resets_at_ms),
        (0.0, BudgetPeriod::Total, None)
    );
}

#[test]
fn periods_reset_at_utc_boundaries() {
    for (period, reset) in [(BudgetPeriod::Day, JUNE16), (BudgetPeriod::Month, JULY1)] {
        let mut l = Ledger::new();
        l.set_budget(2.0, period);
        let id = l.reserve_spend(2.0, NOW).expect("fits");
        l.commit_spend(id, 1.5, NOW);
        assert!(l.reserve_spend(1.0, reset - 1.0).is_err());
        assert_eq!(l.spend(reset - 1.0).spent_usd, 1.5);
        assert_eq!(l.spend(reset).spent_usd, 0.0);
        assert!(l.reserve_spend(2.0, reset).is_ok());
    }
    let mut l = Ledger::new();
    l.set_budget(2.0, BudgetPeriod::Total);
    let id = l.reserve_spend(1.0, NOW).expect("fits");
    l.commit_spend(id, 1.0, NOW);
    // Months later (old days fold into one entry) the total still counts.
    let later = NOW + 200.0 * 86_400_000.0;
    let id = l.reserve_spend(0.5, later).expect("fits");
    l.commit_spend(id, 0.5, later);
    assert_eq!(l.spend(later + 1.0).spent_usd, 1.5);
    assert!(l.reserve_spend(0.6, later + 2.0).is_err());
}

#[test]
fn a_spend_hold_outlives_a_long_answer_then_expires() {
    let mut l = Ledger::new();
    l.set_budget(1.0, BudgetPeriod::Total);
    let slow = l.reserve_spend(1.0, NOW).expect("fits");
    assert!(l.reserve_spend(0.1, NOW + 1_800_000.0).is_err());
    assert!(l.reserve_spend(0.1, NOW + 3_600_000.0).is_ok());
    // Money really spent is recorded even when its hold had expired.
    l.commit_spend(slow, 0.7, NOW + 3_700_000.0);
    assert_eq!(l.spend(NOW + 3_700_000.0).spent_usd, 0.7);
}

#[derive(Clone, Debug)]
enum Op {
    Reserve(f64),
    /// Commit the n-th open hold with this fraction of its amount.
    Commit(usize, f64),
    Refund(usize),
    Advance(f64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0.0..0.7f64).prop_map(Op::Reserve),
        (0usize..8, 0.0..=1.0f64).prop_map(|(i, f)| Op::Commit(i, f)),
        (0usize..8).prop_map(Op::Refund),
        // Short steps: a run (< 50 min) stays inside the 1 h hold TTL and crosses midnight.
        (0.0..50_000.0f64).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn budget_never_exceeded(
        max in 0.0..3.0f64,
        period in prop_oneof![Just(BudgetPeriod::Day), Just(BudgetPeriod::Month), Just(BudgetPeriod::Total)],
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut l = Ledger::new();
        l.set_budget(max, period);
        let mut t = JUNE16 - 1_500_000.0;
        let mut open: Vec<(SpendId, f64)> = Vec::new();
        for op in ops {
            match op {
                Op::Reserve(usd) => {
                    let before = l.spend(t);
                    match l.reserve_spend(usd, t) {
                        Ok(id) => open.push((id, usd)),
                        Err(e) => {
                            prop_assert_eq!(e.code, ErrorCode::BudgetExceeded);
                            prop_assert!(before.spent_usd + before.reserved_usd + usd > max - 1e-9);
                        }
                    }
                }
                Op::Commit(i, f) if i < open.len() => {
                    let (id, usd) = open.remove(i);
                    l.commit_spend(id, usd * f, t);
                }
                Op::Refund(i) if i < open.len() => {
                    let (id, _) = open.remove(i);
                    l.refund_spend(id, t);
                }
                Op::Advance(ms) => t += ms,
                _ => {}
            }
            let row = l.spend(t);
            prop_assert!(row.spent_usd + row.reserved_usd <= max + 1e-9, "{row:?}");
            prop_assert!(row.spent_usd <= max + 1e-9);
        }
    }
}
