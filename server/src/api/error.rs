//! Every refusal is a JSON `ErrorBody` with a stable code and a message that
//! names fields, never their values.

use crate::storage::{PushError, StorageError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pph_protocol::wire::{ErrorBody, ErrorCode, RefusedChange};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// A refused push: which changes broke which rule.
    pub refused: Vec<RefusedChange>,
    pub retry_after_s: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            refused: Vec::new(),
            retry_after_s: None,
        }
    }

    /// Too many attempts: try again in `retry_after_s` seconds.
    pub fn rate_limited(retry_after_s: u64) -> Self {
        let mut e = ApiError::new(
            ErrorCode::RateLimited,
            format!("too many attempts; try again in {retry_after_s} s"),
        );
        e.retry_after_s = Some(retry_after_s);
        e
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "this account may not do that")
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "missing, unknown or revoked token")
    }

    fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::Invalid | ErrorCode::ClockDrift => StatusCode::BAD_REQUEST,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::WrongCode => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict => ApiError::new(ErrorCode::Conflict, "already exists"),
            StorageError::Backend(reason) => {
                // The reason is a backend code, never row content.
                tracing::error!(reason, "storage failure");
                ApiError::new(ErrorCode::Internal, "storage failure")
            }
        }
    }
}

impl From<PushError> for ApiError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Storage(e) => e.into(),
            PushError::Refused(refused) => {
                let first = refused.first().map_or("", |r| r.rule.explain());
                let mut e = ApiError::new(
                    ErrorCode::Forbidden,
                    format!(
                        "{} changes refused; nothing was stored (change {}: {first})",
                        refused.len(),
                        refused.first().map_or(0, |r| r.index)
                    ),
                );
                e.refused = refused;
                e
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let refused =
            crate::telemetry::Refused::new(&self.code, self.refused.iter().map(|r| &r.rule));
        let retry_after = self.retry_after_s;
        let mut response = (
            status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
                refused: self.refused,
                retry_after_s: self.retry_after_s,
            }),
        )
            .into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(refused);
        response
    }
}
