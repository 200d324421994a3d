//! Passive DNS Common Output Format (draft-dulaunoy-dnsop-passive-dns-cof) as NDJSON, including DNSDB's
//! `{"obj":…}` wrapper and its SAF status lines.
//!
//! One JSON object per line:
//! * `rrname` (string), `rrtype` (mnemonic, `TYPEnnn` or a number), `rdata` (string, or array of strings: one
//!   observation per element), `time_first`/`time_last` (epoch seconds, integer or float; DNSDB's
//!   `zone_time_first`/`zone_time_last` stand in when they are absent), `count` (default 1, must be ≥ 1).
//! * `bailiwick`, `sensor_id` and unknown fields are accepted and ignored; `null` counts as absent.
//! * DNSDB SAF: `{"obj":{…}}` carries a record; `{"cond":"begin"|"ongoing"|"succeeded"|"limited"}` lines are
//!   skipped; `{"cond":"failed","msg":…}` is rejected (reason "source reported failure") so the failure shows up
//!   in the report.
//!
//! This is the hot path of bulk passive DNS import, so a line is parsed without allocating. The common line is
//! read by a small scanner ([`Scan`]); any other goes the general way: fields are first captured as borrowed raw
//! JSON text, then each is decoded on its own (strings without escapes are borrowed), which also lets a reject name
//! the field at fault.

use crate::dns::{DnsSink, Rdata};
use crate::dns::{Observation, RecordType};
use crate::epoch;
use crate::lines::{LineStats, Lines};
use crate::raw_json::{is_null, json_string, kind};
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead};

/// The fields of one line, as raw JSON text borrowed from the line.
#[derive(Deserialize, Default)]
struct RawRecord<'a> {
    #[serde(borrow)]
    rrname: Option<&'a RawValue>,
    #[serde(borrow)]
    rrtype: Option<&'a RawValue>,
    #[serde(borrow)]
    rdata: Option<&'a RawValue>,
    #[serde(borrow)]
    time_first: Option<&'a RawValue>,
    #[serde(borrow)]
    time_last: Option<&'a RawValue>,
    #[serde(borrow)]
    zone_time_first: Option<&'a RawValue>,
    #[serde(borrow)]
    zone_time_last: Option<&'a RawValue>,
    #[serde(borrow)]
    count: Option<&'a RawValue>,
    /// DNSDB wrapper.
    #[serde(borrow)]
    obj: Option<&'a RawValue>,
    /// DNSDB SAF status.
    #[serde(borrow)]
    cond: Option<&'a RawValue>,
    #[serde(borrow)]
    msg: Option<&'a RawValue>,
}

/// The common line, read by [`Scan`]: a plain or `obj`-wrapped record whose fields have their usual types (rdata a
/// string or a one-string array, whole seconds) and whose other fields are strings, numbers, booleans or null.
/// Anything else (status line, longer arrays, fractional time, a wrong or missing field, nested values in other
/// fields, invalid JSON) is not read here and the line is read again through [`RawRecord`], which handles every case
/// and names the field at fault. Both readings agree on whatever this one accepts.
#[derive(Default)]
struct PlainRecord<'a> {
    rrname: Option<Cow<'a, str>>,
    rrtype: Option<RecordType>,
    rdata: Option<Cow<'a, str>>,
    time_first: Option<u64>,
    time_last: Option<u64>,
    zone_time_first: Option<u64>,
    zone_time_last: Option<u64>,
    count: Option<u64>,
    /// The record inside DNSDB's wrapper.
    obj: Option<Box<PlainRecord<'a>>>,
}

/// A cursor over one line for the fast reading, which takes the subset of JSON described at [`PlainRecord`] and
/// nothing more: every method returns `None` for anything else, and the line goes to the general reading. Hand
/// written because it is the hot path of bulk import: several times faster than a derived deserializer.
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

/// A field [`Scan::record`] knows; its number is its bit among the fields given, which catches a field given twice
/// (JSON deserializers refuse that, so the general reading reports it).
#[derive(Clone, Copy)]
enum Field {
    Rrname,
    Rrtype,
    Rdata,
    TimeFirst,
    TimeLast,
    ZoneTimeFirst,
    ZoneTimeLast,
    Count,
    Obj,
    Cond,
}

