//! Clinicians the relay's operator vouches for, one by one, once it has
//! checked who they are (never by their email's domain: the relay does not
//! prove that anyone holds the address they signed up with). Only a
//! verified clinician receives a share (`api::shares::grant`).

use super::db::Db;
use super::*;

/// Whether `account_id` is a clinician the operator verified.
pub(crate) async fn clinician_verified(db: &mut Db<'_>, account_id: &str) -> Result<bool> {
    db.exists(
        "SELECT 1 FROM accounts WHERE id = $1 AND role = $2 AND verified_ms IS NOT NULL",
        &[&account_id, &name_of(&Role::Clinician)],
    )
    .await
}

/// Verifies (or, `verified` false, unverifies) the clinician account with
/// `email`; its id, or None when no clinician has that email.
pub(crate) async fn set_clinician_verified(
    db: &mut Db<'_>,
    email: &str,
    verified: bool,
    now_ms: i64,
) -> Result<Option<String>> {
    let at = verified.then_some(now_ms);
    db.query_opt(
        "UPDATE accounts SET verified_ms = $2 WHERE email = $1 AND role = $3 RETURNING id",
        &[&email, &at, &name_of(&Role::Clinician)],
    )
    .await?
    .map(|row| row.text(0))
    .transpose()
}
