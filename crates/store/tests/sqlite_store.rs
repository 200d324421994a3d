//! Store behaviour against a real SQLite file: migrations, upsert merging, navigation scopes, filters, paging.

use serde_json::{Value, json};
use tigr_model::ApiVersion;
use tigr_model::batch::Batch;
use tigr_model::schema::entity_type;
use tigr_odata::parse_query;
use tigr_store::capabilities::ResourceCaps;
use tigr_store::{Collection, EntityRef, ListQuery, Render, Scope, SqliteStore, Store};

fn load(store: &SqliteStore, ndjson: &str) {
    let mut batches = Vec::new();
    let mut sink = |b: Batch| batches.push(b);
    let report = tigr_ingest::graph_json::Importer::new("test", &mut sink).read(ndjson.as_bytes());
    assert_eq!(report.rejected(), 0, "{report}");
    for b in &batches {
        store.apply(b).expect("apply");
    }
}

fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path()).expect("open");
    (dir, store)
}

const RENDER: Render<'static> = Render {
    version: ApiVersion::V1,
    select: None,
    expand: &[],
};

fn host(id: &str) -> EntityRef {
    EntityRef {
        ty: entity_type(tigr_model::id::host_type(id)).unwrap(),
        id: id.into(),
    }
}

fn nav(parent: EntityRef, nav: &'static str, item: &str) -> Collection {
    Collection {
        ty: entity_type(item).unwrap(),
        scope: Scope::Nav { parent, nav },
    }
}

/// Lists a collection with a raw OData query string, validated as the API would.
fn list(
    store: &SqliteStore,
    coll: &Collection,
    raw: &str,
    page_size: usize,
) -> (Vec<Value>, Option<String>, Option<u64>) {
    let mut q = parse_query(Some(raw)).expect("query parses");
    q.validate(&ResourceCaps::collection(coll.ty))
        .expect("query validates");
    let lq = ListQuery::new(&q, page_size);
    let page = store.list(coll, &lq, &RENDER).expect("list");
    (page.items(), page.next_cursor, page.count)
}

fn pdns(name: &str, ip: &str, first: &str, last: &str, rtype: &str) -> String {
    let id = tigr_model::id::encode_key(&[name, ip, "false"]);
    json!({"@odata.type": "#microsoft.graph.security.passiveDnsRecord", "id": id, "firstSeenDateTime": first, "lastSeenDateTime": last,
           "collectedDateTime": last, "recordType": rtype, "parentHost": {"id": name},
           "artifact": {"@odata.type": "#microsoft.graph.security.ipAddress", "id": ip}})
    .to_string()
}

#[test]
fn migrations_are_versioned_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let v = SqliteStore::open(dir.path())
        .unwrap()
        .schema_version()
        .unwrap();
    assert_eq!(v, tigr_store::sqlite::SCHEMA_VERSION);
    assert_eq!(
        SqliteStore::open(dir.path())
            .unwrap()
            .schema_version()
            .unwrap(),
        tigr_store::sqlite::SCHEMA_VERSION
    );
}

#[test]
fn a_version_1_store_keeps_its_data_through_the_migrations() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(tigr_store::sqlite::DB_FILE)).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO host (id, type, firstSeenDateTime) VALUES ('contoso.com', 'hostname', 1700000000000000);
             INSERT INTO passiveDnsRecord (id, recordType, parentHost, artifact, artifactType, observations)
                 VALUES ('r1', 'A', 'contoso.com', '192.0.2.1', 'ipAddress', 7);",
        )
        .unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        tigr_store::sqlite::SCHEMA_VERSION
    );
    let (items, _, _) = list(
        &store,
        &nav(host("contoso.com"), "passiveDns", "passiveDnsRecord"),
        "",
        10,
    );
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["artifact"]["id"], "192.0.2.1");
    let found = store
        .find(
            &Collection {
                ty: entity_type("host").unwrap(),
                scope: Scope::Root,
            },
            "contoso.com",
        )
        .unwrap()
        .unwrap();
    let rendered: Value = serde_json::from_str(&store.render(&found, &RENDER).unwrap()).unwrap();
    assert_eq!(rendered["firstSeenDateTime"], "2023-11-14T22:13:20Z");
}

