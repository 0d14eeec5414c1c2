//! Sync end to end: real encrypted stores on "phones", a real `pph-server`
//! process on loopback with its SQLite file.

use pph_core::*;
use pph_testing::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";
const DAY: Duration = Duration::from_secs(86_400);

fn goal(description: &str) -> NewGoal {
    NewGoal {
        description: description.into(),
        expressed_by: "me".into(),
        target: None,
        status: None,
    }
}

fn plan(companion: &Companion, title: &str) -> PlanInfo {
    companion
        .care_plans()
        .create_plan(NewPlan {
            title: title.into(),
            what_matters: "Getting to my allotment".into(),
            next_review: None,
        })
        .expect("plan")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_one_patient_edit_offline_and_converge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let phone = patient(&server, dir.path(), "ann").await;
    // Made before signing in on the tablet: it must come across too.
    let info = plan(&phone, "Breathe easier");
    let walk = phone
        .care_plans()
        .add_goal(info.id.clone(), goal("Walk to the shop"))
        .expect("goal");
    let first = phone.sync().sync_now().await.expect("first sync");
    assert_eq!(first.pushed, 2);
    assert_eq!(phone.sync().status().expect("status").pending_changes, 0);

    let tablet = device(dir.path(), "tablet");
    let before_sign_in = plan(&tablet, "Made on the tablet before signing in");
    tablet
        .account()
        .sign_in(
            server.url.clone(),
            "ANN@example.org".into(),
            PASSWORD.into(),
        )
        .await
        .expect("sign in");
    let pulled = tablet.sync().sync_now().await.expect("tablet sync");
    assert_eq!(pulled.pulled, 2);
    assert_eq!(
        tablet
            .care_plans()
            .plan(info.id.clone())
            .expect("plan")
            .goals
            .len(),
        1
    );

    // Both offline: the same goal edited on both, other fields on one each.
    phone
        .care_plans()
        .update_goal(
            walk.id.clone(),
            GoalUpdate {
                description: Some("Walk to the shop and back".into()),
                target: None,
                status: Some(GoalStatus::Active),
            },
        )
        .expect("phone edit");
    tablet
        .care_plans()
        .update_goal(
            walk.id.clone(),
            GoalUpdate {
                description: Some("Walk to the post office".into()),
                target: Some("3 times a week".into()),
                status: None,
            },
        )
        .expect("tablet edit");
    tablet
        .care_plans()
        .add_goal(info.id.clone(), goal("Sleep through"))
        .expect("tablet goal");

    let description_stamp = |device: &Companion| {
        device
            .store()
            .outbox(100)
            .expect("outbox")
            .into_iter()
            .find(|c| c.entity_id == walk.id && c.field == "description")
            .expect("description change")
            .hlc
    };
    let tablet_wins = description_stamp(&tablet) > description_stamp(&phone);
    phone.sync().sync_now().await.expect("phone");
    let tablet_report = tablet.sync().sync_now().await.expect("tablet");
    assert!(tablet_report.conflicts_resolved >= 1, "{tablet_report:?}");
    phone.sync().sync_now().await.expect("phone again");

    for id in [&info.id, &before_sign_in.id] {
        let a = phone.care_plans().plan(id.clone()).expect("phone plan");
        let b = tablet.care_plans().plan(id.clone()).expect("tablet plan");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    let converged = phone.care_plans().plan(info.id.clone()).expect("plan");
    let walk_now = converged
        .goals
        .iter()
        .find(|g| g.id == walk.id)
        .expect("walk goal");
    // The greater (hlc, node) wins the field both edited; fields only one
    // side touched keep that side's value.
    let expected = if tablet_wins {
        "Walk to the post office"
    } else {
        "Walk to the shop and back"
    };
    assert_eq!(walk_now.description, expected);
    assert_eq!(walk_now.target.as_deref(), Some("3 times a week"));
    assert_eq!(walk_now.status, GoalStatus::Active);
    assert_eq!(converged.goals.len(), 2);
    assert_eq!(
        tablet.care_plans().list_plans().expect("list").len(),
        phone.care_plans().list_plans().expect("list").len()
    );
}

async fn patient_with_records(server: &ServerProcess, dir: &std::path::Path) -> Arc<Companion> {
    let phone = signed_up(&server.url, dir, "bea", "bea Person", AccountRole::Patient).await;
    let info = plan(&phone, "Stay well at home");
    let g = phone
        .care_plans()
        .add_goal(info.id.clone(), goal("Garden twice a week"))
        .expect("goal");
    phone
        .care_plans()
        .add_referral(
            g.id,
            NewReferral {
                service: "Greenfingers community garden".into(),
                kind: ServiceKind::Other,
                referred_by: Responsible::Me,
                requested_on: "2026-11-02".into(),
                description: "Garden with others on Tuesdays".into(),
                schedule: Schedule {
                    repeat: Repeat::OnWeekdays {
                        days: vec![Weekday::Tue],
                    },
                    start: "2026-11-03".into(),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("self-referral");
    let now = SystemTime::now();
    for day in 1..=10u32 {
        phone
            .diary()
            .log_entry(NewEntry {
                recorded_at: now - DAY * day,
                utc_offset_minutes: 0,
                ratings: vec![Rating {
                    symptom_id: BREATHLESSNESS.into(),
                    value: f64::from(day % 7),
                }],
                note: Some("private note".into()),
                tags: vec![],
                medications: vec![],
            })
            .expect("entry");
    }
    let answers = (1..=9)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: if i == 9 { 1 } else { 2 },
        })
        .collect();
    phone
        .diary()
        .submit_questionnaire("phq9".into(), answers, now - DAY, 0)
        .expect("phq9");
    phone
        .budgets()
        .create_budget(NewBudget {
            name: "PHB".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-04-01".into(),
            period_end: "2027-03-31".into(),
            allocation_pence: 100_000,
            currency: "GBP".into(),
            plan_id: None,
            underspend_warning_percent: None,
        })
        .expect("budget");
    phone.sync().sync_now().await.expect("sync");
    phone
}

async fn clinician(server: &ServerProcess, dir: &std::path::Path) -> Arc<Companion> {
    signed_up(
        &server.url,
        dir,
        "dr.cole",
        "Dr Cole",
        AccountRole::Clinician,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinician_sees_exactly_the_granted_scopes_until_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let phone = patient_with_records(&server, dir.path()).await;
    let laptop = clinician(&server, dir.path()).await;
    let share = phone
        .sharing()
        .grant_share(
            "dr.cole@example.org".into(),
            vec![ShareScope::CarePlan, ShareScope::Questionnaires],
            in_ms(3_600_000),
        )
        .await
        .expect("grant");
    assert_eq!(
        phone.sharing().shares().await.expect("shares"),
        vec![share.clone()]
    );

    laptop.sync().sync_now().await.expect("clinician sync");
    let patients = laptop.sharing().shared_with_me().expect("shared");
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0].patient_name, "bea Person");
    let space = patients[0].patient_space.clone();
    assert_eq!(space, phone.store().personal_space());
    let summary = laptop
        .sharing()
        .consultation_summary(space.clone())
        .expect("summary");
    let plan = summary.care_plan.expect("care plan granted");
    assert_eq!(plan.info.title, "Stay well at home");
    assert_eq!(plan.goals.len(), 1);
    assert_eq!(
        summary
            .open_referrals
            .iter()
            .map(|r| (r.referral.service.as_str(), r.referral.status))
            .collect::<Vec<_>>(),
        [("Greenfingers community garden", ReferralStatus::Requested)]
    );
    assert!(summary.adherence.is_some());
    assert_eq!(summary.questionnaires.len(), 1);
    assert_eq!(summary.questionnaires[0].code, "phq9");
    assert!(
        !summary.questionnaires[0].flags.is_empty(),
        "item 9 flag travels"
    );
    // Not granted: the server never sent them, and the summary has none.
    assert!(summary.symptom_trends.is_empty());
    assert!(summary.budgets.is_empty());

    let copy = dir
        .path()
        .join("dr.cole.db.shared")
        .join(format!("{space}.db"));
    assert!(copy.exists(), "the clinician's copy of Bea's records");

    // The patient sees who read what, and when.
    let log = phone
        .sharing()
        .share_access_log()
        .await
        .expect("access log");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].clinician_email, "dr.cole@example.org");
    assert_eq!(
        log[0].scopes,
        [ShareScope::CarePlan, ShareScope::Questionnaires]
    );
    assert!(log[0].records > 0 && log[0].requests >= 1, "{log:?}");
    assert!(log[0].first_at <= log[0].last_at && log[0].last_at <= SystemTime::now());
    assert!(
        laptop
            .sharing()
            .share_access_log()
            .await
            .expect("own log")
            .is_empty(),
        "the clinician's own log holds no one else's"
    );

    phone
        .sharing()
        .revoke_share(share.share_id.clone())
        .await
        .expect("revoke");
    laptop
        .sync()
        .sync_now()
        .await
        .expect("clinician sync after revoke");
    assert!(laptop
        .sharing()
        .shared_with_me()
        .expect("shared")
        .is_empty());
    assert_eq!(
        laptop.sharing().consultation_summary(space.clone()).err(),
        Some(PphError::Unauthorized)
    );
    assert!(!copy.exists(), "the clinician's copy is deleted");
    assert!(phone.sharing().shares().await.expect("shares")[0].revoked);
    // The clinician's subject access gives the revoked share and what
    // they read through it.
    let out = Relay::sqlite(dir.path()).admin(
        dir.path(),
        &["subject-access", "--email", "dr.cole@example.org"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let received = report["shares_received"].as_array().expect("received");
    assert_eq!(received.len(), 1, "{report}");
    assert!(received[0]["revoked_ms"].is_i64(), "{report}");
    let read = report["shared_records_read"].as_array().expect("read");
    assert_eq!(read.len(), 1, "{report}");
    assert_eq!(read[0]["of_space"], space.as_str());
    assert!(read[0]["records"].as_i64().expect("records") > 0);

    // Erasing the laptop deletes its store and every patient's copy.
    phone
        .sharing()
        .grant_share(
            "dr.cole@example.org".into(),
            vec![ShareScope::CarePlan],
            in_ms(3_600_000),
        )
        .await
        .expect("grant again");
    laptop.sync().sync_now().await.expect("clinician sync");
    assert!(copy.exists());
    let erased = laptop.erase_local().expect("erase the laptop");
    assert!(
        erased.deleted_files.contains(&copy.display().to_string()),
        "{erased:?}"
    );
    assert!(!copy.exists() && !dir.path().join("dr.cole.db.shared").exists());
    assert!(!dir.path().join("dr.cole.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_patient_can_read_nothing_of_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let bea = patient_with_records(&server, dir.path()).await;
    let cal = patient(&server, dir.path(), "cal").await;
    cal.sync().sync_now().await.expect("sync");
    assert!(cal.care_plans().list_plans().expect("plans").is_empty());
    assert!(cal.sharing().shared_with_me().expect("shared").is_empty());
    let token = token_for(&server.url, "cal@example.org").await;
    let client = reqwest::Client::new();
    let space = bea.store().personal_space();
    let read = client
        .get(format!("{}/v1/spaces/{space}/changes", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(read.status(), 403);
    let body: serde_json::Value = read.json().await.expect("json");
    assert_eq!(body["code"], "forbidden");
    // Nor write into it.
    let mut change = bea.store().outbox(1).expect("outbox");
    assert!(change.is_empty(), "bea's changes were all pushed");
    change.push(pph_protocol::Change {
        change_id: id(),
        space: space.clone(),
        entity_type: "care_plan".into(),
        entity_id: id(),
        field: "title".into(),
        value: serde_json::json!("hijacked"),
        hlc: pph_protocol::Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "intruder".into(),
        },
    });
    let write = client
        .post(format!("{}/v1/changes", server.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "changes": change }))
        .send()
        .await
        .expect("request");
    assert_eq!(write.status(), 403);
    // A clinician without a share is refused the same way.
    let laptop = clinician(&server, dir.path()).await;
    laptop.sync().sync_now().await.expect("sync");
    // Only patients grant: the server forbids it, and the session survives.
    let refused = laptop
        .sharing()
        .grant_share(
            "cal@example.org".into(),
            vec![ShareScope::Diary],
            in_ms(60_000),
        )
        .await
        .expect_err("clinicians do not grant");
    assert!(matches!(refused, PphError::Forbidden { .. }), "{refused:?}");
    laptop.sync().sync_now().await.expect("still signed in");
    assert!(laptop
        .sharing()
        .shared_with_me()
        .expect("shared")
        .is_empty());
    assert_eq!(
        laptop.sharing().consultation_summary(space).err(),
        Some(PphError::Unauthorized)
    );
}

/// Records every status it is given.
struct Recorder(Mutex<Vec<SyncStatus>>);

impl SyncListener for Recorder {
    fn on_status(&self, status: SyncStatus) {
        self.0.lock().expect("lock").push(status);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_sync_backs_off_and_a_refused_token_stops_with_unauthorized() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = ServerProcess::start(dir.path());
    let phone = patient(&server, dir.path(), "dee").await;
    let recorder = Arc::new(Recorder(Mutex::new(Vec::new())));
    let handle = phone.sync().set_listener(recorder.clone());
    plan(&phone, "Offline plan");
    server.kill();
    let err = phone.sync().sync_now().await.expect_err("server is down");
    assert!(matches!(err, PphError::Network { .. }), "{err:?}");
    let status = phone.sync().status().expect("status");
    assert_eq!(status.state, SyncState::Offline);
    assert_eq!(status.consecutive_failures, 1);
    assert_eq!(status.pending_changes, 1);
    assert!(status.next_retry.is_some());
    let states: Vec<SyncState> = recorder
        .0
        .lock()
        .expect("lock")
        .iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, vec![SyncState::Syncing, SyncState::Offline]);

    server.restart();
    phone.sync().sync_now().await.expect("back online");
    let status = phone.sync().status().expect("status");
    assert_eq!(
        (
            status.state,
            status.pending_changes,
            status.consecutive_failures
        ),
        (SyncState::Idle, 0, 0)
    );

    // The server forgets every token (its database is lost): the next sync
    // stops with Unauthorized, and the token is gone until signing in.
    server.restart_empty();
    plan(&phone, "Written while the token is refused");
    let err = phone.sync().sync_now().await.expect_err("token refused");
    assert_eq!(err, PphError::Unauthorized);
    let status = phone.sync().status().expect("status");
    assert_eq!(status.state, SyncState::Unauthorized);
    assert_eq!(status.pending_changes, 1, "nothing is lost");
    assert_eq!(
        phone.sync().sync_now().await.expect_err("still refused"),
        PphError::Unauthorized
    );
    drop(handle);
    let before = recorder.0.lock().expect("lock").len();
    plan(&phone, "After the listener is gone");
    let _ = phone.sync().sync_now().await;
    assert_eq!(
        recorder.0.lock().expect("lock").len(),
        before,
        "handle dropped: no calls"
    );
}

/// Kills the server (SIGKILL, from another thread) as soon as the first
/// batch of a push is acknowledged, while the next is on its way.
struct KillAfterFirstBatch {
    server: Arc<Mutex<ServerProcess>>,
    pending_at_start: u64,
    fired: Mutex<bool>,
}

impl SyncListener for KillAfterFirstBatch {
    fn on_status(&self, status: SyncStatus) {
        let mut fired = self.fired.lock().expect("lock");
        if !*fired && status.pending_changes < self.pending_at_start {
            *fired = true;
            let server = self.server.clone();
            std::thread::spawn(move || server.lock().expect("lock").kill());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_nothing_and_stores_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let phone = patient(&server, dir.path(), "eve").await;
    let now = SystemTime::now();
    let entries: Vec<NewEntry> = (0..2_000u32)
        .map(|i| NewEntry {
            recorded_at: now - Duration::from_secs(60 * u64::from(i) + 60),
            utc_offset_minutes: 60,
            ratings: vec![Rating {
                symptom_id: BREATHLESSNESS.into(),
                value: f64::from(i % 11),
            }],
            note: None,
            tags: vec![],
            medications: vec![],
        })
        .collect();
    phone.diary().import_entries(entries).expect("import");
    let pending = phone.sync().status().expect("status").pending_changes;
    assert!(pending >= 2_000);

    let server = Arc::new(Mutex::new(server));
    let killer = Arc::new(KillAfterFirstBatch {
        server: server.clone(),
        pending_at_start: pending,
        fired: Mutex::new(false),
    });
    let handle = phone.sync().set_listener(killer.clone());
    let err = phone.sync().sync_now().await.expect_err("server killed");
    assert!(matches!(err, PphError::Network { .. }), "{err:?}");
    drop(handle);
    let left = phone.sync().status().expect("status").pending_changes;
    assert!(
        left > 0 && left < pending,
        "some batches acknowledged: {left}"
    );

    server.lock().expect("lock").restart();
    let report = phone.sync().sync_now().await.expect("after restart");
    assert!(u64::from(report.pushed) >= left);
    assert_eq!(phone.sync().status().expect("status").pending_changes, 0);

    let url = server.lock().expect("lock").url.clone();
    let token = token_for(&url, "eve@example.org").await;
    let stored = server_changes(&url, &token, &phone.store().personal_space()).await;
    let seqs: Vec<i64> = stored.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=stored.len() as i64).collect::<Vec<_>>(),
        "no gaps"
    );
    let mut ids: Vec<&String> = stored.iter().map(|(_, id)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), stored.len(), "nothing stored twice");
    assert_eq!(stored.len() as u64, pending, "nothing lost");

    // Another device of the same patient receives all of it.
    let tablet = signed_in(&url, dir.path(), "eve-tablet", "eve@example.org").await;
    let pulled = tablet.sync().sync_now().await.expect("tablet");
    assert_eq!(u64::from(pulled.pulled), pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_and_the_session_survive_an_app_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = ServerProcess::start(dir.path());
    let phone = patient(&server, dir.path(), "fin").await;
    server.kill();
    let info = plan(&phone, "Written offline, then the app was closed");
    assert!(phone.sync().sync_now().await.is_err());
    drop(phone);

    server.restart();
    let reopened = device(dir.path(), "fin");
    let status = reopened.sync().status().expect("status");
    assert_eq!(status.pending_changes, 1);
    assert_eq!(status.consecutive_failures, 1, "the backoff survived too");
    let report = reopened
        .sync()
        .sync_now()
        .await
        .expect("sync after restart");
    assert_eq!(report.pushed, 1);
    let tablet = device(dir.path(), "fin-tablet");
    tablet
        .account()
        .sign_in(
            server.url.clone(),
            "fin@example.org".into(),
            PASSWORD.into(),
        )
        .await
        .expect("sign in");
    tablet.sync().sync_now().await.expect("tablet");
    assert_eq!(
        tablet
            .care_plans()
            .plan(info.id)
            .expect("arrived")
            .info
            .title,
        "Written offline, then the app was closed"
    );
}
