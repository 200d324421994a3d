//! Property tests: generated ASTs print and reparse to equal ASTs, and no
//! input (arbitrary or built from OData tokens) makes the parser or the
//! validator panic.

mod common;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use tigr_odata::{CmpOp, Expr, Literal, OrderBy, Search, parse_filter, parse_query};
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// Identifiers that are not reserved as a first path segment.
fn segment() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}".prop_filter("reserved word", |s| {
        !matches!(s.as_str(), "not" | "true" | "false" | "null")
    })
}

fn path() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(segment(), 1..4)
}

fn datetime() -> impl Strategy<Value = time::OffsetDateTime> {
    (
        0i32..=9999,
        1u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        0u8..60,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
        -(23 * 60 + 59)..=(23 * 60 + 59i16),
    )
        .prop_filter_map("valid date-time", |(y, mo, d, h, mi, s, ns, off)| {
            let date = Date::from_calendar_date(y, Month::try_from(mo).ok()?, d).ok()?;
            let time = Time::from_hms_nano(h, mi, s, ns).ok()?;
            let hours = i8::try_from(off / 60).ok()?;
            let minutes = i8::try_from(off % 60).ok()?;
            let offset = UtcOffset::from_hms(hours, minutes, 0).ok()?;
            Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
        })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Literal::Double),
        any::<String>().prop_map(Literal::String),
        "[a-z' ]{0,6}".prop_map(Literal::String),
        datetime().prop_map(Literal::DateTime),
    ]
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (path(), op(), literal()).prop_map(|(path, op, value)| Expr::Compare { path, op, value }),
        (path(), prop::collection::vec(literal(), 1..4))
            .prop_map(|(path, values)| Expr::In { path, values }),
    ];
    leaf.prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Expr::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Expr::Or(Box::new(l), Box::new(r))),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

/// Percent-encodes everything but ASCII alphanumerics (so `+` becomes `%2B`).
fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// Fragments of OData syntax, to reach deep parser states more often than
/// random text does.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("a".to_owned()),
        Just("childHost/id".to_owned()),
        Just(" eq ".to_owned()),
        Just(" ne ".to_owned()),
        Just(" gt ".to_owned()),
        Just(" in ".to_owned()),
        Just(" and ".to_owned()),
        Just(" or ".to_owned()),
        Just("not ".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("'x'".to_owned()),
        Just("\"".to_owned()),
        Just(":".to_owned()),
        Just("/".to_owned()),
        Just("-".to_owned()),
        Just("1".to_owned()),
        Just("1.5e3".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("2023-01-01T00:00:00Z".to_owned()),
        Just("2023-01-01T00:00:00".to_owned()),
        Just(" 01:00".to_owned()),
        Just("contains(".to_owned()),
        Just(" asc".to_owned()),
        Just(" desc".to_owned()),
        Just(" ".to_owned()),
        Just("%".to_owned()),
        Just("+".to_owned()),
        Just("&".to_owned()),
        Just("=".to_owned()),
        Just("$".to_owned()),
        "[\\PC]{0,3}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.concat())
}

const OPTIONS: [&str; 9] = [
    "$filter=",
    "$orderby=",
    "$search=",
    "$select=",
    "$expand=",
    "$top=",
    "$skip=",
    "$count=",
    "$skiptoken=",
];

/// Parsing never panics; when it succeeds, validating against every table
/// never panics either.
fn parse_and_validate(raw: &str) {
    if let Ok(query) = parse_query(Some(raw)) {
        for caps in [
            &common::HOST_PAIR,
            &common::HOST_PORT,
            &common::WHOIS,
            &common::ARTICLES,
            &common::INTEL_PROFILES,
            &common::TYPED,
        ] {
            let mut q = query.clone();
            let _ = q.validate(caps);
            let _ = q.require_search(caps);
        }
    }
}

proptest! {
    // 512 cases by default; PROPTEST_CASES overrides it for longer runs.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn filter_print_parse_round_trip(e in expr()) {
        let printed = e.to_string();
        prop_assert_eq!(parse_filter(&printed), Ok(e), "printed: {}", printed);
    }

    #[test]
    fn filter_round_trip_through_the_query_string(e in expr(), form_spaces in any::<bool>()) {
        let mut encoded = encode(&e.to_string());
        if form_spaces {
            // What HTML forms and Python's urlencode send: spaces as '+'.
            encoded = encoded.replace("%20", "+");
        }
        let query = parse_query(Some(&format!("$filter={encoded}&$top=3")));
        prop_assert!(query.is_ok(), "{:?}", query);
        let query = query.unwrap_or_default();
        prop_assert_eq!(query.filter, Some(e));
        prop_assert_eq!(query.top, Some(3));
    }

    #[test]
    fn orderby_round_trip(keys in prop::collection::vec(
        (path(), any::<bool>()).prop_map(|(path, descending)| OrderBy { path, descending }),
        1..4,
    )) {
        let text: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let query = parse_query(Some(&format!("$orderby={}", encode(&text.join(", ")))));
        prop_assert_eq!(query.map(|q| q.orderby), Ok(keys));
    }

    #[test]
    fn search_round_trip(search in prop_oneof![
        prop::collection::vec("[A-Za-z0-9 .\"\\\\-]{1,10}", 1..4).prop_map(Search::Terms),
        (path(), "[^\\x00]{1,12}").prop_map(|(path, value)| Search::Field { path, value }),
    ]) {
        let query = parse_query(Some(&format!("$search={}", encode(&search.to_string()))));
        prop_assert_eq!(query.map(|q| q.search), Ok(Some(search)));
    }

    #[test]
    fn arbitrary_query_strings_never_panic(raw in any::<String>()) {
        parse_and_validate(&raw);
    }

    #[test]
    fn arbitrary_option_values_never_panic(
        option in prop::sample::select(&OPTIONS[..]),
        value in any::<String>(),
        encoded in any::<bool>(),
    ) {
        let value = if encoded { encode(&value) } else { value };
        parse_and_validate(&format!("{option}{value}"));
    }

    #[test]
    fn token_soup_never_panics_and_reprints(
        option in prop::sample::select(&OPTIONS[..5]),
        soup in token_soup(),
    ) {
        parse_and_validate(&format!("{option}{}", encode(&soup)));
        parse_and_validate(&format!("{option}{soup}"));
        // Whatever parses as a filter prints to text that parses back the same.
        if let Ok(e) = parse_filter(&soup) {
            prop_assert_eq!(parse_filter(&e.to_string()), Ok(e));
        }
    }
}
