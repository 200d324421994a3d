//! Link-layer, IP, UDP and TCP headers: just enough to find DNS payloads, never reading past the captured bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(super) const LINKTYPE_NULL: u32 = 0;
pub(super) const LINKTYPE_ETHERNET: u32 = 1;
pub(super) const LINKTYPE_RAW: u32 = 101;
/// DLT_RAW on some BSDs, as it appears in old captures.
pub(super) const LINKTYPE_RAW_BSD_12: u32 = 12;
pub(super) const LINKTYPE_RAW_BSD_14: u32 = 14;
pub(super) const LINKTYPE_LOOP: u32 = 108;
pub(super) const LINKTYPE_LINUX_SLL: u32 = 113;
pub(super) const LINKTYPE_IPV4: u32 = 228;
pub(super) const LINKTYPE_IPV6: u32 = 229;
pub(super) const LINKTYPE_LINUX_SLL2: u32 = 276;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

pub(super) const PROTO_TCP: u8 = 6;
pub(super) const PROTO_UDP: u8 = 17;

/// Why a packet cannot be decoded; counted under `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PacketError {
    pub reason: &'static str,
    pub message: String,
}

pub(super) fn truncated(what: &str, needed: usize, have: usize) -> PacketError {
    PacketError {
        reason: "truncated packet",
        message: format!("the {what} needs {needed} bytes but only {have} were captured"),
    }
}

fn malformed(reason: &'static str, message: String) -> PacketError {
    PacketError { reason, message }
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The network-layer packet inside a frame: `Ok(None)` for frames that carry something else (ARP, LLDP...).
pub(super) fn network_payload(link_type: u32, frame: &[u8]) -> Result<Option<&[u8]>, PacketError> {
    match link_type {
        LINKTYPE_ETHERNET => {
            let header = frame
                .get(..14)
                .ok_or_else(|| truncated("Ethernet header", 14, frame.len()))?;
            ethertype_payload(be16(header, 12), &frame[14..])
        }
        LINKTYPE_LINUX_SLL => {
            let header = frame
                .get(..16)
                .ok_or_else(|| truncated("Linux cooked header", 16, frame.len()))?;
            ethertype_payload(be16(header, 14), &frame[16..])
        }
        LINKTYPE_LINUX_SLL2 => {
            let header = frame
                .get(..20)
                .ok_or_else(|| truncated("Linux cooked v2 header", 20, frame.len()))?;
            ethertype_payload(be16(header, 0), &frame[20..])
        }
        LINKTYPE_RAW | LINKTYPE_RAW_BSD_12 | LINKTYPE_RAW_BSD_14 | LINKTYPE_IPV4
        | LINKTYPE_IPV6 => Ok(Some(frame)),
        LINKTYPE_NULL | LINKTYPE_LOOP => {
            let header = frame
                .get(..4)
                .ok_or_else(|| truncated("loopback header", 4, frame.len()))?;
            let family = [header[0], header[1], header[2], header[3]];
            // NULL is in the capturing host's byte order, LOOP in network order: take whichever reads small.
            let family = match u32::from_le_bytes(family) {
                small if small <= 0xffff => small,
                _ => u32::from_be_bytes(family),
            };
            match family {
                // AF_INET everywhere; AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, Darwin.
                2 | 10 | 24 | 28 | 30 => Ok(Some(&frame[4..])),
                _ => Ok(None),
            }
        }
        _ => Err(malformed(
            "unsupported link type",
            format!("link type {link_type} is not Ethernet, Linux cooked, raw IP or loopback"),
        )),
    }
}

/// Skips 802.1Q / QinQ tags and returns the IP packet, if the frame carries one.
fn ethertype_payload(mut ethertype: u16, mut payload: &[u8]) -> Result<Option<&[u8]>, PacketError> {
    while matches!(
        ethertype,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
    ) {
        let tag = payload
            .get(..4)
            .ok_or_else(|| truncated("VLAN tag", 4, payload.len()))?;
        ethertype = be16(tag, 2);
        payload = &payload[4..];
    }
    Ok(matches!(ethertype, ETHERTYPE_IPV4 | ETHERTYPE_IPV6).then_some(payload))
}

/// Where a fragment belongs and where it goes in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fragment {
    pub id: u32,
    /// Byte offset of this fragment's data in the reassembled payload.
    pub offset: usize,
    pub more: bool,
}

