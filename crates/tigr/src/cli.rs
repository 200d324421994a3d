//! Command-line flags (clap), validated here so the commands get typed values.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// tigr: a self-hosted threat-intelligence server speaking the Microsoft Graph threat-intelligence API.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Data directory (created if missing).
    #[arg(long, global = true, env = "TIGR_DATA", default_value = "./tigr-data")]
    pub data: PathBuf,
    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the Graph API (v1.0 and beta) from the data directory.
    Serve(ServeArgs),
    /// Print a bearer token signed by this data directory's key.
    Token(TokenArgs),
    /// Import data.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Run a long-lived collector that feeds the store as data arrives.
    #[command(subcommand)]
    Sensor(SensorCommand),
    /// Write every stored entity and relation as graph-json NDJSON (re-importable with `ingest graph-json`).
    Export {
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Load the documented Microsoft Graph examples as sample data.
    LoadSample,
    /// Try tigr: a fresh data directory with the sample data, a printed token, and the server running.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
}

/// `tigr serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TIGR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Also accept tokens from this OpenID Connect issuer (its `iss`); needs --oidc-jwks-url.
    #[arg(long, env = "TIGR_OIDC_ISSUER", requires = "oidc_jwks_url")]
    pub oidc_issuer: Option<String>,
    /// The issuer's JWKS URL (RS256 keys, cached, refreshed on an unknown `kid`).
    #[arg(long, env = "TIGR_OIDC_JWKS_URL", requires = "oidc_issuer")]
    pub oidc_jwks_url: Option<String>,
    /// Base URL written into @odata.context and @odata.nextLink (default: from the request's Host header).
    #[arg(long, env = "TIGR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Page size when a request has no $top.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub page_size: u32,
    /// Largest page served.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_page_size: u32,
    /// Megabytes of answers kept in memory for repeated GETs; entries live only while the store is unchanged
    /// (any commit, from this process or another, empties the cache). 0 turns it off.
    #[arg(long, env = "TIGR_CACHE_MB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub cache_mb: u64,
}

/// `tigr token` flags.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Delegated scope to put in `scp` (repeatable; default ThreatIntelligence.Read.All).
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Application role to put in `roles` (repeatable).
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// Lifetime, e.g. 90s, 30m, 1h, 7d.
    #[arg(long, default_value = "1h")]
    pub ttl: String,
}

/// `tigr ingest` formats.
#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// Graph-shaped JSON: entities, {"value": [...]} collections, NDJSON of either; `-` reads standard input.
    GraphJson {
        /// Files to read (`-` for standard input).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Packet captures (pcap, pcapng): DNS responses over UDP and TCP become passive DNS.
    Pcap {
        #[command(flatten)]
        common: DnsIngestArgs,
        /// DNS server port to decode (repeatable).
        #[arg(long = "port", default_values_t = [53u16])]
        ports: Vec<u16>,
    },
    /// dnstap Frame Streams files (as written by unbound, Knot Resolver, BIND, PowerDNS, dnstap/fstrm tools).
    Dnstap(DnsIngestArgs),
    /// Zeek dns.log, TSV or JSON.
    ZeekDns(DnsIngestArgs),
    /// Passive DNS Common Output Format NDJSON (DNSDB, CIRCL, D4), `{"obj": ...}` wrappers included.
    Cof(DnsIngestArgs),
    /// The passivedns sensor's `||`-separated log lines.
    Passivedns(DnsIngestArgs),
    /// X.509 certificates, PEM (any number per file; other blocks skipped) or DER, as sslCertificates.
    X509 {
        /// Files, or directories read recursively (`-` for standard input).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// nmap XML (`-oX`): ports, services, banners and the http-*, ssl-cert and ssh-hostkey scripts.
    Nmap(ScanIngestArgs),
    /// masscan output in any of its forms (list, JSON, NDJSON, XML), banners included.
    Masscan(ScanIngestArgs),
    /// zgrab2 NDJSON (http, tls and banner modules).
    Zgrab2 {
        #[command(flatten)]
        common: ScanIngestArgs,
        /// Port a module scanned when its output does not say, as MODULE=PORT (repeatable; defaults: http=80,
        /// tls=443, ssh=22, ...).
        #[arg(long = "module-port", value_parser = parse_module_port)]
        module_ports: Vec<(String, u16)>,
    },
}

/// Flags shared by the scanner importers.
#[derive(Debug, Args)]
pub struct ScanIngestArgs {
    /// Files to read (`-` for standard input); gzip and zstd are detected and decompressed.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Distinct findings (ports, components, cookies, ...) held in memory before a batch is written.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub batch_findings: u64,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

fn parse_module_port(s: &str) -> Result<(String, u16), String> {
    let (module, port) = s
        .split_once('=')
        .ok_or_else(|| format!("expected MODULE=PORT, got {s:?}"))?;
    let port = port
        .parse()
        .map_err(|_| format!("{port:?} is not a port number"))?;
    Ok((module.to_owned(), port))
}

/// Flags shared by the passive DNS importers.
#[derive(Debug, Args)]
pub struct DnsIngestArgs {
    /// Files to read (`-` for standard input); gzip and zstd are detected and decompressed.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Distinct records aggregated in memory before a batch is written (bounds memory: ~200 bytes each; threads
    /// reading one large file share it).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub batch_records: u64,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

/// `tigr sensor` collectors.
#[derive(Debug, Subcommand)]
pub enum SensorCommand {
    /// Receive dnstap over Frame Streams (bidirectional handshake) from resolvers and servers.
    Dnstap(DnstapSensorArgs),
}

/// `tigr sensor dnstap` flags.
#[derive(Debug, Args)]
pub struct DnstapSensorArgs {
    /// Where to listen: `unix:PATH` (a socket file, created) or `tcp:ADDR:PORT`.
    #[arg(long, value_parser = parse_listen)]
    pub listen: Listen,
    /// Write what was aggregated at least this often (e.g. 1s, 30s, 5m); also written on SIGINT/SIGTERM.
    #[arg(long, default_value = "10s")]
    pub flush_interval: String,
    /// Distinct records aggregated in memory before a batch is written regardless of the interval.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub batch_records: u64,
}

/// A collector's listening address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

fn parse_listen(text: &str) -> Result<Listen, String> {
    if let Some(path) = text.strip_prefix("unix:") {
        if path.is_empty() {
            return Err("unix: needs a socket path, e.g. unix:/run/tigr/dnstap.sock".into());
        }
        return Ok(Listen::Unix(PathBuf::from(path)));
    }
    if let Some(addr) = text.strip_prefix("tcp:") {
        return addr.parse().map(Listen::Tcp).map_err(|e| {
            format!("tcp:{addr}: {e} (expected tcp:ADDRESS:PORT, e.g. tcp:127.0.0.1:6000)")
        });
    }
    Err(format!("{text:?}: expected unix:PATH or tcp:ADDRESS:PORT"))
}
