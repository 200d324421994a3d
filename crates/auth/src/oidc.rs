//! External OpenID Connect issuers: their configuration and the cache of their JWKS keys.
//!
//! Keys are fetched from the configured JWKS URL and cached by `kid`. A token whose
//! `kid` is not cached triggers a refetch, but at most one fetch is attempted per
//! [`OidcConfig::min_refresh_interval`], so a flood of made-up key ids cannot hammer
//! the identity provider. Concurrent requests share one fetch. Cached keys older than
//! [`OidcConfig::max_key_age`] are refreshed on use, and kept if that refresh fails.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use serde::Deserialize;

use crate::{AuthError, GRAPH_APP_ID, GRAPH_AUDIENCE};

/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: u64 = 1 << 20;

/// How to trust tokens from an external OpenID Connect issuer (signed RS256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// Expected `iss`, compared exactly (e.g. `https://login.microsoftonline.com/<tenant>/v2.0`).
    pub issuer: String,
    /// Where the issuer publishes its keys (`jwks_uri` in its discovery document);
    /// `http://` or `https://`.
    pub jwks_url: String,
    /// Accepted `aud` values; a token must carry at least one.
    /// [`OidcConfig::new`] sets Graph's URL and app id.
    pub audiences: Vec<String>,
    /// Minimum time between two JWKS fetches (the rate limit for unknown `kid`s).
    pub min_refresh_interval: Duration,
    /// Cached keys older than this are refetched on use (and kept if that fails).
    pub max_key_age: Duration,
    /// Timeout for one whole JWKS fetch.
    pub fetch_timeout: Duration,
}

