//! From what scanners saw to the API's resources: ports with banners, services and their latest certificate,
//! components, cookies, trackers, host pairs and certificates per host, aggregated in memory into bounded
//! [`ScanBatch`]es.
//!
//! The same for every scanner: parsers emit [`PortReport`]s and [`HostScanned`]s into a [`ScanAggregator`], which
//! is their [`ScanSink`]. Findings about the port itself (banners, services, certificate) belong to the scanned
//! address; findings about the web site (components, cookies, trackers, pairs, certificates per host) belong to the
//! address and to every name the scanner tied to it.

use super::fingerprint::{self, ComponentRules};
use super::{HostScanned, HttpResponse, PortReport, PortState, ScanSink};
use crate::report::{Reject, Report};
use crate::x509::certificate_entity;
use foldhash::HashMap;
use tigr_model::batch::HostSighting;
use tigr_model::id::{normalize_host, normalize_name};
use tigr_model::scan::{
    BannerFinding, CertificateFinding, ComponentFinding, ComponentKey, CookieFinding, Coverage,
    HostCertificateFinding, PairFinding, PortFinding, ScanBatch, Seen, ServiceFinding,
    TrackerFinding,
};

/// Findings held in memory before a batch is handed over, by default.
pub const DEFAULT_MAX_FINDINGS: usize = 200_000;

/// Aggregates scanner reports into [`ScanBatch`]es, handing one to `sink` whenever `max_findings` distinct findings
/// are held and at [`ScanAggregator::flush`].
pub struct ScanAggregator<F: FnMut(ScanBatch)> {
    rules: &'static ComponentRules,
    max_findings: usize,
    held: usize,
    hosts: HashMap<String, (i64, i64)>,
    ports: HashMap<String, PortFinding>,
    coverage: Vec<Coverage>,
    components: HashMap<String, ComponentFinding>,
    cookies: HashMap<String, CookieFinding>,
    trackers: HashMap<String, TrackerFinding>,
    pairs: HashMap<String, PairFinding>,
    certificates: HashMap<String, CertificateFinding>,
    host_certificates: HashMap<String, HostCertificateFinding>,
    sink: F,
    /// Port reports accepted, rejects and warnings.
    pub report: Report,
    /// The input being read, named in rejects found while deriving.
    pub source: String,
}

impl<F: FnMut(ScanBatch)> ScanAggregator<F> {
    /// An aggregator with the built-in detection rules.
    pub fn new(max_findings: usize, sink: F) -> Self {
        ScanAggregator {
            rules: ComponentRules::builtin(),
            max_findings: max_findings.max(1),
            held: 0,
            hosts: HashMap::default(),
            ports: HashMap::default(),
            coverage: Vec::new(),
            components: HashMap::default(),
            cookies: HashMap::default(),
            trackers: HashMap::default(),
            pairs: HashMap::default(),
            certificates: HashMap::default(),
            host_certificates: HashMap::default(),
            sink,
            report: Report::default(),
            source: String::new(),
        }
    }

    /// Hands over what is held as one batch (nothing if empty).
    pub fn flush(&mut self) {
        fn values<T>(map: &mut HashMap<String, T>) -> Vec<T> {
            let mut items: Vec<(String, T)> = map.drain().collect();
            items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            items.into_iter().map(|(_, v)| v).collect()
        }
        let mut hosts: Vec<HostSighting> = self
            .hosts
            .drain()
            .map(|(id, seen)| HostSighting {
                id,
                seen: Some(seen),
            })
            .collect();
        hosts.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let batch = ScanBatch {
            hosts,
            ports: values(&mut self.ports),
            coverage: std::mem::take(&mut self.coverage),
            components: values(&mut self.components),
            cookies: values(&mut self.cookies),
            trackers: values(&mut self.trackers),
            pairs: values(&mut self.pairs),
            certificates: values(&mut self.certificates),
            host_certificates: values(&mut self.host_certificates),
        };
        self.held = 0;
        if !batch.is_empty() {
            (self.sink)(batch);
        }
    }

