//! Parsers for the simple options: `$top`, `$skip`, `$count`, `$select`,
//! `$expand` and `$orderby`.

use winnow::error::ErrMode;
use winnow::stream::Stream;

use crate::ast::OrderBy;
use crate::error::SyntaxError;
use crate::lexer::{
    In, PResult, at_keyword, cut, finish, found, ident, input, path, peek_char, peek_word, pos, ws,
};

/// `$top` / `$skip`: a non-negative decimal integer.
pub(crate) fn non_negative(value: &str) -> Result<u64, SyntaxError> {
    if let Some(at) = value.find(|c: char| !c.is_ascii_digit()) {
        let what = if value.starts_with('-') {
            "expected a non-negative integer, found a negative number"
        } else {
            "expected a non-negative integer (digits only)"
        };
        return Err(SyntaxError::new(at, what));
    }
    value
        .parse::<u64>()
        .map_err(|_| SyntaxError::new(0, "integer too large"))
}

/// `$count`: `true` or `false`.
pub(crate) fn boolean(value: &str) -> Result<bool, SyntaxError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(SyntaxError::new(
            0,
            format!("expected 'true' or 'false', found '{value}'"),
        )),
    }
}

/// Runs a list parser over a whole value and maps its error.
fn run<T>(value: &str, parser: impl FnOnce(&mut In<'_>) -> PResult<T>) -> Result<T, SyntaxError> {
    let mut i = input(value);
    parser(&mut i).map_err(|e| finish(e, value.len()))
}

/// After a list item: `,` (consumed, returns true), end of input (false),
/// or an error naming what was expected.
fn separator(i: &mut In<'_>, option: &str, extra: &str) -> PResult<bool> {
    ws(i)?;
    match peek_char(i) {
        None => Ok(false),
        Some(',') => {
            let _ = i.next_token();
            ws(i)?;
            Ok(true)
        }
        Some(_) => cut(
            pos(i),
            format!("expected ','{extra} or end of {option}, found {}", found(i)),
        ),
    }
}

/// `name, name, …` for `$select`/`$expand`; returns names and offsets.
fn name_list(
    i: &mut In<'_>,
    option: &str,
    nested: &str,
    options_hint: &str,
) -> PResult<(Vec<String>, Vec<usize>)> {
    let mut names = Vec::new();
    let mut offsets = Vec::new();
    ws(i)?;
    loop {
        let at = pos(i);
        let name = match ident(i) {
            Ok(name) => name,
            Err(ErrMode::Backtrack(_)) => {
                let message = match peek_char(i) {
                    Some('*') => format!("'*' is not supported in {option}; list the names"),
                    _ => format!("expected a property name, found {}", found(i)),
                };
                return cut(at, message);
            }
            Err(e) => return Err(e),
        };
        match peek_char(i) {
            Some('/') => return cut(pos(i), nested.to_owned()),
            Some('(') => return cut(pos(i), options_hint.to_owned()),
            Some('.') => {
                return cut(
                    pos(i),
                    "qualified names (type casts) are not supported".to_owned(),
                );
            }
            _ => {}
        }
        names.push(name.to_owned());
        offsets.push(at);
        if !separator(i, option, "")? {
            return Ok((names, offsets));
        }
    }
}

/// `$select=a,b`: plain names; nested paths are refused.
pub(crate) fn select(value: &str) -> Result<(Vec<String>, Vec<usize>), SyntaxError> {
    run(value, |i| {
        name_list(
            i,
            "$select",
            "nested paths are not supported in $select: select the whole property \
             (e.g. parentHost, not parentHost/id)",
            "expected ',' or end of $select, found '('",
        )
    })
}

/// `$expand=a,b`: plain navigation names, without nested options.
pub(crate) fn expand(value: &str) -> Result<(Vec<String>, Vec<usize>), SyntaxError> {
    run(value, |i| {
        name_list(
            i,
            "$expand",
            "expected a navigation property name: paths are not supported in $expand",
            "nested query options in $expand are not supported",
        )
    })
}

/// `$orderby=path [asc|desc], …`; returns keys and the offset of each path.
pub(crate) fn orderby(value: &str) -> Result<(Vec<OrderBy>, Vec<usize>), SyntaxError> {
    run(value, |i| {
        let mut keys = Vec::new();
        let mut offsets = Vec::new();
        ws(i)?;
        loop {
            let at = pos(i);
            let (at, segments) = match path(i) {
                Ok(p) => p,
                Err(ErrMode::Backtrack(_)) => {
                    return cut(at, format!("expected a property path, found {}", found(i)));
                }
                Err(e) => return Err(e),
            };
            if peek_char(i) == Some('(') {
                return cut(
                    at,
                    format!(
                        "function '{}' is not supported in $orderby",
                        segments.join("/")
                    ),
                );
            }
            ws(i)?;
            let word_at = pos(i);
            let mut extra = "";
            let descending = if at_keyword(i, "asc") {
                let _ = i.next_slice(3);
                false
            } else if at_keyword(i, "desc") {
                let _ = i.next_slice(4);
                true
            } else {
                extra = ", 'asc', 'desc'";
                let word = peek_word(i);
                let lower = word.to_ascii_lowercase();
                if lower == "asc" || lower == "desc" {
                    return cut(
                        word_at,
                        format!("found '{word}': write '{lower}' in lower case"),
                    );
                }
                if !word.is_empty() {
                    return cut(
                        word_at,
                        format!("expected 'asc', 'desc', ',' or end of $orderby, found '{word}'"),
                    );
                }
                false
            };
            keys.push(OrderBy {
                path: segments,
                descending,
            });
            offsets.push(at);
            if !separator(i, "$orderby", extra)? {
                return Ok((keys, offsets));
            }
        }
    })
}
