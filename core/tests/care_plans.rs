//! Care plans end to end through the public API on a real encrypted store.

use pph_core::*;
use pph_testing::*;
use std::time::{Duration, UNIX_EPOCH};

const DAY_MS: u64 = 86_400_000;

fn new_plan(plans: &CarePlans) -> PlanInfo {
    plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Playing with my grandchildren in the park".into(),
            next_review: Some("2026-06-01".into()),
        })
        .expect("create plan")
}

fn goal(plans: &CarePlans, plan_id: &str, text: &str) -> Goal {
    plans
        .add_goal(
            plan_id.into(),
            NewGoal {
                description: text.into(),
                expressed_by: "me".into(),
                target: Some("3 times a week".into()),
                status: None,
            },
        )
        .expect("add goal")
}

fn daily(start: &str) -> Schedule {
    Schedule {
        repeat: Repeat::Daily,
        start: start.into(),
        end: None,
        window: Some(TimeWindow {
            start_minute: 9 * 60,
            end_minute: 10 * 60,
        }),
    }
}

fn activity(plans: &CarePlans, goal_id: &str, schedule: Schedule) -> Activity {
    plans
        .add_activity(
            goal_id.into(),
            NewActivity {
                description: "Breathing exercises".into(),
                responsible: Responsible::Me,
                schedule,
            },
        )
        .expect("add activity")
}

fn complete(
    plans: &CarePlans,
    activity_id: &str,
    at_ms: u64,
    offset: i32,
    outcome: Outcome,
) -> Completion {
    plans
        .record_completion(
            activity_id.into(),
            NewCompletion {
                occurred_at: UNIX_EPOCH + Duration::from_millis(at_ms),
                utc_offset_minutes: offset,
                outcome,
                note: None,
                value: None,
            },
        )
        .expect("record completion")
}

fn change_count(t: &TestStore) -> u64 {
    t.companion.store().pending_changes().expect("count")
}

