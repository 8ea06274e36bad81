//! Expiry dates in catalogs.

use crate::core::num;

/// "YYYY-MM-DD" (optionally followed by a time, which is ignored) -> (date, midnight UTC in ms).
pub(super) fn expiry(s: Option<&str>) -> (Option<String>, Option<f64>) {
    match s.and_then(parse_date) {
        Some((date, ms)) => (Some(date.to_owned()), Some(ms)),
        None => (None, None),
    }
}

fn parse_date(s: &str) -> Option<(&str, f64)> {
    let b = s.as_bytes();
    let date = s.get(..10)?;
    if b.len() > 10 && !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = date.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        num::parse_u64(part).and_then(|n| i64::try_from(n).ok())
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if d < 1 || d > month_days {
        return None;
    }
    Some((
        date,
        crate::core::time::days_from_civil(y, m, d) as f64 * 86_400_000.0,
    ))
}
