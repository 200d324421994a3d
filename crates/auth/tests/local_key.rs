//! The local signing key: creation, permissions, persistence, and the claims of minted tokens.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tigr_auth::local::{KEY_DIR, KEY_FILE, LOCAL_SUBJECT, MAX_TTL};
use tigr_auth::{AuthError, Authenticator, GRAPH_AUDIENCE, LOCAL_ISSUER, LocalIssuer, PERMISSION};

fn part(token: &str, index: usize) -> Value {
    let segment = token.split('.').nth(index).expect("segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).expect("base64")).expect("json")
}

#[tokio::test]
async fn key_persists_across_load_or_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("nested").join("data");
    let first = LocalIssuer::load_or_create(&data_dir).expect("create");
    let path = data_dir.join(KEY_DIR).join(KEY_FILE);
    assert_eq!(first.key_path(), path);
    let pem = std::fs::read_to_string(&path).expect("key file");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");

    let token = first
        .mint(&[], &[], Duration::from_secs(600))
        .expect("mint");
    let second = LocalIssuer::load_or_create(&data_dir).expect("load");
    assert_eq!(first.key_id(), second.key_id());
    assert_eq!(
        std::fs::read_to_string(&path).expect("key file"),
        pem,
        "file unchanged"
    );

    let auth = Authenticator::new(Some(&second), None).expect("auth");
    let principal = auth
        .authenticate(Some(&format!("Bearer {token}")))
        .await
        .expect("valid after reload");
    assert_eq!(principal.subject.as_deref(), Some(LOCAL_SUBJECT));

    let elsewhere = tempfile::tempdir().expect("tempdir");
    let fresh = LocalIssuer::load_or_create(elsewhere.path()).expect("create");
    assert_ne!(
        fresh.key_id(),
        first.key_id(),
        "a new data dir gets a new key"
    );
}

#[cfg(unix)]
#[test]
fn key_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = LocalIssuer::load_or_create(dir.path()).expect("create");
    let file_mode = std::fs::metadata(issuer.key_path())
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(file_mode, 0o600);
    let dir_mode = std::fs::metadata(dir.path().join(KEY_DIR))
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join(KEY_DIR))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, [KEY_FILE], "no temporary files left behind");
}

#[test]
fn concurrent_first_start_agrees_on_one_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_owned();
    let kids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    LocalIssuer::load_or_create(&path)
                        .expect("load")
                        .key_id()
                        .to_owned()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(kids.windows(2).all(|w| w[0] == w[1]), "{kids:?}");
}

#[test]
fn corrupt_key_file_is_a_key_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(KEY_DIR)).expect("mkdir");
    std::fs::write(dir.path().join(KEY_DIR).join(KEY_FILE), "not a key").expect("write");
    let err = LocalIssuer::load_or_create(dir.path()).expect_err("corrupt");
    assert!(matches!(err, AuthError::Key(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("is not a PKCS#8 Ed25519 private key"),
        "{err}"
    );
}

#[test]
fn minted_claims() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = LocalIssuer::load_or_create(dir.path()).expect("create");
    assert_eq!(issuer.issuer(), LOCAL_ISSUER);
    assert_eq!(LocalIssuer::audience(), GRAPH_AUDIENCE);

    let token = issuer
        .mint(&[], &[], Duration::from_secs(3_600))
        .expect("mint");
    let header = part(&token, 0);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], issuer.key_id());
    let claims = part(&token, 1);
    assert_eq!(claims["iss"], LOCAL_ISSUER);
    assert_eq!(claims["aud"], GRAPH_AUDIENCE);
    assert_eq!(claims["sub"], LOCAL_SUBJECT);
    assert_eq!(claims["scp"], PERMISSION);
    assert!(claims.get("roles").is_none());
    let iat = claims["iat"].as_u64().expect("iat");
    assert_eq!(claims["nbf"].as_u64(), Some(iat));
    assert_eq!(claims["exp"].as_u64(), Some(iat + 3_600));
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

    let scopes = vec!["A.Read".to_owned(), PERMISSION.to_owned()];
    let roles = vec!["R.One".to_owned()];
    let claims = part(
        &issuer
            .mint(&scopes, &roles, Duration::from_secs(60))
            .expect("mint"),
        1,
    );
    assert_eq!(claims["scp"], "A.Read ThreatIntelligence.Read.All");
    assert_eq!(claims["roles"], serde_json::json!(["R.One"]));

    let claims = part(
        &issuer
            .mint(&[], &roles, Duration::from_secs(60))
            .expect("mint"),
        1,
    );
    assert!(
        claims.get("scp").is_none(),
        "roles-only tokens carry no scp"
    );

    let jwks = issuer.jwks();
    assert_eq!(jwks["keys"][0]["kid"], issuer.key_id());
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
}

#[test]
fn mint_rejects_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = LocalIssuer::load_or_create(dir.path()).expect("create");
    for ttl in [Duration::ZERO, MAX_TTL + Duration::from_secs(1)] {
        let err = issuer.mint(&[], &[], ttl).expect_err("bad ttl");
        assert!(matches!(err, AuthError::Config(_)), "{err:?}");
    }
    for scope in ["", "two words"] {
        let err = issuer
            .mint(&[scope.to_owned()], &[], Duration::from_secs(60))
            .expect_err("bad scope");
        assert!(err.to_string().contains("invalid scope or role"), "{err}");
    }
}
