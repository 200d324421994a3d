//! gamelinux passivedns log lines: `timestamp||client||server||class||query||type||answer||ttl||count`.
//!
//! What is accepted:
//! * the default 9-field layout; `timestamp` is `sec.usec` (epoch seconds with a fraction), `count` the number of
//!   identical answers passivedns aggregated (must be ≥ 1);
//! * the 8-field layout of releases before `count` existed (count 1);
//! * extra columns *after* `count` (extended `-f` selections that append, e.g. a sensor hostname), ignored.
//!
//! Selections that drop or reorder the default columns cannot be told apart reliably and are not supported: their
//! lines show up as rejects (bad timestamp, unknown record type, wrong field count).
//! Blank lines and `#` comments are skipped, as are records of a class other than `IN` and the `NXDOMAIN` lines of
//! passivedns's NXDOMAIN log. Client, server and TTL are not part of an observation and are not checked.
//! MX, SRV and TXT answers are completed to presentation format (module `answer_text`): an MX or SRV answer logged
//! as its target alone gets zero-filled numeric fields, unquoted TXT is quoted.

use crate::answer_text;
use crate::dns::{DnsSink, Observation, Rdata, RecordType};
use crate::epoch;
use crate::lines::{LineStats, Lines};
use std::io::{self, BufRead};

const SEPARATOR: &str = "||";

