//! Fuzz target: the passivedns log reader takes any bytes, never panics, and its counts match what the sink saw.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::dns::{Aggregating, Collected};
use tigr_ingest::passivedns::read_passivedns;

fuzz_target!(|data: &[u8]| {
    let mut collected = Collected::default();
    let stats = read_passivedns(data, "fuzz", &mut collected).expect("reading a slice cannot fail");
    assert_eq!(stats.rejects, collected.report.rejected());
    assert_eq!(stats.observations, collected.report.accepted);
    assert!(stats.observations + stats.rejects + stats.skipped <= stats.lines);
    let mut aggregating = Aggregating::new(1000, || 0, |_| {});
    let again =
        read_passivedns(data, "fuzz", &mut aggregating).expect("reading a slice cannot fail");
    aggregating.flush();
    assert_eq!(
        again.observations + again.rejects,
        stats.observations + stats.rejects
    );
});
