//! dnstap: decoding its protobuf messages, and reading dnstap files (Frame Streams, unidirectional).
//!
//! The protobuf is decoded by hand rather than with prost: only a dozen fields of two messages (`Dnstap`,
//! `Message`) are needed, a hand-written reader borrows the DNS messages straight from the frame (prost would copy
//! each into a `Vec`), it adds no dependency and no generated code to keep in step, and it is small enough (varints,
//! length-delimited and fixed fields, unknown fields skipped) to fuzz thoroughly. Field numbers follow
//! `dnstap.proto` (dnstap/dnstap.pb).
//!
//! [`observe_message`] is the passive DNS policy: responses of the kinds [`counts_for_passive_dns`] names go through
//! the DNS wire parser at their response time, with `query_zone` as the bailiwick; [`observe_file`] applies it to a
//! whole file.

use crate::dns::DnsSink;
use crate::dns::wire;
use crate::framestream::{self, ControlType, DNSTAP_CONTENT_TYPE, FrameError, MAX_DATA_FRAME};
use crate::report::Reject;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, BufReader, Read};

/// `Message.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    AuthQuery,
    AuthResponse,
    ResolverQuery,
    ResolverResponse,
    ClientQuery,
    ClientResponse,
    ForwarderQuery,
    ForwarderResponse,
    StubQuery,
    StubResponse,
    ToolQuery,
    ToolResponse,
    UpdateQuery,
    UpdateResponse,
}

impl MessageType {
    /// The type for a protobuf enum value (1..=14).
    pub fn from_code(code: u64) -> Option<Self> {
        use MessageType::*;
        Some(match code {
            1 => AuthQuery,
            2 => AuthResponse,
            3 => ResolverQuery,
            4 => ResolverResponse,
            5 => ClientQuery,
            6 => ClientResponse,
            7 => ForwarderQuery,
            8 => ForwarderResponse,
            9 => StubQuery,
            10 => StubResponse,
            11 => ToolQuery,
            12 => ToolResponse,
            13 => UpdateQuery,
            14 => UpdateResponse,
            _ => return None,
        })
    }
}

/// Whether `kind` is a response (its `response_message` carries answers).
pub fn is_response(kind: MessageType) -> bool {
    use MessageType::*;
    matches!(
        kind,
        AuthResponse
            | ResolverResponse
            | ClientResponse
            | ForwarderResponse
            | StubResponse
            | ToolResponse
            | UpdateResponse
    )
}

/// Whether messages of `kind` feed passive DNS: every response (RESOLVER_RESPONSE is authoritative data fetched on
/// a cache miss, CLIENT_RESPONSE what a resolver answered its clients, from cache or not, FORWARDER_RESPONSE what an
/// upstream forwarder returned, AUTH_RESPONSE what an authoritative server served, STUB and TOOL responses what a
/// stub or tool received), except UPDATE_RESPONSE, whose sections hold update prerequisites rather than answers.
/// Queries never count.
pub fn counts_for_passive_dns(kind: MessageType) -> bool {
    is_response(kind) && kind != MessageType::UpdateResponse
}

/// `Message.socket_family`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketFamily {
    Inet,
    Inet6,
    Other(u64),
}

/// `Message.socket_protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketProtocol {
    Udp,
    Tcp,
    Dot,
    Doh,
    DnsCryptUdp,
    DnsCryptTcp,
    Doq,
    Other(u64),
}

/// One dnstap `Message`, borrowing its byte fields from the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnstapMessage<'a> {
    /// `Dnstap.identity`: the sensor's name, if it sends one.
    pub identity: Option<&'a [u8]>,
    pub kind: MessageType,
    pub socket_family: Option<SocketFamily>,
    pub socket_protocol: Option<SocketProtocol>,
    /// µs since the epoch.
    pub query_time_us: Option<i64>,
    /// µs since the epoch.
    pub response_time_us: Option<i64>,
    /// The zone the server considers itself authoritative for (the bailiwick), in presentation format with a
    /// trailing dot, decoded from wire format.
    pub query_zone: Option<String>,
    /// Wire-format DNS query.
    pub query_message: Option<&'a [u8]>,
    /// Wire-format DNS response.
    pub response_message: Option<&'a [u8]>,
}