/// Reads passivedns log lines from `input`, handing one observation per line to `sink`. Only IO errors are fatal.
pub fn read_passivedns<R: BufRead, S: DnsSink>(
    input: R,
    source: &str,
    sink: &mut S,
) -> io::Result<LineStats> {
    let mut stats = LineStats::default();
    let mut lines = Lines::new(input);
    let mut scratch = String::new();
    while let Some((number, line)) = lines.next_line(source, sink, &mut stats)? {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            stats.skipped += 1;
            continue;
        }
        let mut reject = |stats: &mut LineStats, reason, field: Option<&str>, message: String| {
            let location = match field {
                Some(field) => format!("line {number}, field {field}"),
                None => format!("line {number}"),
            };
            stats.reject(sink, reason, source, location, message);
        };
        let mut fields = [""; 9];
        let mut found = 0;
        for (slot, field) in fields.iter_mut().zip(line.split(SEPARATOR)) {
            *slot = field.trim();
            found += 1;
        }
        if found < 8 {
            reject(
                &mut stats,
                "wrong field count",
                None,
                format!(
                    "{found} fields separated by ||, expected \
                     timestamp||client||server||class||query||type||answer||ttl||count"
                ),
            );
            continue;
        }
        let [
            timestamp,
            _client,
            _server,
            class,
            query,
            rtype,
            answer,
            _ttl,
            count,
        ] = fields;
        if !class.eq_ignore_ascii_case("IN") || answer == "NXDOMAIN" {
            stats.skipped += 1;
            continue;
        }
        let Some(time) = epoch::seconds_text_to_micros(timestamp) else {
            reject(
                &mut stats,
                "bad timestamp",
                Some("timestamp"),
                format!("{timestamp:?} is not epoch seconds (sec.usec)"),
            );
            continue;
        };
        let Some(rtype) = RecordType::parse(rtype) else {
            reject(
                &mut stats,
                "unknown record type",
                Some("type"),
                format!("{rtype:?} is not a record type mnemonic, TYPEnnn or a number 0..=65535"),
            );
            continue;
        };
        let count = if found == 8 {
            1
        } else {
            match count.parse::<u64>() {
                Ok(count) if count >= 1 => count,
                _ => {
                    reject(
                        &mut stats,
                        "invalid field",
                        Some("count"),
                        format!("count must be an integer ≥ 1, not {count:?}"),
                    );
                    continue;
                }
            }
        };
        let rdata = answer_text::presentation(rtype, answer, &mut scratch);
        let observation = Observation {
            name: query,
            rtype,
            rdata: Rdata::Text(rdata),
            first_seen: time,
            last_seen: time,
            count,
        };
        stats.offer(sink, &observation, source, || format!("line {number}"));
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::Validating;

    /// Observations as `name TYPE rdata time xcount`, rejects as `reason | location: message`.
    fn check(input: &str) -> (Vec<String>, Vec<String>, LineStats) {
        let mut sink = Validating::default();
        let stats = read_passivedns(input.as_bytes(), "t", &mut sink).unwrap();
        assert_eq!(stats.rejects, sink.collected.report.rejected());
        let observations = sink
            .collected
            .observations
            .iter()
            .map(|o| format!("{o} {} x{}", o.first_seen, o.count))
            .collect();
        (observations, sink.rejects, stats)
    }

    #[test]
    fn good_lines() {
        for (line, expected) in [
            (
                "1322849924.408856||10.1.1.1||8.8.8.8||IN||upload.youtube.com.||A||74.125.43.117||46587||5",
                "upload.youtube.com. A 74.125.43.117 1322849924408856 x5",
            ),
            (
                "1322849924.000001||10.1.1.1||8.8.8.8||IN||www.example.com.||CNAME||example.com.||300||1",
                "www.example.com. CNAME example.com. 1322849924000001 x1",
            ),
            (
                "1322849924.5||::1||::2||IN||example.com.||MX||mx.example.com.||300||2",
                "example.com. MX 0 mx.example.com. 1322849924500000 x2",
            ),
            (
                "1322849924.5||::1||::2||IN||example.com.||TXT||v=spf1 -all||300||1",
                "example.com. TXT \"v=spf1 -all\" 1322849924500000 x1",
            ),
            (
                "1322849924||1.1.1.1||2.2.2.2||IN||v6.example.||AAAA||2001:db8::1||60",
                "v6.example. AAAA 2001:db8::1 1322849924000000 x1",
            ),
            (
                "1322849924.1||1.1.1.1||2.2.2.2||IN||x.example.||TYPE65||1 . alpn=h2||60||3||sensor-7||udp",
                "x.example. HTTPS 1 . alpn=h2 1322849924100000 x3",
            ),
            (
                "1322849924.1||1.1.1.1||2.2.2.2||IN||_sip._udp.example.||SRV||sip.example.||60||1",
                "_sip._udp.example. SRV 0 0 0 sip.example. 1322849924100000 x1",
            ),
        ] {
            let (obs, rejects, _) = check(line);
            assert_eq!(obs, [expected], "{line}: {rejects:?}");
        }
    }

    #[test]
    fn skipped_lines() {
        let input = "\n# comment\n1.0||a||b||CH||version.bind.||TXT||x||0||1\n\
                     1.0||a||b||IN||nope.example.||A||NXDOMAIN||0||1\n";
        let (obs, rejects, stats) = check(input);
        assert!(obs.is_empty() && rejects.is_empty());
        assert_eq!(stats.skipped, 4);
        assert_eq!(stats.lines, 4);
    }

    #[test]
    fn broken_lines() {
        for (line, expected) in [
            (
                "1.0||a||b||IN||x.example.||A",
                "wrong field count | line 1: 6 fields separated by ||, expected \
                 timestamp||client||server||class||query||type||answer||ttl||count",
            ),
            (
                "yesterday||a||b||IN||x.example.||A||192.0.2.1||60||1",
                "bad timestamp | line 1, field timestamp: \"yesterday\" is not epoch seconds (sec.usec)",
            ),
            (
                "1.0||a||b||IN||x.example.||BOGUS||192.0.2.1||60||1",
                "unknown record type | line 1, field type: \"BOGUS\" is not a record type mnemonic, \
                 TYPEnnn or a number 0..=65535",
            ),
            (
                "1.0||a||b||IN||x.example.||A||192.0.2.1||60||0",
                "invalid field | line 1, field count: count must be an integer ≥ 1, not \"0\"",
            ),
            (
                "1.0||a||b||IN||x.example.||A||192.0.2.1||60||many",
                "invalid field | line 1, field count: count must be an integer ≥ 1, not \"many\"",
            ),
            (
                "1.0||a||b||IN||x.example.||A||2001:db8::1||60||1",
                "address of the wrong family | line 1: A data \"2001:db8::1\" is not an IPv4 address",
            ),
            (
                "1.0||a||b||IN||.||A||192.0.2.1||60||1",
                "record owned by the root name | line 1: owner name: the root name has no host",
            ),
        ] {
            let (obs, rejects, stats) = check(line);
            assert!(obs.is_empty(), "{line}");
            assert_eq!(rejects, [expected], "{line}");
            assert_eq!(stats.rejects, 1);
        }
    }

    #[test]
    fn bad_lines_do_not_stop_the_run() {
        let input = "1.0||a||b||IN||a.example.||A||192.0.2.1||60||1\r\ngarbage\n\
                     2.0||a||b||IN||b.example.||A||192.0.2.2||60||1";
        let (obs, rejects, stats) = check(input);
        assert_eq!(obs.len(), 2);
        assert_eq!(rejects.len(), 1);
        assert_eq!(stats.lines, 3);
    }
}
