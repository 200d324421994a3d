//! Where a Graph JSON payload sits in the API: parsed from an `@odata.context` URL or from a request path.
//!
//! Knowing that a collection is `articles('a272d5ab')/indicators` lets the importer record the relation between
//! the article and each indicator, which the indicators' own JSON cannot express.

use percent_encoding::percent_decode_str;
use tigr_model::schema::{EntityType, entity_sets, entity_type};

/// The parent of a navigation collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    /// Parent type (as declared by the path; may be abstract, e.g. `host`).
    pub ty: &'static EntityType,
    /// Parent key (decoded).
    pub id: String,
    /// Navigation property.
    pub nav: &'static str,
}

/// What a payload is, according to its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Declared type of the items (or of the single entity).
    pub item_type: &'static EntityType,
    /// The parent when the payload is a navigation of a keyed entity.
    pub parent: Option<Parent>,
}

/// Parses an `@odata.context` value: `…$metadata#security/threatIntelligence/hosts('x')/passiveDns`,
/// `…#articles/$entity`, `…#Collection(microsoft.graph.security.host)`, `…#microsoft.graph.security.sslCertificate`.
pub fn from_odata_context(ctx: &str) -> Option<Context> {
    let fragment = ctx.split_once('#').map(|(_, f)| f).unwrap_or(ctx);
    if let Some(inner) = fragment
        .strip_prefix("Collection(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return Some(Context {
            item_type: tigr_model::schema::entity_type_from_odata(inner)?,
            parent: None,
        });
    }
    if fragment.starts_with("microsoft.graph.") {
        return Some(Context {
            item_type: tigr_model::schema::entity_type_from_odata(fragment)?,
            parent: None,
        });
    }
    let mut segments = Vec::new();
    for raw in split_path(fragment) {
        let (name, key) = match raw.find('(') {
            Some(i) if raw.ends_with(')') => (&raw[..i], Some(unquote(&raw[i + 1..raw.len() - 1]))),
            _ => (raw, None),
        };
        segments.push(name.to_owned());
        if let Some(k) = key {
            segments.push(format!("\u{0}{k}"));
        }
    }
    resolve(&segments, |s| s.strip_prefix('\u{0}').map(str::to_owned))
}

/// Resolves a request path after the version segment (`security/threatIntelligence/hosts/contoso.com/ports`),
/// percent-decoding segments.
pub fn from_request_path(path: &str) -> Option<Context> {
    let segments: Vec<String> = split_path(path)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    resolve(&segments, |_| None)
}

fn split_path(p: &str) -> impl Iterator<Item = &str> {
    let p = p.split('?').next().unwrap_or("");
    let p = p
        .strip_prefix("security/threatIntelligence")
        .or_else(|| p.strip_prefix("/security/threatIntelligence"))
        .unwrap_or(p);
    p.split('/').filter(|s| !s.is_empty() && *s != "$entity")
}

fn unquote(k: &str) -> String {
    let k = k.trim();
    match k.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => k.to_owned(),
    }
}

/// Walks segments: entity-set name, then alternating keys and navigations. `explicit_key` recognises segments
/// that are keys by construction (the `('…')` form); otherwise a segment after a collection is a key.
fn resolve(segments: &[String], explicit_key: impl Fn(&str) -> Option<String>) -> Option<Context> {
    let (first, rest) = segments.split_first()?;
    let set = entity_sets().iter().find(|s| s.name == first)?;
    let mut ty = entity_type(set.target)?;
    let mut is_collection = true;
    let mut keyed: Option<String> = None;
    let mut parent = None;
    for seg in rest {
        if let Some(k) = explicit_key(seg) {
            keyed = Some(k);
            is_collection = false;
            continue;
        }
        if is_collection {
            // A path segment after a collection is the key of one of its members.
            keyed = Some(seg.clone());
            is_collection = false;
            continue;
        }
        if seg.starts_with('$') {
            continue;
        }
        let nav = ty.nav(seg)?;
        parent = keyed.take().map(|id| Parent {
            ty,
            id,
            nav: nav.name,
        });
        ty = entity_type(nav.target)?;
        is_collection = nav.collection;
    }
    Some(Context {
        item_type: ty,
        parent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(item: &str, parent: Option<(&str, &str, &str)>) -> Option<Context> {
        Some(Context {
            item_type: entity_type(item).unwrap(),
            parent: parent.map(|(t, id, nav)| Parent {
                ty: entity_type(t).unwrap(),
                id: id.into(),
                nav: entity_type(t).unwrap().nav(nav).unwrap().name,
            }),
        })
    }

    #[test]
    fn odata_contexts() {
        for (input, want) in [
            (
                "https://graph.microsoft.com/v1.0/$metadata#security/threatIntelligence/articles('a272d5ab')/indicators",
                ctx(
                    "articleIndicator",
                    Some(("article", "a272d5ab", "indicators")),
                ),
            ),
            (
                "$metadata#security/threatIntelligence/hosts('it''s.example')/passiveDns",
                ctx(
                    "passiveDnsRecord",
                    Some(("host", "it's.example", "passiveDns")),
                ),
            ),
            ("$metadata#articles/$entity", ctx("article", None)),
            (
                "https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.security.host)",
                ctx("host", None),
            ),
            (
                "$metadata#microsoft.graph.security.sslCertificate",
                ctx("sslCertificate", None),
            ),
            (
                "$metadata#security/threatIntelligence/hosts('contoso.com')/reputation",
                ctx(
                    "hostReputation",
                    Some(("host", "contoso.com", "reputation")),
                ),
            ),
            ("$metadata#security/threatIntelligence/nonsense", None),
        ] {
            assert_eq!(from_odata_context(input), want, "{input}");
        }
    }

    #[test]
    fn request_paths() {
        for (input, want) in [
            (
                "security/threatIntelligence/hosts/8.8.8.8/ports",
                ctx("hostPort", Some(("host", "8.8.8.8", "ports"))),
            ),
            (
                "/security/threatIntelligence/hosts/contoso.com",
                ctx("host", None),
            ),
            (
                "security/threatIntelligence/sslCertificates/MDJj%3D%3D/relatedHosts",
                ctx("host", Some(("sslCertificate", "MDJj==", "relatedHosts"))),
            ),
            (
                "security/threatIntelligence/hosts/contoso.com/whois/history",
                ctx("whoisHistoryRecord", None),
            ),
            (
                "security/threatIntelligence/vulnerabilities/cve-1/components/abc",
                ctx(
                    "vulnerabilityComponent",
                    Some(("vulnerability", "cve-1", "components")),
                ),
            ),
            (
                "security/threatIntelligence/whoisRecords?$search=x",
                ctx("whoisRecord", None),
            ),
            ("security/threatIntelligence/whoisHistoryRecord/abc", None),
        ] {
            assert_eq!(from_request_path(input), want, "{input}");
        }
    }
}
