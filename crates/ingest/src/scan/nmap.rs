//! nmap XML output (`nmap -oX`, the `.xml` of `-oA`): each scanned port of each host that is up becomes a
//! [`PortReport`], each such host a [`HostScanned`] per scanned transport.
//!
//! # What is read
//! * `nmaprun@start`; `scaninfo@protocol,services` (the port ranges probed per transport).
//! * `host@starttime,endtime` with `status@state` (only `up` hosts report anything), the first `address` of type
//!   `ipv4` or `ipv6` (MAC addresses are ignored), `hostnames/hostname` of type `user` or `PTR`.
//! * `ports/extraports@state,count` with `extrareasons@proto,count`: what the unlisted ports were, per transport.
//! * `ports/port@protocol,portid` with `state@state` (`open|filtered`, `closed|filtered` and `unfiltered` are
//!   [`PortState::Filtered`]); `service@name,product,version,extrainfo,tunnel` and its `cpe`s. Services nmap only
//!   guessed from the port number (`method="table"`) are left out: they are not an observation. An unrecognised
//!   service's fingerprint (`servicefp`) becomes a [`Banner`] with scan protocol `nmap-servicefp`, as written:
//!   it holds what the service answered to nmap's probes, often the only record of it.
//! * Port scripts: `banner`, `http-headers`, `http-server-header`, `http-title`, `http-generator`,
//!   `http-cookie-flags`, `http-affiliate-id` (tracker ids), `http-referer-checker` (scripts from other sites)
//!   (feeding one [`HttpResponse`] per port), `ssl-cert` (the leaf certificate, PEM → DER),
//!   `ssh-hostkey`. Other scripts, host scripts, OS detection and traces are skipped. nmap's `http-headers`
//!   prints the headers without the status line, so the status is only known when a line `HTTP/1.1 200 …` is
//!   there; `http-server-header` adds a `Server` header only when `http-headers` gave none.
//! * A report's time is the host's `endtime`, else its `starttime`, else the run's `start`.
//!
//! # Escapes undone
//! nmap writes every byte outside printable ASCII of its own strings (product names, host names) as a character
//! reference of its own (`caf&#xc3;&#xa9;`); these are put back together as UTF-8. Script output goes through
//! nmap's `protect_xml` first, which writes such bytes as `\xNN` (`caf\xC3\xA9`); that is undone for the script
//! text read here (a literal `\x41` in a script's output is read as `A`: nmap's escaping is not reversible). The
//! `banner` script also wraps its output into lines of fixed width, so its line breaks are removed (real ones
//! are `\x0A`); by default it keeps only the first 63 characters (more with `-v`), ending in `...`.
//!
//! # Streaming and limits
//! One XML event at a time, one host at a time: memory stays flat on multi-GB files. A single tag or text run
//! longer than [`MAX_EVENT_BYTES`], elements nested deeper than 64 or an element name longer than 64 bytes end
//! the run (`nmap: too large`); script element text longer than 1 MiB rejects that script; a host whose ports
//! buffer more than 32 MiB has them emitted early; at most 64 host names, cpes, cookie names and host keys are
//! kept per host, service or port.
//!
//! # Errors
//! Rejects go to the sink with short stable reasons (`nmap: …`) and a location such as
//! `byte 1234, host 192.0.2.1, port 80/tcp`. A bad port or script is rejected alone; a host with a bad or no
//! address or time is rejected with its ports. Malformed XML ends the run (`nmap: bad xml`): XML cannot be
//! resynchronised reliably. A truncated file (an nmap run that was killed) is one `nmap: truncated` reject;
//! everything before it is emitted, including the complete ports of the host it cuts, but that host gets no
//! [`HostScanned`]. Concatenated runs (`cat a.xml b.xml`) are read one after the other.

use super::{
    Banner, HostScanned, HttpResponse, PortReport, PortState, ScanSink, Service, SshHostKey,
    Transport,
};
use crate::epoch;
use base64::Engine as _;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest single XML event (one tag with its attributes, or one run of text) read into memory.
pub const MAX_EVENT_BYTES: usize = 16 << 20;
/// Longest text of one script `elem` or `cpe` kept.
const MAX_TEXT_BYTES: usize = 1 << 20;
/// Deepest element nesting accepted (nmap's own output stays below 15).
const MAX_DEPTH: usize = 64;
/// Longest element name accepted (nmap's are at most 14 bytes); bounds the names the XML reader keeps.
const MAX_NAME_BYTES: usize = 64;
/// Buffered reports of one host above which they are emitted before the host ends.
const HOST_FLUSH_BYTES: usize = 32 << 20;
/// Most host names, cpes, cookie names, servers and keys kept per host, service or script.
const MAX_LIST: usize = 64;
/// Read buffer capacity kept between events; a larger one (after a long event) is given back.
const KEEP_BUFFER_BYTES: usize = 64 << 10;

/// Reject reasons, stable keys for the import report.
pub mod reasons {
    /// Malformed XML; the run ends there.
    pub const BAD_XML: &str = "nmap: bad xml";
    /// The input ends inside the run.
    pub const TRUNCATED: &str = "nmap: truncated";
    /// An XML event, nesting or element name beyond the limits; the run ends there. Also a script text too
    /// long (that script only).
    pub const TOO_LARGE: &str = "nmap: too large";
    /// The document is not an nmap run.
    pub const NOT_NMAP: &str = "nmap: not nmap";
    /// A host without a readable IPv4 or IPv6 address.
    pub const BAD_ADDRESS: &str = "nmap: bad address";
    /// A host without a readable time.
    pub const BAD_TIME: &str = "nmap: bad time";
    /// A port with a bad `portid`, `protocol` or state.
    pub const BAD_PORT: &str = "nmap: bad port";
    /// An `ssl-cert` script whose PEM does not decode.
    pub const BAD_CERTIFICATE: &str = "nmap: bad certificate";
    /// A `scaninfo` whose `services` are not port ranges (that transport gets no coverage).
    pub const BAD_SCANINFO: &str = "nmap: bad scaninfo";
    /// An `extraports` with a bad state or count (the host's unlisted ports stay unknown).
    pub const BAD_EXTRAPORTS: &str = "nmap: bad extraports";
}

/// What one nmap XML input produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NmapStats {
    /// Bytes of input read.
    pub bytes: u64,
    /// Hosts that were up and readable.
    pub hosts: u64,
    /// Hosts that were not up (down, unknown): nothing reported for them.
    pub hosts_down: u64,
    /// Port reports handed to the sink.
    pub ports: u64,
    /// Host coverage records handed to the sink.
    pub host_scans: u64,
    /// Ports of transports tigr has no name for (SCTP, IP protocol scans), skipped.
    pub skipped_ports: u64,
    /// Rejects handed to the sink.
    pub rejects: u64,
}

impl NmapStats {
    /// Adds another input's counts.
    pub fn add(&mut self, other: NmapStats) {
        self.bytes += other.bytes;
        self.hosts += other.hosts;
        self.hosts_down += other.hosts_down;
        self.ports += other.ports;
        self.host_scans += other.host_scans;
        self.skipped_ports += other.skipped_ports;
        self.rejects += other.rejects;
    }
}

