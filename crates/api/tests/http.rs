//! The API over loopback: auth, Graph errors and headers, methods, paging, `$batch`, encoded ids, versions.

mod common;

use serde_json::{Value, json};
use std::collections::HashSet;

fn pdns_line(name: &str, i: u32) -> String {
    let ip = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
    json!({"@odata.type": "#microsoft.graph.security.passiveDnsRecord", "id": tigr_model::id::encode_key(&[name, &ip, "false"]),
           "firstSeenDateTime": format!("2023-01-01T00:{:02}:{:02}Z", (i / 60) % 60, i % 60), "lastSeenDateTime": "2023-06-01T00:00:00Z",
           "collectedDateTime": "2023-06-01T00:00:00Z", "recordType": if i.is_multiple_of(10) { "AAAA" } else { "A" },
           "parentHost": {"id": name}, "artifact": {"@odata.type": "#microsoft.graph.security.ipAddress", "id": ip}})
    .to_string()
}

fn fixture() -> String {
    let mut lines: Vec<String> = (0..250).map(|i| pdns_line("contoso.com", i)).collect();
    lines.push(
        json!({"@odata.type": "#microsoft.graph.security.hostPort", "id": "a+b/c==", "port": 443, "status": "open", "protocol": "tcp",
               "host": {"id": "contoso.com"}, "mostRecentSslCertificate": {"id": "cert1"}})
        .to_string(),
    );
    lines.push(
        json!({"@odata.type": "#microsoft.graph.security.sslCertificate", "id": "cert1", "sha1": "ab",
               "subject": {"commonName": "contoso.com", "address": {"city": "Redmond", "postOfficeBox": "PO 1", "type": "business"}}})
        .to_string(),
    );
    lines.join("\n")
}

fn server() -> common::Server {
    common::start(|store| common::load_graph_json(store, &fixture()))
}

const PDNS: &str = "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns";

