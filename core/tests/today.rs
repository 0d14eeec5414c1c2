//! Today and reminders through the public API on a real encrypted store:
//! the screen a morning opens on, reminders that go when the item is done
//! or its schedule changes, settings that persist, and bad input refused.

use pph_core::*;
use pph_testing::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// T0_MS is Monday 2 March 2026, 09:00 UTC (09:00 GMT in London).
fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

const HOUR_MS: u64 = 3_600_000;

struct Morning {
    t: TestStore,
    plan: PlanInfo,
    walk: Activity,
    stretch: Activity,
}

fn morning() -> Morning {
    let t = new_store();
    let plans = t.companion.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Walking to the shop".into(),
            next_review: Some("2026-03-10".into()),
        })
        .expect("plan");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk further".into(),
                expressed_by: "me".into(),
                target: None,
                status: None,
            },
        )
        .expect("goal");
    let add = |description: &str, repeat: Repeat, window: Option<TimeWindow>| {
        plans
            .add_activity(
                goal.id.clone(),
                NewActivity {
                    description: description.into(),
                    responsible: Responsible::Me,
                    schedule: Schedule {
                        repeat,
                        start: "2026-03-01".into(),
                        end: None,
                        window,
                    },
                },
            )
            .expect("activity")
    };
    let walk = add(
        "Walk 20 minutes",
        Repeat::Daily,
        Some(TimeWindow {
            start_minute: 10 * 60,
            end_minute: 11 * 60,
        }),
    );
    let stretch = add("Stretches", Repeat::TimesPerWeek { times: 3 }, None);
    // Tuesdays only: not due on a Monday.
    add(
        "Pulmonary rehab class",
        Repeat::OnWeekdays {
            days: vec![Weekday::Tue],
        },
        None,
    );
    t.companion
        .today()
        .set_reminder_settings(london_quiet_nights())
        .expect("settings");
    Morning {
        t,
        plan,
        walk,
        stretch,
    }
}

fn walk_reminder(m: &Morning, minute: u16) -> ReminderRule {
    m.t.companion
        .today()
        .add_reminder(NewReminder {
            subject: ReminderSubject::Activity {
                activity_id: m.walk.id.clone(),
            },
            timing: ReminderTiming::ClockTime { minute },
            quiet_hours: None,
        })
        .expect("reminder")
}

fn complete(m: &Morning, activity: &Activity, ms: u64, outcome: Outcome) {
    m.t.companion
        .care_plans()
        .record_completion(
            activity.id.clone(),
            NewCompletion {
                occurred_at: at(ms),
                utc_offset_minutes: 0,
                outcome,
                note: None,
                value: None,
            },
        )
        .expect("completion");
}

#[test]
fn a_mornings_today_screen_shows_what_is_due_and_coming_up() {
    let m = morning();
    let today = m.t.companion.today();
    today
        .add_reminder(NewReminder {
            subject: ReminderSubject::QuestionnaireBeforeReview {
                code: "phq9".into(),
                days_before: 14,
            },
            timing: ReminderTiming::ClockTime { minute: 18 * 60 },
            quiet_hours: None,
        })
        .expect("questionnaire rule");
    let view = today.today("2026-03-02".into()).expect("today");
    let due: Vec<&str> = view
        .activities
        .iter()
        .map(|a| a.description.as_str())
        .collect();
    assert_eq!(
        due,
        ["Walk 20 minutes", "Stretches"],
        "windowed first; no class on Monday"
    );
    assert_eq!(view.activities[1].activity_id, m.stretch.id);
    assert!(view.activities.iter().all(|a| a.outcome.is_none()));
    assert_eq!(
        view.activities[1].times_per_week,
        Some(WeekProgress {
            times: 3,
            done_this_week: 0
        })
    );
    assert!(view.diary_prompt);
    assert_eq!(
        view.questionnaires,
        [DueQuestionnaire {
            code: "phq9".into(),
            plan_id: m.plan.id.clone(),
            review_date: "2026-03-10".into(),
        }]
    );
    assert_eq!(view.coming_up.len(), 1);
    assert_eq!(view.coming_up[0].days_away, 8);

    // Ticked off and logged: the screen says so.
    complete(&m, &m.walk, T0_MS, Outcome::Partly);
    m.t.companion
        .diary()
        .log_entry(NewEntry {
            recorded_at: at(T0_MS),
            utc_offset_minutes: 0,
            ratings: vec![],
            note: Some("a good start".into()),
            tags: vec![],
            medications: vec![],
        })
        .expect("entry");
    let view = today.today("2026-03-02".into()).expect("today");
    assert_eq!(view.activities[0].outcome, Some(Outcome::Partly));
    assert!(!view.diary_prompt);
}

