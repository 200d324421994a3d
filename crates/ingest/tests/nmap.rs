//! The nmap XML reader on small hand-written vectors (`tests/data/nmap/vectors/*.xml`, each with the `.expected`
//! rendering of what it produces), on a real nmap run against local services, and at its size limits.
//!
//! `UPDATE_EXPECTED=1 cargo test -p tigr-ingest --test nmap` rewrites the `.expected` files; review the diff.

use base64::Engine as _;
use sha1::{Digest, Sha1};
use std::fmt::Write as _;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use tigr_ingest::report::Reject;
use tigr_ingest::scan::nmap::{MAX_EVENT_BYTES, NmapStats, read_nmap, reasons};
use tigr_ingest::scan::{CollectedScan, HostScanned, PortReport, PortState, ScanSink, Transport};

/// A sink that renders what it gets as text, in call order.
#[derive(Default)]
struct Rendered(String);

impl ScanSink for Rendered {
    fn port(&mut self, report: PortReport) {
        render_port(&mut self.0, &report);
    }
    fn host_scanned(&mut self, scanned: HostScanned) {
        let ranges: Vec<String> = scanned
            .ports
            .iter()
            .map(|(low, high)| {
                if low == high {
                    format!("{low}")
                } else {
                    format!("{low}-{high}")
                }
            })
            .collect();
        let unlisted = scanned.unlisted.map_or("unknown", PortState::as_str);
        writeln!(
            self.0,
            "scanned {} {} {} unlisted={unlisted} t={}",
            scanned.address,
            scanned.transport.as_str(),
            ranges.join(","),
            scanned.time
        )
        .unwrap();
    }
    fn reject(&mut self, reason: &'static str, reject: Reject) {
        writeln!(
            self.0,
            "reject {reason:?} at {:?}: {}",
            reject.location, reject.message
        )
        .unwrap();
        assert_eq!(reject.source, "test");
    }
}

