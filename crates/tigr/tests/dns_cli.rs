//! Passive DNS commands end to end: compressed standard input, counted rejects in the summary, and the dnstap sensor
//! over TCP (Frame Streams handshake by hand), with a real unbound dnstap stream as the payload
//! (`data/unbound-client-response.fstrm`: unbound 1.17 answering `a.example A` from a local zone, captured by a
//! test receiver: START, CLIENT_QUERY, CLIENT_RESPONSE, STOP).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tigr_ingest::framestream::{self, ControlType, DNSTAP_CONTENT_TYPE, Frame};

const UNBOUND_STREAM: &[u8] = include_bytes!("data/unbound-client-response.fstrm");

fn tigr(data: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tigr"))
        .arg("--data")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tigr");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn stderr_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "tigr failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exported passive DNS records as `name TYPE artifact-id` lines.
fn exported_records(data: &Path) -> Vec<String> {
    let out = tigr(data, &["export"], None);
    assert!(out.status.success());
    let mut records: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["@odata.type"] == "#microsoft.graph.security.passiveDnsRecord")
        .map(|v| {
            format!(
                "{} {} {}",
                v["parentHost"]["id"].as_str().unwrap(),
                v["recordType"].as_str().unwrap(),
                v["artifact"]["id"].as_str().unwrap()
            )
        })
        .collect();
    records.sort();
    records
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip (Debian's essential gzip package)");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout
}

#[test]
fn dnstap_from_gzipped_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let err = stderr_of(&tigr(
        dir.path(),
        &["ingest", "dnstap", "--no-progress", "-"],
        Some(&gzip(UNBOUND_STREAM)),
    ));
    assert!(
        err.contains("-: dnstap (gzip): accepted 1, rejected 0"),
        "{err}"
    );
    assert_eq!(exported_records(dir.path()), ["a.example A 192.0.2.1"]);
}

#[test]
fn bad_lines_are_counted_and_sampled_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let cof = concat!(
        r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.7","time_first":1700000000,"time_last":1700000100,"count":3}"#,
        "\n{not json\n",
        r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"not-an-ip","time_first":1700000000,"time_last":1700000100}"#,
        "\n",
        r#"{"rrname":"mail.example.com","rrtype":"MX","rdata":["10 mx1.example.net.","20 mx2.example.net."],"time_first":1700000000,"time_last":1700000000}"#,
        "\n"
    );
    let path = dir.path().join("in.cof.gz");
    std::fs::write(&path, gzip(cof.as_bytes())).unwrap();
    let err = stderr_of(&tigr(
        dir.path(),
        &["ingest", "cof", "--no-progress", path.to_str().unwrap()],
        None,
    ));
    assert!(err.contains("cof (gzip): accepted 3, rejected 2"), "{err}");
    assert!(err.contains("line 2"), "the malformed line is named: {err}");
    assert!(
        err.contains("line 3") && err.contains("not-an-ip"),
        "the bad address is named: {err}"
    );
    assert_eq!(
        exported_records(dir.path()),
        [
            "mail.example.com MX mx1.example.net",
            "mail.example.com MX mx2.example.net",
            "www.example.com A 192.0.2.7"
        ]
    );
}

#[test]
fn zeek_and_passivedns_logs_from_files_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    // Zeek TSV: a CNAME chain answered for an A query (the owner of each answer is inferred along the chain).
    let zeek = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
                #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype_name\trcode_name\tanswers\tTTLs\trejected\n\
                1700000000.123456\tC1\t10.0.0.2\t5353\t10.0.0.1\t53\tudp\t7\twww.example.org\tA\tNOERROR\tweb.example.org,192.0.2.80\t300.000000,60.000000\tF\n";
    let path = dir.path().join("dns.log");
    std::fs::write(&path, zeek).unwrap();
    let err = stderr_of(&tigr(
        dir.path(),
        &[
            "ingest",
            "zeek-dns",
            "--no-progress",
            path.to_str().unwrap(),
        ],
        None,
    ));
    assert!(err.contains("zeek-dns: accepted 2, rejected 0"), "{err}");
    // passivedns: timestamp||client||server||class||query||type||answer||ttl||count, and a broken line.
    let log = "1700000100.000001||10.0.0.2||10.0.0.1||IN||mail.example.org.||A||192.0.2.25||300||4\nnot a passivedns line\n";
    let err = stderr_of(&tigr(
        dir.path(),
        &["ingest", "passivedns", "--no-progress", "-"],
        Some(log.as_bytes()),
    ));
    assert!(err.contains("passivedns: accepted 1, rejected 1"), "{err}");
    assert!(err.contains("-: line 2"), "{err}");
    assert_eq!(
        exported_records(dir.path()),
        [
            "mail.example.org A 192.0.2.25",
            "web.example.org A 192.0.2.80",
            "www.example.org CNAME web.example.org"
        ]
    );
}

/// Reads from `stream` until one whole Frame Streams frame is there; returns its control type.
fn read_control(stream: &mut std::net::TcpStream, buffer: &mut Vec<u8>) -> ControlType {
    let mut chunk = [0u8; 512];
    loop {
        if let Some((Frame::Control(control), used)) =
            framestream::decode_frame(buffer).expect("a valid frame")
        {
            let kind = control.kind;
            buffer.drain(..used);
            return kind;
        }
        let n = stream.read(&mut chunk).expect("reading from the sensor");
        assert!(n > 0, "the sensor closed the connection early");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn sensor_over_tcp_handshakes_and_writes_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("sensor.log")).unwrap();
    let mut sensor = Command::new(env!("CARGO_BIN_EXE_tigr"))
        .arg("--data")
        .arg(dir.path().join("data"))
        .args(["sensor", "dnstap", "--flush-interval", "1h", "--listen"])
        .arg(format!("tcp:127.0.0.1:{port}"))
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut stream = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("the sensor never listened: {e}"),
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buffer = Vec::new();
    stream
        .write_all(&framestream::encode_control(
            ControlType::Ready,
            &[DNSTAP_CONTENT_TYPE],
        ))
        .unwrap();
    assert_eq!(read_control(&mut stream, &mut buffer), ControlType::Accept);
    // The captured unidirectional stream is exactly what follows ACCEPT: START, data frames, STOP.
    stream.write_all(UNBOUND_STREAM).unwrap();
    assert_eq!(read_control(&mut stream, &mut buffer), ControlType::Finish);
    drop(stream);

    // The flush interval is an hour: only the SIGTERM handler can have written the record.
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("kill")
        .args(["-TERM", &sensor.id().to_string()])
        .status();
    let status = sensor.wait().unwrap();
    let log = std::fs::read_to_string(dir.path().join("sensor.log")).unwrap();
    assert!(status.success(), "{log}");
    assert!(log.contains("accepted 1, rejected 0"), "{log}");
    assert_eq!(
        exported_records(&dir.path().join("data")),
        ["a.example A 192.0.2.1"]
    );
}
