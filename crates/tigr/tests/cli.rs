//! The binary's commands end to end: load-sample → export → ingest into a fresh directory → export again gives the
//! same bytes (round trip), re-ingest is idempotent, tokens validate, bad input is reported and not fatal.

use std::path::Path;
use std::process::{Command, Output};

fn tigr(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tigr"));
    cmd.arg("--data").arg(data).args(args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn tigr");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "tigr failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn export_and_ingest_round_trip() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    ok(tigr(a.path(), &["load-sample"], None));
    let first = ok(tigr(a.path(), &["export"], None));
    assert!(first.lines().count() > 40, "export has the sample entities");
    let dump = a.path().join("dump.ndjson");
    std::fs::write(&dump, &first).unwrap();
    let report = tigr(
        b.path(),
        &["ingest", "graph-json", dump.to_str().unwrap()],
        None,
    );
    assert!(
        String::from_utf8_lossy(&report.stderr).contains("rejected 0"),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let second = ok(tigr(b.path(), &["export"], None));
    assert_eq!(first, second, "export → ingest → export is the identity");
    // Importing the same data again changes nothing.
    ok(tigr(b.path(), &["ingest", "graph-json", "-"], Some(&first)));
    assert_eq!(ok(tigr(b.path(), &["export"], None)), first);
}

#[test]
fn bad_records_are_counted_not_fatal() {
    let d = tempfile::tempdir().unwrap();
    let input = concat!(
        "{\"@odata.type\":\"#microsoft.graph.security.hostname\",\"id\":\"good.example\"}\n",
        "{\"@odata.type\":\"#microsoft.graph.security.hostPort\",\"id\":\"p\",\"port\":\"eighty\"}\n",
        "not json\n"
    );
    let out = tigr(d.path(), &["ingest", "graph-json", "-"], Some(input));
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("accepted 1, rejected 2"), "{err}");
    assert!(
        err.contains("line 2, /port: expected a 32-bit integer"),
        "{err}"
    );
    assert!(err.contains("line 3"), "{err}");
    let missing = tigr(
        d.path(),
        &["ingest", "graph-json", "/nonexistent/file.json"],
        None,
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/file.json"));
}

#[test]
fn tokens_carry_the_permission() {
    let d = tempfile::tempdir().unwrap();
    let token = ok(tigr(d.path(), &["token", "--ttl", "5m"], None));
    let parts: Vec<&str> = token.trim().split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let bad_ttl = tigr(d.path(), &["token", "--ttl", "forever"], None);
    assert!(!bad_ttl.status.success());
}
