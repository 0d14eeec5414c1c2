//! Clinicians the relay's operator vouches for: an account verified one by
//! one, or one whose email is at a domain the operator listed. Only a
//! verified clinician receives a share (`api::shares::grant`).

use super::db::Db;
use super::*;

/// The part of an email after its last `@`.
pub fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Whether `account_id` is a clinician the operator vouches for.
pub(crate) async fn clinician_verified(db: &mut Db<'_>, account_id: &str) -> Result<bool> {
    let Some(row) = db
        .query_opt(
            "SELECT role, email, verified_ms FROM accounts WHERE id = $1",
            &[&account_id],
        )
        .await?
    else {
        return Ok(false);
    };
    let role: Role = parse_name(&row.text(0)?, "accounts.role")?;
    if role != Role::Clinician {
        return Ok(false);
    }
    if row.opt_int(2)?.is_some() {
        return Ok(true);
    }
    let email = row.text(1)?;
    db.exists(
        "SELECT 1 FROM verified_domains WHERE domain = $1",
        &[&domain_of(&email)],
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

/// Vouches for every clinician whose email is at `domain`.
pub(crate) async fn add_verified_domain(db: &mut Db<'_>, domain: &str, now_ms: i64) -> Result<()> {
    db.execute(
        "INSERT INTO verified_domains (domain, added_ms) VALUES ($1, $2)
         ON CONFLICT (domain) DO NOTHING",
        &[&domain, &now_ms],
    )
    .await?;
    Ok(())
}

/// Stops vouching for `domain`'s clinicians; false if it was not listed.
pub(crate) async fn remove_verified_domain(db: &mut Db<'_>, domain: &str) -> Result<bool> {
    Ok(db
        .execute("DELETE FROM verified_domains WHERE domain = $1", &[&domain])
        .await?
        == 1)
}

/// The domains listed, in order.
pub(crate) async fn verified_domains(db: &mut Db<'_>) -> Result<Vec<String>> {
    db.query("SELECT domain FROM verified_domains ORDER BY domain", &[])
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect()
}
