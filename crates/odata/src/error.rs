//! `QueryError`, the one error type of the crate, and the parsers' internal
//! syntax error.

use winnow::error::ParserError;
use winnow::stream::{Location, Stream};

/// A query option that could not be parsed or is not allowed.
///
/// `option` is the canonical lower-case name of a known option (`"$filter"`,
/// `"$orderby"` even when the request said `$orderBy`) or, for an unknown
/// option, the name as the client sent it (after percent-decoding).
/// `offset` is a byte offset into that option's percent-decoded value
/// (0 for problems with the option as a whole). `message` says what was
/// expected there.
///
/// Displays as `Invalid $filter at offset 12: expected …`; every variant
/// of a bad request is this one type, so the API answers all of them with
/// 400 Bad Request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid {option} at offset {offset}: {message}")]
pub struct QueryError {
    /// The option, e.g. `"$filter"`.
    pub option: String,
    /// Byte offset in the option's percent-decoded value.
    pub offset: usize,
    /// What is wrong / what was expected there.
    pub message: String,
}

impl QueryError {
    /// Builds an error.
    pub fn new(option: impl Into<String>, offset: usize, message: impl Into<String>) -> Self {
        QueryError {
            option: option.into(),
            offset,
            message: message.into(),
        }
    }
}

/// A syntax error inside one option's value, before the option name is
/// attached. Implements winnow's [`ParserError`] so winnow combinators can
/// produce it; almost all of them are built with an explicit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

impl SyntaxError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        SyntaxError {
            offset,
            message: message.into(),
        }
    }

    pub(crate) fn for_option(self, option: &str) -> QueryError {
        QueryError::new(option, self.offset, self.message)
    }
}

impl<I: Stream + Location> ParserError<I> for SyntaxError {
    type Inner = Self;

    fn from_input(input: &I) -> Self {
        SyntaxError::new(input.current_token_start(), "unexpected input")
    }

    fn into_inner(self) -> Result<Self::Inner, Self> {
        Ok(self)
    }
}
