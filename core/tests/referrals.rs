//! Social-prescribing referrals through the public API on a real encrypted
//! store: the lifecycle and its refusals, adherence only once accepted, the
//! plan's history, FHIR checked by an independent validator, and the
//! message back to the GP.

use pph_core::*;
use pph_testing::*;
use std::time::{Duration, UNIX_EPOCH};

const GP: &str = "Dr Cole";

struct Setup {
    t: TestStore,
    plan: PlanInfo,
    walk: Activity,
}

fn setup() -> Setup {
    let t = new_store();
    let plans = t.companion.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Feel less alone".into(),
            what_matters: "Getting out of the house".into(),
            next_review: None,
        })
        .expect("plan");
    let gp = plans
        .add_contact(
            plan.id.clone(),
            NewContact {
                name: GP.into(),
                role: ContactRole::Gp,
                reach: "via reception".into(),
            },
        )
        .expect("gp");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk with other people".into(),
                expressed_by: "me".into(),
                target: None,
                status: None,
            },
        )
        .expect("goal");
    let walk = plans
        .add_referral(
            goal.id,
            NewReferral {
                service: "Hilltop Walkers".into(),
                kind: ServiceKind::WalkingGroup,
                referred_by: Responsible::Contact { contact_id: gp.id },
                requested_on: "2026-11-02".into(),
                description: "Walk with the group on Thursdays".into(),
                schedule: Schedule {
                    repeat: Repeat::OnWeekdays {
                        days: vec![Weekday::Thu],
                    },
                    start: "2026-11-05".into(),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("referral");
    Setup { t, plan, walk }
}

/// Noon UTC on a local date.
fn noon(date: &str) -> std::time::SystemTime {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    let ms = day
        .and_hms_opt(12, 0, 0)
        .expect("noon")
        .and_utc()
        .timestamp_millis();
    UNIX_EPOCH + Duration::from_millis(ms as u64)
}

fn walked(s: &Setup, date: &str) {
    s.t.companion
        .care_plans()
        .record_completion(
            s.walk.id.clone(),
            NewCompletion {
                occurred_at: noon(date),
                utc_offset_minutes: 0,
                outcome: Outcome::Done,
                note: None,
                value: None,
            },
        )
        .expect("walked");
}

#[test]
fn a_referral_counts_only_once_accepted_and_impossible_moves_write_nothing() {
    let s = setup();
    let plans = s.t.companion.care_plans();
    let figures = |from: &str, to: &str| {
        plans
            .adherence(s.plan.id.clone(), from.into(), to.into())
            .expect("adherence")
            .overall
    };
    // Requested: the Thursdays in November are not due, nothing is missed.
    assert_eq!(figures("2026-11-01", "2026-11-30").scheduled, 0);
    let accepted = plans
        .update_referral(
            s.walk.id.clone(),
            ReferralStatus::Accepted,
            "2026-11-10".into(),
            None,
        )
        .expect("accept");
    assert_eq!(
        accepted
            .referral
            .as_ref()
            .and_then(|r| r.accepted_on.as_deref()),
        Some("2026-11-10")
    );
    walked(&s, "2026-11-12");
    walked(&s, "2026-11-19");
    // From the 10th: the 12th, 19th and 26th are due; two were walked.
    let f = figures("2026-11-01", "2026-11-30");
    assert_eq!((f.scheduled, f.done, f.missed), (3, 2, 1));

    plans
        .update_referral(
            s.walk.id.clone(),
            ReferralStatus::Completed,
            "2026-11-27".into(),
            Some("I walk with them on my own now".into()),
        )
        .expect("complete");
    assert_eq!(
        figures("2026-11-01", "2026-12-31").scheduled,
        3,
        "ends when done"
    );

    // Completed -> requested (and every other move) is refused, with the
    // field named, and writes nothing.
    let before = plans.history(s.plan.id.clone()).expect("history").len();
    let pending = s.t.companion.store().pending_changes().expect("pending");
    for to in [
        ReferralStatus::Requested,
        ReferralStatus::Accepted,
        ReferralStatus::InProgress,
        ReferralStatus::Cancelled,
    ] {
        let err = plans
            .update_referral(s.walk.id.clone(), to, "2026-12-01".into(), None)
            .expect_err("impossible");
        assert!(
            matches!(&err, PphError::Validation { field, .. } if field == "status"),
            "{err:?}"
        );
    }
    assert_eq!(
        plans.history(s.plan.id.clone()).expect("history").len(),
        before
    );
    assert_eq!(
        s.t.companion.store().pending_changes().expect("pending"),
        pending
    );
    let not_a_referral = plans.update_referral(
        s.plan.id.clone(),
        ReferralStatus::Accepted,
        "2026-12-01".into(),
        None,
    );
    assert!(matches!(not_a_referral, Err(PphError::NotFound { .. })));

    // Every step is in the plan's history.
    let steps: Vec<String> = plans
        .history(s.plan.id.clone())
        .expect("history")
        .into_iter()
        .filter(|c| c.entity_id == s.walk.id && c.field == "referral")
        .map(|c| c.value_json)
        .collect();
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(steps[0].contains("\"accepted\"") && steps[1].contains("\"completed\""));
    assert!(plans
        .open_referrals(s.plan.id.clone())
        .expect("open")
        .is_empty());
}

#[test]
fn a_declined_referral_is_exported_as_a_decline_and_the_gp_is_told() {
    let s = setup();
    let plans = s.t.companion.care_plans();
    assert_eq!(
        plans.open_referrals(s.plan.id.clone()).expect("open").len(),
        1
    );
    let fhir = |patient| -> serde_json::Value {
        serde_json::from_str(
            &plans
                .referral_fhir(s.walk.id.clone(), patient)
                .expect("fhir"),
        )
        .expect("json")
    };
    let requested = fhir(FhirPatient {
        nhs_number: Some("9434765919".into()),
        ..FhirPatient::default()
    });
    validate_fhir(&requested);
    let request = &requested["entry"][1]["resource"];
    assert_eq!(request["resourceType"], "ServiceRequest");
    assert_eq!(request["code"]["coding"][0]["code"], "871731000000106");
    assert_eq!(request["requester"]["display"], "Dr Cole (gp)");
    assert_eq!(requested["entry"][2]["resource"]["status"], "requested");

    plans
        .update_referral(
            s.walk.id.clone(),
            ReferralStatus::Rejected,
            "2026-11-04".into(),
            Some("Not while my knee heals".into()),
        )
        .expect("decline");
    let declined = fhir(FhirPatient::default());
    validate_fhir(&declined);
    assert_eq!(
        declined["entry"][1]["resource"]["code"]["coding"][0]["code"],
        "871711000000103"
    );
    assert_eq!(declined["entry"][2]["resource"]["status"], "rejected");
    let message = plans
        .referral_message(s.walk.id.clone(), "2026-11-30".into())
        .expect("message");
    for part in [
        "Hilltop Walkers (walking group)",
        "referred by Dr Cole (gp) on 2026-11-02",
        "Taken up: no, I declined it on 2026-11-04.",
        "In my words: Not while my knee heals",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    assert!(plans
        .open_referrals(s.plan.id.clone())
        .expect("open")
        .is_empty());
    let bad = plans.add_referral(
        s.walk.goal_id.clone(),
        NewReferral {
            service: " ".into(),
            kind: ServiceKind::Befriending,
            referred_by: Responsible::Me,
            requested_on: "2026-11-02".into(),
            description: "Tea on Fridays".into(),
            schedule: s.walk.schedule.clone(),
        },
    );
    assert!(matches!(bad, Err(PphError::Validation { field, .. }) if field == "service"));
}

#[test]
fn the_gp_hears_how_many_sessions_were_done() {
    let s = setup();
    let plans = s.t.companion.care_plans();
    plans
        .update_referral(
            s.walk.id.clone(),
            ReferralStatus::Accepted,
            "2026-11-05".into(),
            None,
        )
        .expect("accept");
    walked(&s, "2026-11-05");
    walked(&s, "2026-11-19");
    let message = plans
        .referral_message(s.walk.id.clone(), "2026-11-20".into())
        .expect("message");
    assert!(
        message.contains("Taken up: yes, from 2026-11-05."),
        "{message}"
    );
    assert!(message.contains("Outcome: still going."), "{message}");
    assert!(message.contains("Sessions: 2 of 3 done."), "{message}");
}
