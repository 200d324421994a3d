//! OData AST → parameterised SQL: scope conditions, `$filter`, `$search`, ordering and keyset paging.
//!
//! Values are always bound parameters; identifiers come only from the schema-derived layout. The dialect trait
//! isolates what differs between SQLite and PostgreSQL (placeholders, JSON access) so both backends share this.

use crate::layout::{self, Column, ColumnKind, NavSource, Storage, table_of};
use crate::{Collection, Scope, StoreError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tigr_model::id::normalize_host;
use tigr_model::schema::{EntityType, Ty, complex_type, enum_type};
use tigr_model::{datetime, schema};
use tigr_odata::{CmpOp, Expr, Literal, OrderBy, Search};

/// A bound SQL value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// What differs between SQL backends.
pub(crate) trait Dialect {
    /// The placeholder for the n-th (1-based) parameter.
    fn param(&self, n: usize) -> String;
    /// An expression extracting a JSON scalar at `path` from a JSON text column, as SQL text/number.
    fn json_scalar(&self, column: &str, path: &[&str]) -> String;
    /// An expression true when the JSON array in `column` has an element whose value at `path` (empty = the
    /// element itself), lower-cased, equals the lower-cased parameter `param`.
    fn json_array_has(&self, column: &str, path: &[&str], param: &str) -> String;
}

/// SQLite's dialect.
pub(crate) struct SqliteDialect;

fn json_path_literal(path: &[&str]) -> String {
    let mut p = String::from("$");
    for seg in path {
        // Segments come from the schema (validated names), never from user input.
        p.push('.');
        p.push_str(seg);
    }
    p
}

impl Dialect for SqliteDialect {
    fn param(&self, n: usize) -> String {
        format!("?{n}")
    }
    fn json_scalar(&self, column: &str, path: &[&str]) -> String {
        format!("json_extract({column}, '{}')", json_path_literal(path))
    }
    fn json_array_has(&self, column: &str, path: &[&str], param: &str) -> String {
        let elem = if path.is_empty() {
            "value".to_owned()
        } else {
            format!("json_extract(value, '{}')", json_path_literal(path))
        };
        format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE lower({elem}) = lower({param}))")
    }
}

/// SQL text plus its parameters.
pub(crate) struct Sql<'d> {
    pub(crate) text: String,
    pub(crate) params: Vec<SqlValue>,
    dialect: &'d dyn Dialect,
}

impl<'d> Sql<'d> {
    pub(crate) fn new(dialect: &'d dyn Dialect) -> Self {
        Sql {
            text: String::new(),
            params: Vec::new(),
            dialect,
        }
    }
    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    /// Binds a value and returns its placeholder.
    pub(crate) fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        self.dialect.param(self.params.len())
    }
    pub(crate) fn bind_push(&mut self, v: SqlValue) -> &mut Self {
        let p = self.bind(v);
        self.push(&p)
    }
}

fn bad(msg: impl Into<String>) -> StoreError {
    StoreError::BadRequest(msg.into())
}

fn quoted(col: &str) -> String {
    format!("t.\"{col}\"")
}

