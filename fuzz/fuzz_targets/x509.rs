//! Fuzz target: the X.509 importer takes any bytes (as a stream, as one DER blob, and wrapped in PEM) and never
//! panics; every certificate it accepts has the documented id/sha1/fingerprint forms and validates again unchanged.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use tigr_ingest::report::Report;
use tigr_ingest::x509::{CertStats, certificate_entity, read_certificates};
use tigr_model::batch::Batch;
use tigr_model::json::Entity;

fn check(e: &Entity) {
    let sha1 = e.props["sha1"].as_str().expect("sha1");
    assert_eq!(sha1.len(), 40);
    assert_eq!(e.id, base64::engine::general_purpose::STANDARD.encode(sha1));
    let fingerprint = e.props["fingerprint"].as_str().expect("fingerprint");
    assert_eq!(fingerprint.replace(':', ""), sha1);
    let mut v = serde_json::Map::new();
    v.insert("@odata.type".into(), serde_json::Value::String(e.ty.odata_type()));
    v.insert("id".into(), serde_json::Value::String(e.id.clone()));
    v.extend(e.props.clone());
    let again = tigr_model::json::validate_entity(&serde_json::Value::Object(v), None, "")
        .expect("an accepted certificate validates again");
    assert_eq!(again.props, e.props, "validation is idempotent");
}

fn stream(input: &[u8]) -> CertStats {
    let mut entities = Vec::new();
    let mut sink = |b: Batch| entities.extend(b.entities);
    let mut report = Report::default();
    let stats = read_certificates(input, "fuzz", &mut sink, &mut report).expect("in-memory reads do not fail");
    assert_eq!(stats.certificates as usize, entities.len());
    assert_eq!(stats.rejected, report.rejected());
    entities.iter().for_each(check);
    stats
}

fuzz_target!(|data: &[u8]| {
    stream(data);
    let one = certificate_entity(data);
    if let Ok(e) = &one {
        check(e);
    }
    // Mutated DER wrapped in PEM reaches the PEM path with decodable base64.
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    let wrapped = stream(pem.as_bytes());
    assert_eq!(wrapped.certificates + wrapped.rejected, 1, "one block, one outcome");
    // A PEM block and a DER blob of the same bytes agree (trailing data only warns in PEM).
    if one.is_ok() {
        assert_eq!(wrapped.certificates, 1);
    }
});
