//! Stored rows → Graph JSON text: wire order, `@odata.type`, navigation stubs, `$select`, `$expand`, per-version fields.
//!
//! Rows are written straight from the backend's cells into one output buffer: no intermediate JSON values, no second
//! serialisation pass. This is the API's hot path (a page is 100 records), so it avoids allocating per field.

use crate::layout::{self, ColumnKind, NavSource, Storage};
use crate::query::SqlValue;
use crate::{EntityRef, Render, StoreError};
use serde_json::Value;
use std::fmt::Write as _;
use tigr_model::ApiVersion;
use tigr_model::datetime;
use tigr_model::id::host_type;
use tigr_model::schema::{EntityType, NAMESPACE, Ty, complex_type, entity_type};

/// Navigations that Graph's own answers carry as full objects rather than `{id}` stubs (the hostSslCertificate
/// examples embed the whole certificate).
const EXPANDED_BY_DEFAULT: &[(&str, &str)] = &[("hostSslCertificate", "sslCertificate")];

/// Target types always written in full: an `unclassifiedArtifact` (a TXT or SOA record's data) means nothing as a
/// bare id, and no path serves it on its own.
const ALWAYS_EXPANDED_TARGETS: &[&str] = &["unclassifiedArtifact"];

/// One stored value, borrowed from the backend's row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

/// A row's cells in `query::select_list` order (`id` first, then the table's columns).
pub(crate) trait Cells {
    fn cell(&self, i: usize) -> Cell<'_>;
}

impl Cells for Vec<SqlValue> {
    fn cell(&self, i: usize) -> Cell<'_> {
        match self.get(i) {
            Some(SqlValue::Int(n)) => Cell::Int(*n),
            Some(SqlValue::Real(f)) => Cell::Real(*f),
            Some(SqlValue::Text(s)) => Cell::Text(s),
            Some(SqlValue::Null) | None => Cell::Null,
        }
    }
}

fn corrupt(table: &str, column: &str, message: &str) -> StoreError {
    StoreError::Corrupt {
        table: table.into(),
        column: column.into(),
        message: message.into(),
    }
}

/// The cell of a named column.
fn named<'a>(table: &str, cells: &'a dyn Cells, name: &str) -> Cell<'a> {
    match layout::table_columns(table)
        .iter()
        .position(|c| c.name == name)
    {
        Some(i) => cells.cell(i + 1),
        None => Cell::Null,
    }
}

