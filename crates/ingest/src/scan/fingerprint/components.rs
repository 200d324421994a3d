//! Component detection (`hostComponent`): which software a port runs, from rules kept as data.
//!
//! The builtin rules are `crates/ingest/data/components.json`; its `about` field documents the format. Every
//! rule names a component and its category and has one or more matchers; any matcher that matches is a detection.
//! Regex matchers read the version from a group named `version`; a `product` match without one takes the first
//! word of the scanner's service version, and a CPE match the CPE's version field. All patterns of one kind are
//! compiled into one `RegexSet`, so each text is scanned once whatever the number of rules.

use super::cookie::set_cookie;
use super::html::{decode_entities, tags};
use super::patterns::{PatternSet, PatternSetBuilder, RuleError, RuleFile, compile};
use crate::scan::{HttpResponse, PortReport, Service};
use regex::bytes::Regex;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The builtin rule file.
const BUILTIN: &str = include_str!("../../../data/components.json");

/// Longest version kept; longer captures are noise, not versions.
const MAX_VERSION_LEN: usize = 64;

/// A component found on a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Detection {
    /// Component name (`nginx`, `Microsoft IIS`).
    pub name: String,
    /// Version, when the evidence carries one (`1.22.1`, `9.2p1`).
    pub version: Option<String>,
    /// Category (`Server`, `CMS`, `Operating System`).
    pub category: String,
    /// Id of the rule that found it, to explain the detection.
    pub rule: String,
}

/// A compiled rule set; see the module docs.
#[derive(Debug)]
pub struct ComponentRules {
    rules: Vec<Rule>,
    /// Header patterns by lower-case header name.
    headers: foldhash::HashMap<String, PatternSet<usize>>,
    /// Exact cookie names, lower-case.
    cookies: foldhash::HashMap<String, Vec<usize>>,
    cookie_patterns: PatternSet<usize>,
    body: PatternSet<usize>,
    scripts: PatternSet<usize>,
    generator: PatternSet<usize>,
    title: PatternSet<usize>,
    banner: PatternSet<usize>,
    product: PatternSet<usize>,
    service_version: PatternSet<usize>,
    extra_info: PatternSet<usize>,
    cpes: Vec<CpeMatcher>,
    /// Whether any rule excludes others (else that step is skipped).
    any_excludes: bool,
}

#[derive(Debug)]
struct Rule {
    id: String,
    name: String,
    category: String,
    /// Banner scan protocols the banner patterns apply to; empty for all.
    banner_protocols: Vec<String>,
    /// Rules whose detections this rule's detections remove.
    excludes: Vec<usize>,
}

/// A rule's CPE: part, vendor and product, the product exact or (written with a trailing `*`) a prefix.
#[derive(Debug)]
struct CpeMatcher {
    rule: usize,
    part: String,
    vendor: String,
    product: Option<String>,
    product_is_prefix: bool,
}

/// One rule as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    name: String,
    category: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    cookies: Vec<String>,
    #[serde(default)]
    cookie_patterns: Vec<String>,
    #[serde(default)]
    body: Vec<String>,
    #[serde(default)]
    scripts: Vec<String>,
    #[serde(default)]
    generator: Vec<String>,
    #[serde(default)]
    title: Vec<String>,
    #[serde(default)]
    banner: Vec<String>,
    #[serde(default)]
    banner_protocols: Vec<String>,
    #[serde(default)]
    cpe: Vec<String>,
    #[serde(default)]
    product: Vec<String>,
    #[serde(default)]
    service_version: Vec<String>,
    #[serde(default)]
    extra_info: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
    /// Test vectors: read by the tests, ignored here.
    #[serde(default, rename = "examples")]
    _examples: IgnoredAny,
    #[serde(default, rename = "not")]
    _counterexamples: IgnoredAny,
}

/// A matcher that fired: the rule and the version its evidence gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) rule: usize,
    pub(crate) version: Option<String>,
}

