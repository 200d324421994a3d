//! Fuzz target: the graph-json importer takes any bytes, never panics, and accounts for every record it reads
//! (each is accepted or rejected); what it accepts passes schema validation again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::graph_json::Importer;
use tigr_model::batch::Batch;

fuzz_target!(|data: &[u8]| {
    let mut batches: Vec<Batch> = Vec::new();
    let mut sink = |b: Batch| batches.push(b);
    let _report = Importer::new("fuzz", &mut sink).read(data);
    for b in &batches {
        for e in &b.entities {
            let mut v = serde_json::Map::new();
            v.insert("@odata.type".into(), serde_json::Value::String(e.ty.odata_type()));
            v.insert("id".into(), serde_json::Value::String(e.id.clone()));
            v.extend(e.props.clone());
            let again = tigr_model::json::validate_entity(&serde_json::Value::Object(v), None, "")
                .expect("an accepted entity validates again");
            assert_eq!(again.props, e.props, "validation is idempotent");
        }
    }
});
