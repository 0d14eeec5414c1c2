//! `pph-server admin`: what an operator does on the relay's database
//! directly: find, lock, sign out or delete an account, vouch for
//! clinicians, count what the relay holds, answer a subject-access
//! request, read a space's changes as stored. Each command reads or acts
//! as the server itself would, through its storage, says on stderr what
//! it did and writes an audit line to the log naming the command and the
//! account's log id (never an email, a value or a token).

use crate::open_storage_pooled;
use crate::storage::{Account, Readable, Storage};
use clap::Subcommand;
use std::io::Write;
use std::process::ExitCode;

/// Changes read per page.
const PAGE: u32 = 1_000;

#[derive(Subcommand)]
pub enum Action {
    /// Every change of a space the relay serves (all but a hidden
    /// record's), one JSON object a line (`seq`, `author`, `change`), as
    /// its database holds them: what a breach of it would read, sealed
    /// values and all.
    Changes {
        /// The space's id.
        #[arg(long)]
        space: String,
    },
    /// One account, by its email: its id, log id (how the log names it),
    /// role, when it was made, whether it is locked or a verified
    /// clinician, and its live devices; one JSON object.
    FindAccount {
        #[arg(long)]
        email: String,
    },
    /// Locks an account: its devices are signed out and neither its
    /// password nor its recovery code opens a session until `unlock`.
    Lock {
        #[arg(long)]
        email: String,
    },
    /// Unlocks an account `lock` locked.
    Unlock {
        #[arg(long)]
        email: String,
    },
    /// Signs out every device of an account (a lost phone): each signs in
    /// again with the password.
    SignOut {
        #[arg(long)]
        email: String,
    },
    /// Vouch for one clinician, by their account's email: patients may
    /// then share with them.
    VerifyClinician {
        #[arg(long)]
        email: String,
    },
    /// Stop vouching for one clinician: no new share reaches them (shares
    /// already made run until they end or are revoked; `lock` cuts them
    /// off at once).
    UnverifyClinician {
        #[arg(long)]
        email: String,
    },
    /// How much the relay holds: accounts, spaces, changes, live sessions,
    /// the database's size and schema version; one JSON object.
    Stats,
    /// Everything the relay holds about one account, for a subject-access
    /// request: its details, devices and sessions, spaces, the changes it
    /// pushed (counted per space: their sealed values are readable by its
    /// devices alone, never by the relay), shares and who read them; one
    /// JSON document on stdout.
    SubjectAccess {
        #[arg(long)]
        email: String,
    },
    /// Deletes an account as its own "delete my account" does, for someone
    /// who cannot sign in: its personal space, shares, devices, and in
    /// groups every record naming it. Cannot be undone.
    DeleteAccount {
        #[arg(long)]
        email: String,
        /// Says the operator means it.
        #[arg(long)]
        confirm: bool,
    },
}

/// The command's name as the log's audit line gives it.
fn name(action: &Action) -> &'static str {
    match action {
        Action::Changes { .. } => "changes",
        Action::FindAccount { .. } => "find-account",
        Action::Lock { .. } => "lock",
        Action::Unlock { .. } => "unlock",
        Action::SignOut { .. } => "sign-out",
        Action::VerifyClinician { .. } => "verify-clinician",
        Action::UnverifyClinician { .. } => "unverify-clinician",
        Action::Stats => "stats",
        Action::SubjectAccess { .. } => "subject-access",
        Action::DeleteAccount { .. } => "delete-account",
    }
}

/// What a command acted on, for its audit line: an account's log id (never
/// its email), or nothing.
struct Done {
    account: Option<String>,
}

