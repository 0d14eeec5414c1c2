//! "A report for my doctor": the person picks sections and a date range and
//! the core renders one self-contained page (charts as inline SVG with the
//! same figures in a table beside each, a print stylesheet) that the shells
//! print to PDF with the platform's print service.

pub(crate) mod clinic_page;
pub(crate) mod page;
pub(crate) mod sections;
mod svg;

use crate::budget::model::BudgetSummary;
use crate::budget::Budgets;
use crate::care_plan::model::{CarePlan, PlanStatus};
use crate::care_plan::CarePlans;
use crate::diary::model::{Bucket, SymptomScale};
use crate::diary::Diary;
use crate::error::{PphError, Result};
use crate::store::Store;
use crate::validate::date_range;
use maud::{html, Markup};
pub(crate) use sections::SymptomSeries;
use sections::Voice;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ReportSection {
    CarePlan,
    DiaryTrends,
    Questionnaires,
    Budget,
}

#[derive(Clone, Debug, uniffi::Record)]
pub struct ReportRequest {
    pub sections: Vec<ReportSection>,
    /// Local dates `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
}

/// The newest active plan (ids are time-ordered), else the newest.
pub(crate) fn current_plan(plans: &CarePlans) -> Result<Option<CarePlan>> {
    let infos = plans.list_plans()?;
    Ok(infos
        .iter()
        .rev()
        .find(|p| p.status == PlanStatus::Active)
        .or(infos.last())
        .map(|p| plans.plan(p.id.clone()))
        .transpose()?)
}

fn care_plan(store: &Arc<Store>, from: &str, to: &str) -> Result<Markup> {
    let plans = CarePlans::new(store.clone());
    let Some(plan) = current_plan(&plans)? else {
        return Ok(html! { h2 { "Care plan" } p { "No care plan yet." } });
    };
    let adherence = plans.adherence(plan.info.id.clone(), from.into(), to.into())?;
    Ok(html! {
        h2 { "Care plan: " (plan.info.title) }
        (sections::what_matters(&plan, Voice::Mine))
        (sections::goals(&plan, Some(&adherence), Voice::Mine))
    })
}

/// Each symptom's buckets between two dates, with its flares; symptoms
/// without entries left out.
pub(crate) fn symptom_series(
    diary: &Diary,
    from: &str,
    to: &str,
    bucket: Bucket,
) -> Result<Vec<SymptomSeries>> {
    let mut out = Vec::new();
    for symptom in diary.list_symptoms()? {
        let buckets = diary.trend(symptom.id.clone(), from.into(), to.into(), bucket)?;
        if buckets.is_empty() {
            continue;
        }
        let flares = match symptom.scale {
            SymptomScale::Severity => diary.flares(
                symptom.id.clone(),
                from.into(),
                to.into(),
                sections::FLARE_AT,
                sections::FLARE_DAYS,
            )?,
            SymptomScale::Measured { .. } => Vec::new(),
        };
        out.push(SymptomSeries {
            symptom,
            buckets,
            flares,
        });
    }
    Ok(out)
}

fn diary_trends(store: &Arc<Store>, from: &str, to: &str) -> Result<Markup> {
    let all = symptom_series(&Diary::new(store.clone()), from, to, Bucket::Week)?;
    Ok(sections::trends(&all, "week", Voice::Mine))
}

fn questionnaires(store: &Arc<Store>, from: &str, to: &str) -> Result<Markup> {
    let diary = Diary::new(store.clone());
    let definitions = diary.questionnaires()?;
    let mut results = Vec::new();
    for def in &definitions {
        results.extend(diary.questionnaire_history(def.code.clone(), from.into(), to.into())?);
    }
    Ok(sections::questionnaires(
        &definitions,
        &results,
        Voice::Mine,
    ))
}

/// Every budget's summary as of `to`, with its name.
pub(crate) fn named_budgets(store: &Arc<Store>, to: &str) -> Result<Vec<(String, BudgetSummary)>> {
    let ledger = Budgets::new(store.clone());
    ledger
        .list_budgets()?
        .into_iter()
        .map(|b| Ok((b.name, ledger.summary(b.id, to.into())?)))
        .collect()
}

/// The page, with the sections asked for, in the order asked.
pub(crate) fn for_my_doctor(store: &Arc<Store>, request: &ReportRequest) -> Result<String> {
    date_range(&request.from, &request.to)?;
    if request.sections.is_empty() {
        return Err(PphError::validation("sections", "pick at least one section").into());
    }
    let (from, to) = (request.from.as_str(), request.to.as_str());
    let mut parts = Vec::with_capacity(request.sections.len());
    for section in &request.sections {
        parts.push(match section {
            ReportSection::CarePlan => care_plan(store, from, to)?,
            ReportSection::DiaryTrends => diary_trends(store, from, to)?,
            ReportSection::Questionnaires => questionnaires(store, from, to)?,
            ReportSection::Budget => sections::budgets(&named_budgets(store, to)?, Voice::Mine),
        });
    }
    Ok(page::document(
        "A report for my doctor",
        html! {
            p.muted { "From " (from) " to " (to) ", from my own records on my phone." }
            @for part in parts { (part) }
        },
    ))
}
