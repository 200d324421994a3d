//! Writes a realistic capture of DNS traffic for the pcap benchmark: queries and responses over Ethernet, IPv4 and
//! IPv6, UDP and some TCP, with name compression and EDNS, popularity following a Zipf law over a fixed set of
//! records (mixed A, AAAA, CNAME chains, MX, TXT, NS).
//!
//! `cargo run --release -p tigr-ingest --example gen_dns_pcap -- OUT.pcap [--observations N] [--distinct N] [--seed N]`

#[path = "../tests/support/build.rs"]
mod build;

use build::*;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// splitmix64: small, seedable, good enough for synthetic traffic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "net", "sta", "ver", "qua", "tri", "zen", "bo", "lux", "dar", "fin", "gra",
    "hub", "pix", "ro", "sol", "tek", "ux", "wa", "yo", "cloud", "data", "shop", "mail", "web",
    "app",
];
const TLDS: &[&str] = &["com", "net", "org", "de", "io", "co.uk", "fr", "info"];
const HOSTS: &[&str] = &["www", "api", "cdn", "m", "static", "login", "img", "edge"];

fn word(rng: &mut Rng) -> String {
    (0..2 + rng.below(2))
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

/// One response the generator can send: question and answers as wire bytes, ready to be copied.
struct Template {
    message: Vec<u8>,
    query: Vec<u8>,
    observations: u64,
}

/// Appends an EDNS OPT record (as resolvers send) and fixes the additional count.
fn with_opt(mut message: Vec<u8>) -> Vec<u8> {
    message.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
    message[11] = 1;
    message
}

fn template(rng: &mut Rng) -> Template {
    let domain = format!(
        "{}.{}",
        word(rng),
        TLDS[rng.below(TLDS.len() as u64) as usize]
    );
    let host = format!("{}.{domain}", HOSTS[rng.below(HOSTS.len() as u64) as usize]);
    let kind = rng.below(100);
    let ttl_a = |rng: &mut Rng| {
        [
            198,
            18 + rng.below(2) as u8,
            rng.below(256) as u8,
            rng.below(256) as u8,
        ]
    };
    let (qname, qtype, answers): (&str, u16, Vec<(u16, Vec<u8>)>) = match kind {
        0..40 => {
            let n = 1 + rng.below(3);
            (&host, 1, (0..n).map(|_| (1, ttl_a(rng).to_vec())).collect())
        }
        40..55 => {
            let n = 1 + rng.below(2);
            let answers = (0..n)
                .map(|_| {
                    let mut address =
                        Ipv6Addr::new(0x2001, 0xdb8, rng.below(65536) as u16, 0, 0, 0, 0, 0)
                            .octets();
                    address[14] = rng.below(256) as u8;
                    address[15] = rng.below(256) as u8;
                    (28, address.to_vec())
                })
                .collect();
            (&host, 28, answers)
        }
        55..75 => {
            // A CNAME into a CDN, then the CDN's addresses (owned through a pointer to the CNAME's data).
            let target = format!("{}.{}.cdn-{}.net", word(rng), word(rng), rng.below(20));
            let mut answers = vec![(5, name(&target))];
            for _ in 0..1 + rng.below(2) {
                answers.push((1, ttl_a(rng).to_vec()));
            }
            (&host, 1, answers)
        }
        75..83 => {
            let n = 1 + rng.below(2);
            let answers = (0..n)
                .map(|i| {
                    let mut rdata = (10 * (i as u16 + 1)).to_be_bytes().to_vec();
                    rdata.extend_from_slice(&[4]);
                    rdata.extend_from_slice(format!("mx{i:02}").as_bytes());
                    // The exchange is compressed against the question name (the domain, at byte 12).
                    rdata.extend_from_slice(&pointer(12));
                    (15, rdata)
                })
                .collect();
            (&domain, 15, answers)
        }
        83..90 => {
            let n = 1 + rng.below(2);
            let answers = (0..n)
                .map(|i| {
                    let text = if i == 0 {
                        format!(
                            "v=spf1 include:_spf.{domain} ip4:198.18.{}.0/24 -all",
                            rng.below(256)
                        )
                    } else {
                        format!(
                            "google-site-verification={:016x}{:016x}",
                            rng.next(),
                            rng.next()
                        )
                    };
                    let mut rdata = vec![text.len() as u8];
                    rdata.extend_from_slice(text.as_bytes());
                    (16, rdata)
                })
                .collect();
            (&domain, 16, answers)
        }
        _ => {
            let provider = format!("{}-dns.net", word(rng));
            let n = 2 + rng.below(3);
            let answers = (0..n)
                .map(|i| (2, name(&format!("ns{}.{provider}", i + 1))))
                .collect();
            (&domain, 2, answers)
        }
    };
    let mut message =
        Message::new(RESPONSE, [1, answers.len() as u16, 0, 0]).question(qname, qtype);
    let mut cname_target_at = None;
    for (rtype, rdata) in &answers {
        let owner = match cname_target_at {
            Some(at) => pointer(at),
            None => pointer(12),
        };
        let data_at = message.here() + 12;
        message = message.record_wire(&owner, *rtype, 1, rdata);
        if *rtype == 5 {
            cname_target_at = Some(data_at);
        }
    }
    let query = with_opt(
        Message::new(QUERY, [1, 0, 0, 0])
            .question(qname, qtype)
            .build(),
    );
    Template {
        message: with_opt(message.build()),
        query,
        observations: answers.len() as u64,
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let (mut target, mut distinct, mut seed) = (10_000_000u64, 500_000u64, 1u64);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .expect("a number after the flag")
        };
        match arg.as_str() {
            "--observations" => target = value(),
            "--distinct" => distinct = value(),
            "--seed" => seed = value(),
            path => out = Some(path.to_owned()),
        }
    }
    let out =
        out.expect("usage: gen_dns_pcap OUT.pcap [--observations N] [--distinct N] [--seed N]");
    let mut rng = Rng(seed);

    // Templates until they hold about `distinct` records; Zipf (s = 1) popularity by template rank.
    let mut templates = Vec::new();
    let mut records = 0;
    while records < distinct {
        let t = template(&mut rng);
        records += t.observations;
        templates.push(t);
    }
    let mut cumulative = Vec::with_capacity(templates.len());
    let mut total = 0.0;
    for rank in 1..=templates.len() {
        total += 1.0 / rank as f64;
        cumulative.push(total);
    }

    let mut file = BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
    let mut pcap = Pcap::new(1, false, false);
    let mut time = 1_767_225_600_000_000i64; // 2026-01-01
    let (mut observations, mut packets, mut seq) = (0u64, 0u64, 1_000u32);
    while observations < target {
        let pick = rng.unit() * total;
        let t = &templates[cumulative
            .partition_point(|&c| c < pick)
            .min(templates.len() - 1)];
        let v6 = rng.below(5) == 0;
        let (client, server): (IpAddr, IpAddr) = if v6 {
            (
                IpAddr::V6(Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    1,
                    0,
                    0,
                    0,
                    0,
                    1 + rng.below(200) as u16,
                )),
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 53, 0, 0, 0, 0, 53)),
            )
        } else {
            (
                IpAddr::V4(Ipv4Addr::new(
                    10,
                    0,
                    rng.below(4) as u8,
                    1 + rng.below(250) as u8,
                )),
                IpAddr::V4(Ipv4Addr::new(10, 53, 0, 53)),
            )
        };
        let port = 1024 + rng.below(60000) as u16;
        let client_ip = client;
        time += 1 + rng.below(20) as i64;
        if rng.below(20) == 0 {
            // DNS over TCP: the client's query, the server's SYN-ACK, framed answer and FIN, the client's FIN.
            let query = framed(&[&t.query]);
            let client_seq = rng.next() as u32;
            let client =
                |seq, flags, data: &[u8]| tcp_frame(client, server, port, 53, seq, flags, data);
            let server =
                |seq, flags, data: &[u8]| tcp_frame(server, client_ip, 53, port, seq, flags, data);
            let answer = framed(&[&t.message]);
            let answer_end = seq.wrapping_add(1 + answer.len() as u32);
            pcap.packet(time, &client(client_seq, TCP_PSH | TCP_ACK, &query));
            pcap.packet(time, &server(seq, TCP_SYN | TCP_ACK, &[]));
            pcap.packet(
                time + 1,
                &server(seq.wrapping_add(1), TCP_PSH | TCP_ACK, &answer),
            );
            pcap.packet(time + 2, &server(answer_end, TCP_FIN | TCP_ACK, &[]));
            let client_end = client_seq.wrapping_add(query.len() as u32);
            pcap.packet(time + 2, &client(client_end, TCP_FIN | TCP_ACK, &[]));
            seq = seq.wrapping_add(100_000);
            packets += 5;
        } else {
            pcap.packet(time, &udp_frame(client, server, port, 53, &t.query));
            pcap.packet(time + 1, &udp_frame(server, client, 53, port, &t.message));
            packets += 2;
        }
        observations += t.observations;
        if pcap.bytes.len() > 1 << 20 {
            file.write_all(&pcap.bytes)?;
            pcap.bytes.clear();
        }
    }
    file.write_all(&pcap.bytes)?;
    file.flush()?;
    eprintln!(
        "{out}: {packets} packets, {observations} observations over {} templates ({records} records)",
        templates.len()
    );
    Ok(())
}
