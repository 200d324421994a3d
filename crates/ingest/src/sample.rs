//! The documented Graph examples as sample data: each example's response body, imported in the context of its URL.
//!
//! Known documentation slips are handled here and nowhere else: single entities wrapped in `value` are unwrapped
//! (by the graph-json importer), and bodies with trailing commas (the vulnerability pages, notes.md §10) are repaired
//! before parsing. Everything else is imported as documented; what the schema refuses is reported as a reject.

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

/// Imports examples; each body gets the context of its URL.
pub fn import_examples(examples: &[Example], sink: &mut dyn FnMut(Batch)) -> Report {
    let mut report = Report::default();
    let mut importer = Importer::new("graph-examples", sink);
    for ex in examples {
        match &ex.body {
            Ok(body) => {
                let ctx = context::from_request_path(request_path(&ex.url));
                importer.payload(body, &ex.file, ctx.as_ref());
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
    fn paths() {
        assert_eq!(
            request_path("https://graph.microsoft.com/v1.0/security/threatIntelligence/hosts/x"),
            "security/threatIntelligence/hosts/x"
        );
    }
}
