//! Writes a synthetic passive DNS data set as graph-json NDJSON on standard output, for the API benchmark
//! (`bench/api-latency.sh` pipes it into `tigr ingest graph-json -`, so the store holds exactly what an import writes).
//!
//! ```sh
//! cargo run --release -p tigr --example gen_pdns -- --records 1000000 --hosts 200000 --hot-host bench-hot.example --hot-records 1000 \
//!   | tigr --data DIR ingest graph-json -
//! ```
//!
//! The spread: `--records` records over `--hosts` host names (each record's host drawn at random, so hosts get a few
//! records each, about records/hosts on average), resolving mostly to IPv4 addresses from a shared pool (A), some IPv6
//! (AAAA) and some other host names (CNAME); plus one host, `--hot-host`, with exactly `--hot-records` records spread
//! evenly through the stream (so its rows are scattered over the table as they would be after months of collection).
//! Deterministic: the same flags give the same output.

use std::io::{BufWriter, Write};
use tigr_model::id::encode_key;

struct Args {
    records: u64,
    hosts: u64,
    hot_host: String,
    hot_records: u64,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        records: 1_000_000,
        hosts: 200_000,
        hot_host: "bench-hot.example".into(),
        hot_records: 1000,
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |s: String| s.parse::<u64>().map_err(|e| format!("{s}: {e}"));
        match flag.as_str() {
            "--records" => a.records = num(value()?)?,
            "--hosts" => a.hosts = num(value()?)?.max(1),
            "--hot-host" => a.hot_host = value()?,
            "--hot-records" => a.hot_records = num(value()?)?,
            "--seed" => a.seed = num(value()?)?,
            "-h" | "--help" => {
                return Err("usage: gen_pdns [--records N] [--hosts N] [--hot-host NAME] [--hot-records N] [--seed N]".into());
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

/// splitmix64: small, fast, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TLDS: [&str; 6] = ["com", "net", "org", "io", "example", "info"];

fn host_name(n: u64) -> String {
    format!("h{n}.d{}.{}", n / 7, TLDS[(n % TLDS.len() as u64) as usize])
}

/// 2023-01-01T00:00:00Z plus `secs`, in tigr's DateTimeOffset form.
fn datetime(secs: u64) -> String {
    const START_MICROS: i64 = 1_672_531_200_000_000; // 2023-01-01T00:00:00Z
    tigr_model::datetime::format(START_MICROS + secs as i64 * 1_000_000)
}

/// What a record resolves to: (recordType, artifact type, artifact id).
fn artifact(rng: &mut Rng) -> (&'static str, &'static str, String) {
    let kind = rng.below(100);
    if kind < 85 {
        // A: from a pool of ~300k addresses, so addresses are shared between hosts.
        let n = rng.below(300_000);
        (
            "A",
            "ipAddress",
            format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255),
        )
    } else if kind < 95 {
        let n = rng.below(100_000);
        (
            "AAAA",
            "ipAddress",
            format!("2001:db8::{:x}:{:x}", n >> 16, n & 0xffff),
        )
    } else {
        let n = rng.below(50_000);
        ("CNAME", "hostname", format!("cdn{n}.edge.example"))
    }
}

fn record(
    out: &mut impl Write,
    rng: &mut Rng,
    name: &str,
    (record_type, artifact_type, artifact): (&str, &str, String),
) -> std::io::Result<()> {
    let first = rng.below(500 * 86_400);
    let last = first + rng.below(200 * 86_400);
    let collected = last + rng.below(86_400);
    let id = encode_key(&[name, artifact.as_str(), "false"]);
    writeln!(
        out,
        r##"{{"@odata.type":"#microsoft.graph.security.passiveDnsRecord","id":"{id}","firstSeenDateTime":"{}","lastSeenDateTime":"{}","collectedDateTime":"{}","recordType":"{record_type}","parentHost":{{"id":"{name}"}},"artifact":{{"@odata.type":"#microsoft.graph.security.{artifact_type}","id":"{artifact}"}}}}"##,
        datetime(first),
        datetime(last),
        datetime(collected),
    )
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen_pdns: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut rng = Rng(args.seed);
    // The hot host's records go in at evenly spaced positions of the stream, each with its own address (10.200.0.0/16
    // is outside the shared pool), so it ends up with exactly --hot-records records.
    let total = args.records + args.hot_records;
    let mut hot_written = 0u64;
    for i in 0..total {
        let hot_due = hot_written < args.hot_records && i * args.hot_records >= hot_written * total;
        let res = if hot_due {
            let n = hot_written;
            hot_written += 1;
            let ip = format!("10.{}.{}.{}", 200 + (n >> 16), (n >> 8) & 255, n & 255);
            record(&mut out, &mut rng, &args.hot_host, ("A", "ipAddress", ip))
        } else {
            let name = host_name(rng.below(args.hosts));
            let a = artifact(&mut rng);
            record(&mut out, &mut rng, &name, a)
        };
        if let Err(e) = res {
            eprintln!("gen_pdns: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("gen_pdns: {e}");
        return std::process::ExitCode::FAILURE;
    }
    eprintln!(
        "gen_pdns: wrote {total} records ({hot_written} for {})",
        args.hot_host
    );
    std::process::ExitCode::SUCCESS
}
