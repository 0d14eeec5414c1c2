//! Group SQL: where each record lives, and the chat queries.

use super::model::{Group, Message, Reaction, ReadMark};
use crate::error::Result;
use crate::store::entity::{docs, text};
use crate::store::Entity;
use rusqlite::types::Value;
use rusqlite::Connection;

impl Entity for Group {
    const KIND: &'static str = "group";
    const TABLE: &'static str = "groups";
    const COLUMNS: &'static [&'static str] = &[];
    fn id(&self) -> &str {
        &self.id
    }
    fn column_values(&self) -> Vec<Value> {
        vec![]
    }
}

impl Entity for Message {
    const KIND: &'static str = "group_message";
    const TABLE: &'static str = "group_messages";
    const COLUMNS: &'static [&'static str] = &["group_id", "sent_at_ms"];
    fn id(&self) -> &str {
        &self.id
    }
    fn column_values(&self) -> Vec<Value> {
        vec![text(&self.group_id), Value::Integer(self.sent_at_ms as i64)]
    }
}

impl Entity for Reaction {
    const KIND: &'static str = "group_reaction";
    const TABLE: &'static str = "group_reactions";
    const COLUMNS: &'static [&'static str] = &["message_id"];
    fn id(&self) -> &str {
        &self.id
    }
    fn column_values(&self) -> Vec<Value> {
        vec![text(&self.message_id)]
    }
}

impl Entity for ReadMark {
    const KIND: &'static str = "group_read";
    const TABLE: &'static str = "group_reads";
    const COLUMNS: &'static [&'static str] = &["group_id"];
    fn id(&self) -> &str {
        &self.id
    }
    fn column_values(&self) -> Vec<Value> {
        vec![text(&self.group_id)]
    }
}

/// Up to `limit` messages of a group sent before (time, id), newest first.
pub(crate) fn messages_before(
    conn: &Connection,
    group_id: &str,
    before: Option<(i64, &str)>,
    limit: u32,
) -> Result<Vec<Message>> {
    let (ms, id) = before.unwrap_or((i64::MAX, ""));
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM group_messages
         WHERE group_id = ?1 AND (sent_at_ms < ?2 OR (sent_at_ms = ?2 AND id < ?3))
         ORDER BY sent_at_ms DESC, id DESC LIMIT ?4",
    )?;
    docs(&mut stmt, (group_id, ms, id, limit))
}

pub(crate) fn reactions_of(conn: &Connection, message_id: &str) -> Result<Vec<Reaction>> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM group_reactions WHERE message_id = ?1")?;
    docs(&mut stmt, [message_id])
}

/// Whether the record's own changes still wait to be sent, and if the
/// server refused them, why.
pub(crate) fn send_state(conn: &Connection, entity_id: &str) -> Result<(bool, Option<String>)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), max(refused) FROM change_log WHERE entity_id = ?1 AND synced = 0",
        )?
        .query_row([entity_id], |r| Ok((r.get::<_, i64>(0)? > 0, r.get(1)?)))?)
}

/// Deletes a message that never reached the server, with its changes.
pub(crate) fn discard_unsent(conn: &Connection, message_id: &str) -> Result<bool> {
    let sent: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM change_log WHERE entity_id = ?1 AND synced = 1)",
        [message_id],
        |r| r.get(0),
    )?;
    if sent {
        return Ok(false);
    }
    conn.execute("DELETE FROM group_messages WHERE id = ?1", [message_id])?;
    conn.execute(
        "DELETE FROM change_log WHERE entity_id = ?1 AND synced = 0",
        [message_id],
    )?;
    Ok(true)
}

/// Messages by others, not retracted, sent after `after_ms`.
pub(crate) fn unread(conn: &Connection, group_id: &str, me: &str, after_ms: u64) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM group_messages
             WHERE group_id = ?1 AND sent_at_ms > ?2
               AND json_extract(doc, '$.author_id') <> ?3
               AND json_extract(doc, '$.retracted') = 0",
        )?
        .query_row((group_id, after_ms as i64, me), |r| r.get(0))?)
}

pub(crate) fn groups(conn: &Connection) -> Result<Vec<Group>> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM groups ORDER BY id")?;
    docs(&mut stmt, [])
}
