//! The URLs a page refers to (scripts, stylesheets, frames, images, anchors, forms, meta refreshes), and the host
//! each points at: what `hostPair`s are made of.
//!
//! Links are read with the tag scanner of [`super::html`], so links written inside a `<script>`'s JavaScript
//! (`document.write('<a href=…>')`) are not links, as in a browser, while `<noscript>` content is read. `<base
//! href>` is not applied: callers resolve against the URL the page was fetched from.

use super::html::{Tag, decode_entities, tags};
use foldhash::HashSet;

/// Why a page refers to a URL; the `hostPair` `linkKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// `<script src>`.
    Script,
    /// `<link rel=stylesheet href>`.
    Stylesheet,
    /// `<iframe src>` (and `<frame src>`).
    Iframe,
    /// `<img src>`.
    Image,
    /// `<a href>` (and `<area href>`).
    Anchor,
    /// `<form action>`.
    Form,
    /// `<meta http-equiv=refresh content="0;url=…">`: a client-side redirect.
    MetaRefresh,
}

impl LinkKind {
    /// The `linkKind` string (camelCase, like the documented `redirect` and `finalRedirect`).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Script => "script",
            LinkKind::Stylesheet => "stylesheet",
            LinkKind::Iframe => "iframe",
            LinkKind::Image => "image",
            LinkKind::Anchor => "anchor",
            LinkKind::Form => "form",
            LinkKind::MetaRefresh => "metaRefresh",
        }
    }
}

/// A URL a page refers to, as written (character references decoded, surrounding whitespace removed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    /// How the page refers to it.
    pub kind: LinkKind,
    /// The URL, possibly relative.
    pub url: String,
}

/// The links of an HTML page in document order, each (kind, URL) once; empty URLs are left out.
pub fn links(html: &str) -> Vec<Link> {
    let mut found = Vec::new();
    let mut seen: HashSet<(LinkKind, String)> = HashSet::default();
    for tag in tags(html) {
        let Some((kind, url)) = link_of(&tag) else {
            continue;
        };
        let url = url.trim_matches(is_url_space);
        if url.is_empty() || !seen.insert((kind, url.to_owned())) {
            continue;
        }
        found.push(Link {
            kind,
            url: url.to_owned(),
        });
    }
    found
}

/// The link a tag makes, if any (the URL not yet trimmed).
fn link_of(tag: &Tag<'_>) -> Option<(LinkKind, String)> {
    let (kind, attribute) = if tag.is("script") {
        (LinkKind::Script, "src")
    } else if tag.is("link") {
        let rel = tag.attribute("rel")?;
        if !rel
            .split_ascii_whitespace()
            .any(|token| token.eq_ignore_ascii_case("stylesheet"))
        {
            return None;
        }
        (LinkKind::Stylesheet, "href")
    } else if tag.is("iframe") || tag.is("frame") {
        (LinkKind::Iframe, "src")
    } else if tag.is("img") {
        (LinkKind::Image, "src")
    } else if tag.is("a") || tag.is("area") {
        (LinkKind::Anchor, "href")
    } else if tag.is("form") {
        (LinkKind::Form, "action")
    } else if tag.is("meta") {
        if !tag
            .attribute("http-equiv")?
            .trim()
            .eq_ignore_ascii_case("refresh")
        {
            return None;
        }
        let content = tag.attribute("content")?;
        return Some((LinkKind::MetaRefresh, refresh_url(&content)?.to_owned()));
    } else {
        return None;
    };
    Some((kind, tag.attribute(attribute)?.into_owned()))
}

/// The URL of a refresh declaration (`5; URL='/next'`), after the HTML standard's declarative refresh steps;
/// `None` when it only reloads the page.
fn refresh_url(content: &str) -> Option<&str> {
    let rest = content.trim_start_matches(is_url_space);
    let time_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    if time_len == 0 {
        return None;
    }
    let rest = rest[time_len..].trim_start_matches(is_url_space);
    let rest = rest
        .strip_prefix([';', ','])
        .unwrap_or(rest)
        .trim_start_matches(is_url_space);
    let rest = match rest.get(..3) {
        Some(url) if url.eq_ignore_ascii_case("url") => {
            let after = rest[3..].trim_start_matches(is_url_space);
            after
                .strip_prefix('=')
                .map_or(rest, |value| value.trim_start_matches(is_url_space))
        }
        _ => rest,
    };
    let url = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let quoted = &rest[1..];
            quoted.find(quote).map_or(quoted, |end| &quoted[..end])
        }
        _ => rest,
    };
    let url = url.trim_matches(is_url_space);
    (!url.is_empty()).then_some(url)
}

/// ASCII whitespace and control characters, which URL parsing strips from both ends.
fn is_url_space(c: char) -> bool {
    c <= ' '
}