/// Reads nmap XML from `input` (named `source` in rejects) into `sink`. Only a failure to read the input is an
/// error; everything wrong with its content is a reject.
pub fn read_nmap<R: BufRead>(
    input: R,
    source: &str,
    sink: &mut impl ScanSink,
) -> io::Result<NmapStats> {
    let mut reader = Reader::from_reader(Capped {
        inner: input,
        budget: 0,
        consumed: 0,
    });
    let mut parser = Parser::new(source, sink);
    let mut buf = Vec::with_capacity(KEEP_BUFFER_BYTES);
    loop {
        buf.clear();
        if buf.capacity() > KEEP_BUFFER_BYTES {
            buf.shrink_to(KEEP_BUFFER_BYTES);
        }
        reader.get_mut().budget = MAX_EVENT_BYTES;
        let at = reader.buffer_position();
        let step = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(tag)) => parser.start(&tag, at, false),
            Ok(Event::Empty(tag)) => parser.start(&tag, at, true),
            Ok(Event::End(_)) => {
                parser.end();
                Ok(())
            }
            Ok(Event::Text(text)) => {
                parser.text(&text.xml10_content());
                Ok(())
            }
            Ok(Event::CData(data)) => {
                parser.text(&data.xml10_content());
                Ok(())
            }
            Ok(Event::GeneralRef(reference)) => parser.reference(&reference, at),
            Ok(Event::Eof) => {
                parser.eof(reader.buffer_position());
                break;
            }
            Ok(Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_)) => Ok(()),
            Err(error) => Err(classify(error, at, &mut reader)?),
        };
        if let Err(stop) = step {
            parser.stop(stop);
            break;
        }
    }
    parser.stats.bytes = reader.get_ref().consumed;
    Ok(parser.stats)
}

/// Why the run ends before the end of the input.
#[derive(Debug)]
struct Stop {
    reason: &'static str,
    at: u64,
    message: String,
}

/// Sorts a reader error into a run-ending reject, or the input's own failure.
fn classify<R: BufRead>(
    error: quick_xml::Error,
    at: u64,
    reader: &mut Reader<Capped<R>>,
) -> io::Result<Stop> {
    match error {
        quick_xml::Error::Io(io_error) => {
            if io_error
                .get_ref()
                .is_some_and(|inner| inner.is::<EventTooLarge>())
            {
                return Ok(Stop {
                    reason: reasons::TOO_LARGE,
                    at,
                    message: format!("an XML tag or text longer than {MAX_EVENT_BYTES} bytes"),
                });
            }
            Err(std::sync::Arc::try_unwrap(io_error)
                .unwrap_or_else(|shared| io::Error::new(shared.kind(), shared.to_string())))
        }
        quick_xml::Error::Syntax(_)
        | quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::UnclosedReference) => {
            // These all mean "… not closed before the end of the input": at the end of the input that is a cut
            // file, elsewhere (`<!x`, `a & b`) a broken one.
            let capped = reader.get_mut();
            if capped.inner.fill_buf()?.is_empty() {
                Ok(Stop {
                    reason: reasons::TRUNCATED,
                    at: capped.consumed,
                    message: format!(
                        "input ends at byte {} inside a tag or reference ({error})",
                        capped.consumed
                    ),
                })
            } else {
                Ok(Stop {
                    reason: reasons::BAD_XML,
                    at: reader.error_position(),
                    message: error.to_string(),
                })
            }
        }
        other => Ok(Stop {
            reason: reasons::BAD_XML,
            at: reader.error_position(),
            message: other.to_string(),
        }),
    }
}

/// The marker error [`Capped`] returns once an event has used its budget.
#[derive(Debug, thiserror::Error)]
#[error("XML event longer than {MAX_EVENT_BYTES} bytes")]
struct EventTooLarge;

/// The input, with a byte budget per XML event (so one runaway tag cannot grow the read buffer without bound) and
/// a count of bytes consumed.
struct Capped<R> {
    inner: R,
    budget: usize,
    consumed: u64,
}

impl<R: BufRead> Read for Capped<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Capped<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.budget == 0 {
            return Err(io::Error::other(EventTooLarge));
        }
        let available = self.inner.fill_buf()?;
        let n = available.len().min(self.budget);
        Ok(&available[..n])
    }

    fn consume(&mut self, n: usize) {
        self.budget = self.budget.saturating_sub(n);
        self.consumed += n as u64;
        self.inner.consume(n);
    }
}

/// The elements whose content matters; everything else is [`Node::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Run,
    Host,
    Hostnames,
    Ports,
    ExtraPorts,
    Port,
    Service,
    Cpe,
    Script,
    Table,
    Elem,
    Other,
}

impl Node {
    fn tag(self) -> &'static str {
        match self {
            Node::Run => "nmaprun",
            Node::Host => "host",
            Node::Hostnames => "hostnames",
            Node::Ports => "ports",
            Node::ExtraPorts => "extraports",
            Node::Port => "port",
            Node::Service => "service",
            Node::Cpe => "cpe",
            Node::Script => "script",
            Node::Table => "table",
            Node::Elem => "elem",
            Node::Other => "?",
        }
    }
}

/// What the current run says about coverage.
#[derive(Debug, Default)]
struct Run {
    /// `nmaprun@start`, µs; `Err` with the bad text.
    start: Option<Result<i64, String>>,
    /// Port ranges probed per transport, in `scaninfo` order.
    coverage: Vec<(Transport, Vec<(u16, u16)>)>,
}

/// Whether a host's reports may go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Undecided,
    Accepted,
    /// Down or rejected: its reports are dropped.
    Dropped,
}

/// One `extraports` element.
#[derive(Debug)]
struct Extra {
    state: PortState,
    count: u64,
    /// Counts per transport from its `extrareasons`; empty when nmap did not say (older versions).
    by_transport: Vec<(Transport, u64)>,
}

/// A report, a reject or a skipped port of the current host, in input order.
#[derive(Debug)]
enum Pending {
    Port(Box<PortReport>),
    Reject(&'static str, String, String),
    Skipped,
}

/// The host being read.
#[derive(Debug)]
struct HostBuilder {
    at: u64,
    /// `endtime`, else `starttime`, else the run's start; `Err` with what is wrong.
    time: Result<i64, String>,
    /// `status@state`, once seen.
    status: Option<String>,
    /// The first IPv4/IPv6 address, as written.
    address: Option<String>,
    /// What is wrong with that address.
    address_problem: Option<String>,
    names: Vec<String>,
    extras: Vec<Extra>,
    extras_problem: Option<(u64, String)>,
    pending: Vec<Pending>,
    pending_bytes: usize,
    verdict: Verdict,
}

impl HostBuilder {
    /// The address as written, for locations.
    fn address_text(&self) -> &str {
        self.address.as_deref().unwrap_or("?")
    }

