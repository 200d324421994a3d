//! Rule patterns compiled together: one `RegexSet` says which patterns match a text in a single pass, and only
//! those are run again on their own to read their capture group. Also the error type of rule files.

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// A rule file: documentation for people (`about`) and the rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile<R> {
    #[serde(default, rename = "about")]
    _about: IgnoredAny,
    pub(crate) rules: Vec<R>,
}

/// Why a rule file was refused. Names the rule and the field at fault where there is one.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file is not JSON of the expected shape (unknown fields are refused, to catch typos).
    #[error("rule file: {0}")]
    Json(#[from] serde_json::Error),
    /// A pattern does not compile.
    #[error("rule {rule:?}, field {field}: {source}")]
    Regex {
        /// Id of the rule.
        rule: String,
        /// Field that holds the pattern.
        field: String,
        /// What the regex compiler said.
        #[source]
        source: Box<regex::Error>,
    },
    /// A field's value is not acceptable.
    #[error("rule {rule:?}, field {field}: {problem}")]
    Invalid {
        /// Id of the rule (empty when the rule has none).
        rule: String,
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// Two rules share an id.
    #[error("rule id {0:?} is used by more than one rule")]
    DuplicateId(String),
    /// Each pattern compiled alone, but together they exceed the regex size limits.
    #[error("the {field} patterns together do not compile: {source}")]
    Set {
        /// The field whose patterns were combined.
        field: String,
        /// What the regex compiler said.
        #[source]
        source: Box<regex::Error>,
    },
}

impl RuleError {
    pub(crate) fn invalid(rule: &str, field: &str, problem: impl Into<String>) -> Self {
        RuleError::Invalid {
            rule: rule.to_owned(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }
}

/// Compiles one pattern the way every rule pattern is compiled (see the module docs of `fingerprint`), checking
/// that its only named group is `group` (a misspelt group would otherwise silently capture nothing).
pub(crate) fn compile(
    rule: &str,
    field: &str,
    pattern: &str,
    group: &str,
    group_required: bool,
) -> Result<Regex, RuleError> {
    let regex = RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .map_err(|source| RuleError::Regex {
            rule: rule.to_owned(),
            field: field.to_owned(),
            source: Box::new(source),
        })?;
    let mut has_group = false;
    for name in regex.capture_names().flatten() {
        if name != group {
            return Err(RuleError::invalid(
                rule,
                field,
                format!("named group {name:?}: the only named group allowed is {group:?}"),
            ));
        }
        has_group = true;
    }
    if group_required && !has_group {
        return Err(RuleError::invalid(
            rule,
            field,
            format!("the pattern needs a group named {group:?}"),
        ));
    }
    Ok(regex)
}

/// Patterns of many rules, each with a payload (typically the rule's index), matched in one pass.
#[derive(Debug)]
pub(crate) struct PatternSet<T> {
    set: RegexSet,
    patterns: Vec<(Regex, T)>,
}

impl<T> PatternSet<T> {
    /// Whether there are no patterns (matching is then skipped altogether).
    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns that match somewhere in `text`, in the order they were added.
    pub(crate) fn matching<'s>(&'s self, text: &[u8]) -> impl Iterator<Item = (&'s Regex, &'s T)> {
        let matched = if self.is_empty() {
            None
        } else {
            Some(self.set.matches(text))
        };
        matched.into_iter().flatten().map(|index| {
            let (regex, payload) = &self.patterns[index];
            (regex, payload)
        })
    }
}

/// Collects compiled patterns, then builds their [`PatternSet`].
pub(crate) struct PatternSetBuilder<T> {
    field: String,
    patterns: Vec<(Regex, T)>,
}

impl<T> PatternSetBuilder<T> {
    pub(crate) fn new(field: &str) -> Self {
        PatternSetBuilder {
            field: field.to_owned(),
            patterns: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, regex: Regex, payload: T) {
        self.patterns.push((regex, payload));
    }

    pub(crate) fn build(self) -> Result<PatternSet<T>, RuleError> {
        let set = RegexSetBuilder::new(self.patterns.iter().map(|(regex, _)| regex.as_str()))
            .unicode(false)
            .build()
            .map_err(|source| RuleError::Set {
                field: self.field,
                source: Box::new(source),
            })?;
        Ok(PatternSet {
            set,
            patterns: self.patterns,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_expected_group_name_is_accepted() {
        assert!(compile("r", "body", r"v(?<version>\d+)", "version", false).is_ok());
        assert!(compile("r", "body", r"v\d+", "version", false).is_ok());
        let err = compile("r", "body", r"v(?<verison>\d+)", "version", false).unwrap_err();
        assert!(err.to_string().contains("verison"), "{err}");
        let err = compile("r", "pattern", r"UA-\d+", "value", true).unwrap_err();
        assert!(
            err.to_string().contains("rule \"r\", field pattern"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_pattern_names_its_rule_and_field() {
        let err = compile("nginx", "headers.server", "nginx(", "version", false).unwrap_err();
        assert!(
            matches!(&err, RuleError::Regex { rule, field, .. } if rule == "nginx" && field == "headers.server")
        );
    }

    #[test]
    fn patterns_are_ascii_but_match_utf8_literals() {
        let ascii_word = compile("r", "f", r"^\w+$", "version", false).unwrap();
        assert!(!ascii_word.is_match("é".as_bytes()));
        let literal = compile("r", "f", "café", "version", false).unwrap();
        assert!(literal.is_match("au café".as_bytes()));
    }

    #[test]
    fn a_set_reports_what_matched_in_order() {
        let mut builder = PatternSetBuilder::new("f");
        for (i, p) in ["a", "b", "c"].into_iter().enumerate() {
            builder.push(compile("r", "f", p, "version", false).unwrap(), i);
        }
        let set = builder.build().unwrap();
        let found: Vec<usize> = set.matching(b"cab").map(|(_, i)| *i).collect();
        assert_eq!(found, [0, 1, 2]);
        assert_eq!(set.matching(b"xyz").count(), 0);
        let empty = PatternSetBuilder::<usize>::new("f").build().unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.matching(b"a").count(), 0);
    }
}
