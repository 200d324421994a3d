//! Passive DNS ingest runs: inputs in any DNS format → bounded aggregation → batches written on a second thread,
//! with a progress bar on a terminal and a summary at the end.
//!
//! Parsing and aggregation run on the calling thread; the store writes on a writer thread fed through a channel of
//! [`WRITE_QUEUE`] batches, so a slow disk slows the parser down (backpressure) instead of growing memory.

use anyhow::{Context, Result, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};
use tigr_ingest::dns::{Aggregated, Aggregating, DnsSink, Observation, ObservationError};
use tigr_ingest::input::{Compression, Counting, decompressed};
use tigr_ingest::report::{Reject, Report};
use tigr_store::Store;

/// Batches queued for the writer before the parser waits.
pub const WRITE_QUEUE: usize = 2;

/// The DNS input formats `tigr ingest` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsFormat {
    /// Captures, decoding DNS on these server ports.
    Pcap {
        ports: Vec<u16>,
    },
    Dnstap,
    ZeekDns,
    Cof,
    Passivedns,
}

impl DnsFormat {
    /// The subcommand name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pcap { .. } => "pcap",
            Self::Dnstap => "dnstap",
            Self::ZeekDns => "zeek-dns",
            Self::Cof => "cof",
            Self::Passivedns => "passivedns",
        }
    }
}

/// Knobs of a DNS ingest run.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// Distinct records held in memory before a batch is written (bounds memory).
    pub max_records: usize,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
}

impl Default for DnsOptions {
    fn default() -> Self {
        Self {
            max_records: 1_000_000,
            progress: true,
        }
    }
}

/// What a run read and wrote.
#[derive(Debug, Default, Clone)]
pub struct DnsSummary {
    /// Bytes read from the inputs (compressed size for compressed inputs).
    pub bytes: u64,
    /// Observations accepted (sum of the sources' sightings, before aggregation).
    pub observations: u64,
    /// Records, hosts, subdomains and values written (after aggregation, summed over batches).
    pub written: u64,
    /// Batches written.
    pub batches: u64,
    /// Rejects and samples over all inputs.
    pub report: Report,
    /// Wall time.
    pub elapsed: Duration,
}

impl std::fmt::Display for DnsSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        write!(
            f,
            "{} observations ({} rejected) from {:.1} MB in {:.2} s: {:.0} observations/s, {:.1} MB/s; {} rows written in {} batches",
            self.observations,
            self.report.rejected(),
            self.bytes as f64 / 1e6,
            secs,
            self.observations as f64 / secs,
            self.bytes as f64 / 1e6 / secs,
            self.written,
            self.batches
        )?;
        if let Some(kib) = peak_memory_kib() {
            write!(f, "; peak memory {:.0} MB", kib as f64 / 1024.0)?;
        }
        Ok(())
    }
}

/// The process's peak resident memory (Linux `VmHWM`), if the platform tells.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The store writer thread's end of the channel, and what it did.
pub struct Writer {
    sender: Option<SyncSender<Aggregated>>,
    failed: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<Result<(u64, u64)>>>,
}

impl Writer {
    /// Starts a thread applying batches to `store` in order. It also expands them ([`Aggregated::into_batch`]), so
    /// that work happens beside the reading thread rather than on it.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (sender, receiver): (SyncSender<Aggregated>, Receiver<Aggregated>) =
            sync_channel(WRITE_QUEUE);
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let handle = std::thread::Builder::new()
            .name("tigr-dns-writer".into())
            .spawn(move || {
                let (mut written, mut batches) = (0, 0);
                for aggregated in receiver {
                    match store.apply_dns(&aggregated.into_batch()) {
                        Ok(stats) => {
                            written += stats.entities;
                            batches += 1;
                        }
                        Err(e) => {
                            flag.store(true, Ordering::Relaxed);
                            return Err(e).context(
                                "writing passive DNS to the store (the failed batch was rolled back)",
                            );
                        }
                    }
                }
                Ok((written, batches))
            })
            .expect("spawning the writer thread");
        Self {
            sender: Some(sender),
            failed,
            handle: Some(handle),
        }
    }

    /// Queues a batch, waiting while the queue is full. Returns false once the writer has failed.
    pub fn send(&self, batch: Aggregated) -> bool {
        if batch.is_empty() {
            return true;
        }
        match &self.sender {
            Some(sender) => sender.send(batch).is_ok(),
            None => false,
        }
    }

    /// Set once a write failed: inputs should stop.
    pub fn failed(&self) -> Arc<AtomicBool> {
        self.failed.clone()
    }

    /// Waits for every queued batch to be written; returns (rows written, batches).
    pub fn finish(mut self) -> Result<(u64, u64)> {
        self.sender.take();
        match self.handle.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(anyhow!("the store writer thread panicked")),
            None => Ok((0, 0)),
        }
    }
}

