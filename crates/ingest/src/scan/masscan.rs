//! masscan output in its text forms (`-oL` list, `-oG` grepable, `-oJ` JSON, `-oD` NDJSON, `-oX` XML): one
//! [`PortReport`] per status or banner record, streamed in constant memory.
//!
//! The form is told from the first non-blank bytes: `<` is XML, `[` is JSON, `{` is NDJSON (or the JSON of masscan
//! before 2017, which had no enclosing array), `masscan/` is the binary form (refused: convert it with
//! `masscan --readscan FILE -oX out.xml`), anything else is the list or grepable form.
//!
//! What masscan writes, and how it is read (from masscan's `out-*.c`):
//! * list: `open tcp 443 192.0.2.1 1699123456` and `banner tcp 80 192.0.2.1 1699123456 http <text>`, between
//!   `#masscan` and `# end`;
//! * grepable: `Timestamp: 1699123456<TAB>Host: 192.0.2.1 ()<TAB>Ports: 443/open/tcp//https//` and
//!   `Host: 192.0.2.1 ()<TAB>Port: 80<TAB>Service: http<TAB>Banner: <text>`. Banner lines carry neither time nor
//!   transport: they take the time of the latest status line before them (rejected when there is none) and the
//!   transport of that line when it was for the same address and port, else TCP;
//! * JSON: one object per line, `{"ip", "timestamp": "<seconds>", "ports": [{"port", "proto", "status", "reason",
//!   "ttl"}]}` or with `"service": {"name", "banner"}` instead of the status; inside `[`…`]` with the comma before
//!   the record (since 2018) or after it (2017, the trailing-comma quirk), or without the array and ended by
//!   `{finished: 1}` (before 2017). A whole array on one line is read too;
//! * NDJSON: `{"ip", "timestamp", "port", "proto", "rec_type": "status"|"banner", "data": {"status", "reason",
//!   "ttl"} | {"service_name", "banner"}}`;
//! * XML: nmap-like, one `<host endtime><address addr/><ports><port protocol portid><state state/>` and, for banners,
//!   `<service name banner/>` per record (masscan writes `addrtype="ipv4"` even for IPv6; the type is ignored).
//!
//! Timestamps are epoch seconds, written as strings in JSON (numbers are accepted too). Banners are unescaped as
//! masscan escaped them: `\xHH` in list, grepable and XML output, `\u00HH` in JSON; the bytes are then read as UTF-8,
//! and a byte that is not part of valid UTF-8 becomes the character of the same number (Latin-1). Per service:
//! * `X509`, `X509CA`: a base64 DER certificate → [`PortReport::certificates`] (the leaf) or
//!   [`PortReport::ca_certificates`] (no banner): masscan writes the leaf and the CA certificates as separate
//!   records in no reliable order, and only the service name tells them apart. A certificate cut short (list and XML output cut banners at 8192 bytes) is
//!   a reject;
//! * `http`: the raw response head → a banner and an [`HttpResponse`] with status and headers;
//! * `title`: the page title → a banner and an [`HttpResponse`] with only the title; `html` (masscan's
//!   `--capture html`) → a banner and an [`HttpResponse`] with only the body;
//! * anything else (`ssh`, `ftp`, `smtp`, `ssl`, `http.server`, `vnc`, …) → a banner with `scan_protocol` = the name.
//!
//! The port's [`Service`] is the protocol the banner shows: `http` for `http`, `title`, `html` and `http.server`;
//! `ssl` for `ssl`, `X509`, `X509CA`, `heartbleed` and `ticketbleed`; none for masscan's non-protocol names
//! (`unknown`, `error`, `vuln`, `safe`, `scripting`, `versioning`); the name itself otherwise.
//!
//! masscan reports a port and its banners as separate records and they stay separate reports here (the
//! derivation merges by address, port and transport); banner records are [`PortReport::supplementary`], so they
//! date the port's sighting without counting as one. Records of other transports (`sctp`, `icmp` pings, `arp`)
//! are skipped. masscan does not say which ports it probed, so no [`super::HostScanned`] is ever emitted.
//! A list or grepable line without its line ending is the end of output cut short and is rejected, since cut inside
//! a timestamp or banner it would still parse.

mod json;
#[cfg(test)]
mod tests;
mod xml;

use super::payload::{bytes_to_text, certificate_from_base64, parse_http_head};
use super::{Banner, HttpResponse, PortReport, PortState, ScanSink, Service, Transport};
use crate::epoch;
use crate::lines::{LineReasons, Lines};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::net::IpAddr;

