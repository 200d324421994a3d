//! Fuzz target: the DNS wire parser takes any bytes, never panics, and what it observes is well-formed presentation
//! text: absolute ASCII owner names without spaces, printable ASCII record data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::dns::Collected;
use tigr_ingest::dns::wire::observe_response;

fuzz_target!(|data: &[u8]| {
    // The first byte picks a bailiwick, so both paths run.
    let (bailiwick, message) = match data.split_first() {
        Some((b, rest)) if b & 1 == 1 => (Some("example.com"), rest),
        Some((_, rest)) => (None, rest),
        None => (None, data),
    };
    let mut sink = Collected::default();
    let result = observe_response(
        message,
        0,
        bailiwick,
        "fuzz",
        &|| "fuzz".to_owned(),
        &mut sink,
    );
    if let Ok(accepted) = result {
        assert_eq!(accepted, sink.observations.len());
    } else {
        assert!(sink.observations.is_empty());
    }
    for o in &sink.observations {
        assert!(o.name.ends_with('.'), "{o}");
        assert!(o.name.bytes().all(|b| (0x21..0x7f).contains(&b)), "{o}");
        assert!(o.rdata.bytes().all(|b| (0x20..0x7f).contains(&b)), "{o}");
    }
});