/// Stops reading (with an error) once the writer failed, so a parser does not run on for nothing.
struct StopOnFailure<R> {
    inner: R,
    failed: Arc<AtomicBool>,
}

impl<R: Read> Read for StopOnFailure<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed.load(Ordering::Relaxed) {
            return Err(io::Error::other("stopped: the store writer failed"));
        }
        self.inner.read(buf)
    }
}

/// The run's sink: aggregation plus progress ticks.
pub struct RunSink<F: FnMut(Aggregated)> {
    pub inner: Aggregating<F>,
    progress: ProgressBar,
    bytes: Arc<AtomicU64>,
    started: Instant,
    since_tick: u32,
}

impl<F: FnMut(Aggregated)> RunSink<F> {
    fn tick(&mut self) {
        self.since_tick = 0;
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let observations = self.inner.report.accepted;
        self.progress
            .set_position(self.bytes.load(Ordering::Relaxed));
        self.progress.set_message(format!(
            "{observations} observations, {} rejected, {:.0}/s",
            self.inner.report.rejected(),
            observations as f64 / secs
        ));
    }
}

impl<F: FnMut(Aggregated)> DnsSink for RunSink<F> {
    fn observe(&mut self, observation: &Observation<'_>) -> Result<(), ObservationError> {
        self.since_tick += 1;
        if self.since_tick >= 65_536 {
            self.tick();
        }
        self.inner.observe(observation)
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.inner.reject(reason, reject);
    }
}

/// Reads every input in `format`, aggregating and writing as it goes. One input failing to open or read is
/// reported and the others still run; a store failure stops the run.
pub fn ingest(
    store: Arc<dyn Store>,
    format: &DnsFormat,
    paths: &[PathBuf],
    options: &DnsOptions,
) -> Result<DnsSummary> {
    let started = Instant::now();
    let writer = Writer::start(store);
    let failed = writer.failed();
    let bytes = Arc::new(AtomicU64::new(0));
    let total: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
        .sum();
    let progress = if options.progress {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .expect("valid template"),
    );
    let mut sink = RunSink {
        inner: Aggregating::new(options.max_records, tigr_model::datetime::now, |batch| {
            writer.send(batch);
        }),
        progress: progress.clone(),
        bytes: bytes.clone(),
        started,
        since_tick: 0,
    };
    let mut report = Report::default();
    let mut io_failures = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let result = read_one(format, path, &name, &bytes, &failed, &mut sink);
        let file_report = std::mem::take(&mut sink.inner.report);
        progress.suspend(|| match &result {
            Ok(compression) => eprintln!(
                "{name}: {}{}: {file_report}",
                format.name(),
                match compression {
                    Compression::None => "",
                    Compression::Gzip => " (gzip)",
                    Compression::Zstd => " (zstd)",
                }
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
    sink.tick();
    drop(sink);
    // The last batch is usually the largest: say what the wait is for.
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
    Ok(DnsSummary {
        bytes: bytes.load(Ordering::Relaxed),
        observations: report.accepted,
        written,
        batches,
        report,
        elapsed: started.elapsed(),
    })
}

/// Opens one input (`-` is standard input), undoes its compression and runs the format's parser over it.
fn read_one<S: DnsSink>(
    format: &DnsFormat,
    path: &Path,
    name: &str,
    bytes: &Arc<AtomicU64>,
    failed: &Arc<AtomicBool>,
    sink: &mut S,
) -> Result<Compression> {
    let raw: Box<dyn Read + Send> = if name == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {name}"))?)
    };
    let raw = StopOnFailure {
        inner: Counting::new(raw, bytes.clone()),
        failed: failed.clone(),
    };
    let (compression, input) = decompressed(raw).with_context(|| format!("reading {name}"))?;
    parse(format, input, name, sink)?;
    Ok(compression)
}

/// Runs the parser of `format`.
fn parse<S: DnsSink>(
    format: &DnsFormat,
    input: Box<dyn io::BufRead + Send>,
    name: &str,
    sink: &mut S,
) -> Result<()> {
    use tigr_ingest::{cof, passivedns, zeek};
    match format {
        DnsFormat::Cof => {
            cof::read_cof(input, name, sink)?;
        }
        DnsFormat::ZeekDns => {
            zeek::read_zeek_dns(input, name, sink)?;
        }
        DnsFormat::Passivedns => {
            passivedns::read_passivedns(input, name, sink)?;
        }
        DnsFormat::Pcap { ports } => {
            let options = tigr_ingest::pcap::CaptureOptions {
                dns_ports: ports.clone(),
                ..Default::default()
            };
            tigr_ingest::pcap::read_capture_with(input, name, &options, sink)?;
        }
        DnsFormat::Dnstap => {
            tigr_ingest::dnstap::observe_file(input, name, sink)?;
        }
    }
    Ok(())
}
