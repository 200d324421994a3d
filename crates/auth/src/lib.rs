//! Bearer-token authentication for tigr: local EdDSA tokens and OpenID Connect (JWKS) tokens.
//!
//! # Layout
//!
//! * [`local`]: [`LocalIssuer`], the Ed25519 key in `<data_dir>/auth/signing-key.pem`
//!   that `tigr token` signs with.
//! * [`oidc`]: [`OidcConfig`] and the JWKS key cache for an external issuer (RS256).
//! * [`authenticator`]: [`Authenticator`], which turns an `Authorization` header into a
//!   [`Principal`] or an [`AuthError`].
//! * [`duration`]: [`parse_duration`] for the CLI's `--ttl`.
//!
//! **API boundary:** no HTTP-framework types. The api crate maps
//! [`AuthError::Unauthenticated`] to 401 with `WWW-Authenticate: Bearer` and
//! [`AuthError::Forbidden`] to 403.
//!
//! **Runtime:** [`Authenticator::authenticate`] is async but needs no particular
//! runtime. Local tokens never await anything. An OIDC JWKS fetch (blocking `ureq`
//! with a timeout) runs on Tokio's blocking pool when called inside a Tokio runtime,
//! and inline otherwise.

pub mod authenticator;
pub mod duration;
mod error;
pub mod local;
pub mod oidc;

pub use authenticator::{Authenticator, DEFAULT_LEEWAY, Principal};
pub use duration::parse_duration;
pub use error::AuthError;
pub use local::LocalIssuer;
pub use oidc::OidcConfig;

/// The Graph permission every threat-intelligence request needs, in `scp` or `roles`.
pub const PERMISSION: &str = "ThreatIntelligence.Read.All";
/// The `iss` of locally minted tokens.
pub const LOCAL_ISSUER: &str = "tigr-local";
/// Microsoft Graph's audience, the `aud` of locally minted tokens.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Microsoft Graph's application id, also accepted as `aud`.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
