//! zgrab2's `http` module result: the responses from the scanned endpoint, their redirects and TLS certificates.

use super::{
    FieldError, Found, MAX_BODY_BYTES, Problem, TlsLog, array, at, certificates, object, string,
};
use crate::raw_json;
use crate::scan::payload::{bytes_to_text, parse_http_head};
use crate::scan::{Banner, HttpResponse};
use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct HttpResult<'a> {
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    #[serde(borrow)]
    redirect_response_chain: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    status_code: Option<&'a RawValue>,
    #[serde(borrow)]
    headers: Option<&'a RawValue>,
    #[serde(borrow)]
    headers_raw: Option<&'a RawValue>,
    #[serde(borrow)]
    body: Option<&'a RawValue>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow)]
    url: Option<&'a RawValue>,
    #[serde(borrow)]
    tls_log: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct UrlParts<'a> {
    #[serde(borrow)]
    scheme: Option<&'a RawValue>,
    #[serde(borrow)]
    host: Option<&'a RawValue>,
    #[serde(borrow)]
    path: Option<&'a RawValue>,
    #[serde(borrow)]
    raw_query: Option<&'a RawValue>,
}

/// Where a request went: scheme, host and port (the endpoint), and the whole URL.
struct Url {
    scheme: String,
    host: String,
    port: u16,
    text: String,
}

/// One response of the exchange, read.
struct Hop<'a> {
    url: Option<Url>,
    response: HttpResponse,
    /// The raw head, when zgrab2 kept it.
    head: Option<String>,
    tls_log: Option<&'a RawValue>,
}

/// Reads an `http` result into `found`.
pub(super) fn read(
    result: &RawValue,
    path: &str,
    found: &mut Found,
    certificate_rejects: &mut Vec<FieldError>,
) -> Result<(), FieldError> {
    let result: HttpResult<'_> = object(result, path)?;
    let chain_path = format!("{path}.redirect_response_chain");
    let chain = array(result.redirect_response_chain, || chain_path.clone())?;
    let mut hops = Vec::with_capacity(chain.len() + 1);
    for (index, response) in chain.iter().enumerate() {
        if !raw_json::is_null(response) {
            hops.push(hop(response, &format!("{chain_path}[{index}]"))?);
        }
    }
    if let Some(response) = result.response.filter(|r| !raw_json::is_null(r)) {
        hops.push(hop(response, &format!("{path}.response"))?);
    }
    let Some(first) = hops.first() else {
        return Ok(());
    };
    found.url_port = first.url.as_ref().map(|url| url.port);
    found.tls =
        first.url.as_ref().is_some_and(|url| url.scheme == "https") || first.tls_log.is_some();
    if let Some(head) = &first.head {
        found.banners.push(Banner {
            scan_protocol: "http_raw".to_owned(),
            text: head.clone(),
        });
    }
    if let Some(tls_log) = first.tls_log {
        let log_path = format!("{}.request.tls_log", hop_path(path, chain.len(), 0));
        let log: TlsLog<'_> = object(tls_log, &log_path)?;
        if let Some(handshake) = log.handshake_log {
            certificates(
                handshake,
                &format!("{log_path}.handshake_log"),
                found,
                certificate_rejects,
            )?;
        }
    }
    // Responses from the scanned endpoint are this port's; where each led is its redirect.
    let next_urls: Vec<Option<String>> = hops
        .iter()
        .skip(1)
        .map(|hop| hop.url.as_ref().map(|url| url.text.clone()))
        .chain(std::iter::once(None))
        .collect();
    let scanned = hops[0]
        .url
        .as_ref()
        .map(|url| (url.scheme.clone(), url.host.clone(), url.port));
    for (hop, next) in hops.into_iter().zip(next_urls) {
        let on_endpoint = match (&hop.url, &scanned) {
            (Some(url), Some((scheme, host, port))) => {
                url.scheme == *scheme && url.host == *host && url.port == *port
            }
            _ => true,
        };
        if !on_endpoint {
            continue;
        }
        let mut response = hop.response;
        response.url = hop.url.map(|url| url.text);
        match next {
            Some(next) => response.redirects.push(next),
            None => {
                if response
                    .status
                    .is_some_and(|status| (300..400).contains(&status))
                    && let Some((_, location)) = response
                        .headers
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case("location"))
                {
                    response.redirects.push(location.clone());
                }
            }
        }
        found.http.push(response);
    }
    Ok(())
}

