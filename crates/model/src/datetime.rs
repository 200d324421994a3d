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

/// Appends microseconds since the epoch in tigr's written form, without allocating (the API's hot path writes
/// several per record). Same text as [`format`].
pub fn write(out: &mut String, micros: Micros) {
    const MIN: Micros = -62_135_596_800_000_000; // 0001-01-01T00:00:00Z
    const MAX: Micros = 253_402_300_799_999_999; // 9999-12-31T23:59:59.999999Z
    if !(MIN..=MAX).contains(&micros) {
        out.push_str(&format(micros));
        return;
    }
    let secs = micros.div_euclid(1_000_000);
    let us = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut buf = [0u8; 27];
    let mut put = |at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, sod / 3_600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    let len = if us == 0 {
        19
    } else if us % 1_000 == 0 {
        put(20, us / 1_000, 3);
        23
    } else {
        put(20, us, 6);
        26
    };
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
    ] {
        buf[i] = c;
    }
    buf[len] = b'Z';
    out.push_str(std::str::from_utf8(&buf[..=len]).unwrap_or(""));
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
    fn write_agrees_with_format() {
        let mut samples: Vec<Micros> = vec![
            0,
            1,
            999,
            1_000,
            1_000_000,
            -1,
            -1_000_000,
            951_782_400_000_000,
            4_102_444_800_000_000,
        ];
        let mut x: i64 = 0x1234_5678_9abc;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            samples.push(
                x.rem_euclid(253_402_300_799_999_999 + 62_135_596_800_000_000)
                    - 62_135_596_800_000_000,
            );
        }
        for m in samples {
            let mut out = String::new();
            write(&mut out, m);
            assert_eq!(out, format(m), "{m}");
        }
    }

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
