//! Fingerprinting what scanners saw: components (`hostComponent`), trackers (`hostTracker`), cookies
//! (`hostCookie`) and page links (`hostPair`), found in a [`PortReport`](super::PortReport)'s service, banners and
//! HTTP responses.
//!
//! The derivation calls these; nothing here builds API resources or knows about hosts and times.
//! - [`ComponentRules`] detects software from rules kept as data (`crates/ingest/data/components.json`): HTTP
//!   headers, cookie names, HTML body, `<script src>`, `<meta name="generator">`, page title, banners, CPEs and
//!   the scanner's service product.
//! - [`trackers`] finds analytics and advertising ids in HTML (`crates/ingest/data/trackers.json`).
//! - [`links`] lists the URLs a page refers to, and [`resolve_host`] the host each one points at.
//! - [`set_cookie`] reads a `Set-Cookie` header's cookie name and domain.
//!
//! Rule patterns are `regex` syntax with Unicode disabled: `\w`, `\d`, `\s` and `(?i)` are ASCII-only, which keeps
//! the combined automata small; text is matched as UTF-8 bytes, so literal non-ASCII characters still match.

mod components;
mod cookie;
mod html;
mod links;
mod patterns;
mod trackers;

pub use components::{ComponentRules, Detection};
pub use cookie::{SetCookie, set_cookie};
pub use links::{Link, LinkKind, links, resolve_host};
pub use patterns::RuleError;
pub use trackers::{TrackerMatch, TrackerRules, trackers};