/// Which of masscan's output forms an input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasscanForm {
    /// `-oL`.
    List,
    /// `-oG`.
    Grepable,
    /// `-oJ` (also without its enclosing array, as masscan wrote it before 2017).
    Json,
    /// `-oD`.
    Ndjson,
    /// `-oX`.
    Xml,
    /// `-oB`, which is not read.
    Binary,
}

/// What one run of [`read_masscan`] did. Every record found is a port, a reject or skipped; rejects are also handed
/// to the sink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MasscanStats {
    /// The form read; `None` for an input with nothing but blanks.
    pub form: Option<MasscanForm>,
    /// Lines read (text forms; 0 for XML).
    pub lines: u64,
    /// Reports handed to the sink, one per status or banner record.
    pub ports: u64,
    /// Of those, banner records.
    pub banners: u64,
    /// Records, lines or XML errors rejected.
    pub rejects: u64,
    /// Records and lines that produce nothing by design: blank lines, comments, JSON array punctuation and end
    /// markers, records of other transports than TCP and UDP.
    pub skipped: u64,
    /// Whether the form's end marker was seen (`# end`, `# Masscan done`, `]` or `{finished: 1}`, `</nmaprun>`);
    /// NDJSON has none. A complete output has one; its absence means the scan or the file was cut short.
    pub end_marker: bool,
}

/// Reads masscan output in any of its text forms from `input`, handing one report per record to `sink`. Only IO
/// errors are fatal; a bad record is a counted reject and reading goes on.
pub fn read_masscan<R: BufRead>(
    mut input: R,
    source: &str,
    sink: &mut impl ScanSink,
) -> io::Result<MasscanStats> {
    let leading = skip_leading_whitespace(&mut input)?;
    let form = match leading.first {
        None => None,
        Some(b'<') => Some(MasscanForm::Xml),
        Some(b'[') => Some(MasscanForm::Json),
        Some(b'{') => Some(MasscanForm::Ndjson),
        Some(_) => Some(MasscanForm::List),
    };
    let mut reader = Reader {
        source,
        sink,
        stats: MasscanStats {
            form,
            ..MasscanStats::default()
        },
        last_status: None,
    };
    // What was consumed to find the form is given back (blank lines as line feeds, the blanks that start the first
    // line as they were), so line numbers and byte positions do not depend on how the input was buffered.
    let input = io::BufReader::with_capacity(64, io::repeat(b'\n').take(leading.newlines))
        .chain(io::Cursor::new(leading.line_start))
        .chain(input);
    match form {
        None => {
            let partial = u64::from(leading.partial_line);
            reader.stats.lines = leading.newlines + partial;
            reader.stats.skipped = leading.newlines + partial;
        }
        Some(MasscanForm::Xml) => reader.read_xml(input)?,
        Some(_) => reader.read_lines(input)?,
    }
    Ok(reader.stats)
}

/// Blanks before the first record, taken off the input to see how it starts.
struct Leading {
    /// Line feeds.
    newlines: u64,
    /// The blanks after the last line feed: the start of the first non-blank line.
    line_start: Vec<u8>,
    /// Whether the input ended in a blank line without a line feed.
    partial_line: bool,
    /// The first other byte; `None` at the end of the input.
    first: Option<u8>,
}

/// Leading blanks beyond which the first line is taken to be a list line without looking further (so a line of
/// blanks cannot exhaust memory; the list reader rejects it as too long).
const MAX_LEADING_LINE_BLANKS: usize = 64 * 1024;

/// Consumes leading ASCII whitespace, saying what it was and how the rest starts.
fn skip_leading_whitespace(input: &mut impl BufRead) -> io::Result<Leading> {
    let mut leading = Leading {
        newlines: 0,
        line_start: Vec::new(),
        partial_line: false,
        first: None,
    };
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            leading.partial_line = !leading.line_start.is_empty();
            return Ok(leading);
        }
        for (at, &byte) in available.iter().enumerate() {
            if byte == b'\n' {
                leading.newlines += 1;
                leading.line_start.clear();
            } else if byte.is_ascii_whitespace()
                && leading.line_start.len() < MAX_LEADING_LINE_BLANKS
            {
                leading.line_start.push(byte);
            } else {
                leading.first = Some(byte);
                input.consume(at);
                return Ok(leading);
            }
        }
        let len = available.len();
        input.consume(len);
    }
}

