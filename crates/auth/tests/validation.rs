//! Data-driven validation vectors for locally issued tokens, through the public API.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tigr_auth::{
    AuthError, Authenticator, GRAPH_APP_ID, GRAPH_AUDIENCE, LOCAL_ISSUER, LocalIssuer, PERMISSION,
};

struct Fixture {
    _dir: tempfile::TempDir,
    issuer: LocalIssuer,
    auth: Authenticator,
    key: EncodingKey,
    /// A second, unrelated local key.
    other: LocalIssuer,
    other_key: EncodingKey,
    _other_dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = LocalIssuer::load_or_create(dir.path()).expect("issuer");
    let key = EncodingKey::from_ed_pem(&std::fs::read(issuer.key_path()).expect("read key"))
        .expect("pem");
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = LocalIssuer::load_or_create(other_dir.path()).expect("other issuer");
    let other_key =
        EncodingKey::from_ed_pem(&std::fs::read(other.key_path()).expect("read key")).expect("pem");
    let auth = Authenticator::new(Some(&issuer), None).expect("authenticator");
    Fixture {
        _dir: dir,
        issuer,
        auth,
        key,
        other,
        other_key,
        _other_dir: other_dir,
    }
}

fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).expect("time")
}

fn base_claims() -> Value {
    let now = now();
    json!({
        "iss": LOCAL_ISSUER,
        "aud": GRAPH_AUDIENCE,
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "scp": PERMISSION,
    })
}

/// `base_claims` with `changes` applied; a `null` value removes the claim.
fn claims(changes: &Value) -> Value {
    let mut out = base_claims();
    let map = out.as_object_mut().expect("object");
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            map.remove(k);
        } else {
            map.insert(k.clone(), v.clone());
        }
    }
    out
}

fn header(kid: Option<&str>) -> Header {
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = kid.map(str::to_owned);
    h
}

fn sign(f: &Fixture, claims: &Value) -> String {
    jsonwebtoken::encode(&header(Some(f.issuer.key_id())), claims, &f.key).expect("encode")
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
}

fn bearer(token: &str) -> Option<String> {
    Some(format!("Bearer {token}"))
}

#[derive(Debug)]
enum Want {
    Ok,
    Unauthenticated(&'static str),
    Forbidden(&'static str),
}

struct Case {
    name: &'static str,
    header: Option<String>,
    want: Want,
}

fn case(name: &'static str, header: Option<String>, want: Want) -> Case {
    Case { name, header, want }
}

fn cases(f: &Fixture) -> Vec<Case> {
    let good = sign(f, &base_claims());
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let tampered_payload = {
        let mut p = parts.clone();
        p[1] = b64(&claims(&json!({"exp": now() + 86_400 * 365})));
        p.join(".")
    };
    let tampered_signature = {
        let sig = &mut parts[2];
        let flipped = if sig.starts_with('A') { "B" } else { "A" };
        sig.replace_range(0..1, flipped);
        parts.join(".")
    };
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&base_claims())
    );
    let alg_none_sig = format!(
        "{}.{}.c2ln",
        b64(&json!({"alg": "none", "kid": f.issuer.key_id()})),
        b64(&base_claims())
    );
    // Algorithm confusion: HS256 keyed with something public.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(f.issuer.key_id().to_owned());
    let hs256 = jsonwebtoken::encode(
        &hs,
        &base_claims(),
        &EncodingKey::from_secret(f.issuer.key_id().as_bytes()),
    )
    .expect("hs256");
    let other_key_our_kid = jsonwebtoken::encode(
        &header(Some(f.issuer.key_id())),
        &base_claims(),
        &f.other_key,
    )
    .expect("encode");
    let other_key_own_kid = jsonwebtoken::encode(
        &header(Some(f.other.key_id())),
        &base_claims(),
        &f.other_key,
    )
    .expect("encode");
    let no_kid = jsonwebtoken::encode(&header(None), &base_claims(), &f.key).expect("encode");
    let mut crit = header(Some(f.issuer.key_id()));
    crit.crit = Some(vec!["exp".to_owned()]);
    let crit = jsonwebtoken::encode(&crit, &base_claims(), &f.key).expect("encode");
    let minted = f
        .issuer
        .mint(&[], &[], Duration::from_secs(3_600))
        .expect("mint");
    let minted_roles = f
        .issuer
        .mint(&[], &[PERMISSION.to_owned()], Duration::from_secs(60))
        .expect("mint");
    let minted_other_scope = f
        .issuer
        .mint(&["User.Read".to_owned()], &[], Duration::from_secs(60))
        .expect("mint");
    let t = |changes: Value| bearer(&sign(f, &claims(&changes)));

