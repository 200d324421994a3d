//! Scan findings as the store merges them: hosts' ports, components, cookies, trackers, pairs and certificates,
//! each with first/last seen and counts, and the one merge rule a rescan follows.
//!
//! Importers aggregate what a scan saw into a [`ScanBatch`]; the store merges each finding with what it holds by
//! the same [`Seen::merge`] / [`PortFinding::merge`] rules, so a rescan updates first/last seen and counts instead of
//! duplicating, whichever order scans are imported in.

use crate::batch::HostSighting;
use crate::datetime::{self, Micros};
use crate::id::encode_key;
use crate::json::Entity;
use serde_json::{Map, Value, json};

/// When something was seen: the first and last time (µs since the epoch) and how many times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// First sighting.
    pub first: Micros,
    /// Last sighting.
    pub last: Micros,
    /// Number of sightings.
    pub times: i64,
}

impl Seen {
    /// One sighting at `time`.
    pub fn at(time: Micros) -> Self {
        Seen {
            first: time,
            last: time,
            times: 1,
        }
    }

    /// Merges another record of sightings of the same thing.
    pub fn merge(&mut self, other: &Seen) {
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.times = self.times.saturating_add(other.times);
    }
}

/// The identity of a `hostComponent` as `hostPortComponent.component` and the host's `components` carry it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentKey {
    /// The entity id: `name$$version$$category$$host`, as the documented ids are.
    pub id: String,
    /// Component name (`nginx`).
    pub name: String,
    /// Version, when known.
    pub version: Option<String>,
    /// Category (`Server`).
    pub category: Option<String>,
}

impl ComponentKey {
    /// The key of a component seen on `host`.
    pub fn new(host: &str, name: &str, version: Option<&str>, category: Option<&str>) -> Self {
        ComponentKey {
            id: encode_key(&[name, version.unwrap_or(""), category.unwrap_or(""), host]),
            name: name.to_owned(),
            version: version.map(str::to_owned),
            category: category.map(str::to_owned),
        }
    }

    fn json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), Value::String(self.id.clone()));
        o.insert("name".into(), Value::String(self.name.clone()));
        o.insert(
            "version".into(),
            self.version.clone().map_or(Value::Null, Value::String),
        );
        o.insert(
            "category".into(),
            self.category.clone().map_or(Value::Null, Value::String),
        );
        Value::Object(o)
    }
}

/// The id of a `hostPort`: `host$$port` for TCP (the documented form), `host$$port$$udp` for UDP, so a host's
/// TCP and UDP port of the same number are two resources.
pub fn host_port_id(host: &str, port: u16, protocol: &str) -> String {
    let port = port.to_string();
    if protocol == "tcp" {
        encode_key(&[host, &port])
    } else {
        encode_key(&[host, &port, protocol])
    }
}

/// Banners kept per port (the most recently seen).
pub const MAX_BANNERS: usize = 32;

/// A banner seen on a port (`hostPortBanner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannerFinding {
    /// The text.
    pub banner: String,
    /// How it was obtained (`http_raw`, `banner`, `ssh`).
    pub scan_protocol: String,
    /// Sightings.
    pub seen: Seen,
}

/// A component detected on a port (`hostPortComponent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFinding {
    /// The component.
    pub component: ComponentKey,
    /// Sightings.
    pub seen: Seen,
}

/// Everything known about one port of one host (`hostPort`), as a mergeable aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortFinding {
    /// Host id (normal form).
    pub host: String,
    /// Port number.
    pub port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Status at the latest scan (`open`, `closed`, `filtered`).
    pub status: String,
    /// The latest scan that covered the port.
    pub last_scan: Micros,
    /// Scans that found the port open (`firstSeenDateTime`, `lastSeenDateTime`, `timesObserved`); `None` if it was
    /// never found open.
    pub open: Option<Seen>,
    /// Banners, one per (text, scan protocol).
    pub banners: Vec<BannerFinding>,
    /// Components, one per component id.
    pub services: Vec<ServiceFinding>,
    /// The most recently seen certificate: when, and its `sslCertificate` id.
    pub certificate: Option<(Micros, String)>,
}