/// An IP packet reduced to what transport decoding needs.
#[derive(Debug)]
pub(super) struct IpPacket<'a> {
    pub source: IpAddr,
    pub destination: IpAddr,
    /// Transport protocol (after IPv6 extension headers).
    pub protocol: u8,
    pub payload: &'a [u8],
    /// Set when the packet is one fragment of a larger datagram.
    pub fragment: Option<Fragment>,
    /// Whether the capture cut the packet short (snap length).
    pub cut_short: bool,
}

/// Decodes an IPv4 or IPv6 header by its version nibble; `Ok(None)` for protocols we do not follow (ESP...).
pub(super) fn ip_packet(packet: &[u8]) -> Result<Option<IpPacket<'_>>, PacketError> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => ipv4(packet),
        Some(6) => ipv6(packet),
        Some(version) => Err(malformed(
            "malformed IP header",
            format!("IP version {version} is neither 4 nor 6"),
        )),
        None => Err(truncated("IP header", 20, 0)),
    }
}

fn ipv4(packet: &[u8]) -> Result<Option<IpPacket<'_>>, PacketError> {
    let header = packet
        .get(..20)
        .ok_or_else(|| truncated("IPv4 header", 20, packet.len()))?;
    let header_len = ((header[0] & 0x0f) as usize) * 4;
    let total_len = be16(header, 2) as usize;
    if header_len < 20 || total_len < header_len {
        return Err(malformed(
            "malformed IP header",
            format!("IPv4 header length {header_len} and total length {total_len} do not fit"),
        ));
    }
    if packet.len() < header_len {
        return Err(truncated(
            "IPv4 header with options",
            header_len,
            packet.len(),
        ));
    }
    // Ethernet pads short frames: trust the total length, unless the capture is shorter.
    let cut_short = packet.len() < total_len;
    let payload = &packet[header_len..total_len.min(packet.len())];
    let flags_offset = be16(header, 6);
    let more = flags_offset & 0x2000 != 0;
    let offset = (flags_offset & 0x1fff) as usize * 8;
    let octets =
        |at: usize| Ipv4Addr::new(header[at], header[at + 1], header[at + 2], header[at + 3]);
    Ok(Some(IpPacket {
        source: IpAddr::V4(octets(12)),
        destination: IpAddr::V4(octets(16)),
        protocol: header[9],
        payload,
        fragment: (more || offset != 0).then_some(Fragment {
            id: be16(header, 4) as u32,
            offset,
            more,
        }),
        cut_short,
    }))
}

fn ipv6(packet: &[u8]) -> Result<Option<IpPacket<'_>>, PacketError> {
    let header = packet
        .get(..40)
        .ok_or_else(|| truncated("IPv6 header", 40, packet.len()))?;
    let payload_len = be16(header, 4) as usize;
    if payload_len == 0 {
        // A jumbogram (or nothing at all): not DNS.
        return Ok(None);
    }
    let cut_short = packet.len() < 40 + payload_len;
    let payload = &packet[40..(40 + payload_len).min(packet.len())];
    let address = |at: usize| {
        let octets: [u8; 16] = header[at..at + 16].try_into().unwrap_or([0; 16]);
        IpAddr::V6(Ipv6Addr::from(octets))
    };
    let Some((protocol, payload, fragment)) = ipv6_extensions(header[6], payload, true)? else {
        return Ok(None);
    };
    Ok(Some(IpPacket {
        source: address(8),
        destination: address(24),
        protocol,
        payload,
        fragment,
        cut_short,
    }))
}