fn render_port(out: &mut String, report: &PortReport) {
    writeln!(
        out,
        "port {} {}/{} {} t={} names={:?}",
        report.address,
        report.port,
        report.transport.as_str(),
        report.state.as_str(),
        report.time,
        report.names
    )
    .unwrap();
    if let Some(s) = &report.service {
        writeln!(
            out,
            "  service {:?} product={:?} version={:?} extra={:?} tunnel={:?} cpes={:?}",
            s.name, s.product, s.version, s.extra_info, s.tunnel, s.cpes
        )
        .unwrap();
    }
    for banner in &report.banners {
        writeln!(out, "  banner {} {:?}", banner.scan_protocol, banner.text).unwrap();
    }
    for http in &report.http {
        writeln!(
            out,
            "  http url={:?} status={:?} title={:?} generator={:?} redirects={:?} cookies={:?} body={:?}",
            http.url, http.status, http.title, http.generator, http.redirects, http.cookie_names, http.body
        )
        .unwrap();
        for (name, value) in &http.headers {
            writeln!(out, "    {name:?}: {value:?}").unwrap();
        }
    }
    for der in &report.certificates {
        writeln!(
            out,
            "  certificate {} bytes sha1 {}",
            der.len(),
            sha1_hex(der)
        )
        .unwrap();
    }
    for key in &report.ssh_host_keys {
        writeln!(
            out,
            "  ssh-host-key {} {} bits={:?}",
            key.key_type, key.fingerprint, key.bits
        )
        .unwrap();
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn render_stats(stats: &NmapStats) -> String {
    format!(
        "stats bytes={} hosts={} down={} ports={} scans={} skipped={} rejects={}\n",
        stats.bytes,
        stats.hosts,
        stats.hosts_down,
        stats.ports,
        stats.host_scans,
        stats.skipped_ports,
        stats.rejects
    )
}

/// Reads `input` whole, then through tiny read buffers (results must not depend on where reads split), checks
/// that the stats match what the sink got, and returns the rendering.
fn check(input: &[u8]) -> String {
    let mut rendered = Rendered::default();
    let stats = read_nmap(input, "test", &mut rendered).expect("reading a slice cannot fail");
    let mut collected = CollectedScan::default();
    let again = read_nmap(input, "test", &mut collected).unwrap();
    assert_eq!(again, stats);
    assert_eq!(stats.ports, collected.ports.len() as u64);
    assert_eq!(stats.host_scans, collected.hosts.len() as u64);
    assert_eq!(stats.rejects, collected.rejects.len() as u64);
    assert!(stats.bytes <= input.len() as u64);
    for capacity in [1, 2, 7, 64] {
        let mut chunked = Rendered::default();
        let chunked_stats = read_nmap(
            BufReader::with_capacity(capacity, input),
            "test",
            &mut chunked,
        )
        .unwrap();
        assert_eq!(chunked_stats, stats, "capacity {capacity}");
        assert_eq!(chunked.0, rendered.0, "capacity {capacity}");
    }
    rendered.0 + &render_stats(&stats)
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nmap")
}

#[test]
fn vectors() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data_dir().join("vectors"))
        .expect("vectors directory")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "xml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "vectors found: {}", paths.len());
    let mut failures = Vec::new();
    for path in paths {
        let actual = check(&std::fs::read(&path).unwrap());
        let expected_path = path.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "=== {}\n--- expected\n{expected}--- actual\n{actual}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Real nmap 7.93 output of local services (see `tests/data/nmap/README.md`).
#[test]
fn real_nmap_run() {
    let xml = std::fs::read(data_dir().join("localhost-sV.xml")).unwrap();
    check(&xml);
    let mut scan = CollectedScan::default();
    let stats = read_nmap(&xml[..], "localhost-sV.xml", &mut scan).unwrap();
    assert_eq!(scan.rejects, []);
    assert_eq!(
        (
            stats.hosts,
            stats.hosts_down,
            stats.ports,
            stats.host_scans,
            stats.rejects
        ),
        (1, 0, 5, 2, 0)
    );
    let time = 1_795_601_734_000_000;

    // Coverage: what was probed, and that the unlisted ports were closed (TCP resets, ICMP port unreachable).
    assert_eq!(
        scan.hosts,
        [
            HostScanned {
                address: "127.0.0.1".into(),
                time,
                transport: Transport::Tcp,
                ports: vec![(40000, 40099), (40443, 40443)],
                unlisted: Some(PortState::Closed),
            },
            HostScanned {
                address: "127.0.0.1".into(),
                time,
                transport: Transport::Udp,
                ports: vec![(40053, 40053)],
                unlisted: Some(PortState::Closed),
            },
        ]
    );
    let ports: Vec<u16> = scan.ports.iter().map(|p| p.port).collect();
    assert_eq!(ports, [40021, 40022, 40080, 40081, 40443]);
    for port in &scan.ports {
        assert_eq!(port.address, "127.0.0.1");
        assert_eq!(port.names, ["localhost"]);
        assert_eq!(
            (port.transport, port.state, port.time),
            (Transport::Tcp, PortState::Open, time)
        );
    }

    // 40021: unrecognised; the service guess is dropped, the fingerprint and the banner are kept.
    let banner_port = &scan.ports[0];
    assert_eq!(banner_port.service, None);
    assert_eq!(banner_port.banners.len(), 2);
    assert_eq!(banner_port.banners[0].scan_protocol, "nmap-servicefp");
    assert!(banner_port.banners[0].text.starts_with(
        r#"SF-Port40021-TCP:V=7.93%I=7%D=11/25%Time=6B06B511%P=x86_64-pc-linux-gnu%r(NULL,16,"220\x20tigr"#
    ));
    assert_eq!(banner_port.banners[1].scan_protocol, "banner");
    assert_eq!(banner_port.banners[1].text, "220 tigr caf\u{e9}\tready");

    // 40022: OpenSSH with two host keys.
    let ssh = &scan.ports[1];
    let service = ssh.service.as_ref().unwrap();
    assert_eq!(service.name, "ssh");
    assert_eq!(service.product.as_deref(), Some("OpenSSH"));
    assert_eq!(service.version.as_deref(), Some("9.2p1 Debian 2+deb12u10"));
    assert_eq!(service.extra_info.as_deref(), Some("protocol 2.0"));
    assert_eq!(
        service.cpes,
        ["cpe:/a:openbsd:openssh:9.2p1", "cpe:/o:linux:linux_kernel"]
    );
    assert_eq!(service.tunnel, None);
    let keys: Vec<(&str, &str, Option<u32>)> = ssh
        .ssh_host_keys
        .iter()
        .map(|k| (k.key_type.as_str(), k.fingerprint.as_str(), k.bits))
        .collect();
    assert_eq!(
        keys,
        [
            (
                "ecdsa-sha2-nistp256",
                "69933b619c81cb01bbb40cc6184d63bb",
                Some(256)
            ),
            ("ssh-ed25519", "48e3a1399f704e26df35bf81cd89cf72", Some(256)),
        ]
    );
    assert_eq!(
        ssh.banners[0].text,
        "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"
    );

    // 40080: every HTTP script feeds one response.
    let web = &scan.ports[2];
    let service = web.service.as_ref().unwrap();
    assert_eq!(
        (
            service.name.as_str(),
            service.product.as_deref(),
            service.version.as_deref()
        ),
        ("http", Some("SimpleHTTPServer"), Some("0.6"))
    );
    assert_eq!(service.extra_info.as_deref(), Some("Python 3.11.7"));
    assert_eq!(service.cpes, ["cpe:/a:python:simplehttpserver:0.6"]);
    assert_eq!(web.http.len(), 1);
    let http = &web.http[0];
    assert_eq!(
        http.status, None,
        "nmap's http-headers prints no status line"
    );
    assert_eq!(http.title.as_deref(), Some("tigr test page"));
    assert_eq!(http.generator.as_deref(), Some("TigrPress 1.0"));
    assert_eq!(http.cookie_names, ["PHPSESSID"]);
    assert_eq!(http.redirects, Vec::<String>::new());
    let headers: Vec<(&str, &str)> = http
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        headers,
        [
            ("Server", "SimpleHTTP/0.6 Python/3.11.7"),
            ("Date", "Wed, 25 Nov 2026 10:14:57 GMT"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Set-Cookie", "PHPSESSID=abc123; Path=/"),
            ("X-Tigr", "caf\u{e9}"),
        ]
    );

    // 40081: the redirect nmap did not follow.
    let moved = &scan.ports[3].http[0];
    assert_eq!(moved.redirects, ["http://example.com/moved"]);
    assert_eq!(moved.title, None);
    assert!(
        moved
            .headers
            .contains(&("Location".into(), "http://example.com/moved".into()))
    );
    assert_eq!(
        moved.headers.iter().filter(|(n, _)| n == "Server").count(),
        1
    );

    // 40443: TLS; the certificate is the one the server was given.
    let tls = &scan.ports[4];
    let service = tls.service.as_ref().unwrap();
    assert_eq!(service.tunnel.as_deref(), Some("ssl"));
    assert_eq!(
        service.product.as_deref(),
        Some("OpenSSL s_server -www httpd")
    );
    let pem = std::fs::read_to_string(data_dir().join("localhost-cert.pem")).unwrap();
    let base64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap();
    assert_eq!(tls.certificates.len(), 1);
    assert_eq!(tls.certificates[0], der);
    assert_eq!(
        sha1_hex(&der),
        "34ce29bcf514e8d526fb6a3134b688ad60e737ce",
        "nmap's sha1 elem"
    );
    tigr_ingest::x509::certificate_entity(&der).expect("the certificate parses");
    assert_eq!(
        tls.http[0].headers,
        [("Content-type".to_owned(), "text/html".to_owned())]
    );

    let host_end = xml.windows(7).position(|w| w == b"</host>").unwrap() + 7;
    // Cut anywhere, the run still yields every port that was complete before the cut, and one reject.
    for cut in (0..xml.len()).step_by(97) {
        let mut partial = CollectedScan::default();
        let stats = read_nmap(&xml[..cut], "cut", &mut partial).unwrap();
        assert_eq!(partial.rejects.len(), 1, "cut at {cut}");
        let reason = partial.rejects[0].0;
        assert!(reason == reasons::TRUNCATED, "cut at {cut}: {reason}");
        assert_eq!(stats.bytes, cut as u64);
        if cut < host_end {
            assert_eq!(
                partial.hosts,
                [],
                "no coverage for a cut host, cut at {cut}"
            );
        } else {
            assert_eq!(partial.hosts, scan.hosts, "cut at {cut}");
        }
        assert_eq!(
            partial.ports,
            scan.ports[..partial.ports.len()],
            "cut at {cut}"
        );
    }
}

/// An endless reader: `prefix`, then `fill` forever.
struct Endless {
    prefix: Vec<u8>,
    at: usize,
    fill: u8,
    produced: u64,
}

impl Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        // Give up long after any sane cap: the test fails instead of exhausting memory.
        assert!(
            self.produced < 4 * MAX_EVENT_BYTES as u64,
            "the reader never stopped"
        );
        let mut n = 0;
        while n < out.len() {
            out[n] = self.prefix.get(self.at).copied().unwrap_or(self.fill);
            self.at += 1;
            n += 1;
        }
        self.produced += n as u64;
        Ok(n)
    }
}

