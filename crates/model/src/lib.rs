//! The Graph threat-intelligence resource model: types as data, wire JSON rules, and the id codec.
//!
//! # Layout
//! - [`schema`]: every entity, complex and enum type of `microsoft.graph.security` (generated from the CSDL into `csdl.rs`),
//!   with inheritance resolved and the lookups the other crates need.
//! - [`json`]: validation and canonicalisation of incoming Graph-shaped JSON against the schema.
//! - [`batch`]: what importers hand to the store; [`scan`]: scan findings and the merge rule rescans follow.
//! - [`id`]: the composite-id codec (base64 of `$$`-joined natural keys) and host-id normalisation.
//! - [`datetime`]: the one DateTimeOffset format tigr writes, and the parser it accepts.
//!
//! No IO and no async here: everything is pure functions over data.

pub mod batch;
mod csdl;
pub mod datetime;
pub mod id;
pub mod json;
pub mod scan;
pub mod schema;

pub use schema::{ApiVersion, ComplexType, EntityType, EnumType, Nav, Prop, Ty};
