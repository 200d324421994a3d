//! IP fragment reassembly (IPv4 and IPv6) in a bounded pool, with trains expiring by capture time.
//!
//! Large DNS responses (DNSSEC, big TXT sets) over UDP are fragmented; without reassembly they would be lost.

use super::packet::Fragment;
use std::collections::HashMap;
use std::net::IpAddr;

/// Largest datagram payload an IP header can describe.
const MAX_DATAGRAM: usize = 65_535;

/// Identifies the datagram a fragment belongs to (RFC 791 / RFC 8200): addresses, id, and the protocol (IPv6: the
/// fragment header's next header, the same in every fragment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct TrainKey {
    pub source: IpAddr,
    pub destination: IpAddr,
    pub id: u32,
    pub protocol: u8,
}

/// A datagram being reassembled.
#[derive(Debug)]
struct Train {
    first_seen_us: i64,
    data: Vec<u8>,
    /// Received byte ranges, sorted and merged.
    covered: Vec<(usize, usize)>,
    /// Payload length, known once the last fragment arrived.
    total: Option<usize>,
    protocol: u8,
    /// Where the first fragment to arrive was, for the reject if the train never completes.
    location: String,
}

/// A train given up: timed out, evicted, or left at the end of the capture.
#[derive(Debug)]
pub(super) struct Abandoned {
    pub key: TrainKey,
    pub location: String,
    pub received: usize,
}

/// Why a fragment was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FragmentError {
    TooLarge { end: usize },
    Conflict,
}

impl std::fmt::Display for FragmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { end } => write!(
                f,
                "fragment reaches byte {end}, beyond the 65535-byte maximum"
            ),
            Self::Conflict => {
                f.write_str("fragment disagrees with the datagram's already known length")
            }
        }
    }
}

/// The reassembly pool.
#[derive(Debug)]
pub(super) struct Defragmenter {
    trains: HashMap<TrainKey, Train>,
    max_trains: usize,
    timeout_us: i64,
    last_sweep_us: i64,
}

impl Defragmenter {
    pub fn new(max_trains: usize, timeout_us: i64) -> Self {
        Self {
            trains: HashMap::new(),
            max_trains: max_trains.max(1),
            timeout_us,
            last_sweep_us: i64::MIN,
        }
    }

    /// Adds a fragment; returns the protocol and payload once the datagram is complete. Trains given up to make
    /// room or by timeout are pushed to `abandoned`.
    pub fn add(
        &mut self,
        key: TrainKey,
        fragment: Fragment,
        data: &[u8],
        time_us: i64,
        location: impl FnOnce() -> String,
        abandoned: &mut Vec<Abandoned>,
    ) -> Result<Option<(u8, Vec<u8>)>, FragmentError> {
        self.expire(time_us, abandoned);
        let end = fragment.offset + data.len();
        if end > MAX_DATAGRAM {
            self.trains.remove(&key);
            return Err(FragmentError::TooLarge { end });
        }
        if !self.trains.contains_key(&key) && self.trains.len() >= self.max_trains {
            self.evict_oldest(abandoned);
        }
        let train = self.trains.entry(key).or_insert_with(|| Train {
            first_seen_us: time_us,
            data: Vec::new(),
            covered: Vec::new(),
            total: None,
            protocol: key.protocol,
            location: location(),
        });
        if !fragment.more {
            if train.total.is_some_and(|total| total != end) {
                self.trains.remove(&key);
                return Err(FragmentError::Conflict);
            }
            train.total = Some(end);
        }
        if train.data.len() < end {
            train.data.resize(end, 0);
        }
        train.data[fragment.offset..end].copy_from_slice(data);
        insert_range(&mut train.covered, fragment.offset, end);
        let complete = match (train.total, train.covered.as_slice()) {
            (Some(total), [(0, covered)]) => *covered >= total,
            _ => false,
        };
        if !complete {
            return Ok(None);
        }
        let Some(mut train) = self.trains.remove(&key) else {
            return Ok(None);
        };
        train.data.truncate(train.total.unwrap_or(train.data.len()));
        Ok(Some((train.protocol, train.data)))
    }

    /// Makes room by giving up the oldest eighth of the trains at once (one scan per many new trains).
    fn evict_oldest(&mut self, abandoned: &mut Vec<Abandoned>) {
        let mut ages: Vec<(i64, TrainKey)> = self
            .trains
            .iter()
            .map(|(key, train)| (train.first_seen_us, *key))
            .collect();
        let count = (ages.len() / 8).max(1);
        ages.select_nth_unstable_by_key(count - 1, |(seen, _)| *seen);
        for (_, key) in &ages[..count] {
            if let Some(train) = self.trains.remove(key) {
                abandoned.push(abandon(*key, train));
            }
        }
    }

    /// Gives up trains older than the timeout (checked at most once per second of capture time).
    pub fn expire(&mut self, now_us: i64, abandoned: &mut Vec<Abandoned>) {
        if self.trains.is_empty() || now_us.saturating_sub(self.last_sweep_us) < 1_000_000 {
            return;
        }
        self.last_sweep_us = now_us;
        let timeout = self.timeout_us;
        let expired: Vec<TrainKey> = self
            .trains
            .iter()
            .filter(|(_, train)| now_us.saturating_sub(train.first_seen_us) > timeout)
            .map(|(key, _)| *key)
            .collect();
        for key in expired {
            if let Some(train) = self.trains.remove(&key) {
                abandoned.push(abandon(key, train));
            }
        }
    }

    /// Gives up every train (end of capture).
    pub fn drain(&mut self, abandoned: &mut Vec<Abandoned>) {
        abandoned.extend(self.trains.drain().map(|(key, train)| abandon(key, train)));
    }
}

fn abandon(key: TrainKey, train: Train) -> Abandoned {
    Abandoned {
        key,
        location: train.location,
        received: train.covered.iter().map(|(start, end)| end - start).sum(),
    }
}

/// Adds `start..end` to sorted, merged ranges.
fn insert_range(ranges: &mut Vec<(usize, usize)>, start: usize, end: usize) {
    let (mut start, mut end) = (start, end);
    ranges.retain(|&(s, e)| {
        if s <= end && start <= e {
            start = start.min(s);
            end = end.max(e);
            false
        } else {
            true
        }
    });
    let at = ranges.partition_point(|&(s, _)| s < start);
    ranges.insert(at, (start, end));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge() {
        let mut ranges = Vec::new();
        insert_range(&mut ranges, 16, 24);
        insert_range(&mut ranges, 0, 8);
        assert_eq!(ranges, [(0, 8), (16, 24)]);
        insert_range(&mut ranges, 8, 16);
        assert_eq!(ranges, [(0, 24)]);
        insert_range(&mut ranges, 4, 30);
        assert_eq!(ranges, [(0, 30)]);
    }
}
