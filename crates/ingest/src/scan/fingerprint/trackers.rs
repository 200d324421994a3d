//! Tracker ids in HTML (`hostTracker`): analytics, advertising and site-verification ids that tie pages run by
//! the same people together, from rules kept as data (`crates/ingest/data/trackers.json`).
//!
//! A rule is a pattern with a group named `value` (the id) and the MDTI-style kind it reports
//! (`GoogleAnalyticsID`). All patterns are scanned for in one pass over the page; only those that matched are run
//! again to collect every id they find.

use super::patterns::{PatternSet, PatternSetBuilder, RuleError, RuleFile, compile};
use foldhash::HashSet;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::sync::OnceLock;

/// The builtin rule file.
const BUILTIN: &str = include_str!("../../../data/trackers.json");

/// A tracker id found on a page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackerMatch {
    /// The `hostTracker` kind (`GoogleAnalyticsID`, `FacebookPixelID`).
    pub kind: String,
    /// The id, as written on the page (`UA-12345-1`).
    pub value: String,
    /// Id of the rule that found it.
    pub rule: String,
}

/// A compiled tracker rule set.
#[derive(Debug)]
pub struct TrackerRules {
    rules: Vec<TrackerRule>,
    patterns: PatternSet<usize>,
}

#[derive(Debug)]
struct TrackerRule {
    id: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    kind: String,
    pattern: String,
    /// Test vectors: read by the tests, ignored here.
    #[serde(default, rename = "examples")]
    _examples: IgnoredAny,
    #[serde(default, rename = "not")]
    _counterexamples: IgnoredAny,
}

/// The tracker ids on an HTML page, by the builtin rules; see [`TrackerRules::find`].
pub fn trackers(html: &str) -> Vec<TrackerMatch> {
    TrackerRules::builtin().find(html)
}