/// Why a record was refused.
#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error("{0}")]
    BadLine(String),
    #[error("{0}")]
    BadRecord(String),
    #[error("port {0} is not a number in 0..=65535")]
    BadPort(String),
    #[error("{0:?} is not an IP address")]
    BadAddress(String),
    #[error("timestamp {0:?} is not epoch seconds")]
    BadTimestamp(String),
    #[error("{0}")]
    NoTimestamp(&'static str),
    #[error("status {0:?} is not open or closed")]
    UnknownStatus(String),
    #[error("transport {0:?} is not one masscan writes (tcp, udp, sctp, icmp, arp)")]
    UnknownTransport(String),
    #[error("{service} banner: {message}")]
    BadCertificate { service: String, message: String },
}

impl RecordError {
    fn reason(&self) -> &'static str {
        match self {
            RecordError::BadLine(_) => "masscan: bad line",
            RecordError::BadRecord(_) => "masscan: bad record",
            RecordError::BadPort(_) => "masscan: bad port",
            RecordError::BadAddress(_) => "masscan: bad address",
            RecordError::BadTimestamp(_) | RecordError::NoTimestamp(_) => "masscan: bad timestamp",
            RecordError::UnknownStatus(_) => "masscan: unknown status",
            RecordError::UnknownTransport(_) => "masscan: unknown transport",
            RecordError::BadCertificate { .. } => "masscan: bad certificate",
        }
    }
}

/// How a banner's text was escaped.
#[derive(Clone, Copy)]
enum Escaping {
    /// `\xHH` (list, grepable, XML).
    BackslashX,
    /// JSON's own `\u00HH`, already undone by the JSON parser: characters up to U+00FF are masscan's bytes.
    Json,
}

/// One masscan record, fields as written.
struct Record<'a> {
    address: &'a str,
    transport: &'a str,
    port: &'a str,
    timestamp: Option<Cow<'a, str>>,
    what: What<'a>,
}

enum What<'a> {
    Status(&'a str),
    /// A banner, as escaped in the output.
    Banner {
        service: &'a str,
        text: &'a str,
        escaping: Escaping,
    },
}

/// Grepable banner lines take transport and time from the status line before them.
struct LastStatus {
    address: String,
    port: String,
    transport: String,
    timestamp: String,
}

struct Reader<'a, S> {
    source: &'a str,
    sink: &'a mut S,
    stats: MasscanStats,
    last_status: Option<LastStatus>,
}

