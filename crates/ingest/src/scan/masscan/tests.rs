use super::*;
use crate::lines::MAX_LINE_BYTES;
use crate::scan::CollectedScan;
use crate::scan::testing::{der_len, pem_certificates, rendered};

/// Reads `input`, checks the figures against what the sink saw, and returns ports, rejects and stats.
fn check(input: &[u8]) -> (Vec<String>, Vec<String>, MasscanStats) {
    let mut sink = CollectedScan::default();
    let stats = read_masscan(input, "t", &mut sink).unwrap();
    assert_eq!(stats.ports, sink.ports.len() as u64);
    assert_eq!(stats.rejects, sink.rejects.len() as u64);
    assert!(sink.hosts.is_empty(), "masscan never reports coverage");
    // A tiny buffer must not change anything (form detection, XML positions, long lines).
    let mut small = CollectedScan::default();
    let again = read_masscan(io::BufReader::with_capacity(3, input), "t", &mut small).unwrap();
    assert_eq!(again, stats);
    assert_eq!(rendered(&small), rendered(&sink));
    let (ports, rejects) = rendered(&sink);
    (ports, rejects, stats)
}

fn lines(text: &[&str]) -> Vec<String> {
    text.iter().map(|s| (*s).to_owned()).collect()
}

const HEAD_TEXT: &str =
    r"HTTP/1.1 200 OK\x0d\x0aServer: nginx/1.22.1\x0d\x0aSet-Cookie: a=1\x0d\x0a\x0d\x0a";
const HEAD_JSON: &str = r"HTTP/1.1 200 OK\u000d\u000aServer: nginx/1.22.1\u000d\u000aSet-Cookie: a=1\u000d\u000a\u000d\u000a";
const HEAD_PORT: &str = r#"192.0.2.1 tcp/80 open t=1699123457 service=http banner[http]="HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nSet-Cookie: a=1\r\n\r\n" http(status=200 headers=[Server: nginx/1.22.1; Set-Cookie: a=1])"#;

#[test]
fn list_form() {
    let certificate = &pem_certificates("chain.pem")[0];
    let input = format!(
        "#masscan\n\
         open tcp 443 192.0.2.1 1699123456\n\
         banner tcp 80 192.0.2.1 1699123457 http {HEAD_TEXT}\n\
         banner tcp 22 192.0.2.1 1699123458 ssh SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n\
         banner tcp 443 192.0.2.1 1699123459 X509 {certificate}\n\
         banner tcp 443 192.0.2.1 1699123459 ssl TLS/1.1 cipher:0xc02f, leaf.example\n\
         banner tcp 80 192.0.2.1 1699123460 title Caf\\xc3\\xa9 \\x3cb\\x3e\\xff\n\
         closed tcp 81 2001:db8::1 1699123461\n\
         open udp 53 192.0.2.2 1699123462\n\
         banner udp 53 192.0.2.2 1699123462 dns-ver 9.18.19\n\
         up arp 0 192.0.2.3 1699123463\n\
         open icmp 0 192.0.2.3 1699123463\n\
         open sctp 80 192.0.2.3 1699123463\n\
         banner tcp 8080 192.0.2.4 1699123464 unknown \n\
         # end\n"
    );
    let (ports, rejects, stats) = check(input.as_bytes());
    assert_eq!(
        ports,
        lines(&[
            "192.0.2.1 tcp/443 open t=1699123456",
            HEAD_PORT,
            r#"192.0.2.1 tcp/22 open t=1699123458 service=ssh banner[ssh]="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3""#,
            &format!(
                "192.0.2.1 tcp/443 open t=1699123459 service=ssl certs=[{}]",
                der_len(certificate)
            ),
            r#"192.0.2.1 tcp/443 open t=1699123459 service=ssl banner[ssl]="TLS/1.1 cipher:0xc02f, leaf.example""#,
            r#"192.0.2.1 tcp/80 open t=1699123460 service=http banner[title]="Café <b>ÿ" http(title="Café <b>ÿ")"#,
            "2001:db8::1 tcp/81 closed t=1699123461",
            "192.0.2.2 udp/53 open t=1699123462",
            r#"192.0.2.2 udp/53 open t=1699123462 service=dns-ver banner[dns-ver]="9.18.19""#,
            r#"192.0.2.4 tcp/8080 open t=1699123464 banner[unknown]="""#,
        ])
    );
    assert_eq!(rejects, Vec::<String>::new());
    assert_eq!(
        stats,
        MasscanStats {
            form: Some(MasscanForm::List),
            lines: 15,
            ports: 10,
            banners: 7,
            rejects: 0,
            skipped: 5,
            end_marker: true,
        }
    );
}