#[test]
fn forward_and_reverse_passive_dns_with_filters_and_paging() {
    let (_d, store) = open();
    let mut lines = Vec::new();
    for i in 0..25 {
        lines.push(pdns(
            "contoso.com",
            &format!("10.0.0.{i}"),
            &format!("2023-01-{:02}T00:00:00Z", i + 1),
            "2023-06-01T00:00:00Z",
            "A",
        ));
    }
    lines.push(pdns(
        "www.contoso.com",
        "10.0.0.1",
        "2022-01-01T00:00:00Z",
        "2022-02-01T00:00:00Z",
        "A",
    ));
    load(&store, &lines.join("\n"));

    let fwd = nav(host("contoso.com"), "passiveDns", "passiveDnsRecord");
    let (items, _, count) = list(&store, &fwd, "$count=true", 100);
    assert_eq!((items.len(), count), (25, Some(25)));
    assert_eq!(
        items[0]["parentHost"],
        json!({"@odata.type": "#microsoft.graph.security.hostname", "id": "contoso.com"})
    );
    assert_eq!(
        items[0]["artifact"]["@odata.type"],
        "#microsoft.graph.security.ipAddress"
    );

    let rev = nav(host("10.0.0.1"), "passiveDnsReverse", "passiveDnsRecord");
    let (items, _, _) = list(&store, &rev, "", 100);
    let names: Vec<_> = items
        .iter()
        .map(|v| v["parentHost"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // Time fencing and ordering.
    let (items, _, _) = list(
        &store,
        &fwd,
        "$filter=firstSeenDateTime ge 2023-01-20T00:00:00Z&$orderby=firstSeenDateTime desc",
        100,
    );
    let firsts: Vec<_> = items
        .iter()
        .map(|v| v["firstSeenDateTime"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        firsts.first().map(String::as_str),
        Some("2023-01-25T00:00:00Z")
    );
    assert_eq!(firsts.len(), 6);

    // Keyset paging visits every row exactly once, even when rows are added between pages.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let raw = match &cursor {
            Some(c) => format!("$orderby=firstSeenDateTime desc&$skiptoken={c}"),
            None => "$orderby=firstSeenDateTime desc".to_owned(),
        };
        let (items, next, _) = list(&store, &fwd, &raw, 7);
        seen.extend(items.iter().map(|v| v["id"].as_str().unwrap().to_owned()));
        pages += 1;
        if pages == 2 {
            // A record older than everything seen so far: it must show up on a later page, once.
            load(
                &store,
                &pdns(
                    "contoso.com",
                    "10.9.9.9",
                    "2020-01-01T00:00:00Z",
                    "2020-01-02T00:00:00Z",
                    "A",
                ),
            );
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!((seen.len(), dedup.len()), (26, 26));
}

#[test]
fn reimport_is_idempotent_and_merges_first_last_seen() {
    let (_d, store) = open();
    let line = pdns(
        "contoso.com",
        "1.2.3.4",
        "2023-01-05T00:00:00Z",
        "2023-01-06T00:00:00Z",
        "A",
    );
    load(&store, &line);
    load(&store, &line);
    load(
        &store,
        &pdns(
            "contoso.com",
            "1.2.3.4",
            "2023-01-01T00:00:00Z",
            "2023-01-03T00:00:00Z",
            "A",
        ),
    );
    let fwd = nav(host("contoso.com"), "passiveDns", "passiveDnsRecord");
    let (items, _, _) = list(&store, &fwd, "", 100);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["firstSeenDateTime"], "2023-01-01T00:00:00Z");
    assert_eq!(items[0]["lastSeenDateTime"], "2023-01-06T00:00:00Z");
    // Referenced hosts exist as entities.
    let hosts = Collection {
        ty: entity_type("host").unwrap(),
        scope: Scope::Root,
    };
    assert!(store.find(&hosts, "CONTOSO.com.").unwrap().is_some());
    assert_eq!(
        store.find(&hosts, "1.2.3.4").unwrap().map(|e| e.ty.name),
        Some("ipAddress")
    );
}

#[test]
fn link_navigations_and_context_relations() {
    let (_d, store) = open();
    load(
        &store,
        r##"{"@odata.type":"#microsoft.graph.security.article","id":"a1","title":"Storm","createdDateTime":"2023-01-01T00:00:00Z","indicators":[{"id":"i1","source":"microsoft","artifact":{"@odata.type":"#microsoft.graph.security.hostname","id":"evil.example"}}]}
{"@odata.context":"$metadata#security/threatIntelligence/hosts('contoso.com')/subdomains","value":[{"@odata.type":"#microsoft.graph.security.subdomain","id":"s1","firstSeenDateTime":"2023-01-01T00:00:00Z","host":{"id":"www.contoso.com"}}]}
{"@odata.type":"#microsoft.graph.security.hostSslCertificate","id":"hc1","host":{"id":"contoso.com"},"sslCertificate":{"id":"c1","sha1":"aa:bb"},"ports":[{"port":443}]}"##,
    );
    let article = EntityRef {
        ty: entity_type("article").unwrap(),
        id: "a1".into(),
    };
    let (items, _, _) = list(
        &store,
        &nav(article, "indicators", "articleIndicator"),
        "",
        100,
    );
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["artifact"]["id"], "evil.example");
    let (items, _, _) = list(
        &store,
        &nav(host("contoso.com"), "subdomains", "subdomain"),
        "",
        100,
    );
    assert_eq!(items[0]["host"]["id"], "www.contoso.com");
    let cert = EntityRef {
        ty: entity_type("sslCertificate").unwrap(),
        id: "c1".into(),
    };
    let (items, _, _) = list(&store, &nav(cert.clone(), "relatedHosts", "host"), "", 100);
    assert_eq!(items[0]["id"], "contoso.com");
    // hostSslCertificate carries its certificate in full, as Graph's examples do.
    let hc: Value = serde_json::from_str(
        &store
            .render(
                &EntityRef {
                    ty: entity_type("hostSslCertificate").unwrap(),
                    id: "hc1".into(),
                },
                &RENDER,
            )
            .unwrap(),
    )
    .unwrap();
    assert_eq!(hc["sslCertificate"]["sha1"], "aa:bb");
    assert_eq!(hc["ports"], json!([{"port": 443}]));
}

#[test]
fn search_forms() {
    let (_d, store) = open();
    load(
        &store,
        r##"{"@odata.type":"#microsoft.graph.security.sslCertificate","id":"c1","fingerprint":"fb:96:55","subject":{"commonName":"Microsoft.com","alternateNames":["a.example"],"address":{"state":"WA"}}}
{"@odata.type":"#microsoft.graph.security.sslCertificate","id":"c2","fingerprint":"00:11","subject":{"commonName":"other.example"}}
{"@odata.type":"#microsoft.graph.security.whoisRecord","id":"w1","host":{"id":"contoso.com"},"admin":{"name":"Ann","address":{"state":"WA"}},"nameservers":[{"host":{"id":"ns1.contoso.com"}}]}"##,
    );
    let certs = Collection {
        ty: entity_type("sslCertificate").unwrap(),
        scope: Scope::Root,
    };
    for (q, want) in [
        ("$search=\"subject/commonName:microsoft.com\"", 1),
        ("$search=\"fingerprint:fb9655\"", 1),
        ("$search=\"subject/alternativeName:A.example\"", 1),
        ("$search=\"subject/stateOrProvinceName:wa\"", 1),
        ("$search=\"subject/commonName:nobody\"", 0),
    ] {
        assert_eq!(list(&store, &certs, q, 100).0.len(), want, "{q}");
    }
    let whois = Collection {
        ty: entity_type("whoisRecord").unwrap(),
        scope: Scope::Root,
    };
    for (q, want) in [
        ("$search=\"admin/address/state:WA\"", 1),
        ("$search=\"nameservers/host/id:NS1.contoso.com\"", 1),
        ("$search=\"admin/name:bob\"", 0),
    ] {
        assert_eq!(list(&store, &whois, q, 100).0.len(), want, "{q}");
    }
}

#[test]
fn migration_columns_match_the_schema_layout() {
    let (dir, store) = open();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(tigr_store::sqlite::DB_FILE)).unwrap();
    for table in tigr_store::sqlite::tables() {
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info(\"{table}\")"))
            .unwrap();
        let have: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want = tigr_store::sqlite::expected_columns(table);
        assert_eq!(have, want, "table {table}");
    }
}

