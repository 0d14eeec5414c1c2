//! Appending to and reading from the change log.

use crate::error::Result;
use crate::ids::new_id;
use crate::store::Entity;
use pph_protocol::Hlc;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(crate) use pph_protocol::authz::WHOLE_RECORD;

pub(crate) fn append(
    conn: &Connection,
    space: &str,
    entity_type: &str,
    entity_id: &str,
    field: &str,
    value: &Value,
    hlc: &Hlc,
) -> Result<()> {
    append_raw(
        conn,
        space,
        entity_type,
        entity_id,
        field,
        &value.to_string(),
        hlc,
    )
}

/// `append` with the value already as JSON text.
pub(crate) fn append_raw(
    conn: &Connection,
    space: &str,
    entity_type: &str,
    entity_id: &str,
    field: &str,
    value_json: &str,
    hlc: &Hlc,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO change_log
           (change_id, space, entity_type, entity_id, field, value, hlc_wall, hlc_counter, node)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute((
        new_id(),
        space,
        entity_type,
        entity_id,
        field,
        value_json,
        hlc.wall_ms as i64,
        hlc.counter,
        &hlc.node,
    ))?;
    Ok(())
}

/// The newest stamp in the log, re-issued as this node's, so that the next
/// local stamp orders after everything this store has seen: the later of
/// the last row's stamp (each local stamp orders after every earlier one)
/// and the newest stamp received from elsewhere (`log_marks`).
pub(crate) fn latest_hlc(conn: &Connection, node: &str) -> Result<Hlc> {
    let last: Option<(i64, u32)> = conn
        .query_row(
            "SELECT hlc_wall, hlc_counter FROM change_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let received: (i64, u32) =
        conn.query_row("SELECT clock_wall, clock_counter FROM log_marks", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (wall, counter) = last.map_or(received, |last| last.max(received));
    Ok(Hlc {
        wall_ms: wall as u64,
        counter,
        node: node.to_owned(),
    })
}

/// After a transaction that stored changes from elsewhere: keeps the clock
/// it moved past them, and moves the outbox mark over the rows it added.
pub(crate) fn keep_received(conn: &Connection, clock: &Hlc) -> Result<()> {
    conn.prepare_cached("UPDATE log_marks SET clock_wall = ?1, clock_counter = ?2")?
        .execute((clock.wall_ms as i64, clock.counter))?;
    advance_outbox_mark(conn)
}

/// Where the outbox starts: no row below this seq waits to be sent (the
/// schema's triggers move it down when rows are put back or deleted).
pub(crate) const OUTBOX_FROM: &str = "(SELECT outbox_from FROM log_marks)";

/// Moves the outbox mark up to the oldest row still waiting to be sent, or
/// past the last row.
pub(crate) fn advance_outbox_mark(conn: &Connection) -> Result<()> {
    conn.prepare_cached(
        "UPDATE log_marks SET outbox_from = coalesce(
             (SELECT seq FROM change_log WHERE seq >= log_marks.outbox_from AND synced = 0
              ORDER BY seq LIMIT 1),
             (SELECT coalesce(max(seq), 0) + 1 FROM change_log))",
    )?
    .execute([])?;
    Ok(())
}

/// One logged change, as history shows it.
#[derive(Clone, Debug)]
pub(crate) struct LoggedChange {
    pub entity_type: String,
    pub entity_id: String,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    pub device: String,
}

/// Every change to the given entities, oldest first, optionally only those
/// stamped at or before `until_ms`.
pub(crate) fn changes_for(
    conn: &Connection,
    entity_ids: &[String],
    until_ms: Option<u64>,
) -> Result<Vec<LoggedChange>> {
    let ids = serde_json::to_string(entity_ids)?;
    let until = until_ms.map_or(i64::MAX, |ms| ms as i64);
    let mut stmt = conn.prepare_cached(
        "SELECT c.entity_type, c.entity_id, c.field, c.value, c.hlc_wall, c.hlc_counter, c.node,
                coalesce(n.name, d.name, 'unknown device')
         FROM change_log c LEFT JOIN devices d ON d.node = c.node
         LEFT JOIN device_names n ON n.node = c.node
         WHERE c.entity_id IN (SELECT value FROM json_each(?1)) AND c.hlc_wall <= ?2
         ORDER BY c.hlc_wall, c.hlc_counter, c.node",
    )?;
    let rows = stmt.query_map((ids, until), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, u32>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (entity_type, entity_id, field, value, wall, counter, node, device) = row?;
        out.push(LoggedChange {
            entity_type,
            entity_id,
            field,
            value: serde_json::from_str(&value)?,
            hlc: Hlc {
                wall_ms: wall as u64,
                counter,
                node,
            },
            device,
        });
    }
    Ok(out)
}

/// Rebuilds the entities of one kind from their changes (oldest first): for
/// each field the last change wins, a whole-record change counting as a
/// change to each of its fields. Entities come out in creation order.
pub(crate) fn fold<E: Entity>(changes: &[LoggedChange]) -> Result<Vec<E>> {
    let mut order: Vec<&str> = Vec::new();
    let mut fields: HashMap<&str, Map<String, Value>> = HashMap::new();
    for change in changes.iter().filter(|c| c.entity_type == E::KIND) {
        let map = fields.entry(&change.entity_id).or_insert_with(|| {
            order.push(&change.entity_id);
            Map::new()
        });
        match (change.field.as_str(), &change.value) {
            (WHOLE_RECORD, Value::Object(record)) => {
                map.extend(record.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => {
                map.insert(change.field.clone(), change.value.clone());
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| fields.remove(id))
        .map(|map| Ok(serde_json::from_value(Value::Object(map))?))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::clock::ManualClock;
    use crate::{Companion, CompanionConfig, NewPlan};
    use std::sync::Arc;

    const T0: u64 = 1_780_000_000_000;

    fn open(path: &std::path::Path, clock: Arc<ManualClock>) -> Arc<Companion> {
        let config = CompanionConfig {
            db_path: path.to_string_lossy().into_owned(),
            encryption_key: vec![7; 32],
            device_name: "phone".into(),
        };
        Companion::open_with_clock(config, clock).expect("open")
    }

    fn new_plan(c: &Companion, title: &str) {
        c.care_plans()
            .create_plan(NewPlan {
                title: title.into(),
                what_matters: "home".into(),
                next_review: None,
            })
            .expect("plan");
    }

    fn outbox_ids(c: &Companion) -> Vec<String> {
        let changes = c.store().outbox(100).expect("outbox");
        changes.into_iter().map(|ch| ch.change_id).collect()
    }

    /// A stamp received from elsewhere that is newer than the log's last
    /// row (an older change arrived after it) still orders the next local
    /// write after it once the store is reopened with a clock behind it.
    #[test]
    fn the_clock_stays_past_a_received_stamp_across_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.db");
        let a = open(&path, Arc::new(ManualClock::new(T0)));
        // Four minutes ahead: inside the drift a store accepts.
        let ahead = Arc::new(ManualClock::new(T0 + 240_000));
        let b = open(&dir.path().join("b.db"), ahead.clone());
        b.store()
            .adopt_personal_space(&a.store().personal_space())
            .expect("one person");
        new_plan(&b, "newer");
        ahead.set(T0 + 5_000);
        let newest = b.store().outbox(10).expect("outbox")[0].hlc.clone();
        let c = open(&dir.path().join("c.db"), ahead);
        c.store()
            .adopt_personal_space(&a.store().personal_space())
            .expect("one person");
        new_plan(&c, "older");
        let mut pulled = b.store().outbox(10).expect("b");
        pulled.extend(c.store().outbox(10).expect("c"));
        crate::apply_remote(a.store(), &pulled).expect("apply");
        drop(a);

        let a = open(&path, Arc::new(ManualClock::new(T0)));
        new_plan(&a, "mine");
        let mine = a.store().outbox(10).expect("outbox")[0].hlc.clone();
        assert!(
            (mine.wall_ms, mine.counter) > (newest.wall_ms, newest.counter),
            "{mine:?} after {newest:?}"
        );
    }

    /// The outbox is every unsynced row from the mark on: marking rows
    /// synced moves it up, putting rows back moves it down, and a row that
    /// takes the seq of deleted ones is not hidden below it.
    #[test]
    fn the_outbox_mark_never_hides_a_waiting_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.db");
        let a = open(&path, Arc::new(ManualClock::new(T0)));
        for title in ["one", "two", "three"] {
            new_plan(&a, title);
        }
        let ids = outbox_ids(&a);
        assert_eq!(ids.len(), 3);
        a.store().mark_synced(&ids[..1]).expect("first");
        assert_eq!(outbox_ids(&a), ids[1..]);
        a.store().mark_synced(&ids).expect("all");
        assert_eq!(a.store().pending_changes().expect("pending"), 0);

        // The last two rows go (as an erased record's do): a new row
        // takes the second row's seq, under where the mark stood.
        a.store()
            .write(|tx| {
                Ok(tx
                    .tx
                    .execute_batch("DELETE FROM change_log WHERE seq >= 2")?)
            })
            .expect("delete");
        new_plan(&a, "four");
        let four = outbox_ids(&a);
        assert_eq!(four.len(), 1);
        drop(a);
        let a = open(&path, Arc::new(ManualClock::new(T0)));
        assert_eq!(outbox_ids(&a), four, "and after a restart");

        // Rows put back in the outbox wherever they are in the log.
        a.store()
            .write(|tx| Ok(tx.tx.execute_batch("UPDATE change_log SET synced = 0")?))
            .expect("requeue");
        assert_eq!(a.store().pending_changes().expect("pending"), 2);
    }
}