    fn reject(&mut self, reason: &'static str, report: &PortReport, message: String) {
        self.report.reject(
            reason,
            Reject {
                source: self.source.clone(),
                location: format!(
                    "{} port {}/{}",
                    report.address,
                    report.port,
                    report.transport.as_str()
                ),
                message,
            },
        );
    }

    fn saw_host(&mut self, id: &str, time: i64) {
        match self.hosts.get_mut(id) {
            Some((first, last)) => {
                *first = (*first).min(time);
                *last = (*last).max(time);
            }
            None => {
                self.hosts.insert(id.to_owned(), (time, time));
                self.held += 1;
            }
        }
    }

    fn add<T>(
        held: &mut usize,
        map: &mut HashMap<String, T>,
        id: String,
        item: T,
        merge: impl FnOnce(&mut T, &T),
    ) {
        match map.get_mut(&id) {
            Some(mine) => merge(mine, &item),
            None => {
                map.insert(id, item);
                *held += 1;
            }
        }
    }

    fn derive(&mut self, r: &PortReport) {
        let host = normalize_host(&r.address);
        if host.parse::<std::net::IpAddr>().is_err() {
            self.reject(
                "scan: bad address",
                r,
                format!("{:?} is not an IP address", r.address),
            );
            return;
        }
        let time = r.time;
        let mut site_hosts = vec![host.clone()];
        for name in &r.names {
            let mut normal = String::new();
            match normalize_name(name, &mut normal) {
                Ok(()) if !site_hosts.contains(&normal) => site_hosts.push(normal),
                Ok(()) => {}
                Err(e) => self
                    .report
                    .warn(format!("{}: host name skipped: {e}", r.address)),
            }
        }
        for h in &site_hosts {
            self.saw_host(h, time);
        }
        let open = r.state == PortState::Open;
        let seen = Seen::at(time);
        // A banner record of a port reported separately dates the port's sighting without counting as one.
        let sighting = if r.supplementary {
            Seen { times: 0, ..seen }
        } else {
            seen
        };
        let mut port = PortFinding {
            host: host.clone(),
            port: r.port,
            protocol: r.transport.as_str().to_owned(),
            status: r.state.as_str().to_owned(),
            last_scan: time,
            open: open.then_some(sighting),
            banners: Vec::new(),
            services: Vec::new(),
            certificate: None,
        };
        if open {
            port.banners = r
                .banners
                .iter()
                .filter(|b| !b.text.is_empty())
                .map(|b| BannerFinding {
                    banner: b.text.clone(),
                    scan_protocol: b.scan_protocol.clone(),
                    seen,
                })
                .collect();
            self.components_of(r, &host, &site_hosts, seen, &mut port);
            self.certificates_of(r, &site_hosts, seen, &mut port);
            for http in &r.http {
                self.web(r, http, &site_hosts, seen);
            }
            for key in &r.ssh_host_keys {
                for h in &site_hosts {
                    let tracker = TrackerFinding {
                        host: h.clone(),
                        kind: "SshHostKeyFingerprint".into(),
                        value: ssh_key_value(key),
                        seen,
                    };
                    Self::add(
                        &mut self.held,
                        &mut self.trackers,
                        tracker.id(),
                        tracker,
                        |m, o| m.seen.merge(&o.seen),
                    );
                }
            }
        }
        Self::add(
            &mut self.held,
            &mut self.ports,
            port.id(),
            port,
            PortFinding::merge,
        );
    }

