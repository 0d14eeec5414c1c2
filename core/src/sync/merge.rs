//! Applying changes from other devices. Sans-I/O: the transport hands in
//! pages of changes, each with the account the server says wrote it. For
//! each, the store's facts are read (`Facts`), its fate decided purely
//! (`decide`: malformed or too far ahead, a duplicate, set aside under the
//! authorisation table's rule, or stored), and the decision applied; then
//! every record they touch is rebuilt so that, per (record, field), the
//! change with the greatest (hlc, node) wins — in any delivery order, with
//! duplicates ignored. A change set aside is reported, never applied.

pub use super::registry::KNOWN_KINDS;
use super::registry::{rebuild_record, Rebuilt};
use crate::error::Result;
use crate::store::authz::{judge_here, me, SpaceFacts, Write};
use crate::store::{Store, WriteTx};
use pph_protocol::authz::Refusal;
use pph_protocol::kinds::{SpaceKind, GROUP};
use pph_protocol::wire::ErasedRecord;
use pph_protocol::Change;
use rusqlite::{Connection, OptionalExtension};
use std::collections::BTreeMap;

/// A pulled change with the account that wrote it, as the server vouched
/// ('' when the server does not know: a group edit from before it kept
/// writers).
#[derive(Clone, Debug)]
pub struct Authored {
    pub author: String,
    pub change: Change,
}

/// What one apply did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// Changes the authorisation table refuses (someone writing what they
    /// may not, or into another space): kept aside, never applied.
    pub set_aside: u32,
    /// The rules they broke, with how many changes broke each.
    pub set_aside_rules: Vec<(Refusal, u32)>,
    /// Records the relay erased (a deleted account's) deleted here.
    pub erased: u32,
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

/// Whether a change with this id is here already: Some(true) when it is
/// the same change (same space and record), Some(false) when the id was
/// used for another.
fn seen_before(conn: &Connection, c: &Change) -> Result<Option<bool>> {
    let stored: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT space, entity_id FROM change_log WHERE change_id = ?1
             UNION ALL SELECT space, entity_id FROM sync_set_aside WHERE change_id = ?1",
        )?
        .query_row([&c.change_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(stored.map(|(space, entity)| space == c.space && entity == c.entity_id))
}

fn store_change(conn: &Connection, c: &Change, author: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO change_log
           (change_id, space, entity_type, entity_id, field, value, hlc_wall, hlc_counter, node, synced, author)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)",
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
        author,
    ))?;
    Ok(())
}

fn set_aside(conn: &Connection, a: &Authored, rule: Refusal, now_ms: u64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_set_aside
           (change_id, space, entity_type, entity_id, author, rule, change, set_aside_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (change_id) DO NOTHING",
    )?
    .execute((
        &a.change.change_id,
        &a.change.space,
        &a.change.entity_type,
        &a.change.entity_id,
        &a.author,
        rule.code(),
        serde_json::to_string(&a.change)?,
        now_ms as i64,
    ))?;
    Ok(())
}

/// Judges a pulled change: Err(rule) when it must be set aside.
fn judge_pulled(
    conn: &Connection,
    source: &SpaceFacts,
    me: &str,
    a: &Authored,
) -> Result<std::result::Result<(), Refusal>> {
    if a.change.space != source.space {
        return Ok(Err(Refusal::WrongSpace));
    }
    let write = Write {
        author: &a.author,
        kind: &a.change.entity_type,
        entity_id: &a.change.entity_id,
        field: &a.change.field,
        value: &a.change.value,
    };
    judge_here(conn, source, me, &write)
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

/// What becomes of one pulled change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Malformed, or stamped too far in the future: counted, not kept.
    Rejected,
    /// The same change is here already.
    Duplicate,
    /// Kept aside under the rule it broke, never applied.
    SetAside(Refusal),
    /// Stored and its record rebuilt.
    Stored,
}

/// What the store knows that bears on one pulled change. `decide` asks in
/// order and stops at the first answer that settles the change, so a
/// duplicate is never judged and a refused change never moves the clock.
pub(crate) trait Facts {
    /// Some(true): this change is here; Some(false): its id was used for
    /// another change; None: new.
    fn seen_before(&mut self, change: &Change) -> Result<Option<bool>>;
    /// The authorisation table's verdict on the change by its author.
    fn judged(&mut self, authored: &Authored) -> Result<std::result::Result<(), Refusal>>;
    /// Whether its stamp is further ahead of this device's clock than
    /// clocks may drift.
    fn too_far_ahead(&self, change: &Change) -> bool;
}

