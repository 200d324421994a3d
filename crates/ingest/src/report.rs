//! Counting and sampling what an import accepted, rejected and warned about.

use std::collections::BTreeMap;
use std::fmt;

/// How many samples of each reject reason (and of warnings) a report keeps.
pub const SAMPLES_PER_REASON: usize = 5;

/// One rejected record: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Input name (file path or `-`).
    pub source: String,
    /// Location inside the input: `line 12`, `line 3, /value/4/port`, `byte 1024`.
    pub location: String,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.location, self.message)
    }
}

/// The outcome of an import: counts, rejects by reason (with samples) and sampled warnings.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Records accepted (entities and relations handed to the store).
    pub accepted: u64,
    /// Reject counts by reason.
    pub rejects: BTreeMap<String, u64>,
    /// A few rejects per reason.
    pub samples: Vec<Reject>,
    /// Warnings seen (total).
    pub warnings: u64,
    /// A few warnings.
    pub warning_samples: Vec<String>,
}

impl Report {
    /// Records a reject under `reason`.
    pub fn reject(&mut self, reason: &str, reject: Reject) {
        let n = self.rejects.entry(reason.to_owned()).or_insert(0);
        *n += 1;
        if *n as usize <= SAMPLES_PER_REASON {
            self.samples.push(reject);
        }
    }

    /// Records a warning.
    pub fn warn(&mut self, warning: String) {
        self.warnings += 1;
        if self.warning_samples.len() < SAMPLES_PER_REASON * 4 {
            self.warning_samples.push(warning);
        }
    }

    /// Total rejects.
    pub fn rejected(&self) -> u64 {
        self.rejects.values().sum()
    }

    /// Adds another report's figures to this one.
    pub fn merge(&mut self, other: Report) {
        self.accepted += other.accepted;
        for (reason, n) in other.rejects {
            *self.rejects.entry(reason).or_insert(0) += n;
        }
        for s in other.samples {
            if self.samples.len() < SAMPLES_PER_REASON * 8 {
                self.samples.push(s);
            }
        }
        self.warnings += other.warnings;
        for w in other.warning_samples {
            if self.warning_samples.len() < SAMPLES_PER_REASON * 4 {
                self.warning_samples.push(w);
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "accepted {}, rejected {}, warnings {}",
            self.accepted,
            self.rejected(),
            self.warnings
        )?;
        for (reason, n) in &self.rejects {
            writeln!(f, "  rejected {n} × {reason}")?;
        }
        for s in &self.samples {
            writeln!(f, "    e.g. {s}")?;
        }
        for w in &self.warning_samples {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}
