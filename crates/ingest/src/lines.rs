//! Line-oriented reading shared by the text DNS formats (COF, Zeek, passivedns): numbered lines without their
//! `\n`/`\r\n`, a length cap, invalid UTF-8 as a counted reject; and the counts every such reader returns.

use crate::dns::{DnsSink, Observation};
use crate::report::Reject;
use std::io::{self, BufRead};

/// Longest line kept (bytes, line ending excluded). Longer lines are skipped whole and rejected, so one runaway
/// line cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What one run of a line-oriented DNS reader did.
///
/// `observations + rejects` accounts for every record the reader found; `skipped` counts what produced nothing by
/// design. Rejects are also handed to the sink (reason, location, message), which keeps the samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineStats {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Observations the sink accepted.
    pub observations: u64,
    /// Lines, fields or observations rejected, by the reader or by the sink.
    pub rejects: u64,
    /// Lines or answers that deliberately produce nothing: blank lines, comments and headers, status lines,
    /// unanswered or refused queries, answers a format logs in a lossy form.
    pub skipped: u64,
}

impl LineStats {
    /// Hands `observation` to the sink; if the sink refuses it, records the reject at `location`.
    pub(crate) fn offer<S: DnsSink>(
        &mut self,
        sink: &mut S,
        observation: &Observation<'_>,
        source: &str,
        location: impl FnOnce() -> String,
    ) {
        match sink.observe(observation) {
            Ok(()) => self.observations += 1,
            Err(error) => self.reject(sink, error.reason(), source, location(), error.to_string()),
        }
    }

    /// Counts a reject and hands it to the sink.
    pub(crate) fn reject<S: DnsSink>(
        &mut self,
        sink: &mut S,
        reason: &'static str,
        source: &str,
        location: String,
        message: String,
    ) {
        self.rejects += 1;
        sink.reject(
            reason,
            Reject {
                source: source.to_owned(),
                location,
                message,
            },
        );
    }
}

/// Reads numbered text lines from a `BufRead`, reusing one buffer.
#[derive(Debug)]
pub struct Lines<R> {
    input: R,
    /// The current line, always valid UTF-8; kept as a `String` so a validated line is never validated twice.
    line: String,
    number: u64,
}