pub async fn run(settings: &crate::settings::Settings, action: Action) -> ExitCode {
    let storage = match open_storage_pooled(&settings.backend, settings.pool_size).await {
        Ok(storage) => storage,
        Err(e) => {
            eprintln!("pph-server admin: cannot open storage: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secret = match relay_secret(settings, &storage).await {
        Ok(secret) => secret,
        Err(e) => {
            tracing::warn!(command = name(&action), reason = %e, "operator command refused");
            eprintln!("pph-server admin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let op = Operator {
        storage: &storage,
        secret: &secret,
    };
    let command = name(&action);
    let outcome = match action {
        Action::Changes { space } => changes(&storage, &space)
            .await
            .map(|()| Done { account: None }),
        Action::FindAccount { email } => op.find(&email).await,
        Action::Lock { email } => op.lock(&email, true).await,
        Action::Unlock { email } => op.lock(&email, false).await,
        Action::SignOut { email } => op.sign_out(&email).await,
        Action::VerifyClinician { email } => op.verify(&email, true).await,
        Action::UnverifyClinician { email } => op.verify(&email, false).await,
        Action::Stats => op.stats().await,
        Action::SubjectAccess { email } => op.subject_access(&email).await,
        Action::DeleteAccount { email, confirm } => op.delete(&email, confirm).await,
    };
    match outcome {
        Ok(done) => {
            let account = done.account.as_deref().unwrap_or("-");
            tracing::info!(command, account, "operator command done");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::warn!(command, reason = %e, "operator command refused");
            eprintln!("pph-server admin: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The relay's secret, which keys the log ids the audit lines name: read
/// from its file and checked against the one the database was served
/// with, so that an audit line names an account as the relay's log does
/// (the twenty-eighth attacker run's, with another secret, matched none).
async fn relay_secret(
    settings: &crate::settings::Settings,
    storage: &Storage,
) -> Result<zeroize::Zeroizing<Vec<u8>>, String> {
    let unreadable = "cannot read the relay's secret file (database.secret_file, --secret-file): the audit lines name accounts by ids it keys";
    let secret = settings
        .secret_file
        .as_deref()
        .and_then(crate::config::read_secret)
        .ok_or(unreadable)?;
    match storage.secret_fingerprint().await.map_err(|e| e.to_string())? {
        Some(recorded) if recorded != crate::config::fingerprint(&secret) => Err(
            "database.secret_file (--secret-file): this is not the secret the database was served with: give the relay's own file; nothing was changed".to_owned(),
        ),
        _ => Ok(secret),
    }
}

/// The commands that act on one account, found by its email.
struct Operator<'a> {
    storage: &'a Storage,
    /// The relay's secret, for log ids.
    secret: &'a [u8],
}

impl Operator<'_> {
    async fn account(&self, text: &str) -> Result<Account, String> {
        let email =
            crate::credentials::normalised_email(text).ok_or("--email is not an email address")?;
        self.storage
            .account_by_email(&email)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "no account has this email: nothing was changed".to_owned())
    }

    fn done(&self, account: &Account) -> Done {
        Done {
            account: Some(crate::telemetry::log_id(self.secret, &account.id)),
        }
    }

    async fn find(&self, email: &str) -> Result<Done, String> {
        let account = self.account(email).await?;
        let now = crate::now_ms();
        let devices = self
            .storage
            .session_records(&account.id)
            .await
            .map_err(|e| e.to_string())?;
        let tokens = self
            .storage
            .device_tokens(&account.id, "", now)
            .await
            .map_err(|e| e.to_string())?;
        let live_devices = tokens
            .iter()
            .filter(|t| t.live)
            .map(|t| &t.session)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let line = serde_json::json!({
            "account": account.id,
            "log_id": self.done(&account).account,
            "role": account.role,
            "created_ms": account.created_ms,
            "locked": self.storage.is_locked(&account.id).await.map_err(|e| e.to_string())?,
            "verified_clinician": self.storage.clinician_verified(&account.id).await.map_err(|e| e.to_string())?,
            "live_devices": live_devices,
            "sessions_ever": devices.len(),
        });
        print_json(&line)?;
        Ok(self.done(&account))
    }

    async fn lock(&self, email: &str, locked: bool) -> Result<Done, String> {
        let account = self.account(email).await?;
        self.storage
            .set_locked(&account.id, locked, crate::now_ms())
            .await
            .map_err(|e| e.to_string())?;
        let did = if locked {
            "locked the account and signed out its devices"
        } else {
            "unlocked the account"
        };
        let done = self.done(&account);
        // Stdout: stderr is the log's, and names accounts by log id.
        println!("{did}");
        Ok(done)
    }

    async fn sign_out(&self, email: &str) -> Result<Done, String> {
        let account = self.account(email).await?;
        let ended = self
            .storage
            .end_every_session(&account.id, crate::now_ms())
            .await
            .map_err(|e| e.to_string())?;
        println!("signed out {ended} live tokens of the account");
        Ok(self.done(&account))
    }

    async fn verify(&self, text: &str, verified: bool) -> Result<Done, String> {
        let email =
            crate::credentials::normalised_email(text).ok_or("--email is not an email address")?;
        let account = self
            .storage
            .set_clinician_verified(&email, verified, crate::now_ms())
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no clinician account has this email: nothing was changed")?;
        let did = if verified { "verified" } else { "unverified" };
        println!("{did} the clinician account");
        Ok(Done {
            account: Some(crate::telemetry::log_id(self.secret, &account)),
        })
    }

    async fn stats(&self) -> Result<Done, String> {
        let s = self.storage;
        let counts = s.counts(crate::now_ms()).await.map_err(|e| e.to_string())?;
        let line = serde_json::json!({
            "accounts": counts.accounts,
            "spaces": counts.spaces,
            "changes": counts.changes,
            "live_sessions": counts.live_sessions,
            "storage_bytes": s.size_bytes().await.map_err(|e| e.to_string())?,
            "schema": s.schema_version().await.map_err(|e| e.to_string())?,
        });
        print_json(&line)?;
        Ok(Done { account: None })
    }

    async fn subject_access(&self, email: &str) -> Result<Done, String> {
        let account = self.account(email).await?;
        print_json(&crate::subject_access::report(self.storage, &account).await?)?;
        Ok(self.done(&account))
    }

    async fn delete(&self, email: &str, confirm: bool) -> Result<Done, String> {
        let account = self.account(email).await?;
        if !confirm {
            return Err(
                "deleting an account cannot be undone: add --confirm to mean it (nothing was deleted)"
                    .to_owned(),
            );
        }
        let receipt = self
            .storage
            .delete_account(&account.id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the account went meanwhile: nothing more was deleted")?;
        print_json(&serde_json::to_value(&receipt).map_err(|e| e.to_string())?)?;
        Ok(self.done(&account))
    }
}

fn print_json(value: &serde_json::Value) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}").map_err(|e| e.to_string())
}

async fn changes(storage: &Storage, space: &str) -> Result<(), String> {
    if !pph_protocol::ids::is_canonical(space) {
        return Err("--space must be a UUID in lower-case hyphenated form".into());
    }
    let mut out = std::io::stdout().lock();
    let (mut since, mut count) = (0, 0);
    loop {
        let page = storage
            .pull(space, since, PAGE, Readable::ALL)
            .await
            .map_err(|e| e.to_string())?;
        for stored in page.iter() {
            let change: serde_json::Value =
                serde_json::from_str(&stored.body).map_err(|e| e.to_string())?;
            let line = serde_json::json!({
                "seq": stored.seq,
                "author": stored.author,
                "change": change,
            });
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
            since = stored.seq;
            count += 1;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    eprintln!("pph-server admin: read {count} changes of one space");
    Ok(())
}
