//! Packet captures: file formats, link layers, IP fragments, DNS over TCP, and broken inputs (each a counted reject).

mod support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use support::build::*;
use tigr_ingest::dns::Collected;
use tigr_ingest::pcap::{CaptureError, CaptureStats, read_capture};

const T0: i64 = 1_700_000_000_123_456;

fn v4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn v6(last: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last))
}

/// A response for `qname` A with one address per entry of `last_octets` (198.51.100.N).
fn response(qname: &str, last_octets: &[u8]) -> Vec<u8> {
    let mut message =
        Message::new(RESPONSE, [1, last_octets.len() as u16, 0, 0]).question(qname, 1);
    for &n in last_octets {
        message = message.record(qname, 1, &[198, 51, 100, n]);
    }
    message.build()
}

fn query(qname: &str) -> Vec<u8> {
    Message::new(QUERY, [1, 0, 0, 0]).question(qname, 1).build()
}

fn read(bytes: &[u8]) -> (CaptureStats, Collected) {
    let mut sink = Collected::default();
    let stats = read_capture(bytes, "test.pcap", &mut sink).expect("a capture");
    (stats, sink)
}

/// Observations as `name TYPE rdata @time` lines.
fn timed_lines(sink: &Collected) -> Vec<String> {
    sink.observations
        .iter()
        .map(|o| format!("{o} @{}", o.first_seen))
        .collect()
}

fn rejects(sink: &Collected) -> Vec<String> {
    sink.report
        .samples
        .iter()
        .map(|r| format!("{}: {}", r.location, r.message))
        .collect()
}

#[test]
fn legacy_pcap_byte_orders_and_resolutions() {
    for (big_endian, nanos) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut pcap = Pcap::new(1, big_endian, nanos);
        pcap.packet(
            T0,
            &udp_frame(v4(1), v4(53), 40000, 53, &query("www.example.com")),
        );
        pcap.packet(
            T0 + 1,
            &udp_frame(
                v4(53),
                v4(1),
                53,
                40000,
                &response("www.example.com", &[1, 2]),
            ),
        );
        let (stats, sink) = read(&pcap.bytes);
        assert_eq!(
            timed_lines(&sink),
            [
                format!("www.example.com. A 198.51.100.1 @{}", T0 + 1),
                format!("www.example.com. A 198.51.100.2 @{}", T0 + 1)
            ],
            "big endian {big_endian}, ns {nanos}"
        );
        assert_eq!(
            (stats.packets, stats.dns_messages, stats.observations),
            (2, 2, 2)
        );
        assert_eq!(stats.bytes, (pcap.bytes.len() - 24 - 32) as u64);
        assert_eq!(sink.report.rejected(), 0);
    }
}

#[test]
fn link_layers() {
    let message = response("link.example", &[7]);
    let ip4 = ipv4(
        [192, 0, 2, 53],
        [192, 0, 2, 1],
        17,
        9,
        (false, 0),
        &udp(53, 5353, &message),
    );
    let ip6 = ipv6(
        v6(53).to_string().parse::<Ipv6Addr>().unwrap().octets(),
        [0; 16],
        17,
        &udp(53, 5353, &message),
    );
    let null_v4 = [&2u32.to_le_bytes()[..], &ip4].concat();
    let loop_v6 = [&30u32.to_be_bytes()[..], &ip6].concat();
    for (link_type, frame) in [
        (1, ethernet(ETHERTYPE_IPV4, &[(0x8100, 100)], &ip4)),
        (
            1,
            ethernet(ETHERTYPE_IPV6, &[(0x88a8, 10), (0x8100, 20)], &ip6),
        ),
        (113, sll(&ip4)),
        (113, sll(&ip6)),
        (276, sll2(&ip4)),
        (276, sll2(&ip6)),
        (101, ip4.clone()),
        (12, ip6.clone()),
        (228, ip4.clone()),
        (229, ip6.clone()),
        (0, null_v4),
        (108, loop_v6),
    ] {
        let mut pcap = Pcap::new(link_type, false, false);
        pcap.packet(T0, &frame);
        let (_, sink) = read(&pcap.bytes);
        assert_eq!(
            sink.lines(),
            ["link.example. A 198.51.100.7"],
            "link type {link_type}"
        );
    }
    // Ethernet padding after a short IPv4 packet is ignored; a foreign ethertype (ARP) is skipped silently.
    let mut pcap = Pcap::new(1, false, false);
    pcap.packet(
        T0,
        &[ethernet(ETHERTYPE_IPV4, &[], &ip4), vec![0; 20]].concat(),
    );
    pcap.packet(T0, &ethernet(0x0806, &[], &[0; 28]));
    let (stats, sink) = read(&pcap.bytes);
    assert_eq!(
        (
            stats.packets,
            sink.observations.len(),
            sink.report.rejected()
        ),
        (2, 1, 0)
    );
}