    /// The dominant state of the ports nmap did not list, for `transport`: the state covering most of them.
    fn unlisted(&self, transport: Transport) -> Option<PortState> {
        if self.extras_problem.is_some() {
            return None;
        }
        let mut tally: Vec<(PortState, u64)> = Vec::new();
        for extra in &self.extras {
            let count = if extra.by_transport.is_empty() {
                extra.count
            } else {
                extra
                    .by_transport
                    .iter()
                    .filter(|(t, _)| *t == transport)
                    .map(|(_, n)| n)
                    .sum()
            };
            if count == 0 {
                continue;
            }
            match tally.iter_mut().find(|(state, _)| *state == extra.state) {
                Some((_, n)) => *n += count,
                None => tally.push((extra.state, count)),
            }
        }
        // The first of the largest, so ties go to the state nmap listed first.
        let mut best: Option<(PortState, u64)> = None;
        for (state, n) in tally {
            if best.is_none_or(|(_, most)| n > most) {
                best = Some((state, n));
            }
        }
        best.map(|(state, _)| state)
    }
}

/// The port being read.
#[derive(Debug)]
struct PortBuilder {
    at: u64,
    protocol: String,
    portid: String,
    /// `None` for transports tigr does not model (sctp, ip).
    transport: Option<Transport>,
    number: u16,
    state: Option<PortState>,
    /// The first thing wrong with the port's own attributes.
    problem: Option<String>,
    service: Option<Service>,
    /// The `service` element is a port-number guess: its cpes are skipped too.
    guessed_service: bool,
    banners: Vec<Banner>,
    certificates: Vec<Vec<u8>>,
    ssh_host_keys: Vec<SshHostKey>,
    http: HttpResponse,
    http_seen: bool,
    server_header: Option<String>,
    /// Rejected scripts: reason, script byte offset, script id, message.
    script_rejects: Vec<(&'static str, u64, &'static str, String)>,
}

impl PortBuilder {
    fn note_problem(&mut self, problem: String) {
        self.problem.get_or_insert(problem);
    }
}

/// The port scripts read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScriptKind {
    Banner,
    HttpHeaders,
    HttpServerHeader,
    HttpTitle,
    HttpGenerator,
    HttpAffiliateId,
    HttpRefererChecker,
    HttpCookieFlags,
    SslCert,
    SshHostKey,
}

impl ScriptKind {
    fn from_id(id: &str) -> Option<ScriptKind> {
        Some(match id {
            "banner" => ScriptKind::Banner,
            "http-headers" => ScriptKind::HttpHeaders,
            "http-server-header" => ScriptKind::HttpServerHeader,
            "http-title" => ScriptKind::HttpTitle,
            "http-generator" => ScriptKind::HttpGenerator,
            "http-affiliate-id" => ScriptKind::HttpAffiliateId,
            "http-referer-checker" => ScriptKind::HttpRefererChecker,
            "http-cookie-flags" => ScriptKind::HttpCookieFlags,
            "ssl-cert" => ScriptKind::SslCert,
            "ssh-hostkey" => ScriptKind::SshHostKey,
            _ => return None,
        })
    }

    fn id(self) -> &'static str {
        match self {
            ScriptKind::Banner => "banner",
            ScriptKind::HttpHeaders => "http-headers",
            ScriptKind::HttpServerHeader => "http-server-header",
            ScriptKind::HttpTitle => "http-title",
            ScriptKind::HttpGenerator => "http-generator",
            ScriptKind::HttpAffiliateId => "http-affiliate-id",
            ScriptKind::HttpRefererChecker => "http-referer-checker",
            ScriptKind::HttpCookieFlags => "http-cookie-flags",
            ScriptKind::SslCert => "ssl-cert",
            ScriptKind::SshHostKey => "ssh-hostkey",
        }
    }

    /// Whether the script's structured output (`table`/`elem`) is read, rather than only its `output` text.
    fn reads_elements(self) -> bool {
        matches!(
            self,
            ScriptKind::HttpServerHeader
                | ScriptKind::HttpTitle
                | ScriptKind::HttpCookieFlags
                | ScriptKind::SslCert
                | ScriptKind::SshHostKey
        )
    }
}

/// A key table of `ssh-hostkey` being read.
#[derive(Debug, Default)]
struct KeyTable {
    key_type: Option<String>,
    fingerprint: Option<String>,
    bits: Option<String>,
    key: Option<String>,
}

/// The port script being read (a known one; others are skipped).
#[derive(Debug)]
struct ScriptBuilder {
    kind: ScriptKind,
    at: u64,
    /// The `output` attribute, still with nmap's `\xNN` escapes (the banner script's need their own treatment).
    output: String,
    /// Keys of the open `table`s inside the script, outermost first.
    tables: Vec<Option<String>>,
    elem_key: Option<String>,
    too_large: bool,
    title: Option<String>,
    redirect: Option<String>,
    servers: Vec<String>,
    cookies: Vec<String>,
    pem: Option<String>,
    key_table: Option<KeyTable>,
    keys: Vec<SshHostKey>,
}

impl ScriptBuilder {
    fn table_start(&mut self, key: Option<String>) {
        self.tables.push(key);
        match (self.kind, self.tables.as_slice()) {
            // http-cookie-flags: path → cookie name → issues.
            (ScriptKind::HttpCookieFlags, [Some(_), Some(cookie)]) => {
                push_unique(&mut self.cookies, cookie.clone());
            }
            (ScriptKind::SshHostKey, [None]) => self.key_table = Some(KeyTable::default()),
            _ => {}
        }
    }

    fn table_end(&mut self) {
        if self.kind == ScriptKind::SshHostKey
            && self.tables.as_slice() == [None]
            && let Some(table) = self.key_table.take()
            && let (Some(key_type), Some(fingerprint)) = (table.key_type, table.fingerprint)
            && self.keys.len() < MAX_LIST
        {
            self.keys.push(SshHostKey {
                key_type,
                fingerprint,
                sha256: table.key.as_deref().and_then(key_sha256),
                // A bits value nmap would not write is left out rather than losing the key.
                bits: table.bits.and_then(|bits| bits.trim().parse().ok()),
            });
        }
        self.tables.pop();
    }

