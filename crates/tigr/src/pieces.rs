//! Reading one file of a line format on several threads: the file is cut into newline-aligned pieces, each piece is
//! parsed on its own thread into its own sink, and what the pieces rejected joins the file's report in input order,
//! with the file's line numbers.
//!
//! Only for formats whose lines stand alone (COF, passivedns): no line depends on the lines before it, so a piece
//! parses exactly as it would in the middle of the whole file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use tigr_ingest::report::{Reject, Report, SAMPLES_PER_REASON};

/// Byte ranges cutting a file of `len` bytes into up to `parts` pieces of about equal size, each ending just after a
/// newline (the last one at the end of the file), so that every line lies whole in one piece.
pub fn line_ranges(file: &mut File, len: u64, parts: usize) -> io::Result<Vec<Range<u64>>> {
    let parts = parts.max(1) as u64;
    let mut ranges = Vec::new();
    let mut start = 0;
    for i in 1..=parts {
        let end = if i == parts {
            len
        } else {
            line_start(file, (len / parts * i).max(start), len)?
        };
        if end > start {
            ranges.push(start..end);
            start = end;
        }
    }
    Ok(ranges)
}

/// Where the first line starting at `at` or later starts: just after the first newline at `at - 1` or later (`len`
/// if there is none). Reads as far as it takes, so a line of any length stays whole.
fn line_start(file: &mut File, at: u64, len: u64) -> io::Result<u64> {
    if at == 0 {
        return Ok(0);
    }
    let mut position = at - 1;
    file.seek(SeekFrom::Start(position))?;
    let mut buffer = vec![0; 64 * 1024];
    while position < len {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        if let Some(i) = buffer[..n].iter().position(|&b| b == b'\n') {
            return Ok(position + i as u64 + 1);
        }
        position += n as u64;
    }
    Ok(len)
}

/// Where a piece starts in its file.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// Lines before the piece; unknown when a piece before it stopped early.
    pub lines: Option<u64>,
    /// Its first byte.
    pub byte: u64,
}

/// A piece's rejects, kept with their reasons ([`Report`] keeps samples without them) so that they can join the
/// file's report as if the file had been read in one go.
#[derive(Debug, Default)]
pub struct Rejects {
    counts: BTreeMap<&'static str, u64>,
    /// The first [`SAMPLES_PER_REASON`] of each reason, in input order.
    samples: Vec<(&'static str, Reject)>,
}

impl Rejects {
    /// Counts a reject, keeping it as a sample if it is among the first of its reason.
    pub fn add(&mut self, reason: &'static str, reject: Reject) {
        let n = self.counts.entry(reason).or_insert(0);
        *n += 1;
        if *n as usize <= SAMPLES_PER_REASON {
            self.samples.push((reason, reject));
        }
    }

    /// Rejects counted.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Adds these rejects to `report` as if they came right after the ones it holds (so it samples the same ones
    /// it would have reading the file in one go), with `line N` locations counted from the start of the file.
    pub fn replay(self, report: &mut Report, origin: Origin) {
        for (reason, mut reject) in self.samples {
            reject.location = relocate(&reject.location, origin);
            report.reject(reason, reject);
        }
        for (reason, n) in self.counts {
            // The samples were counted as they were replayed.
            let rest = n - n.min(SAMPLES_PER_REASON as u64);
            if rest > 0 {
                *report.rejects.entry(reason.to_owned()).or_insert(0) += rest;
            }
        }
    }
}

/// A line reader's location (`line N`, `line N, field …`) as a location in the whole file.
fn relocate(location: &str, origin: Origin) -> String {
    let Some(after) = location.strip_prefix("line ") else {
        return location.to_owned();
    };
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let (Ok(line), rest) = (after[..digits].parse::<u64>(), &after[digits..]) else {
        return location.to_owned();
    };
    match origin.lines {
        Some(before) => format!("line {}{rest}", line + before),
        None => format!("line {line} after byte {}{rest}", origin.byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(content: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut named = tempfile::NamedTempFile::new().unwrap();
        named.write_all(content).unwrap();
        let file = File::open(named.path()).unwrap();
        (named, file)
    }

    #[test]
    fn pieces_end_after_newlines_and_cover_the_file() {
        let content = b"aaaa\nbb\ncccccccccccccccccccc\nd\n\ne";
        let (_named, mut file) = file_with(content);
        let len = content.len() as u64;
        for parts in 1..=12 {
            let ranges = line_ranges(&mut file, len, parts).unwrap();
            assert!(ranges.len() <= parts);
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, len);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                assert_eq!(
                    content[pair[0].end as usize - 1],
                    b'\n',
                    "{parts}: {ranges:?}"
                );
            }
        }
        // One long line: one piece, however many are asked for.
        let (_named, mut file) = file_with(&[b'x'; 200_000]);
        let ranges = line_ranges(&mut file, 200_000, 4).unwrap();
        assert_eq!((ranges.len(), &ranges[0]), (1, &(0..200_000)));
        let (_named, mut file) = file_with(b"");
        assert!(line_ranges(&mut file, 0, 4).unwrap().is_empty());
    }

    fn reject(location: &str) -> Reject {
        Reject {
            source: "f".into(),
            location: location.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn replayed_pieces_sample_as_one_read_would() {
        let mut report = Report::default();
        let mut first = Rejects::default();
        for line in 1..=3 {
            first.add("bad", reject(&format!("line {line}")));
        }
        first.replay(
            &mut report,
            Origin {
                lines: Some(0),
                byte: 0,
            },
        );
        let mut second = Rejects::default();
        for line in 1..=4 {
            second.add("bad", reject(&format!("line {line}, field rrname")));
        }
        second.add("worse", reject("line 9, byte 3"));
        second.add("odd", reject("frame 2"));
        assert_eq!(second.total(), 6);
        second.replay(
            &mut report,
            Origin {
                lines: Some(100),
                byte: 5000,
            },
        );
        let mut third = Rejects::default();
        third.add("worse", reject("line 2"));
        third.replay(
            &mut report,
            Origin {
                lines: None,
                byte: 9000,
            },
        );
        assert_eq!(report.rejects["bad"], 7);
        assert_eq!(report.rejects["worse"], 2);
        assert_eq!(report.rejects["odd"], 1);
        let locations: Vec<&str> = report.samples.iter().map(|r| r.location.as_str()).collect();
        assert_eq!(
            locations,
            [
                "line 1",
                "line 2",
                "line 3",
                "line 101, field rrname",
                "line 102, field rrname",
                "line 109, byte 3",
                "frame 2",
                "line 2 after byte 9000",
            ]
        );
    }
}
