//! `Set-Cookie` headers (RFC 6265 §5.2): the cookie's name and `Domain`, what a `hostCookie` records.

/// What a `Set-Cookie` header says about its cookie.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SetCookie {
    /// The cookie name, as sent (names are case-sensitive).
    pub name: String,
    /// The `Domain` attribute, lower-case and without its leading dot; `None` when absent or empty (the cookie
    /// then belongs to the host that sent it).
    pub domain: Option<String>,
}

/// Reads a `Set-Cookie` header value the way RFC 6265 §5.2 tells user agents to: the name is what precedes the
/// first `=` of the part before the first `;`, trimmed; a header without `=` there, or with an empty name, sets no
/// cookie (`None`). Of several `Domain` attributes (matched case-insensitively) the last non-empty one counts.
pub fn set_cookie(header_value: &str) -> Option<SetCookie> {
    let mut parts = header_value.split(';');
    let name_value = parts.next()?;
    let (name, _value) = name_value.split_once('=')?;
    let name = name.trim_matches(is_space);
    if name.is_empty() {
        return None;
    }
    let mut domain = None;
    for attribute in parts {
        let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
        if !key.trim_matches(is_space).eq_ignore_ascii_case("domain") {
            continue;
        }
        let value = value.trim_matches(is_space);
        let value = value.strip_prefix('.').unwrap_or(value);
        // An empty Domain is ignored as the RFC says, so an earlier one stands.
        if !value.is_empty() {
            domain = Some(value.to_ascii_lowercase());
        }
    }
    Some(SetCookie {
        name: name.to_owned(),
        domain,
    })
}

/// The whitespace RFC 6265 trims (space and horizontal tab).
fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        type Expected<'a> = Option<(&'a str, Option<&'a str>)>;
        let cases: &[(&str, Expected)] = &[
            ("PHPSESSID=abc; path=/", Some(("PHPSESSID", None))),
            (
                "id=1; Domain=.Example.COM; Secure",
                Some(("id", Some("example.com"))),
            ),
            (
                "id=1; domain=example.com",
                Some(("id", Some("example.com"))),
            ),
            (
                "id=1;DOMAIN = sub.example.com ;HttpOnly",
                Some(("id", Some("sub.example.com"))),
            ),
            (
                "id=1; Domain=a.example; Domain=b.example",
                Some(("id", Some("b.example"))),
            ),
            (
                "id=1; Domain=a.example; Domain=",
                Some(("id", Some("a.example"))),
            ),
            ("id=1; Domain=.", Some(("id", None))),
            ("id=1; Domain", Some(("id", None))),
            ("id=1; MyDomain=x.example", Some(("id", None))),
            ("  spaced name  = v", Some(("spaced name", None))),
            ("empty=", Some(("empty", None))),
            ("a=b=c; path=/", Some(("a", None))),
            ("__Host-x=1; Secure; Path=/", Some(("__Host-x", None))),
            (
                "name=\"quoted;value\"; Domain=q.example",
                Some(("name", Some("q.example"))),
            ),
            ("=value", None),
            ("   =value", None),
            ("novalue", None),
            ("novalue; a=b", None),
            ("", None),
        ];
        for (header, expected) in cases {
            let expected = expected.map(|(name, domain)| SetCookie {
                name: name.to_owned(),
                domain: domain.map(str::to_owned),
            });
            assert_eq!(set_cookie(header), expected, "{header}");
        }
    }
}
