//! The crate's error type: authentication failures, authorisation failures and setup errors.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
///
/// The API layer maps [`AuthError::Unauthenticated`] to `401 Unauthorized` with
/// `WWW-Authenticate: Bearer`, and [`AuthError::Forbidden`] to `403 Forbidden`.
/// The other variants are setup errors (key file, configuration, CLI input) and
/// never come out of [`Authenticator::authenticate`](crate::Authenticator::authenticate).
///
/// The messages name the problem ("token expired", "audience mismatch: …") and are
/// safe to show to the caller: they never contain the token or key material.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The request carries no usable credentials: the header is missing, the token is
    /// malformed, its signature does not verify, or a claim (iss, aud, exp, nbf) fails.
    #[error("{0}")]
    Unauthenticated(String),
    /// The token is valid but does not grant the permission the API needs.
    #[error("{0}")]
    Forbidden(String),
    /// Reading or writing the signing-key file failed.
    #[error("{context} {}: {source}", path.display())]
    Io {
        /// What was being done ("cannot read signing key").
        context: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A key file that cannot be used, or a failure to sign a token.
    #[error("{0}")]
    Key(String),
    /// Invalid configuration or CLI input (an OIDC setting, a TTL, a duration string).
    #[error("{0}")]
    Config(String),
}

impl AuthError {
    /// True for [`AuthError::Forbidden`] (HTTP 403).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Forbidden(_))
    }

    /// True for [`AuthError::Unauthenticated`] (HTTP 401).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::Unauthenticated(_))
    }

    pub(crate) fn unauthenticated(msg: impl Into<String>) -> Self {
        Self::Unauthenticated(msg.into())
    }
}
