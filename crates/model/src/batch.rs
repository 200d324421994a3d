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

/// Passive DNS aggregates for the store's dedicated upsert path. Every item merges with what is stored:
/// first seen is the minimum, last seen the maximum, and observation counts add up. Applying a batch twice therefore
/// doubles counts (a re-import is a second sighting), but never duplicates rows.
///
/// The store writes items in the order given: sorted by id (as the aggregator makes them), each table is written in
/// key order, much faster than in any other.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DnsBatch {
    /// When tigr collected these records (µs since the epoch): `collectedDateTime`.
    pub collected: i64,
    /// One per (name, type, value).
    pub resolutions: Vec<Resolution>,
    /// Every owner name, name-valued answer and address seen, plus registrable domains of subdomains.
    pub hosts: Vec<HostSighting>,
    /// Names below a registrable domain (public suffix list).
    pub subdomains: Vec<SubdomainSighting>,
    /// Record values that are neither an address nor a host name (TXT, SOA, CAA, ...).
    pub unclassified: Vec<UnclassifiedValue>,
}

impl DnsBatch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.resolutions.is_empty() && self.hosts.is_empty()
    }
}

/// An aggregated resolution: a `passiveDnsRecord`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The record's id ([`crate::id::passive_dns_id`]).
    pub id: String,
    /// The owner name (a normalised host id): `parentHost`.
    pub name: String,
    /// `recordType`, e.g. `A`, `CNAME`, `TYPE65534`.
    pub record_type: String,
    /// Concrete type of the artifact: `ipAddress`, `hostname` or `unclassifiedArtifact`.
    pub artifact_type: &'static str,
    /// The artifact's id.
    pub artifact_id: String,
    /// First sighting, µs since the epoch.
    pub first_seen: i64,
    /// Last sighting, µs since the epoch.
    pub last_seen: i64,
    /// How many times it was observed.
    pub observations: u64,
}

/// A host seen in DNS traffic (or implied by it, for a registrable domain: then `seen` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSighting {
    /// Normalised host id.
    pub id: String,
    /// First and last sighting (µs), when the host itself was observed.
    pub seen: Option<(i64, i64)>,
}

/// A name below a registrable domain: a `subdomain` of that domain's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubdomainSighting {
    /// The subdomain entity's id (`name$$registrable`).
    pub id: String,
    /// The subdomain's host id.
    pub host: String,
    /// The registrable domain's host id.
    pub parent: String,
    /// First sighting (µs).
    pub first_seen: i64,
}

/// An `unclassifiedArtifact`: a record value kept as presentation text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnclassifiedValue {
    /// Its id (`kind$$value`).
    pub id: String,
    /// The record type the value belongs to, e.g. `TXT`.
    pub kind: String,
    /// Presentation-format record data.
    pub value: String,
}
