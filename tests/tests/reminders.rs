//! Reminder rules and settings across devices and past a share, on a real
//! `pph-server` process: they follow the person to their tablet, a
//! clinician with every scope never receives them, and the clinician's own
//! valid token cannot write one into the person's space.

use pph_core::*;
use pph_protocol::{kinds, Change, Hlc};
use pph_testing::*;
use serde_json::json;
use std::time::SystemTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_the_person_and_no_one_else_reads_or_writes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let phone = patient(&server, dir.path(), "ann").await;
    let plans = phone.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "The park".into(),
            next_review: None,
        })
        .expect("plan");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk more".into(),
                expressed_by: "me".into(),
                target: None,
                status: None,
            },
        )
        .expect("goal");
    let walk = plans
        .add_activity(
            goal.id,
            NewActivity {
                description: "Walk".into(),
                responsible: Responsible::Me,
                schedule: Schedule {
                    repeat: Repeat::Daily,
                    start: "2026-01-01".into(),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("activity");
    let today = phone.today();
    today
        .set_reminder_settings(london_quiet_nights())
        .expect("settings");
    let rule = today
        .add_reminder(NewReminder {
            subject: ReminderSubject::Activity {
                activity_id: walk.id.clone(),
            },
            timing: ReminderTiming::ClockTime { minute: 9 * 60 },
            quiet_hours: None,
        })
        .expect("rule");
    phone.sync().sync_now().await.expect("phone sync");

    // The tablet gets the rule and the settings, and plans the same reminders.
    let tablet = signed_in(&server.url, dir.path(), "ann-tablet", "ann@example.org").await;
    tablet.sync().sync_now().await.expect("tablet sync");
    assert_eq!(tablet.today().reminders().expect("rules"), vec![rule]);
    assert_eq!(
        tablet.today().reminder_settings().expect("settings"),
        london_quiet_nights()
    );
    let from = SystemTime::now();
    let keys = |c: &Companion| -> Vec<(String, SystemTime)> {
        c.today()
            .upcoming_reminders(from, 10)
            .expect("upcoming")
            .into_iter()
            .map(|r| (r.key, r.at))
            .collect()
    };
    assert_eq!(keys(&tablet), keys(&phone));

    // A clinician granted every scope sees the plan, never the reminders.
    let _laptop = signed_up(
        &server.url,
        dir.path(),
        "dr.cole",
        "Dr Cole",
        AccountRole::Clinician,
    )
    .await;
    phone
        .sharing()
        .grant_share(
            "dr.cole@example.org".into(),
            vec![
                ShareScope::CarePlan,
                ShareScope::Diary,
                ShareScope::Questionnaires,
                ShareScope::Budget,
            ],
            in_ms(3_600_000),
        )
        .await
        .expect("grant");
    let space = phone.store().personal_space();
    let token = token_for(&server.url, "dr.cole@example.org").await;
    let client = reqwest::Client::new();
    let page = pull_page(&client, &server.url, &token, &space, 0, 1000).await;
    let served: Vec<&str> = page
        .changes
        .iter()
        .map(|c| c.change.entity_type.as_str())
        .collect();
    assert!(
        served.contains(&kinds::CARE_PLAN),
        "the share works: {served:?}"
    );
    assert!(
        !served
            .iter()
            .any(|k| *k == kinds::REMINDER_RULE || *k == kinds::REMINDER_SETTINGS),
        "reminders went to the clinician: {served:?}"
    );

    // With their own valid token, the clinician cannot write a rule in.
    let forged = Change {
        change_id: id(),
        space: space.clone(),
        entity_type: kinds::REMINDER_RULE.into(),
        entity_id: id(),
        field: "enabled".into(),
        value: json!(false),
        hlc: Hlc {
            wall_ms: now_ms(),
            counter: 0,
            node: "feedfacefeedface".into(),
        },
    };
    let resp = push_raw(&client, &server.url, &token, &[forged]).await;
    assert_eq!(resp.status().as_u16(), 403);
    phone.sync().sync_now().await.expect("phone sync");
    assert_eq!(phone.today().reminders().expect("rules").len(), 1);
    assert!(phone.today().reminders().expect("rules")[0].enabled);
}
