//! Capture files: libpcap (both byte orders, µs and ns timestamps) and pcapng (sections in either byte order,
//! interfaces with their own link type and timestamp resolution), read record by record from one reusable buffer.

use super::CaptureError;
use std::io::{self, Read};

/// Largest record or block accepted. Real snap lengths are at most 256 KiB; anything far above is corruption, and
/// refusing it keeps the buffer bounded.
const MAX_RECORD_LEN: usize = 4 << 20;
const READ_CHUNK: usize = 1 << 20;
const FIRST_CHUNK: usize = 16 << 10;

const PCAPNG_SECTION_HEADER: u32 = 0x0a0d_0d0a;
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const PCAPNG_INTERFACE: u32 = 1;
const PCAPNG_OBSOLETE_PACKET: u32 = 2;
const PCAPNG_SIMPLE_PACKET: u32 = 3;
const PCAPNG_ENHANCED_PACKET: u32 = 6;

/// One captured packet.
#[derive(Debug)]
pub(super) struct Packet<'a> {
    /// LINKTYPE_* of the interface it was captured on.
    pub link_type: u32,
    /// Capture time, µs since the epoch.
    pub time_us: i64,
    pub data: &'a [u8],
    /// 1-based number among the capture's packets.
    pub number: u64,
    /// Byte offset of its record in the file.
    pub offset: u64,
}

/// What the reader found next.
#[derive(Debug)]
pub(super) enum Next<'a> {
    Packet(Packet<'a>),
    /// A record that cannot be read; `fatal` when the rest of the file cannot be found either.
    Problem {
        reason: &'static str,
        message: String,
        offset: u64,
        fatal: bool,
    },
    End,
}

#[derive(Debug, Clone, Copy)]
enum Resolution {
    /// Units of 10^-n seconds.
    Decimal(u32),
    /// Units of 2^-n seconds.
    Binary(u32),
}