/// The path of hop `index` of `chain_len + 1` responses.
fn hop_path(path: &str, chain_len: usize, index: usize) -> String {
    if index < chain_len {
        format!("{path}.redirect_response_chain[{index}]")
    } else {
        format!("{path}.response")
    }
}

fn hop<'a>(response: &'a RawValue, path: &str) -> Result<Hop<'a>, FieldError> {
    let fields: Response<'a> = object(response, path)?;
    let status = match fields.status_code.filter(|s| !raw_json::is_null(s)) {
        None => None,
        Some(code) => Some(
            code.get()
                .parse::<u16>()
                .ok()
                .filter(|code| (100..1000).contains(code))
                .ok_or_else(|| {
                    at(
                        format!("{path}.status_code"),
                        Problem::BadValue {
                            expected: "an HTTP status code",
                            value: code.get().chars().take(40).collect(),
                        },
                    )
                })?,
        ),
    };
    let head = match string(fields.headers_raw, || format!("{path}.headers_raw"))? {
        None => None,
        Some(encoded) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map_err(|_| {
                    at(
                        format!("{path}.headers_raw"),
                        Problem::BadValue {
                            expected: "base64",
                            value: encoded.chars().take(40).collect(),
                        },
                    )
                })?;
            Some(bytes_to_text(bytes))
        }
    };
    let mut response = HttpResponse {
        status,
        ..HttpResponse::default()
    };
    // The raw head has the headers as sent; the map only zgrab2's rewriting of them.
    match head.as_deref().and_then(parse_http_head) {
        Some(parsed) => {
            response.headers = parsed.headers;
            response.status = response.status.or(parsed.status);
        }
        None => {
            if let Some(headers) = fields.headers.filter(|h| !raw_json::is_null(h)) {
                response.headers = header_map(headers, &format!("{path}.headers"))?;
            }
        }
    }
    if let Some(body) = string(fields.body, || format!("{path}.body"))? {
        response.body = Some(truncated(body.into_owned(), MAX_BODY_BYTES));
    }
    let (url, tls_log) = match fields.request.filter(|r| !raw_json::is_null(r)) {
        None => (None, None),
        Some(request) => {
            let request_path = format!("{path}.request");
            let request: Request<'a> = object(request, &request_path)?;
            let url = match request.url.filter(|u| !raw_json::is_null(u)) {
                None => None,
                Some(url) => url_of(url, &format!("{request_path}.url"))?,
            };
            (url, request.tls_log.filter(|t| !raw_json::is_null(t)))
        }
    };
    Ok(Hop {
        url,
        response,
        head,
        tls_log,
    })
}

/// The URL of zgrab2's `URLWrapper`; `None` without scheme or host.
fn url_of(url: &RawValue, path: &str) -> Result<Option<Url>, FieldError> {
    let parts: UrlParts<'_> = object(url, path)?;
    let scheme = string(parts.scheme, || format!("{path}.scheme"))?;
    let host = string(parts.host, || format!("{path}.host"))?;
    let request_path = string(parts.path, || format!("{path}.path"))?;
    let query = string(parts.raw_query, || format!("{path}.raw_query"))?;
    let (Some(scheme), Some(host)) = (scheme, host) else {
        return Ok(None);
    };
    let scheme = scheme.to_ascii_lowercase();
    let (name, port) = split_host_port(&host);
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| at(format!("{path}.host"), Problem::BadPort(port.to_owned())))?,
        None => match scheme.as_str() {
            "https" => 443,
            _ => 80,
        },
    };
    let mut text = format!("{scheme}://{host}{}", request_path.as_deref().unwrap_or(""));
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        text.push('?');
        text.push_str(&query);
    }
    Ok(Some(Url {
        host: name.to_ascii_lowercase(),
        scheme,
        port,
        text,
    }))
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port(host: &str) -> (&str, Option<&str>) {
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((name, after)) => (name, after.strip_prefix(':')),
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        // More than one colon is a bare IPv6 address.
        Some((name, port)) if !name.contains(':') => (name, Some(port)),
        _ => (host, None),
    }
}

