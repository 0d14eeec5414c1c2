//! What the operator's commands (`admin.rs`) read and change that no
//! request does: an account's lock, the relay's counts, and what it holds
//! about one account for a subject-access request (metadata only: the
//! relay holds no content it can read).

use super::db::Db;
use super::sessions::end_every_session;
use super::Result;

/// How much the relay holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub accounts: i64,
    pub spaces: i64,
    pub changes: i64,
    pub live_sessions: i64,
}

pub(crate) async fn counts(db: &mut Db<'_>, now_ms: i64) -> Result<Counts> {
    let count = async |db: &mut Db<'_>, sql: &str| -> Result<i64> {
        match db.query_opt(sql, &[]).await? {
            Some(row) => row.int(0),
            None => Ok(0),
        }
    };
    let live = super::sessions::live_tokens(db, now_ms).await?;
    Ok(Counts {
        accounts: count(db, "SELECT COUNT(*) FROM accounts").await?,
        spaces: count(db, "SELECT COUNT(*) FROM spaces").await?,
        changes: count(db, "SELECT COUNT(*) FROM changes").await?,
        live_sessions: live,
    })
}

/// Locks (or unlocks) an account; a lock also ends every session, so the
/// account's devices stop at their next request. Returns whether the
/// account exists.
pub(crate) async fn set_locked(
    db: &mut Db<'_>,
    account_id: &str,
    locked: bool,
    now_ms: i64,
) -> Result<bool> {
    let at = locked.then_some(now_ms);
    let found = db
        .execute(
            "UPDATE accounts SET locked_ms = $2 WHERE id = $1",
            &[&account_id, &at],
        )
        .await?
        > 0;
    if found && locked {
        end_every_session(db, account_id, now_ms).await?;
    }
    Ok(found)
}

/// Whether the operator locked the account.
pub(crate) async fn is_locked(db: &mut Db<'_>, account_id: &str) -> Result<bool> {
    db.exists(
        "SELECT 1 FROM accounts WHERE id = $1 AND locked_ms IS NOT NULL",
        &[&account_id],
    )
    .await
}

/// The changes an account pushed, per space: how many and how many bytes
/// (their sealed bodies are not given: no one but the space's members can
/// read them).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Authored {
    pub space: String,
    pub changes: i64,
    pub bytes: i64,
    pub first_seq: i64,
    pub last_seq: i64,
}

pub(crate) async fn authored(db: &mut Db<'_>, account_id: &str) -> Result<Vec<Authored>> {
    db.query(
        "SELECT space, COUNT(*), CAST(SUM(LENGTH(body)) AS BIGINT), MIN(seq), MAX(seq)
         FROM changes WHERE author = $1 GROUP BY space ORDER BY space",
        &[&account_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Authored {
            space: r.text(0)?,
            changes: r.int(1)?,
            bytes: r.int(2)?,
            first_seq: r.int(3)?,
            last_seq: r.int(4)?,
        })
    })
    .collect()
}

/// One of an account's sessions as the relay keeps it (no token, no
/// hash).
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionRecord {
    pub device_name: String,
    /// The device's node id, which names it in its changes.
    pub node: Option<String>,
    pub signed_in_ms: i64,
    pub last_seen_ms: i64,
    pub ended_ms: Option<i64>,
}

pub(crate) async fn sessions(db: &mut Db<'_>, account_id: &str) -> Result<Vec<SessionRecord>> {
    db.query(
        "SELECT device_name, MIN(COALESCE(signed_in_ms, created_ms)),
                MAX(COALESCE(last_seen_ms, created_ms)),
                CASE WHEN COUNT(*) = COUNT(revoked_ms) THEN MAX(revoked_ms) END, node
         FROM device_tokens WHERE account_id = $1
         GROUP BY COALESCE(session_id, token_hash), device_name, node ORDER BY 2",
        &[&account_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(SessionRecord {
            device_name: r.text(0)?,
            signed_in_ms: r.int(1)?,
            last_seen_ms: r.int(2)?,
            ended_ms: r.opt_int(3)?,
            node: r.opt_text(4)?,
        })
    })
    .collect()
}

/// A share an account received, in force or not.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShareReceived {
    pub share: String,
    pub from_space: String,
    pub from_name: String,
    pub scopes: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// Every share made to `clinician`, revoked and expired ones too.
pub(crate) async fn shares_received(
    db: &mut Db<'_>,
    clinician: &str,
) -> Result<Vec<ShareReceived>> {
    db.query(
        "SELECT s.id, p.personal_space, p.display_name, s.scopes, s.created_ms, s.expires_ms,
                s.revoked_ms
         FROM shares s JOIN accounts p ON p.id = s.patient_account
         WHERE s.clinician_account = $1 ORDER BY s.created_ms, s.id",
        &[&clinician],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ShareReceived {
            share: r.text(0)?,
            from_space: r.text(1)?,
            from_name: r.text(2)?,
            scopes: r.text(3)?,
            created_ms: r.int(4)?,
            expires_ms: r.int(5)?,
            revoked_ms: r.opt_int(6)?,
        })
    })
    .collect()
}

/// What a clinician read of the records shared with them, as the access
/// log keeps it for each patient.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadMade {
    pub of_space: String,
    pub scopes: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub requests: i64,
    pub records: i64,
}

pub(crate) async fn reads_made(db: &mut Db<'_>, clinician: &str) -> Result<Vec<ReadMade>> {
    db.query(
        "SELECT p.personal_space, a.scopes, a.first_ms, a.last_ms, a.requests, a.records
         FROM share_accesses a JOIN accounts p ON p.id = a.patient_account
         WHERE a.clinician_account = $1 ORDER BY a.last_ms DESC, a.id",
        &[&clinician],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReadMade {
            of_space: r.text(0)?,
            scopes: r.text(1)?,
            first_ms: r.int(2)?,
            last_ms: r.int(3)?,
            requests: r.int(4)?,
            records: r.int(5)?,
        })
    })
    .collect()
}

/// A limit's counter that names the account's email (with the client's
/// address, for sign-ins): kept for its window, then swept.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct CounterNaming {
    pub key: String,
    pub count: i64,
    pub window_start_ms: i64,
}

/// The counters under `exact` or beginning with `prefix`.
pub(crate) async fn counters_naming(
    db: &mut Db<'_>,
    exact: &str,
    prefix: &str,
) -> Result<Vec<CounterNaming>> {
    db.query(
        "SELECT key, count, window_start_ms FROM rate_limits
         WHERE key = $1 OR substr(key, 1, length($2)) = $2 ORDER BY key",
        &[&exact, &prefix],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(CounterNaming {
            key: r.text(0)?,
            count: r.int(1)?,
            window_start_ms: r.int(2)?,
        })
    })
    .collect()
}
