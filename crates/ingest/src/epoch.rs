//! Epoch-seconds timestamps as DNS logs write them (`1700000000`, `1700000000.123456`, `1.7e9`), to µs.
//!
//! Decimal text is converted exactly (no float rounding of microseconds); digits beyond the sixth decimal are
//! truncated. Only exponent forms go through `f64`.

/// Seconds accepted: 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z, the range tigr can write.
const MIN_SECONDS: i64 = -62_135_596_800;
const MAX_SECONDS: i64 = 253_402_300_799;

/// Parses epoch seconds written as a decimal number (optional sign, optional fraction, optional exponent) into
/// microseconds. `None` for anything else or out of range.
pub fn seconds_text_to_micros(text: &str) -> Option<i64> {
    // Fast path for the common case, whole seconds (COF's hot path calls this twice per line).
    if (1..=12).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = text.bytes().fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
        return integer_seconds_to_micros(seconds);
    }
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        // Exponent or other forms: let the float parser decide, but never accept inf/nan spellings.
        if text
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
        {
            return None;
        }
        return float_seconds_to_micros(text.parse().ok()?);
    }
    let mut seconds: i64 = 0;
    for b in whole.bytes() {
        seconds = seconds.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    let mut micros: i64 = 0;
    for i in 0..6 {
        let digit = fraction.as_bytes().get(i).map_or(0, |b| b - b'0');
        micros = micros * 10 + i64::from(digit);
    }
    let total = seconds.checked_mul(1_000_000)?.checked_add(micros)?;
    let total = if negative { -total } else { total };
    in_range(total)
}

/// Converts epoch seconds held in a float into microseconds, rounded to the nearest. `None` when not finite or out
/// of range.
pub fn float_seconds_to_micros(seconds: f64) -> Option<i64> {
    if !seconds.is_finite() || seconds < MIN_SECONDS as f64 || seconds > (MAX_SECONDS + 1) as f64 {
        return None;
    }
    in_range((seconds * 1_000_000.0).round() as i64)
}

/// Converts whole epoch seconds into microseconds.
pub fn integer_seconds_to_micros(seconds: i64) -> Option<i64> {
    in_range(seconds.checked_mul(1_000_000)?)
}

fn in_range(micros: i64) -> Option<i64> {
    (MIN_SECONDS * 1_000_000..=MAX_SECONDS * 1_000_000 + 999_999)
        .contains(&micros)
        .then_some(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for (text, micros) in [
            ("1700000000", Some(1_700_000_000_000_000)),
            ("1700000000.5", Some(1_700_000_000_500_000)),
            ("1700000000.123456", Some(1_700_000_000_123_456)),
            ("1700000000.1234569", Some(1_700_000_000_123_456)),
            ("1700000000.", Some(1_700_000_000_000_000)),
            (".5", Some(500_000)),
            (" 12 ", Some(12_000_000)),
            ("-1.5", Some(-1_500_000)),
            ("1.7e9", Some(1_700_000_000_000_000)),
            ("1E3", Some(1_000_000_000)),
            ("", None),
            (".", None),
            ("-", None),
            ("abc", None),
            ("1.2.3", None),
            ("inf", None),
            ("NaN", None),
            ("1e300", None),
            ("99999999999999999999", None),
            ("253402300800", None),
            ("253402300799.999999", Some(253_402_300_799_999_999)),
        ] {
            assert_eq!(seconds_text_to_micros(text), micros, "{text:?}");
        }
    }

    #[test]
    fn floats_and_integers() {
        assert_eq!(float_seconds_to_micros(1.25), Some(1_250_000));
        assert_eq!(float_seconds_to_micros(f64::NAN), None);
        assert_eq!(float_seconds_to_micros(-1e20), None);
        assert_eq!(integer_seconds_to_micros(1), Some(1_000_000));
        assert_eq!(integer_seconds_to_micros(i64::MAX), None);
        assert_eq!(integer_seconds_to_micros(MAX_SECONDS + 1), None);
    }
}
