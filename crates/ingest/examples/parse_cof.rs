//! Parses a COF NDJSON file and prints lines/s and MB/s: parsing only (a counting sink), or with `--aggregate`
//! through the aggregating sink ingest runs use (batches are dropped).
//!
//! `cargo run --release -p tigr-ingest --example parse_cof -- cof.ndjson [--aggregate]`

use std::fs::File;
use std::io::{self, BufReader};
use std::time::Instant;
use tigr_ingest::cof::read_cof;
use tigr_ingest::dns::{Aggregating, DnsSink, Observation, ObservationError};
use tigr_ingest::report::Reject;

/// Counts and keeps nothing.
#[derive(Default)]
struct Counting {
    observations: u64,
    rejects: u64,
    first_reject: Option<Reject>,
}

impl DnsSink for Counting {
    fn observe(&mut self, _: &Observation<'_>) -> Result<(), ObservationError> {
        self.observations += 1;
        Ok(())
    }

    fn reject(&mut self, _: &'static str, reject: Reject) {
        self.rejects += 1;
        self.first_reject.get_or_insert(reject);
    }
}

fn main() -> io::Result<()> {
    let mut path = None;
    let mut aggregate = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--aggregate" => aggregate = true,
            _ => path = Some(arg),
        }
    }
    let path = path.expect("usage: parse_cof FILE [--aggregate]");
    let bytes = std::fs::metadata(&path)?.len();
    let input = BufReader::with_capacity(1 << 16, File::open(&path)?);
    let start = Instant::now();
    let stats = if aggregate {
        let mut batches = 0u64;
        let mut sink = Aggregating::new(1_000_000, || 0, |_batch| batches += 1);
        let stats = read_cof(input, &path, &mut sink)?;
        let parsed = start.elapsed();
        sink.flush();
        println!(
            "parse + aggregate {:.2} s, drain {:.2} s ({} distinct records)",
            parsed.as_secs_f64(),
            (start.elapsed() - parsed).as_secs_f64(),
            stats.observations
        );
        print!("{}", sink.report);
        stats
    } else {
        let mut sink = Counting::default();
        let stats = read_cof(input, &path, &mut sink)?;
        if let Some(reject) = sink.first_reject {
            println!("first reject: {reject}");
        }
        stats
    };
    let seconds = start.elapsed().as_secs_f64();
    println!("{stats:?}");
    println!(
        "{:.2} s: {:.0} lines/s, {:.1} MB/s",
        seconds,
        stats.lines as f64 / seconds,
        bytes as f64 / seconds / 1e6
    );
    Ok(())
}
