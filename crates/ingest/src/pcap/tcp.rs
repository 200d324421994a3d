//! DNS over TCP (RFC 7766): per-direction stream reassembly and the 2-byte length framing, in bounded memory.
//!
//! Each direction of a flow is a stream of `length, message` pairs. Segments are placed by sequence number:
//! retransmitted bytes are dropped, segments from the future wait (a few, within a byte bound) for the gap to fill,
//! and a gap that never fills breaks the stream until it ends. Streams end on FIN or RST, or when idle.

use std::collections::HashMap;
use std::net::IpAddr;

/// Bounds on TCP reassembly state; worst-case memory is about `max_flows × (64 KiB + max_pending_bytes)`.
#[derive(Debug, Clone, Copy)]
pub struct TcpLimits {
    /// Streams tracked at once (each direction of a connection is one).
    pub max_flows: usize,
    /// Out-of-order segments held per stream.
    pub max_pending_segments: usize,
    /// Out-of-order bytes held per stream.
    pub max_pending_bytes: usize,
    /// A stream idle this long (capture time, µs) is given up.
    pub idle_timeout_us: i64,
}

impl Default for TcpLimits {
    fn default() -> Self {
        Self {
            max_flows: 4096,
            max_pending_segments: 32,
            max_pending_bytes: 64 * 1024,
            idle_timeout_us: 120_000_000,
        }
    }
}

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FlowKey {
    pub source: IpAddr,
    pub destination: IpAddr,
    pub source_port: u16,
    pub destination_port: u16,
}

impl std::fmt::Display for FlowKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let address = |ip: &IpAddr, port: u16| match ip {
            IpAddr::V4(ip) => format!("{ip}:{port}"),
            IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        };
        write!(
            f,
            "TCP {} → {}",
            address(&self.source, self.source_port),
            address(&self.destination, self.destination_port)
        )
    }
}

#[derive(Debug, Default)]
struct Stream {
    /// Sequence number of the next byte expected.
    next_seq: u32,
    /// Bytes of an incomplete message (its length prefix included).
    partial: Vec<u8>,
    /// Segments ahead of `next_seq`: (sequence number, data).
    pending: Vec<(u32, Vec<u8>)>,
    pending_bytes: usize,
    last_seen_us: i64,
    /// After a gap that could not be filled, message boundaries are lost until the stream ends.
    broken: bool,
}

impl Stream {
    fn holds_data(&self) -> bool {
        !self.partial.is_empty() || !self.pending.is_empty()
    }

    /// Takes in-order bytes and hands out every message they complete.
    fn deliver(&mut self, data: &[u8], on_message: &mut impl FnMut(&[u8])) {
        self.next_seq = self.next_seq.wrapping_add(data.len() as u32);
        if self.broken {
            return;
        }
        if self.partial.is_empty() {
            // The common case: whole messages inside one segment, parsed where they lie.
            let rest = split_messages(data, on_message);
            self.partial.extend_from_slice(rest);
            return;
        }
        self.partial.extend_from_slice(data);
        let consumed = self.partial.len() - split_messages(&self.partial, on_message).len();
        self.partial.drain(..consumed);
    }
}

/// Hands out the complete length-prefixed messages at the start of `data`; returns the incomplete rest.
fn split_messages<'d>(mut data: &'d [u8], on_message: &mut impl FnMut(&[u8])) -> &'d [u8] {
    while let [high, low, rest @ ..] = data {
        let len = u16::from_be_bytes([*high, *low]) as usize;
        let Some(message) = rest.get(..len) else {
            break;
        };
        on_message(message);
        data = &rest[len..];
    }
    data
}

/// A stream given up with data it could not frame.
#[derive(Debug)]
pub(super) struct LostStream {
    pub reason: &'static str,
    pub message: String,
}

/// Every tracked stream.
#[derive(Debug)]
pub(super) struct TcpReassembler {
    streams: HashMap<FlowKey, Stream>,
    limits: TcpLimits,
    last_sweep_us: i64,
}