impl<S: ScanSink> Reader<'_, S> {
    fn reject(&mut self, reason: &'static str, location: String, message: String) {
        self.stats.rejects += 1;
        self.sink.reject_at(reason, self.source, location, message);
    }

    /// Turns a record into a report for the sink, or a reject at `location`.
    fn record(&mut self, record: &Record<'_>, location: impl FnOnce() -> String) {
        match to_report(record) {
            Ok(Some(report)) => {
                self.stats.ports += 1;
                if matches!(record.what, What::Banner { .. }) {
                    self.stats.banners += 1;
                }
                self.sink.port(report);
            }
            Ok(None) => self.stats.skipped += 1,
            Err(error) => self.reject(error.reason(), location(), error.to_string()),
        }
    }

    fn read_lines(&mut self, input: impl BufRead) -> io::Result<()> {
        let mut lines = Lines::new(input);
        const REASONS: LineReasons = LineReasons {
            too_long: "masscan: line too long",
            invalid_utf8: "masscan: invalid UTF-8",
        };
        loop {
            let next = lines.next_line_or_reject(|why, location, message| {
                self.stats.lines += 1;
                self.reject(why.reason_in(&REASONS), location, message);
            })?;
            let Some(line) = next else {
                return Ok(());
            };
            self.stats.lines += 1;
            // Only the first line can be the binary form's header: every line before it was blank.
            let first = self.stats.skipped + 1 == self.stats.lines && self.stats.rejects == 0;
            if first
                && self.stats.form == Some(MasscanForm::List)
                && line.text.starts_with("masscan/")
            {
                self.stats.form = Some(MasscanForm::Binary);
                self.reject(
                    "masscan: binary output",
                    format!("line {}", line.number),
                    "masscan's binary output (-oB) is not read: convert it with \
                     `masscan --readscan FILE -oX out.xml`"
                        .to_owned(),
                );
                return Ok(());
            }
            match self.stats.form {
                Some(MasscanForm::Json | MasscanForm::Ndjson) => {
                    self.json_line(line.number, line.text, line.terminated);
                }
                _ => self.text_line(line.number, line.text, line.terminated),
            }
        }
    }

    /// A list or grepable line.
    fn text_line(&mut self, number: u64, line: &str, terminated: bool) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            self.stats.skipped += 1;
            return;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim_start();
            if comment == "end" || comment.starts_with("Masscan done") {
                self.stats.end_marker = true;
            } else if comment.starts_with("Masscan ") {
                // `# Masscan 1.3.2 scan initiated …` opens grepable output; the list form opens with `#masscan`.
                self.stats.form = Some(MasscanForm::Grepable);
            }
            self.stats.skipped += 1;
            return;
        }
        if !terminated {
            self.reject(
                "masscan: truncated",
                format!("line {number}"),
                "last line has no line ending: the output was cut short".to_owned(),
            );
            return;
        }
        let location = || format!("line {number}");
        let grepable = trimmed.starts_with("Timestamp:") || trimmed.starts_with("Host:");
        let parsed = if grepable {
            self.stats.form = Some(MasscanForm::Grepable);
            self.grepable_record(line)
        } else {
            list_record(line)
        };
        match parsed {
            Ok(record) => self.record(&record, location),
            Err(error) => self.reject(error.reason(), location(), error.to_string()),
        }
    }

    /// A grepable line. Status lines are remembered for the banner lines after them.
    fn grepable_record<'l>(&mut self, line: &'l str) -> Result<Record<'l>, RecordError> {
        let line = line.trim_start();
        let (fields, banner) = match line.split_once("\tBanner: ") {
            Some((fields, banner)) => (fields, Some(banner)),
            None => (line.trim_end(), None),
        };
        let (mut timestamp, mut host, mut ports, mut port, mut service) =
            (None, None, None, None, None);
        for field in fields.split('\t') {
            let Some((key, value)) = field.split_once(':') else {
                return Err(bad_grepable(format!("field {field:?} is not `Key: value`")));
            };
            let value = value.trim();
            match key {
                "Timestamp" => timestamp = Some(value),
                "Host" => host = Some(value.split(' ').next().unwrap_or(value)),
                "Ports" => ports = Some(value),
                "Port" => port = Some(value),
                "Service" => service = Some(value),
                _ => {}
            }
        }
        let address = host.ok_or_else(|| bad_grepable("no Host field".to_owned()))?;
        if let Some(ports) = ports {
            let mut parts = ports.split('/');
            let (Some(port), Some(status), Some(transport)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(bad_grepable(format!(
                    "Ports {ports:?} is not port/status/transport/…"
                )));
            };
            let timestamp = timestamp.ok_or(RecordError::NoTimestamp(
                "grepable status line has no Timestamp field",
            ))?;
            self.last_status = Some(LastStatus {
                address: address.to_owned(),
                port: port.to_owned(),
                transport: transport.to_owned(),
                timestamp: timestamp.to_owned(),
            });
            return Ok(Record {
                address,
                transport,
                port,
                timestamp: Some(Cow::Borrowed(timestamp)),
                what: What::Status(status),
            });
        }
        let (Some(port), Some(service), Some(text)) = (port, service, banner) else {
            return Err(bad_grepable(
                "neither a status line (Ports) nor a banner line (Port, Service, Banner)"
                    .to_owned(),
            ));
        };
        let Some(last) = &self.last_status else {
            return Err(RecordError::NoTimestamp(
                "grepable banner lines carry no time, and no status line came before this one",
            ));
        };
        let same_port = last.address == address && last.port == port;
        let transport = if same_port && last.transport == "udp" {
            "udp"
        } else {
            "tcp"
        };
        Ok(Record {
            address,
            transport,
            port,
            timestamp: Some(Cow::Owned(last.timestamp.clone())),
            what: What::Banner {
                service,
                text,
                escaping: Escaping::BackslashX,
            },
        })
    }
}

fn missing(field: &str) -> RecordError {
    RecordError::BadRecord(format!("record has no {field:?}"))
}

fn bad_grepable(message: String) -> RecordError {
    RecordError::BadLine(message)
}

/// A list line: `<status> <transport> <port> <address> <timestamp>` or
/// `banner <transport> <port> <address> <timestamp> <service> <text>`.
fn list_record(line: &str) -> Result<Record<'_>, RecordError> {
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix("banner ") {
        let mut fields = rest.splitn(6, ' ');
        let (Some(transport), Some(port), Some(address), Some(timestamp), Some(service)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(RecordError::BadLine(
                "banner line needs `banner <transport> <port> <address> <timestamp> <service> <text>`"
                    .to_owned(),
            ));
        };
        return Ok(Record {
            address,
            transport,
            port,
            timestamp: Some(Cow::Borrowed(timestamp)),
            what: What::Banner {
                service,
                text: fields.next().unwrap_or(""),
                escaping: Escaping::BackslashX,
            },
        });
    }
    let fields: Vec<&str> = line.split_ascii_whitespace().take(6).collect();
    let [status, transport, port, address, timestamp] = fields[..] else {
        return Err(RecordError::BadLine(format!(
            "{} fields, expected `<status> <transport> <port> <address> <timestamp>` \
             or a banner line",
            fields.len()
        )));
    };
    Ok(Record {
        address,
        transport,
        port,
        timestamp: Some(Cow::Borrowed(timestamp)),
        what: What::Status(status),
    })
}

