//! zgrab2 output (NDJSON, one object per target): one [`PortReport`] per module that reached its port.
//!
//! A line is `{"ip", "domain", "port", "data": {"<module name>": {"status", "protocol", "port", "timestamp",
//! "result", "error"}}, "error"}` (zgrab2's `Grab` and `ScanResponse`). The module name is the user's (`[http443]` in
//! a multi-module ini); `protocol` says which scanner ran, and picks how `result` is read:
//! * `http`: the response's status, headers, body (cut to [`MAX_BODY_BYTES`]), URL and redirects, and the
//!   certificates of its TLS handshake (`request.tls_log.handshake_log`). zgrab2 writes header names lower-case with
//!   `_` for `-` and values as arrays, plus an `unknown` list of `{key, value}`; names are restored to their usual
//!   form (`Set-Cookie`, `X-Powered-By`, `WWW-Authenticate`; an `_` that was in the sent name is not recoverable).
//!   When zgrab2 kept the raw head (`headers_raw`), headers come from it instead (names and order as sent) and it is
//!   also an `http_raw` banner. `result.response` is the last response; `redirect_response_chain` holds the ones
//!   before it. Only responses from the scanned endpoint (the first request's scheme, host and port) are this
//!   port's: each becomes an [`HttpResponse`](super::HttpResponse) whose `redirects` is where it led (the next
//!   request's URL, or its `Location` when zgrab2 did not follow it). Responses from other endpoints are dropped;
//!   the redirect to them is kept;
//! * `tls` (and the TLS of `ftp`, `smtp`, `pop3`, `imap` and `banner`, in their `result.tls`): the certificates
//!   of `handshake_log.server_certificates`, leaf then chain (`raw`, base64 DER). A bad certificate is a reject and
//!   the port keeps the others;
//! * `ssh`: the server's identification string (`server_id.raw`) as an `ssh` banner, the host key
//!   (`key_exchange.server_host_key`: algorithm, SHA-256 fingerprint in hex as zgrab2 writes it, bits);
//! * `ftp`, `smtp`, `pop3`, `imap`: the greeting (`banner`) as a banner of that protocol; `banner`: the bytes read
//!   (`banner` module's `banner`), as a `banner` banner;
//! * any other protocol: only that the port speaks it ([`Service`] named after the protocol).
//!
//! Port: zgrab2 writes it only since late 2025 (the module's `port`); before that it is the target's (`port` of the
//! line, when the input gave one), the HTTP request's URL, [`Zgrab2Options::ports`] for the module name, or the
//! protocol's default ([`default_port`]), in that order. Time: the module's `timestamp` (RFC 3339).
//!
//! Statuses: `success` is a full report. A failure after the connection was made (`connection-closed`,
//! `io-timeout`, `handshake-error`, `post-tls-application-error`, `protocol-error`, `application-error`) still shows
//! the port open: it is reported open with no service data (what partial result zgrab2 kept is not used). A failure
//! without a connection (`connection-refused`, `connection-timeout`, `blocklisted-target`, `invalid-inputs`,
//! `unknown-error`), and any failure of a UDP module (`ntp`, `bacnet`: no answer is all UDP can tell), yields
//! nothing. Failures are counted, not rejected: they are findings, not bad records. A status zgrab2 does not write
//! is a reject. A target with a top-level `error` (its name did not resolve) and no data is skipped.

mod http;
#[cfg(test)]
mod tests;

use super::payload::certificate_from_base64;
use super::{Banner, PortReport, PortState, ScanSink, Service, SshHostKey, Transport};
use crate::lines::{LineReasons, Lines};
use crate::raw_json;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead};
use std::net::IpAddr;

