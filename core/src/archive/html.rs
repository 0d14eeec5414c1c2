//! "My record": one self-contained page of the person's record that a phone
//! can print (no scripts, no outside resources, a print stylesheet):
//! plans with goals, activities, referrals and reviews; the support
//! network; questionnaire scores with their flags; the last 90 diary
//! entries; each budget's position. Everything else is in the archive's
//! CSVs and records.

use super::{all, Records};
use crate::budget::model::{Budget, BudgetSummary};
use crate::budget::Budgets;
use crate::care_plan::model::{Activity, Contact, Goal, PlanInfo, Review};
use crate::diary::model::{DiaryEntry, QuestionnaireResult};
use crate::diary::Diary;
use crate::error::Result;
use crate::report::page::{document, pounds};
use crate::store::Store;
use crate::time::local_date;
use maud::{html, Markup};
use pph_protocol::kinds;
use std::collections::HashMap;
use std::sync::Arc;

const LAST_ENTRIES: usize = 90;

pub(super) fn my_record(store: &Arc<Store>, records: &Records) -> Result<String> {
    let today = local_date(store.now_ms(), 0).to_string();
    let plans = plans(records)?;
    let questionnaires = questionnaires(&all(records, kinds::QUESTIONNAIRE_RESULT)?);
    let diary = diary(store, records)?;
    let ledger = Budgets::new(store.clone());
    let budgets = all::<Budget>(records, kinds::BUDGET)?
        .into_iter()
        .map(|b| {
            let summary = ledger.summary(b.id.clone(), today.clone())?;
            Ok(budget(&b, &summary))
        })
        .collect::<Result<Vec<Markup>>>()?;
    Ok(document(
        "My record",
        html! {
            p { "As kept on my phone, " (today) "." }
            (plans) (questionnaires) (diary)
            @for b in &budgets { (b) }
        },
    ))
}

/// Each plan with its goals and their activities, the support network
/// and the reviews.
fn plans(records: &Records) -> Result<Markup> {
    let goals: Vec<Goal> = all(records, kinds::PLAN_GOAL)?;
    let activities: Vec<Activity> = all(records, kinds::PLAN_ACTIVITY)?;
    let reviews: Vec<Review> = all(records, kinds::PLAN_REVIEW)?;
    let contacts: Vec<Contact> = all(records, kinds::PLAN_CONTACT)?;
    let plans: Vec<PlanInfo> = all(records, kinds::CARE_PLAN)?;
    Ok(html! {
        @for plan in &plans {
            h2 { (plan.title) " (" (format!("{:?}", plan.status)) ")" }
            p { strong { "What matters to me:" } " " (plan.what_matters) }
            @for g in goals.iter().filter(|g| g.plan_id == plan.id) {
                h3 { (g.description) " (" (format!("{:?}", g.status)) ")" }
                ul {
                    @for a in activities.iter().filter(|a| a.goal_id == g.id) {
                        li {
                            (a.description)
                            @if let Some(r) = &a.referral {
                                " (referral to " (r.service) ": " (format!("{:?}", r.status)) ")"
                            }
                        }
                    }
                }
            }
            @let team: Vec<&Contact> = contacts
                .iter()
                .filter(|c| c.plan_id == plan.id && !c.removed)
                .collect();
            @if !team.is_empty() {
                h3 { "My support network" }
                ul {
                    @for c in &team {
                        li { (c.name) " (" (format!("{:?}", c.role)) "): " (c.reach) }
                    }
                }
            }
            @for r in reviews.iter().filter(|r| r.plan_id == plan.id) {
                p {
                    strong { "Review " (r.date) }
                    " with " (r.participants.join(", ")) ": " (r.notes) " \u{2192} " (r.outcome)
                }
            }
        }
    })
}

fn questionnaires(results: &[QuestionnaireResult]) -> Markup {
    html! {
        @if !results.is_empty() {
            h2 { "Questionnaires" }
            table {
                tr { th { "Date" } th { "Questionnaire" } th { "Score" } th { "Band" } }
                @for r in results {
                    tr {
                        td { (r.local_date) }
                        td { (r.code) }
                        td {
                            (r.score)
                            @if !r.flags.is_empty() { " " span.flag { "(safety flag)" } }
                        }
                        td { (r.band) }
                    }
                }
            }
        }
    }
}

/// The latest diary entries, newest first, each rating with its
/// symptom's name.
fn diary(store: &Arc<Store>, records: &Records) -> Result<Markup> {
    let names: HashMap<String, String> = Diary::new(store.clone())
        .list_symptoms()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut entries: Vec<DiaryEntry> = all(records, kinds::DIARY_ENTRY)?;
    entries.retain(|e| !e.deleted);
    crate::order::sort_by_key(&mut entries, |e| std::cmp::Reverse(e.recorded_at));
    let ratings = |e: &DiaryEntry| {
        e.ratings
            .iter()
            .map(|r| {
                let name = names.get(&r.symptom_id).map_or("a symptom", String::as_str);
                format!("{name} {}", r.value)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(html! {
        @if !entries.is_empty() {
            h2 { "My diary" }
            p {
                (entries.len()) " entries; the latest " (entries.len().min(LAST_ENTRIES))
                " below (all are in the diary CSV)."
            }
            table {
                tr { th { "Date" } th { "Ratings" } th { "Note" } }
                @for e in entries.iter().take(LAST_ENTRIES) {
                    tr {
                        td { (e.local_date) }
                        td { (ratings(e)) }
                        td { (e.note.as_deref().unwrap_or_default()) }
                    }
                }
            }
        }
    })
}

fn budget(b: &Budget, s: &BudgetSummary) -> Markup {
    html! {
        h2 { "Budget: " (b.name) }
        p {
            (b.period_start) " to " (b.period_end) ": allocated "
            (pounds(s.allocated_pence + s.adjustments_pence)) " " (s.currency)
            ", spent " (pounds(s.spent_pence - s.reversed_pence))
            ", remaining " (pounds(s.remaining_pence)) "."
        }
    }
}
