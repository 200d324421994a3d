//! Fuzz target: the capture reader takes any bytes, never panics, and its counts agree with what the sink received.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::dns::Collected;
use tigr_ingest::pcap::read_capture;

fuzz_target!(|data: &[u8]| {
    let mut sink = Collected::default();
    if let Ok(stats) = read_capture(data, "fuzz", &mut sink) {
        assert_eq!(stats.observations, sink.observations.len() as u64);
        assert!(stats.bytes <= data.len() as u64);
    }
});
