//! Request paths → what they address: walks `security/threatIntelligence/...` segment by segment over the schema.
//!
//! One walker serves every URL template: entity sets, `{id}` keys, navigations (to-one and collections), and
//! `/$count`. It also builds the `@odata.context` fragment of the answer as it goes.

use crate::error::ApiError;
use percent_encoding::percent_decode_str;
use tigr_model::schema::{EntityType, entity_sets, entity_type};
use tigr_store::{Collection, EntityRef, Scope, Store};

/// What a path addresses.
#[derive(Debug)]
pub(crate) enum Target {
    /// `GET /security/threatIntelligence`.
    Container,
    /// A collection, with its context fragment (`security/threatIntelligence/hosts('x')/passiveDns`).
    Collection(Collection, String),
    /// `/$count` of a collection.
    Count(Collection),
    /// One entity, with its context fragment (`security/threatIntelligence/hosts/$entity`).
    Entity(EntityRef, String),
}

/// Spellings seen in the docs that name an entity set differently (notes.md §9.6, endpoints.md #30/#41).
fn set_alias(seg: &str) -> &str {
    match seg {
        "whoisHistoryRecord" => "whoisHistoryRecords",
        "passiveDnsRecord" => "passiveDnsRecords",
        "whoisRecord" => "whoisRecords",
        other => other,
    }
}

fn quote_key(k: &str) -> String {
    format!("('{}')", k.replace('\'', "''"))
}

/// Resolves the path after the version segment (still percent-encoded).
pub(crate) fn resolve(store: &dyn Store, path: &str) -> Result<Target, ApiError> {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8().map(|c| c.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_request("the path is not valid UTF-8 after percent-decoding"))?;
    let mut it = segments.iter().map(String::as_str);
    match (it.next(), it.next()) {
        (Some("security"), Some("threatIntelligence")) => {}
        _ => {
            return Err(ApiError::not_found(format!(
                "no resource at /{path}: tigr serves /security/threatIntelligence"
            )));
        }
    }
    let mut ctx = String::from("security/threatIntelligence");
    let mut node = Target::Container;
    for seg in it {
        node = match node {
            Target::Container => {
                let set = entity_sets()
                    .iter()
                    .find(|s| s.name == set_alias(seg))
                    .ok_or_else(|| {
                        ApiError::not_found(format!("threatIntelligence has no collection '{seg}'"))
                    })?;
                let ty = entity_type(set.target).ok_or_else(ApiError::internal)?;
                ctx.push('/');
                ctx.push_str(set.name);
                Target::Collection(
                    Collection {
                        ty,
                        scope: Scope::Root,
                    },
                    ctx.clone(),
                )
            }
            Target::Collection(coll, _) if seg == "$count" => Target::Count(coll),
            Target::Collection(coll, c) => {
                let found = store.find(&coll, seg)?;
                let e = found.ok_or_else(|| {
                    ApiError::not_found(format!("no {} with id '{seg}' at /{c}", coll.ty.name))
                })?;
                ctx = format!("{c}{}", quote_key(seg));
                Target::Entity(e, format!("{c}/$entity"))
            }
            Target::Entity(e, _) => {
                let nav = e.ty.nav(seg).ok_or_else(|| {
                    let navs: Vec<&str> = e.ty.all_navs().iter().map(|n| n.name).collect();
                    ApiError::not_found(format!(
                        "{} has no navigation '{seg}'; it has: {}",
                        e.ty.name,
                        navs.join(", ")
                    ))
                })?;
                let target: &'static EntityType =
                    entity_type(nav.target).ok_or_else(ApiError::internal)?;
                ctx = format!("{ctx}/{}", nav.name);
                if nav.collection {
                    Target::Collection(
                        Collection {
                            ty: target,
                            scope: Scope::Nav {
                                parent: e,
                                nav: nav.name,
                            },
                        },
                        ctx.clone(),
                    )
                } else {
                    let next = store.follow(&e, nav.name)?;
                    let next = next.ok_or_else(|| {
                        ApiError::not_found(format!("{} '{}' has no {}", e.ty.name, e.id, nav.name))
                    })?;
                    Target::Entity(next, format!("{ctx}/$entity"))
                }
            }
            Target::Count(_) => return Err(ApiError::not_found("nothing follows /$count")),
        };
    }
    Ok(node)
}
