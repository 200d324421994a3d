//! `tigr ingest x509` end to end: a directory of certificates (good, bundled and malformed) is imported with the
//! right counts and reject messages, and a running `tigr serve` answers the certificates by id and by the `$search`
//! forms Graph documents (`sha1:`, `fingerprint:`, `serialNumber:`, `subject/commonName:`, `name:`).

mod common;

use serde_json::Value;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tigr(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tigr"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run tigr")
}

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/data/x509")
}

#[test]
fn ingest_x509_then_get_and_search() {
    let data = tempfile::tempdir().unwrap();
    let out = tigr(
        data.path(),
        &["ingest", "x509", vectors().to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // full, utf8.der, negative-serial, chain (2), bundle (2), the good block of malformed.pem.
    assert!(
        err.contains(
            "x509: 8 certificates, 5 rejected, 2 other PEM blocks skipped; accepted 8, rejected 5"
        ),
        "{err}"
    );
    assert!(
        err.contains("malformed.pem: certificate 1 (line 1): bad base64"),
        "{err}"
    );

    let expected: Value =
        serde_json::from_slice(&std::fs::read(vectors().join("expected.json")).unwrap()).unwrap();
    let full = &expected["full.pem"][0];
    let id = full["id"].as_str().unwrap();
    let sha1 = full["sha1"].as_str().unwrap();

    let server = common::Served::start(data.path());
    let base = "/v1.0/security/threatIntelligence/sslCertificates";
    let (status, got) = server.get(&format!("{base}/{}", id.replace('=', "%3D")));
    assert_eq!(status, 200, "{got}");
    for key in [
        "id",
        "sha1",
        "fingerprint",
        "serialNumber",
        "issueDateTime",
        "expirationDateTime",
    ] {
        assert_eq!(got[key], full[key], "{key}");
    }
    assert_eq!(got["subject"]["commonName"], "www.contoso.example");
    assert_eq!(got["subject"]["address"]["city"], "Redmond");
    assert_eq!(
        got["subject"]["alternateNames"],
        full["subject"]["alternateNames"]
    );
    assert_eq!(got["issuer"]["alternateNames"][0], "ca.contoso.example");

    let fingerprint_without_colons = full["fingerprint"].as_str().unwrap().replace(':', "");
    let serial = full["serialNumber"].as_str().unwrap();
    for search in [
        format!("sha1:{sha1}"),
        format!("fingerprint:{fingerprint_without_colons}"),
        format!("serialNumber:{serial}"),
        "subject/commonName:www.contoso.example".to_owned(),
        "name:contoso.example".to_owned(),
        "subject/organizationName:Contoso Ltd".to_owned(),
    ] {
        let query = format!(
            "{base}?$search=%22{}%22",
            search.replace(' ', "%20").replace(':', "%3A")
        );
        let (status, got) = server.get(&query);
        assert_eq!(status, 200, "{search}: {got}");
        let ids: Vec<&str> = got["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(ids, [id], "{search}");
    }
    // The CA and its leaf share an issuer: a search on it finds both.
    let (_, got) = server.get(&format!(
        "{base}?$search=%22issuer/commonName%3ATigr%20Test%20CA%22"
    ));
    assert_eq!(got["value"].as_array().unwrap().len(), 2, "{got}");
}

#[test]
fn unreadable_paths_fail_the_command() {
    let data = tempfile::tempdir().unwrap();
    let out = tigr(data.path(), &["ingest", "x509", "/nonexistent/certs"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/certs"));
}
