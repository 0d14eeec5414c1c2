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
}
