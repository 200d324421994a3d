//! Stored rows → Graph JSON: wire order, `@odata.type`, navigation stubs, `$select`, `$expand`, per-version fields.

use crate::layout::{self, ColumnKind, Storage};
use crate::query::SqlValue;
use crate::{EntityRef, Render, StoreError};
use serde_json::{Map, Value};
use tigr_model::ApiVersion;
use tigr_model::datetime;
use tigr_model::id::host_type;
use tigr_model::schema::{EntityType, Ty, complex_type, entity_type};

/// Navigations that Graph's own answers carry as full objects rather than `{id}` stubs (the hostSslCertificate
/// examples embed the whole certificate).
const EXPANDED_BY_DEFAULT: &[(&str, &str)] = &[("hostSslCertificate", "sslCertificate")];

/// The concrete type and key of a row (values in `query::select_list` order).
pub(crate) fn row_ref(table: &str, vals: &[SqlValue]) -> Result<EntityRef, StoreError> {
    let id = match vals.first() {
        Some(SqlValue::Text(s)) => s.clone(),
        _ => return Err(corrupt(table, "id", "not text")),
    };
    let ty = if table == "host" {
        let idx = layout::table_columns(table)
            .iter()
            .position(|c| c.name == "type")
            .map(|i| i + 1);
        match idx.and_then(|i| vals.get(i)) {
            Some(SqlValue::Text(t)) => entity_type(t),
            _ => entity_type(host_type(&id)),
        }
    } else {
        entity_type(table)
    };
    let ty = ty.ok_or_else(|| corrupt(table, "type", "unknown entity type"))?;
    Ok(EntityRef { ty, id })
}

fn corrupt(table: &str, column: &str, message: &str) -> StoreError {
    StoreError::Corrupt {
        table: table.into(),
        column: column.into(),
        message: message.into(),
    }
}

/// A navigation stub `{"@odata.type"?, "id"}` (the type is written for polymorphic targets).
pub(crate) fn stub(target: &EntityType, id: &str, concrete: Option<&str>) -> Value {
    let mut m = Map::new();
    let concrete = if target.is_a("host") {
        Some(host_type(id))
    } else if target.is_abstract {
        concrete
    } else {
        None
    };
    if let Some(c) = concrete.and_then(entity_type) {
        m.insert("@odata.type".into(), Value::String(c.odata_type()));
    }
    m.insert("id".into(), Value::String(id.to_owned()));
    Value::Object(m)
}

fn selected(r: &Render<'_>, name: &str) -> bool {
    r.select.is_none_or(|s| s.iter().any(|n| n == name))
}

/// Renders one row. `expand` fetches and renders a to-one navigation target in full.
pub(crate) fn row(
    table: &str,
    vals: &[SqlValue],
    r: &Render<'_>,
    expand: &mut dyn FnMut(&EntityRef) -> Result<Option<Value>, StoreError>,
) -> Result<Value, StoreError> {
    let me = row_ref(table, vals)?;
    let cols = layout::table_columns(table);
    let value_of = |name: &str| {
        cols.iter()
            .position(|c| c.name == name)
            .and_then(|i| vals.get(i + 1))
    };
    let mut out = Map::new();
    out.insert("@odata.type".into(), Value::String(me.ty.odata_type()));
    out.insert("id".into(), Value::String(me.id.clone()));
    for prop in me.ty.all_props() {
        if !r.version.has(prop) || !selected(r, prop.name) {
            continue;
        }
        let Some(col) = cols.iter().find(|c| c.name == prop.name) else {
            continue;
        };
        let ColumnKind::Prop(_, storage) = col.kind else {
            continue;
        };
        let v = value_of(prop.name).unwrap_or(&SqlValue::Null);
        out.insert(
            prop.name.into(),
            to_json(v, storage, prop.ty, r.version, table, prop.name)?,
        );
    }
    for nav in me.ty.all_navs() {
        let Some(layout::NavSource::Column(colname)) = layout::nav_source(me.ty, nav.name) else {
            continue;
        };
        if !selected(r, nav.name) {
            continue;
        }
        let Some(target) = entity_type(nav.target) else {
            continue;
        };
        let id = match value_of(colname) {
            Some(SqlValue::Text(s)) => s.clone(),
            _ => {
                out.insert(nav.name.into(), Value::Null);
                continue;
            }
        };
        let concrete = match value_of(&format!("{colname}Type")) {
            Some(SqlValue::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        let wants_full = r.expand.iter().any(|e| e == nav.name)
            || EXPANDED_BY_DEFAULT.contains(&(me.ty.name, nav.name));
        let stub_value = stub(target, &id, concrete);
        let rendered = if wants_full {
            let ty = concrete
                .and_then(entity_type)
                .or_else(|| {
                    target
                        .is_a("host")
                        .then(|| entity_type(host_type(&id)))
                        .flatten()
                })
                .unwrap_or(target);
            expand(&EntityRef { ty, id: id.clone() })?.unwrap_or(stub_value)
        } else {
            stub_value
        };
        out.insert(nav.name.into(), rendered);
    }
    Ok(Value::Object(out))
}

fn to_json(
    v: &SqlValue,
    storage: Storage,
    ty: Ty,
    version: ApiVersion,
    table: &str,
    column: &str,
) -> Result<Value, StoreError> {
    Ok(match (v, storage) {
        (SqlValue::Null, _) => Value::Null,
        (SqlValue::Text(s), Storage::Text) => Value::String(s.clone()),
        (SqlValue::Int(n), Storage::Int) => Value::from(*n),
        (SqlValue::Real(f), Storage::Real) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        (SqlValue::Int(n), Storage::Real) => Value::from(*n as f64),
        (SqlValue::Int(n), Storage::Bool) => Value::Bool(*n != 0),
        (SqlValue::Int(n), Storage::Micros) => Value::String(datetime::format(*n)),
        (SqlValue::Text(s), Storage::Json) => {
            let mut parsed: Value =
                serde_json::from_str(s).map_err(|e| corrupt(table, column, &e.to_string()))?;
            if version == ApiVersion::V1 {
                strip_beta(&mut parsed, ty);
            }
            parsed
        }
        _ => return Err(corrupt(table, column, "stored value has the wrong type")),
    })
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
