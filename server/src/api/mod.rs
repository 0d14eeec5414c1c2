//! The HTTP API: routes, shared state, request bodies and authentication.

mod accounts;
mod changes;
mod error;
mod groups;
mod shares;
mod spaces;

pub use crate::now_ms;
pub use error::{ApiError, ApiResult};

use crate::credentials::token_hash;
use crate::rate_limit::RateLimiter;
use crate::storage::{Account, Storage};
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::routing::{delete, get, post};
use axum::Router;
use http_body_util::BodyExt;
use pph_protocol::wire::{ErrorCode, MAX_PUSH_BYTES};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Largest body of any request but a push.
const MAX_SMALL_BODY: usize = 64 * 1024;

pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub limiter: RateLimiter,
}

pub fn router(storage: Arc<dyn Storage>) -> Router {
    let state = Arc::new(AppState {
        storage,
        limiter: RateLimiter::default(),
    });
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/accounts", post(accounts::sign_up))
        .route("/v1/sessions", post(accounts::sign_in))
        .route("/v1/sessions/current", delete(accounts::sign_out))
        .route("/v1/spaces", get(spaces::list).post(spaces::create_group))
        .route("/v1/changes", post(changes::push))
        .route("/v1/spaces/{space}/changes", get(changes::pull))
        .route("/v1/spaces/{space}/invites", post(groups::create_invite))
        .route(
            "/v1/spaces/{space}/invites/{code}",
            delete(groups::revoke_invite),
        )
        .route("/v1/invites/{code}", post(groups::join))
        .route("/v1/spaces/{space}/members", get(groups::members))
        .route(
            "/v1/spaces/{space}/members/{account}",
            delete(groups::remove_member),
        )
        .route("/v1/shares", get(shares::list).post(shares::grant))
        .route("/v1/shares/{id}", delete(shares::revoke))
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(ErrorCode::NotFound, "no such method on this route")
        })
        // Bodies are read by `json_body` with their own bound and error.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Reads a body of at most `limit` bytes and parses it as JSON of type T.
/// A longer body is refused, but read on (up to 4 × `limit`, discarded) so
/// the client is still listening when the refusal arrives; past that the
/// connection is dropped.
pub async fn json_body<T: DeserializeOwned>(mut body: Body, limit: usize) -> ApiResult<T> {
    let too_large = || {
        ApiError::new(
            ErrorCode::TooLarge,
            format!("body larger than {limit} bytes"),
        )
    };
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ApiError::invalid("the body could not be read"))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > limit.saturating_mul(4) {
                return Err(too_large());
            }
            if seen <= limit {
                bytes.extend_from_slice(&data);
            }
        }
    }
    if seen > limit {
        return Err(too_large());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        // serde's message can quote input; report only where it broke.
        ApiError::invalid(format!(
            "malformed JSON body (line {}, column {}, {:?})",
            e.line(),
            e.column(),
            e.classify()
        ))
    })
}

pub async fn small_json<T: DeserializeOwned>(body: Body) -> ApiResult<T> {
    json_body(body, MAX_SMALL_BODY).await
}

pub async fn push_json<T: DeserializeOwned>(body: Body) -> ApiResult<T> {
    json_body(body, MAX_PUSH_BYTES).await
}

/// The account behind the request's bearer token.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Account> {
    let token = bearer_token(headers).ok_or_else(ApiError::unauthorized)?;
    state
        .storage
        .account_for_token(&token_hash(token))
        .await?
        .ok_or_else(ApiError::unauthorized)
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty() && t.len() <= 200)
}

/// Ids are UUIDs (v7 from our clients); anything else is refused by name.
pub fn check_id(field: &str, value: &str) -> ApiResult<()> {
    uuid::Uuid::parse_str(value)
        .map(|_| ())
        .map_err(|_| ApiError::invalid(format!("{field} must be a UUID")))
}

/// Required text of at most `max` characters.
pub fn check_text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}
