//! The codes that prove a sign-up's email (docs/adr/0025): one per email,
//! kept as its HMAC, tried at most `CODE_TRIES` times in all, however many
//! relays share the database: each try is counted in the statement that
//! reads the code, and only the try that deletes it makes the account.

use super::db::Db;
use super::Result;

/// A code as the relay keeps it.
#[derive(Clone)]
pub struct SignUpCode {
    pub email: String,
    pub code_hash: String,
    pub expires_ms: i64,
    pub tries: i64,
}

pph_protocol::debug_without_secrets!(SignUpCode);

/// A new code for the email replaces any before it.
pub(crate) async fn put(db: &mut Db<'_>, code: &SignUpCode) -> Result<()> {
    db.execute(
        "INSERT INTO sign_up_codes (email, code_hash, expires_ms, tries_left)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET code_hash = excluded.code_hash,
           expires_ms = excluded.expires_ms, tries_left = excluded.tries_left",
        &[&code.email, &code.code_hash, &code.expires_ms, &code.tries],
    )
    .await?;
    Ok(())
}

/// One try of `code_hash` for `email` at `now_ms`: true, and the code is
/// spent, when it is the email's live code; false otherwise, the try
/// counted.
pub(crate) async fn take(
    db: &mut Db<'_>,
    email: &str,
    code_hash: &str,
    now_ms: i64,
) -> Result<bool> {
    let counted = db
        .query_opt(
            "UPDATE sign_up_codes SET tries_left = tries_left - 1
             WHERE email = $1 AND expires_ms > $2 AND tries_left > 0
             RETURNING code_hash",
            &[&email, &now_ms],
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
            "DELETE FROM sign_up_codes WHERE email = $1 AND code_hash = $2",
            &[&email, &code_hash],
        )
        .await?;
    Ok(spent == 1)
}

/// Drops codes that expired before `now_ms`, or were tried out.
pub(crate) async fn sweep(db: &mut Db<'_>, now_ms: i64) -> Result<()> {
    db.execute(
        "DELETE FROM sign_up_codes WHERE expires_ms <= $1 OR tries_left <= 0",
        &[&now_ms],
    )
    .await?;
    Ok(())
}