/// The concrete type and key of a row.
pub(crate) fn row_ref(table: &str, cells: &dyn Cells) -> Result<EntityRef, StoreError> {
    let Cell::Text(id) = cells.cell(0) else {
        return Err(corrupt(table, "id", "not text"));
    };
    let ty = if table == "host" {
        match named(table, cells, "type") {
            Cell::Text(t) => entity_type(t),
            _ => entity_type(host_type(id)),
        }
    } else {
        entity_type(table)
    };
    let ty = ty.ok_or_else(|| corrupt(table, "type", "unknown entity type"))?;
    Ok(EntityRef {
        ty,
        id: id.to_owned(),
    })
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn push_odata_type(out: &mut String, type_name: &str) {
    out.push_str("\"@odata.type\":\"#");
    out.push_str(NAMESPACE);
    out.push('.');
    out.push_str(type_name);
    out.push('"');
}

fn push_key(out: &mut String, first: &mut bool, key: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    out.push('"');
    out.push_str(key); // schema names need no escaping
    out.push_str("\":");
}

/// A navigation stub `{"@odata.type"?, "id"}` (the type is written for polymorphic targets).
pub(crate) fn stub(out: &mut String, target: &EntityType, id: &str, concrete: Option<&str>) {
    let concrete = if target.is_a("host") {
        Some(host_type(id))
    } else if target.is_abstract {
        concrete.and_then(|c| entity_type(c).map(|t| t.name))
    } else {
        None
    };
    out.push('{');
    if let Some(c) = concrete {
        push_odata_type(out, c);
        out.push(',');
    }
    out.push_str("\"id\":");
    push_json_str(out, id);
    out.push('}');
}

fn selected(r: &Render<'_>, name: &str) -> bool {
    r.select.is_none_or(|s| s.iter().any(|n| n == name))
}

/// How to render one concrete type from its table's cells, computed once: cell indices instead of name look-ups.
struct Plan {
    props: Vec<(&'static tigr_model::Prop, usize, Storage)>,
    navs: Vec<NavPlan>,
}

struct NavPlan {
    nav: &'static str,
    target: &'static EntityType,
    cell: usize,
    type_cell: Option<usize>,
}

static PLANS: std::sync::LazyLock<std::collections::HashMap<&'static str, Plan>> =
    std::sync::LazyLock::new(|| {
        let mut plans = std::collections::HashMap::new();
        for table in layout::TABLES {
            let cols = layout::table_columns(table);
            let cell = |name: &str| cols.iter().position(|c| c.name == name).map(|i| i + 1);
            for ty in layout::types_in(table) {
                let props = ty
                    .all_props()
                    .iter()
                    .filter_map(|p| {
                        let i = cell(p.name)?;
                        match cols[i - 1].kind {
                            ColumnKind::Prop(_, storage) => Some((*p, i, storage)),
                            _ => None,
                        }
                    })
                    .collect();
                let navs = ty
                    .all_navs()
                    .iter()
                    .filter_map(|n| {
                        let Some(NavSource::Column(col)) = layout::nav_source(ty, n.name) else {
                            return None;
                        };
                        Some(NavPlan {
                            nav: n.name,
                            target: entity_type(n.target)?,
                            cell: cell(col)?,
                            type_cell: cell(&format!("{col}Type")),
                        })
                    })
                    .collect();
                plans.insert(ty.name, Plan { props, navs });
            }
        }
        plans
    });

/// Index of the host table's `type` cell.
static HOST_TYPE_CELL: std::sync::LazyLock<Option<usize>> = std::sync::LazyLock::new(|| {
    layout::table_columns("host")
        .iter()
        .position(|c| c.name == "type")
        .map(|i| i + 1)
});

/// Appends one row as a JSON object. `expand` appends the full rendering of a to-one navigation target and says
/// whether it found one (otherwise the stub is written).
pub(crate) fn row(
    out: &mut String,
    table: &str,
    cells: &dyn Cells,
    r: &Render<'_>,
    expand: &mut dyn FnMut(&EntityRef, &mut String) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let Cell::Text(id) = cells.cell(0) else {
        return Err(corrupt(table, "id", "not text"));
    };
    let me = match table {
        "host" => match HOST_TYPE_CELL.map(|i| cells.cell(i)) {
            Some(Cell::Text(t)) => entity_type(t),
            _ => entity_type(host_type(id)),
        },
        t => entity_type(t),
    }
    .ok_or_else(|| corrupt(table, "type", "unknown entity type"))?;
    let plan = PLANS
        .get(me.name)
        .ok_or_else(|| corrupt(table, "type", "no render plan"))?;
    out.push('{');
    push_odata_type(out, me.name);
    out.push_str(",\"id\":");
    push_json_str(out, id);
    let mut first = false;
    for &(prop, i, storage) in &plan.props {
        if !r.version.has(prop) || !selected(r, prop.name) {
            continue;
        }
        push_key(out, &mut first, prop.name);
        write_value(
            out,
            cells.cell(i),
            storage,
            prop.ty,
            r.version,
            table,
            prop.name,
        )?;
    }
    for n in &plan.navs {
        if !selected(r, n.nav) {
            continue;
        }
        push_key(out, &mut first, n.nav);
        let Cell::Text(target_id) = cells.cell(n.cell) else {
            out.push_str("null");
            continue;
        };
        let concrete = match n.type_cell.map(|i| cells.cell(i)) {
            Some(Cell::Text(t)) => Some(t),
            _ => None,
        };
        let wants_full = r.expand.iter().any(|e| e == n.nav)
            || EXPANDED_BY_DEFAULT.contains(&(me.name, n.nav))
            || concrete.is_some_and(|c| ALWAYS_EXPANDED_TARGETS.contains(&c));
        if wants_full {
            let ty = concrete
                .and_then(entity_type)
                .or_else(|| {
                    n.target
                        .is_a("host")
                        .then(|| entity_type(host_type(target_id)))
                        .flatten()
                })
                .unwrap_or(n.target);
            if expand(
                &EntityRef {
                    ty,
                    id: target_id.to_owned(),
                },
                out,
            )? {
                continue;
            }
        }
        stub(out, n.target, target_id, concrete);
    }
    out.push('}');
    Ok(())
}

fn write_value(
    out: &mut String,
    cell: Cell<'_>,
    storage: Storage,
    ty: Ty,
    version: ApiVersion,
    table: &str,
    column: &str,
) -> Result<(), StoreError> {
    match (cell, storage) {
        (Cell::Null, _) => out.push_str("null"),
        (Cell::Text(s), Storage::Text) => push_json_str(out, s),
        (Cell::Int(n), Storage::Int) => {
            let _ = write!(out, "{n}");
        }
        (Cell::Real(f), Storage::Real) if f.is_finite() => {
            let _ = write!(
                out,
                "{}",
                serde_json::Number::from_f64(f)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "null".into())
            );
        }
        (Cell::Int(n), Storage::Real) => {
            let _ = write!(out, "{}", n as f64);
        }
        (Cell::Int(n), Storage::Bool) => out.push_str(if n != 0 { "true" } else { "false" }),
        (Cell::Int(n), Storage::Micros) => {
            out.push('"');
            datetime::write(out, n);
            out.push('"');
        }
        (Cell::Text(s), Storage::Json) if version == ApiVersion::Beta || !has_beta_only(ty) => {
            // Stored JSON was validated on the way in: it is written as is.
            out.push_str(s);
        }
        (Cell::Text(s), Storage::Json) => {
            let mut parsed: Value =
                serde_json::from_str(s).map_err(|e| corrupt(table, column, &e.to_string()))?;
            strip_beta(&mut parsed, ty);
            out.push_str(&parsed.to_string());
        }
        _ => return Err(corrupt(table, column, "stored value has the wrong type")),
    }
    Ok(())
}

/// Whether a complex type (transitively) has beta-only properties, which v1.0 answers must not carry.
fn has_beta_only(ty: Ty) -> bool {
    let Ty::Named(name) = ty else { return false };
    complex_type(name).is_some_and(|cx| cx.props.iter().any(|p| p.beta_only || has_beta_only(p.ty)))
}

/// Removes beta-only properties (physicalAddress.postOfficeBox/type) from a complex value for v1.0 answers.
fn strip_beta(v: &mut Value, ty: Ty) {
    let Ty::Named(name) = ty else { return };
    let Some(cx) = complex_type(name) else { return };
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| strip_beta(i, ty)),
        Value::Object(m) => {
            for p in cx.props {
                if p.beta_only {
                    m.remove(p.name);
                } else if let Some(child) = m.get_mut(p.name) {
                    strip_beta(child, p.ty);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_like_serde() {
        for s in [
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\nand\ttab\r",
            "\u{1}\u{1f}\u{8}\u{c}",
            "ünïcødé ✓",
            "",
        ] {
            let mut out = String::new();
            push_json_str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn beta_only_detection() {
        assert!(
            has_beta_only(Ty::Named("whoisContact"))
                && has_beta_only(Ty::Named("sslCertificateEntity"))
        );
        assert!(!has_beta_only(Ty::Named("formattedContent")) && !has_beta_only(Ty::String));
    }
}
