//! Writes many distinct X.509 certificates for the certificate-parsing benchmark, by mutating four real templates
//! (the committed test vectors: RSA with every name field, EC with UTF-8 names, an EC leaf and its CA).
//!
//! ```sh
//! cargo run --release -p tigr-ingest --example gen_certs -- --count 1000000 > target/bench-certs.pem
//! cargo run --release -p tigr-ingest --example gen_certs -- --count 1000000 --der > target/bench-certs.der
//! ```
//!
//! Each certificate gets its own serial number and common name, written over the template's bytes in place (same
//! lengths, so the DER stays well-formed); signatures no longer match, which parsing does not check. Every output
//! certificate is therefore distinct (its own SHA-1 and id). Deterministic: the same flags give the same output.

use base64::Engine as _;
use std::io::{BufWriter, Write};
use std::ops::Range;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// A template and where its serial and common name sit inside it.
struct Template {
    der: Vec<u8>,
    serial: Range<usize>,
    common_name: Range<usize>,
}

/// Byte range of `part` inside `whole` (both from the same buffer).
fn range_in(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

fn template(der: Vec<u8>) -> Template {
    let (serial, common_name) = {
        let (_, cert) = X509Certificate::from_der(&der).expect("template parses");
        let tbs = &cert.tbs_certificate;
        let cn = tbs
            .subject()
            .iter_common_name()
            .next()
            .expect("template has a CN")
            .as_slice();
        (range_in(&der, tbs.raw_serial()), range_in(&der, cn))
    };
    Template {
        der,
        serial,
        common_name,
    }
}

fn templates() -> Vec<Template> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/x509");
    let mut ders = Vec::new();
    for file in ["full.pem", "chain.pem"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("vector");
        for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
            let body: String = block
                .split("-----END")
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            ders.push(
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .expect("base64"),
            );
        }
    }
    ders.push(std::fs::read(dir.join("utf8.der")).expect("vector"));
    ders.into_iter().map(template).collect()
}

fn main() {
    let mut count: u64 = 1_000_000;
    let mut der_output = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--count" => count = args.next().and_then(|v| v.parse().ok()).expect("--count N"),
            "--der" => der_output = true,
            other => {
                eprintln!("usage: gen_certs [--count N] [--der]  (unknown {other})");
                std::process::exit(2);
            }
        }
    }
    let templates = templates();
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut cert = Vec::new();
    let mut text = String::new();
    for i in 0..count {
        let t = &templates[(i % templates.len() as u64) as usize];
        cert.clear();
        cert.extend_from_slice(&t.der);
        // Serial: the counter in the low bytes. The first two bytes stay, keeping the sign and the minimal encoding
        // DER demands (a leading 00 must be followed by a byte >= 80).
        let serial = &mut cert[t.serial.clone()];
        for (k, b) in serial.iter_mut().skip(2).rev().enumerate().take(8) {
            *b = (i >> (8 * k)) as u8;
        }
        // Common name: the counter in decimal over its last characters (ASCII digits are valid in every string type).
        let digits = format!("{i:012}");
        let cn = &mut cert[t.common_name.clone()];
        let n = cn.len().min(digits.len());
        let at = cn.len() - n;
        cn[at..].copy_from_slice(&digits.as_bytes()[digits.len() - n..]);
        let written = if der_output {
            out.write_all(&cert)
        } else {
            text.clear();
            text.push_str("-----BEGIN CERTIFICATE-----\n");
            let b64 = base64::engine::general_purpose::STANDARD.encode(&cert);
            for line in b64.as_bytes().chunks(64) {
                text.push_str(std::str::from_utf8(line).expect("ASCII"));
                text.push('\n');
            }
            text.push_str("-----END CERTIFICATE-----\n");
            out.write_all(text.as_bytes())
        };
        if written.is_err() {
            return; // a closed pipe ends the run
        }
    }
    let _ = out.flush();
}
