//! The threat-intelligence schema as data: entity, complex and enum types with inheritance resolved.
//!
//! The raw tables come from the CSDL (`csdl.rs`, generated). This module adds what every other crate asks of them:
//! look-ups by name, inherited properties in wire order, subtype tests, entity-set names, and `@odata.type` strings.

use crate::csdl::{COMPLEX_TYPES, ENTITY_TYPES, ENUM_TYPES};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The namespace every threat-intelligence type lives in.
pub const NAMESPACE: &str = "microsoft.graph.security";

/// A property or navigation target type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Edm.String
    String,
    /// Edm.Int32
    Int32,
    /// Edm.Double
    Double,
    /// Edm.Boolean
    Boolean,
    /// Edm.DateTimeOffset
    DateTime,
    /// A complex or enum type of the schema, by name.
    Named(&'static str),
}

/// A structural property.
#[derive(Debug)]
pub struct Prop {
    /// JSON name.
    pub name: &'static str,
    /// Element type.
    pub ty: Ty,
    /// Whether the value is a collection of `ty`.
    pub collection: bool,
    /// CSDL nullability.
    pub nullable: bool,
    /// Present only in the beta schema (never written in v1.0 responses).
    pub beta_only: bool,
}

/// A navigation property.
#[derive(Debug)]
pub struct Nav {
    /// JSON name and URL segment.
    pub name: &'static str,
    /// Target entity type name.
    pub target: &'static str,
    /// Collection-valued.
    pub collection: bool,
    /// Contained navigation (ContainsTarget).
    pub contained: bool,
    /// CSDL nullability.
    pub nullable: bool,
}

/// An entity type with its own (not inherited) members.
#[derive(Debug)]
pub struct EntityType {
    /// Type name without namespace, e.g. `passiveDnsRecord`.
    pub name: &'static str,
    /// Base type, `None` for direct children of `microsoft.graph.entity`.
    pub base: Option<&'static str>,
    /// Abstract types only appear through their concrete subtypes.
    pub is_abstract: bool,
    /// Own structural properties.
    pub props: &'static [Prop],
    /// Own navigation properties.
    pub navs: &'static [Nav],
}

/// Entity types are schema singletons: two are equal when they are the same type.
impl PartialEq for EntityType {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for EntityType {}

/// A complex type.
#[derive(Debug)]
pub struct ComplexType {
    /// Type name without namespace.
    pub name: &'static str,
    /// Structural properties.
    pub props: &'static [Prop],
    /// Navigation properties on the complex type (e.g. `whoisNameserver.host`).
    pub navs: &'static [Nav],
}

/// An enum type.
#[derive(Debug)]
pub struct EnumType {
    /// Type name without namespace.
    pub name: &'static str,
    /// Member names in schema order; the wire form is the name.
    pub members: &'static [&'static str],
}

/// The two API versions tigr serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// `/v1.0`
    V1,
    /// `/beta`
    Beta,
}

impl ApiVersion {
    /// The URL segment.
    pub fn segment(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }

    /// Parses the URL segment.
    pub fn from_segment(s: &str) -> Option<Self> {
        match s {
            "v1.0" => Some(ApiVersion::V1),
            "beta" => Some(ApiVersion::Beta),
            _ => None,
        }
    }

    /// Whether a property exists in this version.
    pub fn has(self, prop: &Prop) -> bool {
        self == ApiVersion::Beta || !prop.beta_only
    }
}

struct Resolved {
    props: Vec<&'static Prop>,
    navs: Vec<&'static Nav>,
    ancestors: Vec<&'static str>,
}

static ENTITIES: LazyLock<HashMap<&'static str, &'static EntityType>> =
    LazyLock::new(|| ENTITY_TYPES.iter().map(|t| (t.name, t)).collect());
static COMPLEXES: LazyLock<HashMap<&'static str, &'static ComplexType>> =
    LazyLock::new(|| COMPLEX_TYPES.iter().map(|t| (t.name, t)).collect());
static ENUMS: LazyLock<HashMap<&'static str, &'static EnumType>> =
    LazyLock::new(|| ENUM_TYPES.iter().map(|t| (t.name, t)).collect());
static RESOLVED: LazyLock<HashMap<&'static str, Resolved>> = LazyLock::new(|| {
    ENTITY_TYPES
        .iter()
        .map(|t| {
            let mut chain = vec![t];
            while let Some(base) = chain
                .last()
                .and_then(|c| c.base)
                .and_then(|b| ENTITIES.get(b))
            {
                chain.push(base);
            }
            let ancestors = chain.iter().map(|c| c.name).collect();
            chain.reverse();
            let props = chain.iter().flat_map(|c| c.props.iter()).collect();
            let navs = chain.iter().flat_map(|c| c.navs.iter()).collect();
            (
                t.name,
                Resolved {
                    props,
                    navs,
                    ancestors,
                },
            )
        })
        .collect()
});

/// Looks up an entity type by name (without namespace).
pub fn entity_type(name: &str) -> Option<&'static EntityType> {
    ENTITIES.get(name).copied()
}

