//! Scanner ingest runs (`tigr ingest nmap|masscan|zgrab2`): parse on the calling thread, derive and aggregate
//! findings, write batches on a writer thread, with a progress bar and a summary.

use crate::run::{Writer, compression_note, open_input, progress_bar, write_peak_memory};
use anyhow::Result;
use indicatif::ProgressBar;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tigr_ingest::report::{Reject, Report};
use tigr_ingest::scan::derive::ScanAggregator;
use tigr_ingest::scan::{HostScanned, PortReport, ScanSink};
use tigr_model::scan::ScanBatch;
use tigr_store::Store;

/// The scanner output formats `tigr ingest` reads.
#[derive(Debug, Clone)]
pub enum ScanFormat {
    /// nmap XML (`-oX`).
    Nmap,
    /// masscan list, JSON, NDJSON or XML output.
    Masscan,
    /// zgrab2 NDJSON.
    Zgrab2(tigr_ingest::scan::zgrab2::Zgrab2Options),
}

impl ScanFormat {
    /// The subcommand name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Nmap => "nmap",
            Self::Masscan => "masscan",
            Self::Zgrab2(_) => "zgrab2",
        }
    }
}

/// Knobs of a scan ingest run.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Distinct findings held in memory before a batch is written (bounds memory).
    pub max_findings: usize,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            max_findings: tigr_ingest::scan::derive::DEFAULT_MAX_FINDINGS,
            progress: true,
        }
    }
}

/// What a run read and wrote.
#[derive(Debug, Default, Clone)]
pub struct ScanSummary {
    /// Bytes read (compressed size for compressed inputs).
    pub bytes: u64,
    /// Port reports accepted.
    pub ports: u64,
    /// Hosts reported.
    pub hosts: u64,
    /// Findings written (after aggregation, summed over batches).
    pub written: u64,
    /// Batches written.
    pub batches: u64,
    /// Rejects and samples over all inputs.
    pub report: Report,
    /// Wall time.
    pub elapsed: Duration,
}

impl std::fmt::Display for ScanSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        write!(
            f,
            "{} ports of {} hosts ({} rejected) from {:.1} MB in {:.2} s: {:.0} hosts/s, {:.0} ports/s, {:.1} MB/s; {} findings written in {} batches",
            self.ports,
            self.hosts,
            self.report.rejected(),
            self.bytes as f64 / 1e6,
            secs,
            self.hosts as f64 / secs,
            self.ports as f64 / secs,
            self.bytes as f64 / 1e6 / secs,
            self.written,
            self.batches
        )?;
        write_peak_memory(f)
    }
}

/// The run's sink: derivation and aggregation, plus progress ticks and a host count.
struct RunSink<F: FnMut(ScanBatch)> {
    inner: ScanAggregator<F>,
    progress: ProgressBar,
    bytes: Arc<AtomicU64>,
    started: Instant,
    /// Hosts: changes of address between consecutive reports (scanners write a host's ports together).
    hosts: u64,
    last_address: String,
}

impl<F: FnMut(ScanBatch)> ScanSink for RunSink<F> {
    fn port(&mut self, report: PortReport) {
        if report.address != self.last_address {
            self.hosts += 1;
            self.last_address.clone_from(&report.address);
        }
        self.inner.port(report);
        if self.inner.report.accepted.is_multiple_of(4096) {
            let secs = self.started.elapsed().as_secs_f64().max(1e-9);
            self.progress
                .set_position(self.bytes.load(Ordering::Relaxed));
            self.progress.set_message(format!(
                "{} ports, {} rejected, {:.0} ports/s",
                self.inner.report.accepted,
                self.inner.report.rejected(),
                self.inner.report.accepted as f64 / secs
            ));
        }
    }

    fn host_scanned(&mut self, scanned: HostScanned) {
        self.inner.host_scanned(scanned);
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.inner.reject(reason, reject);
    }
}

/// Reads every input in `format`, writing findings as it goes. One input failing to open or read is reported and
/// the others still run; a store failure stops the run.
pub fn ingest(
    store: Arc<dyn Store>,
    format: &ScanFormat,
    paths: &[PathBuf],
    options: &ScanOptions,
) -> Result<ScanSummary> {
    let started = Instant::now();
    let writer = Writer::start("scan findings", move |batch: ScanBatch| {
        store.apply_scan(&batch).map(|stats| stats.entities)
    });
    let failed = writer.failed();
    let bytes = Arc::new(AtomicU64::new(0));
    let progress = progress_bar(paths, options.progress);
    let mut sink = RunSink {
        inner: ScanAggregator::new(options.max_findings, |batch| {
            writer.send(batch);
        }),
        progress: progress.clone(),
        bytes: bytes.clone(),
        started,
        hosts: 0,
        last_address: String::new(),
    };
    let mut report = Report::default();
    let mut io_failures = Vec::new();
    let mut hosts = 0;
    for path in paths {
        let name = path.display().to_string();
        sink.inner.source.clone_from(&name);
        sink.last_address.clear();
        let result = open_input(path, &name, &bytes, &failed).and_then(|(compression, input)| {
            parse(format, input, &name, &mut sink).map(|()| compression)
        });
        let file_report = std::mem::take(&mut sink.inner.report);
        progress.suspend(|| match &result {
            Ok(compression) => eprintln!(
                "{name}: {}{}: {file_report}",
                format.name(),
                compression_note(*compression)
            ),
            Err(e) => eprintln!("{name}: stopped: {e:#} (after {file_report})"),
        });
        if let Err(e) = result {
            io_failures.push(format!("{name}: {e:#}"));
        }
        report.merge(file_report);
        if failed.load(Ordering::Relaxed) {
            break;
        }
    }
    sink.inner.flush();
    hosts += sink.hosts;
    drop(sink);
    progress.set_message("input read; writing the last batch to the store");
    progress.enable_steady_tick(Duration::from_millis(250));
    let written = writer.finish();
    progress.finish_and_clear();
    let (written, batches) = written?;
    if !io_failures.is_empty() {
        report.warn(format!(
            "inputs that stopped early: {}",
            io_failures.join("; ")
        ));
    }
    Ok(ScanSummary {
        bytes: bytes.load(Ordering::Relaxed),
        ports: report.accepted,
        hosts,
        written,
        batches,
        report,
        elapsed: started.elapsed(),
    })
}

/// Runs the parser of `format`.
fn parse<S: ScanSink>(
    format: &ScanFormat,
    input: Box<dyn BufRead + Send>,
    name: &str,
    sink: &mut S,
) -> Result<()> {
    use tigr_ingest::scan::{masscan, nmap, zgrab2};
    match format {
        ScanFormat::Nmap => {
            nmap::read_nmap(input, name, sink)?;
        }
        ScanFormat::Masscan => {
            masscan::read_masscan(input, name, sink)?;
        }
        ScanFormat::Zgrab2(options) => {
            zgrab2::read_zgrab2(input, name, options, sink)?;
        }
    }
    Ok(())
}