#[test]
fn doing_the_item_cancels_its_reminder_and_a_new_schedule_shows_at_once() {
    let m = morning();
    let today = m.t.companion.today();
    let rule = walk_reminder(&m, 10 * 60);
    let next = today.upcoming_reminders(at(T0_MS), 3).expect("upcoming");
    assert_eq!(
        next.iter()
            .map(|r| r.local_label.as_str())
            .collect::<Vec<_>>(),
        [
            "Mon 2 Mar 2026 10:00 GMT",
            "Tue 3 Mar 2026 10:00 GMT",
            "Wed 4 Mar 2026 10:00 GMT"
        ]
    );
    assert_eq!(
        next[0].title, "Time for your plan",
        "nothing personal on a lock screen"
    );
    assert_eq!(next[0].rule_id, rule.id);

    complete(&m, &m.walk, T0_MS, Outcome::Done);
    let next = today.upcoming_reminders(at(T0_MS), 1).expect("upcoming");
    assert_eq!(next[0].for_date, "2026-03-03", "today's walk is done");

    // Walks move to Saturdays from Wednesday on.
    m.t.companion
        .care_plans()
        .change_schedule(
            m.walk.id.clone(),
            Schedule {
                repeat: Repeat::OnWeekdays {
                    days: vec![Weekday::Sat],
                },
                start: "2026-03-01".into(),
                end: None,
                window: None,
            },
            "2026-03-04".into(),
        )
        .expect("new schedule");
    let dates: Vec<String> = today
        .upcoming_reminders(at(T0_MS), 3)
        .expect("upcoming")
        .into_iter()
        .map(|r| r.for_date)
        .collect();
    assert_eq!(dates, ["2026-03-03", "2026-03-07", "2026-03-14"]);
}

#[test]
fn snooze_quiet_hours_detail_and_travel_persist_in_the_store() {
    let m = morning();
    let today = m.t.companion.today();
    walk_reminder(&m, 6 * 60);
    let first = today.upcoming_reminders(at(T0_MS), 1).expect("upcoming");
    assert_eq!(
        first[0].local_label, "Tue 3 Mar 2026 07:00 GMT",
        "06:00 is in quiet hours"
    );
    assert_eq!(first[0].shifted, Some(ReminderShift::QuietHours));

    today
        .snooze(first[0].key.clone(), at(T0_MS + 23 * HOUR_MS))
        .expect("snooze");
    let snoozed = today.upcoming_reminders(at(T0_MS), 1).expect("upcoming");
    assert_eq!(snoozed[0].local_label, "Tue 3 Mar 2026 08:00 GMT");
    assert_eq!(snoozed[0].shifted, Some(ReminderShift::Snoozed));

    let settings = today
        .set_reminder_settings(ReminderSettings {
            detailed_text: true,
            ..today.reminder_settings().expect("settings")
        })
        .expect("detail on");
    assert!(settings.detailed_text);
    assert_eq!(
        today.upcoming_reminders(at(T0_MS), 1).expect("upcoming")[0].title,
        "Walk 20 minutes"
    );

    // Flying to New York on Monday at 12:00 GMT (07:00 EST).
    m.t.clock.set(T0_MS + 3 * HOUR_MS);
    let settings = today
        .set_time_zone("America/New_York".into())
        .expect("travel");
    assert_eq!(settings.time_zone, "America/New_York");
    let next = today
        .upcoming_reminders(at(T0_MS + 3 * HOUR_MS), 2)
        .expect("upcoming");
    assert_eq!(
        next[0].local_label, "Tue 3 Mar 2026 03:00 EST",
        "the snooze holds"
    );
    assert_eq!(next[1].local_label, "Wed 4 Mar 2026 07:00 EST");

    // All of it is in the encrypted store, not in memory.
    let reopened =
        Companion::open_with_clock(config(&m.t.path, &KEY), m.t.clock.clone()).expect("reopen");
    assert_eq!(
        reopened.today().reminder_settings().expect("settings"),
        settings
    );
    assert_eq!(reopened.today().reminders().expect("rules").len(), 1);
}

