//! Every setting of a relay process, from four places in order of
//! precedence: a flag, an environment variable (`PPH_…`; both read by
//! clap), the configuration file (`--config`, TOML), then the default.
//! `Settings::resolve` merges them and `Settings::check` says, by the
//! setting's name, what is wrong, without making or changing anything:
//! `pph-server check-config` runs both, and so does every start, so a
//! configuration `check-config` passes is one the relay starts with.

use crate::Backend;
use serde::Deserialize;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

/// Where the relay listens when nothing says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";
/// Where the metrics listener goes when only `--metrics` is given.
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9187";
/// The SQLite file when no PostgreSQL URL is given.
pub const DEFAULT_SQLITE: &str = "pph-server.db";

/// The settings as flags and environment variables give them (each
/// absent unless given, so the file and then the default fill it).
#[derive(clap::Args, Default, Clone)]
pub struct Flags {
    /// The configuration file (TOML; docs/OPERATIONS.md lists its keys).
    /// Flags and environment variables override what it says.
    #[arg(long, env = "PPH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port (printed on start).
    /// [file: listen; default 127.0.0.1:7878]
    #[arg(long, env = "PPH_LISTEN")]
    pub listen: Option<String>,
    /// PostgreSQL URL (postgres://user:pass@host/db). Without it, SQLite.
    /// [file: database.url]
    #[arg(long, env = "PPH_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// At most this many PostgreSQL connections per process (default:
    /// two per core). [file: database.pool_size]
    #[arg(long, env = "PPH_DATABASE_POOL_SIZE", global = true)]
    pub database_pool_size: Option<usize>,
    /// The SQLite file used when no PostgreSQL URL is given.
    /// [file: database.sqlite; default pph-server.db]
    #[arg(long, env = "PPH_SQLITE", global = true)]
    pub sqlite: Option<PathBuf>,
    /// The file holding the secret that keys stored codes, made on first
    /// start if absent. Every server on one database must share it.
    /// Default with SQLite: the database's path plus `.secret`; required
    /// with PostgreSQL. [file: database.secret_file]
    #[arg(long, env = "PPH_SECRET_FILE", global = true)]
    pub secret_file: Option<PathBuf>,
    /// Take the client's address from the last `X-Forwarded-For` entry
    /// (only behind a reverse proxy that sets it).
    /// [file: trust_forwarded_for]
    #[arg(long, env = "PPH_TRUST_FORWARDED_FOR", num_args = 0..=1, default_missing_value = "true")]
    pub trust_forwarded_for: Option<bool>,
    /// Take every clinician account as verified, without `admin
    /// verify-clinician`: only for a relay no stranger can sign up on
    /// (tests, a trust's own network). Anyone can sign up as a clinician
    /// under any email, so on an open relay this lets a look-alike account
    /// receive a patient's share. [file: verify_every_clinician]
    #[arg(long, env = "PPH_VERIFY_EVERY_CLINICIAN", num_args = 0..=1, default_missing_value = "true")]
    pub verify_every_clinician: Option<bool>,
    /// How many accounts one address may sign up in 15 minutes.
    /// [file: limits.sign_ups_per_address; default 10]
    #[arg(long, env = "PPH_SIGN_UPS_PER_ADDRESS")]
    pub sign_ups_per_address: Option<u32>,
    /// How many failed sign-ins one address may make in 15 minutes,
    /// whatever the account: raise it where many people share one address (a clinic
    /// behind NAT); each account's own 5 stands beside it.
    /// [file: limits.sign_ins_per_address; default 20]
    #[arg(long, env = "PPH_SIGN_INS_PER_ADDRESS")]
    pub sign_ins_per_address: Option<u32>,
    /// The memory (KiB) every password's stretch is to take on the
    /// device (Argon2id; 65536 to 262144). Raising it reaches each account
    /// at its next sign-in (docs/adr/0024). [file: kdf.memory_kib]
    #[arg(long, env = "PPH_KDF_MEMORY_KIB")]
    pub kdf_memory_kib: Option<u32>,
    /// The passes every password's stretch is to take (3 to 10).
    /// [file: kdf.passes]
    #[arg(long, env = "PPH_KDF_PASSES")]
    pub kdf_passes: Option<u32>,
    /// Serve TLS with this certificate chain (PEM), with `--tls-key`; a
    /// renewed one is taken at the next connection after the file changes.
    /// Without it, plain HTTP: for loopback, or behind a reverse proxy that
    /// speaks TLS (docs/OPERATIONS.md, "TLS"). [file: tls.cert]
    #[arg(long, env = "PPH_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of `--tls-cert`. [file: tls.key]
    #[arg(long, env = "PPH_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Mail sign-up codes through this SMTP server: `smtps://user:pass@host`
    /// (TLS from the start) or `smtp://user:pass@host?tls=required`
    /// (STARTTLS). A person signs up only with the code mailed to them
    /// (docs/adr/0025). [file: mail.smtp_url]
    #[arg(long, env = "PPH_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Write sign-up mail into this Maildir instead, for a local mail
    /// system (or a test) to take from. Default with SQLite, and no SMTP
    /// URL: the database's path plus `.mail`. [file: mail.dir]
    #[arg(long, env = "PPH_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// Who the relay's mail is from. [file: mail.from]
    #[arg(long, env = "PPH_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// How log lines are written on stderr: `human` or `json`; which are
    /// written is `RUST_LOG`'s (default `info`). [file: log.format]
    #[arg(long, env = "PPH_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
    /// Serve metrics (Prometheus text format, at `/metrics`) on a listener
    /// of their own at 127.0.0.1:9187. [file: metrics.enabled]
    #[arg(long, env = "PPH_METRICS", num_args = 0..=1, default_missing_value = "true")]
    pub metrics: Option<bool>,
    /// Serve metrics on this address instead (implies `--metrics`). Never
    /// the public listener: anyone who reaches it learns how busy the
    /// relay is, route by route. [file: metrics.listen]
    #[arg(long, env = "PPH_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Keep an ended session's tokens (its device's name and when it was
    /// used, which subject access and an incident read) this many days
    /// after the last thing done in it; each device's newest stays.
    /// [file: retention.ended_sessions_days; default 90]
    #[arg(long, env = "PPH_ENDED_SESSIONS_DAYS")]
    pub ended_sessions_days: Option<u32>,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event, for a terminal or journald.
    #[default]
    Human,
    /// One JSON object per line, for a log collector.
    Json,
}

