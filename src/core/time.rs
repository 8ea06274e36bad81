//! Civil dates (proleptic Gregorian, days since 1970-01-01): one copy for the ledger's calendar,
//! HTTP dates in headers and catalog expiry dates.

use crate::core::num;

/// Days since the epoch of a civil date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Count years from March so the leap day is the last day of the "year".
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Civil (year, month) of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (era * 400 + yoe + i64::from(m <= 2), m)
}

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
/// or asctime ("Sun Nov  6 08:49:37 1994") -> epoch ms. In all three the day number comes
/// before the year number, so numbers are taken in order.
pub fn http_date_ms(s: &str) -> Option<f64> {
    static MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    static DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let (mut day, mut month, mut year, mut time) = (None, None, None, None);
    for tok in s.split(|c: char| c.is_whitespace() || c == ',' || c == '-') {
        if tok.is_empty() {
            continue;
        }
        let low = tok.to_ascii_lowercase();
        if tok.contains(':') {
            // h:m:s, each part in range; a plain loop is smaller in wasm than a mapped
            // iterator read four times. Any failure rejects the whole date.
            let (mut t, mut k) = (0u64, 0);
            for p in tok.split(':') {
                let max = *[23, 59, 60].get(k)?;
                let n = num::parse_u64(p).filter(|n| *n <= max)?;
                t = t * 60 + n;
                k += 1;
            }
            if k != 3 || time.is_some() {
                return None;
            }
            time = Some(t as u32);
        } else if tok.bytes().all(|b| b.is_ascii_digit()) {
            if tok.len() > 4 {
                return None;
            }
            let n = num::parse_u64(tok)? as i64;
            if day.is_none() {
                day = Some(n);
            } else if year.is_none() {
                // RFC 850 two-digit years: 70..99 are 19xx, the rest 20xx.
                year = Some(match (tok.len(), n) {
                    (2, 70..) => 1900 + n,
                    (2, _) => 2000 + n,
                    _ => n,
                });
            } else {
                return None;
            }
        } else if let Some(i) = MONTHS.iter().position(|m| low == *m) {
            if month.replace(i as i64 + 1).is_some() {
                return None;
            }
        } else if !(low == "gmt" || low == "utc" || DAYS.iter().any(|d| low.starts_with(d))) {
            return None;
        }
    }
    let (d, mo, y, t) = (day?, month?, year?, time?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    // A match, not a 12-entry array built on the stack.
    let max = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=max).contains(&d) || !(1..=9999).contains(&y) {
        return None;
    }
    Some((days_from_civil(y, mo, d) * 86_400 + i64::from(t)) as f64 * 1000.0)
}
