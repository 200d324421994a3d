//! Hosts' services from a real scan: nginx (a redirect, and a TLS site with an openssl-made certificate, cookies, a
//! generator tag, tracker snippets and cross-site scripts) and OpenSSH on 127.0.0.1, scanned by real `nmap -sV` with
//! the service scripts, twice (sshd stopped before the rescan). `tigr ingest nmap` of both scans must make the API
//! answer exactly the expected ports, banners, components, cookies, trackers, host pairs and certificate, the
//! certificate's fields as `openssl x509` reads them.
//!
//! Needs nginx, sshd, ssh-keygen, nmap and openssl, and root (sshd's privilege separation); scripts/install-test-deps.sh
//! installs them. Without them the test says so and passes, except under `CI=true`, where it fails.

mod common;

use common::{Running, Served, free_port, missing_programs, run, skip_without, wait_for};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;

const ROOT: &str = "/v1.0/security/threatIntelligence";

const PAGE: &str = r#"<!doctype html>
<html><head><title>Tigr Test Shop</title>
<meta name="generator" content="WordPress 6.4.2">
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
<script src="https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js"></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=UA-1234567-1"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
gtag('js', new Date()); gtag('config', 'UA-1234567-1');</script>
<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1234567890123456"></script>
</head><body><h1>Shop</h1><a href="https://partner.example.org/">partner</a></body></html>
"#;

/// The nmap scripts the scan runs: those `tigr ingest nmap` reads.
const SCRIPTS: &str = "banner,http-headers,http-server-header,http-title,ssl-cert,http-cookie-flags,ssh-hostkey,\
                       http-generator,http-affiliate-id,http-referer-checker";

fn nginx_conf(d: &Path, http: u16, tls: u16) -> String {
    let d = d.display();
    format!(
        "user root root;
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {d}/tmp/body; proxy_temp_path {d}/tmp/proxy; fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi; scgi_temp_path {d}/tmp/scgi;
  types {{ text/html html; }}
  server {{
    listen 127.0.0.1:{http};
    server_name shop.tigr.test;
    return 301 https://shop.tigr.test:{tls}/;
  }}
  server {{
    listen 127.0.0.1:{tls} ssl;
    server_name shop.tigr.test;
    ssl_certificate {d}/cert.pem;
    ssl_certificate_key {d}/key.pem;
    root {d}/www;
    add_header Set-Cookie \"shop_session=abc123; Path=/; HttpOnly\";
    add_header Set-Cookie \"visitor=1; Domain=tigr.test; Path=/\";
    add_header X-Powered-By \"PHP/8.2.7\";
  }}
}}
"
    )
}

fn nmap(d: &Path, ports: &str, out: &str) {
    run(Command::new("nmap")
        .args(["-sV", "-Pn", "-n", "-p", ports, "--script", SCRIPTS, "-oX"])
        .arg(d.join(out))
        .arg("127.0.0.1"));
}

/// `tigr ingest nmap` of scans in `d`: its summary.
fn ingest_nmap(d: &Path, scans: &[&str]) -> String {
    let out = run(Command::new(env!("CARGO_BIN_EXE_tigr"))
        .arg("--data")
        .arg(d.join("data"))
        .args(["ingest", "nmap", "--no-progress"])
        .args(scans.iter().map(|s| d.join(s))));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `openssl x509` of the certificate: `field=value` lines.
fn openssl_field(cert: &Path, flag: &str) -> String {
    let out = run(Command::new("openssl")
        .args(["x509", "-noout", flag, "-in"])
        .arg(cert));
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    text.split_once('=')
        .map_or(text.clone(), |(_, v)| v.to_owned())
}

fn first_line(port: u16) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to sshd");
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("read the banner");
    line.trim_end().to_owned()
}

/// From `ssh -V` (`OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL …`): the OpenSSH version nmap and the rules must
/// report, and the Debian release its package revision names (`deb12` → `12`), which the banner rules read.
fn openssh_version() -> (String, Option<String>) {
    let out = run(Command::new("ssh").arg("-V"));
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let word = text.split([' ', ',']).next().unwrap_or_default();
    let debian = text.split("+deb").nth(1).map(|rest| {
        rest.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    });
    (
        word.trim_start_matches("OpenSSH_").to_owned(),
        debian.filter(|d| !d.is_empty()),
    )
}

