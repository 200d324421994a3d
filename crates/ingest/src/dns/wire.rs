//! DNS messages on the wire (RFC 1035): a zero-copy parser that turns the answer section of a response into passive
//! DNS observations, with record data written in presentation format.
//!
//! Only answers a resolver would trust become observations: records owned by the question name or by a name reached
//! from it through the CNAME/DNAME chain of the same answer section, and (when a bailiwick is given) owned at or
//! below that zone. Everything else in the answer section is a counted reject. Authority and additional sections are
//! walked to check the message is well formed but never observed (glue and referrals are not answers).
//!
//! Silently skipped, because they are not data about the DNS tree: meta types (OPT, TSIG, TKEY), classes other than
//! IN (CH `version.bind`, HS), responses with another opcode than QUERY or an rcode other than NOERROR/NXDOMAIN.
//!
//! Names are lower-cased while they are expanded from the wire (length bytes never fall in `A`..`Z`), so owners and
//! names inside record data come out lower-case and absolute; escapes follow BIND's `dig`.

use super::observation::{DnsSink, Observation, Rdata};
use super::rtype::RecordType;
use crate::report::Reject;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Length of the fixed DNS header.
pub const HEADER_LEN: usize = 12;
/// Longest name in wire form (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 255;
/// Most names a CNAME/DNAME chain may collect; real resolvers give up after a dozen or so links.
const MAX_CHAIN_NAMES: usize = 24;
/// Most passes over the answer section to resolve a chain listed out of order.
const MAX_CHAIN_PASSES: usize = 16;

const CLASS_IN: u16 = 1;
const TYPE_CNAME: u16 = 5;
const TYPE_DNAME: u16 = 39;

/// A section of a DNS message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Question,
    Answer,
    Authority,
    Additional,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Question => "question",
            Self::Answer => "answer",
            Self::Authority => "authority",
            Self::Additional => "additional",
        })
    }
}

/// Why a DNS message (or one record of it) cannot be read. Offsets count bytes from the start of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("message of {len} bytes is shorter than the 12-byte DNS header")]
    ShortHeader { len: usize },
    #[error(
        "the header counts {count} {section} records but the {len}-byte message ends after {index} of them"
    )]
    CountsExceedMessage {
        section: Section,
        index: u16,
        count: u16,
        len: usize,
    },
    #[error("message ends at byte {len} inside the {what} starting at byte {offset}")]
    Truncated {
        what: &'static str,
        offset: usize,
        len: usize,
    },
    #[error("compression pointer at byte {offset} points to byte {target}, {problem}")]
    BadPointer {
        offset: usize,
        target: usize,
        problem: &'static str,
    },
    #[error(
        "compression pointer at byte {offset} points back to byte {target}, inside the name it belongs to (a loop)"
    )]
    PointerLoop { offset: usize, target: usize },
    #[error(
        "label length byte {byte:#04x} at byte {offset}: labels are at most 63 bytes (label types 0x40 and 0x80 are not used)"
    )]
    BadLabel { offset: usize, byte: u8 },
    #[error("name starting at byte {offset} is longer than 255 bytes")]
    NameTooLong { offset: usize },
    #[error(
        "{rtype} record data at byte {offset} claims {rdlength} bytes but the message has {available} left"
    )]
    RdataOverrun {
        rtype: RecordType,
        offset: usize,
        rdlength: u16,
        available: usize,
    },
    #[error("{rtype} record data at byte {offset}: {problem}")]
    MalformedRdata {
        rtype: RecordType,
        offset: usize,
        problem: &'static str,
    },
}

impl WireError {
    /// The reject reason this error is counted under.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::ShortHeader { .. } | Self::Truncated { .. } => "truncated DNS message",
            Self::CountsExceedMessage { .. } => "DNS record counts exceed the message",
            Self::BadPointer { .. } => "bad compression pointer",
            Self::PointerLoop { .. } => "compression pointer loop",
            Self::BadLabel { .. } => "bad DNS label",
            Self::NameTooLong { .. } => "DNS name too long",
            Self::RdataOverrun { .. } => "record data overruns the DNS message",
            Self::MalformedRdata { .. } => "malformed record data",
        }
    }
}

/// Offers every answer of a DNS response to `sink` as one observation at `time_us` and returns how many the sink
/// accepted. Queries and responses that carry no data (other opcodes, rcodes other than NOERROR/NXDOMAIN) give
/// `Ok(0)`. Answers outside the question's CNAME/DNAME chain or outside `bailiwick` (a zone apex in presentation
/// form), and records whose data cannot be read, are rejects recorded at `source`/`location()`. A message whose
/// structure is broken gives `Err` and nothing is observed; the caller records it (see [`WireError::reason`]).
///
/// Uses a per-thread [`WireParser`] so its buffers are reused; hold your own parser in a loop to avoid the
/// thread-local lookup.
pub fn observe_response<S: DnsSink>(
    message: &[u8],
    time_us: i64,
    bailiwick: Option<&str>,
    source: &str,
    location: &dyn Fn() -> String,
    sink: &mut S,
) -> Result<usize, WireError> {
    thread_local! {
        static PARSER: RefCell<WireParser> = RefCell::new(WireParser::new());
    }
    PARSER.with(|parser| match parser.try_borrow_mut() {
        Ok(mut parser) => {
            parser.observe_response(message, time_us, bailiwick, source, location, sink)
        }
        // A sink that parses DNS itself while being fed: give it a parser of its own.
        Err(_) => {
            WireParser::new().observe_response(message, time_us, bailiwick, source, location, sink)
        }
    })
}

