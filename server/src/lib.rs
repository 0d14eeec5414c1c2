//! pph-server: the sync relay. It authenticates devices, checks that an
//! account may write a space, stores each change once with a per-space
//! sequence, serves changes since a cursor in bounded pages, and enforces a
//! patient's share grants to clinicians. It never merges: replicas do.

mod admin;
mod api;
pub mod backup;
pub mod cli;
mod config;
mod credentials;
mod hashing;
mod health;
pub mod mail;
pub mod metrics;
pub mod rate_limit;
pub mod sessions;
pub mod settings;
pub mod storage;
mod subject_access;
pub mod telemetry;
pub mod tls;

pub use config::ServerConfig;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use storage::{Storage, StorageError};
use tokio::net::TcpListener;

/// The server's wall clock, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where the server keeps its data.
#[derive(Clone)]
pub enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

pub async fn open_storage(backend: &Backend) -> Result<Arc<Storage>, StorageError> {
    open_storage_pooled(backend, None).await
}

/// `open_storage`, with at most `pool_size` PostgreSQL connections.
pub async fn open_storage_pooled(
    backend: &Backend,
    pool_size: Option<usize>,
) -> Result<Arc<Storage>, StorageError> {
    Ok(Arc::new(match backend {
        Backend::Sqlite(path) => Storage::open_sqlite(Path::new(path))?,
        Backend::Postgres(url) => Storage::connect_postgres_pooled(url, pool_size).await?,
    }))
}

/// How often, while serving, what has outlived its use is dropped.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Drops what has outlived its use: attempt counters whose window ended,
/// and sign-up codes expired or tried out. Each names an email (or an
/// address) that asked, kept no longer than it counts.
pub async fn sweep_expired(storage: &Storage) -> Result<(), StorageError> {
    let now = now_ms();
    storage.sweep_sign_up_codes(now).await?;
    storage
        .sweep_attempts(now - rate_limit::LONGEST_WINDOW_MS)
        .await
}

/// Ended sessions are looked for once in this many sweeps (an hour): the
/// search reads every token.
const SWEEPS_PER_SESSION_SWEEP: u64 = 60;

/// Forgets the tokens of sessions ended and quiet for `kept_days`
/// (`retention.ended_sessions_days`); how many went.
pub async fn forget_ended_sessions(storage: &Storage, kept_days: u32) -> Result<u64, StorageError> {
    let now = now_ms();
    storage
        .forget_ended_sessions(now, sessions::forget_quiet_before(now, kept_days))
        .await
}

/// Sweeps at once and then every `SWEEP_EVERY` (an interval's first tick
/// is immediate), and forgets ended sessions at once and then hourly,
/// until aborted, when serving ends.
fn sweeper(storage: Arc<Storage>, kept_days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        for sweep in 0u64.. {
            every.tick().await;
            if let Err(e) = sweep_expired(&storage).await {
                tracing::warn!(error = %e, "cannot sweep what expired");
            }
            if sweep % SWEEPS_PER_SESSION_SWEEP != 0 {
                continue;
            }
            match forget_ended_sessions(&storage, kept_days).await {
                Ok(0) => {}
                Ok(tokens) => tracing::info!(tokens, "ended sessions forgotten"),
                Err(e) => tracing::warn!(error = %e, "cannot forget ended sessions"),
            }
        }
    })
}

/// What runs beside the API while it serves: the sweeper, and the metrics
/// listener when there is one. Both end when serving does.
struct Beside(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Beside {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The API's router, and what runs beside it.
fn start(
    storage: Arc<Storage>,
    mut config: ServerConfig,
) -> std::io::Result<(axum::Router, Beside)> {
    let metrics = Arc::new(metrics::Metrics::new(&storage).map_err(std::io::Error::other)?);
    let mut beside = vec![sweeper(storage.clone(), config.ended_sessions_kept_days)];
    if let Some(listener) = config.metrics_listener.take() {
        let app = metrics::router(metrics.clone(), storage.clone());
        beside.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        }));
    }
    Ok((api::router(storage, config, metrics)?, Beside(beside)))
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    storage: Arc<Storage>,
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (router, _beside) = start(storage, config)?;
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// `serve`, speaking TLS with the certificate and key in `files`
/// (`tls.rs`: a renewed certificate is taken without a restart).
pub async fn serve_tls(
    listener: TcpListener,
    files: tls::TlsFiles,
    storage: Arc<Storage>,
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Tapped (doing nothing) for axum's `ConnectInfo<SocketAddr>` of a
    // listener of our own: the client's address, as with plain TCP.
    let listener = tls::TlsListener::new(listener, files)
        .map_err(std::io::Error::other)?
        .tap_io(|_| {});
    let (router, _beside) = start(storage, config)?;
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A server on a loopback port in a thread of its own, for tests and
/// benchmarks: returns its base URL; it stops when the handle is dropped.
/// It takes every clinician as verified (`verify_every_clinician`) and
/// does not limit sign-ups: no stranger reaches it. Its mail goes to the
/// Maildir `mail_dir` (`mail::read_maildir`).
pub struct EmbeddedServer {
    pub url: String,
    pub mail_dir: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmbeddedServer {
    /// A server on `backend` whose mail goes to the Maildir `mail_dir`.
    pub fn start(backend: Backend, mail_dir: &Path) -> Result<Self, String> {
        let outbox = mail::Outbox::maildir(mail_dir, mail::DEFAULT_FROM)?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr, String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("runtime: {e}")));
                    return;
                }
            };
            runtime.block_on(async move {
                let setup = async {
                    let storage = open_storage(&backend).await.map_err(|e| e.to_string())?;
                    let listener = TcpListener::bind("127.0.0.1:0")
                        .await
                        .map_err(|e| e.to_string())?;
                    let addr = listener.local_addr().map_err(|e| e.to_string())?;
                    Ok::<_, String>((storage, listener, addr))
                };
                match setup.await {
                    Ok((storage, listener, addr)) => {
                        let _ = ready_tx.send(Ok(addr));
                        let mut config = ServerConfig {
                            verify_every_clinician: true,
                            ..ServerConfig::ephemeral(outbox)
                        };
                        // Tests and benchmarks sign up their people from
                        // loopback by the dozen.
                        config.sign_ups.max = u32::MAX;
                        let _ = serve(listener, storage, config, async {
                            let _ = stop_rx.await;
                        })
                        .await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        });
        let addr = ready_rx
            .recv()
            .map_err(|_| "server thread ended".to_owned())??;
        Ok(EmbeddedServer {
            url: format!("http://{addr}"),
            mail_dir: mail_dir.to_owned(),
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl EmbeddedServer {
    /// The code in the last mail to `email`, as its person would read it.
    pub fn mailed_code(&self, email: &str) -> Option<String> {
        let mail = mail::read_maildir(&self.mail_dir).ok()?;
        let email = email.trim().to_lowercase();
        mail.iter().rev().find(|m| m.to == email)?.code()
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pph_protocol::debug_without_secrets!(Backend,);