    fn elem_end(&mut self, text: String) {
        let key = self.elem_key.take();
        match (self.kind, self.tables.as_slice(), key.as_deref()) {
            (ScriptKind::HttpTitle, [], Some("title")) => self.title = Some(text),
            (ScriptKind::HttpTitle, [], Some("redirect_url")) => self.redirect = Some(text),
            (ScriptKind::HttpServerHeader, [], None) => push_unique(&mut self.servers, text),
            (ScriptKind::SslCert, [], Some("pem")) => self.pem = Some(text),
            (ScriptKind::SshHostKey, [None], Some(field)) => {
                if let Some(table) = &mut self.key_table {
                    match field {
                        "type" => table.key_type = Some(text),
                        "fingerprint" => table.fingerprint = Some(text),
                        "bits" => table.bits = Some(text),
                        "key" => table.key = Some(text),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// The reader's state between events.
struct Parser<'a, S> {
    source: &'a str,
    sink: &'a mut S,
    stats: NmapStats,
    stack: Vec<Node>,
    runs_seen: u64,
    run: Run,
    host: Option<HostBuilder>,
    port: Option<PortBuilder>,
    script: Option<ScriptBuilder>,
    /// Text of the open `cpe` or script `elem`.
    text: String,
    text_too_long: bool,
}

impl<'a, S: ScanSink> Parser<'a, S> {
    fn new(source: &'a str, sink: &'a mut S) -> Self {
        Parser {
            source,
            sink,
            stats: NmapStats::default(),
            stack: Vec::new(),
            runs_seen: 0,
            run: Run::default(),
            host: None,
            port: None,
            script: None,
            text: String::new(),
            text_too_long: false,
        }
    }

    fn reject(&mut self, reason: &'static str, location: String, message: String) {
        self.stats.rejects += 1;
        self.sink.reject_at(reason, self.source, location, message);
    }

    fn start(&mut self, tag: &BytesStart<'_>, at: u64, empty: bool) -> Result<(), Stop> {
        let name = tag.name();
        let name = name.as_ref();
        if name.len() > MAX_NAME_BYTES {
            return Err(Stop {
                reason: reasons::TOO_LARGE,
                at,
                message: format!("element name longer than {MAX_NAME_BYTES} bytes"),
            });
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Stop {
                reason: reasons::TOO_LARGE,
                at,
                message: format!("elements nested deeper than {MAX_DEPTH}"),
            });
        }
        let parent = self.stack.last().copied();
        let node = match (parent, name) {
            (None, "nmaprun") => self.run_start(tag, at)?,
            (None, _) => {
                return Err(Stop {
                    reason: reasons::NOT_NMAP,
                    at,
                    message: format!("root element <{name}>, not <nmaprun>"),
                });
            }
            (Some(Node::Run), "scaninfo") => self.scaninfo(tag, at)?,
            (Some(Node::Run), "host") => self.host_start(tag, at)?,
            (Some(Node::Host), _) => self.host_child(name, tag)?,
            (Some(Node::Hostnames), "hostname") => self.hostname(tag)?,
            (Some(Node::Ports), "extraports") => self.extraports(tag, at)?,
            (Some(Node::ExtraPorts), "extrareasons") => self.extrareasons(tag, at)?,
            (Some(Node::Ports), "port") => self.port_start(tag, at)?,
            (Some(Node::Port), "state") => self.port_state(tag)?,
            (Some(Node::Port), "service") => self.service(tag)?,
            (Some(Node::Port), "script") => self.script_start(tag, at)?,
            (Some(Node::Service), "cpe") => self.text_start(Node::Cpe),
            (Some(Node::Script | Node::Table), "table") if self.script.is_some() => {
                let key = optional_script_text(attributes(tag, ["key"], at)?[0].as_ref(), at)?;
                if let Some(script) = &mut self.script {
                    script.table_start(key);
                }
                Node::Table
            }
            (Some(Node::Script | Node::Table), "elem") if self.script.is_some() => {
                let key = optional_script_text(attributes(tag, ["key"], at)?[0].as_ref(), at)?;
                if let Some(script) = &mut self.script {
                    script.elem_key = key;
                }
                self.text_start(Node::Elem)
            }
            _ => Node::Other,
        };
        self.stack.push(node);
        if empty {
            self.end();
        }
        Ok(())
    }

    fn text_start(&mut self, node: Node) -> Node {
        self.text.clear();
        self.text_too_long = false;
        node
    }

    fn run_start(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [start] = attributes(tag, ["start"], at)?;
        self.runs_seen += 1;
        self.run = Run {
            start: optional_text(start.as_ref(), at)?
                .map(|text| epoch::seconds_text_to_micros(&text).ok_or(text)),
            coverage: Vec::new(),
        };
        Ok(Node::Run)
    }

    fn scaninfo(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [protocol, services] = attributes(tag, ["protocol", "services"], at)?;
        let transport = match optional_text(protocol.as_ref(), at)?.as_deref() {
            Some("tcp") => Transport::Tcp,
            Some("udp") => Transport::Udp,
            _ => return Ok(Node::Other),
        };
        let services = optional_text(services.as_ref(), at)?.unwrap_or_default();
        match parse_port_ranges(&services) {
            Ok(ranges) if ranges.is_empty() => {}
            Ok(ranges) => match self.run.coverage.iter_mut().find(|(t, _)| *t == transport) {
                Some((_, known)) => {
                    known.extend(ranges);
                    *known = merge_ranges(std::mem::take(known));
                }
                None => self.run.coverage.push((transport, merge_ranges(ranges))),
            },
            Err(message) => self.reject(
                reasons::BAD_SCANINFO,
                format!("byte {at}, scaninfo {}", transport.as_str()),
                message,
            ),
        }
        Ok(Node::Other)
    }

    fn host_start(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [starttime, endtime] = attributes(tag, ["starttime", "endtime"], at)?;
        let time = |attribute: &Option<Attribute<'_>>, field: &str| {
            optional_text(attribute.as_ref(), at).map(|text| {
                text.map(|text| {
                    epoch::seconds_text_to_micros(&text).ok_or(format!("bad {field} {text:?}"))
                })
            })
        };
        let time = match (time(&endtime, "endtime")?, time(&starttime, "starttime")?) {
            (Some(endtime), _) => endtime,
            (None, Some(starttime)) => starttime,
            (None, None) => match &self.run.start {
                Some(Ok(start)) => Ok(*start),
                Some(Err(text)) => Err(format!(
                    "no endtime or starttime, and a bad nmaprun start {text:?}"
                )),
                None => Err("no endtime, starttime or nmaprun start".to_owned()),
            },
        };
        self.host = Some(HostBuilder {
            at,
            time,
            status: None,
            address: None,
            address_problem: None,
            names: Vec::new(),
            extras: Vec::new(),
            extras_problem: None,
            pending: Vec::new(),
            pending_bytes: 0,
            verdict: Verdict::Undecided,
        });
        Ok(Node::Host)
    }

    fn host_child(&mut self, name: &str, tag: &BytesStart<'_>) -> Result<Node, Stop> {
        let at = self.host.as_ref().map_or(0, |host| host.at);
        let Some(host) = &mut self.host else {
            return Ok(Node::Other);
        };
        match name {
            "status" => {
                let [state] = attributes(tag, ["state"], at)?;
                if host.status.is_none() {
                    host.status = Some(optional_text(state.as_ref(), at)?.unwrap_or_default());
                }
                Ok(Node::Other)
            }
            "address" => {
                let [addr, addrtype] = attributes(tag, ["addr", "addrtype"], at)?;
                let addrtype = optional_text(addrtype.as_ref(), at)?.unwrap_or_default();
                if host.address.is_none() && matches!(addrtype.as_str(), "ipv4" | "ipv6") {
                    let addr = optional_text(addr.as_ref(), at)?.unwrap_or_default();
                    if !valid_address(&addr, &addrtype) {
                        host.address_problem =
                            Some(format!("bad addr {addr:?} for addrtype {addrtype}"));
                    }
                    host.address = Some(addr);
                }
                Ok(Node::Other)
            }
            "hostnames" => Ok(Node::Hostnames),
            "ports" => Ok(Node::Ports),
            _ => Ok(Node::Other),
        }
    }

    fn hostname(&mut self, tag: &BytesStart<'_>) -> Result<Node, Stop> {
        let Some(host) = &mut self.host else {
            return Ok(Node::Other);
        };
        let at = host.at;
        let [name, kind] = attributes(tag, ["name", "type"], at)?;
        let kind = optional_text(kind.as_ref(), at)?;
        if matches!(kind.as_deref(), Some("user" | "PTR"))
            && let Some(name) = optional_text(name.as_ref(), at)?
            && !name.is_empty()
            && host.names.len() < MAX_LIST
        {
            push_unique(&mut host.names, name);
        }
        Ok(Node::Other)
    }

    fn extraports(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [state, count] = attributes(tag, ["state", "count"], at)?;
        let state = optional_text(state.as_ref(), at)?.unwrap_or_default();
        let count = optional_text(count.as_ref(), at)?.unwrap_or_default();
        let Some(host) = &mut self.host else {
            return Ok(Node::Other);
        };
        match (port_state(&state), count.parse::<u64>()) {
            (Some(state), Ok(count)) => host.extras.push(Extra {
                state,
                count,
                by_transport: Vec::new(),
            }),
            (None, _) => {
                host.extras_problem
                    .get_or_insert((at, format!("bad extraports state {state:?}")));
            }
            (_, Err(_)) => {
                host.extras_problem
                    .get_or_insert((at, format!("bad extraports count {count:?}")));
            }
        }
        Ok(Node::ExtraPorts)
    }

    fn extrareasons(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [proto, count] = attributes(tag, ["proto", "count"], at)?;
        let proto = optional_text(proto.as_ref(), at)?;
        let count = optional_text(count.as_ref(), at)?.unwrap_or_default();
        let Some(host) = &mut self.host else {
            return Ok(Node::Other);
        };
        let transport = match proto.as_deref() {
            Some("tcp") => Transport::Tcp,
            Some("udp") => Transport::Udp,
            // Reasons without a protocol (older nmap) leave the extraports count for every transport.
            _ => return Ok(Node::Other),
        };
        match count.parse::<u64>() {
            Ok(n) => {
                if let Some(extra) = host.extras.last_mut()
                    && extra.by_transport.len() < MAX_LIST
                {
                    extra.by_transport.push((transport, n));
                }
            }
            Err(_) => {
                host.extras_problem
                    .get_or_insert((at, format!("bad extrareasons count {count:?}")));
            }
        }
        Ok(Node::Other)
    }

    fn port_start(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [protocol, portid] = attributes(tag, ["protocol", "portid"], at)?;
        let protocol = optional_text(protocol.as_ref(), at)?.unwrap_or_default();
        let portid = optional_text(portid.as_ref(), at)?.unwrap_or_default();
        let mut port = PortBuilder {
            at,
            protocol: String::new(),
            portid: String::new(),
            transport: None,
            number: 0,
            state: None,
            problem: None,
            service: None,
            guessed_service: false,
            banners: Vec::new(),
            certificates: Vec::new(),
            ssh_host_keys: Vec::new(),
            http: HttpResponse::default(),
            http_seen: false,
            server_header: None,
            script_rejects: Vec::new(),
        };
        match protocol.as_str() {
            "tcp" => port.transport = Some(Transport::Tcp),
            "udp" => port.transport = Some(Transport::Udp),
            "sctp" | "ip" => {}
            _ => port.note_problem(format!("bad protocol {protocol:?}")),
        }
        match parse_port_number(&portid) {
            Some(number) => port.number = number,
            None => port.note_problem(format!("bad portid {portid:?}")),
        }
        port.protocol = protocol;
        port.portid = portid;
        self.port = Some(port);
        Ok(Node::Port)
    }

    fn port_state(&mut self, tag: &BytesStart<'_>) -> Result<Node, Stop> {
        let Some(port) = &mut self.port else {
            return Ok(Node::Other);
        };
        let [state] = attributes(tag, ["state"], port.at)?;
        let state = optional_text(state.as_ref(), port.at)?.unwrap_or_default();
        match port_state(&state) {
            Some(state) => port.state = Some(state),
            None => port.note_problem(format!("bad state {state:?}")),
        }
        Ok(Node::Other)
    }

    fn service(&mut self, tag: &BytesStart<'_>) -> Result<Node, Stop> {
        let Some(port) = &mut self.port else {
            return Ok(Node::Other);
        };
        let at = port.at;
        let [name, product, version, extrainfo, tunnel, method, servicefp] = attributes(
            tag,
            [
                "name",
                "product",
                "version",
                "extrainfo",
                "tunnel",
                "method",
                "servicefp",
            ],
            at,
        )?;
        if let Some(fingerprint) = optional_text(servicefp.as_ref(), at)?
            && !fingerprint.is_empty()
        {
            port.banners.push(Banner {
                scan_protocol: "nmap-servicefp".to_owned(),
                text: fingerprint,
            });
        }
        let non_empty = |attribute: &Option<Attribute<'_>>| {
            optional_text(attribute.as_ref(), at).map(|text| text.filter(|t| !t.is_empty()))
        };
        if optional_text(method.as_ref(), at)?.as_deref() == Some("table") {
            port.guessed_service = true;
            return Ok(Node::Service);
        }
        port.service = Some(Service {
            name: non_empty(&name)?.unwrap_or_else(|| "unknown".to_owned()),
            product: non_empty(&product)?,
            version: non_empty(&version)?,
            extra_info: non_empty(&extrainfo)?,
            cpes: Vec::new(),
            tunnel: non_empty(&tunnel)?,
        });
        Ok(Node::Service)
    }

    fn script_start(&mut self, tag: &BytesStart<'_>, at: u64) -> Result<Node, Stop> {
        let [id, output] = attributes(tag, ["id", "output"], at)?;
        let id = optional_text(id.as_ref(), at)?.unwrap_or_default();
        let Some(kind) = ScriptKind::from_id(&id) else {
            return Ok(Node::Other);
        };
        self.script = Some(ScriptBuilder {
            kind,
            at,
            output: optional_text(output.as_ref(), at)?.unwrap_or_default(),
            tables: Vec::new(),
            elem_key: None,
            too_large: false,
            title: None,
            redirect: None,
            servers: Vec::new(),
            cookies: Vec::new(),
            pem: None,
            key_table: None,
            keys: Vec::new(),
        });
        Ok(Node::Script)
    }

    fn end(&mut self) {
        let Some(node) = self.stack.pop() else {
            return;
        };
        match node {
            Node::Run => self.run = Run::default(),
            Node::Host => self.host_end(),
            Node::Port => self.port_end(),
            Node::Cpe => {
                let text = std::mem::take(&mut self.text);
                if let Some(Service { cpes, .. }) =
                    self.port.as_mut().and_then(|p| p.service.as_mut())
                    && !self.text_too_long
                    && cpes.len() < MAX_LIST
                {
                    let cpe = nmap_text(Cow::Owned(text)).trim().to_owned();
                    if !cpe.is_empty() {
                        push_unique(cpes, cpe);
                    }
                }
            }
            Node::Script => self.script_end(),
            Node::Table => {
                if let Some(script) = &mut self.script {
                    script.table_end();
                }
            }
            Node::Elem => {
                let text = unprotect(&std::mem::take(&mut self.text));
                if let Some(script) = &mut self.script {
                    if self.text_too_long {
                        script.too_large = true;
                    } else {
                        script.elem_end(text);
                    }
                }
            }
            Node::Hostnames | Node::Ports | Node::ExtraPorts | Node::Service | Node::Other => {}
        }
    }

    /// Text inside an element: kept for `cpe`s and the `elem`s of scripts read.
    fn text(&mut self, text: &str) {
        let wanted = match self.stack.last() {
            Some(Node::Cpe) => true,
            Some(Node::Elem) => self
                .script
                .as_ref()
                .is_some_and(|s| s.kind.reads_elements()),
            _ => false,
        };
        if !wanted || self.text_too_long {
            return;
        }
        if self.text.len() + text.len() > MAX_TEXT_BYTES {
            self.text_too_long = true;
            self.text.clear();
        } else {
            self.text.push_str(text);
        }
    }

    fn reference(&mut self, reference: &BytesRef<'_>, at: u64) -> Result<(), Stop> {
        let bad = |message: String| Stop {
            reason: reasons::BAD_XML,
            at,
            message,
        };
        let mut utf8 = [0; 4];
        let text: &str = match reference.resolve_char_ref() {
            Ok(Some(c)) => c.encode_utf8(&mut utf8),
            Ok(None) => quick_xml::escape::resolve_predefined_entity(reference)
                .ok_or_else(|| bad(format!("unknown entity &{};", reference.xml10_content())))?,
            Err(error) => return Err(bad(error.to_string())),
        };
        self.text(text);
        Ok(())
    }

    fn script_end(&mut self) {
        let (Some(script), Some(port)) = (self.script.take(), self.port.as_mut()) else {
            return;
        };
        if script.too_large {
            port.script_rejects.push((
                reasons::TOO_LARGE,
                script.at,
                script.kind.id(),
                format!("an elem longer than {MAX_TEXT_BYTES} bytes"),
            ));
            return;
        }
        // With debugging on, failed scripts print `ERROR: …`; there is nothing to read then.
        if script.output.trim_start().starts_with("ERROR: ") {
            return;
        }
        let output = match script.kind {
            ScriptKind::Banner => banner_text(&script.output),
            _ => unprotect(&script.output),
        };
        match script.kind {
            ScriptKind::Banner => {
                let text = output;
                if !text.is_empty() {
                    port.banners.push(Banner {
                        scan_protocol: "banner".to_owned(),
                        text,
                    });
                }
            }
            ScriptKind::HttpHeaders => {
                if parse_http_headers(&output, &mut port.http) {
                    port.http_seen = true;
                }
            }
            ScriptKind::HttpServerHeader => {
                // Older nmap writes only the text: one server, or several indented on their own lines.
                let server = script
                    .servers
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .or_else(|| {
                        output
                            .lines()
                            .map(str::trim)
                            .find(|line| !line.is_empty() && *line != "<empty>")
                            .map(str::to_owned)
                    });
                if let Some(server) = server {
                    port.server_header = Some(server);
                    port.http_seen = true;
                }
            }
            ScriptKind::HttpTitle => {
                let (title, redirect) = match (script.title, script.redirect) {
                    (None, None) => title_from_output(&output),
                    found => found,
                };
                if let Some(title) = title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
                    port.http.title = Some(title);
                    port.http_seen = true;
                }
                if let Some(redirect) = redirect.filter(|r| !r.is_empty()) {
                    push_unique(&mut port.http.redirects, redirect);
                    port.http_seen = true;
                }
            }
            ScriptKind::HttpGenerator => {
                let generator = output.trim();
                if !generator.is_empty() {
                    port.http.generator = Some(generator.to_owned());
                    port.http_seen = true;
                }
            }
            ScriptKind::HttpAffiliateId => {
                for (kind, value) in affiliate_ids(&output) {
                    if port.http.trackers.len() < MAX_LIST
                        && !port.http.trackers.contains(&(kind.clone(), value.clone()))
                    {
                        port.http.trackers.push((kind, value));
                    }
                    port.http_seen = true;
                }
            }
            ScriptKind::HttpRefererChecker => {
                // Lines of URLs after a "Spidering limited to" note; "Couldn't find any cross-domain scripts." otherwise.
                for url in output.lines().map(str::trim).filter(|l| l.contains("://")) {
                    if port.http.script_sources.len() < MAX_LIST {
                        push_unique(&mut port.http.script_sources, url.to_owned());
                    }
                    port.http_seen = true;
                }
            }
            ScriptKind::HttpCookieFlags => {
                for cookie in script.cookies {
                    if port.http.cookie_names.len() < MAX_LIST {
                        push_unique(&mut port.http.cookie_names, cookie);
                    }
                    port.http_seen = true;
                }
            }
            ScriptKind::SslCert => match script.pem.as_deref().map(pem_certificate) {
                Some(Ok(der)) => port.certificates.push(der),
                Some(Err(message)) => {
                    port.script_rejects.push((
                        reasons::BAD_CERTIFICATE,
                        script.at,
                        script.kind.id(),
                        message,
                    ));
                }
                // Older nmap has no `pem` elem; the text output has no certificate to read.
                None => {}
            },
            ScriptKind::SshHostKey => port.ssh_host_keys.extend(script.keys),
        }
    }

    fn port_end(&mut self) {
        self.script = None;
        let Some(port) = self.port.take() else {
            return;
        };
        let Some(host) = &mut self.host else {
            return;
        };
        let location = format!(
            "byte {}, host {}, port {}/{}",
            port.at,
            host.address_text(),
            port.portid,
            port.protocol
        );
        if let Some(problem) = port.problem {
            host.pending
                .push(Pending::Reject(reasons::BAD_PORT, location, problem));
            return;
        }
        let Some(transport) = port.transport else {
            host.pending.push(Pending::Skipped);
            return;
        };
        let Some(state) = port.state else {
            host.pending.push(Pending::Reject(
                reasons::BAD_PORT,
                location,
                "no state".to_owned(),
            ));
            return;
        };
        for (reason, at, script, message) in port.script_rejects {
            let location = format!(
                "byte {at}, host {}, port {}/{}, script {script}",
                host.address_text(),
                port.portid,
                port.protocol
            );
            host.pending
                .push(Pending::Reject(reason, location, message));
        }
        let mut report = PortReport::new("", port.number, transport, state, 0);
        report.service = port.service;
        report.banners = port.banners;
        report.certificates = port.certificates;
        report.ssh_host_keys = port.ssh_host_keys;
        if port.http_seen {
            let mut http = port.http;
            if let Some(server) = port.server_header
                && !http
                    .headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("server"))
            {
                http.headers.push(("Server".to_owned(), server));
            }
            report.http.push(http);
        }
        host.pending_bytes += approximate_size(&report);
        host.pending.push(Pending::Port(Box::new(report)));
        if host.pending_bytes > HOST_FLUSH_BYTES {
            self.flush_host(false);
        }
    }