/// A span of the name arena: an expanded, lower-cased name in wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NameRef {
    start: u32,
    len: u16,
}

impl NameRef {
    fn get(self, arena: &[u8]) -> &[u8] {
        let start = self.start as usize;
        arena.get(start..start + self.len as usize).unwrap_or(&[])
    }
}

/// One record of the answer section, located but not yet formatted.
#[derive(Debug, Clone, Copy)]
struct Answer {
    /// Where the record starts (its owner name).
    offset: usize,
    owner: NameRef,
    rtype: u16,
    class: u16,
    rdata: usize,
    rdlength: u16,
    /// The CNAME or DNAME target, when the record is one and its data reads.
    target: Option<NameRef>,
    in_chain: bool,
}

/// Reusable buffers for parsing DNS messages; one per thread or per capture.
#[derive(Debug, Default)]
pub struct WireParser {
    /// Expanded names (questions, owners, chain targets) of the current message.
    names: Vec<u8>,
    answers: Vec<Answer>,
    /// Names of the question's CNAME/DNAME chain (the questions first).
    chain: Vec<NameRef>,
    /// Scratch for names inside record data.
    scratch: Vec<u8>,
    /// The bailiwick as last given, and its wire form (`None` when it is not a valid name).
    bailiwick_text: String,
    bailiwick_wire: Option<Vec<u8>>,
    owner_text: String,
    owner_wire: Vec<u8>,
    rdata_text: String,
}

