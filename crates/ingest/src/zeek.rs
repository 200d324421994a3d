//! Zeek `dns.log`, in its TSV form (with `#` headers) or its JSON form (one object per line), as observations.
//!
//! The form is chosen by the first non-empty line: `{` means JSON, anything else TSV.
//!
//! **TSV.** Headers set the separators (`#separator \x09`, `#set_separator`, `#empty_field`, `#unset_field`) and the
//! columns (`#fields`); they may repeat mid-file (concatenated logs) and each `#fields` line replaces the columns.
//! `#types`, `#path`, `#open`, `#close` and other `#` lines are skipped. Values are unescaped after splitting, so an
//! escaped separator (`\x09`, `\x2c`) inside a value stays part of it.
//!
//! **JSON.** The same keys; `ts` is epoch seconds (number) or ISO 8601 text; `answers` an array of strings.
//!
//! **Escapes.** Zeek writes non-printable bytes as `\xNN`, in both forms; they are decoded, and a value that is not
//! UTF-8 once decoded is rejected. Other backslashes are kept as they are.
//!
//! **Which lines count.** Lines with `rejected` true, a non-zero `rcode`, or no answers produce nothing (counted as
//! skipped). Each answer produces one observation at `ts` (Zeek logs the query time); `TTLs` are not part of an
//! observation.
//!
//! **Answer types.** `answers` carries no record type, so it is inferred per answer:
//! * an IP literal is an A or AAAA record;
//! * `TXT <len> <text> …` / `SPF <len> <text> …` (Zeek's rendering of character-strings) is TXT/SPF, rebuilt as
//!   quoted presentation text;
//! * other answers containing spaces are Zeek's lossy renderings of DNSSEC, LOC, SSHFP and unknown types
//!   (`RRSIG …`, `<unknown type=N>`) and are skipped, as are empty ones;
//! * a bare name is of the query type when that type's data is a name (NS, PTR, MX, SRV, CNAME); it is a CNAME when
//!   the query type's data is not a name (A, AAAA, TXT, HTTPS, …: a name can only be an alias there); it is
//!   skipped when the query type is SOA (Zeek logs only the primary server), ANY or unknown, where it is ambiguous.
//!
//! **CNAME chains.** Zeek also drops each answer's owner name. Answers follow the answer section's order, so for a
//! chain `query → cname1 → cname2 → address` logged as `[cname1, cname2, address]`, the first CNAME is owned by
//! `query`, each further answer by the target of the CNAME before it, and the final records by the last target.
//! Limit: for name-valued query types (an MX query answered through an alias) an alias cannot be told from the
//! records, so every name is taken as the query type, owned by `query`.
//! MX and SRV answers (logged as their target alone) are completed to presentation format (module `answer_text`).

use crate::answer_text;
use crate::dns::{DnsSink, Observation, Rdata, RecordType};
use crate::epoch;
use crate::lines::{LineStats, Lines};
use crate::raw_json::{is_null, json_string};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::{self, BufRead};
use std::net::IpAddr;

/// Reads a Zeek `dns.log` (TSV or JSON) from `input`, handing one observation per usable answer to `sink`.
/// Only IO errors are fatal.
pub fn read_zeek_dns<R: BufRead, S: DnsSink>(
    input: R,
    source: &str,
    sink: &mut S,
) -> io::Result<LineStats> {
    let mut stats = LineStats::default();
    let mut lines = Lines::new(input);
    let mut json: Option<bool> = None;
    let mut tsv = TsvState::default();
    let mut scratch = String::new();
    while let Some((number, line)) = lines.next_line(source, sink, &mut stats)? {
        if line.trim().is_empty() {
            stats.skipped += 1;
            continue;
        }
        let is_json = *json.get_or_insert_with(|| line.trim_start().starts_with('{'));
        let record = if is_json {
            json_record(line)
        } else {
            match tsv.line(line) {
                TsvLine::Header => {
                    stats.skipped += 1;
                    continue;
                }
                TsvLine::Record(record) => record,
            }
        };
        match record {
            Ok(Some(record)) => record.emit(number, source, sink, &mut stats, &mut scratch),
            Ok(None) => stats.skipped += 1,
            Err(reject) => {
                let location = match reject.field {
                    Some(field) => format!("line {number}, field {field}"),
                    None => format!("line {number}"),
                };
                stats.reject(sink, reject.reason, source, location, reject.message);
            }
        }
    }
    Ok(stats)
}