/// Schemes whose URLs name a host this way (`scheme://host/…`).
const HOST_SCHEMES: [&str; 5] = ["http", "https", "ws", "wss", "ftp"];

/// The host a link on the page at `base_url` points at: lower-case, without port, user info or IPv6 brackets.
/// Relative links (`/a`, `a.html`, `?q`) point at the base's host; protocol-relative ones (`//cdn.example/x`) at
/// their own. `None` for links that name no host: fragments (`#top`), empty links, and schemes other than http(s),
/// ws(s) and ftp (`javascript:`, `data:`, `mailto:`, `tel:`); also when a relative link's base is not absolute, or
/// the host is empty or holds characters no host can have. Character references are decoded first (`&amp;`), for
/// callers that pass raw attribute text.
pub fn resolve_host(base_url: &str, link: &str) -> Option<String> {
    let link = decode_entities(link);
    let link = link.trim_matches(is_url_space);
    if link.is_empty() || link.starts_with('#') {
        return None;
    }
    let slashes = |rest: &str| rest.starts_with(['/', '\\']);
    if let Some((scheme, rest)) = split_scheme(link) {
        if !HOST_SCHEMES
            .iter()
            .any(|known| scheme.eq_ignore_ascii_case(known))
        {
            return None;
        }
        // `http:page.html` on an http page is relative; otherwise the slashes count for nothing.
        let same_scheme = split_scheme(base_url.trim_matches(is_url_space))
            .is_some_and(|(base_scheme, _)| base_scheme.eq_ignore_ascii_case(scheme));
        if !slashes(rest) && same_scheme {
            return base_host(base_url);
        }
        return authority_host(rest.trim_start_matches(['/', '\\']));
    }
    if let Some(rest) = link
        .strip_prefix("//")
        .or_else(|| link.strip_prefix("\\\\"))
    {
        return authority_host(rest.trim_start_matches(['/', '\\']));
    }
    base_host(base_url)
}

/// The host of an absolute base URL.
fn base_host(base_url: &str) -> Option<String> {
    let (scheme, rest) = split_scheme(base_url.trim_matches(is_url_space))?;
    if !HOST_SCHEMES
        .iter()
        .any(|known| scheme.eq_ignore_ascii_case(known))
    {
        return None;
    }
    authority_host(rest.trim_start_matches(['/', '\\']))
}

/// `scheme` and the rest, when the URL starts with a scheme (`[A-Za-z][A-Za-z0-9+.-]*:`).
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    valid.then(|| (scheme, &url[colon + 1..]))
}