    fn host_end(&mut self) {
        self.flush_host(true);
        self.host = None;
    }

    /// Emits what the host has buffered, once its status, address and time are known to be good. `complete`:
    /// the host's element ended, so its coverage can be told.
    fn flush_host(&mut self, complete: bool) {
        let Some(mut host) = self.host.take() else {
            return;
        };
        if host.verdict == Verdict::Undecided {
            host.verdict = self.judge(&host);
        }
        if host.verdict == Verdict::Accepted {
            for pending in std::mem::take(&mut host.pending) {
                match pending {
                    Pending::Port(mut report) => {
                        report.address = host.address_text().to_owned();
                        report.names = host.names.clone();
                        report.time = host.time.clone().unwrap_or_default();
                        self.stats.ports += 1;
                        self.sink.port(*report);
                    }
                    Pending::Reject(reason, location, message) => {
                        self.reject(reason, location, message);
                    }
                    Pending::Skipped => self.stats.skipped_ports += 1,
                }
            }
            if complete {
                if let Some((at, message)) = host.extras_problem.clone() {
                    let location = format!("byte {at}, host {}", host.address_text());
                    self.reject(reasons::BAD_EXTRAPORTS, location, message);
                }
                for (transport, ranges) in &self.run.coverage {
                    self.stats.host_scans += 1;
                    self.sink.host_scanned(HostScanned {
                        address: host.address_text().to_owned(),
                        time: host.time.clone().unwrap_or_default(),
                        transport: *transport,
                        ports: ranges.clone(),
                        unlisted: host.unlisted(*transport),
                    });
                }
            }
        }
        host.pending.clear();
        host.pending_bytes = 0;
        self.host = Some(host);
    }