/// Longest line read (bytes): zgrab2 lines carry HTTP bodies (256 KiB by default) and parsed certificates.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Longest HTTP body kept (bytes); longer bodies are cut at a character boundary, not rejected.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How to read a zgrab2 output.
#[derive(Debug, Clone, Default)]
pub struct Zgrab2Options {
    /// Port per module name, for outputs that do not say (zgrab2 before late 2025): the `port` of a multi-module
    /// ini's `[name]` section, or of the module run on the command line. Consulted after what the output itself
    /// says and before the protocol's default.
    pub ports: HashMap<String, u16>,
}

impl Zgrab2Options {
    /// These options with `port` for module `name`.
    pub fn with_port(mut self, name: &str, port: u16) -> Self {
        self.ports.insert(name.to_owned(), port);
        self
    }
}

/// The port zgrab2 scans by default with the module of `protocol`.
pub fn default_port(protocol: &str) -> Option<u16> {
    Some(match protocol {
        "http" | "banner" => 80,
        "tls" | "jarm" => 443,
        "ssh" => 22,
        "ftp" => 21,
        "telnet" => 23,
        "smtp" => 25,
        "pop3" => 110,
        "imap" => 143,
        "ntp" => 123,
        "siemens" => 102,
        "checkpoint" => 264,
        "smb" => 445,
        "modbus" => 502,
        "ipp" => 631,
        "mssql" => 1433,
        "oracle" => 1521,
        "pptp" => 1723,
        "codesys2" => 1200,
        "fox" => 1911,
        "mqtt" => 1883,
        "mysql" => 3306,
        "rdp" => 3389,
        "managesieve" => 4190,
        "postgres" => 5432,
        "amqp091" => 5672,
        "redis" => 6379,
        "omronfins" => 9600,
        "memcached" => 11211,
        "dnp3" => 20000,
        "mongodb" => 27017,
        "socks5" => 1080,
        "enip" => 44818,
        "bacnet" => 47808,
        "drda" => 50000,
        _ => return None,
    })
}

/// Protocols zgrab2 scans over UDP.
fn transport_of(protocol: &str) -> Transport {
    match protocol {
        "ntp" | "bacnet" => Transport::Udp,
        _ => Transport::Tcp,
    }
}

/// What one run of [`read_zgrab2`] did. `modules = succeeded + failed_reached + failed_unreached +
/// rejected_modules`, and every report comes from a succeeded or reached module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Zgrab2Stats {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Targets (objects) read.
    pub targets: u64,
    /// Module results read.
    pub modules: u64,
    /// Modules with status `success`.
    pub succeeded: u64,
    /// Modules that failed after reaching the port (reported open, without data).
    pub failed_reached: u64,
    /// Modules that failed without reaching the port (nothing reported).
    pub failed_unreached: u64,
    /// Modules rejected whole.
    pub rejected_modules: u64,
    /// Reports handed to the sink.
    pub ports: u64,
    /// Rejects of any kind: lines, targets, modules, single certificates.
    pub rejects: u64,
    /// Blank lines and targets without data (a name that did not resolve).
    pub skipped: u64,
}

/// Reads zgrab2 output from `input`, handing one report per reached module to `sink`. Only IO errors are fatal.
pub fn read_zgrab2<R: BufRead>(
    input: R,
    source: &str,
    options: &Zgrab2Options,
    sink: &mut impl ScanSink,
) -> io::Result<Zgrab2Stats> {
    let mut reader = Reader {
        source,
        options,
        sink,
        stats: Zgrab2Stats::default(),
    };
    let mut lines = Lines::with_max_bytes(input, MAX_LINE_BYTES);
    const REASONS: LineReasons = LineReasons {
        too_long: "zgrab2: line too long",
        invalid_utf8: "zgrab2: invalid UTF-8",
    };
    loop {
        let next = lines.next_line_or_reject(|why, location, message| {
            reader.stats.lines += 1;
            reader.reject(why.reason_in(&REASONS), location, message);
        })?;
        let Some(line) = next else {
            return Ok(reader.stats);
        };
        reader.stats.lines += 1;
        reader.line(line.number, line.text, line.terminated);
    }
}

