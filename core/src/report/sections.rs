//! The sections a page is made of, from records already read: the care
//! plan and what was done of it, symptom trends with their flares,
//! questionnaire scores against their bands, the budget. The person's own
//! report speaks as "I"; the clinician's consultation page speaks of the
//! person. One template set, two uses.

use super::page::pounds;
use super::svg;
use crate::budget::model::BudgetSummary;
use crate::care_plan::model::{Adherence, CarePlan};
use crate::diary::model::{
    Flare, QuestionnaireDefinition, QuestionnaireResult, Symptom, SymptomScale, TrendPoint,
};
use maud::{html, Markup, PreEscaped};

/// Who the page speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Voice {
    /// The person's own report.
    Mine,
    /// A clinician reading what the person shared.
    Theirs,
}

impl Voice {
    fn say(self, mine: &'static str, theirs: &'static str) -> &'static str {
        match self {
            Voice::Mine => mine,
            Voice::Theirs => theirs,
        }
    }
}

/// A flare: two days or more at 7 of 10 or worse (severity only; a
/// measured value has no "worse" direction here).
pub(crate) const FLARE_AT: f64 = 7.0;
pub(crate) const FLARE_DAYS: u32 = 2;

/// One symptom's buckets and the flares among them.
pub(crate) struct SymptomSeries {
    pub symptom: Symptom,
    pub buckets: Vec<TrendPoint>,
    pub flares: Vec<Flare>,
}

fn figures_table(head: &[&str], rows: Vec<Vec<Markup>>, caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            tr { @for h in head { th scope="col" { (h) } } }
            @for row in rows {
                tr { @for cell in row { td { (cell) } } }
            }
        }
    }
}

fn text(s: impl Into<String>) -> Markup {
    html! { (s.into()) }
}

/// "What matters to me", in the person's own words.
pub(crate) fn what_matters(plan: &CarePlan, voice: Voice) -> Markup {
    html! {
        h2 { (voice.say("What matters to me", "What matters to them, in their words")) }
        @if plan.info.what_matters.trim().is_empty() {
            p.muted { "Not written yet." }
        } @else {
            blockquote { (plan.info.what_matters) }
        }
    }
}

fn in_whose_words(expressed_by: &str, voice: Voice) -> String {
    if expressed_by.trim().eq_ignore_ascii_case("me") {
        voice.say("in my words", "in their own words").to_owned()
    } else {
        format!("in the words of {expressed_by}")
    }
}

/// The goals, each with its activities and what was done of them.
pub(crate) fn goals(plan: &CarePlan, adherence: Option<&Adherence>, voice: Voice) -> Markup {
    let figures = |activity_id: &str| {
        adherence.and_then(|a| {
            a.activities
                .iter()
                .find(|x| x.activity_id == activity_id)
                .map(|x| &x.figures)
        })
    };
    let period = adherence.map(|a| format!("{} to {}", a.from, a.to));
    let bars: Vec<(String, f64, f64)> = plan
        .activities
        .iter()
        .filter_map(|act| {
            let f = figures(&act.id).filter(|f| f.scheduled > 0)?;
            Some((
                act.description.clone(),
                f64::from(f.done) + f64::from(f.partly) / 2.0,
                f64::from(f.scheduled),
            ))
        })
        .collect();
    html! {
        h2 { (voice.say("My goals and what I did", "Goals, activities and adherence")) }
        @if let Some(period) = &period {
            p.muted { "Activities from " (period) "." }
        }
        @if plan.goals.is_empty() {
            p { "No goals yet." }
        }
        @for goal in &plan.goals {
            h3 { (goal.description) }
            p.muted {
                "Status: " (format!("{:?}", goal.status).to_lowercase())
                @if let Some(target) = &goal.target { "; target: " (target) }
                "; " (in_whose_words(&goal.expressed_by, voice)) "."
            }
            @let rows: Vec<Vec<Markup>> = plan.activities.iter()
                .filter(|a| a.goal_id == goal.id)
                .map(|a| match figures(&a.id).filter(|f| f.scheduled > 0) {
                    Some(f) => vec![
                        text(a.description.clone()),
                        text(f.scheduled.to_string()),
                        text(f.done.to_string()),
                        text(f.partly.to_string()),
                        text((f.skipped + f.missed).to_string()),
                        text(f.ratio.map_or("-".to_owned(), |r| format!("{:.0}%", r * 100.0))),
                    ],
                    None => vec![
                        text(a.description.clone()),
                        text("0"), text("-"), text("-"), text("-"), text("-"),
                    ],
                })
                .collect();
            @if rows.is_empty() {
                p.muted { "No activities for this goal." }
            } @else {
                (figures_table(
                    &["Activity", "Planned", "Done", "Partly", "Not done", "Adherence"],
                    rows,
                    &format!("Activities for: {}", goal.description),
                ))
            }
        }
        @if !bars.is_empty() {
            (PreEscaped(svg::bars(voice.say("What I did of what I planned", "Done of planned, per activity"), &bars)))
        }
    }
}

