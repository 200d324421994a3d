//! Packet captures → passive DNS: reads libpcap and pcapng files, follows DNS over UDP and TCP (IP fragments and
//! TCP streams reassembled) and hands every DNS message to [`crate::dns::wire`].
//!
//! The readers are our own rather than pcap-parser + etherparse: the file formats and the headers we need are a few
//! hundred lines, reading straight out of one reusable buffer keeps the hot path free of copies and allocations
//! (the throughput goal is ≥ 1 Gbit/s on one core), and every malformed byte becomes a reject with our location
//! (`packet N (offset B)`) and wording instead of a library error to translate. Everything here is fuzzed
//! (`fuzz/fuzz_targets/pcap.rs`).
//!
//! Only a non-capture input or an IO error ends a run with an error; anything else is a counted reject.

mod defrag;
mod file;
mod packet;
mod tcp;

pub use tcp::TcpLimits;

use crate::dns::DnsSink;
use crate::dns::wire::WireParser;
use crate::report::Reject;
use defrag::{Abandoned, Defragmenter, TrainKey};
use file::{CaptureReader, Next};
use packet::{IpPacket, PROTO_TCP, PROTO_UDP};
use std::io::Read;
use tcp::{FlowKey, LostStream, TcpReassembler};

/// What a capture run reads and how much state it may keep.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Ports whose UDP and TCP traffic is DNS (either side).
    pub dns_ports: Vec<u16>,
    /// Fragmented datagrams reassembled at once.
    pub max_fragment_trains: usize,
    /// A fragmented datagram incomplete after this long (capture time, µs) is given up.
    pub fragment_timeout_us: i64,
    pub tcp: TcpLimits,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        Self {
            dns_ports: vec![53],
            max_fragment_trains: 256,
            fragment_timeout_us: 30_000_000,
            tcp: TcpLimits::default(),
        }
    }
}

/// What a capture held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packet records read.
    pub packets: u64,
    /// Captured bytes of those packets.
    pub bytes: u64,
    /// DNS messages found (queries included).
    pub dns_messages: u64,
    /// Observations the sink accepted.
    pub observations: u64,
}

/// Why a capture could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("not a packet capture: {0}")]
    NotACapture(String),
    #[error("reading the capture: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads a capture with the default options (DNS on port 53).
pub fn read_capture<R: Read, S: DnsSink>(
    input: R,
    source: &str,
    sink: &mut S,
) -> Result<CaptureStats, CaptureError> {
    read_capture_with(input, source, &CaptureOptions::default(), sink)
}

/// Reads a capture (libpcap or pcapng, detected by its magic number) and offers every DNS answer to `sink`.
pub fn read_capture_with<R: Read, S: DnsSink>(
    input: R,
    source: &str,
    options: &CaptureOptions,
    sink: &mut S,
) -> Result<CaptureStats, CaptureError> {
    let mut reader = CaptureReader::new(input)?;
    let mut decoder = Decoder {
        source,
        dns_ports: &options.dns_ports,
        defrag: Defragmenter::new(options.max_fragment_trains, options.fragment_timeout_us),
        tcp: TcpReassembler::new(options.tcp),
        wire: WireParser::new(),
        stats: CaptureStats::default(),
        abandoned: Vec::new(),
        lost: Vec::new(),
    };
    loop {
        match reader.next()? {
            Next::Packet(packet) => {
                decoder.stats.packets += 1;
                decoder.stats.bytes += packet.data.len() as u64;
                let here = Here {
                    number: packet.number,
                    offset: packet.offset,
                };
                decoder.frame(packet.link_type, packet.data, packet.time_us, here, sink);
            }
            Next::Problem {
                reason,
                message,
                offset,
                fatal,
            } => {
                let location = if fatal {
                    format!("offset {offset} (after packet {})", reader.packets())
                } else {
                    format!("packet {} (offset {offset})", reader.packets())
                };
                reject(sink, source, reason, location, message);
            }
            Next::End => break,
        }
    }
    decoder.finish(sink);
    Ok(decoder.stats)
}

fn reject<S: DnsSink>(
    sink: &mut S,
    source: &str,
    reason: &'static str,
    location: String,
    message: String,
) {
    sink.reject(
        reason,
        Reject {
            source: source.to_owned(),
            location,
            message,
        },
    );
}

/// Where the packet being decoded is.
#[derive(Debug, Clone, Copy)]
struct Here {
    number: u64,
    offset: u64,
}

impl Here {
    fn location(self) -> String {
        format!("packet {} (offset {})", self.number, self.offset)
    }
}

struct Decoder<'o> {
    source: &'o str,
    dns_ports: &'o [u16],
    defrag: Defragmenter,
    tcp: TcpReassembler,
    wire: WireParser,
    stats: CaptureStats,
    abandoned: Vec<Abandoned>,
    lost: Vec<LostStream>,
}

