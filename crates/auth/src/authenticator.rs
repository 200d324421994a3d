//! The request-side check: parse `Authorization: Bearer`, verify the JWT, check the permission.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde_json::{Map, Value};

use crate::oidc::{Clock, JwksCache, SystemClock, truncate};
use crate::{AuthError, GRAPH_APP_ID, GRAPH_AUDIENCE, LocalIssuer, OidcConfig, PERMISSION};

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default clock skew allowed on `exp` and `nbf`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Who made an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The `sub` claim.
    pub subject: Option<String>,
    /// The `iss` claim (one of the trusted issuers).
    pub issuer: String,
    /// The client application: `azp`, `appid` or `client_id`, whichever is present.
    pub client_id: Option<String>,
    /// Delegated permissions: `scp` (space-separated string or array) plus `scope`.
    pub scopes: Vec<String>,
    /// Application permissions: `roles`.
    pub roles: Vec<String>,
}

impl Principal {
    /// True if `permission` is among the scopes or the roles.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.scopes
            .iter()
            .chain(&self.roles)
            .any(|p| p == permission)
    }
}

#[derive(Debug)]
struct LocalVerifier {
    issuer: String,
    kid: String,
    key: DecodingKey,
}

#[derive(Debug)]
struct OidcVerifier {
    issuer: String,
    audiences: Vec<String>,
    jwks: JwksCache,
}

/// Verifies bearer tokens from the local issuer and/or one OpenID Connect issuer.
///
/// Cheap to share behind an `Arc`; [`Authenticator::authenticate`] takes `&self`.
#[derive(Debug)]
pub struct Authenticator {
    local: Option<LocalVerifier>,
    oidc: Option<OidcVerifier>,
    local_audiences: Vec<String>,
    leeway: Duration,
    verified: VerifiedCache,
}

/// Tokens whose signature and claims were verified recently, so a client that sends the same token on every request
/// (every SDK does) pays for one signature check, not one per request (~35 µs for Ed25519 on these machines).
/// Keyed by the exact token text; an entry is used only until the token's `exp` (plus leeway) and at most
/// [`VERIFIED_MAX_AGE`] after it was verified, so key rotation at an OIDC provider takes effect within that window.
#[derive(Debug, Default)]
struct VerifiedCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Verified>>,
}

/// One remembered verification.
#[derive(Debug, Clone)]
struct Verified {
    principal: Principal,
    /// The token's `exp` (seconds since the epoch).
    exp: u64,
    /// The signing key id, so an OIDC key that has since been rotated out stops vouching for the token.
    kid: Option<String>,
    at: std::time::Instant,
}

/// Longest time a verification result is reused.
pub const VERIFIED_MAX_AGE: Duration = Duration::from_secs(300);
/// Most tokens remembered at once (the cache is cleared when full).
const VERIFIED_MAX_ENTRIES: usize = 4096;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl VerifiedCache {
    fn get(&self, token: &str, leeway: Duration) -> Option<Verified> {
        let map = self.entries.lock().ok()?;
        let v = map.get(token)?;
        let live = unix_now() < v.exp.saturating_add(leeway.as_secs())
            && v.at.elapsed() < VERIFIED_MAX_AGE;
        live.then(|| v.clone())
    }

    fn put(&self, token: &str, principal: &Principal, exp: u64, kid: Option<String>) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= VERIFIED_MAX_ENTRIES {
                map.clear();
            }
            let v = Verified {
                principal: principal.clone(),
                exp,
                kid,
                at: std::time::Instant::now(),
            };
            map.insert(token.to_owned(), v);
        }
    }
}

impl Authenticator {
    /// Trusts tokens signed by `local` (only its public key is kept) and/or by the
    /// OIDC issuer `oidc`. At least one must be given.
    pub fn new(local: Option<&LocalIssuer>, oidc: Option<OidcConfig>) -> Result<Self, AuthError> {
        Self::with_clock(local, oidc, Arc::new(SystemClock))
    }

