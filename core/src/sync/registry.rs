//! Every syncable kind of record, by the `entity_type` its changes carry,
//! and how to store one rebuilt from its changes.

use crate::budget::model::{Adjustment, Budget, BudgetLine, Spend};
use crate::care_plan::model::{
    Activity, Completion, Contact, Goal, PlanInfo, Review, ReviewProposal,
};
use crate::diary::model::{DiaryEntry, QuestionnaireResult, Symptom};
use crate::error::Result;
use crate::groups::model::{
    Attendance, Group, Hidden, Meetup, Message, Reaction, ReadMark, Report, Rsvp,
};
use crate::store::change_log::{changes_for, fold};
use crate::store::entity::upsert;
use crate::store::{load, Entity};
use crate::timebank::model::{Exchange, TimebankPost, TimebankSettings};
use crate::today::model::{ReminderPrefs, ReminderRule};
use rusqlite::Connection;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rebuilt {
    /// Stored (or already as the changes say).
    Stored,
    /// Not all of it has arrived yet (no creation seen); try again later.
    Incomplete,
    /// A kind this version does not know (from a newer app): kept in the log.
    UnknownKind,
}

/// Folds every change of one record (greatest stamp per field wins) and
/// stores the result with its derived rows.
fn rebuild<E: Entity + PartialEq>(conn: &Connection, entity_id: &str) -> Result<Rebuilt> {
    let changes = changes_for(conn, &[entity_id.to_owned()], None)?;
    let Ok(mut folded) = fold::<E>(&changes) else {
        return Ok(Rebuilt::Incomplete);
    };
    let Some(new) = folded.pop() else {
        return Ok(Rebuilt::Incomplete);
    };
    let old: Option<E> = load(conn, entity_id)?;
    if old.as_ref() != Some(&new) {
        upsert(conn, &new, serde_json::to_string(&new)?, old.as_ref())?;
    }
    Ok(Rebuilt::Stored)
}

/// Every kind this version can store, and how to rebuild one record of it.
macro_rules! registry {
    ($($t:ty),* $(,)?) => {
        /// The kinds of record this version stores (a test checks they are
        /// the authorisation table's).
        pub const KNOWN_KINDS: &[&str] = &[$(<$t as Entity>::KIND),*];

        pub(crate) fn rebuild_record(
            conn: &Connection,
            entity_type: &str,
            entity_id: &str,
        ) -> Result<Rebuilt> {
            $(
                if entity_type == <$t as Entity>::KIND {
                    return rebuild::<$t>(conn, entity_id);
                }
            )*
            Ok(Rebuilt::UnknownKind)
        }

        /// The table a kind's records are stored in; None for a kind this
        /// version does not store.
        pub(crate) fn table_of_kind(kind: &str) -> Option<&'static str> {
            $(
                if kind == <$t as Entity>::KIND {
                    return Some(<$t as Entity>::TABLE);
                }
            )*
            None
        }

        /// Writes one record of a kind into the person's own space as new,
        /// checked as its type reads it. False for a kind this version does
        /// not store.
        pub(crate) fn restore_record(
            tx: &mut crate::store::WriteTx<'_>,
            kind: &str,
            record: serde_json::Value,
        ) -> Result<bool> {
            $(
                if kind == <$t as Entity>::KIND {
                    let record: $t = serde_json::from_value(record)?;
                    tx.save_personal(None, &record)?;
                    return Ok(true);
                }
            )*
            Ok(false)
        }
    };
}

/// Every record of a kind, as stored, in id order; None for a kind this
/// version does not store.
pub(crate) fn records_of_kind(
    conn: &Connection,
    kind: &str,
) -> Result<Option<Vec<serde_json::Value>>> {
    let Some(table) = table_of_kind(kind) else {
        return Ok(None);
    };
    let sql = format!("SELECT doc FROM {table} ORDER BY id");
    Ok(Some(crate::store::entity::docs(
        &mut conn.prepare_cached(&sql)?,
        [],
    )?))
}

/// Whether this store holds any record of a kind.
pub(crate) fn holds_kind(conn: &Connection, kind: &str) -> Result<bool> {
    let Some(table) = table_of_kind(kind) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached(&format!("SELECT 1 FROM {table} LIMIT 1"))?
        .exists([])?)
}

registry!(
    PlanInfo,
    Contact,
    Goal,
    Activity,
    Completion,
    Review,
    ReviewProposal,
    Budget,
    Adjustment,
    BudgetLine,
    Spend,
    Symptom,
    DiaryEntry,
    QuestionnaireResult,
    Group,
    Message,
    Reaction,
    ReadMark,
    Meetup,
    Rsvp,
    Attendance,
    Report,
    Hidden,
    ReminderRule,
    ReminderPrefs,
    TimebankSettings,
    TimebankPost,
    Exchange,
);
