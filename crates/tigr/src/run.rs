//! What every streaming ingest run shares: opening inputs (files or `-`, gzip/zstd undone, bytes counted), a store
//! writer thread behind a bounded queue, the progress bar, and the process's peak memory for summaries.

use anyhow::{Context, Result, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use tigr_ingest::input::{Compression, Counting, decompressed};

/// Batches queued for the writer before the parser waits.
pub const WRITE_QUEUE: usize = 2;

/// A thread applying batches to the store in order, fed through a queue of [`WRITE_QUEUE`] batches: a slow disk
/// slows the parser down (backpressure) instead of growing memory.
pub struct Writer<T: Send + 'static> {
    sender: Option<SyncSender<T>>,
    failed: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<Result<(u64, u64)>>>,
}

impl<T: Send + 'static> Writer<T> {
    /// Starts the thread. `apply` writes one batch and returns the rows it wrote; `what` names the data in the
    /// error a failed write ends the run with.
    pub fn start(
        what: &'static str,
        mut apply: impl FnMut(T) -> Result<u64, tigr_store::StoreError> + Send + 'static,
    ) -> Self {
        let (sender, receiver) = sync_channel::<T>(WRITE_QUEUE);
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let handle = std::thread::Builder::new()
            .name("tigr-writer".into())
            .spawn(move || {
                let (mut written, mut batches) = (0, 0);
                for batch in receiver {
                    match apply(batch) {
                        // A batch that turned out empty is not counted.
                        Ok(0) => {}
                        Ok(rows) => {
                            written += rows;
                            batches += 1;
                        }
                        Err(e) => {
                            flag.store(true, Ordering::Relaxed);
                            return Err(e).context(format!(
                                "writing {what} to the store (the failed batch was rolled back)"
                            ));
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
    pub fn send(&self, batch: T) -> bool {
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
pub struct StopOnFailure<R> {
    /// The input.
    pub inner: R,
    /// Set by the writer when a write failed.
    pub failed: Arc<AtomicBool>,
}

impl<R: Read> Read for StopOnFailure<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed.load(Ordering::Relaxed) {
            return Err(io::Error::other("stopped: the store writer failed"));
        }
        self.inner.read(buf)
    }
}

/// Opens one input (`-` is standard input), counting its bytes into `bytes`, undoing gzip or zstd, and failing
/// reads once `failed` is set.
pub fn open_input(
    path: &Path,
    name: &str,
    bytes: &Arc<AtomicU64>,
    failed: &Arc<AtomicBool>,
) -> Result<(Compression, Box<dyn BufRead + Send>)> {
    let raw: Box<dyn Read + Send> = if name == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {name}"))?)
    };
    let raw = StopOnFailure {
        inner: Counting::new(raw, bytes.clone()),
        failed: failed.clone(),
    };
    decompressed(raw).with_context(|| format!("reading {name}"))
}

/// How an input's compression is written after its name in per-file lines.
pub fn compression_note(compression: Compression) -> &'static str {
    match compression {
        Compression::None => "",
        Compression::Gzip => " (gzip)",
        Compression::Zstd => " (zstd)",
    }
}

/// A progress bar over the inputs' total size, drawn on standard error when `enabled` (indicatif draws only on a
/// terminal anyway).
pub fn progress_bar(paths: &[PathBuf], enabled: bool) -> ProgressBar {
    let total: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
        .sum();
    let progress = if enabled {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .expect("valid template"),
    );
    progress
}

/// Ends a run's summary line with the process's peak memory, where the platform tells it.
pub fn write_peak_memory(f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match peak_memory_kib() {
        Some(kib) => write!(f, "; peak memory {:.0} MB", kib as f64 / 1024.0),
        None => Ok(()),
    }
}

/// The process's peak resident memory (Linux `VmHWM`), if the platform tells.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
