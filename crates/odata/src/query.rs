//! `parse_query`: splits the raw query string, percent-decodes names and
//! values, and dispatches each system option to its parser.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::ast::Query;
use crate::error::{QueryError, SyntaxError};
use crate::{filter, options, search};

/// The system query options this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Top,
    Skip,
    Count,
    Select,
    Expand,
    OrderBy,
    Filter,
    Search,
    SkipToken,
}

impl Known {
    const ALL: [Known; 9] = [
        Known::Top,
        Known::Skip,
        Known::Count,
        Known::Select,
        Known::Expand,
        Known::OrderBy,
        Known::Filter,
        Known::Search,
        Known::SkipToken,
    ];

    fn name(self) -> &'static str {
        match self {
            Known::Top => "$top",
            Known::Skip => "$skip",
            Known::Count => "$count",
            Known::Select => "$select",
            Known::Expand => "$expand",
            Known::OrderBy => "$orderby",
            Known::Filter => "$filter",
            Known::Search => "$search",
            Known::SkipToken => "$skiptoken",
        }
    }

    /// Case-insensitive lookup (`$orderBy` is `$orderby`).
    fn from_name(name: &str) -> Option<Known> {
        Known::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// Form-decodes one name or value: `+` becomes a space, then `%XX`
/// escapes are decoded (a malformed escape such as `%zz` stays as it is).
fn decode(raw: &str) -> Result<Cow<'_, str>, std::str::Utf8Error> {
    if raw.contains('+') {
        let spaced = raw.replace('+', " ");
        let decoded = percent_decode_str(&spaced).decode_utf8()?;
        Ok(Cow::Owned(decoded.into_owned()))
    } else {
        percent_decode_str(raw).decode_utf8()
    }
}

/// Parses the query string of a Graph request into a [`Query`].
///
/// `raw` is the part of the URL after `?` (a leading `?` is tolerated),
/// still percent-encoded, as axum's `RawQuery` gives it; `None` or `""`
/// give the empty query.
///
/// Rules:
/// * The string is split on `&`, each piece at its first `=`; empty
///   pieces are skipped. Names and values are then decoded as
///   `application/x-www-form-urlencoded`: **`+` means a space** (what
///   Python's `urlencode`, .NET's `HttpUtility` and browsers' forms send)
///   and a literal plus must be sent as `%2B`. One leniency follows from
///   that: in a `$filter` date-time, `2023-01-01T10:00:00 01:00` (a `+`
///   offset that arrived as a space) is read as `+01:00`.
/// * Names are compared case-insensitively. Names not starting with `$`
///   are not OData options and are ignored. An unknown `$name`, a repeated
///   option (`$orderby` and `$orderBy` count as the same), a missing or
///   empty value, and a value that is not UTF-8 once decoded are errors.
/// * Errors carry the option's canonical name and a byte offset into its
///   decoded value. Options are processed left to right and the first
///   error is returned.
///
/// Parsing checks syntax only; call [`Query::validate`] to check the
/// query against what the resource supports.
pub fn parse_query(raw: Option<&str>) -> Result<Query, QueryError> {
    let mut query = Query::default();
    let Some(raw) = raw else {
        return Ok(query);
    };
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    let mut seen: Vec<Known> = Vec::new();
    for piece in raw.split('&') {
        if piece.is_empty() {
            continue;
        }
        let (raw_name, raw_value) = match piece.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (piece, None),
        };
        let name = match decode(raw_name) {
            Ok(name) => name,
            Err(_) => {
                let lossy =
                    String::from_utf8_lossy(&percent_decode_str(raw_name).collect::<Vec<u8>>())
                        .into_owned();
                if !lossy.starts_with('$') {
                    continue;
                }
                return Err(QueryError::new(
                    lossy,
                    0,
                    "option name is not valid UTF-8 after percent-decoding",
                ));
            }
        };
        if !name.starts_with('$') {
            continue;
        }
        let Some(known) = Known::from_name(&name) else {
            let supported: Vec<&str> = Known::ALL.iter().map(|k| k.name()).collect();
            return Err(QueryError::new(
                name.as_ref(),
                0,
                format!(
                    "unknown system query option '{name}'; supported options are {}",
                    supported.join(", ")
                ),
            ));
        };
        let option = known.name();
        if seen.contains(&known) {
            return Err(QueryError::new(
                option,
                0,
                format!("{option} is given more than once"),
            ));
        }
        seen.push(known);
        let value = decode(raw_value.unwrap_or("")).map_err(|e| {
            QueryError::new(
                option,
                e.valid_up_to(),
                "value is not valid UTF-8 after percent-decoding",
            )
        })?;
        if value.is_empty() {
            return Err(QueryError::new(
                option,
                0,
                format!("expected a value for {option}"),
            ));
        }
        apply(&mut query, known, &value).map_err(|e| e.for_option(option))?;
    }
    Ok(query)
}

/// Parses one option's decoded value into `query`.
fn apply(query: &mut Query, option: Known, value: &str) -> Result<(), SyntaxError> {
    match option {
        Known::Top => query.top = Some(options::non_negative(value)?),
        Known::Skip => query.skip = Some(options::non_negative(value)?),
        Known::Count => query.count = options::boolean(value)?,
        Known::Select => {
            let (names, offsets) = options::select(value)?;
            query.select = Some(names);
            query.spans.select = offsets;
        }
        Known::Expand => {
            let (names, offsets) = options::expand(value)?;
            query.expand = names;
            query.spans.expand = offsets;
        }
        Known::OrderBy => {
            let (keys, offsets) = options::orderby(value)?;
            query.orderby = keys;
            query.spans.orderby = offsets;
        }
        Known::Filter => {
            let (expr, leaves) = filter::parse(value)?;
            query.filter = Some(expr);
            query.spans.filter = leaves;
        }
        Known::Search => {
            let (search, spans) = search::parse(value)?;
            query.search = Some(search);
            query.spans.search = spans;
        }
        Known::SkipToken => query.skiptoken = Some(value.to_owned()),
    }
    Ok(())
}
