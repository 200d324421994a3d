//! Parsing of short human durations ("90s", "30m", "1h", "7d", "1h30m") for the CLI.

use std::time::Duration;

use crate::AuthError;

/// Parses a duration such as `90s`, `30m`, `1h`, `7d`, `2w` or a sum like `1h30m`.
///
/// Units: `s` seconds, `m` minutes, `h` hours, `d` days, `w` weeks. Every number needs
/// a unit; whitespace around the whole string is ignored.
pub fn parse_duration(input: &str) -> Result<Duration, AuthError> {
    let text = input.trim();
    let bad = |why: &str| AuthError::Config(format!("invalid duration {input:?}: {why}"));
    if text.is_empty() {
        return Err(bad("empty (expected e.g. 90s, 30m, 1h, 7d)"));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad("expected a number"));
        }
        let (number, tail) = rest.split_at(digits);
        let value: u64 = number.parse().map_err(|_| bad("number too large"))?;
        let mut chars = tail.chars();
        let unit = match chars.next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            Some('w') => 604_800,
            Some(other) => {
                return Err(bad(&format!(
                    "unknown unit {other:?} (use s, m, h, d or w)"
                )));
            }
            None => return Err(bad("missing unit after the number (use s, m, h, d or w)")),
        };
        total = value
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(|| bad("too large"))?;
        rest = chars.as_str();
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_units_and_sums() {
        let cases = [
            ("90s", 90),
            ("30m", 1_800),
            ("1h", 3_600),
            ("7d", 604_800),
            ("2w", 1_209_600),
            ("1h30m", 5_400),
            (" 1d12h ", 129_600),
            ("0s", 0),
        ];
        for (input, secs) in cases {
            assert_eq!(
                parse_duration(input).ok(),
                Some(Duration::from_secs(secs)),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        for input in [
            "",
            "h",
            "10",
            "10x",
            "1h 30m",
            "-5s",
            "1.5h",
            "99999999999999999999s",
            "18446744073709551615w",
        ] {
            let err = parse_duration(input).expect_err(input);
            assert!(matches!(err, AuthError::Config(_)), "{input}: {err:?}");
            assert!(
                err.to_string().contains("invalid duration"),
                "{input}: {err}"
            );
        }
    }
}
