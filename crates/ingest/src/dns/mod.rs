//! Passive DNS: record types, the observation every DNS source produces, and their aggregation into store batches.
//!
//! Sources (pcap, dnstap, Zeek, COF, passivedns) parse their input and hand [`Observation`]s to a [`DnsSink`];
//! they never normalise names or aggregate themselves, so every source agrees on what a record is.

pub mod aggregate;
pub mod observation;
pub mod rtype;
pub mod wire;

pub use aggregate::{Aggregating, Aggregator};
pub use observation::{Collected, DnsSink, Observation, ObservationError, OwnedObservation, Rdata};
pub use rtype::RecordType;