#[test]
fn ipv4_fragments_in_and_out_of_order() {
    let names: Vec<u8> = (1..=60).collect();
    let message = response("big.example", &names);
    let datagram = udp(53, 40000, &message);
    assert!(datagram.len() > 1500);
    let pieces: Vec<(usize, &[u8])> = datagram
        .chunks(600)
        .enumerate()
        .map(|(i, c)| (i * 600, c))
        .collect();
    let frame = |&(offset, data): &(usize, &[u8])| {
        let more = offset + data.len() < datagram.len();
        ethernet(
            ETHERTYPE_IPV4,
            &[],
            &ipv4(
                [192, 0, 2, 53],
                [192, 0, 2, 1],
                17,
                77,
                (more, offset),
                data,
            ),
        )
    };
    for order in [vec![0, 1, 2], vec![2, 0, 1], vec![1, 2, 0]] {
        let mut pcap = Pcap::new(1, false, false);
        for &i in &order {
            pcap.packet(T0 + i as i64, &frame(&pieces[i]));
        }
        let (stats, sink) = read(&pcap.bytes);
        assert_eq!(pieces.len(), 3);
        assert_eq!(
            sink.observations.len(),
            60,
            "order {order:?}: {}",
            sink.report
        );
        assert_eq!((stats.packets, stats.dns_messages), (3, 1));
        // The datagram is observed when its last piece arrives.
        assert_eq!(
            sink.observations[0].first_seen,
            T0 + *order.last().unwrap() as i64
        );
    }
    // A missing piece: counted at the end of the capture, where its first fragment was.
    let mut pcap = Pcap::new(1, false, false);
    pcap.packet(T0, &frame(&pieces[0]));
    pcap.packet(T0, &frame(&pieces[2]));
    let (_, sink) = read(&pcap.bytes);
    assert_eq!(
        sink.report.rejects.get("incomplete IP fragment train"),
        Some(&1)
    );
    assert_eq!(
        rejects(&sink),
        [
            "packet 1 (offset 24): 192.0.2.53 → 192.0.2.1 id 77: only 1057 bytes arrived before it was given up"
        ]
    );
}

#[test]
fn ipv6_fragments() {
    let names: Vec<u8> = (1..=100).collect();
    let message = response("big6.example", &names);
    let datagram = udp(53, 40000, &message);
    let (first, second) = datagram.split_at(800);
    let source = v6(53).to_string().parse::<Ipv6Addr>().unwrap().octets();
    let fragment = |offset, more, data| {
        ethernet(
            ETHERTYPE_IPV6,
            &[],
            &ipv6(
                source,
                [0; 16],
                44,
                &ipv6_fragment(17, 0xdead, offset, more, data),
            ),
        )
    };
    let mut pcap = Pcap::new(1, false, false);
    pcap.packet(T0, &fragment(800, false, second));
    pcap.packet(T0 + 5, &fragment(0, true, first));
    let (stats, sink) = read(&pcap.bytes);
    assert_eq!(sink.observations.len(), 100, "{}", sink.report);
    assert_eq!(stats.dns_messages, 1);
}