impl TcpReassembler {
    pub fn new(limits: TcpLimits) -> Self {
        Self {
            streams: HashMap::new(),
            limits,
            last_sweep_us: i64::MIN,
        }
    }

    /// Takes one segment; calls `on_message` for each DNS message it completes, in stream order. Streams given
    /// up along the way are pushed to `lost`.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        key: FlowKey,
        seq: u32,
        syn: bool,
        fin: bool,
        rst: bool,
        mut data: &[u8],
        time_us: i64,
        lost: &mut Vec<LostStream>,
        mut on_message: impl FnMut(&[u8]),
    ) {
        self.sweep(time_us, lost);
        if rst {
            if let Some(stream) = self.streams.remove(&key) {
                lose(key, &stream, "reset", lost);
            }
            return;
        }
        // SYN takes one sequence number; data on a SYN (TCP Fast Open) follows it.
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        if !self.streams.contains_key(&key) {
            if data.is_empty() && !syn {
                return;
            }
            if self.streams.len() >= self.limits.max_flows {
                self.evict_least_recent(lost);
            }
            // Without a SYN the capture started mid-connection; the first segment is taken as the start.
            self.streams.insert(
                key,
                Stream {
                    next_seq: data_seq,
                    ..Stream::default()
                },
            );
        }
        let Some(stream) = self.streams.get_mut(&key) else {
            return;
        };
        stream.last_seen_us = time_us;
        let ahead = data_seq.wrapping_sub(stream.next_seq) as i32;
        if ahead < 0 {
            // Overlaps bytes already taken: a retransmission; keep only what is new.
            let seen = ahead.unsigned_abs() as usize;
            data = data.get(seen..).unwrap_or(&[]);
        }
        if !data.is_empty() {
            if ahead <= 0 {
                stream.deliver(data, &mut on_message);
                drain_pending(stream, &mut on_message);
            } else if stream.pending.len() < self.limits.max_pending_segments
                && stream.pending_bytes + data.len() <= self.limits.max_pending_bytes
            {
                stream.pending.push((data_seq, data.to_vec()));
                stream.pending_bytes += data.len();
            } else if !stream.broken {
                stream.broken = true;
                stream.partial.clear();
                stream.pending.clear();
                stream.pending_bytes = 0;
                lost.push(LostStream {
                    reason: "TCP stream gap",
                    message: format!(
                        "{key}: {ahead} bytes are missing before sequence number {data_seq}; the stream's later \
                         messages are skipped"
                    ),
                });
            }
        }
        if fin && let Some(stream) = self.streams.remove(&key) {
            lose(key, &stream, "finished", lost);
        }
    }

    /// Gives up streams idle longer than the timeout (checked at most once per second of capture time).
    fn sweep(&mut self, now_us: i64, lost: &mut Vec<LostStream>) {
        if now_us.saturating_sub(self.last_sweep_us) < 1_000_000 {
            return;
        }
        self.last_sweep_us = now_us;
        let timeout = self.limits.idle_timeout_us;
        self.streams.retain(|key, stream| {
            let idle = now_us.saturating_sub(stream.last_seen_us) > timeout;
            if idle {
                lose(*key, stream, "idle", lost);
            }
            !idle
        });
    }

    /// Makes room by giving up the least recently seen eighth of the streams at once, so that a full table costs
    /// one scan per many new streams rather than one per stream.
    fn evict_least_recent(&mut self, lost: &mut Vec<LostStream>) {
        let mut ages: Vec<(i64, FlowKey)> = self
            .streams
            .iter()
            .map(|(key, stream)| (stream.last_seen_us, *key))
            .collect();
        let count = (ages.len() / 8).max(1);
        ages.select_nth_unstable_by_key(count - 1, |(seen, _)| *seen);
        for (_, key) in &ages[..count] {
            if let Some(stream) = self.streams.remove(key) {
                lose(*key, &stream, "evicted (too many streams)", lost);
            }
        }
    }

    /// Gives up every stream (end of capture).
    pub fn finish(&mut self, lost: &mut Vec<LostStream>) {
        for (key, stream) in self.streams.drain() {
            lose(key, &stream, "open at the end of the capture", lost);
        }
    }
}

