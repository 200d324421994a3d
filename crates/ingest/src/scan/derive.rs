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
        let mut port = PortFinding {
            host: host.clone(),
            port: r.port,
            protocol: r.transport.as_str().to_owned(),
            status: r.state.as_str().to_owned(),
            last_scan: time,
            open: open.then_some(seen),
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
                        value: format!("{}:{}", key.key_type, key.fingerprint.to_ascii_lowercase()),
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
        if let Some(service) = &r.service {
            if let Some(product) = &service.product {
                let known = detections.iter().any(|d| d.0.eq_ignore_ascii_case(product));
                if !known {
                    let category = service.cpes.iter().find_map(|cpe| cpe_category(cpe));
                    detections.push((
                        product.clone(),
                        service.version.clone(),
                        category.map(str::to_owned),
                        "scanner-service".to_owned(),
                    ));
                }
            }
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

    /// Certificates: every one is stored; the leaf is the port's latest and the hosts' certificate.
    fn certificates_of(
        &mut self,
        r: &PortReport,
        site_hosts: &[String],
        seen: Seen,
        port: &mut PortFinding,
    ) {
        for (i, der) in r.certificates.iter().enumerate() {
            let entity = match certificate_entity(der) {
                Ok(entity) => entity,
                Err(e) => {
                    self.reject("scan: bad certificate", r, format!("certificate {i}: {e}"));
                    continue;
                }
            };
            let id = entity.id.clone();
            if i == 0 {
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
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut from = base.clone();
        let mut last_target = None;
        for target in &http.redirects {
            if let Some(child) = fingerprint::resolve_host(&from, target) {
                pairs.push(("redirect".into(), normalize_host(&child)));
                last_target = Some(normalize_host(&child));
                from = absolute(&from, target);
            }
        }
        if let Some(last) = last_target {
            pairs.push(("finalRedirect".into(), last));
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
                pairs.push((kind.to_owned(), child));
            }
        }
        for (kind, child) in pairs {
            self.saw_host(&child, seen.last);
            let pair = PairFinding {
                parent: page_host.clone(),
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
