//! Fuzz target: the zgrab2 reader takes any bytes, never panics, and its figures add up: every module is a success,
//! a reached or unreached failure, or rejected; every report comes from a success or a reached failure.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::scan::CollectedScan;
use tigr_ingest::scan::zgrab2::{Zgrab2Options, read_zgrab2};

fuzz_target!(|data: &[u8]| {
    let options = Zgrab2Options::default().with_port("web", 8080);
    let mut sink = CollectedScan::default();
    let stats =
        read_zgrab2(data, "fuzz", &options, &mut sink).expect("reading a slice cannot fail");
    assert_eq!(stats.ports, sink.ports.len() as u64);
    assert_eq!(stats.rejects, sink.rejects.len() as u64);
    assert_eq!(stats.ports, stats.succeeded + stats.failed_reached);
    assert_eq!(
        stats.modules,
        stats.succeeded + stats.failed_reached + stats.failed_unreached + stats.rejected_modules
    );
    assert!(stats.targets <= stats.lines && stats.skipped <= stats.lines);
    assert!(sink.hosts.is_empty());
    for report in &sink.ports {
        for http in &report.http {
            assert!(
                http.body
                    .as_ref()
                    .is_none_or(|b| b.len() <= tigr_ingest::scan::zgrab2::MAX_BODY_BYTES)
            );
        }
    }
});