    pub(crate) fn with_clock(
        local: Option<&LocalIssuer>,
        oidc: Option<OidcConfig>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AuthError> {
        if local.is_none() && oidc.is_none() {
            return Err(AuthError::Config(
                "no token issuer configured: enable the local issuer or configure OIDC".to_owned(),
            ));
        }
        let local = local.map(|issuer| LocalVerifier {
            issuer: issuer.issuer().to_owned(),
            kid: issuer.key_id().to_owned(),
            key: issuer.decoding_key().clone(),
        });
        let oidc = match oidc {
            Some(config) => {
                config.validate()?;
                if local.as_ref().is_some_and(|l| l.issuer == config.issuer) {
                    return Err(AuthError::Config(format!(
                        "OIDC issuer {:?} clashes with the local issuer",
                        config.issuer
                    )));
                }
                Some(OidcVerifier {
                    issuer: config.issuer.clone(),
                    audiences: config.audiences.clone(),
                    jwks: JwksCache::new(&config, clock),
                })
            }
            None => None,
        };
        Ok(Self {
            local,
            oidc,
            local_audiences: vec![GRAPH_AUDIENCE.to_owned(), GRAPH_APP_ID.to_owned()],
            leeway: DEFAULT_LEEWAY,
            verified: VerifiedCache::default(),
        })
    }

    /// Sets the clock skew allowed on `exp` and `nbf` (default [`DEFAULT_LEEWAY`]).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Checks an `Authorization` header value: `Bearer <JWT>`, a valid token from a
    /// trusted issuer, carrying [`PERMISSION`] in `scp` or `roles`.
    ///
    /// Errors are [`AuthError::Unauthenticated`] (401) or [`AuthError::Forbidden`] (403).
    pub async fn authenticate(
        &self,
        authorization_header: Option<&str>,
    ) -> Result<Principal, AuthError> {
        let result = match bearer_token(authorization_header) {
            Ok(token) => self.authenticate_token(token).await,
            Err(e) => Err(e),
        };
        if let Err(err) = &result {
            tracing::debug!(reason = %err, "bearer authentication failed");
        }
        result
    }

    /// Like [`Authenticator::authenticate`], for a bare token.
    pub async fn authenticate_token(&self, token: &str) -> Result<Principal, AuthError> {
        let principal = self.verify_token(token).await?;
        if principal.has_permission(PERMISSION) {
            Ok(principal)
        } else {
            Err(AuthError::Forbidden(format!(
                "missing permission {PERMISSION} in scp/roles"
            )))
        }
    }

    /// Verifies a token (signature, `iss`, `aud`, `exp`, `nbf`) without checking
    /// any permission.
    pub async fn verify_token(&self, token: &str) -> Result<Principal, AuthError> {
        if let Some(hit) = self.verified.get(token, self.leeway) {
            // A token from the OIDC issuer counts only while its key is still published.
            let oidc = self
                .oidc
                .as_ref()
                .filter(|o| o.issuer == hit.principal.issuer);
            let key_current = match (oidc, &hit.kid) {
                (Some(oidc), Some(kid)) => oidc.jwks.key(kid).await.is_ok(),
                _ => true,
            };
            if key_current {
                return Ok(hit.principal);
            }
        }
        let principal = self.verify_uncached(token).await?;
        let exp = precheck(token)
            .ok()
            .and_then(|peek| peek.get("exp").and_then(Value::as_u64))
            .unwrap_or(0);
        let kid = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid);
        self.verified.put(token, &principal, exp, kid);
        Ok(principal)
    }

    async fn verify_uncached(&self, token: &str) -> Result<Principal, AuthError> {
        let peek = precheck(token)?;
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| AuthError::unauthenticated(format!("malformed token header: {e}")))?;
        if header.crit.is_some() {
            return Err(AuthError::unauthenticated(
                "token header has unsupported critical parameters (crit)",
            ));
        }
        let iss = match peek.get("iss") {
            Some(Value::String(iss)) => iss.as_str(),
            Some(_) => {
                return Err(AuthError::unauthenticated(
                    "invalid iss claim: not a string",
                ));
            }
            None => return Err(AuthError::unauthenticated("token has no iss claim")),
        };
        if let Some(local) = self.local.as_ref().filter(|l| l.issuer == iss) {
            match header.kid.as_deref() {
                Some(kid) if kid == local.kid => {}
                Some(kid) => {
                    return Err(AuthError::unauthenticated(format!(
                        "unknown signing key id {:?}",
                        truncate(kid)
                    )));
                }
                None => return Err(AuthError::unauthenticated("token header has no kid")),
            }
            let check = Check {
                issuer: &local.issuer,
                audiences: &self.local_audiences,
                alg: Algorithm::EdDSA,
            };
            let claims = self.verify(token, &header, &local.key, &check, &peek)?;
            return Ok(principal(&claims, &local.issuer));
        }
        if let Some(oidc) = self.oidc.as_ref().filter(|o| o.issuer == iss) {
            let check = Check {
                issuer: &oidc.issuer,
                audiences: &oidc.audiences,
                alg: Algorithm::RS256,
            };
            check_alg(&header, &check)?;
            let Some(kid) = header.kid.as_deref() else {
                return Err(AuthError::unauthenticated("token header has no kid"));
            };
            let key = oidc.jwks.key(kid).await?;
            let claims = self.verify(token, &header, &key, &check, &peek)?;
            return Ok(principal(&claims, &oidc.issuer));
        }
        Err(AuthError::unauthenticated(format!(
            "untrusted issuer {:?}: expected {}",
            truncate(iss),
            self.trusted_issuers()
        )))
    }

    fn trusted_issuers(&self) -> String {
        let names: Vec<String> = self
            .local
            .iter()
            .map(|l| format!("{:?}", l.issuer))
            .chain(self.oidc.iter().map(|o| format!("{:?}", o.issuer)))
            .collect();
        names.join(" or ")
    }

    fn verify(
        &self,
        token: &str,
        header: &Header,
        key: &DecodingKey,
        check: &Check<'_>,
        peek: &Map<String, Value>,
    ) -> Result<Map<String, Value>, AuthError> {
        check_alg(header, check)?;
        let mut validation = Validation::new(check.alg);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.set_issuer(&[check.issuer]);
        validation.set_audience(check.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| describe_error(&e, check, peek))
    }
}

