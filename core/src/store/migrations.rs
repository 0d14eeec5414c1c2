//! Schema versions by `PRAGMA user_version`, one numbered SQL step each.

use crate::error::{PphError, Result};
use rusqlite::Connection;

const STEPS: &[(u32, &str)] = &[
    (1, include_str!("migrations/001_initial.sql")),
    (
        2,
        include_str!("migrations/002_devices_and_plan_indexes.sql"),
    ),
    (3, include_str!("migrations/003_budgets.sql")),
    (4, include_str!("migrations/004_completion_outcomes.sql")),
    (5, include_str!("migrations/005_diary.sql")),
    (6, include_str!("migrations/006_sync_outbox.sql")),
    (7, include_str!("migrations/007_sync_client.sql")),
    (8, include_str!("migrations/008_groups.sql")),
    (9, include_str!("migrations/009_authorisation.sql")),
    (10, include_str!("migrations/010_spend_vocabulary.sql")),
    (11, include_str!("migrations/011_search_by_time.sql")),
    (
        12,
        include_str!("migrations/012_search_keys_per_millisecond.sql"),
    ),
    (13, include_str!("migrations/013_sync_outcome.sql")),
    (14, include_str!("migrations/014_reminders.sql")),
    (15, include_str!("migrations/015_timebank.sql")),
    (16, include_str!("migrations/016_review_proposals.sql")),
    (17, include_str!("migrations/017_end_to_end_keys.sql")),
    (18, include_str!("migrations/018_fewer_pages_per_entry.sql")),
    (19, include_str!("migrations/019_pinned_identities.sql")),
    (20, include_str!("migrations/020_refused_envelopes.sql")),
    (21, include_str!("migrations/021_poisoned_epochs.sql")),
    (22, include_str!("migrations/022_shared_record_owners.sql")),
    (23, include_str!("migrations/023_group_admissions.sql")),
    (24, include_str!("migrations/024_sealing_floors.sql")),
    (25, include_str!("migrations/025_granted_readers.sql")),
    (26, include_str!("migrations/026_ended_grants.sql")),
    (27, include_str!("migrations/027_token_swaps.sql")),
];

pub const LATEST_VERSION: u32 = 27;

pub(crate) fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Refuses a store written by a newer app before anything is written to it.
pub(crate) fn check_not_newer(conn: &Connection) -> Result<u32> {
    let found = user_version(conn)?;
    if found > LATEST_VERSION {
        return Err(PphError::SchemaTooNew {
            found,
            supported: LATEST_VERSION,
        }
        .into());
    }
    Ok(found)
}

