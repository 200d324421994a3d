//! Validation and canonicalisation of Graph-shaped JSON entities against the schema.
//!
//! Importers hand raw `serde_json` values to [`validate_entity`]; what comes out is an [`Entity`] that only holds
//! schema properties with canonical values (DateTimeOffsets rewritten in tigr's written form, host ids normalised,
//! annotations dropped), its to-one navigation references, and any inline navigation collections, which the
//! caller validates in turn. Unknown properties are dropped and reported as warnings, never silently kept.

use crate::datetime;
use crate::id::{host_type, normalize_host};
use crate::schema::{
    self, EntityType, Ty, complex_type, entity_type, entity_type_from_odata, enum_type,
};
use serde_json::{Map, Value};

/// A validated entity.
#[derive(Debug, Clone)]
pub struct Entity {
    /// The concrete type.
    pub ty: &'static EntityType,
    /// The key (host ids in normal form).
    pub id: String,
    /// Schema properties present in the input, canonical.
    pub props: Map<String, Value>,
    /// To-one navigation references found inline.
    pub refs: Vec<Ref>,
    /// Inline collection navigations: (navigation name, raw items).
    pub children: Vec<(&'static str, Vec<Value>)>,
    /// Non-fatal remarks (unknown properties dropped, …).
    pub warnings: Vec<String>,
}

/// A to-one navigation reference (`"host": {"id": "contoso.com"}`).
#[derive(Debug, Clone)]
pub struct Ref {
    /// Navigation property name.
    pub nav: &'static str,
    /// Concrete type of the target.
    pub ty: &'static EntityType,
    /// Target key.
    pub id: String,
    /// The full target object when the input carried more than its id (to be imported as well).
    pub full: Option<Value>,
}

/// Why an input value is not a valid entity: a JSON path and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Problem {
    /// Where, as a JSON-pointer-like path (`/ports/0/port`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Where a value sits in the input, formatted only when something is wrong there (formatting the path of every
/// property up front was the largest cost of validating).
#[derive(Clone, Copy)]
enum Here<'a> {
    Root(&'a str),
    Key(&'a Here<'a>, &'a str),
    Index(&'a Here<'a>, usize),
}

impl std::fmt::Display for Here<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Here::Root(path) => f.write_str(path),
            Here::Key(parent, key) => write!(f, "{parent}/{key}"),
            Here::Index(parent, i) => write!(f, "{parent}/{i}"),
        }
    }
}

fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem {
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        message: message.into(),
    }
}

/// Resolves the concrete type of an object: its `@odata.type` if present (which must fit `expected`), else
/// `expected` itself, with hosts typed by their id.
pub fn concrete_type(
    obj: &Map<String, Value>,
    expected: Option<&'static EntityType>,
    path: &str,
) -> Result<&'static EntityType, Problem> {
    let annotated = match obj.get("@odata.type") {
        Some(Value::String(s)) => Some(entity_type_from_odata(s).ok_or_else(|| {
            problem(
                path,
                format!("@odata.type {s:?} is not a threat-intelligence entity type"),
            )
        })?),
        Some(_) => return Err(problem(path, "@odata.type must be a string")),
        None => None,
    };
    let ty = match (annotated, expected) {
        (Some(a), Some(e)) if !a.is_a(e.name) => {
            return Err(problem(
                path,
                format!("item is typed {} but a {} is expected here", a.name, e.name),
            ));
        }
        (Some(a), _) => a,
        (None, Some(e)) => e,
        (None, None) => {
            return Err(problem(
                path,
                "cannot tell the entity type: add \"@odata.type\"",
            ));
        }
    };
    if !ty.is_abstract {
        return Ok(ty);
    }
    // Abstract slot without a concrete annotation: hosts (and host-like artifacts) are typed by their id.
    if let (true, Some(Value::String(id))) =
        (ty.name == "host" || ty.name == "artifact", obj.get("id"))
    {
        return entity_type(host_type(&normalize_host(id)))
            .ok_or_else(|| problem(path, "host type missing from schema"));
    }
    Err(problem(
        path,
        format!(
            "{} is abstract: add \"@odata.type\" naming a concrete type",
            ty.name
        ),
    ))
}

