//! Tests of component detection: every builtin rule's own examples and counterexamples, then hand-written cases
//! for what no single rule shows (deduplication, exclusion, evidence kinds, rule file errors).

use super::*;
use crate::scan::{Banner, PortState, Transport};

/// A test vector of a rule, as written in the rule file (`examples` and `not`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    /// `Name: value` header lines of one HTTP response.
    #[serde(default)]
    headers: Vec<String>,
    /// Cookie names seen without their header.
    #[serde(default)]
    cookies: Vec<String>,
    body: Option<String>,
    /// A script URL: the body becomes `<script src="…"></script>`.
    script: Option<String>,
    title: Option<String>,
    generator: Option<String>,
    banner: Option<String>,
    /// The banner's scan protocol (default `banner`).
    protocol: Option<String>,
    cpe: Option<String>,
    product: Option<String>,
    service_version: Option<String>,
    extra_info: Option<String>,
    /// The version expected (`None`: none).
    version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TestRule {
    id: String,
    name: String,
    category: String,
    #[serde(default)]
    examples: Vec<Example>,
    #[serde(default, rename = "not")]
    counterexamples: Vec<Example>,
}

#[derive(Debug, Deserialize)]
struct TestFile {
    rules: Vec<TestRule>,
}

impl Example {
    fn port(&self) -> PortReport {
        let mut port = PortReport::new("192.0.2.1", 443, Transport::Tcp, PortState::Open, 0);
        if self.product.is_some()
            || self.service_version.is_some()
            || self.extra_info.is_some()
            || self.cpe.is_some()
        {
            port.service = Some(Service {
                name: "unknown".to_owned(),
                product: self.product.clone(),
                version: self.service_version.clone(),
                extra_info: self.extra_info.clone(),
                cpes: self.cpe.iter().cloned().collect(),
                tunnel: None,
            });
        }
        if let Some(text) = &self.banner {
            let scan_protocol = self.protocol.clone().unwrap_or_else(|| "banner".to_owned());
            port.banners.push(Banner {
                scan_protocol,
                text: text.clone(),
            });
        }
        let script = self
            .script
            .as_ref()
            .map(|src| format!("<script src=\"{src}\"></script>"));
        let body = match (&self.body, script) {
            (Some(body), Some(script)) => Some(format!("{body}{script}")),
            (body, script) => body.clone().or(script),
        };
        let response = HttpResponse {
            headers: self
                .headers
                .iter()
                .map(|line| {
                    let (name, value) = line
                        .split_once(':')
                        .expect("example headers are `Name: value`");
                    (name.to_owned(), value.trim().to_owned())
                })
                .collect(),
            cookie_names: self.cookies.clone(),
            body,
            title: self.title.clone(),
            generator: self.generator.clone(),
            ..HttpResponse::default()
        };
        if response != HttpResponse::default() {
            port.http.push(response);
        }
        port
    }
}

fn builtin_vectors() -> TestFile {
    serde_json::from_str(BUILTIN).expect("the builtin rule file parses as test vectors")
}

fn rule_index(rules: &ComponentRules, id: &str) -> usize {
    rules
        .rules
        .iter()
        .position(|rule| rule.id == id)
        .expect("rule exists")
}

#[test]
fn builtin_rules_load() {
    let rules = ComponentRules::parse(BUILTIN).unwrap_or_else(|err| panic!("{err}"));
    assert!(rules.len() >= 150, "{} rules", rules.len());
    assert!(!ComponentRules::builtin().is_empty());
}