/// Decides a pulled change's fate from the facts: pure, so every path is
/// tested without a store (`decide_tests`).
pub(crate) fn decide(authored: &Authored, facts: &mut impl Facts) -> Result<Fate> {
    let change = &authored.change;
    if change.check().is_err() {
        return Ok(Fate::Rejected);
    }
    match facts.seen_before(change)? {
        Some(true) => return Ok(Fate::Duplicate),
        Some(false) => return Ok(Fate::SetAside(Refusal::ChangeIdReused)),
        None => {}
    }
    if let Err(rule) = facts.judged(authored)? {
        return Ok(Fate::SetAside(rule));
    }
    if facts.too_far_ahead(change) {
        return Ok(Fate::Rejected);
    }
    Ok(Fate::Stored)
}

/// The facts as this store holds them, read inside the apply's
/// transaction, so each change is decided after those before it applied.
struct StoreFacts<'a> {
    conn: &'a Connection,
    source: &'a SpaceFacts,
    me: &'a str,
    now_ms: u64,
}

impl Facts for StoreFacts<'_> {
    fn seen_before(&mut self, change: &Change) -> Result<Option<bool>> {
        seen_before(self.conn, change)
    }

    fn judged(&mut self, authored: &Authored) -> Result<std::result::Result<(), Refusal>> {
        judge_pulled(self.conn, self.source, self.me, authored)
    }

    fn too_far_ahead(&self, change: &Change) -> bool {
        change.hlc.wall_ms > self.now_ms.saturating_add(pph_protocol::MAX_DRIFT_MS)
    }
}

/// Applies changes pulled from `source`: each one's facts read, its fate
/// decided (`decide`), then what was decided written, in turn; then every
/// record they touched rebuilt.
pub(crate) fn apply(
    tx: &mut WriteTx<'_>,
    source: &SpaceFacts,
    changes: &[Authored],
) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    let me = me(tx.tx)?;
    let mut rules: BTreeMap<Refusal, u32> = BTreeMap::new();
    // Records touched, keyed by the earliest stamp seen for them, so parents
    // (created earlier) are rebuilt before their children.
    let mut touched: BTreeMap<(u64, u32, String), (String, String)> = BTreeMap::new();
    for a in changes {
        let c = &a.change;
        let mut facts = StoreFacts {
            conn: tx.tx,
            source,
            me: &me,
            now_ms: tx.now_ms(),
        };
        match decide(a, &mut facts)? {
            Fate::Rejected => report.rejected += 1,
            Fate::Duplicate => report.duplicates += 1,
            Fate::SetAside(rule) => {
                set_aside(tx.tx, a, rule, tx.now_ms())?;
                *rules.entry(rule).or_default() += 1;
            }
            Fate::Stored => {
                tx.receive(&c.hlc)?;
                // This store's own account is written '' in the log.
                let author = if a.author == me {
                    ""
                } else {
                    a.author.as_str()
                };
                store_change(tx.tx, c, author)?;
                report.applied += 1;
                if c.hlc.node != tx.node() && overlaps_local(tx.tx, c, tx.node())? {
                    report.conflicts += 1;
                }
                touched
                    .entry((c.hlc.wall_ms, c.hlc.counter, c.hlc.node.clone()))
                    .or_insert_with(|| (c.entity_type.clone(), c.entity_id.clone()));
            }
        }
    }
    report.set_aside = rules.values().sum();
    report.set_aside_rules = rules.into_iter().collect();
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

/// Deletes the records the relay erased from a group (a deleted account's,
/// and what named it), with their changes, and returns how many were here.
/// Only records of a group kind that this store holds in no other space:
/// a relay cannot erase a person's own records by naming them. A group's
/// own record, erased with the facilitator who made it, is written again
/// by the group's new owner.
pub(crate) fn erase(
    tx: &mut WriteTx<'_>,
    source: &SpaceFacts,
    erased: &[ErasedRecord],
) -> Result<u32> {
    if source.kind != SpaceKind::Group {
        return Ok(0);
    }
    let me = me(tx.tx)?;
    let mut deleted = 0;
    for e in erased {
        let in_group =
            pph_protocol::kinds::rule(&e.entity_type).is_some_and(|r| r.space == SpaceKind::Group);
        let Some(table) = super::registry::table_of_kind(&e.entity_type).filter(|_| in_group)
        else {
            continue;
        };
        let elsewhere: bool = tx
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM change_log WHERE entity_id = ?1 AND space <> ?2)",
            )?
            .query_row((&e.entity_id, &source.space), |r| r.get(0))?;
        if elsewhere {
            continue;
        }
        let readopt = if e.entity_type == GROUP && e.entity_id == source.space && source.owner == me
        {
            crate::groups::store::group(tx.tx, &e.entity_id)?
        } else {
            None
        };
        deleted += tx.tx.execute(
            &format!("DELETE FROM {table} WHERE id = ?1"),
            [&e.entity_id],
        )? as u32;
        tx.tx.execute(
            "DELETE FROM change_log WHERE space = ?1 AND entity_id = ?2",
            (&source.space, &e.entity_id),
        )?;
        tx.tx.execute(
            "DELETE FROM sync_set_aside WHERE space = ?1 AND entity_id = ?2",
            (&source.space, &e.entity_id),
        )?;
        tx.tx.execute(
            "DELETE FROM sync_unmaterialized WHERE entity_type = ?1 AND entity_id = ?2",
            (&e.entity_type, &e.entity_id),
        )?;
        if let Some(old) = readopt {
            crate::groups::store::readopt_group(tx, old, &me)?;
        }
    }
    Ok(deleted)
}