#[test]
fn bad_reminders_and_settings_are_refused_by_name_and_write_nothing() {
    let m = morning();
    let today = m.t.companion.today();
    let pending = || m.t.companion.store().pending_changes().expect("count");
    let before = pending();
    let field = |r: Result<ReminderRule, PphError>| match r {
        Err(PphError::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    let walk = ReminderSubject::Activity {
        activity_id: m.walk.id.clone(),
    };
    let new = |subject: ReminderSubject, timing: ReminderTiming| NewReminder {
        subject,
        timing,
        quiet_hours: None,
    };
    assert_eq!(
        field(today.add_reminder(new(
            walk.clone(),
            ReminderTiming::ClockTime { minute: 1440 }
        ))),
        "timing.minute"
    );
    assert_eq!(
        field(today.add_reminder(new(
            walk.clone(),
            ReminderTiming::BeforeStart { minutes: 30 }
        ))),
        "timing"
    );
    assert_eq!(
        field(today.add_reminder(new(
            ReminderSubject::Meetups,
            ReminderTiming::ClockTime { minute: 60 }
        ))),
        "timing"
    );
    assert_eq!(
        field(today.add_reminder(new(
            walk.clone(),
            ReminderTiming::FixedInterval {
                anchor: at(T0_MS),
                every_minutes: 1
            }
        ))),
        "timing.every_minutes"
    );
    assert_eq!(
        field(today.add_reminder(new(
            ReminderSubject::Activity {
                activity_id: "walk\0".into()
            },
            ReminderTiming::ClockTime { minute: 60 }
        ))),
        "subject.activity_id"
    );
    assert!(matches!(
        today.add_reminder(new(
            ReminderSubject::Activity { activity_id: id() },
            ReminderTiming::ClockTime { minute: 60 }
        )),
        Err(PphError::NotFound { .. })
    ));
    let settings = today.reminder_settings().expect("settings");
    for bad in [
        ReminderSettings {
            time_zone: "Europe/Atlantis".into(),
            ..settings.clone()
        },
        ReminderSettings {
            quiet_hours: Some(QuietHours {
                start_minute: 60,
                end_minute: 60,
            }),
            ..settings.clone()
        },
    ] {
        assert!(matches!(
            today.set_reminder_settings(bad),
            Err(PphError::Validation { .. })
        ));
    }
    assert!(matches!(
        today.upcoming_reminders(at(T0_MS), 0),
        Err(PphError::Validation { .. })
    ));
    assert!(matches!(
        today.today("2 March".into()),
        Err(PphError::Validation { .. })
    ));
    assert!(matches!(
        today.snooze(format!("{}:x:2026-03-02", id()), at(T0_MS + HOUR_MS)),
        Err(PphError::NotFound { .. })
    ));
    assert_eq!(pending(), before, "nothing was written");
    assert_eq!(today.reminder_settings().expect("settings"), settings);
    assert!(today.reminders().expect("rules").is_empty());

    let rule = walk_reminder(&m, 600);
    for until in [at(T0_MS - 1), at(T0_MS + 8 * 24 * HOUR_MS)] {
        assert!(matches!(
            today.snooze(format!("{}:{}:2026-03-02", rule.id, m.walk.id), until),
            Err(PphError::Validation { .. })
        ));
    }
}
