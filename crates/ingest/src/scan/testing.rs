//! Test helpers for the scanner readers: reports and rejects as one-line text, and the committed certificates.

use super::{CollectedScan, PortReport};
use base64::Engine;

/// A report as one line: `address transport/port state t=seconds`, then what it carries.
pub(crate) fn render(report: &PortReport) -> String {
    let mut out = format!(
        "{} {}/{} {}",
        report.address,
        report.transport.as_str(),
        report.port,
        report.state.as_str()
    );
    if report.time % 1_000_000 == 0 {
        out += &format!(" t={}", report.time / 1_000_000);
    } else {
        out += &format!(" t={}us", report.time);
    }
    if !report.names.is_empty() {
        out += &format!(" names={}", report.names.join(","));
    }
    if let Some(service) = &report.service {
        out += &format!(" service={}", service.name);
        if let Some(tunnel) = &service.tunnel {
            out += &format!("/{tunnel}");
        }
        if let Some(product) = &service.product {
            out += &format!(" product={product:?}");
        }
    }
    for banner in &report.banners {
        out += &format!(" banner[{}]={:?}", banner.scan_protocol, banner.text);
    }
    for http in &report.http {
        let mut parts = Vec::new();
        if let Some(url) = &http.url {
            parts.push(format!("url={url}"));
        }
        if let Some(status) = http.status {
            parts.push(format!("status={status}"));
        }
        if !http.headers.is_empty() {
            let headers: Vec<String> = http
                .headers
                .iter()
                .map(|(n, v)| format!("{n}: {v}"))
                .collect();
            parts.push(format!("headers=[{}]", headers.join("; ")));
        }
        if let Some(title) = &http.title {
            parts.push(format!("title={title:?}"));
        }
        if let Some(body) = &http.body {
            if body.len() > 40 {
                parts.push(format!("body={} bytes", body.len()));
            } else {
                parts.push(format!("body={body:?}"));
            }
        }
        if !http.redirects.is_empty() {
            parts.push(format!("redirects=[{}]", http.redirects.join(", ")));
        }
        out += &format!(" http({})", parts.join(" "));
    }
    if !report.certificates.is_empty() {
        let sizes: Vec<String> = report
            .certificates
            .iter()
            .map(|c| c.len().to_string())
            .collect();
        out += &format!(" certs=[{}]", sizes.join(","));
    }
    if !report.ca_certificates.is_empty() {
        let sizes: Vec<String> = report
            .ca_certificates
            .iter()
            .map(|c| c.len().to_string())
            .collect();
        out += &format!(" ca_certs=[{}]", sizes.join(","));
    }
    for key in &report.ssh_host_keys {
        out += &format!(" sshkey={}:{}", key.key_type, key.fingerprint);
        if let Some(bits) = key.bits {
            out += &format!("/{bits}");
        }
    }
    out
}

/// Ports as lines, rejects as `reason @ location: message`.
pub(crate) fn rendered(scan: &CollectedScan) -> (Vec<String>, Vec<String>) {
    let ports = scan.ports.iter().map(render).collect();
    let rejects = scan
        .rejects
        .iter()
        .map(|(reason, reject)| format!("{reason} @ {}: {}", reject.location, reject.message))
        .collect();
    (ports, rejects)
}

/// The base64 bodies of the certificates in a committed PEM vector (`tests/data/x509/<name>`), one line each.
pub(crate) fn pem_certificates(name: &str) -> Vec<String> {
    let path = format!("{}/tests/data/x509/{name}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read_to_string(&path).expect("committed x509 vector");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in pem.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE") {
            current = Some(String::new());
        } else if line.starts_with("-----END CERTIFICATE") {
            out.extend(current.take());
        } else if let Some(body) = &mut current {
            body.push_str(line.trim());
        }
    }
    out
}

/// The DER size of a base64 certificate.
pub(crate) fn der_len(base64_text: &str) -> usize {
    base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .expect("committed certificate is base64")
        .len()
}
