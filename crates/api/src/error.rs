//! Graph error bodies: `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.

use axum::http::StatusCode;
use tigr_store::StoreError;

/// An error answer. The body is rendered by [`crate::respond`], which knows the request ids.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Graph error code.
    pub code: &'static str,
    /// Human message naming the problem.
    pub message: String,
}

impl ApiError {
    /// 400: the query or path cannot be answered as written.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: message.into(),
        }
    }
    /// 404: no such resource.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "ResourceNotFound",
            message: message.into(),
        }
    }
    /// 405: only GET (and POST to `$batch`) exist.
    pub fn method_not_allowed(method: &str) -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "MethodNotAllowed",
            message: format!(
                "{method} is not supported: the threat-intelligence API is read-only (GET)"
            ),
        }
    }
    /// 401.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "InvalidAuthenticationToken",
            message: message.into(),
        }
    }
    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "Forbidden",
            message: message.into(),
        }
    }
    /// 500, without internals.
    pub fn internal() -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalServerError",
            message: "internal error; see the server log".into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::BadRequest(m) => ApiError::bad_request(m),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl From<tigr_odata::QueryError> for ApiError {
    fn from(e: tigr_odata::QueryError) -> Self {
        ApiError::bad_request(e.to_string())
    }
}

impl From<tigr_auth::AuthError> for ApiError {
    fn from(e: tigr_auth::AuthError) -> Self {
        if e.is_forbidden() {
            ApiError::forbidden(e.to_string())
        } else {
            ApiError::unauthenticated(e.to_string())
        }
    }
}
