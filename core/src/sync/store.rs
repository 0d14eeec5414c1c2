//! The sync client's SQL: attempt outcomes (so backoff survives a restart),
//! pull cursors, the clinician's shared patients, changes set aside, and the
//! names of devices for history. Free functions over a connection, called
//! inside `Store::read` and `Store::write`.

use super::model::{SetAsideChange, SharedPatient};
use crate::error::Result;
use crate::time::{from_ms_i64, ms_i64};
use pph_protocol::wire::{DeviceName, SequencedChange};
use rusqlite::{Connection, OptionalExtension};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Attempts {
    pub last_success_ms: Option<u64>,
    pub failures: u32,
    pub last_error: Option<String>,
    pub next_retry_ms: Option<u64>,
    /// The last failure was the relay out of reach.
    pub offline: bool,
}

pub(crate) fn attempts(conn: &Connection) -> Result<Attempts> {
    Ok(conn.query_row(
        "SELECT last_success_ms, failures, last_error, next_retry_ms, offline FROM sync_state",
        [],
        |r| {
            Ok(Attempts {
                last_success_ms: r.get::<_, Option<i64>>(0)?.map(|v| v as u64),
                failures: r.get(1)?,
                last_error: r.get(2)?,
                next_retry_ms: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
                offline: r.get(4)?,
            })
        },
    )?)
}

pub(crate) fn save_attempts(conn: &Connection, a: &Attempts) -> Result<()> {
    conn.execute(
        "UPDATE sync_state
         SET last_success_ms = ?1, failures = ?2, last_error = ?3, next_retry_ms = ?4, offline = ?5",
        (
            a.last_success_ms.map(|v| v as i64),
            a.failures,
            &a.last_error,
            a.next_retry_ms.map(|v| v as i64),
            a.offline,
        ),
    )?;
    Ok(())
}

/// Where a space's pull resumes.
pub(crate) fn cursor(conn: &Connection, space: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT next_seq FROM sync_cursors WHERE space = ?1")?
        .query_row([space], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub(crate) fn set_cursor(conn: &Connection, space: &str, next: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_cursors (space, next_seq) VALUES (?1, ?2)
         ON CONFLICT (space) DO UPDATE SET next_seq = excluded.next_seq",
    )?
    .execute((space, next))?;
    Ok(())
}

/// Records the names the server knows for a person's devices.
pub(crate) fn save_device_names(conn: &Connection, devices: &[DeviceName]) -> Result<()> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO device_names (node, name) VALUES (?1, ?2)
         ON CONFLICT (node) DO UPDATE SET name = excluded.name WHERE name <> excluded.name",
    )?;
    for d in devices {
        upsert.execute((&d.node, &d.name))?;
    }
    Ok(())
}

/// The changes of `space` set aside only because their writer's identity
/// did not sign them as this device saw it (`forged_author`,
/// `unknown_author`), each as it was served: taken up again once that
/// writer's identity is pinned, or accepted, here.
pub(crate) fn set_aside_for_their_writer(
    conn: &Connection,
    space: &str,
) -> Result<Vec<SequencedChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT author, change FROM sync_set_aside
         WHERE space = ?1 AND rule IN ('forged_author', 'unknown_author')
         ORDER BY set_aside_ms, change_id",
    )?;
    let rows = stmt.query_map([space], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (author, change) = row?;
        out.push(SequencedChange {
            seq: 0,
            author,
            change: serde_json::from_str(&change)?,
        });
    }
    Ok(out)
}

/// Takes changes out of the set-aside list, to be judged again.
pub(crate) fn take_back(conn: &Connection, change_ids: &[&str]) -> Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM sync_set_aside WHERE change_id = ?1")?;
    for id in change_ids {
        stmt.execute([id])?;
    }
    Ok(())
}

pub(crate) fn set_aside_changes(conn: &Connection) -> Result<Vec<SetAsideChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT change_id, space, entity_type, entity_id, author, rule, set_aside_ms
         FROM sync_set_aside ORDER BY set_aside_ms DESC, change_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SetAsideChange {
            change_id: r.get(0)?,
            space: r.get(1)?,
            entity_type: r.get(2)?,
            entity_id: r.get(3)?,
            author: r.get(4)?,
            rule: r.get(5)?,
            set_aside_at: from_ms_i64(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn shared_patients(conn: &Connection) -> Result<Vec<SharedPatient>> {
    let mut stmt = conn.prepare_cached(
        "SELECT space, patient_name, share_id, scopes, expires_at_ms, synced_at_ms,
                patient_account
         FROM sync_shared ORDER BY patient_name, space",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            SharedPatient {
                patient_space: r.get(0)?,
                patient_name: r.get(1)?,
                patient_account_id: r.get(6)?,
                share_id: r.get(2)?,
                scopes: Vec::new(),
                expires_at: from_ms_i64(r.get(4)?),
                last_synced: r.get::<_, Option<i64>>(5)?.map(from_ms_i64),
            },
            r.get::<_, String>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (patient, scopes) = row?;
        Ok(SharedPatient {
            scopes: serde_json::from_str(&scopes)?,
            ..patient
        })
    })
    .collect()
}

/// Replaces the list of shared patients with what the server granted now:
/// one row per patient, with the scopes of every share of theirs in force
/// until the latest ends (two shares from one patient, a diary's and a
/// budget's, once failed every sync of the clinician's, for every patient:
/// the eighteenth attacker run).
pub(crate) fn save_shared_patients(conn: &Connection, patients: &[SharedPatient]) -> Result<()> {
    conn.execute("DELETE FROM sync_shared", [])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO sync_shared (space, patient_name, share_id, scopes, expires_at_ms,
                                  synced_at_ms, patient_account)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut by_space: BTreeMap<&str, SharedPatient> = BTreeMap::new();
    for p in patients {
        let one = by_space
            .entry(p.patient_space.as_str())
            .or_insert_with(|| p.clone());
        for scope in &p.scopes {
            if !one.scopes.contains(scope) {
                one.scopes.push(*scope);
            }
        }
        if p.expires_at > one.expires_at {
            one.expires_at = p.expires_at;
            one.share_id = p.share_id.clone();
        }
    }
    for p in by_space.values() {
        insert.execute((
            &p.patient_space,
            &p.patient_name,
            &p.share_id,
            serde_json::to_string(&p.scopes)?,
            ms_i64(p.expires_at),
            p.last_synced.map(ms_i64),
            &p.patient_account_id,
        ))?;
    }
    Ok(())
}

/// Forgets the account this store belonged to, once the relay deleted it:
/// the session, cursors, spaces and shared patients go. The person's own
/// records stay on this device, as not yet sent, so an account made later
/// from this store would receive them.
pub(crate) fn forget_account(conn: &Connection, personal_space: &str) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM sync_account; DELETE FROM sync_cursors; DELETE FROM sync_shared;
         DELETE FROM sync_spaces; DELETE FROM device_names;
         DELETE FROM account_key; DELETE FROM space_keys;",
    )?;
    conn.execute(
        "UPDATE change_log SET synced = 0 WHERE space = ?1",
        [personal_space],
    )?;
    save_attempts(conn, &Attempts::default())
}
