//! Fuzz target: any string decodes (or not) without panicking, and whatever decodes re-encodes to an id that decodes
//! to the same parts; host-id normalisation is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_model::id::{decode_key, encode_key, normalize_host};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(parts) = decode_key(s) {
        assert_eq!(decode_key(&encode_key(&parts)), Some(parts));
    }
    let once = normalize_host(s);
    assert_eq!(normalize_host(&once), once);
});