/// The configuration file. Unknown keys are refused by name, so a
/// misspelt setting is never silently a default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<String>,
    trust_forwarded_for: Option<bool>,
    verify_every_clinician: Option<bool>,
    #[serde(default)]
    database: DatabaseFile,
    #[serde(default)]
    tls: TlsFile,
    #[serde(default)]
    mail: MailFile,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    kdf: KdfFile,
    #[serde(default)]
    log: LogFile,
    #[serde(default)]
    metrics: MetricsFile,
    #[serde(default)]
    retention: RetentionFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DatabaseFile {
    url: Option<String>,
    pool_size: Option<usize>,
    sqlite: Option<PathBuf>,
    secret_file: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MailFile {
    smtp_url: Option<String>,
    dir: Option<PathBuf>,
    from: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    sign_ups_per_address: Option<u32>,
    sign_ins_per_address: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KdfFile {
    memory_kib: Option<u32>,
    passes: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogFile {
    format: Option<LogFormat>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MetricsFile {
    enabled: Option<bool>,
    listen: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RetentionFile {
    ended_sessions_days: Option<u32>,
}

/// A setting that cannot be used: which (as the file names it, with its
/// flag) and why.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.setting, self.reason)
    }
}

fn refuse(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        reason: reason.into(),
    }
}

/// Where sign-up mail goes.
#[derive(Clone, PartialEq, Eq)]
pub enum MailTo {
    Smtp(String),
    /// A Maildir; `by_default` when nothing named it (said on start: no
    /// one receives a code until someone reads it).
    Maildir {
        dir: PathBuf,
        by_default: bool,
    },
}

/// Every setting, merged. What serving needs and may be missing (the
/// secret file, the mail, a whole TLS pair) is an Option here and refused
/// by `check`: the operator's commands need only the database.
#[derive(Clone)]
pub struct Settings {
    pub listen: String,
    pub backend: Backend,
    /// At most this many PostgreSQL connections (None: deadpool's default).
    pub pool_size: Option<usize>,
    pub secret_file: Option<PathBuf>,
    pub trust_forwarded_for: bool,
    pub verify_every_clinician: bool,
    pub sign_ups_per_address: u32,
    pub sign_ins_per_address: u32,
    pub stretch: pph_protocol::kdf::Stretch,
    /// The certificate and key, as given (both, or one alone: refused).
    pub tls: Option<(Option<PathBuf>, Option<PathBuf>)>,
    /// None: both an SMTP URL and a Maildir, or neither with PostgreSQL.
    pub mail: Option<MailTo>,
    pub mail_from: String,
    pub log_format: LogFormat,
    /// The metrics listener's address; None: no metrics.
    pub metrics_listen: Option<String>,
    /// Days an ended session's tokens are kept (`sessions`).
    pub ended_sessions_kept_days: u32,
}

impl Settings {
    /// Merges `flags` (flags and environment) over the file they name,
    /// over the defaults. Refuses a file that cannot be read or parsed,
    /// names an unknown key, or a combination that cannot be served.
    pub fn resolve(flags: &Flags) -> Result<Settings, ConfigError> {
        let file = match &flags.config {
            Some(path) => read_file(path)?,
            None => File::default(),
        };
        Self::merge(flags, file)
    }

    /// Merges flags (and environment) over the file over the defaults.
    fn merge(flags: &Flags, file: File) -> Result<Settings, ConfigError> {
        let database_url = flags.database_url.clone().or(file.database.url);
        let sqlite = flags
            .sqlite
            .clone()
            .or(file.database.sqlite)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_SQLITE));
        let backend = match &database_url {
            Some(url) => Backend::Postgres(url.clone()),
            None => Backend::Sqlite(sqlite.clone()),
        };
        let secret_file = match (
            flags.secret_file.clone().or(file.database.secret_file),
            &backend,
        ) {
            (Some(path), _) => Some(path),
            (None, Backend::Sqlite(db)) => Some(beside(db, "secret")),
            (None, Backend::Postgres(_)) => None,
        };
        let tls = match (
            flags.tls_cert.clone().or(file.tls.cert),
            flags.tls_key.clone().or(file.tls.key),
        ) {
            (None, None) => None,
            (cert, key) => Some((cert, key)),
        };
        let mail = match (
            flags.smtp_url.clone().or(file.mail.smtp_url),
            flags.mail_dir.clone().or(file.mail.dir),
            &backend,
        ) {
            (Some(_), Some(_), _) => None,
            (Some(url), None, _) => Some(MailTo::Smtp(url)),
            (None, Some(dir), _) => Some(MailTo::Maildir {
                dir,
                by_default: false,
            }),
            (None, None, Backend::Sqlite(db)) => Some(MailTo::Maildir {
                dir: beside(db, "mail"),
                by_default: true,
            }),
            (None, None, Backend::Postgres(_)) => None,
        };
        let metrics_listen = match (
            flags.metrics_listen.clone().or(file.metrics.listen),
            flags.metrics.or(file.metrics.enabled),
        ) {
            (_, Some(false)) => None,
            (Some(listen), _) => Some(listen),
            (None, Some(true)) => Some(DEFAULT_METRICS_LISTEN.to_owned()),
            (None, None) => None,
        };
        Ok(Settings {
            listen: flags
                .listen
                .clone()
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            backend,
            pool_size: flags.database_pool_size.or(file.database.pool_size),
            secret_file,
            trust_forwarded_for: flags
                .trust_forwarded_for
                .or(file.trust_forwarded_for)
                .unwrap_or(false),
            verify_every_clinician: flags
                .verify_every_clinician
                .or(file.verify_every_clinician)
                .unwrap_or(false),
            sign_ups_per_address: flags
                .sign_ups_per_address
                .or(file.limits.sign_ups_per_address)
                .unwrap_or(crate::rate_limit::SIGN_UPS_PER_ADDRESS.max),
            sign_ins_per_address: flags
                .sign_ins_per_address
                .or(file.limits.sign_ins_per_address)
                .unwrap_or(crate::rate_limit::SIGN_IN_PER_ADDRESS.max),
            stretch: pph_protocol::kdf::Stretch {
                memory_kib: flags
                    .kdf_memory_kib
                    .or(file.kdf.memory_kib)
                    .unwrap_or(pph_protocol::kdf::MIN_MEMORY_KIB),
                passes: flags
                    .kdf_passes
                    .or(file.kdf.passes)
                    .unwrap_or(pph_protocol::kdf::MIN_PASSES),
                lanes: 1,
            },
            tls,
            mail,
            mail_from: flags
                .mail_from
                .clone()
                .or(file.mail.from)
                .unwrap_or_else(|| crate::mail::DEFAULT_FROM.to_owned()),
            log_format: flags.log_format.or(file.log.format).unwrap_or_default(),
            metrics_listen,
            ended_sessions_kept_days: flags
                .ended_sessions_days
                .or(file.retention.ended_sessions_days)
                .unwrap_or(crate::sessions::ENDED_SESSIONS_KEPT_DAYS),
        })
    }

    /// Checks each setting as the relay would use it, without making or
    /// changing anything: addresses parse, files read, the stretch is in
    /// bounds, the mail goes somewhere. The database is not reached.
    pub fn check(&self) -> Result<Checked, ConfigError> {
        let listen = address("listen (--listen)", &self.listen)?;
        if let Some(metrics) = &self.metrics_listen {
            let metrics = address("metrics.listen (--metrics-listen)", metrics)?;
            // Port 0 is a free port each: two different ones.
            if metrics == listen && listen.port() != 0 {
                return Err(refuse(
                    "metrics.listen (--metrics-listen)",
                    "the metrics listener must not be the public one",
                ));
            }
        }
        self.stretch
            .check()
            .map_err(|reason| refuse("kdf.memory_kib, kdf.passes", reason))?;
        if self.sign_ups_per_address == 0 {
            return Err(refuse(
                "limits.sign_ups_per_address (--sign-ups-per-address)",
                "at least 1, or no one can sign up",
            ));
        }
        if self.sign_ins_per_address < crate::rate_limit::SIGN_IN_PER_ACCOUNT.max {
            return Err(refuse(
                "limits.sign_ins_per_address (--sign-ins-per-address)",
                format!(
                    "at least {}, one account's own limit",
                    crate::rate_limit::SIGN_IN_PER_ACCOUNT.max
                ),
            ));
        }
        if !(1..=crate::sessions::MOST_ENDED_SESSIONS_KEPT_DAYS)
            .contains(&self.ended_sessions_kept_days)
        {
            return Err(refuse(
                "retention.ended_sessions_days (--ended-sessions-days)",
                format!(
                    "from 1 to {} days",
                    crate::sessions::MOST_ENDED_SESSIONS_KEPT_DAYS
                ),
            ));
        }
        let secret_file = self.secret_file.clone().ok_or_else(|| {
            refuse(
                "database.secret_file (--secret-file)",
                "with PostgreSQL, give the secret file every relay process shares",
            )
        })?;
        crate::config::check_secret_file(&secret_file)
            .map_err(|reason| refuse("database.secret_file (--secret-file)", reason))?;
        if let Backend::Postgres(url) = &self.backend {
            url.parse::<tokio_postgres::Config>()
                .map_err(|_| refuse("database.url (--database-url)", "not a PostgreSQL URL"))?;
        }
        let pool = "database.pool_size (--database-pool-size)";
        match (self.pool_size, &self.backend) {
            (Some(0), _) => return Err(refuse(pool, "at least 1")),
            (Some(_), Backend::Sqlite(_)) => {
                return Err(refuse(pool, "only with PostgreSQL (database.url)"))
            }
            _ => {}
        }
        let tls = match &self.tls {
            None => None,
            Some((Some(cert), Some(key))) => {
                let files = crate::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                };
                files
                    .load()
                    .map_err(|reason| refuse("tls.cert, tls.key", reason))?;
                Some(files)
            }
            Some((_, None)) => return Err(refuse("tls.key (--tls-key)", "give it with tls.cert")),
            Some((None, _)) => return Err(refuse("tls.cert (--tls-cert)", "give it with tls.key")),
        };
        let mail = self.mail.clone().ok_or_else(|| match self.backend {
            Backend::Postgres(_) => refuse(
                "mail.smtp_url (--smtp-url)",
                "with PostgreSQL, give an SMTP URL (or mail.dir)",
            ),
            Backend::Sqlite(_) => refuse(
                "mail.dir (--mail-dir)",
                "give mail.smtp_url or mail.dir, not both",
            ),
        })?;
        match &mail {
            MailTo::Smtp(url) => crate::mail::Outbox::smtp(url, &self.mail_from)
                .map(drop)
                .map_err(|reason| refuse("mail.smtp_url, mail.from", reason))?,
            MailTo::Maildir { dir, .. } => crate::mail::check_maildir(dir, &self.mail_from)
                .map_err(|reason| refuse("mail.dir, mail.from", reason))?,
        }
        Ok(Checked {
            secret_file,
            tls,
            mail,
        })
    }
}

