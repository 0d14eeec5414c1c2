//! The outbox: this device's changes not yet acknowledged by the server, as
//! the unsynced part of the change log (so it survives restarts), and those
//! the server refused, set aside until resent or discarded.

use super::change_log::{advance_outbox_mark, OUTBOX_FROM};
use super::Store;
use crate::error::Result;
use pph_protocol::{Change, Hlc};

impl Store {
    /// The oldest unsynced changes, at most `limit`, in the order they were made.
    pub fn outbox(&self, limit: u32) -> Result<Vec<Change>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT change_id, space, entity_type, entity_id, field, value, hlc_wall, hlc_counter, node
                 FROM change_log WHERE seq >= {OUTBOX_FROM} AND synced = 0 AND refused IS NULL
                 ORDER BY seq LIMIT ?1"
            ))?;
            let rows = stmt.query_map([limit], |r| {
                Ok((
                    Change {
                        change_id: r.get(0)?,
                        space: r.get(1)?,
                        entity_type: r.get(2)?,
                        entity_id: r.get(3)?,
                        field: r.get(4)?,
                        value: serde_json::Value::Null,
                        hlc: Hlc {
                            wall_ms: r.get::<_, i64>(6)? as u64,
                            counter: r.get(7)?,
                            node: r.get(8)?,
                        },
                    },
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (mut change, value) = row?;
                change.value = serde_json::from_str(&value)?;
                out.push(change);
            }
            Ok(out)
        })
    }

    /// Marks changes as acknowledged by the server.
    pub fn mark_synced(&self, change_ids: &[String]) -> Result<()> {
        let ids = serde_json::to_string(change_ids)?;
        self.write(|tx| {
            tx.tx
                .prepare_cached("UPDATE change_log SET synced = 1 WHERE change_id IN (SELECT value FROM json_each(?1))")?
                .execute([ids])?;
            advance_outbox_mark(tx.tx)
        })
    }

    /// Sets changes aside that the server refused for good, with why.
    pub(crate) fn refuse(&self, change_ids: &[String], reason: &str) -> Result<()> {
        let ids = serde_json::to_string(change_ids)?;
        self.write(|tx| {
            tx.tx
                .prepare_cached(
                    "UPDATE change_log SET refused = ?2
                     WHERE change_id IN (SELECT value FROM json_each(?1))",
                )?
                .execute((ids, reason))?;
            Ok(())
        })
    }

    /// Puts a record's refused changes back in the outbox.
    pub(crate) fn retry_refused(&self, entity_id: &str) -> Result<u32> {
        self.write(|tx| {
            Ok(tx.tx.execute(
                "UPDATE change_log SET refused = NULL
                 WHERE entity_id = ?1 AND synced = 0 AND refused IS NOT NULL",
                [entity_id],
            )? as u32)
        })
    }

    /// Changes written here, waiting to be sent (not acknowledged by the
    /// server, and not set aside as refused).
    pub fn pending_changes(&self) -> Result<u64> {
        self.read(|conn| {
            Ok(conn.query_row(
                &format!(
                    "SELECT count(*) FROM change_log
                     WHERE seq >= {OUTBOX_FROM} AND synced = 0 AND refused IS NULL"
                ),
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    pub(crate) fn refused_changes(&self) -> Result<u64> {
        self.read(|conn| {
            Ok(conn.query_row(
                &format!(
                    "SELECT count(*) FROM change_log
                     WHERE seq >= {OUTBOX_FROM} AND synced = 0 AND refused IS NOT NULL"
                ),
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }
}