impl WireParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// See [`observe_response`].
    pub fn observe_response<S: DnsSink>(
        &mut self,
        message: &[u8],
        time_us: i64,
        bailiwick: Option<&str>,
        source: &str,
        location: &dyn Fn() -> String,
        sink: &mut S,
    ) -> Result<usize, WireError> {
        let Some(header) = message.get(..HEADER_LEN) else {
            return Err(WireError::ShortHeader { len: message.len() });
        };
        let is_response = header[2] & 0x80 != 0;
        let opcode = (header[2] >> 3) & 0x0f;
        let rcode = header[3] & 0x0f;
        if !is_response || opcode != 0 {
            return Ok(0);
        }
        let count = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
        let (qdcount, ancount, nscount, arcount) = (count(4), count(6), count(8), count(10));

        self.names.clear();
        self.answers.clear();
        self.chain.clear();
        let mut pos = HEADER_LEN;
        for index in 0..qdcount {
            if pos >= message.len() {
                return Err(counts_exceed(Section::Question, index, qdcount, message));
            }
            let (name, end) = self.read_arena_name(message, pos)?;
            if message.len() < end + 4 {
                return Err(truncated("question", pos, message));
            }
            if self.chain.len() < MAX_CHAIN_NAMES {
                self.chain.push(name);
            }
            pos = end + 4;
        }
        for index in 0..ancount {
            if pos >= message.len() {
                return Err(counts_exceed(Section::Answer, index, ancount, message));
            }
            let offset = pos;
            let (owner, end) = self.read_arena_name(message, pos)?;
            let (rtype, class, rdata, rdlength) = record_fields(message, offset, end)?;
            let mut answer = Answer {
                offset,
                owner,
                rtype,
                class,
                rdata,
                rdlength,
                target: None,
                in_chain: false,
            };
            if class == CLASS_IN && (rtype == TYPE_CNAME || rtype == TYPE_DNAME) {
                answer.target = self.read_target(message, rdata, rdlength);
            }
            self.answers.push(answer);
            pos = rdata + rdlength as usize;
        }
        for (section, total) in [
            (Section::Authority, nscount),
            (Section::Additional, arcount),
        ] {
            for index in 0..total {
                if pos >= message.len() {
                    return Err(counts_exceed(section, index, total, message));
                }
                self.scratch.clear();
                let end = read_name(message, pos, message.len(), &mut self.scratch)?;
                let (_, _, rdata, rdlength) = record_fields(message, pos, end)?;
                pos = rdata + rdlength as usize;
            }
        }
        if rcode != 0 && rcode != 3 {
            return Ok(0);
        }
        self.resolve_chain();
        self.set_bailiwick(bailiwick);
        self.emit(message, time_us, bailiwick, source, location, sink)
    }

    /// Reads a name into the arena.
    fn read_arena_name(
        &mut self,
        message: &[u8],
        pos: usize,
    ) -> Result<(NameRef, usize), WireError> {
        let start = self.names.len();
        let end = read_name(message, pos, message.len(), &mut self.names)?;
        let name = NameRef {
            start: start as u32,
            len: (self.names.len() - start) as u16,
        };
        Ok((name, end))
    }

    /// The target of a CNAME or DNAME whose data is exactly one name, else `None` (the record is then rejected
    /// when it is formatted).
    fn read_target(&mut self, message: &[u8], rdata: usize, rdlength: u16) -> Option<NameRef> {
        let limit = rdata + rdlength as usize;
        let start = self.names.len();
        match read_name(message, rdata, limit, &mut self.names) {
            Ok(end) if end == limit => Some(NameRef {
                start: start as u32,
                len: (self.names.len() - start) as u16,
            }),
            _ => {
                self.names.truncate(start);
                None
            }
        }
    }

    /// Marks the answers owned by chain names, extending the chain through CNAME and DNAME records, until nothing
    /// changes (a chain listed out of order needs more than one pass).
    fn resolve_chain(&mut self) {
        for _ in 0..MAX_CHAIN_PASSES {
            let mut changed = false;
            for i in 0..self.answers.len() {
                let answer = self.answers[i];
                if answer.in_chain {
                    continue;
                }
                let owner = answer.owner.get(&self.names);
                let owned = self.chain.iter().any(|name| name.get(&self.names) == owner);
                if answer.rtype == TYPE_DNAME && answer.class == CLASS_IN {
                    // A DNAME applies to the names below its owner (and is itself data of its owner).
                    let below: Vec<NameRef> = self
                        .chain
                        .iter()
                        .copied()
                        .filter(|name| strictly_below(name.get(&self.names), owner))
                        .collect();
                    if below.is_empty() && !owned {
                        continue;
                    }
                    self.answers[i].in_chain = true;
                    changed = true;
                    if let Some(target) = answer.target {
                        for name in below {
                            self.push_dname_rewrite(name, answer.owner, target);
                        }
                    }
                    continue;
                }
                if !owned {
                    continue;
                }
                self.answers[i].in_chain = true;
                changed = true;
                if let Some(target) = answer.target
                    && self.chain.len() < MAX_CHAIN_NAMES
                {
                    self.chain.push(target);
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Adds `name` with its suffix `owner` replaced by `target` to the chain (RFC 6672 substitution).
    fn push_dname_rewrite(&mut self, name: NameRef, owner: NameRef, target: NameRef) {
        if self.chain.len() >= MAX_CHAIN_NAMES {
            return;
        }
        let prefix_len = (name.len - owner.len) as usize;
        let new_len = prefix_len + target.len as usize;
        if new_len > MAX_NAME_LEN {
            return;
        }
        let start = self.names.len();
        let name_start = name.start as usize;
        self.names
            .extend_from_within(name_start..name_start + prefix_len);
        let target_start = target.start as usize;
        self.names
            .extend_from_within(target_start..target_start + target.len as usize);
        self.chain.push(NameRef {
            start: start as u32,
            len: new_len as u16,
        });
    }

    fn set_bailiwick(&mut self, bailiwick: Option<&str>) {
        let Some(text) = bailiwick else { return };
        if text != self.bailiwick_text {
            self.bailiwick_text.clear();
            self.bailiwick_text.push_str(text);
            self.bailiwick_wire = name_from_text(text);
        }
    }

    /// Formats and offers the chain's answers; rejects the others.
    fn emit<S: DnsSink>(
        &mut self,
        message: &[u8],
        time_us: i64,
        bailiwick: Option<&str>,
        source: &str,
        location: &dyn Fn() -> String,
        sink: &mut S,
    ) -> Result<usize, WireError> {
        let mut accepted = 0;
        self.owner_wire.clear();
        for i in 0..self.answers.len() {
            let answer = self.answers[i];
            if answer.class != CLASS_IN || is_meta_type(answer.rtype) {
                continue;
            }
            let rtype = RecordType(answer.rtype);
            let owner = answer.owner.get(&self.names);
            if owner != self.owner_wire.as_slice() || self.owner_text.is_empty() {
                self.owner_wire.clear();
                self.owner_wire.extend_from_slice(owner);
                self.owner_text.clear();
                write_name(owner, &mut self.owner_text);
            }
            let reject = |sink: &mut S, reason: &'static str, message: String| {
                sink.reject(
                    reason,
                    Reject {
                        source: source.to_owned(),
                        location: location(),
                        message,
                    },
                );
            };
            if !answer.in_chain {
                let question = self.chain.first().map_or_else(
                    || "(none)".to_owned(),
                    |name| {
                        let mut text = String::new();
                        write_name(name.get(&self.names), &mut text);
                        text
                    },
                );
                reject(
                    sink,
                    "answer outside the question's CNAME chain",
                    format!(
                        "{} {rtype} record at byte {} is not owned by the question name {question} or a name of its \
                         CNAME/DNAME chain",
                        self.owner_text, answer.offset
                    ),
                );
                continue;
            }
            if let Some(bailiwick_text) = bailiwick {
                let within = match &self.bailiwick_wire {
                    Some(zone) => at_or_below(owner, zone),
                    None => false,
                };
                if !within {
                    reject(
                        sink,
                        "answer outside the bailiwick",
                        format!(
                            "{} {rtype} record at byte {} is not at or below the bailiwick {bailiwick_text:?}",
                            self.owner_text, answer.offset
                        ),
                    );
                    continue;
                }
            }
            let rdata =
                match format_rdata(message, &answer, &mut self.scratch, &mut self.rdata_text) {
                    Ok(rdata) => rdata,
                    Err(error) => {
                        let message = match error {
                            // These already name the type.
                            WireError::MalformedRdata { .. } | WireError::RdataOverrun { .. } => {
                                format!("{} {error}", self.owner_text)
                            }
                            _ => format!("{} {rtype} record data: {error}", self.owner_text),
                        };
                        reject(sink, error.reason(), message);
                        continue;
                    }
                };
            let observation = Observation::once(&self.owner_text, rtype, rdata, time_us);
            match sink.observe(&observation) {
                Ok(()) => accepted += 1,
                Err(error) => reject(
                    sink,
                    error.reason(),
                    format!("{} {rtype}: {error}", self.owner_text),
                ),
            }
        }
        Ok(accepted)
    }
}

/// Decodes an address, or writes the presentation form of the record data into `rdata_text`.
fn format_rdata<'t>(
    message: &[u8],
    answer: &Answer,
    scratch: &mut Vec<u8>,
    text: &'t mut String,
) -> Result<Rdata<'t>, WireError> {
    let start = answer.rdata;
    let data = message
        .get(start..start + answer.rdlength as usize)
        .unwrap_or(&[]);
    let rtype = RecordType(answer.rtype);
    match answer.rtype {
        1 => {
            let octets: [u8; 4] = data.try_into().map_err(|_| WireError::MalformedRdata {
                rtype,
                offset: start,
                problem: "an A address is 4 bytes",
            })?;
            return Ok(Rdata::Ip(IpAddr::V4(Ipv4Addr::from(octets))));
        }
        28 => {
            let octets: [u8; 16] = data.try_into().map_err(|_| WireError::MalformedRdata {
                rtype,
                offset: start,
                problem: "an AAAA address is 16 bytes",
            })?;
            return Ok(Rdata::Ip(IpAddr::V6(Ipv6Addr::from(octets))));
        }
        _ => {}
    }
    text.clear();
    let mut cursor = RdataCursor {
        message,
        pos: start,
        end: start + answer.rdlength as usize,
        start,
        rtype,
    };
    write_rdata(&mut cursor, scratch, text)?;
    Ok(Rdata::Text(text.as_str()))
}