impl OidcConfig {
    /// A configuration with the defaults: audiences [`GRAPH_AUDIENCE`] and
    /// [`GRAPH_APP_ID`], refetch at most every 30 s, keys refreshed after an hour,
    /// 10 s fetch timeout.
    pub fn new(issuer: impl Into<String>, jwks_url: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            jwks_url: jwks_url.into(),
            audiences: vec![GRAPH_AUDIENCE.to_owned(), GRAPH_APP_ID.to_owned()],
            min_refresh_interval: Duration::from_secs(30),
            max_key_age: Duration::from_secs(3_600),
            fetch_timeout: Duration::from_secs(10),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), AuthError> {
        if self.issuer.trim().is_empty() {
            return Err(AuthError::Config(
                "OIDC issuer must not be empty".to_owned(),
            ));
        }
        let url = self.jwks_url.to_ascii_lowercase();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(AuthError::Config(format!(
                "OIDC JWKS URL {:?} must start with https:// or http://",
                self.jwks_url
            )));
        }
        if self.audiences.is_empty() {
            return Err(AuthError::Config(
                "OIDC audiences must not be empty".to_owned(),
            ));
        }
        if self.fetch_timeout.is_zero() {
            return Err(AuthError::Config(
                "OIDC JWKS fetch timeout must be positive".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Source of monotonic time, replaceable in tests.
pub(crate) trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Instant;
}

#[derive(Debug)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Debug, Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

#[derive(Debug, Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

/// Cache of one issuer's verification keys.
#[derive(Debug)]
pub(crate) struct JwksCache {
    url: String,
    agent: ureq::Agent,
    min_refresh_interval: Duration,
    max_key_age: Duration,
    clock: Arc<dyn Clock>,
    keys: RwLock<Keys>,
    /// Held while fetching: one fetch at a time, and the rate limit's memory.
    refresh: tokio::sync::Mutex<RefreshState>,
}

impl JwksCache {
    pub(crate) fn new(config: &OidcConfig, clock: Arc<dyn Clock>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.fetch_timeout))
            .build()
            .new_agent();
        Self {
            url: config.jwks_url.clone(),
            agent,
            min_refresh_interval: config.min_refresh_interval,
            max_key_age: config.max_key_age,
            clock,
            keys: RwLock::new(Keys::default()),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
        }
    }

    /// The cached key for `kid` and whether the cache is still fresh.
    fn cached(&self, kid: &str) -> (Option<DecodingKey>, bool) {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let fresh = keys
            .fetched_at
            .is_some_and(|t| self.clock.now().saturating_duration_since(t) < self.max_key_age);
        (keys.by_kid.get(kid).cloned(), fresh)
    }

    /// The key with id `kid`, fetching the JWKS if needed and allowed.
    pub(crate) async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        if let (Some(key), true) = self.cached(kid) {
            return Ok(key);
        }
        let mut state = match (self.cached(kid).0, self.refresh.try_lock()) {
            (_, Ok(state)) => state,
            // A stale key while another request refreshes: use it rather than wait.
            (Some(stale), Err(_)) => return Ok(stale),
            (None, Err(_)) => self.refresh.lock().await,
        };
        // Another request may have refreshed while this one waited for the lock.
        let (cached, fresh) = self.cached(kid);
        if let (Some(key), true) = (&cached, fresh) {
            return Ok(key.clone());
        }
        let now = self.clock.now();
        let allowed = state
            .last_attempt
            .is_none_or(|t| now.saturating_duration_since(t) >= self.min_refresh_interval);
        if !allowed {
            if let Some(key) = cached {
                return Ok(key);
            }
            return Err(match &state.last_error {
                Some(err) => AuthError::unauthenticated(format!(
                    "cannot verify token: signing keys unavailable (JWKS fetch from {} failed: {err})",
                    self.url
                )),
                None => unknown_kid(kid),
            });
        }
        state.last_attempt = Some(now);
        match self.fetch().await {
            Ok(fetched) => {
                state.last_error = None;
                tracing::info!(url = %self.url, keys = fetched.len(), "fetched OIDC signing keys");
                let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
                keys.by_kid = fetched;
                keys.fetched_at = Some(now);
                keys.by_kid
                    .get(kid)
                    .cloned()
                    .ok_or_else(|| unknown_kid(kid))
            }
            Err(err) => {
                tracing::warn!(url = %self.url, error = %err, "cannot fetch OIDC signing keys");
                state.last_error = Some(err.clone());
                match cached {
                    Some(key) => Ok(key),
                    None => Err(AuthError::unauthenticated(format!(
                        "cannot verify token: JWKS fetch from {} failed: {err}",
                        self.url
                    ))),
                }
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let agent = self.agent.clone();
        let url = self.url.clone();
        // ureq blocks: off the async workers when in a Tokio runtime, inline otherwise.
        let body = if tokio::runtime::Handle::try_current().is_ok() {
            tokio::task::spawn_blocking(move || fetch_blocking(&agent, &url))
                .await
                .map_err(|e| format!("fetch task failed: {e}"))??
        } else {
            fetch_blocking(&agent, &url)?
        };
        parse_jwks(&body)
    }
}

fn unknown_kid(kid: &str) -> AuthError {
    AuthError::unauthenticated(format!("unknown signing key id {:?}", truncate(kid)))
}

/// Shortens attacker-supplied text before it goes into a message.
pub(crate) fn truncate(text: &str) -> &str {
    match text.char_indices().nth(100) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

fn fetch_blocking(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, String> {
    let mut response = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .map_err(|e| e.to_string())?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_JWKS_BYTES)
        .read_to_vec()
        .map_err(|e| format!("reading body: {e}"))
}

#[derive(Deserialize)]
struct RawJwkSet {
    keys: Vec<serde_json::Value>,
}

/// The usable RSA signing keys of a JWKS document, by `kid`. Keys of other types,
/// without `kid`, for encryption, or for another algorithm are skipped.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<HashMap<String, DecodingKey>, String> {
    let set: RawJwkSet =
        serde_json::from_slice(body).map_err(|e| format!("invalid JWKS document: {e}"))?;
    let mut out = HashMap::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_))
            || !matches!(
                jwk.common.public_key_use,
                None | Some(PublicKeyUse::Signature)
            )
            || !matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256))
        {
            continue;
        }
        match DecodingKey::from_jwk(&jwk) {
            Ok(key) => {
                out.insert(kid, key);
            }
            Err(e) => tracing::debug!(kid, error = %e, "skipping unusable JWKS key"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! The rate limit and key rotation, with a manual clock and a JWKS server on loopback.

    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::State;
    use axum::routing::get;
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, EncodingKey};

    use super::*;

    #[derive(Debug)]
    struct ManualClock(Mutex<Instant>);

    impl ManualClock {
        fn advance(&self, by: Duration) {
            let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            *now += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            *self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    #[derive(Clone, Default)]
    struct Served {
        jwks: Arc<Mutex<serde_json::Value>>,
        hits: Arc<AtomicUsize>,
    }

    async fn serve(State(s): State<Served>) -> axum::Json<serde_json::Value> {
        s.hits.fetch_add(1, Ordering::SeqCst);
        axum::Json(
            s.jwks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }

    async fn start(served: Served) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = Router::new().route("/jwks", get(serve)).with_state(served);
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/jwks")
    }

    fn jwks(keys: &[(&str, &str)]) -> serde_json::Value {
        let keys = keys
            .iter()
            .map(|(kid, pem)| {
                let enc = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("pem");
                let mut jwk = Jwk::from_encoding_key(&enc, Algorithm::RS256).expect("jwk");
                jwk.common.key_id = Some((*kid).to_owned());
                jwk
            })
            .collect();
        serde_json::to_value(JwkSet { keys }).expect("json")
    }

    const KEY_A: &str = include_str!("../tests/data/rsa-a.pem");
    const KEY_B: &str = include_str!("../tests/data/rsa-b.pem");

    #[tokio::test]
    async fn unknown_kid_refetches_once_per_window() {
        let served = Served::default();
        *served.jwks.lock().expect("lock") = jwks(&[("a", KEY_A)]);
        let url = start(served.clone()).await;
        let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
        let mut config = OidcConfig::new("https://idp.example", url);
        config.min_refresh_interval = Duration::from_secs(30);
        config.max_key_age = Duration::from_secs(3_600);
        let cache = JwksCache::new(&config, clock.clone());
        let hits = || served.hits.load(Ordering::SeqCst);

        // First use fetches; known kids are then served from the cache.
        cache.key("a").await.expect("key a");
        cache.key("a").await.expect("key a again");
        assert_eq!(hits(), 1);

        // The IdP rotates in key b; within the window the unknown kid is refused unfetched.
        *served.jwks.lock().expect("lock") = jwks(&[("a", KEY_A), ("b", KEY_B)]);
        let err = cache.key("b").await.expect_err("rate-limited");
        assert!(
            err.to_string().contains("unknown signing key id \"b\""),
            "{err}"
        );
        assert_eq!(hits(), 1);

        // After the window, one unknown kid triggers one refetch, which finds b.
        clock.advance(Duration::from_secs(31));
        cache.key("b").await.expect("key b after refetch");
        assert_eq!(hits(), 2);

        // A flood of bogus kids right after does not refetch.
        for bogus in ["x", "y", "z", "x"] {
            let err = cache.key(bogus).await.expect_err("bogus kid");
            assert!(err.is_unauthenticated());
            assert!(err.to_string().contains("unknown signing key id"), "{err}");
        }
        assert_eq!(hits(), 2);
        cache.key("a").await.expect("a still cached");
        assert_eq!(hits(), 2);

        // After the next window one bogus kid costs one fetch, the rest none.
        clock.advance(Duration::from_secs(31));
        for bogus in ["x", "y", "z"] {
            cache.key(bogus).await.expect_err("bogus kid");
        }
        assert_eq!(hits(), 3);
    }

    #[tokio::test]
    async fn stale_keys_are_refreshed_and_removed_keys_dropped() {
        let served = Served::default();
        *served.jwks.lock().expect("lock") = jwks(&[("a", KEY_A)]);
        let url = start(served.clone()).await;
        let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
        let mut config = OidcConfig::new("https://idp.example", url);
        config.min_refresh_interval = Duration::from_secs(30);
        config.max_key_age = Duration::from_secs(600);
        let cache = JwksCache::new(&config, clock.clone());

        cache.key("a").await.expect("key a");
        *served.jwks.lock().expect("lock") = jwks(&[("b", KEY_B)]);
        clock.advance(Duration::from_secs(601));
        let err = cache.key("a").await.expect_err("a was rotated out");
        assert!(
            err.to_string().contains("unknown signing key id \"a\""),
            "{err}"
        );
        cache.key("b").await.expect("b");
        assert_eq!(served.hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn fetch_failure_keeps_stale_keys_and_reports_clearly() {
        let served = Served::default();
        *served.jwks.lock().expect("lock") = jwks(&[("a", KEY_A)]);
        let url = start(served.clone()).await;
        let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
        let mut config = OidcConfig::new("https://idp.example", url);
        config.max_key_age = Duration::from_secs(600);
        let cache = JwksCache::new(&config, clock.clone());
        cache.key("a").await.expect("key a");

        *served.jwks.lock().expect("lock") = serde_json::json!({"not": "a jwks"});
        clock.advance(Duration::from_secs(601));
        cache
            .key("a")
            .await
            .expect("stale a is kept when the refresh fails");
        let err = cache.key("b").await.expect_err("b unknown");
        assert!(err.to_string().contains("JWKS fetch from"), "{err}");
        assert!(err.to_string().contains("invalid JWKS document"), "{err}");
        assert_eq!(served.hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn unreachable_jwks_is_unauthenticated() {
        // Bind then drop a listener: the port is (almost surely) closed.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let config = OidcConfig::new("https://idp.example", format!("http://{addr}/jwks"));
        let cache = JwksCache::new(&config, Arc::new(SystemClock));
        let err = cache.key("a").await.expect_err("no server");
        assert!(err.is_unauthenticated());
        assert!(
            err.to_string()
                .contains("JWKS fetch from http://127.0.0.1:"),
            "{err}"
        );
    }

    #[test]
    fn parse_jwks_keeps_only_rsa_signing_keys() {
        let mut doc = jwks(&[("a", KEY_A), ("b", KEY_B)]);
        let keys = doc["keys"].as_array_mut().expect("array");
        keys[1]["use"] = "enc".into();
        keys.push(serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})); // no kid
        keys.push(
            serde_json::json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}),
        );
        keys.push(serde_json::json!({"kty": "weird", "kid": "w"}));
        keys.push(serde_json::json!("not an object"));
        let body = serde_json::to_vec(&doc).expect("json");
        let parsed = parse_jwks(&body).expect("parse");
        assert_eq!(parsed.keys().collect::<Vec<_>>(), ["a"]);
        assert!(parse_jwks(b"[]").is_err());
        assert!(parse_jwks(b"{\"keys\": 5}").is_err());
    }
}
