//! Test vectors for dnstap decoding and file reading, built with a tiny protobuf and Frame Streams encoder.

use super::*;
use crate::framestream::{encode_control, encode_data};

/// Protobuf encoding helpers.
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_varint(out: &mut Vec<u8>, number: u64, v: u64) {
    varint(out, number << 3);
    varint(out, v);
}

fn field_bytes(out: &mut Vec<u8>, number: u64, b: &[u8]) {
    varint(out, (number << 3) | 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn field_fixed32(out: &mut Vec<u8>, number: u64, v: u32) {
    varint(out, (number << 3) | 5);
    out.extend_from_slice(&v.to_le_bytes());
}

/// A RESOLVER_RESPONSE like unbound writes.
fn resolver_response() -> Vec<u8> {
    let mut message = Vec::new();
    field_varint(&mut message, 1, 4);
    field_varint(&mut message, 2, 1);
    field_varint(&mut message, 3, 1);
    field_bytes(&mut message, 4, &[192, 0, 2, 1]);
    field_varint(&mut message, 6, 53000);
    field_varint(&mut message, 8, 1_700_000_000);
    field_fixed32(&mut message, 9, 123_456_789);
    field_bytes(&mut message, 11, b"\x07example\x03com\x00");
    field_varint(&mut message, 12, 1_700_000_001);
    field_fixed32(&mut message, 13, 5_000);
    field_bytes(&mut message, 14, b"\x12\x34response");
    // An unknown fixed64 and an unknown varint field are skipped.
    varint(&mut message, (99 << 3) | 1);
    message.extend_from_slice(&[0; 8]);
    field_varint(&mut message, 100, 7);
    let mut dnstap = Vec::new();
    field_bytes(&mut dnstap, 1, b"sensor-1");
    field_bytes(&mut dnstap, 2, b"unbound 1.19");
    field_varint(&mut dnstap, 15, 1);
    field_bytes(&mut dnstap, 14, &message);
    dnstap
}

fn dnstap_with(message: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut m = Vec::new();
    message(&mut m);
    let mut dnstap = Vec::new();
    field_varint(&mut dnstap, 15, 1);
    field_bytes(&mut dnstap, 14, &m);
    dnstap
}

#[test]
fn decodes_a_resolver_response() {
    let payload = resolver_response();
    let message = decode_dnstap(&payload).unwrap();
    assert_eq!(
        message,
        DnstapMessage {
            identity: Some(b"sensor-1"),
            kind: MessageType::ResolverResponse,
            socket_family: Some(SocketFamily::Inet),
            socket_protocol: Some(SocketProtocol::Udp),
            query_time_us: Some(1_700_000_000_123_456),
            response_time_us: Some(1_700_000_001_000_005),
            query_zone: Some("example.com.".to_owned()),
            query_message: None,
            response_message: Some(b"\x12\x34response"),
        }
    );
    assert!(counts_for_passive_dns(message.kind));
}

#[test]
fn policy() {
    for code in 1..=14 {
        let kind = MessageType::from_code(code).unwrap();
        assert_eq!(is_response(kind), code % 2 == 0, "{kind:?}");
        assert_eq!(
            counts_for_passive_dns(kind),
            code % 2 == 0 && code != 14,
            "{kind:?}"
        );
    }
    assert_eq!(MessageType::from_code(0), None);
    assert_eq!(MessageType::from_code(15), None);
}

#[test]
fn wire_names() {
    for (wire, text) in [
        (&b"\x00"[..], Ok(".")),
        (b"\x03com\x00", Ok("com.")),
        (b"\x03a.b\x02\\c\x00", Ok("a\\.b.\\\\c.")),
        (b"\x02\x00\xff\x00", Ok("\\000\\255.")),
        (b"\x03a b\x00", Ok("a\\032b.")),
        (b"", Err("missing the root label")),
        (b"\x03com", Err("missing the root label")),
        (b"\x05com\x00", Err("label runs past the end")),
        (b"\xc0\x0c", Err("label longer than 63 bytes or compressed")),
        (b"\x00\x00", Err("bytes after the root label")),
    ] {
        let got = wire_name_to_text(wire);
        match text {
            Ok(text) => assert_eq!(got.as_deref(), Ok(text)),
            Err(why) => assert_eq!(got, Err(DecodeError::BadZone(why)), "{wire:?}"),
        }
    }
    assert_eq!(
        wire_name_to_text(&[1; 300]),
        Err(DecodeError::BadZone("longer than 255 bytes"))
    );
}

#[test]
fn bad_payloads() {
    for (payload, expected) in [
        (
            vec![0x80],
            "truncated or malformed protobuf: varint runs past the end",
        ),
        (
            vec![0x0a, 0x05, b'a'],
            "truncated or malformed protobuf: field runs past the end",
        ),
        (
            vec![0x0b],
            "truncated or malformed protobuf: unsupported wire type",
        ),
        (
            vec![0x00, 0x01],
            "truncated or malformed protobuf: field number 0",
        ),
        (
            vec![0xff; 11],
            "truncated or malformed protobuf: varint longer than 10 bytes",
        ),
        (vec![0x72, 0x00, 0x78, 0x02], "Dnstap.type 2 is not MESSAGE"),
        (vec![0x78, 0x01], "Dnstap frame without a message"),
        (
            vec![0x0a, 0x01, b'x', 0x70, 0x05],
            "truncated or malformed protobuf: field of the wrong wire type",
        ),
        (dnstap_with(|_| {}), "Message without a type"),
        (
            dnstap_with(|m| field_varint(m, 1, 15)),
            "unknown Message.type 15",
        ),
        (
            dnstap_with(|m| {
                field_varint(m, 1, 2);
                field_varint(m, 8, 1);
                field_fixed32(m, 9, 1_000_000_000);
            }),
            "query_time nanoseconds 1000000000 out of range",
        ),
        (
            dnstap_with(|m| {
                field_varint(m, 1, 2);
                field_varint(m, 12, u64::MAX);
            }),
            "response_time seconds 18446744073709551615 out of range",
        ),
        (
            dnstap_with(|m| {
                field_varint(m, 1, 2);
                field_bytes(m, 11, b"\x03com");
            }),
            "query_zone is not a wire-format name: missing the root label",
        ),
        (
            dnstap_with(|m| {
                field_varint(m, 1, 2);
                field_varint(m, 14, 1);
            }),
            "truncated or malformed protobuf: field of the wrong wire type",
        ),
    ] {
        let got = decode_dnstap(&payload).map(|m| format!("{m:?}"));
        assert_eq!(
            got.map_err(|e| e.to_string()),
            Err(expected.to_owned()),
            "{payload:?}"
        );
    }
}

fn start() -> Vec<u8> {
    encode_control(ControlType::Start, &[DNSTAP_CONTENT_TYPE])
}

fn stop() -> Vec<u8> {
    encode_control(ControlType::Stop, &[])
}

/// Reads `file`; returns message summaries (`kind zone @location`), rejects and stats.
fn read(file: &[u8]) -> Result<(Vec<String>, Vec<String>, FrameStats), String> {
    let mut messages = Vec::new();
    let mut rejects = Vec::new();
    let stats = read_dnstap(
        file,
        "t",
        |m, location| messages.push(format!("{:?} {:?} @{}", m.kind, m.query_zone, location())),
        &mut |reason, r| rejects.push(format!("{reason} | {}: {}", r.location, r.message)),
    )
    .map_err(|e| e.to_string())?;
    assert_eq!(stats.rejects as usize, rejects.len());
    Ok((messages, rejects, stats))
}

#[test]
fn reads_files() {
    let mut file = start();
    file.extend(encode_data(&resolver_response()));
    file.extend(encode_data(&[0x80]));
    file.extend(encode_data(&resolver_response()));
    file.extend(stop());
    // A second stream appended (concatenated files), without a content type, then the file just ends.
    file.extend(encode_control(ControlType::Start, &[]));
    file.extend(encode_data(&dnstap_with(|m| field_varint(m, 1, 5))));
    let (messages, rejects, stats) = read(&file).unwrap();
    assert_eq!(
        messages,
        [
            "ResolverResponse Some(\"example.com.\") @frame 1 (byte 42)",
            "ResolverResponse Some(\"example.com.\") @frame 3 (byte 157)",
            "ClientQuery None @frame 4 (byte 291)",
        ]
    );
    assert_eq!(
        rejects,
        [
            "malformed protobuf | frame 2 (byte 152): truncated or malformed protobuf: varint runs past the end",
            "truncated stream | byte 301: the file ends without a STOP frame",
        ]
    );
    assert_eq!(
        stats,
        FrameStats {
            frames: 4,
            messages: 3,
            rejects: 2,
            bytes: file.len() as u64
        }
    );
}

#[test]
fn empty_file_is_empty() {
    assert_eq!(read(b"").unwrap(), (vec![], vec![], FrameStats::default()));
}

#[test]
fn fatal_starts() {
    let mut wrong = encode_control(ControlType::Start, &[b"protobuf:other"]);
    wrong.extend(stop());
    for (file, expected) in [
        (
            b"{\"rrname\":1}".to_vec(),
            "not a Frame Streams file: it does not start with a START control frame",
        ),
        (
            vec![0, 0],
            "not a Frame Streams file: it does not start with a START control frame",
        ),
        (
            vec![0, 0, 0, 0, 0, 0, 0x10, 0],
            "not a Frame Streams file: it does not start with a START control frame",
        ),
        (
            stop(),
            "not a Frame Streams file: it does not start with a START control frame",
        ),
        (
            encode_data(b"x"),
            "not a Frame Streams file: it does not start with a START control frame",
        ),
        (
            wrong,
            "content type \"protobuf:other\" is not \"protobuf:dnstap.Dnstap\"",
        ),
    ] {
        assert_eq!(
            read(&file).map(|_| ()),
            Err(expected.to_owned()),
            "{file:?}"
        );
    }
    // A huge control frame mid-file breaks the framing.
    let mut file = start();
    file.extend([0, 0, 0, 0, 0, 0, 0x10, 0]);
    assert_eq!(
        read(&file).map(|_| ()),
        Err("at byte 42: control frame of 4096 bytes exceeds the limit of 512".to_owned())
    );
}

#[test]
fn stream_problems_are_rejects() {
    let mut file = start();
    file.extend(((MAX_DATA_FRAME + 1) as u32).to_be_bytes());
    file.extend(vec![0; MAX_DATA_FRAME + 1]);
    file.extend(encode_control(ControlType::Ready, &[]));
    file.extend(stop());
    file.extend(encode_data(&resolver_response()));
    file.extend(start());
    file.extend(encode_data(&resolver_response()));
    file.extend(encode_data(&resolver_response())[..10].to_vec());
    let (messages, rejects, _) = read(&file).unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        rejects,
        [
            "frame too large | frame 1 (byte 42): data frame of 1048577 bytes exceeds the limit of 1048576",
            "bad control frame | byte 1048623: unexpected READY control frame inside a stream",
            "bad control frame | frame 2 (byte 1048647): data frame outside a START/STOP stream",
            "truncated stream | byte 1048909: the file ends inside a frame",
        ]
    );
    // A partial length at the end is a truncation too.
    let mut file = start();
    file.extend([0, 0]);
    let (_, rejects, _) = read(&file).unwrap();
    assert_eq!(
        rejects,
        ["truncated stream | byte 42: the file ends inside a frame"]
    );
}
