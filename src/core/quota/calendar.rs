//! Calendar days and months in UTC and America/Los_Angeles.

use super::types::DayReset;
use super::{DAY, HOUR};
use crate::core::time::{civil_from_days, days_from_civil};

// ---- civil-date math (proleptic Gregorian, days since 1970-01-01) ----

/// First Sunday on or after a day (1970-01-01 was a Thursday).
fn sunday_from(day: i64) -> i64 {
    day + (7 - (day + 4).rem_euclid(7)) % 7
}

/// US daylight time of year y, as day numbers: (second Sunday of March, first Sunday of
/// November).
pub(super) fn dst_days(y: i64) -> (i64, i64) {
    (
        sunday_from(days_from_civil(y, 3, 1)) + 7,
        sunday_from(days_from_civil(y, 11, 1)),
    )
}

fn day_of(ms: f64) -> i64 {
    (ms / DAY).floor() as i64
}

/// UTC ms of midnight Pacific on local date `d`. Midnight is never inside the 02:00 switch,
/// so the date alone says PST (UTC-8) or PDT (UTC-7).
fn pacific_midnight(d: i64) -> f64 {
    let (start, end) = dst_days(civil_from_days(d).0);
    let off = if d > start && d <= end { 7.0 } else { 8.0 };
    d as f64 * DAY + off * HOUR
}

/// The calendar day containing `now_ms`: (start, end) in epoch ms.
pub fn day_bounds(now_ms: f64, reset: DayReset) -> (f64, f64) {
    match reset {
        DayReset::UtcMidnight => {
            let s = day_of(now_ms) as f64 * DAY;
            (s, s + DAY)
        }
        DayReset::PacificMidnight => {
            // DST runs from 02:00 PST (10:00 UTC) to 02:00 PDT (09:00 UTC) on the switch days.
            let (start, end) = dst_days(civil_from_days(day_of(now_ms)).0);
            let pdt = now_ms >= start as f64 * DAY + 10.0 * HOUR
                && now_ms < end as f64 * DAY + 9.0 * HOUR;
            let local = day_of(now_ms - if pdt { 7.0 } else { 8.0 } * HOUR);
            (pacific_midnight(local), pacific_midnight(local + 1))
        }
    }
}

/// The UTC calendar month containing `now_ms`: (start, end) in epoch ms.
pub(super) fn month_bounds(now_ms: f64) -> (f64, f64) {
    let (y, m) = civil_from_days(day_of(now_ms));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (
        days_from_civil(y, m, 1) as f64 * DAY,
        days_from_civil(ny, nm, 1) as f64 * DAY,
    )
}
