//! "A report for my doctor": the person picks sections and a date range and
//! the core renders one self-contained page (charts as inline SVG with the
//! same figures in a table beside each, a print stylesheet) that the shells
//! print to PDF with the platform's print service.

pub(crate) mod page;
mod svg;

use crate::budget::Budgets;
use crate::care_plan::model::PlanStatus;
use crate::care_plan::CarePlans;
use crate::diary::model::Bucket;
use crate::diary::Diary;
use crate::error::{PphError, Result};
use crate::store::Store;
use crate::validate::date_range;
use page::{esc, pounds};
use std::fmt::Write;
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

fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><tr>");
    for h in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

fn care_plan(out: &mut String, store: &Arc<Store>, from: &str, to: &str) -> Result<()> {
    let plans = CarePlans::new(store.clone());
    let infos = plans.list_plans()?;
    let Some(info) = infos
        .iter()
        .rev()
        .find(|p| p.status == PlanStatus::Active)
        .or(infos.last())
    else {
        out.push_str("<h2>Care plan</h2><p>No care plan yet.</p>");
        return Ok(());
    };
    let plan = plans.plan(info.id.clone())?;
    let _ = write!(
        out,
        "<h2>Care plan: {}</h2><p><strong>What matters to me:</strong> {}</p><ul>",
        esc(&plan.info.title),
        esc(&plan.info.what_matters)
    );
    for g in &plan.goals {
        let _ = write!(out, "<li>{} ({:?})</li>", esc(&g.description), g.status);
    }
    out.push_str("</ul>");
    let adherence = plans.adherence(plan.info.id.clone(), from.into(), to.into())?;
    let name = |id: &str| {
        plan.activities
            .iter()
            .find(|a| a.id == id)
            .map_or("an activity".to_owned(), |a| a.description.clone())
    };
    let counted: Vec<_> = adherence
        .activities
        .iter()
        .filter(|a| a.figures.scheduled > 0)
        .collect();
    if counted.is_empty() {
        out.push_str("<p>Nothing was scheduled in these dates.</p>");
        return Ok(());
    }
    let rows: Vec<(String, f64, f64)> = counted
        .iter()
        .map(|a| {
            let f = &a.figures;
            (
                name(&a.activity_id),
                f64::from(f.done) + f64::from(f.partly) / 2.0,
                f64::from(f.scheduled),
            )
        })
        .collect();
    out.push_str(&svg::bars("What I did of what I planned", &rows));
    let cells: Vec<Vec<String>> = counted
        .iter()
        .map(|a| {
            let f = &a.figures;
            vec![
                esc(&name(&a.activity_id)),
                f.scheduled.to_string(),
                f.done.to_string(),
                f.partly.to_string(),
                (f.skipped + f.missed).to_string(),
            ]
        })
        .collect();
    table(
        out,
        &["Activity", "Planned", "Done", "Partly", "Not done"],
        &cells,
    );
    Ok(())
}

