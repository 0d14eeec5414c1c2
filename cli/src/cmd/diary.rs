//! The symptom diary: logging, reading back, trends, flares, triggers,
//! questionnaires and exports.

use crate::ctx::Ctx;
use crate::fail::{Fail, Result, Status};
use crate::parse;
use crate::render::diary::{
    Entries, Flares, Questionnaires, Results, Scored, Symptoms, Trend, Triggers,
};
use clap::{Args, Subcommand};
use pph_core::*;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DiaryCommand {
    /// The symptoms you can rate, most used first.
    Symptoms,
    /// Add a symptom of your own (0-10 unless --unit is given).
    Symptom(SymptomAdd),
    /// Write an entry: ratings, a note, tags, medication.
    Log(Log),
    /// Entries between two dates, newest first, a page at a time.
    List(List),
    /// Entries whose notes match words, newest first.
    Search(Search),
    /// Delete an entry (it stays in the history, no longer shown or counted).
    Delete { entry: String },
    /// One symptom by day, week or month.
    Trend(TrendArgs),
    /// Runs of days at or above a level.
    Flares(FlareArgs),
    /// Tags that go with worse days.
    Triggers(Span),
    #[command(subcommand)]
    Questionnaire(QuestionnaireCommand),
    /// The diary as CSV, or as a FHIR R4 Bundle for a clinical record.
    Export(Export),
}

#[derive(Subcommand)]
pub enum QuestionnaireCommand {
    /// The questionnaires on this device.
    List,
    /// Score a questionnaire from its answers, in item order.
    Answer(AnswerArgs),
    /// Past results between two dates.
    History {
        code: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Args, Default)]
pub struct SymptomAdd {
    #[arg(long)]
    pub name: String,
    /// A measured symptom's unit (e.g. L/min); with --min and --max.
    #[arg(long, requires_all = ["min", "max"])]
    pub unit: Option<String>,
    #[arg(long)]
    pub min: Option<f64>,
    #[arg(long)]
    pub max: Option<f64>,
}

#[derive(Args, Default)]
pub struct Log {
    /// SYMPTOM=VALUE, by name or id; repeat for each symptom.
    #[arg(long = "rate")]
    pub ratings: Vec<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// Repeat for each tag.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// NAME or NAME:DOSE; repeat for each.
    #[arg(long = "med")]
    pub medications: Vec<String>,
    /// When (RFC 3339); now if not given.
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Args, Default)]
pub struct List {
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// From a previous page's `next`.
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Args, Default)]
pub struct Search {
    pub words: String,
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Args, Default)]
pub struct Span {
    /// A symptom's name or id.
    pub symptom: String,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
}

#[derive(Args, Default)]
pub struct TrendArgs {
    #[command(flatten)]
    pub span: Span,
    /// day, week or month
    #[arg(long, default_value = "day")]
    pub by: String,
}

#[derive(Args, Default)]
pub struct FlareArgs {
    #[command(flatten)]
    pub span: Span,
    /// The level a flare reaches.
    #[arg(long, default_value_t = 5.0)]
    pub at_least: f64,
    /// The fewest days in a row that make a flare.
    #[arg(long, default_value_t = 2)]
    pub days: u32,
}

#[derive(Args, Default)]
pub struct AnswerArgs {
    pub code: String,
    /// Each item's value in order, e.g. 1,1,2,0,0,1,0,0,1.
    #[arg(long)]
    pub answers: String,
    #[arg(long)]
    pub at: Option<String>,
}

/// What a FHIR export says about the person: only what they choose.
#[derive(Args, Default)]
pub struct PatientArgs {
    /// For FHIR: the patient's name, only if you choose to include it.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub birth_date: Option<String>,
    #[arg(long)]
    pub nhs_number: Option<String>,
}

impl From<PatientArgs> for FhirPatient {
    fn from(a: PatientArgs) -> Self {
        FhirPatient {
            name: a.name,
            birth_date: a.birth_date,
            nhs_number: a.nhs_number,
        }
    }
}

#[derive(Args, Default)]
pub struct Export {
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    /// csv or fhir
    #[arg(long, default_value = "csv")]
    pub format: String,
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Write here instead of to the terminal.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A symptom by id, or by name ignoring case.
pub fn symptom(ctx: &Ctx, name_or_id: &str) -> Result<Symptom> {
    let wanted = name_or_id.trim();
    ctx.companion
        .diary()
        .list_symptoms()?
        .into_iter()
        .find(|s| s.id == wanted || s.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            Fail::new(
                Status::NotFound,
                "no such symptom (see `pph diary symptoms`)",
            )
        })
}

pub fn symptoms(ctx: &Ctx) -> Result<Symptoms> {
    Ok(Symptoms(ctx.companion.diary().list_symptoms()?))
}

pub fn define(ctx: &Ctx, a: SymptomAdd) -> Result<Symptom> {
    let scale = match (a.unit, a.min, a.max) {
        (Some(unit), Some(min), Some(max)) => SymptomScale::Measured { unit, min, max },
        _ => SymptomScale::Severity,
    };
    Ok(ctx.companion.diary().define_symptom(NewSymptom {
        name: a.name,
        scale,
    })?)
}