fn nginx_version() -> String {
    let out = run(Command::new("nginx").arg("-v"));
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn real_nmap_scan_of_nginx_and_openssh() {
    let missing = missing_programs(
        &[
            "nginx",
            "/usr/sbin/sshd",
            "ssh-keygen",
            "ssh",
            "nmap",
            "openssl",
        ],
        Some("root (for sshd's privilege separation)"),
    );
    if skip_without("real_scan", &missing) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // nginx's workers and sshd read these as other users.
    run(Command::new("chmod").arg("755").arg(d));
    std::fs::create_dir_all(d.join("www")).expect("www");
    std::fs::create_dir_all(d.join("tmp")).expect("tmp");
    std::fs::create_dir_all("/run/sshd").expect("sshd's privilege separation directory");
    std::fs::write(d.join("www/index.html"), PAGE).expect("page");
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
        ])
        .args(["-subj", "/CN=shop.tigr.test/O=Tigr Test Shop"])
        .args([
            "-addext",
            "subjectAltName=DNS:shop.tigr.test,DNS:www.shop.tigr.test",
        ])
        .arg("-keyout")
        .arg(d.join("key.pem"))
        .arg("-out")
        .arg(d.join("cert.pem")));
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(d.join("hostkey")));
    let (http, tls, ssh, closed) = (free_port(), free_port(), free_port(), free_port());
    std::fs::write(d.join("nginx.conf"), nginx_conf(d, http, tls)).expect("nginx.conf");
    std::fs::write(
        d.join("sshd_config"),
        format!(
            "ListenAddress 127.0.0.1\nPort {ssh}\nHostKey {}\nPidFile {}\nUsePAM no\n",
            d.join("hostkey").display(),
            d.join("sshd.pid").display()
        ),
    )
    .expect("sshd_config");
    let _nginx = Running::start(
        "nginx",
        Command::new("nginx").arg("-c").arg(d.join("nginx.conf")),
        &d.join("nginx.log"),
    );
    let sshd = Running::start(
        "sshd",
        Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config")),
        &d.join("sshd.log"),
    );
    for port in [http, tls, ssh] {
        wait_for("nginx and sshd", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    }
    let ssh_banner = first_line(ssh);
    let ports = format!("{http},{tls},{ssh},{closed}");
    nmap(d, &ports, "scan1.xml");
    // The rescan: sshd is gone, the rest is unchanged.
    sshd.terminate();
    wait_for("sshd to stop", || {
        TcpStream::connect(("127.0.0.1", ssh)).is_err()
    });
    nmap(d, &ports, "scan2.xml");

    let log = ingest_nmap(d, &["scan1.xml", "scan2.xml"]);
    // Each scan reports the four ports of one host, and nothing is rejected.
    assert!(
        log.contains("total: 8 ports of 2 hosts (0 rejected)"),
        "{log}"
    );

    let api = Served::start(&d.join("data"));
    let host = "/hosts/127.0.0.1";

    // Ports: the three that were ever open; the closed one is no resource. sshd's port is closed since the rescan.
    let ports = api.items(&format!("{host}/ports?$orderby=port"));
    let summary: BTreeSet<(u64, String, u64)> = ports
        .iter()
        .map(|p| {
            (
                p["port"].as_u64().unwrap(),
                p["status"].as_str().unwrap().to_owned(),
                p["timesObserved"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: BTreeSet<(u64, String, u64)> = [
        (u64::from(http), "open".to_owned(), 2),
        (u64::from(tls), "open".to_owned(), 2),
        (u64::from(ssh), "closed".to_owned(), 1),
    ]
    .into();
    assert_eq!(summary, expected, "{ports:#?}");
    let port = |n: u16| ports.iter().find(|p| p["port"] == n).expect("port").clone();

    // Banners: what sshd said, as the banner script read it.
    let ssh_port = port(ssh);
    let banners: Vec<(&str, &str)> = ssh_port["banners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["scanProtocol"].as_str().unwrap(),
                b["banner"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(banners, [("banner", ssh_banner.as_str())]);
    assert!(ssh_port["lastScanDateTime"].as_str() > ssh_port["lastSeenDateTime"].as_str());

    // Components per port and per host.
    let (nginx, (openssh, debian)) = (nginx_version(), openssh_version());
    let names = |services: &Value| -> BTreeSet<(String, String)> {
        services
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let c = &s["component"];
                (
                    c["name"].as_str().unwrap().to_owned(),
                    c["version"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let owned = |items: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        items
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    };
    let mut ssh_services = vec![("OpenSSH", openssh.as_str()), ("Linux", "")];
    if let Some(debian) = &debian {
        ssh_services.push(("Debian", debian.as_str()));
    }
    assert_eq!(
        names(&port(http)["services"]),
        owned(&[("nginx", nginx.as_str())])
    );
    assert_eq!(
        names(&port(tls)["services"]),
        owned(&[
            ("nginx", nginx.as_str()),
            ("PHP", "8.2.7"),
            ("WordPress", "6.4.2")
        ])
    );
    assert_eq!(names(&ssh_port["services"]), owned(&ssh_services));
    let components: BTreeSet<(String, String, String)> = api
        .items(&format!("{host}/components"))
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["version"].as_str().unwrap_or("").to_owned(),
                c["category"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut expected = vec![
        ("nginx", nginx.as_str(), "Server"),
        ("OpenSSH", openssh.as_str(), "Remote Access"),
        ("Linux", "", "Operating System"),
        ("PHP", "8.2.7", "Programming Language"),
        ("WordPress", "6.4.2", "CMS"),
    ];
    if let Some(debian) = &debian {
        expected.push(("Debian", debian.as_str(), "Operating System"));
    }
    let expected: BTreeSet<(String, String, String)> = expected
        .iter()
        .map(|(n, v, c)| (n.to_string(), v.to_string(), c.to_string()))
        .collect();
    assert_eq!(components, expected);

    // Cookies, as Set-Cookie sent them (the domain defaults to the host that set it).
    let cookies: BTreeSet<(String, String)> = api
        .items(&format!("{host}/cookies"))
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["domain"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        cookies,
        [
            ("shop_session".to_owned(), "127.0.0.1".to_owned()),
            ("visitor".to_owned(), "tigr.test".to_owned())
        ]
        .into()
    );

    // Trackers from the page's snippets.
    let trackers: BTreeSet<(String, String)> = api
        .items(&format!("{host}/trackers"))
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        trackers,
        [
            (
                "GoogleAdSenseID".to_owned(),
                "ca-pub-1234567890123456".to_owned()
            ),
            ("GoogleAnalyticsID".to_owned(), "UA-1234567-1".to_owned()),
            ("SshHostKeyFingerprint".to_owned(), ssh_fingerprint(d)),
        ]
        .into()
    );

    // Host pairs: the redirect, and the page's scripts on other sites.
    let pairs: BTreeSet<(String, String, String)> = api
        .items(&format!("{host}/childHostPairs"))
        .iter()
        .map(|p| {
            (
                p["linkKind"].as_str().unwrap().to_owned(),
                p["parentHost"]["id"].as_str().unwrap().to_owned(),
                p["childHost"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pair = |k: &str, c: &str| (k.to_owned(), "127.0.0.1".to_owned(), c.to_owned());
    assert_eq!(
        pairs,
        [
            pair("finalRedirect", "shop.tigr.test"),
            pair("redirect", "shop.tigr.test"),
            pair("script", "cdn.jsdelivr.net"),
            pair("script", "pagead2.googlesyndication.com"),
            pair("script", "www.googletagmanager.com"),
        ]
        .into()
    );
    let parents = api.items("/hosts/shop.tigr.test/parentHostPairs");
    assert_eq!(parents.len(), 2, "{parents:#?}");
    for pair in &parents {
        let id = pair["id"].as_str().unwrap();
        let (status, body) = api.get(&format!("{ROOT}/hostPairs/{id}"));
        assert_eq!(
            (status, &body["linkKind"]),
            (200, &pair["linkKind"]),
            "{body}"
        );
    }

    // The certificate: on the TLS port, on the host, and with the fields openssl reads.
    let cert_path = d.join("cert.pem");
    let sha1 = openssl_field(&cert_path, "-fingerprint")
        .replace(':', "")
        .to_lowercase();
    let tls_port = port(tls);
    let cert_id = tls_port["mostRecentSslCertificate"]["id"]
        .as_str()
        .expect("certificate")
        .to_owned();
    let host_certs = api.items(&format!("{host}/sslCertificates"));
    assert_eq!(host_certs.len(), 1, "{host_certs:#?}");
    let hc = &host_certs[0];
    assert_eq!(hc["sslCertificate"]["id"], cert_id.as_str());
    let hc_ports: Vec<u64> = hc["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(hc_ports, [u64::from(tls)]);
    let cert = &hc["sslCertificate"];
    assert_eq!(
        cert["sha1"].as_str().map(str::to_lowercase),
        Some(sha1.clone())
    );
    // The schema's serial is decimal (as the documented examples are); openssl prints it in hex.
    let serial = hex_to_decimal(&openssl_field(&cert_path, "-serial"));
    assert_eq!(cert["serialNumber"], serial.as_str());
    assert_eq!(cert["subject"]["commonName"], "shop.tigr.test");
    assert_eq!(cert["subject"]["organizationName"], "Tigr Test Shop");
    assert_eq!(cert["issuer"]["commonName"], "shop.tigr.test");
    let sans: BTreeSet<&str> = cert["subject"]["alternateNames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(sans, ["shop.tigr.test", "www.shop.tigr.test"].into());
    let not_after = openssl_date(&openssl_field(&cert_path, "-enddate"));
    assert_eq!(cert["expirationDateTime"], not_after.as_str());
    let related = api.items(&format!("/sslCertificates/{cert_id}/relatedHosts"));
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], "127.0.0.1");
    let (status, expanded) = api.get(&format!(
        "{ROOT}/hostPorts/{}?$expand=mostRecentSslCertificate",
        tls_port["id"].as_str().unwrap()
    ));
    assert_eq!(status, 200);
    assert_eq!(
        expanded["mostRecentSslCertificate"]["sha1"]
            .as_str()
            .map(str::to_lowercase),
        Some(sha1)
    );
}

/// The ED25519 host key as a tracker value: its SHA-256 (`ssh-keygen -l -E sha256`, base64) in hex, which tigr
/// computes from the key nmap's ssh-hostkey reports.
fn ssh_fingerprint(d: &Path) -> String {
    use base64::Engine as _;
    let out = run(Command::new("ssh-keygen")
        .args(["-E", "sha256", "-l", "-f"])
        .arg(d.join("hostkey.pub")));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let b64 = text
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .trim_start_matches("SHA256:");
    let digest = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(b64)
        .expect("base64 fingerprint");
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("ssh-ed25519:sha256:{hex}")
}

/// A non-negative hexadecimal number in decimal.
fn hex_to_decimal(hex: &str) -> String {
    let mut digits = vec![0u32]; // little-endian decimal digits
    for h in hex.chars() {
        let mut carry = h.to_digit(16).expect("hex digit");
        for d in &mut digits {
            let v = *d * 16 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push(carry % 10);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits
        .iter()
        .rev()
        .map(|d| char::from_digit(*d, 10).expect("digit"))
        .collect()
}

/// `Nov 25 10:15:01 2027 GMT` → `2027-11-25T10:15:01Z`.
fn openssl_date(text: &str) -> String {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])
    .expect("month")
        + 1;
    format!(
        "{}-{month:02}-{:02}T{}Z",
        parts[3],
        parts[1].parse::<u32>().expect("day"),
        parts[2]
    )
}
