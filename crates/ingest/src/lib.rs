//! Importers: one module per input format, each turning its input into [`tigr_model::batch::Batch`]es.
//!
//! Architecture invariant: importers do no IO beyond reading the input they are given and never touch the store;
//! the binary applies their batches. One bad record never aborts a run: it becomes a counted, sampled reject
//! ([`report`]) that names the source, the line or path, and the problem.

mod answer_text;
pub mod cof;
pub mod context;
pub mod dns;
pub mod dnstap;
pub mod epoch;
pub mod framestream;
pub mod graph_json;
pub mod input;
pub mod lines;
pub mod passivedns;
pub mod pcap;
mod raw_json;
pub mod report;
pub mod sample;
pub mod scan;
pub mod x509;
pub mod zeek;