impl PortFinding {
    /// The `hostPort` id.
    pub fn id(&self) -> String {
        host_port_id(&self.host, self.port, &self.protocol)
    }

    /// Merges another finding for the same port: sightings add up, the later scan decides the status, and the
    /// later certificate wins.
    pub fn merge(&mut self, other: &PortFinding) {
        if other.last_scan >= self.last_scan {
            self.status.clone_from(&other.status);
            self.last_scan = other.last_scan;
        }
        match (&mut self.open, &other.open) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, Some(theirs)) => *mine = Some(*theirs),
            _ => {}
        }
        for b in &other.banners {
            match self
                .banners
                .iter_mut()
                .find(|m| m.banner == b.banner && m.scan_protocol == b.scan_protocol)
            {
                Some(mine) => mine.seen.merge(&b.seen),
                None => self.banners.push(b.clone()),
            }
        }
        for s in &other.services {
            match self
                .services
                .iter_mut()
                .find(|m| m.component.id == s.component.id)
            {
                Some(mine) => mine.seen.merge(&s.seen),
                None => self.services.push(s.clone()),
            }
        }
        // Banners that change with every scan (a `Date:` header) would grow a port without bound: the most
        // recently seen ones are kept.
        if self.banners.len() > MAX_BANNERS {
            self.banners.sort_by_key(|b| std::cmp::Reverse(b.seen.last));
            self.banners.truncate(MAX_BANNERS);
        }
        match (&self.certificate, &other.certificate) {
            (Some((mine, _)), Some((theirs, _))) if theirs < mine => {}
            (_, Some(theirs)) => self.certificate = Some(theirs.clone()),
            _ => {}
        }
    }

    /// A scan covered the port without listing it: it is now `status` as of `time` (a later rescan that no longer
    /// finds an open port).
    pub fn unlisted(&mut self, status: &str, time: Micros) {
        if time > self.last_scan {
            self.status = status.to_owned();
            self.last_scan = time;
        }
    }

    /// The `hostPort` as Graph JSON (what `json::validate_entity` takes). `services[].isRecent` follows the
    /// schema's rule: seen at or after the latest banner; without banners, within two days of the latest scan.
    pub fn to_json(&self) -> Value {
        const TWO_DAYS: Micros = 2 * 24 * 3600 * 1_000_000;
        let latest_banner = self.banners.iter().map(|b| b.seen.last).max();
        let mut banners: Vec<&BannerFinding> = self.banners.iter().collect();
        banners.sort_by(|a, b| b.seen.last.cmp(&a.seen.last).then(a.banner.cmp(&b.banner)));
        let mut services: Vec<&ServiceFinding> = self.services.iter().collect();
        services.sort_by(|a, b| {
            b.seen
                .last
                .cmp(&a.seen.last)
                .then(a.component.cmp(&b.component))
        });
        let mut o = Map::new();
        o.insert(
            "@odata.type".into(),
            "#microsoft.graph.security.hostPort".into(),
        );
        o.insert("id".into(), Value::String(self.id()));
        o.insert("port".into(), self.port.into());
        if let Some(open) = &self.open {
            o.insert(
                "firstSeenDateTime".into(),
                datetime::format(open.first).into(),
            );
            o.insert(
                "lastSeenDateTime".into(),
                datetime::format(open.last).into(),
            );
            o.insert("timesObserved".into(), clamp_i32(open.times).into());
        }
        o.insert(
            "lastScanDateTime".into(),
            datetime::format(self.last_scan).into(),
        );
        o.insert("status".into(), Value::String(self.status.clone()));
        o.insert("protocol".into(), Value::String(self.protocol.clone()));
        let banners = banners
            .iter()
            .map(|b| {
                json!({
                    "banner": b.banner,
                    "firstSeenDateTime": datetime::format(b.seen.first),
                    "lastSeenDateTime": datetime::format(b.seen.last),
                    "scanProtocol": b.scan_protocol,
                    "timesObserved": clamp_i32(b.seen.times),
                })
            })
            .collect();
        o.insert("banners".into(), Value::Array(banners));
        let services = services
            .iter()
            .map(|s| {
                let recent = match latest_banner {
                    Some(latest) => s.seen.last >= latest,
                    None => s.seen.last >= self.last_scan.saturating_sub(TWO_DAYS),
                };
                json!({
                    "firstSeenDateTime": datetime::format(s.seen.first),
                    "lastSeenDateTime": datetime::format(s.seen.last),
                    "isRecent": recent,
                    "component": s.component.json(),
                })
            })
            .collect();
        o.insert("services".into(), Value::Array(services));
        if let Some((_, cert)) = &self.certificate {
            o.insert("mostRecentSslCertificate".into(), json!({ "id": cert }));
        }
        o.insert("host".into(), json!({ "id": self.host }));
        Value::Object(o)
    }

    /// Reads a stored `hostPort` back from its Graph JSON (as the store renders it, beta, no `$expand`). Returns
    /// `None` for a stub without port or status. The certificate's sighting time is not stored: the stored one
    /// counts as seen at the last scan.
    pub fn from_json(v: &Value) -> Option<PortFinding> {
        let time = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).and_then(datetime::parse);
        let port = u16::try_from(v.get("port")?.as_u64()?).ok()?;
        let host = v.get("host")?.get("id")?.as_str()?.to_owned();
        let last_scan = time(v, "lastScanDateTime").or_else(|| time(v, "lastSeenDateTime"))?;
        let open = match (time(v, "firstSeenDateTime"), time(v, "lastSeenDateTime")) {
            (Some(first), Some(last)) => Some(Seen {
                first,
                last,
                times: v.get("timesObserved").and_then(Value::as_i64).unwrap_or(1),
            }),
            _ => None,
        };
        let banners = array(v, "banners")
            .filter_map(|b| {
                Some(BannerFinding {
                    banner: b.get("banner")?.as_str()?.to_owned(),
                    scan_protocol: str_or_empty(b, "scanProtocol"),
                    seen: Seen {
                        first: time(b, "firstSeenDateTime")?,
                        last: time(b, "lastSeenDateTime")?,
                        times: b.get("timesObserved").and_then(Value::as_i64).unwrap_or(1),
                    },
                })
            })
            .collect();
        let services = array(v, "services")
            .filter_map(|s| {
                let c = s.get("component")?;
                let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
                Some(ServiceFinding {
                    component: ComponentKey {
                        id: text("id")?,
                        name: text("name").unwrap_or_default(),
                        version: text("version"),
                        category: text("category"),
                    },
                    seen: Seen {
                        first: time(s, "firstSeenDateTime")?,
                        last: time(s, "lastSeenDateTime")?,
                        times: 1,
                    },
                })
            })
            .collect();
        let certificate = v
            .get("mostRecentSslCertificate")
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str)
            .map(|id| (last_scan, id.to_owned()));
        Some(PortFinding {
            host,
            port,
            protocol: v
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("tcp")
                .to_owned(),
            status: v.get("status").and_then(Value::as_str)?.to_owned(),
            last_scan,
            open,
            banners,
            services,
            certificate,
        })
    }
}

