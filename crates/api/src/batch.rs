//! JSON `$batch` (Graph's form): up to 20 requests, answered in order, `dependsOn` honoured.

use crate::error::ApiError;
use crate::{AppState, Ids, Reply, error_json};
use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tigr_model::ApiVersion;

/// Graph's limit on requests per batch.
pub(crate) const MAX_REQUESTS: usize = 20;

pub(crate) fn run(
    state: &AppState,
    version: ApiVersion,
    base: &str,
    body: &Bytes,
) -> Result<Reply, ApiError> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("$batch body is not JSON: {e}")))?;
    let requests = doc
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("$batch body needs a \"requests\" array"))?;
    if requests.is_empty() || requests.len() > MAX_REQUESTS {
        return Err(ApiError::bad_request(format!(
            "$batch takes 1 to {MAX_REQUESTS} requests; this one has {}",
            requests.len()
        )));
    }
    let mut ids: Vec<String> = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "$batch request {i} needs an \"id\""
                )));
            }
        };
        if ids.contains(&id) {
            return Err(ApiError::bad_request(format!(
                "$batch request id '{id}' is used twice"
            )));
        }
        for dep in depends_on(r) {
            if !ids.contains(&dep) {
                return Err(ApiError::bad_request(format!(
                    "$batch request '{id}' depends on '{dep}', which does not come before it"
                )));
            }
        }
        ids.push(id);
    }
    let mut statuses: Vec<(String, StatusCode)> = Vec::new();
    let mut responses = Vec::new();
    for (r, id) in requests.iter().zip(&ids) {
        let inner_ids = Ids {
            request: uuid::Uuid::new_v4().to_string(),
            client: id.clone(),
        };
        let failed_dep = depends_on(r).into_iter().find(|d| {
            statuses
                .iter()
                .any(|(sid, st)| sid == d && !st.is_success())
        });
        let outcome = match failed_dep {
            Some(dep) => Err(ApiError {
                status: StatusCode::FAILED_DEPENDENCY,
                code: "FailedDependency",
                message: format!("request '{dep}' that this one depends on failed"),
            }),
            None => one(state, version, base, r),
        };
        let (status, body, ctype) = match outcome {
            Ok(Reply {
                status,
                json: Some(v),
                ..
            }) => (
                status,
                serde_json::from_str(&v).unwrap_or(Value::String(v)),
                "application/json",
            ),
            Ok(Reply { status, text, .. }) => (
                status,
                Value::String(text.unwrap_or_default()),
                "text/plain",
            ),
            Err(e) => (e.status, error_json(&e, &inner_ids), "application/json"),
        };
        statuses.push((id.clone(), status));
        responses.push(json!({"id": id, "status": status.as_u16(), "headers": {"Content-Type": ctype}, "body": body}));
    }
    Ok(Reply {
        status: StatusCode::OK,
        json: Some(json!({ "responses": responses }).to_string()),
        text: None,
    })
}

fn depends_on(r: &Value) -> Vec<String> {
    r.get("dependsOn")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn one(state: &AppState, version: ApiVersion, base: &str, r: &Value) -> Result<Reply, ApiError> {
    let method = r.get("method").and_then(Value::as_str).unwrap_or("GET");
    if !method.eq_ignore_ascii_case("GET") {
        return Err(ApiError::method_not_allowed(method));
    }
    let url = r
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("$batch request needs a \"url\""))?;
    // Graph's batch URLs are relative to the batch's version; the SDKs also send absolute URLs
    // (`https://host/v1.0/…`) and relative ones with the version repeated. All three name the same resource.
    let url = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    let url = url.trim_start_matches('/');
    let url = url
        .strip_prefix(&format!("{}/", version.segment()))
        .unwrap_or(url);
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    crate::graph::get(state, version, base, path, query)
}