impl ComponentRules {
    /// The builtin rules (`crates/ingest/data/components.json`), compiled on first use.
    pub fn builtin() -> &'static ComponentRules {
        static RULES: OnceLock<ComponentRules> = OnceLock::new();
        RULES.get_or_init(|| {
            ComponentRules::parse(BUILTIN)
                .expect("the builtin component rules are valid (a test checks)")
        })
    }

    /// Compiles a rule file. Errors name the rule and field at fault.
    pub fn parse(text: &str) -> Result<ComponentRules, RuleError> {
        let file: RuleFile<RuleDef> = serde_json::from_str(text)?;
        let mut ids: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
        for (index, def) in file.rules.iter().enumerate() {
            let valid_id = !def.id.is_empty()
                && def.id.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            if !valid_id {
                return Err(RuleError::invalid(
                    &def.id,
                    "id",
                    "ids are lower-case letters, digits, '-' and '.'",
                ));
            }
            if ids.insert(&def.id, index).is_some() {
                return Err(RuleError::DuplicateId(def.id.clone()));
            }
        }

        let mut rules = Vec::with_capacity(file.rules.len());
        let mut headers: BTreeMap<String, PatternSetBuilder<usize>> = BTreeMap::new();
        let mut cookies: foldhash::HashMap<String, Vec<usize>> = foldhash::HashMap::default();
        let mut cookie_patterns = PatternSetBuilder::new("cookie_patterns");
        let mut body = PatternSetBuilder::new("body");
        let mut scripts = PatternSetBuilder::new("scripts");
        let mut generator = PatternSetBuilder::new("generator");
        let mut title = PatternSetBuilder::new("title");
        let mut banner = PatternSetBuilder::new("banner");
        let mut product = PatternSetBuilder::new("product");
        let mut service_version = PatternSetBuilder::new("service_version");
        let mut extra_info = PatternSetBuilder::new("extra_info");
        let mut cpes = Vec::new();

        for (index, def) in file.rules.iter().enumerate() {
            let id = def.id.as_str();
            for (field, value) in [("name", &def.name), ("category", &def.category)] {
                if value.trim().is_empty() || value.trim() != value {
                    return Err(RuleError::invalid(id, field, "empty, or spaces around it"));
                }
            }
            for (name, pattern) in &def.headers {
                let valid_name =
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
                if !valid_name {
                    return Err(RuleError::invalid(
                        id,
                        "headers",
                        format!("{name:?} is not a header name"),
                    ));
                }
                let regex = compile(id, &format!("headers.{name}"), pattern, "version", false)?;
                let lower = name.to_ascii_lowercase();
                headers
                    .entry(lower.clone())
                    .or_insert_with(|| PatternSetBuilder::new(&lower))
                    .push(regex, index);
            }
            for name in &def.cookies {
                if name.is_empty() {
                    return Err(RuleError::invalid(id, "cookies", "an empty cookie name"));
                }
                cookies
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(index);
            }
            let lists = [
                (
                    "cookie_patterns",
                    &def.cookie_patterns,
                    &mut cookie_patterns,
                ),
                ("body", &def.body, &mut body),
                ("scripts", &def.scripts, &mut scripts),
                ("generator", &def.generator, &mut generator),
                ("title", &def.title, &mut title),
                ("banner", &def.banner, &mut banner),
                ("product", &def.product, &mut product),
                (
                    "service_version",
                    &def.service_version,
                    &mut service_version,
                ),
                ("extra_info", &def.extra_info, &mut extra_info),
            ];
            for (field, patterns, builder) in lists {
                for (n, pattern) in patterns.iter().enumerate() {
                    builder.push(
                        compile(id, &format!("{field}[{n}]"), pattern, "version", false)?,
                        index,
                    );
                }
            }
            for (n, cpe) in def.cpe.iter().enumerate() {
                cpes.push(cpe_matcher(index, cpe).ok_or_else(|| {
                    RuleError::invalid(
                        id,
                        &format!("cpe[{n}]"),
                        format!("{cpe:?}: expected part, vendor and optionally product (`cpe:/a:nginx:nginx`)"),
                    )
                })?);
            }
            if !def.banner_protocols.is_empty() && def.banner.is_empty() {
                return Err(RuleError::invalid(
                    id,
                    "banner_protocols",
                    "given without banner patterns",
                ));
            }
            let has_matcher = !def.headers.is_empty()
                || !def.cookies.is_empty()
                || !def.cpe.is_empty()
                || [
                    &def.cookie_patterns,
                    &def.body,
                    &def.scripts,
                    &def.generator,
                    &def.title,
                    &def.banner,
                    &def.product,
                    &def.service_version,
                    &def.extra_info,
                ]
                .iter()
                .any(|list| !list.is_empty());
            if !has_matcher {
                return Err(RuleError::invalid(id, "rule", "has no matchers"));
            }
            let mut excludes = Vec::with_capacity(def.excludes.len());
            for excluded in &def.excludes {
                match ids.get(excluded.as_str()) {
                    Some(&other) if other != index => excludes.push(other),
                    _ => {
                        return Err(RuleError::invalid(
                            id,
                            "excludes",
                            format!("{excluded:?} is not the id of another rule"),
                        ));
                    }
                }
            }
            rules.push(Rule {
                id: def.id.clone(),
                name: def.name.clone(),
                category: def.category.clone(),
                banner_protocols: def
                    .banner_protocols
                    .iter()
                    .map(|p| p.to_ascii_lowercase())
                    .collect(),
                excludes,
            });
        }

        let mut compiled_headers = foldhash::HashMap::default();
        for (name, builder) in headers {
            compiled_headers.insert(name, builder.build()?);
        }
        Ok(ComponentRules {
            any_excludes: rules.iter().any(|rule| !rule.excludes.is_empty()),
            rules,
            headers: compiled_headers,
            cookies,
            cookie_patterns: cookie_patterns.build()?,
            body: body.build()?,
            scripts: scripts.build()?,
            generator: generator.build()?,
            title: title.build()?,
            banner: banner.build()?,
            product: product.build()?,
            service_version: service_version.build()?,
            extra_info: extra_info.build()?,
            cpes,
        })
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The components a port's report shows, in the order of their first evidence (service, banners, then HTTP
    /// responses). Each (name, version) comes once; a name found with a version drops its detections without
    /// one, and a version drops those it refines (`2.4.41` drops `2.4`, `9.2p1` drops `9.2`, `1.22` keeps `1.2`).
    /// Rules may exclude others (`MariaDB` excludes `MySQL`, whose product nmap also reports for MariaDB).
    pub fn detect(&self, port: &PortReport) -> Vec<Detection> {
        self.resolve(self.hits(port))
    }

    /// Whether some rule recognises the service as the scanner identified it (product, version, extra info or CPEs).
    pub fn knows_service(&self, service: &Service) -> bool {
        let mut hits = Vec::new();
        self.service_hits(service, &mut hits);
        !hits.is_empty()
    }

    /// Every matcher that fired, before exclusion and deduplication.
    pub(crate) fn hits(&self, port: &PortReport) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut scratch = String::new();
        if let Some(service) = &port.service {
            self.service_hits(service, &mut hits);
        }
        for banner in &port.banners {
            let text = banner.text.as_str();
            for (regex, &rule) in self.banner.matching(text.as_bytes()) {
                let protocols = &self.rules[rule].banner_protocols;
                if protocols.is_empty()
                    || protocols
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(&banner.scan_protocol))
                {
                    hits.push(Hit {
                        rule,
                        version: captured_version(regex, text),
                    });
                }
            }
            // A banner that is an HTTP response head (masscan, nmap's http_raw) has headers worth reading.
            if text.starts_with("HTTP/") {
                let lines = text
                    .lines()
                    .skip(1)
                    .take_while(|line| !line.trim().is_empty());
                for (name, value) in lines.filter_map(|line| line.split_once(':')) {
                    self.header_hits(name.trim(), value, &mut scratch, &mut hits);
                }
            }
        }
        for response in &port.http {
            self.http_hits(response, &mut scratch, &mut hits);
        }
        hits
    }

    fn service_hits(&self, service: &Service, hits: &mut Vec<Hit>) {
        let service_version = service.version.as_deref().unwrap_or("");
        if let Some(product) = &service.product {
            // nmap writes ranges (`1.3.1 or later`) where it could only narrow the version down.
            let is_range =
                service_version.contains(" or later") || service_version.contains(" or earlier");
            let first_word = service_version
                .split_whitespace()
                .next()
                .filter(|_| !is_range);
            for (regex, &rule) in self.product.matching(product.as_bytes()) {
                let version = if has_version_group(regex) {
                    captured_version(regex, product)
                } else {
                    first_word.and_then(clean_version)
                };
                hits.push(Hit { rule, version });
            }
        }
        if !service_version.is_empty() {
            for (regex, &rule) in self.service_version.matching(service_version.as_bytes()) {
                hits.push(Hit {
                    rule,
                    version: captured_version(regex, service_version),
                });
            }
        }
        if let Some(extra) = &service.extra_info {
            for (regex, &rule) in self.extra_info.matching(extra.as_bytes()) {
                hits.push(Hit {
                    rule,
                    version: captured_version(regex, extra),
                });
            }
        }
        for cpe in service.cpes.iter().filter_map(|text| Cpe::parse(text)) {
            for matcher in &self.cpes {
                if let Some(version) = matcher.matches(&cpe) {
                    hits.push(Hit {
                        rule: matcher.rule,
                        version,
                    });
                }
            }
        }
    }

    fn http_hits(&self, response: &HttpResponse, scratch: &mut String, hits: &mut Vec<Hit>) {
        for (name, value) in &response.headers {
            self.header_hits(name, value, scratch, hits);
        }
        for name in &response.cookie_names {
            self.cookie_hits(name, scratch, hits);
        }
        if let Some(body) = &response.body {
            for (regex, &rule) in self.body.matching(body.as_bytes()) {
                hits.push(Hit {
                    rule,
                    version: captured_version(regex, body),
                });
            }
            if !(self.scripts.is_empty() && self.generator.is_empty() && self.title.is_empty()) {
                self.tag_hits(body, hits);
            }
        }
        if let Some(generator) = &response.generator {
            pattern_hits(&self.generator, generator.trim(), hits);
        }
        if let Some(title) = &response.title {
            pattern_hits(&self.title, &squeeze(title), hits);
        }
    }

    /// Hits of the `<script src>`, `<meta name=generator>` and `<title>` of a page.
    fn tag_hits(&self, body: &str, hits: &mut Vec<Hit>) {
        let mut seen_title = false;
        for tag in tags(body) {
            if tag.is("script") {
                if let Some(src) = tag.attribute("src") {
                    pattern_hits(&self.scripts, src.trim(), hits);
                }
            } else if tag.is("meta") {
                let is_generator = tag
                    .attribute("name")
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case("generator"));
                if let Some(content) = tag.attribute("content").filter(|_| is_generator) {
                    pattern_hits(&self.generator, content.trim(), hits);
                }
            } else if tag.is("title") && !seen_title {
                seen_title = true;
                pattern_hits(
                    &self.title,
                    &squeeze(&decode_entities(tag.content.unwrap_or(""))),
                    hits,
                );
            }
        }
    }

    fn header_hits(&self, name: &str, value: &str, scratch: &mut String, hits: &mut Vec<Hit>) {
        let value = value.trim();
        if name.eq_ignore_ascii_case("set-cookie")
            && let Some(cookie) = set_cookie(value)
        {
            self.cookie_hits(&cookie.name, scratch, hits);
        }
        scratch.clear();
        scratch.push_str(name);
        scratch.make_ascii_lowercase();
        if let Some(patterns) = self.headers.get(scratch.as_str()) {
            pattern_hits(patterns, value, hits);
        }
    }

    fn cookie_hits(&self, name: &str, scratch: &mut String, hits: &mut Vec<Hit>) {
        scratch.clear();
        scratch.push_str(name);
        scratch.make_ascii_lowercase();
        if let Some(rules) = self.cookies.get(scratch.as_str()) {
            hits.extend(rules.iter().map(|&rule| Hit {
                rule,
                version: None,
            }));
        }
        pattern_hits(&self.cookie_patterns, name, hits);
    }

    /// Drops excluded and redundant hits and names the rest.
    fn resolve(&self, hits: Vec<Hit>) -> Vec<Detection> {
        let excluded: Vec<usize> = if self.any_excludes {
            hits.iter()
                .flat_map(|hit| self.rules[hit.rule].excludes.iter().copied())
                .collect()
        } else {
            Vec::new()
        };
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        for hit in hits {
            let name = &self.rules[hit.rule].name;
            let duplicate = kept
                .iter()
                .any(|k| self.rules[k.rule].name == *name && k.version == hit.version);
            if !duplicate && !excluded.contains(&hit.rule) {
                kept.push(hit);
            }
        }
        kept.iter()
            .enumerate()
            .filter(|&(i, hit)| {
                let name = &self.rules[hit.rule].name;
                !kept.iter().enumerate().any(|(j, other)| {
                    j != i
                        && self.rules[other.rule].name == *name
                        && refines(other.version.as_deref(), hit.version.as_deref())
                })
            })
            .map(|(_, hit)| {
                let rule = &self.rules[hit.rule];
                Detection {
                    name: rule.name.clone(),
                    version: hit.version.clone(),
                    category: rule.category.clone(),
                    rule: rule.id.clone(),
                }
            })
            .collect()
    }
}

