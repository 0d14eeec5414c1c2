//! This device's keys, in its encrypted store: the account's key pair (with
//! the sealed copies the relay keeps, and a recovery code not yet shown)
//! and every data key epoch it holds. Free functions over a connection,
//! called inside `Store::read` and `Store::write`.

use crate::crypto::wrap::AccountKeyPair;
use crate::crypto::Key32;
use crate::error::Result;
use pph_protocol::sealed::{AccountKeys, KeyName};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet};

/// A space's epochs held here, by key.
pub(crate) type Held = BTreeMap<(KeyName, u32), Key32>;

pub(crate) fn save_account_key(
    conn: &Connection,
    pair: &AccountKeyPair,
    sealed: &AccountKeys,
    recovery_code: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO account_key (id, private_key, public_key, sealed, recovery_code)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET private_key = excluded.private_key,
           public_key = excluded.public_key, sealed = excluded.sealed,
           recovery_code = coalesce(excluded.recovery_code, recovery_code)",
        (
            &pair.private_bytes()[..],
            pair.public_b64(),
            serde_json::to_string(sealed)?,
            recovery_code,
        ),
    )?;
    Ok(())
}

/// The account's key pair and its sealed copies; None before sign-in.
pub(crate) fn account_key(conn: &Connection) -> Result<Option<(AccountKeyPair, AccountKeys)>> {
    let row: Option<(Vec<u8>, String)> = conn
        .query_row(
            "SELECT private_key, sealed FROM account_key WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((private, sealed)) = row else {
        return Ok(None);
    };
    let private = zeroize::Zeroizing::new(private);
    Ok(AccountKeyPair::from_private(&private).zip(serde_json::from_str(&sealed).ok()))
}

/// The recovery code made here and not yet shown; forgotten once read.
pub(crate) fn take_recovery_code(conn: &Connection) -> Result<Option<String>> {
    let code: Option<String> = conn
        .query_row(
            "SELECT recovery_code FROM account_key WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    conn.execute("UPDATE account_key SET recovery_code = NULL", [])?;
    Ok(code)
}

pub(crate) fn save_space_key(
    conn: &Connection,
    space: &str,
    key: KeyName,
    epoch: u32,
    secret: &Key32,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO space_keys (space, key_name, epoch, secret) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?
    .execute((space, key.code(), epoch, &secret.bytes()[..]))?;
    Ok(())
}

/// Every epoch of `space`'s keys held here.
pub(crate) fn held(conn: &Connection, space: &str) -> Result<Held> {
    let mut stmt =
        conn.prepare_cached("SELECT key_name, epoch, secret FROM space_keys WHERE space = ?1")?;
    let rows = stmt.query_map([space], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(2)?),
        ))
    })?;
    let mut held = Held::new();
    for row in rows {
        let (name, epoch, secret) = row?;
        if let (Some(key), Some(secret)) = (
            pph_protocol::codes::parse::<KeyName>(&name),
            Key32::from_slice(&secret),
        ) {
            held.insert((key, epoch), secret);
        }
    }
    Ok(held)
}

/// The lowest epoch of each of `space`'s keys this device seals under
/// (`sealing_floors`): none below it, whatever the relay serves.
pub(crate) fn floors(conn: &Connection, space: &str) -> Result<BTreeMap<KeyName, u64>> {
    let mut stmt = conn.prepare_cached("SELECT key, epoch FROM sealing_floors WHERE space = ?1")?;
    let rows = stmt.query_map([space], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut floors = BTreeMap::new();
    for row in rows {
        let (name, epoch) = row?;
        if let Some(key) = pph_protocol::codes::parse::<KeyName>(&name) {
            floors.insert(key, u64::try_from(epoch).unwrap_or(0));
        }
    }
    Ok(floors)
}

/// Raises the floor of `space`'s `key` to `epoch` (never lowers it).
pub(crate) fn raise_floor(conn: &Connection, space: &str, key: KeyName, epoch: u64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sealing_floors (space, key, epoch) VALUES (?1, ?2, ?3)
         ON CONFLICT (space, key) DO UPDATE SET epoch = max(epoch, excluded.epoch)",
    )?
    .execute((space, key.code(), i64::try_from(epoch).unwrap_or(i64::MAX)))?;
    Ok(())
}