/// Why a dnstap payload cannot be decoded; each is counted under [`DecodeError::reason`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("truncated or malformed protobuf: {0}")]
    Protobuf(&'static str),
    #[error("Dnstap.type {0} is not MESSAGE")]
    NotAMessage(u64),
    #[error("Dnstap frame without a message")]
    MissingMessage,
    #[error("Message without a type")]
    MissingType,
    #[error("unknown Message.type {0}")]
    UnknownType(u64),
    #[error("{field} nanoseconds {nanos} out of range")]
    BadTime { field: &'static str, nanos: u32 },
    #[error("{field} seconds {seconds} out of range")]
    TimeRange { field: &'static str, seconds: u64 },
    #[error("query_zone is not a wire-format name: {0}")]
    BadZone(&'static str),
}

impl DecodeError {
    /// The reject reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Protobuf(_) => "malformed protobuf",
            Self::NotAMessage(_) => "not a dnstap message",
            Self::MissingMessage | Self::MissingType => "missing field",
            Self::UnknownType(_) => "unknown message type",
            Self::BadTime { .. } | Self::TimeRange { .. } => "bad timestamp",
            Self::BadZone(_) => "bad query zone",
        }
    }
}

/// Protobuf wire reading: just what dnstap needs.
struct Fields<'a> {
    rest: &'a [u8],
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
    Fixed64,
}

impl<'a> Fields<'a> {
    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for i in 0..10 {
            let (&byte, rest) = self
                .rest
                .split_first()
                .ok_or(DecodeError::Protobuf("varint runs past the end"))?;
            self.rest = rest;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::Protobuf("varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(DecodeError::Protobuf("field runs past the end"));
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    /// The next field number and value, `None` at the end.
    fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>, DecodeError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err(DecodeError::Protobuf("field number 0"));
        }
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed64
            }
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| DecodeError::Protobuf("length too large"))?;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            _ => return Err(DecodeError::Protobuf("unsupported wire type")),
        };
        Ok(Some((number, value)))
    }
}

/// Decodes one dnstap frame payload (a `Dnstap` protobuf).
pub fn decode_dnstap(payload: &[u8]) -> Result<DnstapMessage<'_>, DecodeError> {
    let mut fields = Fields { rest: payload };
    let mut identity = None;
    let mut kind = None;
    let mut message = None;
    while let Some((number, value)) = fields.next_field()? {
        match (number, value) {
            (1, Value::Bytes(b)) => identity = Some(b),
            (15, Value::Varint(v)) => kind = Some(v),
            (14, Value::Bytes(b)) => message = Some(b),
            (1 | 14 | 15, _) => return Err(DecodeError::Protobuf("field of the wrong wire type")),
            _ => {}
        }
    }
    match kind {
        Some(1) | None => {}
        Some(other) => return Err(DecodeError::NotAMessage(other)),
    }
    let message = message.ok_or(DecodeError::MissingMessage)?;
    let mut out = decode_message(message)?;
    out.identity = identity;
    Ok(out)
}