impl Field {
    fn of(key: &str) -> Option<Self> {
        Some(match key {
            "rrname" => Self::Rrname,
            "rrtype" => Self::Rrtype,
            "rdata" => Self::Rdata,
            "time_first" => Self::TimeFirst,
            "time_last" => Self::TimeLast,
            "zone_time_first" => Self::ZoneTimeFirst,
            "zone_time_last" => Self::ZoneTimeLast,
            "count" => Self::Count,
            "obj" => Self::Obj,
            "cond" => Self::Cond,
            _ => return None,
        })
    }
}

impl<'a> Scan<'a> {
    /// Reads `line` whole.
    fn line(line: &'a str) -> Option<PlainRecord<'a>> {
        let mut scan = Scan { text: line, at: 0 };
        let record = scan.record(true)?;
        scan.space();
        (scan.at == line.len()).then_some(record)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skips JSON whitespace.
    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Takes `byte` after optional whitespace, if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    /// Takes `word` (`null`, `true`, `false`) after optional whitespace, if it is next.
    fn word(&mut self, word: &str) -> bool {
        self.space();
        let found = self.text[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    /// An object holding the fields of a record, `obj` only when `outer`.
    fn record(&mut self, outer: bool) -> Option<PlainRecord<'a>> {
        let mut record = PlainRecord::default();
        let mut given = 0u16;
        if !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(record);
        }
        loop {
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            let field = Field::of(&key);
            if let Some(field) = field {
                let bit = 1 << field as u16;
                if given & bit != 0 {
                    return None;
                }
                given |= bit;
            }
            // `null` counts as absent for every field.
            let null = field.is_some() && self.word("null");
            match field {
                _ if null => {}
                Some(Field::Rrname) => record.rrname = Some(self.string()?),
                Some(Field::Rrtype) => record.rrtype = Some(self.record_type()?),
                Some(Field::Rdata) => record.rdata = Some(self.rdata()?),
                Some(Field::TimeFirst) => record.time_first = Some(self.unsigned()?),
                Some(Field::TimeLast) => record.time_last = Some(self.unsigned()?),
                Some(Field::ZoneTimeFirst) => record.zone_time_first = Some(self.unsigned()?),
                Some(Field::ZoneTimeLast) => record.zone_time_last = Some(self.unsigned()?),
                Some(Field::Count) => record.count = Some(self.unsigned()?),
                Some(Field::Obj) if outer => record.obj = Some(Box::new(self.record(false)?)),
                // A status line, or a wrapper inside the wrapper.
                Some(Field::Obj | Field::Cond) => return None,
                None => self.scalar()?,
            }
            if self.eat(b',') {
                continue;
            }
            return self.eat(b'}').then_some(record);
        }
    }

    /// A string, borrowed from the line when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut escaped = false;
        loop {
            // Strings are short: one plain pass beats a vectorised search.
            let span = bytes
                .get(self.at..)?
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            self.at += span;
            match bytes[self.at] {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                // Control characters must be escaped in JSON.
                _ => return None,
            }
        }
        self.at += 1;
        if escaped {
            // The JSON parser decodes escapes exactly as the general reading does.
            serde_json::from_str(&self.text[start - 1..self.at])
                .ok()
                .map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(&self.text[start..self.at - 1]))
        }
    }

    /// A JSON number, as its text.
    fn number(&mut self) -> Option<&'a str> {
        self.space();
        let start = self.at;
        let digits = |scan: &mut Self| {
            let from = scan.at;
            while scan.peek().is_some_and(|b| b.is_ascii_digit()) {
                scan.at += 1;
            }
            scan.at > from
        };
        self.at += usize::from(self.peek() == Some(b'-'));
        let whole = self.at;
        if !digits(self) || (self.at - whole > 1 && self.text.as_bytes()[whole] == b'0') {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            self.at += usize::from(matches!(self.peek(), Some(b'+' | b'-')));
            if !digits(self) {
                return None;
            }
        }
        Some(&self.text[start..self.at])
    }

    /// A number that is a whole, non-negative `u64`.
    fn unsigned(&mut self) -> Option<u64> {
        self.number()?.parse().ok()
    }

    /// A record type as a mnemonic or `TYPEnnn` string, or a number.
    fn record_type(&mut self) -> Option<RecordType> {
        self.space();
        if self.peek() == Some(b'"') {
            RecordType::parse(&self.string()?)
        } else {
            self.unsigned()
                .and_then(|code| u16::try_from(code).ok())
                .map(RecordType)
        }
    }

    /// Record data as a string or an array of exactly one string.
    fn rdata(&mut self) -> Option<Cow<'a, str>> {
        if !self.eat(b'[') {
            return self.string();
        }
        let data = self.string()?;
        self.eat(b']').then_some(data)
    }

    /// The value of a field the record does not use: a string, number, boolean or null.
    fn scalar(&mut self) -> Option<()> {
        self.space();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => (self.word("true") || self.word("false") || self.word("null")).then_some(()),
        }
    }
}

