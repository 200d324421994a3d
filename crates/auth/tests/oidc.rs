//! OpenID Connect tokens verified against a JWKS served on 127.0.0.1 by the test itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tigr_auth::{AuthError, Authenticator, GRAPH_APP_ID, LocalIssuer, OidcConfig, PERMISSION};

const KEY_A: &str = include_str!("data/rsa-a.pem");
const KEY_B: &str = include_str!("data/rsa-b.pem");
const ISSUER: &str = "https://login.example.test/tenant-1/v2.0";

/// A JWKS endpoint whose key set can be swapped and whose hits are counted.
#[derive(Clone, Default)]
struct Idp {
    jwks: Arc<Mutex<Value>>,
    hits: Arc<AtomicUsize>,
}

impl Idp {
    fn publish(&self, keys: &[(&str, &str)]) {
        let keys = keys
            .iter()
            .map(|(kid, pem)| {
                let enc = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("pem");
                let mut jwk = Jwk::from_encoding_key(&enc, Algorithm::RS256).expect("jwk");
                jwk.common.key_id = Some((*kid).to_owned());
                jwk
            })
            .collect();
        *self.jwks.lock().unwrap_or_else(PoisonError::into_inner) =
            serde_json::to_value(JwkSet { keys }).expect("json");
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    async fn start(&self) -> String {
        async fn serve(State(idp): State<Idp>) -> axum::Json<Value> {
            idp.hits.fetch_add(1, Ordering::SeqCst);
            axum::Json(
                idp.jwks
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone(),
            )
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = Router::new()
            .route("/discovery/v2.0/keys", get(serve))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/discovery/v2.0/keys")
    }
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn rs256(kid: &str, pem: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("pem");
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

fn app_token_claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": GRAPH_APP_ID,
        "sub": "service-principal-1",
        "appid": "client-app-1",
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
        "roles": [PERMISSION],
    })
}

fn bearer(token: &str) -> Option<String> {
    Some(format!("Bearer {token}"))
}

fn config(url: String, min_refresh_interval: Duration) -> OidcConfig {
    let mut config = OidcConfig::new(ISSUER, url);
    config.min_refresh_interval = min_refresh_interval;
    config
}

#[tokio::test]
async fn oidc_tokens_are_verified_and_keys_cached() {
    let idp = Idp::default();
    idp.publish(&[("a", KEY_A)]);
    let url = idp.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let local = LocalIssuer::load_or_create(dir.path()).expect("local");
    // An hour-long window: after the first fetch, nothing in this test may refetch.
    let auth = Authenticator::new(Some(&local), Some(config(url, Duration::from_secs(3_600))))
        .expect("auth");

    let p = auth
        .authenticate(bearer(&rs256("a", KEY_A, &app_token_claims())).as_deref())
        .await
        .expect("valid");
    assert_eq!(p.issuer, ISSUER);
    assert_eq!(p.subject.as_deref(), Some("service-principal-1"));
    assert_eq!(p.client_id.as_deref(), Some("client-app-1"));
    assert_eq!(p.roles, [PERMISSION]);
    assert_eq!(idp.hits(), 1);

    // Delegated token with Graph's URL audience and several scopes; same key, no refetch.
    let mut delegated = app_token_claims();
    delegated["aud"] = "https://graph.microsoft.com".into();
    delegated["scp"] = format!("User.Read {PERMISSION}").into();
    delegated.as_object_mut().expect("object").remove("roles");
    auth.authenticate(bearer(&rs256("a", KEY_A, &delegated)).as_deref())
        .await
        .expect("delegated");
    assert_eq!(idp.hits(), 1);

    let expect_unauth = |result: Result<_, AuthError>, want: &str| {
        let err = result.expect_err(want);
        assert!(err.is_unauthenticated(), "{err:?}");
        assert!(err.to_string().contains(want), "want {want:?}, got {err}");
    };

    let mut wrong_aud = app_token_claims();
    wrong_aud["aud"] = "api://not-graph".into();
    expect_unauth(
        auth.authenticate(bearer(&rs256("a", KEY_A, &wrong_aud)).as_deref())
            .await,
        "audience mismatch: expected \"https://graph.microsoft.com\" or \"00000003-0000-0000-c000-000000000000\"",
    );

    let mut expired = app_token_claims();
    expired["exp"] = (now() - 3_600).into();
    expect_unauth(
        auth.authenticate(bearer(&rs256("a", KEY_A, &expired)).as_deref())
            .await,
        "token expired",
    );

    // Signed by key b but claiming kid a.
    expect_unauth(
        auth.authenticate(bearer(&rs256("a", KEY_B, &app_token_claims())).as_deref())
            .await,
        "invalid token signature",
    );

    // A local EdDSA token that claims the OIDC issuer is refused on its algorithm.
    let local_pem = std::fs::read(local.key_path()).expect("key");
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("a".to_owned());
    let forged = jsonwebtoken::encode(
        &header,
        &app_token_claims(),
        &EncodingKey::from_ed_pem(&local_pem).expect("pem"),
    )
    .expect("sign");
    expect_unauth(
        auth.authenticate(bearer(&forged).as_deref()).await,
        "signing algorithm EdDSA is not accepted",
    );

    // A flood of unknown kids within the window causes no fetch at all.
    for kid in ["x1", "x2", "x3", "x4", "x5", "x1"] {
        expect_unauth(
            auth.authenticate(bearer(&rs256(kid, KEY_A, &app_token_claims())).as_deref())
                .await,
            &format!("unknown signing key id \"{kid}\""),
        );
    }
    assert_eq!(idp.hits(), 1);

    // Valid OIDC token without the permission: 403.
    let mut no_perm = app_token_claims();
    no_perm["roles"] = json!(["Something.Else"]);
    let err = auth
        .authenticate(bearer(&rs256("a", KEY_A, &no_perm)).as_deref())
        .await
        .expect_err("forbidden");
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "missing permission ThreatIntelligence.Read.All in scp/roles"
    );