/// Writes the presentation form of the record data under `cursor` (any type but A/AAAA).
fn write_rdata(
    cursor: &mut RdataCursor<'_>,
    scratch: &mut Vec<u8>,
    out: &mut String,
) -> Result<(), WireError> {
    match cursor.rtype.0 {
        // NS, MD, MF, CNAME, MB, MG, MR, PTR, DNAME: one name.
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 39 => cursor.name(scratch, out)?,
        6 => {
            cursor.name(scratch, out)?;
            out.push(' ');
            cursor.name(scratch, out)?;
            for _ in 0..5 {
                out.push(' ');
                push_decimal(out, cursor.u32()?);
            }
        }
        // HINFO
        13 => {
            cursor.character_string(out)?;
            out.push(' ');
            cursor.character_string(out)?;
        }
        // MINFO, RP
        14 | 17 => {
            cursor.name(scratch, out)?;
            out.push(' ');
            cursor.name(scratch, out)?;
        }
        // MX, AFSDB, RT, KX: preference and name.
        15 | 18 | 21 | 36 => {
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            cursor.name(scratch, out)?;
        }
        // TXT, SPF: one or more character-strings.
        16 | 99 => {
            if cursor.is_at_end() {
                out.push_str("\"\"");
            }
            while !cursor.is_at_end() {
                if !out.is_empty() {
                    out.push(' ');
                }
                cursor.character_string(out)?;
            }
        }
        // SIG, RRSIG
        24 | 46 => {
            out.push_str(&RecordType(cursor.u16()?).name());
            for _ in 0..2 {
                out.push(' ');
                push_decimal(out, cursor.u8()?);
            }
            out.push(' ');
            push_decimal(out, cursor.u32()?);
            for _ in 0..2 {
                out.push(' ');
                push_timestamp(out, cursor.u32()?);
            }
            out.push(' ');
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            cursor.name(scratch, out)?;
            push_base64_field(out, cursor.rest());
        }
        // KEY, DNSKEY, CDNSKEY
        25 | 48 | 60 => {
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            push_decimal(out, cursor.u8()?);
            out.push(' ');
            push_decimal(out, cursor.u8()?);
            push_base64_field(out, cursor.rest());
        }
        29 => write_loc(cursor, out)?,
        // SRV
        33 => {
            for _ in 0..3 {
                push_decimal(out, cursor.u16()?);
                out.push(' ');
            }
            cursor.name(scratch, out)?;
        }
        // NAPTR
        35 => {
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            push_decimal(out, cursor.u16()?);
            for _ in 0..3 {
                out.push(' ');
                cursor.character_string(out)?;
            }
            out.push(' ');
            cursor.name(scratch, out)?;
        }
        // DS, CDS, TA, DLV: key tag, algorithm, digest type, digest.
        43 | 59 | 32768 | 32769 => {
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            push_decimal(out, cursor.u8()?);
            out.push(' ');
            push_decimal(out, cursor.u8()?);
            push_hex_field(out, cursor.rest());
        }
        // SSHFP
        44 => {
            push_decimal(out, cursor.u8()?);
            out.push(' ');
            push_decimal(out, cursor.u8()?);
            push_hex_field(out, cursor.rest());
        }
        // NSEC
        47 => {
            cursor.name(scratch, out)?;
            cursor.type_bitmap(out)?;
        }
        // NSEC3: NSEC3PARAM's fields, then the next hashed owner and the type bitmap.
        50 => {
            push_nsec3_parameters(cursor, out)?;
            out.push(' ');
            let hash_len = cursor.u8()?;
            push_base32hex(out, cursor.bytes(hash_len as usize)?);
            cursor.type_bitmap(out)?;
        }
        // NSEC3PARAM
        51 => push_nsec3_parameters(cursor, out)?,
        // TLSA, SMIMEA
        52 | 53 => {
            for i in 0..3 {
                if i > 0 {
                    out.push(' ');
                }
                push_decimal(out, cursor.u8()?);
            }
            push_hex_field(out, cursor.rest());
        }
        64 | 65 => write_svcb(cursor, scratch, out)?,
        // URI: priority, weight, and the rest as one quoted string.
        256 => {
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            push_decimal(out, cursor.u16()?);
            out.push(' ');
            push_quoted(out, cursor.rest());
        }
        // CAA (RFC 8659): flags, tag, quoted value.
        257 => {
            push_decimal(out, cursor.u8()?);
            out.push(' ');
            let tag_len = cursor.u8()?;
            let tag = cursor.bytes(tag_len as usize)?;
            if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                return Err(cursor.malformed("CAA tag is not 1 or more letters and digits"));
            }
            tag.iter().for_each(|&b| out.push(b as char));
            out.push(' ');
            push_quoted(out, cursor.rest());
        }
        _ => {
            // RFC 3597 generic form.
            let data = cursor.rest();
            out.push_str("\\# ");
            push_decimal(out, data.len() as u32);
            push_hex_field(out, data);
        }
    }
    if !cursor.is_at_end() {
        return Err(cursor.malformed("bytes left over after the data its type defines"));
    }
    Ok(())
}

