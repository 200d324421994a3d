//! X.509 certificate import: PEM (many blocks per input, other block types skipped) or DER into `sslCertificate`s.
//!
//! A certificate becomes an `sslCertificate` whose id is the documented scheme, base64 of the lower-case hex SHA-1
//! of its DER (notes.md §7: `ZmI5…OA==` is `base64("fb96…8118")`); `sha1` is that hex, `fingerprint` the same
//! digest as colon-separated lower-case hex pairs, `serialNumber` the serial as a signed decimal integer (as the
//! documented examples write it), `issueDateTime`/`expirationDateTime` the validity, and `subject`/`issuer` the
//! distinguished names (`alternateNames` from the subject and issuer alternative-name extensions).
//!
//! A certificate file says nothing about where or when the certificate was seen, so `firstSeenDateTime` and
//! `lastSeenDateTime` stay unset here; importers that observed the certificate (nmap, zgrab2) own those times.
//! The certificate `version` is not a schema property (the examples' `sslVersion` is not either), so it is not kept.
//! Signatures are not verified: tigr records what was seen, valid or not.

use crate::report::{Reject, Report};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read};
use std::net::{Ipv4Addr, Ipv6Addr};
use tigr_model::batch::Batch;
use tigr_model::json::{Entity, Problem, validate_entity};
use x509_parser::asn1_rs::Tag;
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::nom;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// Entities per batch handed to the sink.
pub const BATCH_SIZE: usize = 5_000;

/// Largest certificate (DER bytes, or base64 text of one PEM block) read; bigger ones are rejected unread so memory
/// stays bounded whatever the input.
pub const MAX_CERTIFICATE_BYTES: usize = 1 << 20;

/// Longest serial number converted to decimal (RFC 5280 allows 20 octets; the conversion is quadratic in length).
const MAX_SERIAL_BYTES: usize = 1024;

/// Why one DER blob is not an importable certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The bytes are not an X.509 certificate (as x509-parser reads them).
    #[error("not a valid X.509 certificate: {0}")]
    Malformed(String),
    /// Bytes follow the certificate where only the certificate was expected.
    #[error("{0} bytes of trailing data after the certificate")]
    TrailingData(usize),
    /// The serial number has no content octets.
    #[error("the serial number is an empty INTEGER")]
    EmptySerial,
    /// The serial number is too long to be a real one.
    #[error("the serial number is {0} bytes long (at most {MAX_SERIAL_BYTES} are accepted)")]
    SerialTooLong(usize),
    /// The certificate parsed but its fields do not fit the schema (a bug if it happens; kept as a reject).
    #[error("does not fit the sslCertificate schema: {0}")]
    Schema(#[from] Problem),
}

/// Counts of what an import read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CertStats {
    /// Certificates turned into entities.
    pub certificates: u64,
    /// Certificates (or certificate blocks) rejected.
    pub rejected: u64,
    /// PEM blocks of other kinds (keys, requests, CRLs, …) skipped.
    pub skipped_blocks: u64,
}

impl CertStats {
    /// Adds another input's counts.
    pub fn add(&mut self, other: CertStats) {
        self.certificates += other.certificates;
        self.rejected += other.rejected;
        self.skipped_blocks += other.skipped_blocks;
    }
}

/// Turns one DER certificate into a validated `sslCertificate` entity. The input must be exactly one certificate.
pub fn certificate_entity(der: &[u8]) -> Result<Entity, CertificateError> {
    let (entity, used) = certificate_prefix(der)?;
    match der.len() - used {
        0 => Ok(entity),
        extra => Err(CertificateError::TrailingData(extra)),
    }
}