/// What is wrong with a field.
#[derive(Debug, thiserror::Error)]
enum Problem {
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("missing")]
    Missing,
    #[error("{0:?} is not an IP address")]
    BadAddress(String),
    #[error("status {0:?} is not one zgrab2 writes")]
    UnknownStatus(String),
    #[error("port {0} is not a number in 1..=65535")]
    BadPort(String),
    #[error(
        "the output has no port for module {module:?} (protocol {protocol:?}) and none is known: \
         give one in the options"
    )]
    UnknownPort { module: String, protocol: String },
    #[error("timestamp {0:?} is not an RFC 3339 time")]
    BadTimestamp(String),
    #[error("{0}")]
    BadCertificate(String),
    #[error("expected {expected}, found {value}")]
    BadValue {
        expected: &'static str,
        value: String,
    },
}

impl Problem {
    fn reason(&self) -> &'static str {
        match self {
            Problem::WrongType { .. } | Problem::Missing | Problem::BadValue { .. } => {
                "zgrab2: bad record"
            }
            Problem::BadAddress(_) => "zgrab2: bad address",
            Problem::UnknownStatus(_) => "zgrab2: unknown status",
            Problem::BadPort(_) => "zgrab2: bad port",
            Problem::UnknownPort { .. } => "zgrab2: unknown port",
            Problem::BadTimestamp(_) => "zgrab2: bad timestamp",
            Problem::BadCertificate(_) => "zgrab2: bad certificate",
        }
    }
}

/// A problem and the JSON path of the field (`data.http.result.response.status_code`).
#[derive(Debug)]
struct FieldError {
    path: String,
    problem: Problem,
}

fn at(path: impl Into<String>, problem: Problem) -> FieldError {
    FieldError {
        path: path.into(),
        problem,
    }
}

/// A JSON object's members in the order written, values kept raw.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Parses a raw value as `T` (a struct of raw fields), or says what it is instead.
fn object<'a, T: Deserialize<'a>>(value: &'a RawValue, path: &str) -> Result<T, FieldError> {
    serde_json::from_str(value.get()).map_err(|_| {
        at(
            path,
            Problem::WrongType {
                expected: "an object",
                found: raw_json::kind(value),
            },
        )
    })
}

/// A string field; `None` when absent or null.
fn string<'a>(
    value: Option<&'a RawValue>,
    path: impl FnOnce() -> String,
) -> Result<Option<Cow<'a, str>>, FieldError> {
    match value {
        None => Ok(None),
        Some(value) if raw_json::is_null(value) => Ok(None),
        Some(value) => raw_json::json_string(value).map(Some).ok_or_else(|| {
            at(
                path(),
                Problem::WrongType {
                    expected: "a string",
                    found: raw_json::kind(value),
                },
            )
        }),
    }
}

/// An array field's elements; empty when absent or null.
fn array(
    value: Option<&RawValue>,
    path: impl FnOnce() -> String,
) -> Result<Vec<&RawValue>, FieldError> {
    match value {
        None => Ok(Vec::new()),
        Some(value) if raw_json::is_null(value) => Ok(Vec::new()),
        Some(value) => serde_json::from_str(value.get()).map_err(|_| {
            at(
                path(),
                Problem::WrongType {
                    expected: "an array",
                    found: raw_json::kind(value),
                },
            )
        }),
    }
}

/// A port field (a number, or a string of digits); `None` when absent, null or 0 (zgrab2's "not set").
fn port(
    value: Option<&RawValue>,
    path: impl FnOnce() -> String,
) -> Result<Option<u16>, FieldError> {
    let Some(value) = value.filter(|v| !raw_json::is_null(v)) else {
        return Ok(None);
    };
    let text = raw_json::json_string(value).unwrap_or(Cow::Borrowed(value.get()));
    match text.parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(port) => u16::try_from(port)
            .map(Some)
            .map_err(|_| at(path(), Problem::BadPort(text.into_owned()))),
        Err(_) => Err(at(path(), Problem::BadPort(text.into_owned()))),
    }
}

