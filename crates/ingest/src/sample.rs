//! The documented Graph examples as sample data: each example's response body, imported in the context of its URL.
//!
//! Known documentation slips are handled here and nowhere else, each one listed in notes.md or resources.md:
//! single entities wrapped in `value` are unwrapped (by the graph-json importer); trailing commas (the vulnerability
//! pages, notes.md §10) are removed before parsing; and [`repair`] fixes the slips inside bodies. Every repair is
//! reported as a warning. What the schema still refuses is reported as a reject.

use crate::context;
use crate::graph_json::Importer;
use crate::report::Report;
use serde_json::Value;
use tigr_model::batch::Batch;

/// One documented example.
#[derive(Debug, Clone)]
pub struct Example {
    /// File name under `graph-api/examples/`.
    pub file: String,
    /// The documented request URL.
    pub url: String,
    /// The response body, or why it could not be read.
    pub body: Result<Value, String>,
}

/// The request path after the version segment (`security/threatIntelligence/…`), with the query string.
pub fn request_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = after_scheme.split_once('/').map(|(_, p)| p).unwrap_or("");
    path.split_once('/').map(|(_, p)| p).unwrap_or(path)
}

/// Parses the examples file (`sample/graph-examples.ndjson`: one `{file, url, response | response_raw}` per line).
pub fn parse_examples(ndjson: &str) -> Vec<Example> {
    ndjson
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            let file = v
                .get("file")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            let url = v
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let body = match (
                v.get("response"),
                v.get("response_raw").and_then(Value::as_str),
            ) {
                (Some(r), _) => Ok(r.clone()),
                (None, Some(raw)) => serde_json::from_str(&remove_trailing_commas(raw))
                    .map_err(|e| format!("example body is not JSON even after repair: {e}")),
                (None, None) => Err(format!("line {}: example has no response", i + 1)),
            };
            Example { file, url, body }
        })
        .collect()
}

/// Removes commas that directly precede `}` or `]` outside strings (a common hand-written-JSON slip).
pub fn remove_trailing_commas(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut escaped) = (false, false);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        if c == ','
            && chars[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|n| *n == '}' || *n == ']')
        {
            continue;
        }
        out.push(c);
    }
    out
}

/// Fixes the documented slips inside an example body, returning what it changed:
/// - `alternateName` → `alternateNames` on certificate entities (resources.md discrepancy 2);
/// - indicator `source` members from the stale `indicator` page → the CSDL members (resources.md discrepancy 1);
/// - booleans sent as strings (`"true"`, resources.md discrepancy 9);
/// - items of a whois `history` collection typed `whoisRecord` (resources.md discrepancy 5);
/// - DateTimeOffsets that are placeholders or invalid dates (`String (timestamp)`, month 17; notes.md §10) are dropped.
pub fn repair(url: &str, body: &mut Value) -> Vec<String> {
    let mut changes = Vec::new();
    let history = request_path(url)
        .split('?')
        .next()
        .unwrap_or("")
        .ends_with("/history");
    repair_value(body, history, "", &mut changes);
    changes
}

fn repair_value(v: &mut Value, history: bool, path: &str, changes: &mut Vec<String>) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                repair_value(item, history, &format!("{path}/{i}"), changes);
            }
        }
        Value::Object(obj) => {
            if let Some(alt) = obj.remove("alternateName") {
                obj.insert("alternateNames".into(), alt);
                changes.push(format!("{path}: alternateName renamed alternateNames"));
            }
            if let Some(Value::String(src)) = obj.get("source") {
                let fixed = match src.as_str() {
                    "microsoftDefenderThreatIntelligence" => Some("microsoft"),
                    "openSourceIntelligence" => Some("osint"),
                    _ => None,
                };
                if let Some(f) = fixed {
                    changes.push(format!("{path}/source: {src} mapped to {f}"));
                    obj.insert("source".into(), Value::String(f.into()));
                }
            }
            if history
                && obj.get("@odata.type").and_then(Value::as_str)
                    == Some("#microsoft.graph.security.whoisRecord")
            {
                obj.insert(
                    "@odata.type".into(),
                    Value::String("#microsoft.graph.security.whoisHistoryRecord".into()),
                );
                changes.push(format!("{path}: history item retyped whoisHistoryRecord"));
            }
            let keys: Vec<String> = obj.keys().cloned().collect();
            for key in keys {
                let here = format!("{path}/{key}");
                let Some(val) = obj.get_mut(&key) else {
                    continue;
                };
                match val {
                    Value::String(s) if s == "true" || s == "false" => {
                        let b = s == "true";
                        *val = Value::Bool(b);
                        changes.push(format!("{here}: string boolean made a boolean"));
                    }
                    Value::String(s)
                        if key.ends_with("DateTime")
                            && tigr_model::datetime::parse(s).is_none() =>
                    {
                        changes.push(format!("{here}: invalid DateTimeOffset {s:?} dropped"));
                        obj.remove(&key);
                    }
                    Value::Array(_) | Value::Object(_) => {
                        repair_value(val, history, &here, changes)
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Imports examples; each body gets the context of its URL.
pub fn import_examples(examples: &[Example], sink: &mut dyn FnMut(Batch)) -> Report {
    let mut report = Report::default();
    let mut importer = Importer::new("graph-examples", sink);
    for ex in examples {
        match &ex.body {
            Ok(body) => {
                let mut body = body.clone();
                for change in repair(&ex.url, &mut body) {
                    report.warn(format!("{}: repaired documented slip: {change}", ex.file));
                }
                let ctx = context::from_request_path(request_path(&ex.url));
                importer.payload(&body, &ex.file, ctx.as_ref());
            }
            Err(e) => report.reject(
                "unreadable example",
                crate::report::Reject {
                    source: "graph-examples".into(),
                    location: ex.file.clone(),
                    message: e.clone(),
                },
            ),
        }
    }
    report.merge(importer.finish());
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_commas() {
        assert_eq!(
            remove_trailing_commas(r#"{"a": [1, 2, ], "b": "x,}", }"#),
            r#"{"a": [1, 2 ], "b": "x,}" }"#
        );
    }

    #[test]
    fn repairs_are_the_documented_slips_only() {
        let mut body = serde_json::json!({"value": [{"@odata.type": "#microsoft.graph.security.whoisRecord", "id": "x",
            "firstSeenDateTime": "String (timestamp)", "lastSeenDateTime": "2023-01-01T00:00:00Z", "hasChatter": "true",
            "subject": {"alternateName": ["a"]}, "source": "microsoftDefenderThreatIntelligence", "title": "true story"}]});
        let changes = repair(
            "https://graph.microsoft.com/v1.0/security/threatIntelligence/hosts/x/whois/history",
            &mut body,
        );
        assert_eq!(changes.len(), 5, "{changes:?}");
        let item = &body["value"][0];
        assert_eq!(
            item["@odata.type"],
            "#microsoft.graph.security.whoisHistoryRecord"
        );
        assert!(item.get("firstSeenDateTime").is_none());
        assert_eq!(item["lastSeenDateTime"], "2023-01-01T00:00:00Z");
        assert_eq!(
            (item["hasChatter"].clone(), item["source"].clone()),
            (serde_json::json!(true), serde_json::json!("microsoft"))
        );
        assert_eq!(item["subject"]["alternateNames"], serde_json::json!(["a"]));
    }

    #[test]
    fn paths() {
        assert_eq!(
            request_path("https://graph.microsoft.com/v1.0/security/threatIntelligence/hosts/x"),
            "security/threatIntelligence/hosts/x"
        );
    }
}
