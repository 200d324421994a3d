//! Pre-aggregation of observations in memory: one entry per (name, type, value), bounded, drained into store batches.
//!
//! Sources produce millions of observations per second, mostly repeats; the store only needs to hear about each
//! distinct record once per batch. Keys are normalised here, once, so every source agrees on names and values.

use super::observation::{DnsSink, Observation, ObservationError, Rdata};
use super::rtype::RecordType;
use crate::report::{Reject, Report};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr};
use tigr_model::batch::{DnsBatch, HostSighting, Resolution, SubdomainSighting, UnclassifiedValue};
use tigr_model::id::{encode_key, host_type, normalize_name, passive_dns_id};

/// The maps' hasher: fast and non-cryptographic. Keys come from the data being ingested, but a flood of colliding
/// names would cost only speed, and the seed is random per run.
type FastHash = foldhash::fast::RandomState;

/// Separates the parts of an aggregation key. Normalised names never contain it (control characters are rejected).
const SEP: char = '\0';

/// What a record's value points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Address,
    Name,
    Unclassified,
}

impl ValueKind {
    fn artifact_type(self) -> &'static str {
        match self {
            Self::Address => "ipAddress",
            Self::Name => "hostname",
            Self::Unclassified => "unclassifiedArtifact",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    first: i64,
    last: i64,
    count: u64,
}

impl Seen {
    fn merge(&mut self, first: i64, last: i64, count: u64) {
        self.first = self.first.min(first);
        self.last = self.last.max(last);
        self.count += count;
    }
}

/// Keys this long or shorter (most) are stored in the map's entries themselves.
const INLINE_KEY: usize = 54;

/// An aggregation key as the map holds it. Aggregation is bound by memory latency (every observation looks up a
/// map far larger than the CPU caches), so a key is kept where the lookup finds its entry when it fits, instead of
/// behind a pointer that costs a second cache miss.
#[derive(Debug)]
enum StoredKey {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl StoredKey {
    fn new(key: &[u8]) -> Self {
        match u8::try_from(key.len()) {
            Ok(len) if key.len() <= INLINE_KEY => {
                let mut bytes = [0; INLINE_KEY];
                bytes[..key.len()].copy_from_slice(key);
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(key.into()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(bytes) => bytes,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.bytes()).expect("keys are made from strings")
    }
}

// Lookups go by `&[u8]`: equality and hashing are those of the bytes.
impl Borrow<[u8]> for StoredKey {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl PartialEq for StoredKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for StoredKey {}

impl Hash for StoredKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes().hash(state);
    }
}

/// Aggregates observations into distinct records until it holds `max_records`, then wants draining.
#[derive(Debug)]
pub struct Aggregator {
    /// `name SEP type SEP kind SEP value` → sightings (the type as one char, see [`type_char`]).
    records: HashMap<StoredKey, Seen, FastHash>,
    max_records: usize,
    observations: u64,
    key: String,
}

impl Aggregator {
    /// An aggregator that reports [`Aggregator::is_full`] at `max_records` distinct records (memory stays
    /// proportional to that: roughly 150 bytes per record plus the names).
    pub fn new(max_records: usize) -> Self {
        Self {
            records: HashMap::with_hasher(FastHash::default()),
            max_records: max_records.max(1),
            observations: 0,
            key: String::with_capacity(256),
        }
    }

    /// Distinct records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Whether the batch should be drained now.
    pub fn is_full(&self) -> bool {
        self.records.len() >= self.max_records
    }

    /// Sightings taken since the last drain (sum of counts).
    pub fn observations(&self) -> u64 {
        self.observations
    }

    /// Normalises and adds one observation.
    pub fn add(&mut self, o: &Observation<'_>) -> Result<(), ObservationError> {
        if o.first_seen > o.last_seen {
            return Err(ObservationError::TimeOrder);
        }
        let key = &mut self.key;
        key.clear();
        normalize_name(o.name, key).map_err(ObservationError::Name)?;
        key.push(SEP);
        key.push(type_char(o.rtype));
        key.push(SEP);
        let kind_at = key.len();
        key.push('?');
        key.push(SEP);
        let kind = push_value(key, o.rtype, o.rdata)?;
        key.replace_range(kind_at..kind_at + 1, kind_tag(kind));
        match self.records.get_mut(key.as_bytes()) {
            Some(seen) => seen.merge(o.first_seen, o.last_seen, o.count),
            None => {
                self.records.insert(
                    StoredKey::new(key.as_bytes()),
                    Seen {
                        first: o.first_seen,
                        last: o.last_seen,
                        count: o.count,
                    },
                );
            }
        }
        self.observations += o.count;
        Ok(())
    }

