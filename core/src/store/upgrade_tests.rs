//! The frozen v1 fixture: how it was made, and proof that today's code
//! upgrades it without losing a row.

use super::migrations::{migrate_to, LATEST_VERSION};
use super::open::{open_writer, RawKey};
use crate::{Companion, CompanionConfig, GoalStatus, PlanStatus};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

const FIXTURE_KEY: [u8; 32] = [7; 32];
const PLAN_ID: &str = "01900000-0000-7000-8000-000000000001";
const GOAL_ID: &str = "01900000-0000-7000-8000-000000000002";
const CREATED_MS: i64 = 1_718_000_000_000;

fn fixture_path() -> PathBuf {
    // Read at run time: a test binary reused from a shared target directory
    // may have been built in another checkout, whose path env! baked in.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("tests/fixtures/v1.db")
}

/// The records below are literal v1 JSON, not today's structs serialised, so
/// the fixture stays what v1 wrote.
#[test]
#[ignore = "freezes tests/fixtures/v1.db; run by hand only when freezing a version"]
fn write_v1_fixture() {
    let path = fixture_path();
    let _ = std::fs::remove_file(&path);
    let key = RawKey::new(&FIXTURE_KEY).expect("key");
    let mut conn = open_writer(&path, &key).expect("open");
    migrate_to(&mut conn, 1).expect("v1");
    let plan = r#"{"id":"01900000-0000-7000-8000-000000000001","title":"Breathe easier","what_matters":"Playing with my grandchildren","status":"active","next_review":"2024-09-01"}"#;
    let goal = r#"{"id":"01900000-0000-7000-8000-000000000002","plan_id":"01900000-0000-7000-8000-000000000001","description":"Walk to the shop","expressed_by":"me","target":"3 times a week","status":"active"}"#;
    let tx = conn.transaction().expect("tx");
    tx.execute_batch(
        "INSERT INTO meta (key, value) VALUES ('node', 'a1b2c3d4e5f60718'),
                                             ('personal_space', '01900000-0000-7000-8000-0000000000ff');",
    )
    .expect("meta");
    tx.execute(
        "INSERT INTO care_plans (id, doc) VALUES (?1, ?2)",
        (PLAN_ID, plan),
    )
    .expect("plan");
    tx.execute(
        "INSERT INTO plan_goals (id, plan_id, doc) VALUES (?1, ?2, ?3)",
        (GOAL_ID, PLAN_ID, goal),
    )
    .expect("goal");
    let mut counter = 0u32;
    for (entity_type, id, doc) in [("care_plan", PLAN_ID, plan), ("plan_goal", GOAL_ID, goal)] {
        let fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(doc).expect("doc");
        for (field, value) in fields {
            tx.execute(
                "INSERT INTO change_log (change_id, space, entity_type, entity_id, field, value,
                                         hlc_wall, hlc_counter, node)
                 VALUES (?1, '01900000-0000-7000-8000-0000000000ff', ?2, ?3, ?4, ?5, ?6, ?7, 'a1b2c3d4e5f60718')",
                (
                    format!("01900000-0000-7000-8000-1000000000{counter:02}"),
                    entity_type,
                    id,
                    field,
                    value.to_string(),
                    CREATED_MS,
                    counter,
                ),
            )
            .expect("change");
            counter += 1;
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .expect("single file");
}

#[test]
fn v1_fixture_upgrades_and_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    std::fs::copy(fixture_path(), &path).expect("copy fixture");
    let companion = Companion::open(CompanionConfig {
        db_path: path.to_string_lossy().into_owned(),
        encryption_key: FIXTURE_KEY.to_vec(),
        device_name: "test phone".into(),
    })
    .expect("open v1 store");
    assert_eq!(companion.schema_version().expect("version"), LATEST_VERSION);

    let plans = companion.care_plans();
    let plan = plans.plan(PLAN_ID.into()).expect("plan survives");
    assert_eq!(plan.info.title, "Breathe easier");
    assert_eq!(plan.info.what_matters, "Playing with my grandchildren");
    assert_eq!(plan.info.status, PlanStatus::Active);
    assert_eq!(plan.goals.len(), 1);
    assert_eq!(plan.goals[0].target.as_deref(), Some("3 times a week"));
    assert_eq!(plan.goals[0].status, GoalStatus::Active);

    // v2 backfills the device table; this device then renames itself.
    let history = plans.history(PLAN_ID.into()).expect("history");
    assert_eq!(history.len(), 11);
    assert!(history.iter().all(|c| c.device == "test phone"));
    let then = UNIX_EPOCH + Duration::from_millis(CREATED_MS as u64);
    assert_eq!(plans.plan_as_of(PLAN_ID.into(), then).expect("as of"), plan);

    // v18's outbox mark: the eleven changes never sent still wait.
    assert_eq!(companion.store().pending_changes().expect("pending"), 11);

    // New writes stamp after the old ones and land in the upgraded schema.
    plans
        .add_goal(
            PLAN_ID.into(),
            crate::NewGoal {
                description: "Sleep through".into(),
                expressed_by: "me".into(),
                target: None,
                status: None,
            },
        )
        .expect("write after upgrade");
    assert_eq!(plans.plan(PLAN_ID.into()).expect("plan").goals.len(), 2);
    let outbox = companion.store().outbox(100).expect("outbox");
    assert_eq!(outbox.len(), 12);
    let newest = &outbox[11].hlc;
    assert!((newest.wall_ms, newest.counter) > (CREATED_MS as u64, 10));
}

