//! The `$filter` parser: winnow's Pratt parser (`combinator::expression`)
//! for `or` < `and` < `not`, with comparisons and `in` as operands.
//!
//! Grammar (keywords lower case, whitespace flexible):
//!
//! ```text
//! expr       := expr "or" expr | expr "and" expr | "not" notarg | operand
//! notarg     := "(" expr ")" | "not" notarg
//! operand    := "(" expr ")" | comparison
//! comparison := value cmp value          (one side a path, the other a literal)
//!             | path "in" "(" literal ("," literal)* ")"
//! cmp        := "eq" | "ne" | "gt" | "ge" | "lt" | "le"
//! ```
//!
//! `not` binds tighter than comparisons (as in OData), so `not a eq 1` would
//! negate the bare property `a`; since bare boolean properties are not part
//! of our subset, `not` must be followed by `(` (or another `not`).

use winnow::Parser;
use winnow::combinator::{Infix, Prefix, expression};
use winnow::error::ErrMode;
use winnow::stream::Stream;

use crate::ast::{CmpOp, Expr, LeafSpan, Literal};
use crate::error::SyntaxError;
use crate::lexer::{
    In, PResult, at_keyword, backtrack, cut, finish, found, input, keyword, literal, path,
    peek_char, peek_word, pos, rest, ws,
};

/// Deepest nesting of parentheses and `not` accepted.
pub const MAX_NESTING: usize = 32;

/// Deepest expression tree accepted (a chain of `n` `and`/`or` operators
/// has depth `n + 1`). Keeps recursion in `Drop`, `Display` and validation
/// bounded; long alternatives should use `in (…)`.
pub const MAX_DEPTH: usize = 256;

/// A parsed sub-expression with the positions of its leaves and its depth.
#[derive(Debug)]
struct Node {
    expr: Expr,
    leaves: Vec<LeafSpan>,
    depth: usize,
}

/// Binding powers: `or` < `and` < `not`.
const OR: i64 = 1;
const AND: i64 = 2;
const NOT: i64 = 3;

/// Parses a whole `$filter` value.
pub(crate) fn parse(src: &str) -> Result<(Expr, Vec<LeafSpan>), SyntaxError> {
    let mut i = input(src);
    let node = expr(&mut i).map_err(|e| finish(e, src.len()))?;
    ws(&mut i).map_err(|e| finish(e, src.len()))?;
    if i.eof_offset() > 0 {
        return Err(trailing(&i));
    }
    Ok((node.expr, node.leaves))
}

/// The error for input left over after a complete expression.
fn trailing(i: &In<'_>) -> SyntaxError {
    let at = pos(i);
    let word = peek_word(i);
    let message = if peek_char(i) == Some(')') {
        "unbalanced ')': no matching '('".to_owned()
    } else if matches!(word, "AND" | "OR" | "And" | "Or") {
        format!(
            "expected 'and', 'or' or end of filter, found '{word}' (keywords are lower case: '{}')",
            word.to_ascii_lowercase()
        )
    } else {
        format!("expected 'and', 'or' or end of filter, found {}", found(i))
    };
    SyntaxError::new(at, message)
}

fn expr(i: &mut In<'_>) -> PResult<Node> {
    expression(operand)
        .prefix(prefix)
        .infix(infix)
        .parse_next(i)
}

fn prefix<'a>(i: &mut In<'a>) -> PResult<Prefix<In<'a>, Node, ErrMode<SyntaxError>>> {
    ws(i)?;
    let at = pos(i);
    if !keyword(i, "not") {
        let word = peek_word(i);
        let message = if matches!(word, "NOT" | "Not") {
            format!("found '{word}': keywords are lower case, write 'not'")
        } else {
            format!(
                "expected a condition (a property path, a literal, '(' or 'not'), found {}",
                found(i)
            )
        };
        return backtrack(at, message);
    }
    enter(i, at)?;
    ws(i)?;
    if peek_char(i) != Some('(') && !at_keyword(i, "not") {
        return cut(
            pos(i),
            format!(
                "expected '(' after 'not', found {} ('not' binds tighter than comparisons: \
                 write not (a eq 1))",
                found(i)
            ),
        );
    }
    Ok(Prefix(NOT, fold_not))
}

fn infix<'a>(i: &mut In<'a>) -> PResult<Infix<In<'a>, Node, ErrMode<SyntaxError>>> {
    ws(i)?;
    if keyword(i, "and") {
        Ok(Infix::Left(AND, fold_and))
    } else if keyword(i, "or") {
        Ok(Infix::Left(OR, fold_or))
    } else {
        backtrack(pos(i), "expected 'and' or 'or'")
    }
}

