//! What a collection or entity lets a query filter, sort, search, select and expand, for `tigr_odata` validation.
//!
//! tigr is deliberately more generous than the CSDL capability annotations (notes.md §6 treats those as hints):
//! every scalar property, every scalar inside a complex property, and every to-one navigation's `id` can be
//! filtered and sorted, because the query compiler can answer all of them.

use crate::layout::{self, ColumnKind, NavSource, Storage, table_of};
use tigr_model::schema::{EntityType, Ty, complex_type, enum_type};
use tigr_odata::{Capabilities, PropType, QueryOption, SearchSupport};

/// Capabilities of a collection (or, with `single`, of one entity) of a declared type.
#[derive(Debug, Clone, Copy)]
pub struct ResourceCaps {
    ty: &'static EntityType,
    single: bool,
}

impl ResourceCaps {
    /// Capabilities for a collection of `ty`.
    pub fn collection(ty: &'static EntityType) -> Self {
        ResourceCaps { ty, single: false }
    }
    /// Capabilities for a single entity of `ty` (only `$select` and `$expand` apply).
    pub fn single(ty: &'static EntityType) -> Self {
        ResourceCaps { ty, single: true }
    }
}

const CERT_SEARCH: &[&str] = &[
    "fingerprint",
    "sha1",
    "serialNumber",
    "name",
    "issuer",
    "subject",
];

fn prop_type(ty: Ty, collection: bool) -> PropType {
    if collection {
        return PropType::Collection;
    }
    match ty {
        Ty::String => PropType::String,
        Ty::Int32 => PropType::Int,
        Ty::Double => PropType::Double,
        Ty::Boolean => PropType::Bool,
        Ty::DateTime => PropType::DateTime,
        Ty::Named(n) => match enum_type(n) {
            Some(e) => PropType::Enum(e.members),
            None => PropType::Complex,
        },
    }
}

fn walk_complex(ty: Ty, rest: &[String]) -> Option<PropType> {
    let Some((head, tail)) = rest.split_first() else {
        return Some(prop_type(ty, false));
    };
    let Ty::Named(n) = ty else { return None };
    let cx = complex_type(n)?;
    if let Some(p) = cx.prop(head) {
        return if tail.is_empty() {
            Some(prop_type(p.ty, p.collection))
        } else if p.collection {
            None
        } else {
            walk_complex(p.ty, tail)
        };
    }
    let nav = cx.nav(head)?;
    match tail {
        [] => Some(PropType::Navigation),
        [id] if id == "id" && !nav.collection => Some(PropType::String),
        _ => None,
    }
}

impl Capabilities for ResourceCaps {
    fn property(&self, path: &[String]) -> Option<PropType> {
        let (first, rest) = path.split_first()?;
        if first == "id" {
            return rest.is_empty().then_some(PropType::String);
        }
        let table = table_of(self.ty);
        if let Some(col) = layout::column(table, first) {
            match (&col.kind, rest) {
                (ColumnKind::Prop(p, _), []) => return Some(prop_type(p.ty, p.collection)),
                (ColumnKind::Prop(p, Storage::Json), _) if !p.collection => {
                    return walk_complex(p.ty, rest);
                }
                (ColumnKind::RefId { .. }, []) => return Some(PropType::Navigation),
                (ColumnKind::RefId { .. }, [id]) if id == "id" => return Some(PropType::String),
                _ => {}
            }
        }
        // Collection navigations and the subtypes' properties are selectable names.
        let known = self
            .ty
            .concrete_subtypes()
            .iter()
            .any(|t| t.prop(first).is_some() || t.nav(first).is_some());
        (rest.is_empty() && known).then(|| {
            if self.ty.nav(first).is_some() {
                PropType::Navigation
            } else {
                PropType::Complex
            }
        })
    }

    fn filterable(&self, path: &[String]) -> bool {
        self.property(path).is_some_and(PropType::is_scalar)
    }

    fn sortable(&self, path: &[String]) -> bool {
        self.filterable(path)
    }

    fn expandable(&self, nav: &str) -> bool {
        matches!(layout::nav_source(self.ty, nav), Some(NavSource::Column(_)))
    }

    fn search(&self) -> SearchSupport {
        match self.ty.name {
            "sslCertificate" => SearchSupport::FieldRequired {
                fields: CERT_SEARCH,
            },
            "whoisRecord" => SearchSupport::FieldRequired {
                fields: crate::query::WHOIS_SEARCH_FIELDS,
            },
            "article" | "intelligenceProfile" => SearchSupport::Terms,
            _ => SearchSupport::None,
        }
    }

    fn allows(&self, option: QueryOption) -> bool {
        match option {
            QueryOption::Select | QueryOption::Expand => true,
            QueryOption::Search => !self.single && self.search() != SearchSupport::None,
            _ => !self.single,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tigr_model::schema::entity_type;

    fn p(s: &str) -> Vec<String> {
        s.split('/').map(str::to_owned).collect()
    }

    #[test]
    fn paths() {
        let pair = ResourceCaps::collection(entity_type("hostPair").unwrap());
        assert!(
            pair.filterable(&p("childHost/id"))
                && pair.filterable(&p("linkKind"))
                && pair.sortable(&p("firstSeenDateTime"))
        );
        assert!(!pair.filterable(&p("childHost")) && !pair.filterable(&p("nope")));
        let whois = ResourceCaps::collection(entity_type("whoisRecord").unwrap());
        assert_eq!(
            whois.property(&p("admin/address/state")),
            Some(PropType::String)
        );
        assert_eq!(
            whois.property(&p("nameservers")),
            Some(PropType::Collection)
        );
        let host = ResourceCaps::collection(entity_type("host").unwrap());
        assert_eq!(host.property(&p("netblock")), Some(PropType::String));
        assert_eq!(host.property(&p("passiveDns")), Some(PropType::Navigation));
        let port = ResourceCaps::single(entity_type("hostPort").unwrap());
        assert!(port.expandable("mostRecentSslCertificate") && !port.allows(QueryOption::Top));
    }
}
