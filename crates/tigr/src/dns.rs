//! Passive DNS ingest runs: inputs in any DNS format → bounded aggregation → batches written on a second thread,
//! with a progress bar on a terminal and a summary at the end.
//!
//! Parsing and aggregation run on the calling thread, except for large plain files of a format whose lines stand
//! alone (COF, passivedns): those are cut into newline-aligned pieces read on a thread each ([`crate::pieces`]), each
//! thread aggregating on its own, and the pieces' aggregates are merged when the file is done. The store writes on a
//! writer thread fed through a channel of [`crate::run::WRITE_QUEUE`] batches, so a slow disk slows the parsers down
//! (backpressure) instead of growing memory.

use crate::pieces::{Origin, Rejects, line_ranges};
use crate::run::{
    StopOnFailure, Writer, compression_note, open_input, progress_bar, write_peak_memory,
};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tigr_ingest::dns::{
    Aggregated, Aggregating, Aggregator, DnsSink, Observation, ObservationError,
};
use tigr_ingest::input::{Compression, Counting, compression_of};
use tigr_ingest::report::{Reject, Report};
use tigr_store::Store;

/// Most threads reading one file.
pub const MAX_READ_THREADS: usize = 4;

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

    /// Whether no line depends on the lines before it, so that a file can be read in pieces ([`read_lines`]).
    fn lines_stand_alone(&self) -> bool {
        matches!(self, Self::Cof | Self::Passivedns)
    }
}

/// Knobs of a DNS ingest run.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// Distinct records held in memory before a batch is written (bounds memory; threads reading pieces of one file
    /// share it).
    pub max_records: usize,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
    /// Threads that read one file in pieces (formats whose lines stand alone).
    pub read_threads: usize,
    /// The smallest piece worth a thread of its own, in bytes.
    pub min_piece: u64,
    /// The smallest share of `max_records` a thread reading a piece gets. The threads see mostly the same records,
    /// so small shares fill up and get flushed again and again, each flush rewriting records already written: that
    /// costs more than parsing on more threads gains (a 250,000-record limit shared by two threads took half as
    /// long again as one thread on the benchmark data).
    pub min_share: usize,
}

impl Default for DnsOptions {
    fn default() -> Self {
        Self {
            max_records: 1_000_000,
            progress: true,
            read_threads: std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(MAX_READ_THREADS),
            min_piece: 16 << 20,
            min_share: 500_000,
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
        write_peak_memory(f)
    }
}

/// The store writer for passive DNS. It also expands batches ([`Aggregated::into_batch`]), so that work happens
/// beside the reading threads rather than on them.
pub fn writer(store: Arc<dyn Store>) -> Writer<Aggregated> {
    Writer::start("passive DNS", move |aggregated: Aggregated| {
        if aggregated.is_empty() {
            return Ok(0);
        }
        store
            .apply_dns(&aggregated.into_batch())
            .map(|stats| stats.entities)
    })
}

/// The progress bar and the counts it shows, shared by the reading threads.
struct Progress {
    bar: ProgressBar,
    /// Bytes read from the inputs.
    bytes: Arc<AtomicU64>,
    observations: AtomicU64,
    rejected: AtomicU64,
    started: Instant,
}

impl Progress {
    /// Adds what a reading thread counted since it last told, and redraws.
    fn add(&self, observations: u64, rejected: u64) {
        let observations =
            self.observations.fetch_add(observations, Ordering::Relaxed) + observations;
        let rejected = self.rejected.fetch_add(rejected, Ordering::Relaxed) + rejected;
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        self.bar.set_position(self.bytes.load(Ordering::Relaxed));
        self.bar.set_message(format!(
            "{observations} observations, {rejected} rejected, {:.0}/s",
            observations as f64 / secs
        ));
    }
}

/// A reading thread's sink: aggregation, rejects (kept with their reasons, so that the rejects of pieces read in
/// parallel can be put in input order) and progress ticks.
pub struct RunSink<'p, F: FnMut(Aggregated)> {
    pub inner: Aggregating<F>,
    rejects: Rejects,
    progress: &'p Progress,
    /// Accepted and rejected counts the progress bar has been told about.
    told: (u64, u64),
    since_tick: u32,
}

impl<'p, F: FnMut(Aggregated)> RunSink<'p, F> {
    fn new(inner: Aggregating<F>, progress: &'p Progress) -> Self {
        Self {
            inner,
            rejects: Rejects::default(),
            progress,
            told: (0, 0),
            since_tick: 0,
        }
    }