/// Reads `line` the fast way; `None` if the line needs the general path.
fn plain_observation<S: DnsSink>(
    line: &str,
    number: u64,
    source: &str,
    sink: &mut S,
    stats: &mut LineStats,
) -> Option<()> {
    let outer = Scan::line(line)?;
    let record = outer.obj.as_deref().unwrap_or(&outer);
    let seconds = |value: Option<u64>, zone: Option<u64>| {
        epoch::integer_seconds_to_micros(i64::try_from(value.or(zone)?).ok()?)
    };
    let observation = Observation {
        name: record.rrname.as_deref()?.trim(),
        rtype: record.rrtype?,
        rdata: Rdata::Text(record.rdata.as_deref()?.trim()),
        first_seen: seconds(record.time_first, record.zone_time_first)?,
        last_seen: seconds(record.time_last, record.zone_time_last)?,
        count: record.count.unwrap_or(1).checked_sub(1)? + 1,
    };
    stats.offer(sink, &observation, source, || format!("line {number}"));
    Some(())
}

/// A reject found while reading one line: counted reason, field (if one is at fault), message.
struct LineReject {
    reason: &'static str,
    field: Option<Cow<'static, str>>,
    message: String,
}

impl LineReject {
    fn field(reason: &'static str, field: &'static str, message: String) -> Self {
        Self {
            reason,
            field: Some(Cow::Borrowed(field)),
            message,
        }
    }
}

/// Reads COF NDJSON from `input`, handing one observation per rdata element to `sink`. Only IO errors are fatal;
/// every bad line or field is a counted reject with its line number.
pub fn read_cof<R: BufRead, S: DnsSink>(
    input: R,
    source: &str,
    sink: &mut S,
) -> io::Result<LineStats> {
    let mut stats = LineStats::default();
    let mut lines = Lines::new(input);
    while let Some((number, line)) = lines.next_line(source, sink, &mut stats)? {
        if line.trim_ascii().is_empty() {
            stats.skipped += 1;
            continue;
        }
        if let Err(reject) = read_line(line, number, source, sink, &mut stats) {
            let location = match reject.field {
                Some(field) => format!("line {number}, field {field}"),
                None => format!("line {number}"),
            };
            stats.reject(sink, reject.reason, source, location, reject.message);
        }
    }
    Ok(stats)
}

fn read_line<S: DnsSink>(
    line: &str,
    number: u64,
    source: &str,
    sink: &mut S,
    stats: &mut LineStats,
) -> Result<(), LineReject> {
    if plain_observation(line, number, source, sink, stats).is_some() {
        return Ok(());
    }
    read_line_by_field(line, number, source, sink, stats)
}

