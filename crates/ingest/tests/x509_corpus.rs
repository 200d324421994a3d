//! X.509 import against real certificates: `openssl x509` must agree with every field tigr reads (committed
//! vectors and the system CA bundle), every file of the system CA bundle must import, and the cryptography-vectors
//! corpus (real and deliberately malformed certificates) must import without a panic and without dropping any
//! certificate block silently: each is either an entity or a counted reject.

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tigr_ingest::report::Report;
use tigr_ingest::x509::{CertStats, read_certificates};
use tigr_model::json::Entity;

fn import(bytes: &[u8], source: &str) -> (Vec<Entity>, Report, CertStats) {
    let mut entities = Vec::new();
    let mut sink = |b: tigr_model::batch::Batch| entities.extend(b.entities);
    let mut report = Report::default();
    let stats = read_certificates(bytes, source, &mut sink, &mut report).expect("read");
    (entities, report, stats)
}

/// Regular files under `dir`, following symbolic links to files but not to directories, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(link) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if link.is_dir() {
                todo.push(path);
            } else if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn pem_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let Some(len) = rest[start..].find("-----END CERTIFICATE-----") else {
            break;
        };
        let end = start + len + "-----END CERTIFICATE-----".len();
        blocks.push(format!("{}\n", &rest[start..end]));
        rest = &rest[end..];
    }
    blocks
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What `openssl x509` says about one PEM certificate.
fn openssl_facts(pem: &str) -> BTreeMap<String, String> {
    let mut child = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha1",
            "-serial",
            "-dates",
            "-subject",
            "-issuer",
        ])
        .args([
            "-nameopt",
            "sep_multiline,sname,utf8,-esc_msb",
            "-ext",
            "subjectAltName,issuerAltName",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pem.as_bytes())
        .expect("write pem");
    let out = child.wait_with_output().expect("openssl output");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut facts = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("    ") {
            // A name attribute (`    CN=value`) or an alternative-name list under its heading.
            if section.ends_with("Alternative Name") {
                facts.insert(section.clone(), rest.trim().to_owned());
            } else {
                // A multi-valued RDN is one line: `CN=a + O=b`.
                for (k, v) in rest.split(" + ").filter_map(|part| part.split_once('=')) {
                    let key = format!("{section}/{k}");
                    let joined = match facts.remove(&key) {
                        Some(prev) => format!("{prev}, {v}"),
                        None => v.to_owned(),
                    };
                    facts.insert(key, joined);
                }
            }
        } else if let Some(heading) = line.strip_prefix("X509v3 ") {
            section = heading.trim().trim_end_matches(':').to_owned();
        } else if let Some((k, v)) = line.split_once('=') {
            section = k.to_owned();
            if !v.is_empty() {
                facts.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    facts
}

/// openssl's `Nov 25 08:19:24 2026 GMT` as tigr writes it.
fn openssl_date(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = text.split_whitespace().collect();
    let month = MONTHS.iter().position(|m| *m == parts[0]).expect("month") + 1;
    let day: u32 = parts[1].parse().expect("day");
    format!("{}-{month:02}-{day:02}T{}Z", parts[3], parts[2])
}

/// openssl's hex serial (`-` for negative) in decimal.
fn hex_to_decimal(hex: &str) -> String {
    let (sign, digits) = match hex.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", hex),
    };
    // Base 10^9 limbs, least significant first.
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(16).expect("hex digit"));
        for limb in &mut limbs {
            let v = *limb * 16 + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let mut out = format!("{}", limbs.last().expect("a limb"));
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    if out == "0" {
        out
    } else {
        format!("{sign}{out}")
    }
}

/// openssl's alternative-name list as tigr lists them (DNS, IP, email, URI; IPs in Rust's text form).
fn openssl_alt_names(list: Option<&String>) -> Vec<String> {
    let Some(list) = list else { return Vec::new() };
    let mut out: Vec<String> = Vec::new();
    for item in list.split(", ") {
        let value = if let Some(ip) = item.strip_prefix("IP Address:") {
            ip.parse::<IpAddr>()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| ip.to_owned())
        } else if let Some(v) = ["DNS:", "email:", "URI:"]
            .iter()
            .find_map(|p| item.strip_prefix(p))
        {
            v.to_owned()
        } else {
            continue;
        };
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// Compares one certificate's entity with openssl's view of it; returns the differences.
fn differences(pem: &str, entity: &Entity) -> Vec<String> {
    let facts = openssl_facts(pem);
    let props = &entity.props;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let mut diffs = Vec::new();
    let mut check = |what: &str, ours: Option<String>, theirs: Option<String>| {
        if ours != theirs {
            diffs.push(format!("{what}: tigr {ours:?}, openssl {theirs:?}"));
        }
    };
    let sha1 = facts["sha1 Fingerprint"].to_ascii_lowercase();
    check(
        "fingerprint",
        text(props.get("fingerprint")),
        Some(sha1.clone()),
    );
    check("sha1", text(props.get("sha1")), Some(sha1.replace(':', "")));
    check(
        "serialNumber",
        text(props.get("serialNumber")),
        Some(hex_to_decimal(&facts["serial"])),
    );
    check(
        "issueDateTime",
        text(props.get("issueDateTime")),
        Some(openssl_date(&facts["notBefore"])),
    );
    check(
        "expirationDateTime",
        text(props.get("expirationDateTime")),
        Some(openssl_date(&facts["notAfter"])),
    );
    for (side, alt_heading) in [
        ("subject", "Subject Alternative Name"),
        ("issuer", "Issuer Alternative Name"),
    ] {
        let ours = &props[side];
        for (short, path) in [
            ("CN", &["commonName"][..]),
            ("O", &["organizationName"]),
            ("OU", &["organizationUnitName"]),
            ("emailAddress", &["email"]),
            ("GN", &["givenName"]),
            ("SN", &["surname"]),
            ("serialNumber", &["serialNumber"]),
            ("C", &["address", "countryOrRegion"]),
            ("ST", &["address", "state"]),
            ("L", &["address", "city"]),
            ("street", &["address", "street"]),
            ("postalCode", &["address", "postalCode"]),
        ] {
            let value = path.iter().try_fold(ours, |v, k| v.get(k));
            check(
                &format!("{side}/{short}"),
                text(value),
                facts.get(&format!("{side}/{short}")).cloned(),
            );
        }
        let alt: Vec<String> = ours["alternateNames"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let theirs = openssl_alt_names(facts.get(alt_heading));
        check(
            &format!("{side}/alternateNames"),
            Some(alt.join(" ")),
            Some(theirs.join(" ")),
        );
    }
    diffs
}

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/x509")
}

#[test]
fn openssl_agrees_on_every_field() {
    if !openssl_available() {
        eprintln!(
            "SKIPPED openssl_agrees_on_every_field: no openssl on PATH (apt-get install openssl)"
        );
        return;
    }
    let mut pems: Vec<(String, String)> = Vec::new();
    for file in ["full.pem", "chain.pem", "negative-serial.pem", "bundle.pem"] {
        let text = std::fs::read_to_string(vectors().join(file)).expect("vector");
        pems.extend(pem_blocks(&text).into_iter().map(|p| (file.to_owned(), p)));
    }
    // Real names with every string type CAs use (BMPString, TeletexString, multi-valued attributes).
    let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
    if let Ok(text) = std::fs::read_to_string(bundle) {
        pems.extend(
            pem_blocks(&text)
                .into_iter()
                .map(|p| (bundle.display().to_string(), p)),
        );
    }
    let mut all = Vec::new();
    for (n, (file, pem)) in pems.iter().enumerate() {
        let (entities, report, _) = import(pem.as_bytes(), file);
        assert_eq!(entities.len(), 1, "{file} block {n}: {report}");
        let diffs = differences(pem, &entities[0]);
        if !diffs.is_empty() {
            all.push(format!(
                "{file} block {n} ({}):\n  {}",
                entities[0].id,
                diffs.join("\n  ")
            ));
        }
    }
    assert!(
        all.is_empty(),
        "{} of {} certificates differ:\n{}",
        all.len(),
        pems.len(),
        all.join("\n")
    );
    eprintln!("openssl agrees on {} certificates", pems.len());
}

#[test]
fn the_system_ca_bundle_imports_completely() {
    let dir = Path::new("/etc/ssl/certs");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED the_system_ca_bundle_imports_completely: no {} (apt-get install ca-certificates)",
            dir.display()
        );
        return;
    }
    let mut total = CertStats::default();
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).expect("read");
        let name = file.display().to_string();
        let (_, report, stats) = import(&bytes, &name);
        assert_eq!(report.rejected(), 0, "{report}");
        let is_pem = bytes
            .windows(27)
            .any(|w| w == b"-----BEGIN CERTIFICATE-----");
        assert!(
            !is_pem || stats.certificates > 0,
            "{name}: no certificate read"
        );
        total.add(stats);
    }
    eprintln!("{}: {total:?}", dir.display());
    assert!(total.certificates > 100, "{total:?}");
}