/// v18 rebuilds the daily rollups under a new key and the search index
/// without token counts, and replaces two change-log indexes by marks:
/// every row comes across, and the marks start where the indexes said.
#[test]
fn v17_diary_rows_and_log_marks_come_across_to_v18() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = RawKey::new(&FIXTURE_KEY).expect("key");
    let mut conn = open_writer(&dir.path().join("v17.db"), &key).expect("open");
    migrate_to(&mut conn, 17).expect("v17");
    conn.execute_batch(
        "INSERT INTO diary_daily VALUES ('s1', '2026-01-02', 2, 9.0, 4.0, 5.0),
                                        ('s2', '2026-01-02', 1, 3.0, 3.0, 3.0),
                                        ('s1', '2026-01-03', 1, 7.0, 7.0, 7.0);
         INSERT INTO diary_symptom_use VALUES ('s1', 3), ('s2', 1);
         INSERT INTO diary_notes (rowid, note, entry_rowid) VALUES (16384, 'damp walk', 4);
         INSERT INTO change_log (change_id, space, entity_type, entity_id, field, value,
                                 hlc_wall, hlc_counter, node, synced)
         VALUES ('c1', 'p', 'k', 'e', 'f', '1', 900, 3, 'n', 1),
                ('c2', 'p', 'k', 'e', 'f', '1', 500, 0, 'n', 0),
                ('c3', 'p', 'k', 'e', 'f', '1', 700, 0, 'n', 0);",
    )
    .expect("v17 rows");
    migrate_to(&mut conn, 18).expect("v18");

    let daily: Vec<(String, String, i64, f64)> = conn
        .prepare(
            "SELECT symptom_id, local_date, count, total FROM diary_daily
             WHERE local_date <> 'all' ORDER BY 1, 2",
        )
        .expect("daily")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert_eq!(
        daily,
        [
            ("s1".into(), "2026-01-02".into(), 2, 9.0),
            ("s1".into(), "2026-01-03".into(), 1, 7.0),
            ("s2".into(), "2026-01-02".into(), 1, 3.0),
        ]
    );
    let uses = crate::diary::store::symptom_uses(&conn).expect("uses");
    assert_eq!((uses["s1"], uses["s2"]), (3, 1));
    let found: (i64, i64) = conn
        .query_row(
            "SELECT rowid, entry_rowid FROM diary_notes WHERE diary_notes MATCH 'damp'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("search");
    assert_eq!(found, (16384, 4));
    let marks: (i64, i64, i64) = conn
        .query_row(
            "SELECT clock_wall, clock_counter, outbox_from FROM log_marks",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("marks");
    assert_eq!(marks, (900, 3, 2), "the newest stamp, the first unsent row");
}

/// The fixture was written when SQLCipher encrypted through OpenSSL; today
/// it goes through the RustCrypto provider (sqlcipher-crypto) with the same
/// SQLCipher 4 page format, so every phone's existing store still opens.
#[test]
fn v1_fixture_written_through_openssl_opens_through_the_rust_provider() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    std::fs::copy(fixture_path(), &path).expect("copy fixture");
    let key = RawKey::new(&FIXTURE_KEY).expect("key");
    let conn = open_writer(&path, &key).expect("open v1 store");
    let pragma = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .expect(name)
    };
    assert_eq!(pragma("cipher_provider"), "rustcrypto");
    assert_eq!(pragma("cipher_hmac_algorithm"), "HMAC_SHA512");
    assert_eq!(pragma("cipher_kdf_algorithm"), "PBKDF2_HMAC_SHA512");
    assert_eq!(pragma("cipher_page_size"), "4096");
    let title: String = conn
        .query_row(
            "SELECT json_extract(doc, '$.title') FROM care_plans WHERE id = ?1",
            [PLAN_ID],
            |r| r.get(0),
        )
        .expect("the plan decrypts");
    assert_eq!(title, "Breathe easier");
}
