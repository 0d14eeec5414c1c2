//! What the Today screen and the reminders read, loaded once per call (by
//! `today::store`): active plans and their activities with the outcomes
//! recorded lately, the days that have a diary entry or an answered
//! questionnaire, meetups, budgets. The rules for what is due on a day live
//! here, pure, so they are tested without a database.

use super::model::ReminderSubject;
use crate::budget::model::Budget;
use crate::care_plan::adherence::{Slot, Timeline};
use crate::care_plan::model::{Activity, Outcome, PlanInfo};
use crate::groups::model::{Meetup, RsvpAnswer};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{HashMap, HashSet};

pub(crate) struct ActivityFacts {
    pub activity: Activity,
    pub plan_title: String,
    pub timeline: Timeline,
    /// The best outcome recorded on each local day (from a week before the
    /// first day asked about).
    pub best: HashMap<NaiveDate, Outcome>,
}

pub(crate) struct MeetupFacts {
    pub meetup: Meetup,
    pub group_name: String,
    pub my_answer: Option<RsvpAnswer>,
}

pub(crate) struct BudgetFacts {
    pub budget: Budget,
    pub review_due: NaiveDate,
    pub period_end: NaiveDate,
}

#[derive(Default)]
pub(crate) struct Facts {
    /// Active plans only.
    pub plans: Vec<PlanInfo>,
    /// The activities of active plans.
    pub activities: Vec<ActivityFacts>,
    pub diary_days: HashSet<NaiveDate>,
    /// Local dates on which each questionnaire (by code) was answered.
    pub answered: HashMap<String, Vec<NaiveDate>>,
    pub meetups: Vec<MeetupFacts>,
    pub budgets: Vec<BudgetFacts>,
}

/// How an activity stands on a day.
pub(crate) struct ActivityDay {
    pub outcome: Option<Outcome>,
    /// For N times a week: N and the days of the week done or partly done.
    pub week: Option<(u8, u8)>,
    /// Still to do: nothing recorded that day, and the week's count not met.
    pub open: bool,
}

/// Something due on a day that a reminder can be about.
#[derive(Clone)]
pub(crate) struct DueItem {
    pub item_id: String,
    /// What detailed lock-screen text says.
    pub detail: String,
}

impl ActivityFacts {
    /// None when the activity is not due that day at all.
    pub(crate) fn on(&self, day: NaiveDate) -> Option<ActivityDay> {
        let outcome = self.best.get(&day).copied();
        match self.timeline.slot_on(day) {
            Slot::None => None,
            Slot::Fixed => Some(ActivityDay {
                outcome,
                week: None,
                open: outcome.is_none(),
            }),
            Slot::Flexible { times } => {
                let done = self.days_done_in_week_of(day);
                if done >= times && outcome.is_none() {
                    return None;
                }
                Some(ActivityDay {
                    outcome,
                    week: Some((times, done)),
                    open: outcome.is_none() && done < times,
                })
            }
        }
    }

    fn days_done_in_week_of(&self, day: NaiveDate) -> u8 {
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        monday
            .iter_days()
            .take(7)
            .filter(|d| {
                matches!(
                    self.best.get(d),
                    Some(Outcome::Done) | Some(Outcome::Partly)
                )
            })
            .count() as u8
    }
}

impl Facts {
    /// A plan review's questionnaire window: from `days_before` the review
    /// up to the review day.
    fn questionnaire_open(
        &self,
        code: &str,
        review: NaiveDate,
        days_before: u16,
        day: NaiveDate,
    ) -> bool {
        let opens = review - Duration::days(i64::from(days_before));
        let answered = self
            .answered
            .get(code)
            .is_some_and(|days| days.iter().any(|d| (opens..=review).contains(d)));
        (opens..=review).contains(&day) && !answered
    }

    /// Active plans with a next review date, and that date.
    pub(crate) fn reviews(&self) -> impl Iterator<Item = (&PlanInfo, NaiveDate)> {
        self.plans.iter().filter_map(|p| {
            let review = p.next_review.as_deref()?;
            Some((p, NaiveDate::parse_from_str(review, "%Y-%m-%d").ok()?))
        })
    }

    /// Questionnaires open on a day for a rule: (plan, review date).
    pub(crate) fn questionnaires_due(
        &self,
        code: &str,
        days_before: u16,
        day: NaiveDate,
    ) -> Vec<(&PlanInfo, NaiveDate)> {
        self.reviews()
            .filter(|(_, review)| self.questionnaire_open(code, *review, days_before, day))
            .collect()
    }