    /// Components: what the rules detect, else the scanner's own product identification.
    fn components_of(
        &mut self,
        r: &PortReport,
        host: &str,
        site_hosts: &[String],
        seen: Seen,
        port: &mut PortFinding,
    ) {
        let mut detections: Vec<(String, Option<String>, Option<String>, String)> = self
            .rules
            .detect(r)
            .into_iter()
            .map(|d| (d.name, d.version, Some(d.category), d.rule))
            .collect();
        // The scanner's own identification, when no rule knows its service (a rule's name may differ from the
        // scanner's, e.g. `Apache httpd` is `Apache HTTP Server`, so names are not compared).
        if let Some((service, product)) = r
            .service
            .as_ref()
            .and_then(|s| Some((s, s.product.as_ref()?)))
            && !self.rules.knows_service(service)
        {
            let category = service.cpes.iter().find_map(|cpe| cpe_category(cpe));
            detections.push((
                product.clone(),
                service.version.clone(),
                category.map(str::to_owned),
                "scanner-service".to_owned(),
            ));
        }
        for (name, version, category, rule) in detections {
            let key = ComponentKey::new(host, &name, version.as_deref(), category.as_deref());
            port.services.push(ServiceFinding {
                component: key,
                seen,
            });
            for h in site_hosts {
                let component =
                    ComponentKey::new(h, &name, version.as_deref(), category.as_deref());
                let finding = ComponentFinding {
                    host: h.clone(),
                    component,
                    seen,
                    rule: rule.clone(),
                };
                Self::add(
                    &mut self.held,
                    &mut self.components,
                    finding.component.id.clone(),
                    finding,
                    |m, o| m.seen.merge(&o.seen),
                );
            }
        }
    }

    /// Certificates: every one is stored; the leaf (the first of the port's own) is the port's latest and the
    /// hosts' certificate.
    fn certificates_of(
        &mut self,
        r: &PortReport,
        site_hosts: &[String],
        seen: Seen,
        port: &mut PortFinding,
    ) {
        let issuers = r.ca_certificates.iter().map(|der| (false, der));
        for (i, (own, der)) in r
            .certificates
            .iter()
            .map(|der| (true, der))
            .chain(issuers)
            .enumerate()
        {
            let entity = match certificate_entity(der) {
                Ok(entity) => entity,
                Err(e) => {
                    self.reject("scan: bad certificate", r, format!("certificate {i}: {e}"));
                    continue;
                }
            };
            let id = entity.id.clone();
            if own && i == 0 {
                port.certificate = Some((seen.last, id.clone()));
                for h in site_hosts {
                    let found = HostCertificateFinding {
                        host: h.clone(),
                        certificate: id.clone(),
                        seen,
                        ports: vec![(r.port, seen)],
                    };
                    Self::add(
                        &mut self.held,
                        &mut self.host_certificates,
                        found.id(),
                        found,
                        HostCertificateFinding::merge,
                    );
                }
            }
            Self::add(
                &mut self.held,
                &mut self.certificates,
                id,
                CertificateFinding { entity, seen },
                |m, o| m.seen.merge(&o.seen),
            );
        }
    }

