//! Builders for DNS messages, packets and capture files, shared by the tests and the benchmark generator
//! (`examples/gen_dns_pcap.rs` includes this file by path).

#![allow(dead_code)]

use std::net::IpAddr;

/// A name in uncompressed wire form (`example.com` → `7example3com0`); `.` or `` is the root.
pub fn name(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in text.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A DNS message being written: header, then sections appended in order (counts are set by the caller).
#[derive(Debug, Clone)]
pub struct Message {
    pub bytes: Vec<u8>,
}

pub const RESPONSE: u16 = 0x8180;
pub const QUERY: u16 = 0x0100;
pub const NXDOMAIN: u16 = 0x8183;

impl Message {
    /// Header with `flags` and the four counts.
    pub fn new(flags: u16, counts: [u16; 4]) -> Self {
        let mut bytes = vec![0x12, 0x34];
        bytes.extend_from_slice(&flags.to_be_bytes());
        for count in counts {
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        Self { bytes }
    }

    /// The offset the next byte will have (for compression pointers).
    pub fn here(&self) -> u16 {
        self.bytes.len() as u16
    }

    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    pub fn question(self, qname: &str, qtype: u16) -> Self {
        self.question_wire(&name(qname), qtype)
    }

    pub fn question_wire(mut self, qname: &[u8], qtype: u16) -> Self {
        self.bytes.extend_from_slice(qname);
        self.bytes.extend_from_slice(&qtype.to_be_bytes());
        self.bytes.extend_from_slice(&1u16.to_be_bytes());
        self
    }

    /// A record of class IN with TTL 300.
    pub fn record(self, owner: &str, rtype: u16, rdata: &[u8]) -> Self {
        self.record_wire(&name(owner), rtype, 1, rdata)
    }

    pub fn record_wire(mut self, owner: &[u8], rtype: u16, class: u16, rdata: &[u8]) -> Self {
        self.bytes.extend_from_slice(owner);
        self.bytes.extend_from_slice(&rtype.to_be_bytes());
        self.bytes.extend_from_slice(&class.to_be_bytes());
        self.bytes.extend_from_slice(&300u32.to_be_bytes());
        self.bytes
            .extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        self.bytes.extend_from_slice(rdata);
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}

/// A compression pointer to `offset`.
pub fn pointer(offset: u16) -> [u8; 2] {
    (0xc000 | offset).to_be_bytes()
}

fn checksum_fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn sum_words(bytes: &[u8]) -> u32 {
    bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]) as u32)
        .sum()
}

/// An IPv4 header + payload. `fragment` is (more fragments, offset in bytes).
pub fn ipv4(
    source: [u8; 4],
    destination: [u8; 4],
    protocol: u8,
    id: u16,
    fragment: (bool, usize),
    payload: &[u8],
) -> Vec<u8> {
    let mut packet = vec![0x45, 0];
    packet.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    packet.extend_from_slice(&id.to_be_bytes());
    let flags = (if fragment.0 { 0x2000 } else { 0 }) | (fragment.1 / 8) as u16;
    packet.extend_from_slice(&flags.to_be_bytes());
    packet.extend_from_slice(&[64, protocol, 0, 0]);
    packet.extend_from_slice(&source);
    packet.extend_from_slice(&destination);
    let checksum = checksum_fold(sum_words(&packet));
    packet[10..12].copy_from_slice(&checksum.to_be_bytes());
    packet.extend_from_slice(payload);
    packet
}

/// An IPv6 header (next header `next`) + payload.
pub fn ipv6(source: [u8; 16], destination: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut packet = vec![0x60, 0, 0, 0];
    packet.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    packet.extend_from_slice(&[next, 64]);
    packet.extend_from_slice(&source);
    packet.extend_from_slice(&destination);
    packet.extend_from_slice(payload);
    packet
}

/// An IPv6 fragment header (next header `next`) + fragment data.
pub fn ipv6_fragment(next: u8, id: u32, offset: usize, more: bool, data: &[u8]) -> Vec<u8> {
    let mut header = vec![next, 0];
    header.extend_from_slice(&(((offset / 8) as u16) << 3 | more as u16).to_be_bytes());
    header.extend_from_slice(&id.to_be_bytes());
    header.extend_from_slice(data);
    header
}

