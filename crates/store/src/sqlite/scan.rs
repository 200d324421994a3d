//! The scan write path: merges scan findings with what is stored, so a rescan updates first/last seen, counts and
//! status instead of duplicating.
//!
//! Flat findings (components, cookies, trackers, pairs, hosts) are single upserts with min/max/sum in SQL. Ports and
//! host certificates carry collections (banners, services, ports) that merge item by item: they are read back as
//! Graph JSON, merged by the model's rules ([`PortFinding::merge`]) and written through the entity path, which
//! validates them and keeps navigations from dangling.

use super::{SqliteStore, apply_entity, ensure, upsert_host_seen};
use crate::{ApplyStats, EntityRef, Render, Result, StoreError};
use rusqlite::{Connection, params};
use serde_json::Value;
use tigr_model::ApiVersion;
use tigr_model::id::host_type;
use tigr_model::json::validate_entity;
use tigr_model::scan::{HostCertificateFinding, PortFinding, ScanBatch};
use tigr_model::schema::{EntityType, entity_type};

/// Applies a scan batch inside the caller's transaction.
pub(super) fn apply_scan(conn: &Connection, batch: &ScanBatch) -> Result<ApplyStats> {
    let mut stats = ApplyStats::default();
    for host in &batch.hosts {
        stats.stubs += u64::from(upsert_host_seen(conn, host)?);
        stats.entities += 1;
    }
    for cert in &batch.certificates {
        apply_entity(conn, &cert.entity, &mut stats)?;
        conn.prepare_cached(
            "UPDATE \"sslCertificate\" SET \
             \"firstSeenDateTime\" = min(COALESCE(\"firstSeenDateTime\", ?2), ?2), \
             \"lastSeenDateTime\" = max(COALESCE(\"lastSeenDateTime\", ?3), ?3) WHERE id = ?1",
        )?
        .execute(params![cert.entity.id, cert.seen.first, cert.seen.last])?;
    }
    for port in &batch.ports {
        let merged = match load(conn, "hostPort", &port.id())?
            .as_ref()
            .and_then(PortFinding::from_json)
        {
            Some(mut stored) => {
                stored.merge(port);
                stored
            }
            // A port never found open is not worth a resource; it only updates one that exists.
            None if port.open.is_none() => continue,
            None => port.clone(),
        };
        write(conn, &merged.to_json(), &mut stats)?;
    }
    for coverage in &batch.coverage {
        let ids: Vec<String> = conn
            .prepare_cached(
                "SELECT id FROM \"hostPort\" WHERE \"host\" = ?1 AND \"protocol\" = ?2",
            )?
            .query_map(params![coverage.host, coverage.protocol], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            let Some(mut stored) = load(conn, "hostPort", &id)?
                .as_ref()
                .and_then(PortFinding::from_json)
            else {
                continue;
            };
            if coverage.covers(stored.port) && coverage.time > stored.last_scan {
                stored.unlisted(&coverage.status, coverage.time);
                write(conn, &stored.to_json(), &mut stats)?;
            }
        }
    }
    for found in &batch.host_certificates {
        let merged = match load(conn, "hostSslCertificate", &found.id())?
            .as_ref()
            .and_then(HostCertificateFinding::from_json)
        {
            Some(mut stored) => {
                stored.merge(found);
                stored
            }
            None => found.clone(),
        };
        write(conn, &merged.to_json(), &mut stats)?;
    }
    let mut component = conn.prepare_cached(
        "INSERT INTO \"hostComponent\" (id, \"category\", \"firstSeenDateTime\", \"lastSeenDateTime\", \"name\", \
         \"version\", \"host\", \"detectedBy\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT(id) DO UPDATE SET \
         \"firstSeenDateTime\" = min(COALESCE(\"firstSeenDateTime\", excluded.\"firstSeenDateTime\"), excluded.\"firstSeenDateTime\"), \
         \"lastSeenDateTime\" = max(COALESCE(\"lastSeenDateTime\", excluded.\"lastSeenDateTime\"), excluded.\"lastSeenDateTime\"), \
         \"category\" = excluded.\"category\", \"name\" = excluded.\"name\", \"version\" = excluded.\"version\", \
         \"host\" = excluded.\"host\", \"detectedBy\" = excluded.\"detectedBy\"",
    )?;
    for c in &batch.components {
        stats.stubs += u64::from(ensure_host(conn, &c.host)?);
        let k = &c.component;
        component.execute(params![
            k.id,
            k.category,
            c.seen.first,
            c.seen.last,
            k.name,
            k.version,
            c.host,
            c.rule
        ])?;
        stats.entities += 1;
    }
    let mut cookie =
        conn.prepare_cached(&seen_upsert("hostCookie", &["domain", "name", "host"]))?;
    for c in &batch.cookies {
        stats.stubs += u64::from(ensure_host(conn, &c.host)?);
        cookie.execute(params![
            c.id(),
            c.seen.first,
            c.seen.last,
            c.domain,
            c.name,
            c.host
        ])?;
        stats.entities += 1;
    }
    let mut tracker =
        conn.prepare_cached(&seen_upsert("hostTracker", &["kind", "value", "host"]))?;
    for t in &batch.trackers {
        stats.stubs += u64::from(ensure_host(conn, &t.host)?);
        tracker.execute(params![
            t.id(),
            t.seen.first,
            t.seen.last,
            t.kind,
            t.value,
            t.host
        ])?;
        stats.entities += 1;
    }
    let mut pair = conn.prepare_cached(&seen_upsert(
        "hostPair",
        &["linkKind", "parentHost", "childHost"],
    ))?;
    for p in &batch.pairs {
        stats.stubs += u64::from(ensure_host(conn, &p.parent)?);
        stats.stubs += u64::from(ensure_host(conn, &p.child)?);
        pair.execute(params![
            p.id(),
            p.seen.first,
            p.seen.last,
            p.link_kind,
            p.parent,
            p.child
        ])?;
        stats.entities += 1;
    }
    Ok(stats)
}

