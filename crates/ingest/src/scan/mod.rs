//! Scanner output (nmap, masscan, zgrab2): what every scanner parser reports, one port of one host at a time.
//!
//! The parsers only parse: they turn their format into [`PortReport`]s and [`HostScanned`]s and hand them to a
//! [`ScanSink`], with rejects for what they cannot read. Turning reports into hosts' ports, banners, components,
//! cookies, trackers, host pairs and certificates is the derivation's job (`derive`), which is the same for every
//! scanner.

pub mod derive;
pub mod fingerprint;

use crate::report::Reject;

pub mod masscan;
pub mod nmap;
mod payload;
#[cfg(test)]
mod testing;
pub mod zgrab2;

/// Transport protocol of a scanned port (the schema's `hostPortProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Transport {
    /// The schema's member name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// What a scan found a port to be (the schema's `hostPortStatus`). Scanners' finer states map onto these three:
/// nmap's `open|filtered`, `closed|filtered` and `unfiltered` are [`PortState::Filtered`] (the scanner could not
/// tell); masscan's `open` is open and its `closed` is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortState {
    /// Something answered.
    Open,
    /// Reachable, nothing listening.
    Closed,
    /// No answer, or the scanner could not tell.
    Filtered,
}

impl PortState {
    /// The schema's member name.
    pub fn as_str(self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Filtered => "filtered",
        }
    }
}

/// The service a scanner identified on a port (nmap `-sV`'s `<service>`, masscan's and zgrab2's module name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    /// Service name as the scanner calls it: `http`, `ssh`, `ftp`, `ssl/http` is `http` with `tunnel = Some("ssl")`.
    pub name: String,
    /// Product (`nginx`, `OpenSSH`).
    pub product: Option<String>,
    /// Product version (`1.22.1`, `9.2p1 Debian 2+deb12u3`).
    pub version: Option<String>,
    /// Free text the scanner adds (`protocol 2.0`, `Ubuntu Linux`).
    pub extra_info: Option<String>,
    /// CPE names, as written (`cpe:/a:openbsd:openssh:9.2p1`, `cpe:2.3:a:...`).
    pub cpes: Vec<String>,
    /// Tunnel the service runs in (`ssl`).
    pub tunnel: Option<String>,
}

/// A banner: what a service said when probed, and how it was probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// How the banner was obtained, e.g. `banner` (nmap's banner script), `http_raw` (an HTTP response's status
    /// line and headers), `ssh`, `ftp`, or masscan's service name.
    pub scan_protocol: String,
    /// The text, as received (control characters kept; scanners' escapes undone where the format defines them).
    pub text: String,
}

/// One HTTP response a scanner recorded for a port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The URL that was requested, when the scanner says (`https://192.0.2.1:8443/`); else the derivation builds
    /// one from address, port and tunnel.
    pub url: Option<String>,
    /// Status code.
    pub status: Option<u16>,
    /// Response headers in order, names as sent (several `Set-Cookie` stay several entries).
    pub headers: Vec<(String, String)>,
    /// The page title, when the scanner extracted one and the body is not available.
    pub title: Option<String>,
    /// The body (HTML) when the scanner kept it.
    pub body: Option<String>,
    /// Redirect targets in the order they were followed or announced (`Location`s, absolute or relative).
    pub redirects: Vec<String>,
    /// Cookie names seen without their `Set-Cookie` header (nmap's `http-cookie-flags`).
    pub cookie_names: Vec<String>,
    /// The page's `<meta name="generator">` content, when the scanner extracted it and the body is not available
    /// (nmap's `http-generator`).
    pub generator: Option<String>,
    /// Tracker ids the scanner extracted from the page itself, as (`hostTracker` kind, value) (nmap's
    /// `http-affiliate-id`).
    pub trackers: Vec<(String, String)>,
    /// URLs of scripts the site includes from other sites, when the scanner listed them instead of keeping the
    /// body (nmap's `http-referer-checker`).
    pub script_sources: Vec<String>,
}

/// An SSH host key as a scanner reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshHostKey {
    /// Key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`).
    pub key_type: String,
    /// Fingerprint as the scanner prints it (nmap: MD5 hex without colons; zgrab2: SHA-256 hex).
    pub fingerprint: String,
    /// SHA-256 of the key blob in lower-case hex, when known (zgrab2's fingerprint; computed from nmap's `key`):
    /// the form every scanner can give, so the same key links hosts whichever scanner saw it.
    pub sha256: Option<String>,
    /// Key size in bits, when given.
    pub bits: Option<u32>,
}

