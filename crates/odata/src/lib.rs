//! tigr-odata: turns the raw query string of a Graph request into a typed,
//! validated AST of OData query options.
//!
//! ```
//! use tigr_odata::{CmpOp, Expr, Literal, parse_query};
//!
//! let q = parse_query(Some("$filter=childHost/id%20eq%20'contoso.com'&$top=5")).unwrap();
//! assert_eq!(q.top, Some(5));
//! assert_eq!(
//!     q.filter,
//!     Some(Expr::Compare {
//!         path: vec!["childHost".into(), "id".into()],
//!         op: CmpOp::Eq,
//!         value: Literal::String("contoso.com".into()),
//!     })
//! );
//! ```
//!
//! # Flow
//!
//! 1. [`parse_query`] (syntax only) gives a [`Query`] or a [`QueryError`].
//! 2. [`Query::validate`] checks it against the resource's [`Capabilities`]
//!    and normalises literals (e.g. a quoted date string compared with a
//!    `DateTime` property becomes [`Literal::DateTime`]).
//! 3. List endpoints whose resource has [`SearchSupport::FieldRequired`]
//!    also call [`Query::require_search`].
//! 4. The store compiles the AST to parameterised SQL.
//!
//! Every failure is a [`QueryError`] naming the option and the byte offset
//! in its percent-decoded value, displayed as
//! `Invalid $filter at offset 12: expected …`; the API answers 400.
//!
//! # Supported syntax (a subset of OData 4.01, as Graph uses it)
//!
//! * `$top`, `$skip`: non-negative integers. `$count`: `true` or `false`.
//! * `$select=a,b`: plain names (nested paths are refused).
//! * `$expand=a,b`: plain navigation names (no nested options).
//! * `$orderby=path [asc|desc], …` (also spelled `$orderBy`: option names
//!   are case-insensitive).
//! * `$filter`: `eq ne gt ge lt le`, `in (…)`, `and`, `or`, `not`,
//!   parentheses, `/` paths, literals `'string'` (`''` escapes a quote),
//!   integers (`i64`), decimals/doubles, `true`, `false`, `null`, unquoted
//!   `DateTimeOffset` (`2023-01-01T00:00:00Z`, fractions, `±hh:mm`).
//!   Precedence `not` > comparison > `and` > `or`, so `not` takes a
//!   parenthesised operand: `not (a eq 1)`. Keywords are lower case.
//!   One side of a comparison is a property, the other a literal; a
//!   literal on the left is normalised by flipping the operator. Functions,
//!   lambdas, arithmetic, type casts, GUID/duration/date literals are
//!   refused with a message naming them. Nesting is limited to
//!   [`MAX_NESTING`] levels and the tree to [`MAX_DEPTH`] levels.
//!   The first path segment cannot be `not`, `true`, `false` or `null`.
//! * `$search`: `"path/sub:value"` (double-quoted) is a
//!   [`Search::Field`]; bare words and quoted phrases without that form are
//!   [`Search::Terms`].
//! * `$skiptoken`: passed through.
//!
//! # `+` and percent-decoding
//!
//! Names and values are decoded as HTML forms are: **`+` is a space**, and
//! a plus sign must be sent as `%2B` (Python's `urlencode`/`quote_plus`
//! and .NET do this). In a `$filter` date-time, a space followed by
//! `hh:mm` right after the time is read as a `+hh:mm` offset, so
//! `…T10:00:00+01:00` typed raw into a URL still works. A `&` or `#`
//! inside a value must be sent as `%26`/`%23`.
//!
//! # Layout
//!
//! * `query` — splitting, decoding, dispatch ([`parse_query`]).
//! * `options` — `$top`, `$skip`, `$count`, `$select`, `$expand`, `$orderby`.
//! * `filter` — the `$filter` Pratt parser (winnow `combinator::expression`).
//! * `search` — `$search`.
//! * `lexer` — shared winnow token parsers (paths, literals, keywords).
//! * `datetime` — `DateTimeOffset` parsing and printing.
//! * `ast` — the AST types and their OData `Display`.
//! * `caps` — [`Capabilities`] and [`CapabilityTable`].
//! * `validate` — [`Query::validate`].
//! * `error` — [`QueryError`].
//!
//! **Architecture invariant:** no IO, no SQL, no HTTP types here.

mod ast;
mod caps;
mod datetime;
mod error;
mod filter;
mod lexer;
mod options;
mod query;
mod search;
mod validate;

pub use ast::{CmpOp, Expr, Literal, OrderBy, Query, Search};
pub use caps::{Capabilities, CapabilityTable, PropType, Property, QueryOption, SearchSupport};
pub use error::QueryError;
pub use filter::{MAX_DEPTH, MAX_NESTING};
pub use query::parse_query;

/// Parses a `$filter` expression that is already percent-decoded (the
/// same grammar as the `$filter` option of [`parse_query`]). Errors name
/// `$filter`. `parse_filter(&expr.to_string())` gives back `expr`.
pub fn parse_filter(src: &str) -> Result<Expr, QueryError> {
    if src.is_empty() {
        return Err(QueryError::new(
            "$filter",
            0,
            "expected a value for $filter",
        ));
    }
    filter::parse(src)
        .map(|(expr, _)| expr)
        .map_err(|e| e.for_option("$filter"))
}
