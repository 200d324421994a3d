//! What importers hand to the store: validated entities and the relations between them.
//!
//! Importers never touch the store; they produce [`Batch`]es, and the binary applies them. A batch is a plain value,
//! so it can be built, inspected and tested without a database.

use crate::json::Entity;

/// A parent→child relation through a navigation that the child's own JSON cannot express
/// (e.g. `articles('a')/indicators`, `hosts('contoso.com')/subdomains`, `hosts('x')/reputation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Parent entity type (concrete).
    pub parent_type: &'static str,
    /// Parent key.
    pub parent_id: String,
    /// Navigation property of the parent.
    pub nav: &'static str,
    /// Child entity type (concrete).
    pub child_type: &'static str,
    /// Child key.
    pub child_id: String,
}

/// A unit of work for the store: entities are upserted (present properties overwrite, absent ones are kept), then
/// relations are recorded. Applying the same batch twice leaves the store as applying it once.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Entities to upsert.
    pub entities: Vec<Entity>,
    /// Relations to record.
    pub relations: Vec<Relation>,
}

impl Batch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.relations.is_empty()
    }

    /// Number of items (entities plus relations).
    pub fn len(&self) -> usize {
        self.entities.len() + self.relations.len()
    }
}
