use super::*;
use crate::scan::CollectedScan;
use crate::scan::testing::{der_len, pem_certificates, rendered};
use base64::Engine;

/// Reads `input` with `options`, checks the figures against what the sink saw, returns ports, rejects and stats.
fn check_with(input: &str, options: &Zgrab2Options) -> (Vec<String>, Vec<String>, Zgrab2Stats) {
    let mut sink = CollectedScan::default();
    let stats = read_zgrab2(input.as_bytes(), "t", options, &mut sink).unwrap();
    assert_eq!(stats.ports, sink.ports.len() as u64);
    assert_eq!(stats.rejects, sink.rejects.len() as u64);
    assert_eq!(stats.ports, stats.succeeded + stats.failed_reached);
    assert_eq!(
        stats.modules,
        stats.succeeded + stats.failed_reached + stats.failed_unreached + stats.rejected_modules
    );
    assert!(sink.hosts.is_empty());
    let (ports, rejects) = rendered(&sink);
    (ports, rejects, stats)
}

fn check(input: &str) -> (Vec<String>, Vec<String>, Zgrab2Stats) {
    check_with(input, &Zgrab2Options::default())
}

fn lines(text: &[&str]) -> Vec<String> {
    text.iter().map(|s| (*s).to_owned()).collect()
}

