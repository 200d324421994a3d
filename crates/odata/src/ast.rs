//! The typed query AST (`Query`, `Expr`, `Literal`, …) and its OData printer.
//!
//! The `Display` impls print OData syntax that [`crate::parse_filter`]
//! (and so [`crate::parse_query`]) parses back to an equal value; the
//! crate's proptests check that round trip.

use std::fmt::{self, Display};

use time::OffsetDateTime;

use crate::datetime;

/// A parsed and (after [`Query::validate`]) checked set of OData query options.
///
/// Build one with [`crate::parse_query`]. `Query::default()` is the empty
/// query (no options given). Fields are public so that the store can read
/// them and tests can build expectations; a `Query` built by hand has no
/// source positions, so validation errors on it report offset 0.
#[derive(Clone, Default, PartialEq)]
pub struct Query {
    /// `$top`: maximum number of items to return.
    pub top: Option<u64>,
    /// `$skip`: number of items to skip.
    pub skip: Option<u64>,
    /// `$count=true`. `$count=false` and an absent `$count` both give `false`.
    pub count: bool,
    /// `$select`: plain property names (navigation names allowed), in request order.
    pub select: Option<Vec<String>>,
    /// `$expand`: navigation property names, in request order (empty = none).
    pub expand: Vec<String>,
    /// `$orderby`: sort keys, most significant first (empty = none).
    pub orderby: Vec<OrderBy>,
    /// `$filter`.
    pub filter: Option<Expr>,
    /// `$search`.
    pub search: Option<Search>,
    /// `$skiptoken`, percent-decoded, otherwise passed through untouched.
    pub skiptoken: Option<String>,
    /// Where things were in the request, for validation error offsets.
    pub(crate) spans: Spans,
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("top", &self.top)
            .field("skip", &self.skip)
            .field("count", &self.count)
            .field("select", &self.select)
            .field("expand", &self.expand)
            .field("orderby", &self.orderby)
            .field("filter", &self.filter)
            .field("search", &self.search)
            .field("skiptoken", &self.skiptoken)
            .finish_non_exhaustive()
    }
}

/// One `$orderby` key: `path [asc|desc]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// Property path segments, e.g. `["host", "id"]` for `host/id`.
    pub path: Vec<String>,
    /// `desc` was given (`asc` is the default).
    pub descending: bool,
}

/// A `$search` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// Free-text terms: bare words (`contoso`), or double-quoted phrases
    /// (`"contoso corp"`) that are not of the `"path:value"` form. Several
    /// whitespace-separated terms mean all of them (OData's implicit AND).
    Terms(Vec<String>),
    /// A double-quoted field search, `"subject/commonName:microsoft.com"`:
    /// the path before the first `:` and the (non-empty) value after it.
    /// Further colons stay in the value.
    Field {
        /// Property path segments, e.g. `["subject", "commonName"]`.
        path: Vec<String>,
        /// The text after the first `:`.
        value: String,
    },
}

/// A `$filter` expression.
///
/// Comparisons always have the property on the left: `5 lt size` is parsed
/// as `size gt 5`. `Display` prints OData syntax that parses back to the
/// same value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `left and right`.
    And(Box<Expr>, Box<Expr>),
    /// `left or right`.
    Or(Box<Expr>, Box<Expr>),
    /// `not (inner)`.
    Not(Box<Expr>),
    /// `path op value`.
    Compare {
        /// Property path segments, e.g. `["childHost", "id"]`.
        path: Vec<String>,
        /// The comparison operator.
        op: CmpOp,
        /// The literal compared against.
        value: Literal,
    },
    /// `path in (v1, v2, …)`; never empty.
    In {
        /// Property path segments.
        path: Vec<String>,
        /// The candidate values, in request order.
        values: Vec<Literal>,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl CmpOp {
    /// The OData keyword (`"eq"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
        }
    }

    /// The operator with its operands swapped: `a lt b` ⇔ `b gt a`.
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Eq,
            CmpOp::Ne => CmpOp::Ne,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
        }
    }

    pub(crate) fn from_keyword(word: &str) -> Option<CmpOp> {
        Some(match word {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            _ => return None,
        })
    }
}

