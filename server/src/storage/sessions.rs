//! Sessions: the tokens a device signs in with, each session a chain from
//! one sign-in through the swaps that followed (`crate::sessions` holds the
//! rule of what is live). Every write that makes or ends a token first
//! takes its account's row lock (`lock_account`), so on PostgreSQL a swap
//! or a sign-in cannot slip a token past a sign-out made at the same moment
//! (the twenty-first attacker run); SQLite runs one writer at a time.

use super::db::Db;
use super::*;
use crate::sessions::{Live, TokenRow};

/// A token row `t` live at the instants `Live` gives, in its order: made
/// within its lifetime, its session begun within the session's, used
/// within the idle limit, neither revoked nor replaced longer ago than the
/// grace, and not a recovery code's (which only sets new keys).
macro_rules! live_token {
    ($made:literal, $session:literal, $used:literal, $replaced:literal) => {
        concat!(
            "t.created_ms > ",
            $made,
            " AND COALESCE(t.signed_in_ms, t.created_ms) > ",
            $session,
            " AND COALESCE(t.last_seen_ms, t.created_ms) > ",
            $used,
            " AND (t.revoked_ms IS NULL OR (t.replaced_by IS NOT NULL AND t.revoked_ms > ",
            $replaced,
            "))"
        )
    };
}

fn live_args(now_ms: i64) -> [i64; 4] {
    let live = Live::at(now_ms);
    [
        live.made_after,
        live.session_after,
        live.used_after,
        live.replaced_after,
    ]
}

/// Holds the account's row until the transaction ends: the writes that
/// make and end its tokens take turns.
async fn lock_account(db: &mut Db<'_>, account_id: &str) -> Result<()> {
    db.execute(
        "UPDATE accounts SET created_ms = created_ms WHERE id = $1",
        &[&account_id],
    )
    .await?;
    Ok(())
}

/// Stores a new session's first token, unless the secret it was signed in
/// with has changed since it was checked (a password changed meanwhile)
/// or the operator locked the account meanwhile: then nothing, and false.
/// A lock takes the account's row too, so a sign-in racing it either
/// lands before (and the lock ends it) or finds it (the twenty-eighth
/// attacker run kept a token through a lock).
pub(crate) async fn add_token(db: &mut Db<'_>, t: &NewToken) -> Result<bool> {
    lock_account(db, &t.account_id).await?;
    let (password, recovery) = match &t.proof {
        Some(Proof::Password(hash)) => (Some(hash.as_str()), None),
        Some(Proof::RecoveryCode(hash)) => (None, Some(hash.as_str())),
        None => (None, None),
    };
    let inserted = db
        .execute(
            "INSERT INTO device_tokens
               (token_hash, account_id, device_name, node, created_ms, last_seen_ms,
                session_id, signed_in_ms, recovery_only)
             SELECT $1, a.id, $3, $4, $5, $5, $6, $5, $7 FROM accounts a
             WHERE a.id = $2 AND a.locked_ms IS NULL
               AND (CAST($8 AS TEXT) IS NULL OR a.password_hash = $8)
               AND (CAST($9 AS TEXT) IS NULL OR a.recovery_hash = $9)",
            &[
                &t.token_hash,
                &t.account_id,
                &t.device.name,
                &t.device.node,
                &t.now_ms,
                &t.session_id,
                &i64::from(t.recovery_only),
                &password,
                &recovery,
            ],
        )
        .await?;
    Ok(inserted == 1)
}

/// The account behind a live token, when the token was last used, and
/// whether it is a recovery code's.
pub(crate) async fn account_for_token(
    db: &mut Db<'_>,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<(Account, TokenUse)>> {
    const SQL: &str = concat!(
        "SELECT ",
        account_columns!(),
        ", COALESCE(t.last_seen_ms, t.created_ms), t.recovery_only
         FROM device_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = $1 AND ",
        live_token!("$2", "$3", "$4", "$5")
    );
    let [made, session, used, replaced] = live_args(now_ms);
    db.query_opt(SQL, &[&token_hash, &made, &session, &used, &replaced])
        .await?
        .map(|row| {
            Ok((
                super::accounts::account(&row)?,
                TokenUse {
                    last_used_ms: row.int(ACCOUNT_COLUMNS)?,
                    recovery_only: row.int(ACCOUNT_COLUMNS + 1)? == 1,
                },
            ))
        })
        .transpose()
}

