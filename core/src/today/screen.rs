//! The Today screen, assembled from the loaded facts: the one place that
//! says what a person sees first on a day. Pure.

use super::facts::Facts;
use super::model::{
    ComingUp, ComingUpItem, DueQuestionnaire, ReminderRule, ReminderSubject, TodayActivity,
    TodayMeetup, TodayView, WeekProgress,
};
use super::wall_clock::LocalClock;
use crate::time::ms_i64;
use chrono::NaiveDate;

/// How far ahead "coming up" looks.
pub(crate) const COMING_UP_DAYS: i64 = 14;

pub(crate) fn today_view(
    facts: &Facts,
    rules: &[ReminderRule],
    clock: &LocalClock,
    day: NaiveDate,
) -> TodayView {
    TodayView {
        date: day.to_string(),
        activities: activities(facts, day),
        diary_prompt: !facts.diary_days.contains(&day),
        questionnaires: questionnaires(facts, rules, day),
        meetups: meetups(facts, clock, day),
        coming_up: coming_up(facts, day),
    }
}

fn activities(facts: &Facts, day: NaiveDate) -> Vec<TodayActivity> {
    let mut out: Vec<TodayActivity> = facts
        .activities
        .iter()
        .filter_map(|a| {
            let on = a.on(day)?;
            Some(TodayActivity {
                activity_id: a.activity.id.clone(),
                plan_id: a.activity.plan_id.clone(),
                plan_title: a.plan_title.clone(),
                description: a.activity.description.clone(),
                window: a.activity.schedule.window.clone(),
                times_per_week: on.week.map(|(times, done)| WeekProgress {
                    times,
                    done_this_week: done,
                }),
                outcome: on.outcome,
            })
        })
        .collect();
    // Earliest window first; those without a window after, by description.
    crate::order::sort_by(&mut out, |a, b| {
        let start = |x: &TodayActivity| x.window.as_ref().map_or(u16::MAX, |w| w.start_minute);
        start(a)
            .cmp(&start(b))
            .then_with(|| a.description.cmp(&b.description))
            .then_with(|| a.activity_id.cmp(&b.activity_id))
    });
    out
}

fn questionnaires(facts: &Facts, rules: &[ReminderRule], day: NaiveDate) -> Vec<DueQuestionnaire> {
    let mut out = Vec::new();
    for rule in rules.iter().filter(|r| r.enabled) {
        if let ReminderSubject::QuestionnaireBeforeReview { code, days_before } = &rule.subject {
            for (plan, review) in facts.questionnaires_due(code, *days_before, day) {
                let due = DueQuestionnaire {
                    code: code.clone(),
                    plan_id: plan.id.clone(),
                    review_date: review.to_string(),
                };
                if !out.contains(&due) {
                    out.push(due);
                }
            }
        }
    }
    out
}

fn meetups(facts: &Facts, clock: &LocalClock, day: NaiveDate) -> Vec<TodayMeetup> {
    let mut out: Vec<TodayMeetup> = facts
        .meetups
        .iter()
        .filter(|m| !m.meetup.cancelled && clock.local_date(ms_i64(m.meetup.starts_at)) == day)
        .map(|m| TodayMeetup {
            meetup_id: m.meetup.id.clone(),
            group_id: m.meetup.group_id.clone(),
            group_name: m.group_name.clone(),
            title: m.meetup.title.clone(),
            starts_at: m.meetup.starts_at,
            starts_label: clock.label(ms_i64(m.meetup.starts_at)),
            ends_at: m.meetup.ends_at,
            place: m.meetup.place.clone(),
            my_answer: m.my_answer,
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| {
        (a.starts_at, &a.meetup_id).cmp(&(b.starts_at, &b.meetup_id))
    });
    out
}

fn coming_up(facts: &Facts, day: NaiveDate) -> Vec<ComingUp> {
    let within = |date: NaiveDate| {
        let away = (date - day).num_days();
        (0..=COMING_UP_DAYS).contains(&away).then_some(away as u32)
    };
    let mut out = Vec::new();
    for (plan, review) in facts.reviews() {
        if let Some(days_away) = within(review) {
            out.push(ComingUp {
                date: review.to_string(),
                days_away,
                item: ComingUpItem::PlanReview {
                    plan_id: plan.id.clone(),
                    plan_title: plan.title.clone(),
                },
            });
        }
    }
    for b in &facts.budgets {
        let (budget_id, budget_name) = (b.budget.id.clone(), b.budget.name.clone());
        if let Some(days_away) = within(b.review_due).filter(|_| b.review_due <= b.period_end) {
            out.push(ComingUp {
                date: b.review_due.to_string(),
                days_away,
                item: ComingUpItem::BudgetReview {
                    budget_id: budget_id.clone(),
                    budget_name: budget_name.clone(),
                },
            });
        }
        if let Some(days_away) = within(b.period_end) {
            out.push(ComingUp {
                date: b.period_end.to_string(),
                days_away,
                item: ComingUpItem::BudgetPeriodEnds {
                    budget_id,
                    budget_name,
                },
            });
        }
    }
    crate::order::sort_by(&mut out, |a, b| a.date.cmp(&b.date));
    out
}