/// Hits of every pattern of `patterns` that matches `text`.
fn pattern_hits(patterns: &PatternSet<usize>, text: &str, hits: &mut Vec<Hit>) {
    for (regex, &rule) in patterns.matching(text.as_bytes()) {
        hits.push(Hit {
            rule,
            version: captured_version(regex, text),
        });
    }
}

/// Whether version `specific` says more than `general` of the same component.
fn refines(specific: Option<&str>, general: Option<&str>) -> bool {
    match (specific, general) {
        (Some(_), None) => true,
        (Some(specific), Some(general)) => {
            specific.len() > general.len()
                && specific.starts_with(general)
                && !specific.as_bytes()[general.len()].is_ascii_digit()
        }
        _ => false,
    }
}

/// Whether the pattern has a `version` group (the only named group patterns may have).
fn has_version_group(regex: &Regex) -> bool {
    regex.capture_names().flatten().next().is_some()
}

/// The `version` group of the pattern's first match in `text`, cleaned.
fn captured_version(regex: &Regex, text: &str) -> Option<String> {
    if !has_version_group(regex) {
        return None;
    }
    let found = regex.captures(text.as_bytes())?.name("version")?;
    // Group boundaries of a match of a UTF-8 text may split a character only if the pattern does; stay lossless.
    clean_version(&String::from_utf8_lossy(found.as_bytes()))
}

