//! Test vectors for the Zeek `dns.log` reader: TSV and JSON, chains, escapes, headers and broken lines.

use super::*;
use crate::lines::Validating;

const HEADER: &str = "#separator \\x09\n\
#set_separator\t,\n\
#empty_field\t(empty)\n\
#unset_field\t-\n\
#path\tdns\n\
#open\t2019-01-09-00-00-00\n\
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n\
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n";

/// A TSV data line for the standard header.
fn tsv(
    ts: &str,
    query: &str,
    qtype: &str,
    qtype_name: &str,
    rcode: &str,
    answers: &str,
    rejected: &str,
) -> String {
    [
        ts,
        "CXWv6p3arKYeMETxOg",
        "192.168.1.2",
        "50000",
        "8.8.8.8",
        "53",
        "udp",
        "1234",
        "0.01",
        query,
        "1",
        "C_INTERNET",
        qtype,
        qtype_name,
        rcode,
        "NOERROR",
        "F",
        "F",
        "T",
        "T",
        "0",
        answers,
        "60.0",
        rejected,
    ]
    .join("\t")
}

/// Reads `input`; observations as `name TYPE rdata @time`, rejects as `reason | location: message`.
fn check(input: &str) -> (Vec<String>, Vec<String>, LineStats) {
    let mut sink = Validating::default();
    let stats = read_zeek_dns(input.as_bytes(), "t", &mut sink).unwrap();
    assert_eq!(stats.rejects, sink.collected.report.rejected());
    assert_eq!(stats.observations, sink.collected.report.accepted);
    let observations = sink
        .collected
        .observations
        .iter()
        .map(|o| format!("{o} @{}", o.first_seen))
        .collect();
    (observations, sink.rejects, stats)
}

fn tsv_answers(qtype: &str, qtype_name: &str, answers: &str) -> Vec<String> {
    let input = format!(
        "{HEADER}{}\n",
        tsv(
            "1547000000.5",
            "q.example.com",
            qtype,
            qtype_name,
            "0",
            answers,
            "F"
        )
    );
    let (obs, rejects, _) = check(&input);
    assert!(rejects.is_empty(), "{rejects:?}");
    obs.into_iter()
        .map(|o| o.trim_end_matches(" @1547000000500000").to_owned())
        .collect()
}

#[test]
fn answer_types_and_chains() {
    for (qtype, name, answers, expected) in [
        (
            "1",
            "A",
            "192.0.2.1,192.0.2.2",
            vec!["q.example.com A 192.0.2.1", "q.example.com A 192.0.2.2"],
        ),
        (
            "1",
            "A",
            "cname1.example.net,cname2.example.org,192.0.2.1,192.0.2.2",
            vec![
                "q.example.com CNAME cname1.example.net",
                "cname1.example.net CNAME cname2.example.org",
                "cname2.example.org A 192.0.2.1",
                "cname2.example.org A 192.0.2.2",
            ],
        ),
        (
            "28",
            "AAAA",
            "v6.example.net,2001:db8::1",
            vec![
                "q.example.com CNAME v6.example.net",
                "v6.example.net AAAA 2001:db8::1",
            ],
        ),
        (
            "2",
            "NS",
            "ns1.example.com,ns2.example.com",
            vec![
                "q.example.com NS ns1.example.com",
                "q.example.com NS ns2.example.com",
            ],
        ),
        (
            "12",
            "PTR",
            "host.example.com",
            vec!["q.example.com PTR host.example.com"],
        ),
        (
            "15",
            "MX",
            "mx.example.com",
            vec!["q.example.com MX 0 mx.example.com"],
        ),
        (
            "33",
            "SRV",
            "sip.example.com",
            vec!["q.example.com SRV 0 0 0 sip.example.com"],
        ),
        (
            "5",
            "CNAME",
            "alias.example.com",
            vec!["q.example.com CNAME alias.example.com"],
        ),
        (
            "16",
            "TXT",
            "TXT 11 v=spf1 -all TXT 5 a\"b c",
            vec!["q.example.com TXT \"v=spf1 -all\" \"a\\\"b c\""],
        ),
        ("16", "TXT", "TXT 0 ", vec!["q.example.com TXT \"\""]),
        (
            "16",
            "TXT",
            "alias.example.net,TXT 2 hi",
            vec![
                "q.example.com CNAME alias.example.net",
                "alias.example.net TXT \"hi\"",
            ],
        ),
        // Lossy renderings and ambiguous names produce nothing.
        ("6", "SOA", "ns.example.com", vec![]),
        ("255", "*", "something.example", vec![]),
        ("48", "DNSKEY", "DNSKEY 8", vec![]),
        ("99", "X", "<unknown type=99>", vec![]),
        // A query type given only by name.
        (
            "-",
            "AAAA",
            "2001:db8::2",
            vec!["q.example.com AAAA 2001:db8::2"],
        ),
        (
            "-",
            "-",
            "a.example,192.0.2.9",
            vec!["q.example.com A 192.0.2.9"],
        ),
    ] {
        assert_eq!(
            tsv_answers(qtype, name, answers),
            expected,
            "{qtype} {answers}"
        );
    }
}