fn decode_message(payload: &[u8]) -> Result<DnstapMessage<'_>, DecodeError> {
    let mut fields = Fields { rest: payload };
    let mut kind = None;
    let mut message = DnstapMessage {
        identity: None,
        kind: MessageType::AuthQuery,
        socket_family: None,
        socket_protocol: None,
        query_time_us: None,
        response_time_us: None,
        query_zone: None,
        query_message: None,
        response_message: None,
    };
    let (mut query_sec, mut query_nsec, mut response_sec, mut response_nsec) = (None, 0, None, 0);
    let mut zone = None;
    while let Some((number, value)) = fields.next_field()? {
        match (number, value) {
            (1, Value::Varint(v)) => kind = Some(v),
            (2, Value::Varint(v)) => {
                message.socket_family = Some(match v {
                    1 => SocketFamily::Inet,
                    2 => SocketFamily::Inet6,
                    other => SocketFamily::Other(other),
                })
            }
            (3, Value::Varint(v)) => {
                message.socket_protocol = Some(match v {
                    1 => SocketProtocol::Udp,
                    2 => SocketProtocol::Tcp,
                    3 => SocketProtocol::Dot,
                    4 => SocketProtocol::Doh,
                    5 => SocketProtocol::DnsCryptUdp,
                    6 => SocketProtocol::DnsCryptTcp,
                    7 => SocketProtocol::Doq,
                    other => SocketProtocol::Other(other),
                })
            }
            (8, Value::Varint(v)) => query_sec = Some(v),
            (9, Value::Fixed32(v)) => query_nsec = v,
            (10, Value::Bytes(b)) => message.query_message = Some(b),
            (11, Value::Bytes(b)) => zone = Some(b),
            (12, Value::Varint(v)) => response_sec = Some(v),
            (13, Value::Fixed32(v)) => response_nsec = v,
            (14, Value::Bytes(b)) => message.response_message = Some(b),
            (1..=3 | 8 | 9 | 10..=14, _) => {
                return Err(DecodeError::Protobuf("field of the wrong wire type"));
            }
            _ => {}
        }
    }
    let kind = kind.ok_or(DecodeError::MissingType)?;
    message.kind = MessageType::from_code(kind).ok_or(DecodeError::UnknownType(kind))?;
    message.query_time_us = time_us(query_sec, query_nsec, "query_time")?;
    message.response_time_us = time_us(response_sec, response_nsec, "response_time")?;
    message.query_zone = zone.map(wire_name_to_text).transpose()?;
    Ok(message)
}

fn time_us(
    seconds: Option<u64>,
    nanos: u32,
    field: &'static str,
) -> Result<Option<i64>, DecodeError> {
    let Some(seconds) = seconds else {
        return Ok(None);
    };
    if nanos >= 1_000_000_000 {
        return Err(DecodeError::BadTime { field, nanos });
    }
    let micros = i64::try_from(seconds)
        .ok()
        .and_then(crate::epoch::integer_seconds_to_micros)
        .ok_or(DecodeError::TimeRange { field, seconds })?;
    Ok(Some(micros + i64::from(nanos / 1_000)))
}

/// An uncompressed wire-format name as presentation text with a trailing dot (`.` for the root), escaping `.` and
/// `\` inside labels and bytes outside printable ASCII as `\DDD` (RFC 1035 §5.1).
pub fn wire_name_to_text(wire: &[u8]) -> Result<String, DecodeError> {
    if wire.len() > 255 {
        return Err(DecodeError::BadZone("longer than 255 bytes"));
    }
    let mut out = String::with_capacity(wire.len() + 1);
    let mut rest = wire;
    loop {
        let (&len, after) = rest
            .split_first()
            .ok_or(DecodeError::BadZone("missing the root label"))?;
        if len == 0 {
            if !after.is_empty() {
                return Err(DecodeError::BadZone("bytes after the root label"));
            }
            break;
        }
        if len > 63 {
            return Err(DecodeError::BadZone(
                "label longer than 63 bytes or compressed",
            ));
        }
        let label = after
            .get(..usize::from(len))
            .ok_or(DecodeError::BadZone("label runs past the end"))?;
        for &b in label {
            match b {
                b'.' | b'\\' => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                0x21..=0x7e => out.push(char::from(b)),
                _ => {
                    let _ = write!(out, "\\{b:03}");
                }
            }
        }
        out.push('.');
        rest = &after[usize::from(len)..];
    }
    if out.is_empty() {
        out.push('.');
    }
    Ok(out)
}

/// What reading a dnstap file did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameStats {
    /// Data frames read.
    pub frames: u64,
    /// Messages decoded and handed to `on_message`.
    pub messages: u64,
    /// Frames (or stream problems) rejected.
    pub rejects: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// Why a dnstap file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DnstapError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("not a Frame Streams file: it does not start with a START control frame")]
    NotFrameStreams,
    #[error(
        "content type {found:?} is not {:?}",
        String::from_utf8_lossy(DNSTAP_CONTENT_TYPE)
    )]
    ContentType { found: String },
    #[error("at byte {offset}: {error}")]
    Frame { offset: u64, error: FrameError },
}