#[test]
fn dns_over_tcp() {
    let (server, client) = (v4(53), v4(1));
    let first = response("one.example", &[1]);
    let second = response("two.example", &[2]);
    let third = response("three.example", &[3]);
    let stream = framed(&[&first, &second, &third]);
    // Split: the first segment holds the first message and half of the second; the rest comes out of order, with a
    // retransmission in between.
    let cut = 2 + first.len() + 10;
    let (a, rest) = stream.split_at(cut);
    let (b, c) = rest.split_at(5);
    let isn = 0xffff_fff0u32; // wraps around during the stream
    let seg = |offset: usize, flags, data: &[u8]| {
        tcp_frame(
            server,
            client,
            53,
            40000,
            isn.wrapping_add(1).wrapping_add(offset as u32),
            flags,
            data,
        )
    };
    let mut pcap = Pcap::new(1, false, false);
    pcap.packet(T0, &tcp_frame(client, server, 40000, 53, 7, TCP_SYN, &[]));
    pcap.packet(
        T0 + 1,
        &tcp_frame(server, client, 53, 40000, isn, TCP_SYN | TCP_ACK, &[]),
    );
    pcap.packet(
        T0 + 2,
        &tcp_frame(
            client,
            server,
            40000,
            53,
            8,
            TCP_ACK | TCP_PSH,
            &framed(&[&query("one.example")]),
        ),
    );
    pcap.packet(T0 + 3, &seg(0, TCP_ACK, a));
    pcap.packet(T0 + 4, &seg(cut + 5, TCP_ACK, c));
    pcap.packet(T0 + 5, &seg(0, TCP_ACK, a));
    pcap.packet(T0 + 6, &seg(cut, TCP_ACK, b));
    pcap.packet(T0 + 7, &seg(stream.len(), TCP_FIN | TCP_ACK, &[]));
    let (stats, sink) = read(&pcap.bytes);
    assert_eq!(
        timed_lines(&sink),
        [
            format!("one.example. A 198.51.100.1 @{}", T0 + 3),
            format!("two.example. A 198.51.100.2 @{}", T0 + 6),
            format!("three.example. A 198.51.100.3 @{}", T0 + 6)
        ]
    );
    assert_eq!(stats.dns_messages, 4);
    assert_eq!(sink.report.rejected(), 0, "{}", sink.report);

    // Two messages in one segment over IPv6, no handshake captured; then a stream cut off mid-message.
    let mut pcap = Pcap::new(1, false, false);
    pcap.packet(
        T0,
        &tcp_frame(
            v6(53),
            v6(1),
            53,
            50000,
            100,
            TCP_ACK,
            &framed(&[&first, &second]),
        ),
    );
    pcap.packet(
        T0,
        &tcp_frame(
            v6(53),
            v6(2),
            53,
            50001,
            100,
            TCP_ACK,
            &framed(&[&third])[..20],
        ),
    );
    let (_, sink) = read(&pcap.bytes);
    assert_eq!(
        sink.lines(),
        ["one.example. A 198.51.100.1", "two.example. A 198.51.100.2"]
    );
    assert_eq!(
        rejects(&sink),
        [
            "end of capture: TCP [2001:db8::35]:53 → [2001:db8::2]:50001 open at the end of the capture with 20 bytes of \
             an incomplete DNS message and 0 bytes waiting for a gap to fill"
        ]
    );
}

#[test]
fn pcapng_interfaces_sections_and_resolutions() {
    let message = response("ng.example", &[1]);
    let ip = ipv4(
        [192, 0, 2, 53],
        [192, 0, 2, 1],
        17,
        1,
        (false, 0),
        &udp(53, 40000, &message),
    );
    for big_endian in [false, true] {
        let mut file = PcapNg::new(big_endian);
        file.interface(1, None).interface(101, Some(9));
        file.packet(0, T0 as u64, &ethernet(ETHERTYPE_IPV4, &[], &ip));
        file.packet(1, T0 as u64 * 1000 + 999, &ip);
        file.simple_packet(&ethernet(ETHERTYPE_IPV4, &[], &ip));
        // A second section in the other byte order, whose interface 0 counts time in 2^-20 s.
        file.section(!big_endian).interface(229, Some(0x80 | 20));
        let ip6 = ipv6(
            [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x35],
            [0; 16],
            17,
            &udp(53, 40000, &message),
        );
        file.packet(0, 1u64 << 20, &ip6);
        let (stats, sink) = read(&file.bytes);
        assert_eq!(
            timed_lines(&sink),
            [
                format!("ng.example. A 198.51.100.1 @{T0}"),
                format!("ng.example. A 198.51.100.1 @{T0}"),
                format!("ng.example. A 198.51.100.1 @{T0}"),
                "ng.example. A 198.51.100.1 @1000000".to_owned(),
            ],
            "big endian {big_endian}: {}",
            sink.report
        );
        assert_eq!(stats.packets, 4);
    }
    // A packet on an interface its section does not declare.
    let mut file = PcapNg::new(false);
    file.interface(1, None).packet(3, 0, &[0; 20]);
    let (_, sink) = read(&file.bytes);
    assert_eq!(
        rejects(&sink),
        [
            "packet 1 (offset 48): packet block names interface 3, which its section does not declare"
        ]
    );
}

#[test]
fn not_a_capture_is_fatal() {
    let mut sink = Collected::default();
    let error = read_capture(&b"GET / HTTP/1.1\r\n\r\n"[..], "x", &mut sink).unwrap_err();
    assert!(matches!(error, CaptureError::NotACapture(_)));
    assert_eq!(
        error.to_string(),
        "not a packet capture: it starts with [47, 45, 54, 20], neither a pcap nor a pcapng magic number"
    );
    let error = read_capture(&b"\xd4\xc3"[..], "x", &mut sink).unwrap_err();
    assert_eq!(
        error.to_string(),
        "not a packet capture: the input is only 2 bytes long"
    );
}

