//! Applying changes from other devices. Sans-I/O: the transport hands in
//! pages of changes; this stores each once, then rebuilds every record they
//! touch so that, per (record, field), the change with the greatest
//! (hlc, node) wins — in any delivery order, with duplicates ignored.

use super::registry::{rebuild_record, Rebuilt};
use crate::error::Result;
use crate::store::WriteTx;
use pph_protocol::{Change, ClockError};
use rusqlite::Connection;
use std::collections::BTreeMap;

/// What one apply did.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct ApplyReport {
    /// Changes stored for the first time.
    pub applied: u32,
    /// Changes already here (delivered twice); ignored.
    pub duplicates: u32,
    /// Changes refused: stamped too far in the future, or malformed.
    pub rejected: u32,
    /// New changes to a field this device had also written: settled by the
    /// greatest (hlc, node), whichever side that is.
    pub conflicts: u32,
    /// Records whose changes are here but which cannot be stored yet
    /// (their parent has not arrived); retried on every later apply.
    pub waiting: u32,
}

/// True when this device also wrote the field (or the whole record).
fn overlaps_local(conn: &Connection, c: &Change, node: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM change_log
               WHERE entity_id = ?1 AND entity_type = ?2 AND node = ?3
                 AND (field = ?4 OR field = '*' OR ?4 = '*'))",
        )?
        .query_row((&c.entity_id, &c.entity_type, node, &c.field), |r| r.get(0))?)
}

/// Stores the change unless it is already here; true if it was new.
fn store_change(conn: &Connection, c: &Change) -> Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO change_log
               (change_id, space, entity_type, entity_id, field, value, hlc_wall, hlc_counter, node, synced)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)
             ON CONFLICT (change_id) DO NOTHING",
        )?
        .execute((
            &c.change_id,
            &c.space,
            &c.entity_type,
            &c.entity_id,
            &c.field,
            c.value.to_string(),
            c.hlc.wall_ms as i64,
            c.hlc.counter,
            &c.hlc.node,
        ))?;
    Ok(inserted == 1)
}

/// Rebuilds one record inside a savepoint: a record that cannot be stored
/// yet (a foreign key to a parent still on its way) is parked, not fatal.
fn try_rebuild(conn: &Connection, entity_type: &str, entity_id: &str) -> Result<Rebuilt> {
    conn.execute_batch("SAVEPOINT rebuild")?;
    let outcome = match rebuild_record(conn, entity_type, entity_id) {
        Err(crate::error::Error::Sqlite(e))
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) =>
        {
            conn.execute_batch("ROLLBACK TO rebuild")?;
            Ok(Rebuilt::Incomplete)
        }
        other => other,
    };
    conn.execute_batch("RELEASE rebuild")?;
    let parked = outcome.as_ref().is_ok_and(|r| *r == Rebuilt::Incomplete);
    let sql = if parked {
        "INSERT INTO sync_unmaterialized (entity_type, entity_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM sync_unmaterialized WHERE entity_type = ?1 AND entity_id = ?2"
    };
    conn.prepare_cached(sql)?
        .execute((entity_type, entity_id))?;
    outcome
}

pub(crate) fn apply(tx: &mut WriteTx<'_>, changes: &[Change]) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    // Records touched, keyed by the earliest stamp seen for them, so parents
    // (created earlier) are rebuilt before their children.
    let mut touched: BTreeMap<(u64, u32, String), (String, String)> = BTreeMap::new();
    for c in changes {
        if c.check().is_err() {
            report.rejected += 1;
            continue;
        }
        match tx.receive(&c.hlc) {
            Err(crate::error::Error::Clock(ClockError::TooFarAhead { .. })) => {
                report.rejected += 1;
                continue;
            }
            other => other?,
        }
        if !store_change(tx.tx, c)? {
            report.duplicates += 1;
            continue;
        }
        report.applied += 1;
        if c.hlc.node != tx.node() && overlaps_local(tx.tx, c, tx.node())? {
            report.conflicts += 1;
        }
        touched
            .entry((c.hlc.wall_ms, c.hlc.counter, c.hlc.node.clone()))
            .or_insert_with(|| (c.entity_type.clone(), c.entity_id.clone()));
    }
    let mut queue: Vec<(String, String)> = Vec::new();
    let enqueue = |record: (String, String), queue: &mut Vec<(String, String)>| {
        if !queue.contains(&record) {
            queue.push(record);
        }
    };
    for record in touched.into_values() {
        enqueue(record, &mut queue);
    }
    // Records parked by earlier applies may now have their parents.
    let mut stmt = tx
        .tx
        .prepare_cached("SELECT entity_type, entity_id FROM sync_unmaterialized")?;
    let parked: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    for record in parked {
        enqueue(record, &mut queue);
    }
    // Retry until a pass stores nothing new: each pass may unblock children.
    loop {
        let mut progress = false;
        let mut waiting = Vec::new();
        for (kind, id) in queue {
            match try_rebuild(tx.tx, &kind, &id)? {
                Rebuilt::Incomplete => waiting.push((kind, id)),
                Rebuilt::Stored => progress = true,
                Rebuilt::UnknownKind => {}
            }
        }
        queue = waiting;
        if !progress || queue.is_empty() {
            break;
        }
    }
    report.waiting = queue.len() as u32;
    Ok(report)
}