    vec![
        case("minted token", bearer(&minted), Want::Ok),
        case("minted roles-only token", bearer(&minted_roles), Want::Ok),
        case(
            "minted token with another scope",
            bearer(&minted_other_scope),
            Want::Forbidden("missing permission"),
        ),
        case("good token", bearer(&good), Want::Ok),
        case("lowercase scheme", Some(format!("bearer {good}")), Want::Ok),
        case(
            "expired",
            t(json!({"exp": now() - 3_600})),
            Want::Unauthenticated("token expired"),
        ),
        case(
            "expired within leeway",
            t(json!({"exp": now() - 20})),
            Want::Ok,
        ),
        case(
            "not yet valid",
            t(json!({"nbf": now() + 3_600})),
            Want::Unauthenticated("token not yet valid"),
        ),
        case("nbf within leeway", t(json!({"nbf": now() + 20})), Want::Ok),
        case(
            "wrong aud",
            t(json!({"aud": "api://something-else"})),
            Want::Unauthenticated("audience mismatch: expected \"https://graph.microsoft.com\""),
        ),
        case(
            "aud is Graph's app id",
            t(json!({"aud": GRAPH_APP_ID})),
            Want::Ok,
        ),
        case(
            "aud array containing Graph",
            t(json!({"aud": ["x", GRAPH_AUDIENCE]})),
            Want::Ok,
        ),
        case(
            "aud missing",
            t(json!({"aud": null})),
            Want::Unauthenticated("token has no aud claim"),
        ),
        case(
            "wrong iss",
            t(json!({"iss": "evil"})),
            Want::Unauthenticated("untrusted issuer \"evil\""),
        ),
        case(
            "iss missing",
            t(json!({"iss": null})),
            Want::Unauthenticated("token has no iss claim"),
        ),
        case(
            "iss not a string",
            t(json!({"iss": 7})),
            Want::Unauthenticated("invalid iss claim"),
        ),
        case(
            "exp missing",
            t(json!({"exp": null})),
            Want::Unauthenticated("token has no exp claim"),
        ),
        case(
            "exp not a number",
            t(json!({"exp": "tomorrow"})),
            Want::Unauthenticated("invalid exp claim"),
        ),
        case(
            "bad signature (other key, our kid)",
            bearer(&other_key_our_kid),
            Want::Unauthenticated("invalid token signature"),
        ),
        case(
            "other key's kid",
            bearer(&other_key_own_kid),
            Want::Unauthenticated("unknown signing key id"),
        ),
        case(
            "tampered payload",
            bearer(&tampered_payload),
            Want::Unauthenticated("invalid token signature"),
        ),
        case(
            "tampered signature",
            bearer(&tampered_signature),
            Want::Unauthenticated("invalid token signature"),
        ),
        case(
            "alg none",
            bearer(&alg_none),
            Want::Unauthenticated("alg \"none\""),
        ),
        case(
            "alg none with signature",
            bearer(&alg_none_sig),
            Want::Unauthenticated("alg \"none\""),
        ),
        case(
            "alg HS256 confusion",
            bearer(&hs256),
            Want::Unauthenticated("signing algorithm HS256 is not accepted"),
        ),
        case(
            "no kid",
            bearer(&no_kid),
            Want::Unauthenticated("token header has no kid"),
        ),
        case(
            "crit header",
            bearer(&crit),
            Want::Unauthenticated("critical"),
        ),
        case(
            "missing header",
            None,
            Want::Unauthenticated("missing Authorization header"),
        ),
        case(
            "empty header",
            Some(String::new()),
            Want::Unauthenticated("missing Authorization header"),
        ),
        case(
            "Basic scheme",
            Some("Basic dXNlcjpwYXNz".to_owned()),
            Want::Unauthenticated("unsupported authorization scheme \"Basic\""),
        ),
        case(
            "bare token without scheme",
            Some(good.clone()),
            Want::Unauthenticated("unsupported authorization scheme"),
        ),
        case(
            "empty bearer",
            Some("Bearer ".to_owned()),
            Want::Unauthenticated("empty bearer token"),
        ),
        case(
            "garbage token",
            bearer("not-a-jwt"),
            Want::Unauthenticated("malformed token"),
        ),
        case(
            "bad base64 header",
            bearer("!!!.e30.c2ln"),
            Want::Unauthenticated("header is not base64url"),
        ),
        case(
            "payload not JSON",
            bearer(&format!("{}.bm9wZQ.c2ln", b64(&json!({"alg": "EdDSA"})))),
            Want::Unauthenticated("payload is not a JSON object"),
        ),
        case(
            "unknown alg",
            bearer(&format!(
                "{}.{}.c2ln",
                b64(&json!({"alg": "XS999"})),
                b64(&base_claims())
            )),
            Want::Unauthenticated("unsupported signing algorithm"),
        ),
        case(
            "JWE",
            bearer("a.b.c.d.e"),
            Want::Unauthenticated("encrypted tokens"),
        ),
        case(
            "huge token",
            bearer(&"a".repeat(20_000)),
            Want::Unauthenticated("token too large"),
        ),
        case(
            "permission in roles only",
            t(json!({"scp": null, "roles": [PERMISSION]})),
            Want::Ok,
        ),
        case(
            "permission missing",
            t(json!({"scp": "User.Read"})),
            Want::Forbidden("missing permission ThreatIntelligence.Read.All in scp/roles"),
        ),
        case(
            "no scp and no roles",
            t(json!({"scp": null})),
            Want::Forbidden("missing permission"),
        ),
        case(
            "other roles only",
            t(json!({"scp": null, "roles": ["Other.Read.All"]})),
            Want::Forbidden("missing permission"),
        ),
        case(
            "scp with several scopes",
            t(json!({"scp": "User.Read ThreatIntelligence.Read.All Mail.Send"})),
            Want::Ok,
        ),
        case(
            "scp as an array",
            t(json!({"scp": ["User.Read", PERMISSION]})),
            Want::Ok,
        ),
        case(
            "permission in OAuth scope claim",
            t(json!({"scp": null, "scope": format!("openid {PERMISSION}")})),
            Want::Ok,
        ),
        case(
            "permission case differs",
            t(json!({"scp": "threatintelligence.read.all"})),
            Want::Forbidden("missing permission"),
        ),
        case(
            "permission as substring",
            t(json!({"scp": "ThreatIntelligence.Read.AllX"})),
            Want::Forbidden("missing permission"),
        ),
    ]
}

