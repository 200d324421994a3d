//! Answering one GET: query options, resolution, rendering, envelopes, server-driven paging.

use crate::error::ApiError;
use crate::resolve::{Target, resolve};
use crate::{AppState, Reply};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tigr_model::ApiVersion;
use tigr_odata::{Query, parse_query};
use tigr_store::capabilities::ResourceCaps;
use tigr_store::{ListQuery, Render, Scope};

/// Answers `GET /{version}/{path}?{query}`.
pub(crate) fn get(
    state: &AppState,
    version: ApiVersion,
    base: &str,
    path: &str,
    raw_query: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut q: Query = parse_query(raw_query)?;
    let store = state.store.as_ref();
    let target = resolve(store, path)?;
    let metadata = format!("{base}/{}/$metadata#", version.segment());
    let json = match target {
        Target::Container => {
            if raw_query.is_some_and(|r| r.contains('$')) {
                return Err(ApiError::bad_request(
                    "query options do not apply to /security/threatIntelligence itself",
                ));
            }
            json!({"@odata.context": format!("{metadata}security/threatIntelligence/$entity"),
                   "@odata.type": "#microsoft.graph.security.threatIntelligence", "id": "threatIntelligence"})
            .to_string()
        }
        Target::Entity(e, ctx) => {
            q.validate(&ResourceCaps::single(e.ty))?;
            let render = Render {
                version,
                select: q.select.as_deref(),
                expand: &q.expand,
            };
            let body = store.render(&e, &render)?;
            with_context(format!("{metadata}{ctx}"), body)
        }
        Target::Count(coll) => {
            q.validate(&ResourceCaps::collection(coll.ty))?;
            if matches!(coll.scope, Scope::Root) {
                q.require_search(&ResourceCaps::collection(coll.ty))?;
            }
            let n = store.count(&coll, q.filter.as_ref(), q.search.as_ref())?;
            return Ok(Reply {
                status: StatusCode::OK,
                json: None,
                text: Some(n.to_string()),
            });
        }
        Target::Collection(coll, ctx) => {
            let caps = ResourceCaps::collection(coll.ty);
            q.validate(&caps)?;
            if matches!(coll.scope, Scope::Root) {
                q.require_search(&caps)?;
            }
            let page_size = q
                .top
                .map_or(state.config.default_page_size, |t| {
                    usize::try_from(t).unwrap_or(usize::MAX)
                })
                .min(state.config.max_page_size);
            let list = ListQuery::new(&q, page_size);
            let render = Render {
                version,
                select: q.select.as_deref(),
                expand: &q.expand,
            };
            let page = store.list(&coll, &list, &render)?;
            // The envelope is written as text around the page's ready-made JSON array.
            let mut out = String::with_capacity(page.items_json.len() + 256);
            out.push_str("{\"@odata.context\":");
            out.push_str(&Value::String(format!("{metadata}{ctx}")).to_string());
            if let Some(n) = page.count {
                out.push_str(&format!(",\"@odata.count\":{n}"));
            }
            if let Some(cursor) = page.next_cursor {
                out.push_str(",\"@odata.nextLink\":");
                out.push_str(
                    &Value::String(next_link(base, version, path, raw_query, &cursor)).to_string(),
                );
            }
            out.push_str(",\"value\":");
            out.push_str(&page.items_json);
            out.push('}');
            out
        }
    };
    Ok(Reply {
        status: StatusCode::OK,
        json: Some(json),
        text: None,
    })
}

/// Puts `@odata.context` first in a rendered entity (JSON object text).
fn with_context(context: String, body: String) -> String {
    match body.strip_prefix('{') {
        Some(rest) => {
            let sep = if rest.starts_with('}') { "" } else { "," };
            format!("{{\"@odata.context\":{}{sep}{rest}", Value::String(context))
        }
        None => body,
    }
}

/// The link to the next page: the same request without `$skip`/`$skiptoken`, plus the new `$skiptoken`.
fn next_link(
    base: &str,
    version: ApiVersion,
    path: &str,
    raw_query: Option<&str>,
    cursor: &str,
) -> String {
    let mut params: Vec<&str> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("").to_ascii_lowercase();
            !p.is_empty()
                && !matches!(
                    name.as_str(),
                    "$skip" | "%24skip" | "$skiptoken" | "%24skiptoken"
                )
        })
        .collect();
    let token = format!("$skiptoken={cursor}");
    params.push(&token);
    format!(
        "{base}/{}/{}?{}",
        version.segment(),
        path.trim_start_matches('/'),
        params.join("&")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_drop_skip_and_keep_the_rest() {
        assert_eq!(
            next_link(
                "http://h",
                ApiVersion::V1,
                "security/threatIntelligence/hosts/x/passiveDns",
                Some("$top=5&$skip=10&$filter=recordType%20eq%20'A'&%24skiptoken=old"),
                "abc"
            ),
            "http://h/v1.0/security/threatIntelligence/hosts/x/passiveDns?$top=5&$filter=recordType%20eq%20'A'&$skiptoken=abc"
        );
    }
}