#[test]
fn banner_records_are_supplementary() {
    let mut sink = CollectedScan::default();
    let input = "open tcp 22 192.0.2.1 1\nbanner tcp 22 192.0.2.1 1 ssh SSH-2.0-x\n";
    read_masscan(input.as_bytes(), "t", &mut sink).unwrap();
    let flags: Vec<bool> = sink.ports.iter().map(|p| p.supplementary).collect();
    assert_eq!(flags, [false, true]);
}

#[test]
fn banner_bytes_that_are_utf8_become_text() {
    let (ports, _, _) = check(b"banner tcp 21 192.0.2.1 1 ftp 220 Caf\\xc3\\xa9 ready\\x0d\\x0a\n");
    assert_eq!(
        ports,
        lines(&[r#"192.0.2.1 tcp/21 open t=1 service=ftp banner[ftp]="220 Café ready\r\n""#])
    );
}

#[test]
fn list_form_broken_lines() {
    let certificate = &pem_certificates("chain.pem")[0];
    let mut input = format!(
        "open tcp 70000 192.0.2.1 1699123456\n\
         open tcp 80 192.0.2.999 1699123456\n\
         open tcp 80 192.0.2.1 yesterday\n\
         filtered tcp 80 192.0.2.1 1699123456\n\
         open xyz 80 192.0.2.1 1699123456\n\
         open tcp 80\n\
         banner tcp 443\n\
         banner tcp 443 192.0.2.1 1699123456 X509 !!notbase64\n\
         banner tcp 443 192.0.2.1 1699123456 X509 {}\n",
        &certificate[..certificate.len() / 2]
    )
    .into_bytes();
    input.extend_from_slice(b"open tcp 80 192.0.2.1 1699123456 \xff\n");
    input.extend_from_slice(b"open tcp 80 192.0.2.1 16991");
    let (ports, rejects, stats) = check(&input);
    assert!(ports.is_empty(), "{ports:?}");
    let half = der_len(&certificate[..certificate.len() / 2]);
    assert_eq!(
        rejects,
        lines(&[
            "masscan: bad port @ line 1: port 70000 is not a number in 0..=65535",
            r#"masscan: bad address @ line 2: "192.0.2.999" is not an IP address"#,
            r#"masscan: bad timestamp @ line 3: timestamp "yesterday" is not epoch seconds"#,
            r#"masscan: unknown status @ line 4: status "filtered" is not open or closed"#,
            r#"masscan: unknown transport @ line 5: transport "xyz" is not one masscan writes (tcp, udp, sctp, icmp, arp)"#,
            "masscan: bad line @ line 6: 3 fields, expected `<status> <transport> <port> <address> <timestamp>` or a banner line",
            "masscan: bad line @ line 7: banner line needs `banner <transport> <port> <address> <timestamp> <service> <text>`",
            "masscan: bad certificate @ line 8: X509 banner: certificate is not base64: Invalid symbol 33, offset 0.",
            &format!(
                "masscan: bad certificate @ line 9: X509 banner: certificate is cut short: {half} of {} bytes",
                der_len(certificate)
            ),
            "masscan: invalid UTF-8 @ line 10, byte 34: line is not valid UTF-8 from byte 34",
            "masscan: truncated @ line 11: last line has no line ending: the output was cut short",
        ])
    );
    assert_eq!(
        (stats.lines, stats.rejects, stats.end_marker),
        (11, 11, false)
    );
}

#[test]
fn grepable_form() {
    let input = format!(
        "# Masscan 1.3.2 scan initiated Thu Nov  2 12:00:00 2023\n\
         # Ports scanned: TCP(1;80-80) UDP(1;53-53) SCTP(0;) PROTOCOLS(0;)\n\
         Timestamp: 1699123456\tHost: 192.0.2.1 ()\tPorts: 80/open/tcp//http//\n\
         Host: 192.0.2.1 ()\tPort: 80\tService: http\tBanner: {HEAD_TEXT}\n\
         Timestamp: 1699123457\tHost: 192.0.2.2 ()\tPorts: 53/open/udp//domain//\n\
         Host: 192.0.2.2 ()\tPort: 53\tService: dns-ver\tBanner: 9.18.19\tx\n\
         Host: 192.0.2.9 ()\tPort: 22\tService: ssh\tBanner: SSH-2.0-dropbear\n\
         Timestamp: 1699123458\tHost: 192.0.2.3 ()\tPorts: 99999/open/tcp////\n\
         Host: 192.0.2.3 ()\tPort: 22\n\
         # Masscan done at Thu Nov  2 12:00:05 2023\n"
    );
    let (ports, rejects, stats) = check(input.as_bytes());
    assert_eq!(
        ports,
        lines(&[
            "192.0.2.1 tcp/80 open t=1699123456",
            &HEAD_PORT.replace("1699123457", "1699123456"),
            "192.0.2.2 udp/53 open t=1699123457",
            r#"192.0.2.2 udp/53 open t=1699123457 service=dns-ver banner[dns-ver]="9.18.19\tx""#,
            r#"192.0.2.9 tcp/22 open t=1699123457 service=ssh banner[ssh]="SSH-2.0-dropbear""#,
        ])
    );
    assert_eq!(
        rejects,
        lines(&[
            "masscan: bad port @ line 8: port 99999 is not a number in 0..=65535",
            "masscan: bad line @ line 9: neither a status line (Ports) nor a banner line (Port, Service, Banner)",
        ])
    );
    assert_eq!(
        (stats.form, stats.end_marker),
        (Some(MasscanForm::Grepable), true)
    );
    let (_, rejects, _) = check(b"Host: 192.0.2.1 ()\tPort: 80\tService: http\tBanner: x\n");
    assert_eq!(
        rejects,
        lines(&[
            "masscan: bad timestamp @ line 1: grepable banner lines carry no time, and no status line came before this one"
        ])
    );
}

/// The JSON records masscan writes (out-json.c): a status record and a banner record.
fn json_status(ip: &str, port: u32, status: &str) -> String {
    format!(
        r#"{{   "ip": "{ip}",   "timestamp": "1699123456", "ports": [ {{"port": {port}, "proto": "tcp", "status": "{status}", "reason": "syn-ack", "ttl": 54}} ] }}"#
    )
}

fn json_banner(service: &str, banner: &str) -> String {
    format!(
        r#"{{   "ip": "192.0.2.1",   "timestamp": "1699123457", "ports": [ {{"port": 80, "proto": "tcp", "service": {{"name": "{service}", "banner": "{banner}"}} }} ] }}"#
    )
}

#[test]
fn json_form_in_every_layout() {
    let status = json_status("192.0.2.1", 443, "open");
    let banner = json_banner("http", HEAD_JSON);
    let expected = lines(&["192.0.2.1 tcp/443 open t=1699123456", HEAD_PORT]);
    // Since 2018: the comma before each record but the first.
    let current = format!("[\n{status}\n,\n{banner}\n]\n");
    // 2017: the comma after each record, the last one too.
    let trailing = format!("[\n{status},\n{banner},\n]\n");
    // Before 2017: no array, ended by a line that is not JSON.
    let early = format!("{status},\n{banner},\n{{finished: 1}}\n");
    // Quoted end marker, and the whole array on one line.
    let quoted = format!("{status},\n{banner},\n{{\"finished\": 1}}\n");
    let one_line = format!("[{status},{banner}]\n");
    for (input, form) in [
        (current, MasscanForm::Json),
        (trailing, MasscanForm::Json),
        (early, MasscanForm::Json),
        (quoted, MasscanForm::Json),
        (one_line, MasscanForm::Json),
    ] {
        let (ports, rejects, stats) = check(input.as_bytes());
        assert_eq!(ports, expected, "{input}");
        assert!(rejects.is_empty(), "{rejects:?}");
        assert_eq!(
            (stats.form, stats.end_marker, stats.banners),
            (Some(form), true, 1),
            "{input}"
        );
    }
}

#[test]
fn json_banners_unescaped() {
    let input = format!(
        "[\n{}\n,\n{}\n,\n{}\n]\n",
        json_banner("title", r"Caf\u00c3\u00a9 \u003cb\u003e"),
        json_banner("ftp", r"220 \u00ff\u0000 bytes"),
        json_banner("X509CA", &pem_certificates("chain.pem")[1]),
    );
    let (ports, rejects, _) = check(input.as_bytes());
    assert_eq!(
        ports,
        lines(&[
            r#"192.0.2.1 tcp/80 open t=1699123457 service=http banner[title]="Café <b>" http(title="Café <b>")"#,
            r#"192.0.2.1 tcp/80 open t=1699123457 service=ftp banner[ftp]="220 ÿ\0 bytes""#,
            &format!(
                "192.0.2.1 tcp/80 open t=1699123457 service=ssl ca_certs=[{}]",
                der_len(&pem_certificates("chain.pem")[1])
            ),
        ])
    );
    assert!(rejects.is_empty(), "{rejects:?}");
}

#[test]
fn ndjson_form() {
    let input = format!(
        "{{\"ip\":\"192.0.2.1\",\"timestamp\":\"1699123456\",\"port\":443,\"proto\":\"tcp\",\"rec_type\":\"status\",\"data\":{{\"status\":\"open\",\"reason\":\"syn-ack\",\"ttl\":54}}}}\n\
         {{\"ip\":\"192.0.2.1\",\"timestamp\":\"1699123457\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"banner\",\"data\":{{\"service_name\":\"http\",\"banner\":\"{HEAD_JSON}\"}}}}\n\
         {{\"ip\":\"192.0.2.5\",\"timestamp\":1699123458,\"port\":\"53\",\"proto\":\"udp\",\"rec_type\":\"status\",\"data\":{{\"status\":\"closed\"}}}}\n"
    );
    let (ports, rejects, stats) = check(input.as_bytes());
    assert_eq!(
        ports,
        lines(&[
            "192.0.2.1 tcp/443 open t=1699123456",
            HEAD_PORT,
            "192.0.2.5 udp/53 closed t=1699123458"
        ])
    );
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(
        (stats.form, stats.end_marker, stats.lines),
        (Some(MasscanForm::Ndjson), false, 3)
    );
}

#[test]
fn json_broken_records() {
    let input = format!(
        "[\n\
         {}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timestamp\": \"1\", \"ports\": [ {{\"port\": 80, \"proto\": \"tcp\", \"status\": \"unknown\"}} ] }}\n\
         ,{{\"ip\": \"192.0.2.1\", \"ports\": [ {{\"port\": 80, \"proto\": \"tcp\", \"status\": \"open\"}} ] }}\n\
         ,{{\"timestamp\": \"1\", \"ports\": []}}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timestamp\": \"1\", \"ports\": []}}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timestamp\": \"1\", \"ports\": [{{\"port\": 1, \"proto\": \"tcp\"}}, {{\"port\": 2, \"proto\": \"tcp\", \"status\": \"open\"}}]}}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timestamp\": \"1\"}}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timestamp\": \"1\", \"rec_type\": \"other\", \"data\": {{}}}}\n\
         ,{{\"ip\": 5}}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timestamp\": \"1\", \"ports\": [ {{\"port\": 80, \"proto\": \"tcp\", \"service\": {{\"name\": \"X509\", \"banner\": \"MAUB\"}} }} ] }}\n\
         ,{{\"ip\": \"192.0.2.1\", \"timest",
        json_status("192.0.2.1", 70000, "open")
    );
    let (ports, rejects, stats) = check(input.as_bytes());
    assert_eq!(ports, lines(&["192.0.2.1 tcp/2 open t=1"]));
    assert_eq!(
        rejects,
        lines(&[
            "masscan: bad port @ line 2: port 70000 is not a number in 0..=65535",
            r#"masscan: unknown status @ line 3: status "unknown" is not open or closed"#,
            "masscan: bad timestamp @ line 4: record has no timestamp",
            r#"masscan: bad record @ line 5: record has no "ip""#,
            r#"masscan: bad record @ line 6: record has an empty "ports" list"#,
            r#"masscan: bad record @ line 7, ports[0]: port entry has neither "status" nor "service""#,
            r#"masscan: bad record @ line 8: record has neither "ports" nor "rec_type""#,
            r#"masscan: bad record @ line 9: rec_type "other" is not status or banner"#,
            "masscan: bad json @ line 10: invalid type: integer `5`, expected a string at line 1 column 8",
            "masscan: bad certificate @ line 11: X509 banner: certificate is cut short: 3 of 7 bytes",
            "masscan: truncated @ line 12: last line is cut short: EOF while parsing a string at line 1 column 27",
        ])
    );
    assert!(!stats.end_marker);
}

const XML_HEAD: &str = "<?xml version=\"1.0\"?>\r\n<!-- masscan v1.0 scan -->\r\n\
    <nmaprun scanner=\"masscan\" start=\"1699123400\" version=\"1.0-BETA\"  xmloutputversion=\"1.03\">\r\n\
    <scaninfo type=\"syn\" protocol=\"tcp\" />\r\n";
const XML_TAIL: &str = "<runstats>\r\n<finished time=\"1699123500\" timestr=\"2023-11-04 18:45:00\" elapsed=\"100\" />\r\n\
    <hosts up=\"2\" down=\"0\" total=\"2\" />\r\n</runstats>\r\n</nmaprun>\r\n";

/// A `<host>` as masscan's out-xml.c writes a status record.
fn xml_status(address: &str, protocol: &str, port: &str, state: &str) -> String {
    format!(
        "<host endtime=\"1699123456\"><address addr=\"{address}\" addrtype=\"ipv4\"/><ports>\
         <port protocol=\"{protocol}\" portid=\"{port}\"><state state=\"{state}\" reason=\"syn-ack\" reason_ttl=\"54\"/>\
         </port></ports></host>\r\n"
    )
}

/// … and a banner record.
fn xml_banner(service: &str, banner: &str) -> String {
    format!(
        "<host endtime=\"1699123457\"><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/><ports>\
         <port protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"54\" />\
         <service name=\"{service}\" banner=\"{banner}\"></service></port></ports></host>\r\n"
    )
}

#[test]
fn xml_form() {
    let input = format!(
        "{XML_HEAD}{}{}{}{}{XML_TAIL}",
        xml_status("192.0.2.1", "tcp", "443", "open"),
        xml_banner("http", HEAD_TEXT),
        xml_status("2001:db8::1", "udp", "53", "closed"),
        xml_status("192.0.2.3", "sctp", "80", "open"),
    );
    let (ports, rejects, stats) = check(input.as_bytes());
    assert_eq!(
        ports,
        lines(&[
            "192.0.2.1 tcp/443 open t=1699123456",
            HEAD_PORT,
            "2001:db8::1 udp/53 closed t=1699123456"
        ])
    );
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(
        stats,
        MasscanStats {
            form: Some(MasscanForm::Xml),
            lines: 0,
            ports: 3,
            banners: 1,
            rejects: 0,
            skipped: 1,
            end_marker: true,
        }
    );
}

#[test]
fn xml_other_layouts() {
    // Pretty-printed, entities, the address after the port, no endtime (the run's start is used), a MAC address.
    let input = "\n\n<nmaprun start=\"1699123400\">\n  <host>\n    <ports>\n      <port protocol=\"tcp\" portid=\"21\">\n\
                 <state state=\"open\"/>\n        <service name=\"ftp\" banner=\"220 a &amp; b\"/>\n      </port>\n\
                 </ports>\n    <address addr=\"00:11:22:33:44:55\" addrtype=\"mac\"/>\n\
                 <address addr=\"192.0.2.8\" addrtype=\"ipv4\"/>\n  </host>\n</nmaprun>\n";
    let (ports, rejects, _) = check(input.as_bytes());
    assert_eq!(
        ports,
        lines(&[r#"192.0.2.8 tcp/21 open t=1699123400 service=ftp banner[ftp]="220 a & b""#])
    );
    assert!(rejects.is_empty(), "{rejects:?}");
}

#[test]
fn xml_broken() {
    let input = format!(
        "{XML_HEAD}{}{}{}{}<host endtime=\"1\"><ports><port protocol=\"tcp\" portid=\"1\"><state state=\"open\"/></port></ports></host>\r\n\
         <host endtime=\"1\"><address addr=\"192.0.2.1\"/><ports><port protocol=\"tcp\"><state state=\"open\"/></port>\
         <port protocol=\"tcp\" portid=\"2\"></port></ports></host>\r\n\
         <host endtime=\"1\"><address addr=x/></host>\r\n\
         {}<host endtime=\"1699123456\"><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/><ports><port",
        xml_status("192.0.2.1", "tcp", "70000", "open"),
        xml_status("192.0.2.1", "tcp", "80", "filtered"),
        xml_status("192.0.2.999", "tcp", "80", "open"),
        xml_banner("X509", "!!"),
        xml_status("192.0.2.1", "tcp", "80", "open").replace("</ports>", "</port>"),
    );
    let (ports, rejects, stats) = check(input.as_bytes());
    // The port before the mismatched end tag was complete, and is reported before the error is found.
    assert_eq!(ports, lines(&["192.0.2.1 tcp/80 open t=1699123456"]));
    assert_eq!(
        rejects,
        lines(&[
            "masscan: bad port @ line 5: port 70000 is not a number in 0..=65535",
            r#"masscan: unknown status @ line 6: status "filtered" is not open or closed"#,
            r#"masscan: bad address @ line 7: "192.0.2.999" is not an IP address"#,
            "masscan: bad certificate @ line 8: X509 banner: certificate is not base64: Invalid symbol 33, offset 0.",
            "masscan: bad record @ line 9: <host> has no <address>: its 1 ports are dropped",
            "masscan: bad record @ line 10: <port> needs both protocol and portid",
            "masscan: bad record @ line 10: <port> has neither <state> nor a service banner",
            "masscan: bad xml @ line 11: <host>: position 13: attribute value must be enclosed in `\"` or `'`",
            "masscan: bad xml @ line 12, byte 1462: XML: ill-formed document: expected `</ports>`, but `</port>` was found",
            "masscan: truncated @ line 13, byte 1555: XML: syntax error: tag not closed: `>` not found before end of input",
        ])
    );
    assert!(!stats.end_marker);
}

#[test]
fn other_inputs() {
    assert_eq!(check(b"").2, MasscanStats::default());
    let (_, _, stats) = check(b"\n \n\t\n");
    assert_eq!((stats.form, stats.lines, stats.skipped), (None, 3, 3));
    let (ports, rejects, stats) = check(b"masscan/1.1\ns:3\n\x00\x01binary");
    assert!(ports.is_empty());
    assert_eq!(
        rejects,
        lines(&[
            "masscan: binary output @ line 1: masscan's binary output (-oB) is not read: convert it with `masscan --readscan FILE -oX out.xml`"
        ])
    );
    assert_eq!(stats.form, Some(MasscanForm::Binary));
    // Leading blank lines keep the line numbers right.
    let (_, rejects, _) = check(b"\n\n  \nopen tcp 1\n");
    assert_eq!(rejects.len(), 1);
    assert!(rejects[0].contains("@ line 4:"), "{rejects:?}");
    let (_, rejects, _) = check(b"\n\n{\"ip\": 1}\n");
    assert!(rejects[0].contains("@ line 3:"), "{rejects:?}");
    // Blanks that start the first line stay part of it, however the input is buffered (a fuzzing find).
    let (_, rejects, _) = check(b"\r\r\r\r\r\rx\xff\n");
    assert_eq!(
        rejects,
        lines(&["masscan: invalid UTF-8 @ line 1, byte 8: line is not valid UTF-8 from byte 8"])
    );
    let (_, _, stats) = check(b"\n  ");
    assert_eq!((stats.form, stats.lines, stats.skipped), (None, 2, 2));
}

#[test]
fn overlong_lines_and_xml_runs() {
    let mut input = b"open tcp 1 192.0.2.1 1 ".to_vec();
    input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
    input.extend_from_slice(b"\nopen tcp 2 192.0.2.1 1\n");
    let (ports, rejects, _) = check(&input);
    assert_eq!(ports, lines(&["192.0.2.1 tcp/2 open t=1"]));
    assert_eq!(
        rejects,
        lines(&[&format!(
            "masscan: line too long @ line 1: line of {} bytes or more exceeds the limit of {MAX_LINE_BYTES}",
            MAX_LINE_BYTES + 34
        )])
    );
    let mut xml = format!(
        "{XML_HEAD}{}<host endtime=\"1\"><address addr=\"",
        xml_status("192.0.2.1", "tcp", "1", "open")
    )
    .into_bytes();
    xml.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
    let (ports, rejects, _) = check(&xml);
    assert_eq!(ports.len(), 1);
    assert_eq!(
        rejects,
        lines(&[&format!(
            "masscan: bad xml @ line 6: an XML tag or text is longer than {MAX_LINE_BYTES} bytes; the rest of the input is not read"
        )])
    );
}