/// Places waiting segments that the stream has now reached.
fn drain_pending(stream: &mut Stream, on_message: &mut impl FnMut(&[u8])) {
    while !stream.pending.is_empty() {
        let next = stream.next_seq;
        let Some(at) = stream
            .pending
            .iter()
            .position(|(seq, _)| seq.wrapping_sub(next) as i32 <= 0)
        else {
            return;
        };
        let (seq, data) = stream.pending.swap_remove(at);
        stream.pending_bytes -= data.len();
        let seen = next.wrapping_sub(seq) as usize;
        if let Some(new) = data.get(seen..).filter(|new| !new.is_empty()) {
            stream.deliver(new, on_message);
        }
    }
}

/// Records a stream that ends holding bytes it could not frame into messages.
fn lose(key: FlowKey, stream: &Stream, how: &str, lost: &mut Vec<LostStream>) {
    if stream.broken || !stream.holds_data() {
        return;
    }
    lost.push(LostStream {
        reason: "TCP stream ended mid-message",
        message: format!(
            "{key} {how} with {} bytes of an incomplete DNS message and {} bytes waiting for a gap to fill",
            stream.partial.len(),
            stream.pending_bytes
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key() -> FlowKey {
        FlowKey {
            source: IpAddr::V4(Ipv4Addr::LOCALHOST),
            destination: IpAddr::V4(Ipv4Addr::LOCALHOST),
            source_port: 53,
            destination_port: 40000,
        }
    }

    fn framed(messages: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in messages {
            out.extend_from_slice(&(m.len() as u16).to_be_bytes());
            out.extend_from_slice(m);
        }
        out
    }

    /// Feeds (seq offset, bytes) segments after a SYN at 1000 and returns the messages and lost streams.
    fn run(segments: &[(u32, &[u8])], fin: bool) -> (Vec<Vec<u8>>, Vec<String>) {
        let mut tcp = TcpReassembler::new(TcpLimits::default());
        let mut lost = Vec::new();
        let mut messages = Vec::new();
        tcp.segment(key(), 1000, true, false, false, &[], 0, &mut lost, |_| {});
        for &(offset, data) in segments {
            tcp.segment(
                key(),
                1001 + offset,
                false,
                false,
                false,
                data,
                0,
                &mut lost,
                |m| messages.push(m.to_vec()),
            );
        }
        if fin {
            tcp.segment(key(), 0, false, true, false, &[], 0, &mut lost, |_| {});
        } else {
            tcp.finish(&mut lost);
        }
        (
            messages,
            lost.into_iter().map(|l| l.reason.to_owned()).collect(),
        )
    }

    #[test]
    fn reassembly() {
        let stream = framed(&[b"first", b"second message", b"3"]);
        let whole = run(&[(0, &stream)], true);
        assert_eq!(
            whole.0,
            [b"first".to_vec(), b"second message".to_vec(), b"3".to_vec()]
        );
        assert!(whole.1.is_empty());
        // Split inside a length prefix and inside a message, delivered out of order, with a retransmission.
        let (a, b, c) = (&stream[..1], &stream[1..10], &stream[10..]);
        let split = run(&[(0, a), (10, c), (1, b), (1, b), (0, &stream[..12])], true);
        assert_eq!(split.0, whole.0);
        assert!(split.1.is_empty(), "{:?}", split.1);
        // A gap never filled: the stream ends mid-message.
        let gap = run(&[(0, &stream[..9]), (12, &stream[12..])], true);
        assert_eq!(gap.0, [b"first".to_vec()]);
        assert_eq!(gap.1, ["TCP stream ended mid-message"]);
    }
}