/// Turns the certificate at the start of `der` into an entity and says how many bytes it took (the SHA-1 covers
/// those bytes only, as `openssl x509 -fingerprint` does). For inputs where data may follow the certificate, such
/// as the trust settings in OpenSSL's `TRUSTED CERTIFICATE` blocks.
pub fn certificate_prefix(der: &[u8]) -> Result<(Entity, usize), CertificateError> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| {
        CertificateError::Malformed(match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => match e {
                X509Error::NomError(nom::error::ErrorKind::Eof) => "truncated".to_owned(),
                e => e.to_string(),
            },
            nom::Err::Incomplete(_) => "truncated".to_owned(),
        })
    })?;
    let used = der.len() - rest.len();
    let mut warnings = Vec::new();
    let value = certificate_json(&der[..used], &cert, &mut warnings)?;
    let ty = tigr_model::schema::entity_type("sslCertificate");
    let mut entity = validate_entity(&value, ty, "")?;
    entity.warnings.extend(warnings);
    Ok((entity, used))
}

/// The Graph JSON of a parsed certificate (`der` is exactly its encoding).
fn certificate_json(
    der: &[u8],
    cert: &X509Certificate<'_>,
    warnings: &mut Vec<String>,
) -> Result<Value, CertificateError> {
    let tbs = &cert.tbs_certificate;
    let digest = Sha1::digest(der);
    let mut sha1 = String::with_capacity(40);
    let mut fingerprint = String::with_capacity(59);
    for (i, b) in digest.iter().enumerate() {
        let _ = write!(sha1, "{b:02x}");
        if i > 0 {
            fingerprint.push(':');
        }
        let _ = write!(fingerprint, "{b:02x}");
    }
    let mut subject_alt = Vec::new();
    let mut issuer_alt = Vec::new();
    for ext in tbs.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                alternate_names(&san.general_names, &mut subject_alt, warnings)
            }
            ParsedExtension::IssuerAlternativeName(ian) => {
                alternate_names(&ian.general_names, &mut issuer_alt, warnings)
            }
            ParsedExtension::ParseError { error } => warnings.push(format!(
                "extension {} ignored: {error}",
                ext.oid.to_id_string()
            )),
            _ => {}
        }
    }
    // Built as a map rather than with `json!`, which would re-serialise every nested value (a third of the cost).
    let mut cert_json = Map::with_capacity(9);
    let mut put = |key: &str, value: Value| cert_json.insert(key.to_owned(), value);
    put("id", Value::String(STANDARD.encode(&sha1)));
    put("sha1", Value::String(sha1));
    put("fingerprint", Value::String(fingerprint));
    put(
        "serialNumber",
        Value::String(serial_decimal(tbs.raw_serial())?),
    );
    put(
        "issueDateTime",
        time_text(tbs.validity().not_before.to_datetime()),
    );
    put(
        "expirationDateTime",
        time_text(tbs.validity().not_after.to_datetime()),
    );
    put("subject", name_entity(tbs.subject(), subject_alt, warnings));
    put("issuer", name_entity(tbs.issuer(), issuer_alt, warnings));
    Ok(Value::Object(cert_json))
}

fn time_text(t: time::OffsetDateTime) -> Value {
    match tigr_model::datetime::from_offset_datetime(t) {
        Some(micros) => Value::String(tigr_model::datetime::format(micros)),
        None => Value::Null,
    }
}