#[derive(Deserialize)]
struct Grab<'a> {
    #[serde(borrow)]
    ip: Option<&'a RawValue>,
    #[serde(borrow)]
    domain: Option<&'a RawValue>,
    #[serde(borrow)]
    port: Option<&'a RawValue>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ModuleResponse<'a> {
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    protocol: Option<&'a RawValue>,
    #[serde(borrow)]
    port: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
}

/// What a module's status says about its port.
enum Outcome {
    Success,
    Reached,
    Unreached,
}

fn outcome(status: &str) -> Option<Outcome> {
    Some(match status {
        "success" => Outcome::Success,
        "connection-closed"
        | "io-timeout"
        | "handshake-error"
        | "post-tls-application-error"
        | "protocol-error"
        | "application-error" => Outcome::Reached,
        "connection-refused" | "connection-timeout" | "blocklisted-target" | "invalid-inputs"
        | "unknown-error" => Outcome::Unreached,
        _ => return None,
    })
}

/// The target a line is about.
struct Target<'a> {
    address: Cow<'a, str>,
    names: Vec<String>,
    port: Option<u16>,
}

struct Reader<'a, S> {
    source: &'a str,
    options: &'a Zgrab2Options,
    sink: &'a mut S,
    stats: Zgrab2Stats,
}

impl<S: ScanSink> Reader<'_, S> {
    fn reject(&mut self, reason: &'static str, location: String, message: String) {
        self.stats.rejects += 1;
        self.sink.reject_at(reason, self.source, location, message);
    }

    fn field_reject(&mut self, number: u64, error: FieldError) {
        let location = if error.path.is_empty() {
            format!("line {number}")
        } else {
            format!("line {number}, {}", error.path)
        };
        self.reject(error.problem.reason(), location, error.problem.to_string());
    }

    fn line(&mut self, number: u64, line: &str, terminated: bool) {
        if line.trim().is_empty() {
            self.stats.skipped += 1;
            return;
        }
        let grab = match serde_json::from_str::<Grab<'_>>(line) {
            Ok(grab) => grab,
            Err(error) => {
                let (reason, message) = if !terminated && error.is_eof() {
                    (
                        "zgrab2: truncated",
                        format!("last line is cut short: {error}"),
                    )
                } else {
                    ("zgrab2: bad json", error.to_string())
                };
                return self.reject(reason, format!("line {number}"), message);
            }
        };
        self.stats.targets += 1;
        let data = match grab.data.filter(|d| !raw_json::is_null(d)) {
            None => {
                // A target zgrab2 could not scan at all (its name did not resolve): nothing to report.
                self.stats.skipped += 1;
                return;
            }
            Some(data) => match object::<Members<'_>>(data, "data") {
                Ok(members) => members.0,
                Err(error) => return self.field_reject(number, error),
            },
        };
        if data.is_empty() && grab.error.is_some() {
            self.stats.skipped += 1;
            return;
        }
        let target = match target(&grab) {
            Ok(target) => target,
            Err(error) => return self.field_reject(number, error),
        };
        for (name, response) in &data {
            self.stats.modules += 1;
            let module = Module {
                name,
                path: format!("data.{name}"),
                options: self.options,
            };
            let mut certificate_rejects = Vec::new();
            match module.report(response, &target, &mut certificate_rejects) {
                Ok((outcome, report)) => {
                    match outcome {
                        Outcome::Success => self.stats.succeeded += 1,
                        Outcome::Reached => self.stats.failed_reached += 1,
                        Outcome::Unreached => self.stats.failed_unreached += 1,
                    }
                    if let Some(report) = report {
                        self.stats.ports += 1;
                        self.sink.port(report);
                    }
                }
                Err(error) => {
                    self.stats.rejected_modules += 1;
                    self.field_reject(number, error);
                }
            }
            for error in certificate_rejects {
                self.field_reject(number, error);
            }
        }
    }
}