/// A certificate seen on a host (`hostSslCertificate`), with the ports it was served on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCertificateFinding {
    /// Host id.
    pub host: String,
    /// The `sslCertificate` id.
    pub certificate: String,
    /// Sightings on any port.
    pub seen: Seen,
    /// Sightings per port, ordered by port.
    pub ports: Vec<(u16, Seen)>,
}

impl HostCertificateFinding {
    /// The entity id: `host$$certificate id`.
    pub fn id(&self) -> String {
        encode_key(&[&self.host, &self.certificate])
    }

    /// Merges another finding of the same certificate on the same host.
    pub fn merge(&mut self, other: &HostCertificateFinding) {
        self.seen.merge(&other.seen);
        for (port, seen) in &other.ports {
            match self.ports.iter_mut().find(|(p, _)| p == port) {
                Some((_, mine)) => mine.merge(seen),
                None => self.ports.push((*port, *seen)),
            }
        }
        self.ports.sort_by_key(|(p, _)| *p);
    }

    /// The entity as Graph JSON.
    pub fn to_json(&self) -> Value {
        let ports: Vec<Value> = self
            .ports
            .iter()
            .map(|(port, seen)| {
                json!({
                    "port": port,
                    "firstSeenDateTime": datetime::format(seen.first),
                    "lastSeenDateTime": datetime::format(seen.last),
                })
            })
            .collect();
        json!({
            "@odata.type": "#microsoft.graph.security.hostSslCertificate",
            "id": self.id(),
            "firstSeenDateTime": datetime::format(self.seen.first),
            "lastSeenDateTime": datetime::format(self.seen.last),
            "ports": ports,
            "host": { "id": self.host },
            "sslCertificate": { "id": self.certificate },
        })
    }