/// Appends the condition selecting a collection's rows (always something, `1=1` for roots).
pub(crate) fn scope(coll: &Collection, sql: &mut Sql<'_>) -> Result<(), StoreError> {
    let table = table_of(coll.ty);
    match &coll.scope {
        Scope::Root => {
            // Abstract roots (hosts) hold every subtype; concrete types sharing a table are told apart by `type`.
            if table == "host" && !coll.ty.is_abstract {
                sql.push("t.\"type\" = ")
                    .bind_push(SqlValue::Text(coll.ty.name.to_owned()));
            } else {
                sql.push("1=1");
            }
        }
        Scope::Nav { parent, nav } => {
            let source = layout::nav_source(parent.ty, nav)
                .ok_or_else(|| bad(format!("{} has no navigation {nav}", parent.ty.name)))?;
            let pid = SqlValue::Text(parent.id.clone());
            match source {
                NavSource::Reverse {
                    column, via: None, ..
                } => {
                    sql.push(&quoted(column)).push(" = ").bind_push(pid);
                }
                NavSource::Reverse {
                    column,
                    via: Some(via),
                    ..
                } => {
                    let ptable = table_of(parent.ty);
                    sql.push(&format!(
                        "{} = (SELECT \"{via}\" FROM \"{ptable}\" WHERE id = ",
                        quoted(column)
                    ))
                    .bind_push(pid)
                    .push(")");
                }
                NavSource::Either { a, b, .. } => {
                    let p = sql.bind(pid);
                    sql.push(&format!("({} = {p} OR {} = {p})", quoted(a), quoted(b)));
                }
                NavSource::Link => {
                    let kind = SqlValue::Text(layout::link_kind(parent.ty, nav));
                    sql.push("t.id IN (SELECT dst FROM \"link\" WHERE kind = ")
                        .bind_push(kind)
                        .push(" AND src = ")
                        .bind_push(pid)
                        .push(")");
                }
                NavSource::Column(_) => return Err(bad(format!("{nav} is not a collection"))),
            }
        }
    }
    Ok(())
}

/// The type of value a resolved path yields, for binding literals.
#[derive(Debug, Clone, Copy)]
enum Leaf {
    Stored(Storage),
    HostId,
    Text,
    Json(Ty),
}

/// Resolves a property path of a table to a SQL expression.
fn resolve(
    table: &str,
    path: &[String],
    dialect: &dyn Dialect,
) -> Result<(String, Leaf), StoreError> {
    let first = path.first().map(String::as_str).unwrap_or("");
    if first == "id" && path.len() == 1 {
        let leaf = if table == "host" {
            Leaf::HostId
        } else {
            Leaf::Text
        };
        return Ok(("t.id".into(), leaf));
    }
    let col = layout::column(table, first)
        .ok_or_else(|| bad(format!("unknown property {}", path.join("/"))))?;
    match (&col.kind, path.len()) {
        (ColumnKind::Prop(_, storage), 1) => Ok((quoted(&col.name), Leaf::Stored(*storage))),
        (ColumnKind::Prop(prop, Storage::Json), _) if !prop.collection => {
            let rest: Vec<&str> = path[1..].iter().map(String::as_str).collect();
            let leaf = json_leaf(prop.ty, &rest)
                .ok_or_else(|| bad(format!("unknown property {}", path.join("/"))))?;
            Ok((
                dialect.json_scalar(&quoted(&col.name), &rest),
                Leaf::Json(leaf),
            ))
        }
        (ColumnKind::RefId { target, .. }, 2) if path[1] == "id" => {
            let leaf = if target.is_a("host") {
                Leaf::HostId
            } else {
                Leaf::Text
            };
            Ok((quoted(&col.name), leaf))
        }
        _ => Err(bad(format!(
            "{} cannot be used in a filter or sort",
            path.join("/")
        ))),
    }
}

/// Walks a complex type along `rest` to a scalar leaf type.
fn json_leaf(ty: Ty, rest: &[&str]) -> Option<Ty> {
    let Some((head, tail)) = rest.split_first() else {
        return match ty {
            Ty::Named(n) if complex_type(n).is_some() => None,
            t => Some(t),
        };
    };
    let Ty::Named(n) = ty else { return None };
    let cx = complex_type(n)?;
    if let Some(p) = cx.prop(head) {
        if p.collection {
            return None;
        }
        return json_leaf(p.ty, tail);
    }
    // Navigations inside complex values are stored inline as {"id": …}.
    let nav = cx.nav(head)?;
    (!nav.collection && tail == ["id"])
        .then_some(Ty::String)
        .filter(|_| schema::entity_type(nav.target).is_some())
}