/// A reject found while reading one line.
#[derive(Debug)]
struct LineReject {
    reason: &'static str,
    field: Option<Cow<'static, str>>,
    message: String,
}

fn reject(
    reason: &'static str,
    field: impl Into<Cow<'static, str>>,
    message: String,
) -> LineReject {
    LineReject {
        reason,
        field: Some(field.into()),
        message,
    }
}

/// What one log line says, once decoded: `Ok(None)` for lines that produce nothing by design.
type RecordResult<'a> = Result<Option<DnsRecord<'a>>, LineReject>;

/// The parts of a `dns.log` entry that make observations.
#[derive(Debug)]
struct DnsRecord<'a> {
    ts: i64,
    query: Cow<'a, str>,
    qtype: Option<RecordType>,
    answers: Vec<Cow<'a, str>>,
}

/// How a name answer is typed for a given query type (module docs).
fn name_answer_type(qtype: Option<RecordType>) -> Option<RecordType> {
    match qtype? {
        t @ (RecordType::NS | RecordType::PTR | RecordType::MX | RecordType::SRV) => Some(t),
        RecordType::SOA | RecordType(255) => None,
        _ => Some(RecordType::CNAME),
    }
}

impl DnsRecord<'_> {
    fn emit<S: DnsSink>(
        &self,
        number: u64,
        source: &str,
        sink: &mut S,
        stats: &mut LineStats,
        scratch: &mut String,
    ) {
        let mut owner: &str = self.query.trim();
        for (index, answer) in self.answers.iter().enumerate() {
            let answer = answer.trim();
            let location = || format!("line {number}, field answers[{index}]");
            if let Ok(ip) = answer.parse::<IpAddr>() {
                let rtype = if ip.is_ipv4() {
                    RecordType::A
                } else {
                    RecordType::AAAA
                };
                let observation = Observation::once(owner, rtype, Rdata::Ip(ip), self.ts);
                stats.offer(sink, &observation, source, location);
                continue;
            }
            if let Some((rtype, strings)) = character_strings(answer) {
                match strings {
                    Some(presentation) => {
                        let observation =
                            Observation::once(owner, rtype, Rdata::Text(&presentation), self.ts);
                        stats.offer(sink, &observation, source, location);
                    }
                    None => stats.reject(
                        sink,
                        "malformed answer",
                        source,
                        location(),
                        format!("{answer:?} is not Zeek's `{rtype} <length> <text>` form"),
                    ),
                }
                continue;
            }
            if answer.is_empty() || answer.contains(' ') {
                stats.skipped += 1;
                continue;
            }
            let Some(rtype) = name_answer_type(self.qtype) else {
                stats.skipped += 1;
                continue;
            };
            let data = answer_text::presentation(rtype, answer, scratch);
            let observation = Observation::once(owner, rtype, Rdata::Text(data), self.ts);
            stats.offer(sink, &observation, source, location);
            if rtype == RecordType::CNAME {
                owner = answer;
            }
        }
    }
}