    /// Reads a stored one back from its Graph JSON.
    pub fn from_json(v: &Value) -> Option<HostCertificateFinding> {
        let time = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).and_then(datetime::parse);
        let seen = Seen {
            first: time(v, "firstSeenDateTime")?,
            last: time(v, "lastSeenDateTime")?,
            times: 1,
        };
        let ports = array(v, "ports")
            .filter_map(|p| {
                let port = u16::try_from(p.get("port")?.as_u64()?).ok()?;
                let seen = Seen {
                    first: time(p, "firstSeenDateTime")?,
                    last: time(p, "lastSeenDateTime")?,
                    times: 1,
                };
                Some((port, seen))
            })
            .collect();
        Some(HostCertificateFinding {
            host: v.get("host")?.get("id")?.as_str()?.to_owned(),
            certificate: v.get("sslCertificate")?.get("id")?.as_str()?.to_owned(),
            seen,
            ports,
        })
    }
}

/// A component detected on a host (`hostComponent`), with the detection rule that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentFinding {
    /// Host id.
    pub host: String,
    /// The component.
    pub component: ComponentKey,
    /// Sightings.
    pub seen: Seen,
    /// Id of the rule that detected it (kept so a detection can be explained).
    pub rule: String,
}

/// A cookie a host set (`hostCookie`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieFinding {
    /// Host id.
    pub host: String,
    /// Cookie name.
    pub name: String,
    /// Cookie domain (the `Domain` attribute, else the host).
    pub domain: String,
    /// Sightings.
    pub seen: Seen,
}

impl CookieFinding {
    /// The entity id: `host$$name$$domain`, as the documented ids are.
    pub fn id(&self) -> String {
        encode_key(&[&self.host, &self.name, &self.domain])
    }
}

/// A tracker id found on a host's pages (`hostTracker`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerFinding {
    /// Host id.
    pub host: String,
    /// Kind (`GoogleAnalyticsID`).
    pub kind: String,
    /// Value (`UA-12345-1`).
    pub value: String,
    /// Sightings.
    pub seen: Seen,
}

impl TrackerFinding {
    /// The entity id: `value$$kind$$host`.
    pub fn id(&self) -> String {
        encode_key(&[&self.value, &self.kind, &self.host])
    }
}

/// Two hosts linked by a redirect or a page's reference (`hostPair`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairFinding {
    /// Host that leads to the child.
    pub parent: String,
    /// Host reached.
    pub child: String,
    /// Why (`redirect`, `finalRedirect`, `script`, `iframe`, `stylesheet`, `image`, `anchor`, …).
    pub link_kind: String,
    /// Sightings.
    pub seen: Seen,
}

impl PairFinding {
    /// The entity id: `linkKind$$parent$$child`.
    pub fn id(&self) -> String {
        encode_key(&[&self.link_kind, &self.parent, &self.child])
    }
}

/// A certificate served by a scanned port, as an `sslCertificate` entity, and when it was seen.
#[derive(Debug, Clone)]
pub struct CertificateFinding {
    /// The validated entity (its id is the certificate id).
    pub entity: Entity,
    /// Sightings.
    pub seen: Seen,
}

/// A scan covered ports of a host without listing some: those that are stored become `status` as of `time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Host id.
    pub host: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// When.
    pub time: Micros,
    /// Port ranges covered, inclusive.
    pub ranges: Vec<(u16, u16)>,
    /// What unlisted covered ports are now.
    pub status: String,
}

