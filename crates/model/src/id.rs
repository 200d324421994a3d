//! The id codec for composite keys, and the normal form of host ids.
//!
//! Graph's threat-intelligence ids for derived resources are base64 of the natural key parts joined with `$$`
//! (`base64("contoso.com$$20.103.85.33$$false")`, notes.md §7). tigr uses the same scheme so the documented ids
//! round-trip. A part that itself contains `$` or `%` is escaped (`%24`, `%25`) before joining so that every key
//! decodes to exactly the parts it was made of; the documented ids contain neither, so they are unaffected.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::borrow::Cow;
use std::net::IpAddr;

const JOINER: &str = "$$";

/// Encodes natural-key parts into an opaque id.
pub fn encode_key<S: AsRef<str>>(parts: &[S]) -> String {
    // One buffer for the joined parts: bulk DNS ingest makes ids by the million.
    let mut joined =
        String::with_capacity(parts.iter().map(|p| p.as_ref().len() + JOINER.len()).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            joined.push_str(JOINER);
        }
        joined.push_str(&escape(part.as_ref()));
    }
    STANDARD.encode(joined)
}

/// Decodes an id made by [`encode_key`] (also accepting URL-safe and unpadded base64) back into its parts.
pub fn decode_key(id: &str) -> Option<Vec<String>> {
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(id).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    text.split(JOINER).map(unescape).collect()
}

fn escape(part: &str) -> Cow<'_, str> {
    if !part.contains(['$', '%']) {
        return Cow::Borrowed(part);
    }
    Cow::Owned(part.replace('%', "%25").replace('$', "%24"))
}

fn unescape(part: &str) -> Option<String> {
    if !part.contains('%') {
        return Some(part.to_owned());
    }
    let mut out = String::with_capacity(part.len());
    let mut rest = part;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        match rest.get(i..i + 3) {
            Some("%24") => out.push('$'),
            Some("%25") => out.push('%'),
            // Not one of ours: keep it verbatim (ids from other producers may contain a bare %).
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(out)
}

/// Which concrete host type an id names: `ipAddress` for IP literals, `hostname` otherwise.
pub fn host_type(id: &str) -> &'static str {
    if id.parse::<IpAddr>().is_ok() {
        "ipAddress"
    } else {
        "hostname"
    }
}

/// The normal form of a host id: IP addresses in canonical text form, names lower-cased without a trailing dot,
/// internationalised names as A-labels (`bücher.de` → `xn--bcher-kva.de`). Never fails: text that is not a valid
/// name is only lower-cased, so a lookup for it finds nothing rather than an error.
pub fn normalize_host(id: &str) -> String {
    // Whitespace and trailing dots are trimmed together so that normalising twice changes nothing.
    let trimmed = id
        .trim_start()
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if let Ok(ip) = trimmed
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return ip.to_string();
    }
    let mut out = String::with_capacity(trimmed.len());
    match normalize_name(trimmed, &mut out) {
        Ok(()) => out,
        Err(_) => trimmed.to_ascii_lowercase(),
    }
}

/// Why a DNS owner or target name cannot be a host id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// `.` alone: the root has no host to attach records to.
    #[error("the root name has no host")]
    Root,
    /// Control characters or whitespace (presentation format escapes them as `\DDD`).
    #[error("name {0:?} contains a control character or whitespace")]
    BadCharacter(String),
    /// Non-ASCII text that IDNA (UTS #46) rejects.
    #[error("name {0:?} is not a valid internationalised domain name")]
    Idna(String),
    /// Longer than a DNS name can be (255 octets in wire form).
    #[error("name of {0} characters is longer than a DNS name can be")]
    TooLong(usize),
}

/// Appends the normal form of a DNS name to `out`: ASCII lower case, no trailing dot, A-labels for internationalised
/// names. The one name normalisation of tigr: host ids, passive DNS names and values, and API lookups all use it.
pub fn normalize_name(name: &str, out: &mut String) -> Result<(), NameError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(NameError::Root);
    }
    // Presentation format allows escapes, so a name may be longer than 255 characters; 1024 is beyond any real one.
    if name.len() > 1024 {
        return Err(NameError::TooLong(name.len()));
    }
    if name.is_ascii() {
        if name.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(NameError::BadCharacter(name.to_owned()));
        }
        let start = out.len();
        out.push_str(name);
        out[start..].make_ascii_lowercase();
        return Ok(());
    }
    if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(NameError::BadCharacter(name.to_owned()));
    }
    let ascii = idna::domain_to_ascii(name).map_err(|_| NameError::Idna(name.to_owned()))?;
    let ascii = ascii.strip_suffix('.').unwrap_or(&ascii);
    if ascii.is_empty() {
        return Err(NameError::Root);
    }
    out.push_str(ascii);
    Ok(())
}

