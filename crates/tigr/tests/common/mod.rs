//! Test kit for the binary's end-to-end tests: a real `tigr serve` on a free loopback port, with a token minted by the
//! same data directory, and a small JSON client.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `tigr serve` on a data directory; killed on drop.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    pub token: String,
    agent: ureq::Agent,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts the server on port 0 and learns its address from the line it prints when listening.
    pub fn start(data: &Path) -> Self {
        let token = Command::new(env!("CARGO_BIN_EXE_tigr"))
            .arg("--data")
            .arg(data)
            .arg("token")
            .output()
            .expect("tigr token");
        assert!(
            token.status.success(),
            "{}",
            String::from_utf8_lossy(&token.stderr)
        );
        let token = String::from_utf8(token.stdout)
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
        let origin = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).expect("read stderr") > 0,
                "tigr serve exited"
            );
            if let Some(rest) = line.split("serving http://").nth(1) {
                break format!("http://{}", rest.split('/').next().expect("address"));
            }
        };
        // Keep draining the server's log so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Self {
            child,
            origin,
            token,
            agent,
        }
    }

    /// The `value` of a 200 answer to GET `path` under `/v1.0/security/threatIntelligence` (panics otherwise).
    pub fn items(&self, path: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/v1.0/security/threatIntelligence{path}"));
        assert_eq!(status, 200, "{path}: {body}");
        body["value"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {body}"))
            .clone()
    }

    /// GET `path_and_query` (from `/v1.0/...`): the status and the body as JSON.
    pub fn get(&self, path_and_query: &str) -> (u16, Value) {
        let url = format!("{}{path_and_query}", self.origin);
        let mut response = self
            .agent
            .get(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: {e}: {text}"));
        (status, body)
    }
}

/// A child process killed when dropped.
pub struct Running {
    pub name: &'static str,
    pub child: std::process::Child,
}

impl Running {
    /// Starts `cmd` with its output going to `log`.
    pub fn start(name: &'static str, cmd: &mut Command, log: &Path) -> Self {
        let out = std::fs::File::create(log).expect("log file");
        let child = cmd
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Self { name, child }
    }

    /// Sends SIGTERM and waits (up to 20 s) for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not stop on SIGTERM",
                self.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port free for both TCP and UDP (DNS servers bind both).
pub fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = tcp.local_addr().expect("addr").port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Which of `programs` are not on the PATH, plus `root` if the test needs root and is not.
pub fn missing_programs(
    programs: &[&'static str],
    needs_root: Option<&'static str>,
) -> Vec<&'static str> {
    let mut missing: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {p}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    if let (Some(why), false) = (needs_root, root) {
        missing.push(why);
    }
    missing
}

/// Whether a test that needs `missing` programs must skip: it says so, and fails instead under `CI=true`.
pub fn skip_without(test: &str, missing: &[&str]) -> bool {
    if missing.is_empty() {
        return false;
    }
    let message = format!(
        "{test}: skipped, missing {}; run scripts/install-test-deps.sh",
        missing.join(", ")
    );
    assert!(std::env::var("CI").is_err(), "{message}");
    eprintln!("{message}");
    true
}

/// Polls `ready` every 50 ms for up to 20 s.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a command that must succeed; returns its output.
pub fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("running a command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