/// The serial's DER INTEGER content (big-endian two's complement) as decimal text.
fn serial_decimal(bytes: &[u8]) -> Result<String, CertificateError> {
    let Some(&first) = bytes.first() else {
        return Err(CertificateError::EmptySerial);
    };
    if bytes.len() > MAX_SERIAL_BYTES {
        return Err(CertificateError::SerialTooLong(bytes.len()));
    }
    let negative = first & 0x80 != 0;
    let mut magnitude = bytes.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in &mut magnitude {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    // Long division by 10, collecting digits least significant first.
    let mut digits = Vec::new();
    let mut start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    while start < magnitude.len() {
        let mut remainder = 0u32;
        for b in &mut magnitude[start..] {
            let cur = (remainder << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            remainder = cur % 10;
        }
        digits.push(b'0' + remainder as u8);
        while start < magnitude.len() && magnitude[start] == 0 {
            start += 1;
        }
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    let mut text = String::with_capacity(digits.len() + 1);
    if negative {
        text.push('-');
    }
    text.extend(digits.iter().rev().map(|&d| char::from(d)));
    Ok(text)
}

/// Appends the names an alternative-name extension carries that Graph can list: DNS names, IP addresses, e-mail
/// addresses and URIs, in certificate order without repeats.
fn alternate_names(names: &[GeneralName<'_>], out: &mut Vec<String>, warnings: &mut Vec<String>) {
    for name in names {
        let text = match name {
            GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                (*s).to_owned()
            }
            GeneralName::IPAddress(b) => match *b {
                [a, b, c, d] => Ipv4Addr::new(*a, *b, *c, *d).to_string(),
                _ => match <[u8; 16]>::try_from(*b) {
                    Ok(v6) => Ipv6Addr::from(v6).to_string(),
                    Err(_) => {
                        warnings.push(format!(
                            "alternative name: an IP address of {} bytes ignored",
                            b.len()
                        ));
                        continue;
                    }
                },
            },
            GeneralName::Invalid(tag, _) => {
                warnings.push(format!(
                    "alternative name: an unreadable entry (tag {}) ignored",
                    tag.0
                ));
                continue;
            }
            // Directory names, other names, registered ids: not host-like names.
            _ => continue,
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
}

/// Where a distinguished-name attribute goes in an `sslCertificateEntity`.
#[derive(Clone, Copy)]
enum NameField {
    Entity(&'static str),
    Address(&'static str),
}

/// Attribute types by the DER content of their OID.
fn name_field(oid: &[u8]) -> Option<NameField> {
    use NameField::{Address, Entity};
    const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]; // 1.2.840.113549.1.9.1
    Some(match oid {
        [0x55, 0x04, 3] => Entity("commonName"),
        [0x55, 0x04, 4] => Entity("surname"),
        [0x55, 0x04, 5] => Entity("serialNumber"),
        [0x55, 0x04, 6] => Address("countryOrRegion"),
        [0x55, 0x04, 7] => Address("city"),
        [0x55, 0x04, 8] => Address("state"),
        [0x55, 0x04, 9] => Address("street"),
        [0x55, 0x04, 10] => Entity("organizationName"),
        [0x55, 0x04, 11] => Entity("organizationUnitName"),
        [0x55, 0x04, 17] => Address("postalCode"),
        [0x55, 0x04, 18] => Address("postOfficeBox"),
        [0x55, 0x04, 42] => Entity("givenName"),
        EMAIL_ADDRESS => Entity("email"),
        _ => return None,
    })
}

/// An `sslCertificateEntity` from a distinguished name. An attribute that occurs more than once keeps every value,
/// joined with ", " in certificate order.
fn name_entity(name: &X509Name<'_>, alternate: Vec<String>, warnings: &mut Vec<String>) -> Value {
    let mut entity = Map::new();
    for key in [
        "commonName",
        "organizationName",
        "organizationUnitName",
        "email",
        "givenName",
        "surname",
        "serialNumber",
    ] {
        entity.insert(key.to_owned(), Value::Null);
    }
    let mut address = Map::new();
    for key in [
        "street",
        "city",
        "state",
        "postalCode",
        "postOfficeBox",
        "countryOrRegion",
    ] {
        address.insert(key.to_owned(), Value::Null);
    }
    for attr in name.iter_attributes() {
        let Some(field) = name_field(attr.attr_type().as_bytes()) else {
            continue;
        };
        let Some(text) = directory_string(attr.attr_value().tag(), attr.as_slice()) else {
            warnings.push(format!(
                "name attribute {} ignored: not a string (tag {})",
                attr.attr_type().to_id_string(),
                attr.attr_value().tag().0
            ));
            continue;
        };
        let (map, key) = match field {
            NameField::Entity(k) => (&mut entity, k),
            NameField::Address(k) => (&mut address, k),
        };
        match map.get_mut(key) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&text);
            }
            _ => {
                map.insert(key.to_owned(), Value::String(text));
            }
        }
    }
    entity.insert("address".to_owned(), Value::Object(address));
    entity.insert(
        "alternateNames".to_owned(),
        Value::Array(alternate.into_iter().map(Value::String).collect()),
    );
    Value::Object(entity)
}

/// Decodes the ASN.1 string types a DirectoryString can hold; invalid code units become U+FFFD rather than
/// losing the attribute.
fn directory_string(tag: Tag, bytes: &[u8]) -> Option<String> {
    Some(match tag {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => String::from_utf8_lossy(bytes).into_owned(),
        // T.61 in theory; Latin-1 in practice.
        Tag::TeletexString => bytes.iter().map(|&b| char::from(b)).collect(),
        Tag::BmpString => {
            let units = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        Tag::UniversalString => bytes
            .chunks(4)
            .map(|c| {
                let mut word = [0u8; 4];
                word[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(word)).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => return None,
    })
}

/// Streams certificates from any number of inputs into batches, sharing one batch across inputs so that many
/// small files still make few store transactions.
pub struct CertImporter<'a> {
    batch: Batch,
    report: Report,
    stats: CertStats,
    sink: &'a mut dyn FnMut(Batch),
}

impl std::fmt::Debug for CertImporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertImporter")
            .field("report", &self.report)
            .field("stats", &self.stats)
            .finish()
    }
}

/// A certificate PEM block being read.
struct PemBlock {
    label: Vec<u8>,
    /// `TRUSTED CERTIFICATE`: OpenSSL trust settings follow the certificate.
    trusted: bool,
    first_line: u64,
    /// The base64 text so far; `None` once it outgrew [`MAX_CERTIFICATE_BYTES`].
    base64: Option<Vec<u8>>,
}

/// Whether a PEM label holds a certificate, and if so whether trust settings follow it.
fn certificate_label(label: &[u8]) -> Option<bool> {
    match label {
        b"CERTIFICATE" | b"X509 CERTIFICATE" => Some(false),
        b"TRUSTED CERTIFICATE" => Some(true),
        _ => None,
    }
}

/// Where a certificate came from inside its input, for reject messages.
#[derive(Clone, Copy)]
enum Position {
    Line(u64),
    Byte(u64),
}

impl<'a> CertImporter<'a> {
    /// A new importer; `sink` receives batches of at most [`BATCH_SIZE`] entities.
    pub fn new(sink: &'a mut dyn FnMut(Batch)) -> Self {
        CertImporter {
            batch: Batch::default(),
            report: Report::default(),
            stats: CertStats::default(),
            sink,
        }
    }

    /// Reads one input named `source`: DER when it starts like a DER SEQUENCE with a long-form length (`30 81`…
    /// `30 84`; text cannot start so), else PEM text, in which anything outside certificate blocks is ignored.
    /// An input holding neither is a warning.
    /// Only read failures are errors; bad certificates are rejects in the report.
    pub fn read<R: Read>(&mut self, input: R, source: &str) -> io::Result<CertStats> {
        let before = self.stats;
        let mut input = BufReader::with_capacity(64 * 1024, input);
        let head = input.fill_buf()?;
        let empty = head.is_empty();
        // 30 80 (BER indefinite length) goes the DER way too, to be rejected there rather than ignored as text.
        if head.len() >= 2 && head[0] == 0x30 && (0x80..=0x84).contains(&head[1]) {
            self.read_der(&mut input, source)?;
        } else {
            self.read_pem(&mut input, source)?;
        }
        let read = CertStats {
            certificates: self.stats.certificates - before.certificates,
            rejected: self.stats.rejected - before.rejected,
            skipped_blocks: self.stats.skipped_blocks - before.skipped_blocks,
        };
        if read == CertStats::default() && !empty {
            // Most likely the wrong file; say so rather than report a silent success.
            self.report.warn(format!(
                "{source}: no PEM block and no DER certificate found"
            ));
        }
        Ok(read)
    }

    /// Flushes the last batch and returns the report and counts.
    pub fn finish(mut self) -> (Report, CertStats) {
        self.flush();
        (self.report, self.stats)
    }

    fn read_pem(&mut self, input: &mut impl BufRead, source: &str) -> io::Result<()> {
        let mut line = Vec::new();
        let mut line_no = 0u64;
        let mut index = 0u64;
        // The certificate block being read; other blocks' contents are ignored like text outside blocks.
        let mut block: Option<PemBlock> = None;
        loop {
            line.clear();
            if read_line_capped(input, &mut line, MAX_CERTIFICATE_BYTES)? == 0 {
                break;
            }
            line_no += 1;
            let text = line.trim_ascii();
            if let Some(label) = pem_marker(text, b"-----BEGIN ") {
                if let Some(open) = block.take() {
                    index += 1;
                    let message = "no END line before the next BEGIN line".to_owned();
                    self.reject(
                        source,
                        index,
                        Position::Line(open.first_line),
                        "invalid PEM",
                        message,
                    );
                }
                match certificate_label(label) {
                    Some(trusted) => {
                        block = Some(PemBlock {
                            label: label.to_vec(),
                            trusted,
                            first_line: line_no,
                            base64: Some(Vec::new()),
                        })
                    }
                    None => self.stats.skipped_blocks += 1,
                }
            } else if let Some(label) = pem_marker(text, b"-----END ") {
                // An END with no certificate block open closes another kind of block, or is stray text.
                if let Some(done) = block.take() {
                    index += 1;
                    self.pem_block(done, label, source, index);
                }
            } else if let Some(open) = &mut block {
                // RFC 1421 headers (`Proc-Type: …`) carry no certificate data.
                if text.contains(&b':') {
                    continue;
                }
                if let Some(b) = &mut open.base64 {
                    if b.len() + text.len() > MAX_CERTIFICATE_BYTES {
                        open.base64 = None;
                    } else {
                        b.extend(text.iter().filter(|c| !c.is_ascii_whitespace()));
                    }
                }
            }
        }
        if let Some(open) = block {
            index += 1;
            let message = format!(
                "no END {} line before the end of the input",
                String::from_utf8_lossy(&open.label)
            );
            self.reject(
                source,
                index,
                Position::Line(open.first_line),
                "invalid PEM",
                message,
            );
        }
        Ok(())
    }

    /// A certificate block ended by an END line with `end_label`.
    fn pem_block(&mut self, block: PemBlock, end_label: &[u8], source: &str, index: u64) {
        let at = Position::Line(block.first_line);
        if end_label != block.label.as_slice() {
            let message = format!(
                "BEGIN {} ended by END {}",
                String::from_utf8_lossy(&block.label),
                String::from_utf8_lossy(end_label)
            );
            return self.reject(source, index, at, "invalid PEM", message);
        }
        let Some(base64) = block.base64 else {
            let message = format!("block larger than {MAX_CERTIFICATE_BYTES} bytes");
            return self.reject(source, index, at, "certificate too large", message);
        };
        match STANDARD.decode(&base64) {
            Ok(der) => self.certificate(&der, block.trusted, source, index, at),
            Err(e) => self.reject(source, index, at, "invalid PEM", format!("bad base64: {e}")),
        }
    }

    fn read_der(&mut self, input: &mut impl BufRead, source: &str) -> io::Result<()> {
        let mut offset = 0u64;
        let mut index = 0u64;
        let mut der = Vec::new();
        loop {
            let head = input.fill_buf()?;
            if head.is_empty() {
                return Ok(());
            }
            index += 1;
            let at = Position::Byte(offset);
            // A SEQUENCE header: tag, then a short or long-form (up to 4 bytes) length.
            let mut header = [0u8; 6];
            let got = read_up_to(input, &mut header[..2])?;
            let total = match (got, header[0], header[1]) {
                (2, 0x30, n @ 0..=0x7f) => Some((2, usize::from(n))),
                (2, 0x30, n @ 0x81..=0x84) => {
                    let extra = usize::from(n - 0x80);
                    let got = read_up_to(input, &mut header[2..2 + extra])?;
                    (got == extra).then(|| {
                        let len = header[2..2 + extra]
                            .iter()
                            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                        (2 + extra, len)
                    })
                }
                _ => None,
            };
            let Some((header_len, body_len)) = total else {
                // Without a length there is no finding the next certificate: the rest of the input is one reject.
                let message =
                    "not a DER SEQUENCE with a definite length; rest of input skipped".to_owned();
                self.reject(source, index, at, "invalid DER", message);
                return Ok(());
            };
            let size = header_len + body_len;
            if size > MAX_CERTIFICATE_BYTES {
                let message =
                    format!("a {size}-byte object (at most {MAX_CERTIFICATE_BYTES} are read)");
                self.reject(source, index, at, "certificate too large", message);
                let skipped = io::copy(&mut input.by_ref().take(body_len as u64), &mut io::sink())?;
                if skipped < body_len as u64 {
                    return Ok(());
                }
                offset += size as u64;
                continue;
            }
            der.clear();
            der.extend_from_slice(&header[..header_len]);
            let got = input.by_ref().take(body_len as u64).read_to_end(&mut der)?;
            if got < body_len {
                let message = format!("truncated: {body_len} bytes announced, {got} present");
                self.reject(source, index, at, "invalid DER", message);
                return Ok(());
            }
            self.certificate(&der, false, source, index, at);
            offset += size as u64;
        }
    }

    fn certificate(&mut self, der: &[u8], trusted: bool, source: &str, index: u64, at: Position) {
        // Trust settings after a TRUSTED CERTIFICATE are expected; anything after a plain one is worth a warning.
        let parsed = certificate_prefix(der).map(|(mut e, used)| {
            if used < der.len() && !trusted {
                let extra = der.len() - used;
                e.warnings
                    .push(format!("{extra} bytes after the certificate ignored"));
            }
            e
        });
        match parsed {
            Ok(mut entity) => {
                for w in entity.warnings.drain(..) {
                    self.report
                        .warn(format!("{source}: {}: {w}", location(index, at)));
                }
                self.batch.entities.push(entity);
                self.report.accepted += 1;
                self.stats.certificates += 1;
                if self.batch.entities.len() >= BATCH_SIZE {
                    self.flush();
                }
            }
            Err(e) => self.reject(source, index, at, "invalid certificate", e.to_string()),
        }
    }

    fn reject(&mut self, source: &str, index: u64, at: Position, reason: &str, message: String) {
        self.stats.rejected += 1;
        let reject = Reject {
            source: source.to_owned(),
            location: location(index, at),
            message,
        };
        self.report.reject(reason, reject);
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            (self.sink)(std::mem::take(&mut self.batch));
        }
    }
}

/// Reads one input and flushes: the whole import for callers with a single input.
pub fn read_certificates<R: Read>(
    input: R,
    source: &str,
    sink: &mut dyn FnMut(Batch),
    report: &mut Report,
) -> io::Result<CertStats> {
    let mut importer = CertImporter::new(sink);
    let read = importer.read(input, source);
    let (own, stats) = importer.finish();
    report.merge(own);
    read.map(|_| stats)
}

fn location(index: u64, at: Position) -> String {
    match at {
        Position::Line(n) => format!("certificate {index} (line {n})"),
        Position::Byte(n) => format!("certificate {index} (byte {n})"),
    }
}

/// The label of a `-----BEGIN LABEL-----` (or END) line.
fn pem_marker<'l>(line: &'l [u8], prefix: &[u8]) -> Option<&'l [u8]> {
    line.strip_prefix(prefix)?.strip_suffix(b"-----")
}

