//! Replays the regression vectors under `tests/vectors/<reader>/` (inputs fuzzing once broke) through their readers.

use std::path::Path;
use tigr_ingest::dns::Collected;
use tigr_ingest::framestream::{
    ControlType, DNSTAP_CONTENT_TYPE, Receiver, ReceiverEvent, encode_control,
};

fn vectors(reader: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(reader);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let path = e.expect("directory entry").path();
            let bytes = std::fs::read(&path).expect("vector is readable");
            (path.display().to_string(), bytes)
        })
        .collect();
    out.sort();
    out
}

/// Receiver events (as text) for a READY/START session followed by `data`, fed in `chunk`-byte pieces.
fn receive(data: &[u8], chunk: usize) -> Vec<String> {
    let mut session = encode_control(ControlType::Ready, &[DNSTAP_CONTENT_TYPE]);
    session.extend(encode_control(ControlType::Start, &[]));
    session.extend_from_slice(data);
    let mut receiver = Receiver::dnstap();
    let mut events = Vec::new();
    for piece in session.chunks(chunk) {
        receiver.feed(piece);
        loop {
            match receiver.next_event() {
                Ok(None) => break,
                Ok(Some(ReceiverEvent::Data(d))) => events.push(format!("data {}", d.len())),
                Ok(Some(event)) => events.push(format!("{event:?}")),
                Err(error) => {
                    events.push(error.to_string());
                    return events;
                }
            }
        }
    }
    events
}

#[test]
fn dnstap_vectors() {
    for (name, data) in vectors("dnstap") {
        let _ = tigr_ingest::dnstap::read_dnstap(&data[..], &name, |_, _| {}, &mut |_, _| {});
        let whole = receive(&data, usize::MAX);
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(receive(&data, chunk), whole, "{name}, chunk {chunk}");
        }
    }
}

#[test]
fn line_reader_vectors() {
    for reader in ["cof", "zeek_dns", "passivedns"] {
        for (name, data) in vectors(reader) {
            let mut sink = Collected::default();
            let stats = match reader {
                "cof" => tigr_ingest::cof::read_cof(&data[..], &name, &mut sink),
                "zeek_dns" => tigr_ingest::zeek::read_zeek_dns(&data[..], &name, &mut sink),
                _ => tigr_ingest::passivedns::read_passivedns(&data[..], &name, &mut sink),
            }
            .expect("reading a slice cannot fail");
            assert_eq!(stats.rejects, sink.report.rejected(), "{name}");
        }
    }
}

#[test]
fn scanner_vectors() {
    use tigr_ingest::scan::CollectedScan;
    for (name, data) in vectors("masscan") {
        let mut sink = CollectedScan::default();
        let stats = tigr_ingest::scan::masscan::read_masscan(&data[..], &name, &mut sink)
            .expect("reading a slice cannot fail");
        assert_eq!(stats.ports, sink.ports.len() as u64, "{name}");
        assert_eq!(stats.rejects, sink.rejects.len() as u64, "{name}");
        let mut small = CollectedScan::default();
        let again = tigr_ingest::scan::masscan::read_masscan(
            std::io::BufReader::with_capacity(5, &data[..]),
            &name,
            &mut small,
        )
        .expect("reading a slice cannot fail");
        assert_eq!(again, stats, "{name}");
        assert_eq!(small.rejects, sink.rejects, "{name}");
    }
    let options = tigr_ingest::scan::zgrab2::Zgrab2Options::default();
    for (name, data) in vectors("zgrab2") {
        let mut sink = CollectedScan::default();
        let stats = tigr_ingest::scan::zgrab2::read_zgrab2(&data[..], &name, &options, &mut sink)
            .expect("reading a slice cannot fail");
        assert_eq!(stats.ports, sink.ports.len() as u64, "{name}");
        assert_eq!(stats.rejects, sink.rejects.len() as u64, "{name}");
        assert_eq!(
            stats.ports,
            stats.succeeded + stats.failed_reached,
            "{name}"
        );
    }
}
