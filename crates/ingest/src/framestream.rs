//! Frame Streams (fstrm), the framing dnstap travels in: frame decoding, control frames, and the receiver side of
//! the bidirectional handshake as a sans-IO state machine a socket loop drives.
//!
//! A data frame is a 4-byte big-endian length (non-zero) and that many bytes. A control frame is an escape (a zero
//! length), a 4-byte control length, then the control type (ACCEPT 1, START 2, STOP 3, READY 4, FINISH 5) and
//! fields (type 1: content type, each as 4-byte type, 4-byte length, bytes).
//!
//! Unidirectional streams (files) are START, data frames, STOP. A bidirectional receiver reads READY (the content
//! types the sender offers), replies ACCEPT with the one it wants, reads START, data frames and STOP, and replies
//! FINISH. Frames are bounded ([`MAX_DATA_FRAME`], [`MAX_CONTROL_FRAME`]) so a peer cannot make us buffer without
//! limit.

use std::fmt;

/// Largest data frame accepted (bytes of payload).
pub const MAX_DATA_FRAME: usize = 1 << 20;
/// Largest control frame accepted (bytes after the control length), as fstrm itself limits them.
pub const MAX_CONTROL_FRAME: usize = 512;
/// The content type of dnstap.
pub const DNSTAP_CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";

const FIELD_CONTENT_TYPE: u32 = 1;

/// Control frame types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlType {
    Accept,
    Start,
    Stop,
    Ready,
    Finish,
}

impl ControlType {
    fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            1 => Self::Accept,
            2 => Self::Start,
            3 => Self::Stop,
            4 => Self::Ready,
            5 => Self::Finish,
            _ => return None,
        })
    }

    fn code(self) -> u32 {
        match self {
            Self::Accept => 1,
            Self::Start => 2,
            Self::Stop => 3,
            Self::Ready => 4,
            Self::Finish => 5,
        }
    }
}

impl fmt::Display for ControlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accept => "ACCEPT",
            Self::Start => "START",
            Self::Stop => "STOP",
            Self::Ready => "READY",
            Self::Finish => "FINISH",
        })
    }
}

/// A decoded control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFrame<'a> {
    pub kind: ControlType,
    /// Content-type fields, in order (READY may offer several; START and ACCEPT carry at most one).
    pub content_types: Vec<&'a [u8]>,
}

impl ControlFrame<'_> {
    /// Whether the frame names `content_type`, or names none (which fstrm reads as "any").
    pub fn allows(&self, content_type: &[u8]) -> bool {
        self.content_types.is_empty() || self.content_types.contains(&content_type)
    }
}

/// Why a Frame Streams byte stream cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("data frame of {len} bytes exceeds the limit of {MAX_DATA_FRAME}")]
    DataTooLarge { len: u32 },
    #[error("control frame of {len} bytes exceeds the limit of {MAX_CONTROL_FRAME}")]
    ControlTooLarge { len: u32 },
    #[error("control frame too short ({len} bytes)")]
    ControlTooShort { len: u32 },
    #[error("unknown control frame type {0}")]
    UnknownControl(u32),
    #[error("malformed control frame field")]
    BadControlField,
    #[error("expected a {expected} control frame, got {found}")]
    UnexpectedControl {
        expected: ControlType,
        found: ControlType,
    },
    #[error("expected a {expected} control frame, got a data frame")]
    UnexpectedData { expected: ControlType },
    #[error("the sender offers content types {offered}, not {wanted}")]
    NoMatchingContentType { offered: String, wanted: String },
    #[error("bytes after the stream finished")]
    AfterFinish,
}

/// One frame decoded from a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    Data(&'a [u8]),
    Control(ControlFrame<'a>),
}

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Decodes the frame at the start of `buf`: the frame and the bytes it took, or `None` if `buf` does not hold all of
/// it yet. Errors when a length exceeds the limits or a control frame is malformed.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    let Some(head) = buf.get(..4) else {
        return Ok(None);
    };
    let len = be32(head);
    if len != 0 {
        if len as usize > MAX_DATA_FRAME {
            return Err(FrameError::DataTooLarge { len });
        }
        let end = 4 + len as usize;
        return Ok(buf.get(4..end).map(|payload| (Frame::Data(payload), end)));
    }
    let Some(control_len) = buf.get(4..8).map(be32) else {
        return Ok(None);
    };
    check_control_len(control_len)?;
    let end = 8 + control_len as usize;
    let Some(body) = buf.get(8..end) else {
        return Ok(None);
    };
    Ok(Some((Frame::Control(parse_control(body)?), end)))
}