#[test]
fn every_rule_fires_on_its_examples() {
    let rules = ComponentRules::builtin();
    let mut failures = Vec::new();
    for vectors in builtin_vectors().rules {
        let index = rule_index(rules, &vectors.id);
        if vectors.examples.is_empty() {
            failures.push(format!("{}: no examples", vectors.id));
        }
        for example in &vectors.examples {
            let port = example.port();
            let hits = rules.hits(&port);
            let own: Vec<&Option<String>> = hits
                .iter()
                .filter(|hit| hit.rule == index)
                .map(|hit| &hit.version)
                .collect();
            if !own.contains(&&example.version) {
                failures.push(format!("{}: {example:?} gave {own:?}", vectors.id));
                continue;
            }
            let detected = rules.detect(&port);
            let expected = (
                vectors.name.as_str(),
                example.version.as_deref(),
                vectors.category.as_str(),
            );
            if !detected
                .iter()
                .any(|d| (d.name.as_str(), d.version.as_deref(), d.category.as_str()) == expected)
            {
                failures.push(format!("{}: {example:?} detected {detected:?}", vectors.id));
            }
        }
        for counterexample in &vectors.counterexamples {
            let hits = rules.hits(&counterexample.port());
            if hits.iter().any(|hit| hit.rule == index) {
                failures.push(format!(
                    "{}: fired on counterexample {counterexample:?}",
                    vectors.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Categories in the MDTI style; a new one is added here on purpose, not by a typo in the data.
const CATEGORIES: &[&str] = &[
    "Server",
    "Reverse Proxy",
    "Load Balancer",
    "Cache",
    "Framework",
    "Programming Language",
    "CMS",
    "E-commerce",
    "Wiki",
    "Forum",
    "Webmail",
    "CDN",
    "Web Application Firewall",
    "PaaS",
    "JavaScript Library",
    "Font Script",
    "Analytics",
    "Tag Manager",
    "Advertising",
    "Live Chat",
    "Marketing Automation",
    "Security",
    "Payment",
    "Remote Access",
    "FTP Server",
    "Mail Server",
    "Database",
    "Search Engine",
    "Message Queue",
    "DNS Server",
    "Proxy Server",
    "File Sharing",
    "Operating System",
    "Control Panel",
    "Monitoring",
    "DevOps",
    "Network Device",
    "VPN",
    "Virtualization",
    "Issue Tracker",
    "LMS",
];

#[test]
fn names_keep_one_category_from_the_known_list() {
    let rules = ComponentRules::builtin();
    let mut category_of: BTreeMap<&str, &str> = BTreeMap::new();
    for rule in &rules.rules {
        assert!(
            CATEGORIES.contains(&rule.category.as_str()),
            "{}: category {:?}",
            rule.id,
            rule.category
        );
        let first = *category_of.entry(&rule.name).or_insert(&rule.category);
        assert_eq!(
            first, rule.category,
            "{}: {} is also in {first}",
            rule.id, rule.name
        );
    }
}

fn http(headers: &[(&str, &str)], body: Option<&str>) -> PortReport {
    let mut port = PortReport::new("192.0.2.1", 80, Transport::Tcp, PortState::Open, 0);
    port.http.push(HttpResponse {
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.map(str::to_owned),
        ..HttpResponse::default()
    });
    port
}

fn names(detections: &[Detection]) -> Vec<(&str, Option<&str>)> {
    detections
        .iter()
        .map(|d| (d.name.as_str(), d.version.as_deref()))
        .collect()
}

#[test]
fn a_word_in_the_body_is_not_a_server() {
    let rules = ComponentRules::builtin();
    let port = http(
        &[],
        Some(
            "<p>We moved from Apache to nginx 1.22 and IIS; Server: nginx/1.2.3; OpenSSH_9.2p1 too.</p>",
        ),
    );
    assert_eq!(names(&rules.detect(&port)), []);
}

#[test]
fn apache_is_not_tomcat_and_tomcat_is_not_apache() {
    let rules = ComponentRules::builtin();
    let apache = rules.detect(&http(&[("Server", "Apache")], None));
    assert_eq!(names(&apache), [("Apache HTTP Server", None)]);
    let coyote = rules.detect(&http(&[("Server", "Apache-Coyote/1.1")], None));
    assert_eq!(names(&coyote), [("Apache Tomcat", None)]);
}

#[test]
fn one_server_header_names_several_components() {
    let rules = ComponentRules::builtin();
    let port = http(
        &[(
            "server",
            "Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/5.4.16 mod_perl/2.0.11 Perl/v5.16.3",
        )],
        None,
    );
    let found = rules.detect(&port);
    for expected in [
        ("Apache HTTP Server", Some("2.4.6")),
        ("CentOS", None),
        ("OpenSSL", Some("1.0.2k-fips")),
        ("PHP", Some("5.4.16")),
        ("Perl", Some("5.16.3")),
    ] {
        assert!(
            names(&found).contains(&expected),
            "{expected:?} not in {found:?}"
        );
    }
}

#[test]
fn versions_come_from_groups_service_and_cpe() {
    let rules = ComponentRules::builtin();
    let mut port = PortReport::new("192.0.2.1", 22, Transport::Tcp, PortState::Open, 0);
    port.service = Some(Service {
        name: "ssh".to_owned(),
        product: Some("OpenSSH".to_owned()),
        version: Some("9.2p1 Debian 2+deb12u3".to_owned()),
        extra_info: Some("protocol 2.0".to_owned()),
        cpes: vec![
            "cpe:/a:openbsd:openssh:9.2p1".to_owned(),
            "cpe:/o:linux:linux_kernel".to_owned(),
        ],
        tunnel: None,
    });
    port.banners.push(Banner {
        scan_protocol: "ssh".to_owned(),
        text: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3".to_owned(),
    });
    let found = rules.detect(&port);
    assert_eq!(
        names(&found),
        [
            ("OpenSSH", Some("9.2p1")),
            ("Debian", Some("12")),
            ("Linux", None)
        ],
        "{found:?}"
    );
}

#[test]
fn a_version_wins_over_none_and_a_longer_one_over_its_prefix() {
    let rules = ComponentRules::builtin();
    let port = http(
        &[
            ("Server", "nginx"),
            ("Server", "nginx/1.22"),
            ("Server", "nginx/1.22.1"),
            ("Server", "nginx/1.2"),
        ],
        None,
    );
    let found = rules.detect(&port);
    assert_eq!(
        names(&found),
        [("nginx", Some("1.22.1")), ("nginx", Some("1.2"))]
    );
    assert!(refines(Some("9.2p1"), Some("9.2")));
    assert!(refines(Some("2.4.41"), Some("2.4")));
    assert!(!refines(Some("1.22"), Some("1.2")));
    assert!(!refines(Some("1.2"), Some("1.2")));
    assert!(!refines(None, Some("1.2")));
    assert!(refines(Some("1"), None));
}

#[test]
fn excluded_rules_drop_out() {
    let rules = ComponentRules::builtin();
    let mut port = PortReport::new("192.0.2.1", 3306, Transport::Tcp, PortState::Open, 0);
    port.service = Some(Service {
        name: "mysql".to_owned(),
        product: Some("MySQL".to_owned()),
        version: Some("5.5.5-10.5.19-MariaDB-0+deb11u2".to_owned()),
        ..Service::default()
    });
    assert_eq!(
        names(&rules.detect(&port)),
        [("MariaDB", Some("10.5.19")), ("Debian", Some("11"))]
    );
    port.service.as_mut().unwrap().version = Some("8.0.36".to_owned());
    assert_eq!(names(&rules.detect(&port)), [("MySQL", Some("8.0.36"))]);
}

#[test]
fn http_banners_are_read_as_headers() {
    let rules = ComponentRules::builtin();
    let mut port = PortReport::new("192.0.2.1", 80, Transport::Tcp, PortState::Open, 0);
    port.banners.push(Banner {
        scan_protocol: "http".to_owned(),
        text: "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nSet-Cookie: ASP.NET_SessionId=x; path=/\r\n\r\nServer: nginx"
            .to_owned(),
    });
    let found = rules.detect(&port);
    assert_eq!(
        names(&found),
        [("Microsoft IIS", Some("10.0")), ("Microsoft ASP.NET", None)],
        "{found:?}"
    );
}

#[test]
fn page_evidence_scripts_generator_title_cookies() {
    let rules = ComponentRules::builtin();
    let body = r#"<html><head><TITLE>
        Grafana</TITLE><meta content="WordPress 6.4.2" name=Generator>
        <script>var x = '<script src="/vue@2.6.0/dist/vue.js">';</script>
        <script src="https://code.jquery.com/jquery-3.7.1.min.js"></script></head></html>"#;
    let port = http(&[("Set-Cookie", "PHPSESSID=1; path=/")], Some(body));
    let found = rules.detect(&port);
    let found = names(&found);
    for expected in [
        ("Grafana", None),
        ("WordPress", Some("6.4.2")),
        ("jQuery", Some("3.7.1")),
        ("PHP", None),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    assert!(
        !found.iter().any(|(name, _)| *name == "Vue.js"),
        "a script src inside JavaScript: {found:?}"
    );
}

#[test]
fn cpe_forms() {
    let cases = [
        (
            "cpe:/a:nginx:nginx:1.18.0",
            Some(("a", "nginx", Some("nginx"), Some("1.18.0"))),
        ),
        (
            "CPE:/A:Nginx:Nginx",
            Some(("a", "nginx", Some("nginx"), None)),
        ),
        (
            "cpe:/o:microsoft:windows_server_2012:r2",
            Some(("o", "microsoft", Some("windows_server_2012"), Some("r2"))),
        ),
        (
            "cpe:/a:vendor%7e:prod",
            Some(("a", "vendor~", Some("prod"), None)),
        ),
        (
            "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*",
            Some(("a", "openbsd", Some("openssh"), Some("9.2"))),
        ),
        (
            "cpe:2.3:a:x\\:y:z\\.w:*:*",
            Some(("a", "x:y", Some("z.w"), None)),
        ),
        ("cpe:2.3:o:-:-", None),
        ("cpe:/a", None),
        ("nginx", None),
        ("", None),
    ];
    for (text, expected) in cases {
        let parsed = Cpe::parse(text);
        let parsed = parsed.as_ref().map(|c| {
            (
                c.part.as_str(),
                c.vendor.as_str(),
                c.product.as_deref(),
                c.version.as_deref(),
            )
        });
        assert_eq!(parsed, expected, "{text}");
    }
    let windows = cpe_matcher(0, "cpe:/o:microsoft:windows*").unwrap();
    let server = Cpe::parse("cpe:/o:microsoft:windows_server_2012:r2").unwrap();
    assert_eq!(windows.matches(&server), Some(None));
    let exact = cpe_matcher(0, "cpe:2.3:a:nginx:nginx").unwrap();
    assert_eq!(
        exact.matches(&Cpe::parse("cpe:/a:nginx:nginx:1.2").unwrap()),
        Some(Some("1.2".to_owned()))
    );
    assert_eq!(
        exact.matches(&Cpe::parse("cpe:/a:nginx:nginx_plus:1.2").unwrap()),
        None
    );
    assert!(cpe_matcher(0, "cpe:/a:nginx:nginx:1.2").is_none());
    assert!(cpe_matcher(0, "cpe:/a:nginx*").is_none());
}

#[test]
fn versions_are_cleaned() {
    assert_eq!(clean_version(" 1.2. ").as_deref(), Some("1.2"));
    assert_eq!(clean_version("9.2p1").as_deref(), Some("9.2p1"));
    assert_eq!(clean_version("-"), None);
    assert_eq!(clean_version(&"1".repeat(65)), None);
}

#[test]
fn nothing_to_detect() {
    let rules = ComponentRules::builtin();
    let port = PortReport::new("192.0.2.1", 80, Transport::Tcp, PortState::Open, 0);
    assert_eq!(rules.detect(&port), []);
    assert_eq!(rules.detect(&http(&[("Date", "x")], Some(""))), []);
}

fn parse_error(text: &str) -> String {
    ComponentRules::parse(text)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn rule_file_errors_name_rule_and_field() {
    let rule = |fields: &str| {
        format!(r#"{{"rules": [{{"id": "r1", "name": "N", "category": "Server", {fields}}}]}}"#)
    };
    let cases = [
        (
            rule(r#""headers": {"server": "nginx("}"#),
            r#"rule "r1", field headers.server"#,
        ),
        (
            rule(r#""body": ["ok", "(?<vers>x)"]"#),
            r#"rule "r1", field body[1]: named group "vers""#,
        ),
        (rule(r#""cpe": ["nginx"]"#), r#"rule "r1", field cpe[0]"#),
        (
            rule(r#""cpe": ["cpe:/a:nginx:nginx:1.2"]"#),
            r#"rule "r1", field cpe[0]"#,
        ),
        (
            rule(r#""excludes": ["r2"], "body": ["x"]"#),
            r#"rule "r1", field excludes"#,
        ),
        (
            rule(r#""excludes": ["r1"], "body": ["x"]"#),
            r#"rule "r1", field excludes"#,
        ),
        (
            rule(r#""banner_protocols": ["ssh"], "body": ["x"]"#),
            r#"rule "r1", field banner_protocols"#,
        ),
        (rule(r#""cookies": [""]"#), r#"rule "r1", field cookies"#),
        (
            rule(r#""headers": {"bad name": "x"}"#),
            r#"rule "r1", field headers"#,
        ),
        (
            rule(r#""examples": []"#),
            r#"rule "r1", field rule: has no matchers"#,
        ),
        (rule(r#""bodies": ["x"]"#), "unknown field `bodies`"),
        (
            r#"{"rules": [{"id": "r1", "name": " N", "category": "Server", "body": ["x"]}]}"#
                .to_owned(),
            "field name",
        ),
        (
            r#"{"rules": [{"id": "R1", "name": "N", "category": "Server", "body": ["x"]}]}"#
                .to_owned(),
            "field id",
        ),
        (
            r#"{"rules": [{"id": "r1", "name": "N", "category": "C", "body": ["x"]},
                          {"id": "r1", "name": "M", "category": "C", "body": ["y"]}]}"#
                .to_owned(),
            r#"rule id "r1" is used by more than one rule"#,
        ),
        ("[]".to_owned(), "rule file"),
    ];
    for (text, expected) in cases {
        let error = parse_error(&text);
        assert!(error.contains(expected), "{text}\n{error}");
    }
    let ok = ComponentRules::parse(&rule(
        r#""body": ["x"], "examples": [{"body": "x"}], "not": []"#,
    ))
    .unwrap();
    assert_eq!(ok.len(), 1);
}