/// Canonical form of a key for a type: hosts normalised, other ids as given.
pub fn canonical_id(ty: &EntityType, id: &str) -> String {
    if ty.is_a("host") {
        normalize_host(id)
    } else if ty.name == "vulnerability" {
        // CVE ids: the docs use both cases (notes.md §7).
        id.trim().to_ascii_uppercase()
    } else {
        id.to_owned()
    }
}

/// Validates one entity object. `expected` is the type the context calls for (a collection's item type or a
/// navigation's target), if any.
pub fn validate_entity(
    value: &Value,
    expected: Option<&'static EntityType>,
    path: &str,
) -> Result<Entity, Problem> {
    let Value::Object(obj) = value else {
        return Err(problem(
            path,
            format!("expected a JSON object, found {}", kind_of(value)),
        ));
    };
    let ty = concrete_type(obj, expected, path)?;
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => canonical_id(ty, s),
        Some(Value::String(_)) => {
            return Err(problem(&format!("{path}/id"), "id must not be empty"));
        }
        Some(other) => {
            return Err(problem(
                &format!("{path}/id"),
                format!("id must be a string, found {}", kind_of(other)),
            ));
        }
        None => return Err(problem(path, format!("{} has no \"id\"", ty.name))),
    };
    let mut entity = Entity {
        ty,
        id,
        props: Map::new(),
        refs: Vec::new(),
        children: Vec::new(),
        warnings: Vec::new(),
    };
    for (key, val) in obj {
        if key == "id" || key.contains('@') {
            continue; // annotations (`@odata.type`, `@odata.context`, `prop@odata.nextLink`) carry no data
        }
        let root = Here::Root(path);
        let at = Here::Key(&root, key);
        let here = || at.to_string();
        if let Some(prop) = ty.prop(key) {
            let canonical = validate_at(
                val,
                prop.ty,
                prop.collection,
                prop.nullable,
                at,
                &mut entity.warnings,
            )?;
            entity.props.insert(key.clone(), canonical);
        } else if let Some(nav) = ty.nav(key) {
            let target = entity_type(nav.target)
                .ok_or_else(|| problem(&here(), "navigation target missing from schema"))?;
            match (nav.collection, val) {
                (_, Value::Null) => {}
                (true, Value::Array(items)) => entity.children.push((nav.name, items.clone())),
                (true, other) => {
                    return Err(problem(
                        &here(),
                        format!("{key} must be an array, found {}", kind_of(other)),
                    ));
                }
                (false, Value::Object(o)) => {
                    let target_ty = concrete_type(o, Some(target), &here())?;
                    let Some(Value::String(tid)) = o.get("id") else {
                        return Err(problem(&here(), format!("{key} needs an \"id\"")));
                    };
                    let has_more = o.keys().any(|k| k != "id" && !k.starts_with('@'));
                    entity.refs.push(Ref {
                        nav: nav.name,
                        ty: target_ty,
                        id: canonical_id(target_ty, tid),
                        full: has_more.then(|| val.clone()),
                    });
                }
                (false, other) => {
                    return Err(problem(
                        &here(),
                        format!("{key} must be an object, found {}", kind_of(other)),
                    ));
                }
            }
        } else {
            entity.warnings.push(format!(
                "{at}: unknown property {key:?} of {} ignored",
                ty.name
            ));
        }
    }
    Ok(entity)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validates and canonicalises a value of a structural property.
