//! Scanner commands end to end: masscan list output (banners, a broken line) and zgrab2 NDJSON (http with cookies,
//! a tracker and a TLS certificate; a failed module; a broken line) through `tigr ingest`, answered by `tigr serve`.

mod common;

use common::{Served, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const MASSCAN_LIST: &str = "#masscan
open tcp 22 192.0.2.50 1700000000
banner tcp 22 192.0.2.50 1700000001 ssh SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6
open tcp 80 192.0.2.50 1700000000
banner tcp 80 192.0.2.50 1700000002 http HTTP/1.1 200 OK\\x0d\\x0aServer: Apache/2.4.52 (Ubuntu)\\x0d\\x0aSet-Cookie: PHPSESSID=abc; path=/\\x0d\\x0a\\x0d\\x0a
open tcp 99999 192.0.2.50 1700000000
this is not masscan
# end
";

/// The leaf of the committed test chain, base64 DER as zgrab2 writes `raw`.
fn leaf_base64() -> String {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ingest/tests/data/x509/chain.pem"
    ))
    .expect("committed chain");
    pem.lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect()
}

fn zgrab2_lines() -> String {
    let leaf = leaf_base64();
    let body = r#"<html><head><script>(function(w,d,s,l,i){})(window,document,'script','dataLayer','GTM-ABC1234');</script></head><body>shop</body></html>"#;
    let http = format!(
        r#"{{"status":"success","protocol":"http","timestamp":"2024-05-15T10:00:00Z","result":{{"response":{{"status_line":"200 OK","status_code":200,"protocol":{{"name":"HTTP/1.1"}},"headers":{{"server":["nginx"],"set_cookie":["cart=1; Domain=shop.example.org; Path=/"]}},"body":{body:?},"request":{{"url":{{"scheme":"https","host":"www.example.org","path":"/"}},"method":"GET","tls_log":{{"handshake_log":{{"server_certificates":{{"certificate":{{"raw":"{leaf}"}},"chain":[]}}}}}}}}}}}}}}"#
    );
    let failed = r#"{"status":"connection-timeout","protocol":"ssh","timestamp":"2024-05-15T10:00:01Z","error":"dial tcp: i/o timeout"}"#;
    format!(
        "{{\"ip\":\"192.0.2.60\",\"domain\":\"www.example.org\",\"data\":{{\"http\":{http},\"ssh\":{failed}}}}}\n{{\"ip\": broken\n"
    )
}

fn ingest(d: &Path, format: &str, file: &str, text: &str) -> String {
    let path = d.join(file);
    std::fs::write(&path, text).expect("input");
    let out = run(Command::new(env!("CARGO_BIN_EXE_tigr"))
        .arg("--data")
        .arg(d.join("data"))
        .args(["ingest", format, "--no-progress"])
        .arg(&path));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn strings(values: &[Value], fields: &[&str]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| {
            fields
                .iter()
                .map(|f| {
                    f.split('/')
                        .fold(v, |v, k| &v[k])
                        .as_str()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn masscan_and_zgrab2_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();

    let log = ingest(d, "masscan", "scan.lst", MASSCAN_LIST);
    assert!(
        log.contains("total: 4 ports of 1 hosts (2 rejected)"),
        "{log}"
    );
    assert!(
        log.contains("scan.lst: line 6"),
        "the bad port is named: {log}"
    );
    assert!(
        log.contains("scan.lst: line 7"),
        "the bad line is named: {log}"
    );

    let log = ingest(d, "zgrab2", "grab.ndjson", &zgrab2_lines());
    assert!(
        log.contains("total: 1 ports of 1 hosts (1 rejected)"),
        "{log}"
    );
    assert!(log.contains("grab.ndjson: line 2"), "{log}");

    let api = Served::start(&d.join("data"));

    // masscan: a port's status and banner records are one sighting each.
    let ports = api.items("/hosts/192.0.2.50/ports");
    assert_eq!(strings(&ports, &["status"]).len(), 1);
    let summary: BTreeSet<(u64, u64, usize)> = ports
        .iter()
        .map(|p| {
            (
                p["port"].as_u64().unwrap(),
                p["timesObserved"].as_u64().unwrap(),
                p["banners"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(summary, [(22, 1, 1), (80, 1, 1)].into());
    let banners: Vec<Value> = ports
        .iter()
        .flat_map(|p| p["banners"].as_array().unwrap().clone())
        .collect();
    assert!(
        strings(&banners, &["scanProtocol", "banner"])
            .contains("ssh SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6"),
        "{banners:#?}"
    );
    let components = strings(
        &api.items("/hosts/192.0.2.50/components"),
        &["name", "version"],
    );
    for expected in ["OpenSSH 8.9p1", "Apache HTTP Server 2.4.52", "Ubuntu "] {
        assert!(
            components.contains(expected),
            "{expected} not in {components:?}"
        );
    }
    assert_eq!(
        strings(&api.items("/hosts/192.0.2.50/cookies"), &["name", "domain"]),
        ["PHPSESSID 192.0.2.50".to_owned()].into()
    );

    // zgrab2: the web findings belong to the address and to the scanned name.
    for host in ["192.0.2.60", "www.example.org"] {
        assert_eq!(
            strings(
                &api.items(&format!("/hosts/{host}/cookies")),
                &["name", "domain"]
            ),
            ["cart shop.example.org".to_owned()].into(),
            "{host}"
        );
        assert_eq!(
            strings(
                &api.items(&format!("/hosts/{host}/trackers")),
                &["kind", "value"]
            ),
            ["GoogleTagManagerID GTM-ABC1234".to_owned()].into(),
            "{host}"
        );
        let certs = api.items(&format!("/hosts/{host}/sslCertificates"));
        assert_eq!(
            strings(&certs, &["sslCertificate/subject/commonName"]),
            ["leaf.example".to_owned()].into(),
            "{host}"
        );
    }
    // Every derived resource is also reachable by its id under its root collection (host pairs: real_scan.rs).
    for (nav, root) in [
        ("ports", "hostPorts"),
        ("components", "hostComponents"),
        ("cookies", "hostCookies"),
        ("trackers", "hostTrackers"),
        ("sslCertificates", "hostSslCertificates"),
    ] {
        let found = api.items(&format!("/hosts/192.0.2.60/{nav}"));
        assert!(!found.is_empty(), "{nav}");
        for item in found {
            let id = item["id"].as_str().unwrap();
            let (status, body) = api.get(&format!("/v1.0/security/threatIntelligence/{root}/{id}"));
            assert_eq!(
                (status, &body["id"]),
                (200, &item["id"]),
                "{root}/{id}: {body}"
            );
        }
    }
    let ports = api.items("/hosts/192.0.2.60/ports");
    assert_eq!(strings(&ports, &["status"]), ["open".to_owned()].into());
    assert_eq!(ports[0]["port"], 443);
    let cert_id = ports[0]["mostRecentSslCertificate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let related = strings(
        &api.items(&format!("/sslCertificates/{cert_id}/relatedHosts")),
        &["id"],
    );
    assert_eq!(
        related,
        ["192.0.2.60".to_owned(), "www.example.org".to_owned()].into()
    );
}