/// What `check` found present, for serving.
pub struct Checked {
    pub secret_file: PathBuf,
    pub tls: Option<crate::tls::TlsFiles>,
    pub mail: MailTo,
}

/// `path` with `.suffix` added (the SQLite file's neighbours).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}.{suffix}", path.display()))
}

fn read_file(path: &Path) -> Result<File, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        refuse(
            "--config",
            format!("cannot read {}: {}", path.display(), e.kind()),
        )
    })?;
    // The message and the line, not toml's excerpt of the file: a line may
    // hold a password (database.url, mail.smtp_url), and so may a value the
    // message quotes (`database = "postgres://…"` is "invalid type: string
    // …"; the twenty-eighth attacker run).
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(0, |span| {
            text[..span.start.min(text.len())].matches('\n').count() + 1
        });
        refuse(
            "--config",
            format!(
                "{} line {line}: {}",
                path.display(),
                without_quoted(e.message())
            ),
        )
    })
}

/// `message` with each double-quoted value (escapes and all) shown as
/// `"…"`; names in backquotes (a key, a variant) stay.
fn without_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        out.push_str("\"…\"");
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
    }
    out
}

fn address(setting: &'static str, text: &str) -> Result<SocketAddr, ConfigError> {
    text.to_socket_addrs()
        .ok()
        .and_then(|mut all| all.next())
        .ok_or_else(|| refuse(setting, "not an address (host:port, as 127.0.0.1:7878)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(flags: &Flags, toml: &str) -> Result<Settings, ConfigError> {
        let file = toml::from_str(toml).map_err(|e| refuse("--config", e.to_string()))?;
        Settings::merge(flags, file)
    }

    #[test]
    fn a_flag_beats_the_file_which_beats_the_default() {
        let file = "listen = \"127.0.0.1:9000\"\n[kdf]\npasses = 4\n";
        let from_file = resolved(&Flags::default(), file).expect("file");
        assert_eq!(from_file.listen, "127.0.0.1:9000");
        assert_eq!(from_file.stretch.passes, 4);
        assert_eq!(from_file.sign_ups_per_address, 10);
        assert_eq!(from_file.sign_ins_per_address, 20);
        let flags = Flags {
            listen: Some("127.0.0.1:9001".into()),
            ..Flags::default()
        };
        let from_flag = resolved(&flags, file).expect("flag");
        assert_eq!(from_flag.listen, "127.0.0.1:9001");
        assert_eq!(from_flag.stretch.passes, 4);
        let none = resolved(&Flags::default(), "").expect("empty");
        assert_eq!(none.listen, DEFAULT_LISTEN);
        assert_eq!(none.ended_sessions_kept_days, 90);
        let kept = "[retention]\nended_sessions_days = 30\n";
        assert_eq!(
            resolved(&Flags::default(), kept)
                .expect("file")
                .ended_sessions_kept_days,
            30
        );
        let flags = Flags {
            ended_sessions_days: Some(7),
            ..Flags::default()
        };
        assert_eq!(
            resolved(&flags, kept)
                .expect("flag")
                .ended_sessions_kept_days,
            7
        );
        assert!(none.metrics_listen.is_none());
    }

    #[test]
    fn a_value_in_the_wrong_place_is_not_repeated() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("relay.toml");
        for text in [
            "database = \"postgres://pph:Hunter2Secret@db/relay\"\n",
            "[mail]\nsmtp_url = 7\n\n[database]\nurl = [\"smtps://x:Hunter2Secret\\\"@h\"]\n",
            "mail = \"smtps://relay:Hunter2Secret@mail\"\n",
        ] {
            std::fs::write(&path, text).expect("write");
            let Err(e) = read_file(&path) else {
                panic!("{text} was taken");
            };
            assert!(!e.reason.contains("Hunter2Secret"), "{e}");
            assert!(e.reason.contains("line "), "{e}");
        }
        assert_eq!(
            without_quoted(r#"invalid type: string "a\"b", expected `x`"#),
            "invalid type: string \"…\", expected `x`"
        );
    }

    #[test]
    fn an_unknown_or_misspelt_key_is_refused_by_name() {
        let Err(e) = resolved(&Flags::default(), "[tls]\ncertificate = \"x\"\n") else {
            panic!("an unknown key was taken");
        };
        assert!(e.reason.contains("certificate"), "{e}");
        let Err(e) = resolved(&Flags::default(), "[log]\nformat = \"xml\"\n") else {
            panic!("an unknown format was taken");
        };
        assert!(e.reason.contains("xml"), "{e}");
    }

    #[test]
    fn postgres_needs_a_shared_secret_and_a_mail_server() {
        let file = "[database]\nurl = \"postgres://pph@127.0.0.1/pph\"\n";
        let e = resolved(&Flags::default(), file)
            .expect("merged")
            .check()
            .err();
        assert_eq!(
            e.map(|e| e.setting),
            Some("database.secret_file (--secret-file)")
        );
        let file = format!("{file}secret_file = \"/tmp/s\"\n");
        let e = resolved(&Flags::default(), &file)
            .expect("merged")
            .check()
            .err();
        assert_eq!(e.map(|e| e.setting), Some("mail.smtp_url (--smtp-url)"));
    }

    #[test]
    fn metrics_are_off_unless_asked_and_never_on_the_public_listener() {
        let on = resolved(&Flags::default(), "[metrics]\nenabled = true\n").expect("on");
        assert_eq!(on.metrics_listen.as_deref(), Some(DEFAULT_METRICS_LISTEN));
        let off = Flags {
            metrics: Some(false),
            ..Flags::default()
        };
        let off = resolved(&off, "[metrics]\nlisten = \"127.0.0.1:9999\"\n").expect("off");
        assert!(off.metrics_listen.is_none());
        let dir = tempfile::tempdir().expect("dir");
        let same = Flags {
            sqlite: Some(dir.path().join("r.db")),
            ..Flags::default()
        };
        let same = resolved(
            &same,
            "listen = \"127.0.0.1:7000\"\n[metrics]\nlisten = \"127.0.0.1:7000\"\n",
        )
        .expect("merged");
        assert_eq!(
            same.check().err().map(|e| e.setting),
            Some("metrics.listen (--metrics-listen)")
        );
    }

    #[test]
    fn check_names_the_setting_and_makes_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let flags = Flags {
            sqlite: Some(dir.path().join("relay.db")),
            ..Flags::default()
        };
        let fine = resolved(&flags, "").expect("merged");
        fine.check().map(drop).expect("the defaults are fine");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            0,
            "check-config made something"
        );
        let cases = [
            ("listen = \"nowhere\"\n", "listen (--listen)"),
            ("[kdf]\nmemory_kib = 1\n", "kdf.memory_kib, kdf.passes"),
            (
                "[tls]\ncert = \"/none\"\nkey = \"/none\"\n",
                "tls.cert, tls.key",
            ),
            ("[mail]\nfrom = \"not an address\"\n", "mail.dir, mail.from"),
            (
                "[mail]\nsmtp_url = \"http://x\"\n",
                "mail.smtp_url, mail.from",
            ),
            (
                "[retention]\nended_sessions_days = 0\n",
                "retention.ended_sessions_days (--ended-sessions-days)",
            ),
            (
                "[retention]\nended_sessions_days = 3651\n",
                "retention.ended_sessions_days (--ended-sessions-days)",
            ),
            (
                "[limits]\nsign_ins_per_address = 4\n",
                "limits.sign_ins_per_address (--sign-ins-per-address)",
            ),
            (
                "[limits]\nsign_ups_per_address = 0\n",
                "limits.sign_ups_per_address (--sign-ups-per-address)",
            ),
            (
                "[database]\nsecret_file = \"/no/such/dir/secret\"\n",
                "database.secret_file (--secret-file)",
            ),
            ("[tls]\ncert = \"/none\"\n", "tls.key (--tls-key)"),
            (
                "[mail]\nsmtp_url = \"smtps://x\"\ndir = \"/tmp/m\"\n",
                "mail.dir (--mail-dir)",
            ),
        ];
        for (file, setting) in cases {
            let settings = resolved(&flags, file).expect("merged");
            assert_eq!(
                settings.check().err().map(|e| e.setting),
                Some(setting),
                "{file}"
            );
        }
    }
}
