//! Benchmark: parses a capture into a counting sink and prints packets/s, observations/s, MB/s and Gbit/s.
//!
//! `cargo run --release -p tigr-ingest --example parse_pcap -- FILE.pcap [--repeat N]`
//! The file is read into memory first, so the figures are parsing alone (one core), not disk.

use std::time::Instant;
use tigr_ingest::dns::{DnsSink, Observation, ObservationError, Rdata};
use tigr_ingest::pcap::read_capture;
use tigr_ingest::report::{Reject, Report};

/// Counts what it is given, touching the data as a real sink would.
#[derive(Default)]
struct Counting {
    observations: u64,
    text_bytes: u64,
    report: Report,
}

impl DnsSink for Counting {
    fn observe(&mut self, observation: &Observation<'_>) -> Result<(), ObservationError> {
        self.observations += 1;
        self.text_bytes += observation.name.len() as u64;
        if let Rdata::Text(text) = observation.rdata {
            self.text_bytes += text.len() as u64;
        }
        Ok(())
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.report.reject(reason, reject);
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut repeat = 1u32;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("a count after --repeat")
            }
            other => path = Some(other.to_owned()),
        }
    }
    let path = path.expect("usage: parse_pcap FILE.pcap [--repeat N]");
    let bytes = std::fs::read(&path).expect("readable capture");
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat {
        let mut sink = Counting::default();
        let start = Instant::now();
        let stats = read_capture(bytes.as_slice(), &path, &mut sink).expect("a capture");
        best = best.min(start.elapsed().as_secs_f64());
        last = Some((stats, sink));
    }
    let Some((stats, sink)) = last else { return };
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "{path}: {:.1} MB, {} packets, {} DNS messages, {} observations",
        mb, stats.packets, stats.dns_messages, stats.observations
    );
    print!("{}", sink.report);
    println!(
        "best of {repeat}: {best:.3} s = {:.0} packets/s, {:.0} observations/s, {:.1} MB/s, {:.2} Gbit/s",
        stats.packets as f64 / best,
        sink.observations as f64 / best,
        mb / best,
        mb * 8.0 / 1000.0 / best
    );
}