    fn tick(&mut self) {
        self.since_tick = 0;
        let counts = (self.inner.report.accepted, self.rejects.total());
        self.progress
            .add(counts.0 - self.told.0, counts.1 - self.told.1);
        self.told = counts;
    }

    /// Moves what was accepted and rejected so far into `report`, rejects located as read from `origin`.
    fn report_into(&mut self, report: &mut Report, origin: Origin) {
        self.tick();
        report.accepted += std::mem::take(&mut self.inner.report.accepted);
        std::mem::take(&mut self.rejects).replay(report, origin);
        self.told = (0, 0);
    }
}

impl<F: FnMut(Aggregated)> DnsSink for RunSink<'_, F> {
    fn observe(&mut self, observation: &Observation<'_>) -> Result<(), ObservationError> {
        self.since_tick += 1;
        if self.since_tick >= 65_536 {
            self.tick();
        }
        self.inner.observe(observation)
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.rejects.add(reason, reject);
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
    let writer = writer(store);
    let bar = progress_bar(paths, options.progress);
    let progress = Progress {
        bar: bar.clone(),
        bytes: Arc::new(AtomicU64::new(0)),
        observations: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
        started,
    };
    let mut sink = RunSink::new(
        Aggregating::new(options.max_records, tigr_model::datetime::now, |batch| {
            writer.send(batch);
        }),
        &progress,
    );
    let mut report = Report::default();
    let mut io_failures = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let mut file_report = Report::default();
        let result = read_file(
            format,
            path,
            &name,
            options,
            &writer,
            &mut sink,
            &mut file_report,
        );
        bar.suspend(|| match &result {
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
        if writer.failed().load(Ordering::Relaxed) {
            break;
        }
    }
    sink.inner.flush();
    sink.tick();
    drop(sink);
    // The last batch is usually the largest: say what the wait is for.
    bar.set_message("input read; writing the last batch to the store");
    bar.enable_steady_tick(Duration::from_millis(250));
    let written = writer.finish();
    bar.finish_and_clear();
    let (written, batches) = written?;
    if !io_failures.is_empty() {
        report.warn(format!(
            "inputs that stopped early: {}",
            io_failures.join("; ")
        ));
    }
    Ok(DnsSummary {
        bytes: progress.bytes.load(Ordering::Relaxed),
        observations: report.accepted,
        written,
        batches,
        report,
        elapsed: started.elapsed(),
    })
}

/// Reads one input into `sink` (in pieces on several threads if it is worth it, see [`pieces_of`]); what it
/// accepted and rejected goes into `report`.
fn read_file<F: FnMut(Aggregated)>(
    format: &DnsFormat,
    path: &Path,
    name: &str,
    options: &DnsOptions,
    writer: &Writer<Aggregated>,
    sink: &mut RunSink<'_, F>,
    report: &mut Report,
) -> Result<Compression> {
    if let Some(ranges) = pieces_of(format, path, name, options)? {
        read_pieces(format, path, name, &ranges, options, writer, sink, report)?;
        return Ok(Compression::None);
    }
    let bytes = sink.progress.bytes.clone();
    let result = read_one(format, path, name, &bytes, &writer.failed(), sink);
    sink.report_into(
        report,
        Origin {
            lines: Some(0),
            byte: 0,
        },
    );
    result
}

/// The byte ranges to read `path` in on several threads, if that is worth it: a regular, uncompressed file of a
/// format whose lines stand alone, large enough to give at least two threads [`DnsOptions::min_piece`] bytes each,
/// read with a `--batch-records` limit that gives each at least [`DnsOptions::min_share`] records.
fn pieces_of(
    format: &DnsFormat,
    path: &Path,
    name: &str,
    options: &DnsOptions,
) -> Result<Option<Vec<Range<u64>>>> {
    if !format.lines_stand_alone() || name == "-" || options.read_threads < 2 {
        return Ok(None);
    }
    let mut file = File::open(path).with_context(|| format!("opening {name}"))?;
    let metadata = file.metadata().with_context(|| format!("reading {name}"))?;
    let threads = options
        .read_threads
        .min(options.max_records / options.min_share.max(1))
        .min(usize::try_from(metadata.len() / options.min_piece.max(1)).unwrap_or(usize::MAX));
    if !metadata.is_file() || threads < 2 {
        return Ok(None);
    }
    let mut head = Vec::with_capacity(4);
    (&mut file)
        .take(4)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {name}"))?;
    if compression_of(&head) != Compression::None {
        return Ok(None);
    }
    let ranges = line_ranges(&mut file, metadata.len(), threads)
        .with_context(|| format!("reading {name}"))?;
    Ok(Some(ranges))
}

/// What a thread read from one piece of a file.
struct Piece {
    aggregator: Aggregator,
    accepted: u64,
    rejects: Rejects,
    start: u64,
    /// Lines read, or why reading stopped.
    lines: io::Result<u64>,
}

/// Reads `ranges` of a file on a thread each, every thread aggregating on its own (sharing `max_records`), then
/// merges their aggregates into `sink` and their counts and rejects into `report`, in input order. A piece that
/// fails to read stops the file as a failed read would; what the pieces read still counts.
#[allow(clippy::too_many_arguments)]
fn read_pieces<F: FnMut(Aggregated)>(
    format: &DnsFormat,
    path: &Path,
    name: &str,
    ranges: &[Range<u64>],
    options: &DnsOptions,
    writer: &Writer<Aggregated>,
    sink: &mut RunSink<'_, F>,
    report: &mut Report,
) -> Result<()> {
    let progress = sink.progress;
    let failed = writer.failed();
    let max_records = (options.max_records / ranges.len()).max(1);
    let pieces: Vec<Piece> = std::thread::scope(|scope| {
        let threads: Vec<_> = ranges
            .iter()
            .map(|range| {
                let failed = failed.clone();
                scope.spawn(move || {
                    let aggregating =
                        Aggregating::new(max_records, tigr_model::datetime::now, |batch| {
                            writer.send(batch);
                        });
                    let mut piece = RunSink::new(aggregating, progress);
                    let lines = open_range(path, range, &progress.bytes, failed)
                        .and_then(|input| read_lines(format, input, name, &mut piece));
                    piece.tick();
                    Piece {
                        aggregator: piece.inner.aggregator,
                        accepted: piece.inner.report.accepted,
                        rejects: piece.rejects,
                        start: range.start,
                        lines,
                    }
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut lines_before = Some(0);
    let mut stopped = None;
    for piece in pieces {
        sink.inner.absorb(piece.aggregator);
        report.accepted += piece.accepted;
        let origin = Origin {
            lines: lines_before,
            byte: piece.start,
        };
        piece.rejects.replay(report, origin);
        match piece.lines {
            Ok(lines) => lines_before = lines_before.map(|before| before + lines),
            Err(error) => {
                lines_before = None;
                stopped.get_or_insert(error);
            }
        }
    }
    match stopped {
        Some(error) => Err(error).with_context(|| format!("reading {name}")),
        None => Ok(()),
    }
}

/// One piece of a file, its bytes counted, stopping once the writer failed.
fn open_range(
    path: &Path,
    range: &Range<u64>,
    bytes: &Arc<AtomicU64>,
    failed: Arc<AtomicBool>,
) -> io::Result<impl BufRead> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(range.start))?;
    let raw = StopOnFailure {
        inner: Counting::new(file.take(range.end - range.start), bytes.clone()),
        failed,
    };
    Ok(BufReader::with_capacity(256 * 1024, raw))
}

/// Runs the parser of a format whose lines stand alone ([`DnsFormat::lines_stand_alone`]); returns the lines read.
fn read_lines<S: DnsSink>(
    format: &DnsFormat,
    input: impl BufRead,
    name: &str,
    sink: &mut S,
) -> io::Result<u64> {
    let stats = match format {
        DnsFormat::Cof => tigr_ingest::cof::read_cof(input, name, sink)?,
        DnsFormat::Passivedns => tigr_ingest::passivedns::read_passivedns(input, name, sink)?,
        _ => unreachable!("only formats whose lines stand alone are read in pieces"),
    };
    Ok(stats.lines)
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
    let (compression, input) = open_input(path, name, bytes, failed)?;
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
    match format {
        DnsFormat::Cof | DnsFormat::Passivedns => {
            read_lines(format, input, name, sink)?;
        }
        DnsFormat::ZeekDns => {
            tigr_ingest::zeek::read_zeek_dns(input, name, sink)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use tigr_store::ExportItem;
    use tigr_store::sqlite::SqliteStore;

    /// COF lines with rejects of several kinds spread over the file, an overlong line among them.
    fn cof_input() -> Vec<u8> {
        let mut input = Vec::new();
        for i in 0..400 {
            let line = match i % 37 {
                5 => "{not json".to_owned(),
                11 => format!(
                    r#"{{"rrname":"x{i}.example.com","rrtype":"NOPE","rdata":"1.2.3.4","time_first":1,"time_last":2}}"#
                ),
                17 => format!(
                    r#"{{"rrname":"x{i}.example.com","rrtype":"A","rdata":"no address","time_first":1,"time_last":2}}"#
                ),
                // Only in the last pieces.
                23 if i > 250 => format!(
                    r#"{{"rrname":"x{i}.example.com","rrtype":"A","rdata":"192.0.2.1","time_first":3,"time_last":2}}"#
                ),
                _ => format!(
                    r#"{{"rrname":"h{}.example.com","rrtype":"A","rdata":["192.0.2.{}"],"time_first":{},"time_last":{},"count":{}}}"#,
                    i % 23,
                    i % 7,
                    1_700_000_000 + i,
                    1_700_001_000 + i,
                    i % 3 + 1
                ),
            };
            input.extend_from_slice(line.as_bytes());
            input.push(b'\n');
            if i == 200 {
                input.extend(std::iter::repeat_n(
                    b'x',
                    tigr_ingest::lines::MAX_LINE_BYTES + 1,
                ));
                input.extend_from_slice(b"\n\xff\xfe\n\n");
            }
        }
        input
    }

    /// Ingests `path` with `options` into a fresh store; returns the summary and the store's content (without the
    /// collection times, which differ between runs).
    fn ingest_into_fresh_store(path: &Path, options: &DnsOptions) -> (DnsSummary, Vec<String>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(dir.path()).expect("store"));
        let summary =
            ingest(store.clone(), &DnsFormat::Cof, &[path.to_owned()], options).expect("ingest");
        let mut content = Vec::new();
        store
            .export(&mut |item| {
                if let ExportItem::Entity(json) = item {
                    let mut value: serde_json::Value = serde_json::from_str(&json).expect("json");
                    value
                        .as_object_mut()
                        .expect("an object")
                        .remove("collectedDateTime");
                    content.push(value.to_string());
                }
                Ok(())
            })
            .expect("export");
        (summary, content)
    }

    #[test]
    fn only_large_plain_files_with_large_shares_are_read_in_pieces() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&cof_input()).expect("write");
        let options = DnsOptions {
            read_threads: 4,
            min_piece: 1000,
            max_records: 1_000_000,
            ..DnsOptions::default()
        };
        let pieces = |format: &DnsFormat, options: &DnsOptions| {
            pieces_of(format, file.path(), "f", options)
                .expect("readable")
                .map(|ranges| ranges.len())
        };
        assert_eq!(pieces(&DnsFormat::Cof, &options), Some(2));
        assert_eq!(pieces(&DnsFormat::ZeekDns, &options), None);
        let small_share = DnsOptions {
            max_records: 999_999,
            ..options.clone()
        };
        assert_eq!(pieces(&DnsFormat::Cof, &small_share), None);
        let small_file = DnsOptions {
            min_piece: 1 << 30,
            ..options
        };
        assert_eq!(pieces(&DnsFormat::Cof, &small_file), None);
    }

    #[test]
    fn pieces_read_in_parallel_give_what_one_thread_gives() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&cof_input()).expect("write");
        let one = DnsOptions {
            progress: false,
            read_threads: 1,
            ..DnsOptions::default()
        };
        let (expected, stored) = ingest_into_fresh_store(file.path(), &one);
        assert_eq!(expected.report.rejected(), 11 * 3 + 4 + 2);
        assert!(stored.len() > 50);
        for (threads, max_records) in [(2, 1_000_000), (3, 1_000_000), (4, 8)] {
            let pieces = DnsOptions {
                max_records,
                progress: false,
                read_threads: threads,
                min_piece: 1,
                min_share: 1,
            };
            let (summary, content) = ingest_into_fresh_store(file.path(), &pieces);
            assert_eq!(
                summary.observations, expected.observations,
                "{threads} threads"
            );
            assert_eq!(summary.report.rejects, expected.report.rejects);
            let samples = |s: &DnsSummary| -> Vec<String> {
                s.report.samples.iter().map(ToString::to_string).collect()
            };
            assert_eq!(samples(&summary), samples(&expected), "{threads} threads");
            assert_eq!(content, stored, "{threads} threads");
        }
    }
}