pub fn log(ctx: &Ctx, a: Log) -> Result<DiaryEntry> {
    let ratings = a
        .ratings
        .iter()
        .map(|r| {
            let (name, value) = parse::rating(r)?;
            Ok(Rating {
                symptom_id: symptom(ctx, &name)?.id,
                value,
            })
        })
        .collect::<Result<_>>()?;
    let at = parse::instant_or("--at", a.at.as_deref(), ctx.now())?;
    Ok(ctx.companion.diary().log_entry(NewEntry {
        recorded_at: at,
        utc_offset_minutes: ctx.offset_minutes(at),
        ratings,
        note: a.note,
        tags: a.tags,
        medications: a.medications.iter().map(|m| parse::medication(m)).collect(),
    })?)
}

pub fn list(ctx: &Ctx, a: List) -> Result<Entries> {
    let page = ctx
        .companion
        .diary()
        .entries(a.from, a.to, a.limit, a.cursor)?;
    Entries::of(ctx, page)
}

pub fn search(ctx: &Ctx, a: Search) -> Result<Entries> {
    let page = ctx.companion.diary().search(a.words, a.limit, a.cursor)?;
    Entries::of(ctx, page)
}

pub fn trend(ctx: &Ctx, a: TrendArgs) -> Result<Trend> {
    let symptom = symptom(ctx, &a.span.symptom)?;
    let bucket: Bucket = parse::enum_value("--by", &a.by)?;
    let points = ctx
        .companion
        .diary()
        .trend(symptom.id.clone(), a.span.from, a.span.to, bucket)?;
    Ok(Trend {
        symptom,
        bucket,
        points,
    })
}

pub fn flares(ctx: &Ctx, a: FlareArgs) -> Result<Flares> {
    let symptom = symptom(ctx, &a.span.symptom)?;
    Ok(Flares(ctx.companion.diary().flares(
        symptom.id,
        a.span.from,
        a.span.to,
        a.at_least,
        a.days,
    )?))
}

pub fn triggers(ctx: &Ctx, a: Span) -> Result<Triggers> {
    let symptom = symptom(ctx, &a.symptom)?;
    let triggers = ctx
        .companion
        .diary()
        .triggers(symptom.id.clone(), a.from, a.to)?;
    Ok(Triggers { symptom, triggers })
}

pub fn answer(ctx: &Ctx, a: AnswerArgs) -> Result<Scored> {
    let diary = ctx.companion.diary();
    let definition = diary
        .questionnaires()?
        .into_iter()
        .find(|q| q.code == a.code)
        .ok_or_else(|| {
            Fail::new(
                Status::NotFound,
                "no such questionnaire (see `pph diary questionnaire list`)",
            )
        })?;
    let values = parse::answers(&a.answers)?;
    if values.len() != definition.items.len() {
        return Err(Fail::refused(format!(
            "--answers: this questionnaire has {} items",
            definition.items.len()
        )));
    }
    let answers = definition
        .items
        .iter()
        .zip(values)
        .map(|(item, value)| Answer {
            link_id: item.link_id.clone(),
            value,
        })
        .collect();
    let at = parse::instant_or("--at", a.at.as_deref(), ctx.now())?;
    let result = diary.submit_questionnaire(a.code, answers, at, ctx.offset_minutes(at))?;
    Ok(Scored {
        result,
        title: definition.title,
    })
}

pub fn export(ctx: &Ctx, a: Export) -> Result<String> {
    let diary = ctx.companion.diary();
    match a.format.as_str() {
        "csv" => Ok(diary.export_csv(a.from, a.to)?),
        "fhir" => Ok(diary.export_fhir(a.from, a.to, Some(a.patient.into()))?),
        _ => Err(Fail::refused("--format is csv or fhir")),
    }
}

pub fn run(ctx: &Ctx, command: DiaryCommand) -> Result<()> {
    match command {
        DiaryCommand::Symptoms => ctx.out.show(&symptoms(ctx)?),
        DiaryCommand::Symptom(a) => {
            let symptom = define(ctx, a)?;
            ctx.out.created(&symptom.id, &symptom);
        }
        DiaryCommand::Log(a) => {
            let entry = log(ctx, a)?;
            ctx.out.created(&entry.id, &entry);
        }
        DiaryCommand::List(a) => ctx.out.show(&list(ctx, a)?),
        DiaryCommand::Search(a) => ctx.out.show(&search(ctx, a)?),
        DiaryCommand::Delete { entry } => {
            ctx.companion.diary().delete_entry(entry)?;
            ctx.out.done("deleted");
        }
        DiaryCommand::Trend(a) => ctx.out.show(&trend(ctx, a)?),
        DiaryCommand::Flares(a) => ctx.out.show(&flares(ctx, a)?),
        DiaryCommand::Triggers(a) => ctx.out.show(&triggers(ctx, a)?),
        DiaryCommand::Questionnaire(QuestionnaireCommand::List) => ctx
            .out
            .show(&Questionnaires(ctx.companion.diary().questionnaires()?)),
        DiaryCommand::Questionnaire(QuestionnaireCommand::Answer(a)) => {
            ctx.out.show(&answer(ctx, a)?)
        }
        DiaryCommand::Questionnaire(QuestionnaireCommand::History { code, from, to }) => {
            ctx.out.show(&Results(
                ctx.companion
                    .diary()
                    .questionnaire_history(code, from, to)?,
            ))
        }
        DiaryCommand::Export(a) => {
            let target = a.out.clone();
            let document = export(ctx, a)?;
            match target {
                Some(path) => {
                    std::fs::write(&path, document.as_bytes()).map_err(|e| {
                        Fail::new(Status::Failure, format!("cannot write --out: {}", e.kind()))
                    })?;
                    ctx.out.done(&format!("written to {}", path.display()));
                }
                None => crate::out::raw(&document),
            }
        }
    }
    Ok(())
}
