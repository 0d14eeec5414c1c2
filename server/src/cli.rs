//! The `pph-server` command line: with no arguments, serves on
//! 127.0.0.1:7878 with the SQLite file `pph-server.db`; every setting comes
//! from a flag, the environment or the configuration file (`settings.rs`).
//! `pph-server admin …` is the operator's: it acts on the database
//! directly (`admin.rs`); `check-config` checks the settings; `health`
//! asks a running relay whether it serves.

use crate::config::{load_or_create_secret, ServerConfig};
use crate::settings::{Flags, MailTo, Settings};
use crate::{open_storage_pooled, serve, Backend};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "pph-server", about = "People Powered Health sync relay")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    flags: Flags,
}

#[derive(Subcommand)]
enum Command {
    /// The operator's commands, on the database directly (the relay may
    /// be serving meanwhile). Each is written to the log.
    Admin {
        #[command(subcommand)]
        action: crate::admin::Action,
    },
    /// Checks the configuration (file, environment, flags) as a start
    /// would, naming each setting that is wrong; starts nothing and makes
    /// nothing.
    CheckConfig,
    /// Writes a consistent copy of the relay's SQLite database to a new
    /// file while it serves (with PostgreSQL, use pg_dump: this says how).
    Backup {
        /// The new file.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Puts a backup in place as the relay's SQLite database, which must
    /// be absent or empty; the relay must be stopped.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Asks a relay on this machine whether it serves (for a container's
    /// health check): exits 0 when `/v1/health` answers `ok`.
    Health {
        /// The relay's plain-HTTP address.
        #[arg(long, default_value = crate::settings::DEFAULT_LISTEN)]
        address: String,
    },
}

/// Runs the server as `pph-server` does (the binary, and test harnesses
/// that need a server process of their own).
pub fn main() -> ExitCode {
    let args = Args::parse();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(args)),
        Err(e) => {
            eprintln!("pph-server: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> ExitCode {
    let settings = match Settings::resolve(&args.flags) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("pph-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    crate::telemetry::init(settings.log_format);
    match args.command {
        Some(Command::Admin { action }) => crate::admin::run(&settings, action).await,
        Some(Command::CheckConfig) => match settings.check() {
            Ok(_) => {
                println!("pph-server: the configuration is fine");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pph-server: {e}");
                ExitCode::FAILURE
            }
        },
        Some(Command::Health { address }) => crate::health::probe(&address).await,
        Some(Command::Backup { to }) => copy(&settings.backend, "backup", |db| {
            crate::backup::backup(db, &to)
        }),
        Some(Command::Restore { from }) => copy(&settings.backend, "restore", |db| {
            crate::backup::restore(&from, db)
        }),
        None => run_relay(settings).await,
    }
}

/// Checks every setting, opens what they name, listens, and serves until
/// interrupted; a setting that cannot be used stops it before it listens.
async fn run_relay(settings: Settings) -> ExitCode {
    let checked = match settings.check() {
        Ok(checked) => checked,
        Err(e) => {
            tracing::error!(setting = e.setting, reason = %e.reason, "not started: a setting is wrong");
            eprintln!("pph-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    match serve_checked(settings, checked).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            tracing::error!(reason = %reason, "stopped");
            eprintln!("pph-server: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_checked(
    settings: Settings,
    checked: crate::settings::Checked,
) -> Result<(), String> {
    let mail = match &checked.mail {
        MailTo::Smtp(url) => crate::mail::Outbox::smtp(url, &settings.mail_from)?,
        MailTo::Maildir { dir, by_default } => {
            if *by_default {
                tracing::warn!(
                    dir = %dir.display(),
                    "sign-up codes are written to a Maildir beside the database (no SMTP URL)"
                );
            }
            crate::mail::Outbox::maildir(dir, &settings.mail_from)?
        }
    };
    let secret = load_or_create_secret(&checked.secret_file)
        .map_err(|e| format!("cannot read the secret file: {e}"))?;
    let fingerprint = crate::config::fingerprint(&secret);
    let mut config = ServerConfig::with_secret(secret, mail);
    config.trust_forwarded_for = settings.trust_forwarded_for;
    config.verify_every_clinician = settings.verify_every_clinician;
    config.sign_ups.max = settings.sign_ups_per_address;
    config.sign_ins.max = settings.sign_ins_per_address;
    config.stretch = settings.stretch;
    config.ended_sessions_kept_days = settings.ended_sessions_kept_days;
    let storage = open_storage_pooled(&settings.backend, settings.pool_size)
        .await
        .map_err(|e| format!("cannot open storage: {e}"))?;
    let shared = storage
        .pin_secret(&fingerprint)
        .await
        .map_err(|e| format!("cannot check the secret: {e}"))?;
    if !shared {
        return Err("database.secret_file (--secret-file): this is not the secret the database was first served with: give every relay process a copy of the same file".to_owned());
    }
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let mut metrics_addr = None;
    if let Some(address) = &settings.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("cannot listen for metrics on {address}: {e}"))?;
        metrics_addr = metrics.local_addr().ok();
        config.metrics_listener = Some(metrics);
    }
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let scheme = if checked.tls.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(
        address = %addr,
        scheme,
        database = backend_kind(&settings.backend),
        schema = crate::storage::latest_version(),
        metrics = metrics_addr.map(|a| a.to_string()).unwrap_or_else(|| "off".into()),
        "listening"
    );
    // Tests and scripts read these lines to find the ports.
    println!("pph-server listening on {scheme}://{addr}");
    if let Some(metrics) = metrics_addr {
        println!("pph-server metrics on http://{metrics}/metrics");
    }
    let _ = std::io::stdout().flush();
    let asked = std::sync::Arc::new(tokio::sync::Notify::new());
    let shutdown = {
        let asked = asked.clone();
        async move {
            stop_asked().await;
            tracing::info!("asked to stop: finishing the requests under way");
            asked.notify_one();
        }
    };
    let served = async {
        match checked.tls {
            Some(files) => crate::serve_tls(listener, files, storage, config, shutdown).await,
            None => serve(listener, storage, config, shutdown).await,
        }
    };
    // A client that never finishes its request (one byte of a header at a
    // time) holds no stop up for longer than the grace: what it sent was
    // never acknowledged, and a transaction cut short rolls back.
    tokio::select! {
        served = served => served.map_err(|e| e.to_string())?,
        () = async {
            asked.notified().await;
            tokio::time::sleep(STOP_GRACE).await;
        } => tracing::warn!(
            grace_s = STOP_GRACE.as_secs(),
            "requests still open after the grace: stopping without them"
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

/// How long a stop waits for the requests under way: less than the ten
/// seconds a container runtime waits before it kills.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(8);

/// Runs a backup or a restore of the SQLite database, saying what it
/// copied; with PostgreSQL, says which tools do it.
fn copy(
    backend: &Backend,
    command: &'static str,
    run: impl FnOnce(&std::path::Path) -> Result<crate::backup::Copied, String>,
) -> ExitCode {
    let db = match backend {
        Backend::Sqlite(db) => db,
        Backend::Postgres(_) => {
            eprintln!(
                "pph-server {command}: with PostgreSQL, use its tools: pg_dump --format=custom (a backup while serving) and pg_restore into an empty database (docs/OPERATIONS.md)"
            );
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    match run(db) {
        Ok(copied) => {
            let ms = started.elapsed().as_millis() as u64;
            tracing::info!(
                command,
                bytes = copied.bytes,
                accounts = copied.accounts,
                changes = copied.changes,
                schema = copied.schema,
                ms,
                "operator command done"
            );
            println!(
                "pph-server {command}: {} bytes, {} accounts, {} changes, schema v{}",
                copied.bytes, copied.accounts, copied.changes, copied.schema
            );
            ExitCode::SUCCESS
        }
        Err(reason) => {
            tracing::warn!(command, reason = %reason, "operator command refused");
            eprintln!("pph-server {command}: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves at SIGINT (a terminal's Ctrl-C) or SIGTERM (systemd, `docker
/// stop`): both stop the relay gracefully.
async fn stop_asked() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The kind of database, for the start line (never its URL: it may hold a
/// password).
fn backend_kind(backend: &Backend) -> &'static str {
    match backend {
        Backend::Sqlite(_) => "sqlite",
        Backend::Postgres(_) => "postgresql",
    }
}