fn target<'a>(grab: &Grab<'a>) -> Result<Target<'a>, FieldError> {
    let address = string(grab.ip, || "ip".to_owned())?
        .filter(|ip| !ip.is_empty())
        .ok_or_else(|| at("ip", Problem::Missing))?;
    if address.parse::<IpAddr>().is_err() {
        return Err(at("ip", Problem::BadAddress(address.into_owned())));
    }
    let names = string(grab.domain, || "domain".to_owned())?
        .filter(|domain| !domain.is_empty())
        .map(|domain| vec![domain.into_owned()])
        .unwrap_or_default();
    Ok(Target {
        address,
        names,
        port: port(grab.port, || "port".to_owned())?,
    })
}

/// One module's result being read.
struct Module<'a> {
    name: &'a str,
    /// `data.<name>`.
    path: String,
    options: &'a Zgrab2Options,
}

impl Module<'_> {
    fn path(&self, rest: &str) -> String {
        format!("{}.{rest}", self.path)
    }

    /// The module's outcome and, when it reached its port, the report. Bad certificates go to
    /// `certificate_rejects` and the report keeps the others.
    fn report(
        &self,
        response: &RawValue,
        target: &Target<'_>,
        certificate_rejects: &mut Vec<FieldError>,
    ) -> Result<(Outcome, Option<PortReport>), FieldError> {
        let response: ModuleResponse<'_> = object(response, &self.path)?;
        let status = string(response.status, || self.path("status"))?
            .ok_or_else(|| at(self.path("status"), Problem::Missing))?;
        let outcome = outcome(&status).ok_or_else(|| {
            at(
                self.path("status"),
                Problem::UnknownStatus(status.clone().into_owned()),
            )
        })?;
        let protocol = string(response.protocol, || self.path("protocol"))?
            .unwrap_or(Cow::Borrowed(self.name));
        let transport = transport_of(&protocol);
        let outcome = match (outcome, transport) {
            (Outcome::Reached, Transport::Udp) => Outcome::Unreached,
            (outcome, _) => outcome,
        };
        if let Outcome::Unreached = outcome {
            return Ok((outcome, None));
        }
        let timestamp = string(response.timestamp, || self.path("timestamp"))?
            .ok_or_else(|| at(self.path("timestamp"), Problem::Missing))?;
        let time = rfc3339_micros(&timestamp).ok_or_else(|| {
            at(
                self.path("timestamp"),
                Problem::BadTimestamp(timestamp.into_owned()),
            )
        })?;
        let result = response.result.filter(|r| !raw_json::is_null(r));
        // What the result says, read first: the HTTP request's URL can give the port.
        let mut found = Found::default();
        if let (Outcome::Success, Some(result)) = (&outcome, result) {
            self.read_result(&protocol, result, &mut found, certificate_rejects)?;
        }
        let port = match port(response.port, || self.path("port"))?
            .or(target.port)
            .or(found.url_port)
            .or_else(|| self.options.ports.get(self.name).copied())
            .or_else(|| default_port(&protocol))
        {
            Some(port) => port,
            None => {
                return Err(at(
                    self.path.clone(),
                    Problem::UnknownPort {
                        module: self.name.to_owned(),
                        protocol: protocol.into_owned(),
                    },
                ));
            }
        };
        let mut report = PortReport::new(&target.address, port, transport, PortState::Open, time);
        report.names.clone_from(&target.names);
        if let Outcome::Success = outcome {
            if protocol != "banner" {
                report.service = Some(Service {
                    name: protocol.into_owned(),
                    tunnel: found.tls.then(|| "ssl".to_owned()),
                    ..Service::default()
                });
            }
            report.banners = found.banners;
            report.http = found.http;
            report.certificates = found.certificates;
            report.ssh_host_keys = found.ssh_host_keys;
        }
        Ok((outcome, Some(report)))
    }

    fn read_result(
        &self,
        protocol: &str,
        result: &RawValue,
        found: &mut Found,
        certificate_rejects: &mut Vec<FieldError>,
    ) -> Result<(), FieldError> {
        let path = self.path("result");
        match protocol {
            "http" => http::read(result, &path, found, certificate_rejects),
            "tls" => {
                let log: TlsLog<'_> = object(result, &path)?;
                if let Some(handshake) = log.handshake_log {
                    certificates(
                        handshake,
                        &format!("{path}.handshake_log"),
                        found,
                        certificate_rejects,
                    )?;
                }
                Ok(())
            }
            "ssh" => ssh(result, &path, found),
            "ftp" | "smtp" | "pop3" | "imap" | "banner" => {
                #[derive(Deserialize)]
                struct Greeting<'a> {
                    #[serde(borrow)]
                    banner: Option<&'a RawValue>,
                    #[serde(borrow)]
                    implicit_tls: Option<&'a RawValue>,
                    #[serde(borrow)]
                    tls: Option<&'a RawValue>,
                }
                let greeting: Greeting<'_> = object(result, &path)?;
                if let Some(banner) = string(greeting.banner, || format!("{path}.banner"))? {
                    found.banners.push(Banner {
                        scan_protocol: protocol.to_owned(),
                        text: banner.into_owned(),
                    });
                }
                // The service runs inside TLS only with implicit TLS (or the banner module's --tls); STARTTLS
                // upgrades a plain connection.
                found.tls = greeting.implicit_tls.is_some_and(|v| v.get() == "true")
                    || (protocol == "banner" && greeting.tls.is_some());
                if let Some(tls) = greeting.tls.filter(|t| !raw_json::is_null(t)) {
                    let tls_path = format!("{path}.tls");
                    let log: TlsLog<'_> = object(tls, &tls_path)?;
                    if let Some(handshake) = log.handshake_log {
                        certificates(
                            handshake,
                            &format!("{tls_path}.handshake_log"),
                            found,
                            certificate_rejects,
                        )?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// zgrab2's `TLSLog` (the `tls` module's result, `tls` of the mail and ftp modules, `tls_log` of HTTP requests).
#[derive(Deserialize)]
struct TlsLog<'a> {
    #[serde(borrow)]
    handshake_log: Option<&'a RawValue>,
}

/// What a module's result holds for the report.
#[derive(Default)]
struct Found {
    /// The port the HTTP request's URL names (or implies by its scheme).
    url_port: Option<u16>,
    /// Whether the service ran inside TLS (`https`, implicit TLS; not the `tls` module itself).
    tls: bool,
    banners: Vec<Banner>,
    http: Vec<super::HttpResponse>,
    certificates: Vec<Vec<u8>>,
    ssh_host_keys: Vec<SshHostKey>,
}

/// Microseconds since the epoch of an RFC 3339 time.
fn rfc3339_micros(text: &str) -> Option<i64> {
    let time =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(time.unix_timestamp_nanos() / 1000).ok()
}

/// The certificates of a zcrypto handshake log (`server_certificates.certificate` and `.chain[]`, `raw` base64
/// DER), leaf first. A bad one goes to `rejects`; a wrongly shaped log is an error.
fn certificates(
    handshake: &RawValue,
    path: &str,
    found: &mut Found,
    rejects: &mut Vec<FieldError>,
) -> Result<(), FieldError> {
    #[derive(Deserialize)]
    struct Handshake<'a> {
        #[serde(borrow)]
        server_certificates: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Certificates<'a> {
        #[serde(borrow)]
        certificate: Option<&'a RawValue>,
        #[serde(borrow)]
        chain: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Simple<'a> {
        #[serde(borrow)]
        raw: Option<&'a RawValue>,
    }
    if raw_json::is_null(handshake) {
        return Ok(());
    }
    let handshake: Handshake<'_> = object(handshake, path)?;
    let Some(server) = handshake
        .server_certificates
        .filter(|s| !raw_json::is_null(s))
    else {
        return Ok(());
    };
    let path = format!("{path}.server_certificates");
    let server: Certificates<'_> = object(server, &path)?;
    let leaf = server
        .certificate
        .map(|c| (format!("{path}.certificate"), c));
    let chain = array(server.chain, || format!("{path}.chain"))?;
    let chain = chain
        .into_iter()
        .enumerate()
        .map(|(i, c)| (format!("{path}.chain[{i}]"), c));
    for (path, certificate) in leaf.into_iter().chain(chain) {
        if raw_json::is_null(certificate) {
            continue;
        }
        let certificate: Simple<'_> = object(certificate, &path)?;
        let raw_path = format!("{path}.raw");
        let Some(raw) = string(certificate.raw, || raw_path.clone())? else {
            continue;
        };
        match certificate_from_base64(&raw) {
            Ok(der) => {
                if !found.certificates.contains(&der) {
                    found.certificates.push(der);
                }
            }
            Err(message) => rejects.push(at(raw_path, Problem::BadCertificate(message))),
        }
    }
    Ok(())
}

/// The ssh module: the server's identification string and host key.
fn ssh(result: &RawValue, path: &str, found: &mut Found) -> Result<(), FieldError> {
    #[derive(Deserialize)]
    struct Handshake<'a> {
        #[serde(borrow)]
        server_id: Option<&'a RawValue>,
        #[serde(borrow)]
        key_exchange: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct EndpointId<'a> {
        #[serde(borrow)]
        raw: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct KeyExchange<'a> {
        #[serde(borrow)]
        server_host_key: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct HostKey<'a> {
        #[serde(borrow)]
        algorithm: Option<&'a RawValue>,
        #[serde(borrow)]
        fingerprint_sha256: Option<&'a RawValue>,
        #[serde(borrow)]
        rsa_public_key: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct RsaKey {
        length: Option<u32>,
    }
    let handshake: Handshake<'_> = object(result, path)?;
    if let Some(server_id) = handshake.server_id.filter(|s| !raw_json::is_null(s)) {
        let id_path = format!("{path}.server_id");
        let id: EndpointId<'_> = object(server_id, &id_path)?;
        if let Some(raw) = string(id.raw, || format!("{id_path}.raw"))? {
            found.banners.push(Banner {
                scan_protocol: "ssh".to_owned(),
                text: raw.into_owned(),
            });
        }
    }
    let Some(key_exchange) = handshake.key_exchange.filter(|k| !raw_json::is_null(k)) else {
        return Ok(());
    };
    let kex_path = format!("{path}.key_exchange");
    let key_exchange: KeyExchange<'_> = object(key_exchange, &kex_path)?;
    let Some(host_key) = key_exchange
        .server_host_key
        .filter(|k| !raw_json::is_null(k))
    else {
        return Ok(());
    };
    let key_path = format!("{kex_path}.server_host_key");
    let host_key: HostKey<'_> = object(host_key, &key_path)?;
    let algorithm = string(host_key.algorithm, || format!("{key_path}.algorithm"))?;
    let fingerprint = string(host_key.fingerprint_sha256, || {
        format!("{key_path}.fingerprint_sha256")
    })?;
    let (Some(key_type), Some(fingerprint)) = (algorithm, fingerprint) else {
        return Ok(());
    };
    let rsa_bits = host_key
        .rsa_public_key
        .and_then(|key| serde_json::from_str::<RsaKey>(key.get()).ok())
        .and_then(|key| key.length);
    let bits = rsa_bits.or(match key_type.as_ref() {
        "ssh-ed25519" | "ecdsa-sha2-nistp256" => Some(256),
        "ecdsa-sha2-nistp384" => Some(384),
        "ecdsa-sha2-nistp521" => Some(521),
        _ => None,
    });
    let sha256 = Some(fingerprint.to_ascii_lowercase());
    found.ssh_host_keys.push(SshHostKey {
        key_type: key_type.into_owned(),
        fingerprint: fingerprint.into_owned(),
        sha256,
        bits,
    });
    Ok(())
}
