//! Passive DNS from real DNS servers on loopback: NSD serves a test zone, unbound forwards to it and streams dnstap
//! to `tigr sensor dnstap`, tcpdump captures the same traffic; `dig` asks a fixed set of questions. The API must then
//! answer exactly the expected resolutions, reverse resolutions, hosts and subdomains, and `tigr ingest pcap` of the
//! capture must give the same records.
//!
//! Needs nsd, unbound, tcpdump (as root) and dig; scripts/install-test-deps.sh installs them. Without them the test
//! says so and passes, except under `CI=true`, where it fails.

mod common;

use common::{Running, free_port, missing_programs, run, skip_without, wait_for};

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ZONE: &str = "$ORIGIN tigr.test.
$TTL 300
@        IN SOA   ns1.tigr.test. hostmaster.tigr.test. 1 3600 600 86400 300
@        IN NS    ns1.tigr.test.
ns1      IN A     127.0.0.1
www      IN CNAME web.tigr.test.
web      IN CNAME app.tigr.test.
app      IN A     192.0.2.10
app      IN A     192.0.2.11
app      IN AAAA  2001:db8::10
@        IN MX    10 mail.tigr.test.
mail     IN A     192.0.2.25
@        IN TXT   \"v=spf1 mx -all\"
_sip._tcp IN SRV  10 5 5060 sip.tigr.test.
sip      IN A     192.0.2.30
@        IN CAA   0 issue \"letsencrypt.org\"
alias    IN CNAME gone.tigr.test.
Deep.Sub IN A     192.0.2.40
";

const REVERSE_ZONE: &str = "$ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@   IN SOA ns1.tigr.test. hostmaster.tigr.test. 1 3600 600 86400 300
@   IN NS  ns1.tigr.test.
10  IN PTR app.tigr.test.
";

/// (name, type, extra dig flags): every question the test asks.
const QUESTIONS: &[(&str, &str, &str)] = &[
    ("www.tigr.test", "A", ""),
    ("app.tigr.test", "AAAA", ""),
    ("tigr.test", "MX", ""),
    ("tigr.test", "TXT", ""),
    ("_sip._tcp.tigr.test", "SRV", ""),
    ("tigr.test", "CAA", ""),
    ("10.2.0.192.in-addr.arpa", "PTR", ""),
    ("alias.tigr.test", "A", ""),   // CNAME into NXDOMAIN
    ("nothere.tigr.test", "A", ""), // NXDOMAIN: no record at all
    ("tigr.test", "NS", "+tcp"),    // client leg over TCP
    ("DEEP.sub.TIGR.test", "A", ""),
    ("www.tigr.test", "A", ""), // a repeat, answered from unbound's cache
];

/// `name TYPE artifact` of every record the questions must produce.
const EXPECTED_RECORDS: &[&str] = &[
    "10.2.0.192.in-addr.arpa PTR hostname:app.tigr.test",
    "_sip._tcp.tigr.test SRV hostname:sip.tigr.test",
    "alias.tigr.test CNAME hostname:gone.tigr.test",
    "app.tigr.test A ipAddress:192.0.2.10",
    "app.tigr.test A ipAddress:192.0.2.11",
    "app.tigr.test AAAA ipAddress:2001:db8::10",
    "deep.sub.tigr.test A ipAddress:192.0.2.40",
    "tigr.test CAA unclassifiedArtifact:0 issue \"letsencrypt.org\"",
    "tigr.test MX hostname:mail.tigr.test",
    "tigr.test NS hostname:ns1.tigr.test",
    "tigr.test TXT unclassifiedArtifact:\"v=spf1 mx -all\"",
    "web.tigr.test CNAME hostname:app.tigr.test",
    "www.tigr.test CNAME hostname:web.tigr.test",
];

fn tigr_bin() -> &'static str {
    env!("CARGO_BIN_EXE_tigr")
}