fn literal_value(lit: &Literal, leaf: Leaf, path: &[String]) -> Result<SqlValue, StoreError> {
    let name = path.join("/");
    let mismatch = |want: &str| {
        bad(format!(
            "{name} is {want}; the literal {lit:?} does not fit"
        ))
    };
    Ok(match (leaf, lit) {
        (_, Literal::Null) => SqlValue::Null,
        (Leaf::HostId, Literal::String(s)) => SqlValue::Text(normalize_host(s)),
        (Leaf::Text | Leaf::Stored(Storage::Text), Literal::String(s)) => SqlValue::Text(s.clone()),
        (Leaf::Stored(Storage::Int), Literal::Int(n)) => SqlValue::Int(*n),
        (Leaf::Stored(Storage::Real), Literal::Int(n)) => SqlValue::Real(*n as f64),
        (Leaf::Stored(Storage::Real), Literal::Double(d)) => SqlValue::Real(*d),
        (Leaf::Stored(Storage::Bool), Literal::Bool(b)) => SqlValue::Int(i64::from(*b)),
        (Leaf::Stored(Storage::Micros), Literal::DateTime(t)) => SqlValue::Int(
            datetime::from_offset_datetime(*t)
                .ok_or_else(|| mismatch("a DateTimeOffset in range"))?,
        ),
        (Leaf::Stored(Storage::Micros), Literal::String(s)) => {
            SqlValue::Int(datetime::parse(s).ok_or_else(|| mismatch("a DateTimeOffset"))?)
        }
        (Leaf::Json(Ty::DateTime), Literal::DateTime(t)) => SqlValue::Text(datetime::format(
            datetime::from_offset_datetime(*t)
                .ok_or_else(|| mismatch("a DateTimeOffset in range"))?,
        )),
        (Leaf::Json(Ty::DateTime), Literal::String(s)) => SqlValue::Text(datetime::format(
            datetime::parse(s).ok_or_else(|| mismatch("a DateTimeOffset"))?,
        )),
        (Leaf::Json(Ty::String), Literal::String(s)) => SqlValue::Text(s.clone()),
        (Leaf::Json(Ty::Named(n)), Literal::String(s)) if enum_type(n).is_some() => {
            SqlValue::Text(s.clone())
        }
        (Leaf::Json(Ty::Int32), Literal::Int(n)) => SqlValue::Int(*n),
        (Leaf::Json(Ty::Double), Literal::Int(n)) => SqlValue::Real(*n as f64),
        (Leaf::Json(Ty::Double), Literal::Double(d)) => SqlValue::Real(*d),
        (Leaf::Json(Ty::Boolean), Literal::Bool(b)) => SqlValue::Int(i64::from(*b)),
        (Leaf::Stored(Storage::Json), _) => {
            return Err(bad(format!(
                "{name} is a structured value; filter on one of its fields"
            )));
        }
        (Leaf::Stored(Storage::Micros) | Leaf::Json(Ty::DateTime), _) => {
            return Err(mismatch("a DateTimeOffset"));
        }
        (Leaf::Stored(Storage::Int | Storage::Real) | Leaf::Json(Ty::Int32 | Ty::Double), _) => {
            return Err(mismatch("a number"));
        }
        (Leaf::Stored(Storage::Bool) | Leaf::Json(Ty::Boolean), _) => {
            return Err(mismatch("a boolean"));
        }
        _ => return Err(mismatch("a string")),
    })
}

fn op_sql(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
    }
}

/// Appends a `$filter` expression.
pub(crate) fn filter(expr: &Expr, table: &str, sql: &mut Sql<'_>) -> Result<(), StoreError> {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            sql.push("(");
            filter(a, table, sql)?;
            sql.push(if matches!(expr, Expr::And(..)) {
                " AND "
            } else {
                " OR "
            });
            filter(b, table, sql)?;
            sql.push(")");
        }
        Expr::Not(e) => {
            sql.push("NOT (");
            filter(e, table, sql)?;
            sql.push(")");
        }
        Expr::Compare { path, op, value } => {
            let (col, leaf) = resolve(table, path, sql.dialect)?;
            match (value, op) {
                (Literal::Null, CmpOp::Eq) => {
                    sql.push(&format!("{col} IS NULL"));
                }
                (Literal::Null, CmpOp::Ne) => {
                    sql.push(&format!("{col} IS NOT NULL"));
                }
                (Literal::Null, _) => {
                    return Err(bad(format!(
                        "null can only be compared with eq or ne ({})",
                        path.join("/")
                    )));
                }
                _ => {
                    let v = literal_value(value, leaf, path)?;
                    sql.push(&format!("{col} {} ", op_sql(*op))).bind_push(v);
                }
            }
        }
        Expr::In { path, values } => {
            let (col, leaf) = resolve(table, path, sql.dialect)?;
            if values.is_empty() {
                sql.push("1=0");
                return Ok(());
            }
            sql.push(&format!("{col} IN ("));
            for (i, lit) in values.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                let v = literal_value(lit, leaf, path)?;
                sql.bind_push(v);
            }
            sql.push(")");
        }
    }
    Ok(())
}