/// An upsert of `(id, firstSeen, lastSeen, columns…)` that keeps the earliest first and latest last sighting.
fn seen_upsert(table: &str, columns: &[&str]) -> String {
    let names: String = columns.iter().map(|c| format!(", \"{c}\"")).collect();
    let params: String = (0..columns.len())
        .map(|i| format!(", ?{}", i + 4))
        .collect();
    let updates: String = columns
        .iter()
        .map(|c| format!(", \"{c}\" = excluded.\"{c}\""))
        .collect();
    format!(
        "INSERT INTO \"{table}\" (id, \"firstSeenDateTime\", \"lastSeenDateTime\"{names}) VALUES (?1, ?2, ?3{params}) \
         ON CONFLICT(id) DO UPDATE SET \
         \"firstSeenDateTime\" = min(COALESCE(\"firstSeenDateTime\", excluded.\"firstSeenDateTime\"), excluded.\"firstSeenDateTime\"), \
         \"lastSeenDateTime\" = max(COALESCE(\"lastSeenDateTime\", excluded.\"lastSeenDateTime\"), excluded.\"lastSeenDateTime\"){updates}"
    )
}

fn ensure_host(conn: &Connection, id: &str) -> Result<bool> {
    ensure(conn, schema_type(host_type(id))?, id)
}

fn schema_type(name: &str) -> Result<&'static EntityType> {
    entity_type(name).ok_or_else(|| StoreError::Corrupt {
        table: name.into(),
        column: "type".into(),
        message: "not in the schema".into(),
    })
}

/// A stored entity as Graph JSON (beta, every property, navigations as stubs), or `None`.
fn load(conn: &Connection, type_name: &str, id: &str) -> Result<Option<Value>> {
    let entity = EntityRef {
        ty: schema_type(type_name)?,
        id: id.to_owned(),
    };
    let render = Render {
        version: ApiVersion::Beta,
        select: None,
        expand: &[],
    };
    let mut out = String::new();
    if !SqliteStore::render_into(conn, &entity, &render, &mut out)? {
        return Ok(None);
    }
    serde_json::from_str(&out)
        .map(Some)
        .map_err(|e| StoreError::Corrupt {
            table: type_name.into(),
            column: "*".into(),
            message: format!("{id}: {e}"),
        })
}

/// Validates and writes an entity the merge produced.
fn write(conn: &Connection, json: &Value, stats: &mut ApplyStats) -> Result<()> {
    let entity = validate_entity(json, None, "").map_err(|p| StoreError::Corrupt {
        table: "scan".into(),
        column: "*".into(),
        message: format!("a merged finding is not valid: {p}"),
    })?;
    apply_entity(conn, &entity, stats)
}

#[cfg(test)]
mod tests {
    use crate::{EntityRef, Render, SqliteStore, Store};
    use serde_json::Value;
    use tigr_model::ApiVersion;
    use tigr_model::batch::HostSighting;
    use tigr_model::scan::*;
    use tigr_model::schema::entity_type;

    const DAY: i64 = 24 * 3600 * 1_000_000;
    const T0: i64 = 1_700_000_000_000_000;

    fn get(store: &SqliteStore, ty: &str, id: &str) -> Option<Value> {
        let e = EntityRef {
            ty: entity_type(ty).unwrap(),
            id: id.into(),
        };
        let r = Render {
            version: ApiVersion::V1,
            select: None,
            expand: &[],
        };
        store
            .render(&e, &r)
            .ok()
            .map(|s| serde_json::from_str(&s).unwrap())
    }

