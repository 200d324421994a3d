//! Graph-shaped JSON import: single entities, `{"value": [...]}` collections, NDJSON of either, and JSON arrays.
//!
//! Types come from each object's `@odata.type` or from the payload's `@odata.context`; relations come from the
//! navigation stubs inside entities (`host`, `parentHost`, `artifact`, …), from inline navigation arrays
//! (`"indicators": [...]`), and from the context (`articles('a')/indicators`). Full objects found in to-one
//! navigations are imported too. This is also the format `tigr export` writes, so the two round-trip.

use crate::context::{self, Context};
use crate::report::{Reject, Report};
use serde_json::{Map, Value, json};
use std::io::{BufRead, Read};
use tigr_model::batch::{Batch, Relation};
use tigr_model::json::{Entity, validate_entity};
use tigr_model::schema::EntityType;

/// Entities per batch handed to the sink.
pub const BATCH_SIZE: usize = 5_000;

/// Streaming importer state for one input.
pub struct Importer<'a> {
    source: String,
    batch: Batch,
    report: Report,
    sink: &'a mut dyn FnMut(Batch),
}

impl std::fmt::Debug for Importer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("source", &self.source)
            .field("report", &self.report)
            .finish()
    }
}

impl<'a> Importer<'a> {
    /// A new importer; `sink` receives batches of at most [`BATCH_SIZE`] entities.
    pub fn new(source: impl Into<String>, sink: &'a mut dyn FnMut(Batch)) -> Self {
        Importer {
            source: source.into(),
            batch: Batch::default(),
            report: Report::default(),
            sink,
        }
    }

    /// Reads a whole input: NDJSON when its first non-blank line is a complete JSON value, else one JSON document.
    pub fn read(mut self, mut input: impl BufRead) -> Report {
        let mut first = String::new();
        loop {
            first.clear();
            match input.read_line(&mut first) {
                Ok(0) => return self.finish(),
                Ok(_) if first.trim().is_empty() => continue,
                Ok(_) => break,
                Err(e) => {
                    self.reject_at("unreadable input", "byte 0", e.to_string());
                    return self.finish();
                }
            }
        }
        if serde_json::from_str::<Value>(&first).is_ok() {
            let mut line_no = 1u64;
            self.line(&first, line_no);
            let mut line = String::new();
            loop {
                line.clear();
                line_no += 1;
                match input.read_line(&mut line) {
                    Ok(0) => break,
                    Ok(_) if line.trim().is_empty() => {}
                    Ok(_) => self.line(&line, line_no),
                    Err(e) => {
                        self.reject_at(
                            "unreadable input",
                            &format!("line {line_no}"),
                            e.to_string(),
                        );
                        break;
                    }
                }
            }
        } else {
            let whole = std::io::Cursor::new(first.into_bytes()).chain(input);
            let mut stream = serde_json::Deserializer::from_reader(whole).into_iter::<Value>();
            let mut n = 0;
            loop {
                match stream.next() {
                    None => break,
                    Some(Ok(v)) => {
                        n += 1;
                        self.value(&v, &format!("document {n}"), None);
                    }
                    Some(Err(e)) => {
                        self.reject_at(
                            "invalid JSON",
                            &format!("line {}, column {}", e.line(), e.column()),
                            e.to_string(),
                        );
                        break;
                    }
                }
            }
        }
        self.finish()
    }

    /// Imports one already-parsed payload with an optional context (used for the documented examples).
    pub fn payload(&mut self, v: &Value, location: &str, ctx: Option<&Context>) {
        self.value(v, location, ctx);
    }

    /// Flushes and returns the report.
    pub fn finish(mut self) -> Report {
        self.flush();
        self.report
    }