/// Reads record data field by field, within its `rdlength`.
#[derive(Debug)]
struct RdataCursor<'m> {
    message: &'m [u8],
    pos: usize,
    end: usize,
    start: usize,
    rtype: RecordType,
}

impl<'m> RdataCursor<'m> {
    fn malformed(&self, problem: &'static str) -> WireError {
        WireError::MalformedRdata {
            rtype: self.rtype,
            offset: self.start,
            problem,
        }
    }

    fn is_at_end(&self) -> bool {
        self.pos >= self.end
    }

    fn bytes(&mut self, n: usize) -> Result<&'m [u8], WireError> {
        let bytes = self
            .message
            .get(self.pos..self.pos + n)
            .filter(|_| self.pos + n <= self.end)
            .ok_or_else(|| self.malformed("record data ends inside a field"))?;
        self.pos += n;
        Ok(bytes)
    }

    fn rest(&mut self) -> &'m [u8] {
        let rest = self.message.get(self.pos..self.end).unwrap_or(&[]);
        self.pos = self.end;
        rest
    }

    fn u8(&mut self) -> Result<u32, WireError> {
        Ok(self.bytes(1)?[0] as u32)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A domain name (compression allowed, as RFC 3597 §4 asks receivers to accept), written lower-case, absolute.
    fn name(&mut self, scratch: &mut Vec<u8>, out: &mut String) -> Result<(), WireError> {
        scratch.clear();
        let end = match read_name(self.message, self.pos, self.end, scratch) {
            Ok(end) => end,
            Err(WireError::Truncated { .. }) => {
                return Err(self.malformed("a name runs past the record data"));
            }
            Err(error) => return Err(error),
        };
        self.pos = end;
        write_name(scratch, out);
        Ok(())
    }

    /// A `<character-string>` (length byte and bytes), written quoted.
    fn character_string(&mut self, out: &mut String) -> Result<(), WireError> {
        let len = self.u8()?;
        let bytes = self.bytes(len as usize)?;
        push_quoted(out, bytes);
        Ok(())
    }

    /// The NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2): ` A NS SOA ...`.
    fn type_bitmap(&mut self, out: &mut String) -> Result<(), WireError> {
        while !self.is_at_end() {
            let window = self.u8()? as u16;
            let len = self.u8()?;
            if len == 0 || len > 32 {
                return Err(self.malformed("type bitmap window length is not 1 to 32"));
            }
            for (i, &byte) in self.bytes(len as usize)?.iter().enumerate() {
                for bit in 0..8u16 {
                    if byte & (0x80 >> bit) != 0 {
                        let code = window << 8 | (i as u16) << 3 | bit;
                        out.push(' ');
                        out.push_str(&RecordType(code).name());
                    }
                }
            }
        }
        Ok(())
    }
}

fn is_meta_type(rtype: u16) -> bool {
    // OPT, TKEY, TSIG (and the query-only types, which never own data).
    matches!(rtype, 41 | 249 | 250 | 251 | 252 | 255)
}

fn truncated(what: &'static str, offset: usize, message: &[u8]) -> WireError {
    WireError::Truncated {
        what,
        offset,
        len: message.len(),
    }
}

fn counts_exceed(section: Section, index: u16, count: u16, message: &[u8]) -> WireError {
    WireError::CountsExceedMessage {
        section,
        index,
        count,
        len: message.len(),
    }
}

