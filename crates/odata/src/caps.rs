//! What a resource supports: the `Capabilities` trait the model crate
//! implements per resource type, its vocabulary (`PropType`,
//! `SearchSupport`, `QueryOption`), and `CapabilityTable`, a ready-made
//! implementation driven by a static table.

use std::fmt;

/// A system query option, for [`Capabilities::allows`] and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryOption {
    /// `$top`
    Top,
    /// `$skip`
    Skip,
    /// `$count` (only `$count=true` is checked)
    Count,
    /// `$select`
    Select,
    /// `$expand`
    Expand,
    /// `$orderby`
    OrderBy,
    /// `$filter`
    Filter,
    /// `$search`
    Search,
}

impl QueryOption {
    /// Every option, in the order validation checks them.
    pub const ALL: [QueryOption; 8] = [
        QueryOption::Top,
        QueryOption::Skip,
        QueryOption::Count,
        QueryOption::Select,
        QueryOption::Expand,
        QueryOption::OrderBy,
        QueryOption::Filter,
        QueryOption::Search,
    ];

    /// The canonical name, as used in [`crate::QueryError::option`]: `"$top"`, `"$orderby"`, …
    pub fn name(self) -> &'static str {
        match self {
            QueryOption::Top => "$top",
            QueryOption::Skip => "$skip",
            QueryOption::Count => "$count",
            QueryOption::Select => "$select",
            QueryOption::Expand => "$expand",
            QueryOption::OrderBy => "$orderby",
            QueryOption::Filter => "$filter",
            QueryOption::Search => "$search",
        }
    }
}

impl fmt::Display for QueryOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type of a property, as far as query validation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    /// `Edm.String`: takes string literals.
    String,
    /// `Edm.Int32`/`Edm.Int64`: takes integer literals.
    Int,
    /// `Edm.Double`: takes integer and decimal literals (integers are
    /// converted to `Literal::Double`).
    Double,
    /// `Edm.Boolean`: takes `true`/`false`, compared with `eq`/`ne` only.
    Bool,
    /// `Edm.DateTimeOffset`: takes date-time literals, or quoted RFC 3339
    /// strings (converted to `Literal::DateTime`).
    DateTime,
    /// An enum: takes string literals naming one of these members
    /// (case-sensitive).
    Enum(&'static [&'static str]),
    /// A complex (structured) value: selectable, not comparable; its
    /// sub-properties are addressed with `/` paths.
    Complex,
    /// A collection: selectable, not comparable.
    Collection,
    /// A navigation property: selectable, maybe expandable, not comparable;
    /// its properties are addressed with `/` paths (e.g. `childHost/id`).
    Navigation,
}

impl PropType {
    /// Whether values of this type can be compared and sorted.
    pub fn is_scalar(self) -> bool {
        !matches!(
            self,
            PropType::Complex | PropType::Collection | PropType::Navigation
        )
    }
}

/// How a resource supports `$search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSupport {
    /// `$search` is not supported.
    None,
    /// Free-text terms only (any number of them); `"path:value"` is refused.
    Terms,
    /// Exactly one free-text term (the `/articles` rule: "single-term
    /// searches only"); `"path:value"` is refused.
    SingleTerm,
    /// Only one `"path:value"` field search, and listing without `$search`
    /// is an error (the `/sslCertificates` and `/whoisRecords` rule; the
    /// caller enforces the latter with [`crate::Query::require_search`]).
    FieldRequired {
        /// Allowed path prefixes, `/`-separated: `"issuer"` allows
        /// `issuer/commonName`, `"nameservers/host/id"` allows just that
        /// path. The path must not end at a complex value, collection or
        /// navigation (`"issuer:x"` is refused); it need not be a known
        /// property, since Graph documents virtual search fields.
        fields: &'static [&'static str],
    },
}

/// What one resource (entity type as served at one endpoint) supports.
/// Implemented by the model crate; [`CapabilityTable`] is a table-driven
/// implementation.
///
/// Paths are the `/`-separated segments exactly as the client wrote them
/// (property names are case-sensitive).
pub trait Capabilities {
    /// The type of the property at `path`, or `None` if there is no such
    /// property. Must answer for sub-paths used in `$filter`/`$orderby`/
    /// `$search` (`["childHost", "id"]`) and for single names in `$select`.
    fn property(&self, path: &[String]) -> Option<PropType>;
    /// Whether `path` may appear in `$filter`.
    fn filterable(&self, path: &[String]) -> bool;
    /// Whether `path` may appear in `$orderby`.
    fn sortable(&self, path: &[String]) -> bool;
    /// Whether the navigation property `nav` may appear in `$expand`.
    fn expandable(&self, nav: &str) -> bool;
    /// How `$search` is supported.
    fn search(&self) -> SearchSupport;
    /// Whether `option` is allowed here at all.
    fn allows(&self, option: QueryOption) -> bool;
}

/// One row of a [`CapabilityTable`].
#[derive(Debug, Clone, Copy)]
pub struct Property {
    /// `/`-separated path, e.g. `"childHost/id"`.
    pub path: &'static str,
    /// Its type.
    pub ty: PropType,
    /// May appear in `$filter`.
    pub filterable: bool,
    /// May appear in `$orderby`.
    pub sortable: bool,
}

impl Property {
    /// A property that is neither filterable nor sortable.
    pub const fn plain(path: &'static str, ty: PropType) -> Self {
        Property {
            path,
            ty,
            filterable: false,
            sortable: false,
        }
    }
}

/// [`Capabilities`] from static data: list every property path that may be
/// named (including sub-paths such as `childHost/id`), the expandable
/// navigations, the search rule and the allowed options.
#[derive(Debug, Clone, Copy)]
pub struct CapabilityTable {
    /// Known property paths.
    pub properties: &'static [Property],
    /// Navigation names allowed in `$expand`.
    pub expandable: &'static [&'static str],
    /// The `$search` rule.
    pub search: SearchSupport,
    /// Options allowed here.
    pub options: &'static [QueryOption],
}

impl CapabilityTable {
    fn find(&self, path: &[String]) -> Option<&Property> {
        self.properties
            .iter()
            .find(|p| p.path.split('/').eq(path.iter().map(String::as_str)))
    }
}

impl Capabilities for CapabilityTable {
    fn property(&self, path: &[String]) -> Option<PropType> {
        self.find(path).map(|p| p.ty)
    }

    fn filterable(&self, path: &[String]) -> bool {
        self.find(path).is_some_and(|p| p.filterable)
    }

    fn sortable(&self, path: &[String]) -> bool {
        self.find(path).is_some_and(|p| p.sortable)
    }

    fn expandable(&self, nav: &str) -> bool {
        self.expandable.contains(&nav)
    }

    fn search(&self) -> SearchSupport {
        self.search
    }

    fn allows(&self, option: QueryOption) -> bool {
        self.options.contains(&option)
    }
}