fn first_reject(input: impl std::io::BufRead) -> (NmapStats, CollectedScan) {
    let mut scan = CollectedScan::default();
    let stats = read_nmap(input, "test", &mut scan).unwrap();
    (stats, scan)
}

const RUN_WITH_PORT: &str = concat!(
    r#"<nmaprun start="1700000000"><host><status state="up"/><address addr="192.0.2.1" addrtype="ipv4"/>"#,
    r#"<ports><port protocol="tcp" portid="1"><state state="open"/></port>"#,
    r#"<port protocol="tcp" portid="2"><state state="open"/>"#
);

#[test]
fn a_runaway_attribute_is_cut_off() {
    let prefix = format!(r#"{RUN_WITH_PORT}<script id="banner" output=""#).into_bytes();
    let input = Endless {
        prefix,
        at: 0,
        fill: b'A',
        produced: 0,
    };
    let (stats, scan) = first_reject(BufReader::new(input));
    assert_eq!(scan.rejects.len(), 1);
    assert_eq!(scan.rejects[0].0, reasons::TOO_LARGE);
    assert_eq!(scan.ports.len(), 1, "the complete port before it is kept");
    assert!(stats.bytes <= (RUN_WITH_PORT.len() + MAX_EVENT_BYTES + 64) as u64);
}

#[test]
fn runaway_text_is_cut_off() {
    let prefix =
        format!(r#"{RUN_WITH_PORT}<script id="ssl-cert" output=""><elem key="pem">"#).into_bytes();
    let input = Endless {
        prefix,
        at: 0,
        fill: b'A',
        produced: 0,
    };
    let (_, scan) = first_reject(BufReader::new(input));
    assert_eq!(scan.rejects.len(), 1, "{:?}", scan.rejects);
    assert_eq!(scan.rejects[0].0, reasons::TOO_LARGE);
    // Text split into many events (entity references) is bounded by the elem limit instead.
    let mut xml = format!(r#"{RUN_WITH_PORT}<script id="ssl-cert" output=""><elem key="pem">"#);
    for _ in 0..(1 << 20) / 2 {
        xml.push_str("ab&amp;");
    }
    xml.push_str(r#"</elem></script></port></ports></host></nmaprun>"#);
    let (_, scan) = first_reject(xml.as_bytes());
    let rejects: Vec<(&str, &str)> = scan
        .rejects
        .iter()
        .map(|(r, reject)| (*r, reject.location.as_str()))
        .collect();
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0].0, reasons::TOO_LARGE);
    assert!(
        rejects[0]
            .1
            .ends_with("host 192.0.2.1, port 2/tcp, script ssl-cert"),
        "{rejects:?}"
    );
    assert_eq!(scan.ports.len(), 2, "the port survives its script");
}

#[test]
fn deep_nesting_and_long_names_stop_the_run() {
    let deep = format!("{RUN_WITH_PORT}{}", "<x>".repeat(100));
    let (_, scan) = first_reject(deep.as_bytes());
    assert_eq!(scan.rejects.len(), 1);
    assert_eq!(scan.rejects[0].0, reasons::TOO_LARGE);
    assert!(scan.rejects[0].1.message.contains("nested deeper"));
    assert_eq!(scan.ports.len(), 1);

    let long = format!("{RUN_WITH_PORT}<{}/>", "y".repeat(1000));
    let (_, scan) = first_reject(long.as_bytes());
    assert_eq!(scan.rejects[0].0, reasons::TOO_LARGE);
    assert!(scan.rejects[0].1.message.contains("name longer"));
}

#[test]
fn a_large_host_is_emitted_in_parts_with_the_same_result() {
    // 3000 ports with 16 KiB banners each (48 MiB) cross the per-host buffer limit.
    let banner = "B".repeat(16 << 10);
    let mut xml = String::from(
        r#"<nmaprun start="1700000000"><scaninfo protocol="tcp" services="1-3000"/><host><status state="up"/><address addr="192.0.2.1" addrtype="ipv4"/><hostnames><hostname name="big.example" type="user"/></hostnames><ports><extraports state="closed" count="0"/>"#,
    );
    for port in 1..=3000 {
        write!(
            xml,
            r#"<port protocol="tcp" portid="{port}"><state state="open"/><script id="banner" output="{banner}"/></port>"#
        )
        .unwrap();
    }
    xml.push_str("</ports></host></nmaprun>");
    let (stats, scan) = first_reject(xml.as_bytes());
    assert_eq!(scan.rejects, []);
    assert_eq!((stats.hosts, stats.ports, stats.host_scans), (1, 3000, 1));
    assert!(
        scan.ports
            .iter()
            .all(|p| p.names == ["big.example"] && p.banners[0].text.len() == 16 << 10)
    );
    assert_eq!(scan.hosts[0].ports, [(1, 3000)]);
}
