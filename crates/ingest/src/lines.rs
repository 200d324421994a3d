//! Line-oriented reading shared by the text formats (COF, Zeek, passivedns, masscan, zgrab2): numbered lines without
//! their `\n`/`\r\n`, a length cap, invalid UTF-8 as a counted reject; and the counts every DNS line reader returns.

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

/// Why [`Lines`] skipped a line instead of returning it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineReject {
    /// Longer than the reader's cap.
    TooLong,
    /// Not valid UTF-8.
    InvalidUtf8,
}

/// One format's reject reasons for the lines [`Lines`] skips (`masscan: line too long`, …).
#[derive(Debug, Clone, Copy)]
pub struct LineReasons {
    /// For a line longer than the cap.
    pub too_long: &'static str,
    /// For a line that is not UTF-8.
    pub invalid_utf8: &'static str,
}

impl LineReject {
    /// This reject's reason in a format's terms.
    pub fn reason_in(self, reasons: &LineReasons) -> &'static str {
        match self {
            LineReject::TooLong => reasons.too_long,
            LineReject::InvalidUtf8 => reasons.invalid_utf8,
        }
    }

    /// The reject reason the DNS line readers use.
    pub fn reason(self) -> &'static str {
        match self {
            LineReject::TooLong => "line too long",
            LineReject::InvalidUtf8 => "invalid UTF-8",
        }
    }
}

/// A line [`Lines::next_line_or_reject`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The text, without its line ending.
    pub text: &'a str,
    /// Whether it ended with `\n`: false for a last line cut short (or written without one).
    pub terminated: bool,
}

/// Reads numbered text lines from a `BufRead`, reusing one buffer.
#[derive(Debug)]
pub struct Lines<R> {
    input: R,
    /// The current line, always valid UTF-8; kept as a `String` so a validated line is never validated twice.
    line: String,
    number: u64,
    max_bytes: usize,
    terminated: bool,
}

enum Raw {
    Line,
    TooLong(usize),
    End,
}

impl<R: BufRead> Lines<R> {
    /// Lines capped at [`MAX_LINE_BYTES`].
    pub fn new(input: R) -> Self {
        Self::with_max_bytes(input, MAX_LINE_BYTES)
    }

    /// Lines capped at `max_bytes` (line ending excluded), for formats whose records can be larger.
    pub fn with_max_bytes(input: R, max_bytes: usize) -> Self {
        Self {
            input,
            line: String::with_capacity(512),
            number: 0,
            max_bytes,
            terminated: false,
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
        let before = self.number;
        let mut rejected = |why: LineReject, location: String, message: String| {
            stats.reject(sink, why.reason(), source, location, message);
        };
        let next = Self::next_valid(
            &mut self.input,
            &mut self.line,
            &mut self.number,
            &mut self.terminated,
            self.max_bytes,
            &mut rejected,
        )?;
        stats.lines += self.number - before;
        Ok(next.map(|number| (number, self.line.as_str())))
    }

    /// The next line that is valid UTF-8 and not too long; lines that are not go to `rejected` (why, location
    /// such as `line 4, byte 2`, message). `None` at the end of the input.
    pub fn next_line_or_reject(
        &mut self,
        mut rejected: impl FnMut(LineReject, String, String),
    ) -> io::Result<Option<Line<'_>>> {
        let next = Self::next_valid(
            &mut self.input,
            &mut self.line,
            &mut self.number,
            &mut self.terminated,
            self.max_bytes,
            &mut rejected,
        )?;
        Ok(next.map(|number| Line {
            number,
            text: self.line.as_str(),
            terminated: self.terminated,
        }))
    }

    /// Reads lines into `line` until one is valid, returning its number. Takes the fields apart so callers can
    /// hand out `&str` borrows of `line` while their reject callback borrows other things.
    fn next_valid(
        input: &mut R,
        line: &mut String,
        number: &mut u64,
        terminated: &mut bool,
        max_bytes: usize,
        rejected: &mut impl FnMut(LineReject, String, String),
    ) -> io::Result<Option<u64>> {
        let mut bytes = std::mem::take(line).into_bytes();
        loop {
            bytes.clear();
            let raw = Self::read_raw(input, max_bytes, &mut bytes)?;
            match raw {
                Raw::End => return Ok(None),
                Raw::TooLong(len) => {
                    *number += 1;
                    rejected(
                        LineReject::TooLong,
                        format!("line {number}"),
                        format!("line of {len} bytes or more exceeds the limit of {max_bytes}"),
                    );
                }
                Raw::Line => {
                    *number += 1;
                    *terminated = bytes.last() == Some(&b'\n');
                    if *terminated {
                        bytes.pop();
                        if bytes.last() == Some(&b'\r') {
                            bytes.pop();
                        }
                    }
                    match String::from_utf8(bytes) {
                        Ok(valid) => {
                            *line = valid;
                            return Ok(Some(*number));
                        }
                        Err(error) => {
                            let at = error.utf8_error().valid_up_to();
                            bytes = error.into_bytes();
                            rejected(
                                LineReject::InvalidUtf8,
                                format!("line {number}, byte {}", at + 1),
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
    fn read_raw(input: &mut R, max_bytes: usize, bytes: &mut Vec<u8>) -> io::Result<Raw> {
        let mut seen = 0usize;
        loop {
            let available = match input.fill_buf() {
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
            if seen <= max_bytes + 2 {
                bytes.extend_from_slice(&available[..taken]);
            } else {
                bytes.clear();
            }
            input.consume(taken);
            if done {
                break;
            }
        }
        Ok(if seen == 0 {
            Raw::End
        } else if seen > max_bytes + 2 {
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

    #[test]
    fn callback_cap_and_termination() {
        let mut lines = Lines::with_max_bytes(&b"12345\n12345678\n\xff\nend"[..], 5);
        let mut rejected = Vec::new();
        let mut seen = Vec::new();
        while let Some(line) = lines
            .next_line_or_reject(|why, location, _| rejected.push((why, location)))
            .unwrap()
        {
            seen.push((line.number, line.text.to_owned()));
            seen.push((0, line.terminated.to_string()));
        }
        assert_eq!(
            seen,
            vec![
                (1, "12345".to_owned()),
                (0, "true".to_owned()),
                (4, "end".to_owned()),
                (0, "false".to_owned())
            ]
        );
        assert_eq!(
            rejected,
            vec![
                (LineReject::TooLong, "line 2".to_owned()),
                (LineReject::InvalidUtf8, "line 3, byte 1".to_owned())
            ]
        );
    }
}