#[test]
fn skipped_lines() {
    let input = format!(
        "{HEADER}{}\n{}\n{}\n{}\n{}\n#close\t2019-01-09-01-00-00\n",
        tsv("1.0", "a.example", "1", "A", "0", "-", "F"),
        tsv("1.0", "a.example", "1", "A", "0", "(empty)", "F"),
        tsv("1.0", "a.example", "1", "A", "3", "192.0.2.1", "F"),
        tsv("1.0", "a.example", "1", "A", "0", "192.0.2.1", "T"),
        tsv("1.0", "a.example", "1", "A", "-", "192.0.2.1", "-"),
    );
    let (obs, rejects, stats) = check(&input);
    assert_eq!(obs, ["a.example A 192.0.2.1 @1000000"]);
    assert!(rejects.is_empty());
    assert_eq!(stats.skipped, 8 + 4 + 1);
}

#[test]
fn escapes_and_custom_separators() {
    // Concatenated logs: the second header switches to `|` and `;` and a different unset marker.
    let input = format!(
        "{HEADER}{}\n\
         #separator \\x7c\n\
         #set_separator|;\n\
         #unset_field|NONE\n\
         #fields|ts|query|qtype|answers\n\
         2.5|b\\x7cc.example|1|x\\x3by.example;192.0.2.7\n\
         3|NONE|1|192.0.2.8\n",
        tsv(
            "1.0",
            "caf\\xc3\\xa9.example",
            "1",
            "A",
            "0",
            "tab\\x09name.example,192.0.2.1",
            "F"
        ),
    );
    let (obs, rejects, _) = check(&input);
    assert_eq!(
        obs,
        [
            "b|c.example CNAME x;y.example @2500000",
            "x;y.example A 192.0.2.7 @2500000",
        ]
    );
    // The decoded tab makes the CNAME target unusable; the chain still goes through it, so its address is
    // rejected too rather than pinned on the query name.
    assert_eq!(
        rejects,
        [
            "invalid target name | line 9, field answers[0]: CNAME target: name \"tab\\tname.example\" \
             contains a control character or whitespace",
            "invalid owner name | line 9, field answers[1]: owner name: name \"tab\\tname.example\" \
             contains a control character or whitespace",
            "missing field | line 15, field query: query is unset",
        ]
    );
}

#[test]
fn broken_tsv_lines() {
    for (input, expected) in [
        (
            "1.0\ta.example\t1\t192.0.2.1\n".to_owned(),
            "missing header | line 1: data line before any #fields header",
        ),
        (
            "#fields\tts\tquery\n1.0\ta.example\n".to_owned(),
            "missing header | line 2: the #fields header lacks ts, query or answers",
        ),
        (
            format!("{HEADER}1.0\ta.example\n"),
            "wrong field count | line 9: 2 fields, but the #fields header names 24",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("soon", "a.example", "1", "A", "0", "192.0.2.1", "F")
            ),
            "bad timestamp | line 9, field ts: ts \"soon\" is not epoch seconds",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("1", "a.example", "one", "A", "0", "192.0.2.1", "F")
            ),
            "invalid field | line 9, field qtype: qtype \"one\" is not a number",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("1", "a.example", "1", "A", "x", "192.0.2.1", "F")
            ),
            "invalid field | line 9, field rcode: rcode \"x\" is not a number",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("1", "a\\xff.example", "1", "A", "0", "192.0.2.1", "F")
            ),
            "invalid UTF-8 | line 9, field query: query \"a\\\\xff.example\" is not UTF-8 once its \\x escapes are decoded",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("1", "a.example", "1", "A", "0", "192.0.2.1,b\\xfe", "F")
            ),
            "invalid UTF-8 | line 9, field answers[1]: answer \"b\\\\xfe\" is not UTF-8 once its \\x escapes are decoded",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("1", "a.example", "16", "TXT", "0", "TXT 99 short", "F")
            ),
            "malformed answer | line 9, field answers[0]: \"TXT 99 short\" is not Zeek's `TXT <length> <text>` form",
        ),
        (
            format!(
                "{HEADER}{}\n",
                tsv("1", "a b.example", "1", "A", "0", "192.0.2.1", "F")
            ),
            "invalid owner name | line 9, field answers[0]: owner name: name \"a b.example\" contains a control \
             character or whitespace",
        ),
    ] {
        let (obs, rejects, stats) = check(&input);
        assert!(obs.is_empty(), "{input}");
        assert_eq!(rejects, [expected], "{input}");
        assert_eq!(stats.rejects, 1);
    }
}

