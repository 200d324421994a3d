//! The local token issuer: an Ed25519 key kept in the data directory, used by `tigr token`.
//!
//! The key is a PKCS#8 PEM file at `<data_dir>/auth/signing-key.pem` (mode 0600 on
//! unix), created on first use and reused afterwards. Its key id is the RFC 7638
//! SHA-256 thumbprint of the public key, so it is stable across restarts and changes
//! when the file is replaced.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;

use crate::{AuthError, GRAPH_AUDIENCE, LOCAL_ISSUER, PERMISSION};

/// Sub-directory of the data directory that holds the key.
pub const KEY_DIR: &str = "auth";
/// File name of the signing key inside [`KEY_DIR`].
pub const KEY_FILE: &str = "signing-key.pem";
/// Longest lifetime [`LocalIssuer::mint`] accepts.
pub const MAX_TTL: Duration = Duration::from_secs(366 * 86_400);
/// The `sub` claim of locally minted tokens.
pub const LOCAL_SUBJECT: &str = "tigr-cli";

/// DER prefix of a PKCS#8 v1 Ed25519 private key (RFC 8410): the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Signs tokens with the server's own Ed25519 key (`alg` EdDSA).
pub struct LocalIssuer {
    encoding: EncodingKey,
    /// The public half, for verification.
    decoding: DecodingKey,
    kid: String,
    key_path: PathBuf,
}

impl std::fmt::Debug for LocalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("kid", &self.kid)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct MintedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scp: Option<String>,
    #[serde(skip_serializing_if = "slice_is_empty")]
    roles: &'a [String],
}

impl LocalIssuer {
    /// Loads the key from `data_dir/auth/signing-key.pem`, creating the directory and a
    /// fresh key (mode 0600 on unix) if there is none yet.
    ///
    /// Two processes racing on first start end up with the same key: the file is written
    /// under a temporary name and hard-linked into place, and the loser loads the winner's.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, AuthError> {
        let dir = data_dir.join(KEY_DIR);
        let path = dir.join(KEY_FILE);
        match fs::read_to_string(&path) {
            Ok(pem) => return Self::from_pem(&pem, path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(AuthError::Io {
                    context: "cannot read signing key",
                    path,
                    source,
                });
            }
        }
        create_key_dir(data_dir, &dir)?;
        let pem = generate_pem()?;
        if let Some(existing) = install_key_file(&dir, &path, &pem)? {
            return Self::from_pem(&existing, path);
        }
        tracing::info!(path = %path.display(), "created a new token signing key");
        Self::from_pem(&pem, path)
    }

    fn from_pem(pem: &str, key_path: PathBuf) -> Result<Self, AuthError> {
        let bad = |what: &str| {
            AuthError::Key(format!(
                "signing key {} is not a PKCS#8 Ed25519 private key ({what}); \
                 delete it to have a new one generated",
                key_path.display()
            ))
        };
        warn_if_readable_by_others(&key_path);
        let encoding = EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| bad(&e.to_string()))?;
        let jwk =
            Jwk::from_encoding_key(&encoding, Algorithm::EdDSA).map_err(|e| bad(&e.to_string()))?;
        let public_x = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => p.x.clone(),
            _ => return Err(bad("not an OKP key")),
        };
        let kid = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| bad(&e.to_string()))?;
        let decoding =
            DecodingKey::from_ed_components(&public_x).map_err(|e| bad(&e.to_string()))?;
        Ok(Self {
            encoding,
            decoding,
            kid,
            key_path,
        })
    }

    /// The `iss` of locally minted tokens: [`LOCAL_ISSUER`].
    pub fn issuer(&self) -> &str {
        LOCAL_ISSUER
    }

    /// The `aud` of locally minted tokens: [`GRAPH_AUDIENCE`].
    pub fn audience() -> &'static str {
        GRAPH_AUDIENCE
    }

    /// The `kid` header of locally minted tokens (RFC 7638 thumbprint of the public key).
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// Where the private key lives.
    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// The public key as a JWK Set (`{"keys":[{"kty":"OKP","crv":"Ed25519",…}]}`),
    /// for whoever wants to verify local tokens elsewhere.
    pub fn jwks(&self) -> serde_json::Value {
        let Ok(mut jwk) = Jwk::from_decoding_key(&self.decoding, Some(Algorithm::EdDSA)) else {
            return serde_json::json!({ "keys": [] });
        };
        jwk.common.key_id = Some(self.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        serde_json::to_value(JwkSet { keys: vec![jwk] })
            .unwrap_or_else(|_| serde_json::json!({ "keys": [] }))
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Mints a token valid from now for `ttl`.
    ///
    /// Claims: `iss` [`LOCAL_ISSUER`], `aud` [`GRAPH_AUDIENCE`], `sub` [`LOCAL_SUBJECT`],
    /// `iat`/`nbf` now, `exp` now + ttl, a random `jti`, `scp` with `scopes` joined by
    /// spaces, and `roles` when given. With neither scopes nor roles, `scp` is
    /// [`PERMISSION`]. With roles only, there is no `scp` (an application token).
    ///
    /// `ttl` must be between 1 s and [`MAX_TTL`].
    pub fn mint(
        &self,
        scopes: &[String],
        roles: &[String],
        ttl: Duration,
    ) -> Result<String, AuthError> {
        if ttl < Duration::from_secs(1) || ttl > MAX_TTL {
            return Err(AuthError::Config(format!(
                "token lifetime must be between 1s and {}d, got {}s",
                MAX_TTL.as_secs() / 86_400,
                ttl.as_secs()
            )));
        }
        for value in scopes.iter().chain(roles) {
            if value.is_empty() || value.chars().any(char::is_whitespace) {
                return Err(AuthError::Config(format!(
                    "invalid scope or role {value:?}: must be non-empty and without spaces"
                )));
            }
        }
        let scp = if !scopes.is_empty() {
            Some(scopes.join(" "))
        } else if roles.is_empty() {
            Some(PERMISSION.to_owned())
        } else {
            None
        };
        let now = unix_now();
        let claims = MintedClaims {
            iss: LOCAL_ISSUER,
            aud: GRAPH_AUDIENCE,
            sub: LOCAL_SUBJECT,
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl.as_secs()),
            jti: random_id()?,
            scp,
            roles,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("JWT".to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| AuthError::Key(format!("cannot sign token: {e}")))
    }
}

fn slice_is_empty(v: &&[String]) -> bool {
    v.is_empty()
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf)
        .map_err(|e| AuthError::Key(format!("no randomness from the operating system: {e}")))?;
    Ok(buf)
}