/// Zeek's rendering of TXT/SPF data, `TXT 5 hello TXT 5 world`, as `(type, Some("\"hello\" \"world\""))`;
/// `(type, None)` when it starts like one but does not parse; `None` when it is something else.
fn character_strings(answer: &str) -> Option<(RecordType, Option<String>)> {
    let (rtype, keyword) = if answer.starts_with("TXT ") {
        (RecordType::TXT, "TXT ")
    } else if answer.starts_with("SPF ") {
        (RecordType(99), "SPF ")
    } else {
        return None;
    };
    let mut rest = answer;
    let mut out = String::new();
    let parsed = loop {
        let Some(after) = rest.strip_prefix(keyword) else {
            break false;
        };
        let Some((length, text)) = after.split_once(' ').or(Some((after, ""))) else {
            break false;
        };
        let Ok(length) = length.parse::<usize>() else {
            break false;
        };
        let Some(string) = text.get(..length) else {
            break false;
        };
        if !out.is_empty() {
            out.push(' ');
        }
        answer_text::push_quoted(&mut out, string);
        rest = &text[length..];
        if rest.is_empty() {
            break true;
        }
        // Strings are separated by one space.
        match rest.strip_prefix(' ') {
            Some(next) => rest = next,
            None => break false,
        }
    };
    Some((rtype, parsed.then_some(out)))
}

