//! Writes a realistic COF NDJSON benchmark input to stdout: N observations (default 10,000,000) over about
//! 500,000 distinct (name, type, value) records with Zipf-like repetition, mixed types and counts, seeded.
//!
//! `cargo run --release -p tigr-ingest --example gen_cof -- [N] [--records K] [--seed S] > cof.ndjson`

use std::io::{self, BufWriter, Write};

/// SplitMix64: tiny, seedable, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A fixed hash of a record index, so record `i` always has the same name and value.
fn mix(i: u64) -> u64 {
    Rng(i ^ 0x5DEE_CE66_D1CE_4E5B).next()
}

const TLDS: &[&str] = &["com", "net", "org", "de", "co.uk", "io", "ru", "info"];
const SUBS: &[&str] = &[
    "www", "mail", "api", "cdn", "login", "m", "static", "ns1", "vpn", "dev",
];

fn write_record(out: &mut impl Write, record: u64, rng: &mut Rng) -> io::Result<()> {
    let h = mix(record);
    let domain = h % 100_000;
    let tld = TLDS[(h >> 20) as usize % TLDS.len()];
    let sub = SUBS[(h >> 28) as usize % SUBS.len()];
    let name = format!("{sub}.d{domain}-{}.{tld}.", h >> 50);
    let (rtype, rdata) = match (h >> 36) % 20 {
        0..=11 => (
            "A",
            format!(
                "{}.{}.{}.{}",
                (h >> 8) % 223 + 1,
                (h >> 16) % 256,
                (h >> 24) % 256,
                (h >> 32) % 254 + 1
            ),
        ),
        12..=14 => (
            "AAAA",
            format!("2001:db8:{:x}::{:x}", (h >> 8) & 0xffff, (h >> 24) & 0xffff),
        ),
        15..=16 => (
            "CNAME",
            format!("edge{}.cdn{}.net.", (h >> 8) % 1000, (h >> 20) % 50),
        ),
        17 => (
            "NS",
            format!("ns{}.dns{}.com.", (h >> 8) % 4 + 1, (h >> 12) % 500),
        ),
        18 => (
            "MX",
            format!("10 mx{}.d{domain}-{}.{tld}.", (h >> 8) % 3, h >> 50),
        ),
        _ => (
            "TXT",
            format!(
                "\\\"v=spf1 include:spf{}.example.net -all\\\"",
                (h >> 8) % 100
            ),
        ),
    };
    let first = 1_600_000_000 + (h >> 8) % 100_000_000;
    let last = first + rng.next() % 10_000_000;
    let count = if rng.next().is_multiple_of(4) {
        rng.next() % 1000 + 1
    } else {
        1
    };
    match rng.next() % 10 {
        // DNSDB style: wrapped, rdata as an array, bailiwick.
        0 => writeln!(
            out,
            r#"{{"obj":{{"count":{count},"time_first":{first},"time_last":{last},"rrname":"{name}","rrtype":"{rtype}","bailiwick":"{tld}.","rdata":["{rdata}"]}}}}"#
        ),
        _ => writeln!(
            out,
            r#"{{"rrname":"{name}","rrtype":"{rtype}","rdata":"{rdata}","time_first":{first},"time_last":{last},"count":{count},"sensor_id":"sensor-{}"}}"#,
            rng.next() % 8
        ),
    }
}

fn main() -> io::Result<()> {
    let mut observations: u64 = 10_000_000;
    let mut records: u64 = 500_000;
    let mut seed: u64 = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--seed" => seed = value("--seed"),
            "--records" => records = value("--records").max(1),
            n => observations = n.parse().expect("N must be a number"),
        }
    }
    let mut rng = Rng(seed);
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    for _ in 0..observations {
        // Zipf-like: u^4 piles draws onto the first ranks; a fixed permutation spreads ranks over record ids.
        let rank = (rng.unit().powi(4) * records as f64) as u64;
        let record = mix(rank) % records;
        write_record(&mut out, record, &mut rng)?;
    }
    out.flush()
}