/// A version as kept: trimmed of spaces and trailing punctuation; `None` when nothing (or too much) is left.
fn clean_version(raw: &str) -> Option<String> {
    let version = raw
        .trim()
        .trim_end_matches(['.', '-', '_', ',', ';', ':', '/']);
    (!version.is_empty() && version.len() <= MAX_VERSION_LEN).then(|| version.to_owned())
}

/// Text with runs of whitespace made single spaces, trimmed (titles are often spread over lines).
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fields of a CPE name that rules look at, lower-case and unescaped; `None` for "any" (`*`, `-`, empty).
#[derive(Debug, PartialEq, Eq)]
struct Cpe {
    part: String,
    vendor: String,
    product: Option<String>,
    version: Option<String>,
}

impl Cpe {
    /// Reads a CPE 2.2 URI (`cpe:/a:openbsd:openssh:9.2p1`, percent-escapes decoded) or a CPE 2.3 formatted
    /// string (`cpe:2.3:a:openbsd:openssh:9.2:p1:*:…`, backslash escapes removed).
    fn parse(text: &str) -> Option<Cpe> {
        let text = text.trim();
        let prefix = text.get(..8).unwrap_or(text).to_ascii_lowercase();
        let fields: Vec<String> = if prefix.starts_with("cpe:2.3:") {
            split_cpe23(&text[8..])
        } else if prefix.starts_with("cpe:/") {
            text[5..].split(':').map(percent_decode).collect()
        } else {
            return None;
        };
        let field = |i: usize| {
            fields
                .get(i)
                .map(|f| f.to_ascii_lowercase())
                .filter(|f| !f.is_empty() && f != "*" && f != "-")
        };
        Some(Cpe {
            part: field(0)?,
            vendor: field(1)?,
            product: field(2),
            version: field(3),
        })
    }
}

