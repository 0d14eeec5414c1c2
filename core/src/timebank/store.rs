//! Timebank SQL: the records' tables and the ledger, posts and history
//! queries.

use super::ledger::Entry;
use super::model::{Exchange, TimebankPost, TimebankSettings};
use crate::error::Result;
use crate::ids::derived_id;
use crate::store::entity;
use crate::store::entity::{docs, instant, text};
use pph_protocol::kinds;
use rusqlite::types::Value;
use rusqlite::Connection;

entity!(TimebankSettings, kinds::TIMEBANK, "timebanks", |t| {
    "group_id": text(&t.group_id),
});

entity!(TimebankPost, kinds::TIMEBANK_POST, "timebank_posts", |p| {
    "group_id": text(&p.group_id),
    "created_at_ms": instant(p.created_at),
});

entity!(Exchange, kinds::TIMEBANK_EXCHANGE, "timebank_exchanges", |e| {
    "group_id": text(&e.group_id),
    "giver_id": text(&e.giver_id),
    "receiver_id": text(&e.receiver_id),
    "minutes": Value::Integer(i64::from(e.minutes)),
    "confirmed": Value::Integer(i64::from(e.confirmed_at_ms.is_some())),
    "withdrawn": Value::Integer(i64::from(e.withdrawn_at_ms.is_some())),
    "created_at_ms": Value::Integer(e.created_at_ms as i64),
    "reverses": e.reverses.as_deref().map_or(Value::Null, text),
});

/// The one settings record of a group, the same id on every device (two
/// facilitators setting it up offline write one record).
pub(crate) fn settings_id(group_id: &str) -> String {
    derived_id(&[group_id, kinds::TIMEBANK])
}

/// Exchanges summed per giver, receiver and state: the ledger needs no
/// more, and a group of any size gives at most a few rows per pair.
const LEDGER_COLUMNS: &str = "giver_id, receiver_id, sum(minutes), confirmed, withdrawn";
const LEDGER_GROUPS: &str = "GROUP BY giver_id, receiver_id, confirmed, withdrawn";

fn entries(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<Entry>> {
    let rows = stmt.query_map(params, |r| {
        Ok(Entry {
            giver: r.get(0)?,
            receiver: r.get(1)?,
            minutes: r.get::<_, i64>(2)?.max(0) as u64,
            confirmed: r.get(3)?,
            withdrawn: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The exchanges of a group this device sees, as the ledger needs them
/// (read from the covering index alone, summed).
pub(crate) fn ledger(conn: &Connection, group_id: &str) -> Result<Vec<Entry>> {
    let sql = format!(
        "SELECT {LEDGER_COLUMNS} FROM timebank_exchanges INDEXED BY timebank_ledger
         WHERE group_id = ?1 {LEDGER_GROUPS}"
    );
    entries(&mut conn.prepare_cached(&sql)?, [group_id])
}

/// The exchanges one member gave or received, as the ledger needs them.
pub(crate) fn ledger_of(conn: &Connection, group_id: &str, member: &str) -> Result<Vec<Entry>> {
    let sql = format!(
        "SELECT {LEDGER_COLUMNS} FROM timebank_exchanges INDEXED BY timebank_ledger
         WHERE group_id = ?1 AND giver_id = ?2 {LEDGER_GROUPS}
         UNION ALL
         SELECT {LEDGER_COLUMNS} FROM timebank_exchanges INDEXED BY timebank_received
         WHERE group_id = ?1 AND receiver_id = ?2 {LEDGER_GROUPS}"
    );
    entries(&mut conn.prepare_cached(&sql)?, [group_id, member])
}

/// How many exchanges of a group are confirmed.
pub(crate) fn confirmed_count(conn: &Connection, group_id: &str) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM timebank_exchanges INDEXED BY timebank_ledger
             WHERE group_id = ?1 AND confirmed = 1",
        )?
        .query_row([group_id], |r| r.get(0))?)
}

/// Open offers and requests of a group, newest first.
pub(crate) fn open_posts(conn: &Connection, group_id: &str) -> Result<Vec<TimebankPost>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM timebank_posts
         WHERE group_id = ?1 AND json_extract(doc, '$.closed') = 0
         ORDER BY created_at_ms DESC, id DESC",
    )?;
    docs(&mut stmt, [group_id])
}

/// Up to `limit` exchanges `member` gave or received, recorded before
/// (time, id), newest first.
pub(crate) fn history(
    conn: &Connection,
    group_id: &str,
    member: &str,
    (ms, id): (i64, &str),
    limit: u32,
) -> Result<Vec<Exchange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM (
           SELECT * FROM (SELECT doc, created_at_ms, id FROM timebank_exchanges
             WHERE group_id = ?1 AND giver_id = ?2
               AND (created_at_ms < ?3 OR (created_at_ms = ?3 AND id < ?4))
             ORDER BY created_at_ms DESC, id DESC LIMIT ?5)
           UNION ALL
           SELECT * FROM (SELECT doc, created_at_ms, id FROM timebank_exchanges
             WHERE group_id = ?1 AND receiver_id = ?2
               AND (created_at_ms < ?3 OR (created_at_ms = ?3 AND id < ?4))
             ORDER BY created_at_ms DESC, id DESC LIMIT ?5))
         ORDER BY created_at_ms DESC, id DESC LIMIT ?5",
    )?;
    docs(&mut stmt, (group_id, member, ms, id, limit))
}