impl Coverage {
    /// Whether the scan covered `port`.
    pub fn covers(&self, port: u16) -> bool {
        self.ranges
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&port))
    }
}

/// What a scan import hands to the store. Every finding merges with what is stored (earliest first seen, latest
/// last seen, counts added, the later scan's status), so importing a rescan updates rather than duplicates.
#[derive(Debug, Default, Clone)]
pub struct ScanBatch {
    /// Hosts seen (scanned addresses and the names scanners tied to them), with their sighting times.
    pub hosts: Vec<HostSighting>,
    /// Ports.
    pub ports: Vec<PortFinding>,
    /// Scan coverage, applied after the ports.
    pub coverage: Vec<Coverage>,
    /// Components per host.
    pub components: Vec<ComponentFinding>,
    /// Cookies.
    pub cookies: Vec<CookieFinding>,
    /// Trackers.
    pub trackers: Vec<TrackerFinding>,
    /// Host pairs.
    pub pairs: Vec<PairFinding>,
    /// Certificates.
    pub certificates: Vec<CertificateFinding>,
    /// Certificates per host.
    pub host_certificates: Vec<HostCertificateFinding>,
}

impl ScanBatch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of findings.
    pub fn len(&self) -> usize {
        self.hosts.len()
            + self.ports.len()
            + self.coverage.len()
            + self.components.len()
            + self.cookies.len()
            + self.trackers.len()
            + self.pairs.len()
            + self.certificates.len()
            + self.host_certificates.len()
    }
}