/// The account behind a live token with its role in `space` (None when
/// not a member) and the token's use, in one read.
pub(crate) async fn account_in_space(
    db: &mut Db<'_>,
    token_hash: &str,
    space: &str,
    now_ms: i64,
) -> Result<Option<(Account, Option<GroupRole>, TokenUse)>> {
    const SQL: &str = concat!(
        "SELECT ",
        account_columns!(),
        ", (SELECT m.role FROM space_members m WHERE m.space = $2 AND m.account_id = a.id),
         COALESCE(t.last_seen_ms, t.created_ms), t.recovery_only
         FROM device_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = $1 AND ",
        live_token!("$3", "$4", "$5", "$6")
    );
    let [made, session, used, replaced] = live_args(now_ms);
    let Some(row) = db
        .query_opt(
            SQL,
            &[&token_hash, &space, &made, &session, &used, &replaced],
        )
        .await?
    else {
        return Ok(None);
    };
    let role = row.opt_text(ACCOUNT_COLUMNS)?;
    Ok(Some((
        super::accounts::account(&row)?,
        role.as_deref()
            .map(|r| parse_name(r, "space_members.role"))
            .transpose()?,
        TokenUse {
            last_used_ms: row.int(ACCOUNT_COLUMNS + 1)?,
            recovery_only: row.int(ACCOUNT_COLUMNS + 2)? == 1,
        },
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
    db.exists(
        "SELECT 1 FROM device_tokens
         WHERE token_hash = $1 AND replaced_by IS NOT NULL AND revoked_ms <= $2",
        &[&token_hash, &replaced_after],
    )
    .await
}

/// Ends the session `token_hash` belongs to, every token of its chain, and
/// clears their replacements so that a copy signs it out once. Returns
/// how many of its tokens were live (0: none, or no such token).
pub(crate) async fn end_session_of(db: &mut Db<'_>, token_hash: &str, now_ms: i64) -> Result<u64> {
    // A token's session is its chain's id; a token made before chains is
    // its own.
    const SQL: &str = "SELECT t.account_id, COALESCE(t.session_id, t.token_hash)
         FROM device_tokens t WHERE t.token_hash = $1";
    let Some(row) = db.query_opt(SQL, &[&token_hash]).await? else {
        return Ok(0);
    };
    let (account_id, session) = (row.text(0)?, row.text(1)?);
    end_session(db, &account_id, &session, now_ms).await
}

/// Ends the account's session `session` (every token of its chain);
/// returns how many were live (0: no such session signed in).
pub(crate) async fn end_session(
    db: &mut Db<'_>,
    account_id: &str,
    session: &str,
    now_ms: i64,
) -> Result<u64> {
    lock_account(db, account_id).await?;
    const LIVE: &str = concat!(
        "SELECT t.token_hash FROM device_tokens t
         WHERE t.account_id = $1 AND COALESCE(t.session_id, t.token_hash) = $2 AND ",
        live_token!("$3", "$4", "$5", "$6")
    );
    let [made, started, used, replaced] = live_args(now_ms);
    let live = db
        .query(
            LIVE,
            &[&account_id, &session, &made, &started, &used, &replaced],
        )
        .await?
        .len() as u64;
    db.execute(
        "UPDATE device_tokens SET revoked_ms = COALESCE(revoked_ms, $3), replaced_by = NULL
         WHERE account_id = $1 AND COALESCE(session_id, token_hash) = $2",
        &[&account_id, &session, &now_ms],
    )
    .await?;
    Ok(live)
}

/// Forgets the tokens of every session that has ended (none of its tokens
/// live at `now_ms`) and saw nothing (no use, swap or sign-out) since
/// `quiet_before_ms`, but each device's newest token, which keeps the name
/// the device's changes are shown under (`accounts::device_names`). A
/// session with a live token keeps every token: a replaced one presented
/// again is how a copy is caught. Nothing makes a token in an ended
/// session, so this races with no sign-in or swap. Returns how many went.
pub(crate) async fn forget_ended_sessions(
    db: &mut Db<'_>,
    now_ms: i64,
    quiet_before_ms: i64,
) -> Result<u64> {
    const SQL: &str = concat!(
        "DELETE FROM device_tokens WHERE NOT EXISTS (
           SELECT 1 FROM device_tokens t
            WHERE t.account_id = device_tokens.account_id
              AND COALESCE(t.session_id, t.token_hash)
                  = COALESCE(device_tokens.session_id, device_tokens.token_hash)
              AND (COALESCE(t.last_seen_ms, t.created_ms) >= $5
                   OR COALESCE(t.revoked_ms, 0) >= $5 OR (",
        live_token!("$1", "$2", "$3", "$4"),
        ")))
         AND (device_tokens.node IS NULL OR EXISTS (
           SELECT 1 FROM device_tokens n
            WHERE n.account_id = device_tokens.account_id AND n.node = device_tokens.node
              AND (n.created_ms > device_tokens.created_ms
                   OR (n.created_ms = device_tokens.created_ms
                       AND n.token_hash < device_tokens.token_hash))))"
    );
    let [made, started, used, replaced] = live_args(now_ms);
    db.execute(SQL, &[&made, &started, &used, &replaced, &quiet_before_ms])
        .await
}

/// How many tokens are live across the relay (the operator's count).
pub(crate) async fn live_tokens(db: &mut Db<'_>, now_ms: i64) -> Result<i64> {
    const SQL: &str = concat!(
        "SELECT COUNT(*) FROM device_tokens t WHERE ",
        live_token!("$1", "$2", "$3", "$4")
    );
    let [made, started, used, replaced] = live_args(now_ms);
    match db
        .query_opt(SQL, &[&made, &started, &used, &replaced])
        .await?
    {
        Some(row) => row.int(0),
        None => Ok(0),
    }
}

/// Ends every session of the account (an operator signing out a lost
/// phone's person, or locking the account); returns how many tokens were
/// live.
pub(crate) async fn end_every_session(
    db: &mut Db<'_>,
    account_id: &str,
    now_ms: i64,
) -> Result<u64> {
    lock_account(db, account_id).await?;
    const LIVE: &str = concat!(
        "SELECT t.token_hash FROM device_tokens t WHERE t.account_id = $1 AND ",
        live_token!("$2", "$3", "$4", "$5")
    );
    let [made, started, used, replaced] = live_args(now_ms);
    let live = db
        .query(LIVE, &[&account_id, &made, &started, &used, &replaced])
        .await?
        .len() as u64;
    db.execute(
        "UPDATE device_tokens SET revoked_ms = COALESCE(revoked_ms, $2), replaced_by = NULL
         WHERE account_id = $1",
        &[&account_id, &now_ms],
    )
    .await?;
    Ok(live)
}

/// Ends every session of the account but the token `keep_hash` (a
/// password changed or recovered: the other devices sign in again). Run
/// in the transaction that changed the secret, which holds the account's
/// row already.
pub(crate) async fn end_other_sessions(
    db: &mut Db<'_>,
    account_id: &str,
    keep_hash: &str,
    now_ms: i64,
) -> Result<()> {
    db.execute(
        "UPDATE device_tokens SET revoked_ms = COALESCE(revoked_ms, $3), replaced_by = NULL
         WHERE account_id = $1 AND token_hash <> $2",
        &[&account_id, &keep_hash, &now_ms],
    )
    .await?;
    // The session that set the new secrets is a whole one now, if it was
    // a recovery code's.
    db.execute(
        "UPDATE device_tokens SET recovery_only = 0 WHERE token_hash = $1 AND account_id = $2",
        &[&keep_hash, &account_id],
    )
    .await?;
    Ok(())
}

/// Swaps the live token `old_hash` for `new_hash`, in the same session: the
/// new one is made now, the old one is replaced (it answers for the grace).
/// Asked again with the same pair while the new one lives, the same answer.
/// An old token already replaced by another was copied: its session ends.
pub(crate) async fn swap_token(
    db: &mut Db<'_>,
    old_hash: &str,
    new_hash: &str,
    now_ms: i64,
) -> Result<Swap> {
    let Some(owner) = db
        .query_opt(
            "SELECT account_id FROM device_tokens WHERE token_hash = $1",
            &[&old_hash],
        )
        .await?
    else {
        return Ok(Swap::Refused);
    };
    lock_account(db, &owner.text(0)?).await?;
    const OLD: &str = concat!(
        "SELECT t.account_id, t.device_name, t.node, t.replaced_by, t.recovery_only,
                COALESCE(t.session_id, t.token_hash), COALESCE(t.signed_in_ms, t.created_ms),
                CASE WHEN ",
        live_token!("$2", "$3", "$4", "$5"),
        " THEN 1 ELSE 0 END FROM device_tokens t WHERE t.token_hash = $1"
    );
    let [made, started, used, replaced] = live_args(now_ms);
    let Some(row) = db
        .query_opt(OLD, &[&old_hash, &made, &started, &used, &replaced])
        .await?
    else {
        return Ok(Swap::Refused);
    };
    let account_id = row.text(0)?;
    match row.opt_text(3)? {
        Some(next) if next == new_hash => {
            let live = account_for_token(db, new_hash, now_ms).await?.is_some();
            return Ok(if live { Swap::Swapped } else { Swap::Refused });
        }
        Some(_) => {
            end_session_of(db, old_hash, now_ms).await?;
            return Ok(Swap::Copied);
        }
        None => {}
    }
    if row.int(7)? == 0 || row.int(4)? == 1 {
        return Ok(Swap::Refused);
    }
    let session = row.text(5)?;
    let signed_in_ms = row.int(6)?;
    db.execute(
        "INSERT INTO device_tokens
           (token_hash, account_id, device_name, node, created_ms, last_seen_ms,
            session_id, signed_in_ms)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        &[
            &new_hash,
            &account_id,
            &row.text(1)?,
            &row.opt_text(2)?,
            &now_ms,
            &session,
            &signed_in_ms,
        ],
    )
    .await?;
    db.execute(
        "UPDATE device_tokens SET revoked_ms = $2, replaced_by = $3 WHERE token_hash = $1",
        &[&old_hash, &now_ms, &new_hash],
    )
    .await?;
    Ok(Swap::Swapped)
}

/// Every token of the account's sessions, for its devices list: a
/// recovery code's session and a token from before nodes (node empty)
/// included, so that nothing signed in is hidden from the person.
pub(crate) async fn device_tokens(
    db: &mut Db<'_>,
    account_id: &str,
    asking_hash: &str,
    now_ms: i64,
) -> Result<Vec<TokenRow>> {
    const SQL: &str = concat!(
        "SELECT COALESCE(t.session_id, t.token_hash), COALESCE(t.node, ''), t.device_name,
                COALESCE(t.signed_in_ms, t.created_ms), COALESCE(t.last_seen_ms, t.created_ms),
                CASE WHEN ",
        live_token!("$3", "$4", "$5", "$6"),
        " THEN 1 ELSE 0 END,
                CASE WHEN t.token_hash = $2 THEN 1 ELSE 0 END
         FROM device_tokens t WHERE t.account_id = $1
         ORDER BY t.created_ms, t.token_hash"
    );
    let [made, started, used, replaced] = live_args(now_ms);
    db.query(
        SQL,
        &[&account_id, &asking_hash, &made, &started, &used, &replaced],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(TokenRow {
            session: r.text(0)?,
            node: r.text(1)?,
            device_name: r.text(2)?,
            signed_in_ms: r.int(3)?,
            last_used_ms: r.int(4)?,
            live: r.int(5)? == 1,
            this_request: r.int(6)? == 1,
        })
    })
    .collect()
}
