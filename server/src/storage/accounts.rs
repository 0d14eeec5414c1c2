//! Accounts: an account with its personal space, found by email, and the
//! names its devices gave (their sessions are `sessions.rs`'s).

use super::db::{Db, Row};
use super::*;

/// An account as `account_columns!` reads it.
pub(super) fn account(row: &Row) -> Result<Account> {
    Ok(Account {
        id: row.text(0)?,
        email: row.text(1)?,
        display_name: row.text(2)?,
        role: parse_name(&row.text(3)?, "accounts.role")?,
        personal_space: row.text(4)?,
        password_hash: row.text(5)?,
        created_ms: row.int(6)?,
        kdf: row
            .opt_text(7)?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|_| StorageError::Backend("accounts.kdf is not a stretch".into()))
            })
            .transpose()?,
    })
}

/// Stores the account with its personal space, of which it is the only
/// member. Run in a write transaction.
pub(crate) async fn create_account(db: &mut Db<'_>, a: &Account) -> Result<()> {
    db.execute(
        "INSERT INTO accounts
           (id, email, display_name, role, personal_space, password_hash, created_ms, kdf)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &a.id,
            &a.email,
            &a.display_name,
            &name_of(&a.role),
            &a.personal_space,
            &a.password_hash,
            &a.created_ms,
            &a.kdf.as_ref().map(kdf_json),
        ],
    )
    .await?;
    db.execute(
        "INSERT INTO spaces (id, kind, owner) VALUES ($1, $2, $3)",
        &[&a.personal_space, &name_of(&SpaceKind::Personal), &a.id],
    )
    .await?;
    db.execute(
        "INSERT INTO space_members (space, account_id) VALUES ($1, $2)",
        &[&a.personal_space, &a.id],
    )
    .await?;
    Ok(())
}

/// An account's stretch as `accounts.kdf` keeps it.
pub(super) fn kdf_json(kdf: &Kdf) -> String {
    serde_json::to_string(kdf).unwrap_or_default()
}

pub(crate) async fn account_by_email(db: &mut Db<'_>, email: &str) -> Result<Option<Account>> {
    const SQL: &str = concat!(
        "SELECT ",
        account_columns!(),
        " FROM accounts a WHERE a.email = $1"
    );
    db.query_opt(SQL, &[&email])
        .await?
        .as_ref()
        .map(account)
        .transpose()
}

pub(crate) async fn device_names(db: &mut Db<'_>, account_id: &str) -> Result<Vec<DeviceName>> {
    db.query(
        "SELECT node, device_name FROM (
           SELECT node, device_name,
                  ROW_NUMBER() OVER (PARTITION BY node ORDER BY created_ms DESC, token_hash)
                    AS newest
           FROM device_tokens WHERE account_id = $1 AND node IS NOT NULL) named
         WHERE newest = 1 ORDER BY node",
        &[&account_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(DeviceName {
            node: r.text(0)?,
            name: r.text(1)?,
        })
    })
    .collect()
}
