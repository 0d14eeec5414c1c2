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
/// local stamp orders after everything this store has seen.
pub(crate) fn latest_hlc(conn: &Connection, node: &str) -> Result<Hlc> {
    let newest: Option<(i64, u32)> = conn
        .query_row(
            "SELECT hlc_wall, hlc_counter FROM change_log
             ORDER BY hlc_wall DESC, hlc_counter DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (wall, counter) = newest.unwrap_or((0, 0));
    Ok(Hlc {
        wall_ms: wall as u64,
        counter,
        node: node.to_owned(),
    })
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