/// Type, class, rdata start and rdlength of the record whose owner name ends at `name_end`.
fn record_fields(
    message: &[u8],
    offset: usize,
    name_end: usize,
) -> Result<(u16, u16, usize, u16), WireError> {
    let Some(fixed) = message.get(name_end..name_end + 10) else {
        return Err(truncated("resource record", offset, message));
    };
    let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let class = u16::from_be_bytes([fixed[2], fixed[3]]);
    let rdlength = u16::from_be_bytes([fixed[8], fixed[9]]);
    let rdata = name_end + 10;
    let available = message.len() - rdata;
    if rdlength as usize > available {
        return Err(WireError::RdataOverrun {
            rtype: RecordType(rtype),
            offset: rdata,
            rdlength,
            available,
        });
    }
    Ok((rtype, class, rdata, rdlength))
}

/// Reads the name at `start`, appending it lower-cased in wire form to `out`, and returns where it ends in the
/// message. Labels must lie before `limit`; compression pointers may only point backwards, before the run of labels
/// they end (so every jump strictly decreases the position and no loop can last).
pub fn read_name(
    message: &[u8],
    start: usize,
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<usize, WireError> {
    let limit = limit.min(message.len());
    let mut pos = start;
    let mut run_start = start;
    let mut end = None;
    let mut name_len = 0usize;
    loop {
        let len_byte = match message.get(pos) {
            Some(&b) if pos < limit => b,
            _ => return Err(truncated("name", start, &message[..limit])),
        };
        match len_byte & 0xc0 {
            0x00 => {
                let label_len = len_byte as usize;
                name_len += label_len + 1;
                if name_len > MAX_NAME_LEN {
                    return Err(WireError::NameTooLong { offset: start });
                }
                out.push(len_byte);
                if label_len == 0 {
                    return Ok(end.unwrap_or(pos + 1));
                }
                let label = match message.get(pos + 1..pos + 1 + label_len) {
                    Some(label) if pos + 1 + label_len <= limit => label,
                    _ => return Err(truncated("name", start, &message[..limit])),
                };
                out.extend(label.iter().map(u8::to_ascii_lowercase));
                pos += 1 + label_len;
            }
            0xc0 => {
                let low = match message.get(pos + 1) {
                    Some(&b) if pos + 1 < limit => b,
                    _ => return Err(truncated("name", start, &message[..limit])),
                };
                let target = ((len_byte & 0x3f) as usize) << 8 | low as usize;
                let problem = if target >= message.len() {
                    Some("beyond the end of the message")
                } else if target < HEADER_LEN {
                    Some("inside the header")
                } else if target >= pos {
                    Some("not before the pointer (a forward pointer)")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return Err(WireError::BadPointer {
                        offset: pos,
                        target,
                        problem,
                    });
                }
                if target >= run_start {
                    return Err(WireError::PointerLoop {
                        offset: pos,
                        target,
                    });
                }
                end.get_or_insert(pos + 2);
                run_start = target;
                pos = target;
            }
            _ => {
                return Err(WireError::BadLabel {
                    offset: pos,
                    byte: len_byte,
                });
            }
        }
    }
}

/// Writes a wire-form name in presentation format, absolute (`.` for the root), escaping as BIND does.
pub fn write_name(wire: &[u8], out: &mut String) {
    let mut pos = 0;
    let mut wrote_label = false;
    while let Some(&len) = wire.get(pos) {
        if len == 0 {
            break;
        }
        let label = wire.get(pos + 1..pos + 1 + len as usize).unwrap_or(&[]);
        for &b in label {
            match b {
                b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                    out.push('\\');
                    out.push(b as char);
                }
                0x21..=0x7e => out.push(b as char),
                _ => push_decimal_escape(out, b),
            }
        }
        out.push('.');
        wrote_label = true;
        pos += 1 + len as usize;
    }
    if !wrote_label {
        out.push('.');
    }
}

/// Parses a presentation-format name (escapes allowed, trailing dot optional) into lower-case wire form.
pub fn name_from_text(text: &str) -> Option<Vec<u8>> {
    let mut wire = Vec::with_capacity(text.len() + 2);
    let bytes = text.as_bytes();
    let bytes = match bytes {
        [] | [b'.'] => return Some(vec![0]),
        [rest @ .., b'.'] if !rest.ends_with(b"\\") => rest,
        _ => bytes,
    };
    let mut label_start = wire.len();
    wire.push(0);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        let byte = match b {
            b'.' => {
                let len = wire.len() - label_start - 1;
                if len == 0 || len > 63 {
                    return None;
                }
                wire[label_start] = len as u8;
                label_start = wire.len();
                wire.push(0);
                continue;
            }
            b'\\' => {
                let escaped = bytes
                    .get(i..i + 3)
                    .filter(|d| d.iter().all(u8::is_ascii_digit));
                if let Some(digits) = escaped {
                    i += 3;
                    let value = digits.iter().fold(0u32, |n, d| n * 10 + (d - b'0') as u32);
                    u8::try_from(value).ok()?
                } else {
                    let &next = bytes.get(i)?;
                    i += 1;
                    next
                }
            }
            _ => b,
        };
        wire.push(byte.to_ascii_lowercase());
    }
    let len = wire.len() - label_start - 1;
    if len == 0 || len > 63 {
        return None;
    }
    wire[label_start] = len as u8;
    wire.push(0);
    (wire.len() <= MAX_NAME_LEN).then_some(wire)
}