/// A literal value in `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer without fraction or exponent (`42`, `-7`).
    Int(i64),
    /// A number with a fraction or exponent (`1.5`, `2e10`); always finite.
    /// Validation also turns `Int` into `Double` for `Double` properties.
    Double(f64),
    /// `'text'`, with `''` for a quote inside.
    String(String),
    /// An unquoted `DateTimeOffset` (`2023-01-01T00:00:00Z`), or a quoted
    /// RFC 3339 string compared with a date-time property (converted by
    /// validation).
    DateTime(OffsetDateTime),
}

/// Source positions of a parsed query, kept beside the AST so that the AST
/// itself stays plain data. They never take part in equality.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spans {
    pub(crate) select: Vec<usize>,
    pub(crate) expand: Vec<usize>,
    pub(crate) orderby: Vec<usize>,
    /// One entry per `Compare`/`In` leaf of the filter, in left-to-right order.
    pub(crate) filter: Vec<LeafSpan>,
    pub(crate) search: SearchSpans,
}

impl PartialEq for Spans {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// Where a filter leaf's path and values start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LeafSpan {
    pub(crate) path: usize,
    pub(crate) values: Vec<usize>,
}

/// Where a `$search` value's parts start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SearchSpans {
    /// Start of each term (for `Field`: of the path, just after the quote).
    pub(crate) terms: Vec<usize>,
    /// Start of the value of a `Field` search.
    pub(crate) value: usize,
}

/// Writes path segments joined by `/`.
pub(crate) struct PathDisplay<'a>(pub(crate) &'a [String]);

impl fmt::Display for PathDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, segment) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str("/")?;
            }
            f.write_str(segment)?;
        }
        Ok(())
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(n) => write!(f, "{n}"),
            // `Debug` always keeps a `.` or an exponent (`1.0`, `1e20`), so
            // the text reads back as a Double, not an Int.
            Literal::Double(x) => write!(f, "{x:?}"),
            Literal::String(s) => {
                f.write_str("'")?;
                for (n, part) in s.split('\'').enumerate() {
                    if n > 0 {
                        f.write_str("''")?;
                    }
                    f.write_str(part)?;
                }
                f.write_str("'")
            }
            Literal::DateTime(dt) => datetime::Display(dt).fmt(f),
        }
    }
}

impl Expr {
    /// Writes `self`, wrapped in parentheses when `paren` is set.
    fn fmt_operand(&self, f: &mut fmt::Formatter<'_>, paren: bool) -> fmt::Result {
        if paren {
            write!(f, "({self})")
        } else {
            self.fmt(f)
        }
    }
}

impl fmt::Display for Expr {
    /// Prints OData syntax with only the parentheses the structure needs
    /// (`and` binds tighter than `or`, both associate to the left) plus the
    /// ones `not` requires.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(l, r) => {
                l.fmt_operand(f, matches!(**l, Expr::Or(..)))?;
                f.write_str(" and ")?;
                r.fmt_operand(f, matches!(**r, Expr::Or(..) | Expr::And(..)))
            }
            Expr::Or(l, r) => {
                l.fmt(f)?;
                f.write_str(" or ")?;
                r.fmt_operand(f, matches!(**r, Expr::Or(..)))
            }
            Expr::Not(inner) => {
                f.write_str("not ")?;
                inner.fmt_operand(f, !matches!(**inner, Expr::Not(..)))
            }
            Expr::Compare { path, op, value } => {
                write!(f, "{} {op} {value}", PathDisplay(path))
            }
            Expr::In { path, values } => {
                write!(f, "{} in (", PathDisplay(path))?;
                for (n, value) in values.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    value.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        PathDisplay(&self.path).fmt(f)?;
        if self.descending {
            f.write_str(" desc")?;
        }
        Ok(())
    }
}

impl fmt::Display for Search {
    /// Prints `$search` syntax. Field searches and terms that need it are
    /// double-quoted with `\"` and `\\` escapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
            f.write_str("\"")?;
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")
        }
        match self {
            Search::Terms(terms) => {
                for (n, term) in terms.iter().enumerate() {
                    if n > 0 {
                        f.write_str(" ")?;
                    }
                    let bare = !term.is_empty()
                        && !term.contains(|c: char| c.is_whitespace() || c == '"')
                        && !matches!(term.as_str(), "AND" | "OR" | "NOT");
                    if bare {
                        f.write_str(term)?;
                    } else {
                        quoted(f, term)?;
                    }
                }
                Ok(())
            }
            Search::Field { path, value } => quoted(f, &format!("{}:{value}", PathDisplay(path))),
        }
    }
}
