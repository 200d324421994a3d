//! How the schema maps onto tables: one table per concrete entity type (both host types share `host`), one column
//! per structural property (named as in JSON), one column per stored to-one navigation, and a link table for the
//! navigations neither side can hold in a column.
//!
//! Architecture invariant: this file and the migrations are the only places that name tables and columns.

use tigr_model::schema::{EntityType, Prop, Ty, complex_type, entity_type, enum_type};

/// How a navigation property is resolved in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NavSource {
    /// To-one, the target's key is in a column of this row (`host`, `parentHost`, `artifact`, …).
    Column(&'static str),
    /// Rows of `table` whose `column` equals this row's key (or, with `via`, this row's `via` column).
    Reverse {
        table: &'static str,
        column: &'static str,
        via: Option<&'static str>,
    },
    /// Rows of `table` whose `a` or `b` column equals this row's key.
    Either {
        table: &'static str,
        a: &'static str,
        b: &'static str,
    },
    /// Rows named by the link table under this navigation's link kind.
    Link,
}

/// Resolves a navigation of an entity type (the declaring type may be a base type).
pub(crate) fn nav_source(ty: &EntityType, nav: &str) -> Option<NavSource> {
    use NavSource::*;
    let host = ty.is_a("host");
    Some(match nav {
        "childHostPairs" if host => Reverse {
            table: "hostPair",
            column: "parentHost",
            via: None,
        },
        "parentHostPairs" if host => Reverse {
            table: "hostPair",
            column: "childHost",
            via: None,
        },
        "hostPairs" if host => Either {
            table: "hostPair",
            a: "parentHost",
            b: "childHost",
        },
        "components" if host => Reverse {
            table: "hostComponent",
            column: "host",
            via: None,
        },
        "cookies" if host => Reverse {
            table: "hostCookie",
            column: "host",
            via: None,
        },
        "trackers" if host => Reverse {
            table: "hostTracker",
            column: "host",
            via: None,
        },
        "ports" if host => Reverse {
            table: "hostPort",
            column: "host",
            via: None,
        },
        "sslCertificates" if host => Reverse {
            table: "hostSslCertificate",
            column: "host",
            via: None,
        },
        "passiveDns" if host => Reverse {
            table: "passiveDnsRecord",
            column: "parentHost",
            via: None,
        },
        "passiveDnsReverse" if host => Reverse {
            table: "passiveDnsRecord",
            column: "artifact",
            via: None,
        },
        "reputation" if host => Reverse {
            table: "hostReputation",
            column: "host",
            via: None,
        },
        "subdomains" if host => Reverse {
            table: "subdomain",
            column: "parent",
            via: None,
        },
        "whois" if host => Reverse {
            table: "whoisRecord",
            column: "host",
            via: None,
        },
        "history" if ty.name == "whoisRecord" => Reverse {
            table: "whoisHistoryRecord",
            column: "host",
            via: Some("host"),
        },
        "components" if ty.name == "vulnerability" => Reverse {
            table: "vulnerabilityComponent",
            column: "vulnerability",
            via: None,
        },
        "indicators" | "articles" | "relatedHosts" => Link,
        _ => {
            let n = ty.nav(nav)?;
            if n.collection {
                return None;
            }
            Column(n.name)
        }
    })
}

/// The table holding a concrete (or abstract host) type.
pub(crate) fn table_of(ty: &EntityType) -> &'static str {
    if ty.is_a("host") { "host" } else { ty.name }
}

/// Whether a to-one column navigation targets a polymorphic type (so its concrete type is stored beside the id).
pub(crate) fn polymorphic(target: &EntityType) -> bool {
    target.is_abstract && !target.is_a("host")
}

/// The SQL storage class of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    /// TEXT: strings and enum members.
    Text,
    /// INTEGER: Int32.
    Int,
    /// REAL: Double.
    Real,
    /// INTEGER 0/1.
    Bool,
    /// INTEGER microseconds since the epoch.
    Micros,
    /// TEXT holding JSON: complex values and collections.
    Json,
}

/// Storage class of a structural property.
pub(crate) fn storage(prop: &Prop) -> Storage {
    if prop.collection {
        return Storage::Json;
    }
    match prop.ty {
        Ty::String => Storage::Text,
        Ty::Int32 => Storage::Int,
        Ty::Double => Storage::Real,
        Ty::Boolean => Storage::Bool,
        Ty::DateTime => Storage::Micros,
        Ty::Named(n) if enum_type(n).is_some() => Storage::Text,
        Ty::Named(n) => {
            debug_assert!(complex_type(n).is_some());
            Storage::Json
        }
    }
}

/// A column of a table, as the query engine and renderer see it.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) kind: ColumnKind,
}