fn diary_trends(out: &mut String, store: &Arc<Store>, from: &str, to: &str) -> Result<()> {
    let diary = Diary::new(store.clone());
    out.push_str("<h2>My symptoms, week by week</h2>");
    let mut any = false;
    for symptom in diary.list_symptoms()? {
        let weeks = diary.trend(symptom.id.clone(), from.into(), to.into(), Bucket::Week)?;
        if weeks.is_empty() {
            continue;
        }
        any = true;
        // A flare: two days or more at 7 of 10 or worse (severity only; a
        // measured value has no "worse" direction here).
        let flares = match symptom.scale {
            crate::diary::model::SymptomScale::Severity => {
                diary.flares(symptom.id.clone(), from.into(), to.into(), 7.0, 2)?
            }
            crate::diary::model::SymptomScale::Measured { .. } => Vec::new(),
        };
        let in_flare = |start: &str| {
            flares
                .iter()
                .any(|f| f.start.as_str() <= start && start <= f.end.as_str())
        };
        let (lo, hi) = match &symptom.scale {
            crate::diary::model::SymptomScale::Severity => (0.0, 10.0),
            crate::diary::model::SymptomScale::Measured { min, max, .. } => (*min, *max),
        };
        let points: Vec<(String, f64, bool)> = weeks
            .iter()
            .map(|w| {
                (
                    w.start.clone(),
                    (w.mean * 10.0).round() / 10.0,
                    in_flare(&w.start),
                )
            })
            .collect();
        let _ = write!(out, "<h3>{}</h3>", esc(&symptom.name));
        out.push_str(&svg::line(
            &format!("{}: weekly mean, flares marked", symptom.name),
            &points,
            (lo, hi),
            &[],
        ));
        let rows: Vec<Vec<String>> = weeks
            .iter()
            .map(|w| {
                vec![
                    esc(&w.start),
                    format!("{:.1}", w.mean),
                    format!("{} to {}", w.min, w.max),
                    w.count.to_string(),
                    if in_flare(&w.start) {
                        "flare".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        table(out, &["Week of", "Mean", "Range", "Entries", ""], &rows);
    }
    if !any {
        out.push_str("<p>No diary entries in these dates.</p>");
    }
    Ok(())
}

fn questionnaires(out: &mut String, store: &Arc<Store>, from: &str, to: &str) -> Result<()> {
    let diary = Diary::new(store.clone());
    out.push_str("<h2>Questionnaires</h2>");
    let mut any = false;
    for def in diary.questionnaires()? {
        let results = diary.questionnaire_history(def.code.clone(), from.into(), to.into())?;
        if results.is_empty() {
            continue;
        }
        any = true;
        let mut results = results;
        results.sort_by_key(|r| r.recorded_at);
        let hi = def.bands.iter().map(|b| b.max).max().unwrap_or(1);
        let bands: Vec<svg::Band<'_>> = def
            .bands
            .iter()
            .map(|b| svg::Band {
                from: f64::from(b.min),
                to: f64::from(b.max),
                label: &b.label,
            })
            .collect();
        let points: Vec<(String, f64, bool)> = results
            .iter()
            .map(|r| {
                (
                    r.local_date.clone(),
                    f64::from(r.score),
                    !r.flags.is_empty(),
                )
            })
            .collect();
        let _ = write!(out, "<h3>{}</h3>", esc(&def.title));
        out.push_str(&svg::line(
            &format!(
                "{}: scores against their bands, safety flags marked",
                def.title
            ),
            &points,
            (0.0, f64::from(hi)),
            &bands,
        ));
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|r| {
                vec![
                    esc(&r.local_date),
                    r.score.to_string(),
                    esc(&r.band),
                    if r.flags.is_empty() {
                        String::new()
                    } else {
                        "<span class=\"flag\">Safety flag: please ask me about it</span>".into()
                    },
                ]
            })
            .collect();
        table(out, &["Date", "Score", "Band", ""], &rows);
    }
    if !any {
        out.push_str("<p>No questionnaires in these dates.</p>");
    }
    Ok(())
}

fn budget(out: &mut String, store: &Arc<Store>, to: &str) -> Result<()> {
    let ledger = Budgets::new(store.clone());
    out.push_str("<h2>My personal health budget</h2>");
    let budgets = ledger.list_budgets()?;
    if budgets.is_empty() {
        out.push_str("<p>No budget.</p>");
    }
    for b in budgets {
        let s = ledger.summary(b.id.clone(), to.into())?;
        let _ = write!(
            out,
            "<h3>{}</h3><p>Allocated {} {}, spent {}, remaining {} (as of {}).</p>",
            esc(&b.name),
            pounds(s.allocated_pence + s.adjustments_pence),
            esc(&s.currency),
            pounds(s.spent_pence - s.reversed_pence),
            pounds(s.remaining_pence),
            esc(&s.as_of)
        );
        let rows: Vec<(String, f64, f64)> = s
            .lines
            .iter()
            .map(|l| {
                (
                    l.category.clone(),
                    l.spent_pence as f64,
                    l.planned_pence as f64,
                )
            })
            .collect();
        out.push_str(&svg::bars("Spent of planned, per line", &rows));
        let cells: Vec<Vec<String>> = s
            .lines
            .iter()
            .map(|l| {
                vec![
                    esc(&l.category),
                    pounds(l.planned_pence),
                    pounds(l.spent_pence),
                    pounds(l.remaining_pence),
                ]
            })
            .collect();
        table(out, &["Line", "Planned", "Spent", "Left"], &cells);
    }
    Ok(())
}

/// The page, with the sections asked for, in the order asked.
pub(crate) fn for_my_doctor(store: &Arc<Store>, request: &ReportRequest) -> Result<String> {
    date_range(&request.from, &request.to)?;
    if request.sections.is_empty() {
        return Err(PphError::validation("sections", "pick at least one section").into());
    }
    let (from, to) = (request.from.as_str(), request.to.as_str());
    let mut out = page::open("A report for my doctor");
    let _ = write!(
        out,
        "<p class=\"muted\">From {} to {}, from my own records on my phone.</p>",
        esc(from),
        esc(to)
    );
    for section in &request.sections {
        match section {
            ReportSection::CarePlan => care_plan(&mut out, store, from, to)?,
            ReportSection::DiaryTrends => diary_trends(&mut out, store, from, to)?,
            ReportSection::Questionnaires => questionnaires(&mut out, store, from, to)?,
            ReportSection::Budget => budget(&mut out, store, to)?,
        }
    }
    Ok(page::close(out))
}
