//! A small HTML tag scanner: the start tags of a page with their attributes, in document order, without building
//! a tree and without allocating (attribute values are decoded only when asked for).
//!
//! It follows the HTML tokenizer where that matters for finding tags: names are case-insensitive; attribute values
//! are quoted with `"` or `'` or unquoted; comments (`<!-- -->`), doctypes and `<? ?>` are skipped; a tag that the
//! input ends inside is dropped. The content of raw-text elements (`script`, `style`, `title`, `textarea`, `xmp`,
//! `iframe`, `noembed`, `noframes`) is not markup: it is handed over as the tag's `content` and never scanned
//! for tags, so `<a href=…>` inside a script's JavaScript is not a tag, as in a browser. `noscript` content is
//! scanned (as with scripting disabled), because tracking pixels live there.

use memchr::{memchr, memmem};
use std::borrow::Cow;

/// One start tag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'a> {
    name: &'a str,
    /// The text between the name and the closing `>`, that included.
    attributes: &'a str,
    /// The text up to the end tag, for raw-text elements (`script`, `style`, `title`, …); else `None`.
    pub(crate) content: Option<&'a str>,
}

impl<'a> Tag<'a> {
    /// Whether the tag has this (lower-case) name.
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The decoded value of the first attribute with this (lower-case) name; `Some("")` for an attribute without
    /// a value. Later duplicates are ignored, as browsers do.
    pub(crate) fn attribute(&self, name: &str) -> Option<Cow<'a, str>> {
        let bytes = self.attributes.as_bytes();
        let mut at = 0;
        while let Step::Attribute {
            name: found,
            value,
            next,
        } = attribute_step(bytes, at)
        {
            if self.attributes[found].eq_ignore_ascii_case(name) {
                return Some(value.map_or(Cow::Borrowed(""), |range| {
                    decode_entities(&self.attributes[range])
                }));
            }
            at = next;
        }
        None
    }
}

/// The start tags of `html`, in order.
pub(crate) fn tags(html: &str) -> Tags<'_> {
    Tags { html, at: 0 }
}

/// Iterator over start tags (see [`tags`]).
#[derive(Debug, Clone)]
pub(crate) struct Tags<'a> {
    html: &'a str,
    at: usize,
}

/// Elements whose content is text, not markup.
const RAW_TEXT: [&str; 8] = [
    "script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes",
];

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        let bytes = self.html.as_bytes();
        loop {
            let open = self.at + memchr(b'<', &bytes[self.at..])?;
            let after = open + 1;
            match bytes.get(after) {
                Some(b'!') if bytes[after..].starts_with(b"!--") => {
                    // Searching from the comment's first '-' also closes `<!-->` and `<!--->` as browsers do.
                    self.at = match memmem::find(&bytes[after + 1..], b"-->") {
                        Some(end) => after + 1 + end + 3,
                        None => bytes.len(),
                    };
                }
                Some(b'!' | b'?') => {
                    self.at =
                        memchr(b'>', &bytes[after..]).map_or(bytes.len(), |end| after + end + 1);
                }
                Some(b'/') => {
                    // An end tag: skipped, but its attributes (rare, ignored) may hide a '>' in quotes.
                    let name_end = name_end(bytes, after + 1);
                    self.at = match tag_end(bytes, name_end) {
                        Some(end) => end + 1,
                        None => bytes.len(),
                    };
                }
                Some(first) if first.is_ascii_alphabetic() => {
                    let name_end = name_end(bytes, after);
                    let Some(end) = tag_end(bytes, name_end) else {
                        self.at = bytes.len();
                        return None;
                    };
                    let name = &self.html[after..name_end];
                    // The closing '>' stays in, so that reading the attributes again finds where they end.
                    let attributes = &self.html[name_end..=end];
                    self.at = end + 1;
                    let content = if RAW_TEXT.iter().any(|raw| name.eq_ignore_ascii_case(raw)) {
                        let close = find_end_tag(bytes, self.at, name).unwrap_or(bytes.len());
                        let content = &self.html[self.at..close];
                        self.at = close;
                        Some(content)
                    } else {
                        None
                    };
                    return Some(Tag {
                        name,
                        attributes,
                        content,
                    });
                }
                // A '<' that starts no tag is text.
                _ => self.at = after,
            }
        }
    }
}

fn is_space(byte: u8) -> bool {
    byte.is_ascii_whitespace()
}