pub fn validate_value(
    val: &Value,
    ty: Ty,
    collection: bool,
    nullable: bool,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Value, Problem> {
    validate_at(val, ty, collection, nullable, Here::Root(path), warnings)
}

fn validate_at(
    val: &Value,
    ty: Ty,
    collection: bool,
    nullable: bool,
    at: Here<'_>,
    warnings: &mut Vec<String>,
) -> Result<Value, Problem> {
    if val.is_null() {
        return if nullable || collection {
            Ok(Value::Null)
        } else {
            Err(problem(&at.to_string(), "must not be null"))
        };
    }
    if collection {
        let Value::Array(items) = val else {
            return Err(problem(
                &at.to_string(),
                format!("expected an array, found {}", kind_of(val)),
            ));
        };
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| validate_at(item, ty, false, false, Here::Index(&at, i), warnings))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    match ty {
        Ty::String => match val {
            Value::String(_) => Ok(val.clone()),
            other => Err(problem(
                &at.to_string(),
                format!("expected a string, found {}", kind_of(other)),
            )),
        },
        Ty::Boolean => match val {
            Value::Bool(_) => Ok(val.clone()),
            other => Err(problem(
                &at.to_string(),
                format!("expected true or false, found {}", kind_of(other)),
            )),
        },
        Ty::Int32 => match val.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Ok(Value::from(n)),
            None => Err(problem(
                &at.to_string(),
                format!("expected a 32-bit integer, found {val}"),
            )),
        },
        Ty::Double => match val.as_f64() {
            Some(_) => Ok(val.clone()),
            None => Err(problem(
                &at.to_string(),
                format!("expected a number, found {}", kind_of(val)),
            )),
        },
        Ty::DateTime => match val.as_str().and_then(datetime::parse) {
            Some(m) => Ok(Value::String(datetime::format(m))),
            None => Err(problem(
                &at.to_string(),
                format!("expected an RFC 3339 DateTimeOffset, found {val}"),
            )),
        },
        Ty::Named(name) => {
            if let Some(en) = enum_type(name) {
                return match val.as_str() {
                    Some(s) if en.members.contains(&s) => Ok(val.clone()),
                    _ => Err(problem(
                        &at.to_string(),
                        format!(
                            "expected one of {} ({name}), found {val}",
                            en.members.join(", ")
                        ),
                    )),
                };
            }
            let Some(cx) = complex_type(name) else {
                return Err(problem(&at.to_string(), format!("unknown type {name}")));
            };
            let Value::Object(obj) = val else {
                return Err(problem(
                    &at.to_string(),
                    format!("expected a {name} object, found {}", kind_of(val)),
                ));
            };
            let mut out = Map::new();
            for (key, v) in obj {
                if key.contains('@') {
                    continue;
                }
                let here = Here::Key(&at, key);
                if let Some(p) = cx.prop(key) {
                    out.insert(
                        key.clone(),
                        validate_at(v, p.ty, p.collection, p.nullable, here, warnings)?,
                    );
                } else if let Some(nav) = cx.nav(key) {
                    out.insert(
                        key.clone(),
                        validate_inline_nav(v, nav.target, &here.to_string())?,
                    );
                } else {
                    warnings.push(format!(
                        "{here}: unknown property {key:?} of {name} ignored"
                    ));
                }
            }
            Ok(Value::Object(out))
        }
    }
}

