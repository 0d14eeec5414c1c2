//! The HTTP API: routes, shared state, request bodies and authentication.

mod accounts;
mod admissions;
mod changes;
mod error;
mod extract;
mod groups;
mod keys;
mod secrets;
mod shares;
mod spaces;

pub use crate::now_ms;
pub use error::{ApiError, ApiResult};
pub use extract::{bearer_token, Authed, ClientAddr, Facilitator, InSpace, SettingKeys};

use crate::config::ServerConfig;
use crate::storage::Storage;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::Router;
use http_body_util::BodyExt;
use pph_protocol::wire::{ErrorCode, MAX_PUSH_BYTES};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Largest body of any request but a push.
const MAX_SMALL_BODY: usize = 64 * 1024;

pub struct AppState {
    pub storage: Arc<Storage>,
    pub config: ServerConfig,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Argon2 is memory- and CPU-hungry: it runs on threads of its own.
    hasher: crate::hashing::Hasher,
}

impl AppState {
    /// Runs a password hash or check on the hashing threads, in turn.
    pub async fn hash<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        self.hasher
            .run(f)
            .await
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "shutting down"))
    }

    /// Counts one attempt under `key` against `limit` (see `rate_limit`).
    pub async fn take_attempt(&self, key: &str, limit: crate::rate_limit::Limit) -> ApiResult<()> {
        let now = now_ms();
        let wait_ms = self
            .storage
            .take_attempt(key, now, limit.window_ms, limit.max)
            .await?;
        match crate::rate_limit::retry_after_s(wait_ms) {
            None => Ok(()),
            Some(seconds) => Err(ApiError::rate_limited(seconds)),
        }
    }
}

/// How long the health probe waits for the database.
const HEALTH_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// What a balancer or an orchestrator asks: "ok" while the database
/// answers a read within `HEALTH_WAIT`, 503 otherwise, so that a process
/// cut off from its database is taken out of service (the twenty-eighth
/// attacker run found it "ok" with PostgreSQL unreachable).
async fn health(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(HEALTH_WAIT, state.storage.schema_version()).await {
        Ok(Ok(_)) => "ok".into_response(),
        _ => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the database does not answer",
        )
            .into_response(),
    }
}

/// The public API, each request logged and counted into `metrics`.
pub fn router(
    storage: Arc<Storage>,
    config: ServerConfig,
    metrics: Arc<crate::metrics::Metrics>,
) -> std::io::Result<Router> {
    let state = Arc::new(AppState {
        storage,
        metrics: metrics.clone(),
        hasher: crate::hashing::Hasher::new(config.hashing_threads)?,
        config,
    });
    Ok(Router::new()
        .route("/v1/health", get(health))
        .route("/v1/accounts", post(accounts::sign_up))
        .route("/v1/accounts/code", post(accounts::ask_sign_up_code))
        .route("/v1/accounts/current", delete(accounts::delete_account))
        .route("/v1/accounts/current/keys", put(keys::set_account_keys))
        .route("/v1/keys", get(keys::list))
        .route("/v1/keys/envelopes", post(keys::put_envelopes))
        .route("/v1/keys/envelopes/discard", post(keys::discard_envelopes))
        .route("/v1/sessions", post(accounts::sign_in))
        .route("/v1/sessions/kdf", post(accounts::kdf))
        .route("/v1/sessions/current", delete(accounts::sign_out))
        .route("/v1/sessions/refresh", post(accounts::refresh))
        .route("/v1/devices", get(accounts::devices))
        .route("/v1/devices/{session}", delete(accounts::sign_out_device))
        .route("/v1/spaces", get(spaces::list).post(spaces::create_group))
        .route("/v1/changes", post(changes::push))
        .route("/v1/spaces/{space}/changes", get(changes::pull))
        .route("/v1/spaces/{space}/invites", post(groups::create_invite))
        .route(
            "/v1/spaces/{space}/invites/{code}",
            delete(groups::revoke_invite),
        )
        .route("/v1/invites/{code}", get(groups::lookup).post(groups::join))
        .route("/v1/spaces/{space}/members", get(groups::members))
        .route(
            "/v1/spaces/{space}/members/{account}",
            delete(groups::remove_member),
        )
        .route("/v1/spaces/{space}/removed", get(groups::removed))
        .route(
            "/v1/spaces/{space}/removed/{account}",
            delete(groups::readmit),
        )
        .route("/v1/shares", get(shares::list).post(shares::grant))
        .route("/v1/clinicians/lookup", post(shares::lookup))
        .route("/v1/shares/access", get(shares::access_log))
        .route("/v1/shares/{id}", delete(shares::revoke))
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(ErrorCode::NotFound, "no such method on this route")
        })
        // Bodies are read by `json_body` with their own bound and error.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(close_after_refused_body))
        // Outermost: the line and the count are of the whole answer.
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::telemetry::observe,
        ))
        .with_state(state))
}

/// A request refused before its body was read (a wrong token on a large
/// push) leaves the rest of that body on the connection. The answer says
/// `Connection: close`, so the client does not reuse the connection, and the
/// unread body is read and dropped (at most a push's size, for a few
/// seconds) before the socket closes: closing on unread bytes would reset
/// the connection, and a client still sending could lose the answer.
async fn close_after_refused_body(request: Request, next: Next) -> Response {
    let has_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v != "0");
    if !has_body {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let held = LentBody::new(body);
    let mut response = next
        .run(Request::from_parts(parts, Body::new(held.clone())))
        .await;
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        if let Some(rest) = held.take() {
            tokio::spawn(drain(rest));
        }
    }
    response
}

/// Reads and drops what is left of a refused body, within bounds.
async fn drain(body: Body) {
    const LINGER: std::time::Duration = std::time::Duration::from_secs(5);
    let mut body = body;
    let mut read = 0usize;
    let _ = tokio::time::timeout(LINGER, async {
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, |d| d.len());
            if read > MAX_PUSH_BYTES {
                break;
            }
        }
    })
    .await;
}

/// A request body lent to the handler: what the handler leaves unread can
/// be taken back afterwards.
#[derive(Clone)]
struct LentBody(Arc<std::sync::Mutex<Option<Body>>>);

impl LentBody {
    fn new(body: Body) -> Self {
        Self(Arc::new(std::sync::Mutex::new(Some(body))))
    }

    fn take(&self) -> Option<Body> {
        self.0.lock().ok()?.take()
    }
}

impl axum::body::HttpBody for LentBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let Ok(mut guard) = self.0.lock() else {
            return std::task::Poll::Ready(None);
        };
        match guard.as_mut() {
            Some(body) => std::pin::Pin::new(body).poll_frame(cx),
            None => std::task::Poll::Ready(None),
        }
    }
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

/// Ids are UUIDs in their canonical spelling (lower case, hyphenated), so
/// one id never passes as several; anything else is refused by name.
pub fn check_id(field: &str, value: &str) -> ApiResult<()> {
    if pph_protocol::ids::is_canonical(value) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{field} must be a UUID in lower-case hyphenated form"
        )))
    }
}

/// Required text of at most `max` characters, without control characters
/// (a NUL among them, which PostgreSQL cannot store).
pub fn check_text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(format!("{field} must not be empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "{field} must not hold control characters"
        )));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}