/// Where a tag name that starts at `at` ends.
fn name_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| is_space(b) || b == b'/' || b == b'>')
        .map_or(bytes.len(), |n| at + n)
}

/// The index of the `>` that ends a tag whose attributes start at `at`, or `None` when the input ends first.
fn tag_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        match attribute_step(bytes, at) {
            Step::Attribute { next, .. } => at = next,
            Step::End(end) => return Some(end),
            Step::Eof => return None,
        }
    }
}

/// The start of the end tag `</name` (followed by a space, `/` or `>`) from `at` on, case-insensitively.
fn find_end_tag(bytes: &[u8], at: usize, name: &str) -> Option<usize> {
    let name = name.as_bytes();
    memmem::find_iter(&bytes[at..], b"</")
        .map(|i| at + i)
        .find(|&start| {
            let name_at = start + 2;
            bytes
                .get(name_at..name_at + name.len())
                .is_some_and(|found| found.eq_ignore_ascii_case(name))
                && bytes
                    .get(name_at + name.len())
                    .is_none_or(|&b| is_space(b) || b == b'/' || b == b'>')
        })
}

/// One step of reading a tag's attributes.
enum Step {
    /// An attribute: byte ranges of its name and raw value (`None` when it has no `=`), and where to go on.
    Attribute {
        name: std::ops::Range<usize>,
        value: Option<std::ops::Range<usize>>,
        next: usize,
    },
    /// The tag ends at this `>`.
    End(usize),
    /// The input ends inside the tag.
    Eof,
}

/// Reads the next attribute from `at`. Every range boundary falls on an ASCII byte or the end, so the ranges are
/// valid `str` slices.
fn attribute_step(bytes: &[u8], mut at: usize) -> Step {
    while at < bytes.len() && (is_space(bytes[at]) || bytes[at] == b'/') {
        at += 1;
    }
    match bytes.get(at) {
        None => return Step::Eof,
        Some(b'>') => return Step::End(at),
        Some(_) => {}
    }
    let name_start = at;
    // The first character may be '=' (`<a =x>` has an attribute named "=x").
    at += 1;
    while at < bytes.len() && !matches!(bytes[at], b'/' | b'>' | b'=') && !is_space(bytes[at]) {
        at += 1;
    }
    let name = name_start..at;
    let mut probe = at;
    while probe < bytes.len() && is_space(bytes[probe]) {
        probe += 1;
    }
    if bytes.get(probe) != Some(&b'=') {
        return Step::Attribute {
            name,
            value: None,
            next: at,
        };
    }
    probe += 1;
    while probe < bytes.len() && is_space(bytes[probe]) {
        probe += 1;
    }
    match bytes.get(probe) {
        None => Step::Eof,
        Some(&quote @ (b'"' | b'\'')) => match memchr(quote, &bytes[probe + 1..]) {
            Some(len) => {
                let value = probe + 1..probe + 1 + len;
                Step::Attribute {
                    name,
                    next: value.end + 1,
                    value: Some(value),
                }
            }
            None => Step::Eof,
        },
        // `<a href=>`: an empty value, and the '>' ends the tag.
        Some(b'>') => Step::Attribute {
            name,
            value: Some(probe..probe),
            next: probe,
        },
        Some(_) => {
            let end = bytes[probe..]
                .iter()
                .position(|&b| is_space(b) || b == b'>')
                .map_or(bytes.len(), |n| probe + n);
            Step::Attribute {
                name,
                value: Some(probe..end),
                next: end,
            }
        }
    }
}

