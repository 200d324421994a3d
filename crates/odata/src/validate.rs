//! `Query::validate`: checks a parsed query against a resource's
//! [`Capabilities`] and normalises literals to the property types.

use std::slice;

use crate::ast::{CmpOp, Expr, LeafSpan, Literal, PathDisplay, Query, Search};
use crate::caps::{Capabilities, PropType, QueryOption, SearchSupport};
use crate::datetime;
use crate::error::QueryError;

impl Query {
    /// Checks the query against what the resource supports, and normalises
    /// filter literals to the property types.
    ///
    /// Checks, in this order (the first failure is returned):
    /// 1. every option present is [allowed](Capabilities::allows) (`$count`
    ///    only when `true`);
    /// 2. `$select` names exist (navigation names included);
    /// 3. `$expand` names are [expandable](Capabilities::expandable);
    /// 4. `$filter` paths exist, name scalar properties and are
    ///    [filterable](Capabilities::filterable), and each literal fits its
    ///    property's type (see [`PropType`]); `null` only with `eq`/`ne`,
    ///    booleans only with `eq`/`ne`;
    /// 5. `$orderby` paths exist, are scalar and
    ///    [sortable](Capabilities::sortable);
    /// 6. the `$search` form matches [`Capabilities::search`]; for
    ///    [`SearchSupport::FieldRequired`] the path must lie inside one of
    ///    the allowed prefixes and must not name a complex value, a
    ///    collection or a navigation. It need not be a property: Graph
    ///    documents search fields that are not (`subject/alternativeName`).
    ///    Terms searches are not checked against properties at all.
    ///
    /// Normalisation (why this takes `&mut self`): an `Int` compared with a
    /// `Double` property becomes `Literal::Double`; a quoted string compared
    /// with a `DateTime` property becomes `Literal::DateTime` if it parses
    /// as a date-time (else it is an error).
    ///
    /// A missing `$search` where it is required is *not* checked here
    /// (single-entity GETs share the capabilities); list handlers call
    /// [`Query::require_search`].
    ///
    /// Error offsets point into the option's decoded value for a query
    /// that came from [`crate::parse_query`]; a hand-built or modified
    /// query may report offset 0.
    pub fn validate(&mut self, caps: &dyn Capabilities) -> Result<(), QueryError> {
        for option in QueryOption::ALL {
            if self.has(option) && !caps.allows(option) {
                return Err(QueryError::new(
                    option.name(),
                    0,
                    format!("{option} is not supported on this resource"),
                ));
            }
        }
        self.check_select(caps)?;
        self.check_expand(caps)?;
        if let Some(filter) = &mut self.filter {
            let mut leaves = self.spans.filter.iter();
            check_expr(filter, &mut leaves, caps)?;
        }
        self.check_orderby(caps)?;
        self.check_search(caps)
    }

