//! `pph tour`: an end-to-end walk through everything built so far, on a
//! temporary encrypted store, printing what a person would see. Time runs on
//! a manual clock so a fortnight passes in a moment.

use crate::render;
use pph_core::clock::ManualClock;
use pph_core::*;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// Monday 2 March 2026, 08:00 UTC.
const START_MS: u64 = 1_772_438_400_000;
const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;

fn heading(text: &str) {
    println!("\n== {text} ==");
}

fn fail(e: PphError) -> String {
    format!("tour stopped: {e}")
}

pub fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {}", e.kind()))?;
    let path = dir.path().join("tour.db");
    let key = rand::random::<[u8; 32]>().to_vec();
    let clock = Arc::new(ManualClock::new(START_MS));
    let config = CompanionConfig {
        db_path: path.to_string_lossy().into_owned(),
        encryption_key: key.clone(),
        device_name: "Ann's phone".into(),
    };

    heading("An encrypted store on this phone");
    let companion = Companion::open_with_clock(config.clone(), clock.clone()).map_err(fail)?;
    println!(
        "Opened {} (schema v{}) with a 32-byte key from the keystore.",
        path.display(),
        companion.schema_version().map_err(fail)?
    );
    let plans = companion.care_plans();

    heading("Ann writes her care plan in her own words");
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Being able to take my grandson to the park on Saturdays".into(),
            next_review: Some("2026-03-16".into()),
        })
        .map_err(fail)?;
    let nurse = plans
        .add_contact(
            plan.id.clone(),
            NewContact {
                name: "Priya (practice nurse)".into(),
                role: ContactRole::Nurse,
                reach: "surgery, Tuesday mornings".into(),
            },
        )
        .map_err(fail)?;
    for (name, role, reach) in [
        ("Dr Okafor", ContactRole::Gp, "surgery reception"),
        (
            "Jim from the breathing group",
            ContactRole::Peer,
            "Thursday group",
        ),
        ("Sam (daughter)", ContactRole::Family, "texts"),
    ] {
        plans
            .add_contact(
                plan.id.clone(),
                NewContact {
                    name: name.into(),
                    role,
                    reach: reach.into(),
                },
            )
            .map_err(fail)?;
    }
    let walk_goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk to the shop and back without stopping".into(),
                expressed_by: "me".into(),
                target: Some("3 times a week".into()),
                status: None,
            },
        )
        .map_err(fail)?;
    let sleep_goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Sleep through the night more often".into(),
                expressed_by: "Priya (practice nurse)".into(),
                target: None,
                status: Some(GoalStatus::Proposed),
            },
        )
        .map_err(fail)?;
    let schedule = |repeat: Repeat, start: &str, window: Option<(u16, u16)>| Schedule {
        repeat,
        start: start.into(),
        end: None,
        window: window.map(|(s, e)| TimeWindow {
            start_minute: s,
            end_minute: e,
        }),
    };
    let walk = plans
        .add_activity(
            walk_goal.id.clone(),
            NewActivity {
                description: "Walk to the shop".into(),
                responsible: Responsible::Me,
                schedule: schedule(Repeat::TimesPerWeek { times: 3 }, "2026-03-02", None),
            },
        )
        .map_err(fail)?;
    let breathing = plans
        .add_activity(
            walk_goal.id.clone(),
            NewActivity {
                description: "Breathing exercises".into(),
                responsible: Responsible::Me,
                schedule: schedule(Repeat::Daily, "2026-03-02", Some((9 * 60, 10 * 60))),
            },
        )
        .map_err(fail)?;
    let group = plans
        .add_activity(
            walk_goal.id.clone(),
            NewActivity {
                description: "Go to the breathing group".into(),
                responsible: Responsible::Me,
                schedule: schedule(
                    Repeat::OnWeekdays {
                        days: vec![Weekday::Thu],
                    },
                    "2026-03-02",
                    Some((14 * 60, 15 * 60 + 30)),
                ),
            },
        )
        .map_err(fail)?;
    plans
        .add_activity(
            sleep_goal.id.clone(),
            NewActivity {
                description: "Check inhaler technique".into(),
                responsible: Responsible::Contact {
                    contact_id: nurse.id.clone(),
                },
                schedule: schedule(Repeat::Once, "2026-03-10", None),
            },
        )
        .map_err(fail)?;
    print!(
        "{}",
        render::plan(&plans.plan(plan.id.clone()).map_err(fail)?)
    );

    heading("Two weeks of ticking things off (UK time, UTC+0)");
    let mut ticked = 0;
    for day in 0..14u64 {
        let at = |hour: u64| {
            UNIX_EPOCH + Duration::from_millis(START_MS + day * DAY_MS + hour * HOUR_MS)
        };
        let record = |activity: &Activity, outcome: Outcome, hour: u64| {
            plans.record_completion(
                activity.id.clone(),
                NewCompletion {
                    occurred_at: at(hour),
                    utc_offset_minutes: 0,
                    outcome,
                    note: None,
                    value: None,
                },
            )
        };
        clock.set(START_MS + day * DAY_MS + 12 * HOUR_MS);
        // A bad patch in the second week: breathing done most days, some only partly.
        let breathing_outcome = match day {
            8 | 9 => Some(Outcome::Partly),
            10 => None,
            _ => Some(Outcome::Done),
        };
        if let Some(outcome) = breathing_outcome {
            record(&breathing, outcome, 1).map_err(fail)?;
            ticked += 1;
        }
        if [0, 2, 4, 8].contains(&day) {
            record(&walk, Outcome::Done, 3).map_err(fail)?;
            ticked += 1;
        }
        if day % 7 == 3 {
            record(&group, Outcome::Done, 6).map_err(fail)?;
            ticked += 1;
        }
    }
    println!("{ticked} completions recorded, each one transaction with its change-log rows.");
    let whole = plans.plan(plan.id.clone()).map_err(fail)?;
    for (from, to) in [("2026-03-02", "2026-03-08"), ("2026-03-09", "2026-03-15")] {
        let a = plans
            .adherence(plan.id.clone(), from.into(), to.into())
            .map_err(fail)?;
        print!("{}", render::adherence(&a, &whole));
    }

    heading("The review with Priya");
    let before_review = UNIX_EPOCH + Duration::from_millis(START_MS + 14 * DAY_MS);
    clock.set(START_MS + 14 * DAY_MS + HOUR_MS);
    plans
        .record_review(
            plan.id.clone(),
            NewReview {
                date: "2026-03-16".into(),
                participants: vec!["Ann".into(), "Priya (practice nurse)".into()],
                notes: "Walking well; breathing exercises slipped in week two".into(),
                outcome: "Walk 4 times a week; keep the group".into(),
                next_review: Some("2026-06-15".into()),
            },
        )
        .map_err(fail)?;
    plans
        .change_schedule(
            walk.id.clone(),
            schedule(Repeat::TimesPerWeek { times: 4 }, "2026-03-02", None),
            "2026-03-16".into(),
        )
        .map_err(fail)?;
    plans
        .update_goal(
            sleep_goal.id.clone(),
            GoalUpdate {
                status: Some(GoalStatus::Active),
                ..Default::default()
            },
        )
        .map_err(fail)?;
    print!(
        "{}",
        render::plan(&plans.plan(plan.id.clone()).map_err(fail)?)
    );

    heading("History: what changed, when, on which device (last 6 of all)");
    let history = plans.history(plan.id.clone()).map_err(fail)?;
    println!("{} field changes in all.", history.len());
    print!(
        "{}",
        render::history(&history[history.len().saturating_sub(6)..])
    );

    heading("The plan as it stood before the review");
    let then = plans
        .plan_as_of(plan.id.clone(), before_review)
        .map_err(fail)?;
    println!(
        "Next review then: {}; walking then: {}; sleep goal then: {:?}",
        then.info.next_review.as_deref().unwrap_or("not set"),
        render::schedule(&then.activities[0].schedule),
        then.goals[1].status
    );

    crate::tour_diary::run(&companion)?;
    crate::tour_budget::run(&companion, &plan.id, &walk_goal.id, &group.id)?;
    crate::tour_sync::run(&companion, dir.path(), &key, &clock, &group.id)?;

    heading("Mistakes are refused, and nothing is written");
    let err = plans
        .add_activity(
            walk_goal.id.clone(),
            NewActivity {
                description: "Swim".into(),
                responsible: Responsible::Me,
                schedule: schedule(Repeat::TimesPerWeek { times: 0 }, "2026-03-16", None),
            },
        )
        .expect_err("0 times a week is refused");
    println!("0 times a week -> {err}");
    let err = plans
        .create_plan(NewPlan {
            title: "  ".into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect_err("an empty title is refused");
    println!("empty title    -> {err}");

    heading("Only the right key opens the store");
    drop(plans);
    drop(companion);
    let wrong = CompanionConfig {
        encryption_key: vec![0; 32],
        ..config.clone()
    };
    match Companion::open(wrong) {
        Err(e) => println!("another key    -> {e}"),
        Ok(_) => return Err("the store opened with the wrong key".into()),
    }
    let again = Companion::open(config).map_err(fail)?;
    println!(
        "the right key  -> {} plan(s), integrity check: {}",
        again.care_plans().list_plans().map_err(fail)?.len(),
        again
            .store()
            .integrity_check()
            .map_err(|e| fail(e.into()))?
    );
    println!("\nTour complete. The temporary store is deleted on exit.");
    Ok(())
}