/// One more level of `(` or `not`, refused past [`MAX_NESTING`].
fn enter(i: &mut In<'_>, at: usize) -> PResult<()> {
    i.state.0 += 1;
    if i.state.0 > MAX_NESTING {
        return cut(
            at,
            format!("filter nested too deeply (more than {MAX_NESTING} levels of '(' and 'not')"),
        );
    }
    Ok(())
}

fn leave(i: &mut In<'_>) {
    i.state.0 = i.state.0.saturating_sub(1);
}

fn combine(i: &In<'_>, depth: usize) -> PResult<usize> {
    if depth > MAX_DEPTH {
        return cut(
            pos(i),
            format!(
                "filter too complex (more than {MAX_DEPTH} nested operators); \
                 use 'in (…)' for long lists of alternatives"
            ),
        );
    }
    Ok(depth)
}

fn fold_not(i: &mut In<'_>, inner: Node) -> PResult<Node> {
    leave(i);
    let depth = combine(i, inner.depth + 1)?;
    Ok(Node {
        expr: Expr::Not(Box::new(inner.expr)),
        leaves: inner.leaves,
        depth,
    })
}

fn fold_binary(
    i: &In<'_>,
    l: Node,
    r: Node,
    make: fn(Box<Expr>, Box<Expr>) -> Expr,
) -> PResult<Node> {
    let depth = combine(i, l.depth.max(r.depth) + 1)?;
    let mut leaves = l.leaves;
    leaves.extend(r.leaves);
    Ok(Node {
        expr: make(Box::new(l.expr), Box::new(r.expr)),
        leaves,
        depth,
    })
}

fn fold_and(i: &mut In<'_>, l: Node, r: Node) -> PResult<Node> {
    fold_binary(i, l, r, Expr::And)
}

fn fold_or(i: &mut In<'_>, l: Node, r: Node) -> PResult<Node> {
    fold_binary(i, l, r, Expr::Or)
}

/// `( expr )` or a comparison. Backtracks on `not` and on anything that
/// cannot start an operand, so the Pratt parser tries the prefix operator.
fn operand(i: &mut In<'_>) -> PResult<Node> {
    ws(i)?;
    if peek_char(i) == Some('(') {
        return parenthesised(i);
    }
    if at_keyword(i, "not") {
        return backtrack(pos(i), "'not' is an operator");
    }
    comparison(i)
}

fn parenthesised(i: &mut In<'_>) -> PResult<Node> {
    let open = pos(i);
    let _ = i.next_token();
    enter(i, open)?;
    let node = expr(i).map_err(ErrMode::cut)?;
    ws(i)?;
    if peek_char(i) != Some(')') {
        return cut(
            pos(i),
            format!(
                "expected 'and', 'or' or ')' to close the '(' at offset {open}, found {}",
                found(i)
            ),
        );
    }
    let _ = i.next_token();
    leave(i);
    Ok(node)
}

/// One side of a comparison.
enum Side {
    Path(usize, Vec<String>),
    Literal(usize, Literal),
}

/// A literal or a property path; backtracks if neither starts here.
fn side(i: &mut In<'_>) -> PResult<Side> {
    match literal(i) {
        Ok((at, lit)) => return Ok(Side::Literal(at, lit)),
        Err(ErrMode::Backtrack(_)) => {}
        Err(e) => return Err(e),
    }
    let (at, segments) = path(i)?;
    reject_call(i, at, &segments)?;
    Ok(Side::Path(at, segments))
}

/// `name(` or `path/any(`: functions and lambdas are outside our subset.
fn reject_call(i: &mut In<'_>, at: usize, segments: &[String]) -> PResult<()> {
    let start = i.checkpoint();
    ws(i)?;
    let is_call = peek_char(i) == Some('(');
    i.reset(&start);
    if !is_call {
        return Ok(());
    }
    let last = segments.last().map(String::as_str).unwrap_or_default();
    let message = if segments.len() == 1 && matches!(last, "NOT" | "Not") {
        format!("found '{last}': keywords are lower case, write 'not'")
    } else if segments.len() > 1 && matches!(last, "any" | "all") {
        format!("lambda operator '{last}' is not supported")
    } else if segments.len() == 1 {
        format!(
            "function '{last}' is not supported; $filter accepts comparisons (eq, ne, gt, ge, \
             lt, le), 'in', 'and', 'or' and 'not'"
        )
    } else {
        "expected a comparison operator after a property path; functions are not supported"
            .to_owned()
    };
    cut(at, message)
}

