//! OData `DateTimeOffset` literals: strict parsing and canonical printing.
//!
//! Accepted form (OData 4.01 `dateTimeOffsetValue`, a profile of RFC 3339):
//! `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|+HH:MM|-HH:MM)`.
//! `T` and `Z` may be lower case.
//! Fractions longer than nine digits are truncated to nanoseconds.
//! Years are always four digits (0000–9999); offsets are at most ±23:59.

use std::fmt;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Why a date-time literal was rejected: the byte offset inside the literal
/// and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateTimeError {
    pub(crate) offset: usize,
    pub(crate) message: &'static str,
}

/// True when `s` starts like a date (`dddd-dd-dd`), which is how the filter
/// lexer tells a date-time literal from a number.
pub(crate) fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// A tiny cursor over the ASCII bytes of a literal.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn err<T>(&self, message: &'static str) -> Result<T, DateTimeError> {
        Err(DateTimeError {
            offset: self.pos,
            message,
        })
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize, message: &'static str) -> Result<u32, DateTimeError> {
        let mut value = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(d) if d.is_ascii_digit() => {
                    value = value * 10 + u32::from(d - b'0');
                    self.pos += 1;
                }
                _ => return self.err(message),
            }
        }
        Ok(value)
    }

    fn expect(&mut self, byte: u8, message: &'static str) -> Result<(), DateTimeError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(message)
        }
    }

    /// A two-digit field checked against `max`, reported at its start.
    fn field(&mut self, max: u32, message: &'static str) -> Result<u8, DateTimeError> {
        let start = self.pos;
        let value = self.digits(2, message).map_err(|_| DateTimeError {
            offset: start,
            message,
        })?;
        if value > max {
            return Err(DateTimeError {
                offset: start,
                message,
            });
        }
        // `max` is below 100, so the value fits in a byte.
        Ok(u8::try_from(value).unwrap_or(u8::MAX))
    }
}

/// Parses a complete `DateTimeOffset` literal (nothing may follow it).
pub(crate) fn parse(s: &str) -> Result<OffsetDateTime, DateTimeError> {
    let mut c = Cursor {
        bytes: s.as_bytes(),
        pos: 0,
    };
    let year_digits = c.digits(4, "expected a four-digit year")?;
    let year = i32::try_from(year_digits).unwrap_or(0);
    c.expect(b'-', "expected '-' after the year")?;
    let month_at = c.pos;
    let month = c.field(12, "expected a month 01-12")?;
    let month = Month::try_from(month).map_err(|_| DateTimeError {
        offset: month_at,
        message: "expected a month 01-12",
    })?;
    c.expect(b'-', "expected '-' after the month")?;
    let day_at = c.pos;
    let day = c.field(31, "expected a day 01-31")?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| DateTimeError {
        offset: day_at,
        message: "no such day in that month",
    })?;
    match c.peek() {
        Some(b'T' | b't') => c.pos += 1,
        None => {
            return c.err(
                "expected 'T' and a time: date-only literals are not supported, \
                 write e.g. 2023-01-01T00:00:00Z",
            );
        }
        Some(_) => return c.err("expected 'T' between date and time"),
    }
    let hour = c.field(23, "expected an hour 00-23")?;
    c.expect(b':', "expected ':' after the hour")?;
    let minute = c.field(59, "expected minutes 00-59")?;
    let mut second = 0;
    let mut nanos = 0u32;
    if c.peek() == Some(b':') {
        c.pos += 1;
        second = c.field(59, "expected seconds 00-59")?;
        if c.peek() == Some(b'.') {
            c.pos += 1;
            let mut count = 0;
            while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                if count < 9 {
                    nanos = nanos * 10 + u32::from(d - b'0');
                }
                count += 1;
                c.pos += 1;
            }
            if count == 0 {
                return c.err("expected digits after '.'");
            }
            for _ in count..9 {
                nanos *= 10;
            }
        }
    }
    let offset = match c.peek() {
        Some(b'Z' | b'z') => {
            c.pos += 1;
            UtcOffset::UTC
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let hours = c.field(23, "expected offset hours 00-23")?;
            c.expect(b':', "expected ':' in the UTC offset")?;
            let minutes = c.field(59, "expected offset minutes 00-59")?;
            let (h, m) = (hours.cast_signed(), minutes.cast_signed());
            let (h, m) = if sign == b'-' { (-h, -m) } else { (h, m) };
            UtcOffset::from_hms(h, m, 0).map_err(|_| DateTimeError {
                offset: c.pos,
                message: "UTC offset out of range",
            })?
        }
        _ => {
            return c.err("expected 'Z' or a UTC offset like +01:00 (send '+' as %2B)");
        }
    };
    if c.pos != s.len() {
        return c.err("unexpected character after the date-time literal");
    }
    let time = Time::from_hms_nano(hour, minute, second, nanos).map_err(|_| DateTimeError {
        offset: 0,
        message: "time out of range",
    })?;
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// [`parse`], also reading `…T10:00:00 01:00` as `+01:00`: a `+` sent
/// unencoded in a URL arrives as a space after form decoding.
pub(crate) fn parse_lenient(s: &str) -> Result<OffsetDateTime, DateTimeError> {
    parse(s).or_else(|err| {
        let spaced =
            s.len() > 6 && s.as_bytes()[s.len() - 6] == b' ' && s.matches(' ').count() == 1;
        if spaced {
            let mut fixed = s.to_owned();
            fixed.replace_range(s.len() - 6..s.len() - 5, "+");
            parse(&fixed).map_err(|_| err)
        } else {
            Err(err)
        }
    })
}

