//! The spend budget: reserve, commit and refund in nano-USD per period.

use super::calendar::{day_bounds, month_bounds};
use super::slots::keep_if;
use super::types::{Budget, BudgetPeriod, DayReset, Ledger, SpendId, SpendPend, SpendRow};
use super::{NANO, SPEND_TTL_MS};
use crate::core::error::{Error, ErrorCode};
use crate::core::num::{fixed6, show_f64};

impl Ledger {
    /// Spend limit in USD per period (0 = never spend).
    pub fn set_budget(&mut self, max_usd: f64, period: BudgetPeriod) {
        self.budget = Budget {
            max: nano(max_usd),
            period,
        };
    }

    /// (spent, reserved) in nano-USD for the current period.
    fn spend_nano(&self, now: f64) -> (u64, u64) {
        let start = match self.budget.period {
            BudgetPeriod::Day => day_bounds(now, DayReset::UtcMidnight).0,
            BudgetPeriod::Month => month_bounds(now).0,
            BudgetPeriod::Total => f64::NEG_INFINITY,
        };
        let (mut s, mut r) = (0u64, 0u64);
        for tab in self.tabs.values() {
            for e in tab.spent.iter().filter(|e| e.0 >= start) {
                s = s.saturating_add(e.1);
            }
            for p in tab.sp.iter().filter(|p| p.2 > now) {
                r = r.saturating_add(p.1);
            }
        }
        (s, r)
    }

    /// Hold up to `usd` of the budget before a paid call; fails rather than exceed the max.
    // The crate-wide `Error` is large by design (error.rs); these calls are rare.
    pub fn reserve_spend(&mut self, usd: f64, now_ms: f64) -> Result<SpendId, Error> {
        if !(usd.is_finite() && usd >= 0.0) {
            return Err(Error::invalid(format!(
                "spend must be a finite, non-negative USD amount, got {}",
                show_f64(usd)
            )));
        }
        let amt = nano(usd);
        let (s, r) = self.spend_nano(now_ms);
        if s.saturating_add(r).saturating_add(amt) > self.budget.max {
            let row = self.spend(now_ms);
            let when = match row.period {
                BudgetPeriod::Day => " for today (resets at 00:00 UTC)",
                BudgetPeriod::Month => " for this month (resets on the 1st, 00:00 UTC)",
                BudgetPeriod::Total => " in total",
            };
            return Err(Error::new(
                ErrorCode::BudgetExceeded,
                format!(
                    "A paid call of up to {} USD would exceed the budget: {} USD spent \
                     and {} USD in flight of {} USD{when}. Raise budget.maxUsd or stay \
                     on free models.",
                    fixed6(usd),
                    fixed6(row.spent_usd),
                    fixed6(row.reserved_usd),
                    fixed6(row.budget_usd)
                ),
            ));
        }
        let tab = self.own(now_ms);
        let id = tab.next;
        tab.next = id.saturating_add(1);
        tab.sp.push(SpendPend(id, amt, now_ms + SPEND_TTL_MS));
        Ok(SpendId(id))
    }

    /// Record the real cost and release the rest of the reservation.
    pub fn commit_spend(&mut self, id: SpendId, actual_usd: f64, now_ms: f64) {
        let day = day_bounds(now_ms, DayReset::UtcMidnight).0;
        let tab = self.own(now_ms);
        let held = tab.sp.iter().find(|p| p.0 == id.0).map_or(0, |p| p.1);
        keep_if(&mut tab.sp, &|p| p.0 != id.0);
        // An unusable cost counts as the whole reservation (spend is never under-counted).
        let amt = if actual_usd.is_finite() {
            nano(actual_usd)
        } else {
            held
        };
        match tab.spent.iter_mut().find(|e| e.0 == day) {
            Some(e) => e.1 = e.1.saturating_add(amt),
            None => tab.spent.push((day, amt)),
        }
    }

    pub fn refund_spend(&mut self, id: SpendId, now_ms: f64) {
        keep_if(&mut self.own(now_ms).sp, &|p| p.0 != id.0);
    }

    pub fn spend(&self, now_ms: f64) -> SpendRow {
        let (s, r) = self.spend_nano(now_ms);
        let period = self.budget.period;
        SpendRow {
            spent_usd: s as f64 / NANO,
            reserved_usd: r as f64 / NANO,
            budget_usd: self.budget.max as f64 / NANO,
            period,
            resets_at_ms: match period {
                BudgetPeriod::Day => Some(day_bounds(now_ms, DayReset::UtcMidnight).1),
                BudgetPeriod::Month => Some(month_bounds(now_ms).1),
                BudgetPeriod::Total => None,
            },
        }
    }
}

fn nano(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 {
        (usd * NANO).round() as u64
    } else {
        0
    }
}
