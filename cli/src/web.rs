//! The clinician's web app (`pph clinic`): the core's pages served on
//! 127.0.0.1 to the clinician's own browser. Only a request from loopback,
//! addressed to this server by its loopback name (no DNS rebinding), whose
//! path starts with this launch's random token is answered; anything else
//! gets an empty 404. Pages carry a strict Content-Security-Policy (no
//! scripts, no outside resources, the one inline stylesheet pinned by its
//! hash), are never cached, and never name the token to another site.

use axum::body::Body;
use axum::extract::{ConnectInfo, Form, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use pph_core::{Companion, NewReview, PphError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// A launch's secret: 256 random bits, as 64 hex characters.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

#[derive(Clone)]
struct App {
    companion: Arc<Companion>,
    token: Arc<str>,
    /// The Host values this server answers to: 127.0.0.1:PORT, localhost:PORT.
    hosts: Arc<[String]>,
    csp: HeaderValue,
}

/// The Content-Security-Policy: nothing may load or run but the page's own
/// stylesheet; forms post only here; no one may frame it.
fn csp() -> HeaderValue {
    let hash = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(pph_core::page_style().as_bytes()));
    let value = format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("default-src 'none'"))
}

/// Whether a request may be answered at all: from loopback, addressed to
/// this server by name, with the launch's token as its first path segment.
pub fn admitted(
    peer: SocketAddr,
    host: Option<&str>,
    path: &str,
    hosts: &[String],
    token: &str,
) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let token_ok: bool = first.as_bytes().ct_eq(token.as_bytes()).into();
    peer.ip().is_loopback() && host.is_some_and(|h| hosts.iter().any(|x| x == h)) && token_ok
}

fn nothing() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

async fn guard(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if !admitted(peer, host, request.uri().path(), &app.hosts, &app.token) {
        return nothing();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, app.csp.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Body::from(html),
    )
        .into_response()
}

/// Runs a core call off the async workers (it reads the encrypted store).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PphError> + Send + 'static,
) -> Result<T, PphError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(PphError::Internal {
            reason: "the page could not be made".into(),
        })
    })
}

fn failed(e: &PphError) -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        pph_core::message_page("Not shown".into(), kind_of(e).into()),
    )
}

fn kind_of(e: &PphError) -> &'static str {
    match e {
        PphError::Locked | PphError::Network { .. } | PphError::RateLimited { .. } => {
            "Busy or offline for a moment: reload the page to try again."
        }
        _ => "This page could not be made on this computer. Nothing was changed.",
    }
}

async fn patients(State(app): State<App>) -> Response {
    let prefix = format!("/{}/patients/", app.token);
    let sync = format!("/{}/sync", app.token);
    let companion = app.companion.clone();
    match blocking(move || companion.sharing().patients_page(prefix, Some(sync))).await {
        Ok(html) => page(StatusCode::OK, html),
        Err(e) => failed(&e),
    }
}

async fn consultation(
    State(app): State<App>,
    Path((_, space)): Path<(String, String)>,
) -> Response {
    let action = format!("/{}/patients/{space}/review", app.token);
    let companion = app.companion.clone();
    match blocking(move || companion.sharing().consultation_page(space, Some(action))).await {
        Ok(html) => page(StatusCode::OK, html),
        // Ended, withdrawn or never shared: that fact and nothing else.
        Err(PphError::Unauthorized | PphError::Validation { .. }) => {
            page(StatusCode::GONE, pph_core::share_ended_page())
        }
        Err(e) => failed(&e),
    }
}

/// The "record this consultation" form, as a review to propose.
fn review_of(form: &HashMap<String, String>) -> NewReview {
    let field = |name: &str| form.get(name).map_or("", |v| v.trim()).to_owned();
    let next = field("next_review");
    NewReview {
        date: field("date"),
        participants: field("participants")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        notes: field("notes"),
        outcome: field("outcome"),
        next_review: (!next.is_empty()).then_some(next),
    }
}

/// Proposes the review, sends it at once if the relay is reachable (else
/// at the next sync), and goes back to the patient's page.
async fn propose(
    State(app): State<App>,
    Path((_, space)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = format!("/{}/patients/{space}", app.token);
    let companion = app.companion.clone();
    let review = review_of(&form);
    match blocking(move || companion.sharing().propose_review(space, review)).await {
        Ok(_) => {
            let _ = app.companion.sync().sync_now().await;
            Redirect::to(&back).into_response()
        }
        Err(e @ PphError::Validation { .. }) => page(
            StatusCode::BAD_REQUEST,
            pph_core::message_page(
                "The review was not sent".into(),
                format!("{e}. Nothing was sent: go back, correct it and send it again."),
            ),
        ),
        Err(PphError::Unauthorized) => page(StatusCode::GONE, pph_core::share_ended_page()),
        Err(e) => failed(&e),
    }
}

/// Syncs now, then goes back to the list (a form's post: no scripts).
async fn sync_now(State(app): State<App>) -> Response {
    let list = format!("/{}/", app.token);
    let _ = app.companion.sync().sync_now().await;
    Redirect::to(&list).into_response()
}

/// The app for one launch, answering to `port` on loopback.
pub fn router(companion: Arc<Companion>, token: &str, port: u16) -> Router {
    let app = App {
        companion,
        token: token.into(),
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")].into(),
        csp: csp(),
    };
    Router::new()
        .route("/{token}/", get(patients))
        .route("/{token}/patients/{space}", get(consultation))
        .route("/{token}/patients/{space}/review", post(propose))
        .route("/{token}/sync", post(sync_now))
        .fallback(|| async { nothing() })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Serves until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_with_the_token_and_our_host_name_is_admitted() {
        let hosts = ["127.0.0.1:8080".to_owned(), "localhost:8080".to_owned()];
        let token = "ab".repeat(32);
        let here: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let path = format!("/{token}/patients/x");
        assert!(admitted(
            here,
            Some("127.0.0.1:8080"),
            &path,
            &hosts,
            &token
        ));
        assert!(admitted(
            here,
            Some("localhost:8080"),
            &format!("/{token}/"),
            &hosts,
            &token
        ));
        let lan: SocketAddr = "192.168.1.20:5000".parse().expect("addr");
        assert!(
            !admitted(lan, Some("127.0.0.1:8080"), &path, &hosts, &token),
            "not loopback"
        );
        assert!(
            !admitted(here, Some("evil.example:8080"), &path, &hosts, &token),
            "rebinding"
        );
        assert!(!admitted(here, None, &path, &hosts, &token), "no host");
        assert!(
            !admitted(here, Some("127.0.0.1:8080"), "/patients/x", &hosts, &token),
            "no token"
        );
        let wrong = format!("/{}/", "cd".repeat(32));
        assert!(
            !admitted(here, Some("127.0.0.1:8080"), &wrong, &hosts, &token),
            "wrong token"
        );
        let short = format!("/{}/", &token[..63]);
        assert!(
            !admitted(here, Some("127.0.0.1:8080"), &short, &hosts, &token),
            "a prefix"
        );
    }

    #[test]
    fn the_policy_pins_the_pages_stylesheet_and_allows_no_script() {
        let policy = csp();
        let policy = policy.to_str().expect("ascii");
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!policy.contains("script-src") && !policy.contains("unsafe"));
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 64);
    }
}