/// Reads up to and including the next `\n`, keeping at most `cap` bytes of it (the rest of an overlong line is
/// consumed and dropped) so that a binary or hostile input cannot grow memory. Returns the bytes consumed.
fn read_line_capped(input: &mut impl BufRead, line: &mut Vec<u8>, cap: usize) -> io::Result<usize> {
    let mut consumed = 0;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let room = cap.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        input.consume(n);
        consumed += n;
        if done {
            return Ok(consumed);
        }
    }
}

/// Fills as much of `buf` as the input has; returns how much.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/x509")
    }

    /// Imports `bytes` and returns the entities, the report and the counts.
    fn import(bytes: &[u8], source: &str) -> (Vec<Entity>, Report, CertStats) {
        let mut entities = Vec::new();
        let mut sink = |b: Batch| entities.extend(b.entities);
        let mut report = Report::default();
        let stats =
            read_certificates(bytes, source, &mut sink, &mut report).expect("in-memory read");
        (entities, report, stats)
    }

    /// The entity as Graph JSON, in the shape expected.json keeps.
    fn as_json(e: &Entity) -> Value {
        let mut obj = Map::new();
        obj.insert("@odata.type".into(), Value::String(e.ty.odata_type()));
        obj.insert("id".into(), Value::String(e.id.clone()));
        obj.extend(e.props.clone());
        Value::Object(obj)
    }

    #[test]
    fn committed_vectors_give_the_expected_entities() {
        let expected: Map<String, Value> =
            serde_json::from_slice(&std::fs::read(vectors().join("expected.json")).unwrap())
                .unwrap();
        assert_eq!(expected.len(), 5);
        for (file, want) in &expected {
            let bytes = std::fs::read(vectors().join(file)).unwrap();
            let (got, report, stats) = import(&bytes, file);
            assert_eq!(report.rejected(), 0, "{file}: {report}");
            assert_eq!(report.warnings, 0, "{file}: {report}");
            let got: Vec<Value> = got.iter().map(as_json).collect();
            assert_eq!(&Value::Array(got), want, "{file}");
            assert_eq!(stats.certificates as usize, want.as_array().unwrap().len());
        }
    }

    #[test]
    fn other_pem_blocks_and_text_are_skipped() {
        let bytes = std::fs::read(vectors().join("bundle.pem")).unwrap();
        let (got, _, stats) = import(&bytes, "bundle.pem");
        assert_eq!(got.len(), 2);
        assert_eq!(
            stats,
            CertStats {
                certificates: 2,
                rejected: 0,
                skipped_blocks: 2
            }
        );
    }

    #[test]
    fn each_malformed_block_is_one_reject_naming_its_line() {
        let bytes = std::fs::read(vectors().join("malformed.pem")).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let begins: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("-----BEGIN"))
            .map(|(i, _)| i + 1)
            .collect();
        let (got, report, stats) = import(&bytes, "malformed.pem");
        assert_eq!(got.len(), 1, "{report}");
        assert_eq!(stats.rejected, 5, "{report}");
        assert_eq!(report.rejected(), 5);
        let want = [
            (1, "bad base64"),
            (2, "not a valid X.509 certificate"),
            (3, "not a valid X.509 certificate"),
            (5, "BEGIN CERTIFICATE ended by END X509 CRL"),
            (6, "no END CERTIFICATE line before the end of the input"),
        ];
        let mut samples: Vec<String> = report.samples.iter().map(Reject::to_string).collect();
        samples.sort_by_key(|s| {
            s.split("certificate ")
                .nth(1)
                .and_then(|n| n.split(' ').next()?.parse::<u32>().ok())
        });
        for ((n, message), sample) in want.iter().zip(&samples) {
            let prefix = format!("malformed.pem: certificate {n} (line {}): ", begins[n - 1]);
            assert!(
                sample.starts_with(&prefix) && sample.contains(message),
                "{sample:?} vs {prefix}{message}"
            );
        }
    }

    #[test]
    fn der_streams_hold_several_certificates_and_stop_at_garbage() {
        let one = std::fs::read(vectors().join("utf8.der")).unwrap();
        let mut two = one.clone();
        two.extend_from_slice(&one);
        let (got, report, _) = import(&two, "two.der");
        assert_eq!((got.len(), report.rejected()), (2, 0), "{report}");

        let mut junk = one.clone();
        junk.extend_from_slice(b"\x04\x02hi");
        let (got, report, _) = import(&junk, "junk.der");
        assert_eq!(got.len(), 1);
        assert_eq!(
            report.samples[0].location,
            format!("certificate 2 (byte {})", one.len())
        );

        let (got, report, _) = import(&one[..one.len() - 1], "short.der");
        assert!(got.is_empty());
        assert!(
            report.samples[0]
                .to_string()
                .contains("short.der: certificate 1 (byte 0): truncated"),
            "{report}"
        );
    }

    #[test]
    fn certificate_entity_wants_exactly_one_certificate() {
        let one = std::fs::read(vectors().join("utf8.der")).unwrap();
        assert!(certificate_entity(&one).is_ok());
        let mut more = one.clone();
        more.push(0);
        assert_eq!(
            certificate_entity(&more).unwrap_err(),
            CertificateError::TrailingData(1)
        );
        assert!(matches!(
            certificate_entity(&one[..100]),
            Err(CertificateError::Malformed(_))
        ));
        assert!(matches!(
            certificate_entity(b""),
            Err(CertificateError::Malformed(_))
        ));
    }

    #[test]
    fn serials_are_signed_decimal() {
        let cases: &[(&[u8], &str)] = &[
            (&[0x00], "0"),
            (&[0x01], "1"),
            (&[0x7f], "127"),
            (&[0x00, 0xff], "255"),
            (&[0x01, 0x00], "256"),
            (&[0xff], "-1"),
            (&[0x80], "-128"),
            (&[0xed, 0xcc], "-4660"),
            (
                &[
                    0x00, 0xcb, 0xc3, 0x1b, 0x24, 0x53, 0x42, 0xdc, 0x8b, 0x2a, 0x53, 0x69, 0x7e,
                    0x2d, 0x52, 0x5c, 0x8b, 0x4f, 0x3c, 0x56, 0x7d,
                ],
                // A 20-byte serial with the sign-guard byte; the value is Python's int(hex, 16).
                "1163276136183511350011109734139224845962167735933",
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(serial_decimal(bytes).unwrap(), *want, "{bytes:02x?}");
        }
        assert_eq!(serial_decimal(&[]), Err(CertificateError::EmptySerial));
        assert_eq!(
            serial_decimal(&[1; 2000]),
            Err(CertificateError::SerialTooLong(2000))
        );
    }

    #[test]
    fn directory_strings_of_every_kind_decode() {
        assert_eq!(
            directory_string(Tag::BmpString, &[0, b'A', 0x03, 0xa9]).unwrap(),
            "AΩ"
        );
        assert_eq!(
            directory_string(Tag::BmpString, &[0, b'A', 0]).unwrap(),
            "A\u{0}"
        );
        assert_eq!(
            directory_string(Tag::UniversalString, &[0, 0, 0, b'x', 0, 0x11]).unwrap(),
            "x\u{fffd}"
        );
        assert_eq!(
            directory_string(Tag::TeletexString, &[b'M', 0xfc]).unwrap(),
            "Mü"
        );
        assert_eq!(
            directory_string(Tag::Utf8String, &[0xff]).unwrap(),
            "\u{fffd}"
        );
        assert_eq!(directory_string(Tag::Integer, &[1]), None);
    }

    #[test]
    fn inputs_without_certificates_are_a_warning() {
        let (_, report, _) = import(b"", "empty");
        assert_eq!(report.warnings, 0, "an empty input is just empty");
        for input in [&b"hello\n"[..], b"-----END CERTIFICATE-----\n", b"\x30"] {
            let (got, report, stats) = import(input, "x");
            assert!(
                got.is_empty() && report.rejected() == 0 && stats == CertStats::default(),
                "{input:?}"
            );
            assert_eq!(
                report.warning_samples,
                ["x: no PEM block and no DER certificate found"]
            );
        }
        // BER's indefinite length is not DER: a reject, not text.
        let (_, report, _) = import(b"\x30\x80\x02\x01\x00\x00\x00", "ber");
        assert_eq!(report.rejected(), 1, "{report}");
    }
}