#[test]
fn json_lines() {
    let input = concat!(
        r#"{"ts":1547000000.25,"uid":"C1","id.orig_h":"10.0.0.1","query":"www.example.com","qtype":1,"qtype_name":"A","rcode":0,"answers":["edge.example.net","192.0.2.1"],"TTLs":[60.0,60.0],"rejected":false}"#,
        "\n",
        r#"{"ts":"2019-01-09T02:13:20.5Z","query":"x.example","qtype_name":"AAAA","answers":["2001:db8::1"]}"#,
        "\n",
        r#"{"ts":"1547000000","query":"caf\\xc3\\xa9.example","qtype":16,"answers":["TXT 3 a\"b"]}"#,
        "\n",
        r#"{"ts":1,"query":"q.example","qtype":1,"answers":[],"rejected":false}"#,
        "\n",
        r#"{"ts":1,"query":"q.example","qtype":1,"answers":["192.0.2.1"],"rejected":true}"#,
        "\n",
        r#"{"ts":1,"query":"q.example","qtype":1,"rcode":3}"#,
        "\n",
        r#"{"ts":1,"query":"q.example","qtype":1}"#,
        "\n",
    );
    let (obs, rejects, stats) = check(input);
    assert_eq!(
        obs,
        [
            "www.example.com CNAME edge.example.net @1547000000250000",
            "edge.example.net A 192.0.2.1 @1547000000250000",
            "x.example AAAA 2001:db8::1 @1547000000500000",
            "café.example TXT \"a\\\"b\" @1547000000000000",
        ]
    );
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(stats.skipped, 4);
}

#[test]
fn broken_json_lines() {
    for (line, expected) in [
        (
            "{",
            "malformed JSON | line 1: EOF while parsing an object at line 1 column 1",
        ),
        (
            r#"{"ts":1,"query":"a","answers":"192.0.2.1"}"#,
            "invalid field | line 1, field answers: answers must be an array of strings, not \"192.0.2.1\"",
        ),
        (
            r#"{"ts":1,"query":"a","answers":[5]}"#,
            "invalid field | line 1, field answers[0]: answers must be strings",
        ),
        (
            r#"{"query":"a","answers":["192.0.2.1"]}"#,
            "missing field | line 1, field ts: ts is required",
        ),
        (
            r#"{"ts":"yesterday","query":"a","answers":["192.0.2.1"]}"#,
            "bad timestamp | line 1, field ts: ts must be epoch seconds or ISO 8601 text, not \"yesterday\"",
        ),
        (
            r#"{"ts":true,"query":"a","answers":["192.0.2.1"]}"#,
            "bad timestamp | line 1, field ts: ts must be epoch seconds or ISO 8601 text, not true",
        ),
        (
            r#"{"ts":1,"answers":["192.0.2.1"]}"#,
            "missing field | line 1, field query: query is required",
        ),
        (
            r#"{"ts":1,"query":7,"answers":["192.0.2.1"]}"#,
            "invalid field | line 1, field query: query must be a string, not 7",
        ),
        (
            r#"{"ts":1,"query":"a","qtype":"A","answers":["192.0.2.1"]}"#,
            "invalid field | line 1, field qtype: qtype must be a number, not \"A\"",
        ),
        (
            r#"{"ts":1,"query":"a","rcode":"0","answers":["192.0.2.1"]}"#,
            "invalid field | line 1, field rcode: rcode must be a number, not \"0\"",
        ),
        (
            r#"{"ts":1,"query":"a","rejected":"F","answers":["192.0.2.1"]}"#,
            "invalid field | line 1, field rejected: rejected must be a boolean, not \"F\"",
        ),
        (
            r#"{"ts":1,"query":"a\\xff","answers":["192.0.2.1"]}"#,
            "invalid UTF-8 | line 1, field query: query \"a\\\\xff\" is not UTF-8 once its \\x escapes are decoded",
        ),
    ] {
        let (obs, rejects, _) = check(line);
        assert!(obs.is_empty(), "{line}");
        assert_eq!(rejects, [expected], "{line}");
    }
    // The form is fixed by the first line: a TSV-looking line in a JSON log is a reject, not a header.
    let (_, rejects, _) = check("{\"ts\":1,\"query\":\"a\",\"answers\":[]}\n#fields\tts\n");
    assert_eq!(rejects, ["malformed JSON | line 2: expected a JSON object"]);
}