    /// Decides whether a host's reports go out; counts it, and rejects it if it is up but unreadable.
    fn judge(&mut self, host: &HostBuilder) -> Verdict {
        if host.status.as_deref() != Some("up") {
            self.stats.hosts_down += 1;
            return Verdict::Dropped;
        }
        let problem = match (&host.address, &host.address_problem, &host.time) {
            (None, _, _) => Some((reasons::BAD_ADDRESS, "no ipv4 or ipv6 address".to_owned())),
            (Some(_), Some(message), _) => Some((reasons::BAD_ADDRESS, message.clone())),
            (Some(_), None, Err(message)) => Some((reasons::BAD_TIME, message.clone())),
            (Some(_), None, Ok(_)) => None,
        };
        match problem {
            Some((reason, message)) => {
                let location = format!("byte {}, host {}", host.at, host.address_text());
                self.reject(reason, location, message);
                Verdict::Dropped
            }
            None => {
                self.stats.hosts += 1;
                Verdict::Accepted
            }
        }
    }

    /// Ends the run early: what was read completely is emitted, then the reason.
    fn stop(&mut self, stop: Stop) {
        // The port or script being read is incomplete and dropped; the host's complete ports go out.
        self.port = None;
        self.script = None;
        self.flush_host(false);
        self.host = None;
        self.reject(stop.reason, format!("byte {}", stop.at), stop.message);
    }