/// Checks a control frame length against the limits.
pub(crate) fn check_control_len(len: u32) -> Result<(), FrameError> {
    if len as usize > MAX_CONTROL_FRAME {
        return Err(FrameError::ControlTooLarge { len });
    }
    if len < 4 {
        return Err(FrameError::ControlTooShort { len });
    }
    Ok(())
}

/// Parses a control frame body (type and fields, after the control length).
pub(crate) fn parse_control(body: &[u8]) -> Result<ControlFrame<'_>, FrameError> {
    let Some(code) = body.get(..4).map(be32) else {
        return Err(FrameError::ControlTooShort {
            len: body.len() as u32,
        });
    };
    let kind = ControlType::from_code(code).ok_or(FrameError::UnknownControl(code))?;
    let mut content_types = Vec::new();
    let mut rest = &body[4..];
    while !rest.is_empty() {
        let (Some(field), Some(len)) = (rest.get(..4).map(be32), rest.get(4..8).map(be32)) else {
            return Err(FrameError::BadControlField);
        };
        let value = rest
            .get(8..8 + len as usize)
            .ok_or(FrameError::BadControlField)?;
        // Unknown fields are skipped, as fstrm does.
        if field == FIELD_CONTENT_TYPE {
            content_types.push(value);
        }
        rest = &rest[8 + len as usize..];
    }
    Ok(ControlFrame {
        kind,
        content_types,
    })
}

/// Encodes a control frame (escape, length, type, content-type fields).
pub fn encode_control(kind: ControlType, content_types: &[&[u8]]) -> Vec<u8> {
    let body_len: usize = 4 + content_types.iter().map(|ct| 8 + ct.len()).sum::<usize>();
    let mut out = Vec::with_capacity(8 + body_len);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(body_len as u32).to_be_bytes());
    out.extend_from_slice(&kind.code().to_be_bytes());
    for ct in content_types {
        out.extend_from_slice(&FIELD_CONTENT_TYPE.to_be_bytes());
        out.extend_from_slice(&(ct.len() as u32).to_be_bytes());
        out.extend_from_slice(ct);
    }
    out
}

