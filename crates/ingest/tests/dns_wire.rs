//! DNS wire-format parsing: presentation format of every supported record type, compression, CNAME/DNAME chains,
//! bailiwick, and malformed messages (each a clear, counted error).

mod support;

use support::build::{Message, NXDOMAIN, QUERY, RESPONSE, name, pointer};
use tigr_ingest::dns::Collected;
use tigr_ingest::dns::wire::{WireError, name_from_text, observe_response};

fn observe(message: &[u8], bailiwick: Option<&str>) -> (Result<usize, WireError>, Collected) {
    let mut sink = Collected::default();
    let result = observe_response(
        message,
        1_700_000_000_000_000,
        bailiwick,
        "test",
        &|| "msg 1".to_owned(),
        &mut sink,
    );
    (result, sink)
}

/// The presentation form of one record of `rtype` with `rdata`, owned by the question name.
fn present(rtype: u16, rdata: &[u8]) -> Result<String, String> {
    let message = Message::new(RESPONSE, [1, 1, 0, 0])
        .question("example.com", rtype)
        .record("example.com", rtype, rdata)
        .build();
    let (result, sink) = observe(&message, None);
    assert!(result.is_ok(), "{result:?}");
    match (sink.observations.as_slice(), sink.report.samples.as_slice()) {
        ([observation], []) => {
            assert_eq!(observation.name, "example.com.");
            assert_eq!(observation.first_seen, 1_700_000_000_000_000);
            Ok(observation.rdata.clone())
        }
        ([], [reject]) => Err(format!(
            "{}: {}",
            sink.report.rejects.keys().next().unwrap(),
            reject.message
        )),
        other => panic!("unexpected {other:?}"),
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn b64(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn cs(text: &[u8]) -> Vec<u8> {
    let mut out = vec![text.len() as u8];
    out.extend_from_slice(text);
    out
}

fn svc_param(key: u16, value: &[u8]) -> Vec<u8> {
    cat(&[
        &key.to_be_bytes(),
        &(value.len() as u16).to_be_bytes(),
        value,
    ])
}

#[test]
fn presentation_of_each_type() {
    let dnskey = b64(
        "AQOeiiR0GOMYkDshWoSKz9Xzfwjr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
    );
    let signature = b64(
        "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=",
    );
    let mut nsec_bitmap = vec![0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b];
    nsec_bitmap.extend_from_slice(&[0; 26]);
    nsec_bitmap.push(0x20);
    let loc = cat(&[
        &[0, 0x00, 0x16, 0x13],
        &((1u32 << 31) + (52 * 3600 + 22 * 60 + 23) * 1000).to_be_bytes(),
        &((1u32 << 31) + (4 * 3600 + 53 * 60 + 32) * 1000).to_be_bytes(),
        &(10_000_000u32 - 200).to_be_bytes(),
    ]);
    let cases: Vec<(u16, Vec<u8>, &str)> = vec![
        (1, vec![192, 0, 2, 1], "192.0.2.1"),
        (28, hex("20010db8000000000000000000000001"), "2001:db8::1"),
        (2, name("ns1.Example.COM"), "ns1.example.com."),
        (5, name("WWW.example.net"), "www.example.net."),
        (39, name("example.net"), "example.net."),
        (
            12,
            cat(&[b"\x03a.b\x01\x00\x02a ", &name("example")]),
            "a\\.b.\\000.a\\032.example.",
        ),
        (
            15,
            cat(&[&[0, 10], &name("mail.example.com")]),
            "10 mail.example.com.",
        ),
        (15, cat(&[&[0, 0], &name(".")]), "0 ."),
        (
            6,
            cat(&[
                &name("ns1.example.com"),
                &name("hostmaster.example.com"),
                &2024010101u32.to_be_bytes(),
                &7200u32.to_be_bytes(),
                &3600u32.to_be_bytes(),
                &1209600u32.to_be_bytes(),
                &300u32.to_be_bytes(),
            ]),
            "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
        ),
        (
            16,
            cat(&[&cs(b"v=spf1 -all"), &cs(b"say \"hi\"\\\x01\xff")]),
            "\"v=spf1 -all\" \"say \\\"hi\\\"\\\\\\001\\255\"",
        ),
        (16, cs(b""), "\"\""),
        (
            99,
            cs(b"v=spf1 include:_spf.example.com ~all"),
            "\"v=spf1 include:_spf.example.com ~all\"",
        ),
        (13, cat(&[&cs(b"PC"), &cs(b"Linux")]), "\"PC\" \"Linux\""),
        (
            17,
            cat(&[&name("mbox.example.com"), &name("txt.example.com")]),
            "mbox.example.com. txt.example.com.",
        ),
        (
            33,
            cat(&[&[0, 10, 0, 60, 0x13, 0xc4], &name("sip.example.com")]),
            "10 60 5060 sip.example.com.",
        ),
        (
            35,
            cat(&[
                &[0, 100, 0, 10],
                &cs(b"U"),
                &cs(b"E2U+sip"),
                &cs(b"!^.*$!sip:info@example.com!"),
                &name("."),
            ]),
            "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
        ),
        (
            257,
            cat(&[&[0, 5], b"issue", b"letsencrypt.org"]),
            "0 issue \"letsencrypt.org\"",
        ),
        (
            257,
            cat(&[&[128, 5], b"iodef", b"mailto:security@example.com"]),
            "128 iodef \"mailto:security@example.com\"",
        ),
        (
            43,
            cat(&[
                &60485u16.to_be_bytes(),
                &[5, 1],
                &hex("2bb183af5f22588179a53b0a98631fad1a292118"),
            ]),
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        ),
        (
            59,
            cat(&[
                &60485u16.to_be_bytes(),
                &[5, 1],
                &hex("2bb183af5f22588179a53b0a98631fad1a292118"),
            ]),
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        ),
        (
            48,
            cat(&[&256u16.to_be_bytes(), &[3, 5], &dnskey]),
            "256 3 5 AQOeiiR0GOMYkDshWoSKz9Xzfwjr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
        ),
        (
            60,
            cat(&[&257u16.to_be_bytes(), &[3, 13], &[1, 2, 3]]),
            "257 3 13 AQID",
        ),
        (
            46,
            cat(&[
                &[0, 1, 5, 3],
                &86400u32.to_be_bytes(),
                &1048354263u32.to_be_bytes(),
                &1045762263u32.to_be_bytes(),
                &2642u16.to_be_bytes(),
                &name("example.com"),
                &signature,
            ]),
            "A 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=",
        ),
        (
            47,
            cat(&[&name("host.example.com"), &nsec_bitmap]),
            "host.example.com. A MX RRSIG NSEC TYPE1234",
        ),
        (
            50,
            cat(&[
                &[1, 1, 0, 12, 4],
                &hex("aabbccdd"),
                &[20],
                &hex("174eb2409fe28bcb4887a1836f957f0a8425e27b"),
                &[0, 6, 0x40, 0, 0, 0, 0, 0x02],
            ]),
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
        ),
        (
            51,
            cat(&[&[1, 0, 0, 12, 4], &hex("aabbccdd")]),
            "1 0 12 AABBCCDD",
        ),
        (51, vec![1, 0, 0, 0, 0], "1 0 0 -"),
        (
            44,
            cat(&[&[2, 1], &hex("123456789abcdef67890123456789abcdef67890")]),
            "2 1 123456789ABCDEF67890123456789ABCDEF67890",
        ),
        (
            52,
            cat(&[
                &[3, 1, 1],
                &hex("0d6fce3309c9c1b6e0c6c8bc7c2ab4a2b4a6a5a7d8bb9a1a1b2c3d4e5f6a7b8c"),
            ]),
            "3 1 1 0D6FCE3309C9C1B6E0C6C8BC7C2AB4A2B4A6A5A7D8BB9A1A1B2C3D4E5F6A7B8C",
        ),
        (
            256,
            cat(&[&[0, 10, 0, 1], b"ftp://ftp1.example.com/public"]),
            "10 1 \"ftp://ftp1.example.com/public\"",
        ),
        (
            65,
            cat(&[
                &[0, 1, 0],
                &svc_param(1, &cat(&[&cs(b"h3"), &cs(b"h2")])),
                &svc_param(4, &[104, 16, 132, 229, 104, 16, 133, 229]),
                &svc_param(6, &hex("260647000000000000000000681084e5")),
            ]),
            "1 . alpn=\"h3,h2\" ipv4hint=104.16.132.229,104.16.133.229 ipv6hint=2606:4700::6810:84e5",
        ),
        (
            64,
            cat(&[
                &[0, 16],
                &name("foo.example.org"),
                &svc_param(0, &[0, 1, 0, 4]),
                &svc_param(1, &cat(&[&cs(b"h2"), &cs(b"h3-19")])),
                &svc_param(4, &[192, 0, 2, 1]),
            ]),
            "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1",
        ),
        (
            64,
            cat(&[
                &[0, 1],
                &name("foo.example.com"),
                &svc_param(2, &[]),
                &svc_param(3, &[0, 53]),
                &svc_param(5, &[1, 2, 3]),
                &svc_param(7, b"/q{?dns}"),
                &svc_param(667, b"hello"),
            ]),
            "1 foo.example.com. no-default-alpn port=53 ech=AQID dohpath=\"/q{?dns}\" key667=\"hello\"",
        ),
        (
            64,
            cat(&[
                &[0, 1],
                &name("."),
                &svc_param(1, &cat(&[&cs(b"f\\oo,bar"), &cs(b"h2")])),
            ]),
            "1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
        ),
        (
            29,
            loc,
            "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
        ),
        (65280, vec![0xab, 0xcd, 0xef], "\\# 3 ABCDEF"),
        (65280, vec![], "\\# 0"),
        (10, vec![1, 2], "\\# 2 0102"),
    ];
    for (rtype, rdata, expected) in cases {
        assert_eq!(
            present(rtype, &rdata).as_deref(),
            Ok(expected),
            "type {rtype}"
        );
    }
}

#[test]
fn malformed_rdata_is_a_record_reject() {
    // The record data starts at byte 52 (header 12, question 17, owner 13, fixed fields 10).
    for (rtype, rdata, expected) in [
        (
            1u16,
            vec![1, 2, 3],
            "malformed record data: example.com. A record data at byte 52: an A address is 4 bytes",
        ),
        (
            28,
            vec![0; 4],
            "malformed record data: example.com. AAAA record data at byte 52: an AAAA address is 16 bytes",
        ),
        (
            15,
            vec![0, 10],
            "malformed record data: example.com. MX record data at byte 52: a name runs past the record data",
        ),
        (
            2,
            cat(&[&name("ns.example"), &[9]]),
            "malformed record data: example.com. NS record data at byte 52: bytes left over after the data its type defines",
        ),
        (
            257,
            cat(&[&[0, 0], b"x"]),
            "malformed record data: example.com. CAA record data at byte 52: CAA tag is not 1 or more letters and digits",
        ),
        (
            16,
            vec![5, b'a'],
            "malformed record data: example.com. TXT record data at byte 52: record data ends inside a field",
        ),
        (
            47,
            cat(&[&name("a"), &[0, 33]]),
            "malformed record data: example.com. NSEC record data at byte 52: type bitmap window length is not 1 to 32",
        ),
        (
            65,
            cat(&[&[0, 1, 0], &svc_param(3, &[1])]),
            "malformed record data: example.com. HTTPS record data at byte 52: SVCB port is not 2 bytes",
        ),
        (
            5,
            pointer(52).to_vec(),
            "bad compression pointer: example.com. CNAME record data: compression pointer at byte 52 points to byte 52, not \
             before the pointer (a forward pointer)",
        ),
    ] {
        assert_eq!(
            present(rtype, &rdata).unwrap_err(),
            expected,
            "type {rtype}"
        );
    }
}

#[test]
fn compression_in_owners_and_rdata() {
    // Question at 12; the answer owner points to it; the CNAME target is "cdn" + pointer to "example.com" (at 16).
    let message = Message::new(RESPONSE, [1, 2, 0, 0])
        .question("www.Example.com", 1)
        .raw(&pointer(12))
        .raw(&[0, 5, 0, 1, 0, 0, 0, 60, 0, 6])
        .raw(&cat(&[b"\x03cdn", &pointer(16)]))
        .raw(&pointer(45))
        .raw(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7])
        .build();
    let (result, sink) = observe(&message, None);
    assert_eq!(result, Ok(2));
    assert_eq!(
        sink.lines(),
        [
            "www.example.com. CNAME cdn.example.com.",
            "cdn.example.com. A 192.0.2.7"
        ]
    );
}

#[test]
fn cname_chains_and_out_of_chain_answers() {
    // Out of order chain: the A record of the final name comes first.
    let message = Message::new(RESPONSE, [1, 4, 0, 0])
        .question("www.example.com", 1)
        .record("b.cdn.net", 1, &[198, 51, 100, 1])
        .record("www.example.com", 5, &name("a.cdn.net"))
        .record("a.cdn.net", 5, &name("B.cdn.net"))
        .record("evil.example", 1, &[6, 6, 6, 6])
        .build();
    let (result, sink) = observe(&message, None);
    assert_eq!(result, Ok(3));
    assert_eq!(
        sink.lines(),
        [
            "b.cdn.net. A 198.51.100.1",
            "www.example.com. CNAME a.cdn.net.",
            "a.cdn.net. CNAME b.cdn.net."
        ]
    );
    assert_eq!(
        sink.report
            .rejects
            .get("answer outside the question's CNAME chain"),
        Some(&1)
    );
    assert_eq!(
        sink.report.samples[0].to_string(),
        "test: msg 1: evil.example. A record at byte 128 is not owned by the question name www.example.com. or a name of its CNAME/DNAME chain"
    );
}

#[test]
fn dname_substitution_extends_the_chain() {
    let message = Message::new(RESPONSE, [1, 3, 0, 0])
        .question("www.old.example", 1)
        .record("old.example", 39, &name("new.example"))
        .record("www.old.example", 5, &name("www.new.example"))
        .record("www.new.example", 1, &[192, 0, 2, 9])
        .build();
    let (result, sink) = observe(&message, None);
    assert_eq!(result, Ok(3), "{}", sink.report);
    // Without the synthesised CNAME the DNAME alone leads to the target.
    let message = Message::new(RESPONSE, [1, 2, 0, 0])
        .question("www.old.example", 1)
        .record("old.example", 39, &name("new.example"))
        .record("www.new.example", 1, &[192, 0, 2, 9])
        .build();
    assert_eq!(observe(&message, None).0, Ok(2));
}

#[test]
fn nxdomain_keeps_its_chain_and_queries_are_ignored() {
    let message = Message::new(NXDOMAIN, [1, 1, 0, 0])
        .question("gone.example.com", 1)
        .record("gone.example.com", 5, &name("nowhere.example.net"))
        .build();
    assert_eq!(
        observe(&message, None).1.lines(),
        ["gone.example.com. CNAME nowhere.example.net."]
    );
    let query = Message::new(QUERY, [1, 1, 0, 0])
        .question("x.example", 1)
        .record("x.example", 1, &[1, 2, 3, 4])
        .build();
    let (result, sink) = observe(&query, None);
    assert_eq!(
        (result, sink.observations.len(), sink.report.rejected()),
        (Ok(0), 0, 0)
    );
    // SERVFAIL carries no data.
    let servfail = Message::new(0x8182, [1, 1, 0, 0])
        .question("x.example", 1)
        .record("x.example", 1, &[1, 2, 3, 4])
        .build();
    assert_eq!(observe(&servfail, None).0, Ok(0));
}

#[test]
fn meta_types_and_other_classes_are_skipped() {
    let message = Message::new(RESPONSE, [1, 3, 0, 1])
        .question("version.bind", 16)
        .record_wire(&name("version.bind"), 16, 3, &cs(b"9.18"))
        .record_wire(&name("version.bind"), 41, 1, &[])
        .record("version.bind", 16, &cs(b"real"))
        .record_wire(&[0], 41, 1232, &[])
        .build();
    let (result, sink) = observe(&message, None);
    assert_eq!(result, Ok(1));
    assert_eq!(sink.lines(), ["version.bind. TXT \"real\""]);
    assert_eq!(sink.report.rejected(), 0);
}

#[test]
fn bailiwick() {
    let message = Message::new(RESPONSE, [1, 2, 0, 0])
        .question("www.example.com", 1)
        .record("www.example.com", 5, &name("www.cdn.net"))
        .record("www.cdn.net", 1, &[192, 0, 2, 1])
        .build();
    let (result, sink) = observe(&message, Some("Example.COM."));
    assert_eq!(result, Ok(1));
    assert_eq!(sink.lines(), ["www.example.com. CNAME www.cdn.net."]);
    assert_eq!(
        sink.report.rejects.get("answer outside the bailiwick"),
        Some(&1)
    );
    assert_eq!(observe(&message, Some(".")).0, Ok(2));
    assert_eq!(observe(&message, Some("ample.com")).0, Ok(0));
    assert_eq!(observe(&message, Some("net")).0, Ok(1));
}

#[test]
fn name_text_round_trip() {
    assert_eq!(
        name_from_text("A\\.b.Example."),
        Some(b"\x03a.b\x07example\x00".to_vec())
    );
    assert_eq!(name_from_text("\\065\\\\x"), Some(b"\x03a\\x\x00".to_vec()));
    assert_eq!(name_from_text("."), Some(vec![0]));
    assert_eq!(name_from_text("a..b"), None);
    assert_eq!(name_from_text(&"a".repeat(64)), None);
    assert_eq!(name_from_text("\\256"), None);
}

/// Broken messages: each error is precise and carries its reason.
#[test]
fn malformed_messages() {
    let base = || Message::new(RESPONSE, [1, 1, 0, 0]).question("a.example", 1);
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            vec![0x12, 0x34, 0x81],
            "truncated DNS message",
            "message of 3 bytes is shorter than the 12-byte DNS header",
        ),
        (
            Message::new(RESPONSE, [1, 3, 0, 0])
                .question("a.example", 1)
                .record("a.example", 1, &[1, 2, 3, 4])
                .build(),
            "DNS record counts exceed the message",
            "the header counts 3 answer records but the 52-byte message ends after 1 of them",
        ),
        (
            Message::new(RESPONSE, [1, 1, 0, 2])
                .question("a.example", 1)
                .record("a.example", 1, &[1, 2, 3, 4])
                .build(),
            "DNS record counts exceed the message",
            "the header counts 2 additional records but the 52-byte message ends after 0 of them",
        ),
        (
            base().raw(&name("a.example")[..5]).build(),
            "truncated DNS message",
            "message ends at byte 32 inside the name starting at byte 27",
        ),
        (
            base().raw(&name("a.example")).raw(&[0, 1, 0, 1, 0]).build(),
            "truncated DNS message",
            "message ends at byte 43 inside the resource record starting at byte 27",
        ),
        (
            base().record("a.example", 1, &[1, 2, 3, 4]).build()[..50].to_vec(),
            "record data overruns the DNS message",
            "A record data at byte 48 claims 4 bytes but the message has 2 left",
        ),
        (
            base().raw(&pointer(27)).build(),
            "bad compression pointer",
            "compression pointer at byte 27 points to byte 27, not before the pointer (a forward pointer)",
        ),
        (
            base().raw(&pointer(400)).build(),
            "bad compression pointer",
            "compression pointer at byte 27 points to byte 400, beyond the end of the message",
        ),
        (
            base().raw(&pointer(2)).build(),
            "bad compression pointer",
            "compression pointer at byte 27 points to byte 2, inside the header",
        ),
        (
            // "x" then a pointer back to that same "x": a loop.
            base().raw(b"\x01x").raw(&pointer(27)).build(),
            "compression pointer loop",
            "compression pointer at byte 29 points back to byte 27, inside the name it belongs to (a loop)",
        ),
        (
            base().raw(&[0x41]).build(),
            "bad DNS label",
            "label length byte 0x41 at byte 27: labels are at most 63 bytes (label types 0x40 and 0x80 are not used)",
        ),
        (
            base()
                .raw(&name(
                    &["abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0"; 5]
                        .join("."),
                ))
                .build(),
            "DNS name too long",
            "name starting at byte 27 is longer than 255 bytes",
        ),
    ];
    for (message, reason, text) in cases {
        let (result, sink) = observe(&message, None);
        let error = result.expect_err(text);
        assert_eq!((error.reason(), error.to_string().as_str()), (reason, text));
        assert!(sink.observations.is_empty());
    }
}