/// Applies every step above the store's version up to `target`, each in its
/// own transaction with its version bump.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let current = check_not_newer(conn)?;
    for (version, sql) in STEPS {
        if *version <= current || *version > target {
            continue;
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_without_gaps_up_to_latest() {
        let versions: Vec<u32> = STEPS.iter().map(|(v, _)| *v).collect();
        let expected: Vec<u32> = (1..=LATEST_VERSION).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_to(&mut conn, LATEST_VERSION).expect("first");
        migrate_to(&mut conn, LATEST_VERSION).expect("second");
        assert_eq!(user_version(&conn).expect("version"), LATEST_VERSION);
    }

    #[test]
    fn a_failing_step_leaves_the_previous_version() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_to(&mut conn, 1).expect("v1");
        // Make step 2 fail half way: its CREATE TABLE devices will collide.
        conn.execute_batch("CREATE TABLE devices (x INTEGER)")
            .expect("collide");
        assert!(migrate_to(&mut conn, 2).is_err());
        assert_eq!(user_version(&conn).expect("version"), 1);
    }

    #[test]
    fn v4_backfills_completion_outcomes_from_their_records() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_to(&mut conn, 3).expect("v3");
        conn.execute_batch(
            r#"INSERT INTO care_plans (id, doc) VALUES ('p', '{}');
               INSERT INTO plan_goals (id, plan_id, doc) VALUES ('g', 'p', '{}');
               INSERT INTO plan_activities (id, plan_id, goal_id, doc) VALUES ('a', 'p', 'g', '{}');
               INSERT INTO plan_completions (id, plan_id, activity_id, local_date, doc)
               VALUES ('c1', 'p', 'a', '2026-03-02', '{"outcome":"partly"}'),
                      ('c2', 'p', 'a', '2026-03-03', '{"outcome":"done"}');"#,
        )
        .expect("v3 rows");
        migrate_to(&mut conn, 4).expect("v4");
        let outcomes: Vec<String> = rows(&conn, "SELECT outcome FROM plan_completions ORDER BY id");
        assert_eq!(outcomes, ["partly", "done"]);
    }

    /// Every row of a query, as `T`s.
    fn rows<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> Vec<T> {
        conn.prepare(sql)
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    /// The notes matching "walk", newest key first, as (entry id, key).
    fn walk_notes(conn: &Connection, sql: &str) -> Vec<(String, i64)> {
        conn.prepare(sql)
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    /// A v10 store with notes: two in one millisecond, one back-filled,
    /// one empty and one deleted.
    fn v10_diary() -> Connection {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_to(&mut conn, 10).expect("v10");
        conn.execute_batch(
            r#"INSERT INTO diary_entries (id, local_date, recorded_at, deleted, doc) VALUES
                 ('a', '2026-03-02', 2000, 0, '{"note":"walk early"}'),
                 ('b', '2026-03-02', 2000, 0, '{"note":"walk too"}'),
                 ('c', '2026-03-01', 1000, 0, '{"note":"walk back-filled"}'),
                 ('d', '2026-03-03', 3000, 0, '{"note":null}'),
                 ('e', '2026-03-03', 3000, 1, '{"note":"walk deleted"}');
               INSERT INTO diary_notes (rowid, note) VALUES (1, 'walk early'), (2, 'walk too'),
                 (3, 'walk back-filled');"#,
        )
        .expect("v10 rows");
        conn
    }

    #[test]
    fn v11_keys_notes_by_when_their_entries_happened() {
        let mut conn = v10_diary();
        migrate_to(&mut conn, 11).expect("v11");
        let found = walk_notes(
            &conn,
            "SELECT entry_id, rowid FROM diary_notes WHERE diary_notes MATCH 'walk' ORDER BY rowid DESC",
        );
        assert_eq!(
            found,
            [
                ("b".to_owned(), 2000 * 1024 + 1),
                ("a".to_owned(), 2000 * 1024),
                ("c".to_owned(), 1000 * 1024)
            ]
        );
        let key: Option<i64> = conn
            .query_row(
                "SELECT note_key FROM diary_entries WHERE id = 'b'",
                [],
                |r| r.get(0),
            )
            .expect("key");
        assert_eq!(key, Some(2000 * 1024 + 1));
    }

    #[test]
    fn v12_gives_a_note_its_milliseconds_own_key() {
        let mut conn = v10_diary();
        migrate_to(&mut conn, 12).expect("v12");
        let found = walk_notes(
            &conn,
            "SELECT e.id, n.rowid FROM diary_notes n JOIN diary_entries e ON e.rowid = n.entry_rowid
             WHERE diary_notes MATCH 'walk' ORDER BY n.rowid DESC",
        );
        assert_eq!(
            found,
            [
                ("b".to_owned(), 2000 * 16384 + 1),
                ("a".to_owned(), 2000 * 16384),
                ("c".to_owned(), 1000 * 16384)
            ]
        );
        let keys: Vec<Option<i64>> = rows(
            &conn,
            "SELECT note_key FROM diary_entries WHERE id IN ('a', 'b') ORDER BY id",
        );
        // Only the second note of a millisecond remembers its key.
        assert_eq!(keys, [None, Some(2000 * 16384 + 1)]);
    }
}
