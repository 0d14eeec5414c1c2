//! Accounts and their devices' sessions: an account with its personal
//! space, the tokens its devices sign in with, and what a token reaches.

use super::db::{Db, Row, ToArg};
use super::*;
use crate::sessions::{Live, TokenRow};

/// An account's columns, in the order `account` reads them.
macro_rules! account_columns {
    () => {
        "a.id, a.email, a.display_name, a.role, a.personal_space, a.password_hash, a.created_ms"
    };
}

fn account(row: &Row) -> Result<Account> {
    Ok(Account {
        id: row.text(0)?,
        email: row.text(1)?,
        display_name: row.text(2)?,
        role: parse_name(&row.text(3)?, "accounts.role")?,
        personal_space: row.text(4)?,
        password_hash: row.text(5)?,
        created_ms: row.int(6)?,
    })
}

/// Stores the account with its personal space, of which it is the only
/// member. Run in a write transaction.
pub(crate) async fn create_account(db: &mut Db<'_>, a: &Account) -> Result<()> {
    db.execute(
        "INSERT INTO accounts
           (id, email, display_name, role, personal_space, password_hash, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &a.id,
            &a.email,
            &a.display_name,
            &name_of(&a.role),
            &a.personal_space,
            &a.password_hash,
            &a.created_ms,
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

pub(crate) async fn add_token(
    db: &mut Db<'_>,
    token_hash: &str,
    account_id: &str,
    device: &DeviceName,
    now_ms: i64,
) -> Result<()> {
    db.execute(
        "INSERT INTO device_tokens (token_hash, account_id, device_name, node, created_ms)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &token_hash,
            &account_id,
            &device.name,
            &device.node,
            &now_ms,
        ],
    )
    .await?;
    Ok(())
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

/// A token row `t` live at the instants `$a`, `$b`, `$c` (`Live`, in that
/// order): made within its lifetime, used within the idle limit, and
/// neither revoked nor replaced longer ago than the grace.
macro_rules! live_token {
    ($made_after:literal, $used_after:literal, $replaced_after:literal) => {
        concat!(
            "t.created_ms > ",
            $made_after,
            " AND COALESCE(t.last_seen_ms, t.created_ms) > ",
            $used_after,
            " AND (t.revoked_ms IS NULL OR (t.replaced_by IS NOT NULL AND t.revoked_ms > ",
            $replaced_after,
            "))"
        )
    };
}

/// The account behind a live token, and when the token was last used.
pub(crate) async fn account_for_token(
    db: &mut Db<'_>,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<(Account, i64)>> {
    const SQL: &str = concat!(
        "SELECT ",
        account_columns!(),
        ", COALESCE(t.last_seen_ms, t.created_ms)
         FROM device_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = $1 AND ",
        live_token!("$2", "$3", "$4")
    );
    let live = Live::at(now_ms);
    let args: [&(dyn ToArg + Sync); 4] = [
        &token_hash,
        &live.made_after,
        &live.used_after,
        &live.replaced_after,
    ];
    db.query_opt(SQL, &args)
        .await?
        .map(|row| Ok((account(&row)?, row.int(7)?)))
        .transpose()
}

/// The account behind a live token with its role in `space` (None when
/// not a member) and when the token was last used, in one read.
pub(crate) async fn account_in_space(
    db: &mut Db<'_>,
    token_hash: &str,
    space: &str,
    now_ms: i64,
) -> Result<Option<(Account, Option<GroupRole>, i64)>> {
    const SQL: &str = concat!(
        "SELECT ",
        account_columns!(),
        ", (SELECT m.role FROM space_members m WHERE m.space = $2 AND m.account_id = a.id),
         COALESCE(t.last_seen_ms, t.created_ms)
         FROM device_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = $1 AND ",
        live_token!("$3", "$4", "$5")
    );
    let live = Live::at(now_ms);
    let args: [&(dyn ToArg + Sync); 5] = [
        &token_hash,
        &space,
        &live.made_after,
        &live.used_after,
        &live.replaced_after,
    ];
    let Some(row) = db.query_opt(SQL, &args).await? else {
        return Ok(None);
    };
    let role = row.opt_text(7)?;
    Ok(Some((
        account(&row)?,
        role.as_deref()
            .map(|r| parse_name(r, "space_members.role"))
            .transpose()?,
        row.int(8)?,
    )))
}

/// Writes a token's last use.
pub(crate) async fn touch_token(db: &mut Db<'_>, token_hash: &str, now_ms: i64) -> Result<()> {
    db.execute(
        "UPDATE device_tokens SET last_seen_ms = $2 WHERE token_hash = $1",
        &[&token_hash, &now_ms],
    )
    .await?;
    Ok(())
}

/// Whether `token_hash` was replaced by a swap longer ago than the grace:
/// used now, it was copied.
pub(crate) async fn replaced_long_ago(
    db: &mut Db<'_>,
    token_hash: &str,
    now_ms: i64,
) -> Result<bool> {
    let replaced_after = Live::at(now_ms).replaced_after;
    Ok(db
        .query_opt(
            "SELECT 1 FROM device_tokens
             WHERE token_hash = $1 AND replaced_by IS NOT NULL AND revoked_ms <= $2",
            &[&token_hash, &replaced_after],
        )
        .await?
        .is_some())
}

/// Ends every session of the device `token_hash` was made for (its
/// account and node). Returns how many were live.
pub(crate) async fn sign_out_device_of(
    db: &mut Db<'_>,
    token_hash: &str,
    now_ms: i64,
) -> Result<u64> {
    let Some(row) = db
        .query_opt(
            "SELECT account_id, node FROM device_tokens WHERE token_hash = $1 AND node IS NOT NULL",
            &[&token_hash],
        )
        .await?
    else {
        return Ok(0);
    };
    let (account_id, node) = (row.text(0)?, row.text(1)?);
    sign_out_device(db, &account_id, &node, now_ms).await
}

/// Ends every session of the account's device `node`; returns how many
/// were live (0: no such device signed in).
pub(crate) async fn sign_out_device(
    db: &mut Db<'_>,
    account_id: &str,
    node: &str,
    now_ms: i64,
) -> Result<u64> {
    const SQL: &str = concat!(
        "UPDATE device_tokens SET revoked_ms = $3, replaced_by = NULL
         WHERE account_id = $1 AND node = $2 AND token_hash IN (
           SELECT t.token_hash FROM device_tokens t
           WHERE t.account_id = $1 AND t.node = $2 AND ",
        live_token!("$4", "$5", "$6"),
        ")"
    );
    let live = Live::at(now_ms);
    let args: [&(dyn ToArg + Sync); 6] = [
        &account_id,
        &node,
        &now_ms,
        &live.made_after,
        &live.used_after,
        &live.replaced_after,
    ];
    db.execute(SQL, &args).await
}

/// Ends every session of the account but the one `keep_hash` holds (a
/// password changed or recovered: the other devices sign in again).
pub(crate) async fn sign_out_others(
    db: &mut Db<'_>,
    account_id: &str,
    keep_hash: &str,
    now_ms: i64,
) -> Result<()> {
    db.execute(
        "UPDATE device_tokens SET revoked_ms = $3, replaced_by = NULL
         WHERE account_id = $1 AND token_hash <> $2 AND revoked_ms IS NULL",
        &[&account_id, &keep_hash, &now_ms],
    )
    .await?;
    db.execute(
        "UPDATE device_tokens SET replaced_by = NULL
         WHERE account_id = $1 AND token_hash <> $2 AND replaced_by IS NOT NULL",
        &[&account_id, &keep_hash],
    )
    .await?;
    Ok(())
}

/// Swaps the live token `old_hash` for `new_hash`, for the same account,
/// device and name: the new one is made now, the old one is replaced (it
/// answers for the grace). Asked again with the same pair, answers the
/// same. False: `old_hash` is not live (and was not swapped for this one).
pub(crate) async fn swap_token(
    db: &mut Db<'_>,
    old_hash: &str,
    new_hash: &str,
    now_ms: i64,
) -> Result<bool> {
    const SQL: &str = concat!(
        "SELECT t.account_id, t.device_name, t.node, t.replaced_by, CASE WHEN ",
        live_token!("$2", "$3", "$4"),
        " THEN 1 ELSE 0 END FROM device_tokens t WHERE t.token_hash = $1"
    );
    let live = Live::at(now_ms);
    let args: [&(dyn ToArg + Sync); 4] = [
        &old_hash,
        &live.made_after,
        &live.used_after,
        &live.replaced_after,
    ];
    let Some(row) = db.query_opt(SQL, &args).await? else {
        return Ok(false);
    };
    let replaced_by = row.opt_text(3)?;
    if replaced_by.as_deref() == Some(new_hash) {
        return Ok(true);
    }
    if replaced_by.is_some() || row.int(4)? == 0 {
        return Ok(false);
    }
    let account_id = row.text(0)?;
    let device_name = row.text(1)?;
    let node = row.opt_text(2)?;
    db.execute(
        "INSERT INTO device_tokens
           (token_hash, account_id, device_name, node, created_ms, last_seen_ms)
         VALUES ($1, $2, $3, $4, $5, $5)",
        &[&new_hash, &account_id, &device_name, &node, &now_ms],
    )
    .await?;
    db.execute(
        "UPDATE device_tokens SET revoked_ms = $2, replaced_by = $3 WHERE token_hash = $1",
        &[&old_hash, &now_ms, &new_hash],
    )
    .await?;
    Ok(true)
}

/// Every token of the account's devices, for its devices list.
pub(crate) async fn device_tokens(
    db: &mut Db<'_>,
    account_id: &str,
    asking_hash: &str,
    now_ms: i64,
) -> Result<Vec<TokenRow>> {
    const SQL: &str = concat!(
        "SELECT t.node, t.device_name, t.created_ms, COALESCE(t.last_seen_ms, t.created_ms),
                CASE WHEN ",
        live_token!("$3", "$4", "$5"),
        " THEN 1 ELSE 0 END, CASE WHEN t.token_hash = $2 THEN 1 ELSE 0 END
         FROM device_tokens t WHERE t.account_id = $1 AND t.node IS NOT NULL
         ORDER BY t.created_ms, t.token_hash"
    );
    let live = Live::at(now_ms);
    let args: [&(dyn ToArg + Sync); 5] = [
        &account_id,
        &asking_hash,
        &live.made_after,
        &live.used_after,
        &live.replaced_after,
    ];
    db.query(SQL, &args)
        .await?
        .iter()
        .map(|r| {
            Ok(TokenRow {
                node: r.text(0)?,
                device_name: r.text(1)?,
                made_ms: r.int(2)?,
                last_used_ms: r.int(3)?,
                live: r.int(4)? == 1,
                this_request: r.int(5)? == 1,
            })
        })
        .collect()
}

pub(crate) async fn revoke_token(db: &mut Db<'_>, token_hash: &str, now_ms: i64) -> Result<()> {
    db.execute(
        "UPDATE device_tokens SET revoked_ms = $2, replaced_by = NULL
         WHERE token_hash = $1 AND (revoked_ms IS NULL OR replaced_by IS NOT NULL)",
        &[&token_hash, &now_ms],
    )
    .await?;
    Ok(())
}
