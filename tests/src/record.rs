//! A whole record to export, report on or compare: every capability's
//! records on one store, dated from `T0_MS`.

use crate::{london_quiet_nights, T0_MS};
use pph_core::*;
use std::time::{Duration, UNIX_EPOCH};

fn at(day: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(T0_MS + day * 86_400_000)
}

/// A person's record with something of every capability: a plan with a
/// contact, a goal, an activity done five days, an accepted referral and a
/// review; ten diary entries with a custom symptom; a PHQ-9 with the item 9
/// flag; a budget with a line and a spend; reminder settings and a rule.
pub fn a_full_record(c: &Companion) {
    let plans = c.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe <easier> & walk".into(),
            what_matters: "The park with my grandson".into(),
            next_review: Some("2026-06-01".into()),
        })
        .expect("plan");
    let gp = plans
        .add_contact(
            plan.id.clone(),
            NewContact {
                name: "Dr Okafor".into(),
                role: ContactRole::Gp,
                reach: "reception".into(),
            },
        )
        .expect("contact");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk to the shop".into(),
                expressed_by: "me".into(),
                target: Some("3 times a week".into()),
                status: None,
            },
        )
        .expect("goal");
    let schedule = Schedule {
        repeat: Repeat::Daily,
        start: "2026-03-02".into(),
        end: None,
        window: None,
    };
    let walk = plans
        .add_activity(
            goal.id.clone(),
            NewActivity {
                description: "Walk".into(),
                responsible: Responsible::Me,
                schedule: schedule.clone(),
            },
        )
        .expect("activity");
    for day in 0..5 {
        plans
            .record_completion(
                walk.id.clone(),
                NewCompletion {
                    occurred_at: at(day),
                    utc_offset_minutes: 60,
                    outcome: Outcome::Done,
                    note: Some(format!("day {day}")),
                    value: Some(20.0),
                },
            )
            .expect("done");
    }
    let referral = plans
        .add_referral(
            goal.id,
            NewReferral {
                service: "Hilltop Walkers".into(),
                kind: ServiceKind::WalkingGroup,
                referred_by: Responsible::Contact { contact_id: gp.id },
                requested_on: "2026-03-02".into(),
                description: "Walk with the group".into(),
                schedule,
            },
        )
        .expect("referral");
    plans
        .update_referral(
            referral.id,
            ReferralStatus::Accepted,
            "2026-03-03".into(),
            None,
        )
        .expect("accept");
    plans
        .record_review(
            plan.id,
            NewReview {
                date: "2026-03-06".into(),
                participants: vec!["me".into(), "Priya".into()],
                notes: "Going well".into(),
                outcome: "Keep walking".into(),
                next_review: Some("2026-06-01".into()),
            },
        )
        .expect("review");

    let diary = c.diary();
    let cough = diary
        .define_symptom(NewSymptom {
            name: "Morning cough".into(),
            scale: SymptomScale::Severity,
        })
        .expect("symptom");
    for day in 0..10 {
        diary
            .log_entry(NewEntry {
                recorded_at: at(day),
                utc_offset_minutes: 0,
                ratings: vec![
                    Rating {
                        symptom_id: "00000000-0000-7000-8000-00000000a001".into(),
                        value: (day % 7) as f64,
                    },
                    Rating {
                        symptom_id: cough.id.clone(),
                        value: 2.0,
                    },
                ],
                note: Some(format!("note <{day}>")),
                tags: vec!["cold weather".into()],
                medications: vec![],
            })
            .expect("entry");
    }
    a_phq9_with_the_item_9_flag(c, at(3));

    a_budget_with_a_cab_ride(c, ("2026-03-01", "2027-02-28"), "2026-03-04");
    c.today()
        .set_reminder_settings(london_quiet_nights())
        .expect("settings");
    c.today()
        .add_reminder(NewReminder {
            subject: ReminderSubject::DiaryPrompt,
            timing: ReminderTiming::ClockTime { minute: 20 * 60 },
            quiet_hours: None,
        })
        .expect("rule");
}

