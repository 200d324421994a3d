//! The embedded backend: SQLite in WAL mode inside the data directory, with versioned migrations.
//!
//! One writer connection behind a mutex (SQLite allows one writer), and a pool of reader connections so API requests
//! read concurrently with each other and with ingest. Statements are prepared once per connection (cached).

mod scan;

use crate::layout::{self, ColumnKind, NavSource, Storage, table_of};
use crate::query::{self, Sql, SqlValue, SqliteDialect};
use crate::render;
use crate::{
    ApplyStats, Collection, EntityRef, ExportItem, ListQuery, Page, Render, Result, Scope, Store,
    StoreError,
};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql, params_from_iter};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tigr_model::batch::{Batch, DnsBatch, HostSighting, Relation};
use tigr_model::datetime;
use tigr_model::id::host_type;
use tigr_model::json::{Entity, canonical_id};
use tigr_model::scan::ScanBatch;
use tigr_model::schema::{EntityType, entity_type};
use tigr_odata::{Expr, Search};

/// Migrations in order; `PRAGMA user_version` records how many have been applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_initial.sql"),
    include_str!("../migrations/sqlite/0002_clustered_dns_tables.sql"),
    include_str!("../migrations/sqlite/0003_certificate_search_indexes.sql"),
    include_str!("../migrations/sqlite/0004_component_rules.sql"),
];

/// The schema version this build writes: the number of migrations.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Page cache of the writer connection (KiB).
const WRITER_CACHE_KIB: i64 = 512 * 1024;

/// The database file inside the data directory.
pub const DB_FILE: &str = "tigr.db";

/// The embedded SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Never reads or writes: it only asks `PRAGMA data_version`, which changes when any *other* connection (ours
    /// or another process's) commits.
    watch: Mutex<Connection>,
}

impl ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            SqlValue::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            SqlValue::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            SqlValue::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn read_value(v: ValueRef<'_>) -> SqlValue {
    match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(n) => SqlValue::Int(n),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            SqlValue::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// A live SQLite row seen as render cells (no copies).
struct RowCells<'a, 'r>(&'a rusqlite::Row<'r>);

impl render::Cells for RowCells<'_, '_> {
    fn cell(&self, i: usize) -> render::Cell<'_> {
        match self.0.get_ref(i) {
            Ok(ValueRef::Integer(n)) => render::Cell::Int(n),
            Ok(ValueRef::Real(f)) => render::Cell::Real(f),
            Ok(ValueRef::Text(t) | ValueRef::Blob(t)) => {
                std::str::from_utf8(t).map_or(render::Cell::Null, render::Cell::Text)
            }
            Ok(ValueRef::Null) | Err(_) => render::Cell::Null,
        }
    }
}

