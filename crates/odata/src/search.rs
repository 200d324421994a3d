//! The `$search` parser: free-text terms or one `"path:value"` field search.
//!
//! ```text
//! search := term (WS term)*
//! term   := '"' (char | '\"' | '\\')+ '"'  |  bare
//! bare   := one or more characters other than whitespace and '"'
//! ```
//!
//! A quoted term whose text is `path:value` (identifiers separated by `/`,
//! then `:`, then a non-empty value) is a field search and must be the only
//! term. Everything else is a free-text term. The OData search operators
//! `AND`, `OR`, `NOT` are not supported (quote them to search for the word).

use crate::ast::{Search, SearchSpans};
use crate::error::SyntaxError;
use crate::lexer::{MAX_IDENT_LEN, is_ident_char, is_ident_start, is_ws};

struct Term {
    at: usize,
    text: String,
    quoted: bool,
}

/// Parses a whole `$search` value.
pub(crate) fn parse(src: &str) -> Result<(Search, SearchSpans), SyntaxError> {
    let mut terms = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if is_ws(c) {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.peek() {
                        Some(&(_, next @ ('"' | '\\'))) => {
                            text.push(next);
                            chars.next();
                        }
                        _ => text.push('\\'),
                    },
                    _ => text.push(c),
                }
            }
            if !closed {
                return Err(SyntaxError::new(
                    at,
                    "unterminated quoted search phrase: expected a closing '\"' (a '&' or '#' \
                     inside a value must be percent-encoded as %26 or %23)",
                ));
            }
            if text.is_empty() {
                return Err(SyntaxError::new(at, "empty search phrase"));
            }
            if let Some(&(after, next)) = chars.peek()
                && !is_ws(next)
            {
                return Err(SyntaxError::new(
                    after,
                    format!(
                        "expected whitespace or end of $search after the closing '\"', found '{next}'"
                    ),
                ));
            }
            terms.push(Term {
                at,
                text,
                quoted: true,
            });
        } else {
            let mut text = String::new();
            while let Some(&(inner, c)) = chars.peek() {
                if is_ws(c) {
                    break;
                }
                if c == '"' {
                    return Err(SyntaxError::new(
                        inner,
                        "unexpected '\"' inside a search term: quote the whole phrase",
                    ));
                }
                text.push(c);
                chars.next();
            }
            if matches!(text.as_str(), "AND" | "OR" | "NOT") {
                return Err(SyntaxError::new(
                    at,
                    format!(
                        "search operator {text} is not supported; give terms separated by \
                         spaces, or quote \"{text}\" to search for the word"
                    ),
                ));
            }
            terms.push(Term {
                at,
                text,
                quoted: false,
            });
        }
    }
    if terms.is_empty() {
        return Err(SyntaxError::new(0, "expected a search term"));
    }
    for (n, term) in terms.iter().enumerate() {
        if !term.quoted {
            continue;
        }
        let Some((path, value)) = field_form(&term.text) else {
            continue;
        };
        let path_at = term.at + 1;
        let value_at = path_at + path.len() + 1;
        if value.is_empty() {
            return Err(SyntaxError::new(value_at, "expected a value after ':'"));
        }
        if terms.len() > 1 {
            return Err(SyntaxError::new(
                terms[if n == 0 { 1 } else { 0 }].at,
                "a \"path:value\" field search must be the only search term",
            ));
        }
        // Paths cannot contain escapes, so both offsets are exact.
        let segments = path.split('/').map(str::to_owned).collect();
        let spans = SearchSpans {
            terms: vec![path_at],
            value: value_at,
        };
        return Ok((
            Search::Field {
                path: segments,
                value: value.to_owned(),
            },
            spans,
        ));
    }
    let spans = SearchSpans {
        terms: terms.iter().map(|t| t.at).collect(),
        value: 0,
    };
    Ok((
        Search::Terms(terms.into_iter().map(|t| t.text).collect()),
        spans,
    ))
}

/// Splits `path:value` when the part before the first `:` is a property
/// path (`seg(/seg)*`).
fn field_form(text: &str) -> Option<(&str, &str)> {
    let (path, value) = text.split_once(':')?;
    let is_segment = |s: &str| {
        !s.is_empty()
            && s.len() <= MAX_IDENT_LEN
            && s.starts_with(is_ident_start)
            && s.chars().all(is_ident_char)
    };
    path.split('/').all(is_segment).then_some((path, value))
}