struct Check<'a> {
    issuer: &'a str,
    audiences: &'a [String],
    alg: Algorithm,
}

fn check_alg(header: &Header, check: &Check<'_>) -> Result<(), AuthError> {
    if header.alg == check.alg {
        return Ok(());
    }
    Err(AuthError::unauthenticated(format!(
        "signing algorithm {:?} is not accepted for issuer {:?} (expected {:?})",
        header.alg, check.issuer, check.alg
    )))
}

/// The token inside an `Authorization` header value.
fn bearer_token(header: Option<&str>) -> Result<&str, AuthError> {
    const MISSING: &str = "missing Authorization header (expected: Bearer <token>)";
    let value = header
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AuthError::unauthenticated(MISSING))?;
    let (scheme, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::unauthenticated(format!(
            "unsupported authorization scheme {:?}: expected Bearer",
            truncate(scheme)
        )));
    }
    let token = rest.trim();
    if token.is_empty() {
        return Err(AuthError::unauthenticated("empty bearer token"));
    }
    if token.contains(char::is_whitespace) {
        return Err(AuthError::unauthenticated(
            "malformed bearer token: contains whitespace",
        ));
    }
    Ok(token)
}

/// Structural checks before any cryptography, returning the unverified claims (used
/// only to pick the issuer and to explain errors).
fn precheck(token: &str) -> Result<Map<String, Value>, AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::unauthenticated(format!(
            "token too large (over {MAX_TOKEN_BYTES} bytes)"
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => {
            return Err(AuthError::unauthenticated(
                "encrypted tokens (JWE) are not supported",
            ));
        }
        _ => {
            return Err(AuthError::unauthenticated(
                "malformed token: expected three base64url parts separated by dots",
            ));
        }
    }
    let header = decode_json_part(parts[0], "header")?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg.eq_ignore_ascii_case("none") => {
            return Err(AuthError::unauthenticated(
                "unsigned tokens (alg \"none\") are not accepted",
            ));
        }
        Some(Value::String(alg)) if alg.parse::<Algorithm>().is_err() => {
            return Err(AuthError::unauthenticated(format!(
                "unsupported signing algorithm {:?}",
                truncate(alg)
            )));
        }
        Some(Value::String(_)) => {}
        _ => return Err(AuthError::unauthenticated("malformed token header: no alg")),
    }
    if parts[2].is_empty() {
        return Err(AuthError::unauthenticated("token has no signature"));
    }
    decode_json_part(parts[1], "payload")
}

fn decode_json_part(part: &str, what: &str) -> Result<Map<String, Value>, AuthError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| {
        AuthError::unauthenticated(format!("malformed token: {what} is not base64url"))
    })?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(AuthError::unauthenticated(format!(
            "malformed token: {what} is not a JSON object"
        ))),
    }
}