    fn eof(&mut self, at: u64) {
        if let Some(open) = self.stack.iter().rev().find(|node| **node != Node::Other) {
            let message = format!("input ends at byte {at} inside <{}>", open.tag());
            self.stop(Stop {
                reason: reasons::TRUNCATED,
                at,
                message,
            });
        } else if !self.stack.is_empty() {
            self.stop(Stop {
                reason: reasons::TRUNCATED,
                at,
                message: format!("input ends at byte {at} inside an element"),
            });
        } else if self.runs_seen == 0 {
            // A document without its root element is cut short, whatever came before.
            let message = if at == 0 {
                "input is empty".to_owned()
            } else {
                format!("input ends at byte {at} before <nmaprun>")
            };
            self.stop(Stop {
                reason: reasons::TRUNCATED,
                at,
                message,
            });
        }
    }
}

/// The attributes `names` of `tag`, in that order. A malformed attribute (bad quoting, a duplicate) is bad XML.
fn attributes<'t, const N: usize>(
    tag: &'t BytesStart<'_>,
    names: [&str; N],
    at: u64,
) -> Result<[Option<Attribute<'t>>; N], Stop> {
    let mut found = [const { None }; N];
    for attribute in tag.attributes() {
        let attribute = attribute.map_err(|error| Stop {
            reason: reasons::BAD_XML,
            at,
            message: error.to_string(),
        })?;
        if let Some(i) = names
            .iter()
            .position(|name| *name == attribute.key.as_ref())
        {
            found[i] = Some(attribute);
        }
    }
    Ok(found)
}

/// An attribute's value with XML escapes and nmap's per-byte character references undone.
fn optional_text(attribute: Option<&Attribute<'_>>, at: u64) -> Result<Option<String>, Stop> {
    let Some(attribute) = attribute else {
        return Ok(None);
    };
    let value = attribute
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|error| Stop {
            reason: reasons::BAD_XML,
            at,
            message: format!("attribute {}: {error}", attribute.key.as_ref()),
        })?;
    Ok(Some(nmap_text(value)))
}

/// An attribute of a script (`output`, `key`): XML escapes and then nmap's `\xNN` escapes undone.
fn optional_script_text(
    attribute: Option<&Attribute<'_>>,
    at: u64,
) -> Result<Option<String>, Stop> {
    Ok(optional_text(attribute, at)?.map(|text| unprotect(&text)))
}

/// nmap writes each byte outside printable ASCII as a character reference of its own, so a UTF-8 `é` comes out
/// of XML unescaping as `Ã©`, one char per byte. Puts such bytes back together when they form UTF-8; anything
/// else (a lone Latin-1 byte, text written by another tool) stays as it is.
fn nmap_text(value: Cow<'_, str>) -> String {
    if value.is_ascii() {
        return value.into_owned();
    }
    let bytes: Option<Vec<u8>> = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    match bytes.map(String::from_utf8) {
        Some(Ok(text)) => text,
        _ => value.into_owned(),
    }
}

/// Undoes nmap's `protect_xml` (and `banner.nse`'s own escaping): `\xNN` is the byte NN. The bytes are read as
/// UTF-8, invalid sequences replaced.
fn unprotect(text: &str) -> String {
    if !text.contains("\\x") {
        return text.to_owned();
    }
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\'
            && raw.get(i + 1) == Some(&b'x')
            && let (Some(high), Some(low)) = (
                raw.get(i + 2).and_then(|b| hex_value(*b)),
                raw.get(i + 3).and_then(|b| hex_value(*b)),
            )
        {
            bytes.push(high << 4 | low);
            i += 4;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The `banner` script's text: its fixed-width line wrapping removed (the service's own line breaks are escaped
/// as `\x0A`, so every raw newline is a wrap), then its escapes undone.
fn banner_text(output: &str) -> String {
    let unwrapped: String = output.chars().filter(|c| *c != '\n').collect();
    unprotect(&unwrapped)
}

/// Reads `http-headers` output (already unescaped) into `response`: `Name: value` lines, indented by two
/// spaces; a status line if one is there (nmap prints only the headers); continuation lines joined to the header
/// before. Skips the blank line and the `(Request type: HEAD)` trailer. Whether anything was found.
fn parse_http_headers(output: &str, response: &mut HttpResponse) -> bool {
    let mut found = false;
    for raw in output.lines() {
        let line = raw.strip_prefix("  ").unwrap_or(raw);
        if line.trim().is_empty() || line.starts_with("(Request type:") {
            continue;
        }
        if response.status.is_none() && response.headers.is_empty() && line.starts_with("HTTP/") {
            response.status = line
                .split_whitespace()
                .nth(1)
                .filter(|code| code.len() == 3)
                .and_then(|code| code.parse().ok());
            found |= response.status.is_some();
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = response.headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':')
            && !name.is_empty()
            && !name.contains(char::is_whitespace)
        {
            response
                .headers
                .push((name.to_owned(), value.trim().to_owned()));
            found = true;
        }
    }
    found
}

/// SHA-256 (lower-case hex) of an `ssh-hostkey` `key` elem's base64 blob, as OpenSSH's `SHA256:` fingerprint and
/// zgrab2 hash it; `None` when it is not base64.
fn key_sha256(key: &str) -> Option<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .ok()?;
    let digest = sha2::Sha256::digest(&blob);
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// `http-affiliate-id`'s `Label: id` lines as `hostTracker` (kind, value), in the forms tigr's own page rules
/// produce (AdSense publisher ids with their `ca-` prefix), so a scan and a crawl of the same page agree.
fn affiliate_ids(output: &str) -> Vec<(String, String)> {
    output
        .lines()
        .filter_map(|line| {
            let (label, id) = line.trim().split_once(": ")?;
            let id = id.trim();
            let (kind, value) = match label.trim() {
                "Google Analytics ID" => ("GoogleAnalyticsID", id.to_owned()),
                "Google Adsense ID" => (
                    "GoogleAdSenseID",
                    format!("ca-{}", id.trim_start_matches("ca-")),
                ),
                "Amazon Associates ID" => ("AmazonAssociatesID", id.to_owned()),
                _ => return None,
            };
            (!id.is_empty()).then(|| (kind.to_owned(), value))
        })
        .collect()
}

/// Title and redirect from `http-title`'s text, for nmap versions without its `title`/`redirect_url` elems.
fn title_from_output(output: &str) -> (Option<String>, Option<String>) {
    let mut title = None;
    let mut redirect = None;
    for line in output.lines().map(str::trim) {
        if let Some(url) = line
            .strip_prefix("Did not follow redirect to ")
            .or_else(|| line.strip_prefix("Requested resource was "))
        {
            redirect = Some(url.to_owned());
        } else if title.is_none()
            && redirect.is_none()
            && !line.is_empty()
            && !line.starts_with("Site doesn't have a title")
        {
            title = Some(line.to_owned());
        }
    }
    (title, redirect)
}

/// The DER of the first `CERTIFICATE` block of `pem`, which must be a DER `SEQUENCE` filling it exactly.
fn pem_certificate(pem: &str) -> Result<Vec<u8>, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem.find(BEGIN).ok_or("pem without BEGIN CERTIFICATE")? + BEGIN.len();
    let length = pem[start..]
        .find(END)
        .ok_or("pem without END CERTIFICATE")?;
    let body: String = pem[start..start + length]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|error| format!("pem base64: {error}"))?;
    if !is_der_sequence(&der) {
        return Err("pem does not hold a DER certificate".to_owned());
    }
    Ok(der)
}

