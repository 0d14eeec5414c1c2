//! The codes that prove a sign-up's email (docs/adr/0025): one per email
//! and asking device (the personal space it signs up with), kept as its
//! HMAC, tried at most `CODE_TRIES` times in all, however many relays share
//! the database: each try is counted in the statement that reads the code,
//! and only the try that deletes it makes the account.

use super::db::Db;
use super::Result;

/// A code as the relay keeps it.
#[derive(Clone)]
pub struct SignUpCode {
    pub email: String,
    /// The asking device's personal space: only a sign-up with it may try
    /// the code.
    pub personal_space: String,
    pub code_hash: String,
    pub expires_ms: i64,
    pub tries: i64,
}

pph_protocol::debug_without_secrets!(SignUpCode);

/// A new code for the email and device replaces that device's earlier one
/// (never another device's). Expired codes go with the relay's minute
/// sweep (`sweep`).
pub(crate) async fn put(db: &mut Db<'_>, code: &SignUpCode) -> Result<()> {
    db.execute(
        "INSERT INTO sign_up_codes (email, personal_space, code_hash, expires_ms, tries_left)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email, personal_space) DO UPDATE SET code_hash = excluded.code_hash,
           expires_ms = excluded.expires_ms, tries_left = excluded.tries_left",
        &[
            &code.email,
            &code.personal_space,
            &code.code_hash,
            &code.expires_ms,
            &code.tries,
        ],
    )
    .await?;
    Ok(())
}

/// One try of `code_hash` for `email` by the device of `personal_space`
/// at `now_ms`: true, and the code is spent, when it is that device's live
/// code for the email; false otherwise, the try counted.
pub(crate) async fn take(
    db: &mut Db<'_>,
    email: &str,
    personal_space: &str,
    code_hash: &str,
    now_ms: i64,
) -> Result<bool> {
    let counted = db
        .query_opt(
            "UPDATE sign_up_codes SET tries_left = tries_left - 1
             WHERE email = $1 AND personal_space = $2 AND expires_ms > $3 AND tries_left > 0
             RETURNING code_hash",
            &[&email, &personal_space, &now_ms],
        )
        .await?;
    let Some(row) = counted else {
        return Ok(false);
    };
    if !crate::credentials::same_hash(&row.text(0)?, code_hash) {
        return Ok(false);
    }
    let spent = db
        .execute(
            "DELETE FROM sign_up_codes
             WHERE email = $1 AND personal_space = $2 AND code_hash = $3",
            &[&email, &personal_space, &code_hash],
        )
        .await?;
    Ok(spent == 1)
}

/// Whether a space has this id already (a sign-up's personal space is
/// checked before its code is spent).
pub(crate) async fn space_taken(db: &mut Db<'_>, space: &str) -> Result<bool> {
    db.exists("SELECT 1 FROM spaces WHERE id = $1", &[&space])
        .await
}

/// Drops codes that expired by `now_ms`, or were tried out.
pub(crate) async fn sweep(db: &mut Db<'_>, now_ms: i64) -> Result<()> {
    db.execute(
        "DELETE FROM sign_up_codes WHERE expires_ms <= $1 OR tries_left <= 0",
        &[&now_ms],
    )
    .await?;
    Ok(())
}