/// What the wire parser writes is what the aggregator reads: names, exchanges and targets become hosts.
#[test]
fn output_feeds_the_aggregator() {
    use tigr_ingest::dns::{Aggregator, DnsSink, Observation, ObservationError};
    use tigr_ingest::report::{Reject, Report};
    struct Sink(Aggregator, Report);
    impl DnsSink for Sink {
        fn observe(&mut self, o: &Observation<'_>) -> Result<(), ObservationError> {
            self.0.add(o)
        }
        fn reject(&mut self, reason: &'static str, reject: Reject) {
            self.1.reject(reason, reject);
        }
    }
    let message = Message::new(RESPONSE, [1, 7, 0, 0])
        .question("WWW.Example.com", 65)
        .record(
            "www.example.com",
            65,
            &cat(&[&[0, 1], &name("svc.example.net"), &svc_param(3, &[1, 187])]),
        )
        .record("www.example.com", 65, &cat(&[&[0, 1, 0]]))
        .record(
            "www.example.com",
            15,
            &cat(&[&[0, 10], &name("Mail.example.com")]),
        )
        .record(
            "www.example.com",
            33,
            &cat(&[&[0, 1, 0, 1, 0, 80], &name("web.example.com")]),
        )
        .record("www.example.com", 16, &cat(&[&cs(b"a b"), &cs(b"\"c\"")]))
        .record(
            "www.example.com",
            28,
            &hex("20010db8000000000000000000000001"),
        )
        .record_wire(
            &cat(&[b"\x03a.b", &name("example.com")]),
            1,
            1,
            &[192, 0, 2, 1],
        )
        .build();
    let mut sink = Sink(Aggregator::new(100), Report::default());
    let result = observe_response(&message, 1, None, "t", &|| String::new(), &mut sink);
    assert_eq!(result, Ok(6), "{}", sink.1);
    // The a\.b.example.com A record is outside the chain; nothing else is rejected.
    assert_eq!(sink.1.rejected(), 1, "{}", sink.1);
    let batch = sink.0.drain(1);
    let mut artifacts: Vec<_> = batch
        .resolutions
        .iter()
        .map(|r| format!("{} {}", r.record_type, r.artifact_type))
        .collect();
    artifacts.sort();
    assert_eq!(
        artifacts,
        [
            "AAAA ipAddress",
            "HTTPS hostname",
            "HTTPS unclassifiedArtifact",
            "MX hostname",
            "SRV hostname",
            "TXT unclassifiedArtifact"
        ]
    );
}