    /// Cookies, trackers and host pairs from one HTTP response.
    fn web(&mut self, r: &PortReport, http: &HttpResponse, site_hosts: &[String], seen: Seen) {
        let base = http.url.clone().unwrap_or_else(|| default_url(r));
        let page_host = fingerprint::resolve_host(&base, &base)
            .map(|h| normalize_host(&h))
            .unwrap_or_else(|| site_hosts[0].clone());
        let mut owners: Vec<String> = site_hosts.to_vec();
        if !owners.contains(&page_host) {
            self.saw_host(&page_host, seen.last);
            owners.push(page_host.clone());
        }
        let mut cookies: Vec<(String, String)> = http
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, value)| fingerprint::set_cookie(value))
            .map(|c| (c.name, c.domain.unwrap_or_else(|| page_host.clone())))
            .collect();
        cookies.extend(
            http.cookie_names
                .iter()
                .map(|n| (n.clone(), page_host.clone())),
        );
        for (name, domain) in cookies {
            for h in &owners {
                let cookie = CookieFinding {
                    host: h.clone(),
                    name: name.clone(),
                    domain: domain.clone(),
                    seen,
                };
                Self::add(
                    &mut self.held,
                    &mut self.cookies,
                    cookie.id(),
                    cookie,
                    |m, o| m.seen.merge(&o.seen),
                );
            }
        }
        // (kind, parent, child): each hop of a redirect chain from the host it left, and the page to where the chain
        // ended; a redirect to the same host (http → https) is kept, as Graph keeps it.
        let mut pairs: Vec<(String, String, String)> = Vec::new();
        let (mut from, mut from_host) = (base.clone(), page_host.clone());
        for target in &http.redirects {
            if let Some(child) = fingerprint::resolve_host(&from, target) {
                let child = normalize_host(&child);
                pairs.push(("redirect".into(), from_host, child.clone()));
                from = absolute(&from, target);
                from_host = child;
            }
        }
        if !http.redirects.is_empty() {
            pairs.push(("finalRedirect".into(), page_host.clone(), from_host));
        }
        let mut trackers = http.trackers.clone();
        let mut links: Vec<(&str, String)> = http
            .script_sources
            .iter()
            .map(|url| ("script", url.clone()))
            .collect();
        if let Some(body) = &http.body {
            trackers.extend(
                fingerprint::trackers(body)
                    .into_iter()
                    .map(|t| (t.kind, t.value)),
            );
            links.extend(
                fingerprint::links(body)
                    .into_iter()
                    .map(|l| (l.kind.as_str(), l.url)),
            );
        }
        for (kind, value) in trackers {
            for h in &owners {
                let finding = TrackerFinding {
                    host: h.clone(),
                    kind: kind.clone(),
                    value: value.clone(),
                    seen,
                };
                Self::add(
                    &mut self.held,
                    &mut self.trackers,
                    finding.id(),
                    finding,
                    |m, o| m.seen.merge(&o.seen),
                );
            }
        }
        for (kind, url) in links {
            let Some(child) = fingerprint::resolve_host(&base, &url) else {
                continue;
            };
            let child = normalize_host(&child);
            // A page's references to itself say nothing about other infrastructure.
            if child != page_host {
                pairs.push((kind.to_owned(), page_host.clone(), child));
            }
        }
        for (kind, parent, child) in pairs {
            self.saw_host(&child, seen.last);
            let pair = PairFinding {
                parent,
                child,
                link_kind: kind,
                seen,
            };
            Self::add(&mut self.held, &mut self.pairs, pair.id(), pair, |m, o| {
                m.seen.merge(&o.seen)
            });
        }
    }
}

impl<F: FnMut(ScanBatch)> ScanSink for ScanAggregator<F> {
    fn port(&mut self, report: PortReport) {
        self.report.accepted += 1;
        self.derive(&report);
        if self.held >= self.max_findings {
            self.flush();
        }
    }

    fn host_scanned(&mut self, scanned: HostScanned) {
        let status = match scanned.unlisted {
            Some(state) => state.as_str(),
            // Every probed port was listed, so one that is not was not found.
            None => PortState::Closed.as_str(),
        };
        self.coverage.push(Coverage {
            host: normalize_host(&scanned.address),
            protocol: scanned.transport.as_str().to_owned(),
            time: scanned.time,
            ranges: scanned.ports,
            status: status.to_owned(),
        });
        self.held += 1;
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.report.reject(reason, reject);
    }
}

/// A host key as a tracker value: `type:sha256:<hex>` when the SHA-256 of the key is known (every scanner can give
/// it, so hosts link across scanners), else `type:md5:<hex>` from nmap's fingerprint.
fn ssh_key_value(key: &super::SshHostKey) -> String {
    match &key.sha256 {
        Some(sha256) => format!("{}:sha256:{sha256}", key.key_type),
        None => format!(
            "{}:md5:{}",
            key.key_type,
            key.fingerprint.to_ascii_lowercase().replace(':', "")
        ),
    }
}

/// The URL a scanner most likely requested when it does not say.
fn default_url(r: &PortReport) -> String {
    let tls = !r.certificates.is_empty()
        || r.service
            .as_ref()
            .is_some_and(|s| s.tunnel.as_deref() == Some("ssl") || s.name == "https");
    let scheme = if tls { "https" } else { "http" };
    let host = if r.address.contains(':') {
        format!("[{}]", r.address)
    } else {
        r.address.clone()
    };
    match (scheme, r.port) {
        ("http", 80) | ("https", 443) => format!("{scheme}://{host}/"),
        _ => format!("{scheme}://{host}:{}/", r.port),
    }
}