/// The readers of `space`'s keys this device last saw granted, by
/// (account, key) (`granted_readers`).
pub(crate) fn granted_before(
    conn: &Connection,
    space: &str,
) -> Result<BTreeSet<(String, KeyName)>> {
    let mut stmt =
        conn.prepare_cached("SELECT account, key FROM granted_readers WHERE space = ?1")?;
    let rows = stmt.query_map([space], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut granted = BTreeSet::new();
    for row in rows {
        let (account, name) = row?;
        if let Some(key) = pph_protocol::codes::parse::<KeyName>(&name) {
            granted.insert((account, key));
        }
    }
    Ok(granted)
}

/// Keeps `granted` as the readers of `space`'s keys seen now.
pub(crate) fn keep_granted(
    conn: &Connection,
    space: &str,
    granted: &BTreeSet<(String, KeyName)>,
) -> Result<()> {
    conn.execute("DELETE FROM granted_readers WHERE space = ?1", [space])?;
    let mut keep = conn
        .prepare_cached("INSERT INTO granted_readers (space, account, key) VALUES (?1, ?2, ?3)")?;
    for (account, key) in granted {
        keep.execute((space, account, key.code()))?;
    }
    Ok(())
}

/// The shares of `space` this device saw in force (`seen_grants`): those
/// still in force when it last looked, and those it has seen end.
pub(crate) fn seen_grants(
    conn: &Connection,
    space: &str,
) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
    let mut stmt =
        conn.prepare_cached("SELECT share_id, ended FROM seen_grants WHERE space = ?1")?;
    let rows = stmt.query_map([space], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })?;
    let (mut live, mut ended) = (BTreeSet::new(), BTreeSet::new());
    for row in rows {
        let (share, over) = row?;
        if over {
            ended.insert(share);
        } else {
            live.insert(share);
        }
    }
    Ok((live, ended))
}

/// Keeps the shares of `space` in force now, and marks those that were and
/// are not as ended, for good.
pub(crate) fn keep_grants(
    conn: &Connection,
    space: &str,
    in_force: &BTreeSet<String>,
) -> Result<()> {
    let (live, _) = seen_grants(conn, space)?;
    let mut end =
        conn.prepare_cached("UPDATE seen_grants SET ended = 1 WHERE space = ?1 AND share_id = ?2")?;
    for share in live.difference(in_force) {
        end.execute((space, share))?;
    }
    let mut keep = conn.prepare_cached(
        "INSERT INTO seen_grants (space, share_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for share in in_force {
        keep.execute((space, share))?;
    }
    Ok(())
}

/// The newest epoch of a key held here, which new values are sealed under.
pub(crate) fn latest(held: &Held, key: KeyName) -> Option<(u32, &Key32)> {
    held.range((key, 0)..=(key, u32::MAX))
        .next_back()
        .map(|((_, epoch), secret)| (*epoch, secret))
}

/// Forgets every key on this device (signing out): signing in again brings
/// them back from the relay, sealed as they were.
pub(crate) fn forget_keys(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM account_key; DELETE FROM space_keys;")?;
    Ok(())
}

/// Forgets the keys of every space but these (the account's own spaces and
/// the patients sharing with it now): a clinician keeps no key to a record
/// no longer shared, a member none to a group left.
pub(crate) fn keep_keys_of(conn: &Connection, spaces: &[String]) -> Result<()> {
    let held: Vec<String> = conn
        .prepare_cached("SELECT DISTINCT space FROM space_keys")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for space in held.iter().filter(|s| !spaces.contains(s)) {
        conn.execute("DELETE FROM space_keys WHERE space = ?1", [space])?;
    }
    Ok(())
}
