//! Fuzz target: the COF reader takes any bytes, never panics, and accounts for every line (blank, skipped,
//! observed or rejected), with the same figures through the counting and the validating sink.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::cof::read_cof;
use tigr_ingest::dns::{Aggregating, Collected};

fuzz_target!(|data: &[u8]| {
    let mut collected = Collected::default();
    let stats = read_cof(data, "fuzz", &mut collected).expect("reading a slice cannot fail");
    assert_eq!(stats.rejects, collected.report.rejected());
    assert_eq!(stats.observations, collected.report.accepted);
    let mut aggregating = Aggregating::new(1000, || 0, |_| {});
    let again = read_cof(data, "fuzz", &mut aggregating).expect("reading a slice cannot fail");
    aggregating.flush();
    assert_eq!(again.lines, stats.lines);
    assert_eq!(
        again.observations + again.rejects,
        stats.observations + stats.rejects
    );
});