/// Reads any line, field by field: the general (and slower) path.
fn read_line_by_field<S: DnsSink>(
    line: &str,
    number: u64,
    source: &str,
    sink: &mut S,
    stats: &mut LineStats,
) -> Result<(), LineReject> {
    let outer = parse_object(line)?;
    let record = match outer.obj {
        Some(obj) if !is_null(obj) => parse_object(obj.get())?,
        _ => {
            if let Some(cond) = outer.cond.filter(|v| !is_null(v)) {
                return status_line(cond, outer.msg, stats);
            }
            outer
        }
    };

    let name = string_field(record.rrname, "rrname")?;
    let rtype_raw = record
        .rrtype
        .filter(|v| !is_null(v))
        .ok_or_else(|| missing("rrtype"))?;
    let rtype = record_type(rtype_raw)?;
    let first_seen = time_field(record.time_first, record.zone_time_first, "time_first")?;
    let last_seen = time_field(record.time_last, record.zone_time_last, "time_last")?;
    let count = count_field(record.count)?;
    let rdata = record
        .rdata
        .filter(|v| !is_null(v))
        .ok_or_else(|| missing("rdata"))?;

    let name = name.trim();
    let mut offer = |index: Option<usize>, value: &str| {
        let observation = Observation {
            name,
            rtype,
            rdata: Rdata::Text(value.trim()),
            first_seen,
            last_seen,
            count,
        };
        stats.offer(sink, &observation, source, || match index {
            Some(i) => format!("line {number}, field rdata[{i}]"),
            None => format!("line {number}"),
        });
    };
    let text = rdata.get();
    if text.starts_with('[') {
        let mut elements = 0usize;
        let mut bad = None;
        let mut each = |index: usize, element: &RawValue| {
            elements += 1;
            match json_string(element) {
                Some(value) => offer(Some(index), &value),
                None => {
                    bad.get_or_insert(index);
                }
            }
        };
        deserialize_seq(text, &mut each)
            .map_err(|e| LineReject::field("invalid field", "rdata", format!("rdata: {e}")))?;
        if let Some(index) = bad {
            // Good elements were offered already; one reject stands for the bad ones.
            return Err(LineReject {
                reason: "invalid field",
                field: Some(Cow::Owned(format!("rdata[{index}]"))),
                message: "rdata elements must be strings".to_owned(),
            });
        }
        if elements == 0 {
            return Err(LineReject::field(
                "missing field",
                "rdata",
                "rdata is an empty array".to_owned(),
            ));
        }
        Ok(())
    } else {
        let value = json_string(rdata).ok_or_else(|| {
            LineReject::field(
                "invalid field",
                "rdata",
                format!(
                    "rdata must be a string or an array of strings, not {}",
                    kind(rdata)
                ),
            )
        })?;
        offer(None, &value);
        Ok(())
    }
}

/// A DNSDB SAF status line: skipped, except a failure, which is rejected with the server's message.
fn status_line(
    cond: &RawValue,
    msg: Option<&RawValue>,
    stats: &mut LineStats,
) -> Result<(), LineReject> {
    let cond = json_string(cond).ok_or_else(|| {
        LineReject::field(
            "invalid field",
            "cond",
            format!("cond must be a string, not {}", kind(cond)),
        )
    })?;
    match cond.as_ref() {
        "begin" | "ongoing" | "succeeded" | "limited" => {
            stats.skipped += 1;
            Ok(())
        }
        "failed" => {
            let msg = msg.and_then(json_string);
            Err(LineReject {
                reason: "source reported failure",
                field: None,
                message: match msg {
                    Some(msg) => format!("the source reported a failure: {msg}"),
                    None => "the source reported a failure".to_owned(),
                },
            })
        }
        other => Err(LineReject::field(
            "invalid field",
            "cond",
            format!("unknown status {other:?}"),
        )),
    }
}

fn parse_object(text: &str) -> Result<RawRecord<'_>, LineReject> {
    if !text.trim_start().starts_with('{') {
        return Err(LineReject {
            reason: "malformed JSON",
            field: None,
            message: "expected a JSON object".to_owned(),
        });
    }
    serde_json::from_str(text).map_err(|e| LineReject {
        reason: if e.is_data() {
            "invalid field"
        } else {
            "malformed JSON"
        },
        field: None,
        message: e.to_string(),
    })
}

fn missing(field: &'static str) -> LineReject {
    LineReject::field("missing field", field, format!("{field} is required"))
}

fn string_field<'a>(
    value: Option<&'a RawValue>,
    field: &'static str,
) -> Result<Cow<'a, str>, LineReject> {
    let value = value
        .filter(|v| !is_null(v))
        .ok_or_else(|| missing(field))?;
    json_string(value).ok_or_else(|| {
        LineReject::field(
            "invalid field",
            field,
            format!("{field} must be a string, not {}", kind(value)),
        )
    })
}