    /// Empties the aggregator into a store batch stamped `collected` (µs): [`Aggregator::take`] then
    /// [`Aggregated::into_batch`].
    pub fn drain(&mut self, collected: i64) -> DnsBatch {
        self.take(collected).into_batch()
    }

    /// Hands over what is held, as is (no work beyond moving the map), so that expanding it into a store batch can
    /// happen on another thread while this one goes on reading.
    pub fn take(&mut self, collected: i64) -> Aggregated {
        self.observations = 0;
        let capacity = self.records.len().min(self.max_records);
        Aggregated {
            records: std::mem::replace(
                &mut self.records,
                HashMap::with_capacity_and_hasher(capacity, FastHash::default()),
            ),
            collected,
        }
    }
}

/// Aggregated records taken out of an [`Aggregator`], not yet expanded into a store batch.
#[derive(Debug)]
pub struct Aggregated {
    records: HashMap<StoredKey, Seen, FastHash>,
    collected: i64,
}

impl Aggregated {
    /// Distinct records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The store batch: resolutions, every host they mention with its first/last sighting, subdomains below
    /// registrable domains (and those domains as hosts), and the unclassified values. Items are unique per id and
    /// sorted by id, so the store writes each table in key order.
    ///
    /// Resolutions are expanded on the calling thread and the rest on a second one: this runs while a large batch
    /// waits to be written, when the threads that read the input have nothing left to do.
    pub fn into_batch(self) -> DnsBatch {
        let (resolutions, sightings) = std::thread::scope(|scope| {
            let sightings = scope.spawn(|| self.sightings());
            let resolutions = self.resolutions();
            let sightings = sightings
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (resolutions, sightings)
        });
        let (hosts, subdomains, unclassified) = sightings;
        DnsBatch {
            collected: self.collected,
            resolutions,
            hosts,
            subdomains,
            unclassified,
        }
    }

    /// One resolution per record, sorted by id.
    fn resolutions(&self) -> Vec<Resolution> {
        let resolutions: Vec<Resolution> = self
            .records
            .iter()
            .map(|(key, seen)| {
                let key = Key::parse(key.as_str());
                let record_type = key.rtype.name().into_owned();
                let artifact_id = match key.kind {
                    ValueKind::Address | ValueKind::Name => key.value.to_owned(),
                    ValueKind::Unclassified => encode_key(&[record_type.as_str(), key.value]),
                };
                Resolution {
                    id: passive_dns_id(key.name, &record_type, key.value),
                    name: key.name.to_owned(),
                    record_type,
                    artifact_type: key.kind.artifact_type(),
                    artifact_id,
                    first_seen: seen.first,
                    last_seen: seen.last,
                    observations: seen.count,
                }
            })
            .collect();
        sorted_by_id(resolutions, |r| &r.id)
    }

