//! Test kit: a real tigr (SQLite store in a temp dir, local token issuer) serving on 127.0.0.1, and a small client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use tigr_auth::{Authenticator, LocalIssuer};
use tigr_model::batch::Batch;
use tigr_store::{SqliteStore, Store};

/// A running server and what a test needs to talk to it.
pub struct Server {
    pub addr: SocketAddr,
    pub token: String,
    pub issuer: LocalIssuer,
    pub store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Applies every batch an importer produces.
pub fn apply(
    store: &dyn Store,
    import: impl FnOnce(&mut dyn FnMut(Batch)) -> tigr_ingest::report::Report,
) -> tigr_ingest::report::Report {
    let mut sink = |b: Batch| {
        store.apply(&b).expect("apply batch");
    };
    import(&mut sink)
}

/// Loads graph-json text into a store.
pub fn load_graph_json(store: &dyn Store, text: &str) {
    let report = apply(store, |sink| {
        tigr_ingest::graph_json::Importer::new("test", sink).read(text.as_bytes())
    });
    assert_eq!(report.rejected(), 0, "{report}");
}

/// Starts a server over an empty store; `setup` may fill it first.
pub fn start(setup: impl FnOnce(&dyn Store)) -> Server {
    start_with(setup, tigr_api::ApiConfig::default())
}

pub fn start_with(setup: impl FnOnce(&dyn Store), config: tigr_api::ApiConfig) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(dir.path()).expect("open store"));
    setup(store.as_ref());
    let issuer = LocalIssuer::load_or_create(dir.path()).expect("issuer");
    let token = issuer
        .mint(&[], &[], std::time::Duration::from_secs(600))
        .expect("mint");
    let auth = Arc::new(Authenticator::new(Some(&issuer), None).expect("authenticator"));
    let state = tigr_api::AppState::new(store.clone(), auth, config);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send addr");
            tigr_api::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
    });
    let addr = addr_rx.recv().expect("server address");
    Server {
        addr,
        token,
        issuer,
        store,
        _dir: dir,
        _shutdown: tx,
    }
}

impl Server {
    /// The data directory the store lives in.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!(
            "http://{}/{}",
            self.addr,
            path_and_query.trim_start_matches('/')
        )
    }

    /// GET with the server's token.
    pub fn get(&self, path_and_query: &str) -> Answer {
        self.request("GET", path_and_query, Some(&self.token), None)
    }

    pub fn request(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let url = self.url(path_and_query);
        let mut headers = vec![("client-request-id", "test-client-id".to_owned())];
        if let Some(t) = token {
            headers.push(("Authorization", format!("Bearer {t}")));
        }
        let result = match (method, body) {
            ("GET", _) => {
                let mut r = agent.get(&url);
                for (n, v) in &headers {
                    r = r.header(*n, v);
                }
                r.call()
            }
            (m, b) => {
                let mut r = match m {
                    "POST" => agent.post(&url),
                    "PUT" => agent.put(&url),
                    "PATCH" => agent.patch(&url),
                    _ => agent.delete(&url).force_send_body(),
                };
                for (n, v) in &headers {
                    r = r.header(*n, v);
                }
                r.header("Content-Type", "application/json")
                    .send(b.unwrap_or("").as_bytes().to_vec())
            }
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            headers,
            body,
        }
    }
}
