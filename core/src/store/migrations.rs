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
];

pub const LATEST_VERSION: u32 = 3;

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
}
