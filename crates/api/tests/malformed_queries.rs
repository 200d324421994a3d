//! Malformed query strings never panic the server and are always answered 200 or 400 with a Graph error (property test
//! through the router, no socket).

use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

struct Fixture {
    app: axum::Router,
    token: String,
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(tigr_store::SqliteStore::open(dir.path()).expect("store"));
        let issuer = tigr_auth::LocalIssuer::load_or_create(dir.path()).expect("issuer");
        let token = issuer
            .mint(&[], &[], std::time::Duration::from_secs(3600))
            .expect("token");
        let auth = Arc::new(tigr_auth::Authenticator::new(Some(&issuer), None).expect("auth"));
        let app = tigr_api::router(tigr_api::AppState::new(
            store,
            auth,
            tigr_api::ApiConfig::default(),
        ));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Fixture {
            app,
            token,
            _dir: dir,
            rt,
        }
    })
}

fn status_of(path_and_query: &str) -> Option<u16> {
    let f = fixture();
    let req = Request::get(path_and_query)
        .header("Authorization", format!("Bearer {}", f.token))
        .body(Body::empty())
        .ok()?;
    let resp = f.rt.block_on(f.app.clone().oneshot(req)).ok()?;
    Some(resp.status().as_u16())
}

const PATHS: &[&str] = &[
    "/v1.0/security/threatIntelligence/sslCertificates",
    "/v1.0/security/threatIntelligence/whoisRecords",
    "/beta/security/threatIntelligence/articles",
    "/v1.0/security/threatIntelligence/hostPairs",
    "/v1.0/security/threatIntelligence/passiveDnsRecords",
    "/v1.0/security/threatIntelligence/intelProfiles",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("$filter=".to_owned()),
        Just("$orderby=".to_owned()),
        Just("$search=".to_owned()),
        Just("$select=".to_owned()),
        Just("$expand=".to_owned()),
        Just("$top=".to_owned()),
        Just("$skip=".to_owned()),
        Just("$count=".to_owned()),
        Just("$skiptoken=".to_owned()),
        Just("&".to_owned()),
        Just("%20".to_owned()),
        Just("%27".to_owned()),
        Just("%22".to_owned()),
        Just("%".to_owned()),
        Just("%2".to_owned()),
        Just("'".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(" eq ".to_owned()),
        Just(" and ".to_owned()),
        Just(" or ".to_owned()),
        Just("not ".to_owned()),
        Just(" in ".to_owned()),
        Just("firstSeenDateTime".to_owned()),
        Just("linkKind".to_owned()),
        Just("childHost/id".to_owned()),
        Just("subject/commonName:x".to_owned()),
        Just("2023-01-01T00:00:00Z".to_owned()),
        Just("null".to_owned()),
        Just("1e999".to_owned()),
        Just("-9223372036854775809".to_owned()),
        "[a-zA-Z0-9:/,.+=-]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_queries_are_200_or_400(path in proptest::sample::select(PATHS), parts in proptest::collection::vec(token(), 0..12)) {
        let q: String = parts.concat();
        // Characters a client cannot send raw in a URI are percent-encoded, as an HTTP client would.
        let q: String = q.chars().map(|c| if c == ' ' { "%20".to_owned() } else if c == '"' { "%22".to_owned() } else { c.to_string() }).collect();
        let uri = format!("{path}?{q}");
        if let Some(status) = status_of(&uri) {
            prop_assert!(status == 200 || status == 400, "{uri} → {status}");
        }
    }

    #[test]
    fn arbitrary_bytes_in_filter_are_200_or_400(raw in proptest::collection::vec(any::<u8>(), 0..40)) {
        let encoded: String = raw.iter().map(|b| format!("%{b:02X}")).collect();
        let uri = format!("/v1.0/security/threatIntelligence/passiveDnsRecords?$filter={encoded}");
        let status = status_of(&uri).expect("valid URI");
        prop_assert!(status == 200 || status == 400, "{uri} → {status}");
    }
}