    /// Hosts, subdomains and unclassified values, each sorted by id.
    fn sightings(
        &self,
    ) -> (
        Vec<HostSighting>,
        Vec<SubdomainSighting>,
        Vec<UnclassifiedValue>,
    ) {
        // Host ids borrow from the keys (most hosts appear in several records), with their sightings and whether
        // they are known to be addresses.
        let mut hosts: HashMap<&str, (i64, i64, bool), FastHash> =
            HashMap::with_capacity_and_hasher(2 * self.records.len(), FastHash::default());
        let mut sight = |id, seen: &Seen, address| {
            let (first, last, _) = hosts.entry(id).or_insert((seen.first, seen.last, address));
            *first = (*first).min(seen.first);
            *last = (*last).max(seen.last);
        };
        let mut unclassified: HashMap<String, UnclassifiedValue, FastHash> = HashMap::default();
        for (key, seen) in &self.records {
            let key = Key::parse(key.as_str());
            sight(key.name, seen, false);
            match key.kind {
                ValueKind::Address => sight(key.value, seen, true),
                ValueKind::Name => sight(key.value, seen, false),
                ValueKind::Unclassified => {
                    let kind = key.rtype.name().into_owned();
                    let id = encode_key(&[kind.as_str(), key.value]);
                    unclassified
                        .entry(id.clone())
                        .or_insert_with(|| UnclassifiedValue {
                            id,
                            kind,
                            value: key.value.to_owned(),
                        });
                }
            }
        }
        let mut subdomains = Vec::new();
        let mut implied: Vec<&str> = Vec::new();
        for (&id, &(first, _, address)) in &hosts {
            // Names are checked too: an owner name may be an address literal.
            if address || host_type(id) == "ipAddress" {
                continue;
            }
            let Some(registrable) = registrable_domain(id) else {
                continue;
            };
            if registrable == id {
                continue;
            }
            subdomains.push(SubdomainSighting {
                id: encode_key(&[id, registrable]),
                host: id.to_owned(),
                parent: registrable.to_owned(),
                first_seen: first,
            });
            if !hosts.contains_key(registrable) {
                implied.push(registrable);
            }
        }
        let all: Vec<(&str, Option<(i64, i64)>)> = hosts
            .into_iter()
            .map(|(id, (first, last, _))| (id, Some((first, last))))
            .chain(implied.into_iter().map(|id| (id, None)))
            .collect();
        let mut all = sorted_by_id(all, |host| host.0);
        // Several subdomains imply the same registrable domain.
        all.dedup_by(|b, a| a.0 == b.0);
        let hosts = all
            .into_iter()
            .map(|(id, seen)| HostSighting {
                id: id.to_owned(),
                seen,
            })
            .collect();
        (
            hosts,
            sorted_by_id(subdomains, |s| &s.id),
            sorted_by_id(unclassified.into_values().collect(), |u| &u.id),
        )
    }
}

/// `items` sorted by the text `id` gives. Items come by the hundred thousand, and comparing two ids read through
/// pointers costs two cache misses: the sort compares 16-byte prefixes kept beside the positions instead, and reads
/// ids only to break ties.
fn sorted_by_id<T>(items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<T> {
    // Zero-padded big-endian prefixes order as the texts they start do.
    let prefix = |text: &str| {
        let mut bytes = [0; 16];
        let n = text.len().min(16);
        bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
        u128::from_be_bytes(bytes)
    };
    let mut order: Vec<(u128, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (prefix(id(item)), i))
        .collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| id(&items[a.1]).cmp(id(&items[b.1])))
    });
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|(_, i)| items[i].take().expect("every position appears once"))
        .collect()
}

/// The parts of an aggregation key.
struct Key<'a> {
    name: &'a str,
    rtype: RecordType,
    kind: ValueKind,
    value: &'a str,
}

impl<'a> Key<'a> {
    fn parse(key: &'a str) -> Self {
        let mut parts = key.splitn(4, SEP);
        let (Some(name), Some(code), Some(tag), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            unreachable!("aggregation keys always have four parts")
        };
        let kind = match tag {
            "a" => ValueKind::Address,
            "n" => ValueKind::Name,
            _ => ValueKind::Unclassified,
        };
        Self {
            name,
            rtype: char_type(code),
            kind,
            value,
        }
    }
}

/// The registrable domain (public suffix + one label) of a normalised name, if it has one.
pub fn registrable_domain(name: &str) -> Option<&str> {
    psl::domain_str(name)
}

fn kind_tag(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Address => "a",
        ValueKind::Name => "n",
        ValueKind::Unclassified => "u",
    }
}

/// A record type as one char of the key (`U+10000 + code`: always a valid char, never the separator).
fn type_char(rtype: RecordType) -> char {
    char::from_u32(0x1_0000 + u32::from(rtype.0)).expect("U+10000..U+1FFFF are chars")
}

fn char_type(text: &str) -> RecordType {
    let code = text.chars().next().map_or(0, |c| u32::from(c) - 0x1_0000);
    RecordType(u16::try_from(code).expect("written by type_char"))
}

