//! Test kit for the binary's end-to-end tests: a real `tigr serve` on a free loopback port, with a token minted by the
//! same data directory, and a small JSON client.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

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