/// zgrab2's header map (`{"server": ["nginx"], "unknown": [{"key", "value": [..]}]}`), names restored.
fn header_map(headers: &RawValue, path: &str) -> Result<Vec<(String, String)>, FieldError> {
    let members: super::Members<'_> = object(headers, path)?;
    let mut out = Vec::new();
    for (key, values) in members.0 {
        if key == "unknown" {
            #[derive(Deserialize)]
            struct Unknown<'a> {
                #[serde(borrow)]
                key: Option<&'a RawValue>,
                #[serde(borrow)]
                value: Option<&'a RawValue>,
            }
            let unknown_path = format!("{path}.unknown");
            for (index, entry) in array(Some(values), || unknown_path.clone())?
                .into_iter()
                .enumerate()
            {
                let entry_path = format!("{unknown_path}[{index}]");
                let entry: Unknown<'_> = object(entry, &entry_path)?;
                let Some(name) = string(entry.key, || format!("{entry_path}.key"))? else {
                    continue;
                };
                header_values(&name, entry.value, &format!("{entry_path}.value"), &mut out)?;
            }
        } else {
            header_values(&key, Some(values), &format!("{path}.{key}"), &mut out)?;
        }
    }
    Ok(out)
}

/// Adds one header's values (an array of strings, or a single string) under its restored name.
fn header_values(
    key: &str,
    values: Option<&RawValue>,
    path: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), FieldError> {
    let Some(values) = values.filter(|v| !raw_json::is_null(v)) else {
        return Ok(());
    };
    let name = header_name(key);
    if let Some(value) = raw_json::json_string(values) {
        out.push((name, value.into_owned()));
        return Ok(());
    }
    for (index, value) in array(Some(values), || path.to_owned())?
        .into_iter()
        .enumerate()
    {
        if let Some(value) = string(Some(value), || format!("{path}[{index}]"))? {
            out.push((name.clone(), value.into_owned()));
        }
    }
    Ok(())
}

/// Header names whose usual spelling is not the word-capitalised one.
const UNUSUAL_HEADER_NAMES: &[&str] = &[
    "WWW-Authenticate",
    "ETag",
    "Content-MD5",
    "TE",
    "DNT",
    "X-XSS-Protection",
    "X-UA-Compatible",
    "X-DNS-Prefetch-Control",
    "P3P",
    "X-WebKit-CSP",
];

/// A header name from zgrab2's form (`x_powered_by`) in its usual one (`X-Powered-By`).
fn header_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for (index, word) in key.split(['_', '-']).enumerate() {
        if index > 0 {
            name.push('-');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.extend(chars.flat_map(char::to_lowercase));
        }
    }
    UNUSUAL_HEADER_NAMES
        .iter()
        .find(|unusual| unusual.eq_ignore_ascii_case(&name))
        .map_or(name, |unusual| (*unusual).to_owned())
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncated(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names() {
        for (key, name) in [
            ("set_cookie", "Set-Cookie"),
            ("x_powered_by", "X-Powered-By"),
            ("www_authenticate", "WWW-Authenticate"),
            ("etag", "ETag"),
            ("x_xss_protection", "X-XSS-Protection"),
            ("server", "Server"),
            ("Content-Type", "Content-Type"),
            ("", ""),
        ] {
            assert_eq!(header_name(key), name);
        }
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            split_host_port("a.example:8080"),
            ("a.example", Some("8080"))
        );
        assert_eq!(split_host_port("a.example"), ("a.example", None));
        assert_eq!(
            split_host_port("[2001:db8::1]:8443"),
            ("2001:db8::1", Some("8443"))
        );
        assert_eq!(split_host_port("[2001:db8::1]"), ("2001:db8::1", None));
        assert_eq!(split_host_port("2001:db8::1"), ("2001:db8::1", None));
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        assert_eq!(truncated("aé".to_owned(), 2), "a");
        assert_eq!(truncated("abc".to_owned(), 3), "abc");
    }
}