fn open_connection(path: &Path, write: bool) -> Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(256);
    if write {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Bulk upserts touch index pages all over the file; SQLite's default 2 MB page cache makes every batch
        // re-read them from disk. Negative means KiB.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = SCHEMA_VERSION;
    if current > supported {
        return Err(StoreError::TooNew {
            found: current,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        if current > 0 {
            // Rebuilding tables of a large store takes a while: say why opening is slow.
            tracing::info!(from = i, to = i + 1, "migrating the store schema");
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let mut writer = open_connection(&path, true)?;
        migrate(&mut writer)?;
        let watch = open_connection(&path, false)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            watch: Mutex::new(watch),
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.read(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().map_err(|_| poisoned())?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_connection(&self.path, false)?,
        };
        let out = f(&conn);
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(conn);
        }
        out
    }

    fn query_rows(conn: &Connection, sql: &Sql<'_>) -> Result<Vec<Vec<SqlValue>>> {
        let mut stmt = conn.prepare_cached(&sql.text)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(sql.params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(
                (0..width)
                    .map(|i| row.get_ref(i).map(read_value))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
        Ok(out)
    }

    /// Appends the rendering of one entity; `false` when it is not stored.
    fn render_into(
        conn: &Connection,
        e: &EntityRef,
        r: &Render<'_>,
        out: &mut String,
    ) -> Result<bool> {
        let table = table_of(e.ty);
        let sql = format!(
            "SELECT {} FROM \"{table}\" t WHERE t.id = ?1",
            query::select_list(table)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([&e.id])?;
        let Some(row) = rows.next()? else {
            return Ok(false);
        };
        let nested = Render {
            version: r.version,
            select: None,
            expand: &[],
        };
        let mut expand =
            |target: &EntityRef, out: &mut String| Self::render_into(conn, target, &nested, out);
        render::row(out, table, &RowCells(row), r, &mut expand)?;
        Ok(true)
    }

    fn where_clause(
        coll: &Collection,
        filter: Option<&Expr>,
        search: Option<&Search>,
        sql: &mut Sql<'_>,
    ) -> Result<()> {
        let table = table_of(coll.ty);
        sql.push(" WHERE ");
        query::scope(coll, sql)?;
        if let Some(f) = filter {
            sql.push(" AND ");
            query::filter(f, table, sql)?;
        }
        if let Some(s) = search {
            sql.push(" AND ");
            query::search(s, coll.ty, sql)?;
        }
        Ok(())
    }
}

fn poisoned() -> StoreError {
    StoreError::BadRequest("store lock poisoned by an earlier panic".into())
}

/// Converts a canonical JSON property value to its stored form.
fn stored(v: &Value, storage: Storage) -> SqlValue {
    match (v, storage) {
        (Value::Null, _) => SqlValue::Null,
        (Value::String(s), Storage::Micros) => datetime::parse(s)
            .map(SqlValue::Int)
            .unwrap_or(SqlValue::Null),
        (Value::String(s), _) => SqlValue::Text(s.clone()),
        (Value::Bool(b), _) => SqlValue::Int(i64::from(*b)),
        (Value::Number(n), Storage::Real) => {
            n.as_f64().map(SqlValue::Real).unwrap_or(SqlValue::Null)
        }
        (Value::Number(n), _) => n.as_i64().map(SqlValue::Int).unwrap_or(SqlValue::Null),
        (other, _) => SqlValue::Text(other.to_string()),
    }
}

/// `first*` columns keep the earliest value, `last*` the latest; everything else takes the newest write.
fn merge_expr(col: &str) -> String {
    if col.starts_with("firstSeen") {
        format!(
            "\"{col}\" = COALESCE(min(excluded.\"{col}\", \"{col}\"), excluded.\"{col}\", \"{col}\")"
        )
    } else if col.starts_with("lastSeen") || col == "lastScanDateTime" {
        format!(
            "\"{col}\" = COALESCE(max(excluded.\"{col}\", \"{col}\"), excluded.\"{col}\", \"{col}\")"
        )
    } else {
        format!("\"{col}\" = COALESCE(excluded.\"{col}\", \"{col}\")")
    }
}

fn upsert(conn: &Connection, table: &str, cols: &[(String, SqlValue)]) -> Result<()> {
    let names: Vec<String> = std::iter::once("id".to_owned())
        .chain(cols.iter().skip(1).map(|(n, _)| format!("\"{n}\"")))
        .collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = cols.iter().skip(1).map(|(n, _)| merge_expr(n)).collect();
    let conflict = if updates.is_empty() {
        "DO NOTHING".to_owned()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({}) ON CONFLICT(id) {conflict}",
        names.join(", "),
        params.join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(cols.iter().map(|(_, v)| v)))?;
    Ok(())
}

/// Makes sure a referenced entity has a row (so navigations never dangle); returns whether one was created.
fn ensure(conn: &Connection, ty: &EntityType, id: &str) -> Result<bool> {
    let table = table_of(ty);
    let n = if table == "host" {
        conn.prepare_cached(
            "INSERT INTO \"host\" (id, \"type\") VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING",
        )?
        .execute([id, host_type(id)])?
    } else {
        conn.prepare_cached(&format!(
            "INSERT INTO \"{table}\" (id) VALUES (?1) ON CONFLICT(id) DO NOTHING"
        ))?
        .execute([id])?
    };
    Ok(n > 0)
}

fn link(conn: &Connection, kind: &str, src: &str, dst: &str, dst_type: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO \"link\" (kind, src, dst, \"dstType\") VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")?
        .execute([kind, src, dst, dst_type])?;
    Ok(())
}

fn apply_entity(conn: &Connection, e: &Entity, stats: &mut ApplyStats) -> Result<()> {
    let table = table_of(e.ty);
    let mut cols: Vec<(String, SqlValue)> = vec![("id".into(), SqlValue::Text(e.id.clone()))];
    if table == "host" {
        cols.push(("type".into(), SqlValue::Text(e.ty.name.into())));
    }
    for (name, v) in &e.props {
        if let Some(ColumnKind::Prop(_, storage)) = layout::column(table, name).map(|c| &c.kind) {
            cols.push((name.clone(), stored(v, *storage)));
        }
    }
    for r in &e.refs {
        let Some(NavSource::Column(col)) = layout::nav_source(e.ty, r.nav) else {
            continue;
        };
        cols.push((col.to_owned(), SqlValue::Text(r.id.clone())));
        if layout::column(table, &format!("{col}Type")).is_some() {
            cols.push((format!("{col}Type"), SqlValue::Text(r.ty.name.into())));
        }
        stats.stubs += u64::from(ensure(conn, r.ty, &r.id)?);
    }
    upsert(conn, table, &cols)?;
    // A certificate seen on a host makes the host one of the certificate's related hosts.
    if e.ty.name == "hostSslCertificate" {
        let host = e.refs.iter().find(|r| r.nav == "host");
        let cert = e.refs.iter().find(|r| r.nav == "sslCertificate");
        if let (Some(h), Some(c)) = (host, cert) {
            link(conn, "sslCertificate.relatedHosts", &c.id, &h.id, h.ty.name)?;
        }
    }
    stats.entities += 1;
    Ok(())
}

/// The host sighting upsert: earliest first seen, latest last seen.
const HOST_SEEN_UPSERT: &str = "INSERT INTO \"host\" (id, \"type\", \"firstSeenDateTime\", \"lastSeenDateTime\") VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT(id) DO UPDATE SET \
     \"firstSeenDateTime\" = COALESCE(min(excluded.\"firstSeenDateTime\", \"firstSeenDateTime\"), excluded.\"firstSeenDateTime\", \"firstSeenDateTime\"), \
     \"lastSeenDateTime\" = COALESCE(max(excluded.\"lastSeenDateTime\", \"lastSeenDateTime\"), excluded.\"lastSeenDateTime\", \"lastSeenDateTime\")";

/// A host implied rather than seen (a registrable domain, a link's target): only made to exist.
const HOST_IMPLIED_INSERT: &str =
    "INSERT INTO \"host\" (id, \"type\") VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING";

/// Records a host sighting (earliest first, latest last seen), or only makes sure the host exists when it was
/// implied rather than seen. Returns whether a stub row was created for an implied host.
fn upsert_host_seen(conn: &Connection, host: &HostSighting) -> Result<bool> {
    let ty = host_type(&host.id);
    match host.seen {
        Some((first, last)) => {
            conn.prepare_cached(HOST_SEEN_UPSERT)?
                .execute(rusqlite::params![host.id, ty, first, last])?;
            Ok(false)
        }
        None => Ok(conn
            .prepare_cached(HOST_IMPLIED_INSERT)?
            .execute(rusqlite::params![host.id, ty])?
            > 0),
    }
}

/// The passive DNS write path: four prepared upserts, no JSON, no per-row SQL building. A table the batch outgrows
/// ([`Rebuild`]) has its secondary indexes rebuilt after the rows are in rather than updated row by row.
fn apply_dns(conn: &Connection, batch: &DnsBatch) -> Result<ApplyStats> {
    let rebuild = Rebuild::start(
        conn,
        &[
            ("host", batch.hosts.len()),
            ("passiveDnsRecord", batch.resolutions.len()),
            ("subdomain", batch.subdomains.len()),
        ],
    )?;
    let stats = upsert_dns(conn, batch)?;
    rebuild.finish(conn)?;
    Ok(stats)
}

/// Secondary indexes dropped for a bulk write and created again after it, in the same transaction: readers on other
/// connections go on seeing the store as it was until the commit, and a crash before it leaves the store intact.
///
/// Inserting rows in one B-tree's order scatters them over every other index, so each row costs a random insertion
/// per index; building an index afresh sorts its entries once and writes full pages in order. That is cheaper once
/// the batch holds at least twice the rows the table already has (rebuilding also re-reads what is there).
#[must_use]
struct Rebuild {
    /// Name and `CREATE INDEX` statement of each dropped index, as the schema has it.
    indexes: Vec<(String, String)>,
}

impl Rebuild {
    /// Drops the secondary indexes of each table whose batch rows (`(table, rows)`) are at least twice its rows.
    fn start(conn: &Connection, tables: &[(&str, usize)]) -> Result<Self> {
        let mut indexes = Vec::new();
        for &(table, rows) in tables {
            if rows == 0 || holds_at_least(conn, table, rows / 2)? {
                continue;
            }
            let mut statement = conn.prepare_cached(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
            )?;
            let found = statement
                .query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
            for (name, _) in &found {
                conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            }
            indexes.extend(found);
        }
        Ok(Self { indexes })
    }

    /// Creates the dropped indexes again.
    fn finish(self, conn: &Connection) -> Result<()> {
        for (_, sql) in &self.indexes {
            conn.execute_batch(sql)?;
        }
        Ok(())
    }
}

/// Whether `table` has `rows` rows or more (counting no further).
fn holds_at_least(conn: &Connection, table: &str, rows: usize) -> Result<bool> {
    let limit = i64::try_from(rows).unwrap_or(i64::MAX);
    let held: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM \"{table}\" LIMIT ?1)"
        ))?
        .query_row([limit], |row| row.get(0))?;
    Ok(held >= limit)
}

fn upsert_dns(conn: &Connection, batch: &DnsBatch) -> Result<ApplyStats> {
    let mut stats = ApplyStats::default();
    let mut host_seen = conn.prepare_cached(HOST_SEEN_UPSERT)?;
    let mut host_implied = conn.prepare_cached(HOST_IMPLIED_INSERT)?;
    // Items come sorted by id (see DnsBatch): each statement walks its primary-key B-tree forward.
    for host in &batch.hosts {
        let ty = host_type(&host.id);
        match host.seen {
            Some((first, last)) => {
                host_seen.execute(rusqlite::params![host.id, ty, first, last])?;
            }
            None => stats.stubs += host_implied.execute(rusqlite::params![host.id, ty])? as u64,
        }
        stats.entities += 1;
    }
    let mut artifact = conn.prepare_cached(
        "INSERT INTO \"unclassifiedArtifact\" (id, \"kind\", \"value\") VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
    )?;
    for value in &batch.unclassified {
        artifact.execute([&value.id, &value.kind, &value.value])?;
        stats.entities += 1;
    }
    let mut record = conn.prepare_cached(
        "INSERT INTO \"passiveDnsRecord\" (id, \"collectedDateTime\", \"firstSeenDateTime\", \"lastSeenDateTime\", \
         \"recordType\", \"artifact\", \"artifactType\", \"parentHost\", \"observations\") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT(id) DO UPDATE SET \
         \"collectedDateTime\" = COALESCE(max(excluded.\"collectedDateTime\", \"collectedDateTime\"), excluded.\"collectedDateTime\"), \
         \"firstSeenDateTime\" = COALESCE(min(excluded.\"firstSeenDateTime\", \"firstSeenDateTime\"), excluded.\"firstSeenDateTime\"), \
         \"lastSeenDateTime\" = COALESCE(max(excluded.\"lastSeenDateTime\", \"lastSeenDateTime\"), excluded.\"lastSeenDateTime\"), \
         \"recordType\" = excluded.\"recordType\", \"artifact\" = excluded.\"artifact\", \
         \"artifactType\" = excluded.\"artifactType\", \"parentHost\" = excluded.\"parentHost\", \
         \"observations\" = COALESCE(\"observations\", 0) + excluded.\"observations\"",
    )?;
    for r in &batch.resolutions {
        record.execute(rusqlite::params![
            r.id,
            batch.collected,
            r.first_seen,
            r.last_seen,
            r.record_type,
            r.artifact_id,
            r.artifact_type,
            r.name,
            i64::try_from(r.observations).unwrap_or(i64::MAX),
        ])?;
        stats.entities += 1;
    }
    let mut subdomain = conn.prepare_cached(
        "INSERT INTO \"subdomain\" (id, \"firstSeenDateTime\", \"host\", \"parent\") VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(id) DO UPDATE SET \
         \"firstSeenDateTime\" = COALESCE(min(excluded.\"firstSeenDateTime\", \"firstSeenDateTime\"), excluded.\"firstSeenDateTime\"), \
         \"host\" = excluded.\"host\", \"parent\" = excluded.\"parent\"",
    )?;
    for s in &batch.subdomains {
        subdomain.execute(rusqlite::params![s.id, s.first_seen, s.host, s.parent])?;
        stats.entities += 1;
    }
    Ok(stats)
}

fn apply_relation(conn: &Connection, rel: &Relation, stats: &mut ApplyStats) -> Result<()> {
    let (Some(parent), Some(child)) = (entity_type(rel.parent_type), entity_type(rel.child_type))
    else {
        return Err(StoreError::BadRequest(format!(
            "relation between unknown types {} and {}",
            rel.parent_type, rel.child_type
        )));
    };
    let (pid, cid) = (
        canonical_id(parent, &rel.parent_id),
        canonical_id(child, &rel.child_id),
    );
    stats.stubs += u64::from(ensure(conn, parent, &pid)?) + u64::from(ensure(conn, child, &cid)?);
    match layout::nav_source(parent, rel.nav) {
        Some(NavSource::Reverse {
            table,
            column,
            via: None,
        }) => {
            conn.prepare_cached(&format!(
                // The child's own stub, when it has one, wins over the context it arrived in.
                "UPDATE \"{table}\" SET \"{column}\" = COALESCE(\"{column}\", ?1) WHERE id = ?2"
            ))?
            .execute([&pid, &cid])?;
        }
        Some(NavSource::Reverse {
            table,
            column,
            via: Some(via),
        }) => {
            let ptable = table_of(parent);
            conn.prepare_cached(&format!(
                "UPDATE \"{table}\" SET \"{column}\" = COALESCE((SELECT \"{via}\" FROM \"{ptable}\" WHERE id = ?1), \"{column}\") WHERE id = ?2"
            ))?
            .execute([&pid, &cid])?;
        }
        Some(NavSource::Link) => link(
            conn,
            &layout::link_kind(parent, rel.nav),
            &pid,
            &cid,
            child.name,
        )?,
        Some(NavSource::Column(col)) => {
            let ptable = table_of(parent);
            conn.prepare_cached(&format!(
                "UPDATE \"{ptable}\" SET \"{col}\" = ?1 WHERE id = ?2"
            ))?
            .execute([&cid, &pid])?;
            if layout::column(ptable, &format!("{col}Type")).is_some() {
                conn.prepare_cached(&format!(
                    "UPDATE \"{ptable}\" SET \"{col}Type\" = ?1 WHERE id = ?2"
                ))?
                .execute([child.name, pid.as_str()])?;
            }
        }
        // Either-side navigations (hostPairs) are implied by the items' own parentHost/childHost stubs.
        Some(NavSource::Either { .. }) => {}
        None => {
            return Err(StoreError::BadRequest(format!(
                "{} has no navigation {}",
                parent.name, rel.nav
            )));
        }
    }
    stats.relations += 1;
    Ok(())
}

impl Store for SqliteStore {
    fn find(&self, coll: &Collection, id: &str) -> Result<Option<EntityRef>> {
        let table = table_of(coll.ty);
        let key = canonical_id(coll.ty, id);
        self.read(|conn| {
            let mut sql = Sql::new(&SqliteDialect);
            sql.push(&format!(
                "SELECT {} FROM \"{table}\" t",
                query::select_list(table)
            ));
            Self::where_clause(coll, None, None, &mut sql)?;
            sql.push(" AND t.id = ").bind_push(SqlValue::Text(key));
            let rows = Self::query_rows(conn, &sql)?;
            rows.first()
                .map(|vals| render::row_ref(table, vals))
                .transpose()
        })
    }

    fn follow(&self, e: &EntityRef, nav: &str) -> Result<Option<EntityRef>> {
        let Some(decl) = e.ty.nav(nav) else {
            return Ok(None);
        };
        let Some(target) = entity_type(decl.target) else {
            return Ok(None);
        };
        match layout::nav_source(e.ty, nav) {
            Some(NavSource::Column(col)) => self.read(|conn| {
                let table = table_of(e.ty);
                let type_col = if layout::column(table, &format!("{col}Type")).is_some() {
                    format!("\"{col}Type\"")
                } else {
                    "NULL".into()
                };
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT \"{col}\", {type_col} FROM \"{table}\" WHERE id = ?1"
                ))?;
                let mut rows = stmt.query([&e.id])?;
                let Some(row) = rows.next()? else {
                    return Ok(None);
                };
                let (id, ty): (Option<String>, Option<String>) = (row.get(0)?, row.get(1)?);
                let Some(id) = id else { return Ok(None) };
                let concrete = if target.is_a("host") {
                    entity_type(host_type(&id))
                } else if target.is_abstract {
                    ty.as_deref().and_then(entity_type)
                } else {
                    Some(target)
                };
                Ok(concrete.map(|ty| EntityRef { ty, id }))
            }),
            Some(_) => {
                let coll = Collection {
                    ty: target,
                    scope: Scope::Nav {
                        parent: e.clone(),
                        nav: decl.name,
                    },
                };
                let q = ListQuery {
                    filter: None,
                    orderby: &[],
                    search: None,
                    skip: 0,
                    page_size: 1,
                    cursor: None,
                    count: false,
                };
                let table = table_of(target);
                self.read(|conn| {
                    let mut sql = Sql::new(&SqliteDialect);
                    sql.push(&format!(
                        "SELECT {} FROM \"{table}\" t",
                        query::select_list(table)
                    ));
                    Self::where_clause(&coll, q.filter, q.search, &mut sql)?;
                    // Several candidates (a host with more than one whois record): the most recently updated wins.
                    let newest = ["lastUpdateDateTime", "lastSeenDateTime"]
                        .into_iter()
                        .find(|c| layout::column(table, c).is_some());
                    match newest {
                        Some(c) => sql.push(&format!(
                            " ORDER BY t.\"{c}\" IS NULL, t.\"{c}\" DESC, t.id LIMIT 1"
                        )),
                        None => sql.push(" ORDER BY t.id LIMIT 1"),
                    };
                    let rows = Self::query_rows(conn, &sql)?;
                    rows.first()
                        .map(|vals| render::row_ref(table, vals))
                        .transpose()
                })
            }
            None => Ok(None),
        }
    }

    fn render(&self, e: &EntityRef, r: &Render<'_>) -> Result<String> {
        let mut out = String::with_capacity(512);
        if self.read(|conn| Self::render_into(conn, e, r, &mut out))? {
            Ok(out)
        } else {
            Err(StoreError::BadRequest(format!(
                "{} {} vanished while being read",
                e.ty.name, e.id
            )))
        }
    }

    fn list(&self, coll: &Collection, q: &ListQuery<'_>, r: &Render<'_>) -> Result<Page> {
        let table = table_of(coll.ty);
        let keys = query::sort_keys(q.orderby, table, &SqliteDialect)?;
        let after = q.cursor.map(query::decode_cursor).transpose()?;
        let width = 1 + layout::table_columns(table).len();
        self.read(|conn| {
            let mut sql = Sql::new(&SqliteDialect);
            let key_list: Vec<&str> = keys.iter().map(|k| k.expr.as_str()).collect();
            sql.push(&format!(
                "SELECT {}, {} FROM \"{table}\" t",
                query::select_list(table),
                key_list.join(", ")
            ));
            Self::where_clause(coll, q.filter, q.search, &mut sql)?;
            if let Some(after) = &after {
                sql.push(" AND ");
                query::keyset(&keys, after, &mut sql)?;
            }
            // LIMIT/OFFSET are integers tigr computed, not text from the request. They are written inline because a
            // bound LIMIT makes SQLite re-prepare the statement on every execution.
            let skip = if after.is_some() { 0 } else { q.skip };
            let limit = q.page_size.saturating_add(1);
            sql.push(&format!(
                " ORDER BY {} LIMIT {limit} OFFSET {skip}",
                query::order_clause(&keys)
            ));
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let mut rows = stmt.query(params_from_iter(sql.params.iter()))?;
            let nested = Render {
                version: r.version,
                select: None,
                expand: &[],
            };
            let mut items_json = String::with_capacity(512 * q.page_size.min(1000));
            items_json.push('[');
            let (mut len, mut next_cursor) = (0usize, None);
            let mut last_keys: Vec<SqlValue> = Vec::with_capacity(keys.len());
            while let Some(row) = rows.next()? {
                if len == q.page_size {
                    // A row beyond the page: there is more, and the next page resumes after the last row served.
                    next_cursor = Some(query::encode_cursor(&last_keys));
                    break;
                }
                if len > 0 {
                    items_json.push(',');
                }
                let mut expand = |target: &EntityRef, out: &mut String| {
                    Self::render_into(conn, target, &nested, out)
                };
                render::row(&mut items_json, table, &RowCells(row), r, &mut expand)?;
                last_keys.clear();
                for i in width..width + keys.len() {
                    last_keys.push(read_value(row.get_ref(i)?));
                }
                len += 1;
            }
            items_json.push(']');
            let count = if q.count {
                Some(Self::count_on(conn, coll, q.filter, q.search)?)
            } else {
                None
            };
            Ok(Page {
                items_json,
                len,
                count,
                next_cursor,
            })
        })
    }

    fn count(
        &self,
        coll: &Collection,
        filter: Option<&Expr>,
        search: Option<&Search>,
    ) -> Result<u64> {
        self.read(|conn| Self::count_on(conn, coll, filter, search))
    }

    fn apply(&self, batch: &Batch) -> Result<ApplyStats> {
        let mut conn = self.writer.lock().map_err(|_| poisoned())?;
        let tx = conn.transaction()?;
        let mut stats = ApplyStats::default();
        for e in &batch.entities {
            apply_entity(&tx, e, &mut stats)?;
        }
        for rel in &batch.relations {
            apply_relation(&tx, rel, &mut stats)?;
        }
        tx.commit()?;
        Ok(stats)
    }

    fn apply_dns(&self, batch: &DnsBatch) -> Result<ApplyStats> {
        let mut conn = self.writer.lock().map_err(|_| poisoned())?;
        let tx = conn.transaction()?;
        let stats = apply_dns(&tx, batch)?;
        tx.commit()?;
        Ok(stats)
    }

    fn apply_scan(&self, batch: &ScanBatch) -> Result<ApplyStats> {
        let mut conn = self.writer.lock().map_err(|_| poisoned())?;
        let tx = conn.transaction()?;
        let stats = scan::apply_scan(&tx, batch)?;
        tx.commit()?;
        Ok(stats)
    }

    fn data_version(&self) -> Result<u64> {
        let watch = self.watch.lock().map_err(|_| poisoned())?;
        let version: i64 = watch.pragma_query_value(None, "data_version", |r| r.get(0))?;
        Ok(version as u64)
    }

    fn export(&self, sink: &mut dyn FnMut(ExportItem) -> std::io::Result<()>) -> Result<()> {
        let io = |e: std::io::Error| StoreError::DataDir {
            path: "export sink".into(),
            source: e,
        };
        self.read(|conn| {
            let r = Render { version: tigr_model::ApiVersion::Beta, select: None, expand: &[] };
            for table in layout::TABLES {
                let sql = format!("SELECT {} FROM \"{table}\" t ORDER BY t.id", query::select_list(table));
                let mut stmt = conn.prepare(&sql)?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    // Stubs only: the targets are exported as entities of their own.
                    let mut no_expand = |_: &EntityRef, _: &mut String| Ok(false);
                    let mut line = String::with_capacity(512);
                    render::row(&mut line, table, &RowCells(row), &r, &mut no_expand)?;
                    sink(ExportItem::Entity(line)).map_err(io)?;
                }
            }
            let mut stmt = conn.prepare("SELECT kind, src, dst, \"dstType\" FROM \"link\" ORDER BY kind, src, dst")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let (kind, src, dst, dst_type): (String, String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
                let Some((owner, nav)) = kind.split_once('.') else { continue };
                let parent_type = if owner == "host" { host_type(&src) } else { owner };
                let (Some(p), Some(n), Some(c)) = (entity_type(parent_type), entity_type(parent_type).and_then(|p| p.nav(nav)), entity_type(&dst_type))
                else {
                    continue;
                };
                let rel = Relation { parent_type: p.name, parent_id: src, nav: n.name, child_type: c.name, child_id: dst };
                sink(ExportItem::Relation(rel)).map_err(io)?;
            }
            // Contained children whose parent key lives in a storage-only column.
            for (table, column, nav) in [("subdomain", "parent", "subdomains"), ("hostReputation", "host", "reputation"), ("vulnerabilityComponent", "vulnerability", "components")] {
                let mut stmt = conn.prepare(&format!("SELECT \"{column}\", id FROM \"{table}\" WHERE \"{column}\" IS NOT NULL ORDER BY id"))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let (parent_id, child_id): (String, String) = (row.get(0)?, row.get(1)?);
                    let parent_type = if column == "host" || column == "parent" { host_type(&parent_id) } else { "vulnerability" };
                    let (Some(p), Some(c)) = (entity_type(parent_type), entity_type(table)) else { continue };
                    let Some(n) = p.nav(nav) else { continue };
                    sink(ExportItem::Relation(Relation { parent_type: p.name, parent_id, nav: n.name, child_type: c.name, child_id })).map_err(io)?;
                }
            }
            Ok(())
        })
    }
}