/// Reads a dnstap file (unidirectional Frame Streams: START, data frames, STOP; several such streams may follow
/// each other, as when files are concatenated). Each decoded message goes to `on_message` with a function giving
/// its location (`frame 12 (byte 3456)`); undecodable frames, oversized data frames (skipped), unexpected control
/// frames and a truncated end go to `report` as rejects. Fatal: IO errors, input that does not start with START, a
/// content type other than dnstap's, and a control frame too large to trust the framing after it.
pub fn read_dnstap<R: Read>(
    input: R,
    source: &str,
    mut on_message: impl FnMut(&DnstapMessage<'_>, &dyn Fn() -> String),
    report: &mut dyn FnMut(&'static str, Reject),
) -> Result<FrameStats, DnstapError> {
    let mut reader = Counted {
        inner: BufReader::with_capacity(1 << 16, input),
        offset: 0,
    };
    let mut stats = FrameStats::default();
    let mut payload = Vec::new();
    let mut in_stream = false;
    let mut frame_number = 0u64;
    let mut reject =
        |stats: &mut FrameStats, reason: &'static str, location: String, message: String| {
            stats.rejects += 1;
            report(
                reason,
                Reject {
                    source: source.to_owned(),
                    location,
                    message,
                },
            );
        };
    loop {
        let frame_start = reader.offset;
        let truncated = |stats: &mut FrameStats, reject: &mut Rejecter<'_>| {
            reject(
                stats,
                "truncated stream",
                format!("byte {frame_start}"),
                "the file ends inside a frame".to_owned(),
            );
        };
        let Some(len) = reader.read_u32()? else {
            if frame_start == 0 && reader.offset > 0 {
                return Err(DnstapError::NotFrameStreams);
            } else if reader.offset > frame_start {
                truncated(&mut stats, &mut reject);
            } else if in_stream {
                reject(
                    &mut stats,
                    "truncated stream",
                    format!("byte {frame_start}"),
                    "the file ends without a STOP frame".to_owned(),
                );
            }
            break;
        };
        if len == 0 {
            // Control frame.
            let Some(control_len) = reader.read_u32()? else {
                if frame_start == 0 {
                    return Err(DnstapError::NotFrameStreams);
                }
                truncated(&mut stats, &mut reject);
                break;
            };
            if let Err(error) = framestream::check_control_len(control_len) {
                if frame_start == 0 {
                    return Err(DnstapError::NotFrameStreams);
                }
                return Err(DnstapError::Frame {
                    offset: frame_start,
                    error,
                });
            }
            payload.resize(control_len as usize, 0);
            if !reader.read_full(&mut payload)? {
                if frame_start == 0 {
                    return Err(DnstapError::NotFrameStreams);
                }
                truncated(&mut stats, &mut reject);
                break;
            }
            let control = match framestream::parse_control(&payload) {
                Ok(control) => control,
                Err(_) if frame_start == 0 => return Err(DnstapError::NotFrameStreams),
                Err(error) => {
                    reject(
                        &mut stats,
                        "bad control frame",
                        format!("byte {frame_start}"),
                        error.to_string(),
                    );
                    continue;
                }
            };
            match (control.kind, in_stream) {
                (ControlType::Start, false) => {
                    if !control.allows(DNSTAP_CONTENT_TYPE) {
                        return Err(DnstapError::ContentType {
                            found: control
                                .content_types
                                .iter()
                                .map(|ct| String::from_utf8_lossy(ct).into_owned())
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                    in_stream = true;
                }
                (ControlType::Stop, true) => in_stream = false,
                (_, _) if frame_start == 0 => return Err(DnstapError::NotFrameStreams),
                (kind, _) => reject(
                    &mut stats,
                    "bad control frame",
                    format!("byte {frame_start}"),
                    format!(
                        "unexpected {kind} control frame {}",
                        if in_stream {
                            "inside a stream"
                        } else {
                            "between streams"
                        }
                    ),
                ),
            }
            continue;
        }
        if frame_start == 0 {
            return Err(DnstapError::NotFrameStreams);
        }
        frame_number += 1;
        stats.frames += 1;
        let location = format!("frame {frame_number} (byte {frame_start})");
        if len as usize > MAX_DATA_FRAME {
            reject(
                &mut stats,
                "frame too large",
                location,
                FrameError::DataTooLarge { len }.to_string(),
            );
            if !reader.skip(u64::from(len))? {
                truncated(&mut stats, &mut reject);
                break;
            }
            continue;
        }
        payload.resize(len as usize, 0);
        if !reader.read_full(&mut payload)? {
            truncated(&mut stats, &mut reject);
            break;
        }
        if !in_stream {
            reject(
                &mut stats,
                "bad control frame",
                location,
                "data frame outside a START/STOP stream".to_owned(),
            );
            continue;
        }
        match decode_dnstap(&payload) {
            Ok(message) => {
                stats.messages += 1;
                on_message(&message, &|| location.clone());
            }
            Err(error) => reject(&mut stats, error.reason(), location, error.to_string()),
        }
    }
    stats.bytes = reader.offset;
    Ok(stats)
}

type Rejecter<'a> = dyn FnMut(&mut FrameStats, &'static str, String, String) + 'a;

/// A reader that counts the bytes it has read.
struct Counted<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Counted<R> {
    /// Fills `buf`; `false` if the input ended first.
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    self.offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled == buf.len())
    }

    /// A big-endian u32; `None` if the input ends first (`offset` tells whether some bytes were read).
    fn read_u32(&mut self) -> io::Result<Option<u32>> {
        let mut bytes = [0u8; 4];
        Ok(self
            .read_full(&mut bytes)?
            .then(|| u32::from_be_bytes(bytes)))
    }

    /// Skips `n` bytes; `false` if the input ended first.
    fn skip(&mut self, n: u64) -> io::Result<bool> {
        let skipped = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
        self.offset += skipped;
        Ok(skipped == n)
    }
}