fn dig(port: u16, name: &str, rtype: &str, flags: &str) -> String {
    let mut cmd = Command::new("dig");
    cmd.args([
        "@127.0.0.1",
        "-p",
        &port.to_string(),
        name,
        rtype,
        "+time=3",
        "+tries=2",
    ]);
    if !flags.is_empty() {
        cmd.arg(flags);
    }
    let out = cmd.output().expect("running dig");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `tigr serve` on a data directory, asked by paths under the threat-intelligence root.
struct Api {
    served: common::Served,
}

const ROOT: &str = "/v1.0/security/threatIntelligence";

impl Api {
    fn start(data: &Path) -> Self {
        Self {
            served: common::Served::start(data),
        }
    }

    /// GET `path` (relative to the root), which must answer 200.
    fn get(&self, path: &str) -> Value {
        let (status, body) = self.served.get(&format!("{ROOT}/{path}"));
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Every item of a collection, following nextLinks.
    fn all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut page = self.get(path);
        loop {
            items.extend(
                page["value"]
                    .as_array()
                    .expect("a collection")
                    .iter()
                    .cloned(),
            );
            let Some(next) = page["@odata.nextLink"].as_str() else {
                break;
            };
            let relative = next
                .split_once("/threatIntelligence/")
                .expect("a nextLink in the API")
                .1
                .to_owned();
            page = self.get(&relative);
        }
        items
    }

    fn records(&self) -> BTreeSet<String> {
        self.all("passiveDnsRecords?$top=5")
            .iter()
            .map(record_line)
            .collect()
    }
}

fn record_line(r: &Value) -> String {
    let artifact = &r["artifact"];
    let ty = artifact["@odata.type"]
        .as_str()
        .unwrap()
        .rsplit('.')
        .next()
        .unwrap();
    let value = if ty == "unclassifiedArtifact" {
        &artifact["value"]
    } else {
        &artifact["id"]
    };
    format!(
        "{} {} {ty}:{}",
        r["parentHost"]["id"].as_str().unwrap(),
        r["recordType"].as_str().unwrap(),
        value.as_str().unwrap()
    )
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).expect("writing a config file");
    path.to_owned()
}

