//! DateTimeOffset values: parsing what clients and feeds send, and the one form tigr writes.
//!
//! Stored form is microseconds since the Unix epoch (UTC), so ordering and comparison are integer operations
//! in every backend. Written form is RFC 3339 in UTC with `Z`, with a fraction only when it is non-zero
//! (milliseconds when that is exact, else microseconds), e.g. `2022-04-18T10:31:12Z`, `2023-03-07T13:59:34.735Z`.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

/// Parses an RFC 3339 / ISO 8601 DateTimeOffset (`Z` or numeric offset, optional fraction) into microseconds.
pub fn parse(s: &str) -> Option<Micros> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    from_offset_datetime(t)
}

/// Converts a `time` value into microseconds since the epoch (None when out of range).
pub fn from_offset_datetime(t: OffsetDateTime) -> Option<Micros> {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).ok()
}

/// Formats microseconds since the epoch in tigr's written form.
pub fn format(micros: Micros) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000) else {
        return String::from("9999-12-31T23:59:59Z");
    };
    let t = t.to_offset(UtcOffset::UTC);
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    let us = t.microsecond();
    let base = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if us == 0 {
        format!("{base}Z")
    } else if us % 1_000 == 0 {
        format!("{base}.{:03}Z", us / 1_000)
    } else {
        format!("{base}.{us:06}Z")
    }
}

/// The current time in microseconds.
pub fn now() -> Micros {
    from_offset_datetime(OffsetDateTime::now_utc()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        for (input, written) in [
            ("2022-04-18T10:31:12Z", "2022-04-18T10:31:12Z"),
            ("2023-03-07T13:59:34.735Z", "2023-03-07T13:59:34.735Z"),
            ("2016-12-06T20:23:38.00Z", "2016-12-06T20:23:38Z"),
            ("2023-03-10T01:20:47.000Z", "2023-03-10T01:20:47Z"),
            (
                "2023-03-10T03:20:47.000001+02:00",
                "2023-03-10T01:20:47.000001Z",
            ),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ] {
            let m = parse(input).unwrap_or_else(|| panic!("{input} should parse"));
            assert_eq!(format(m), written, "{input}");
            assert_eq!(parse(&format(m)), Some(m));
        }
        for bad in [
            "2016-17-13T08:43:41.00Z",
            "String (timestamp)",
            "",
            "2023-01-01",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
