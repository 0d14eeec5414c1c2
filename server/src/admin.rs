//! `pph-server admin`: what an operator does on the relay's database
//! directly: read a space's changes as stored, and vouch for clinicians. Each command reads or acts as the server itself would, through
//! its storage, and says on stderr what it did (never a value, an email or
//! a token).

use crate::open_storage;
use crate::storage::{Readable, Storage};
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
    /// Vouch for one clinician, by their account's email: patients may
    /// then share with them.
    VerifyClinician {
        #[arg(long)]
        email: String,
    },
    /// Stop vouching for one clinician: no new share reaches them (shares
    /// already made run until they end or are revoked).
    UnverifyClinician {
        #[arg(long)]
        email: String,
    },
}

pub async fn run(settings: &crate::settings::Settings, action: Action) -> ExitCode {
    let storage = match open_storage(&settings.backend).await {
        Ok(storage) => storage,
        Err(e) => {
            eprintln!("pph-server admin: cannot open storage: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match action {
        Action::Changes { space } => changes(&storage, &space).await,
        Action::VerifyClinician { email } => verify(&storage, &email, true).await,
        Action::UnverifyClinician { email } => verify(&storage, &email, false).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pph-server admin: {e}");
            ExitCode::FAILURE
        }
    }
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

async fn verify(storage: &Storage, text: &str, verified: bool) -> Result<(), String> {
    let email =
        crate::credentials::normalised_email(text).ok_or("--email is not an email address")?;
    let account = storage
        .set_clinician_verified(&email, verified, crate::now_ms())
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no clinician account has this email: nothing was changed")?;
    let did = if verified { "verified" } else { "unverified" };
    eprintln!("pph-server admin: {did} the clinician account {account}");
    Ok(())
}