fn record_type(value: &RawValue) -> Result<RecordType, LineReject> {
    let text = value.get();
    let parsed = match json_string(value) {
        Some(name) => RecordType::parse(&name),
        None if text.bytes().all(|b| b.is_ascii_digit()) => RecordType::parse(text),
        None => None,
    };
    parsed.ok_or_else(|| {
        LineReject::field(
            "unknown record type",
            "rrtype",
            format!("{text} is not a record type mnemonic, TYPEnnn or a number 0..=65535"),
        )
    })
}

/// `field` if present, else its DNSDB `zone_` counterpart; epoch seconds as a JSON number.
fn time_field(
    value: Option<&RawValue>,
    zone_value: Option<&RawValue>,
    field: &'static str,
) -> Result<i64, LineReject> {
    let (value, field) = match (
        value.filter(|v| !is_null(v)),
        zone_value.filter(|v| !is_null(v)),
    ) {
        (Some(value), _) => (value, field),
        (None, Some(zone)) => (
            zone,
            if field == "time_first" {
                "zone_time_first"
            } else {
                "zone_time_last"
            },
        ),
        (None, None) => return Err(missing(field)),
    };
    let text = value.get();
    if !matches!(text.as_bytes().first(), Some(b'-' | b'0'..=b'9')) {
        return Err(LineReject::field(
            "bad timestamp",
            field,
            format!(
                "{field} must be epoch seconds as a number, not {}",
                kind(value)
            ),
        ));
    }
    epoch::seconds_text_to_micros(text).ok_or_else(|| {
        LineReject::field(
            "bad timestamp",
            field,
            format!("{field} {text} is out of range"),
        )
    })
}

fn count_field(value: Option<&RawValue>) -> Result<u64, LineReject> {
    let Some(value) = value.filter(|v| !is_null(v)) else {
        return Ok(1);
    };
    match value.get().parse::<u64>() {
        Ok(count) if count >= 1 => Ok(count),
        _ => Err(LineReject::field(
            "invalid field",
            "count",
            format!("count must be an integer ≥ 1, not {}", value.get()),
        )),
    }
}