fn clamp_i32(n: i64) -> i64 {
    n.clamp(0, i64::from(i32::MAX))
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn str_or_empty(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::validate_entity;

    const DAY: Micros = 24 * 3600 * 1_000_000;
    const T0: Micros = 1_700_000_000_000_000;

    fn port(time: Micros, status: &str, banner: Option<&str>, nginx: Option<&str>) -> PortFinding {
        let open = (status == "open").then(|| Seen::at(time));
        PortFinding {
            host: "192.0.2.1".into(),
            port: 443,
            protocol: "tcp".into(),
            status: status.into(),
            last_scan: time,
            open,
            banners: banner
                .map(|b| BannerFinding {
                    banner: b.into(),
                    scan_protocol: "http_raw".into(),
                    seen: Seen::at(time),
                })
                .into_iter()
                .collect(),
            services: nginx
                .map(|v| ServiceFinding {
                    component: ComponentKey::new("192.0.2.1", "nginx", Some(v), Some("Server")),
                    seen: Seen::at(time),
                })
                .into_iter()
                .collect(),
            certificate: None,
        }
    }

    #[test]
    fn documented_ids_round_trip() {
        assert_eq!(
            host_port_id("85.13.139.18", 21, "tcp"),
            "ODUuMTMuMTM5LjE4JCQyMQ=="
        );
        assert_eq!(
            ComponentKey::new(
                "c1.microsoft.com",
                "Microsoft-IIS",
                Some("10.0"),
                Some("Server")
            )
            .id,
            encode_key(&["Microsoft-IIS", "10.0", "Server", "c1.microsoft.com"])
        );
        let cookie = CookieFinding {
            host: "securemail.contoso.com".into(),
            name: "OIDC".into(),
            domain: "securemail.contoso.com".into(),
            seen: Seen::at(T0),
        };
        assert_eq!(
            cookie.id(),
            "c2VjdXJlbWFpbC5jb250b3NvLmNvbSQkT0lEQyQkc2VjdXJlbWFpbC5jb250b3NvLmNvbQ=="
        );
        assert_ne!(
            host_port_id("192.0.2.1", 53, "udp"),
            host_port_id("192.0.2.1", 53, "tcp")
        );
    }

    #[test]
    fn rescans_merge_in_any_order() {
        let first = port(T0, "open", Some("HTTP/1.1 200 OK"), Some("1.22.1"));
        let second = port(T0 + DAY, "open", Some("HTTP/1.1 200 OK"), Some("1.24.0"));
        let third = port(T0 + 2 * DAY, "closed", None, None);
        let mut forward = first.clone();
        forward.merge(&second);
        forward.merge(&third);
        let mut backward = third.clone();
        backward.merge(&second);
        backward.merge(&first);
        for merged in [&forward, &backward] {
            assert_eq!(merged.status, "closed");
            assert_eq!(merged.last_scan, T0 + 2 * DAY);
            assert_eq!(
                merged.open,
                Some(Seen {
                    first: T0,
                    last: T0 + DAY,
                    times: 2
                })
            );
            assert_eq!(merged.banners.len(), 1);
            assert_eq!(merged.banners[0].seen.times, 2);
            assert_eq!(merged.services.len(), 2);
        }
    }

    #[test]
    fn a_port_keeps_its_most_recent_banners() {
        let mut p = port(T0, "open", Some("banner 0"), None);
        for day in 1..=(MAX_BANNERS as i64 + 5) {
            p.merge(&port(
                T0 + day * DAY,
                "open",
                Some(&format!("banner {day}")),
                None,
            ));
        }
        assert_eq!(p.banners.len(), MAX_BANNERS);
        assert!(p.banners.iter().all(|b| b.seen.last > T0 + 5 * DAY));
    }

    #[test]
    fn is_recent_follows_the_schema_rule() {
        // With banners: a component is recent when seen at or after the latest banner.
        let mut p = port(T0, "open", Some("old"), Some("1.22.1"));
        p.merge(&port(T0 + DAY, "open", Some("new"), Some("1.24.0")));
        let v = p.to_json();
        let recent: Vec<(&str, bool)> = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["component"]["version"].as_str().unwrap(),
                    s["isRecent"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(recent, [("1.24.0", true), ("1.22.1", false)]);
        // Without banners: within two days of the latest scan.
        let mut p = port(T0, "open", None, Some("1.22.1"));
        p.merge(&port(T0 + DAY, "open", None, None));
        assert_eq!(p.to_json()["services"][0]["isRecent"], true);
        p.merge(&port(T0 + 3 * DAY, "open", None, None));
        assert_eq!(p.to_json()["services"][0]["isRecent"], false);
    }

    #[test]
    fn json_round_trips_through_validation() {
        let mut p = port(T0, "open", Some("SSH-2.0-OpenSSH_9.2p1"), Some("9.2p1"));
        p.certificate = Some((T0, "Y2VydA==".into()));
        let entity = validate_entity(&p.to_json(), None, "").expect("valid hostPort");
        let mut stored = Value::Object(entity.props.clone());
        stored["host"] = json!({"id": "192.0.2.1"});
        stored["mostRecentSslCertificate"] = json!({"id": "Y2VydA=="});
        let back = PortFinding::from_json(&stored).expect("reads back");
        assert_eq!(back, p);

        let hc = HostCertificateFinding {
            host: "contoso.com".into(),
            certificate: "Y2VydA==".into(),
            seen: Seen {
                first: T0,
                last: T0 + DAY,
                times: 1,
            },
            ports: vec![(
                443,
                Seen {
                    first: T0,
                    last: T0 + DAY,
                    times: 1,
                },
            )],
        };
        let entity = validate_entity(&hc.to_json(), None, "").expect("valid hostSslCertificate");
        assert_eq!(entity.refs.len(), 2);
        let mut stored = Value::Object(entity.props.clone());
        stored["host"] = json!({"id": "contoso.com"});
        stored["sslCertificate"] = json!({"id": "Y2VydA=="});
        assert_eq!(HostCertificateFinding::from_json(&stored), Some(hc));
    }

    #[test]
    fn unlisted_ports_take_the_coverage_status_only_when_newer() {
        let mut p = port(T0, "open", None, None);
        p.unlisted("closed", T0 - DAY);
        assert_eq!(p.status, "open");
        p.unlisted("closed", T0 + DAY);
        assert_eq!((p.status.as_str(), p.last_scan), ("closed", T0 + DAY));
        let c = Coverage {
            host: "h".into(),
            protocol: "tcp".into(),
            time: T0,
            ranges: vec![(1, 3), (80, 80)],
            status: "closed".into(),
        };
        assert!(c.covers(2) && c.covers(80) && !c.covers(81));
    }
}