impl TrackerRules {
    /// The builtin rules (`crates/ingest/data/trackers.json`), compiled on first use.
    pub fn builtin() -> &'static TrackerRules {
        static RULES: OnceLock<TrackerRules> = OnceLock::new();
        RULES.get_or_init(|| {
            TrackerRules::parse(BUILTIN)
                .expect("the builtin tracker rules are valid (a test checks)")
        })
    }

    /// Compiles a rule file. Errors name the rule and field at fault.
    pub fn parse(text: &str) -> Result<TrackerRules, RuleError> {
        let file: RuleFile<RuleDef> = serde_json::from_str(text)?;
        let mut ids = HashSet::default();
        let mut rules = Vec::with_capacity(file.rules.len());
        let mut patterns = PatternSetBuilder::new("pattern");
        for (index, def) in file.rules.iter().enumerate() {
            let id = def.id.as_str();
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(RuleError::invalid(
                    id,
                    "id",
                    "ids are lower-case letters, digits and '-'",
                ));
            }
            if !ids.insert(id) {
                return Err(RuleError::DuplicateId(def.id.clone()));
            }
            let kind_ok = def.kind.starts_with(|c: char| c.is_ascii_uppercase())
                && def.kind.bytes().all(|b| b.is_ascii_alphanumeric());
            if !kind_ok {
                return Err(RuleError::invalid(
                    id,
                    "kind",
                    "kinds are PascalCase ASCII letters and digits",
                ));
            }
            patterns.push(compile(id, "pattern", &def.pattern, "value", true)?, index);
            rules.push(TrackerRule {
                id: def.id.clone(),
                kind: def.kind.clone(),
            });
        }
        Ok(TrackerRules {
            rules,
            patterns: patterns.build()?,
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

    /// Every tracker id on the page, in rule order then page order, each (kind, value) once.
    pub fn find(&self, html: &str) -> Vec<TrackerMatch> {
        let mut found: Vec<TrackerMatch> = Vec::new();
        for (regex, &rule) in self.patterns.matching(html.as_bytes()) {
            let rule = &self.rules[rule];
            for captures in regex.captures_iter(html.as_bytes()) {
                let Some(value) = captures.name("value") else {
                    continue;
                };
                let value = String::from_utf8_lossy(value.as_bytes());
                let value = value.trim();
                let seen = found
                    .iter()
                    .any(|m| m.kind == rule.kind && m.value == value);
                if !value.is_empty() && !seen {
                    found.push(TrackerMatch {
                        kind: rule.kind.clone(),
                        value: value.to_owned(),
                        rule: rule.id.clone(),
                    });
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Example {
        html: String,
        /// The ids the rule finds in `html`, in page order.
        values: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    struct TestRule {
        id: String,
        kind: String,
        examples: Vec<Example>,
        #[serde(default, rename = "not")]
        counterexamples: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    struct TestFile {
        rules: Vec<TestRule>,
    }

    #[test]
    fn builtin_rules_load_and_cover_enough_kinds() {
        let rules = TrackerRules::parse(BUILTIN).unwrap_or_else(|err| panic!("{err}"));
        let kinds: BTreeSet<&str> = rules.rules.iter().map(|rule| rule.kind.as_str()).collect();
        assert!(kinds.len() >= 20, "{} kinds: {kinds:?}", kinds.len());
        assert_eq!(rules.len(), TrackerRules::builtin().len());
    }

    #[test]
    fn every_rule_finds_its_examples_and_not_its_counterexamples() {
        let rules = TrackerRules::builtin();
        let file: TestFile = serde_json::from_str(BUILTIN).expect("test vectors parse");
        let mut failures = Vec::new();
        for vectors in &file.rules {
            if vectors.examples.is_empty() {
                failures.push(format!("{}: no examples", vectors.id));
            }
            for example in &vectors.examples {
                let found: Vec<String> = rules
                    .find(&example.html)
                    .into_iter()
                    .filter(|m| m.rule == vectors.id && m.kind == vectors.kind)
                    .map(|m| m.value)
                    .collect();
                if found != example.values {
                    failures.push(format!("{}: {:?} gave {found:?}", vectors.id, example.html));
                }
            }
            for html in &vectors.counterexamples {
                let fired: Vec<TrackerMatch> = rules
                    .find(html)
                    .into_iter()
                    .filter(|m| m.rule == vectors.id)
                    .collect();
                if !fired.is_empty() {
                    failures.push(format!(
                        "{}: fired on counterexample {html:?}: {fired:?}",
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

    #[test]
    fn a_page_with_several_trackers() {
        let html = r#"<html><head>
            <script async src="https://www.googletagmanager.com/gtag/js?id=G-ABCDE12345"></script>
            <script>gtag('config', 'G-ABCDE12345'); ga('create', 'UA-1234567-1', 'auto'); ga('create', 'UA-1234567-2');</script>
            <script>fbq('init', '123456789012345');</script>
            </head><body><!-- UA-1234567-1 again --></body></html>"#;
        let found: Vec<(String, String)> = trackers(html)
            .into_iter()
            .map(|m| (m.kind, m.value))
            .collect();
        let expected = [
            ("GoogleAnalyticsID", "UA-1234567-1"),
            ("GoogleAnalyticsID", "UA-1234567-2"),
            ("GoogleAnalytics4ID", "G-ABCDE12345"),
            ("FacebookPixelID", "123456789012345"),
        ];
        for (kind, value) in expected {
            assert!(
                found.contains(&(kind.to_owned(), value.to_owned())),
                "{kind} {value} not in {found:?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }

    #[test]
    fn nothing_on_plain_pages() {
        assert_eq!(trackers(""), []);
        assert_eq!(
            trackers("<html><body><p>UA- G- GTM- ca-pub- hello</p></body></html>"),
            []
        );
    }

    #[test]
    fn rule_file_errors() {
        let rule = |fields: &str| format!(r#"{{"rules": [{{"id": "r", "kind": "K", {fields}}}]}}"#);
        let cases = [
            (rule(r#""pattern": "UA-\\d+""#), r#"rule "r", field pattern: the pattern needs a group named "value""#),
            (rule(r#""pattern": "(?<value>""#), r#"rule "r", field pattern"#),
            (r#"{"rules": [{"id": "r", "kind": "bad kind", "pattern": "(?<value>x)"}]}"#.to_owned(), "field kind"),
            (
                r#"{"rules": [{"id": "r", "kind": "K", "pattern": "(?<value>x)"}, {"id": "r", "kind": "K", "pattern": "(?<value>y)"}]}"#
                    .to_owned(),
                "used by more than one rule",
            ),
            (rule(r#""pattern": "(?<value>x)", "extra": 1"#), "unknown field `extra`"),
        ];
        for (text, expected) in cases {
            let error = TrackerRules::parse(&text)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{text}\n{error}");
        }
    }
}
