//! Care-plan SQL: where each record lives, and the queries beyond load/save.

use super::adherence::Mark;
use super::model::{
    Activity, Completion, Contact, Goal, Outcome, PlanInfo, Review, ReviewProposal,
};
use crate::error::Result;
use crate::store::entity;
use crate::store::entity::{docs, text};
use pph_protocol::kinds;
use rusqlite::types::Value;
use rusqlite::Connection;

entity!(PlanInfo, kinds::CARE_PLAN, "care_plans");

entity!(Contact, kinds::PLAN_CONTACT, "plan_contacts", |r| {
    "plan_id": text(&r.plan_id),
});

entity!(Goal, kinds::PLAN_GOAL, "plan_goals", |r| {
    "plan_id": text(&r.plan_id),
});

entity!(Activity, kinds::PLAN_ACTIVITY, "plan_activities", |r| {
    "plan_id": text(&r.plan_id),
    "goal_id": text(&r.goal_id),
});

entity!(Completion, kinds::PLAN_COMPLETION, "plan_completions", |r| {
    "plan_id": text(&r.plan_id),
    "activity_id": text(&r.activity_id),
    "local_date": text(&r.local_date),
    "outcome": Value::Text(outcome_key(r.outcome).to_owned()),
});

entity!(ReviewProposal, kinds::PLAN_PROPOSAL, "plan_proposals", |r| {
    "plan_id": text(&r.plan_id),
    "decided": Value::Integer(i64::from(r.decision.is_some())),
});

entity!(Review, kinds::PLAN_REVIEW, "plan_reviews", |r| {
    "plan_id": text(&r.plan_id),
});

pub(crate) fn list_plans(conn: &Connection) -> Result<Vec<PlanInfo>> {
    docs(
        &mut conn.prepare_cached("SELECT doc FROM care_plans ORDER BY id")?,
        [],
    )
}

/// Ids of the plan and every record under it; completions only when asked,
/// as they can run to thousands and a plan view does not show them.
pub(crate) fn member_ids(
    conn: &Connection,
    plan_id: &str,
    with_completions: bool,
) -> Result<Vec<String>> {
    let mut sql = String::from(
        "SELECT ?1
         UNION ALL SELECT id FROM plan_contacts WHERE plan_id = ?1
         UNION ALL SELECT id FROM plan_goals WHERE plan_id = ?1
         UNION ALL SELECT id FROM plan_activities WHERE plan_id = ?1
         UNION ALL SELECT id FROM plan_reviews WHERE plan_id = ?1",
    );
    if with_completions {
        sql.push_str(" UNION ALL SELECT id FROM plan_completions WHERE plan_id = ?1");
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let ids = stmt.query_map([plan_id], |r| r.get::<_, String>(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Completions of a plan (or of one activity) between two local dates, inclusive.
pub(crate) fn completions_between(
    conn: &Connection,
    plan_id: &str,
    activity_id: Option<&str>,
    from: &str,
    to: &str,
) -> Result<Vec<Completion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM plan_completions
         WHERE plan_id = ?1 AND (?2 IS NULL OR activity_id = ?2)
           AND local_date BETWEEN ?3 AND ?4
         ORDER BY local_date, id",
    )?;
    docs(&mut stmt, (plan_id, activity_id, from, to))
}

/// The (activity, local day, outcome) of a plan's completions between two
/// local dates, from a covering index without decoding whole records:
/// adherence over a year reads thousands of them.
pub(crate) fn marks_between(
    conn: &Connection,
    plan_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Mark>> {
    let mut stmt = conn.prepare_cached(
        "SELECT activity_id, local_date, outcome FROM plan_completions
         WHERE plan_id = ?1 AND local_date BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt.query_map((plan_id, from, to), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut marks = Vec::new();
    for row in rows {
        let (activity_id, day, outcome) = row?;
        marks.push(Mark {
            activity_id,
            day: crate::time::parse_date("local_date", &day)?,
            outcome: serde_json::from_value(serde_json::Value::String(outcome))?,
        });
    }
    Ok(marks)
}

/// The outcome as its serde name, the same text the change log records.
fn outcome_key(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Done => "done",
        Outcome::Partly => "partly",
        Outcome::Skipped => "skipped",
    }
}