impl SqliteStore {
    fn count_on(
        conn: &Connection,
        coll: &Collection,
        filter: Option<&Expr>,
        search: Option<&Search>,
    ) -> Result<u64> {
        let table = table_of(coll.ty);
        let mut sql = Sql::new(&SqliteDialect);
        sql.push(&format!("SELECT COUNT(*) FROM \"{table}\" t"));
        Self::where_clause(coll, filter, search, &mut sql)?;
        let rows = Self::query_rows(conn, &sql)?;
        match rows.first().and_then(|r| r.first()) {
            Some(SqlValue::Int(n)) => Ok(u64::try_from(*n).unwrap_or(0)),
            _ => Ok(0),
        }
    }
}

/// The entity tables the migrations create (for consistency tests).
pub fn tables() -> &'static [&'static str] {
    layout::TABLES
}

/// The columns the schema layout expects a table to have, `id` first (for consistency tests).
pub fn expected_columns(table: &str) -> Vec<String> {
    std::iter::once("id".to_owned())
        .chain(layout::table_columns(table).iter().map(|c| c.name.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of the WHERE clause `query::search` writes for a certificate `$search`.
    fn certificate_search_plan(store: &SqliteStore, path: &[&str]) -> String {
        let search = tigr_odata::Search::Field {
            path: path.iter().map(|s| s.to_string()).collect(),
            value: "Example.COM".into(),
        };
        let ty = entity_type("sslCertificate").expect("schema type");
        let mut sql = Sql::new(&SqliteDialect);
        sql.push("EXPLAIN QUERY PLAN SELECT t.id FROM \"sslCertificate\" t WHERE ");
        query::search(&search, ty, &mut sql).expect("a supported search form");
        // As a page is listed: by id, limited (a plan walking the id order would not need the index).
        sql.push(" ORDER BY t.id ASC LIMIT 101 OFFSET 0");
        store
            .read(|conn| {
                let mut stmt = conn.prepare(&sql.text)?;
                let rows = stmt.query_map(params_from_iter(sql.params.iter()), |r| {
                    r.get::<_, String>(3)
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.join("; "))
            })
            .expect("explain")
    }

    /// `count` A records `name-i.example.com → 192.0.2.x` seen at `time` (seconds), expanded as DNS ingest does.
    fn a_records(count: usize, time: i64) -> DnsBatch {
        use tigr_ingest::dns::{Aggregator, Observation, Rdata, RecordType};
        let mut aggregator = Aggregator::new(count);
        for i in 0..count {
            let name = format!("name-{i}.example.com");
            let value = format!("192.0.2.{}", i % 200);
            let observation =
                Observation::once(&name, RecordType::A, Rdata::Text(&value), time * 1_000_000);
            aggregator.add(&observation).expect("a valid observation");
        }
        aggregator.drain(time * 1_000_000)
    }

    fn dns_indexes(store: &SqliteStore) -> Vec<(String, String)> {
        store
            .read(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
                     AND tbl_name IN ('host', 'passiveDnsRecord', 'subdomain') ORDER BY name",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .expect("schema")
    }

    #[test]
    fn large_dns_batches_rebuild_the_indexes_small_ones_update_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path()).expect("open");
        let indexes = dns_indexes(&store);
        assert_eq!(indexes.len(), 6);
        {
            let conn = store.writer.lock().expect("writer");
            // An empty table is outgrown by a batch of two rows, never by one.
            let rebuild =
                Rebuild::start(&conn, &[("passiveDnsRecord", 2), ("subdomain", 1)]).expect("start");
            assert_eq!(rebuild.indexes.len(), 4);
            rebuild.finish(&conn).expect("finish");
        }
        // Into the empty store (rebuilt), then on top of it (updated in place): the same merges either way.
        store
            .apply_dns(&a_records(300, 1_700_000_000))
            .expect("bulk");
        {
            let conn = store.writer.lock().expect("writer");
            assert!(holds_at_least(&conn, "passiveDnsRecord", 300).expect("count"));
            assert!(!holds_at_least(&conn, "passiveDnsRecord", 301).expect("count"));
            let rebuild = Rebuild::start(&conn, &[("passiveDnsRecord", 20)]).expect("start");
            assert!(rebuild.indexes.is_empty());
            rebuild.finish(&conn).expect("finish");
        }
        store
            .apply_dns(&a_records(20, 1_600_000_000))
            .expect("small");
        assert_eq!(dns_indexes(&store), indexes);
        store
            .read(|conn| {
                let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
                assert_eq!(check, "ok");
                let (rows, observations, first): (i64, i64, i64) = conn.query_row(
                    "SELECT count(*), sum(observations), min(\"firstSeenDateTime\") \
                     FROM \"passiveDnsRecord\" INDEXED BY pdns_by_value",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                assert_eq!(
                    (rows, observations, first),
                    (300, 320, 1_600_000_000_000_000)
                );
                Ok(())
            })
            .expect("read");
    }

    #[test]
    fn certificate_searches_use_their_indexes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path()).expect("open");
        for (path, index) in [
            (&["sha1"][..], "cert_search_sha1"),
            (&["fingerprint"][..], "cert_search_fingerprint"),
            (&["serialNumber"][..], "cert_search_serial"),
            (&["subject", "commonName"][..], "cert_search_subject_cn"),
            (&["issuer", "commonName"][..], "cert_search_issuer_cn"),
        ] {
            let plan = certificate_search_plan(&store, path);
            assert!(plan.contains(index), "{path:?}: {plan}");
        }
    }
}