#[derive(Debug, Clone)]
pub(crate) enum ColumnKind {
    /// A structural property.
    Prop(&'static Prop, Storage),
    /// The key of a to-one navigation target.
    RefId { target: &'static EntityType },
    /// The concrete type name of a polymorphic to-one navigation target.
    RefType,
    /// A storage-only column (relation keys, counters, the host subtype).
    Internal,
}

/// Storage-only columns per table: contained-parent keys, the host subtype, observation counters, the rule that
/// detected a component.
fn internal_columns(table: &str) -> &'static [&'static str] {
    match table {
        "host" => &["type"],
        "hostReputation" => &["host"],
        "subdomain" => &["parent"],
        "vulnerabilityComponent" => &["vulnerability"],
        "passiveDnsRecord" => &["observations"],
        "hostComponent" => &["detectedBy"],
        _ => &[],
    }
}

/// All concrete types stored in a table.
pub(crate) fn types_in(table: &str) -> Vec<&'static EntityType> {
    match table {
        "host" => ["hostname", "ipAddress"]
            .iter()
            .filter_map(|n| entity_type(n))
            .collect(),
        t => entity_type(t).into_iter().collect(),
    }
}

/// Every table tigr stores entities in, in migration order.
pub(crate) const TABLES: &[&str] = &[
    "host",
    "hostReputation",
    "passiveDnsRecord",
    "subdomain",
    "hostPort",
    "hostComponent",
    "hostCookie",
    "hostTracker",
    "hostPair",
    "sslCertificate",
    "hostSslCertificate",
    "whoisRecord",
    "whoisHistoryRecord",
    "article",
    "articleIndicator",
    "intelligenceProfile",
    "intelligenceProfileIndicator",
    "vulnerability",
    "vulnerabilityComponent",
    "unclassifiedArtifact",
];

/// The columns of a table after `id`, derived from the schema (the migrations must agree; a test checks it).
pub(crate) fn columns(table: &str) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::new();
    for ty in types_in(table) {
        for prop in ty.all_props() {
            if !out.iter().any(|c| c.name == prop.name) {
                out.push(Column {
                    name: prop.name.to_owned(),
                    kind: ColumnKind::Prop(prop, storage(prop)),
                });
            }
        }
        for nav in ty.all_navs() {
            if let Some(NavSource::Column(name)) = nav_source(ty, nav.name) {
                if out.iter().any(|c| c.name == name) {
                    continue;
                }
                let Some(target) = entity_type(nav.target) else {
                    continue;
                };
                out.push(Column {
                    name: name.to_owned(),
                    kind: ColumnKind::RefId { target },
                });
                if polymorphic(target) {
                    out.push(Column {
                        name: format!("{name}Type"),
                        kind: ColumnKind::RefType,
                    });
                }
            }
        }
    }
    for name in internal_columns(table) {
        if !out.iter().any(|c| c.name == *name) {
            out.push(Column {
                name: (*name).to_owned(),
                kind: ColumnKind::Internal,
            });
        }
    }
    out
}

/// The SQL type a column is declared with.
#[cfg(test)]
pub(crate) fn sql_type(col: &Column) -> &'static str {
    match &col.kind {
        ColumnKind::Prop(_, Storage::Int | Storage::Bool | Storage::Micros) => "INTEGER",
        ColumnKind::Prop(_, Storage::Real) => "REAL",
        ColumnKind::Internal if col.name == "observations" => "INTEGER",
        _ => "TEXT",
    }
}

static COLUMNS: std::sync::LazyLock<std::collections::HashMap<&'static str, Vec<Column>>> =
    std::sync::LazyLock::new(|| TABLES.iter().map(|t| (*t, columns(t))).collect());

/// The cached column list of a table (after `id`).
pub(crate) fn table_columns(table: &str) -> &'static [Column] {
    COLUMNS.get(table).map(Vec::as_slice).unwrap_or(&[])
}

/// A column by name.
pub(crate) fn column(table: &str, name: &str) -> Option<&'static Column> {
    table_columns(table).iter().find(|c| c.name == name)
}

/// The link-table kind of a link navigation.
pub(crate) fn link_kind(parent: &EntityType, nav: &str) -> String {
    let owner = if parent.is_a("host") {
        "host"
    } else {
        parent.name
    };
    format!("{owner}.{nav}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The CREATE TABLE statements the schema implies; `0001_initial.sql` was written from this and must keep agreeing.
    pub(crate) fn implied_ddl() -> String {
        let mut out = String::new();
        for table in TABLES {
            let cols: Vec<String> = std::iter::once("    id TEXT PRIMARY KEY NOT NULL".to_owned())
                .chain(
                    columns(table)
                        .iter()
                        .map(|c| format!("    \"{}\" {}", c.name, sql_type(c))),
                )
                .collect();
            out.push_str(&format!(
                "CREATE TABLE \"{table}\" (\n{}\n);\n",
                cols.join(",\n")
            ));
        }
        out
    }

    #[test]
    #[ignore = "prints the DDL the schema implies, for writing a migration"]
    fn print_implied_ddl() {
        println!("{}", implied_ddl());
    }

    #[test]
    fn every_navigation_resolves() {
        for ty in tigr_model::schema::entity_types()
            .iter()
            .filter(|t| !t.is_abstract && t.name != "threatIntelligence")
        {
            for nav in ty.all_navs() {
                assert!(
                    nav_source(ty, nav.name).is_some(),
                    "{}.{} has no storage",
                    ty.name,
                    nav.name
                );
            }
        }
    }
}