    fn line(&mut self, line: &str, line_no: u64) {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => self.value(&v, &format!("line {line_no}"), None),
            Err(e) => self.reject_at(
                "invalid JSON",
                &format!("line {line_no}, column {}", e.column()),
                e.to_string(),
            ),
        }
    }

    fn reject_at(&mut self, reason: &str, location: &str, message: String) {
        let r = Reject {
            source: self.source.clone(),
            location: location.to_owned(),
            message,
        };
        self.report.reject(reason, r);
    }

    fn value(&mut self, v: &Value, location: &str, outer: Option<&Context>) {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.entity(
                        item,
                        &format!("{location}, /{i}"),
                        outer.map(|c| c.item_type),
                        outer.and_then(|c| c.parent.as_ref()),
                    );
                }
            }
            Value::Object(obj) => {
                let own_ctx = match obj.get("@odata.context").and_then(Value::as_str) {
                    Some(s) => context::from_odata_context(s),
                    None => None,
                };
                // A payload's own context wins, but one without a parent (`Collection(…host)`) keeps the parent the
                // outer context (the request path) knows.
                let merged = match (own_ctx, outer) {
                    (Some(own), Some(out))
                        if own.parent.is_none()
                            && out.parent.is_some()
                            && out.item_type.is_a(own.item_type.name) =>
                    {
                        Some(out.clone())
                    }
                    (own, out) => own.or_else(|| out.cloned()),
                };
                let ctx = merged.as_ref();
                match obj.get("value") {
                    Some(Value::Array(items)) if !is_entity(obj) => {
                        for (i, item) in items.iter().enumerate() {
                            self.entity(
                                item,
                                &format!("{location}, /value/{i}"),
                                ctx.map(|c| c.item_type),
                                ctx.and_then(|c| c.parent.as_ref()),
                            );
                        }
                    }
                    // The docs sometimes wrap a single entity in "value" (notes.md §4).
                    Some(inner @ Value::Object(_)) if !is_entity(obj) => {
                        self.value(inner, location, ctx)
                    }
                    _ => self.entity(
                        v,
                        location,
                        ctx.map(|c| c.item_type),
                        ctx.and_then(|c| c.parent.as_ref()),
                    ),
                }
            }
            other => self.reject_at(
                "not an entity",
                location,
                format!("expected an object or array, found {other}"),
            ),
        }
    }

    fn entity(
        &mut self,
        v: &Value,
        location: &str,
        expected: Option<&'static EntityType>,
        parent: Option<&context::Parent>,
    ) {
        let entity = match validate_entity(v, expected, "") {
            Ok(e) => e,
            Err(p) => {
                let reason = format!("invalid {}", expected.map(|t| t.name).unwrap_or("entity"));
                self.reject_at(&reason, &format!("{location}, {}", p.path), p.message);
                return;
            }
        };
        // Doc URLs sometimes keep a literal `{hostId}` placeholder: no relation can come from that.
        let parent = parent.filter(|p| !p.id.contains(['{', '}']));
        let parent_ty = parent.and_then(|p| {
            if p.ty.is_abstract {
                concrete_host(p.ty, &p.id)
            } else {
                Some(p.ty)
            }
        });
        if let (Some(p), Some(pt)) = (parent, parent_ty) {
            self.batch.relations.push(Relation {
                parent_type: pt.name,
                parent_id: tigr_model::json::canonical_id(pt, &p.id),
                nav: p.nav,
                child_type: entity.ty.name,
                child_id: entity.id.clone(),
            });
        }
        self.accept(entity, location);
    }

    fn accept(&mut self, mut entity: Entity, location: &str) {
        for w in entity.warnings.drain(..) {
            self.report
                .warn(format!("{}: {location}: {w}", self.source));
        }
        let children = std::mem::take(&mut entity.children);
        let fulls: Vec<(&'static EntityType, Value)> = entity
            .refs
            .iter()
            .filter_map(|r| r.full.clone().map(|f| (r.ty, f)))
            .collect();
        let (ty, id) = (entity.ty, entity.id.clone());
        self.batch.entities.push(entity);
        self.report.accepted += 1;
        for (target, full) in fulls {
            self.entity(&full, location, Some(target), None);
        }
        for (nav, items) in children {
            let Some(decl) = ty.nav(nav) else { continue };
            let target = tigr_model::schema::entity_type(decl.target);
            let parent = context::Parent {
                ty,
                id: id.clone(),
                nav,
            };
            for (i, item) in items.iter().enumerate() {
                self.entity(
                    item,
                    &format!("{location}, /{nav}/{i}"),
                    target,
                    Some(&parent),
                );
            }
        }
        if self.batch.entities.len() >= BATCH_SIZE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            self.report.accepted += self.batch.relations.len() as u64;
            (self.sink)(std::mem::take(&mut self.batch));
        }
    }
}