impl Resolution {
    fn to_micros(self, units: u64) -> i64 {
        let micros = match self {
            Self::Decimal(6) => units as u128,
            Self::Decimal(n) if n < 6 => units as u128 * 10u128.pow(6 - n),
            Self::Decimal(n) => units as u128 / 10u128.pow((n - 6).min(38)),
            Self::Binary(n) => (units as u128 * 1_000_000) >> n.min(127),
        };
        i64::try_from(micros).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    resolution: Resolution,
    offset_seconds: i64,
}

#[derive(Debug)]
enum Format {
    Legacy {
        big_endian: bool,
        resolution: Resolution,
        link_type: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Streams records out of a capture file.
#[derive(Debug)]
pub(super) struct CaptureReader<R> {
    input: R,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buffer[start]`.
    offset: u64,
    eof: bool,
    format: Format,
    packets: u64,
    /// Last timestamp seen, for pcapng simple packets which carry none.
    last_time_us: i64,
    done: bool,
}

fn u16_at(bytes: &[u8], at: usize, big_endian: bool) -> u16 {
    let b = [bytes[at], bytes[at + 1]];
    if big_endian {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

fn u32_at(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header; fails when the input is not a capture.
    pub fn new(input: R) -> Result<Self, CaptureError> {
        let mut reader = Self {
            input,
            buffer: vec![0; FIRST_CHUNK],
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
            format: Format::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
            },
            packets: 0,
            last_time_us: 0,
            done: false,
        };
        reader.fill(24)?;
        let head = &reader.buffer[reader.start..reader.end];
        let magic: [u8; 4] = head
            .get(..4)
            .and_then(|m| m.try_into().ok())
            .ok_or_else(|| {
                CaptureError::NotACapture(format!("the input is only {} bytes long", head.len()))
            })?;
        let legacy = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => Some((false, Resolution::Decimal(6))),
            [0xa1, 0xb2, 0xc3, 0xd4] => Some((true, Resolution::Decimal(6))),
            [0x4d, 0x3c, 0xb2, 0xa1] => Some((false, Resolution::Decimal(9))),
            [0xa1, 0xb2, 0x3c, 0x4d] => Some((true, Resolution::Decimal(9))),
            [0x0a, 0x0d, 0x0d, 0x0a] => None,
            _ => {
                return Err(CaptureError::NotACapture(format!(
                    "it starts with {magic:02x?}, neither a pcap nor a pcapng magic number"
                )));
            }
        };
        if let Some((big_endian, resolution)) = legacy {
            if head.len() < 24 {
                return Err(CaptureError::NotACapture(format!(
                    "the pcap file header is 24 bytes but the input has {}",
                    head.len()
                )));
            }
            // The link type is the low 16 bits; the rest holds FCS flags.
            let link_type = u32_at(head, 20, big_endian) & 0xffff;
            reader.format = Format::Legacy {
                big_endian,
                resolution,
                link_type,
            };
            reader.consume(24);
        }
        Ok(reader)
    }

    /// Makes at least `n` bytes available unless the input ends first; returns whether they are.
    fn fill(&mut self, n: usize) -> io::Result<bool> {
        if self.end - self.start >= n {
            return Ok(true);
        }
        if self.start + n > self.buffer.len() {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            // Start small (tiny inputs stay cheap) and grow to READ_CHUNK, or to what one record needs.
            let wanted = n.max((self.buffer.len() * 2).min(READ_CHUNK));
            if wanted > self.buffer.len() {
                self.buffer.resize(wanted, 0);
            }
        }
        while self.end - self.start < n && !self.eof {
            match self.input.read(&mut self.buffer[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(read) => self.end += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(self.end - self.start >= n)
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.offset += n as u64;
    }

    fn available(&self) -> usize {
        self.end - self.start
    }

    fn problem(&mut self, reason: &'static str, message: String, fatal: bool) -> Next<'_> {
        if fatal {
            self.done = true;
        }
        Next::Problem {
            reason,
            message,
            offset: self.offset,
            fatal,
        }
    }

    /// The next packet, problem or the end.
    pub fn next(&mut self) -> io::Result<Next<'_>> {
        if self.done {
            return Ok(Next::End);
        }
        match self.format {
            Format::Legacy {
                big_endian,
                resolution,
                link_type,
            } => self.next_legacy(big_endian, resolution, link_type),
            Format::PcapNg { .. } => self.next_pcapng(),
        }
    }

    fn truncated_record(&mut self, what: &str, needed: usize) -> Next<'_> {
        let message = format!(
            "the {what} needs {needed} bytes but the file ends after {}",
            self.available()
        );
        self.problem("truncated capture record", message, true)
    }

    fn next_legacy(
        &mut self,
        big_endian: bool,
        resolution: Resolution,
        link_type: u32,
    ) -> io::Result<Next<'_>> {
        if !self.fill(16)? {
            if self.available() == 0 {
                self.done = true;
                return Ok(Next::End);
            }
            return Ok(self.truncated_record("record header", 16));
        }
        let head = &self.buffer[self.start..self.start + 16];
        let seconds = u32_at(head, 0, big_endian) as u64;
        let fraction = u32_at(head, 4, big_endian) as u64;
        let captured = u32_at(head, 8, big_endian) as usize;
        if captured > MAX_RECORD_LEN {
            let message = format!(
                "the record header announces {captured} captured bytes; the rest of the file cannot be trusted"
            );
            return Ok(self.problem("implausible capture record length", message, true));
        }
        if !self.fill(16 + captured)? {
            return Ok(self.truncated_record("record", 16 + captured));
        }
        let units = match resolution {
            Resolution::Decimal(9) => seconds * 1_000_000_000 + fraction,
            _ => seconds * 1_000_000 + fraction,
        };
        let time_us = resolution.to_micros(units);
        Ok(self.packet(link_type, time_us, 16, captured, 16 + captured))
    }

    /// Hands out `len` bytes at `data_at` of the record starting at the current position, then moves past it.
    fn packet(
        &mut self,
        link_type: u32,
        time_us: i64,
        data_at: usize,
        len: usize,
        record_len: usize,
    ) -> Next<'_> {
        self.packets += 1;
        self.last_time_us = time_us;
        let offset = self.offset;
        let start = self.start;
        self.consume(record_len);
        Next::Packet(Packet {
            link_type,
            time_us,
            data: &self.buffer[start + data_at..start + data_at + len],
            number: self.packets,
            offset,
        })
    }

    fn next_pcapng(&mut self) -> io::Result<Next<'_>> {
        loop {
            if !self.fill(12)? {
                if self.available() == 0 {
                    self.done = true;
                    return Ok(Next::End);
                }
                return Ok(self.truncated_record("pcapng block header", 12));
            }
            let head = &self.buffer[self.start..self.start + 12];
            let Format::PcapNg { big_endian, .. } = self.format else {
                return Ok(Next::End);
            };
            let block_type = u32_at(head, 0, big_endian);
            let big_endian = if block_type == PCAPNG_SECTION_HEADER {
                // A new section may switch byte order; its magic says which.
                match u32_at(head, 8, false) {
                    PCAPNG_BYTE_ORDER_MAGIC => false,
                    m if m.swap_bytes() == PCAPNG_BYTE_ORDER_MAGIC => true,
                    m => {
                        let message =
                            format!("section header byte-order magic is {m:#010x}, not 0x1a2b3c4d");
                        return Ok(self.problem("malformed pcapng block", message, true));
                    }
                }
            } else {
                big_endian
            };
            let total = u32_at(head, 4, big_endian) as usize;
            if total < 12 || !total.is_multiple_of(4) || total > MAX_RECORD_LEN {
                let message = format!(
                    "block of type {block_type:#x} claims a length of {total} bytes (a multiple of 4, at least 12); \
                     the rest of the file cannot be found"
                );
                return Ok(self.problem("malformed pcapng block", message, true));
            }
            if !self.fill(total)? {
                return Ok(self.truncated_record("pcapng block", total));
            }
            let block = &self.buffer[self.start..self.start + total];
            let trailer = u32_at(block, total - 4, big_endian) as usize;
            let body = &block[8..total - 4];
            match block_type {
                PCAPNG_SECTION_HEADER => {
                    self.format = Format::PcapNg {
                        big_endian,
                        interfaces: Vec::new(),
                    };
                }
                PCAPNG_INTERFACE if body.len() >= 8 => {
                    let interface = parse_interface(body, big_endian);
                    if let Format::PcapNg { interfaces, .. } = &mut self.format {
                        // More interfaces than any capture has would only be an attack on memory.
                        if interfaces.len() < 65_536 {
                            interfaces.push(interface);
                        }
                    }
                }
                PCAPNG_ENHANCED_PACKET | PCAPNG_OBSOLETE_PACKET if body.len() >= 20 => {
                    let (interface_id, captured) = if block_type == PCAPNG_ENHANCED_PACKET {
                        (u32_at(body, 0, big_endian), u32_at(body, 12, big_endian))
                    } else {
                        (
                            u16_at(body, 0, big_endian) as u32,
                            u32_at(body, 12, big_endian),
                        )
                    };
                    let units = (u32_at(body, 4, big_endian) as u64) << 32
                        | u32_at(body, 8, big_endian) as u64;
                    let captured = captured as usize;
                    if captured > body.len() - 20 {
                        let message = format!(
                            "packet block claims {captured} captured bytes but holds {}",
                            body.len() - 20
                        );
                        self.packets += 1;
                        self.consume(total);
                        return Ok(self.problem_at_previous(
                            "malformed pcapng block",
                            message,
                            total,
                        ));
                    }
                    let Some(interface) = self.interface(interface_id) else {
                        let message = format!(
                            "packet block names interface {interface_id}, which its section does not declare"
                        );
                        self.packets += 1;
                        self.consume(total);
                        return Ok(self.problem_at_previous(
                            "packet on an undeclared interface",
                            message,
                            total,
                        ));
                    };
                    let time_us = interface
                        .resolution
                        .to_micros(units)
                        .saturating_add(interface.offset_seconds.saturating_mul(1_000_000));
                    return Ok(self.packet(interface.link_type, time_us, 28, captured, total));
                }
                PCAPNG_SIMPLE_PACKET if body.len() >= 4 => {
                    let original = u32_at(body, 0, big_endian) as usize;
                    let captured = original.min(body.len() - 4);
                    let Some(interface) = self.interface(0) else {
                        self.packets += 1;
                        self.consume(total);
                        return Ok(self.problem_at_previous(
                            "packet on an undeclared interface",
                            "simple packet block without an interface block before it".to_owned(),
                            total,
                        ));
                    };
                    let time_us = self.last_time_us;
                    return Ok(self.packet(interface.link_type, time_us, 12, captured, total));
                }
                PCAPNG_INTERFACE
                | PCAPNG_ENHANCED_PACKET
                | PCAPNG_OBSOLETE_PACKET
                | PCAPNG_SIMPLE_PACKET => {
                    let message = format!(
                        "block of type {block_type:#x} is too short ({total} bytes) for its fields"
                    );
                    self.consume(total);
                    return Ok(self.problem_at_previous("malformed pcapng block", message, total));
                }
                // Name resolution, statistics, decryption secrets, custom blocks: nothing for us.
                _ => {}
            }
            if trailer != total {
                let message = format!(
                    "block of type {block_type:#x} starts with length {total} but ends with {trailer}"
                );
                self.consume(total);
                return Ok(self.problem_at_previous("malformed pcapng block", message, total));
            }
            self.consume(total);
        }
    }

    /// A non-fatal problem with the block just consumed (`len` bytes back).
    fn problem_at_previous(
        &mut self,
        reason: &'static str,
        message: String,
        len: usize,
    ) -> Next<'_> {
        Next::Problem {
            reason,
            message,
            offset: self.offset - len as u64,
            fatal: false,
        }
    }

    fn interface(&self, id: u32) -> Option<Interface> {
        match &self.format {
            Format::PcapNg { interfaces, .. } => interfaces.get(id as usize).copied(),
            Format::Legacy { .. } => None,
        }
    }

    /// Packets read so far (records, whether or not they held anything useful).
    pub fn packets(&self) -> u64 {
        self.packets
    }
}

/// An interface description block body: link type, then options (`if_tsresol`, `if_tsoffset`).
fn parse_interface(body: &[u8], big_endian: bool) -> Interface {
    let mut interface = Interface {
        link_type: u16_at(body, 0, big_endian) as u32,
        resolution: Resolution::Decimal(6),
        offset_seconds: 0,
    };
    let mut options = &body[8..];
    while options.len() >= 4 {
        let code = u16_at(options, 0, big_endian);
        let len = u16_at(options, 2, big_endian) as usize;
        let Some(value) = options.get(4..4 + len) else {
            break;
        };
        match (code, value) {
            (0, _) => break,
            (9, &[resolution]) => {
                let exponent = (resolution & 0x7f) as u32;
                interface.resolution = if resolution & 0x80 == 0 {
                    Resolution::Decimal(exponent)
                } else {
                    Resolution::Binary(exponent)
                };
            }
            (14, value) if value.len() == 8 => {
                let bytes: [u8; 8] = value.try_into().unwrap_or([0; 8]);
                interface.offset_seconds = if big_endian {
                    i64::from_be_bytes(bytes)
                } else {
                    i64::from_le_bytes(bytes)
                };
            }
            _ => {}
        }
        options = options.get(4 + len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    interface
}