/// `target` made absolute against `base` (enough to resolve the next relative redirect of a chain).
fn absolute(base: &str, target: &str) -> String {
    if target.contains("://") {
        return target.to_owned();
    }
    if let Some(rest) = target.strip_prefix("//") {
        let scheme = base.split("://").next().unwrap_or("http");
        return format!("{scheme}://{rest}");
    }
    base.to_owned()
}

/// The category a CPE's part implies: `o` an operating system, `h` hardware.
fn cpe_category(cpe: &str) -> Option<&'static str> {
    let part = cpe
        .strip_prefix("cpe:/")
        .or_else(|| cpe.strip_prefix("cpe:2.3:"))?;
    match part.chars().next()? {
        'o' => Some("Operating System"),
        'h' => Some("Hardware"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::testing::pem_certificates;
    use crate::scan::{Banner, Service, Transport};
    use base64::Engine;
    use std::collections::BTreeSet;

    const T0: i64 = 1_700_000_000_000_000;

    fn derive(reports: Vec<PortReport>, scanned: Vec<HostScanned>) -> (ScanBatch, Report) {
        let mut batches = Vec::new();
        let mut agg = ScanAggregator::new(1_000_000, |b| batches.push(b));
        agg.source = "test".into();
        for r in reports {
            agg.port(r);
        }
        for s in scanned {
            agg.host_scanned(s);
        }
        agg.flush();
        let report = std::mem::take(&mut agg.report);
        drop(agg);
        assert!(batches.len() <= 1);
        (batches.pop().unwrap_or_default(), report)
    }

    fn certificate() -> Vec<u8> {
        let b64 = pem_certificates(&first_pem_vector()).remove(0);
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    fn first_pem_vector() -> String {
        let dir = format!("{}/tests/data/x509", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pem") && !pem_certificates(n).is_empty())
            .collect();
        names.sort();
        names.remove(0)
    }

    fn web_port() -> PortReport {
        let mut r = PortReport::new("192.0.2.7", 443, Transport::Tcp, PortState::Open, T0);
        r.names = vec!["Shop.Example.".into()];
        r.service = Some(Service {
            name: "http".into(),
            product: Some("nginx".into()),
            version: Some("1.24.0".into()),
            tunnel: Some("ssl".into()),
            ..Service::default()
        });
        r.http.push(HttpResponse {
            url: Some("https://shop.example/".into()),
            status: Some(200),
            headers: vec![
                ("Server".into(), "nginx/1.24.0".into()),
                ("Set-Cookie".into(), "sid=1; Path=/; HttpOnly".into()),
                (
                    "Set-Cookie".into(),
                    "pref=2; Domain=.Example; Path=/".into(),
                ),
            ],
            body: Some(
                r#"<script src="https://cdn.example.net/app.js"></script>
                   <script src="/local.js"></script>
                   <script>gtag('config', 'UA-1234567-1');</script>
                   <a href="https://shop.example/cart">cart</a>"#
                    .into(),
            ),
            redirects: vec!["https://www.shop.example/".into(), "/home".into()],
            ..HttpResponse::default()
        });
        r.certificates.push(certificate());
        r
    }

    #[test]
    fn a_web_port_becomes_every_resource() {
        let (batch, report) = derive(vec![web_port()], vec![]);
        assert_eq!(report.rejected(), 0, "{:?}", report.samples);
        let hosts: BTreeSet<&str> = batch.hosts.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            hosts,
            [
                "192.0.2.7",
                "cdn.example.net",
                "shop.example",
                "www.shop.example"
            ]
            .into()
        );
        let [port] = &batch.ports[..] else {
            panic!("{:?}", batch.ports)
        };
        assert_eq!(
            (port.host.as_str(), port.port, port.status.as_str()),
            ("192.0.2.7", 443, "open")
        );
        assert_eq!(port.open, Some(Seen::at(T0)));
        let cert_id = &batch.certificates[0].entity.id;
        assert_eq!(port.certificate.as_ref().map(|c| &c.1), Some(cert_id));
        assert_eq!(
            port.services
                .iter()
                .map(|s| s.component.name.as_str())
                .collect::<Vec<_>>(),
            ["nginx", "Google Analytics"]
        );
        // Site findings belong to the address and to the names the scanner tied to it.
        let components: BTreeSet<(&str, &str)> = batch
            .components
            .iter()
            .map(|c| (c.host.as_str(), c.component.name.as_str()))
            .collect();
        assert_eq!(
            components,
            [
                ("192.0.2.7", "Google Analytics"),
                ("192.0.2.7", "nginx"),
                ("shop.example", "Google Analytics"),
                ("shop.example", "nginx"),
            ]
            .into()
        );
        let cookies: BTreeSet<(&str, &str, &str)> = batch
            .cookies
            .iter()
            .map(|c| (c.host.as_str(), c.name.as_str(), c.domain.as_str()))
            .collect();
        assert_eq!(
            cookies,
            [
                ("192.0.2.7", "pref", "example"),
                ("192.0.2.7", "sid", "shop.example"),
                ("shop.example", "pref", "example"),
                ("shop.example", "sid", "shop.example"),
            ]
            .into()
        );
        let trackers: BTreeSet<(&str, &str)> = batch
            .trackers
            .iter()
            .map(|t| (t.kind.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(trackers, [("GoogleAnalyticsID", "UA-1234567-1")].into());
        let pairs: BTreeSet<(&str, &str, &str)> = batch
            .pairs
            .iter()
            .map(|p| (p.link_kind.as_str(), p.parent.as_str(), p.child.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("finalRedirect", "shop.example", "www.shop.example"),
                ("redirect", "shop.example", "www.shop.example"),
                ("redirect", "www.shop.example", "www.shop.example"),
                ("script", "shop.example", "cdn.example.net"),
            ]
            .into()
        );
        let hc: BTreeSet<(&str, Vec<u16>)> = batch
            .host_certificates
            .iter()
            .map(|h| (h.host.as_str(), h.ports.iter().map(|p| p.0).collect()))
            .collect();
        assert_eq!(
            hc,
            [("192.0.2.7", vec![443]), ("shop.example", vec![443])].into()
        );
    }

    #[test]
    fn repeated_reports_merge_and_closed_ports_carry_no_findings() {
        let mut later = web_port();
        later.time = T0 + 1_000_000;
        let mut closed = PortReport::new("192.0.2.7", 22, Transport::Tcp, PortState::Closed, T0);
        closed.banners.push(Banner {
            scan_protocol: "banner".into(),
            text: "ignored".into(),
        });
        let (batch, _) = derive(vec![web_port(), later, closed], vec![]);
        let open = batch.ports.iter().find(|p| p.port == 443).unwrap();
        assert_eq!(open.open.map(|s| s.times), Some(2));
        let shut = batch.ports.iter().find(|p| p.port == 22).unwrap();
        assert_eq!((shut.open, shut.banners.len()), (None, 0));
        let cookie = batch.cookies.iter().find(|c| c.name == "sid").unwrap();
        assert_eq!((cookie.seen.first, cookie.seen.last), (T0, T0 + 1_000_000));
    }

    #[test]
    fn banner_records_of_a_reported_port_are_not_extra_sightings() {
        let status = PortReport::new("192.0.2.5", 22, Transport::Tcp, PortState::Open, T0);
        let mut banner = PortReport::new(
            "192.0.2.5",
            22,
            Transport::Tcp,
            PortState::Open,
            T0 + 2_000_000,
        );
        banner.supplementary = true;
        banner.banners.push(Banner {
            scan_protocol: "ssh".into(),
            text: "SSH-2.0-x".into(),
        });
        let (batch, _) = derive(vec![status, banner], vec![]);
        let [port] = &batch.ports[..] else {
            panic!("{:?}", batch.ports)
        };
        assert_eq!(
            port.open,
            Some(Seen {
                first: T0,
                last: T0 + 2_000_000,
                times: 1
            })
        );
        assert_eq!(port.banners[0].seen.times, 1);
    }

    #[test]
    fn issuer_certificates_are_stored_but_not_the_ports() {
        let mut r = PortReport::new("192.0.2.4", 443, Transport::Tcp, PortState::Open, T0);
        r.supplementary = true;
        r.ca_certificates.push(certificate());
        let (batch, _) = derive(vec![r], vec![]);
        assert_eq!(batch.certificates.len(), 1);
        assert_eq!(batch.ports[0].certificate, None);
        assert!(batch.host_certificates.is_empty());
    }

    #[test]
    fn unknown_products_fall_back_to_the_scanners_identification() {
        let mut r = PortReport::new("2001:DB8::1", 9999, Transport::Udp, PortState::Open, T0);
        r.service = Some(Service {
            name: "acme".into(),
            product: Some("Acme Widget OS".into()),
            version: Some("3.1".into()),
            cpes: vec!["cpe:/o:acme:widget_os:3.1".into()],
            ..Service::default()
        });
        let (batch, _) = derive(vec![r], vec![]);
        let [c] = &batch.components[..] else {
            panic!("{:?}", batch.components)
        };
        assert_eq!(c.host, "2001:db8::1");
        assert_eq!(
            (
                c.component.name.as_str(),
                c.component.version.as_deref(),
                c.component.category.as_deref()
            ),
            ("Acme Widget OS", Some("3.1"), Some("Operating System"))
        );
        assert_eq!(c.rule, "scanner-service");
        assert_eq!(batch.ports[0].protocol, "udp");
    }

    #[test]
    fn bad_inputs_are_counted_rejects() {
        let bad_address = PortReport::new("not-an-ip", 80, Transport::Tcp, PortState::Open, T0);
        let mut bad_cert = PortReport::new("192.0.2.8", 443, Transport::Tcp, PortState::Open, T0);
        bad_cert.certificates.push(b"\x30\x03\x02\x01".to_vec());
        let (batch, report) = derive(vec![bad_address, bad_cert], vec![]);
        assert_eq!(report.rejects["scan: bad address"], 1);
        assert_eq!(report.rejects["scan: bad certificate"], 1);
        let sample = report
            .samples
            .iter()
            .find(|s| s.message.starts_with("certificate 0"))
            .unwrap();
        assert_eq!(sample.source, "test");
        assert_eq!(sample.location, "192.0.2.8 port 443/tcp");
        // The port itself survives its bad certificate.
        assert_eq!(batch.ports.len(), 1);
        assert!(batch.certificates.is_empty());
    }

    #[test]
    fn coverage_and_bounded_batches() {
        let scanned = HostScanned {
            address: "192.0.2.9".into(),
            time: T0,
            transport: Transport::Tcp,
            ports: vec![(1, 1024)],
            unlisted: Some(PortState::Filtered),
        };
        let (batch, _) = derive(
            vec![],
            vec![
                scanned.clone(),
                HostScanned {
                    unlisted: None,
                    ..scanned
                },
            ],
        );
        let statuses: Vec<&str> = batch.coverage.iter().map(|c| c.status.as_str()).collect();
        assert_eq!(statuses, ["filtered", "closed"]);

        let mut batches = Vec::new();
        let mut agg = ScanAggregator::new(3, |b| batches.push(b));
        for port in 1..=10 {
            agg.port(PortReport::new(
                "192.0.2.1",
                port,
                Transport::Tcp,
                PortState::Open,
                T0,
            ));
        }
        agg.flush();
        drop(agg);
        assert!(batches.len() >= 3, "{} batches", batches.len());
        assert_eq!(batches.iter().map(|b| b.ports.len()).sum::<usize>(), 10);
    }
}
