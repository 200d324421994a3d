//! The store: where tigr keeps resources, and the only crate that knows SQL.
//!
//! # Layout
//! - [`Store`]: the trait the API and the importers' driver use; nothing above this crate sees SQL or rows.
//! - `layout`: how the schema maps to tables, columns and navigation sources.
//! - `query`: OData AST → parameterised SQL (filter, order, keyset paging, search), over a small [`query::Dialect`].
//! - `render`: stored rows → Graph JSON (wire order, navigation stubs, `$select`, `$expand`, per-version fields).
//! - [`sqlite`]: the embedded backend (a data directory holding `tigr.db`), with versioned migrations.
//! - [`capabilities`]: what each collection lets a query filter, sort, search and expand, for `tigr_odata` validation.
//!
//! Architecture invariant: values reach SQL only as bound parameters; identifiers only come from the schema.

pub mod capabilities;
mod layout;
mod query;
mod render;
pub mod sqlite;

use serde_json::Value;
use tigr_model::ApiVersion;
use tigr_model::batch::{Batch, DnsBatch};
use tigr_model::scan::ScanBatch;
use tigr_model::schema::EntityType;
use tigr_odata::{Expr, OrderBy, Search};

pub use sqlite::SqliteStore;

/// Store errors. `BadRequest` is the client's fault (a filter that cannot apply, a stale cursor); the rest are ours.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request cannot be answered as asked; the message names the problem.
    #[error("{0}")]
    BadRequest(String),
    /// The SQLite backend failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The data directory could not be used.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// Stored data did not have the shape the schema says (corruption or a bug).
    #[error("corrupt stored value in {table}.{column}: {message}")]
    Corrupt {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// What was wrong.
        message: String,
    },
    /// The database was written by a newer tigr.
    #[error("database schema version {found} is newer than this tigr understands ({supported})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
}

/// Result alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A stored entity, addressed by its concrete type and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    /// Concrete type.
    pub ty: &'static EntityType,
    /// Key.
    pub id: String,
}

/// Which rows a collection path covers.
#[derive(Debug, Clone)]
pub enum Scope {
    /// A root entity set (`/hosts`).
    Root,
    /// A collection navigation of an entity (`/hosts/{id}/passiveDns`).
    Nav {
        /// The parent entity.
        parent: EntityRef,
        /// The navigation property.
        nav: &'static str,
    },
}

/// A collection: its declared item type and scope.
#[derive(Debug, Clone)]
pub struct Collection {
    /// Declared item type (may be abstract, e.g. `host`).
    pub ty: &'static EntityType,
    /// Which rows.
    pub scope: Scope,
}

/// How to render entities.
#[derive(Debug, Clone, Copy)]
pub struct Render<'a> {
    /// API version (v1.0 drops beta-only properties).
    pub version: ApiVersion,
    /// `$select`: only these properties (and navigation names); `None` = all.
    pub select: Option<&'a [String]>,
    /// `$expand`: to-one navigations rendered as full entities instead of stubs.
    pub expand: &'a [String],
}

/// A list request over a collection, validated by the caller.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    /// `$filter`.
    pub filter: Option<&'a Expr>,
    /// `$orderby` (id is always the final tie-breaker).
    pub orderby: &'a [OrderBy],
    /// `$search`.
    pub search: Option<&'a Search>,
    /// `$skip` (ignored when resuming from a cursor).
    pub skip: u64,
    /// Page size.
    pub page_size: usize,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<&'a str>,
    /// Whether to compute the total count.
    pub count: bool,
}

impl<'a> ListQuery<'a> {
    /// The list request a parsed (and validated) OData query asks for, served in pages of `page_size`.
    pub fn new(q: &'a tigr_odata::Query, page_size: usize) -> Self {
        ListQuery {
            filter: q.filter.as_ref(),
            orderby: &q.orderby,
            search: q.search.as_ref(),
            skip: q.skip.unwrap_or(0),
            page_size,
            cursor: q.skiptoken.as_deref(),
            count: q.count,
        }
    }
}

/// One page of a collection.
#[derive(Debug, Clone)]
pub struct Page {
    /// The rendered entities as one JSON array text (`[{…},{…}]`), ready to be written into an envelope.
    pub items_json: String,
    /// How many entities `items_json` holds.
    pub len: usize,
    /// Total matching rows (when asked for).
    pub count: Option<u64>,
    /// Cursor for the next page, when there may be more.
    pub next_cursor: Option<String>,
}

impl Page {
    /// The entities as JSON values (for callers that want to inspect them; the API writes `items_json` as is).
    pub fn items(&self) -> Vec<Value> {
        serde_json::from_str(&self.items_json).unwrap_or_default()
    }
}

/// What applying a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Entities upserted.
    pub entities: u64,
    /// Relations recorded.
    pub relations: u64,
    /// Stub rows created for referenced entities that were not stored yet.
    pub stubs: u64,
}

/// One exported item: an entity, or the members of a link-only navigation.
#[derive(Debug, Clone)]
pub enum ExportItem {
    /// An entity as Graph JSON text (with `@odata.type`, navigation stubs inline).
    Entity(String),
    /// A relation the entities' own JSON cannot express.
    Relation(tigr_model::batch::Relation),
}

/// The storage interface. Implementations must be usable from many threads at once.
pub trait Store: Send + Sync {
    /// Finds an entity in a collection by key (`/hosts/{id}`, `/hosts/{h}/ports/{id}`).
    fn find(&self, coll: &Collection, id: &str) -> Result<Option<EntityRef>>;
    /// Follows a to-one navigation (`/hostPorts/{id}/host`, `/hosts/{id}/whois`).
    fn follow(&self, entity: &EntityRef, nav: &str) -> Result<Option<EntityRef>>;
    /// Renders one entity as Graph JSON text.
    fn render(&self, entity: &EntityRef, render: &Render<'_>) -> Result<String>;
    /// Lists one page of a collection.
    fn list(&self, coll: &Collection, query: &ListQuery<'_>, render: &Render<'_>) -> Result<Page>;
    /// Counts a collection (`/$count`).
    fn count(
        &self,
        coll: &Collection,
        filter: Option<&Expr>,
        search: Option<&Search>,
    ) -> Result<u64>;
    /// Applies a batch atomically.
    fn apply(&self, batch: &Batch) -> Result<ApplyStats>;
    /// Applies passive DNS aggregates atomically: resolutions, hosts and subdomains merge with what is stored
    /// (earliest first seen, latest last seen, observation counts summed).
    fn apply_dns(&self, batch: &DnsBatch) -> Result<ApplyStats>;
    /// Applies scan findings atomically: each merges with what is stored (earliest first seen, latest last seen,
    /// counts added, the later scan's status), so a rescan updates instead of duplicating.
    fn apply_scan(&self, batch: &ScanBatch) -> Result<ApplyStats>;
    /// A number that changes whenever anything is committed to the store, by this process or another one sharing
    /// its files: two reads separated by equal versions saw the same content (what answer caches key on).
    fn data_version(&self) -> Result<u64>;
    /// Streams every stored entity and link-only relation, for `tigr export`.
    fn export(&self, sink: &mut dyn FnMut(ExportItem) -> std::io::Result<()>) -> Result<()>;
}