/// Symptom trends, one chart and one table per symptom, flares marked.
pub(crate) fn trends(series: &[SymptomSeries], bucket: &str, voice: Voice) -> Markup {
    html! {
        h2 { (voice.say("My symptoms", "Symptom trends")) ", " (bucket) " by " (bucket) }
        @if series.is_empty() {
            p { "No diary entries in these dates." }
        }
        @for s in series {
            @let in_flare = |start: &str| s.flares.iter().any(|f| f.start.as_str() <= start && start <= f.end.as_str());
            @let (lo, hi) = match &s.symptom.scale {
                SymptomScale::Severity => (0.0, 10.0),
                SymptomScale::Measured { min, max, .. } => (*min, *max),
            };
            @let points: Vec<(String, f64, bool)> = s.buckets.iter()
                .map(|w| (w.start.clone(), (w.mean * 10.0).round() / 10.0, in_flare(&w.start)))
                .collect();
            h3 { (s.symptom.name) }
            @if !s.flares.is_empty() {
                p.flag {
                    (s.flares.len()) @if s.flares.len() == 1 { " flare" } @else { " flares" }
                    " (" (FLARE_DAYS) " days or more at " (FLARE_AT) " or worse): "
                    @for (i, f) in s.flares.iter().enumerate() {
                        @if i > 0 { ", " }
                        (f.start) " to " (f.end) " (peak " (f.peak) ")"
                    }
                }
            }
            (PreEscaped(svg::line(&format!("{}: mean per {bucket}, flares marked", s.symptom.name), &points, (lo, hi), &[])))
            (figures_table(
                &[&format!("{} of", capitalised(bucket)), "Mean", "Range", "Entries", "Flare"],
                s.buckets.iter().map(|w| vec![
                    text(w.start.clone()),
                    text(format!("{:.1}", w.mean)),
                    text(format!("{} to {}", w.min, w.max)),
                    text(w.count.to_string()),
                    text(if in_flare(&w.start) { "flare" } else { "" }),
                ]).collect(),
                &format!("{}, {bucket} by {bucket}", s.symptom.name),
            ))
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Questionnaire scores over time, drawn against their severity bands,
/// oldest first; safety flags marked.
pub(crate) fn questionnaires(
    definitions: &[QuestionnaireDefinition],
    results: &[QuestionnaireResult],
    voice: Voice,
) -> Markup {
    let mut any = false;
    let mut body = html! {};
    for def in definitions {
        let mut mine: Vec<&QuestionnaireResult> =
            results.iter().filter(|r| r.code == def.code).collect();
        if mine.is_empty() {
            continue;
        }
        any = true;
        crate::order::sort_by_key(&mut mine, |r| r.recorded_at);
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
        let points: Vec<(String, f64, bool)> = mine
            .iter()
            .map(|r| {
                (
                    r.local_date.clone(),
                    f64::from(r.score),
                    !r.flags.is_empty(),
                )
            })
            .collect();
        let flag_text = voice.say("Safety flag: please ask me about it", "Safety flag raised");
        body = html! {
            (body)
            h3 { (def.title) }
            (PreEscaped(svg::line(&format!("{}: scores against their bands, safety flags marked", def.title), &points, (0.0, f64::from(hi)), &bands)))
            (figures_table(
                &["Date", "Score", "Band", "Safety"],
                mine.iter().map(|r| vec![
                    text(r.local_date.clone()),
                    text(r.score.to_string()),
                    text(r.band.clone()),
                    if r.flags.is_empty() { text("") } else { html! { span.flag { (flag_text) } } },
                ]).collect(),
                &format!("{} scores", def.title),
            ))
        };
    }
    html! {
        h2 { "Questionnaires" }
        @if any { (body) } @else { p { "No questionnaires in these dates." } }
    }
}

/// Each budget: spent against plan, per line.
pub(crate) fn budgets(budgets: &[(String, BudgetSummary)], voice: Voice) -> Markup {
    html! {
        h2 { (voice.say("My personal health budget", "Personal health budget")) }
        @if budgets.is_empty() { p { "No budget." } }
        @for (name, s) in budgets {
            h3 { (name) }
            p {
                "Allocated " (pounds(s.allocated_pence + s.adjustments_pence)) " " (s.currency)
                ", spent " (pounds(s.spent_pence - s.reversed_pence))
                ", remaining " (pounds(s.remaining_pence)) " (as of " (s.as_of) ")."
            }
            @let bars: Vec<(String, f64, f64)> = s.lines.iter()
                .map(|l| (l.category.clone(), l.spent_pence as f64, l.planned_pence as f64))
                .collect();
            (PreEscaped(svg::bars("Spent of planned, per line", &bars)))
            (figures_table(
                &["Line", "Planned", "Spent", "Left"],
                s.lines.iter().map(|l| vec![
                    text(l.category.clone()),
                    text(pounds(l.planned_pence)),
                    text(pounds(l.spent_pence)),
                    text(pounds(l.remaining_pence)),
                ]).collect(),
                &format!("{name}, per line"),
            ))
        }
    }
}