/// The host of an authority that starts `rest` (`user@host:port/path…`).
fn authority_host(rest: &str) -> Option<String> {
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority
        .rfind('@')
        .map_or(authority, |at| &authority[at + 1..]);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        let inner = &bracketed[..bracketed.find(']')?];
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return None;
        }
        inner
    } else {
        let host = &host_port[..host_port.find(':').unwrap_or(host_port.len())];
        // Forbidden host code points of the URL standard, plus '%' (percent-encoded hosts are not worth decoding).
        let forbidden = |c: char| c <= ' ' || "#%/:<>?@[\\]^|\"{}`\u{7f}".contains(c);
        if host.is_empty() || host.contains(forbidden) {
            return None;
        }
        host
    };
    Some(host.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str, expected: &[(LinkKind, &str)]) {
        let found = links(html);
        let found: Vec<(LinkKind, &str)> = found
            .iter()
            .map(|link| (link.kind, link.url.as_str()))
            .collect();
        assert_eq!(found, expected, "{html}");
    }

    use LinkKind::*;

    #[test]
    fn each_kind() {
        check(
            r#"<script src="/a.js"></script>
               <link rel="stylesheet" href="s.css"><link rel=icon href=favicon.ico>
               <link rel="preload stylesheet" href="//cdn.example/p.css">
               <iframe src="https://frame.example/"></iframe><frame src=f.html>
               <img src=i.png><a href="/page">x</a><area href=map.html>
               <form action="https://post.example/login" method=post>
               <meta http-equiv="refresh" content="0;url=https://next.example/">"#,
            &[
                (Script, "/a.js"),
                (Stylesheet, "s.css"),
                (Stylesheet, "//cdn.example/p.css"),
                (Iframe, "https://frame.example/"),
                (Iframe, "f.html"),
                (Image, "i.png"),
                (Anchor, "/page"),
                (Anchor, "map.html"),
                (Form, "https://post.example/login"),
                (MetaRefresh, "https://next.example/"),
            ],
        );
    }

    #[test]
    fn messy_html() {
        check(
            "<HTML><BODY><A HREF=Page.HTML>x</A><IMG\nSRC = 'x.gif' ><a href = \"/q?a=1&amp;b=2\">",
            &[
                (Anchor, "Page.HTML"),
                (Image, "x.gif"),
                (Anchor, "/q?a=1&b=2"),
            ],
        );
        check(
            "<!-- <a href=/commented> --><a href=' /spaced '><a href=''><a name=top><a href>",
            &[(Anchor, "/spaced")],
        );
        check(
            "<a href=/dup><a href=/dup><img src=/dup>",
            &[(Anchor, "/dup"), (Image, "/dup")],
        );
        check("<a href=/x", &[]);
    }

    #[test]
    fn script_bodies_are_not_markup() {
        check(
            r#"<script>var s = '<a href="https://in-js.example/">'; if (a<b) {}</script>
               <script src=after.js></script><a href=/real>"#,
            &[(Script, "after.js"), (Anchor, "/real")],
        );
        check(
            "<noscript><img src=\"https://pixel.example/tr?id=1&amp;ev=PageView\"></noscript>",
            &[(Image, "https://pixel.example/tr?id=1&ev=PageView")],
        );
    }

    #[test]
    fn meta_refresh_forms() {
        let cases = [
            ("0;url=http://a/", Some("http://a/")),
            ("0; URL=http://a/", Some("http://a/")),
            ("5 ; url = 'http://a/' ", Some("http://a/")),
            ("0;URL=\"http://a/\"junk", Some("http://a/")),
            ("0, http://a/", Some("http://a/")),
            ("1.5;url=/next", Some("/next")),
            ("0;urlx.html", Some("urlx.html")),
            ("30", None),
            ("0;", None),
            ("url=http://a/", None),
            ("", None),
        ];
        for (content, expected) in cases {
            assert_eq!(refresh_url(content), expected, "{content}");
        }
        check(
            "<META HTTP-EQUIV=Refresh CONTENT='0; URL=/x'>",
            &[(MetaRefresh, "/x")],
        );
        check("<meta http-equiv=content-type content='0;url=/x'>", &[]);
    }

    #[test]
    fn hosts() {
        let base = "https://www.Example.com:8443/dir/page.html";
        let cases = [
            ("https://CDN.example.net/x.js", Some("cdn.example.net")),
            ("http://cdn.example.net:8080/x", Some("cdn.example.net")),
            ("//static.example.org/a.css", Some("static.example.org")),
            ("\\\\static.example.org\\a.css", Some("static.example.org")),
            ("https:\\\\back.example\\x", Some("back.example")),
            ("https:///triple.example/x", Some("triple.example")),
            ("HTTPS://user:pw@login.example/", Some("login.example")),
            ("http://[2001:DB8::1]:80/", Some("2001:db8::1")),
            ("http://192.0.2.7/", Some("192.0.2.7")),
            ("ws://socket.example/", Some("socket.example")),
            ("ftp://files.example/pub", Some("files.example")),
            ("http://host.example?q", Some("host.example")),
            ("http://host.example#f", Some("host.example")),
            ("  https://trimmed.example/ \n", Some("trimmed.example")),
            ("http://münchen.example/", Some("münchen.example")),
            ("/absolute/path", Some("www.example.com")),
            ("relative.html", Some("www.example.com")),
            ("www.other.example/not-a-host", Some("www.example.com")),
            ("?query", Some("www.example.com")),
            ("https:same-scheme.html", Some("www.example.com")),
            ("http:other-scheme", Some("other-scheme")),
            ("#fragment", None),
            ("", None),
            ("   ", None),
            ("javascript:void(0)", None),
            ("JavaScript:alert(1)", None),
            ("data:image/png;base64,AAAA", None),
            ("mailto:a@example.com", None),
            ("tel:+123", None),
            ("file:///etc/passwd", None),
            ("http://", None),
            ("http://:80/", None),
            ("http://bad host/", None),
            ("http://bad%20host/", None),
            ("http://[not-ipv6]/", None),
            ("http://[::1/", None),
        ];
        for (link, expected) in cases {
            assert_eq!(resolve_host(base, link).as_deref(), expected, "{link}");
        }
        assert_eq!(resolve_host("not a url", "/x"), None);
        assert_eq!(resolve_host("mailto:a@b", "/x"), None);
        assert_eq!(
            resolve_host("http://h.example", "x").as_deref(),
            Some("h.example")
        );
        assert_eq!(
            resolve_host("", "//cdn.example/x").as_deref(),
            Some("cdn.example")
        );
        assert_eq!(
            resolve_host(base, "https://a.example/?x=1&amp;y").as_deref(),
            Some("a.example")
        );
    }

    #[test]
    fn link_kind_names() {
        let names: Vec<&str> = [Script, Stylesheet, Iframe, Image, Anchor, Form, MetaRefresh]
            .map(LinkKind::as_str)
            .to_vec();
        assert_eq!(
            names,
            [
                "script",
                "stylesheet",
                "iframe",
                "image",
                "anchor",
                "form",
                "metaRefresh"
            ]
        );
    }
}