#[test]
fn the_current_whois_record_is_the_newest() {
    let (_d, store) = open();
    load(
        &store,
        r##"{"@odata.type":"#microsoft.graph.security.whoisRecord","id":"old","host":{"id":"contoso.com"},"lastUpdateDateTime":"2020-01-01T00:00:00Z"}
{"@odata.type":"#microsoft.graph.security.whoisRecord","id":"new","host":{"id":"contoso.com"},"lastUpdateDateTime":"2023-01-01T00:00:00Z"}
{"@odata.type":"#microsoft.graph.security.whoisRecord","id":"undated","host":{"id":"contoso.com"}}"##,
    );
    let current = store
        .follow(&host("contoso.com"), "whois")
        .unwrap()
        .map(|e| e.id);
    assert_eq!(current.as_deref(), Some("new"));
}

/// Aggregates `name TYPE value @seconds` lines the way DNS ingest does.
fn dns_batch(lines: &[&str]) -> tigr_model::batch::DnsBatch {
    use tigr_ingest::dns::{Aggregator, Observation, Rdata, RecordType};
    let mut agg = Aggregator::new(1000);
    for line in lines {
        let (rest, time) = line.rsplit_once(" @").unwrap();
        let mut parts = rest.splitn(3, ' ');
        let (name, rtype, value) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let time: i64 = time.parse::<i64>().unwrap() * 1_000_000;
        agg.add(&Observation::once(
            name,
            RecordType::parse(rtype).unwrap(),
            Rdata::Text(value),
            time,
        ))
        .unwrap();
    }
    agg.drain(1_800_000_000_000_000)
}

