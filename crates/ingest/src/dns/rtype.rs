//! DNS record types: the 16-bit code, and its mnemonic as presentation format and every pDNS format spells it.

use std::borrow::Cow;
use std::fmt;

/// A DNS RR type code. Displays as its mnemonic (`A`, `HTTPS`), or `TYPE<n>` (RFC 3597) when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordType(pub u16);

/// Mnemonics of the IANA DNS parameters registry (types in use or still seen in traffic).
const MNEMONICS: &[(u16, &str)] = &[
    (1, "A"),
    (2, "NS"),
    (3, "MD"),
    (4, "MF"),
    (5, "CNAME"),
    (6, "SOA"),
    (7, "MB"),
    (8, "MG"),
    (9, "MR"),
    (10, "NULL"),
    (11, "WKS"),
    (12, "PTR"),
    (13, "HINFO"),
    (14, "MINFO"),
    (15, "MX"),
    (16, "TXT"),
    (17, "RP"),
    (18, "AFSDB"),
    (19, "X25"),
    (20, "ISDN"),
    (21, "RT"),
    (22, "NSAP"),
    (23, "NSAP-PTR"),
    (24, "SIG"),
    (25, "KEY"),
    (26, "PX"),
    (27, "GPOS"),
    (28, "AAAA"),
    (29, "LOC"),
    (30, "NXT"),
    (33, "SRV"),
    (35, "NAPTR"),
    (36, "KX"),
    (37, "CERT"),
    (38, "A6"),
    (39, "DNAME"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS"),
    (44, "SSHFP"),
    (45, "IPSECKEY"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (53, "SMIMEA"),
    (55, "HIP"),
    (59, "CDS"),
    (60, "CDNSKEY"),
    (61, "OPENPGPKEY"),
    (62, "CSYNC"),
    (63, "ZONEMD"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (99, "SPF"),
    (104, "NID"),
    (105, "L32"),
    (106, "L64"),
    (107, "LP"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (255, "ANY"),
    (256, "URI"),
    (257, "CAA"),
    (258, "AVC"),
    (259, "DOA"),
    (32768, "TA"),
    (32769, "DLV"),
];

impl RecordType {
    pub const A: Self = Self(1);
    pub const NS: Self = Self(2);
    pub const CNAME: Self = Self(5);
    pub const SOA: Self = Self(6);
    pub const PTR: Self = Self(12);
    pub const MX: Self = Self(15);
    pub const TXT: Self = Self(16);
    pub const AAAA: Self = Self(28);
    pub const SRV: Self = Self(33);
    pub const DNAME: Self = Self(39);
    pub const OPT: Self = Self(41);
    pub const SVCB: Self = Self(64);
    pub const HTTPS: Self = Self(65);

    /// The mnemonic, or `TYPE<n>`.
    pub fn name(self) -> Cow<'static, str> {
        match MNEMONICS.binary_search_by_key(&self.0, |&(code, _)| code) {
            Ok(i) => Cow::Borrowed(MNEMONICS[i].1),
            Err(_) => Cow::Owned(format!("TYPE{}", self.0)),
        }
    }

    /// Parses a mnemonic (any case), `TYPE<n>`, or a decimal code (COF allows numbers).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(&(code, _)) = MNEMONICS
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
        {
            return Some(Self(code));
        }
        let digits = match text.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("TYPE") => &text[4..],
            _ => text,
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(Self)
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_are_sorted_and_round_trip() {
        assert!(MNEMONICS.windows(2).all(|w| w[0].0 < w[1].0));
        for &(code, name) in MNEMONICS {
            assert_eq!(RecordType(code).name(), name);
            assert_eq!(RecordType::parse(name), Some(RecordType(code)));
        }
    }

    #[test]
    fn spellings() {
        for (text, code) in [
            ("a", Some(1)),
            ("Aaaa", Some(28)),
            ("TYPE65534", Some(65534)),
            ("type1", Some(1)),
            ("28", Some(28)),
            (" MX ", Some(15)),
            ("65536", None),
            ("TYPE", None),
            ("", None),
            ("BOGUS", None),
            ("-1", None),
        ] {
            assert_eq!(RecordType::parse(text), code.map(RecordType), "{text:?}");
        }
        assert_eq!(RecordType(65534).to_string(), "TYPE65534");
    }
}