#[test]
fn authentication_and_permission() {
    let s = server();
    let no_token = s.request("GET", PDNS, None, None);
    assert_eq!(no_token.status, 401);
    assert!(
        no_token
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer"))
    );
    assert_eq!(
        no_token.json()["error"]["code"],
        "InvalidAuthenticationToken"
    );
    assert_eq!(s.request("GET", PDNS, Some("not.a.jwt"), None).status, 401);
    let tampered = format!("{}x", s.token);
    assert_eq!(s.request("GET", PDNS, Some(&tampered), None).status, 401);
    let other_scope = s
        .issuer
        .mint(
            &["User.Read".into()],
            &[],
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let forbidden = s.request("GET", PDNS, Some(&other_scope), None);
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    assert_eq!(forbidden.json()["error"]["code"], "Forbidden");
    let app = s
        .issuer
        .mint(
            &[],
            &["ThreatIntelligence.Read.All".into()],
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    assert_eq!(s.request("GET", PDNS, Some(&app), None).status, 200);
}

#[test]
fn errors_are_graph_errors_with_request_ids() {
    let s = server();
    for (path, status, code, needle) in [
        (
            "v1.0/security/threatIntelligence/hosts/nope.example",
            404,
            "ResourceNotFound",
            "nope.example",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/nonsense",
            404,
            "ResourceNotFound",
            "has no navigation 'nonsense'",
        ),
        (
            "v1.0/security/threatIntelligence/widgets",
            404,
            "ResourceNotFound",
            "widgets",
        ),
        (
            "v2.0/security/threatIntelligence/hosts",
            404,
            "ResourceNotFound",
            "/v1.0 or /beta",
        ),
        (
            "v1.0/users",
            404,
            "ResourceNotFound",
            "/security/threatIntelligence",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$filter=recordType%20eq",
            400,
            "BadRequest",
            "$filter",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$filter=nope%20eq%201",
            400,
            "BadRequest",
            "nope",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$top=ten",
            400,
            "BadRequest",
            "$top",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$frobnicate=1",
            400,
            "BadRequest",
            "$frobnicate",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com?$top=1",
            400,
            "BadRequest",
            "$top",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$skiptoken=garbage",
            400,
            "BadRequest",
            "$skiptoken",
        ),
        (
            "v1.0/security/threatIntelligence/sslCertificates",
            400,
            "BadRequest",
            "$search",
        ),
        (
            "v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$filter=firstSeenDateTime%20gt%20'yesterday'",
            400,
            "BadRequest",
            "date-time",
        ),
    ] {
        let a = s.get(path);
        assert_eq!(a.status, status, "{path}: {}", a.body);
        let err = &a.json()["error"];
        assert_eq!(err["code"], code, "{path}");
        assert!(
            err["message"].as_str().unwrap_or("").contains(needle),
            "{path}: {}",
            err["message"]
        );
        assert_eq!(err["innerError"]["client-request-id"], "test-client-id");
        assert_eq!(a.header("client-request-id"), Some("test-client-id"));
        assert!(a.header("request-id").is_some_and(|r| r.len() == 36));
        assert_eq!(
            err["innerError"]["request-id"].as_str(),
            a.header("request-id")
        );
    }
    let bad_offset = s.get("v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns?$filter=recordType%20eq%20'A'%20and%20");
    assert!(
        bad_offset.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("offset"),
        "{}",
        bad_offset.body
    );
}

#[test]
fn read_only_methods() {
    let s = server();
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let a = s.request(method, PDNS, Some(&s.token), Some("{}"));
        assert_eq!(a.status, 405, "{method}");
        assert_eq!(a.header("allow"), Some("GET, HEAD"));
        assert_eq!(a.json()["error"]["code"], "MethodNotAllowed");
    }
    assert_eq!(
        s.request("GET", "v1.0/$batch", Some(&s.token), None).status,
        405
    );
}

#[test]
fn server_driven_paging_is_exact() {
    let s = server();
    let first = s.get(&format!("{PDNS}?$count=true"));
    let body = first.json();
    assert_eq!(body["@odata.count"], 250);
    assert_eq!(
        body["value"].as_array().map(Vec::len),
        Some(100),
        "default page size"
    );
    let mut seen = HashSet::new();
    let mut next = Some(format!("{PDNS}?$count=true"));
    let mut pages = 0;
    while let Some(url) = next.take() {
        let path = url
            .split_once(&format!("{}/", s.addr))
            .map(|(_, p)| p.to_owned())
            .unwrap_or(url);
        let page = s.get(&path).json();
        for item in page["value"].as_array().unwrap() {
            assert!(
                seen.insert(item["id"].as_str().unwrap().to_owned()),
                "duplicate {}",
                item["id"]
            );
        }
        pages += 1;
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.starts_with(&format!("http://{}/v1.0/", s.addr)), "{n}");
        }
    }
    assert_eq!((seen.len(), pages), (250, 3));
    // $top sets the page size, $skip the start; time fencing with $filter and $orderby.
    let page = s.get(&format!("{PDNS}?$top=7&$skip=240")).json();
    assert_eq!(page["value"].as_array().map(Vec::len), Some(7));
    assert!(
        page["@odata.nextLink"]
            .as_str()
            .is_some_and(|l| !l.contains("$skip=")),
        "{page}"
    );
    let fenced = s.get(&format!("{PDNS}?$filter=recordType%20eq%20'AAAA'%20and%20firstSeenDateTime%20ge%202023-01-01T00:01:00Z&$orderby=firstSeenDateTime%20desc&$count=true")).json();
    assert_eq!(fenced["@odata.count"], 19);
    assert_eq!(
        fenced["value"][0]["firstSeenDateTime"],
        "2023-01-01T00:04:00Z"
    );
    let big = s.get(&format!("{PDNS}?$top=100000")).json();
    assert_eq!(
        big["value"].as_array().map(Vec::len),
        Some(250),
        "the max page size (1000) caps $top"
    );
    let count = s.get(&format!("{PDNS}/$count"));
    assert_eq!((count.status, count.body.as_str()), (200, "250"));
    assert!(
        count
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain"))
    );
}

#[test]
fn repeated_answers_follow_writes_from_any_process() {
    let s = server();
    let url = format!("{PDNS}?$count=true&$top=1");
    assert_eq!(s.get(&url).json()["@odata.count"], 250);
    assert_eq!(
        s.get(&url).json()["@odata.count"],
        250,
        "a repeat, from the cache"
    );
    // A second store on the same files stands for another process (`tigr ingest` beside `tigr serve`).
    let other = tigr_store::SqliteStore::open(s.data_dir()).expect("second store");
    common::load_graph_json(&other, &pdns_line("contoso.com", 9999));
    assert_eq!(s.get(&url).json()["@odata.count"], 251);
    common::load_graph_json(s.store.as_ref(), &pdns_line("contoso.com", 10000));
    assert_eq!(s.get(&url).json()["@odata.count"], 252);
    let count = s.get(&format!("{PDNS}/$count"));
    assert_eq!((count.status, count.body.as_str()), (200, "252"));
    let count = s.get(&format!("{PDNS}/$count"));
    assert!(
        count
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain"))
    );
    assert_eq!(count.body, "252");
}