    /// The "missing `$search`" check for list endpoints whose resource has
    /// [`SearchSupport::FieldRequired`]: an error naming `$search` (offset
    /// 0) if the query has none, `Ok` otherwise and for other resources.
    pub fn require_search(&self, caps: &dyn Capabilities) -> Result<(), QueryError> {
        match caps.search() {
            SearchSupport::FieldRequired { fields } if self.search.is_none() => {
                Err(QueryError::new(
                    "$search",
                    0,
                    format!(
                        "this collection must be queried with $search=\"<field>:<value>\", \
                         <field> being one of: {}",
                        fields.join(", ")
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Whether `option` is present (for `$count`: `$count=true`).
    pub fn has(&self, option: QueryOption) -> bool {
        match option {
            QueryOption::Top => self.top.is_some(),
            QueryOption::Skip => self.skip.is_some(),
            QueryOption::Count => self.count,
            QueryOption::Select => self.select.is_some(),
            QueryOption::Expand => !self.expand.is_empty(),
            QueryOption::OrderBy => !self.orderby.is_empty(),
            QueryOption::Filter => self.filter.is_some(),
            QueryOption::Search => self.search.is_some(),
        }
    }

    fn check_select(&self, caps: &dyn Capabilities) -> Result<(), QueryError> {
        for (n, name) in self.select.iter().flatten().enumerate() {
            if caps.property(slice::from_ref(name)).is_none() {
                return Err(QueryError::new(
                    "$select",
                    offset(&self.spans.select, n),
                    format!("unknown property '{name}'"),
                ));
            }
        }
        Ok(())
    }

    fn check_expand(&self, caps: &dyn Capabilities) -> Result<(), QueryError> {
        for (n, name) in self.expand.iter().enumerate() {
            if caps.expandable(name) {
                continue;
            }
            let message = match caps.property(slice::from_ref(name)) {
                Some(PropType::Navigation) => format!("'{name}' cannot be expanded here"),
                Some(_) => format!("'{name}' is not a navigation property"),
                None => format!("unknown navigation property '{name}'"),
            };
            return Err(QueryError::new(
                "$expand",
                offset(&self.spans.expand, n),
                message,
            ));
        }
        Ok(())
    }

    fn check_orderby(&self, caps: &dyn Capabilities) -> Result<(), QueryError> {
        for (n, key) in self.orderby.iter().enumerate() {
            let at = offset(&self.spans.orderby, n);
            let shown = PathDisplay(&key.path);
            let fail = |message: String| Err(QueryError::new("$orderby", at, message));
            match caps.property(&key.path) {
                None => return fail(format!("unknown property '{shown}'")),
                Some(ty) if !ty.is_scalar() => {
                    return fail(format!(
                        "cannot sort by '{shown}' ({}); name one of its properties",
                        kind(ty)
                    ));
                }
                Some(_) if !caps.sortable(&key.path) => {
                    return fail(format!(
                        "'{shown}' cannot be used in $orderby on this resource"
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn check_search(&self, caps: &dyn Capabilities) -> Result<(), QueryError> {
        let Some(search) = &self.search else {
            return Ok(());
        };
        let spans = &self.spans.search;
        let term_at = |n: usize| offset(&spans.terms, n);
        let fail = |at: usize, message: String| Err(QueryError::new("$search", at, message));
        match (caps.search(), search) {
            (SearchSupport::None, _) => fail(0, "$search is not supported on this resource".into()),
            (SearchSupport::Terms, Search::Terms(_)) => Ok(()),
            (SearchSupport::SingleTerm, Search::Terms(terms)) => {
                if terms.len() > 1 {
                    fail(
                        term_at(1),
                        "only a single search term is supported here (quote a phrase: \"a b\")"
                            .into(),
                    )
                } else {
                    Ok(())
                }
            }
            (SearchSupport::Terms | SearchSupport::SingleTerm, Search::Field { .. }) => fail(
                term_at(0),
                "field searches (\"path:value\") are not supported here; search for free text"
                    .into(),
            ),
            (SearchSupport::FieldRequired { fields }, Search::Terms(terms)) => {
                let hint = match terms.first() {
                    Some(t) if terms.len() == 1 && t.contains(':') => {
                        format!(" (put it in double quotes: \"{t}\")")
                    }
                    _ => String::new(),
                };
                fail(
                    term_at(0),
                    format!(
                        "expected one field search \"<field>:<value>\", <field> being one of: \
                         {}{hint}",
                        fields.join(", ")
                    ),
                )
            }
            (SearchSupport::FieldRequired { fields }, Search::Field { path, .. }) => {
                let at = term_at(0);
                let shown = PathDisplay(path);
                let allowed = fields.iter().any(|f| {
                    let prefix: Vec<&str> = f.split('/').collect();
                    prefix.len() <= path.len() && prefix.iter().zip(path).all(|(a, b)| *a == b)
                });
                if !allowed {
                    return fail(
                        at,
                        format!(
                            "cannot search on '{shown}'; expected one of: {}",
                            fields.join(", ")
                        ),
                    );
                }
                // The allowed prefixes are the authority: Graph documents search
                // fields that are not schema properties (`subject/alternativeName`),
                // so an unknown path inside a prefix is the store's to interpret.
                // A path that names a complex value is refused.
                match caps.property(path) {
                    Some(ty) if !ty.is_scalar() => fail(
                        at,
                        format!(
                            "'{shown}' is {}: search one of its fields, e.g. \"{shown}/<field>:<value>\"",
                            kind(ty)
                        ),
                    ),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// The recorded offset number `n`, or 0 if there is none.
fn offset(offsets: &[usize], n: usize) -> usize {
    offsets.get(n).copied().unwrap_or(0)
}

/// "a complex property" and the like.
fn kind(ty: PropType) -> &'static str {
    match ty {
        PropType::Complex => "a complex property",
        PropType::Collection => "a collection",
        PropType::Navigation => "a navigation property",
        _ => "a property",
    }
}

fn check_expr(
    expr: &mut Expr,
    leaves: &mut slice::Iter<'_, LeafSpan>,
    caps: &dyn Capabilities,
) -> Result<(), QueryError> {
    match expr {
        Expr::And(l, r) | Expr::Or(l, r) => {
            check_expr(l, leaves, caps)?;
            check_expr(r, leaves, caps)
        }
        Expr::Not(inner) => check_expr(inner, leaves, caps),
        Expr::Compare { path, op, value } => {
            let span = leaves.next();
            let ty = check_filter_path(path, span.map_or(0, |s| s.path), caps)?;
            let at = span.map_or(0, |s| offset(&s.values, 0));
            check_literal(path, ty, *op, value, at)
        }
        Expr::In { path, values } => {
            let span = leaves.next();
            let ty = check_filter_path(path, span.map_or(0, |s| s.path), caps)?;
            for (n, value) in values.iter_mut().enumerate() {
                let at = span.map_or(0, |s| offset(&s.values, n));
                check_literal(path, ty, CmpOp::Eq, value, at)?;
            }
            Ok(())
        }
    }
}

fn check_filter_path(
    path: &[String],
    at: usize,
    caps: &dyn Capabilities,
) -> Result<PropType, QueryError> {
    let shown = PathDisplay(path);
    let fail = |message: String| Err(QueryError::new("$filter", at, message));
    match caps.property(path) {
        None => fail(format!("unknown property '{shown}'")),
        Some(ty) if !ty.is_scalar() => fail(format!(
            "'{shown}' is {} and cannot be compared; compare one of its properties (e.g. {shown}/id)",
            kind(ty)
        )),
        Some(_) if !caps.filterable(path) => fail(format!(
            "'{shown}' cannot be used in $filter on this resource"
        )),
        Some(ty) => Ok(ty),
    }
}

/// What a property of type `ty` takes, for messages.
fn expected(ty: PropType) -> String {
    match ty {
        PropType::String => "a string literal ('…')".into(),
        PropType::Int => "an integer".into(),
        PropType::Double => "a number".into(),
        PropType::Bool => "true or false".into(),
        PropType::DateTime => "a date-time such as 2023-01-01T00:00:00Z".into(),
        PropType::Enum(members) => format!("one of '{}' (quoted)", members.join("', '")),
        PropType::Complex | PropType::Collection | PropType::Navigation => "nothing".into(),
    }
}

fn describe(value: &Literal) -> &'static str {
    match value {
        Literal::Null => "null",
        Literal::Bool(_) => "a boolean",
        Literal::Int(_) => "an integer",
        Literal::Double(_) => "a decimal number",
        Literal::String(_) => "a string",
        Literal::DateTime(_) => "a date-time",
    }
}

fn check_literal(
    path: &[String],
    ty: PropType,
    op: CmpOp,
    value: &mut Literal,
    at: usize,
) -> Result<(), QueryError> {
    let fail = |message: String| Err(QueryError::new("$filter", at, message));
    let equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
    match (ty, &*value) {
        (_, Literal::Null) if !equality => {
            fail(format!("null can only be compared with eq or ne, not {op}"))
        }
        (_, Literal::Null) => Ok(()),
        (PropType::String, Literal::String(_))
        | (PropType::Int, Literal::Int(_))
        | (PropType::Double, Literal::Double(_))
        | (PropType::DateTime, Literal::DateTime(_)) => Ok(()),
        (PropType::Bool, Literal::Bool(_)) if equality => Ok(()),
        (PropType::Bool, Literal::Bool(_)) => fail(format!(
            "booleans can only be compared with eq or ne, not {op}"
        )),
        (PropType::Double, Literal::Int(n)) => {
            // Precision loss above 2^53 is accepted: the property is a Double.
            #[allow(clippy::cast_precision_loss)]
            let x = *n as f64;
            *value = Literal::Double(x);
            Ok(())
        }
        (PropType::DateTime, Literal::String(s)) => match datetime::parse_lenient(s) {
            Ok(dt) => {
                *value = Literal::DateTime(dt);
                Ok(())
            }
            Err(e) => Err(QueryError::new(
                "$filter",
                at + 1 + e.offset,
                format!("expected {}: {}", expected(ty), e.message),
            )),
        },
        (PropType::Enum(members), Literal::String(s)) => {
            if members.contains(&s.as_str()) {
                Ok(())
            } else {
                fail(format!(
                    "'{s}' is not a value of '{}'; expected {}",
                    PathDisplay(path),
                    expected(ty)
                ))
            }
        }
        (ty, value) => fail(format!(
            "'{}' takes {}, found {}",
            PathDisplay(path),
            expected(ty),
            describe(value)
        )),
    }
}