fn concrete_host(ty: &'static EntityType, id: &str) -> Option<&'static EntityType> {
    ty.is_a("host")
        .then(|| {
            tigr_model::schema::entity_type(tigr_model::id::host_type(
                &tigr_model::id::normalize_host(id),
            ))
        })
        .flatten()
}

/// An object is an entity (rather than a collection wrapper) when it has an `id`.
fn is_entity(obj: &Map<String, Value>) -> bool {
    obj.contains_key("id")
}

/// The export line for a relation that entities cannot express: a one-item collection with its context.
pub fn relation_line(rel: &Relation) -> Value {
    let key = rel.parent_id.replace('\'', "''");
    let set = tigr_model::schema::entity_type(rel.parent_type)
        .and_then(tigr_model::schema::entity_set_of)
        .map(|s| s.name)
        .unwrap_or(rel.parent_type);
    let child = tigr_model::schema::entity_type(rel.child_type)
        .map(|t| t.odata_type())
        .unwrap_or_default();
    json!({
        "@odata.context": format!("$metadata#security/threatIntelligence/{set}('{key}')/{}", rel.nav),
        "value": [{"@odata.type": child, "id": rel.child_id}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(text: &str) -> (Batch, Report) {
        let mut all = Batch::default();
        let mut sink = |b: Batch| {
            all.entities.extend(b.entities);
            all.relations.extend(b.relations);
        };
        let report = Importer::new("test", &mut sink).read(text.as_bytes());
        (all, report)
    }

    #[test]
    fn ndjson_with_a_bad_line_keeps_going() {
        let (b, r) = import(concat!(
            r##"{"@odata.type":"#microsoft.graph.security.hostname","id":"Contoso.com"}"##,
            "\n{not json\n",
            r##"{"@odata.type":"#microsoft.graph.security.hostPort","id":"p","port":"x"}"##,
            "\n",
            r##"{"@odata.type":"#microsoft.graph.security.ipAddress","id":"8.8.8.8"}"##,
            "\n"
        ));
        assert_eq!(
            b.entities.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["contoso.com", "8.8.8.8"]
        );
        assert_eq!(r.rejected(), 2);
        assert!(
            r.samples[0].location.starts_with("line 2"),
            "{:?}",
            r.samples
        );
        assert!(
            r.samples[1]
                .to_string()
                .contains("line 3, /port: expected a 32-bit integer"),
            "{}",
            r.samples[1]
        );
    }

    #[test]
    fn collection_with_context_records_relations() {
        let (b, r) = import(
            r##"{
              "@odata.context": "$metadata#security/threatIntelligence/articles('a1')/indicators",
              "value": [ {"id": "aW5k", "source": "microsoft", "artifact": {"@odata.type": "#microsoft.graph.security.hostname", "id": "evil.example"}} ]
            }"##,
        );
        assert_eq!(r.rejected(), 0, "{r}");
        assert_eq!(b.entities[0].ty.name, "articleIndicator");
        assert_eq!(
            b.relations,
            vec![Relation {
                parent_type: "article",
                parent_id: "a1".into(),
                nav: "indicators",
                child_type: "articleIndicator",
                child_id: "aW5k".into()
            }]
        );
    }

    #[test]
    fn inline_children_and_full_refs_are_imported() {
        let (b, r) = import(
            r##"{"@odata.type":"#microsoft.graph.security.hostSslCertificate","id":"hc",
                "host":{"id":"contoso.com"},
                "sslCertificate":{"id":"c1","sha1":"ab","firstSeenDateTime":"2023-03-10T01:20:47.000Z"}}
               {"@odata.type":"#microsoft.graph.security.article","id":"a","title":"t","indicators":[{"id":"i","source":"osint","artifact":{"@odata.type":"#microsoft.graph.security.ipAddress","id":"1.2.3.4"}}]}"##,
        );
        assert_eq!(r.rejected(), 0, "{r}");
        let names: Vec<_> = b
            .entities
            .iter()
            .map(|e| (e.ty.name, e.id.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("hostSslCertificate", "hc"),
                ("sslCertificate", "c1"),
                ("article", "a"),
                ("articleIndicator", "i")
            ]
        );
        assert_eq!(b.relations.len(), 1);
    }

    #[test]
    fn broken_document_is_one_reject_with_position() {
        let (_, r) = import("{\n  \"value\": [\n    {\"id\": 1,}\n  ]\n}");
        assert_eq!(r.rejected(), 1);
        assert!(
            r.samples[0].location.starts_with("line 3"),
            "{:?}",
            r.samples
        );
    }

    #[test]
    fn relation_lines_reimport() {
        let rel = Relation {
            parent_type: "hostname",
            parent_id: "o'brien.example".into(),
            nav: "subdomains",
            child_type: "subdomain",
            child_id: "s1".into(),
        };
        let (b, r) = import(&relation_line(&rel).to_string());
        assert_eq!(r.rejected(), 0, "{r}");
        assert_eq!(b.relations, vec![rel]);
    }
}
