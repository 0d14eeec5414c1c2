//! The outbox: this device's changes not yet acknowledged by the server.

use crate::error::Result;
use crate::store::authz::{me, SpaceFacts};
use crate::store::Store;
use crate::sync::merge::{self, ApplyReport, Authored};
use pph_protocol::kinds::SpaceKind;
use pph_protocol::{Change, Hlc};

impl Store {
    /// The oldest unsynced changes, at most `limit`, in the order they were made.
    pub fn outbox(&self, limit: u32) -> Result<Vec<Change>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT change_id, space, entity_type, entity_id, field, value, hlc_wall, hlc_counter, node
                 FROM change_log WHERE synced = 0 AND refused IS NULL ORDER BY seq LIMIT ?1",
            )?;
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
            Ok(())
        })
    }

    /// Applies, in one transaction, changes this account made on its other
    /// devices in its personal space (as a pull of that space would, each
    /// judged against the authorisation table).
    pub fn apply_remote(&self, changes: &[Change]) -> Result<ApplyReport> {
        let space = self.personal_space();
        self.write(|tx| {
            let me = me(tx.tx)?;
            let source = SpaceFacts {
                space,
                kind: SpaceKind::Personal,
                owner: me.clone(),
                facilitators: Vec::new(),
            };
            let authored: Vec<Authored> = changes
                .iter()
                .map(|c| Authored {
                    author: me.clone(),
                    change: c.clone(),
                })
                .collect();
            merge::apply(tx, &source, &authored)
        })
    }
}
