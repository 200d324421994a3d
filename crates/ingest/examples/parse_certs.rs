//! Certificate-parsing benchmark: reads PEM or DER files through the X.509 importer (batches are counted and
//! dropped, so this measures parsing and validation, not the store) and prints certificates/s, MB/s and peak memory.
//!
//! ```sh
//! cargo run --release -p tigr-ingest --example gen_certs -- --count 1000000 > target/bench-certs.pem
//! cargo run --release -p tigr-ingest --example parse_certs -- target/bench-certs.pem
//! ```

use std::time::Instant;
use tigr_ingest::x509::CertImporter;
use tigr_model::batch::Batch;

/// Peak resident memory (`VmHWM`) as Linux reports it.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_certs FILE... (- for standard input)");
        std::process::exit(2);
    }
    let mut entities = 0u64;
    let mut bytes = 0u64;
    let start = Instant::now();
    let mut sink = |b: Batch| entities += b.entities.len() as u64;
    let mut importer = CertImporter::new(&mut sink);
    for path in &paths {
        let read = if path == "-" {
            importer.read(std::io::stdin().lock(), path)
        } else {
            bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            std::fs::File::open(path).and_then(|f| importer.read(f, path))
        };
        if let Err(e) = read {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
    let (report, stats) = importer.finish();
    let seconds = start.elapsed().as_secs_f64();
    print!("{report}");
    println!(
        "{} certificates ({} entities, {} rejected) in {seconds:.2} s: {:.0} certificates/s, {:.1} MB/s; peak memory (VmHWM) {}",
        stats.certificates,
        entities,
        stats.rejected,
        stats.certificates as f64 / seconds,
        bytes as f64 / seconds / 1e6,
        peak_memory()
    );
}
