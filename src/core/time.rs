//! Civil dates (proleptic Gregorian, days since 1970-01-01): one copy for the ledger's calendar,
//! HTTP dates in headers and catalog expiry dates.

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
