//! `tigr sensor dnstap`: a long-running dnstap collector. Resolvers and servers (unbound, Knot Resolver, BIND,
//! PowerDNS) connect over a Unix or TCP socket and speak bidirectional Frame Streams; their DNS responses become
//! passive DNS, aggregated in memory and written on a timer, when the aggregate is full, and on SIGINT/SIGTERM.
//!
//! Connections run as tokio tasks that only do framing; decoded payloads go through a bounded channel to one
//! aggregation thread. When that thread (or the store behind it) falls behind, the channel fills, connection tasks
//! stop reading their sockets, and the senders' own buffers apply the backpressure. A crash loses at most what was
//! aggregated since the last write; SQLite transactions mean the store itself is never left half-written.

use crate::cli::{DnstapSensorArgs, Listen};
use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tigr_ingest::dns::Aggregating;
use tigr_ingest::dnstap as tap;
use tigr_ingest::framestream::{Receiver, ReceiverEvent};
use tigr_ingest::report::Report;
use tigr_store::Store;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Payloads queued between the connections and the aggregation thread.
const QUEUE: usize = 16_384;

/// What the connections hand the aggregation thread.
enum Message {
    /// One dnstap payload, from the named peer.
    Payload {
        peer: Arc<str>,
        frame: u64,
        bytes: Vec<u8>,
    },
    /// Time to write what has been aggregated.
    Flush,
}

/// Runs the collector until SIGINT/SIGTERM.
pub fn sensor(data: &Path, args: &DnstapSensorArgs) -> Result<ExitCode> {
    let store: Arc<dyn Store> = Arc::new(crate::open_store(data)?);
    let flush_every = tigr_auth::parse_duration(&args.flush_interval)
        .with_context(|| format!("--flush-interval {}", args.flush_interval))?;
    let max_records = usize::try_from(args.batch_records).unwrap_or(usize::MAX);
    let (sender, receiver) = mpsc::channel::<Message>(QUEUE);
    let aggregation = std::thread::Builder::new()
        .name("tigr-dnstap-aggregate".into())
        .spawn(move || aggregate(store, receiver, max_records))
        .context("starting the aggregation thread")?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let served = runtime.block_on(listen(&args.listen, sender, flush_every));
    // Every sender is gone once `listen` returns: the aggregation thread drains the queue, writes, and ends.
    runtime.shutdown_timeout(Duration::from_secs(2));
    let report = aggregation
        .join()
        .map_err(|_| anyhow::anyhow!("the aggregation thread panicked"))??;
    if let Listen::Unix(path) = &args.listen {
        let _ = std::fs::remove_file(path);
    }
    served?;
    eprintln!("tigr sensor dnstap: stopped; {report}");
    Ok(ExitCode::SUCCESS)
}

/// The aggregation thread: payloads → observations → batches for the writer.
fn aggregate(
    store: Arc<dyn Store>,
    mut receiver: mpsc::Receiver<Message>,
    max_records: usize,
) -> Result<Report> {
    let writer = crate::dns::writer(store);
    let mut total = Report::default();
    let mut sink = Aggregating::new(max_records, tigr_model::datetime::now, |batch| {
        writer.send(batch);
    });
    let mut last_log = Instant::now();
    while let Some(message) = receiver.blocking_recv() {
        match message {
            Message::Payload { peer, frame, bytes } => {
                tap::observe_payload(&bytes, &peer, &|| format!("frame {frame}"), &mut sink);
            }
            Message::Flush => {
                let held = sink.aggregator.len();
                sink.flush();
                let report = std::mem::take(&mut sink.report);
                if held > 0 || last_log.elapsed() > Duration::from_secs(300) {
                    tracing::info!(
                        records = held,
                        observations = report.accepted,
                        rejected = report.rejected(),
                        "dnstap: wrote aggregated records"
                    );
                    last_log = Instant::now();
                }
                total.merge(report);
            }
        }
    }
    sink.flush();
    total.merge(std::mem::take(&mut sink.report));
    drop(sink);
    writer.finish()?;
    Ok(total)
}