    /// What a day-based reminder subject has still to do on a day.
    pub(crate) fn due(&self, subject: &ReminderSubject, day: NaiveDate) -> Vec<DueItem> {
        match subject {
            ReminderSubject::Activity { activity_id } => self
                .activities
                .iter()
                .filter(|a| &a.activity.id == activity_id)
                .filter(|a| a.on(day).is_some_and(|d| d.open))
                .map(|a| DueItem {
                    item_id: a.activity.id.clone(),
                    detail: a.activity.description.clone(),
                })
                .collect(),
            ReminderSubject::DiaryPrompt => {
                if self.diary_days.contains(&day) {
                    vec![]
                } else {
                    vec![DueItem {
                        item_id: "diary".into(),
                        detail: "How are you today?".into(),
                    }]
                }
            }
            ReminderSubject::QuestionnaireBeforeReview { code, days_before } => self
                .questionnaires_due(code, *days_before, day)
                .into_iter()
                .map(|(plan, review)| DueItem {
                    item_id: plan.id.clone(),
                    detail: format!("{code} before your review on {review}"),
                })
                .collect(),
            ReminderSubject::BudgetReview { days_before } => self
                .budgets
                .iter()
                .filter(|b| {
                    b.review_due <= b.period_end
                        && b.review_due - Duration::days(i64::from(*days_before)) == day
                })
                .map(|b| DueItem {
                    item_id: b.budget.id.clone(),
                    detail: format!("Review of {} on {}", b.budget.name, b.review_due),
                })
                .collect(),
            ReminderSubject::Meetups => vec![],
        }
    }

    /// Meetups a reminder can be about: not cancelled, not declined.
    pub(crate) fn meetups_to_remind(&self) -> impl Iterator<Item = &MeetupFacts> {
        self.meetups
            .iter()
            .filter(|m| !m.meetup.cancelled && m.my_answer != Some(RsvpAnswer::No))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::care_plan::model::{Repeat, Responsible, Schedule};

    pub(crate) fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    pub(crate) fn activity_facts(
        id: &str,
        repeat: Repeat,
        best: &[(&str, Outcome)],
    ) -> ActivityFacts {
        let activity = Activity {
            id: id.into(),
            plan_id: "plan".into(),
            goal_id: "goal".into(),
            description: format!("activity {id}"),
            responsible: Responsible::Me,
            schedule: Schedule {
                repeat,
                start: "2026-01-01".into(),
                end: None,
                window: None,
            },
            past_schedules: vec![],
            referral: None,
        };
        ActivityFacts {
            timeline: Timeline::of(&activity).expect("timeline"),
            activity,
            plan_title: "My plan".into(),
            best: best.iter().map(|(d, o)| (day(d), *o)).collect(),
        }
    }

    #[test]
    fn a_fixed_activity_is_open_until_something_is_recorded() {
        let a = activity_facts("a", Repeat::Daily, &[("2026-03-02", Outcome::Skipped)]);
        assert!(a.on(day("2026-03-01")).expect("due").open);
        let recorded = a.on(day("2026-03-02")).expect("due");
        assert_eq!(
            (recorded.open, recorded.outcome),
            (false, Some(Outcome::Skipped))
        );
    }

    #[test]
    fn times_a_week_stops_being_due_once_the_week_is_met() {
        // Twice a week; done Monday 2 and Tuesday 3 March 2026.
        let a = activity_facts(
            "a",
            Repeat::TimesPerWeek { times: 2 },
            &[
                ("2026-03-02", Outcome::Done),
                ("2026-03-03", Outcome::Partly),
            ],
        );
        assert!(a.on(day("2026-03-04")).is_none(), "the week's two are done");
        let tuesday = a.on(day("2026-03-03")).expect("shown the day it was done");
        assert_eq!(tuesday.week, Some((2, 2)));
        assert!(a.on(day("2026-03-09")).expect("a new week").open);
    }

    #[test]
    fn a_questionnaire_is_due_from_days_before_the_review_until_answered() {
        let mut facts = Facts {
            plans: vec![PlanInfo {
                id: "p".into(),
                title: "Plan".into(),
                what_matters: String::new(),
                status: crate::care_plan::model::PlanStatus::Active,
                next_review: Some("2026-03-20".into()),
            }],
            ..Facts::default()
        };
        let subject = ReminderSubject::QuestionnaireBeforeReview {
            code: "phq9".into(),
            days_before: 7,
        };
        assert!(facts.due(&subject, day("2026-03-12")).is_empty());
        assert_eq!(facts.due(&subject, day("2026-03-13")).len(), 1);
        assert_eq!(facts.due(&subject, day("2026-03-20")).len(), 1);
        assert!(facts.due(&subject, day("2026-03-21")).is_empty());
        facts
            .answered
            .insert("phq9".into(), vec![day("2026-03-14")]);
        assert!(facts.due(&subject, day("2026-03-15")).is_empty());
    }
}