/// Appends the normalised value of a record to `out` and says what it points at.
///
/// Addresses (A, AAAA) are kept in canonical text form. Name-valued types point at a host: CNAME, NS, PTR, DNAME at
/// their target, MX at its exchange, SRV at its target, SVCB/HTTPS at their target unless it is `.` (the owner
/// itself, so the parameters are what matters). Everything else is kept as presentation text.
fn push_value(
    out: &mut String,
    rtype: RecordType,
    rdata: Rdata<'_>,
) -> Result<ValueKind, ObservationError> {
    let family = match rtype {
        RecordType::A => Some(4),
        RecordType::AAAA => Some(6),
        _ => None,
    };
    let text = match (rdata, family) {
        (Rdata::Ip(ip), Some(family)) if (family == 4) == ip.is_ipv4() => {
            use std::fmt::Write as _;
            let _ = write!(out, "{ip}");
            return Ok(ValueKind::Address);
        }
        (Rdata::Ip(ip), Some(family)) => {
            return Err(ObservationError::NotAnAddress {
                rtype,
                value: ip.to_string(),
                family,
            });
        }
        (Rdata::Ip(value), None) => {
            return Err(ObservationError::UnexpectedAddress { rtype, value });
        }
        (Rdata::Text(text), _) => text.trim(),
    };
    if let Some(family) = family {
        // Text the IPv4 parser accepts is already canonical (it refuses leading zeros and anything around the
        // address): no need to format it again.
        if family == 4 && text.parse::<Ipv4Addr>().is_ok() {
            out.push_str(text);
            return Ok(ValueKind::Address);
        }
        let ip = text
            .parse::<IpAddr>()
            .ok()
            .filter(|ip| (family == 4) == ip.is_ipv4());
        let Some(ip) = ip else {
            return Err(ObservationError::NotAnAddress {
                rtype,
                value: text.to_owned(),
                family,
            });
        };
        use std::fmt::Write as _;
        let _ = write!(out, "{ip}");
        return Ok(ValueKind::Address);
    }
    let malformed = || ObservationError::Malformed {
        rtype,
        value: text.to_owned(),
    };
    let target = match rtype {
        RecordType::CNAME | RecordType::NS | RecordType::PTR | RecordType::DNAME => Some(text),
        RecordType::MX => Some(nth_field(text, 1).ok_or_else(malformed)?),
        RecordType::SRV => Some(nth_field(text, 3).ok_or_else(malformed)?),
        RecordType::SVCB | RecordType::HTTPS => {
            Some(nth_field(text, 1).ok_or_else(malformed)?).filter(|target| *target != ".")
        }
        _ => None,
    };
    match target {
        // A null MX or SRV (`.`) says "no service": keep the data itself.
        Some(target) if target != "." => {
            let start = out.len();
            normalize_name(target, out).map_err(|error| {
                out.truncate(start);
                ObservationError::Target { rtype, error }
            })?;
            Ok(ValueKind::Name)
        }
        _ if text.is_empty() => Err(malformed()),
        _ => {
            out.push_str(text);
            Ok(ValueKind::Unclassified)
        }
    }
}

fn nth_field(text: &str, n: usize) -> Option<&str> {
    text.split_ascii_whitespace().nth(n)
}

/// The sink ingest runs use: observations go to an [`Aggregator`], rejects to a [`Report`], and whenever the
/// aggregator is full what it holds is handed to `flush` ([`Aggregated`], expanded by whoever writes it).
pub struct Aggregating<F: FnMut(Aggregated)> {
    pub aggregator: Aggregator,
    pub report: Report,
    clock: fn() -> i64,
    flush: F,
}

impl<F: FnMut(Aggregated)> Aggregating<F> {
    /// `clock` gives `collectedDateTime` (µs) at each flush.
    pub fn new(max_records: usize, clock: fn() -> i64, flush: F) -> Self {
        Self {
            aggregator: Aggregator::new(max_records),
            report: Report::default(),
            clock,
            flush,
        }
    }

    /// Hands over whatever is held, full or not (end of input, a timer, shutdown).
    pub fn flush(&mut self) {
        if !self.aggregator.is_empty() {
            let taken = self.aggregator.take((self.clock)());
            (self.flush)(taken);
        }
    }

    /// Adds the records another aggregator holds (one that read another part of the input), handing over what is
    /// held whenever the aggregator fills up on the way. Rejects and counts are the caller's to merge.
    pub fn absorb(&mut self, other: Aggregator) {
        let own = &mut self.aggregator;
        own.observations += other.observations;
        if own.records.is_empty() && other.records.len() < own.max_records {
            // The usual case (the first part of an input): take the map as it is instead of rehashing every key.
            own.records = other.records;
            return;
        }
        for (key, seen) in other.records {
            let own = &mut self.aggregator;
            match own.records.get_mut(key.bytes()) {
                Some(held) => held.merge(seen.first, seen.last, seen.count),
                None => {
                    own.records.insert(key, seen);
                }
            }
            if own.is_full() {
                self.flush();
            }
        }
    }
}