/// Byte offsets of the labels of a wire-form name (the root label excluded).
fn label_starts(name: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let len = *name.get(pos)? as usize;
        if len == 0 {
            return None;
        }
        let start = pos;
        pos += 1 + len;
        Some(start)
    })
}

/// Whether `name` is `zone` or below it (both lower-cased wire form).
fn at_or_below(name: &[u8], zone: &[u8]) -> bool {
    name == zone
        || zone == [0]
        || (name.len() > zone.len() && label_starts(name).any(|start| &name[start..] == zone))
}

/// Whether `name` is strictly below `zone`.
fn strictly_below(name: &[u8], zone: &[u8]) -> bool {
    name != zone && at_or_below(name, zone)
}

fn push_decimal(out: &mut String, n: impl Into<u32>) {
    let mut n: u32 = n.into();
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].iter().for_each(|&d| out.push(d as char));
}

fn push_decimal_escape(out: &mut String, b: u8) {
    out.push('\\');
    out.push((b'0' + b / 100) as char);
    out.push((b'0' + b / 10 % 10) as char);
    out.push((b'0' + b % 10) as char);
}

/// A quoted character-string: `"` and `\` escaped, bytes outside printable ASCII as `\DDD`.
fn push_quoted(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => push_decimal_escape(out, b),
        }
    }
    out.push('"');
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn push_hex(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        out.push(HEX_UPPER[(b >> 4) as usize] as char);
        out.push(HEX_UPPER[(b & 0xf) as usize] as char);
    }
}

/// A space and the data in hex, or nothing for empty data.
fn push_hex_field(out: &mut String, bytes: &[u8]) {
    if !bytes.is_empty() {
        out.push(' ');
        push_hex(out, bytes);
    }
}

fn push_base64(out: &mut String, bytes: &[u8]) {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
}

/// A space and the data in base64, or nothing for empty data.
fn push_base64_field(out: &mut String, bytes: &[u8]) {
    if !bytes.is_empty() {
        out.push(' ');
        push_base64(out, bytes);
    }
}

/// The fields NSEC3 and NSEC3PARAM share: hash algorithm, flags, iterations and salt.
fn push_nsec3_parameters(cursor: &mut RdataCursor<'_>, out: &mut String) -> Result<(), WireError> {
    push_decimal(out, cursor.u8()?);
    out.push(' ');
    push_decimal(out, cursor.u8()?);
    out.push(' ');
    push_decimal(out, cursor.u16()?);
    out.push(' ');
    let salt_len = cursor.u8()?;
    push_salt(out, cursor.bytes(salt_len as usize)?);
    Ok(())
}

/// An NSEC3 salt: hex, or `-` when empty.
fn push_salt(out: &mut String, salt: &[u8]) {
    if salt.is_empty() {
        out.push('-');
    } else {
        push_hex(out, salt);
    }
}

/// Base 32 with the extended hex alphabet, unpadded, as NSEC3 next hashed owners are written (RFC 5155 §3.3).
fn push_base32hex(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
    let mut buffer = 0u64;
    let mut bits = 0;
    for &b in bytes {
        buffer = buffer << 8 | b as u64;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[(buffer >> bits) as usize & 31] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[(buffer << (5 - bits)) as usize & 31] as char);
    }
}

/// An RRSIG time as `YYYYMMDDHHmmSS` (RFC 4034 §3.2), UTC.
fn push_timestamp(out: &mut String, seconds: u32) {
    let days = (seconds / 86_400) as i64;
    let rem = seconds % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}