/// Checks and converts one record; `None` for records of other transports than TCP and UDP.
fn to_report(record: &Record<'_>) -> Result<Option<PortReport>, RecordError> {
    let transport = match record.transport {
        "tcp" => Transport::Tcp,
        "udp" => Transport::Udp,
        // Not a port: SCTP (no transport for it in the schema), ICMP echo (`--ping`), ARP (`up arp 0 …`), and
        // masscan's name for an unknown IP protocol.
        "sctp" | "icmp" | "arp" | "err" => return Ok(None),
        other => return Err(RecordError::UnknownTransport(other.to_owned())),
    };
    let port = record
        .port
        .parse::<u16>()
        .map_err(|_| RecordError::BadPort(record.port.to_owned()))?;
    if record.address.parse::<IpAddr>().is_err() {
        return Err(RecordError::BadAddress(record.address.to_owned()));
    }
    let timestamp = record
        .timestamp
        .as_deref()
        .ok_or(RecordError::NoTimestamp("record has no timestamp"))?;
    let time = epoch::seconds_text_to_micros(timestamp)
        .ok_or_else(|| RecordError::BadTimestamp(timestamp.to_owned()))?;
    match &record.what {
        What::Status(status) => {
            let state = match *status {
                "open" => PortState::Open,
                "closed" => PortState::Closed,
                other => return Err(RecordError::UnknownStatus(other.to_owned())),
            };
            Ok(Some(PortReport::new(
                record.address,
                port,
                transport,
                state,
                time,
            )))
        }
        What::Banner {
            service,
            text,
            escaping,
        } => {
            let mut report =
                PortReport::new(record.address, port, transport, PortState::Open, time);
            report.supplementary = true;
            add_banner(&mut report, service, unescape(text, *escaping))?;
            Ok(Some(report))
        }
    }
}

/// Undoes masscan's banner escaping (see the module documentation).
fn unescape(text: &str, escaping: Escaping) -> String {
    match escaping {
        Escaping::Json => {
            if text.chars().all(|c| u32::from(c) <= 0xff) && !text.is_ascii() {
                bytes_to_text(text.chars().map(|c| c as u8).collect())
            } else {
                text.to_owned()
            }
        }
        Escaping::BackslashX => {
            if !text.contains("\\x") {
                return text.to_owned();
            }
            let bytes = text.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
                    let high = bytes.get(i + 2).and_then(|&b| char::from(b).to_digit(16));
                    let low = bytes.get(i + 3).and_then(|&b| char::from(b).to_digit(16));
                    if let (Some(high), Some(low)) = (high, low) {
                        out.push((high * 16 + low) as u8);
                        i += 4;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            bytes_to_text(out)
        }
    }
}

/// The protocol a masscan banner name shows (see the module documentation).
fn service_name(banner_name: &str) -> Option<&str> {
    match banner_name {
        "http" | "title" | "html" | "http.server" => Some("http"),
        "ssl" | "X509" | "X509CA" | "heartbleed" | "ticketbleed" => Some("ssl"),
        "unknown" | "error" | "vuln" | "safe" | "scripting" | "versioning" | "" => None,
        other => Some(other),
    }
}

/// Adds what a banner of `service` says to `report`.
fn add_banner(report: &mut PortReport, service: &str, text: String) -> Result<(), RecordError> {
    report.service = service_name(service).map(|name| Service {
        name: name.to_owned(),
        ..Service::default()
    });
    match service {
        "X509" | "X509CA" => {
            let der =
                certificate_from_base64(&text).map_err(|message| RecordError::BadCertificate {
                    service: service.to_owned(),
                    message,
                })?;
            if service == "X509CA" {
                report.ca_certificates.push(der);
            } else {
                report.certificates.push(der);
            }
            return Ok(());
        }
        "http" => {
            if let Some(response) = parse_http_head(&text) {
                report.http.push(response);
            }
        }
        "title" => report.http.push(HttpResponse {
            title: Some(text.clone()),
            ..HttpResponse::default()
        }),
        "html" => report.http.push(HttpResponse {
            body: Some(text.clone()),
            ..HttpResponse::default()
        }),
        _ => {}
    }
    report.banners.push(Banner {
        scan_protocol: service.to_owned(),
        text,
    });
    Ok(())
}
