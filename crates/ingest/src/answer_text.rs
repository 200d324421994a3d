//! Answer text as sensor logs (Zeek, passivedns) write it, turned into the presentation format observations carry.
//!
//! Those logs drop fields of some types: MX is logged as its exchange alone, SRV as its target alone, TXT as bare
//! (unquoted) text. The store keeps only the exchange or target of MX and SRV records (the host they point at), so
//! a missing preference, weight or port is filled with `0` to make well-formed presentation text; nothing tigr
//! stores depends on those zeros. Bare TXT text is quoted, escaping `"` and `\`.

use crate::dns::RecordType;

/// Presentation-format data for `answer` of type `rtype`, written into `scratch` when it has to be rebuilt.
pub(crate) fn presentation<'a>(
    rtype: RecordType,
    answer: &'a str,
    scratch: &'a mut String,
) -> &'a str {
    let single_token = !answer.contains(char::is_whitespace);
    match rtype {
        RecordType::MX if single_token => {
            scratch.clear();
            scratch.push_str("0 ");
            scratch.push_str(answer);
            scratch
        }
        RecordType::SRV if single_token => {
            scratch.clear();
            scratch.push_str("0 0 0 ");
            scratch.push_str(answer);
            scratch
        }
        RecordType::TXT | SPF if !answer.starts_with('"') => {
            scratch.clear();
            push_quoted(scratch, answer);
            scratch
        }
        _ => answer,
    }
}

const SPF: RecordType = RecordType(99);

/// Appends `text` as one quoted character-string.
pub(crate) fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilt_forms() {
        for (rtype, answer, expected) in [
            (RecordType::MX, "mx.example.", "0 mx.example."),
            (RecordType::MX, "10 mx.example.", "10 mx.example."),
            (RecordType::SRV, "sip.example.", "0 0 0 sip.example."),
            (
                RecordType::SRV,
                "1 2 5060 sip.example.",
                "1 2 5060 sip.example.",
            ),
            (RecordType::TXT, "v=spf1 -all", "\"v=spf1 -all\""),
            (RecordType::TXT, r#"a "q" \ b"#, r#""a \"q\" \\ b""#),
            (RecordType::TXT, "\"already\"", "\"already\""),
            (SPF, "v=spf1", "\"v=spf1\""),
            (RecordType::A, "192.0.2.1", "192.0.2.1"),
            (RecordType::CNAME, "x.example.", "x.example."),
        ] {
            let mut scratch = String::new();
            assert_eq!(presentation(rtype, answer, &mut scratch), expected);
        }
    }
}