/// Whether `der` is one DER `SEQUENCE` with a definite length that ends exactly at its end.
fn is_der_sequence(der: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = der else {
        return false;
    };
    let (length, content) = match *first {
        short @ 0..=0x7f => (usize::from(short), rest),
        long @ 0x81..=0x84 => {
            let count = usize::from(long & 0x7f);
            if rest.len() < count {
                return false;
            }
            let length = rest[..count]
                .iter()
                .fold(0usize, |n, b| n << 8 | usize::from(*b));
            (length, &rest[count..])
        }
        _ => return false,
    };
    length == content.len()
}

/// `1,3-4,6-7,…` → inclusive ranges.
fn parse_port_ranges(text: &str) -> Result<Vec<(u16, u16)>, String> {
    let mut ranges = Vec::new();
    for item in text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (low, high) = item.split_once('-').unwrap_or((item, item));
        match (
            parse_port_number(low.trim()),
            parse_port_number(high.trim()),
        ) {
            (Some(low), Some(high)) if low <= high => ranges.push((low, high)),
            _ => return Err(format!("bad port range {item:?} in services")),
        }
    }
    Ok(ranges)
}

/// Sorts ranges and joins overlapping or adjacent ones.
fn merge_ranges(mut ranges: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    ranges.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
    for (low, high) in ranges {
        match merged.last_mut() {
            Some((_, last_high)) if u32::from(low) <= u32::from(*last_high) + 1 => {
                *last_high = (*last_high).max(high);
            }
            _ => merged.push((low, high)),
        }
    }
    merged
}

/// A port number: decimal digits only, 0–65535.
fn parse_port_number(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// nmap's port states onto tigr's three.
fn port_state(state: &str) -> Option<PortState> {
    match state {
        "open" => Some(PortState::Open),
        "closed" => Some(PortState::Closed),
        "filtered" | "open|filtered" | "closed|filtered" | "unfiltered" => {
            Some(PortState::Filtered)
        }
        _ => None,
    }
}

/// Whether `addr` is an address of `addrtype` (an IPv6 zone, `%eth0`, is allowed).
fn valid_address(addr: &str, addrtype: &str) -> bool {
    match addrtype {
        "ipv4" => addr.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => {
            let without_zone = addr.split_once('%').map_or(addr, |(address, _)| address);
            without_zone.parse::<Ipv6Addr>().is_ok()
        }
        _ => false,
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if list.len() < MAX_LIST && !list.contains(&item) {
        list.push(item);
    }
}

/// Roughly the heap bytes a report holds, to bound what a host buffers.
fn approximate_size(report: &PortReport) -> usize {
    let strings = |list: &[String]| list.iter().map(String::len).sum::<usize>();
    let service = report.service.as_ref().map_or(0, |s| {
        s.name.len()
            + s.product.as_ref().map_or(0, String::len)
            + s.version.as_ref().map_or(0, String::len)
            + s.extra_info.as_ref().map_or(0, String::len)
            + strings(&s.cpes)
    });
    let http: usize = report
        .http
        .iter()
        .map(|h| {
            h.headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
                + h.title.as_ref().map_or(0, String::len)
                + h.generator.as_ref().map_or(0, String::len)
                + strings(&h.redirects)
                + strings(&h.cookie_names)
        })
        .sum();
    256 + service
        + http
        + report.banners.iter().map(|b| b.text.len()).sum::<usize>()
        + report.certificates.iter().map(Vec::len).sum::<usize>()
        + report
            .ssh_host_keys
            .iter()
            .map(|k| k.key_type.len() + k.fingerprint.len())
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(
            parse_port_ranges("1,3-4,6-7").unwrap(),
            [(1, 1), (3, 4), (6, 7)]
        );
        assert_eq!(parse_port_ranges("").unwrap(), []);
        assert_eq!(parse_port_ranges("1-65535").unwrap(), [(1, 65535)]);
        for bad in ["1-", "a", "5-3", "70000", "1,,x", "-1", "+1"] {
            assert!(parse_port_ranges(bad).is_err(), "{bad}");
        }
        assert_eq!(
            merge_ranges(vec![(5, 6), (1, 2), (3, 4), (9, 9)]),
            [(1, 6), (9, 9)]
        );
        assert_eq!(merge_ranges(vec![(1, 65535), (65535, 65535)]), [(1, 65535)]);
    }

    #[test]
    fn escapes() {
        assert_eq!(unprotect(r"caf\xC3\xA9\x09ready"), "caf\u{e9}\tready");
        assert_eq!(unprotect(r"\x4"), r"\x4");
        assert_eq!(unprotect(r"\xZZ\x"), r"\xZZ\x");
        assert_eq!(unprotect(r"\xff"), "\u{fffd}");
        assert_eq!(nmap_text(Cow::Borrowed("caf\u{c3}\u{a9}")), "caf\u{e9}");
        assert_eq!(nmap_text(Cow::Borrowed("caf\u{e9}")), "caf\u{e9}");
        assert_eq!(nmap_text(Cow::Borrowed("\u{263a}")), "\u{263a}");
        assert_eq!(banner_text("0123\n4567\\x0A8"), "01234567\n8");
    }

    #[test]
    fn der_sequence() {
        assert!(is_der_sequence(&[0x30, 0x00]));
        assert!(is_der_sequence(&[0x30, 0x01, 0x05]));
        assert!(is_der_sequence(&[0x30, 0x81, 0x01, 0x05]));
        assert!(!is_der_sequence(&[0x30, 0x02, 0x05]));
        assert!(!is_der_sequence(&[0x31, 0x00]));
        assert!(!is_der_sequence(&[0x30, 0x80]));
        assert!(!is_der_sequence(&[0x30, 0x82, 0x01]));
        assert!(!is_der_sequence(&[]));
    }
}