    // Local tokens still work next to OIDC.
    let token = local.mint(&[], &[], Duration::from_secs(60)).expect("mint");
    auth.authenticate(bearer(&token).as_deref())
        .await
        .expect("local token");
    assert_eq!(idp.hits(), 1);
}

#[tokio::test]
async fn key_rotation_triggers_one_refetch() {
    let idp = Idp::default();
    idp.publish(&[("a", KEY_A)]);
    let url = idp.start().await;
    // No rate limit here (window zero) so rotation can be seen without waiting; the
    // window itself is tested in `oidc_tokens_are_verified_and_keys_cached` and in the
    // crate's unit tests with a manual clock.
    let auth = Authenticator::new(None, Some(config(url, Duration::ZERO))).expect("auth");

    auth.authenticate(bearer(&rs256("a", KEY_A, &app_token_claims())).as_deref())
        .await
        .expect("a");
    auth.authenticate(bearer(&rs256("a", KEY_A, &app_token_claims())).as_deref())
        .await
        .expect("a cached");
    assert_eq!(idp.hits(), 1);

    // The IdP rotates: b replaces a. The unknown kid b causes exactly one refetch.
    idp.publish(&[("b", KEY_B)]);
    auth.authenticate(bearer(&rs256("b", KEY_B, &app_token_claims())).as_deref())
        .await
        .expect("b");
    assert_eq!(idp.hits(), 2);
    auth.authenticate(bearer(&rs256("b", KEY_B, &app_token_claims())).as_deref())
        .await
        .expect("b cached");
    assert_eq!(idp.hits(), 2);

    // a was dropped with the refetch; it is unknown now.
    let err = auth
        .authenticate(bearer(&rs256("a", KEY_A, &app_token_claims())).as_deref())
        .await
        .expect_err("a rotated out");
    assert!(
        err.to_string().contains("unknown signing key id \"a\""),
        "{err}"
    );
}

#[tokio::test]
async fn untrusted_issuer_and_unreachable_jwks() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let auth = Authenticator::new(
        None,
        Some(config(
            format!("http://{addr}/keys"),
            Duration::from_secs(30),
        )),
    )
    .expect("auth");

    let mut other_iss = app_token_claims();
    other_iss["iss"] = "https://evil.example/".into();
    let err = auth
        .authenticate(bearer(&rs256("a", KEY_A, &other_iss)).as_deref())
        .await
        .expect_err("untrusted");
    assert!(
        err.to_string()
            .contains("untrusted issuer \"https://evil.example/\""),
        "{err}"
    );

    let err = auth
        .authenticate(bearer(&rs256("a", KEY_A, &app_token_claims())).as_deref())
        .await
        .expect_err("jwks down");
    assert!(err.is_unauthenticated());
    assert!(
        err.to_string()
            .contains("JWKS fetch from http://127.0.0.1:"),
        "{err}"
    );
    // Within the window the failure is remembered instead of retried.
    let err = auth
        .authenticate(bearer(&rs256("a", KEY_A, &app_token_claims())).as_deref())
        .await
        .expect_err("jwks down");
    assert!(
        err.to_string().contains("signing keys unavailable"),
        "{err}"
    );
}

#[test]
fn bad_oidc_config_is_rejected() {
    let cases = [
        OidcConfig::new("", "https://idp.example/keys"),
        OidcConfig::new(ISSUER, "ftp://idp.example/keys"),
        OidcConfig {
            audiences: Vec::new(),
            ..OidcConfig::new(ISSUER, "https://idp.example/keys")
        },
        OidcConfig::new(tigr_auth::LOCAL_ISSUER, "https://idp.example/keys"),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let local = LocalIssuer::load_or_create(dir.path()).expect("local");
    for config in cases {
        let err = Authenticator::new(Some(&local), Some(config.clone())).expect_err("bad config");
        assert!(matches!(err, AuthError::Config(_)), "{config:?}: {err:?}");
    }
}
