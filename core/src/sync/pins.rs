//! The identities pinned on this device (`pinned_identities`), the owner
//! of each record shared with it (`shared_record_owners`), the group
//! admissions it took and saw end (`group_admissions`) and the
//! envelopes it refused (`refused_envelopes`): free functions over a
//! connection, called inside `Store::read` and `Store::write`, as
//! `key_store` is. `trust.rs` decides; this keeps.

use super::trust::{KeptMembers, Pin, Trust};
use crate::error::Result;
use pph_protocol::sealed::{Envelope, KeyName};
use rusqlite::{Connection, OptionalExtension};
use std::collections::BTreeMap;

/// Every pin, by account.
pub(crate) fn pins(conn: &Connection) -> Result<BTreeMap<String, Pin>> {
    let mut stmt =
        conn.prepare_cached("SELECT account, identity, offered FROM pinned_identities")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Pin {
                identity: r.get(1)?,
                offered: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The owner of each record shared with this account, by space, as first
/// seen here.
pub(crate) fn record_owners(conn: &Connection) -> Result<BTreeMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT space, owner FROM shared_record_owners")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Pins `owner` as the owner of the record shared in `space`, if no owner
/// is pinned for it yet.
pub(crate) fn pin_record_owner(
    conn: &Connection,
    space: &str,
    owner: &str,
    now_ms: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO shared_record_owners (space, owner, first_seen_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute((space, owner, now_ms))?;
    Ok(())
}

/// `space`'s admissions as this device keeps them.
pub(crate) fn kept_members(conn: &Connection, space: &str) -> Result<KeptMembers> {
    let mut stmt = conn.prepare_cached(
        "SELECT account, admission, ended_ms IS NOT NULL FROM group_admissions WHERE space = ?1",
    )?;
    let mut kept = KeptMembers::default();
    let rows = stmt.query_map([space], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    for row in rows {
        let (account, admission, ended): (String, String, bool) = row?;
        if ended {
            kept.ended.insert(admission);
            kept.left.insert(account);
        } else {
            kept.current.insert((account, admission));
        }
    }
    Ok(kept)
}

/// Ends the admissions of `space` with these keys (`admission_key`), and
/// keeps the new ones (account, key) as current.
pub(crate) fn keep_members(
    conn: &Connection,
    space: &str,
    ended: &[String],
    new: &[(String, String)],
    now_ms: i64,
) -> Result<()> {
    let mut end = conn.prepare_cached(
        "UPDATE group_admissions SET ended_ms = ?3 WHERE space = ?1 AND admission = ?2",
    )?;
    for admission in ended {
        end.execute((space, admission, now_ms))?;
    }
    let mut keep = conn.prepare_cached(
        "INSERT INTO group_admissions (space, admission, account) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for (account, admission) in new {
        keep.execute((space, admission, account))?;
    }
    Ok(())
}

/// Keeps what `trust` saw: pins the identities seen for the first time,
/// and records the ones that changed.
pub(crate) fn keep_seen(conn: &Connection, trust: &Trust, now_ms: i64) -> Result<()> {
    for (account, identity) in &trust.first_seen {
        pin_first(conn, account, identity, now_ms)?;
    }
    for (account, identity) in &trust.changed {
        offer(conn, account, identity, now_ms)?;
    }
    Ok(())
}

/// Pins `identity` for `account` if it has none yet.
fn pin_first(conn: &Connection, account: &str, identity: &str, now_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO pinned_identities (account, identity, first_seen_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute((account, identity, now_ms))?;
    Ok(())
}

/// Records that `account` is now served with `identity` in place of its
/// pin (kept from the first time this identity was offered).
fn offer(conn: &Connection, account: &str, identity: &str, now_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE pinned_identities
         SET offered_ms = CASE WHEN offered IS ?2 THEN offered_ms ELSE ?3 END, offered = ?2
         WHERE account = ?1 AND identity <> ?2",
    )?
    .execute((account, identity, now_ms))?;
    Ok(())
}

/// An account whose identity changed, as the person is shown it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Changed {
    pub account: String,
    pub since_ms: i64,
    pub was_verified: bool,
}

pub(crate) fn changed(conn: &Connection) -> Result<Vec<Changed>> {
    let mut stmt = conn.prepare_cached(
        "SELECT account, offered_ms, verified FROM pinned_identities
         WHERE offered IS NOT NULL ORDER BY offered_ms, account",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Changed {
            account: r.get(0)?,
            since_ms: r.get(1)?,
            was_verified: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The identity pinned for `account` and whether it was verified.
pub(crate) fn pinned(conn: &Connection, account: &str) -> Result<Option<(String, bool)>> {
    Ok(conn
        .prepare_cached("SELECT identity, verified FROM pinned_identities WHERE account = ?1")?
        .query_row([account], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Takes the identity offered for `account` as its pin, unverified; false
/// if none was offered.
pub(crate) fn accept_offered(conn: &Connection, account: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE pinned_identities
             SET identity = offered, offered = NULL, offered_ms = NULL, verified = 0
             WHERE account = ?1 AND offered IS NOT NULL",
        )?
        .execute([account])?;
    Ok(n == 1)
}

/// Marks `account`'s pinned identity verified (or not).
pub(crate) fn set_verified(conn: &Connection, account: &str, verified: bool) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE pinned_identities SET verified = ?2 WHERE account = ?1")?
        .execute((account, verified))?;
    Ok(n == 1)
}

/// Records that `e` was refused, `poisoned` if its trusted sender's key
/// was not the committed one or did not open; false if it had been refused
/// already (so it is reported once).
pub(crate) fn refuse(conn: &Connection, e: &Envelope, poisoned: bool, now_ms: i64) -> Result<bool> {
    let fresh = conn
        .prepare_cached(
            "INSERT INTO refused_envelopes (space, key_name, epoch, sender, seen_ms)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute((&e.space, e.key.code(), e.epoch, &e.from, now_ms))?
        == 1;
    if poisoned {
        conn.prepare_cached(
            "UPDATE refused_envelopes SET poisoned = 1
             WHERE space = ?1 AND key_name = ?2 AND epoch = ?3 AND sender = ?4",
        )?
        .execute((&e.space, e.key.code(), e.epoch, &e.from))?;
    }
    Ok(fresh)
}

/// Whether `sender`'s envelope for this epoch of `space`'s `key`, from a
/// trusted identity, held a key other than the committed one or did not
/// open here.
pub(crate) fn refused_from(
    conn: &Connection,
    space: &str,
    key: KeyName,
    epoch: u32,
    sender: &str,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM refused_envelopes
             WHERE space = ?1 AND key_name = ?2 AND epoch = ?3 AND sender = ?4
               AND poisoned = 1",
        )?
        .query_row((space, key.code(), epoch, sender), |_| Ok(()))
        .optional()?
        .is_some())
}
