//! Fuzz target: the nmap XML reader takes any bytes and never panics; its stats match what the sink got, it
//! reads no further than the input, every report names a host, and the result does not depend on how reads split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::BufReader;
use tigr_ingest::scan::CollectedScan;
use tigr_ingest::scan::nmap::read_nmap;

fuzz_target!(|data: &[u8]| {
    let mut scan = CollectedScan::default();
    let stats = read_nmap(data, "fuzz", &mut scan).expect("reading a slice cannot fail");
    assert_eq!(stats.ports, scan.ports.len() as u64);
    assert_eq!(stats.host_scans, scan.hosts.len() as u64);
    assert_eq!(stats.rejects, scan.rejects.len() as u64);
    assert!(stats.bytes <= data.len() as u64);
    assert!(stats.hosts + stats.hosts_down <= data.len() as u64);
    for report in &scan.ports {
        assert!(!report.address.is_empty());
    }
    for scanned in &scan.hosts {
        assert!(!scanned.address.is_empty());
        assert!(scanned.ports.iter().all(|(low, high)| low <= high));
    }

    let mut chunked = CollectedScan::default();
    let chunked_stats = read_nmap(BufReader::with_capacity(3, data), "fuzz", &mut chunked)
        .expect("reading a slice cannot fail");
    assert_eq!(chunked_stats, stats);
    assert_eq!(chunked.ports, scan.ports);
    assert_eq!(chunked.hosts, scan.hosts);
    assert_eq!(chunked.rejects, scan.rejects);
});
