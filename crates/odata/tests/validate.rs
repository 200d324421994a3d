//! Data-driven validation tests: a query string checked against the
//! capability tables in `common` (modelled on the Graph resources).

mod common;

use common::*;
use tigr_odata::{Capabilities, CmpOp, Literal, Query, QueryError, parse_query};
use time::macros::datetime;

fn validated(caps: &dyn Capabilities, raw: &str) -> Result<Query, QueryError> {
    let mut query = parse_query(Some(raw))?;
    query.validate(caps)?;
    Ok(query)
}

/// `(caps, query, Ok(()) | Err((option, offset, message fragment)))`.
type Vector = (
    &'static dyn Capabilities,
    &'static str,
    Result<(), (&'static str, usize, &'static str)>,
);

fn check(vectors: Vec<Vector>) {
    let mut failures = Vec::new();
    for (caps, raw, want) in vectors {
        let got = validated(caps, raw);
        let ok = match (&want, &got) {
            (Ok(()), Ok(_)) => true,
            (Err((option, offset, fragment)), Err(e)) => {
                e.option == *option && e.offset == *offset && e.message.contains(fragment)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{raw:?}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn host_pairs() {
    check(vec![
        (&HOST_PAIR, "$filter=(linkKind eq 'redirect')", Ok(())),
        (
            &HOST_PAIR,
            "$filter=(childHost/id eq 'contoso.com')",
            Ok(()),
        ),
        (
            &HOST_PAIR,
            "$filter=(parentHost/id in ('contoso.com','downstream.consoso.com'))",
            Ok(()),
        ),
        (&HOST_PAIR, "$orderby=firstSeenDateTime desc", Ok(())),
        (&HOST_PAIR, "$orderby=lastSeenDateTime asc", Ok(())),
        (&HOST_PAIR, "$select=id,firstSeenDateTime", Ok(())),
        (&HOST_PAIR, "$select=parentHost", Ok(())),
        (&HOST_PAIR, "$select=childHost", Ok(())),
        (&HOST_PAIR, "$count=true&$top=1&$skip=5", Ok(())),
        (
            &HOST_PAIR,
            "$filter=firstSeenDateTime ge 2023-01-01T00:00:00Z",
            Ok(()),
        ),
        (&HOST_PAIR, "$filter=id eq null", Ok(())),
        (
            &HOST_PAIR,
            "$filter=childHost eq 'contoso.com'",
            Err((
                "$filter",
                0,
                "'childHost' is a navigation property and cannot be compared",
            )),
        ),
        (
            &HOST_PAIR,
            "$filter=linkKind eq 'x' and host/id eq 'y'",
            Err(("$filter", 20, "unknown property 'host/id'")),
        ),
        (
            &HOST_PAIR,
            "$filter=linkKind eq 1",
            Err(("$filter", 12, "'linkKind' takes a string literal")),
        ),
        (
            &HOST_PAIR,
            "$filter=id in ('a', 2)",
            Err(("$filter", 12, "'id' takes a string literal")),
        ),
        (
            &HOST_PAIR,
            "$filter=id gt null",
            Err(("$filter", 6, "null can only be compared with eq or ne")),
        ),
        (
            &HOST_PAIR,
            "$orderby=linkKind",
            Err(("$orderby", 0, "'linkKind' cannot be used in $orderby")),
        ),
        (
            &HOST_PAIR,
            "$orderby=firstSeenDateTime desc,childHost",
            Err((
                "$orderby",
                23,
                "cannot sort by 'childHost' (a navigation property)",
            )),
        ),
        (
            &HOST_PAIR,
            "$orderby=nope",
            Err(("$orderby", 0, "unknown property 'nope'")),
        ),
        (
            &HOST_PAIR,
            "$select=id,nope",
            Err(("$select", 3, "unknown property 'nope'")),
        ),
        (
            &HOST_PAIR,
            "$expand=childHost",
            Err(("$expand", 0, "not supported on this resource")),
        ),
        (
            &HOST_PAIR,
            "$search=contoso",
            Err(("$search", 0, "not supported on this resource")),
        ),
        // $count=false is the same as no $count, so it is always accepted.
        (&HOST_PORT, "$count=false", Ok(())),
    ]);
}

#[test]
fn host_ports_expand_and_options() {
    check(vec![
        (&HOST_PORT, "$expand=mostRecentSslCertificate", Ok(())),
        (&HOST_PORT, "$select=mostRecentSslCertificate,host", Ok(())),
        (&HOST_PORT, "$select=services", Ok(())),
        (
            &HOST_PORT,
            "$expand=mostRecentSslCertificate,host",
            Err(("$expand", 25, "'host' cannot be expanded here")),
        ),
        (
            &HOST_PORT,
            "$expand=port",
            Err(("$expand", 0, "'port' is not a navigation property")),
        ),
        (
            &HOST_PORT,
            "$expand=nope",
            Err(("$expand", 0, "unknown navigation property 'nope'")),
        ),
        (
            &HOST_PORT,
            "$filter=port eq 443",
            Err(("$filter", 0, "$filter is not supported on this resource")),
        ),
        (
            &HOST_PORT,
            "$orderby=port",
            Err(("$orderby", 0, "$orderby is not supported on this resource")),
        ),
    ]);
}

#[test]
fn whois_field_search() {
    check(vec![
        (&WHOIS, "$search=\"admin/address/state:WA\"", Ok(())),
        (&WHOIS, "$search=\"admin/email:a@b.c\"", Ok(())),
        (
            &WHOIS,
            "$search=\"nameservers/host/id:contoso.com\"",
            Ok(()),
        ),
        (
            &WHOIS,
            "$search=\"admin/address/state:WA\"&$orderby=registrationDateTime desc",
            Ok(()),
        ),
        (
            &WHOIS,
            "$search=\"admin/address/state:WA\"&$orderby=host/id asc",
            Ok(()),
        ),
        (
            &WHOIS,
            "$search=contoso",
            Err((
                "$search",
                0,
                "expected one field search \"<field>:<value>\"",
            )),
        ),
        (
            &WHOIS,
            "$search=admin/address/state:WA",
            Err(("$search", 0, "put it in double quotes")),
        ),
        (
            &WHOIS,
            "$search=\"rawWhoisText:foo\"",
            Err(("$search", 1, "cannot search on 'rawWhoisText'")),
        ),
        (
            &WHOIS,
            "$search=\"nameservers:contoso.com\"",
            Err(("$search", 1, "cannot search on 'nameservers'")),
        ),
        (
            &WHOIS,
            "$search=\"admin:WA\"",
            Err((
                "$search",
                1,
                "'admin' is a complex property: search one of its fields",
            )),
        ),
        // Search fields inside an allowed prefix need not be properties
        // (Graph documents virtual ones such as subject/alternativeName).
        (&WHOIS, "$search=\"admin/address/zip:98052\"", Ok(())),
        (
            &WHOIS,
            "$search=\"admin/address:WA\"",
            Err(("$search", 1, "'admin/address' is a complex property")),
        ),
        (
            &WHOIS,
            "$search=\"nameservers/host:x\"",
            Err(("$search", 1, "cannot search on 'nameservers/host'")),
        ),
        (
            &WHOIS,
            "$search=\"admin/address/state:WA\"&$orderby=registrationDateTime+desc,rawWhoisText",
            Err(("$orderby", 26, "'rawWhoisText' cannot be used in $orderby")),
        ),
    ]);
}

#[test]
fn whois_requires_search() {
    let query = parse_query(Some("$top=5")).expect("parses");
    let err = query.require_search(&WHOIS).expect_err("missing $search");
    assert_eq!(err.option, "$search");
    assert_eq!(err.offset, 0);
    assert!(err.message.contains("admin"), "{err}");
    let query = parse_query(Some("$search=\"admin/address/state:WA\"")).expect("parses");
    assert!(query.require_search(&WHOIS).is_ok());
    // Resources without FieldRequired never require it.
    assert!(Query::default().require_search(&ARTICLES).is_ok());
    assert!(Query::default().require_search(&HOST_PAIR).is_ok());
}

#[test]
fn article_and_profile_search() {
    check(vec![
        (&ARTICLES, "$search=ransomware", Ok(())),
        (&ARTICLES, "$search=\"Storm-0558 campaign\"", Ok(())),
        (
            &ARTICLES,
            "$search=storm campaign",
            Err(("$search", 6, "only a single search term is supported here")),
        ),
        (
            &ARTICLES,
            "$search=\"title:storm\"",
            Err((
                "$search",
                1,
                "field searches (\"path:value\") are not supported here",
            )),
        ),
        (&ARTICLES, "$orderby=createdDateTime desc&$top=10", Ok(())),
        (&INTEL_PROFILES, "$search=storm campaign", Ok(())),
        (&INTEL_PROFILES, "$filter=kind eq 'actor'", Ok(())),
        (&INTEL_PROFILES, "$filter=kind in ('actor', 'tool')", Ok(())),
        (
            &INTEL_PROFILES,
            "$filter=kind eq 'Actor'",
            Err((
                "$filter",
                8,
                "'Actor' is not a value of 'kind'; expected one of 'actor', 'tool'",
            )),
        ),
        (
            &INTEL_PROFILES,
            "$filter=kind eq 1",
            Err(("$filter", 8, "'kind' takes one of 'actor'")),
        ),
        (
            &INTEL_PROFILES,
            "$filter=title eq 'x'",
            Err(("$filter", 0, "'title' cannot be used in $filter")),
        ),
        (
            &INTEL_PROFILES,
            "$filter=aliases eq 'x'",
            Err((
                "$filter",
                0,
                "'aliases' is a collection and cannot be compared",
            )),
        ),
        (&INTEL_PROFILES, "$orderby=title", Ok(())),
        (
            &INTEL_PROFILES,
            "$expand=indicators",
            Err(("$expand", 0, "$expand is not supported")),
        ),
    ]);
}

#[test]
fn literal_types() {
    check(vec![
        (&TYPED, "$filter=name eq 'x' and name gt 'a'", Ok(())),
        (&TYPED, "$filter=count eq 5 and count lt -1", Ok(())),
        (&TYPED, "$filter=score gt 1.5 or score eq 2", Ok(())),
        (&TYPED, "$filter=active eq true and active ne false", Ok(())),
        (&TYPED, "$filter=seen ge 2023-01-01T00:00:00Z", Ok(())),
        (&TYPED, "$filter=seen ge '2023-01-01T00:00:00Z'", Ok(())),
        (&TYPED, "$filter=kind eq 'a' or kind eq null", Ok(())),
        (&TYPED, "$filter=detail/code eq 3", Ok(())),
        (
            &TYPED,
            "$filter=not (count eq 1) and (active eq true or name eq 'x')",
            Ok(()),
        ),
        (&TYPED, "$orderby=detail/code desc,name", Ok(())),
        (
            &TYPED,
            "$filter=count eq 1.5",
            Err((
                "$filter",
                9,
                "'count' takes an integer, found a decimal number",
            )),
        ),
        (
            &TYPED,
            "$filter=count eq '1'",
            Err(("$filter", 9, "'count' takes an integer, found a string")),
        ),
        (
            &TYPED,
            "$filter=name eq 1",
            Err(("$filter", 8, "'name' takes a string literal")),
        ),
        (
            &TYPED,
            "$filter=active eq 1",
            Err(("$filter", 10, "takes true or false")),
        ),
        (
            &TYPED,
            "$filter=active gt false",
            Err(("$filter", 10, "booleans can only be compared with eq or ne")),
        ),
        (
            &TYPED,
            "$filter=seen ge '2023-13-01T00:00:00Z'",
            Err(("$filter", 14, "expected a month")),
        ),
        (
            &TYPED,
            "$filter=seen ge 'yesterday'",
            Err(("$filter", 9, "date-time")),
        ),
        (
            &TYPED,
            "$filter=seen ge 5",
            Err(("$filter", 8, "'seen' takes a date-time")),
        ),
        (
            &TYPED,
            "$filter=score eq true",
            Err(("$filter", 9, "'score' takes a number")),
        ),
        (
            &TYPED,
            "$filter=hidden eq 'x'",
            Err(("$filter", 0, "'hidden' cannot be used in $filter")),
        ),
        (
            &TYPED,
            "$filter=detail eq 3",
            Err(("$filter", 0, "'detail' is a complex property")),
        ),
        (
            &TYPED,
            "$filter=detail/nope eq 3",
            Err(("$filter", 0, "unknown property 'detail/nope'")),
        ),
        (
            &TYPED,
            "$orderby=detail",
            Err((
                "$orderby",
                0,
                "cannot sort by 'detail' (a complex property)",
            )),
        ),
        (
            &TYPED,
            "$orderby=hidden",
            Err(("$orderby", 0, "'hidden' cannot be used in $orderby")),
        ),
        // Errors inside `not`, `or` and `in` point at the right leaf.
        (
            &TYPED,
            "$filter=name eq 'x' or not (count eq 'y')",
            Err(("$filter", 29, "'count' takes an integer")),
        ),
        (
            &TYPED,
            "$filter=count in (1, 2, 'x')",
            Err(("$filter", 16, "'count' takes an integer")),
        ),
        // 5 lt count is flipped; the value offset is still that of `5`.
        (
            &TYPED,
            "$filter='5' lt count",
            Err(("$filter", 0, "'count' takes an integer")),
        ),
    ]);
}

#[test]
fn validation_normalises_literals() {
    // The offset's '+' may arrive as a space (form decoding) or as %2B.
    for raw in [
        "$filter=score eq 2 and seen ge '2023-01-01T10:00:00+01:00'",
        "$filter=score eq 2 and seen ge '2023-01-01T10:00:00%2B01:00'",
    ] {
        let query = validated(&TYPED, raw).expect("valid");
        assert_eq!(
            query.filter,
            Some(and(
                eq("score", Literal::Double(2.0)),
                cmp(
                    "seen",
                    CmpOp::Ge,
                    Literal::DateTime(datetime!(2023-01-01 10:00:00 +01:00))
                ),
            ))
        );
    }
    let query = validated(&TYPED, "$filter=seen ge '2023-01-01T10:00:00Z'").expect("valid");
    assert_eq!(
        query.filter,
        Some(cmp(
            "seen",
            CmpOp::Ge,
            Literal::DateTime(datetime!(2023-01-01 10:00:00 UTC))
        ))
    );
    let query = validated(&TYPED, "$filter=score in (1, 2.5)").expect("valid");
    assert_eq!(
        query.filter,
        Some(is_in(
            "score",
            vec![Literal::Double(1.0), Literal::Double(2.5)]
        ))
    );
}

#[test]
fn hand_built_queries_validate_with_offset_zero() {
    let mut query = Query::default();
    query.filter = Some(eq("nope", int(1)));
    let err = query.validate(&TYPED).expect_err("unknown property");
    assert_eq!((err.option.as_str(), err.offset), ("$filter", 0));
    let mut query = Query::default();
    query.top = Some(1);
    assert!(query.validate(&TYPED).is_ok());
}
