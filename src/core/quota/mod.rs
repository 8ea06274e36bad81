//! Quota ledger: per-scope windows, learned limits, reserve / commit / refund, and spend.
//!
//! Counting model:
//! - Every tab owns one *contribution* (its request log, in-flight reservations and spend);
//!   only that tab writes it. A window's count is the sum over all tabs' contributions.
//! - Logs hold `(at, requests, tokens)` entries per scope key, stamped when the answer began
//!   (`ReservationId::answered_ms`, else at `commit`): never earlier than when the provider
//!   counted the request, so waits never end too early, and a long stream does not hold its
//!   minute slot until it ends. Windows derive their counts from the log:
//!   `Minute`, `Hour` and `Millis(n)` slide (an entry leaves exactly `span` after it was
//!   stamped); `Day` is a calendar day ending at UTC or Pacific midnight.
//! - Logs stay bounded (`LOG_CAP` entries per key per tab): past it, adjacent entries merge
//!   into the later one, choosing the merge whose span is smallest relative to its age, so
//!   recent entries stay exact and old ones form wider buckets. Entries only ever move later
//!   in time, so every count stays conservative (never lower than the truth).
//! - In-flight reservations count in every window of their keys as if answered now; they
//!   expire after [`RESERVATION_TTL_MS`] so that a crashed tab cannot hold quota forever.
//! - A provider's own count ("remaining" in headers or a 429) is an *observation* `(t, used,
//!   until)`: while it holds, the window's count is `used` plus entries stamped after `t`;
//!   once `until` passes, entries stamped up to `t` no longer count (the provider freed them).
//!
//! Merge semantics (cross-tab sharing, see [`Ledger::merge`]): tab contributions merge by
//! keeping the higher version of each tab (single writer, so nothing is lost and nothing is
//! counted twice); limits and observations are last-writer-wins registers ordered by time
//! with a total tie-break; "has credits" flags are a grow-only set. Merge is commutative,
//! associative and idempotent on this shared state; local configuration (tab id, declared
//! limits, budget) stays the receiver's.

mod calendar;
mod count;
mod learn;
mod ledger;
mod merge;
mod report;
mod reserve;
mod slots;
mod spend;
mod stored;
#[cfg(test)]
mod tests;
mod types;

pub use calendar::day_bounds;
pub use types::{
    BudgetPeriod, DayReset, Ledger, ReservationId, ScopeKey, ScopeRow, SpendId, SpendRow, Verdict,
    WindowState,
};

const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 86_400_000.0;
/// In-flight reservations stop counting after this long: no first answer takes 10 minutes,
/// and a tab that crashed mid-request must not block the others.
pub const RESERVATION_TTL_MS: f64 = 600_000.0;
/// Spend is only known when a paid answer ends, which can take long (reasoning models): a
/// spend hold lasts an hour, so the budget is not handed out twice under a live request.
pub const SPEND_TTL_MS: f64 = 3_600_000.0;
/// Entries kept per scope key per tab (see module docs for how the log stays exact-ish).
const LOG_CAP: usize = 64;
/// Logs keep at least this much history: the longest calendar day is 25 h.
const MIN_RETAIN_MS: f64 = 26.0 * HOUR;
const VERSION: u32 = 1;
const NANO: f64 = 1e9;

/// How far behind OpenRouter's `free_model_daily_requests.used` runs (reference section 0).
pub const KEY_INFO_LAG_MS: f64 = 60_000.0;
