//! Fuzz target: the page readers of scan fingerprinting (links, resolve_host, trackers, Set-Cookie, component
//! detection on a body and headers) take any text, never panic, and keep their output invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::scan::fingerprint::{ComponentRules, links, resolve_host, set_cookie, trackers};
use tigr_ingest::scan::{HttpResponse, PortReport, PortState, Transport};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    for link in links(&text) {
        assert!(!link.url.is_empty());
        assert_eq!(link.url.trim_matches(|c: char| c <= ' '), link.url);
        for base in ["https://www.example.com/dir/page.html", text.as_ref()] {
            if let Some(host) = resolve_host(base, &link.url) {
                assert!(!host.is_empty());
                assert_eq!(host, host.to_lowercase());
                assert!(!host.contains(['/', '?', '#', '@', ' ']), "{host:?}");
            }
        }
    }
    let _ = resolve_host(&text, &text);

    let found = trackers(&text);
    for (i, tracker) in found.iter().enumerate() {
        assert!(!tracker.value.is_empty());
        let repeated = found[..i]
            .iter()
            .any(|t| t.kind == tracker.kind && t.value == tracker.value);
        assert!(!repeated, "{tracker:?} twice");
    }

    for line in text.lines() {
        if let Some(cookie) = set_cookie(line) {
            assert!(!cookie.name.is_empty());
            if let Some(domain) = &cookie.domain {
                assert!(!domain.is_empty() && !domain.starts_with('.'));
                assert_eq!(*domain, domain.to_ascii_lowercase());
            }
        }
    }

    let mut port = PortReport::new("192.0.2.1", 80, Transport::Tcp, PortState::Open, 0);
    let headers = text.lines().filter_map(|line| line.split_once(':'));
    port.http.push(HttpResponse {
        headers: headers
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        body: Some(text.clone().into_owned()),
        ..HttpResponse::default()
    });
    let detections = ComponentRules::builtin().detect(&port);
    for (i, detection) in detections.iter().enumerate() {
        assert!(detection.version.as_ref().is_none_or(|v| !v.is_empty()));
        let repeated = detections[..i]
            .iter()
            .any(|d| d.name == detection.name && d.version == detection.version);
        assert!(!repeated, "{detection:?} twice");
    }
});