/// Accepts connections until a shutdown signal; a ticker asks for flushes.
async fn listen(
    listen: &Listen,
    sender: mpsc::Sender<Message>,
    flush_every: Duration,
) -> Result<()> {
    let mut connections = tokio::task::JoinSet::new();
    let ticker = {
        let sender = sender.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(flush_every);
            interval.tick().await;
            loop {
                interval.tick().await;
                if sender.send(Message::Flush).await.is_err() {
                    break;
                }
            }
        })
    };
    let shutdown = crate::shutdown_signal();
    tokio::pin!(shutdown);
    match listen {
        Listen::Unix(path) => {
            // A socket file left by a previous run would make bind fail.
            if path.exists() {
                std::fs::remove_file(path)
                    .with_context(|| format!("removing the stale socket {}", path.display()))?;
            }
            let listener = tokio::net::UnixListener::bind(path)
                .with_context(|| format!("listening on unix:{}", path.display()))?;
            eprintln!("tigr sensor dnstap: listening on unix:{}", path.display());
            let mut n = 0u64;
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let (stream, _) = accepted.context("accepting a connection")?;
                        n += 1;
                        let peer: Arc<str> = format!("unix:{}#{n}", path.display()).into();
                        connections.spawn(connection(stream, peer, sender.clone()));
                    }
                    () = &mut shutdown => break,
                }
            }
        }
        Listen::Tcp(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening on tcp:{addr}"))?;
            eprintln!(
                "tigr sensor dnstap: listening on tcp:{}",
                listener.local_addr()?
            );
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let (stream, from) = accepted.context("accepting a connection")?;
                        let peer: Arc<str> = format!("tcp:{from}").into();
                        connections.spawn(connection(stream, peer, sender.clone()));
                    }
                    () = &mut shutdown => break,
                }
            }
        }
    }
    ticker.abort();
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// An event of the Frame Streams receiver, owned.
enum Step {
    Reply(Vec<u8>),
    Data(Vec<u8>),
    Finished,
}

/// One sender's connection: the Frame Streams handshake, then data frames to the aggregation thread.
async fn connection<T: AsyncRead + AsyncWrite + Unpin>(
    mut stream: T,
    peer: Arc<str>,
    sender: mpsc::Sender<Message>,
) {
    let mut receiver = Receiver::dnstap();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut frame = 0u64;
    tracing::info!(%peer, "dnstap: sender connected");
    loop {
        let n = match stream.read(&mut buffer).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(%peer, error = %e, "dnstap: connection failed");
                break;
            }
        };
        receiver.feed(&buffer[..n]);
        loop {
            // Events borrow the receiver's buffer: copy out what must outlive the next await.
            let step = match receiver.next_event() {
                Ok(None) => break,
                Ok(Some(ReceiverEvent::Reply(bytes))) => Step::Reply(bytes),
                Ok(Some(ReceiverEvent::Data(bytes))) => Step::Data(bytes.to_vec()),
                Ok(Some(ReceiverEvent::Finished)) => Step::Finished,
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "dnstap: closing a connection that broke the Frame Streams protocol");
                    return;
                }
            };
            match step {
                Step::Reply(bytes) => {
                    if let Err(e) = stream.write_all(&bytes).await {
                        tracing::warn!(%peer, error = %e, "dnstap: could not answer the handshake");
                        return;
                    }
                }
                Step::Data(bytes) => {
                    frame += 1;
                    let message = Message::Payload {
                        peer: peer.clone(),
                        frame,
                        bytes,
                    };
                    if sender.send(message).await.is_err() {
                        return;
                    }
                }
                Step::Finished => {
                    let _ = stream.shutdown().await;
                    tracing::info!(%peer, frames = frame, "dnstap: sender finished");
                    return;
                }
            }
        }
    }
    tracing::info!(%peer, frames = frame, "dnstap: sender disconnected");
}