#[test]
fn passive_dns_batches_merge_into_records_hosts_and_subdomains() {
    let (dir, store) = open();
    let first = dns_batch(&[
        "www.example.com A 192.0.2.1 @1700000100",
        "www.example.com A 192.0.2.1 @1700000200",
        "www.example.com CNAME web.example.net. @1700000150",
        "example.com TXT \"v=spf1 -all\" @1700000300",
    ]);
    let second = dns_batch(&[
        "WWW.example.com. A 192.0.2.1 @1700000050",
        "mail.example.com MX 10 mx.example.org. @1700000400",
    ]);
    store.apply_dns(&first).unwrap();
    store.apply_dns(&second).unwrap();

    let (items, _, _) = list(
        &store,
        &nav(host("www.example.com"), "passiveDns", "passiveDnsRecord"),
        "$orderby=recordType",
        10,
    );
    let summary: Vec<String> = items
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}..{}",
                r["recordType"].as_str().unwrap(),
                r["artifact"]["@odata.type"].as_str().unwrap(),
                r["artifact"]["id"].as_str().unwrap(),
                r["firstSeenDateTime"].as_str().unwrap(),
                r["lastSeenDateTime"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "A #microsoft.graph.security.ipAddress 192.0.2.1 2023-11-14T22:14:10Z..2023-11-14T22:16:40Z",
            "CNAME #microsoft.graph.security.hostname web.example.net 2023-11-14T22:15:50Z..2023-11-14T22:15:50Z",
        ]
    );
    assert_eq!(items[0]["collectedDateTime"], "2027-01-15T08:00:00Z");

    // Reverse: the address and the CNAME target point back at the owner.
    for (value, expected) in [
        ("192.0.2.1", "www.example.com"),
        ("web.example.net", "www.example.com"),
        ("mx.example.org", "mail.example.com"),
    ] {
        let (items, _, _) = list(
            &store,
            &nav(host(value), "passiveDnsReverse", "passiveDnsRecord"),
            "",
            10,
        );
        assert_eq!(items.len(), 1, "{value}");
        assert_eq!(items[0]["parentHost"]["id"], expected);
    }

    // Data with no host behind it is rendered in full.
    let (items, _, _) = list(
        &store,
        &nav(host("example.com"), "passiveDns", "passiveDnsRecord"),
        "",
        10,
    );
    assert_eq!(
        items[0]["artifact"]["@odata.type"],
        "#microsoft.graph.security.unclassifiedArtifact"
    );
    assert_eq!(items[0]["artifact"]["kind"], "TXT");
    assert_eq!(items[0]["artifact"]["value"], "\"v=spf1 -all\"");

    // Every observed name and address is a host with its sightings; registrable domains own the subdomains.
    let www = store
        .find(
            &Collection {
                ty: entity_type("host").unwrap(),
                scope: Scope::Root,
            },
            "www.example.com",
        )
        .unwrap()
        .unwrap();
    let www: Value = serde_json::from_str(&store.render(&www, &RENDER).unwrap()).unwrap();
    assert_eq!(www["@odata.type"], "#microsoft.graph.security.hostname");
    assert_eq!(www["firstSeenDateTime"], "2023-11-14T22:14:10Z");
    assert_eq!(www["lastSeenDateTime"], "2023-11-14T22:16:40Z");
    let (subs, _, _) = list(
        &store,
        &nav(host("example.com"), "subdomains", "subdomain"),
        "",
        10,
    );
    let mut names: Vec<&str> = subs
        .iter()
        .map(|s| s["host"]["id"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["mail.example.com", "www.example.com"]);
    let (subs, _, _) = list(
        &store,
        &nav(host("example.net"), "subdomains", "subdomain"),
        "",
        10,
    );
    assert_eq!(subs.len(), 1);

    // Counts add up across batches (kept in the store; the schema has no property for them).
    let db = rusqlite::Connection::open(dir.path().join(tigr_store::sqlite::DB_FILE)).unwrap();
    let observations: i64 = db
        .query_row("SELECT observations FROM passiveDnsRecord WHERE parentHost = 'www.example.com' AND recordType = 'A'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(observations, 3);
}