/// Applies one page pulled from `source` (its erasures first: they come
/// after every change they erased) and moves the space's cursor past it,
/// in one transaction: a crash leaves either both or neither.
#[cfg(test)]
pub(crate) fn apply_page(
    store: &Store,
    source: &SpaceFacts,
    changes: &[Authored],
    erased: &[ErasedRecord],
    next: i64,
) -> Result<ApplyReport> {
    apply_pulled(store, source, changes, &[], erased, next)
}

/// `apply_page` for a page whose sealed values were opened: those that did
/// not open (`unopened`) are set aside in the same transaction.
pub(crate) fn apply_pulled(
    store: &Store,
    source: &SpaceFacts,
    changes: &[Authored],
    unopened: &[(Authored, Refusal)],
    erased: &[ErasedRecord],
    next: i64,
) -> Result<ApplyReport> {
    store.write(|tx| {
        let report = apply_opened(tx, source, changes, unopened, erased)?;
        super::store::set_cursor(tx.tx, &source.space, next)?;
        Ok(report)
    })
}

/// Judges again, in one transaction, changes taken back from the set-aside
/// list now that their writer's identity is found to sign them (served
/// late, or accepted by the person): each is applied, or set aside again
/// under the rule it breaks now. No cursor moves: they were pulled before.
pub(crate) fn apply_taken_back(
    store: &Store,
    source: &SpaceFacts,
    changes: &[Authored],
    unopened: &[(Authored, Refusal)],
) -> Result<ApplyReport> {
    store.write(|tx| {
        let ids: Vec<&str> = changes
            .iter()
            .chain(unopened.iter().map(|(a, _)| a))
            .map(|a| a.change.change_id.as_str())
            .collect();
        super::store::take_back(tx.tx, &ids)?;
        apply_opened(tx, source, changes, unopened, &[])
    })
}

/// Erases, applies the opened changes and sets aside those that did not
/// open (`unopened`, like any refusal), inside the caller's transaction.
fn apply_opened(
    tx: &mut WriteTx<'_>,
    source: &SpaceFacts,
    changes: &[Authored],
    unopened: &[(Authored, Refusal)],
    erased: &[ErasedRecord],
) -> Result<ApplyReport> {
    let erased = erase(tx, source, erased)?;
    let mut report = apply(tx, source, changes)?;
    report.erased = erased;
    let mut rules: BTreeMap<Refusal, u32> = report.set_aside_rules.drain(..).collect();
    for (a, rule) in unopened {
        set_aside(tx.tx, a, *rule, tx.now_ms())?;
        *rules.entry(*rule).or_default() += 1;
    }
    report.set_aside = rules.values().sum();
    report.set_aside_rules = rules.into_iter().collect();
    Ok(report)
}

/// Applies, in one transaction, changes this account made on its other
/// devices in its personal space, as a pull of that space would (each
/// judged against the authorisation table).
pub fn apply_remote(store: &Store, changes: &[Change]) -> Result<ApplyReport> {
    let space = store.personal_space();
    store.write(|tx| {
        let me = me(tx.tx)?;
        let source = SpaceFacts {
            space,
            kind: SpaceKind::Personal,
            owner: me.clone(),
            facilitators: Vec::new(),
            clinicians: Vec::new(),
        };
        let authored: Vec<Authored> = changes
            .iter()
            .map(|c| Authored {
                author: me.clone(),
                change: c.clone(),
            })
            .collect();
        apply(tx, &source, &authored)
    })
}