/// The fields of a CPE 2.3 formatted string (after `cpe:2.3:`): split at unescaped `:`, escapes removed.
fn split_cpe23(text: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().expect("never empty").extend(chars.next()),
            ':' => fields.push(String::new()),
            _ => fields.last_mut().expect("never empty").push(c),
        }
    }
    fields
}

fn percent_decode(field: &str) -> String {
    percent_encoding::percent_decode_str(field)
        .decode_utf8_lossy()
        .into_owned()
}

/// The matcher for a rule's CPE (which must name no version); `None` when it is not one.
fn cpe_matcher(rule: usize, text: &str) -> Option<CpeMatcher> {
    let (text, product_is_prefix) = match text.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (text, false),
    };
    let cpe = Cpe::parse(text)?;
    if cpe.version.is_some() || (product_is_prefix && cpe.product.is_none()) {
        return None;
    }
    Some(CpeMatcher {
        rule,
        part: cpe.part,
        vendor: cpe.vendor,
        product: cpe.product,
        product_is_prefix,
    })
}

impl CpeMatcher {
    /// `Some(version)` when `cpe` is this matcher's; the version is the CPE's, except for a product prefix (whose
    /// products name different things, so their version fields mean different things too).
    fn matches(&self, cpe: &Cpe) -> Option<Option<String>> {
        if cpe.part != self.part || cpe.vendor != self.vendor {
            return None;
        }
        let product_matches = match (&self.product, &cpe.product) {
            (None, _) => true,
            (Some(wanted), Some(found)) if self.product_is_prefix => {
                found.starts_with(wanted.as_str())
            }
            (Some(wanted), Some(found)) => wanted == found,
            (Some(_), None) => false,
        };
        if !product_matches {
            return None;
        }
        let version = if self.product_is_prefix || self.product.is_none() {
            None
        } else {
            cpe.version.clone()
        };
        Some(version.as_deref().and_then(clean_version))
    }
}

#[cfg(test)]
mod tests;
