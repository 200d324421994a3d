//! `tigr ingest x509` end to end: a directory of certificates (good, bundled and malformed) is imported with the
//! right counts and reject messages, and a running `tigr serve` answers the certificates by id and by the `$search`
//! forms Graph documents (`sha1:`, `fingerprint:`, `serialNumber:`, `subject/commonName:`, `name:`).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

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

/// `tigr serve` on a free loopback port; killed on drop.
struct Server {
    child: Child,
    addr: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path) -> Server {
        let token = String::from_utf8(tigr(data, &["token"]).stdout)
            .expect("token")
            .trim()
            .to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tigr"))
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tigr serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).expect("read stderr") > 0,
                "tigr serve exited"
            );
            if let Some(rest) = line.split("serving http://").nth(1) {
                break rest.split('/').next().expect("address").to_owned();
            }
        };
        // Keep draining the server's log so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Server { child, addr, token }
    }

    /// GET over HTTP/1.1; returns the status and the body as JSON.
    fn get(&self, path_and_query: &str) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        write!(
            stream,
            "GET {path_and_query} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            self.addr, self.token
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("receive");
        let text = String::from_utf8(raw).expect("utf-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("headers");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (
            status,
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")),
        )
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
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

    let server = Server::start(data.path());
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