#[test]
fn a_whole_plan_round_trips() {
    let t = new_store();
    let plans = t.companion.care_plans();
    let info = new_plan(&plans);
    let gp = plans
        .add_contact(
            info.id.clone(),
            NewContact {
                name: "Dr Okafor".into(),
                role: ContactRole::Gp,
                reach: "surgery reception 0161 000 0000".into(),
            },
        )
        .expect("contact");
    let g = goal(&plans, &info.id, "Walk to the shop without stopping");
    let a = plans
        .add_activity(
            g.id.clone(),
            NewActivity {
                description: "Check inhaler technique".into(),
                responsible: Responsible::Contact {
                    contact_id: gp.id.clone(),
                },
                schedule: Schedule {
                    repeat: Repeat::Once,
                    start: "2026-03-10".into(),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("activity");
    let review = plans
        .record_review(
            info.id.clone(),
            NewReview {
                date: "2026-03-05".into(),
                participants: vec!["me".into(), "Dr Okafor".into()],
                notes: "Going well".into(),
                outcome: "Keep going".into(),
                next_review: Some("2026-09-05".into()),
            },
        )
        .expect("review");

    let plan = plans.plan(info.id.clone()).expect("plan");
    assert_eq!(plan.info.title, "Breathe easier");
    assert_eq!(
        plan.info.next_review.as_deref(),
        Some("2026-09-05"),
        "review sets next review"
    );
    assert_eq!(plan.contacts, vec![gp.clone()]);
    assert_eq!(plan.goals, vec![g]);
    assert_eq!(plan.activities, vec![a]);
    assert_eq!(plan.reviews, vec![review]);
    assert_eq!(plans.list_plans().expect("list"), vec![plan.info.clone()]);

    plans.remove_contact(gp.id).expect("remove");
    assert!(plans.plan(info.id).expect("plan").contacts.is_empty());
}

#[test]
fn plan_as_of_returns_the_plan_as_it_stood() {
    let t = new_store();
    let plans = t.companion.care_plans();
    let info = new_plan(&plans);
    let g = goal(&plans, &info.id, "Walk to the shop");
    let before_edits = plans.plan(info.id.clone()).expect("plan");
    let t1 = UNIX_EPOCH + Duration::from_millis(T0_MS);

    t.clock.advance(60_000);
    plans
        .update_plan(
            info.id.clone(),
            PlanUpdate {
                title: Some("Breathe easier, sleep better".into()),
                ..Default::default()
            },
        )
        .expect("update");
    plans
        .update_goal(
            g.id.clone(),
            GoalUpdate {
                status: Some(GoalStatus::Achieved),
                ..Default::default()
            },
        )
        .expect("achieve");
    goal(&plans, &info.id, "Sleep through the night");
    let t2 = UNIX_EPOCH + Duration::from_millis(T0_MS + 60_000);
    let now = plans.plan(info.id.clone()).expect("plan");

    assert_eq!(
        plans.plan_as_of(info.id.clone(), t1).expect("t1"),
        before_edits
    );
    assert_eq!(plans.plan_as_of(info.id.clone(), t2).expect("t2"), now);
    let before_creation = UNIX_EPOCH + Duration::from_millis(T0_MS - 1);
    assert!(matches!(
        plans.plan_as_of(info.id, before_creation),
        Err(PphError::NotFound { .. })
    ));
}

#[test]
fn history_lists_every_change_with_time_and_device() {
    let t = new_store();
    let plans = t.companion.care_plans();
    let info = new_plan(&plans);
    t.clock.advance(5_000);
    plans
        .update_plan(
            info.id.clone(),
            PlanUpdate {
                status: Some(PlanStatus::Paused),
                ..Default::default()
            },
        )
        .expect("pause");
    let history = plans.history(info.id.clone()).expect("history");
    // The whole record at creation, then one field.
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].field, "*");
    assert!(history[0]
        .value_json
        .contains("\"title\":\"Breathe easier\""));
    let last = history.last().expect("last");
    assert_eq!(last.field, "status");
    assert_eq!(last.value_json, "\"paused\"");
    assert_eq!(last.device, "test phone");
    assert_eq!(last.at, UNIX_EPOCH + Duration::from_millis(T0_MS + 5_000));
    assert_eq!(history[0].at, UNIX_EPOCH + Duration::from_millis(T0_MS));

    // An update that changes nothing records nothing.
    plans
        .update_plan(
            info.id.clone(),
            PlanUpdate {
                status: Some(PlanStatus::Paused),
                ..Default::default()
            },
        )
        .expect("same again");
    assert_eq!(plans.history(info.id).expect("history").len(), 2);
}

#[test]
fn adherence_follows_the_local_calendar_and_schedule_changes() {
    let t = new_store();
    let plans = t.companion.care_plans();
    let info = new_plan(&plans);
    let g = goal(&plans, &info.id, "Breathe easier");
    // Daily from Monday 2 March 2026.
    let a = activity(&plans, &g.id, daily("2026-03-02"));

    // 23:30 UTC on 2 March is 00:30 on 3 March at UTC+1: it counts for the 3rd.
    let late = T0_MS + 14 * 3_600_000 + 30 * 60_000;
    let c = complete(&plans, &a.id, late, 60, Outcome::Done);
    assert_eq!(c.local_date, "2026-03-03");
    complete(&plans, &a.id, T0_MS + 3 * DAY_MS, 0, Outcome::Partly); // 5 March
    complete(&plans, &a.id, T0_MS + 4 * DAY_MS, 0, Outcome::Skipped); // 6 March

    let week = plans
        .adherence(info.id.clone(), "2026-03-02".into(), "2026-03-08".into())
        .expect("adherence");
    assert_eq!(week.overall.scheduled, 7);
    assert_eq!(
        (
            week.overall.done,
            week.overall.partly,
            week.overall.skipped,
            week.overall.missed
        ),
        (1, 1, 1, 4)
    );
    assert_eq!(week.overall.ratio, Some(1.5 / 7.0));
    assert_eq!(week.activities[0].activity_id, a.id);

    // From 9 March: Mondays and Thursdays only.
    plans
        .change_schedule(
            a.id.clone(),
            Schedule {
                repeat: Repeat::OnWeekdays {
                    days: vec![Weekday::Mon, Weekday::Thu],
                },
                start: "2026-03-02".into(),
                end: None,
                window: None,
            },
            "2026-03-09".into(),
        )
        .expect("change schedule");
    let fortnight = plans
        .adherence(info.id.clone(), "2026-03-02".into(), "2026-03-15".into())
        .expect("adherence");
    assert_eq!(
        fortnight.overall.scheduled,
        7 + 2,
        "old days keep the daily schedule"
    );
    let completions = plans
        .completions(a.id, "2026-03-03".into(), "2026-03-05".into())
        .expect("completions");
    assert_eq!(completions.len(), 2);
}

#[test]
fn bad_input_is_refused_by_name_and_writes_nothing() {
    let t = new_store();
    let plans = t.companion.care_plans();
    let info = new_plan(&plans);
    let g = goal(&plans, &info.id, "Walk");
    let a = activity(&plans, &g.id, daily("2026-03-02"));
    let before = change_count(&t);
    let field_of = |r: Result<_, PphError>| match r {
        Err(PphError::Validation { field, .. }) => field,
        Err(PphError::NotFound { entity, .. }) => format!("not found: {entity}"),
        other => panic!("expected a refusal, got {other:?}"),
    };

    let blank = NewPlan {
        title: "   ".into(),
        what_matters: String::new(),
        next_review: None,
    };
    assert_eq!(field_of(plans.create_plan(blank).map(|_| ())), "title");
    let long = NewPlan {
        title: "x".repeat(201),
        what_matters: String::new(),
        next_review: None,
    };
    assert_eq!(field_of(plans.create_plan(long).map(|_| ())), "title");
    let bad_date = NewPlan {
        title: "ok".into(),
        what_matters: String::new(),
        next_review: Some("next tuesday".into()),
    };
    assert_eq!(
        field_of(plans.create_plan(bad_date).map(|_| ())),
        "next_review"
    );

    let with = |repeat: Repeat, start: &str, end: Option<&str>| NewActivity {
        description: "x".into(),
        responsible: Responsible::Me,
        schedule: Schedule {
            repeat,
            start: start.into(),
            end: end.map(Into::into),
            window: None,
        },
    };
    let cases = [
        (
            with(Repeat::TimesPerWeek { times: 0 }, "2026-03-02", None),
            "schedule.times",
        ),
        (
            with(Repeat::TimesPerWeek { times: 8 }, "2026-03-02", None),
            "schedule.times",
        ),
        (
            with(Repeat::OnWeekdays { days: vec![] }, "2026-03-02", None),
            "schedule.days",
        ),
        (
            with(Repeat::EveryNDays { days: 0 }, "2026-03-02", None),
            "schedule.every_n_days",
        ),
        (
            with(Repeat::Daily, "2026-03-02", Some("2026-03-01")),
            "schedule.end",
        ),
        (with(Repeat::Daily, "2026-13-02", None), "schedule.start"),
    ];
    for (new, field) in cases {
        assert_eq!(
            field_of(plans.add_activity(g.id.clone(), new).map(|_| ())),
            field
        );
    }
    let mut windowed = with(Repeat::Daily, "2026-03-02", None);
    windowed.schedule.window = Some(TimeWindow {
        start_minute: 600,
        end_minute: 540,
    });
    assert_eq!(
        field_of(plans.add_activity(g.id.clone(), windowed).map(|_| ())),
        "schedule.window"
    );
    let stranger = NewActivity {
        responsible: Responsible::Contact {
            contact_id: "not-an-id".into(),
        },
        ..with(Repeat::Daily, "2026-03-02", None)
    };
    assert_eq!(
        field_of(plans.add_activity(g.id.clone(), stranger).map(|_| ())),
        "responsible.contact_id"
    );

    let unknown = "01900000-0000-7000-8000-00000000dead".to_string();
    assert_eq!(
        field_of(plans.plan(unknown.clone()).map(|_| ())),
        "not found: care_plan"
    );
    assert_eq!(
        field_of(
            plans
                .add_goal(
                    unknown.clone(),
                    NewGoal {
                        description: "x".into(),
                        expressed_by: "me".into(),
                        target: None,
                        status: None,
                    }
                )
                .map(|_| ())
        ),
        "not found: care_plan"
    );
    assert_eq!(
        field_of(
            plans
                .add_activity(unknown, with(Repeat::Daily, "2026-03-02", None))
                .map(|_| ())
        ),
        "not found: plan_goal"
    );
    assert_eq!(field_of(plans.plan("plan-1".into()).map(|_| ())), "plan_id");

    let bad_offset = NewCompletion {
        occurred_at: UNIX_EPOCH + Duration::from_millis(T0_MS),
        utc_offset_minutes: 15 * 60,
        outcome: Outcome::Done,
        note: None,
        value: None,
    };
    assert_eq!(
        field_of(
            plans
                .record_completion(a.id.clone(), bad_offset)
                .map(|_| ())
        ),
        "utc_offset_minutes"
    );
    let nan = NewCompletion {
        occurred_at: UNIX_EPOCH + Duration::from_millis(T0_MS),
        utc_offset_minutes: 0,
        outcome: Outcome::Done,
        note: None,
        value: Some(f64::NAN),
    };
    assert_eq!(
        field_of(plans.record_completion(a.id.clone(), nan).map(|_| ())),
        "value"
    );
    assert_eq!(
        field_of(
            plans
                .change_schedule(a.id.clone(), daily("2026-03-02"), "2026-04-01".into())
                .and_then(|_| plans.change_schedule(
                    a.id.clone(),
                    daily("2026-03-02"),
                    "2026-03-20".into()
                ))
                .map(|_| ())
        ),
        "effective_from"
    );
    let before_review = change_count(&t);
    assert_eq!(
        field_of(
            plans
                .record_review(
                    info.id.clone(),
                    NewReview {
                        date: "2026-03-05".into(),
                        participants: vec![],
                        notes: String::new(),
                        outcome: String::new(),
                        next_review: Some("2026-03-01".into()),
                    }
                )
                .map(|_| ())
        ),
        "next_review"
    );
    assert_eq!(
        field_of(
            plans
                .adherence(info.id.clone(), "2026-03-08".into(), "2026-03-01".into())
                .map(|_| ())
        ),
        "to"
    );

    // The only write that went through above is the one valid schedule change.
    assert_eq!(change_count(&t), before_review);
    assert!(before_review > before);
    assert_eq!(plans.plan(info.id).expect("plan").goals.len(), 1);
}

#[test]
fn errors_carry_no_personal_text() {
    let t = new_store();
    let plans = t.companion.care_plans();
    let secret = "my secret diagnosis ".repeat(20);
    let err = plans
        .create_plan(NewPlan {
            title: secret.clone(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect_err("too long");
    assert!(!err.to_string().contains("secret"), "{err}");
    assert!(!format!("{err:?}").contains("secret"), "{err:?}");
}
