//! Small helpers for JSON values kept as raw text (`serde_json::value::RawValue`) until a reader decodes them.

use serde_json::value::RawValue;
use std::borrow::Cow;

pub(crate) fn is_null(value: &RawValue) -> bool {
    value.get() == "null"
}

/// What a JSON value is, for messages.
pub(crate) fn kind(value: &RawValue) -> &'static str {
    match value.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The string a raw JSON value holds, borrowed when it has no escapes; `None` if it is not a string.
pub(crate) fn json_string(value: &RawValue) -> Option<Cow<'_, str>> {
    let text = value.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}
