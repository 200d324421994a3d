//! masscan's XML (`-oX`), read as a stream of events: one `<host>` at a time, whatever the line layout.

use super::{Escaping, Reader, Record, RecordError, What};
use crate::lines::MAX_LINE_BYTES;
use crate::scan::ScanSink;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// Longest run of XML without a `<` or `>`, i.e. the longest tag or text the XML reader buffers.
const MAX_XML_RUN_BYTES: usize = MAX_LINE_BYTES;

/// Ports of one XML `<host>` kept while its `<address>` is not known yet (masscan writes the address first).
const MAX_PENDING_XML_PORTS: usize = 1024;

/// Passes bytes through to the XML reader, counting line feeds and capping how long a run without `<` or `>` may
/// grow (quick-xml buffers one whole tag or text).
struct XmlInput<R> {
    inner: R,
    newlines: u64,
    run: usize,
    overflow: bool,
}

impl<R: BufRead> Read for XmlInput<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for XmlInput<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.overflow {
            return Err(io::Error::other("XML element or text too long"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes consumed are still at the front of the inner buffer (the XML reader consumes only what it has
        // just been given), so looking at them costs no read.
        if let Ok(available) = self.inner.fill_buf() {
            let taken = &available[..amount.min(available.len())];
            self.newlines += memchr::memchr_iter(b'\n', taken).count() as u64;
            match memchr::memrchr2(b'<', b'>', taken) {
                Some(at) => self.run = taken.len() - at - 1,
                None => self.run = self.run.saturating_add(taken.len()),
            }
            if self.run > MAX_XML_RUN_BYTES {
                self.overflow = true;
            }
        }
        self.inner.consume(amount);
    }
}

/// One `<host>` being read.
struct XmlHost {
    line: u64,
    endtime: Option<String>,
    address: Option<String>,
    /// Ports read before the address was.
    pending: Vec<XmlPort>,
    dropped: usize,
    broken: Option<String>,
}

#[derive(Default)]
struct XmlPort {
    protocol: Option<String>,
    portid: Option<String>,
    state: Option<String>,
    service: Option<String>,
    banner: Option<String>,
}

/// State of the XML reader between events.
#[derive(Default)]
struct XmlState {
    run_start: Option<String>,
    host: Option<XmlHost>,
    port: Option<XmlPort>,
}

/// The unescaped value of attribute `name`.
fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        if attribute.key.as_ref() == name {
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| error.to_string())?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

impl<S: ScanSink> Reader<'_, S> {
    pub(super) fn read_xml(&mut self, input: impl BufRead) -> io::Result<()> {
        let mut reader = quick_xml::Reader::from_reader(XmlInput {
            inner: input,
            newlines: 0,
            run: 0,
            overflow: false,
        });
        let mut state = XmlState::default();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let before = reader.buffer_position();
            let line = reader.get_ref().newlines + 1;
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(element)) => self.xml_start(&mut state, &element, line),
                Ok(Event::Empty(element)) => {
                    self.xml_start(&mut state, &element, line);
                    self.xml_end(&mut state, element.name().as_ref());
                }
                Ok(Event::End(element)) => self.xml_end(&mut state, element.name().as_ref()),
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(quick_xml::Error::Io(error)) => {
                    if reader.get_ref().overflow {
                        self.reject(
                            "masscan: bad xml",
                            format!("line {line}"),
                            format!(
                                "an XML tag or text is longer than {MAX_XML_RUN_BYTES} bytes; \
                                 the rest of the input is not read"
                            ),
                        );
                        state.host = None;
                        break;
                    }
                    return Err(io::Error::new(error.kind(), error.to_string()));
                }
                Err(error) => {
                    // The record being read is lost with the error; the reject covers it.
                    let reason =
                        if matches!(error, quick_xml::Error::Syntax(_)) && state.host.is_some() {
                            "masscan: truncated"
                        } else {
                            "masscan: bad xml"
                        };
                    // The line where the error was found (masscan writes one record per line), and the exact byte.
                    self.reject(
                        reason,
                        format!(
                            "line {}, byte {}",
                            reader.get_ref().newlines + 1,
                            reader.error_position()
                        ),
                        format!("XML: {error}"),
                    );
                    state.host = None;
                    state.port = None;
                    if reader.buffer_position() == before {
                        break;
                    }
                }
            }
        }
        if let Some(host) = state.host.take() {
            self.reject(
                "masscan: truncated",
                format!("line {}", host.line),
                "the input ends inside this <host>: the output was cut short".to_owned(),
            );
        }
        Ok(())
    }

    fn xml_start(&mut self, state: &mut XmlState, element: &BytesStart<'_>, line: u64) {
        let name = element.name();
        match name.as_ref() {
            "nmaprun" => state.run_start = attribute(element, "start").ok().flatten(),
            "host" => {
                if let Some(host) = state.host.take() {
                    self.reject(
                        "masscan: bad xml",
                        format!("line {}", host.line),
                        "<host> not closed before the next one".to_owned(),
                    );
                }
                let (endtime, broken) = match attribute(element, "endtime") {
                    Ok(endtime) => (endtime, None),
                    Err(error) => (None, Some(error)),
                };
                state.host = Some(XmlHost {
                    line,
                    endtime,
                    address: None,
                    pending: Vec::new(),
                    dropped: 0,
                    broken,
                });
            }
            "address" => {
                let Some(host) = &mut state.host else { return };
                let kind = attribute(element, "addrtype");
                if matches!(kind, Ok(Some(ref kind)) if kind == "mac") || host.address.is_some() {
                    return;
                }
                match attribute(element, "addr") {
                    Ok(address) => host.address = address,
                    Err(error) => host.broken = Some(error),
                }
            }
            "port" if state.host.is_some() => {
                let read = || -> Result<XmlPort, String> {
                    Ok(XmlPort {
                        protocol: attribute(element, "protocol")?,
                        portid: attribute(element, "portid")?,
                        ..XmlPort::default()
                    })
                };
                match read() {
                    Ok(port) => state.port = Some(port),
                    Err(error) => {
                        if let Some(host) = &mut state.host {
                            host.broken = Some(error);
                        }
                    }
                }
            }
            "state" | "service" => {
                let Some(port) = &mut state.port else { return };
                let read = |port: &mut XmlPort| -> Result<(), String> {
                    if name.as_ref() == "state" {
                        port.state = attribute(element, "state")?;
                    } else {
                        port.service = attribute(element, "name")?;
                        port.banner = attribute(element, "banner")?;
                    }
                    Ok(())
                };
                if let Err(error) = read(port)
                    && let Some(host) = &mut state.host
                {
                    host.broken = Some(error);
                }
            }
            _ => {}
        }
    }

    fn xml_end(&mut self, state: &mut XmlState, name: &str) {
        match name {
            "nmaprun" => self.stats.end_marker = true,
            "port" => {
                let (Some(port), Some(host)) = (state.port.take(), &mut state.host) else {
                    return;
                };
                if host.broken.is_some() {
                    return;
                }
                if host.address.is_some() {
                    let host = state.host.take().expect("checked above");
                    self.xml_port(&host, &port, state.run_start.as_deref());
                    state.host = Some(host);
                } else if host.pending.len() < MAX_PENDING_XML_PORTS {
                    host.pending.push(port);
                } else {
                    host.dropped += 1;
                }
            }
            "host" => {
                let Some(mut host) = state.host.take() else {
                    return;
                };
                state.port = None;
                let location = format!("line {}", host.line);
                if let Some(error) = &host.broken {
                    self.reject("masscan: bad xml", location, format!("<host>: {error}"));
                } else if host.address.is_none() {
                    if !host.pending.is_empty() {
                        self.reject(
                            "masscan: bad record",
                            location,
                            format!(
                                "<host> has no <address>: its {} ports are dropped",
                                host.pending.len()
                            ),
                        );
                    }
                } else {
                    for port in std::mem::take(&mut host.pending) {
                        self.xml_port(&host, &port, state.run_start.as_deref());
                    }
                    if host.dropped > 0 {
                        self.reject(
                            "masscan: bad record",
                            location,
                            format!(
                                "{} ports before the <address> of this <host> exceed the {MAX_PENDING_XML_PORTS} \
                                 kept and are dropped",
                                host.dropped
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn xml_port(&mut self, host: &XmlHost, port: &XmlPort, run_start: Option<&str>) {
        let location = || format!("line {}", host.line);
        let what = match (&port.banner, &port.state) {
            (Some(banner), _) => What::Banner {
                service: port.service.as_deref().unwrap_or(""),
                text: banner,
                escaping: Escaping::BackslashX,
            },
            (None, Some(state)) => What::Status(state),
            (None, None) => {
                let error = RecordError::BadRecord(
                    "<port> has neither <state> nor a service banner".to_owned(),
                );
                return self.reject(error.reason(), location(), error.to_string());
            }
        };
        let (Some(transport), Some(portid)) = (&port.protocol, &port.portid) else {
            let error = RecordError::BadRecord("<port> needs both protocol and portid".to_owned());
            return self.reject(error.reason(), location(), error.to_string());
        };
        let record = Record {
            address: host.address.as_deref().unwrap_or(""),
            transport,
            port: portid,
            timestamp: host.endtime.as_deref().or(run_start).map(Cow::Borrowed),
            what,
        };
        self.record(&record, location);
    }
}
