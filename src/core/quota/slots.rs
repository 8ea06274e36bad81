//! Rules and observations, one per (window, unit) slot, ordered for merges; documented defaults.

use std::cmp::Ordering;

use super::calendar::day_bounds;
use super::types::{DayReset, Obs, Rule};
use super::{DAY, HOUR};
use crate::core::limits::{Scope, Source, Unit, Window};
use crate::core::provider::ProviderKind;
use crate::core::sort;

pub(super) fn rank(s: Source) -> u8 {
    match s {
        Source::Documented => 0,
        Source::Learned => 1,
        Source::Header => 2,
        Source::Provider => 3,
    }
}

pub(super) fn span(w: Window) -> f64 {
    match w {
        Window::Minute => 60_000.0,
        Window::Hour => HOUR,
        Window::Day => DAY,
        Window::Millis(n) => n as f64,
    }
}

/// Sort key of a (window, unit) slot.
fn slot(w: Window, u: Unit) -> (u64, bool, bool) {
    (
        span(w) as u64,
        matches!(w, Window::Millis(_)),
        u == Unit::Tokens,
    )
}

impl Rule {
    pub(super) fn val(&self, req: u64, tok: u64) -> u64 {
        match self.u {
            Unit::Requests => req,
            Unit::Tokens => tok,
        }
    }

    /// Does something stamped `at` count in the window as it stands at `t`?
    pub(super) fn holds(&self, at: f64, t: f64) -> bool {
        match self.w {
            Window::Day => at >= day_bounds(t, self.r).0,
            w => at > t - span(w),
        }
    }

    /// When a window that fills up at `now` frees by itself.
    pub(super) fn natural_end(&self, now: f64) -> f64 {
        match self.w {
            Window::Day => day_bounds(now, self.r).1,
            w => now + span(w),
        }
    }

    pub(super) fn order(&self, o: &Rule) -> Ordering {
        self.t
            .total_cmp(&o.t)
            .then(rank(self.s).cmp(&rank(o.s)))
            .then(o.l.cmp(&self.l))
            .then((self.r as u8).cmp(&(o.r as u8)))
    }
}

impl Obs {
    pub(super) fn order(&self, o: &Obs) -> Ordering {
        self.t
            .total_cmp(&o.t)
            .then(self.n.cmp(&o.n))
            .then(self.until.total_cmp(&o.until))
    }
}

/// Rules and observations: at most one per (window, unit) slot of a key.
pub(super) trait Slotted: Clone {
    fn wu(&self) -> (Window, Unit);
}

impl Slotted for Rule {
    fn wu(&self) -> (Window, Unit) {
        (self.w, self.u)
    }
}

impl Slotted for Obs {
    fn wu(&self) -> (Window, Unit) {
        (self.w, self.u)
    }
}

/// Put `item` in its slot: added if the slot is empty, else replacing what is there when
/// `wins` says so. One copy per item type (`dyn`), not one per call site's closures.
#[inline(never)]
pub(super) fn upsert<T: Slotted>(v: &mut Vec<T>, item: &T, wins: &dyn Fn(&T) -> bool) {
    let (w, u) = item.wu();
    match find_slot(v, w, u).and_then(|i| v.get_mut(i)) {
        Some(x) if wins(x) => *x = item.clone(),
        Some(_) => {}
        None => v.push(item.clone()),
    }
}

/// Where the (window, unit) slot is in `v`, if present.
#[inline(never)]
pub(super) fn find_slot<T: Slotted>(v: &[T], w: Window, u: Unit) -> Option<usize> {
    v.iter().position(|x| x.wu() == (w, u))
}

/// Slot order (shortest window first, requests before tokens); one sort instance per type.
#[inline(never)]
pub(super) fn sort_slots<T: Slotted>(v: &mut [T]) {
    sort::sort_by_key(v, |x| {
        let (w, u) = x.wu();
        slot(w, u)
    });
}

/// The slots `defaults` fills, in order; Mistral's first is per second (`Millis(1000)`).
pub(super) const DEFAULT_SLOTS: [(Window, Unit); 6] = [
    (Window::Minute, Unit::Requests),
    (Window::Hour, Unit::Requests),
    (Window::Day, Unit::Requests),
    (Window::Minute, Unit::Tokens),
    (Window::Hour, Unit::Tokens),
    (Window::Day, Unit::Tokens),
];

/// Documented free-tier limits per `DEFAULT_SLOTS` (a table, not a Vec per provider); 0 = not
/// documented. Sources: OpenRouter `api_reference/limits.mdx` (20/min; 50/day, 1000/day with
/// credits); the rest from reference section 6 (cheahjs list 2026-07; Mistral help center;
/// Cerebras docs).
pub(super) fn defaults(kind: ProviderKind, scope: &Scope, credits: bool) -> [u64; 6] {
    crate::core::providers::documented_limits(kind, scope, credits)
}

pub(super) fn default_reset(kind: Option<ProviderKind>) -> DayReset {
    if kind.is_some_and(|k| crate::core::providers::facts(k).pacific_day) {
        DayReset::PacificMidnight
    } else {
        DayReset::UtcMidnight
    }
}

/// `v.retain(keep)` with one instance per item type, not one per closure.
#[inline(never)]
pub(super) fn keep_if<T>(v: &mut Vec<T>, keep: &dyn Fn(&T) -> bool) {
    v.retain(|x| keep(x));
}