/// Search keys of certificate entities (v1.0 names and the beta list's aliases) → path inside sslCertificateEntity.
fn certificate_entity_field(key: &str) -> Option<&'static [&'static str]> {
    Some(match key {
        "commonName" => &["commonName"],
        "givenName" => &["givenName"],
        "surname" => &["surname"],
        "organizationName" => &["organizationName"],
        "organizationUnitName" => &["organizationUnitName"],
        "serialNumber" => &["serialNumber"],
        "email" | "emailAddress" => &["email"],
        "country" | "countryOrRegion" => &["address", "countryOrRegion"],
        "localityName" | "city" => &["address", "city"],
        "province" | "stateOrProvinceName" | "state" => &["address", "state"],
        "streetAddress" | "street" => &["address", "street"],
        "postalCode" => &["address", "postalCode"],
        _ => return None,
    })
}

/// What `$search` on whois records may name: the contacts first, then the other searchable fields.
pub(crate) const WHOIS_SEARCH_FIELDS: &[&str] = &[
    "abuse",
    "admin",
    "billing",
    "noc",
    "registrant",
    "registrar",
    "technical",
    "zone",
    "nameservers",
    "host",
    "domainStatus",
    "whoisServer",
];

/// The whois contact properties.
const WHOIS_CONTACTS: &[&str] = WHOIS_SEARCH_FIELDS.split_at(8).0;

