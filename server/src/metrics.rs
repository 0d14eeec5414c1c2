//! What an operator watches, in Prometheus's text format at `/metrics` on
//! a listener of its own (never the public one: how busy each route is,
//! and how often sign-ins fail, are the operator's to see). Counted in
//! one place per kind: requests, refusals and latency by the request
//! layer (`telemetry::observe`), changes and bytes by push and pull, the
//! database's time by `Storage`'s two doors (`read`, `write`); storage size
//! and pool use are read at each scrape.
//!
//! No label holds anything a person chose: routes are templates
//! (`/v1/spaces/{space}/changes`), codes and rules are the protocol's.

use crate::storage::Storage;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::sync::Arc;

/// Seconds, from a millisecond to ten: a request or a query.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    refusals: IntCounterVec,
    push_refusals: IntCounterVec,
    sign_in_failures: IntCounter,
    rate_limited: IntCounterVec,
    pushed_changes: IntCounter,
    pushed_bytes: IntCounter,
    pulled_changes: IntCounter,
    pulled_bytes: IntCounter,
    storage_bytes: IntGauge,
    pool_size: IntGauge,
    pool_idle: IntGauge,
    pool_waiting: IntGauge,
}

impl Metrics {
    /// Every metric, registered with the storage's query timings.
    pub fn new(storage: &Storage) -> prometheus::Result<Self> {
        let registry = Registry::new_custom(Some("pph".into()), None)?;
        let counter = |name: &str, help: &str| -> prometheus::Result<IntCounter> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let counters = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(c.clone()))?;
            Ok::<_, prometheus::Error>(c)
        };
        let gauge = |name: &str, help: &str| -> prometheus::Result<IntGauge> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "request_duration_seconds",
                "Time from a request's head to its answer, by route",
            )
            .buckets(SECONDS.to_vec()),
            &["route"],
        )?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(storage.query_seconds().clone()))?;
        Ok(Metrics {
            requests: counters(
                "requests_total",
                "Requests answered, by route template, method and status",
                &["route", "method", "status"],
            )?,
            latency,
            refusals: counters(
                "refusals_total",
                "Requests refused, by the protocol's error code",
                &["code"],
            )?,
            push_refusals: counters(
                "push_refusals_total",
                "Changes a push was refused for, by the authorisation table's rule",
                &["rule"],
            )?,
            sign_in_failures: counter(
                "sign_in_failures_total",
                "Sign-ins refused for a wrong email, password or recovery code",
            )?,
            rate_limited: counters(
                "rate_limited_total",
                "Requests refused for too many attempts, by route template",
                &["route"],
            )?,
            pushed_changes: counter("pushed_changes_total", "Changes stored by pushes")?,
            pushed_bytes: counter("pushed_bytes_total", "Bytes of the changes pushes stored")?,
            pulled_changes: counter("pulled_changes_total", "Changes served by pulls")?,
            pulled_bytes: counter("pulled_bytes_total", "Bytes of the pages pulls served")?,
            storage_bytes: gauge(
                "storage_bytes",
                "The database's size on disk, read at each scrape",
            )?,
            pool_size: gauge(
                "db_pool_connections",
                "PostgreSQL connections the pool holds (0 on SQLite)",
            )?,
            pool_idle: gauge(
                "db_pool_idle_connections",
                "PostgreSQL connections waiting for work",
            )?,
            pool_waiting: gauge(
                "db_pool_waiting_requests",
                "Requests waiting for a PostgreSQL connection",
            )?,
            registry,
        })
    }

    /// One answered request: by route template, method and status.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        self.requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// One refused request, by its code; a push's changes by their rules.
    pub fn refusal(&self, route: &str, code: &str, rules: &[&str]) {
        self.refusals.with_label_values(&[code]).inc();
        for rule in rules {
            self.push_refusals.with_label_values(&[rule]).inc();
        }
        match code {
            "rate_limited" => self.rate_limited.with_label_values(&[route]).inc(),
            "unauthorized" if route == "/v1/sessions" => self.sign_in_failures.inc(),
            _ => {}
        }
    }

    pub fn pushed(&self, changes: usize, bytes: usize) {
        self.pushed_changes.inc_by(changes as u64);
        self.pushed_bytes.inc_by(bytes as u64);
    }

    pub fn pulled(&self, changes: usize, bytes: usize) {
        self.pulled_changes.inc_by(changes as u64);
        self.pulled_bytes.inc_by(bytes as u64);
    }

    /// Every metric in the text format, the storage's size and pool read
    /// now.
    async fn scrape(&self, storage: &Storage) -> Result<String, String> {
        match storage.size_bytes().await {
            Ok(bytes) => self.storage_bytes.set(bytes),
            Err(e) => tracing::warn!(error = %e, "cannot read the storage's size"),
        }
        let pool = storage.pool_use();
        self.pool_size.set(pool.size as i64);
        self.pool_idle.set(pool.idle as i64);
        self.pool_waiting.set(pool.waiting as i64);
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(|e| e.to_string())?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}

/// The metrics listener's one route.
pub fn router(metrics: Arc<Metrics>, storage: Arc<Storage>) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state((metrics, storage))
}

async fn scrape(
    State((metrics, storage)): State<(Arc<Metrics>, Arc<Storage>)>,
) -> axum::response::Response {
    match metrics.scrape(&storage).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the metrics");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