/// Prints a date-time in the form [`parse`] accepts: `Z` for UTC, trailing
/// zeros of the fraction trimmed. Offsets with a seconds part (which OData
/// cannot express) are printed converted to UTC.
pub(crate) struct Display<'a>(pub(crate) &'a OffsetDateTime);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut dt = *self.0;
        if dt.offset().seconds_past_minute() != 0 {
            dt = dt.to_offset(UtcOffset::UTC);
        }
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )?;
        let nanos = dt.nanosecond();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        let offset = dt.offset();
        if offset.is_utc() {
            f.write_str("Z")
        } else {
            let sign = if offset.is_negative() { '-' } else { '+' };
            write!(
                f,
                "{sign}{:02}:{:02}",
                offset.whole_hours().unsigned_abs(),
                offset.minutes_past_hour().unsigned_abs()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn accepts_the_odata_forms() {
        let cases = [
            ("2023-01-01T00:00:00Z", datetime!(2023-01-01 00:00:00 UTC)),
            ("2023-01-01t00:00:00z", datetime!(2023-01-01 00:00:00 UTC)),
            ("2023-01-01T10:20Z", datetime!(2023-01-01 10:20:00 UTC)),
            (
                "2023-06-30T23:59:59.1234567Z",
                datetime!(2023-06-30 23:59:59.1234567 UTC),
            ),
            (
                "2023-06-30T23:59:59.123456789999+02:00",
                datetime!(2023-06-30 23:59:59.123456789 +02:00),
            ),
            (
                "2024-02-29T12:00:00-05:30",
                datetime!(2024-02-29 12:00:00 -05:30),
            ),
            ("0000-01-01T00:00:00Z", datetime!(0000-01-01 00:00:00 UTC)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Ok(want), "{text}");
            let printed = Display(&want).to_string();
            assert_eq!(parse(&printed), Ok(want), "{printed}");
        }
    }

    #[test]
    fn rejects_with_offsets() {
        let cases = [
            ("2023-13-01T00:00:00Z", 5),
            ("2023-02-30T00:00:00Z", 8),
            ("2023-01-01", 10),
            ("2023-01-01T24:00:00Z", 11),
            ("2023-01-01T00:00:60Z", 17),
            ("2023-01-01T00:00:00", 19),
            ("2023-01-01T00:00:00.Z", 20),
            ("2023-01-01T00:00:00+1:00", 20),
            ("2023-01-01T00:00:00ZZ", 20),
            ("2023-01-01 00:00:00Z", 10),
        ];
        for (text, offset) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.offset, offset, "{text}: {}", err.message);
        }
    }

    #[test]
    fn prints_canonically() {
        assert_eq!(
            Display(&datetime!(2023-01-01 00:00:00 UTC)).to_string(),
            "2023-01-01T00:00:00Z"
        );
        assert_eq!(
            Display(&datetime!(2023-01-01 00:00:00.5 -01:30)).to_string(),
            "2023-01-01T00:00:00.5-01:30"
        );
        assert_eq!(
            Display(&datetime!(2023-01-01 00:00:00 +00:00:30)).to_string(),
            "2022-12-31T23:59:30Z"
        );
    }
}
