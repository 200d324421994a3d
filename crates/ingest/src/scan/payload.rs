//! Decoding what scanners captured, shared by the masscan and zgrab2 readers: base64 DER certificates, raw HTTP
//! response heads, and byte banners as text.

use super::HttpResponse;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard base64, padding optional (masscan pads, hand-made inputs may not).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longest response head parsed into headers; a scanner's head is far shorter, so a longer one is cut here.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Decodes a base64 DER certificate and checks that it is one whole DER `SEQUENCE`, so a certificate the scanner
/// cut short is refused rather than stored broken. The error says what is wrong.
pub(crate) fn certificate_from_base64(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty certificate".to_owned());
    }
    let der = BASE64
        .decode(text)
        .map_err(|error| format!("certificate is not base64: {error}"))?;
    whole_der_sequence(&der)?;
    Ok(der)
}

/// Checks that `der` is exactly one DER `SEQUENCE` (tag, length, content and nothing after).
fn whole_der_sequence(der: &[u8]) -> Result<(), String> {
    let Some((&tag, rest)) = der.split_first() else {
        return Err("empty certificate".to_owned());
    };
    if tag != 0x30 {
        return Err(format!(
            "not a DER certificate: starts with byte {tag:#04x}, not a SEQUENCE (0x30)"
        ));
    }
    let Some((&first, rest)) = rest.split_first() else {
        return Err("certificate is cut short after its first byte".to_owned());
    };
    let (content_length, header_length) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return Err("certificate has an invalid DER length".to_owned());
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (length, 2 + count)
    };
    let expected = header_length + content_length;
    match der.len().cmp(&expected) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(format!(
            "certificate is cut short: {} of {expected} bytes",
            der.len()
        )),
        std::cmp::Ordering::Greater => Err(format!(
            "certificate has {} bytes after its DER SEQUENCE",
            der.len() - expected
        )),
    }
}

/// Bytes a scanner captured, as text: valid UTF-8 sequences as UTF-8, any other byte as the character of the same
/// number (Latin-1), so a binary banner keeps every byte visible instead of turning them into U+FFFD.
pub(crate) fn bytes_to_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let bytes = error.into_bytes();
            let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                text.extend(chunk.invalid().iter().map(|&b| char::from(b)));
            }
            text
        }
    }
}

/// Parses a raw HTTP response head (`HTTP/1.1 200 OK`, header lines, up to the blank line; `\r\n` or `\n`) into
/// status and headers, names and order as sent. Folded header lines are joined to the header before. `None` when
/// the text does not start with an HTTP status line. A head cut short keeps the headers before the cut.
pub(crate) fn parse_http_head(text: &str) -> Option<HttpResponse> {
    let text = match text.get(..MAX_HEAD_BYTES) {
        Some(head) => head,
        None if text.len() > MAX_HEAD_BYTES => {
            let mut end = MAX_HEAD_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            &text[..end]
        }
        None => text,
    };
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let status_line = lines.next()?;
    let (version, rest) = status_line.split_once(' ')?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    let status = rest
        .trim_start()
        .get(..3)
        .filter(|code| code.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|code| code.parse().ok());
    let mut response = HttpResponse {
        status,
        ..HttpResponse::default()
    };
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = response.headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim_end();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        response
            .headers
            .push((name.to_owned(), value.trim().to_owned()));
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates() {
        // A whole (tiny) SEQUENCE with long-form length, and the ways one can be broken.
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([0u8; 0x80]);
        let long_b64 = base64::engine::general_purpose::STANDARD.encode(&long);
        assert_eq!(certificate_from_base64(&long_b64).unwrap(), long);
        assert_eq!(
            certificate_from_base64(long_b64.trim_end_matches('=')).unwrap(),
            long
        );
        for (text, message) in [
            ("", "empty certificate"),
            ("MAA=", "ok"),
            (
                "!!!!",
                "certificate is not base64: Invalid symbol 33, offset 0.",
            ),
            (
                "AQA=",
                "not a DER certificate: starts with byte 0x01, not a SEQUENCE (0x30)",
            ),
            ("MAUB", "certificate is cut short: 3 of 7 bytes"),
            ("MAABAg==", "certificate has 2 bytes after its DER SEQUENCE"),
            ("MIA=", "certificate has an invalid DER length"),
            ("MA==", "certificate is cut short after its first byte"),
        ] {
            let got = certificate_from_base64(text).map_or_else(|e| e, |_| "ok".to_owned());
            assert_eq!(got, message, "{text:?}");
        }
    }

    #[test]
    fn text_from_bytes() {
        assert_eq!(bytes_to_text("é\r\n".as_bytes().to_vec()), "é\r\n");
        assert_eq!(bytes_to_text(vec![b'a', 0xff, 0x00]), "a\u{ff}\u{0}");
        assert_eq!(bytes_to_text(b"\xc3\xa9\xff\xc3".to_vec()), "é\u{ff}\u{c3}");
    }

    #[test]
    fn http_heads() {
        let head = "HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nSet-Cookie: a=1\r\n\
                    Set-Cookie: b=2\r\nX-Folded: one\r\n two\r\nbad line\r\nLocation: /x\r\n\r\nbody: no";
        let response = parse_http_head(head).unwrap();
        assert_eq!(response.status, Some(301));
        assert_eq!(
            response.headers,
            [
                ("Server", "nginx"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("X-Folded", "one two"),
                ("Location", "/x")
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
        assert_eq!(parse_http_head("HTTP/1.0 2").unwrap().status, None);
        assert_eq!(parse_http_head("HTTP/1.0 abc x").unwrap().status, None);
        assert!(parse_http_head("SSH-2.0-OpenSSH_9.2").is_none());
        assert!(parse_http_head("").is_none());
        let long = format!("HTTP/1.1 200 OK\nA: {}é", "x".repeat(MAX_HEAD_BYTES));
        assert_eq!(parse_http_head(&long).unwrap().headers.len(), 1);
    }
}
