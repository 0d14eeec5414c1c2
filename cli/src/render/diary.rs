//! The symptom diary as the terminal shows it.

use super::lines;
use crate::ctx::Ctx;
use crate::fail::Result;
use crate::out::Show;
use pph_core::{
    Bucket, DiaryEntry, EntryPage, Flare, QuestionnaireDefinition, QuestionnaireResult, Symptom,
    SymptomScale, TrendPoint, TriggerInsight,
};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
#[serde(transparent)]
pub struct Symptoms(pub Vec<Symptom>);

/// A page of entries, with the symptom names its ratings refer to.
#[derive(Serialize)]
pub struct Entries {
    #[serde(flatten)]
    pub page: EntryPage,
    #[serde(skip)]
    names: HashMap<String, String>,
}

impl Entries {
    pub fn of(ctx: &Ctx, page: EntryPage) -> Result<Entries> {
        let names = ctx
            .companion
            .diary()
            .list_symptoms()?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        Ok(Entries { page, names })
    }
}

/// One symptom over time.
#[derive(Serialize)]
pub struct Trend {
    #[serde(skip)]
    pub symptom: Symptom,
    pub bucket: Bucket,
    pub points: Vec<TrendPoint>,
}

#[derive(Serialize)]
#[serde(transparent)]
pub struct Flares(pub Vec<Flare>);

#[derive(Serialize)]
pub struct Triggers {
    #[serde(skip)]
    pub symptom: Symptom,
    pub triggers: Vec<TriggerInsight>,
}

#[derive(Serialize)]
#[serde(transparent)]
pub struct Questionnaires(pub Vec<QuestionnaireDefinition>);

/// A scored questionnaire, with the title it goes by.
#[derive(Serialize)]
pub struct Scored {
    #[serde(flatten)]
    pub result: QuestionnaireResult,
    #[serde(skip)]
    pub title: String,
}

#[derive(Serialize)]
#[serde(transparent)]
pub struct Results(pub Vec<QuestionnaireResult>);

/// A reading: whole numbers for large values (peak flow), one decimal
/// otherwise.
fn reading(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn readings(n: u32) -> String {
    match n {
        1 => "1 reading".into(),
        n => format!("{n} readings"),
    }
}

impl Show for Symptoms {
    fn text(&self) -> String {
        lines(&self.0, |s| {
            let scale = match &s.scale {
                SymptomScale::Severity => "0-10".to_owned(),
                SymptomScale::Measured { unit, min, max } => format!("{min}-{max} {unit}"),
            };
            format!("{}  {} ({scale})", s.id, s.name)
        })
    }
}

impl Show for Entries {
    fn text(&self) -> String {
        let mut out = lines(&self.page.entries, |e: &DiaryEntry| {
            let ratings: Vec<String> = e
                .ratings
                .iter()
                .map(|r| {
                    let name = self
                        .names
                        .get(&r.symptom_id)
                        .map_or("a symptom", String::as_str);
                    format!("{name} {}", r.value)
                })
                .collect();
            let mut line = format!("{}  {}  {}", e.local_date, e.id, ratings.join(", "));
            if !e.tags.is_empty() {
                line.push_str(&format!("  [{}]", e.tags.join(", ")));
            }
            if let Some(note) = &e.note {
                line.push_str(&format!("  \"{note}\""));
            }
            line
        });
        if let Some(next) = &self.page.next_cursor {
            out.push_str(&format!("(more: --cursor {next})\n"));
        }
        out
    }
}

impl Show for Trend {
    fn text(&self) -> String {
        match &self.symptom.scale {
            SymptomScale::Severity => {
                let by = match self.bucket {
                    Bucket::Day => "day",
                    Bucket::Week => "week",
                    Bucket::Month => "month",
                };
                let mut out = format!("{} by {by} (0-10):\n", self.symptom.name);
                out.push_str(&lines(&self.points, |p| {
                    format!(
                        "  {}  {:<10} mean {:.1}, highest {} ({})",
                        p.start,
                        "#".repeat(p.mean.round().clamp(0.0, 10.0) as usize),
                        p.mean,
                        p.max,
                        readings(p.count)
                    )
                }));
                out
            }
            SymptomScale::Measured { unit, .. } => lines(&self.points, |p| {
                let when = match self.bucket {
                    Bucket::Day => "on",
                    Bucket::Week => "week of",
                    Bucket::Month => "month of",
                };
                format!(
                    "{}, {when} {}: mean {} {unit} (lowest {}, highest {}) over {}",
                    self.symptom.name,
                    p.start,
                    reading(p.mean),
                    p.min,
                    p.max,
                    readings(p.count)
                )
            }),
        }
    }
}

impl Show for Flares {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No flares in that time.\n".into();
        }
        lines(&self.0, |f| {
            format!(
                "A flare: {} to {} ({} days, peak {})",
                f.start, f.end, f.days, f.peak
            )
        })
    }
}

impl Show for Triggers {
    fn text(&self) -> String {
        if self.triggers.is_empty() {
            return "No tag goes with worse days yet.\n".into();
        }
        let name = self.symptom.name.to_lowercase();
        lines(&self.triggers, |t| {
            format!(
                "On days with \"{}\" {name} averaged {:.1}, otherwise {:.1} ({} days vs {})",
                t.tag, t.mean_with, t.mean_without, t.days_with, t.days_without
            )
        })
    }
}

impl Show for Questionnaires {
    fn text(&self) -> String {
        lines(&self.0, |q| {
            format!("{:<8} {} ({} items)", q.code, q.title, q.items.len())
        })
    }
}

fn flags(r: &QuestionnaireResult) -> String {
    r.flags
        .iter()
        .map(|f| format!("  ! {}\n", f.message))
        .collect()
}

impl Show for Scored {
    fn text(&self) -> String {
        // "PHQ-9 (Patient Health Questionnaire)" goes by "PHQ-9".
        let short = self.title.split(" (").next().unwrap_or(&self.title);
        format!(
            "{short} score {} ({})\n{}",
            self.result.score,
            self.result.band,
            flags(&self.result)
        )
    }
}

impl Show for Results {
    fn text(&self) -> String {
        self.0
            .iter()
            .map(|r| {
                format!(
                    "{}  {} {} ({})\n{}",
                    r.local_date,
                    r.code,
                    r.score,
                    r.band,
                    flags(r)
                )
            })
            .collect()
    }
}