/// A navigation inside a complex value (`whoisNameserver.host`, `hostPortComponent.component`) is kept inline:
/// its id is canonicalised, annotations are dropped, and a polymorphic target gets its concrete `@odata.type`.
fn validate_inline_nav(v: &Value, target: &'static str, path: &str) -> Result<Value, Problem> {
    let Value::Object(o) = v else {
        return if v.is_null() {
            Ok(Value::Null)
        } else {
            Err(problem(path, "expected an object"))
        };
    };
    let target =
        schema::entity_type(target).ok_or_else(|| problem(path, "unknown navigation target"))?;
    let ty = concrete_type(o, Some(target), path)?;
    let mut out = Map::new();
    // Polymorphic slots (a nameserver's host) carry the concrete type, so clients can tell hostname from ipAddress.
    if target.is_abstract {
        out.insert("@odata.type".into(), Value::String(ty.odata_type()));
    }
    for (k, val) in o {
        match k.as_str() {
            "id" => {
                let Some(s) = val.as_str() else {
                    return Err(problem(path, "id must be a string"));
                };
                out.insert("id".into(), Value::String(canonical_id(ty, s)));
            }
            k if k.contains('@') => {}
            _ => {
                out.insert(k.clone(), val.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(v: Value, expected: Option<&str>) -> Entity {
        validate_entity(&v, expected.and_then(entity_type), "").unwrap_or_else(|p| panic!("{p}"))
    }

    fn err(v: Value, expected: Option<&str>) -> String {
        validate_entity(&v, expected.and_then(entity_type), "")
            .map(|_| ())
            .expect_err("should be rejected")
            .to_string()
    }

    #[test]
    fn passive_dns_record() {
        let e = ok(
            json!({
                "@odata.type": "#microsoft.graph.security.passiveDnsRecord",
                "id": "Y29udG9zby5jb20kJDIwLjEwMy44NS4zMyQkZmFsc2U=",
                "firstSeenDateTime": "2022-04-18T10:31:12.000Z",
                "recordType": "A",
                "parentHost": {"id": "Contoso.com"},
                "artifact": {"@odata.type": "#microsoft.graph.security.ipAddress", "id": "20.103.85.33"},
                "sslVersion": "3"
            }),
            None,
        );
        assert_eq!(e.ty.name, "passiveDnsRecord");
        assert_eq!(e.props["firstSeenDateTime"], "2022-04-18T10:31:12Z");
        assert_eq!(e.refs.len(), 2);
        assert_eq!(
            (e.refs[0].nav, e.refs[0].ty.name, e.refs[0].id.as_str()),
            ("parentHost", "hostname", "contoso.com")
        );
        assert_eq!(
            (e.refs[1].nav, e.refs[1].ty.name),
            ("artifact", "ipAddress")
        );
        assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
    }

    #[test]
    fn hosts_are_typed_by_id() {
        assert_eq!(
            ok(json!({"id": "8.8.8.8"}), Some("host")).ty.name,
            "ipAddress"
        );
        assert_eq!(
            ok(json!({"id": "CONTOSO.com."}), Some("host")).id,
            "contoso.com"
        );
    }

    #[test]
    fn rejects_name_the_problem() {
        for (v, expected, needle) in [
            (
                json!({"id": "x", "port": "21"}),
                Some("hostPort"),
                "/port: expected a 32-bit integer",
            ),
            (
                json!({"id": "x", "status": "opened"}),
                Some("hostPort"),
                "expected one of open, filtered, closed",
            ),
            (
                json!({"id": "x", "firstSeenDateTime": "String (timestamp)"}),
                Some("subdomain"),
                "/firstSeenDateTime: expected an RFC 3339",
            ),
            (json!({"id": "x"}), None, "cannot tell the entity type"),
            (
                json!({"id": "x"}),
                Some("indicator"),
                "indicator is abstract",
            ),
            (
                json!({"@odata.type": "#microsoft.graph.security.whoisRecord", "id": "x"}),
                Some("whoisHistoryRecord"),
                "typed whoisRecord but a whoisHistoryRecord",
            ),
            (json!({"title": "t"}), Some("article"), "has no \"id\""),
            (json!([1]), Some("article"), "expected a JSON object"),
            (
                json!({"id": "x", "port": null}),
                Some("hostPort"),
                "/port: must not be null",
            ),
        ] {
            let msg = err(v, expected);
            assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
        }
    }

    #[test]
    fn navigations_inside_complex_values_keep_their_concrete_type() {
        let e = ok(
            json!({"@odata.type": "#microsoft.graph.security.whoisRecord", "id": "w",
                   "nameservers": [{"host": {"id": "NS1.Example."}}, {"host": {"@odata.type": "#microsoft.graph.security.ipAddress", "id": "192.0.2.1"}}]}),
            None,
        );
        assert_eq!(
            e.props["nameservers"],
            json!([{"host": {"@odata.type": "#microsoft.graph.security.hostname", "id": "ns1.example"}},
                   {"host": {"@odata.type": "#microsoft.graph.security.ipAddress", "id": "192.0.2.1"}}])
        );
    }

    #[test]
    fn complex_values_are_checked_and_cleaned() {
        let e = ok(
            json!({"@odata.type": "#microsoft.graph.security.article", "id": "a",
                   "body": {"@odata.type": "microsoft.graph.security.formattedContent", "content": "x", "format": "markdown"},
                   "indicators": [{"id": "i"}]}),
            None,
        );
        assert_eq!(
            e.props["body"],
            json!({"content": "x", "format": "markdown"})
        );
        assert_eq!(e.children[0].0, "indicators");
        assert!(
            err(
                json!({"id": "a", "body": {"format": "pdf"}}),
                Some("article")
            )
            .contains("/body/format")
        );
    }
}