/// Up to `limit` exchanges of a group recorded before (time, id), newest
/// first: all this device has (a facilitator's are all of them).
pub(crate) fn all_before(
    conn: &Connection,
    group_id: &str,
    (ms, id): (i64, &str),
    limit: u32,
) -> Result<Vec<Exchange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM timebank_exchanges
         WHERE group_id = ?1 AND (created_at_ms < ?2 OR (created_at_ms = ?2 AND id < ?3))
         ORDER BY created_at_ms DESC, id DESC LIMIT ?4",
    )?;
    docs(&mut stmt, (group_id, ms, id, limit))
}

/// Pending exchanges `member` takes part in, newest first.
pub(crate) fn pending_of(conn: &Connection, group_id: &str, member: &str) -> Result<Vec<Exchange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM (
           SELECT doc, created_at_ms, id FROM timebank_exchanges INDEXED BY timebank_ledger
           WHERE group_id = ?1 AND giver_id = ?2 AND confirmed = 0 AND withdrawn = 0
           UNION ALL
           SELECT doc, created_at_ms, id FROM timebank_exchanges INDEXED BY timebank_received
           WHERE group_id = ?1 AND receiver_id = ?2 AND confirmed = 0 AND withdrawn = 0)
         ORDER BY created_at_ms DESC, id DESC",
    )?;
    docs(&mut stmt, [group_id, member])
}

/// Whether an exchange has a reversal that was not withdrawn (a confirmed
/// one stands even if also withdrawn: `ExchangeState::of`).
pub(crate) fn is_reversed(conn: &Connection, exchange_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM timebank_exchanges
             WHERE reverses = ?1 AND (confirmed = 1 OR withdrawn = 0) LIMIT 1",
        )?
        .exists([exchange_id])?)
}

/// The name a member goes by in a group's exchanges (from any one of them).
pub(crate) fn name_of(conn: &Connection, group_id: &str, member: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(
               (SELECT json_extract(doc, '$.giver_name') FROM timebank_exchanges
                INDEXED BY timebank_ledger WHERE group_id = ?1 AND giver_id = ?2 LIMIT 1),
               (SELECT json_extract(doc, '$.receiver_name') FROM timebank_exchanges
                INDEXED BY timebank_received WHERE group_id = ?1 AND receiver_id = ?2 LIMIT 1))",
        )?
        .query_row([group_id, member], |r| r.get(0))?)
}