/// Encodes a data frame.
pub fn encode_data(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn lossy_list(items: &[&[u8]]) -> String {
    let names: Vec<String> = items
        .iter()
        .map(|ct| format!("{:?}", String::from_utf8_lossy(ct)))
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Where a [`Receiver`] is in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReceiverState {
    AwaitReady,
    AwaitStart,
    Data,
    Finished,
}

/// What the socket loop must do next.
#[derive(Debug, PartialEq, Eq)]
pub enum ReceiverEvent<'a> {
    /// Write these bytes to the sender (ACCEPT, FINISH).
    Reply(Vec<u8>),
    /// A data frame's payload.
    Data(&'a [u8]),
    /// The sender stopped and FINISH has been handed out: close the connection.
    Finished,
}

/// The receiving side of a bidirectional Frame Streams connection, without IO: feed it the bytes read from the
/// socket ([`Receiver::feed`]), then take events ([`Receiver::next_event`]) until it returns `None`, writing any
/// `Reply` back. Any error means the connection should be closed. The buffer holds at most one frame beyond what
/// has been fed but not yet taken.
#[derive(Debug)]
pub struct Receiver {
    content_type: Vec<u8>,
    buffer: Vec<u8>,
    /// Bytes at the front of `buffer` already decoded.
    consumed: usize,
    state: ReceiverState,
    finished_reported: bool,
}

impl Receiver {
    /// A receiver that accepts `content_type`.
    pub fn new(content_type: &[u8]) -> Self {
        Self {
            content_type: content_type.to_vec(),
            buffer: Vec::new(),
            consumed: 0,
            state: ReceiverState::AwaitReady,
            finished_reported: false,
        }
    }

    /// A receiver for dnstap.
    pub fn dnstap() -> Self {
        Self::new(DNSTAP_CONTENT_TYPE)
    }

    /// Appends bytes read from the socket.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.consumed > 0 && self.consumed == self.buffer.len() {
            self.buffer.clear();
            self.consumed = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// Whether the stream has finished (STOP received, FINISH handed out).
    pub fn is_finished(&self) -> bool {
        self.state == ReceiverState::Finished
    }

    /// The next thing to do, `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Result<Option<ReceiverEvent<'_>>, FrameError> {
        if self.consumed > 0 && self.consumed * 2 >= self.buffer.len() {
            self.buffer.drain(..self.consumed);
            self.consumed = 0;
        }
        if self.state == ReceiverState::Finished {
            // `Finished` comes first whatever arrived with the STOP, so events never depend on how bytes were chunked.
            if !self.finished_reported {
                self.finished_reported = true;
                return Ok(Some(ReceiverEvent::Finished));
            }
            if self.buffer.len() > self.consumed {
                return Err(FrameError::AfterFinish);
            }
            return Ok(None);
        }
        let expected = match self.state {
            ReceiverState::AwaitReady => ControlType::Ready,
            ReceiverState::AwaitStart => ControlType::Start,
            ReceiverState::Data | ReceiverState::Finished => ControlType::Stop,
        };
        let start = self.consumed;
        let Some((frame, used)) = decode_frame(&self.buffer[start..])? else {
            return Ok(None);
        };
        let control = match frame {
            Frame::Data(_) if self.state == ReceiverState::Data => None,
            Frame::Data(_) => return Err(FrameError::UnexpectedData { expected }),
            Frame::Control(control) if control.kind != expected => {
                return Err(FrameError::UnexpectedControl {
                    expected,
                    found: control.kind,
                });
            }
            Frame::Control(control) => Some(self.check_content_type(&control)?),
        };
        self.consumed += used;
        match (control, self.state) {
            (None, _) => Ok(Some(ReceiverEvent::Data(
                &self.buffer[start + 4..self.consumed],
            ))),
            (Some(()), ReceiverState::AwaitReady) => {
                self.state = ReceiverState::AwaitStart;
                let accept = encode_control(ControlType::Accept, &[&self.content_type]);
                Ok(Some(ReceiverEvent::Reply(accept)))
            }
            (Some(()), ReceiverState::AwaitStart) => {
                self.state = ReceiverState::Data;
                self.next_event()
            }
            (Some(()), ReceiverState::Data | ReceiverState::Finished) => {
                self.state = ReceiverState::Finished;
                let finish = encode_control(ControlType::Finish, &[]);
                Ok(Some(ReceiverEvent::Reply(finish)))
            }
        }
    }

    /// READY must offer our content type; START must name it or none.
    fn check_content_type(&self, control: &ControlFrame<'_>) -> Result<(), FrameError> {
        let ok = match control.kind {
            ControlType::Ready => control
                .content_types
                .contains(&self.content_type.as_slice()),
            ControlType::Start => control.allows(&self.content_type),
            _ => true,
        };
        if ok {
            return Ok(());
        }
        Err(FrameError::NoMatchingContentType {
            offered: lossy_list(&control.content_types),
            wanted: String::from_utf8_lossy(&self.content_type).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(cts: &[&[u8]]) -> Vec<u8> {
        encode_control(ControlType::Ready, cts)
    }

    /// Feeds `input` in pieces of `chunk` bytes; returns the events (replies as control types) or the error.
    fn run(input: &[u8], chunk: usize) -> (Vec<String>, Option<FrameError>) {
        let mut receiver = Receiver::dnstap();
        let mut events = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            receiver.feed(piece);
            loop {
                match receiver.next_event() {
                    Ok(None) => break,
                    Ok(Some(ReceiverEvent::Reply(bytes))) => {
                        let Ok(Some((Frame::Control(c), _))) = decode_frame(&bytes) else {
                            panic!("reply is a control frame")
                        };
                        let cts: Vec<String> = c
                            .content_types
                            .iter()
                            .map(|ct| String::from_utf8_lossy(ct).into_owned())
                            .collect();
                        events.push(format!("reply {} {cts:?}", c.kind));
                    }
                    Ok(Some(ReceiverEvent::Data(payload))) => {
                        events.push(format!("data {}", String::from_utf8_lossy(payload)))
                    }
                    Ok(Some(ReceiverEvent::Finished)) => events.push("finished".to_owned()),
                    Err(e) => return (events, Some(e)),
                }
            }
        }
        (events, None)
    }

    fn session() -> Vec<u8> {
        let mut input = ready(&[b"protobuf:other", DNSTAP_CONTENT_TYPE]);
        input.extend(encode_control(ControlType::Start, &[DNSTAP_CONTENT_TYPE]));
        input.extend(encode_data(b"one"));
        input.extend(encode_data(b"two"));
        input.extend(encode_control(ControlType::Stop, &[]));
        input
    }

    #[test]
    fn handshake_in_any_chunking() {
        let expected = [
            "reply ACCEPT [\"protobuf:dnstap.Dnstap\"]",
            "data one",
            "data two",
            "reply FINISH []",
            "finished",
        ];
        let input = session();
        for chunk in [1, 3, 7, 64, input.len()] {
            let (events, error) = run(&input, chunk);
            assert_eq!(events, expected, "chunk {chunk}");
            assert_eq!(error, None);
        }
    }

    #[test]
    fn handshake_errors() {
        let start = encode_control(ControlType::Start, &[]);
        let mut huge = ready(&[DNSTAP_CONTENT_TYPE]);
        huge.extend(&start);
        huge.extend(((MAX_DATA_FRAME + 1) as u32).to_be_bytes());
        let mut after = session();
        after.extend(encode_data(b"late"));
        let mut bad_start = ready(&[DNSTAP_CONTENT_TYPE]);
        bad_start.extend(encode_control(ControlType::Start, &[b"json"]));
        let mut control_len = vec![0, 0, 0, 0];
        control_len.extend(600u32.to_be_bytes());
        for (input, expected) in [
            (
                ready(&[b"json"]),
                "the sender offers content types \"json\", not protobuf:dnstap.Dnstap",
            ),
            (
                ready(&[]),
                "the sender offers content types none, not protobuf:dnstap.Dnstap",
            ),
            (start.clone(), "expected a READY control frame, got START"),
            (
                encode_data(b"x"),
                "expected a READY control frame, got a data frame",
            ),
            (
                huge,
                "data frame of 1048577 bytes exceeds the limit of 1048576",
            ),
            (after, "bytes after the stream finished"),
            (
                bad_start,
                "the sender offers content types \"json\", not protobuf:dnstap.Dnstap",
            ),
            (
                control_len,
                "control frame of 600 bytes exceeds the limit of 512",
            ),
            (
                vec![0, 0, 0, 0, 0, 0, 0, 2, 0, 0],
                "control frame too short (2 bytes)",
            ),
            (
                vec![0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 9],
                "unknown control frame type 9",
            ),
            (
                vec![0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 9],
                "malformed control frame field",
            ),
        ] {
            let (_, error) = run(&input, 5);
            assert_eq!(error.map(|e| e.to_string()).as_deref(), Some(expected));
        }
    }

    /// Fuzz finding: bytes arriving in the same read as STOP made the error come before `Finished`, so the events
    /// depended on chunking.
    #[test]
    fn bytes_after_stop_in_any_chunking() {
        let mut input = session();
        input.extend(encode_data(b"late"));
        for chunk in [1, 5, input.len()] {
            let (events, error) = run(&input, chunk);
            assert_eq!(
                events.last().map(String::as_str),
                Some("finished"),
                "chunk {chunk}"
            );
            assert_eq!(error, Some(FrameError::AfterFinish));
        }
    }

    #[test]
    fn start_without_content_type_means_any() {
        let mut input = ready(&[DNSTAP_CONTENT_TYPE]);
        input.extend(encode_control(ControlType::Start, &[]));
        input.extend(encode_data(b"x"));
        let (events, error) = run(&input, 100);
        assert_eq!(error, None);
        assert_eq!(events.last().map(String::as_str), Some("data x"));
    }
}
