//! The relay's log: one structured line per request (method, route
//! template, status, duration, the account as a keyed hash) and per event
//! that matters (start, migration, shutdown, a refused push with its rules,
//! an operator's command), on stderr, human or JSON, at the levels
//! `RUST_LOG` picks (default `info`).
//!
//! Invariant: no line holds a body, a token, an email, a name or a value;
//! an account appears only as `log_id` (an HMAC under the relay's secret,
//! so a leaked log names no account to anyone without the secret, while
//! the operator can find one account's lines: `admin find-account` shows
//! its log id). `tests/tests/sentinel.rs` reads the whole log of a day of
//! use for a sentinel and every token.

use crate::metrics::Metrics;
use crate::settings::LogFormat;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, OnceLock};
use tracing_subscriber::EnvFilter;

/// Starts the log on stderr in `format`, at `RUST_LOG`'s levels (`info`
/// when unset, and when unreadable: said once it starts). A second call
/// does nothing.
pub fn init(format: LogFormat) {
    let (filter, unread) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, false),
        Err(_) => (
            EnvFilter::new("info"),
            std::env::var_os("RUST_LOG").is_some(),
        ),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let started = match format {
        LogFormat::Human => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if started.is_ok() && unread {
        tracing::warn!("RUST_LOG is not a filter this relay reads; logging at info");
    }
}

/// How an account appears in the log: 16 hex characters of an HMAC of its
/// id under the relay's secret.
pub fn log_id(secret: &[u8], account: &str) -> String {
    let mut id = crate::credentials::code_hash(secret, &format!("pph-log-id\0{account}"));
    id.truncate(16);
    id
}

/// The account a request turned out to be made by, set by the extractor
/// that authenticated it (`api::extract`), read when the line is written.
#[derive(Clone, Default)]
pub struct RequestAccount(Arc<OnceLock<String>>);

impl RequestAccount {
    pub fn set(&self, log_id: String) {
        let _ = self.0.set(log_id);
    }
}

/// What a refusal adds to its response for this layer: the protocol's
/// code and, for a push, each refused change's rule.
#[derive(Clone)]
pub struct Refused {
    pub code: String,
    pub rules: Vec<String>,
}

impl Refused {
    /// The refusal's code and its changes' rules, as the wire names them.
    pub fn new<R: serde::Serialize>(
        code: &impl serde::Serialize,
        rules: impl IntoIterator<Item = R>,
    ) -> Self {
        Refused {
            code: wire_name(code),
            rules: rules.into_iter().map(|r| wire_name(&r)).collect(),
        }
    }
}

/// A protocol enum's name as the wire spells it (`rate_limited`).
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "unknown".to_owned(),
    }
}

/// The request layer: times the request, then writes its line and counts
/// it (`metrics.rs`).
pub async fn observe(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = match request.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        _ => "other",
    };
    let account = RequestAccount::default();
    request.extensions_mut().insert(account.clone());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let account = account.0.get().map_or("-", String::as_str);
    metrics.request(&route, method, status, elapsed.as_secs_f64());
    let ms = elapsed.as_secs_f64() * 1000.0;
    match response.extensions().get::<Refused>() {
        Some(refused) => {
            let rules: Vec<&str> = refused.rules.iter().map(String::as_str).collect();
            metrics.refusal(&route, &refused.code, &rules);
            let (code, rules) = (refused.code.as_str(), refused.rules.join(","));
            if status >= 500 {
                tracing::error!(method, route, status, ms, account, code, "request failed");
            } else if rules.is_empty() {
                tracing::info!(method, route, status, ms, account, code, "request refused");
            } else {
                tracing::warn!(
                    method,
                    route,
                    status,
                    ms,
                    account,
                    code,
                    rules,
                    "push refused"
                );
            }
        }
        None => tracing::info!(method, route, status, ms, account, "request"),
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_id_is_steady_per_secret_and_names_no_account() {
        let account = "0193a2b4-0000-7000-8000-000000000001";
        let a = log_id(b"secret one", account);
        assert_eq!(a, log_id(b"secret one", account));
        assert_ne!(a, log_id(b"secret two", account));
        assert_eq!(a.len(), 16);
        assert!(!a.contains("0193a2b4"));
    }
}