    fn scan(time: i64, status: &str, banner: &str) -> ScanBatch {
        let host = "192.0.2.1";
        let nginx = ComponentKey::new(host, "nginx", Some("1.22.1"), Some("Server"));
        let open = (status == "open").then(|| Seen::at(time));
        ScanBatch {
            hosts: vec![HostSighting {
                id: host.into(),
                seen: Some((time, time)),
            }],
            ports: vec![PortFinding {
                host: host.into(),
                port: 80,
                protocol: "tcp".into(),
                status: status.into(),
                last_scan: time,
                open,
                banners: open
                    .map(|seen| BannerFinding {
                        banner: banner.into(),
                        scan_protocol: "http_raw".into(),
                        seen,
                    })
                    .into_iter()
                    .collect(),
                services: open
                    .map(|seen| ServiceFinding {
                        component: nginx.clone(),
                        seen,
                    })
                    .into_iter()
                    .collect(),
                certificate: None,
            }],
            components: open
                .map(|seen| ComponentFinding {
                    host: host.into(),
                    component: nginx.clone(),
                    seen,
                    rule: "nginx/server-header".into(),
                })
                .into_iter()
                .collect(),
            cookies: open
                .map(|seen| CookieFinding {
                    host: host.into(),
                    name: "sid".into(),
                    domain: "example.com".into(),
                    seen,
                })
                .into_iter()
                .collect(),
            pairs: open
                .map(|seen| PairFinding {
                    parent: host.into(),
                    child: "example.com".into(),
                    link_kind: "redirect".into(),
                    seen,
                })
                .into_iter()
                .collect(),
            host_certificates: open
                .map(|seen| HostCertificateFinding {
                    host: host.into(),
                    certificate: "Y2VydA==".into(),
                    seen,
                    ports: vec![(443, seen)],
                })
                .into_iter()
                .collect(),
            ..ScanBatch::default()
        }
    }

    #[test]
    fn rescans_update_instead_of_duplicating() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        // Imported out of order: the later scan first.
        store
            .apply_scan(&scan(T0 + DAY, "open", "HTTP/1.1 200 OK"))
            .unwrap();
        store
            .apply_scan(&scan(T0, "open", "HTTP/1.1 200 OK"))
            .unwrap();
        let port_id = host_port_id("192.0.2.1", 80, "tcp");
        let port = get(&store, "hostPort", &port_id).expect("port stored");
        assert_eq!(port["timesObserved"], 2);
        assert_eq!(port["firstSeenDateTime"], "2023-11-14T22:13:20Z");
        assert_eq!(port["lastSeenDateTime"], "2023-11-15T22:13:20Z");
        assert_eq!(port["status"], "open");
        assert_eq!(port["banners"].as_array().unwrap().len(), 1);
        assert_eq!(port["banners"][0]["timesObserved"], 2);
        assert_eq!(port["services"][0]["component"]["name"], "nginx");
        assert_eq!(port["host"]["id"], "192.0.2.1");

        let cookie = get(&store, "hostCookie", &scan(T0, "open", "").cookies[0].id()).unwrap();
        assert_eq!(
            (
                cookie["firstSeenDateTime"].as_str(),
                cookie["lastSeenDateTime"].as_str()
            ),
            (Some("2023-11-14T22:13:20Z"), Some("2023-11-15T22:13:20Z"))
        );
        let hc = get(
            &store,
            "hostSslCertificate",
            &scan(T0, "open", "").host_certificates[0].id(),
        )
        .unwrap();
        assert_eq!(hc["ports"].as_array().unwrap().len(), 1);
        assert_eq!(hc["ports"][0]["firstSeenDateTime"], "2023-11-14T22:13:20Z");
        assert!(
            get(&store, "hostname", "example.com").is_some(),
            "pair child stub"
        );

        // A rescan finds the port closed: same resource, new status, sightings unchanged.
        store.apply_scan(&scan(T0 + 2 * DAY, "closed", "")).unwrap();
        let port = get(&store, "hostPort", &port_id).unwrap();
        assert_eq!(port["status"], "closed");
        assert_eq!(port["timesObserved"], 2);
        assert_eq!(port["lastScanDateTime"], "2023-11-16T22:13:20Z");
    }

    #[test]
    fn coverage_marks_ports_no_longer_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.apply_scan(&scan(T0, "open", "x")).unwrap();
        let coverage = |time, ranges| ScanBatch {
            coverage: vec![Coverage {
                host: "192.0.2.1".into(),
                protocol: "tcp".into(),
                time,
                ranges,
                status: "filtered".into(),
            }],
            ..ScanBatch::default()
        };
        let port_id = host_port_id("192.0.2.1", 80, "tcp");
        // Not covered, or older than what is stored: unchanged.
        store
            .apply_scan(&coverage(T0 + DAY, vec![(1, 79)]))
            .unwrap();
        store
            .apply_scan(&coverage(T0 - DAY, vec![(1, 1000)]))
            .unwrap();
        assert_eq!(get(&store, "hostPort", &port_id).unwrap()["status"], "open");
        store
            .apply_scan(&coverage(T0 + DAY, vec![(1, 1000)]))
            .unwrap();
        let port = get(&store, "hostPort", &port_id).unwrap();
        assert_eq!(port["status"], "filtered");
        assert_eq!(port["lastSeenDateTime"], "2023-11-14T22:13:20Z");
    }

    #[test]
    fn ports_never_open_are_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.apply_scan(&scan(T0, "closed", "")).unwrap();
        assert!(get(&store, "hostPort", &host_port_id("192.0.2.1", 80, "tcp")).is_none());
    }
}
