//! Decimal text -> f64 without `f64::from_str`.
//!
//! `str::parse::<f64>` links core's dec2flt (Eisel-Lemire with a 10 KB table of powers of five,
//! plus a big-decimal fallback). The numbers read here are header values, durations and
//! per-token prices, so the exact fast path (mantissa < 2^53, |exponent| <= 22, which covers
//! every such value) is enough; beyond it the result may be 1 ulp off.

/// Same grammar as `f64::from_str`: optional sign, digits with an optional `.` (at least one
/// digit), optional exponent; or `inf`, `infinity`, `nan` in any case. No surrounding spaces.
pub fn parse_f64(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (neg, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    let word = |w: &str| b.eq_ignore_ascii_case(w.as_bytes());
    let x = if word("inf") || word("infinity") {
        f64::INFINITY
    } else if word("nan") {
        f64::NAN
    } else {
        decimal(b)?
    };
    Some(if neg { -x } else { x })
}

#[inline(never)]
fn decimal(b: &[u8]) -> Option<f64> {
    let (mut mant, mut exp, mut digits, mut dot) = (0u64, 0i64, 0u32, false);
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if mant < 100_000_000_000_000_000 {
                    mant = mant * 10 + u64::from(c - b'0');
                    exp -= i64::from(dot);
                } else if !dot {
                    // Digits past 18 significant ones only scale the value.
                    exp += 1;
                }
            }
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e = 0i64;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            e = (e * 10 + i64::from(c - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp += if neg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    Some(scale(mant, exp))
}

/// `mant * 10^exp`, exact-then-rounded-once when `mant < 2^53` and `|exp| <= 22`.
fn scale(mant: u64, exp: i64) -> f64 {
    let m = mant as f64;
    if mant == 0 {
        return 0.0;
    }
    let e = exp.clamp(-800, 800) as i32;
    match EXACT_POW10.get(e.unsigned_abs() as usize) {
        Some(p) if e >= 0 => m * p,
        Some(p) => m / p,
        // Two steps so 10^e itself does not overflow or underflow first.
        None => m * 10f64.powi(e / 2) * 10f64.powi(e - e / 2),
    }
}

/// The powers of ten an f64 holds exactly.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `10^k` rounded to the nearest f64, as the literal `1e{k}` is; `None` above 308 (infinite).
///
/// Computed rather than kept as a 309-entry table (2.5 KB of data that gzip cannot shrink):
/// a 128-bit mantissa is multiplied by ten `k` times, dropping 4 low bits per step, so the
/// error stays under 2^-114 of the value, far inside the rounding margin of every power up
/// to 308. A test checks all 309 against the parsed literals.
pub fn pow10(k: u32) -> Option<f64> {
    if let Some(&p) = EXACT_POW10.get(k as usize) {
        return Some(p);
    }
    if k > 308 {
        return None;
    }
    // value = m * 2^e, with the top bit of m set.
    let (mut m, mut e) = (1u128 << 127, -127i32);
    for _ in 0..k {
        let q = m >> 4;
        // q * 10 without a 128-bit multiply call.
        m = (q << 3) + (q << 1);
        e += 4;
        if m >> 127 == 0 {
            m <<= 1;
            e -= 1;
        }
    }
    const DROPPED: u32 = 128 - 53;
    let half = 1u128 << (DROPPED - 1);
    let rest = m & ((1u128 << DROPPED) - 1);
    let mut mant = (m >> DROPPED) as u64;
    if rest > half || (rest == half && mant & 1 == 1) {
        mant += 1;
    }
    // The leading bit's power of two; a carry out of 53 bits moves it up one.
    let mut exponent = e + 127;
    if mant >> 53 != 0 {
        mant >>= 1;
        exponent += 1;
    }
    let biased = (exponent + 1023) as u64;
    Some(f64::from_bits((biased << 52) | (mant & ((1u64 << 52) - 1))))
}

/// `x` as JSON number text: serde_json's shortest round-trip form (`1.0`, `1e-7`), `null` when
/// not finite. `f64`'s `Display` (Grisu with a Dragon fallback, ~14 KB of wasm) is never linked.
pub fn json_f64(x: f64) -> String {
    crate::core::json::Value::from(x).to_string()
}

/// Like [`json_f64`], but whole numbers below 2^53 print without a fraction (`131072`, not
/// `131072.0`), as `{x}` would, so they read back as JSON integers.
/// `s.parse::<u64>().ok()` (an optional `+`, then decimal digits, no overflow) as one loop:
/// std's `FromStr` is generic over radix and sign.
#[inline(never)]
pub fn parse_u64(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

pub fn json_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        (x as i64).to_string()
    } else {
        json_f64(x)
    }
}

/// `x` with six decimals, like `format!("{x:.6}")` (ties may round the other way); `NaN`,
/// `inf` or `-inf` when not finite.
pub fn fixed6(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let m = (x.abs() * 1e6).round();
    if x.is_infinite() || m >= 1e19 {
        let s = if x.is_infinite() {
            "inf".into()
        } else {
            json_f64(x.abs())
        };
        return if x < 0.0 { format!("-{s}") } else { s };
    }
    let m = m as u64;
    let sign = if x.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
}

/// Like `{x}` for the numbers in messages: shortest round-trip text, `NaN`/`inf`/`-inf`.
pub fn show_f64(x: f64) -> String {
    if x.is_finite() {
        json_f64(x)
    } else if x.is_nan() {
        "NaN".into()
    } else if x > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pow10_is_the_nearest_f64_for_every_power() {
        for k in 0..=308u32 {
            let want: f64 = format!("1e{k}").parse().unwrap();
            assert_eq!(
                super::pow10(k).map(f64::to_bits),
                Some(want.to_bits()),
                "10^{k}"
            );
        }
        assert_eq!(super::pow10(309), None);
        assert_eq!(super::pow10(u32::MAX), None);
    }

    #[test]
    fn parse_u64_matches_std() {
        let fixed = [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "007",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            " 1",
            "1 ",
            "1_000",
            "++1",
            "+-1",
            "1e3",
            "0x10",
            "１",
        ];
        for s in fixed {
            assert_eq!(parse_u64(s), s.parse::<u64>().ok(), "{s:?}");
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet = b"0123456789+-9 a";
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 59) as usize % 23;
            let s: String = (0..len)
                .map(|k| alphabet[((seed >> (k * 5 % 59)) & 0xf) as usize % alphabet.len()] as char)
                .collect();
            assert_eq!(parse_u64(&s), s.parse::<u64>().ok(), "{s:?}");
        }
    }

    use super::{fixed6, json_num, parse_f64, parse_u64, show_f64};

    #[test]
    fn fixed6_matches_display() {
        for x in [
            0.0,
            -0.0,
            1.0,
            0.5,
            1e-7,
            123.456_789_4,
            5.25,
            0.001,
            1e12,
            -2.5,
            -1e-9,
        ] {
            assert_eq!(fixed6(x), format!("{x:.6}"), "{x}");
        }
        assert_eq!(fixed6(f64::INFINITY), "inf");
        assert_eq!(fixed6(f64::NAN), "NaN");
        assert_eq!(show_f64(-0.5), "-0.5");
        for x in [0.0, 131_072.0, -3.0, 412.5, 1e-7, 1e300, 1_754_414_229.0] {
            let back = crate::core::json::from_str(&json_num(x)).expect("JSON");
            let back = back.as_f64().expect("a number");
            assert_eq!(back, x);
        }
        assert_eq!(json_num(131_072.0), "131072");
        assert_eq!(show_f64(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn agrees_with_std() {
        for s in [
            "0",
            "1",
            "-1",
            "+1",
            "1.",
            ".5",
            "0.0000025",
            "2.5e-7",
            "1E3",
            "12.50",
            "3600",
            "0.1",
            "-0.0",
            "1e22",
            "1e-22",
            "123456789012345",
            "9007199254740993",
            "1e400",
            "1e-400",
            "inf",
            "-Infinity",
            "NaN",
            "",
            ".",
            "-",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            " 1",
            "1 ",
            "0x10",
            "1_000",
            "٣",
        ] {
            let std = s.parse::<f64>().ok();
            let mine = parse_f64(s);
            match (std, mine) {
                (Some(a), Some(b)) if a.is_nan() => assert!(b.is_nan(), "{s}"),
                (Some(a), Some(b)) => assert!(a == b || (a - b).abs() <= a.abs() * 1e-15, "{s}"),
                (a, b) => assert_eq!(a, b, "{s}"),
            }
        }
        // The fast path is exact.
        let mut x = 1u64;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let m = (x >> 11) % 10_000_000_000;
            let e = (x % 23) as usize;
            let s = format!("{m}e-{e}");
            assert_eq!(parse_f64(&s), s.parse().ok(), "{s}");
        }
    }
}