#[test]
fn real_resolver_traffic_via_dnstap_and_pcap() {
    let missing = missing_programs(
        &["nsd", "unbound", "tcpdump", "dig"],
        Some("root (for tcpdump on lo)"),
    );
    if skip_without("real_dns", &missing) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (nsd_port, unbound_port) = (free_port(), free_port());

    write(&d.join("tigr.test.zone"), ZONE);
    write(&d.join("reverse.zone"), REVERSE_ZONE);
    let nsd_conf = write(
        &d.join("nsd.conf"),
        &format!(
            "server:\n  ip-address: 127.0.0.1@{nsd_port}\n  port: {nsd_port}\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{dir}\"\n  \
             pidfile: \"{dir}/nsd.pid\"\n  xfrdfile: \"{dir}/xfrd.state\"\n  zonelistfile: \"{dir}/zone.list\"\n  database: \"\"\n  \
             verbosity: 1\nremote-control:\n  control-enable: no\nzone:\n  name: tigr.test\n  zonefile: tigr.test.zone\n\
             zone:\n  name: 2.0.192.in-addr.arpa\n  zonefile: reverse.zone\n",
            dir = d.display()
        ),
    );
    let socket = d.join("dnstap.sock");
    let unbound_conf = write(
        &d.join("unbound.conf"),
        &format!(
            "server:\n  interface: 127.0.0.1@{unbound_port}\n  port: {unbound_port}\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  \
             directory: \"{dir}\"\n  pidfile: \"{dir}/unbound.pid\"\n  use-syslog: no\n  verbosity: 1\n  do-not-query-localhost: no\n  \
             module-config: \"iterator\"\n  qname-minimisation: no\n  local-zone: \"test.\" nodefault\n  \
             local-zone: \"2.0.192.in-addr.arpa.\" nodefault\n  domain-insecure: \"tigr.test\"\n  domain-insecure: \"2.0.192.in-addr.arpa\"\n\
             remote-control:\n  control-enable: no\n\
             forward-zone:\n  name: \"tigr.test\"\n  forward-addr: 127.0.0.1@{nsd_port}\n\
             forward-zone:\n  name: \"2.0.192.in-addr.arpa\"\n  forward-addr: 127.0.0.1@{nsd_port}\n\
             dnstap:\n  dnstap-enable: yes\n  dnstap-bidirectional: yes\n  dnstap-socket-path: \"{socket}\"\n  \
             dnstap-send-identity: yes\n  dnstap-send-version: yes\n  dnstap-log-resolver-response-messages: yes\n  \
             dnstap-log-forwarder-response-messages: yes\n  dnstap-log-client-response-messages: yes\n",
            dir = d.display(),
            socket = socket.display()
        ),
    );
    run(Command::new("unbound-checkconf").arg(&unbound_conf));

    let sensor_data = d.join("sensor-data");
    let sensor = Running::start(
        "tigr sensor dnstap",
        Command::new(tigr_bin())
            .args([
                "--data",
                sensor_data.to_str().unwrap(),
                "sensor",
                "dnstap",
                "--flush-interval",
                "1s",
                "--listen",
            ])
            .arg(format!("unix:{}", socket.display())),
        &d.join("sensor.log"),
    );
    wait_for("the dnstap socket", || socket.exists());

    let capture = d.join("dns.pcap");
    let tcpdump = Running::start(
        "tcpdump",
        Command::new("tcpdump")
            .args(["-i", "lo", "-U", "-n", "-w"])
            .arg(&capture)
            .arg(format!("port {nsd_port} or port {unbound_port}")),
        &d.join("tcpdump.log"),
    );
    wait_for("tcpdump", || {
        std::fs::read_to_string(d.join("tcpdump.log")).is_ok_and(|l| l.contains("listening on"))
    });
    let nsd = Running::start(
        "nsd",
        Command::new("nsd").arg("-d").arg("-c").arg(&nsd_conf),
        &d.join("nsd.log"),
    );
    let unbound = Running::start(
        "unbound",
        Command::new("unbound")
            .arg("-d")
            .arg("-c")
            .arg(&unbound_conf),
        &d.join("unbound.log"),
    );
    wait_for("nsd", || {
        dig(nsd_port, "tigr.test", "SOA", "+norec").contains("status: NOERROR")
    });
    wait_for("unbound", || {
        dig(unbound_port, "ns1.tigr.test", "A", "").contains("status: NOERROR")
    });

    let mut transcript = String::new();
    for (name, rtype, flags) in QUESTIONS {
        transcript.push_str(&dig(unbound_port, name, rtype, flags));
    }
    assert!(transcript.contains("status: NXDOMAIN"), "{transcript}");

    // ns1.tigr.test A was the readiness probe: it is a resolution too.
    let mut expected: BTreeSet<String> = EXPECTED_RECORDS.iter().map(|s| s.to_string()).collect();
    expected.insert("ns1.tigr.test A ipAddress:127.0.0.1".into());

    // The API serves the sensor's store while the sensor writes to it (two processes, one SQLite store): unbound
    // sends its dnstap queue every second or so, and the sensor writes every second.
    let api = Api::start(&sensor_data);
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.records() != expected && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let sensor_log = || std::fs::read_to_string(d.join("sensor.log")).unwrap_or_default();
    let unbound_log = std::fs::read_to_string(d.join("unbound.log")).unwrap_or_default();
    assert_eq!(
        api.records(),
        expected,
        "sensor log:\n{}\nunbound log:\n{unbound_log}",
        sensor_log()
    );

    // unbound says STOP on shutdown; the sensor writes what it holds on SIGTERM and exits cleanly.
    assert!(
        unbound.terminate().success(),
        "unbound failed: {unbound_log}"
    );
    let status = sensor.terminate();
    assert!(status.success(), "sensor failed: {}", sensor_log());
    let _ = tcpdump.terminate();
    drop(nsd);
    assert_eq!(api.records(), expected);

    // Forward and reverse pivots.
    let forward: BTreeSet<String> = api
        .all("hosts/www.tigr.test/passiveDns")
        .iter()
        .map(record_line)
        .collect();
    assert_eq!(
        forward,
        BTreeSet::from(["www.tigr.test CNAME hostname:web.tigr.test".to_string()])
    );
    let reverse: BTreeSet<String> = api
        .all("hosts/192.0.2.10/passiveDnsReverse")
        .iter()
        .map(record_line)
        .collect();
    assert_eq!(
        reverse,
        BTreeSet::from(["app.tigr.test A ipAddress:192.0.2.10".to_string()])
    );
    let into_app: BTreeSet<String> = api
        .all("hosts/app.tigr.test/passiveDnsReverse")
        .iter()
        .map(record_line)
        .collect();
    assert_eq!(
        into_app,
        BTreeSet::from([
            "10.2.0.192.in-addr.arpa PTR hostname:app.tigr.test".to_string(),
            "web.tigr.test CNAME hostname:app.tigr.test".to_string()
        ])
    );
    let by_type: Vec<String> = api
        .all("hosts/app.tigr.test/passiveDns?$filter=recordType%20eq%20'AAAA'")
        .iter()
        .map(record_line)
        .collect();
    assert_eq!(by_type, ["app.tigr.test AAAA ipAddress:2001:db8::10"]);

    // Hosts: every name and address seen, with sightings.
    let host = api.get("hosts/gone.tigr.test");
    assert_eq!(host["@odata.type"], "#microsoft.graph.security.hostname");
    assert!(host["firstSeenDateTime"].is_string(), "{host}");
    let ip = api.get("hosts/2001:db8::10");
    assert_eq!(ip["@odata.type"], "#microsoft.graph.security.ipAddress");

    // Subdomains of the registrable domain (tigr.test under the PSL's default rule).
    let subdomains: BTreeSet<String> = api
        .all("hosts/tigr.test/subdomains")
        .iter()
        .map(|s| s["host"]["id"].as_str().unwrap().to_owned())
        .collect();
    let expected_subdomains: BTreeSet<String> = [
        "_sip._tcp.tigr.test",
        "alias.tigr.test",
        "app.tigr.test",
        "deep.sub.tigr.test",
        "gone.tigr.test",
        "mail.tigr.test",
        "ns1.tigr.test",
        "sip.tigr.test",
        "web.tigr.test",
        "www.tigr.test",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(subdomains, expected_subdomains);
    // nothere.tigr.test got only an NXDOMAIN: no host.
    let (status, missing) = api.served.get(&format!("{ROOT}/hosts/nothere.tigr.test"));
    assert_eq!(status, 404, "{missing}");
    drop(api);

    // The capture of the same traffic gives the same records.
    let pcap_data = d.join("pcap-data");
    let out = run(Command::new(tigr_bin())
        .args([
            "--data",
            pcap_data.to_str().unwrap(),
            "ingest",
            "pcap",
            "--no-progress",
        ])
        .args([
            "--port",
            &nsd_port.to_string(),
            "--port",
            &unbound_port.to_string(),
        ])
        .arg(&capture));
    let api = Api::start(&pcap_data);
    // The capture also saw the readiness probe sent straight to NSD (tigr.test SOA), which unbound never handled.
    expected.insert(
        "tigr.test SOA unclassifiedArtifact:ns1.tigr.test. hostmaster.tigr.test. 1 3600 600 86400 300".into(),
    );
    assert_eq!(
        api.records(),
        expected,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