/// Appends a `$search` condition for a collection of `ty`.
pub(crate) fn search(s: &Search, ty: &EntityType, sql: &mut Sql<'_>) -> Result<(), StoreError> {
    let d = sql.dialect;
    match (ty.name, s) {
        ("sslCertificate", Search::Field { path, value }) => {
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            match segs.as_slice() {
                ["fingerprint" | "sha1"] => {
                    let p = sql.bind(SqlValue::Text(value.replace(':', "").to_ascii_lowercase()));
                    sql.push(&format!(
                        "replace(lower({}), ':', '') = {p}",
                        quoted(segs[0])
                    ));
                }
                ["serialNumber"] => {
                    let p = sql.bind(SqlValue::Text(value.clone()));
                    sql.push(&format!("lower({}) = lower({p})", quoted("serialNumber")));
                }
                ["name"] => {
                    let p = sql.bind(SqlValue::Text(value.clone()));
                    let cn = d.json_scalar(&quoted("subject"), &["commonName"]);
                    let alt = d.json_array_has(
                        &d.json_scalar(&quoted("subject"), &["alternateNames"]),
                        &[],
                        &p,
                    );
                    sql.push(&format!("(lower({cn}) = lower({p}) OR {alt})"));
                }
                [
                    side @ ("issuer" | "subject"),
                    "alternateNames" | "alternativeName" | "alternateName",
                ] => {
                    let p = sql.bind(SqlValue::Text(value.clone()));
                    sql.push(&d.json_array_has(
                        &d.json_scalar(&quoted(side), &["alternateNames"]),
                        &[],
                        &p,
                    ));
                }
                [side @ ("issuer" | "subject"), key] => {
                    let field = certificate_entity_field(key)
                        .ok_or_else(|| bad(format!("$search: {side} has no field {key}")))?;
                    let p = sql.bind(SqlValue::Text(value.clone()));
                    sql.push(&format!(
                        "lower({}) = lower({p})",
                        d.json_scalar(&quoted(side), field)
                    ));
                }
                _ => {
                    return Err(bad(format!(
                        "$search on sslCertificates supports fingerprint, sha1, serialNumber, name, issuer/<field> and subject/<field>; not {}",
                        path.join("/")
                    )));
                }
            }
        }
        ("whoisRecord" | "whoisHistoryRecord", Search::Field { path, value }) => {
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            let p = sql.bind(SqlValue::Text(value.clone()));
            match segs.as_slice() {
                ["nameservers", "host", "id"] | ["nameservers"] => {
                    let p2 = sql.bind(SqlValue::Text(normalize_host(value)));
                    sql.push(&d.json_array_has(&quoted("nameservers"), &["host", "id"], &p2));
                }
                ["host", "id"] | ["host"] => {
                    let p2 = sql.bind(SqlValue::Text(normalize_host(value)));
                    sql.push(&format!("{} = {p2}", quoted("host")));
                }
                [contact] if WHOIS_CONTACTS.contains(contact) => {
                    let any: Vec<String> = ["name", "organization", "email"]
                        .iter()
                        .map(|f| {
                            format!(
                                "lower({}) = lower({p})",
                                d.json_scalar(&quoted(contact), &[f])
                            )
                        })
                        .collect();
                    sql.push(&format!("({})", any.join(" OR ")));
                }
                [contact, rest @ ..] if WHOIS_CONTACTS.contains(contact) => {
                    if json_leaf(Ty::Named("whoisContact"), rest).is_none() {
                        return Err(bad(format!(
                            "$search: whoisContact has no field {}",
                            rest.join("/")
                        )));
                    }
                    sql.push(&format!(
                        "lower({}) = lower({p})",
                        d.json_scalar(&quoted(contact), rest)
                    ));
                }
                [field @ ("domainStatus" | "whoisServer")] => {
                    sql.push(&format!("lower({}) = lower({p})", quoted(field)));
                }
                _ => {
                    return Err(bad(format!(
                        "$search on whoisRecords takes <contact>/<field> (contacts: {}), nameservers/host/id or host/id; not {}",
                        WHOIS_CONTACTS.join(", "),
                        path.join("/")
                    )));
                }
            }
        }
        ("article" | "intelligenceProfile", Search::Terms(terms)) => {
            let fields: &[&str] = if ty.name == "article" {
                &["title", "summary", "body", "tags"]
            } else {
                &[
                    "title",
                    "aliases",
                    "summary",
                    "description",
                    "tradecraft",
                    "targets",
                ]
            };
            sql.push("(1=1");
            for term in terms {
                let pattern = format!(
                    "%{}%",
                    term.to_lowercase()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                let p = sql.bind(SqlValue::Text(pattern));
                let any: Vec<String> = fields
                    .iter()
                    .map(|f| format!("lower({}) LIKE {p} ESCAPE '\\'", quoted(f)))
                    .collect();
                sql.push(&format!(" AND ({})", any.join(" OR ")));
            }
            sql.push(")");
        }
        (_, Search::Terms(_)) => {
            return Err(bad(format!(
                "$search is not supported on {} collections",
                ty.name
            )));
        }
        (_, Search::Field { .. }) => {
            return Err(bad(format!(
                "$search with a \"field:value\" form is not supported on {} collections",
                ty.name
            )));
        }
    }
    Ok(())
}

/// A sort key: SQL expression (NULLs mapped to the lowest value, so keyset comparisons stay total) and direction.
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub(crate) expr: String,
    pub(crate) descending: bool,
}

/// The sort keys of a list: the requested order, then `id` ascending (unless already there).
pub(crate) fn sort_keys(
    orderby: &[OrderBy],
    table: &str,
    dialect: &dyn Dialect,
) -> Result<Vec<SortKey>, StoreError> {
    let mut keys = Vec::new();
    let mut has_id = false;
    for ob in orderby {
        let (expr, leaf) = resolve(table, &ob.path, dialect)?;
        has_id |= expr == "t.id";
        let floor = match leaf {
            Leaf::Stored(Storage::Int | Storage::Bool | Storage::Micros)
            | Leaf::Json(Ty::Int32 | Ty::Boolean) => "-9223372036854775808",
            Leaf::Stored(Storage::Real) | Leaf::Json(Ty::Double) => "-1e308",
            Leaf::Stored(Storage::Json) => {
                return Err(bad(format!(
                    "cannot sort by the structured value {}",
                    ob.path.join("/")
                )));
            }
            _ => "''",
        };
        keys.push(SortKey {
            expr: format!("COALESCE({expr}, {floor})"),
            descending: ob.descending,
        });
    }
    if !has_id {
        keys.push(SortKey {
            expr: "t.id".into(),
            descending: false,
        });
    }
    Ok(keys)
}