#[test]
fn the_cryptography_vectors_corpus_never_panics_or_drops_a_certificate() {
    let Some(dir) = std::env::var_os("TIGR_X509_CORPUS") else {
        eprintln!(
            "SKIPPED the_cryptography_vectors_corpus_never_panics_or_drops_a_certificate: set TIGR_X509_CORPUS \
             (export TIGR_X509_CORPUS=$(bash scripts/fetch-x509-corpus.sh); scripts/test.sh does)"
        );
        return;
    };
    let dir = PathBuf::from(dir);
    let files = files_under(&dir);
    assert!(
        files.len() > 100,
        "{} holds {} files",
        dir.display(),
        files.len()
    );
    let mut total = CertStats::default();
    let mut report = Report::default();
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(file)
            .display()
            .to_string();
        let mut sink = |_: tigr_model::batch::Batch| {};
        let mut own = Report::default();
        let stats = read_certificates(&bytes[..], &name, &mut sink, &mut own).expect("read");
        // Every certificate block is an entity or a counted reject, never silently lost.
        let blocks = bytes
            .windows(b"-----BEGIN CERTIFICATE-----".len())
            .filter(|w| w == b"-----BEGIN CERTIFICATE-----")
            .count() as u64;
        assert!(
            stats.certificates + stats.rejected >= blocks,
            "{name}: {blocks} certificate blocks, {stats:?}"
        );
        assert_eq!(stats.rejected, own.rejected(), "{name}");
        // TIGR_X509_CORPUS_LIST=1 lists the rejects (a few per file) to review what the corpus holds.
        if std::env::var_os("TIGR_X509_CORPUS_LIST").is_some() {
            for r in &own.samples {
                eprintln!("REJECT {r}");
            }
        }
        total.add(stats);
        report.merge(own);
    }
    eprintln!(
        "{} ({} files): {total:?}\n{report}",
        dir.display(),
        files.len()
    );
    // Spot checks both ways: real certificates of several kinds import; a known-bad one is a reject.
    for (file, certificates) in [
        ("cryptography.io.pem", 1),
        ("cryptography.io.chain.pem", 2),
        ("cryptography.io.with_headers.pem", 1),
        ("letsencryptx3.pem", 1),
        ("v1_cert.pem", 1),
        ("utf8-dnsname.pem", 1),
        ("san_x400address.der", 1),
        ("e-trust.ru.der", 1),
        ("badasn1time.pem", 0),
    ] {
        let bytes = std::fs::read(dir.join(file)).expect(file);
        let (got, report, stats) = import(&bytes, file);
        assert_eq!(got.len(), certificates, "{file}: {report}");
        assert_eq!(
            stats.rejected,
            1 - certificates.min(1) as u64,
            "{file}: {report}"
        );
    }
    assert!(total.certificates > 200, "{total:?}");
    assert!(
        total.rejected > 0,
        "the corpus holds malformed certificates: {total:?}"
    );
}
