//! Fuzz target: the masscan reader takes any bytes in any of its forms, never panics, and its figures match what
//! the sink saw, whatever the read buffer size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::BufReader;
use tigr_ingest::scan::CollectedScan;
use tigr_ingest::scan::masscan::read_masscan;

fuzz_target!(|data: &[u8]| {
    let mut sink = CollectedScan::default();
    let stats = read_masscan(data, "fuzz", &mut sink).expect("reading a slice cannot fail");
    assert_eq!(stats.ports, sink.ports.len() as u64);
    assert_eq!(stats.rejects, sink.rejects.len() as u64);
    assert!(stats.banners <= stats.ports);
    assert!(sink.hosts.is_empty());
    // Form detection, line numbers and XML positions do not depend on how the input arrives.
    let mut small = CollectedScan::default();
    let again = read_masscan(BufReader::with_capacity(5, data), "fuzz", &mut small)
        .expect("reading a slice cannot fail");
    assert_eq!(again, stats);
    assert_eq!(small.ports, sink.ports);
    assert_eq!(small.rejects, sink.rejects);
});
