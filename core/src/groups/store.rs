//! Group SQL: where each record lives, and the chat queries.

use super::model::{Attendance, Group, Hidden, Meetup, Message, Reaction, ReadMark, Report, Rsvp};
use crate::error::Result;
use crate::store::entity;
use crate::store::entity::{docs, instant, text};
use pph_protocol::kinds;
use rusqlite::types::Value;
use rusqlite::Connection;

entity!(Group, kinds::GROUP, "groups");

entity!(Message, kinds::GROUP_MESSAGE, "group_messages", |m| {
    "group_id": text(&m.group_id),
    "sent_at_ms": Value::Integer(m.sent_at_ms as i64),
});

entity!(Reaction, kinds::GROUP_REACTION, "group_reactions", |r| {
    "message_id": text(&r.message_id),
});

entity!(ReadMark, kinds::GROUP_READ, "group_reads", |r| {
    "group_id": text(&r.group_id),
});

entity!(Meetup, kinds::GROUP_MEETUP, "group_meetups", |m| {
    "group_id": text(&m.group_id),
    "starts_at_ms": instant(m.starts_at),
});

entity!(Rsvp, kinds::MEETUP_RSVP, "meetup_rsvps", |r| {
    "meetup_id": text(&r.meetup_id),
});

entity!(Attendance, kinds::MEETUP_ATTENDANCE, "meetup_attendance", |a| {
    "meetup_id": text(&a.meetup_id),
});

entity!(Report, kinds::GROUP_REPORT, "group_reports", |r| {
    "message_id": text(&r.message_id),
});

entity!(Hidden, kinds::GROUP_HIDE, "group_hidden", |h| {
    "message_id": text(&h.message_id),
});

pub(crate) fn meetups(conn: &Connection, group_id: &str) -> Result<Vec<Meetup>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM group_meetups WHERE group_id = ?1 ORDER BY starts_at_ms, id",
    )?;
    docs(&mut stmt, [group_id])
}

pub(crate) fn rsvps(conn: &Connection, meetup_id: &str) -> Result<Vec<Rsvp>> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM meetup_rsvps WHERE meetup_id = ?1")?;
    docs(&mut stmt, [meetup_id])
}

pub(crate) fn attendance(conn: &Connection, meetup_id: &str) -> Result<Vec<Attendance>> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM meetup_attendance WHERE meetup_id = ?1")?;
    docs(&mut stmt, [meetup_id])
}

pub(crate) fn is_hidden(conn: &Connection, message_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM group_hidden WHERE message_id = ?1")?
        .exists([message_id])?)
}

/// Reports on messages of a group that are not hidden yet: (message, reason).
pub(crate) fn open_reports(conn: &Connection, group_id: &str) -> Result<Vec<Report>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.doc FROM group_reports r
         WHERE json_extract(r.doc, '$.group_id') = ?1
           AND NOT EXISTS (SELECT 1 FROM group_hidden h WHERE h.message_id = r.message_id)
         ORDER BY r.message_id, r.id",
    )?;
    docs(&mut stmt, [group_id])
}

/// Up to `limit` messages of a group sent before (time, id), newest first.
pub(crate) fn messages_before(
    conn: &Connection,
    group_id: &str,
    (ms, id): (i64, &str),
    limit: u32,
) -> Result<Vec<Message>> {
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

/// The group's own record, written again by its new owner after the relay
/// erased it with the facilitator who made it: same name, purpose and
/// focus, made by `me` now. `old` is the record as it was here.
pub(crate) fn readopt_group(
    tx: &mut crate::store::WriteTx<'_>,
    old: Group,
    me: &str,
) -> Result<()> {
    let group = Group {
        created_by: me.to_owned(),
        created_at: crate::time::from_ms(tx.now_ms()),
        ..old
    };
    tx.save(&group.id, None, &group)
}

/// The group's own record as this device holds it.
pub(crate) fn group(conn: &Connection, group_id: &str) -> Result<Option<Group>> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM groups WHERE id = ?1")?;
    Ok(docs(&mut stmt, [group_id])?.into_iter().next())
}

/// The person's own group messages on this device: how many, in how many
/// groups.
pub(crate) fn own_messages(conn: &Connection, me: &str) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), count(DISTINCT group_id) FROM group_messages
             WHERE json_extract(doc, '$.author_id') = ?1",
        )?
        .query_row([me], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Group spaces this account is a member of (as the relay last said) with
/// no key held here.
pub(crate) fn groups_waiting_for_key(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sync_spaces s
         WHERE s.kind = 'group' AND NOT EXISTS (SELECT 1 FROM space_keys k WHERE k.space = s.space)",
        [],
        |r| r.get(0),
    )?)
}
