//! Care-plan benchmarks on a real encrypted store (SQLCipher, WAL,
//! synchronous=FULL). Figures are recorded in docs/PERFORMANCE.md.
//!
//!   cargo bench -p pph-core --bench care_plans

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::clock::{Clock, ManualClock};
use pph_core::*;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

const KEY: [u8; 32] = [0x33; 32];
/// Monday 5 January 2026, 08:00 UTC.
const START_MS: u64 = 1_767_600_000_000;
const DAY_MS: u64 = 86_400_000;

fn open(path: &std::path::Path, clock: Arc<ManualClock>) -> Arc<Companion> {
    Companion::open_with_clock(pph_testing::config(path, &KEY), clock).expect("open")
}

fn new_plan(plans: &CarePlans) -> PlanInfo {
    plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Playing with my grandchildren".into(),
            next_review: Some("2026-06-01".into()),
        })
        .expect("plan")
}

fn new_goal(plans: &CarePlans, plan_id: &str, i: usize) -> Goal {
    plans
        .add_goal(
            plan_id.into(),
            NewGoal {
                description: format!("Goal {i} in my own words"),
                expressed_by: "me".into(),
                target: Some("3 times a week".into()),
                status: None,
            },
        )
        .expect("goal")
}

fn daily_activity(plans: &CarePlans, goal_id: &str, i: usize) -> Activity {
    plans
        .add_activity(
            goal_id.into(),
            NewActivity {
                description: format!("Activity {i}"),
                responsible: Responsible::Me,
                schedule: Schedule {
                    repeat: Repeat::Daily,
                    start: "2026-01-05".into(),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("activity")
}

/// A plan with 5 goals and 20 daily activities (4 per goal).
fn full_plan(plans: &CarePlans) -> (PlanInfo, Vec<Activity>) {
    let plan = new_plan(plans);
    let mut activities = Vec::new();
    for g in 0..5 {
        let goal = new_goal(plans, &plan.id, g);
        for a in 0..4 {
            activities.push(daily_activity(plans, &goal.id, g * 4 + a));
        }
    }
    (plan, activities)
}

fn completion(at_ms: u64) -> NewCompletion {
    NewCompletion {
        occurred_at: UNIX_EPOCH + Duration::from_millis(at_ms),
        utc_offset_minutes: 0,
        outcome: Outcome::Done,
        note: None,
        value: None,
    }
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(START_MS));

    // A year of 20 daily activities, done on 6 days out of 7: 6,240 completions.
    let year_path = dir.path().join("year.db");
    let year = open(&year_path, clock.clone());
    let plans = year.care_plans();
    let (plan, activities) = full_plan(&plans);
    for day in 0..364u64 {
        clock.set(START_MS + day * DAY_MS);
        if day % 7 == 6 {
            continue;
        }
        for a in &activities {
            plans
                .record_completion(a.id.clone(), completion(START_MS + day * DAY_MS))
                .expect("completion");
        }
    }

    c.bench_function("open an existing encrypted store", |b| {
        b.iter(|| black_box(Companion::open(pph_testing::config(&year_path, &KEY)).expect("open")))
    });

    c.bench_function("create a plan with 5 goals and 20 activities", |b| {
        b.iter(|| black_box(full_plan(&plans)))
    });

    let mut at = START_MS + 365 * DAY_MS;
    c.bench_function("record a completion", |b| {
        b.iter(|| {
            at += 60_000;
            plans
                .record_completion(activities[0].id.clone(), completion(at))
                .expect("completion")
        })
    });

    c.bench_function("adherence over one year, 20 daily activities", |b| {
        b.iter(|| {
            plans
                .adherence(plan.id.clone(), "2026-01-05".into(), "2027-01-03".into())
                .expect("adherence")
        })
    });

    // A plan with 1,000 past changes: title edits, goal and activity edits.
    let edits_path = dir.path().join("edits.db");
    let edits = open(&edits_path, clock.clone());
    let plans = edits.care_plans();
    let (plan, activities) = full_plan(&plans);
    let goal_ids: Vec<String> = plans
        .plan(plan.id.clone())
        .expect("plan")
        .goals
        .into_iter()
        .map(|g| g.id)
        .collect();
    let mut middle = UNIX_EPOCH;
    for i in 0..1_000usize {
        clock.advance(60_000);
        let edited = match i % 3 {
            0 => plans
                .update_plan(
                    plan.id.clone(),
                    PlanUpdate {
                        title: Some(format!("Breathe easier ({i})")),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            1 => plans
                .update_goal(
                    goal_ids[i % goal_ids.len()].clone(),
                    GoalUpdate {
                        target: Some(format!("{} times a week", i % 7 + 1)),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            _ => plans
                .update_activity(
                    activities[i % activities.len()].id.clone(),
                    ActivityUpdate {
                        description: Some(format!("Activity, take {i}")),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
        };
        edited.expect("edit");
        if i == 500 {
            middle = UNIX_EPOCH + Duration::from_millis(clock.now_ms());
        }
    }
    assert!(plans.history(plan.id.clone()).expect("history").len() >= 1_000);
    c.bench_function("plan_as_of with 1,000 past changes", |b| {
        b.iter(|| plans.plan_as_of(plan.id.clone(), middle).expect("as of"))
    });
}

criterion_group! {
    name = care_plans;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(care_plans);
