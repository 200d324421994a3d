//! The Microsoft Graph threat-intelligence API over HTTP (axum): the only crate that knows HTTP.
//!
//! # Layout
//! - [`router`] builds the axum app; [`serve`] runs it on a listener until a shutdown future resolves.
//! - `resolve`: request path → what it addresses (one walker for every URL template).
//! - `graph`: answering a GET (envelopes, paging links, `$count`) — shared by direct requests and `$batch`.
//! - `batch`: JSON `$batch`.
//! - `error`: Graph error bodies.
//!
//! Every request is authenticated ([`tigr_auth::Authenticator`]) before anything else happens, and every answer
//! carries `request-id` and `client-request-id` headers.

mod batch;
mod cache;
pub mod error;
mod graph;
mod resolve;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use error::ApiError;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use tigr_auth::Authenticator;
use tigr_model::ApiVersion;
use tigr_store::Store;

/// Paging limits and other knobs.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Page size when the client sends no `$top`.
    pub default_page_size: usize,
    /// Largest page served; a larger `$top` is served in pages of this size.
    pub max_page_size: usize,
    /// Base URL for `@odata.context`/`@odata.nextLink` (e.g. `https://ti.example.org`); when `None`, taken from the
    /// request's `Host` (and `X-Forwarded-Proto`) headers.
    pub public_url: Option<String>,
    /// Bytes of answers kept in memory for repeated GETs (0: no cache). Entries live only while the store's content
    /// is unchanged.
    pub cache_bytes: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            default_page_size: 100,
            max_page_size: 1000,
            public_url: None,
            cache_bytes: 64 << 20,
        }
    }
}

/// Shared state of the app.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    auth: Arc<Authenticator>,
    config: Arc<ApiConfig>,
    cache: Arc<cache::AnswerCache>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Bundles a store, an authenticator and the configuration.
    pub fn new(store: Arc<dyn Store>, auth: Arc<Authenticator>, config: ApiConfig) -> Self {
        AppState {
            store,
            auth,
            cache: Arc::new(cache::AnswerCache::new(config.cache_bytes)),
            config: Arc::new(config),
        }
    }
}

/// The app: every path goes through one handler that authenticates, then routes by the Graph URL grammar.
pub fn router(state: AppState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// Serves the app on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A finished answer before headers: status, content type, body.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    /// JSON text (written as is).
    pub(crate) json: Option<String>,
    pub(crate) text: Option<String>,
}

/// The content type Graph answers JSON with.
const JSON_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Request ids carried into every answer and error body.
#[derive(Debug, Clone)]
pub(crate) struct Ids {
    pub(crate) request: String,
    pub(crate) client: String,
}

pub(crate) fn error_json(err: &ApiError, ids: &Ids) -> serde_json::Value {
    let date = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        });
    json!({"error": {"code": err.code, "message": err.message, "innerError": {
        "date": date, "request-id": ids.request, "client-request-id": ids.client }}})
}

fn respond(reply: Result<Reply, ApiError>, ids: &Ids, head: bool) -> Response {
    let (status, ctype, body, challenge) = match reply {
        Ok(Reply {
            status,
            json: Some(v),
            ..
        }) => (status, JSON_TYPE, v, false),
        Ok(Reply { status, text, .. }) => (
            status,
            "text/plain;charset=utf-8",
            text.unwrap_or_default(),
            false,
        ),
        Err(e) => (
            e.status,
            JSON_TYPE,
            error_json(&e, ids).to_string(),
            e.status == StatusCode::UNAUTHORIZED,
        ),
    };
    let mut resp = Response::new(if head {
        Body::empty()
    } else {
        Body::from(body)
    });
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    for (name, value) in [
        ("request-id", &ids.request),
        ("client-request-id", &ids.client),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    if challenge {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"tigr\", error=\"invalid_token\""),
        );
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        h.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    resp
}

/// The scheme and authority links are built with.
fn base_url(config: &ApiConfig, headers: &HeaderMap) -> String {
    if let Some(u) = &config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{proto}://{host}")
}

async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = std::time::Instant::now();
    let request = uuid::Uuid::new_v4().to_string();
    let client = headers
        .get("client-request-id")
        .and_then(|h| h.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .map(str::to_owned)
        .unwrap_or_else(|| request.clone());
    let ids = Ids { request, client };
    let reply = dispatch(&state, &method, &uri, &headers, &body).await;
    let status = reply
        .as_ref()
        .map(|r| r.status)
        .unwrap_or_else(|e| e.status);
    tracing::info!(%method, path = uri.path(), status = status.as_u16(), micros = started.elapsed().as_micros() as u64, request_id = %ids.request, "request");
    respond(reply, &ids, method == Method::HEAD)
}

async fn dispatch(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Reply, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|h| h.to_str().unwrap_or("\u{0}invalid"));
    state.auth.authenticate(authorization).await?;
    let path = uri.path().trim_start_matches('/');
    let (version, rest) = path.split_once('/').unwrap_or((path, ""));
    let version = ApiVersion::from_segment(version).ok_or_else(|| {
        ApiError::not_found(format!(
            "unknown API version in /{path}: use /v1.0 or /beta"
        ))
    })?;
    let base = base_url(&state.config, headers);
    if rest == "$batch" {
        return match *method {
            Method::POST => batch::run(state, version, &base, body),
            _ => Err(ApiError::method_not_allowed(method.as_str())),
        };
    }
    match *method {
        Method::GET | Method::HEAD => cached_get(state, version, &base, rest, uri.query()),
        _ => Err(ApiError::method_not_allowed(method.as_str())),
    }
}

/// A GET answered from the cache when the store is unchanged since the same request was rendered.
fn cached_get(
    state: &AppState,
    version: ApiVersion,
    base: &str,
    path: &str,
    query: Option<&str>,
) -> Result<Reply, ApiError> {
    let data_version = state.store.data_version().ok();
    let key = format!(
        "{base}\u{0}{}\u{0}{path}?{}",
        version.segment(),
        query.unwrap_or("")
    );
    if let Some(entry) = data_version.and_then(|v| state.cache.get(&key, v)) {
        let (json, text) = if entry.json {
            (Some(entry.body), None)
        } else {
            (None, Some(entry.body))
        };
        return Ok(Reply {
            status: StatusCode::OK,
            json,
            text,
        });
    }
    let reply = graph::get(state, version, base, path, query)?;
    if let (Some(v), StatusCode::OK) = (data_version, reply.status) {
        let entry = match (&reply.json, &reply.text) {
            (Some(body), _) => Some(cache::Entry {
                json: true,
                body: body.clone(),
            }),
            (None, Some(body)) => Some(cache::Entry {
                json: false,
                body: body.clone(),
            }),
            (None, None) => None,
        };
        if let Some(entry) = entry {
            state.cache.put(key, v, entry);
        }
    }
    Ok(reply)
}