/// Walks IPv6 extension headers from `next_header` to the transport header. A fragment header ends the walk (the
/// rest is fragment data); it is only allowed when `allow_fragment` (not inside a reassembled datagram).
#[allow(clippy::type_complexity)]
pub(super) fn ipv6_extensions(
    mut next_header: u8,
    mut payload: &[u8],
    allow_fragment: bool,
) -> Result<Option<(u8, &[u8], Option<Fragment>)>, PacketError> {
    // More extension headers than this is an attack, not a packet.
    for _ in 0..16 {
        match next_header {
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6: length in 8-byte units beyond the first.
            0 | 43 | 60 | 135 | 139 | 140 => {
                let head = payload
                    .get(..2)
                    .ok_or_else(|| truncated("IPv6 extension header", 2, payload.len()))?;
                let len = (head[1] as usize + 1) * 8;
                if payload.len() < len {
                    return Err(truncated("IPv6 extension header", len, payload.len()));
                }
                next_header = head[0];
                payload = &payload[len..];
            }
            // Authentication header: length in 4-byte units minus 2.
            51 => {
                let head = payload
                    .get(..2)
                    .ok_or_else(|| truncated("IPv6 authentication header", 2, payload.len()))?;
                let len = (head[1] as usize + 2) * 4;
                if payload.len() < len {
                    return Err(truncated("IPv6 authentication header", len, payload.len()));
                }
                next_header = head[0];
                payload = &payload[len..];
            }
            44 => {
                if !allow_fragment {
                    return Err(malformed(
                        "bad IP fragment",
                        "a reassembled IPv6 datagram holds another fragment header".to_owned(),
                    ));
                }
                let head = payload
                    .get(..8)
                    .ok_or_else(|| truncated("IPv6 fragment header", 8, payload.len()))?;
                let offset_flags = be16(head, 2);
                let fragment = Fragment {
                    id: be32(head, 4),
                    offset: (offset_flags >> 3) as usize * 8,
                    more: offset_flags & 1 != 0,
                };
                // An atomic fragment (offset 0, no more) is a whole datagram.
                let fragment = (fragment.offset != 0 || fragment.more).then_some(fragment);
                return Ok(Some((head[0], &payload[8..], fragment)));
            }
            _ => return Ok(Some((next_header, payload, None))),
        }
    }
    Err(malformed(
        "malformed IP header",
        "more than 16 IPv6 extension headers".to_owned(),
    ))
}

/// A UDP datagram's ports and payload.
pub(super) fn udp(segment: &[u8]) -> Result<(u16, u16, &[u8]), PacketError> {
    let header = segment
        .get(..8)
        .ok_or_else(|| truncated("UDP header", 8, segment.len()))?;
    let len = be16(header, 4) as usize;
    if len < 8 {
        return Err(malformed(
            "malformed UDP header",
            format!("UDP length {len} is shorter than its own header"),
        ));
    }
    if len > segment.len() {
        return Err(truncated("UDP datagram", len, segment.len()));
    }
    Ok((be16(header, 0), be16(header, 2), &segment[8..len]))
}

/// The ports of a UDP or TCP header, if that much was captured.
pub(super) fn ports(segment: &[u8]) -> Option<(u16, u16)> {
    Some((be16(segment.get(..4)?, 0), be16(segment, 2)))
}

/// A TCP segment's header fields that stream reassembly needs.
#[derive(Debug, Clone, Copy)]
pub(super) struct TcpHeader {
    pub source_port: u16,
    pub destination_port: u16,
    pub seq: u32,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
}

pub(super) fn tcp(segment: &[u8]) -> Result<(TcpHeader, &[u8]), PacketError> {
    let header = segment
        .get(..20)
        .ok_or_else(|| truncated("TCP header", 20, segment.len()))?;
    let header_len = (header[12] >> 4) as usize * 4;
    if header_len < 20 {
        return Err(malformed(
            "malformed TCP header",
            format!("TCP data offset {header_len} is shorter than the 20-byte header"),
        ));
    }
    let payload = segment
        .get(header_len..)
        .ok_or_else(|| truncated("TCP header with options", header_len, segment.len()))?;
    let flags = header[13];
    Ok((
        TcpHeader {
            source_port: be16(header, 0),
            destination_port: be16(header, 2),
            seq: be32(header, 4),
            fin: flags & 0x01 != 0,
            syn: flags & 0x02 != 0,
            rst: flags & 0x04 != 0,
        },
        payload,
    ))
}