/// Looks up a complex type by name.
pub fn complex_type(name: &str) -> Option<&'static ComplexType> {
    COMPLEXES.get(name).copied()
}

/// Looks up an enum type by name.
pub fn enum_type(name: &str) -> Option<&'static EnumType> {
    ENUMS.get(name).copied()
}

/// All entity types.
pub fn entity_types() -> &'static [EntityType] {
    ENTITY_TYPES
}

/// All complex types.
pub fn complex_types() -> &'static [ComplexType] {
    COMPLEX_TYPES
}

/// All enum types.
pub fn enum_types() -> &'static [EnumType] {
    ENUM_TYPES
}

/// Parses an `@odata.type` value (`#microsoft.graph.security.hostname`, with or without `#`, any case of the
/// type name's letters as the docs sometimes write `hostName`) into an entity type.
pub fn entity_type_from_odata(odata_type: &str) -> Option<&'static EntityType> {
    let name = odata_type.trim_start_matches('#');
    let name = name
        .strip_prefix(NAMESPACE)
        .and_then(|n| n.strip_prefix('.'))?;
    entity_type(name).or_else(|| {
        ENTITY_TYPES
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    })
}

impl EntityType {
    fn resolved(&self) -> &'static Resolved {
        &RESOLVED[self.name]
    }

    /// Structural properties including inherited ones, base type first (wire order), without `id`.
    pub fn all_props(&self) -> &'static [&'static Prop] {
        &self.resolved().props
    }

    /// Navigation properties including inherited ones.
    pub fn all_navs(&self) -> &'static [&'static Nav] {
        &self.resolved().navs
    }

    /// A structural property by JSON name.
    pub fn prop(&self, name: &str) -> Option<&'static Prop> {
        self.all_props().iter().copied().find(|p| p.name == name)
    }

    /// A navigation property by name.
    pub fn nav(&self, name: &str) -> Option<&'static Nav> {
        self.all_navs().iter().copied().find(|n| n.name == name)
    }

    /// Whether this type is `ancestor` or derives from it.
    pub fn is_a(&self, ancestor: &str) -> bool {
        self.resolved().ancestors.contains(&ancestor)
    }

    /// The `@odata.type` annotation value, e.g. `#microsoft.graph.security.hostname`.
    pub fn odata_type(&self) -> String {
        format!("#{NAMESPACE}.{}", self.name)
    }

    /// Concrete (non-abstract) types that are this type or derive from it.
    pub fn concrete_subtypes(&self) -> Vec<&'static EntityType> {
        ENTITY_TYPES
            .iter()
            .filter(|t| !t.is_abstract && t.is_a(self.name))
            .collect()
    }
}

impl ComplexType {
    /// A property by JSON name.
    pub fn prop(&self, name: &str) -> Option<&'static Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    /// A navigation property by name.
    pub fn nav(&self, name: &str) -> Option<&'static Nav> {
        self.navs.iter().find(|n| n.name == name)
    }
}

/// The container type's navigations, i.e. the entity sets under `/security/threatIntelligence`.
pub fn entity_sets() -> &'static [Nav] {
    entity_type("threatIntelligence")
        .map(|t| t.navs)
        .unwrap_or(&[])
}

/// The entity set holding a type (or its abstract base): e.g. `hostname` → `hosts`.
pub fn entity_set_of(ty: &EntityType) -> Option<&'static Nav> {
    entity_sets().iter().find(|s| ty.is_a(s.target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_resources_md() {
        // resources.md: 26 entity, 12 complex, 8 enum types in microsoft.graph.security (+ the shared physicalAddress pair).
        assert_eq!(entity_types().len(), 26);
        assert_eq!(complex_types().len(), 12 + 1);
        assert_eq!(enum_types().len(), 8 + 1);
    }

    #[test]
    fn inheritance() {
        let hostname = entity_type("hostname").unwrap();
        assert!(hostname.is_a("host") && hostname.is_a("artifact") && !hostname.is_a("indicator"));
        let names: Vec<_> = hostname.all_props().iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "firstSeenDateTime",
                "lastSeenDateTime",
                "registrant",
                "registrar"
            ]
        );
        assert!(hostname.nav("passiveDns").is_some());
        let host = entity_type("host").unwrap();
        let subs: Vec<_> = host.concrete_subtypes().iter().map(|t| t.name).collect();
        assert_eq!(subs, ["hostname", "ipAddress"]);
        assert_eq!(entity_set_of(hostname).map(|s| s.name), Some("hosts"));
        assert_eq!(
            entity_set_of(entity_type("whoisHistoryRecord").unwrap()).map(|s| s.name),
            Some("whoisHistoryRecords")
        );
        assert_eq!(entity_sets().len(), 17);
    }

    #[test]
    fn odata_type_spellings() {
        for s in [
            "#microsoft.graph.security.hostname",
            "microsoft.graph.security.hostname",
            "#microsoft.graph.security.hostName",
        ] {
            assert_eq!(
                entity_type_from_odata(s).map(|t| t.name),
                Some("hostname"),
                "{s}"
            );
        }
        assert!(entity_type_from_odata("#microsoft.graph.user").is_none());
    }
}