/// Decodes Zeek's `\xNN` escapes; `None` if the result is not UTF-8.
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains("\\x") {
        return Some(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(byte) = bytes
                .get(i + 2..i + 4)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

fn unescape_field<'a>(raw: &'a str, field: &'static str) -> Result<Cow<'a, str>, LineReject> {
    // TSV values are raw log text.
    unescape(raw).ok_or_else(|| {
        reject(
            "invalid UTF-8",
            field,
            format!("{field} {raw:?} is not UTF-8 once its \\x escapes are decoded"),
        )
    })
}

fn query_type(code: Option<u64>, name: Option<&str>) -> Option<RecordType> {
    match code {
        Some(code) => u16::try_from(code).ok().map(RecordType),
        None => name.and_then(RecordType::parse),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// TSV

/// Separators and columns from the latest headers.
#[derive(Debug)]
struct TsvState {
    separator: String,
    set_separator: String,
    empty_field: String,
    unset_field: String,
    columns: Option<Columns>,
}

impl Default for TsvState {
    fn default() -> Self {
        Self {
            separator: "\t".to_owned(),
            set_separator: ",".to_owned(),
            empty_field: "(empty)".to_owned(),
            unset_field: "-".to_owned(),
            columns: None,
        }
    }
}

/// Column positions of the fields read.
#[derive(Debug, Default)]
struct Columns {
    count: usize,
    ts: Option<usize>,
    query: Option<usize>,
    qtype: Option<usize>,
    qtype_name: Option<usize>,
    rcode: Option<usize>,
    answers: Option<usize>,
    rejected: Option<usize>,
}

enum TsvLine<'a> {
    Header,
    Record(RecordResult<'a>),
}

impl TsvState {
    fn line<'a>(&mut self, line: &'a str) -> TsvLine<'a> {
        if let Some(header) = line.strip_prefix('#') {
            self.header(header);
            return TsvLine::Header;
        }
        TsvLine::Record(self.record(line))
    }

    fn header(&mut self, header: &str) {
        if let Some(value) = header.strip_prefix("separator ") {
            if let Some(separator) = unescape(value).filter(|s| !s.is_empty()) {
                self.separator = separator.into_owned();
            }
            return;
        }
        let mut parts = header.split(self.separator.as_str());
        let key = parts.next().unwrap_or_default();
        let value = || header[key.len()..].strip_prefix(self.separator.as_str());
        match key {
            "set_separator" | "empty_field" | "unset_field" => {
                let Some(value) = value().and_then(unescape) else {
                    return;
                };
                let value = value.into_owned();
                match key {
                    "set_separator" if !value.is_empty() => self.set_separator = value,
                    "empty_field" => self.empty_field = value,
                    "unset_field" => self.unset_field = value,
                    _ => {}
                }
            }
            "fields" => {
                let mut columns = Columns::default();
                for (i, name) in parts.enumerate() {
                    columns.count = i + 1;
                    let slot = match name {
                        "ts" => &mut columns.ts,
                        "query" => &mut columns.query,
                        "qtype" => &mut columns.qtype,
                        "qtype_name" => &mut columns.qtype_name,
                        "rcode" => &mut columns.rcode,
                        "answers" => &mut columns.answers,
                        "rejected" => &mut columns.rejected,
                        _ => continue,
                    };
                    *slot = Some(i);
                }
                self.columns = Some(columns);
            }
            _ => {}
        }
    }

    fn record<'a>(&self, line: &'a str) -> RecordResult<'a> {
        let Some(columns) = &self.columns else {
            return Err(LineReject {
                reason: "missing header",
                field: None,
                message: "data line before any #fields header".to_owned(),
            });
        };
        let (Some(ts_at), Some(query_at), Some(answers_at)) =
            (columns.ts, columns.query, columns.answers)
        else {
            return Err(LineReject {
                reason: "missing header",
                field: None,
                message: "the #fields header lacks ts, query or answers".to_owned(),
            });
        };
        let values: Vec<&str> = line.split(self.separator.as_str()).collect();
        if values.len() != columns.count {
            return Err(LineReject {
                reason: "wrong field count",
                field: None,
                message: format!(
                    "{} fields, but the #fields header names {}",
                    values.len(),
                    columns.count
                ),
            });
        }
        let value = |at: Option<usize>| at.map(|at| values[at]).filter(|v| *v != self.unset_field);
        if value(columns.rejected) == Some("T") {
            return Ok(None);
        }
        let rcode = match value(columns.rcode) {
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                reject(
                    "invalid field",
                    "rcode",
                    format!("rcode {text:?} is not a number"),
                )
            })?),
            None => None,
        };
        if rcode.is_some_and(|rcode| rcode != 0) {
            return Ok(None);
        }
        let answers_raw = match value(Some(answers_at)) {
            Some(raw) if raw != self.empty_field && !raw.is_empty() => raw,
            _ => return Ok(None),
        };
        let ts_text = value(Some(ts_at))
            .ok_or_else(|| reject("missing field", "ts", "ts is unset".to_owned()))?;
        let ts = epoch::seconds_text_to_micros(ts_text).ok_or_else(|| {
            reject(
                "bad timestamp",
                "ts",
                format!("ts {ts_text:?} is not epoch seconds"),
            )
        })?;
        let query_raw = value(Some(query_at))
            .filter(|q| *q != self.empty_field)
            .ok_or_else(|| reject("missing field", "query", "query is unset".to_owned()))?;
        let query = unescape_field(query_raw, "query")?;
        let qtype_code = match value(columns.qtype) {
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                reject(
                    "invalid field",
                    "qtype",
                    format!("qtype {text:?} is not a number"),
                )
            })?),
            None => None,
        };
        let qtype = query_type(qtype_code, value(columns.qtype_name));
        let mut answers = Vec::new();
        for (index, raw) in answers_raw.split(self.set_separator.as_str()).enumerate() {
            answers.push(unescape(raw).ok_or_else(|| {
                reject(
                    "invalid UTF-8",
                    format!("answers[{index}]"),
                    format!("answer {raw:?} is not UTF-8 once its \\x escapes are decoded"),
                )
            })?);
        }
        Ok(Some(DnsRecord {
            ts,
            query,
            qtype,
            answers,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

/// The keys read from a JSON line, as raw JSON text.
#[derive(Deserialize)]
struct JsonLine<'a> {
    #[serde(borrow)]
    ts: Option<&'a RawValue>,
    #[serde(borrow)]
    query: Option<&'a RawValue>,
    #[serde(borrow)]
    qtype: Option<&'a RawValue>,
    #[serde(borrow)]
    qtype_name: Option<&'a RawValue>,
    #[serde(borrow)]
    rcode: Option<&'a RawValue>,
    #[serde(borrow)]
    answers: Option<&'a RawValue>,
    #[serde(borrow)]
    rejected: Option<&'a RawValue>,
}

fn json_record(line: &str) -> RecordResult<'_> {
    if !line.trim_start().starts_with('{') {
        return Err(LineReject {
            reason: "malformed JSON",
            field: None,
            message: "expected a JSON object".to_owned(),
        });
    }
    let fields: JsonLine<'_> = serde_json::from_str(line).map_err(|e| LineReject {
        reason: if e.is_data() {
            "invalid field"
        } else {
            "malformed JSON"
        },
        field: None,
        message: e.to_string(),
    })?;
    let field_value = |v: &RawValue, name: &'static str, want: &str| {
        reject(
            "invalid field",
            name,
            format!("{name} must be {want}, not {}", v.get()),
        )
    };
    if let Some(rejected) = present(fields.rejected) {
        match rejected.get() {
            "true" => return Ok(None),
            "false" => {}
            _ => return Err(field_value(rejected, "rejected", "a boolean")),
        }
    }
    if let Some(rcode) = present(fields.rcode) {
        match rcode.get().parse::<u64>() {
            Ok(0) => {}
            Ok(_) => return Ok(None),
            Err(_) => return Err(field_value(rcode, "rcode", "a number")),
        }
    }
    let Some(answers_raw) = present(fields.answers) else {
        return Ok(None);
    };
    let answers_json: Vec<&RawValue> = serde_json::from_str(answers_raw.get())
        .map_err(|_| field_value(answers_raw, "answers", "an array of strings"))?;
    if answers_json.is_empty() {
        return Ok(None);
    }
    let ts_raw = present(fields.ts)
        .ok_or_else(|| reject("missing field", "ts", "ts is required".to_owned()))?;
    let ts = match json_string(ts_raw) {
        Some(text) => {
            tigr_model::datetime::parse(&text).or_else(|| epoch::seconds_text_to_micros(&text))
        }
        None if ts_raw
            .get()
            .starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) =>
        {
            epoch::seconds_text_to_micros(ts_raw.get())
        }
        None => None,
    }
    .ok_or_else(|| {
        reject(
            "bad timestamp",
            "ts",
            format!(
                "ts must be epoch seconds or ISO 8601 text, not {}",
                ts_raw.get()
            ),
        )
    })?;
    let query_raw = present(fields.query)
        .ok_or_else(|| reject("missing field", "query", "query is required".to_owned()))?;
    let query =
        json_string(query_raw).ok_or_else(|| field_value(query_raw, "query", "a string"))?;
    let query = unescape_json(query).ok_or_else(|| {
        reject(
            "invalid UTF-8",
            "query",
            format!(
                "query {} is not UTF-8 once its \\x escapes are decoded",
                query_raw.get()
            ),
        )
    })?;
    let qtype_code = match present(fields.qtype) {
        Some(v) => Some(
            v.get()
                .parse::<u64>()
                .map_err(|_| field_value(v, "qtype", "a number"))?,
        ),
        None => None,
    };
    let qtype_name = present(fields.qtype_name).and_then(json_string);
    let qtype = query_type(qtype_code, qtype_name.as_deref());
    let mut answers = Vec::with_capacity(answers_json.len());
    for (index, raw) in answers_json.into_iter().enumerate() {
        let field = || format!("answers[{index}]");
        let text = json_string(raw).ok_or_else(|| {
            reject(
                "invalid field",
                field(),
                "answers must be strings".to_owned(),
            )
        })?;
        answers.push(unescape_json(text).ok_or_else(|| {
            reject(
                "invalid UTF-8",
                field(),
                format!(
                    "answer {} is not UTF-8 once its \\x escapes are decoded",
                    raw.get()
                ),
            )
        })?);
    }
    Ok(Some(DnsRecord {
        ts,
        query,
        qtype,
        answers,
    }))
}

/// A JSON field that is present and not null.
fn present(value: Option<&RawValue>) -> Option<&RawValue> {
    value.filter(|v| !is_null(v))
}

/// [`unescape`] for a string that may already be owned.
fn unescape_json(text: Cow<'_, str>) -> Option<Cow<'_, str>> {
    match text {
        Cow::Borrowed(text) => unescape(text),
        Cow::Owned(text) => unescape(&text).map(|t| Cow::Owned(t.into_owned())),
    }
}

#[cfg(test)]
mod tests;