/// Decodes the character references that matter in URLs and short texts: `&amp;`, `&lt;`, `&gt;`, `&quot;`,
/// `&apos;`, `&nbsp;` and numeric ones (`&#39;`, `&#x2F;`). Others, and references without their `;`, stay as
/// written.
pub(crate) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // References are short: looking for their ';' no further keeps a page full of bare '&' linear.
        let semicolon = rest.as_bytes()[1..]
            .iter()
            .take(12)
            .position(|&b| b == b';');
        let decoded = semicolon.and_then(|semi| {
            let entity = &rest[1..1 + semi];
            Some((character_reference(entity)?, semi + 2))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn character_reference(entity: &str) -> Option<char> {
    let code = if let Some(hex) = entity
        .strip_prefix("#x")
        .or_else(|| entity.strip_prefix("#X"))
    {
        u32::from_str_radix(hex, 16).ok()?
    } else if let Some(decimal) = entity.strip_prefix('#') {
        decimal.parse().ok()?
    } else {
        return match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => None,
        };
    };
    Some(
        char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}'),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each tag as `name attr=value …` (attributes as the scanner finds them) plus its raw content.
    fn scan(html: &str) -> Vec<String> {
        tags(html)
            .map(|tag| {
                let mut line = tag.name.to_ascii_lowercase();
                let bytes = tag.attributes.as_bytes();
                let mut at = 0;
                while let Step::Attribute { name, value, next } = attribute_step(bytes, at) {
                    line.push(' ');
                    line.push_str(&tag.attributes[name]);
                    if let Some(value) = value {
                        line.push('=');
                        line.push_str(&tag.attributes[value]);
                    }
                    at = next;
                }
                if let Some(content) = tag.content {
                    line.push_str(" {");
                    line.push_str(content);
                    line.push('}');
                }
                line
            })
            .collect()
    }

    #[test]
    fn tags_and_attributes() {
        let cases: &[(&str, &[&str])] = &[
            ("<a href=x>", &["a href=x"]),
            ("<A HREF='x y'>", &["a HREF=x y"]),
            (r#"<img src="a>b" alt=c>"#, &["img src=a>b alt=c"]),
            ("<input disabled value = 'v' >", &["input disabled value=v"]),
            ("<br/><br />", &["br", "br"]),
            ("<a href=x/>", &["a href=x/"]),
            ("<a href=>", &["a href="]),
            ("<a =x>", &["a =x"]),
            ("<a\nhref\t=\n\"x\">", &["a href=x"]),
            ("text < 3 and <3 and <>", &[]),
            ("<!-- <a href=x> --><b>", &["b"]),
            ("<!--><i><!---><u>", &["i", "u"]),
            ("<!DOCTYPE html><?xml version='1.0'?><p>", &["p"]),
            ("</a href='>'><p>", &["p"]),
            ("<a href='unterminated>", &[]),
            ("<a href=x", &[]),
            ("<p><a", &["p"]),
            ("<!-- never closed <a href=x>", &[]),
        ];
        for (html, expected) in cases {
            assert_eq!(scan(html), *expected, "{html}");
        }
    }

    #[test]
    fn raw_text_elements_hide_their_content() {
        let cases: &[(&str, &[&str])] = &[
            (
                r#"<script>document.write('<a href="http://x/">')</script><a href=y>"#,
                &[
                    r#"script {document.write('<a href="http://x/">')}"#,
                    "a href=y",
                ],
            ),
            (
                "<SCRIPT src=a.js></SCRIPT ><b>",
                &["script src=a.js {}", "b"],
            ),
            (
                "<script>a</scripts></script><b>",
                &["script {a</scripts>}", "b"],
            ),
            ("<title>A &amp; B</title>", &["title {A &amp; B}"]),
            ("<style>a<b>c</style>", &["style {a<b>c}"]),
            (
                "<script>never closed <a href=x>",
                &["script {never closed <a href=x>}"],
            ),
            (
                "<noscript><img src=p.gif></noscript>",
                &["noscript", "img src=p.gif"],
            ),
        ];
        for (html, expected) in cases {
            assert_eq!(scan(html), *expected, "{html}");
        }
    }

    #[test]
    fn attribute_lookup_decodes_and_keeps_the_first() {
        let tag = tags("<a HREF='/x?a=1&amp;b=2' href=/dup target>")
            .next()
            .unwrap();
        assert!(tag.is("a"));
        assert_eq!(tag.attribute("href").as_deref(), Some("/x?a=1&b=2"));
        assert_eq!(tag.attribute("target").as_deref(), Some(""));
        assert_eq!(tag.attribute("rel"), None);
    }

    #[test]
    fn entities() {
        let cases = [
            ("plain", "plain"),
            ("a&amp;b&lt;&gt;&quot;&apos;", "a&b<>\"'"),
            ("&#39;&#x2F;&#X2f;", "'//"),
            ("&#0;&#xD800;&#99999999;", "\u{fffd}\u{fffd}\u{fffd}"),
            ("&copy; &amp &; &#;", "&copy; &amp &; &#;"),
            ("&amp;amp;", "&amp;"),
            ("é&amp;é", "é&é"),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_entities(input), expected, "{input}");
        }
    }
}