#[cfg(test)]
mod tests;

/// Offers the answers of one decoded message to `sink`, if its kind feeds passive DNS. A response without a DNS
/// message or without any time, and a malformed DNS message, are counted rejects.
pub fn observe_message<S: DnsSink>(
    message: &DnstapMessage<'_>,
    source: &str,
    location: &dyn Fn() -> String,
    sink: &mut S,
) {
    if !counts_for_passive_dns(message.kind) {
        return;
    }
    let mut reject = |reason: &'static str, text: String| {
        sink.reject(
            reason,
            Reject {
                source: source.to_owned(),
                location: location(),
                message: text,
            },
        );
    };
    let Some(response) = message.response_message else {
        reject(
            "response without a DNS message",
            format!("{:?} carries no response_message", message.kind),
        );
        return;
    };
    // Responses are stamped when the answer arrived; tools that only set the query time still date it closely.
    let Some(time) = message.response_time_us.or(message.query_time_us) else {
        reject(
            "response without a time",
            format!(
                "{:?} has neither response_time nor query_time",
                message.kind
            ),
        );
        return;
    };
    let bailiwick = message.query_zone.as_deref();
    if let Err(error) = wire::observe_response(response, time, bailiwick, source, location, sink) {
        sink.reject(
            error.reason(),
            Reject {
                source: source.to_owned(),
                location: location(),
                message: error.to_string(),
            },
        );
    }
}

/// Decodes one data frame's payload and offers its answers to `sink` ([`observe_message`]).
pub fn observe_payload<S: DnsSink>(
    payload: &[u8],
    source: &str,
    location: &dyn Fn() -> String,
    sink: &mut S,
) {
    match decode_dnstap(payload) {
        Ok(message) => observe_message(&message, source, location, sink),
        Err(error) => sink.reject(
            error.reason(),
            Reject {
                source: source.to_owned(),
                location: location(),
                message: error.to_string(),
            },
        ),
    }
}

/// Reads a dnstap file into `sink`: [`read_dnstap`] with [`observe_message`] on every message.
pub fn observe_file<R: Read, S: DnsSink>(
    input: R,
    source: &str,
    sink: &mut S,
) -> Result<FrameStats, DnstapError> {
    // Messages and stream-level rejects both go to the sink, from two callbacks.
    let sink = RefCell::new(sink);
    read_dnstap(
        input,
        source,
        |message, location| observe_message(message, source, location, *sink.borrow_mut()),
        &mut |reason, reject| sink.borrow_mut().reject(reason, reject),
    )
}