enum Raw {
    Line,
    TooLong(usize),
    End,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            line: String::with_capacity(512),
            number: 0,
        }
    }

    /// Number of the line last returned (1-based; 0 before the first).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line that is valid UTF-8 and not too long, without its line ending, with its number. Lines that
    /// are not are counted in `stats` and rejected to `sink`. `None` at the end of the input.
    pub fn next_line<S: DnsSink>(
        &mut self,
        source: &str,
        sink: &mut S,
        stats: &mut LineStats,
    ) -> io::Result<Option<(u64, &str)>> {
        let mut bytes = std::mem::take(&mut self.line).into_bytes();
        loop {
            bytes.clear();
            let raw = self.read_raw(&mut bytes)?;
            match raw {
                Raw::End => return Ok(None),
                Raw::TooLong(len) => {
                    self.number += 1;
                    stats.lines += 1;
                    stats.reject(
                        sink,
                        "line too long",
                        source,
                        format!("line {}", self.number),
                        format!(
                            "line of {len} bytes or more exceeds the limit of {MAX_LINE_BYTES}"
                        ),
                    );
                }
                Raw::Line => {
                    self.number += 1;
                    stats.lines += 1;
                    if bytes.last() == Some(&b'\n') {
                        bytes.pop();
                        if bytes.last() == Some(&b'\r') {
                            bytes.pop();
                        }
                    }
                    match String::from_utf8(bytes) {
                        Ok(line) => {
                            self.line = line;
                            return Ok(Some((self.number, &self.line)));
                        }
                        Err(error) => {
                            let at = error.utf8_error().valid_up_to();
                            bytes = error.into_bytes();
                            stats.reject(
                                sink,
                                "invalid UTF-8",
                                source,
                                format!("line {}, byte {}", self.number, at + 1),
                                format!("line is not valid UTF-8 from byte {}", at + 1),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Reads up to and including the next `\n` (or the end) into `bytes`, dropping the content of a line that
    /// grows beyond the cap.
    fn read_raw(&mut self, bytes: &mut Vec<u8>) -> io::Result<Raw> {
        let mut seen = 0usize;
        loop {
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                break;
            }
            let (taken, done) = match memchr::memchr(b'\n', available) {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            seen = seen.saturating_add(taken);
            // The line ending (up to 2 bytes) does not count against the cap.
            if seen <= MAX_LINE_BYTES + 2 {
                bytes.extend_from_slice(&available[..taken]);
            } else {
                bytes.clear();
            }
            self.input.consume(taken);
            if done {
                break;
            }
        }
        Ok(if seen == 0 {
            Raw::End
        } else if seen > MAX_LINE_BYTES + 2 {
            Raw::TooLong(seen)
        } else {
            Raw::Line
        })
    }
}

/// Test sink: checks each observation as the real (aggregating) sink would, then keeps it verbatim.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Validating {
    aggregator: crate::dns::Aggregator,
    pub(crate) collected: crate::dns::Collected,
    /// Every reject in order, as `reason | location: message`.
    pub(crate) rejects: Vec<String>,
}

#[cfg(test)]
impl Default for Validating {
    fn default() -> Self {
        Self {
            aggregator: crate::dns::Aggregator::new(usize::MAX),
            collected: crate::dns::Collected::default(),
            rejects: Vec::new(),
        }
    }
}

#[cfg(test)]
impl DnsSink for Validating {
    fn observe(
        &mut self,
        observation: &Observation<'_>,
    ) -> Result<(), crate::dns::ObservationError> {
        self.aggregator.add(observation)?;
        self.collected.observe(observation)
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.rejects.push(format!(
            "{reason} | {}: {}",
            reject.location, reject.message
        ));
        self.collected.reject(reason, reject);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::Collected;

    fn read_all(input: &[u8]) -> (Vec<(u64, String)>, LineStats, Collected) {
        let mut sink = Collected::default();
        let mut stats = LineStats::default();
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some((n, line)) = lines.next_line("t", &mut sink, &mut stats).unwrap() {
            out.push((n, line.to_owned()));
        }
        (out, stats, sink)
    }

    #[test]
    fn endings_numbers_and_bad_utf8() {
        let (lines, stats, sink) = read_all(b"a\r\nb\n\nc\xff\r\nd\r");
        assert_eq!(
            lines,
            vec![
                (1, "a".to_owned()),
                (2, "b".to_owned()),
                (3, String::new()),
                (5, "d\r".to_owned())
            ]
        );
        assert_eq!(stats.lines, 5);
        assert_eq!(stats.rejects, 1);
        assert_eq!(sink.report.rejects["invalid UTF-8"], 1);
        assert_eq!(sink.report.samples[0].location, "line 4, byte 2");
    }

    #[test]
    fn empty_input_has_no_lines() {
        let (lines, stats, _) = read_all(b"");
        assert!(lines.is_empty());
        assert_eq!(stats, LineStats::default());
    }

    #[test]
    fn overlong_line_is_rejected_and_reading_goes_on() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        // A tiny buffer makes the reader see the long line in many pieces.
        let reader = io::BufReader::with_capacity(7, &input[..]);
        let mut sink = Collected::default();
        let mut stats = LineStats::default();
        let mut lines = Lines::new(reader);
        let (n, line) = lines
            .next_line("t", &mut sink, &mut stats)
            .unwrap()
            .unwrap();
        assert_eq!((n, line), (2, "next"));
        assert_eq!(sink.report.rejects["line too long"], 1);
        let exact = vec![b'y'; MAX_LINE_BYTES];
        let (lines, stats, _) = read_all(&exact);
        assert_eq!(lines[0].1.len(), MAX_LINE_BYTES);
        assert_eq!(stats.rejects, 0);
    }
}
