//! The schema tables agree with the Graph v1.0 CSDL (../shared/graph-api/csdl-v1.0-threatintelligence.xml) type for
//! type, member for member: names, types, collections, nullability, containment, base types, enum members.

use std::collections::BTreeMap;
use tigr_model::schema::{Ty, complex_types, entity_types, enum_types};

fn attr(line: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = line.find(&key)? + key.len();
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_owned())
}

fn ty_name(ty: Ty) -> String {
    match ty {
        Ty::String => "Edm.String".into(),
        Ty::Int32 => "Edm.Int32".into(),
        Ty::Double => "Edm.Double".into(),
        Ty::Boolean => "Edm.Boolean".into(),
        Ty::DateTime => "Edm.DateTimeOffset".into(),
        Ty::Named(n) => n.into(),
    }
}

/// A member as the CSDL writes it: "kind name type nullable [contained]".
fn csdl_members(xml: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in xml.lines().map(str::trim) {
        if line.starts_with("<EntityType")
            || line.starts_with("<ComplexType")
            || line.starts_with("<EnumType")
        {
            current = attr(line, "Name").unwrap_or_default();
            let mut head = vec![format!(
                "abstract={}",
                attr(line, "Abstract").as_deref() == Some("true")
            )];
            if let Some(b) = attr(line, "BaseType").filter(|b| !b.ends_with("graph.entity")) {
                head.push(format!("base={}", b.rsplit('.').next().unwrap_or("")));
            }
            if line.starts_with("<EnumType") || line.starts_with("<ComplexType") {
                head.clear();
            }
            out.insert(current.clone(), head);
        } else if line.starts_with("<Property") || line.starts_with("<NavigationProperty") {
            let t = attr(line, "Type").unwrap_or_default();
            let coll = t.starts_with("Collection(");
            let inner = t.trim_start_matches("Collection(").trim_end_matches(')');
            let inner = if inner.starts_with("Edm.") {
                inner.to_owned()
            } else {
                inner.rsplit('.').next().unwrap_or("").to_owned()
            };
            let kind = if line.starts_with("<Property") {
                "prop"
            } else {
                "nav"
            };
            let contained = if attr(line, "ContainsTarget").as_deref() == Some("true") {
                " contained"
            } else {
                ""
            };
            let nullable = attr(line, "Nullable").as_deref() != Some("false");
            out.entry(current.clone()).or_default().push(format!(
                "{kind} {} {inner} coll={coll} nullable={nullable}{contained}",
                attr(line, "Name").unwrap_or_default()
            ));
        } else if line.starts_with("<Member") {
            out.entry(current.clone())
                .or_default()
                .push(format!("member {}", attr(line, "Name").unwrap_or_default()));
        }
    }
    out
}

fn our_members() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for t in entity_types() {
        let mut v = vec![format!("abstract={}", t.is_abstract)];
        if let Some(b) = t.base {
            v.push(format!("base={b}"));
        }
        for p in t.props {
            v.push(format!(
                "prop {} {} coll={} nullable={}",
                p.name,
                ty_name(p.ty),
                p.collection,
                p.nullable
            ));
        }
        for n in t.navs {
            let contained = if n.contained { " contained" } else { "" };
            v.push(format!(
                "nav {} {} coll={} nullable={}{contained}",
                n.name, n.target, n.collection, n.nullable
            ));
        }
        out.insert(t.name.to_owned(), v);
    }
    for c in complex_types() {
        let mut v = Vec::new();
        for p in c.props.iter().filter(|p| !p.beta_only) {
            v.push(format!(
                "prop {} {} coll={} nullable={}",
                p.name,
                ty_name(p.ty),
                p.collection,
                p.nullable
            ));
        }
        for n in c.navs {
            v.push(format!(
                "nav {} {} coll={} nullable={}",
                n.name, n.target, n.collection, n.nullable
            ));
        }
        out.insert(c.name.to_owned(), v);
    }
    for e in enum_types()
        .iter()
        .filter(|e| e.name != "physicalAddressType")
    {
        out.insert(
            e.name.to_owned(),
            e.members.iter().map(|m| format!("member {m}")).collect(),
        );
    }
    out
}

#[test]
fn schema_tables_match_the_csdl() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/graph-api/csdl-v1.0-threatintelligence.xml");
    let Ok(xml) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: {} is not checked out beside the repository",
            path.display()
        );
        return;
    };
    let (theirs, ours) = (csdl_members(&xml), our_members());
    assert_eq!(
        theirs.len(),
        26 + 13 + 8,
        "entity, complex (with physicalAddress) and enum types in the CSDL"
    );
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "type names"
    );
    for (name, members) in &theirs {
        let mut a = members.clone();
        let mut b = ours[name].clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "type {name}");
    }
}