impl<F: FnMut(Aggregated)> DnsSink for Aggregating<F> {
    fn observe(&mut self, observation: &Observation<'_>) -> Result<(), ObservationError> {
        self.aggregator.add(observation)?;
        self.report.accepted += 1;
        if self.aggregator.is_full() {
            self.flush();
        }
        Ok(())
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.report.reject(reason, reject);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs<'a>(name: &'a str, rtype: &str, value: &'a str, time: i64) -> Observation<'a> {
        Observation::once(
            name,
            RecordType::parse(rtype).unwrap(),
            Rdata::Text(value),
            time,
        )
    }

    fn record_lines(batch: &DnsBatch) -> Vec<String> {
        let mut lines: Vec<String> = batch
            .resolutions
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}:{} {}..{} x{}",
                    r.name,
                    r.record_type,
                    r.artifact_type,
                    r.artifact_id,
                    r.first_seen,
                    r.last_seen,
                    r.observations
                )
            })
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn repeats_merge_and_names_normalise() {
        let mut agg = Aggregator::new(100);
        agg.add(&obs("WWW.Example.COM.", "A", "192.0.2.1", 20))
            .unwrap();
        agg.add(&obs("www.example.com", "A", "192.0.2.1", 10))
            .unwrap();
        agg.add(&Observation::once(
            "www.example.com",
            RecordType::A,
            Rdata::Ip("192.0.2.1".parse().unwrap()),
            30,
        ))
        .unwrap();
        agg.add(&obs("www.example.com", "CNAME", "Web.Example.NET.", 5))
            .unwrap();
        assert_eq!(agg.len(), 2);
        assert_eq!(agg.observations(), 4);
        let batch = agg.drain(99);
        assert_eq!(
            record_lines(&batch),
            [
                "www.example.com A ipAddress:192.0.2.1 10..30 x3",
                "www.example.com CNAME hostname:web.example.net 5..5 x1",
            ]
        );
        assert!(agg.is_empty());
        assert_eq!(agg.observations(), 0);
        let mut hosts: Vec<_> = batch
            .hosts
            .iter()
            .map(|h| (h.id.as_str(), h.seen))
            .collect();
        hosts.sort();
        assert_eq!(
            hosts,
            [
                ("192.0.2.1", Some((10, 30))),
                ("example.com", None),
                ("example.net", None),
                ("web.example.net", Some((5, 5))),
                ("www.example.com", Some((5, 30))),
            ]
        );
        let subs: Vec<_> = batch
            .subdomains
            .iter()
            .map(|s| (s.host.as_str(), s.parent.as_str()))
            .collect::<Vec<_>>();
        let mut subs = subs;
        subs.sort();
        assert_eq!(
            subs,
            [
                ("web.example.net", "example.net"),
                ("www.example.com", "example.com")
            ]
        );
    }

    #[test]
    fn values_by_type() {
        let cases = [
            (
                "MX",
                "10 Mail.Example.com.",
                Ok("hostname:mail.example.com"),
            ),
            ("MX", "0 .", Ok("unclassifiedArtifact:0 .")),
            (
                "SRV",
                "0 5 5060 SIP.example.com.",
                Ok("hostname:sip.example.com"),
            ),
            (
                "HTTPS",
                "1 . alpn=h2",
                Ok("unclassifiedArtifact:1 . alpn=h2"),
            ),
            (
                "HTTPS",
                "1 cdn.example.net. alpn=h2",
                Ok("hostname:cdn.example.net"),
            ),
            (
                "TXT",
                "\"v=spf1 -all\"",
                Ok("unclassifiedArtifact:\"v=spf1 -all\""),
            ),
            ("AAAA", "2001:DB8::1", Ok("ipAddress:2001:db8::1")),
            ("A", "2001:db8::1", Err("address of the wrong family")),
            ("A", "not-an-ip", Err("address of the wrong family")),
            ("MX", "10", Err("malformed record data")),
            ("CNAME", "bad name.", Err("invalid target name")),
            ("TXT", "", Err("malformed record data")),
        ];
        for (rtype, value, expected) in cases {
            let mut agg = Aggregator::new(10);
            let got = agg.add(&obs("x.example.com", rtype, value, 1)).map(|()| {
                let r = agg.drain(0).resolutions.remove(0);
                format!(
                    "{}:{}",
                    r.artifact_type,
                    if r.artifact_type == "unclassifiedArtifact" {
                        tigr_model::id::decode_key(&r.artifact_id).unwrap()[1].clone()
                    } else {
                        r.artifact_id
                    }
                )
            });
            assert_eq!(
                got.as_deref().map_err(ObservationError::reason),
                expected,
                "{rtype} {value}"
            );
        }
    }

    #[test]
    fn bad_observations_are_refused() {
        let mut agg = Aggregator::new(10);
        assert_eq!(
            agg.add(&obs(".", "A", "192.0.2.1", 1))
                .unwrap_err()
                .reason(),
            "record owned by the root name"
        );
        let mut backwards = obs("a.example", "A", "192.0.2.1", 5);
        backwards.first_seen = 6;
        assert_eq!(agg.add(&backwards), Err(ObservationError::TimeOrder));
        assert_eq!(
            agg.add(&Observation::once(
                "a.example",
                RecordType::MX,
                Rdata::Ip("192.0.2.1".parse().unwrap()),
                1
            ))
            .unwrap_err()
            .reason(),
            "address of the wrong family"
        );
        assert!(agg.is_empty());
    }

    #[test]
    fn the_sink_flushes_when_full() {
        let mut batches = Vec::new();
        let mut sink = Aggregating::new(2, || 7, |b| batches.push(b));
        for name in ["a.example.com", "b.example.com", "c.example.com"] {
            sink.observe_or_reject(&obs(name, "A", "192.0.2.1", 1), "test", || "line".into());
        }
        sink.observe_or_reject(&obs("d.example.com", "A", "nope", 1), "test", || {
            "line 4".into()
        });
        sink.flush();
        let report = sink.report;
        assert_eq!(report.accepted, 3);
        assert_eq!(report.rejected(), 1);
        assert_eq!(
            report.samples[0].to_string(),
            "test: line 4: A data \"nope\" is not an IPv4 address"
        );
        assert_eq!(
            batches.iter().map(Aggregated::len).collect::<Vec<_>>(),
            [2, 1]
        );
        assert_eq!(batches.remove(0).into_batch().collected, 7);
    }

    #[test]
    fn sorting_by_id_orders_as_the_ids_do() {
        let ids = [
            "b",
            "",
            "a",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopa",
            "a\0",
            "ab",
            "é",
            "z",
            "abcdefghijklmnoo",
        ];
        let mut expected: Vec<&str> = ids.to_vec();
        expected.sort();
        assert_eq!(sorted_by_id(ids.to_vec(), |id| id), expected);
    }

    #[test]
    fn short_and_long_keys_merge_alike() {
        let long = format!("{}.example.com", "label".repeat(20));
        let mut agg = Aggregator::new(10);
        for (name, time) in [
            ("a.example.com", 2),
            (&long, 3),
            ("a.example.com", 1),
            (&long, 4),
        ] {
            agg.add(&obs(name, "A", "192.0.2.1", time)).unwrap();
        }
        assert!(matches!(
            agg.records.keys().map(|k| k.bytes().len()).max(),
            Some(len) if len > INLINE_KEY
        ));
        assert_eq!(
            record_lines(&agg.drain(0)),
            [
                "a.example.com A ipAddress:192.0.2.1 1..2 x2".to_owned(),
                format!("{long} A ipAddress:192.0.2.1 3..4 x2"),
            ]
        );
    }

    #[test]
    fn absorbing_merges_and_flushes_when_full() {
        let part = |names: &[&str], time| {
            let mut agg = Aggregator::new(10);
            for name in names {
                agg.add(&obs(name, "A", "192.0.2.1", time)).unwrap();
            }
            agg
        };
        let mut batches = Vec::new();
        let mut sink = Aggregating::new(3, || 0, |b| batches.push(b));
        sink.absorb(part(&["a.example.com", "b.example.com"], 5));
        sink.absorb(part(
            &["b.example.com", "c.example.com", "d.example.com"],
            9,
        ));
        sink.flush();
        drop(sink);
        assert!(batches.iter().all(|b| b.len() <= 3));
        // A record may be split over two batches (the store merges them): merge them here the same way.
        let mut merged: HashMap<String, Seen> = HashMap::new();
        for batch in batches {
            for r in batch.into_batch().resolutions {
                let seen = (r.first_seen, r.last_seen, r.observations);
                merged
                    .entry(r.name)
                    .and_modify(|s| s.merge(seen.0, seen.1, seen.2))
                    .or_insert(Seen {
                        first: seen.0,
                        last: seen.1,
                        count: seen.2,
                    });
            }
        }
        let mut lines: Vec<String> = merged
            .into_iter()
            .map(|(name, s)| format!("{name} {}..{} x{}", s.first, s.last, s.count))
            .collect();
        lines.sort();
        assert_eq!(
            lines,
            [
                "a.example.com 5..5 x1",
                "b.example.com 5..9 x2",
                "c.example.com 9..9 x1",
                "d.example.com 9..9 x1",
            ]
        );
    }
}