/// A UDP header + payload (checksum 0: none).
pub fn udp(source_port: u16, destination_port: u16, payload: &[u8]) -> Vec<u8> {
    let mut segment = Vec::with_capacity(8 + payload.len());
    segment.extend_from_slice(&source_port.to_be_bytes());
    segment.extend_from_slice(&destination_port.to_be_bytes());
    segment.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    segment.extend_from_slice(&[0, 0]);
    segment.extend_from_slice(payload);
    segment
}

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_ACK: u8 = 0x10;
pub const TCP_PSH: u8 = 0x08;

/// A TCP header (no options) + payload.
pub fn tcp(
    source_port: u16,
    destination_port: u16,
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut segment = Vec::with_capacity(20 + payload.len());
    segment.extend_from_slice(&source_port.to_be_bytes());
    segment.extend_from_slice(&destination_port.to_be_bytes());
    segment.extend_from_slice(&seq.to_be_bytes());
    segment.extend_from_slice(&1u32.to_be_bytes());
    segment.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    segment.extend_from_slice(payload);
    segment
}

/// DNS-over-TCP framing: each message with its 2-byte length.
pub fn framed(messages: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for message in messages {
        out.extend_from_slice(&(message.len() as u16).to_be_bytes());
        out.extend_from_slice(message);
    }
    out
}

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

