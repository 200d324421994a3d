//! Data-driven parser tests: tables of input → expected AST, or → expected
//! error (option, offset, and a fragment of the message).

mod common;

use common::*;
use tigr_odata::{CmpOp, Expr, Literal, OrderBy, Query, Search, parse_filter, parse_query};
use time::macros::datetime;

/// Expected outcome of one vector.
enum Want<T> {
    Ok(T),
    /// Offset and a fragment the message must contain.
    Err(usize, &'static str),
}

use Want::{Err as Bad, Ok as Good};

fn check_filters(vectors: Vec<(&str, Want<Expr>)>) {
    let mut failures = Vec::new();
    for (input, want) in vectors {
        let got = parse_filter(input);
        match (&want, &got) {
            (Good(expected), Ok(actual)) if expected == actual => {
                // The printer must give text that parses back to the same tree.
                let printed = actual.to_string();
                if parse_filter(&printed).as_ref() != Ok(actual) {
                    failures.push(format!("{input:?}: printed {printed:?} does not reparse"));
                }
            }
            (Bad(offset, fragment), Err(e))
                if e.option == "$filter" && e.offset == *offset && e.message.contains(fragment) => {
            }
            _ => {
                let expected = match &want {
                    Good(e) => format!("Ok({e})"),
                    Bad(o, f) => format!("Err(offset {o}, {f:?})"),
                };
                failures.push(format!("{input:?}: expected {expected}, got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn lit_dt(dt: time::OffsetDateTime) -> Literal {
    Literal::DateTime(dt)
}

#[test]
fn filter_comparisons_and_literals() {
    use CmpOp::*;
    check_filters(vec![
        ("a eq 1", Good(eq("a", int(1)))),
        ("a ne 'x'", Good(cmp("a", Ne, s("x")))),
        ("a gt 1.5", Good(cmp("a", Gt, Literal::Double(1.5)))),
        ("a ge -2", Good(cmp("a", Ge, int(-2)))),
        ("a ge +2", Good(cmp("a", Ge, int(2)))),
        ("a lt 1e3", Good(cmp("a", Lt, Literal::Double(1000.0)))),
        ("a lt 1E-3", Good(cmp("a", Lt, Literal::Double(0.001)))),
        ("a le 2.5e+2", Good(cmp("a", Le, Literal::Double(250.0)))),
        ("a eq 1.0", Good(eq("a", Literal::Double(1.0)))),
        ("a eq -0", Good(eq("a", int(0)))),
        ("a eq 007", Good(eq("a", int(7)))),
        ("a eq 9223372036854775807", Good(eq("a", int(i64::MAX)))),
        ("a eq -9223372036854775808", Good(eq("a", int(i64::MIN)))),
        ("a eq true", Good(eq("a", Literal::Bool(true)))),
        ("a eq false", Good(eq("a", Literal::Bool(false)))),
        ("a eq null", Good(eq("a", Literal::Null))),
        ("a eq 'it''s'", Good(eq("a", s("it's")))),
        ("a eq ''''", Good(eq("a", s("'")))),
        ("a eq ''", Good(eq("a", s("")))),
        ("a eq 'ü 日本 %20 + &'", Good(eq("a", s("ü 日本 %20 + &")))),
        ("a eq 'and or not ( )'", Good(eq("a", s("and or not ( )")))),
        (
            "childHost/id eq 'contoso.com'",
            Good(eq("childHost/id", s("contoso.com"))),
        ),
        ("a/b/c eq 1", Good(eq("a/b/c", int(1)))),
        ("_x1 eq 1", Good(eq("_x1", int(1)))),
        ("and eq 1", Good(eq("and", int(1)))),
        ("  a   eq\t1  ", Good(eq("a", int(1)))),
        ("a eq'x'", Good(eq("a", s("x")))),
        // A literal on the left is normalised by flipping the operator.
        ("5 lt size", Good(cmp("size", Gt, int(5)))),
        ("5 le size", Good(cmp("size", Ge, int(5)))),
        ("5 gt size", Good(cmp("size", Lt, int(5)))),
        ("5 ge size", Good(cmp("size", Le, int(5)))),
        ("'x' eq a", Good(eq("a", s("x")))),
        ("null ne a", Good(cmp("a", Ne, Literal::Null))),
        // Date-times.
        (
            "d ge 2023-01-01T00:00:00Z",
            Good(cmp("d", Ge, lit_dt(datetime!(2023-01-01 00:00:00 UTC)))),
        ),
        (
            "d lt 2023-06-30T23:59:59.1234567Z",
            Good(cmp(
                "d",
                Lt,
                lit_dt(datetime!(2023-06-30 23:59:59.1234567 UTC)),
            )),
        ),
        (
            "d eq 2023-01-01T10:00:00+01:00",
            Good(eq("d", lit_dt(datetime!(2023-01-01 10:00:00 +01:00)))),
        ),
        (
            "d eq 2023-01-01T10:00:00-05:30",
            Good(eq("d", lit_dt(datetime!(2023-01-01 10:00:00 -05:30)))),
        ),
        (
            "d eq 2023-01-01t10:00z",
            Good(eq("d", lit_dt(datetime!(2023-01-01 10:00:00 UTC)))),
        ),
        // A '+' offset that arrived as a space (form decoding) still works.
        (
            "d eq 2023-01-01T10:00:00 01:00",
            Good(eq("d", lit_dt(datetime!(2023-01-01 10:00:00 +01:00)))),
        ),
        (
            "d eq 2023-01-01T10:00:00 01:00 and a eq 1",
            Good(and(
                eq("d", lit_dt(datetime!(2023-01-01 10:00:00 +01:00))),
                eq("a", int(1)),
            )),
        ),
        (
            "(d eq 2023-01-01T00:00:00Z)",
            Good(eq("d", lit_dt(datetime!(2023-01-01 00:00:00 UTC)))),
        ),
    ]);
}

#[test]
fn filter_precedence_and_grouping() {
    let a = || eq("a", int(1));
    let b = || eq("b", int(2));
    let c = || eq("c", int(3));
    check_filters(vec![
        ("a eq 1 and b eq 2 or c eq 3", Good(or(and(a(), b()), c()))),
        ("a eq 1 or b eq 2 and c eq 3", Good(or(a(), and(b(), c())))),
        (
            "a eq 1 and b eq 2 and c eq 3",
            Good(and(and(a(), b()), c())),
        ),
        ("a eq 1 or b eq 2 or c eq 3", Good(or(or(a(), b()), c()))),
        (
            "a eq 1 and (b eq 2 or c eq 3)",
            Good(and(a(), or(b(), c()))),
        ),
        (
            "(a eq 1 or b eq 2) and c eq 3",
            Good(and(or(a(), b()), c())),
        ),
        (
            "a eq 1 and (b eq 2 and c eq 3)",
            Good(and(a(), and(b(), c()))),
        ),
        ("not (a eq 1)", Good(not(a()))),
        ("not(a eq 1)", Good(not(a()))),
        ("not (a eq 1) and b eq 2", Good(and(not(a()), b()))),
        (
            "not (a eq 1) or b eq 2 and c eq 3",
            Good(or(not(a()), and(b(), c()))),
        ),
        ("b eq 2 and not (a eq 1)", Good(and(b(), not(a())))),
        ("not (a eq 1 and b eq 2)", Good(not(and(a(), b())))),
        ("not not (a eq 1)", Good(not(not(a())))),
        ("not (not (a eq 1))", Good(not(not(a())))),
        ("((a eq 1))", Good(a())),
        ("(a eq 1)and(b eq 2)", Good(and(a(), b()))),
        (
            "(linkKind eq 'redirect')",
            Good(eq("linkKind", s("redirect"))),
        ),
        (
            "(parentHost/id in ('contoso.com','downstream.consoso.com'))",
            Good(is_in(
                "parentHost/id",
                vec![s("contoso.com"), s("downstream.consoso.com")],
            )),
        ),
        ("a in ('x')", Good(is_in("a", vec![s("x")]))),
        (
            "a/b in ( 'x' , 'y''s',1,2.5, null ,true)",
            Good(is_in(
                "a/b",
                vec![
                    s("x"),
                    s("y's"),
                    int(1),
                    Literal::Double(2.5),
                    Literal::Null,
                    Literal::Bool(true),
                ],
            )),
        ),
        (
            "a in ('x') or b eq 2",
            Good(or(is_in("a", vec![s("x")]), b())),
        ),
    ]);
}

#[test]
fn filter_errors() {
    check_filters(vec![
        ("", Bad(0, "expected a value")),
        ("a", Bad(1, "expected a comparison operator")),
        ("a eq", Bad(4, "expected a literal value after 'eq'")),
        ("a eq 1 and", Bad(10, "expected a condition")),
        ("a eq 1 or ", Bad(10, "expected a condition")),
        ("a eq 1 b", Bad(7, "expected 'and', 'or' or end of filter")),
        ("(a eq 1", Bad(7, "to close the '(' at offset 0")),
        ("a eq 1)", Bad(6, "unbalanced ')'")),
        (")", Bad(0, "expected a condition")),
        ("()", Bad(1, "expected a condition")),
        ("not a eq 1", Bad(4, "expected '(' after 'not'")),
        ("not", Bad(3, "expected '(' after 'not'")),
        ("NOT (a eq 1)", Bad(0, "write 'not'")),
        ("a EQ 1", Bad(2, "write 'eq'")),
        ("a eq 1 AND b eq 2", Bad(7, "keywords are lower case")),
        ("a eq 1 and B", Bad(12, "expected a comparison operator")),
        ("isActive and a eq 1", Bad(9, "after property 'isActive'")),
        (
            "a eq b",
            Bad(5, "comparing two properties is not supported"),
        ),
        ("a eq True", Bad(5, "literals are lower case")),
        ("1 eq 2", Bad(5, "comparing two literals is not supported")),
        (
            "'x' in (a)",
            Bad(0, "left side of 'in' must be a property path"),
        ),
        ("a in ()", Bad(6, "at least one literal")),
        (
            "a in (1,)",
            Bad(8, "expected a literal value in the 'in' list"),
        ),
        ("a in 1", Bad(5, "expected '(' after 'in'")),
        ("a in (1 2)", Bad(8, "expected ',' or ')'")),
        ("a in (b)", Bad(6, "properties cannot appear there")),
        ("a in ('x'", Bad(9, "expected ',' or ')'")),
        (
            "contains(a,'x')",
            Bad(0, "function 'contains' is not supported"),
        ),
        (
            "startswith(name, 'x') eq true",
            Bad(0, "function 'startswith'"),
        ),
        ("a eq tolower('x')", Bad(5, "function 'tolower'")),
        ("tags/any(t: t eq 'x')", Bad(0, "lambda operator 'any'")),
        ("a/b (1) eq 1", Bad(0, "functions are not supported")),
        ("a has 'x'", Bad(2, "operator 'has' is not supported")),
        ("a add 1 eq 2", Bad(2, "operator 'add'")),
        ("a like 'x'", Bad(2, "expected a comparison operator")),
        ("a eq 'x", Bad(5, "unterminated string literal")),
        ("a eq 'x''", Bad(5, "unterminated string literal")),
        ("a eq 5L", Bad(6, "unexpected 'L' after the number")),
        ("a eq 1.", Bad(7, "expected digits after '.'")),
        ("a eq 1.2.3", Bad(8, "unexpected '.'")),
        ("a eq 1e", Bad(7, "exponent digits")),
        (
            "a eq 99999999999999999999",
            Bad(5, "out of range for Int64"),
        ),
        ("a eq 1e999", Bad(5, "out of range for a Double")),
        ("a eq 2023-01-01", Bad(5, "date literals are not supported")),
        ("a eq 2023-13-01T00:00:00Z", Bad(10, "expected a month")),
        ("a eq 2023-02-30T00:00:00Z", Bad(13, "no such day")),
        (
            "a eq 2023-01-01T00:00:00",
            Bad(24, "expected 'Z' or a UTC offset"),
        ),
        ("a eq 2023-01-01T00:00:00+1:00", Bad(25, "offset hours")),
        (
            "a eq 01234567-89ab-cdef-0123-456789abcdef",
            Bad(13, "after the number"),
        ),
        ("a.b eq 1", Bad(1, "qualified names")),
        ("a eq ns.Kind'x'", Bad(7, "qualified names")),
        ("a/ eq 1", Bad(2, "expected a property name after '/'")),
        ("$it eq 1", Bad(0, "expected a condition")),
        (
            "a eq @p",
            Bad(5, "expected a literal value after 'eq', found '@'"),
        ),
        ("a eq -", Bad(5, "expected a literal value")),
        ("a eq 1 and and", Bad(14, "expected a comparison operator")),
    ]);
}

#[test]
fn filter_limits() {
    let nested = |n: usize| format!("{}a eq 1{}", "(".repeat(n), ")".repeat(n));
    assert!(parse_filter(&nested(tigr_odata::MAX_NESTING)).is_ok());
    let err = parse_filter(&nested(tigr_odata::MAX_NESTING + 1)).expect_err("too deep");
    assert_eq!(err.offset, tigr_odata::MAX_NESTING);
    assert!(err.message.contains("nested too deeply"), "{err}");

    let nots = |n: usize| format!("{}(a eq 1)", "not ".repeat(n));
    assert!(parse_filter(&nots(tigr_odata::MAX_NESTING - 1)).is_ok());
    assert!(parse_filter(&nots(tigr_odata::MAX_NESTING + 1)).is_err());

    let chain = |n: usize| vec!["a eq 1"; n].join(" or ");
    assert!(parse_filter(&chain(tigr_odata::MAX_DEPTH)).is_ok());
    let err = parse_filter(&chain(tigr_odata::MAX_DEPTH + 2)).expect_err("too long");
    assert!(err.message.contains("too complex"), "{err}");

    // Pathological inputs fail fast instead of overflowing the stack.
    for bad in [
        "(".repeat(100_000),
        "not ".repeat(100_000),
        "a eq 1 and ".repeat(50_000),
    ] {
        assert!(parse_filter(&bad).is_err());
    }
    let long_in = format!("a in ({})", vec!["1"; 10_000].join(","));
    assert!(parse_filter(&long_in).is_ok());
}

/// Builds the expected `Query` from the default one.
fn q(build: impl FnOnce(&mut Query)) -> Query {
    let mut query = Query::default();
    build(&mut query);
    query
}

/// A raw query string and the expected `Query` or `(option, offset)` error.
type QueryVector<'a> = (Option<&'a str>, Result<Query, (&'a str, usize)>);

fn check_queries(vectors: Vec<QueryVector<'_>>) {
    let mut failures = Vec::new();
    for (input, want) in vectors {
        let got = parse_query(input);
        let ok = match (&want, &got) {
            (Ok(expected), Ok(actual)) => expected == actual,
            (Err((option, offset)), Err(e)) => e.option == *option && e.offset == *offset,
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn order(p: &str, descending: bool) -> OrderBy {
    OrderBy {
        path: path(p),
        descending,
    }
}

#[test]
fn query_options() {
    check_queries(vec![
        (None, Ok(Query::default())),
        (Some(""), Ok(Query::default())),
        (Some("?"), Ok(Query::default())),
        (Some("&&"), Ok(Query::default())),
        (
            Some("$top=5&$skip=10&$count=true"),
            Ok(q(|q| {
                q.top = Some(5);
                q.skip = Some(10);
                q.count = true;
            })),
        ),
        (Some("?$top=0"), Ok(q(|q| q.top = Some(0)))),
        (Some("$count=false"), Ok(Query::default())),
        (
            Some("$top=18446744073709551615"),
            Ok(q(|q| q.top = Some(u64::MAX))),
        ),
        // Parameters without '$' are not OData options.
        (
            Some("api-version=1&foo&$top=1&bar=%FF"),
            Ok(q(|q| q.top = Some(1))),
        ),
        // Option names are case-insensitive and may be percent-encoded.
        (Some("$TOP=1"), Ok(q(|q| q.top = Some(1)))),
        (Some("%24top=3"), Ok(q(|q| q.top = Some(3)))),
        (
            Some("$orderBy=firstSeenDateTime desc"),
            Ok(q(|q| q.orderby = vec![order("firstSeenDateTime", true)])),
        ),
        (
            Some("$orderby=firstSeenDateTime%20desc,lastSeenDateTime+asc,%20host/id"),
            Ok(q(|q| {
                q.orderby = vec![
                    order("firstSeenDateTime", true),
                    order("lastSeenDateTime", false),
                    order("host/id", false),
                ]
            })),
        ),
        (
            Some("$select=id,firstSeenDateTime"),
            Ok(q(|q| {
                q.select = Some(vec!["id".into(), "firstSeenDateTime".into()])
            })),
        ),
        (
            Some("$select=id,%20parentHost"),
            Ok(q(|q| {
                q.select = Some(vec!["id".into(), "parentHost".into()])
            })),
        ),
        (
            Some("$expand=mostRecentSslCertificate"),
            Ok(q(|q| q.expand = vec!["mostRecentSslCertificate".into()])),
        ),
        (
            Some("$skiptoken=abc%3D%3D"),
            Ok(q(|q| q.skiptoken = Some("abc==".into()))),
        ),
        (
            Some("$skiptoken=a=b"),
            Ok(q(|q| q.skiptoken = Some("a=b".into()))),
        ),
        // '+' is a space; '%2B' is a plus; '%27' is a quote.
        (
            Some("$filter=a+eq+'x+y'"),
            Ok(q(|q| q.filter = Some(eq("a", s("x y"))))),
        ),
        (
            Some("$filter=a%20eq%20%27x%2By%27"),
            Ok(q(|q| q.filter = Some(eq("a", s("x+y"))))),
        ),
        (
            Some("$filter=a%20eq%20'50%25%26more'"),
            Ok(q(|q| q.filter = Some(eq("a", s("50%&more"))))),
        ),
        (
            Some("$filter=(linkKind%20eq%20%27redirect%27)"),
            Ok(q(|q| q.filter = Some(eq("linkKind", s("redirect"))))),
        ),
        (
            Some("$filter=(parentHost/id in ('contoso.com','downstream.consoso.com'))"),
            Ok(q(|q| {
                q.filter = Some(is_in(
                    "parentHost/id",
                    vec![s("contoso.com"), s("downstream.consoso.com")],
                ))
            })),
        ),
        // A raw '+' in a date-time offset arrives as a space and still works.
        (
            Some("$filter=d+ge+2023-01-01T10:00:00+01:00"),
            Ok(q(|q| {
                q.filter = Some(cmp(
                    "d",
                    CmpOp::Ge,
                    Literal::DateTime(datetime!(2023-01-01 10:00:00 +01:00)),
                ))
            })),
        ),
        (
            Some("$filter=d%20ge%202023-01-01T10:00:00%2B01:00"),
            Ok(q(|q| {
                q.filter = Some(cmp(
                    "d",
                    CmpOp::Ge,
                    Literal::DateTime(datetime!(2023-01-01 10:00:00 +01:00)),
                ))
            })),
        ),
        // Errors: unknown, duplicate, empty.
        (Some("$foo=1"), Err(("$foo", 0))),
        (Some("$format=json"), Err(("$format", 0))),
        (Some("$=1"), Err(("$", 0))),
        (Some("$top=1&$top=2"), Err(("$top", 0))),
        (Some("$top=1&$TOP=1"), Err(("$top", 0))),
        (Some("$orderby=a&$orderBy=b"), Err(("$orderby", 0))),
        (Some("$top"), Err(("$top", 0))),
        (Some("$top="), Err(("$top", 0))),
        (Some("$filter="), Err(("$filter", 0))),
        (Some("$skiptoken="), Err(("$skiptoken", 0))),
        // $top / $skip / $count values.
        (Some("$top=abc"), Err(("$top", 0))),
        (Some("$top=12a"), Err(("$top", 2))),
        (Some("$top=-1"), Err(("$top", 0))),
        (Some("$top=+5"), Err(("$top", 0))),
        (Some("$top=%2B5"), Err(("$top", 0))),
        (Some("$top=18446744073709551616"), Err(("$top", 0))),
        (Some("$skip=1.5"), Err(("$skip", 1))),
        (Some("$count=yes"), Err(("$count", 0))),
        (Some("$count=TRUE"), Err(("$count", 0))),
        (Some("$count=1"), Err(("$count", 0))),
        // Bad UTF-8 after decoding: offset of the first bad byte.
        (Some("$filter=%FF"), Err(("$filter", 0))),
        (Some("$filter=a%20eq%20'%C3'"), Err(("$filter", 6))),
        (Some("%FF$top=1"), Ok(Query::default())),
        (Some("$to%FFp=1"), Err(("$to\u{FFFD}p", 0))),
        // Option errors report offsets in the decoded value.
        (Some("$filter=a+eq+b"), Err(("$filter", 5))),
        (Some("$filter=a%20eq%20%27x"), Err(("$filter", 5))),
        // '&' inside a value must be encoded; unencoded it cuts the value.
        (Some("$filter=a eq 'x&y'"), Err(("$filter", 5))),
        // $select / $expand.
        (Some("$select=parentHost/id"), Err(("$select", 10))),
        (Some("$select=*"), Err(("$select", 0))),
        (Some("$select=a,,b"), Err(("$select", 2))),
        (Some("$select=a,"), Err(("$select", 2))),
        (Some("$select=a b"), Err(("$select", 2))),
        (Some("$select=a.b"), Err(("$select", 1))),
        (Some("$expand=a($select=b)"), Err(("$expand", 1))),
        (Some("$expand=a/b"), Err(("$expand", 1))),
        (Some("$expand=*"), Err(("$expand", 0))),
        // $orderby.
        (Some("$orderby=a sideways"), Err(("$orderby", 2))),
        (Some("$orderby=a desc b"), Err(("$orderby", 7))),
        (Some("$orderby=,a"), Err(("$orderby", 0))),
        (Some("$orderby=a,"), Err(("$orderby", 2))),
        (Some("$orderby=length(a)"), Err(("$orderby", 0))),
        (Some("$orderby=a DESC"), Err(("$orderby", 2))),
        (Some("$orderby=a;b"), Err(("$orderby", 1))),
        // The first error wins, left to right.
        (Some("$top=x&$foo=1"), Err(("$top", 0))),
        (Some("$foo=1&$top=x"), Err(("$foo", 0))),
    ]);
}

#[test]
fn search_forms() {
    let terms = |t: &[&str]| Search::Terms(t.iter().map(|s| s.to_string()).collect());
    let field = |p: &str, v: &str| Search::Field {
        path: path(p),
        value: v.to_owned(),
    };
    let with = |search: Search| Ok(q(|q| q.search = Some(search)));
    check_queries(vec![
        (Some("$search=contoso"), with(terms(&["contoso"]))),
        (
            Some("$search=%22contoso%20corp%22"),
            with(terms(&["contoso corp"])),
        ),
        (
            Some("$search=\"contoso corp\""),
            with(terms(&["contoso corp"])),
        ),
        (Some("$search=foo+bar"), with(terms(&["foo", "bar"]))),
        (
            Some("$search=foo \"bar baz\""),
            with(terms(&["foo", "bar baz"])),
        ),
        (Some("$search=a:b"), with(terms(&["a:b"]))),
        (
            Some("$search=\"foo bar:baz\""),
            with(terms(&["foo bar:baz"])),
        ),
        (
            Some("$search=\"say \\\"hi\\\"\""),
            with(terms(&["say \"hi\""])),
        ),
        (Some("$search=\"AND\""), with(terms(&["AND"]))),
        (Some("$search=and"), with(terms(&["and"]))),
        (
            Some("$search=\"subject/commonName:microsoft.com\""),
            with(field("subject/commonName", "microsoft.com")),
        ),
        (
            Some("$search=%22admin%2Faddress%2Fstate%3AWA%22"),
            with(field("admin/address/state", "WA")),
        ),
        (
            Some("$search=\"nameservers/host/id:contoso.com\""),
            with(field("nameservers/host/id", "contoso.com")),
        ),
        (
            Some("$search=\"fingerprint:a3:b5\""),
            with(field("fingerprint", "a3:b5")),
        ),
        (Some("$search=+\"sha1:abc\"+"), with(field("sha1", "abc"))),
        (
            Some("$search=\"registrant/name:A B\""),
            with(field("registrant/name", "A B")),
        ),
        // The list-sslcertificates doc example.
        (
            Some("?$search=\"subject/commonName:microsoft.com\"&$count=true&$top=1"),
            Ok(q(|q| {
                q.search = Some(field("subject/commonName", "microsoft.com"));
                q.count = true;
                q.top = Some(1);
            })),
        ),
        // The broken list-whoisrecords doc example: the quote is never closed
        // because the '&' ends the $search value.
        (
            Some("$search=\"admin/address/state:WA&$orderby=registrationDateTime desc\""),
            Err(("$search", 0)),
        ),
        (
            Some("$orderby=registrationDateTime desc\"&$search=\"admin/address/state:WA"),
            Err(("$orderby", 25)),
        ),
        (Some("$search=\"\""), Err(("$search", 0))),
        (Some("$search=\"a:\""), Err(("$search", 3))),
        (Some("$search=\"a:b\" c"), Err(("$search", 6))),
        (Some("$search=c \"a:b\""), Err(("$search", 0))),
        (Some("$search=AND"), Err(("$search", 0))),
        (Some("$search=x OR y"), Err(("$search", 2))),
        (Some("$search=foo\"bar"), Err(("$search", 3))),
        (Some("$search=\"a\"b"), Err(("$search", 3))),
        (Some("$search=%20"), Err(("$search", 0))),
        (Some("$search=\"open"), Err(("$search", 0))),
    ]);
}

#[test]
fn error_display_names_option_and_offset() {
    let err = parse_query(Some("$filter=a%20eq%20b")).expect_err("two properties");
    assert_eq!(
        err.to_string(),
        "Invalid $filter at offset 5: expected a literal value, found property 'b': comparing \
         two properties is not supported"
    );
    let err = parse_query(Some(
        "$search=\"admin/address/state:WA&$orderby=registrationDateTime desc\"",
    ))
    .expect_err("broken doc example");
    assert!(
        err.to_string()
            .starts_with("Invalid $search at offset 0: unterminated quoted search phrase"),
        "{err}"
    );
}

#[test]
fn display_prints_minimal_odata() {
    let a = || eq("a", int(1));
    let b = || eq("b", s("it's"));
    let c = || cmp("c", CmpOp::Ge, Literal::Double(2.0));
    let cases = [
        (
            or(and(a(), b()), c()),
            "a eq 1 and b eq 'it''s' or c ge 2.0",
        ),
        (
            and(a(), or(b(), c())),
            "a eq 1 and (b eq 'it''s' or c ge 2.0)",
        ),
        (
            and(or(a(), b()), c()),
            "(a eq 1 or b eq 'it''s') and c ge 2.0",
        ),
        (
            and(a(), and(b(), c())),
            "a eq 1 and (b eq 'it''s' and c ge 2.0)",
        ),
        (
            or(a(), or(b(), c())),
            "a eq 1 or (b eq 'it''s' or c ge 2.0)",
        ),
        (not(a()), "not (a eq 1)"),
        (not(not(a())), "not not (a eq 1)"),
        (not(or(a(), b())), "not (a eq 1 or b eq 'it''s')"),
        (
            is_in(
                "x/y",
                vec![Literal::Null, Literal::Bool(false), Literal::Double(1e20)],
            ),
            "x/y in (null, false, 1e20)",
        ),
        (
            eq(
                "d",
                Literal::DateTime(datetime!(2023-01-01 00:00:00.25 -02:00)),
            ),
            "d eq 2023-01-01T00:00:00.25-02:00",
        ),
    ];
    for (expr, text) in cases {
        assert_eq!(expr.to_string(), text);
        assert_eq!(parse_filter(text), Ok(expr));
    }
    assert_eq!(order("host/id", true).to_string(), "host/id desc");
    assert_eq!(
        Search::Field {
            path: path("a/b"),
            value: "x \"y\"".into()
        }
        .to_string(),
        "\"a/b:x \\\"y\\\"\""
    );
    assert_eq!(
        Search::Terms(vec!["x".into(), "y z".into()]).to_string(),
        "x \"y z\""
    );
}