/// SVCB/HTTPS (RFC 9460 §2.1): priority, target, then `key=value` parameters as `dig` prints them.
fn write_svcb(
    cursor: &mut RdataCursor<'_>,
    scratch: &mut Vec<u8>,
    out: &mut String,
) -> Result<(), WireError> {
    push_decimal(out, cursor.u16()?);
    out.push(' ');
    cursor.name(scratch, out)?;
    while !cursor.is_at_end() {
        let key = cursor.u16()?;
        let len = cursor.u16()?;
        let value = cursor.bytes(len as usize)?;
        out.push(' ');
        push_svc_key(out, key);
        match key {
            0 => {
                if value.is_empty() || value.len() % 2 != 0 {
                    return Err(
                        cursor.malformed("SVCB mandatory keys are not a list of 16-bit keys")
                    );
                }
                out.push('=');
                for (i, pair) in value.chunks_exact(2).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_svc_key(out, u16::from_be_bytes([pair[0], pair[1]]));
                }
            }
            1 => {
                out.push_str("=\"");
                let mut ids = value;
                let mut first = true;
                while let [len, rest @ ..] = ids {
                    let len = *len as usize;
                    let Some(id) = rest.get(..len).filter(|id| !id.is_empty()) else {
                        return Err(
                            cursor.malformed("SVCB alpn ids are not non-empty character-strings")
                        );
                    };
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    for &b in id {
                        // Commas and backslashes are escaped once for the list, then once more for the string.
                        match b {
                            b',' => out.push_str("\\\\,"),
                            b'\\' => out.push_str("\\\\\\\\"),
                            b'"' => out.push_str("\\\""),
                            0x20..=0x7e => out.push(b as char),
                            _ => push_decimal_escape(out, b),
                        }
                    }
                    ids = &rest[len..];
                }
                if first {
                    return Err(cursor.malformed("SVCB alpn has no ids"));
                }
                out.push('"');
            }
            2 | 8 => {
                if !value.is_empty() {
                    return Err(cursor.malformed("SVCB no-default-alpn/ohttp take no value"));
                }
            }
            3 => {
                let port: [u8; 2] = value
                    .try_into()
                    .map_err(|_| cursor.malformed("SVCB port is not 2 bytes"))?;
                out.push('=');
                push_decimal(out, u16::from_be_bytes(port));
            }
            4 => {
                if value.is_empty() || value.len() % 4 != 0 {
                    return Err(cursor.malformed("SVCB ipv4hint is not a list of IPv4 addresses"));
                }
                out.push('=');
                for (i, octets) in value.chunks_exact(4).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(
                        out,
                        "{}",
                        Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3])
                    );
                }
            }
            5 => {
                out.push('=');
                push_base64(out, value);
            }
            6 => {
                if value.is_empty() || value.len() % 16 != 0 {
                    return Err(cursor.malformed("SVCB ipv6hint is not a list of IPv6 addresses"));
                }
                out.push('=');
                for (i, octets) in value.chunks_exact(16).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let octets: [u8; 16] = octets.try_into().unwrap_or([0; 16]);
                    let _ = write!(out, "{}", Ipv6Addr::from(octets));
                }
            }
            65535 => return Err(cursor.malformed("SVCB key 65535 is reserved")),
            _ => {
                // dohpath and unknown keys: the value as a quoted string (omitted when empty).
                if !value.is_empty() {
                    out.push('=');
                    push_quoted(out, value);
                }
            }
        }
    }
    Ok(())
}

fn push_svc_key(out: &mut String, key: u16) {
    match key {
        0 => out.push_str("mandatory"),
        1 => out.push_str("alpn"),
        2 => out.push_str("no-default-alpn"),
        3 => out.push_str("port"),
        4 => out.push_str("ipv4hint"),
        5 => out.push_str("ech"),
        6 => out.push_str("ipv6hint"),
        7 => out.push_str("dohpath"),
        8 => out.push_str("ohttp"),
        _ => {
            out.push_str("key");
            push_decimal(out, key);
        }
    }
}

/// LOC version 0 (RFC 1876 §3): `d m s.sss N d m s.sss E alt.ssm size hp vp`; other versions in RFC 3597 form.
fn write_loc(cursor: &mut RdataCursor<'_>, out: &mut String) -> Result<(), WireError> {
    let data = cursor.rest();
    let [0, size, horizontal, vertical, rest @ ..] = data else {
        out.push_str("\\# ");
        push_decimal(out, data.len() as u32);
        push_hex_field(out, data);
        return Ok(());
    };
    let [a, b, c, d, e, f, g, h, i, j, k, l] = *rest else {
        return Err(cursor.malformed("LOC version 0 data is not 16 bytes"));
    };
    let latitude = u32::from_be_bytes([a, b, c, d]);
    let longitude = u32::from_be_bytes([e, f, g, h]);
    let altitude = u32::from_be_bytes([i, j, k, l]);
    let precision = |byte: u8| -> Result<u64, WireError> {
        let (mantissa, exponent) = ((byte >> 4) as u64, (byte & 0xf) as u32);
        if mantissa > 9 || exponent > 9 {
            return Err(
                cursor.malformed("LOC size or precision is not a valid mantissa and exponent")
            );
        }
        Ok(mantissa * 10u64.pow(exponent))
    };
    let (size, horizontal, vertical) = (
        precision(*size)?,
        precision(*horizontal)?,
        precision(*vertical)?,
    );
    let angle = |out: &mut String, value: u32, positive: char, negative: char| {
        let (hemisphere, offset) = if value >= 1 << 31 {
            (positive, value - (1 << 31))
        } else {
            (negative, (1u32 << 31) - value)
        };
        let (degrees, rest) = (offset / 3_600_000, offset % 3_600_000);
        let (minutes, rest) = (rest / 60_000, rest % 60_000);
        let _ = write!(
            out,
            "{degrees} {minutes} {}.{:03} {hemisphere}",
            rest / 1000,
            rest % 1000
        );
    };
    angle(out, latitude, 'N', 'S');
    out.push(' ');
    angle(out, longitude, 'E', 'W');
    let centimetres = altitude as i64 - 10_000_000;
    let sign = if centimetres < 0 { "-" } else { "" };
    let _ = write!(
        out,
        " {sign}{}.{:02}m",
        centimetres.abs() / 100,
        centimetres.abs() % 100
    );
    // Sizes as BIND writes them: whole metres, or `0.xx` below one metre.
    for centimetres in [size, horizontal, vertical] {
        if centimetres >= 100 {
            let _ = write!(out, " {}m", centimetres / 100);
        } else {
            let _ = write!(out, " 0.{centimetres:02}m");
        }
    }
    Ok(())
}
