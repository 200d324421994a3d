//! Token-level winnow parsers shared by `$filter`, `$orderby`, `$select` and
//! `$expand`: whitespace, identifiers, property paths, keywords, literals.
//!
//! Convention: a parser returns `ErrMode::Backtrack` only when nothing it
//! recognises starts at the current position (and it consumed nothing);
//! once it has seen the start of its token, every problem is an
//! `ErrMode::Cut` with an offset and an "expected …" message.

use winnow::Parser;
use winnow::error::{ErrMode, ModalResult};
use winnow::stream::{LocatingSlice, Location, Stateful, Stream};
use winnow::token::{one_of, take_while};

use crate::ast::Literal;
use crate::datetime;
use crate::error::SyntaxError;

/// Longest identifier accepted (OData's limit).
pub(crate) const MAX_IDENT_LEN: usize = 128;

/// Parser state: how deeply parentheses and `not` are nested right now.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Nesting(pub(crate) usize);

/// The input of every parser in the crate: the option's decoded value,
/// with byte positions and the nesting counter.
pub(crate) type In<'a> = Stateful<LocatingSlice<&'a str>, Nesting>;

/// Result of a parser over [`In`].
pub(crate) type PResult<T> = ModalResult<T, SyntaxError>;

/// Wraps an option value for parsing.
pub(crate) fn input(value: &str) -> In<'_> {
    Stateful {
        input: LocatingSlice::new(value),
        state: Nesting(0),
    }
}

/// The not-yet-consumed rest of the input.
pub(crate) fn rest<'a>(i: &In<'a>) -> &'a str {
    *i.input
}

/// Byte offset of the next token.
pub(crate) fn pos(i: &In<'_>) -> usize {
    i.current_token_start()
}

/// An unrecoverable error at `offset`.
pub(crate) fn cut<T>(offset: usize, message: impl Into<String>) -> PResult<T> {
    Err(ErrMode::Cut(SyntaxError::new(offset, message)))
}

/// A recoverable "not here" error at `offset`.
pub(crate) fn backtrack<T>(offset: usize, message: impl Into<String>) -> PResult<T> {
    Err(ErrMode::Backtrack(SyntaxError::new(offset, message)))
}

/// Turns a winnow error into the plain syntax error.
pub(crate) fn finish(err: ErrMode<SyntaxError>, at: usize) -> SyntaxError {
    match err {
        ErrMode::Backtrack(e) | ErrMode::Cut(e) => e,
        ErrMode::Incomplete(_) => SyntaxError::new(at, "unexpected end of input"),
    }
}

pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Optional whitespace.
pub(crate) fn ws(i: &mut In<'_>) -> PResult<()> {
    take_while(0.., is_ws).void().parse_next(i)
}

/// The next character, if any.
pub(crate) fn peek_char(i: &In<'_>) -> Option<char> {
    rest(i).chars().next()
}

/// The run of identifier characters at the current position (maybe empty).
pub(crate) fn peek_word<'a>(i: &In<'a>) -> &'a str {
    let r = rest(i);
    let end = r.find(|c: char| !is_ident_char(c)).unwrap_or(r.len());
    &r[..end]
}

/// Whether `word` is next, as a whole word.
pub(crate) fn at_keyword(i: &In<'_>, word: &str) -> bool {
    peek_word(i) == word
}

/// Consumes `word` if it is next as a whole word.
pub(crate) fn keyword(i: &mut In<'_>, word: &str) -> bool {
    if at_keyword(i, word) {
        let _ = i.next_slice(word.len());
        true
    } else {
        false
    }
}

/// Describes what is at the current position, for "found …" in messages.
pub(crate) fn found(i: &In<'_>) -> String {
    let word = peek_word(i);
    if !word.is_empty() {
        let shown: String = word.chars().take(40).collect();
        return format!("'{shown}'");
    }
    match peek_char(i) {
        None => "end of input".to_owned(),
        Some(c) if c.is_control() || c.is_whitespace() => format!("{c:?}"),
        Some(c) => format!("'{c}'"),
    }
}

/// An identifier: `[A-Za-z_][A-Za-z0-9_]*`, at most [`MAX_IDENT_LEN`] bytes.
/// Backtracks if none starts here.
pub(crate) fn ident<'a>(i: &mut In<'a>) -> PResult<&'a str> {
    let start = pos(i);
    let name = (one_of(is_ident_start), take_while(0.., is_ident_char))
        .take()
        .parse_next(i)?;
    if name.len() > MAX_IDENT_LEN {
        return cut(
            start,
            format!("name longer than {MAX_IDENT_LEN} characters"),
        );
    }
    Ok(name)
}

