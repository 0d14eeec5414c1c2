//! The `pph-server` command line: with no arguments, serves on
//! 127.0.0.1:7878 with the SQLite file `pph-server.db`;
//! `--database-url postgres://…` uses PostgreSQL. `pph-server admin …` is
//! the operator's: it acts on the database directly (`admin.rs`).

use crate::config::{load_or_create_secret, ServerConfig};
use crate::{open_storage, serve, Backend};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "pph-server", about = "People Powered Health sync server")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:7878")]
    listen: String,
    /// PostgreSQL URL (postgres://user:pass@host/db). Without it, SQLite.
    #[arg(long, env = "PPH_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// The SQLite file used when no PostgreSQL URL is given.
    #[arg(long, default_value = "pph-server.db", global = true)]
    sqlite: PathBuf,
    /// The file holding the secret that keys stored invite codes, made on
    /// first start if absent. Every server on one database must share it.
    /// Default with SQLite: the database's path plus `.secret`; required
    /// with PostgreSQL.
    #[arg(long, env = "PPH_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    /// Take the client's address from the last `X-Forwarded-For` entry
    /// (only behind a reverse proxy that sets it).
    #[arg(long)]
    trust_forwarded_for: bool,
    /// Take every clinician account as verified, without `admin
    /// verify-clinician`: only for a relay no stranger can sign up on
    /// (tests, a trust's own network). Anyone can sign up as a clinician
    /// under any email, so on an open relay this lets a look-alike account
    /// receive a patient's share.
    #[arg(long)]
    verify_every_clinician: bool,
    /// How many accounts one address may sign up in 15 minutes.
    #[arg(long, default_value_t = crate::rate_limit::SIGN_UPS_PER_ADDRESS.max)]
    sign_ups_per_address: u32,
    /// The memory (KiB) every password's stretch is to take on the
    /// device (Argon2id; 65536 to 262144). Raising it reaches each account
    /// at its next sign-in (docs/adr/0024).
    #[arg(long, default_value_t = pph_protocol::kdf::MIN_MEMORY_KIB)]
    kdf_memory_kib: u32,
    /// The passes every password's stretch is to take (3 to 10).
    #[arg(long, default_value_t = pph_protocol::kdf::MIN_PASSES)]
    kdf_passes: u32,
    /// Serve TLS with this certificate chain (PEM), with `--tls-key`; a
    /// renewed one is taken at the next connection after the file changes.
    /// Without it, plain HTTP: for loopback, or behind a reverse proxy that
    /// speaks TLS (docs/SECURITY.md, "Transport").
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `--tls-cert`.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Mail sign-up codes through this SMTP server: `smtps://user:pass@host`
    /// (TLS from the start) or `smtp://user:pass@host?tls=required`
    /// (STARTTLS). A person signs up only with the code mailed to them
    /// (docs/adr/0025).
    #[arg(
        long,
        env = "PPH_SMTP_URL",
        hide_env_values = true,
        conflicts_with = "mail_dir"
    )]
    smtp_url: Option<String>,
    /// Write sign-up mail into this Maildir instead, for a local mail
    /// system (or a test) to take from. Default with SQLite, and no
    /// `--smtp-url`: the database's path plus `.mail`.
    #[arg(long)]
    mail_dir: Option<PathBuf>,
    /// Who the relay's mail is from.
    #[arg(long, default_value = crate::mail::DEFAULT_FROM)]
    mail_from: String,
}

#[derive(Subcommand)]
enum Command {
    /// The operator's commands, on the database directly (the relay may
    /// be serving meanwhile).
    Admin {
        #[command(subcommand)]
        action: crate::admin::Action,
    },
}

impl Args {
    fn backend(&self) -> Backend {
        match &self.database_url {
            Some(url) => Backend::Postgres(url.clone()),
            None => Backend::Sqlite(self.sqlite.clone()),
        }
    }
}

/// Where the relay's mail goes: the SMTP server, else the Maildir given,
/// else (with SQLite) one beside the database, said on stderr since no one
/// receives a code until someone reads it.
fn outbox(args: &Args) -> Result<crate::mail::Outbox, String> {
    if let Some(url) = &args.smtp_url {
        return crate::mail::Outbox::smtp(url, &args.mail_from)
            .map_err(|reason| format!("--smtp-url, --mail-from: {reason}"));
    }
    let dir = match (&args.mail_dir, &args.database_url) {
        (Some(dir), _) => dir.clone(),
        (None, None) => PathBuf::from(format!("{}.mail", args.sqlite.display())),
        (None, Some(_)) => {
            return Err("with PostgreSQL, give --smtp-url (or --mail-dir)".to_owned());
        }
    };
    if args.mail_dir.is_none() {
        eprintln!(
            "pph-server: sign-up codes are written to the Maildir {} (no --smtp-url)",
            dir.display()
        );
    }
    crate::mail::Outbox::maildir(&dir, &args.mail_from)
        .map_err(|reason| format!("--mail-dir: {reason}"))
}

/// Runs the server as `pph-server` does (the binary, and test harnesses
/// that need a server process of their own).
pub fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(args)),
        Err(e) => {
            eprintln!("pph-server: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::process::ExitCode {
    let backend = args.backend();
    if let Some(Command::Admin { action }) = args.command {
        return crate::admin::run(&backend, action).await;
    }
    let secret_file = match (&args.secret_file, &args.database_url) {
        (Some(path), _) => path.clone(),
        (None, None) => PathBuf::from(format!("{}.secret", args.sqlite.display())),
        (None, Some(_)) => {
            eprintln!("pph-server: with PostgreSQL, give --secret-file (shared by every server)");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mail = match outbox(&args) {
        Ok(outbox) => outbox,
        Err(reason) => {
            eprintln!("pph-server: {reason}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut config = match load_or_create_secret(&secret_file) {
        Ok(secret) => ServerConfig::with_secret(secret, mail),
        Err(e) => {
            eprintln!("pph-server: cannot read the secret file: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    config.trust_forwarded_for = args.trust_forwarded_for;
    config.verify_every_clinician = args.verify_every_clinician;
    config.sign_ups.max = args.sign_ups_per_address;
    config.stretch = pph_protocol::kdf::Stretch {
        memory_kib: args.kdf_memory_kib,
        passes: args.kdf_passes,
        lanes: 1,
    };
    if let Err(reason) = config.stretch.check() {
        eprintln!("pph-server: --kdf-memory-kib, --kdf-passes: {reason}");
        return std::process::ExitCode::FAILURE;
    }
    let storage = match open_storage(&backend).await {
        Ok(storage) => storage,
        Err(e) => {
            eprintln!("pph-server: cannot open storage: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::TlsFiles { cert, key }),
        _ => None,
    };
    if let Some(Err(reason)) = tls.as_ref().map(crate::tls::TlsFiles::load) {
        eprintln!("pph-server: cannot serve TLS: {reason}");
        return std::process::ExitCode::FAILURE;
    }
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("pph-server: cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        // Tests and scripts read this line to find the port.
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("pph-server listening on {scheme}://{addr}");
        let _ = std::io::stdout().flush();
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let served = match tls {
        Some(files) => crate::serve_tls(listener, files, storage, config, shutdown).await,
        None => serve(listener, storage, config, shutdown).await,
    };
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pph-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