#[test]
fn encoded_ids_select_expand_and_versions() {
    let s = server();
    // Ids with + / = arrive percent-encoded, as the SDKs send them.
    let port = s.get("v1.0/security/threatIntelligence/hostPorts/a%2Bb%2Fc%3D%3D?$select=port,mostRecentSslCertificate&$expand=mostRecentSslCertificate");
    assert_eq!(port.status, 200, "{}", port.body);
    let port = port.json();
    assert_eq!(port["id"], "a+b/c==");
    assert_eq!(port["port"], 443);
    assert!(
        port.get("status").is_none(),
        "$select limits properties: {port}"
    );
    assert_eq!(port["mostRecentSslCertificate"]["sha1"], "ab");
    assert_eq!(
        port["@odata.context"],
        format!(
            "http://{}/v1.0/$metadata#security/threatIntelligence/hostPorts/$entity",
            s.addr
        )
    );
    let host = s
        .get("v1.0/security/threatIntelligence/hostPorts/a%2Bb%2Fc%3D%3D/host")
        .json();
    assert_eq!(host["@odata.type"], "#microsoft.graph.security.hostname");
    // physicalAddress.postOfficeBox and type exist only in beta.
    let v1 = s
        .get("v1.0/security/threatIntelligence/sslCertificates/cert1")
        .json();
    let beta = s
        .get("beta/security/threatIntelligence/sslCertificates/cert1")
        .json();
    assert!(
        v1["subject"]["address"].get("postOfficeBox").is_none(),
        "{v1}"
    );
    assert_eq!(beta["subject"]["address"]["postOfficeBox"], "PO 1");
    // Every root collection is listable, hosts included.
    let hosts = s
        .get("v1.0/security/threatIntelligence/hosts?$count=true&$top=2")
        .json();
    assert_eq!(hosts["@odata.count"], 251);
    let head = s.request(
        "GET",
        "beta/security/threatIntelligence",
        Some(&s.token),
        None,
    );
    assert_eq!(
        head.json()["@odata.type"],
        "#microsoft.graph.security.threatIntelligence"
    );
}

#[test]
fn batch() {
    let s = server();
    let post = |body: &Value| {
        s.request(
            "POST",
            "v1.0/$batch",
            Some(&s.token),
            Some(&body.to_string()),
        )
    };
    let a = post(&json!({"requests": [
        {"id": "1", "method": "GET", "url": "/security/threatIntelligence/hosts/contoso.com"},
        {"id": "2", "method": "GET", "url": "security/threatIntelligence/hosts/contoso.com/passiveDns/$count"},
        {"id": "3", "method": "GET", "url": "/security/threatIntelligence/hosts/missing.example"},
        {"id": "4", "method": "GET", "url": "/security/threatIntelligence/hosts/contoso.com/ports", "dependsOn": ["3"]},
        {"id": "5", "method": "DELETE", "url": "/security/threatIntelligence/hosts/contoso.com"},
        {"id": "6", "method": "GET", "url": format!("http://{}/v1.0/security/threatIntelligence/hosts/contoso.com", s.addr)},
        {"id": "7", "method": "GET", "url": "/v1.0/security/threatIntelligence/hosts/contoso.com"}
    ]}));
    assert_eq!(a.status, 200, "{}", a.body);
    let r = a.json();
    let statuses: Vec<u64> = r["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 200, 404, 424, 405, 200, 200]);
    assert_eq!(r["responses"][0]["body"]["id"], "contoso.com");
    assert_eq!(r["responses"][1]["body"], "250");
    let too_many: Vec<Value> = (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/security/threatIntelligence/hosts"})).collect();
    for (body, needle) in [
        (json!({"requests": too_many}), "1 to 20"),
        (
            json!({"requests": [{"id": "1", "url": "/x"}, {"id": "1", "url": "/y"}]}),
            "twice",
        ),
        (
            json!({"requests": [{"id": "1", "url": "/x", "dependsOn": ["9"]}]}),
            "depends on",
        ),
        (json!({"nope": []}), "requests"),
    ] {
        let a = post(&body);
        assert_eq!(a.status, 400, "{body}");
        assert!(
            a.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(needle),
            "{}",
            a.body
        );
    }
    let not_json = s.request("POST", "v1.0/$batch", Some(&s.token), Some("{"));
    assert_eq!(not_json.status, 400);
}