/// ORDER BY clause for sort keys.
pub(crate) fn order_clause(keys: &[SortKey]) -> String {
    let parts: Vec<String> = keys
        .iter()
        .map(|k| format!("{} {}", k.expr, if k.descending { "DESC" } else { "ASC" }))
        .collect();
    parts.join(", ")
}

/// Appends the keyset condition "strictly after the row whose sort values are `after`".
pub(crate) fn keyset(
    keys: &[SortKey],
    after: &[SqlValue],
    sql: &mut Sql<'_>,
) -> Result<(), StoreError> {
    if after.len() != keys.len() {
        return Err(bad(
            "$skiptoken does not belong to this query (its sort keys differ); start again from the first page",
        ));
    }
    let params: Vec<String> = after.iter().map(|v| sql.bind(v.clone())).collect();
    sql.push("(");
    for i in 0..keys.len() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for (j, key) in keys.iter().enumerate().take(i) {
            sql.push(&format!("{} = {} AND ", key.expr, params[j]));
        }
        let cmp = if keys[i].descending { "<" } else { ">" };
        sql.push(&format!("{} {cmp} {}", keys[i].expr, params[i]));
        sql.push(")");
    }
    sql.push(")");
    Ok(())
}

/// Encodes a row's sort values as an opaque cursor.
pub(crate) fn encode_cursor(values: &[SqlValue]) -> String {
    let json: Vec<Value> = values
        .iter()
        .map(|v| match v {
            SqlValue::Null => Value::Null,
            SqlValue::Int(n) => Value::from(*n),
            SqlValue::Real(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            SqlValue::Text(s) => Value::String(s.clone()),
        })
        .collect();
    URL_SAFE_NO_PAD.encode(Value::Array(json).to_string())
}

/// Decodes a cursor made by [`encode_cursor`].
pub(crate) fn decode_cursor(cursor: &str) -> Result<Vec<SqlValue>, StoreError> {
    let invalid = || bad("$skiptoken is not valid: use the @odata.nextLink exactly as returned");
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(invalid());
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::Null => Ok(SqlValue::Null),
            Value::Number(n) => n
                .as_i64()
                .map(SqlValue::Int)
                .or_else(|| n.as_f64().map(SqlValue::Real))
                .ok_or_else(invalid),
            Value::String(s) => Ok(SqlValue::Text(s)),
            _ => Err(invalid()),
        })
        .collect()
}

/// The column list to select for rendering (`id` first), as SQL.
pub(crate) fn select_list(table: &str) -> String {
    let mut s = String::from("t.id");
    for Column { name, .. } in layout::table_columns(table) {
        s.push_str(&format!(", t.\"{name}\""));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let vals = vec![
            SqlValue::Int(-5),
            SqlValue::Text("a$b".into()),
            SqlValue::Null,
            SqlValue::Real(1.5),
        ];
        assert_eq!(decode_cursor(&encode_cursor(&vals)).unwrap(), vals);
        assert!(decode_cursor("not a cursor!").is_err());
        assert!(decode_cursor("e30").is_err()); // {}
    }

    #[test]
    fn keyset_expands_mixed_directions() {
        let keys = vec![
            SortKey {
                expr: "a".into(),
                descending: true,
            },
            SortKey {
                expr: "t.id".into(),
                descending: false,
            },
        ];
        let mut sql = Sql::new(&SqliteDialect);
        keyset(
            &keys,
            &[SqlValue::Int(1), SqlValue::Text("x".into())],
            &mut sql,
        )
        .unwrap();
        assert_eq!(sql.text, "((a < ?1) OR (a = ?1 AND t.id > ?2))");
    }
}