/// A target line as zgrab2 writes it: `{"ip", "domain", "data": {name: module}}`.
fn target(ip: &str, domain: Option<&str>, modules: &[(&str, String)]) -> String {
    let data: Vec<String> = modules
        .iter()
        .map(|(name, module)| format!("\"{name}\":{module}"))
        .collect();
    match domain {
        Some(domain) => format!(
            r#"{{"ip":"{ip}","domain":"{domain}","data":{{{}}}}}"#,
            data.join(",")
        ),
        None => format!(r#"{{"ip":"{ip}","data":{{{}}}}}"#, data.join(",")),
    }
}

/// A module response (`ScanResponse`); `port` as zgrab2 since late 2025 writes it, or none as before.
fn module(status: &str, protocol: &str, port: Option<u32>, result: &str) -> String {
    let port = port.map(|p| format!(r#""port":{p},"#)).unwrap_or_default();
    let result = if result.is_empty() {
        String::new()
    } else {
        format!(r#""result":{result},"#)
    };
    format!(
        r#"{{"status":"{status}","protocol":"{protocol}",{port}{result}"timestamp":"2024-05-15T10:00:00-04:00"}}"#
    )
}

const T: &str = "t=1715781600";

/// An http response with zgrab2's header map and a request for `url`.
fn http_response(
    status: u16,
    headers: &str,
    body: &str,
    url: (&str, &str, &str),
    tls_log: &str,
) -> String {
    let (scheme, host, path) = url;
    let tls_log = if tls_log.is_empty() {
        String::new()
    } else {
        format!(r#","tls_log":{tls_log}"#)
    };
    // zgrab2 leaves out an empty body (omitempty).
    let body = if body.is_empty() {
        String::new()
    } else {
        format!(r#""body":"{body}","body_sha256":"AAAA","#)
    };
    format!(
        r#"{{"status_line":"{status} X","status_code":{status},"protocol":"HTTP/1.1","protocol_major":1,"protocol_minor":1,"headers":{headers},{body}"content_length":-1,"request":{{"url":{{"scheme":"{scheme}","host":"{host}","path":"{path}"}},"method":"GET","headers":{{"accept":["*/*"],"user_agent":["Mozilla/5.0 zgrab/0.x"]}},"host":"{host}"{tls_log}}}}}"#
    )
}

fn handshake(leaf: &str, chain: &[&str]) -> String {
    let chain: Vec<String> = chain
        .iter()
        .map(|raw| format!(r#"{{"raw":"{raw}","parsed":{{"version":3,"serial_number":"1"}}}}"#))
        .collect();
    format!(
        r#"{{"server_hello":{{"version":{{"name":"TLSv1.2","value":771}},"cipher_suite":{{"hex":"0xC02F"}}}},"server_certificates":{{"certificate":{{"raw":"{leaf}","parsed":{{"subject_dn":"CN=leaf.example"}}}},"chain":[{}],"validation":{{"browser_trusted":false}}}}}}"#,
        chain.join(",")
    )
}

#[test]
fn http_success() {
    let headers = r#"{"content_type":["text/html"],"server":["nginx/1.22.1"],"set_cookie":["a=1; Path=/","b=2"],"unknown":[{"key":"x_custom_thing","value":["yes"]}],"x_powered_by":["PHP/8.2"]}"#;
    let response = http_response(
        200,
        headers,
        "<title>Hi</title>",
        ("http", "www.example.com", "/"),
        "",
    );
    let line = target(
        "192.0.2.1",
        Some("www.example.com"),
        &[(
            "http",
            module(
                "success",
                "http",
                Some(80),
                &format!(r#"{{"response":{response}}}"#),
            ),
        )],
    );
    let (ports, rejects, stats) = check(&format!("{line}\n"));
    assert_eq!(
        ports,
        lines(&[&format!(
            "192.0.2.1 tcp/80 open {T} names=www.example.com service=http http(url=http://www.example.com/ status=200 \
             headers=[Content-Type: text/html; Server: nginx/1.22.1; Set-Cookie: a=1; Path=/; Set-Cookie: b=2; \
             X-Custom-Thing: yes; X-Powered-By: PHP/8.2] body=\"<title>Hi</title>\")"
        )])
    );
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(
        stats,
        Zgrab2Stats {
            lines: 1,
            targets: 1,
            modules: 1,
            succeeded: 1,
            ports: 1,
            ..Zgrab2Stats::default()
        }
    );
}

#[test]
fn https_with_raw_head_certificates_and_redirects() {
    let certificates = pem_certificates("chain.pem");
    let raw_head = base64::engine::general_purpose::STANDARD
        .encode("HTTP/1.1 301 Moved Permanently\r\nLocation: /login\r\nset-cookie: s=1\r\nServer: Caddy\r\n\r\n");
    let first = http_response(
        301,
        r#"{"location":["/login"],"server":["Caddy"]}"#,
        "",
        ("https", "192.0.2.1:8443", "/"),
        &format!(
            r#"{{"handshake_log":{},"handshake_completed_successfully":true}}"#,
            handshake(&certificates[0], &[&certificates[1]])
        ),
    )
    .replacen(
        r#""headers":"#,
        &format!(r#""headers_raw":"{raw_head}","headers":"#),
        1,
    );
    let second = http_response(
        302,
        r#"{"location":["https://www.example.com/"]}"#,
        "",
        ("https", "192.0.2.1:8443", "/login"),
        "",
    );
    let last = http_response(
        200,
        r#"{"server":["other"]}"#,
        "elsewhere",
        ("https", "www.example.com", "/"),
        "",
    );
    let result = format!(r#"{{"response":{last},"redirect_response_chain":[{first},{second}]}}"#);
    let line = target(
        "192.0.2.1",
        None,
        &[("https", module("success", "http", None, &result))],
    );
    let (ports, rejects, _) = check(&format!("{line}\n"));
    assert_eq!(
        ports,
        lines(&[&format!(
            "192.0.2.1 tcp/8443 open {T} service=http/ssl \
             banner[http_raw]=\"HTTP/1.1 301 Moved Permanently\\r\\nLocation: /login\\r\\nset-cookie: s=1\\r\\nServer: Caddy\\r\\n\\r\\n\" \
             http(url=https://192.0.2.1:8443/ status=301 headers=[Location: /login; set-cookie: s=1; Server: Caddy] \
             redirects=[https://192.0.2.1:8443/login]) \
             http(url=https://192.0.2.1:8443/login status=302 headers=[Location: https://www.example.com/] \
             redirects=[https://www.example.com/]) certs=[{},{}]",
            der_len(&certificates[0]),
            der_len(&certificates[1])
        )])
    );
    assert!(rejects.is_empty(), "{rejects:?}");
}

#[test]
fn unfollowed_redirect_and_ipv6_default_port() {
    let response = http_response(
        301,
        r#"{"location":["https://[2001:db8::1]/"]}"#,
        "",
        ("http", "[2001:db8::1]", "/"),
        "",
    );
    let line = target(
        "2001:db8::1",
        None,
        &[(
            "http",
            module(
                "success",
                "http",
                None,
                &format!(r#"{{"response":{response}}}"#),
            ),
        )],
    );
    let (ports, _, _) = check(&format!("{line}\n"));
    assert_eq!(
        ports,
        lines(&[&format!(
            "2001:db8::1 tcp/80 open {T} service=http http(url=http://[2001:db8::1]/ status=301 \
             headers=[Location: https://[2001:db8::1]/] redirects=[https://[2001:db8::1]/])"
        )])
    );
}

#[test]
fn tls_ssh_and_greetings() {
    let certificates = pem_certificates("chain.pem");
    let tls = format!(
        r#"{{"handshake_log":{}}}"#,
        handshake(&certificates[0], &[&certificates[1], "!!", "MAUB"])
    );
    let ssh = r#"{"banner":"","server_id":{"raw":"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3","version":"2.0","software":"OpenSSH_9.2p1","comment":"Debian-2+deb12u3"},"server_key_exchange":{"kex_algorithms":["curve25519-sha256"]},"algorithm_selection":{"dh_kex_algorithm":"curve25519-sha256"},"key_exchange":{"curve25519_sha256_params":{"server_public":"AAAA"},"server_signature":{"raw":"AAAA"},"server_host_key":{"ed25519_public_key":{"public_bytes":"AAAA"},"raw":"AAAAC3NzaC1lZDI1NTE5AAAAIA==","algorithm":"ssh-ed25519","fingerprint_sha256":"9f2b5c0e"}}}"#;
    let rsa = r#"{"server_id":{"raw":"SSH-2.0-dropbear"},"key_exchange":{"server_host_key":{"rsa_public_key":{"exponent":65537,"modulus":"AAAA","length":3072},"raw":"AAAA","algorithm":"ssh-rsa","fingerprint_sha256":"aa"}}}"#;
    let ftp = r#"{"banner":"220 ProFTPD Server ready.\r\n"}"#;
    let smtps = format!(
        r#"{{"banner":"220 mail.example.com ESMTP Postfix\r\n","implicit_tls":true,"tls":{{"handshake_log":{}}}}}"#,
        handshake(&certificates[0], &[])
    );
    let line = target(
        "192.0.2.1",
        None,
        &[
            ("ftp", module("success", "ftp", Some(21), ftp)),
            ("smtps", module("success", "smtp", Some(465), &smtps)),
            ("ssh", module("success", "ssh", Some(22), ssh)),
            ("ssh2222", module("success", "ssh", Some(2222), rsa)),
            ("tls", module("success", "tls", Some(443), &tls)),
            (
                "mysql",
                module("success", "mysql", None, r#"{"protocol_version":10}"#),
            ),
        ],
    );
    let (ports, rejects, stats) = check(&format!("{line}\n"));
    let (leaf, ca) = (der_len(&certificates[0]), der_len(&certificates[1]));
    assert_eq!(
        ports,
        lines(&[
            &format!(
                r#"192.0.2.1 tcp/21 open {T} service=ftp banner[ftp]="220 ProFTPD Server ready.\r\n""#
            ),
            &format!(
                r#"192.0.2.1 tcp/465 open {T} service=smtp/ssl banner[smtp]="220 mail.example.com ESMTP Postfix\r\n" certs=[{leaf}]"#
            ),
            &format!(
                r#"192.0.2.1 tcp/22 open {T} service=ssh banner[ssh]="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3" sshkey=ssh-ed25519:9f2b5c0e/256"#
            ),
            &format!(
                r#"192.0.2.1 tcp/2222 open {T} service=ssh banner[ssh]="SSH-2.0-dropbear" sshkey=ssh-rsa:aa/3072"#
            ),
            &format!("192.0.2.1 tcp/443 open {T} service=tls certs=[{leaf},{ca}]"),
            &format!("192.0.2.1 tcp/3306 open {T} service=mysql"),
        ])
    );
    assert_eq!(
        rejects,
        lines(&[
            "zgrab2: bad certificate @ line 1, data.tls.result.handshake_log.server_certificates.chain[1].raw: \
             certificate is not base64: Invalid symbol 33, offset 0.",
            "zgrab2: bad certificate @ line 1, data.tls.result.handshake_log.server_certificates.chain[2].raw: \
             certificate is cut short: 3 of 7 bytes",
        ])
    );
    assert_eq!(
        (stats.succeeded, stats.rejected_modules, stats.rejects),
        (6, 0, 2)
    );
}

#[test]
fn statuses() {
    let failed = |status: &str, protocol: &str| module(status, protocol, None, "");
    let line = target(
        "192.0.2.1",
        None,
        &[
            ("http", failed("connection-timeout", "http")),
            ("tls", failed("io-timeout", "tls")),
            ("ssh", failed("protocol-error", "ssh")),
            ("ftp", failed("connection-refused", "ftp")),
            ("ntp", failed("io-timeout", "ntp")),
            ("smtp", failed("weird", "smtp")),
            ("pop3", r#"{"protocol":"pop3"}"#.to_owned()),
        ],
    );
    let (ports, rejects, stats) = check(&format!("{line}\n"));
    assert_eq!(
        ports,
        lines(&[
            &format!("192.0.2.1 tcp/443 open {T}"),
            &format!("192.0.2.1 tcp/22 open {T}")
        ])
    );
    assert_eq!(
        rejects,
        lines(&[
            r#"zgrab2: unknown status @ line 1, data.smtp.status: status "weird" is not one zgrab2 writes"#,
            "zgrab2: bad record @ line 1, data.pop3.status: missing",
        ])
    );
    assert_eq!(
        (
            stats.modules,
            stats.succeeded,
            stats.failed_reached,
            stats.failed_unreached,
            stats.rejected_modules
        ),
        (7, 0, 2, 3, 2)
    );
}

#[test]
fn ports_from_wherever_the_output_has_them() {
    let response = |host: &str| {
        format!(
            r#"{{"response":{}}}"#,
            http_response(200, "{}", "", ("http", host, "/"), "")
        )
    };
    let input = [
        // The module's port beats everything.
        target(
            "192.0.2.1",
            None,
            &[(
                "http",
                module("success", "http", Some(8000), &response("192.0.2.1:9000")),
            )],
        ),
        // The target's port (from the input line) next.
        r#"{"ip":"192.0.2.2","port":8001,"data":{"http":MODULE}}"#.replace(
            "MODULE",
            &module("success", "http", None, &response("192.0.2.2:9000")),
        ),
        // Then the request's URL.
        target(
            "192.0.2.3",
            None,
            &[(
                "http",
                module("success", "http", None, &response("192.0.2.3:9000")),
            )],
        ),
        // Then the options, by module name.
        target(
            "192.0.2.4",
            None,
            &[("web", module("io-timeout", "http", None, ""))],
        ),
        // Then the protocol's default.
        target(
            "192.0.2.5",
            None,
            &[("web2", module("success", "redis", None, "{}"))],
        ),
        // Nothing known.
        target(
            "192.0.2.6",
            None,
            &[("odd", module("success", "custom", None, "{}"))],
        ),
        target(
            "192.0.2.7",
            None,
            &[("http", module("success", "http", Some(0), "{}"))],
        ),
    ]
    .join("\n");
    let options = Zgrab2Options::default()
        .with_port("web", 8080)
        .with_port("http", 8081);
    let (ports, rejects, _) = check_with(&format!("{input}\n"), &options);
    let ports: Vec<String> = ports
        .iter()
        .map(|p| p.split(" open").next().unwrap().to_owned())
        .collect();
    assert_eq!(
        ports,
        lines(&[
            "192.0.2.1 tcp/8000",
            "192.0.2.2 tcp/8001",
            "192.0.2.3 tcp/9000",
            "192.0.2.4 tcp/8080",
            "192.0.2.5 tcp/6379",
            "192.0.2.7 tcp/8081",
        ])
    );
    assert_eq!(
        rejects,
        lines(&[
            r#"zgrab2: unknown port @ line 6, data.odd: the output has no port for module "odd" (protocol "custom") and none is known: give one in the options"#
        ])
    );
}

#[test]
fn broken_lines() {
    let ok = module("success", "banner", Some(7), r#"{"banner":"hi"}"#);
    let mut input = [
        r#"{"ip":"192.0.2.1","data":"#.to_owned(),
        r#"[1,2]"#.to_owned(),
        target("192.0.2.999", None, &[("banner", ok.clone())]),
        r#"{"data":{"banner":MODULE}}"#.replace("MODULE", &ok),
        r#"{"domain":"nx.example","error":"could not resolve domain nx.example: no such host"}"#
            .to_owned(),
        r#"{"ip":"192.0.2.1","data":[]}"#.to_owned(),
        target(
            "192.0.2.1",
            None,
            &[("banner", module("success", "banner", Some(70000), "{}"))],
        ),
        target(
            "192.0.2.1",
            None,
            &[(
                "banner",
                ok.replace("2024-05-15T10:00:00-04:00", "yesterday"),
            )],
        ),
        target(
            "192.0.2.1",
            None,
            &[(
                "http",
                module(
                    "success",
                    "http",
                    Some(80),
                    r#"{"response":{"status_code":"abc"}}"#,
                ),
            )],
        ),
        target(
            "192.0.2.1",
            None,
            &[(
                "http",
                module(
                    "success",
                    "http",
                    Some(80),
                    r#"{"response":{"status_code":99999}}"#,
                ),
            )],
        ),
        target(
            "192.0.2.1",
            None,
            &[(
                "http",
                module(
                    "success",
                    "http",
                    Some(80),
                    r#"{"response":{"headers":{"server":[5]}}}"#,
                ),
            )],
        ),
        target(
            "192.0.2.1",
            None,
            &[(
                "http",
                module(
                    "success",
                    "http",
                    Some(80),
                    r#"{"response":{"request":{"url":{"scheme":"http","host":"a:99999"}}}}"#,
                ),
            )],
        ),
        target(
            "192.0.2.1",
            None,
            &[
                ("ssh", module("success", "ssh", Some(22), r#"[]"#)),
                ("banner", ok.clone()),
            ],
        ),
        String::new(),
    ]
    .join("\n")
    .into_bytes();
    input.extend_from_slice(b"{\"ip\":\"192.0.2.1\xff\"}\n");
    input.extend_from_slice(target("192.0.2.1", None, &[("banner", ok)]).as_bytes());
    input.truncate(input.len() - 5);
    let mut sink = CollectedScan::default();
    let stats = read_zgrab2(&input[..], "t", &Zgrab2Options::default(), &mut sink).unwrap();
    assert_eq!(
        (stats.ports, stats.rejects),
        (sink.ports.len() as u64, sink.rejects.len() as u64)
    );
    let (ports, rejects) = rendered(&sink);
    assert_eq!(
        ports,
        lines(&[&format!(r#"192.0.2.1 tcp/7 open {T} banner[banner]="hi""#)])
    );
    assert_eq!(
        rejects,
        lines(&[
            "zgrab2: bad json @ line 1: EOF while parsing a value at line 1 column 25",
            "zgrab2: bad json @ line 2: invalid length 2, expected struct Grab with 5 elements at line 1 column 5",
            r#"zgrab2: bad address @ line 3, ip: "192.0.2.999" is not an IP address"#,
            "zgrab2: bad record @ line 4, ip: missing",
            "zgrab2: bad record @ line 6, data: expected an object, found an array",
            "zgrab2: bad port @ line 7, data.banner.port: port 70000 is not a number in 1..=65535",
            r#"zgrab2: bad timestamp @ line 8, data.banner.timestamp: timestamp "yesterday" is not an RFC 3339 time"#,
            r#"zgrab2: bad record @ line 9, data.http.result.response.status_code: expected an HTTP status code, found "abc""#,
            "zgrab2: bad record @ line 10, data.http.result.response.status_code: expected an HTTP status code, found 99999",
            "zgrab2: bad record @ line 11, data.http.result.response.headers.server[0]: expected a string, found a number",
            "zgrab2: bad port @ line 12, data.http.result.response.request.url.host: port 99999 is not a number in 1..=65535",
            "zgrab2: bad record @ line 13, data.ssh.result: expected an object, found an array",
            "zgrab2: invalid UTF-8 @ line 14, byte 17: line is not valid UTF-8 from byte 17",
            "zgrab2: truncated @ line 15: last line is cut short: EOF while parsing a string at line 1 column 146",
        ])
    );
    assert_eq!(stats.rejects, 14);
    assert_eq!((stats.lines, stats.skipped, stats.targets), (15, 1, 11));
}

#[test]
fn huge_body_is_cut_not_rejected() {
    let body = "é".repeat(MAX_BODY_BYTES);
    let response = http_response(200, "{}", &body, ("http", "192.0.2.1", "/"), "");
    let line = target(
        "192.0.2.1",
        None,
        &[(
            "http",
            module(
                "success",
                "http",
                None,
                &format!(r#"{{"response":{response}}}"#),
            ),
        )],
    );
    let mut sink = CollectedScan::default();
    let stats = read_zgrab2(line.as_bytes(), "t", &Zgrab2Options::default(), &mut sink).unwrap();
    assert_eq!((stats.ports, stats.rejects), (1, 0));
    let kept = sink.ports[0].http[0].body.as_deref().unwrap();
    assert_eq!(kept.len(), MAX_BODY_BYTES);
    assert!(kept.chars().all(|c| c == 'é'));
}