/// A property path `seg(/seg)*`, with its start offset. Backtracks if no
/// identifier starts here. Rejects OData features beyond our subset
/// (qualified names, type casts) with a cut error.
pub(crate) fn path(i: &mut In<'_>) -> PResult<(usize, Vec<String>)> {
    let start = pos(i);
    let first = ident(i)?;
    let mut segments = vec![first.to_owned()];
    loop {
        match peek_char(i) {
            Some('/') => {
                let _ = i.next_token();
                let at = pos(i);
                match ident(i) {
                    Ok(seg) => segments.push(seg.to_owned()),
                    Err(ErrMode::Backtrack(_)) => {
                        return cut(
                            at,
                            format!("expected a property name after '/', found {}", found(i)),
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
            Some('.') => {
                return cut(
                    pos(i),
                    "qualified names (type casts, enum or function names with a namespace) \
                     are not supported; use plain property names",
                );
            }
            _ => return Ok((start, segments)),
        }
    }
}

/// A literal value with its start offset. Backtracks if no literal starts
/// here (so the caller can try a property path).
pub(crate) fn literal(i: &mut In<'_>) -> PResult<(usize, Literal)> {
    let start = pos(i);
    let r = rest(i);
    let mut chars = r.chars();
    let first = chars.next();
    let second = chars.next();
    match first {
        Some('\'') => string(i).map(|s| (start, Literal::String(s))),
        Some(c) if c.is_ascii_digit() => number_or_datetime(i).map(|l| (start, l)),
        Some('-' | '+') if second.is_some_and(|c| c.is_ascii_digit()) => {
            number_or_datetime(i).map(|l| (start, l))
        }
        _ => {
            let lit = match peek_word(i) {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => return backtrack(start, format!("expected a literal, found {}", found(i))),
            };
            let word = peek_word(i);
            let _ = i.next_slice(word.len());
            Ok((start, lit))
        }
    }
}

/// `'…'` with `''` standing for one quote.
pub(crate) fn string(i: &mut In<'_>) -> PResult<String> {
    let start = pos(i);
    let _ = i.next_token(); // the opening quote
    let mut out = String::new();
    loop {
        let r = rest(i);
        let Some(end) = r.find('\'') else {
            return cut(
                start,
                "unterminated string literal: expected a closing ' \
                 (write '' for a quote inside; a '&' or '#' inside a value must be \
                 percent-encoded as %26 or %23)",
            );
        };
        out.push_str(&r[..end]);
        let _ = i.next_slice(end + 1);
        if peek_char(i) == Some('\'') {
            out.push('\'');
            let _ = i.next_token();
        } else {
            return Ok(out);
        }
    }
}

/// Characters that may not directly follow a number or date-time literal.
fn glued(c: char) -> bool {
    is_ident_char(c) || matches!(c, '.' | '-' | '+' | ':' | '\'')
}

/// A number (`Int` or `Double`) or an unquoted `DateTimeOffset`.
fn number_or_datetime(i: &mut In<'_>) -> PResult<Literal> {
    let start = pos(i);
    let r = rest(i);
    if datetime::looks_like_date(r) {
        return datetime_literal(i);
    }
    // [sign] digits [. digits] [e [sign] digits]
    let b = r.as_bytes();
    let mut n = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        n += 1;
    }
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    n += digits(n);
    let mut is_double = false;
    if b.get(n) == Some(&b'.') {
        let d = digits(n + 1);
        if d == 0 {
            return cut(start + n + 1, "expected digits after '.' in a number");
        }
        n += 1 + d;
        is_double = true;
    }
    if matches!(b.get(n), Some(b'e' | b'E')) {
        let mut m = n + 1;
        if matches!(b.get(m), Some(b'-' | b'+')) {
            m += 1;
        }
        let d = digits(m);
        if d == 0 {
            return cut(start + m, "expected exponent digits in a number");
        }
        n = m + d;
        is_double = true;
    }
    let text = &r[..n];
    if let Some(c) = r[n..].chars().next().filter(|&c| glued(c)) {
        return cut(
            start + n,
            format!(
                "unexpected '{c}' after the number {text} (number suffixes, GUID, date and \
                 duration literals are not supported)"
            ),
        );
    }
    let _ = i.next_slice(n);
    if is_double {
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Literal::Double(x)),
            _ => cut(start, format!("number {text} is out of range for a Double")),
        }
    } else {
        match text.parse::<i64>() {
            Ok(v) => Ok(Literal::Int(v)),
            Err(_) => cut(start, format!("integer {text} is out of range for Int64")),
        }
    }
}

/// An unquoted `DateTimeOffset` such as `2023-01-01T00:00:00Z`.
///
/// Leniency: a form-encoded `+` in the offset arrives as a space
/// (`…T10:00:00 01:00`); a space followed by `hh:mm` right after the time
/// is read as `+hh:mm`, since nothing else can follow there.
fn datetime_literal(i: &mut In<'_>) -> PResult<Literal> {
    let start = pos(i);
    let r = rest(i);
    let len = r
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '+' | '-')))
        .unwrap_or(r.len());
    let token = &r[..len];
    let mut text = token.to_owned();
    let mut consumed = len;
    let after = &r[len..];
    let has_offset = token.len() > 10 && token[10..].contains(['Z', 'z', '+', '-']);
    if !has_offset && token.len() > 10 {
        let b = after.as_bytes();
        let spaced_offset = b.len() >= 6
            && b[0] == b' '
            && b[1].is_ascii_digit()
            && b[2].is_ascii_digit()
            && b[3] == b':'
            && b[4].is_ascii_digit()
            && b[5].is_ascii_digit()
            && !after[6..].starts_with(|c: char| glued(c));
        if spaced_offset {
            text.push('+');
            text.push_str(&after[1..6]);
            consumed += 6;
        }
    }
    match datetime::parse(&text) {
        Ok(dt) => {
            let _ = i.next_slice(consumed);
            Ok(Literal::DateTime(dt))
        }
        Err(_) if len == 10 => cut(
            start,
            "date literals are not supported; write a date-time such as 2023-01-01T00:00:00Z",
        ),
        Err(e) => cut(
            start + e.offset.min(len),
            format!("invalid date-time literal: {}", e.message),
        ),
    }
}