/// The id of a passive DNS record: the documented `name$$value$$isReverse` key with the record type appended, so
/// that records of different types with the same value (a CNAME and an NS to one name) stay apart.
pub fn passive_dns_id(name: &str, record_type: &str, value: &str) -> String {
    encode_key(&[name, value, "false", record_type])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_ids_decode() {
        for (id, parts) in [
            (
                "bG9naW4uY29udG9zby5jb20kJGNvbnRvc28uY29t",
                vec!["login.contoso.com", "contoso.com"],
            ),
            ("ODUuMTMuMTM5LjE4JCQyMQ==", vec!["85.13.139.18", "21"]),
            (
                "Y29udG9zby5jb20kJDIwLjEwMy44NS4zMyQkZmFsc2U=",
                vec!["contoso.com", "20.103.85.33", "false"],
            ),
            (
                "ZmluYWxSZWRpcmVjdCQkY29udG9zby5jb20kJGNvbnRvc28uY29tJCRjb250b3NvLmNvbQ==",
                vec!["finalRedirect", "contoso.com", "contoso.com", "contoso.com"],
            ),
            (
                "Y29udG9zby5jb20kJDY5NjQ3ODEyMDc3NDY1NzI0MzM=",
                vec!["contoso.com", "6964781207746572433"],
            ),
        ] {
            assert_eq!(
                decode_key(id).as_deref(),
                Some(&parts.iter().map(|s| s.to_string()).collect::<Vec<_>>()[..])
            );
            assert_eq!(encode_key(&parts), id);
        }
    }

    #[test]
    fn garbage_does_not_decode_or_panic() {
        for bad in ["", "!!!", "a", "%%%", "////", "\u{1F600}"] {
            let _ = decode_key(bad);
        }
        assert_eq!(decode_key("!!!"), None);
        // Valid base64 of invalid UTF-8.
        assert_eq!(decode_key("/w=="), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(host_type("8.8.8.8"), "ipAddress");
        assert_eq!(host_type("2001:db8::1"), "ipAddress");
        assert_eq!(host_type("contoso.com"), "hostname");
        assert_eq!(normalize_host("Contoso.COM."), "contoso.com");
        assert_eq!(normalize_host("2001:DB8:0::1"), "2001:db8::1");
        assert_eq!(normalize_host("[::1]"), "::1");
        // Found by the id_codec fuzz target: whitespace and dots trimmed together.
        assert_eq!(normalize_host("\n[\n."), "[");
        assert_eq!(normalize_host("a. ."), "a");
        assert_eq!(normalize_host("Bücher.DE."), "xn--bcher-kva.de");
        assert_eq!(normalize_host("xn--bcher-kva.de"), "xn--bcher-kva.de");
    }

    #[test]
    fn names() {
        let norm = |s: &str| {
            let mut out = String::new();
            normalize_name(s, &mut out).map(|()| out)
        };
        assert_eq!(norm("WWW.Example.COM."), Ok("www.example.com".into()));
        assert_eq!(norm("_dmarc.example.com"), Ok("_dmarc.example.com".into()));
        assert_eq!(norm("a\\032b.example"), Ok("a\\032b.example".into()));
        assert_eq!(norm("MÜNCHEN.de"), Ok("xn--mnchen-3ya.de".into()));
        assert_eq!(norm("."), Err(NameError::Root));
        assert_eq!(norm(""), Err(NameError::Root));
        assert!(matches!(norm("a b.com"), Err(NameError::BadCharacter(_))));
        assert!(matches!(norm("a\tb.com"), Err(NameError::BadCharacter(_))));
        assert!(matches!(
            norm(&"a".repeat(2000)),
            Err(NameError::TooLong(2000))
        ));
    }

    proptest! {
        #[test]
        fn round_trip(parts in proptest::collection::vec(".*", 1..5)) {
            let id = encode_key(&parts);
            prop_assert_eq!(decode_key(&id), Some(parts));
        }

        #[test]
        fn host_normalisation_is_idempotent(s in ".*") {
            let once = normalize_host(&s);
            prop_assert_eq!(normalize_host(&once), once);
        }

        #[test]
        fn decode_never_panics(s in ".*") {
            let _ = decode_key(&s);
        }
    }
}
