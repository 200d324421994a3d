//! The id codec for composite keys, and the normal form of host ids.
//!
//! Graph's threat-intelligence ids for derived resources are base64 of the natural key parts joined with `$$`
//! (`base64("contoso.com$$20.103.85.33$$false")`, notes.md §7). tigr uses the same scheme so the documented ids
//! round-trip. A part that itself contains `$` or `%` is escaped (`%24`, `%25`) before joining so that every key
//! decodes to exactly the parts it was made of; the documented ids contain neither, so they are unaffected.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::net::IpAddr;

const JOINER: &str = "$$";

/// Encodes natural-key parts into an opaque id.
pub fn encode_key<S: AsRef<str>>(parts: &[S]) -> String {
    let joined: Vec<String> = parts.iter().map(|p| escape(p.as_ref())).collect();
    STANDARD.encode(joined.join(JOINER))
}

/// Decodes an id made by [`encode_key`] (also accepting URL-safe and unpadded base64) back into its parts.
pub fn decode_key(id: &str) -> Option<Vec<String>> {
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(id).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    text.split(JOINER).map(unescape).collect()
}

fn escape(part: &str) -> String {
    if !part.contains(['$', '%']) {
        return part.to_owned();
    }
    part.replace('%', "%25").replace('$', "%24")
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

/// The normal form of a host id: IP addresses in canonical text form, names lower-cased without a trailing dot.
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
    trimmed.to_ascii_lowercase()
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