/// An Ethernet frame with the given 802.1Q/802.1ad tags (outermost first).
pub fn ethernet(ethertype: u16, vlan_tags: &[(u16, u16)], payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    for &(tpid, vlan) in vlan_tags {
        frame.extend_from_slice(&tpid.to_be_bytes());
        frame.extend_from_slice(&vlan.to_be_bytes());
    }
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// The ethertype for an IP packet by its version nibble.
pub fn ethertype_of(ip: &[u8]) -> u16 {
    if ip[0] >> 4 == 6 {
        ETHERTYPE_IPV6
    } else {
        ETHERTYPE_IPV4
    }
}

/// A Linux cooked (SLL) frame.
pub fn sll(ip: &[u8]) -> Vec<u8> {
    let mut frame = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    frame.extend_from_slice(&ethertype_of(ip).to_be_bytes());
    frame.extend_from_slice(ip);
    frame
}

/// A Linux cooked v2 (SLL2) frame.
pub fn sll2(ip: &[u8]) -> Vec<u8> {
    let mut frame = ethertype_of(ip).to_be_bytes().to_vec();
    frame.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    frame.extend_from_slice(ip);
    frame
}

/// A UDP packet over IPv4 or IPv6 in an Ethernet frame.
pub fn udp_frame(
    source: IpAddr,
    destination: IpAddr,
    source_port: u16,
    destination_port: u16,
    payload: &[u8],
) -> Vec<u8> {
    let segment = udp(source_port, destination_port, payload);
    ethernet_ip(source, destination, 17, &segment)
}

/// A TCP segment over IPv4 or IPv6 in an Ethernet frame.
pub fn tcp_frame(
    source: IpAddr,
    destination: IpAddr,
    source_port: u16,
    destination_port: u16,
    seq: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let segment = tcp(source_port, destination_port, seq, flags, payload);
    ethernet_ip(source, destination, 6, &segment)
}

pub fn ethernet_ip(source: IpAddr, destination: IpAddr, protocol: u8, segment: &[u8]) -> Vec<u8> {
    match (source, destination) {
        (IpAddr::V4(s), IpAddr::V4(d)) => ethernet(
            ETHERTYPE_IPV4,
            &[],
            &ipv4(s.octets(), d.octets(), protocol, 1, (false, 0), segment),
        ),
        (IpAddr::V6(s), IpAddr::V6(d)) => ethernet(
            ETHERTYPE_IPV6,
            &[],
            &ipv6(s.octets(), d.octets(), protocol, segment),
        ),
        _ => panic!("mixed address families"),
    }
}

/// A legacy pcap file being written.
#[derive(Debug)]
pub struct Pcap {
    pub bytes: Vec<u8>,
    big_endian: bool,
    nanos: bool,
}

impl Pcap {
    pub fn new(link_type: u32, big_endian: bool, nanos: bool) -> Self {
        let mut pcap = Self {
            bytes: Vec::new(),
            big_endian,
            nanos,
        };
        let magic = if nanos { 0xa1b2_3c4d_u32 } else { 0xa1b2_c3d4 };
        pcap.u32(magic);
        pcap.u16(2);
        pcap.u16(4);
        pcap.u32(0);
        pcap.u32(0);
        pcap.u32(262_144);
        pcap.u32(link_type);
        pcap
    }

    fn u16(&mut self, n: u16) {
        let b = if self.big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    fn u32(&mut self, n: u32) {
        let b = if self.big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    /// A record at `time_us`.
    pub fn packet(&mut self, time_us: i64, frame: &[u8]) -> &mut Self {
        self.u32((time_us / 1_000_000) as u32);
        let fraction = (time_us % 1_000_000) as u32;
        self.u32(if self.nanos {
            fraction * 1000
        } else {
            fraction
        });
        self.u32(frame.len() as u32);
        self.u32(frame.len() as u32);
        self.bytes.extend_from_slice(frame);
        self
    }
}

/// A pcapng file being written (one section per `new`/`section`).
#[derive(Debug)]
pub struct PcapNg {
    pub bytes: Vec<u8>,
    big_endian: bool,
}

impl PcapNg {
    pub fn new(big_endian: bool) -> Self {
        let mut file = Self {
            bytes: Vec::new(),
            big_endian,
        };
        file.section(big_endian);
        file
    }

    fn word(&self, n: u32) -> [u8; 4] {
        if self.big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        }
    }

    fn block(&mut self, block_type: u32, body: &[u8]) {
        let padded = body.len().next_multiple_of(4);
        let total = (12 + padded) as u32;
        let (t, len) = (self.word(block_type), self.word(total));
        self.bytes.extend_from_slice(&t);
        self.bytes.extend_from_slice(&len);
        self.bytes.extend_from_slice(body);
        self.bytes.resize(self.bytes.len() + padded - body.len(), 0);
        self.bytes.extend_from_slice(&len);
    }

    /// Starts a new section (interfaces restart at 0) in the given byte order.
    pub fn section(&mut self, big_endian: bool) -> &mut Self {
        self.big_endian = big_endian;
        let mut body = self.word(0x1a2b_3c4d).to_vec();
        let version = if big_endian {
            [0, 1, 0, 0]
        } else {
            [1, 0, 0, 0]
        };
        body.extend_from_slice(&version);
        body.extend_from_slice(&[0xff; 8]);
        self.block(0x0a0d_0d0a, &body);
        self
    }

    /// An interface; `tsresol` is the raw `if_tsresol` byte (6 = µs, 9 = ns, 0x80 | n = 2^-n).
    pub fn interface(&mut self, link_type: u16, tsresol: Option<u8>) -> &mut Self {
        let half = |n: u16, big: bool| {
            if big {
                n.to_be_bytes()
            } else {
                n.to_le_bytes()
            }
        };
        let mut body = half(link_type, self.big_endian).to_vec();
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&self.word(0));
        if let Some(resolution) = tsresol {
            body.extend_from_slice(&half(9, self.big_endian));
            body.extend_from_slice(&half(1, self.big_endian));
            body.extend_from_slice(&[resolution, 0, 0, 0]);
            body.extend_from_slice(&[0, 0, 0, 0]);
        }
        self.block(1, &body);
        self
    }

    /// An enhanced packet block with a timestamp in the interface's units.
    pub fn packet(&mut self, interface: u32, units: u64, frame: &[u8]) -> &mut Self {
        let mut body = self.word(interface).to_vec();
        body.extend_from_slice(&self.word((units >> 32) as u32));
        body.extend_from_slice(&self.word(units as u32));
        body.extend_from_slice(&self.word(frame.len() as u32));
        body.extend_from_slice(&self.word(frame.len() as u32));
        body.extend_from_slice(frame);
        self.block(6, &body);
        self
    }

    /// A simple packet block (interface 0, no timestamp).
    pub fn simple_packet(&mut self, frame: &[u8]) -> &mut Self {
        let mut body = self.word(frame.len() as u32).to_vec();
        body.extend_from_slice(frame);
        self.block(3, &body);
        self
    }
}