impl Decoder<'_> {
    fn is_dns_port(&self, port: u16) -> bool {
        self.dns_ports.contains(&port)
    }

    fn frame<S: DnsSink>(
        &mut self,
        link_type: u32,
        frame: &[u8],
        time_us: i64,
        here: Here,
        sink: &mut S,
    ) {
        let result = packet::network_payload(link_type, frame).and_then(|payload| match payload {
            Some(payload) => packet::ip_packet(payload),
            None => Ok(None),
        });
        match result {
            Ok(Some(ip)) => self.ip(ip, time_us, here, sink),
            Ok(None) => {}
            Err(error) => reject(
                sink,
                self.source,
                error.reason,
                here.location(),
                error.message,
            ),
        }
        self.report_abandoned(sink);
    }

    fn ip<S: DnsSink>(&mut self, ip: IpPacket<'_>, time_us: i64, here: Here, sink: &mut S) {
        if ip.protocol != PROTO_UDP && ip.protocol != PROTO_TCP {
            return;
        }
        let Some(fragment) = ip.fragment else {
            return self.transport(&ip, ip.payload, ip.protocol, time_us, here, sink);
        };
        if ip.cut_short {
            // Fragments carry no ports after the first; a fragment cut short can only be counted when it shows
            // DNS ports, the rest would be noise from unrelated traffic.
            if fragment.offset == 0 && self.shows_dns_ports(ip.payload) {
                let error = packet::truncated("fragment", ip.payload.len() + 1, ip.payload.len());
                reject(
                    sink,
                    self.source,
                    error.reason,
                    here.location(),
                    error.message,
                );
            }
            return;
        }
        let key = TrainKey {
            source: ip.source,
            destination: ip.destination,
            id: fragment.id,
            protocol: ip.protocol,
        };
        let added = self.defrag.add(
            key,
            fragment,
            ip.payload,
            time_us,
            || here.location(),
            &mut self.abandoned,
        );
        match added {
            Ok(Some((protocol, datagram))) => {
                let payload = if ip.source.is_ipv6() {
                    match packet::ipv6_extensions(protocol, &datagram, false) {
                        Ok(Some((protocol, payload, _))) => Some((protocol, payload)),
                        Ok(None) => None,
                        Err(error) => {
                            reject(
                                sink,
                                self.source,
                                error.reason,
                                here.location(),
                                error.message,
                            );
                            None
                        }
                    }
                } else {
                    Some((protocol, datagram.as_slice()))
                };
                if let Some((protocol, payload)) = payload {
                    self.transport(&ip, payload, protocol, time_us, here, sink);
                }
            }
            Ok(None) => {}
            Err(error) => reject(
                sink,
                self.source,
                "bad IP fragment",
                here.location(),
                format!(
                    "{} → {} id {}: {error}",
                    ip.source, ip.destination, fragment.id
                ),
            ),
        }
    }

    fn shows_dns_ports(&self, segment: &[u8]) -> bool {
        packet::ports(segment)
            .is_some_and(|(from, to)| self.is_dns_port(from) || self.is_dns_port(to))
    }

    fn transport<S: DnsSink>(
        &mut self,
        ip: &IpPacket<'_>,
        segment: &[u8],
        protocol: u8,
        time_us: i64,
        here: Here,
        sink: &mut S,
    ) {
        if !self.shows_dns_ports(segment) {
            return;
        }
        if ip.cut_short && protocol == PROTO_TCP {
            // Stream reassembly needs every byte; a partial segment would corrupt the stream.
            let error = packet::truncated("TCP segment", segment.len() + 1, segment.len());
            let message = format!(
                "{} (the capture's snap length cut the packet short)",
                error.message
            );
            return reject(sink, self.source, error.reason, here.location(), message);
        }
        let decoded = if protocol == PROTO_UDP {
            packet::udp(segment).map(|(_, _, payload)| {
                self.message(payload, time_us, here, sink);
            })
        } else {
            packet::tcp(segment).map(|(header, payload)| {
                let key = FlowKey {
                    source: ip.source,
                    destination: ip.destination,
                    source_port: header.source_port,
                    destination_port: header.destination_port,
                };
                let Decoder {
                    tcp,
                    wire,
                    stats,
                    lost,
                    source,
                    ..
                } = self;
                tcp.segment(
                    key,
                    header.seq,
                    header.syn,
                    header.fin,
                    header.rst,
                    payload,
                    time_us,
                    lost,
                    |message| dns_message(wire, stats, source, message, time_us, here, sink),
                );
            })
        };
        if let Err(mut error) = decoded {
            if ip.cut_short {
                error
                    .message
                    .push_str(" (the capture's snap length cut the packet short)");
            }
            reject(
                sink,
                self.source,
                error.reason,
                here.location(),
                error.message,
            );
        }
        for lost in self.lost.drain(..) {
            reject(
                sink,
                self.source,
                lost.reason,
                here.location(),
                lost.message,
            );
        }
    }

    fn message<S: DnsSink>(&mut self, message: &[u8], time_us: i64, here: Here, sink: &mut S) {
        dns_message(
            &mut self.wire,
            &mut self.stats,
            self.source,
            message,
            time_us,
            here,
            sink,
        );
    }

    fn report_abandoned<S: DnsSink>(&mut self, sink: &mut S) {
        for train in self.abandoned.drain(..) {
            let key = train.key;
            reject(
                sink,
                self.source,
                "incomplete IP fragment train",
                train.location,
                format!(
                    "{} → {} id {}: only {} bytes arrived before it was given up",
                    key.source, key.destination, key.id, train.received
                ),
            );
        }
    }

    fn finish<S: DnsSink>(&mut self, sink: &mut S) {
        self.defrag.drain(&mut self.abandoned);
        self.report_abandoned(sink);
        self.tcp.finish(&mut self.lost);
        for lost in self.lost.drain(..) {
            reject(
                sink,
                self.source,
                lost.reason,
                "end of capture".to_owned(),
                lost.message,
            );
        }
    }
}

/// Parses one DNS message, counting it and recording it as a reject if it is malformed.
fn dns_message<S: DnsSink>(
    wire: &mut WireParser,
    stats: &mut CaptureStats,
    source: &str,
    message: &[u8],
    time_us: i64,
    here: Here,
    sink: &mut S,
) {
    stats.dns_messages += 1;
    let location = || here.location();
    match wire.observe_response(message, time_us, None, source, &location, sink) {
        Ok(observed) => stats.observations += observed as u64,
        Err(error) => reject(
            sink,
            source,
            error.reason(),
            here.location(),
            error.to_string(),
        ),
    }
}
