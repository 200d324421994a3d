//! The common shape of a passive DNS sighting, and the sink every DNS source hands its sightings to.

use super::rtype::RecordType;
use crate::report::Reject;
use std::net::IpAddr;
use tigr_model::id::NameError;

/// Record data as a source has it: an address already decoded (wire formats), or presentation-format text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rdata<'a> {
    /// A or AAAA data decoded from the wire.
    Ip(IpAddr),
    /// Presentation format (RFC 1035 §5.1, RFC 3597 `\# len hex` for unknown types): `10 mail.example.com.`,
    /// `"v=spf1 -all"`, `192.0.2.1`.
    Text(&'a str),
}

/// One answer record seen by a sensor (or an aggregate of `count` sightings between `first_seen` and `last_seen`,
/// for sources such as COF that are already aggregated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation<'a> {
    /// Owner name as the source spells it (any case, trailing dot or not, U-labels or A-labels).
    pub name: &'a str,
    /// Record type.
    pub rtype: RecordType,
    /// Record data.
    pub rdata: Rdata<'a>,
    /// First sighting, µs since the epoch.
    pub first_seen: i64,
    /// Last sighting, µs since the epoch (≥ `first_seen`).
    pub last_seen: i64,
    /// Sightings this stands for (1 for a single answer).
    pub count: u64,
}

impl<'a> Observation<'a> {
    /// A single sighting at `time` (µs).
    pub fn once(name: &'a str, rtype: RecordType, rdata: Rdata<'a>, time: i64) -> Self {
        Self {
            name,
            rtype,
            rdata,
            first_seen: time,
            last_seen: time,
            count: 1,
        }
    }
}

/// Why an observation cannot become a passive DNS record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationError {
    /// The owner name is unusable.
    #[error("owner name: {0}")]
    Name(NameError),
    /// A name-valued record (CNAME, NS, MX, ...) whose target name is unusable.
    #[error("{rtype} target: {error}")]
    Target { rtype: RecordType, error: NameError },
    /// A/AAAA data that is not an address of that family.
    #[error("{rtype} data {value:?} is not an IPv{family} address")]
    NotAnAddress {
        rtype: RecordType,
        value: String,
        family: u8,
    },
    /// Presentation data missing the fields its type requires (`MX` without an exchange, ...).
    #[error("{rtype} data {value:?} is malformed")]
    Malformed { rtype: RecordType, value: String },
    /// An address given for a type whose data is not an address.
    #[error("{rtype} data cannot be an address ({value})")]
    UnexpectedAddress { rtype: RecordType, value: IpAddr },
    /// `first_seen` after `last_seen`.
    #[error("first seen is after last seen")]
    TimeOrder,
}

impl ObservationError {
    /// The reject reason this error is counted under.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Name(NameError::Root) => "record owned by the root name",
            Self::Name(_) => "invalid owner name",
            Self::Target { .. } => "invalid target name",
            Self::NotAnAddress { .. } | Self::UnexpectedAddress { .. } => {
                "address of the wrong family"
            }
            Self::Malformed { .. } => "malformed record data",
            Self::TimeOrder => "first seen after last seen",
        }
    }
}

/// Where DNS sources deliver what they read: observations, and rejects for what they could not read.
pub trait DnsSink {
    /// Takes one observation. An `Err` says why it is unusable; the source then records it as a reject with its
    /// location ([`DnsSink::reject_observation`] does both).
    fn observe(&mut self, observation: &Observation<'_>) -> Result<(), ObservationError>;

    /// Records a reject counted under `reason`.
    fn reject(&mut self, reason: &'static str, reject: Reject);

    /// Offers `observation`; if it is unusable, records the reject at `source`/`location`.
    fn observe_or_reject(
        &mut self,
        observation: &Observation<'_>,
        source: &str,
        location: impl FnOnce() -> String,
    ) {
        if let Err(error) = self.observe(observation) {
            self.reject(
                error.reason(),
                Reject {
                    source: source.to_owned(),
                    location: location(),
                    message: error.to_string(),
                },
            );
        }
    }
}

/// An owned observation, as [`Collected`] keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedObservation {
    pub name: String,
    pub rtype: RecordType,
    /// Addresses as text, other data as given.
    pub rdata: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub count: u64,
}

impl std::fmt::Display for OwnedObservation {
    /// `name TYPE rdata` — compact enough for test vectors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.name, self.rtype, self.rdata)
    }
}

/// A sink that keeps everything as given, for tests and tools: observations verbatim (not normalised, not
/// aggregated) and the rejects.
#[derive(Debug, Default)]
pub struct Collected {
    pub observations: Vec<OwnedObservation>,
    pub report: crate::report::Report,
}

impl Collected {
    /// Observations as `name TYPE rdata` lines.
    pub fn lines(&self) -> Vec<String> {
        self.observations.iter().map(ToString::to_string).collect()
    }
}

impl DnsSink for Collected {
    fn observe(&mut self, o: &Observation<'_>) -> Result<(), ObservationError> {
        self.observations.push(OwnedObservation {
            name: o.name.to_owned(),
            rtype: o.rtype,
            rdata: match o.rdata {
                Rdata::Ip(ip) => ip.to_string(),
                Rdata::Text(text) => text.to_owned(),
            },
            first_seen: o.first_seen,
            last_seen: o.last_seen,
            count: o.count,
        });
        self.report.accepted += 1;
        Ok(())
    }

    fn reject(&mut self, reason: &'static str, reject: Reject) {
        self.report.reject(reason, reject);
    }
}