/// Walks a JSON array given as text, handing each element (as raw text) to `each` without collecting them.
fn deserialize_seq(
    text: &str,
    each: &mut dyn FnMut(usize, &RawValue),
) -> Result<(), serde_json::Error> {
    struct Elements<'f, 'g>(&'f mut (dyn FnMut(usize, &RawValue) + 'g));
    impl<'de> Visitor<'de> for Elements<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut index = 0;
            while let Some(element) = seq.next_element::<&'de RawValue>()? {
                (self.0)(index, element);
                index += 1;
            }
            Ok(())
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.deserialize_seq(Elements(each))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::Collected;
    use crate::lines::Validating;

    /// Reads `input`; returns observations as `name TYPE rdata first..last xcount` and rejects as
    /// `location: message`.
    fn check(input: &str) -> (Vec<String>, Vec<String>, LineStats) {
        let mut sink = Validating::default();
        let stats = read_cof(input.as_bytes(), "t", &mut sink).unwrap();
        let sink = sink.collected;
        let observations = sink
            .observations
            .iter()
            .map(|o| format!("{o} {}..{} x{}", o.first_seen, o.last_seen, o.count))
            .collect();
        let rejects = sink
            .report
            .samples
            .iter()
            .map(|sample| format!("{}: {}", sample.location, sample.message))
            .collect();
        assert_eq!(stats.rejects, sink.report.rejected());
        assert_eq!(stats.observations, sink.report.accepted);
        (observations, rejects, stats)
    }

    fn one(line: &str) -> String {
        let (obs, rejects, _) = check(line);
        assert_eq!(obs.len() + rejects.len(), 1, "{line}: {obs:?} {rejects:?}");
        obs.into_iter().chain(rejects).next().unwrap_or_default()
    }

    fn reason(line: &str) -> String {
        let mut sink = Validating::default();
        read_cof(line.as_bytes(), "t", &mut sink).unwrap();
        let sink = sink.collected;
        sink.report
            .rejects
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn good_records() {
        for (line, expected) in [
            (
                r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700000100,"count":5}"#,
                "www.example.com. A 192.0.2.1 1700000000000000..1700000100000000 x5",
            ),
            (
                r#"{"rrname":"x.example","rrtype":28,"rdata":"2001:db8::1","time_first":1.5,"time_last":2.25}"#,
                "x.example AAAA 2001:db8::1 1500000..2250000 x1",
            ),
            (
                r#"{"rrname":" Mixed.Case ","rrtype":"type65534","rdata":"\\# 2 abcd","time_first":1,"time_last":1,"bailiwick":"example","sensor_id":"s1","extra":{"a":[1,2]}}"#,
                r"Mixed.Case TYPE65534 \# 2 abcd 1000000..1000000 x1",
            ),
            (
                r#"{"rrname":"t.example","rrtype":"TXT","rdata":"\"v=spf1 -all\"","time_first":1,"time_last":2,"count":null}"#,
                r#"t.example TXT "v=spf1 -all" 1000000..2000000 x1"#,
            ),
            (
                r#"{"rrname":"caf\u00e9.example","rrtype":"cname","rdata":"b.example","time_first":1e3,"time_last":1E3}"#,
                "café.example CNAME b.example 1000000000..1000000000 x1",
            ),
            (
                r#"{"rrname":"z.example","rrtype":"NS","rdata":"ns1.example.","zone_time_first":10,"zone_time_last":20}"#,
                "z.example NS ns1.example. 10000000..20000000 x1",
            ),
            (
                r#"{"obj":{"count":3,"time_first":10,"time_last":20,"rrtype":"MX","rrname":"m.example.","rdata":["10 mx.example."],"bailiwick":"example."}}"#,
                "m.example. MX 10 mx.example. 10000000..20000000 x3",
            ),
        ] {
            assert_eq!(one(line), expected, "{line}");
        }
    }

    /// The fast reading and the general one agree on every line the fast one accepts.
    #[test]
    fn both_readings_agree() {
        let lines = [
            r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700000100,"count":5}"#,
            r#"{"rrname":"x.example","rrtype":28,"rdata":["2001:db8::1"],"time_first":1,"time_last":2}"#,
            r#"{"obj":{"rrname":"a\u0041.example","rrtype":"TXT","rdata":["\"x\""],"zone_time_first":1,"zone_time_last":2,"count":null}}"#,
            r#"{"rrname":" a ","rrtype":"NS","rdata":" ns. ","time_first":1,"time_last":2,"cond":null,"obj":null}"#,
            r#"{"rrname":"t.example","rrtype":"TXT","rdata":"\"v=spf1 \u00e9 \\ -all\"","time_first":0,"time_last":2}"#,
            " \t{ \"rr\\u006eame\" : \"a.example\" , \"rrtype\" : 1 , \"rdata\" : [ \"192.0.2.1\" ] , \"time_first\" : 1 , \"time_last\" : 2 } \r",
            r#"{"x":-1.5e-3,"y":true,"z":false,"w":null,"v":"s","rrname":"a","rrtype":"type1","rdata":"192.0.2.1","time_first":1,"time_last":2,"count":18446744073709551615}"#,
            r#"{"rrname":"ignored","obj":{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"obj":null}}"#,
        ];
        for line in lines {
            let mut fast = Validating::default();
            let mut stats = LineStats::default();
            assert!(
                plain_observation(line, 1, "t", &mut fast, &mut stats).is_some(),
                "{line}"
            );
            let mut general = Validating::default();
            read_line_by_field(line, 1, "t", &mut general, &mut stats)
                .unwrap_or_else(|_| panic!("{line}"));
            assert_eq!(
                fast.collected.observations, general.collected.observations,
                "{line}"
            );
        }
        for line in [
            r#"{"rrname":"a","rrtype":"A","rdata":["192.0.2.1","192.0.2.2"],"time_first":1,"time_last":2}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1.5,"time_last":2}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"count":0}"#,
            r#"{"cond":"begin","rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
            // Not JSON, or not the subset the fast reading takes: the general reading decides.
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2} x"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":01,"time_last":2}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":-1,"time_last":2}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"count":-1}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"count":18446744073709551616}"#,
            r#"{"rrname":"a","rrname":null,"rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"x":[1]}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"x":nul}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2,"x":1.}"#,
            r#"{"rrname":"a\x","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
            "{\"rrname\":\"a\tb\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\",\"time_first\":1,\"time_last\":2}",
            r#"{"rrname":"a","rrtype":"A","rdata":[],"time_first":1,"time_last":2}"#,
            r#"{"obj":{"obj":{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}}}"#,
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2"#,
            r#"{"rrname":"a\"#,
            r#"{"rrname":"a\""#,
        ] {
            let mut stats = LineStats::default();
            let mut sink = Validating::default();
            assert!(
                plain_observation(line, 1, "t", &mut sink, &mut stats).is_none(),
                "{line}"
            );
        }
    }

    #[test]
    fn rdata_arrays_give_one_observation_per_element() {
        let (obs, rejects, stats) = check(
            r#"{"rrname":"a.example","rrtype":"A","rdata":["192.0.2.1"," 192.0.2.2 "],"time_first":1,"time_last":2}"#,
        );
        assert_eq!(
            obs,
            [
                "a.example A 192.0.2.1 1000000..2000000 x1",
                "a.example A 192.0.2.2 1000000..2000000 x1"
            ]
        );
        assert!(rejects.is_empty());
        assert_eq!(stats.observations, 2);
    }

    #[test]
    fn dnsdb_saf_stream() {
        let input = concat!(
            "{\"cond\":\"begin\"}\n",
            "{\"obj\":{\"rrname\":\"a.example.\",\"rrtype\":\"A\",\"rdata\":[\"192.0.2.1\"],\"time_first\":1,\"time_last\":2,\"count\":7}}\n",
            "{\"cond\":\"ongoing\"}\r\n",
            "\n",
            "   \n",
            "{\"cond\":\"succeeded\"}\n",
            "{\"cond\":\"limited\",\"msg\":\"Result limit reached\"}\n",
            "{\"cond\":\"failed\",\"msg\":\"Query timeout\"}\n",
        );
        let (obs, rejects, stats) = check(input);
        assert_eq!(obs, ["a.example. A 192.0.2.1 1000000..2000000 x7"]);
        assert_eq!(
            rejects,
            ["line 8: the source reported a failure: Query timeout"]
        );
        assert_eq!(
            stats,
            LineStats {
                lines: 8,
                observations: 1,
                rejects: 1,
                skipped: 6
            }
        );
        assert_eq!(reason("{\"cond\":\"failed\"}"), "source reported failure");
    }

    #[test]
    fn broken_lines_are_counted_rejects() {
        let base = r#""rrname":"a.example","rrtype":"A","rdata":"192.0.2.1""#;
        for (line, expected_reason, expected) in [
            (
                "{",
                "malformed JSON",
                "line 1: EOF while parsing an object at line 1 column 1",
            ),
            (
                "not json",
                "malformed JSON",
                "line 1: expected a JSON object",
            ),
            ("[1,2]", "malformed JSON", "line 1: expected a JSON object"),
            (
                r#"{"rrname":"a","rrname":"b"}"#,
                "invalid field",
                "line 1: duplicate field `rrname` at line 1 column 22",
            ),
            (
                r#"{"rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
                "missing field",
                "line 1, field rrname: rrname is required",
            ),
            (
                r#"{"rrname":null,"rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
                "missing field",
                "line 1, field rrname: rrname is required",
            ),
            (
                r#"{"rrname":5,"rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
                "invalid field",
                "line 1, field rrname: rrname must be a string, not a number",
            ),
            (
                r#"{"rrname":"a","rrtype":"BOGUS","rdata":"x","time_first":1,"time_last":2}"#,
                "unknown record type",
                "line 1, field rrtype: \"BOGUS\" is not a record type mnemonic, TYPEnnn or a number 0..=65535",
            ),
            (
                r#"{"rrname":"a","rrtype":70000,"rdata":"x","time_first":1,"time_last":2}"#,
                "unknown record type",
                "line 1, field rrtype: 70000 is not a record type mnemonic, TYPEnnn or a number 0..=65535",
            ),
            (
                r#"{"rrname":"a","rrtype":-1,"rdata":"x","time_first":1,"time_last":2}"#,
                "unknown record type",
                "line 1, field rrtype: -1 is not a record type mnemonic, TYPEnnn or a number 0..=65535",
            ),
            (
                r#"{"rrname":"a","rrtype":"A","time_first":1,"time_last":2}"#,
                "missing field",
                "line 1, field rdata: rdata is required",
            ),
            (
                r#"{"rrname":"a","rrtype":"A","rdata":[],"time_first":1,"time_last":2}"#,
                "missing field",
                "line 1, field rdata: rdata is an empty array",
            ),
            (
                r#"{"rrname":"a","rrtype":"A","rdata":{"x":1},"time_first":1,"time_last":2}"#,
                "invalid field",
                "line 1, field rdata: rdata must be a string or an array of strings, not an object",
            ),
            (
                &format!("{{{base},\"time_last\":2}}"),
                "missing field",
                "line 1, field time_first: time_first is required",
            ),
            (
                &format!("{{{base},\"time_first\":\"1\",\"time_last\":2}}"),
                "bad timestamp",
                "line 1, field time_first: time_first must be epoch seconds as a number, not a string",
            ),
            (
                &format!("{{{base},\"time_first\":1,\"time_last\":1e300}}"),
                "bad timestamp",
                "line 1, field time_last: time_last 1e300 is out of range",
            ),
            (
                &format!("{{{base},\"time_first\":1,\"zone_time_last\":true}}"),
                "bad timestamp",
                "line 1, field zone_time_last: zone_time_last must be epoch seconds as a number, not a boolean",
            ),
            (
                &format!("{{{base},\"time_first\":1,\"time_last\":2,\"count\":0}}"),
                "invalid field",
                "line 1, field count: count must be an integer ≥ 1, not 0",
            ),
            (
                &format!("{{{base},\"time_first\":1,\"time_last\":2,\"count\":1.5}}"),
                "invalid field",
                "line 1, field count: count must be an integer ≥ 1, not 1.5",
            ),
            (
                &format!("{{{base},\"time_first\":3,\"time_last\":2}}"),
                "first seen after last seen",
                "line 1: first seen is after last seen",
            ),
            (
                r#"{"rrname":"a","rrtype":"A","rdata":"not-an-ip","time_first":1,"time_last":2}"#,
                "address of the wrong family",
                "line 1: A data \"not-an-ip\" is not an IPv4 address",
            ),
            (
                r#"{"cond":"weird"}"#,
                "invalid field",
                "line 1, field cond: unknown status \"weird\"",
            ),
            (
                r#"{"cond":1}"#,
                "invalid field",
                "line 1, field cond: cond must be a string, not a number",
            ),
            (
                r#"{"obj":[1]}"#,
                "malformed JSON",
                "line 1: expected a JSON object",
            ),
        ] {
            assert_eq!(one(line), expected, "{line}");
            assert_eq!(reason(line), expected_reason, "{line}");
        }
    }

    #[test]
    fn bad_array_elements_reject_once_and_keep_the_good_ones() {
        let (obs, rejects, stats) = check(
            r#"{"rrname":"a","rrtype":"A","rdata":["192.0.2.1",7,null,"192.0.2.2"],"time_first":1,"time_last":2}"#,
        );
        assert_eq!(obs.len(), 2);
        assert_eq!(
            rejects,
            ["line 1, field rdata[1]: rdata elements must be strings"]
        );
        assert_eq!(stats.rejects, 1);
    }

    #[test]
    fn sink_rejects_name_the_array_element() {
        let (_, rejects, _) = check(
            r#"{"rrname":"a","rrtype":"A","rdata":["192.0.2.1","::1"],"time_first":1,"time_last":2}"#,
        );
        assert_eq!(
            rejects,
            ["line 1, field rdata[1]: A data \"::1\" is not an IPv4 address"]
        );
    }

    #[test]
    fn a_bad_line_does_not_stop_the_run() {
        let good =
            r#"{"rrname":"a","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#;
        let input = format!("{good}\n{{broken\n\u{0}\n{good}\n");
        let (obs, rejects, stats) = check(&input);
        assert_eq!(obs.len(), 2);
        assert_eq!(rejects.len(), 2);
        assert_eq!(stats.lines, 4);
    }

    #[test]
    fn invalid_utf8_is_a_reject() {
        let mut sink = Collected::default();
        let stats = read_cof(&b"{\"rrname\":\"\xff\"}\n"[..], "t", &mut sink).unwrap();
        assert_eq!(stats.rejects, 1);
        assert_eq!(sink.report.rejects["invalid UTF-8"], 1);
    }
}
