//! Symptom-diary records and their validation.

use crate::error::PphError;
use crate::ids::new_id;
use crate::time::{check_offset, local_date, to_ms};
use crate::validate::{optional_text, required_text, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::SystemTime;

/// Severity scales run 0 (none) to 10 (worst imaginable).
pub(crate) const SEVERITY_MAX: f64 = 10.0;
const MAX_RATINGS: usize = 30;
const MAX_TAGS: usize = 20;
const MAX_MEDICATIONS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum SymptomScale {
    /// 0 to 10.
    Severity,
    /// A measured value with its unit and plausible bounds (inclusive).
    Measured { unit: String, min: f64, max: f64 },
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Symptom {
    pub id: String,
    pub name: String,
    pub scale: SymptomScale,
    /// LOINC code used in FHIR exports, where one exists.
    pub loinc: Option<String>,
    /// From the starter catalogue rather than defined by the person.
    #[serde(default)]
    pub built_in: bool,
}

#[derive(Clone, uniffi::Record)]
pub struct NewSymptom {
    pub name: String,
    pub scale: SymptomScale,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Rating {
    pub symptom_id: String,
    pub value: f64,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct MedicationTaken {
    pub name: String,
    #[uniffi(default = None)]
    pub dose: Option<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DiaryEntry {
    pub id: String,
    pub recorded_at: SystemTime,
    pub utc_offset_minutes: i32,
    /// The person's local date when it was recorded.
    pub local_date: String,
    pub ratings: Vec<Rating>,
    pub note: Option<String>,
    /// Tags and triggers, e.g. "weather", "exertion", "missed medication".
    pub tags: Vec<String>,
    pub medications: Vec<MedicationTaken>,
    /// A tombstone: kept (and synced) but no longer shown or counted.
    pub deleted: bool,
}

#[derive(Clone, uniffi::Record)]
pub struct NewEntry {
    pub recorded_at: SystemTime,
    pub utc_offset_minutes: i32,
    pub ratings: Vec<Rating>,
    #[uniffi(default = None)]
    pub note: Option<String>,
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    #[uniffi(default = [])]
    pub medications: Vec<MedicationTaken>,
}

#[derive(Clone, Default, uniffi::Record)]
pub struct EntryUpdate {
    #[uniffi(default = None)]
    pub ratings: Option<Vec<Rating>>,
    #[uniffi(default = None)]
    pub note: Option<String>,
    #[uniffi(default = None)]
    pub tags: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub medications: Option<Vec<MedicationTaken>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct EntryPage {
    pub entries: Vec<DiaryEntry>,
    /// Pass back to get the next (older) page; None at the end.
    pub next_cursor: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct TrendPoint {
    /// First local date of the bucket.
    pub start: String,
    pub count: u32,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct Flare {
    pub start: String,
    pub end: String,
    pub days: u32,
    /// The highest rating during the flare.
    pub peak: f64,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct TriggerInsight {
    pub tag: String,
    pub days_with: u32,
    pub days_without: u32,
    /// Mean of the daily mean rating on days with and without the tag.
    pub mean_with: f64,
    pub mean_without: f64,
}

// ---- questionnaires ----

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct AnswerOption {
    pub value: i32,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct QuestionnaireItem {
    pub link_id: String,
    pub text: String,
    /// Item-specific answers (e.g. the COPD Assessment Test's anchors);
    /// otherwise the questionnaire's shared options apply.
    #[serde(default)]
    #[uniffi(default = None)]
    pub options: Option<Vec<AnswerOption>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ScoreBand {
    pub min: i32,
    pub max: i32,
    pub label: String,
}

/// An answer at or above `min_value` to item `link_id` raises `flag`, and the
/// shell must show `message` with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct SafetyRule {
    pub link_id: String,
    pub min_value: i32,
    pub flag: String,
    pub message: String,
}

/// An instrument as data: its items, answer values, bands (the score is the
/// sum of the answers) and safety rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct QuestionnaireDefinition {
    pub code: String,
    pub title: String,
    pub preamble: String,
    pub licence: String,
    pub loinc_panel: Option<String>,
    pub loinc_total: Option<String>,
    pub items: Vec<QuestionnaireItem>,
    pub options: Vec<AnswerOption>,
    pub bands: Vec<ScoreBand>,
    pub safety: Vec<SafetyRule>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Answer {
    pub link_id: String,
    pub value: i32,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct SafetyFlag {
    pub flag: String,
    /// What the shell must show with it, from the instrument on this
    /// device; never stored or synced, only the code is.
    #[serde(default, skip_serializing)]
    pub message: String,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct QuestionnaireResult {
    pub id: String,
    pub code: String,
    pub recorded_at: SystemTime,
    pub utc_offset_minutes: i32,
    pub local_date: String,
    pub answers: Vec<Answer>,
    pub score: i32,
    pub band: String,
    /// Raised safety flags, stored with the result; the shell must show each
    /// message (e.g. crisis-support guidance).
    pub flags: Vec<SafetyFlag>,
}

// ---- validation ----

impl NewSymptom {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("name", &self.name, MAX_SHORT_TEXT)?;
        if let SymptomScale::Measured { unit, min, max } = &self.scale {
            required_text("scale.unit", unit, 20)?;
            if !(min.is_finite() && max.is_finite() && min < max) {
                return Err(PphError::validation(
                    "scale",
                    "bounds must be numbers with min below max",
                ));
            }
        }
        Ok(())
    }
}

pub(crate) fn check_rating_value(
    symptom: &Symptom,
    index: usize,
    value: f64,
) -> Result<(), PphError> {
    let field = format!("ratings[{index}].value");
    let (min, max) = match &symptom.scale {
        SymptomScale::Severity => (0.0, SEVERITY_MAX),
        SymptomScale::Measured { min, max, .. } => (*min, *max),
    };
    if !value.is_finite() || value < min || value > max {
        return Err(PphError::validation(
            &field,
            format!("must be from {min} to {max}"),
        ));
    }
    Ok(())
}

/// Shape checks that need no store; symptom ids and values are checked
/// against the catalogue in the transaction.
pub(crate) fn check_entry_parts(
    ratings: &[Rating],
    note: Option<&str>,
    tags: &[String],
    medications: &[MedicationTaken],
) -> Result<(), PphError> {
    if ratings.is_empty() && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(PphError::validation(
            "ratings",
            "rate at least one symptom or write a note",
        ));
    }
    if ratings.len() > MAX_RATINGS {
        return Err(PphError::validation(
            "ratings",
            format!("at most {MAX_RATINGS}"),
        ));
    }
    optional_text("note", note, MAX_LONG_TEXT)?;
    if tags.len() > MAX_TAGS {
        return Err(PphError::validation("tags", format!("at most {MAX_TAGS}")));
    }
    for t in tags {
        required_text("tags", t, 60)?;
    }
    if medications.len() > MAX_MEDICATIONS {
        return Err(PphError::validation(
            "medications",
            format!("at most {MAX_MEDICATIONS}"),
        ));
    }
    for m in medications {
        required_text("medications.name", &m.name, MAX_SHORT_TEXT)?;
        optional_text("medications.dose", m.dose.as_deref(), MAX_SHORT_TEXT)?;
    }
    Ok(())
}

/// Tags are compared and stored lower-case and trimmed.
pub(crate) fn normalise_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = tags.into_iter().map(|t| t.trim().to_lowercase()).collect();
    crate::order::sort_by(&mut out, |a, b| a.cmp(b));
    out.dedup();
    out
}

pub use crate::fhir::FhirPatient;

impl DiaryEntry {
    /// Everything an entry must satisfy, new or edited: its parts, and each
    /// rating against its symptom's scale.
    pub(crate) fn check_content(
        &self,
        catalogue: &HashMap<String, Symptom>,
    ) -> Result<(), PphError> {
        check_entry_parts(
            &self.ratings,
            self.note.as_deref(),
            &self.tags,
            &self.medications,
        )?;
        for (i, r) in self.ratings.iter().enumerate() {
            let symptom = catalogue.get(&r.symptom_id).ok_or_else(|| {
                PphError::validation(&format!("ratings[{i}].symptom_id"), "no such symptom")
            })?;
            check_rating_value(symptom, i, r.value)?;
        }
        Ok(())
    }
}

impl NewEntry {
    /// Validates the entry against the catalogue and builds its record.
    pub(crate) fn into_entry(
        self,
        catalogue: &HashMap<String, Symptom>,
    ) -> Result<DiaryEntry, PphError> {
        check_offset("utc_offset_minutes", self.utc_offset_minutes)?;
        let at = to_ms("recorded_at", self.recorded_at)?;
        let entry = DiaryEntry {
            id: new_id(),
            recorded_at: self.recorded_at,
            utc_offset_minutes: self.utc_offset_minutes,
            local_date: local_date(at, self.utc_offset_minutes).to_string(),
            ratings: self.ratings,
            note: self.note.filter(|n| !n.trim().is_empty()),
            tags: normalise_tags(self.tags),
            medications: self.medications,
            deleted: false,
        };
        entry.check_content(catalogue)?;
        Ok(entry)
    }
}

/// The person's words as an FTS5 query: each word quoted (so no operator
/// syntax leaks in), the last one matching as a prefix.
pub(crate) fn search_query(text: &str) -> Result<String, PphError> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    if words.is_empty() {
        return Err(PphError::validation("query", "type a word to search for"));
    }
    Ok(format!("{}*", words.join(" ")))
}

pph_protocol::debug_without_secrets!(
    Symptom,
    NewSymptom,
    Rating,
    MedicationTaken,
    DiaryEntry,
    NewEntry,
    EntryUpdate,
    TrendPoint,
    Flare,
    TriggerInsight,
    Answer,
    SafetyFlag,
    QuestionnaireResult,
);