fn random_id() -> Result<String, AuthError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<16>()?))
}

fn generate_pem() -> Result<String, AuthError> {
    let seed = random_bytes::<32>()?;
    let mut der = Vec::with_capacity(48);
    der.extend_from_slice(&ED25519_PKCS8_PREFIX);
    der.extend_from_slice(&seed);
    let b64 = STANDARD.encode(&der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    // 48 DER bytes are 64 base64 characters: one line.
    pem.push_str(&b64);
    pem.push_str("\n-----END PRIVATE KEY-----\n");
    Ok(pem)
}

fn create_key_dir(data_dir: &Path, dir: &Path) -> Result<(), AuthError> {
    let io_err = |source| AuthError::Io {
        context: "cannot create key directory",
        path: dir.to_owned(),
        source,
    };
    fs::create_dir_all(data_dir).map_err(io_err)?;
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(io_err(e)),
    }
}

/// Writes `pem` to a temporary file and links it to `path`. Returns the existing file's
/// content if another process got there first.
fn install_key_file(dir: &Path, path: &Path, pem: &str) -> Result<Option<String>, AuthError> {
    let tmp = dir.join(format!(
        ".{KEY_FILE}.{}.{}.tmp",
        std::process::id(),
        random_id()?
    ));
    let write = || -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()
    };
    if let Err(source) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(AuthError::Io {
            context: "cannot write signing key",
            path: tmp,
            source,
        });
    }
    let linked = fs::hard_link(&tmp, path);
    let result = match linked {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => fs::read_to_string(path)
            .map(Some)
            .map_err(|source| AuthError::Io {
                context: "cannot read signing key",
                path: path.to_owned(),
                source,
            }),
        // File systems without hard links: fall back to a (non-exclusive) rename.
        Err(_) => {
            return fs::rename(&tmp, path)
                .map(|()| None)
                .map_err(|source| AuthError::Io {
                    context: "cannot install signing key",
                    path: path.to_owned(),
                    source,
                });
        }
    };
    let _ = fs::remove_file(&tmp);
    result
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format_args!("{:o}", meta.permissions().mode() & 0o777),
                "token signing key is readable by group or others; chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
