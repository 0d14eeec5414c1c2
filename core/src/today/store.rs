//! Reminder SQL, and loading the facts the Today screen and the reminders
//! read, from every capability's own store room.

use super::facts::{ActivityFacts, BudgetFacts, Facts, MeetupFacts};
use super::model::{ReminderPrefs, ReminderRule};
use crate::budget::store::list_budgets;
use crate::budget::summary::review_due;
use crate::care_plan::adherence::Timeline;
use crate::care_plan::model::{Activity, Outcome, PlanStatus};
use crate::care_plan::store::{list_plans, marks_between};
use crate::diary::store::{entry_days_since, results_between};
use crate::error::Result;
use crate::groups::store::{groups, meetups, rsvps};
use crate::store::entity::docs;
use crate::store::{entity, list_by, load};
use crate::time::parse_date;
use chrono::{Duration, NaiveDate};
use pph_protocol::kinds;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::LazyLock;

entity!(ReminderRule, kinds::REMINDER_RULE, "reminder_rules");
entity!(ReminderPrefs, kinds::REMINDER_SETTINGS, "reminder_settings");

/// The settings record's id: the same on all of a person's devices, so
/// their edits merge field by field instead of making two records.
pub(crate) static PREFS_ID: LazyLock<String> =
    LazyLock::new(|| crate::ids::derived_id(&[kinds::REMINDER_SETTINGS]));

/// The last local date anything is loaded up to.
const FAR: &str = "9999-12-31";
/// Questionnaire windows reach back at most this far (`days_before` ≤ 90).
const ANSWERS_LOOK_BACK_DAYS: i64 = 91;

pub(crate) fn rules(conn: &Connection) -> Result<Vec<ReminderRule>> {
    docs(
        &mut conn.prepare_cached("SELECT doc FROM reminder_rules ORDER BY id")?,
        [],
    )
}

pub(crate) fn prefs(conn: &Connection) -> Result<Option<ReminderPrefs>> {
    load(conn, &PREFS_ID)
}

/// Everything due-ness is decided from, for local dates from `first` on
/// (and the week before it, for N-times-a-week activities).
pub(crate) fn facts(conn: &Connection, first: NaiveDate) -> Result<Facts> {
    let week_before = (first - Duration::days(7)).to_string();
    let mut facts = Facts::default();
    for plan in list_plans(conn)?
        .into_iter()
        .filter(|p| p.status == PlanStatus::Active)
    {
        let mut best: HashMap<String, HashMap<NaiveDate, Outcome>> = HashMap::new();
        for mark in marks_between(conn, &plan.id, &week_before, FAR)? {
            let day = best.entry(mark.activity_id).or_default();
            let slot = day.entry(mark.day).or_insert(mark.outcome);
            *slot = (*slot).max(mark.outcome);
        }
        for activity in list_by::<Activity>(conn, "plan_id", &plan.id)? {
            facts.activities.push(ActivityFacts {
                timeline: Timeline::of(&activity)?,
                best: best.remove(&activity.id).unwrap_or_default(),
                plan_title: plan.title.clone(),
                activity,
            });
        }
        facts.plans.push(plan);
    }
    facts.diary_days = entry_days_since(conn, &first.to_string())?
        .iter()
        .map(|d| parse_date("local_date", d))
        .collect::<std::result::Result<_, _>>()?;
    let answers_from = (first - Duration::days(ANSWERS_LOOK_BACK_DAYS)).to_string();
    for result in results_between(conn, None, &answers_from, FAR)? {
        facts
            .answered
            .entry(result.code)
            .or_default()
            .push(parse_date("local_date", &result.local_date)?);
    }
    let me = crate::store::authz::me(conn)?;
    let yesterday = crate::time::from_ms_i64(
        (first - Duration::days(1))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis(),
    );
    for group in groups(conn)? {
        for meetup in meetups(conn, &group.id)?
            .into_iter()
            .filter(|m| m.starts_at >= yesterday)
        {
            let my_answer = rsvps(conn, &meetup.id)?
                .into_iter()
                .find(|r| r.account_id == me)
                .map(|r| r.answer);
            facts.meetups.push(MeetupFacts {
                meetup,
                group_name: group.name.clone(),
                my_answer,
            });
        }
    }
    for budget in list_budgets(conn)? {
        let start = parse_date("period_start", &budget.period_start)?;
        let last = budget
            .last_review
            .as_deref()
            .map(|d| parse_date("last_review", d))
            .transpose()?;
        facts.budgets.push(BudgetFacts {
            review_due: review_due(start, last),
            period_end: parse_date("period_end", &budget.period_end)?,
            budget,
        });
    }
    Ok(facts)
}