#[tokio::test]
async fn validation_vectors() {
    let f = fixture();
    let mut failures = Vec::new();
    for c in cases(&f) {
        let got = f.auth.authenticate(c.header.as_deref()).await;
        let ok = match (&c.want, &got) {
            (Want::Ok, Ok(p)) => p.issuer == LOCAL_ISSUER && p.has_permission(PERMISSION),
            (Want::Unauthenticated(msg), Err(e @ AuthError::Unauthenticated(_))) => {
                e.is_unauthenticated() && !e.is_forbidden() && e.to_string().contains(msg)
            }
            (Want::Forbidden(msg), Err(e @ AuthError::Forbidden(_))) => {
                e.is_forbidden() && e.to_string().contains(msg)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: want {:?}, got {:?}", c.name, c.want, got));
        }
    }
    assert!(
        failures.is_empty(),
        "failing vectors:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn principal_carries_claims() {
    let f = fixture();
    let token = sign(
        &f,
        &claims(
            &json!({"scp": "User.Read ThreatIntelligence.Read.All", "roles": ["A.B"], "azp": "client-1"}),
        ),
    );
    let p = f
        .auth
        .authenticate(bearer(&token).as_deref())
        .await
        .expect("valid");
    assert_eq!(p.subject.as_deref(), Some("alice"));
    assert_eq!(p.issuer, LOCAL_ISSUER);
    assert_eq!(p.client_id.as_deref(), Some("client-1"));
    assert_eq!(p.scopes, ["User.Read", PERMISSION]);
    assert_eq!(p.roles, ["A.B"]);

    // verify_token skips the permission check.
    let token = sign(&f, &claims(&json!({"scp": "User.Read"})));
    let p = f
        .auth
        .verify_token(&token)
        .await
        .expect("valid signature and claims");
    assert!(!p.has_permission(PERMISSION));
}

#[tokio::test]
async fn zero_leeway_rejects_slightly_expired() {
    let f = fixture();
    let auth = Authenticator::new(Some(&f.issuer), None)
        .expect("auth")
        .with_leeway(Duration::ZERO);
    let token = sign(&f, &claims(&json!({"exp": now() - 20})));
    let err = auth
        .authenticate(bearer(&token).as_deref())
        .await
        .expect_err("expired");
    assert_eq!(err.to_string(), "token expired");
}

#[test]
fn authenticator_needs_an_issuer() {
    let err = Authenticator::new(None, None).expect_err("nothing configured");
    assert!(matches!(err, AuthError::Config(_)), "{err:?}");
}