/// `value op value` or `path in (…)`.
fn comparison(i: &mut In<'_>) -> PResult<Node> {
    let lhs = side(i)?;
    ws(i)?;
    let op_at = pos(i);
    let word = peek_word(i);
    let op = match word {
        "in" => None,
        _ => match CmpOp::from_keyword(word) {
            Some(op) => Some(op),
            None => return cut(op_at, operator_error(i, word, &lhs)),
        },
    };
    let _ = i.next_slice(word.len());
    ws(i)?;
    let Some(op) = op else {
        return in_list(i, lhs);
    };
    let rhs_at = pos(i);
    let rhs = match side(i) {
        Ok(rhs) => rhs,
        Err(ErrMode::Backtrack(_)) => {
            return cut(
                rhs_at,
                format!("expected a literal value after '{op}', found {}", found(i)),
            );
        }
        Err(e) => return Err(e),
    };
    let (path_at, path, value_at, op, value) = match (lhs, rhs) {
        (Side::Path(pa, path), Side::Literal(va, value)) => (pa, path, va, op, value),
        (Side::Literal(va, value), Side::Path(pa, path)) => (pa, path, va, op.flipped(), value),
        (Side::Path(..), Side::Path(pa, path)) => {
            let word = path.join("/");
            let hint = if matches!(
                word.to_ascii_lowercase().as_str(),
                "true" | "false" | "null"
            ) {
                format!(
                    " (literals are lower case: '{}')",
                    word.to_ascii_lowercase()
                )
            } else {
                String::new()
            };
            return cut(
                pa,
                format!(
                    "expected a literal value, found property '{word}': comparing two \
                     properties is not supported{hint}"
                ),
            );
        }
        (Side::Literal(..), Side::Literal(va, _)) => {
            return cut(
                va,
                "expected a property path: comparing two literals is not supported",
            );
        }
    };
    Ok(Node {
        expr: Expr::Compare { path, op, value },
        leaves: vec![LeafSpan {
            path: path_at,
            values: vec![value_at],
        }],
        depth: 1,
    })
}

/// The message for a missing or unsupported comparison operator.
fn operator_error(i: &In<'_>, word: &str, lhs: &Side) -> String {
    let lower = word.to_ascii_lowercase();
    if CmpOp::from_keyword(&lower).is_some() || lower == "in" {
        return format!("found '{word}': operators are lower case, write '{lower}'");
    }
    match word {
        "has" | "add" | "sub" | "mul" | "div" | "divby" | "mod" => {
            format!("operator '{word}' is not supported; expected eq, ne, gt, ge, lt, le or in")
        }
        "and" | "or" => {
            let what = match lhs {
                Side::Path(_, p) => format!("property '{}'", p.join("/")),
                Side::Literal(..) => "a literal".to_owned(),
            };
            format!(
                "expected a comparison operator (eq, ne, gt, ge, lt, le, in) after {what}, \
                 found '{word}'"
            )
        }
        _ => format!(
            "expected a comparison operator (eq, ne, gt, ge, lt, le or in), found {}",
            found(i)
        ),
    }
}

/// `path in ( literal, … )`, after the `in` keyword.
fn in_list(i: &mut In<'_>, lhs: Side) -> PResult<Node> {
    let (path_at, path) = match lhs {
        Side::Path(at, path) => (at, path),
        Side::Literal(at, _) => {
            return cut(at, "the left side of 'in' must be a property path");
        }
    };
    if peek_char(i) != Some('(') {
        return cut(
            pos(i),
            format!("expected '(' after 'in', found {}", found(i)),
        );
    }
    let _ = i.next_token();
    let mut values = Vec::new();
    let mut offsets = Vec::new();
    loop {
        ws(i)?;
        let at = pos(i);
        match literal(i) {
            Ok((at, lit)) => {
                values.push(lit);
                offsets.push(at);
            }
            Err(ErrMode::Backtrack(_)) => {
                let what = if values.is_empty() && peek_char(i) == Some(')') {
                    "expected at least one literal value in the 'in' list".to_owned()
                } else if rest(i).starts_with(crate::lexer::is_ident_start) {
                    format!(
                        "expected a literal value in the 'in' list, found {}: properties \
                         cannot appear there",
                        found(i)
                    )
                } else {
                    format!(
                        "expected a literal value in the 'in' list, found {}",
                        found(i)
                    )
                };
                return cut(at, what);
            }
            Err(e) => return Err(e),
        }
        ws(i)?;
        match peek_char(i) {
            Some(',') => {
                let _ = i.next_token();
            }
            Some(')') => {
                let _ = i.next_token();
                break;
            }
            _ => {
                return cut(
                    pos(i),
                    format!("expected ',' or ')' in the 'in' list, found {}", found(i)),
                );
            }
        }
    }
    Ok(Node {
        expr: Expr::In { path, values },
        leaves: vec![LeafSpan {
            path: path_at,
            values: offsets,
        }],
        depth: 1,
    })
}