/// A new plan titled `title` on `device`; its id.
pub fn a_plan(device: &Companion, title: &str) -> String {
    device
        .care_plans()
        .create_plan(NewPlan {
            title: title.into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan")
        .id
}

/// Today's local date (UTC), `days` back.
pub fn days_ago(days: u64) -> String {
    let at = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
    chrono::DateTime::<chrono::Utc>::from(at)
        .date_naive()
        .to_string()
}

/// A record as a clinician would meet it at a consultation, dated back
/// from today: a plan reviewed 28 days ago with a daily walk done on 20 of
/// the last 30 days; breathlessness logged on 12 of the last 14 days and
/// 37 of the last 90, with a three-day flare; a PHQ-9 three days ago with
/// the item 9 flag; a budget with a spend. Returns the plan's id.
pub fn a_record_for_a_consultation(c: &Companion) -> String {
    let now = std::time::SystemTime::now();
    let ago = |days: u64| now - Duration::from_secs(days * 86_400);
    let plans = c.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "Walking my granddaughter to school".into(),
            next_review: None,
        })
        .expect("plan");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk to the shop and back".into(),
                expressed_by: "me".into(),
                target: Some("most days".into()),
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
                    start: days_ago(60),
                    end: None,
                    window: None,
                },
            },
        )
        .expect("activity");
    for day in (1..=30).filter(|d| d % 3 != 0) {
        plans
            .record_completion(
                walk.id.clone(),
                NewCompletion {
                    occurred_at: ago(day),
                    utc_offset_minutes: 0,
                    outcome: Outcome::Done,
                    note: None,
                    value: None,
                },
            )
            .expect("walked");
    }
    plans
        .record_review(
            plan.id.clone(),
            NewReview {
                date: days_ago(28),
                participants: vec!["me".into(), "Nurse Patel".into()],
                notes: "Breathing better on the new inhaler".into(),
                outcome: "Keep walking; try the pulmonary rehab class".into(),
                next_review: Some(days_ago(0)),
            },
        )
        .expect("review");
    let diary = c.diary();
    // Each entry a little before its moment, but never across midnight
    // (UTC), so it stays on its day: an hour back at most, half the day so
    // far just after midnight (a run between 00:00 and 01:00 counted 11 of
    // 14 days).
    let since_midnight = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 86_400);
    let back = Duration::from_secs((since_midnight / 2).min(3_600));
    let logged_days = (0..14)
        .filter(|d| *d != 5 && *d != 9)
        .chain((14..90).filter(|d| d % 3 == 0));
    let entries = logged_days
        .map(|day| NewEntry {
            recorded_at: ago(day) - back,
            utc_offset_minutes: 0,
            ratings: vec![Rating {
                symptom_id: "00000000-0000-7000-8000-00000000a001".into(),
                value: if (6..=8).contains(&day) { 8.0 } else { 3.0 },
            }],
            note: None,
            tags: vec![],
            medications: vec![],
        })
        .collect();
    diary.import_entries(entries).expect("diary");
    a_phq9_with_the_item_9_flag(c, ago(3));
    a_budget_with_a_cab_ride(c, (&days_ago(60), &days_ago(0)), &days_ago(10));
    plan.id
}

/// A direct-payment budget named `name` over `period` (£2,400) with a
/// transport line of £600: (budget id, line id).
pub fn a_budget_with_a_transport_line(
    c: &Companion,
    name: &str,
    period: (&str, &str),
) -> (String, String) {
    let budgets = c.budgets();
    let budget = budgets
        .create_budget(NewBudget {
            name: name.into(),
            holding: BudgetHolding::DirectPayment,
            period_start: period.0.into(),
            period_end: period.1.into(),
            allocation_pence: 240_000,
            currency: "GBP".into(),
            plan_id: None,
            underspend_warning_percent: None,
        })
        .expect("budget");
    let line = budgets
        .add_line(
            budget.id.clone(),
            NewBudgetLine {
                category: "transport".into(),
                planned_pence: 60_000,
                goal_ids: vec![],
            },
        )
        .expect("line");
    (budget.id, line.id)
}

/// An £18.50 cab ride from `line_id` on `date`.
pub fn a_cab_ride(line_id: &str, date: &str, payee: &str, note: Option<&str>) -> NewSpend {
    NewSpend {
        line_id: line_id.into(),
        date: date.into(),
        payee: payee.into(),
        category: "transport".into(),
        amount_pence: 1_850,
        currency: "GBP".into(),
        goal_id: None,
        activity_id: None,
        note: note.map(Into::into),
        receipt: None,
    }
}

/// A direct-payment budget over `period` (£2,400, a transport line of £600)
/// with one £18.50 cab ride on `ride_on`.
fn a_budget_with_a_cab_ride(c: &Companion, period: (&str, &str), ride_on: &str) {
    let (budget, line) = a_budget_with_a_transport_line(c, "Getting out", period);
    c.budgets()
        .record_spend(budget, a_cab_ride(&line, ride_on, "Town Cabs", None))
        .expect("spend");
}

/// A PHQ-9 at `at` scoring 17 (moderately severe) with item 9 answered
/// "several days", which raises the safety flag.
fn a_phq9_with_the_item_9_flag(c: &Companion, at: std::time::SystemTime) {
    let answers = (1..=9)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: if i == 9 { 1 } else { 2 },
        })
        .collect();
    c.diary()
        .submit_questionnaire("phq9".into(), answers, at, 0)
        .expect("phq9");
}