fn describe_error(err: &JwtError, check: &Check<'_>, peek: &Map<String, Value>) -> AuthError {
    let msg = match err.kind() {
        ErrorKind::ExpiredSignature => "token expired".to_owned(),
        ErrorKind::ImmatureSignature => "token not yet valid (nbf is in the future)".to_owned(),
        ErrorKind::InvalidAudience => format!(
            "audience mismatch: expected {}, token has {}",
            check
                .audiences
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(" or "),
            describe_claim(peek.get("aud"))
        ),
        ErrorKind::InvalidIssuer => format!(
            "issuer mismatch: expected {:?}, token has {}",
            check.issuer,
            describe_claim(peek.get("iss"))
        ),
        ErrorKind::InvalidSignature => "invalid token signature".to_owned(),
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            format!("signing algorithm not accepted (expected {:?})", check.alg)
        }
        // jsonwebtoken also reports a claim of the wrong type as missing.
        ErrorKind::MissingRequiredClaim(claim) if peek.contains_key(claim.as_str()) => {
            format!("invalid {claim} claim")
        }
        ErrorKind::MissingRequiredClaim(claim) => format!("token has no {claim} claim"),
        ErrorKind::InvalidClaimFormat(claim) => format!("invalid {claim} claim"),
        ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => {
            tracing::warn!(issuer = check.issuer, error = %err, "signing key cannot be used");
            "cannot verify token: the issuer's signing key is unusable".to_owned()
        }
        ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_)
        | ErrorKind::InvalidToken => {
            format!("malformed token: {err}")
        }
        _ => format!("invalid token: {err}"),
    };
    AuthError::Unauthenticated(msg)
}

fn describe_claim(value: Option<&Value>) -> String {
    match value {
        None => "none".to_owned(),
        Some(Value::String(s)) => format!("{:?}", truncate(s)),
        Some(other) => {
            let text = other.to_string();
            truncate(&text).to_owned()
        }
    }
}

fn principal(claims: &Map<String, Value>, issuer: &str) -> Principal {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut scopes = words(claims.get("scp"));
    for scope in words(claims.get("scope")) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Principal {
        subject: text("sub"),
        issuer: issuer.to_owned(),
        client_id: text("azp")
            .or_else(|| text("appid"))
            .or_else(|| text("client_id")),
        scopes,
        roles: words(claims.get("roles")),
    }
}

/// A space-separated string or an array of strings, as a list of words.
fn words(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing() {
        let ok = [
            ("Bearer abc", "abc"),
            ("bearer  abc ", "abc"),
            ("BEARER\tabc", "abc"),
        ];
        for (input, token) in ok {
            assert_eq!(bearer_token(Some(input)).ok(), Some(token), "{input}");
        }
        let bad = [
            (None, "missing Authorization header"),
            (Some(""), "missing Authorization header"),
            (
                Some("Basic dXNlcjpwYXNz"),
                "unsupported authorization scheme \"Basic\"",
            ),
            (Some("Bearer"), "empty bearer token"),
            (Some("Bearer   "), "empty bearer token"),
            (Some("Bearer a b"), "contains whitespace"),
            (Some("Token abc"), "unsupported authorization scheme"),
        ];
        for (input, want) in bad {
            let err = bearer_token(input).expect_err("should fail");
            assert!(err.is_unauthenticated());
            assert!(err.to_string().contains(want), "{input:?}: {err}");
        }
    }

    #[test]
    fn words_accepts_strings_and_arrays() {
        assert_eq!(words(Some(&Value::from("a  b c"))), ["a", "b", "c"]);
        assert_eq!(words(Some(&serde_json::json!(["a", 1, "b"]))), ["a", "b"]);
        assert!(words(Some(&Value::from(5))).is_empty());
        assert!(words(None).is_empty());
    }
}

#[cfg(test)]
mod verified_cache_tests {
    use super::*;

    fn someone() -> Principal {
        Principal {
            subject: None,
            issuer: "i".into(),
            client_id: None,
            scopes: vec![PERMISSION.into()],
            roles: vec![],
        }
    }

    #[test]
    fn entries_are_used_only_while_the_token_is_valid() {
        let cache = VerifiedCache::default();
        cache.put("live", &someone(), unix_now() + 3600, None);
        cache.put("expired", &someone(), unix_now() - 3600, None);
        assert_eq!(
            cache.get("live", Duration::ZERO).map(|v| v.principal),
            Some(someone())
        );
        assert!(cache.get("expired", Duration::ZERO).is_none());
        assert!(cache.get("never-seen", Duration::ZERO).is_none());
        // Within the leeway an expired token still counts, as it does when verified afresh.
        cache.put("just-expired", &someone(), unix_now() - 10, None);
        assert!(cache.get("just-expired", Duration::from_secs(60)).is_some());
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = VerifiedCache::default();
        for i in 0..VERIFIED_MAX_ENTRIES + 10 {
            cache.put(&i.to_string(), &someone(), unix_now() + 3600, None);
        }
        assert!(cache.entries.lock().unwrap().len() <= VERIFIED_MAX_ENTRIES);
    }
}
