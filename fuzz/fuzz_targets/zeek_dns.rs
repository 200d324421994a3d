//! Fuzz target: the Zeek dns.log reader (TSV and JSON) takes any bytes, never panics, and its counts match what
//! the sink saw.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::dns::{Aggregating, Collected};
use tigr_ingest::zeek::read_zeek_dns;

fuzz_target!(|data: &[u8]| {
    let mut collected = Collected::default();
    let stats = read_zeek_dns(data, "fuzz", &mut collected).expect("reading a slice cannot fail");
    assert_eq!(stats.rejects, collected.report.rejected());
    assert_eq!(stats.observations, collected.report.accepted);
    let mut aggregating = Aggregating::new(1000, || 0, |_| {});
    let again = read_zeek_dns(data, "fuzz", &mut aggregating).expect("reading a slice cannot fail");
    aggregating.flush();
    assert_eq!(
        again.observations + again.rejects,
        stats.observations + stats.rejects
    );
});
