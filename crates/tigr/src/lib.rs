//! The tigr binary's commands. `main` only parses flags; everything testable lives here.

pub mod cli;
pub mod dns;
pub mod dnstap;
pub mod pieces;
pub mod run;
pub mod scan;

use anyhow::{Context, Result};
use cli::{Cli, Command, DnsIngestArgs, IngestCommand, ScanIngestArgs, SensorCommand, ServeArgs};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use tigr_auth::{Authenticator, LocalIssuer, OidcConfig};
use tigr_ingest::report::Report;
use tigr_ingest::x509::CertStats;
use tigr_store::{ExportItem, SqliteStore, Store};

/// The documented Graph examples, embedded (see sample/refresh-graph-examples.py).
pub const SAMPLE_EXAMPLES: &str = include_str!("../../../sample/graph-examples.ndjson");

/// Sets up logging to standard error (`RUST_LOG` overrides the verbosity flags).
pub fn logging(verbose: u8) {
    let default = match verbose {
        0 => "warn,tigr=info,tigr_api=warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let data = cli.data.as_path();
    match cli.command {
        Command::Serve(args) => serve(data, &args),
        Command::Token(args) => {
            let issuer = LocalIssuer::load_or_create(data).context("loading the signing key")?;
            let ttl = tigr_auth::parse_duration(&args.ttl)?;
            println!("{}", issuer.mint(&args.scopes, &args.roles, ttl)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest(IngestCommand::GraphJson { paths }) => {
            let store = open_store(data)?;
            let mut total = Report::default();
            for path in &paths {
                let report = ingest_graph_json(&store, path)?;
                eprintln!("{}: {report}", path.display());
                total.merge(report);
            }
            if paths.len() > 1 {
                eprintln!("total: {total}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest(IngestCommand::Pcap { common, ports }) => {
            ingest_dns(data, dns::DnsFormat::Pcap { ports }, &common)
        }
        Command::Ingest(IngestCommand::Dnstap(args)) => {
            ingest_dns(data, dns::DnsFormat::Dnstap, &args)
        }
        Command::Ingest(IngestCommand::ZeekDns(args)) => {
            ingest_dns(data, dns::DnsFormat::ZeekDns, &args)
        }
        Command::Ingest(IngestCommand::Cof(args)) => ingest_dns(data, dns::DnsFormat::Cof, &args),
        Command::Ingest(IngestCommand::Passivedns(args)) => {
            ingest_dns(data, dns::DnsFormat::Passivedns, &args)
        }
        Command::Sensor(SensorCommand::Dnstap(args)) => dnstap::sensor(data, &args),
        Command::Ingest(IngestCommand::Nmap(args)) => {
            ingest_scan(data, scan::ScanFormat::Nmap, &args)
        }
        Command::Ingest(IngestCommand::Masscan(args)) => {
            ingest_scan(data, scan::ScanFormat::Masscan, &args)
        }
        Command::Ingest(IngestCommand::Zgrab2 {
            common,
            module_ports,
        }) => {
            let mut options = tigr_ingest::scan::zgrab2::Zgrab2Options::default();
            options.ports.extend(module_ports);
            ingest_scan(data, scan::ScanFormat::Zgrab2(options), &common)
        }
        Command::Ingest(IngestCommand::X509 { paths }) => {
            let store = open_store(data)?;
            let (report, stats) = ingest_x509(&store, &paths)?;
            eprintln!(
                "x509: {} certificates, {} rejected, {} other PEM blocks skipped; {report}",
                stats.certificates, stats.rejected, stats.skipped_blocks
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { output } => {
            let store = open_store(data)?;
            match output {
                Some(p) => {
                    let f = std::fs::File::create(&p)
                        .with_context(|| format!("creating {}", p.display()))?;
                    export(&store, std::io::BufWriter::new(f))?;
                }
                None => export(&store, std::io::BufWriter::new(std::io::stdout().lock()))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::LoadSample => {
            let store = open_store(data)?;
            let report = load_sample(&store)?;
            eprintln!("sample data: {report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { listen } => demo(data, listen),
    }
}

/// `tigr ingest <dns format>`: runs the import, prints the summary and the reject samples.
fn ingest_dns(data: &Path, format: dns::DnsFormat, args: &DnsIngestArgs) -> Result<ExitCode> {
    let store: Arc<dyn Store> = Arc::new(open_store(data)?);
    let options = dns::DnsOptions {
        max_records: usize::try_from(args.batch_records).unwrap_or(usize::MAX),
        progress: !args.no_progress,
        ..dns::DnsOptions::default()
    };
    let summary = dns::ingest(store, &format, &args.paths, &options)?;
    Ok(print_total(&summary, &summary.report))
}

/// `tigr ingest <scanner format>`: runs the import, prints the summary and the reject samples.
fn ingest_scan(data: &Path, format: scan::ScanFormat, args: &ScanIngestArgs) -> Result<ExitCode> {
    let store: Arc<dyn Store> = Arc::new(open_store(data)?);
    let options = scan::ScanOptions {
        max_findings: usize::try_from(args.batch_findings).unwrap_or(usize::MAX),
        progress: !args.no_progress,
    };
    let summary = scan::ingest(store, &format, &args.paths, &options)?;
    Ok(print_total(&summary, &summary.report))
}

/// The closing lines of an import run: its summary and its rejects by reason.
fn print_total(summary: &dyn std::fmt::Display, report: &Report) -> ExitCode {
    eprintln!("total: {summary}");
    for (reason, n) in &report.rejects {
        eprintln!("  rejected {n} × {reason}");
    }
    ExitCode::SUCCESS
}

fn open_store(data: &Path) -> Result<SqliteStore> {
    SqliteStore::open(data).with_context(|| format!("opening the store in {}", data.display()))
}

/// Imports one graph-json input (`-` = standard input) into the store.
pub fn ingest_graph_json(store: &dyn Store, path: &Path) -> Result<Report> {
    let name = path.display().to_string();
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(BufReader::new(
            std::fs::File::open(path).with_context(|| format!("opening {name}"))?,
        ))
    };
    apply_all(store, |sink| {
        tigr_ingest::graph_json::Importer::new(name.clone(), sink).read(reader)
    })
}

/// Imports X.509 certificates from files and directories (recursively; `-` = standard input) into the store.
pub fn ingest_x509(store: &dyn Store, paths: &[PathBuf]) -> Result<(Report, CertStats)> {
    let files = input_files(paths)?;
    let mut read_failure = None;
    let mut stats = CertStats::default();
    let report = apply_all(store, |sink| {
        let mut importer = tigr_ingest::x509::CertImporter::new(sink);
        for file in &files {
            let name = file.display().to_string();
            let read = if name == "-" {
                importer.read(std::io::stdin().lock(), &name)
            } else {
                std::fs::File::open(file).and_then(|f| importer.read(f, &name))
            };
            if let Err(e) = read {
                read_failure = Some(anyhow::Error::new(e).context(format!("reading {name}")));
                break;
            }
        }
        let (report, totals) = importer.finish();
        stats = totals;
        report
    })?;
    match read_failure {
        Some(e) => Err(e),
        None => Ok((report, stats)),
    }
}

/// The files named on a command line: files as given, directories expanded recursively in name order (symbolic
/// links to files are followed, to directories not, so links cannot loop), `-` kept for standard input.
pub fn input_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(path.clone());
            continue;
        }
        let meta =
            std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut todo = vec![path.clone()];
        while let Some(dir) = todo.pop() {
            for entry in
                std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
            {
                let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
                let p = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    todo.push(p);
                } else if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                    found.push(p);
                }
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Loads the embedded documented examples.
pub fn load_sample(store: &dyn Store) -> Result<Report> {
    let examples = tigr_ingest::sample::parse_examples(SAMPLE_EXAMPLES);
    apply_all(store, |sink| {
        tigr_ingest::sample::import_examples(&examples, sink)
    })
}

/// Runs an importer, applying each batch as it comes; a store failure stops the import and is returned.
fn apply_all(
    store: &dyn Store,
    import: impl FnOnce(&mut dyn FnMut(tigr_model::batch::Batch)) -> Report,
) -> Result<Report> {
    let mut failure = None;
    let mut sink = |batch: tigr_model::batch::Batch| {
        if failure.is_none() {
            failure = store.apply(&batch).err();
        }
    };
    let report = import(&mut sink);
    match failure {
        Some(e) => Err(e).context("writing to the store (nothing from the failed batch was kept)"),
        None => Ok(report),
    }
}

/// Writes the store as graph-json NDJSON.
pub fn export(store: &dyn Store, mut out: impl Write) -> Result<()> {
    store.export(&mut |item| match item {
        ExportItem::Entity(json) => writeln!(out, "{json}"),
        ExportItem::Relation(r) => writeln!(out, "{}", tigr_ingest::graph_json::relation_line(&r)),
    })?;
    out.flush()?;
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn serve(data: &Path, args: &ServeArgs) -> Result<ExitCode> {
    let store = Arc::new(open_store(data)?);
    let local = LocalIssuer::load_or_create(data).context("loading the signing key")?;
    let oidc = match (&args.oidc_issuer, &args.oidc_jwks_url) {
        (Some(iss), Some(jwks)) => Some(OidcConfig::new(iss.clone(), jwks.clone())),
        _ => None,
    };
    let auth = Arc::new(Authenticator::new(Some(&local), oidc)?);
    let config = tigr_api::ApiConfig {
        default_page_size: args.page_size as usize,
        max_page_size: args.max_page_size.max(args.page_size) as usize,
        public_url: args.public_url.clone(),
        cache_bytes: usize::try_from(args.cache_mb).unwrap_or(usize::MAX / 2) << 20,
    };
    let state = tigr_api::AppState::new(store, auth, config);
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, data = %data.display(), "serving the Graph threat-intelligence API on http://{addr}/v1.0 and /beta");
        eprintln!("tigr: serving http://{addr}/v1.0/security/threatIntelligence (and /beta) from {}", data.display());
        tigr_api::serve(listener, state, shutdown_signal()).await.context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

fn demo(data: &Path, listen: std::net::SocketAddr) -> Result<ExitCode> {
    // A fresh directory each time unless the user named one.
    let dir = if data == Path::new("./tigr-data") && std::env::var_os("TIGR_DATA").is_none() {
        let d = std::env::temp_dir().join(format!("tigr-demo-{}", std::process::id()));
        if d.exists() {
            std::fs::remove_dir_all(&d).with_context(|| format!("clearing {}", d.display()))?;
        }
        d
    } else {
        data.to_path_buf()
    };
    {
        let store = open_store(&dir)?;
        let report = load_sample(&store)?;
        eprintln!(
            "tigr demo: loaded the documented Graph examples into {}: {report}",
            dir.display()
        );
    }
    let token = LocalIssuer::load_or_create(&dir)?.mint(
        &[],
        &[],
        std::time::Duration::from_secs(12 * 3600),
    )?;
    eprintln!("tigr demo: a token valid for 12 hours:\n\n{token}\n");
    eprintln!(
        "try:\n  curl -H \"Authorization: Bearer $TOKEN\" http://{listen}/v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns\n"
    );
    let args = ServeArgs {
        listen,
        oidc_issuer: None,
        oidc_jwks_url: None,
        public_url: None,
        page_size: 100,
        max_page_size: 1000,
        cache_mb: 64,
    };
    serve(&dir, &args)
}