/// Everything one scan saw on one port of one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortReport {
    /// The scanned address (IPv4 or IPv6 literal, as the scanner wrote it; the derivation normalises).
    pub address: String,
    /// Host names the scanner tied to the address: nmap's `user` and `PTR` hostnames, zgrab2's `domain`.
    /// The derivation attributes web findings to these names as well as to the address.
    pub names: Vec<String>,
    /// Port number.
    pub port: u16,
    /// Transport.
    pub transport: Transport,
    /// State found.
    pub state: PortState,
    /// When the port was scanned, µs since the Unix epoch (nmap: the host's `endtime`, else the run's `start`;
    /// masscan: the record's timestamp; zgrab2: the module's `timestamp`).
    pub time: i64,
    /// Service identification, when the scanner did any.
    pub service: Option<Service>,
    /// Banners.
    pub banners: Vec<Banner>,
    /// HTTP responses.
    pub http: Vec<HttpResponse>,
    /// Certificates the port presented, DER, leaf first.
    pub certificates: Vec<Vec<u8>>,
    /// Certificates the port presented that the scanner marks as issuers' rather than the port's own (masscan's
    /// `X509CA` records), DER: stored, but never taken for the port's certificate.
    pub ca_certificates: Vec<Vec<u8>>,
    /// SSH host keys.
    pub ssh_host_keys: Vec<SshHostKey>,
    /// The report only adds findings (a banner, a certificate) to a sighting of the port reported on its own
    /// (masscan writes a port's status and each of its banners as separate records): it is not a sighting itself,
    /// so it does not add to the port's `timesObserved`.
    pub supplementary: bool,
}

impl PortReport {
    /// A report with only the port's identity and state.
    pub fn new(
        address: &str,
        port: u16,
        transport: Transport,
        state: PortState,
        time: i64,
    ) -> Self {
        PortReport {
            address: address.to_owned(),
            names: Vec::new(),
            port,
            transport,
            state,
            time,
            service: None,
            banners: Vec::new(),
            http: Vec::new(),
            certificates: Vec::new(),
            ca_certificates: Vec::new(),
            ssh_host_keys: Vec::new(),
            supplementary: false,
        }
    }
}

/// That a host was scanned, and what the scan covered: lets a rescan mark ports that were open before and are no
/// longer listed. Only scanners that say which ports they probed (nmap's `scaninfo`) and what unlisted ports were
/// (nmap's `extraports`) emit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostScanned {
    /// The address.
    pub address: String,
    /// When, µs since the Unix epoch (same clock as the host's [`PortReport::time`]).
    pub time: i64,
    /// Transport of the covered ports.
    pub transport: Transport,
    /// Port ranges probed, inclusive.
    pub ports: Vec<(u16, u16)>,
    /// What probed ports that the scanner did not list were found to be (nmap's dominant `extraports` state);
    /// `None` when the scanner does not say.
    pub unlisted: Option<PortState>,
}

/// Where scanner parsers put what they read. Rejects carry their reason (a short stable key such as
/// `nmap: bad xml`) and where they were found.
pub trait ScanSink {
    /// One port of one host.
    fn port(&mut self, report: PortReport);
    /// One host's scan coverage (after all its ports).
    fn host_scanned(&mut self, scanned: HostScanned);
    /// A record that could not be read.
    fn reject(&mut self, reason: &'static str, reject: Reject);
    /// [`ScanSink::reject`] from its parts.
    fn reject_at(&mut self, reason: &'static str, source: &str, location: String, message: String) {
        self.reject(
            reason,
            Reject {
                source: source.to_owned(),
                location,
                message,
            },
        );
    }
}

/// A sink that keeps everything, for tests and small inputs.
#[derive(Debug, Default)]
pub struct CollectedScan {
    /// Ports, in order.
    pub ports: Vec<PortReport>,
    /// Host coverage, in order.
    pub hosts: Vec<HostScanned>,
    /// Rejects with their reasons.
    pub rejects: Vec<(&'static str, Reject)>,
}

impl ScanSink for CollectedScan {
    fn port(&mut self, report: PortReport) {
        self.ports.push(report);
    }
    fn host_scanned(&mut self, scanned: HostScanned) {
        self.hosts.push(scanned);
    }
    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.rejects.push((reason, reject));
    }
}
