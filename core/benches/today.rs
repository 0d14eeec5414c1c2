//! Today and reminders on a real encrypted store: a plan with 30
//! activities and a year of history (completions on most days, a diary
//! entry a day), with a reminder rule for every activity, the diary, a
//! questionnaire before the review and meetups. Targets (issue "Today and
//! reminders"): `today()` and `upcoming_reminders(limit 64)` at most 5 ms
//! each. Figures are recorded in docs/PERFORMANCE.md.
//!
//!   cargo bench -p pph-core --bench today

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::clock::ManualClock;
use pph_core::*;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

const KEY: [u8; 32] = [0x44; 32];
/// Monday 5 January 2026, 08:00 UTC.
const START_MS: u64 = 1_767_600_000_000;
const DAY_MS: u64 = 86_400_000;
const DAYS: u64 = 365;

fn at(ms: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn repeat(i: usize) -> Repeat {
    match i % 3 {
        0 => Repeat::Daily,
        1 => Repeat::OnWeekdays {
            days: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri],
        },
        _ => Repeat::TimesPerWeek { times: 3 },
    }
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(START_MS));
    let companion = Companion::open_with_clock(
        pph_testing::config(&dir.path().join("today.db"), &KEY),
        clock.clone(),
    )
    .expect("open");
    let plans = companion.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Living well".into(),
            what_matters: "Getting out into the garden".into(),
            next_review: Some("2027-01-20".into()),
        })
        .expect("plan");
    let today = companion.today();
    today
        .set_reminder_settings(pph_testing::london_quiet_nights())
        .expect("settings");
    let mut activities = Vec::new();
    for g in 0..6 {
        let goal = plans
            .add_goal(
                plan.id.clone(),
                NewGoal {
                    description: format!("Goal {g}"),
                    expressed_by: "me".into(),
                    target: None,
                    status: None,
                },
            )
            .expect("goal");
        for a in 0..5 {
            let i = g * 5 + a;
            let activity = plans
                .add_activity(
                    goal.id.clone(),
                    NewActivity {
                        description: format!("Activity {i}"),
                        responsible: Responsible::Me,
                        schedule: Schedule {
                            repeat: repeat(i),
                            start: "2026-01-05".into(),
                            end: None,
                            window: Some(TimeWindow {
                                start_minute: (7 + (i % 12) as u16) * 60,
                                end_minute: (8 + (i % 12) as u16) * 60,
                            }),
                        },
                    },
                )
                .expect("activity");
            today
                .add_reminder(NewReminder {
                    subject: ReminderSubject::Activity {
                        activity_id: activity.id.clone(),
                    },
                    timing: ReminderTiming::ClockTime {
                        minute: (7 + (i % 12) as u16) * 60,
                    },
                    quiet_hours: None,
                })
                .expect("rule");
            activities.push(activity);
        }
    }
    for (subject, timing) in [
        (
            ReminderSubject::DiaryPrompt,
            ReminderTiming::ClockTime { minute: 20 * 60 },
        ),
        (
            ReminderSubject::QuestionnaireBeforeReview {
                code: "phq9".into(),
                days_before: 7,
            },
            ReminderTiming::ClockTime { minute: 18 * 60 },
        ),
        (
            ReminderSubject::Meetups,
            ReminderTiming::BeforeStart { minutes: 120 },
        ),
    ] {
        today
            .add_reminder(NewReminder {
                subject,
                timing,
                quiet_hours: None,
            })
            .expect("rule");
    }
    // A year: each activity done on 6 days of 7, a diary entry every day.
    let mut entries = Vec::new();
    for day in 0..DAYS {
        for (i, a) in activities.iter().enumerate() {
            if !(day + i as u64).is_multiple_of(7) {
                plans
                    .record_completion(
                        a.id.clone(),
                        NewCompletion {
                            occurred_at: at(START_MS + day * DAY_MS),
                            utc_offset_minutes: 0,
                            outcome: Outcome::Done,
                            note: None,
                            value: None,
                        },
                    )
                    .expect("completion");
            }
        }
        entries.push(NewEntry {
            recorded_at: at(START_MS + day * DAY_MS + 3_600_000),
            utc_offset_minutes: 0,
            ratings: vec![],
            note: Some("a steady day".into()),
            tags: vec![],
            medications: vec![],
        });
    }
    companion.diary().import_entries(entries).expect("diary");
    // The morning after the year, before anything is ticked off.
    let now = START_MS + DAYS * DAY_MS;
    clock.set(now);
    let date = "2027-01-05".to_string();

    let view = today.today(date.clone()).expect("today");
    // A Tuesday: the daily and three-a-week ones, not Monday-Wednesday-Friday's.
    assert_eq!(view.activities.len(), 20);
    let next = today.upcoming_reminders(at(now), 64).expect("upcoming");
    assert_eq!(next.len(), 64);

    c.bench_function("today() for 30 activities and a year of history", |b| {
        b.iter(|| black_box(today.today(date.clone()).expect("today")))
    });
    c.bench_function("upcoming_reminders(limit 64), 33 rules", |b| {
        b.iter(|| black_box(today.upcoming_reminders(at(now), 64).expect("upcoming")))
    });
}

criterion_group! {
    name = today;
    config = Criterion::default().sample_size(50);
    targets = benches
}
criterion_main!(today);
