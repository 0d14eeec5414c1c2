//! "My record": one self-contained page of the person's record that a phone
//! can print (no scripts, no outside resources, a print stylesheet):
//! plans with goals, activities, referrals and reviews; the support
//! network; questionnaire scores with their flags; the last 90 diary
//! entries; each budget's position. Everything else is in the archive's
//! CSVs and records.

use super::{all, Records};
use crate::budget::model::Budget;
use crate::budget::Budgets;
use crate::care_plan::model::{Activity, Contact, Goal, PlanInfo, Review};
use crate::diary::model::{DiaryEntry, QuestionnaireResult};
use crate::diary::Diary;
use crate::error::Result;
use crate::report::page::{self, esc, pounds};
use crate::store::Store;
use crate::time::local_date;
use pph_protocol::kinds;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

const LAST_ENTRIES: usize = 90;

pub(super) fn my_record(store: &Arc<Store>, records: &Records) -> Result<String> {
    let today = local_date(store.now_ms(), 0).to_string();
    let mut out = page::open("My record");
    let _ = write!(out, "<p>As kept on my phone, {today}.</p>");
    let goals: Vec<Goal> = all(records, kinds::PLAN_GOAL)?;
    let activities: Vec<Activity> = all(records, kinds::PLAN_ACTIVITY)?;
    let reviews: Vec<Review> = all(records, kinds::PLAN_REVIEW)?;
    let contacts: Vec<Contact> = all(records, kinds::PLAN_CONTACT)?;
    for plan in all::<PlanInfo>(records, kinds::CARE_PLAN)? {
        let _ = write!(
            out,
            "<h2>{} ({:?})</h2><p><strong>What matters to me:</strong> {}</p>",
            esc(&plan.title),
            plan.status,
            esc(&plan.what_matters)
        );
        for g in goals.iter().filter(|g| g.plan_id == plan.id) {
            let _ = write!(out, "<h3>{} ({:?})</h3><ul>", esc(&g.description), g.status);
            for a in activities.iter().filter(|a| a.goal_id == g.id) {
                let referral = a.referral.as_ref().map_or(String::new(), |r| {
                    format!(" (referral to {}: {:?})", esc(&r.service), r.status)
                });
                let _ = write!(out, "<li>{}{referral}</li>", esc(&a.description));
            }
            out.push_str("</ul>");
        }
        let team: Vec<&Contact> = contacts
            .iter()
            .filter(|c| c.plan_id == plan.id && !c.removed)
            .collect();
        if !team.is_empty() {
            out.push_str("<h3>My support network</h3><ul>");
            for c in team {
                let _ = write!(
                    out,
                    "<li>{} ({:?}): {}</li>",
                    esc(&c.name),
                    c.role,
                    esc(&c.reach)
                );
            }
            out.push_str("</ul>");
        }
        for r in reviews.iter().filter(|r| r.plan_id == plan.id) {
            let _ = write!(
                out,
                "<p><strong>Review {}</strong> with {}: {} &rarr; {}</p>",
                esc(&r.date),
                esc(&r.participants.join(", ")),
                esc(&r.notes),
                esc(&r.outcome)
            );
        }
    }

    let results: Vec<QuestionnaireResult> = all(records, kinds::QUESTIONNAIRE_RESULT)?;
    if !results.is_empty() {
        out.push_str("<h2>Questionnaires</h2><table><tr><th>Date</th><th>Questionnaire</th><th>Score</th><th>Band</th></tr>");
        for r in &results {
            let flag = if r.flags.is_empty() {
                ""
            } else {
                " <span class=\"flag\">(safety flag)</span>"
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}{flag}</td><td>{}</td></tr>",
                esc(&r.local_date),
                esc(&r.code),
                r.score,
                esc(&r.band)
            );
        }
        out.push_str("</table>");
    }

    let names: HashMap<String, String> = Diary::new(store.clone())
        .list_symptoms()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut entries: Vec<DiaryEntry> = all(records, kinds::DIARY_ENTRY)?;
    entries.retain(|e| !e.deleted);
    crate::order::sort_by_key(&mut entries, |e| std::cmp::Reverse(e.recorded_at));
    if !entries.is_empty() {
        let _ = write!(
            out,
            "<h2>My diary</h2><p>{} entries; the latest {} below (all are in the diary CSV).</p>\
             <table><tr><th>Date</th><th>Ratings</th><th>Note</th></tr>",
            entries.len(),
            entries.len().min(LAST_ENTRIES)
        );
        for e in entries.iter().take(LAST_ENTRIES) {
            let ratings: Vec<String> = e
                .ratings
                .iter()
                .map(|r| {
                    let name = names.get(&r.symptom_id).map_or("a symptom", String::as_str);
                    format!("{} {}", esc(name), r.value)
                })
                .collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.local_date),
                ratings.join(", "),
                esc(e.note.as_deref().unwrap_or_default())
            );
        }
        out.push_str("</table>");
    }

    let ledger = Budgets::new(store.clone());
    for b in all::<Budget>(records, kinds::BUDGET)? {
        let s = ledger.summary(b.id.clone(), today.clone())?;
        let _ = write!(
            out,
            "<h2>Budget: {}</h2><p>{} to {}: allocated {} {}, spent {}, remaining {}.</p>",
            esc(&b.name),
            esc(&b.period_start),
            esc(&b.period_end),
            pounds(s.allocated_pence + s.adjustments_pence),
            esc(&s.currency),
            pounds(s.spent_pence - s.reversed_pence),
            pounds(s.remaining_pence)
        );
    }
    Ok(page::close(out))
}