#[test]
fn broken_packets_are_counted_rejects() {
    let good = udp_frame(v4(53), v4(1), 53, 40000, &response("ok.example", &[1]));
    let mut bad_dns = response("bad.example", &[1]);
    bad_dns.truncate(bad_dns.len() - 2);
    let snapped = {
        let frame = udp_frame(v4(53), v4(1), 53, 40000, &response("cut.example", &[1]));
        frame[..frame.len() - 10].to_vec()
    };
    let mut pcap = Pcap::new(1, false, false);
    pcap.packet(T0, &good);
    pcap.packet(T0, &udp_frame(v4(53), v4(1), 53, 40000, &bad_dns));
    pcap.packet(T0, &snapped);
    pcap.packet(T0, &ethernet(ETHERTYPE_IPV4, &[], &[0x45, 0, 0, 10]));
    pcap.packet(T0, &good);
    // A last record cut off by the end of the file.
    let mut bytes = pcap.bytes.clone();
    pcap.packet(T0, &good);
    bytes.extend_from_slice(&pcap.bytes[bytes.len()..bytes.len() + 30]);
    let (stats, sink) = read(&bytes);
    assert_eq!(sink.observations.len(), 2);
    assert_eq!(stats.packets, 5);
    // Records are 16 + frame bytes; packet 3 is 8 bytes shorter than the good one.
    let offset = |n: usize| 24 + (n - 1) * (16 + good.len());
    assert_eq!(
        rejects(&sink),
        [
            format!(
                "packet 2 (offset {}): A record data at byte 52 claims 4 bytes but the message has 2 left",
                offset(2)
            ),
            format!(
                "packet 3 (offset {}): the UDP datagram needs 64 bytes but only 54 were captured (the capture's snap \
                 length cut the packet short)",
                offset(3)
            ),
            format!(
                "packet 4 (offset {}): the IPv4 header needs 20 bytes but only 4 were captured",
                offset(4) - 8
            ),
            format!(
                "offset {} (after packet 5): the record needs 112 bytes but the file ends after 30",
                bytes.len() - 30
            ),
        ],
    );
    let reasons: Vec<_> = sink
        .report
        .rejects
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    assert_eq!(
        reasons,
        [
            "1 record data overruns the DNS message",
            "1 truncated capture record",
            "2 truncated packet"
        ]
    );
}

#[test]
fn unsupported_link_type() {
    let mut pcap = Pcap::new(147, false, false);
    pcap.packet(T0, &[1, 2, 3]);
    let (_, sink) = read(&pcap.bytes);
    assert_eq!(sink.report.rejects.get("unsupported link type"), Some(&1));
}

#[test]
fn full_tables_evict_in_batches_and_keep_working() {
    use tigr_ingest::pcap::{CaptureOptions, TcpLimits, read_capture_with};
    let options = CaptureOptions {
        tcp: TcpLimits {
            max_flows: 8,
            ..TcpLimits::default()
        },
        max_fragment_trains: 4,
        ..CaptureOptions::default()
    };
    let message = response("many.example", &[1]);
    let stream = framed(&[&message]);
    let mut pcap = Pcap::new(1, false, false);
    // 40 streams each left holding half a message, then one complete stream.
    for port in 0..40 {
        pcap.packet(
            T0,
            &tcp_frame(v4(53), v4(1), 53, 20000 + port, 1, TCP_ACK, &stream[..10]),
        );
    }
    pcap.packet(
        T0,
        &tcp_frame(v4(53), v4(2), 53, 30000, 1, TCP_ACK, &stream),
    );
    // 10 first fragments that never complete.
    for id in 0..10 {
        let ip = ipv4(
            [192, 0, 2, 53],
            [192, 0, 2, 1],
            17,
            id,
            (true, 0),
            &udp(53, 1, &[0; 32])[..16],
        );
        pcap.packet(T0, &ethernet(ETHERTYPE_IPV4, &[], &ip));
    }
    let mut sink = Collected::default();
    read_capture_with(pcap.bytes.as_slice(), "t", &options, &mut sink).unwrap();
    assert_eq!(sink.lines(), ["many.example. A 198.51.100.1"]);
    assert_eq!(
        sink.report.rejects.get("TCP stream ended mid-message"),
        Some(&40)
    );
    assert_eq!(
        sink.report.rejects.get("incomplete IP fragment train"),
        Some(&10)
    );
}
