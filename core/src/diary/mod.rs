//! The symptom diary: the exported API. Logging is one call and one
//! transaction; edits and deletes keep history and tombstones for sync.

mod export;
mod insight;
pub mod model;
pub(crate) mod questionnaire;
pub(crate) mod store;

use crate::error::{PphError, Result};
use crate::ids::{check_id, new_id};
use crate::paging::{check_limit, next, Cursor};
use crate::store::{load_required, Entity, Store, WriteTx};
use crate::time::{check_offset, local_date, to_ms};
use crate::validate::date_range;
use model::*;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

const MAX_IMPORT: usize = 100_000;

#[derive(uniffi::Object)]
pub struct Diary {
    store: Arc<Store>,
}

impl Diary {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Diary { store }
    }
}

/// Data compiled into the app, parsed on first use. A broken file is an
/// error to report (and a failing test), never a silently empty list.
fn embedded<T: serde::de::DeserializeOwned>(
    cell: &'static OnceLock<Result<Vec<T>, String>>,
    text: &str,
) -> Result<&'static [T]> {
    cell.get_or_init(|| {
        serde_json::from_str(text).map_err(|e| format!("built-in data: {:?}", e.classify()))
    })
    .as_deref()
    .map_err(|reason| {
        PphError::Internal {
            reason: reason.clone(),
        }
        .into()
    })
}

/// The starter catalogue, as shipped (`built_in` is set when it is listed).
fn built_in_symptoms() -> Result<&'static [Symptom]> {
    static CATALOGUE: OnceLock<Result<Vec<Symptom>, String>> = OnceLock::new();
    embedded(&CATALOGUE, include_str!("data/symptoms.json"))
}

/// Every symptom by id: the starter catalogue and the person's own.
fn symptoms(conn: &Connection) -> Result<HashMap<String, Symptom>> {
    Ok(built_in_symptoms()?
        .iter()
        .cloned()
        .map(|s| Symptom {
            built_in: true,
            ..s
        })
        .chain(store::custom_symptoms(conn)?)
        .map(|s| (s.id.clone(), s))
        .collect())
}

fn questionnaire(conn: &Connection, code: &str) -> Result<QuestionnaireDefinition> {
    if let Some(def) = store::custom_questionnaire(conn, code)? {
        return Ok(def);
    }
    questionnaire::built_in()?
        .iter()
        .find(|q| q.code == code)
        .cloned()
        .ok_or_else(|| PphError::not_found("questionnaire", code).into())
}

fn all_questionnaires(conn: &Connection) -> Result<Vec<QuestionnaireDefinition>> {
    let custom = store::custom_questionnaires(conn)?;
    let mut all: Vec<QuestionnaireDefinition> = questionnaire::built_in()?
        .iter()
        .filter(|b| !custom.iter().any(|c| c.code == b.code))
        .cloned()
        .collect();
    all.extend(custom);
    Ok(all)
}

fn live_entry(tx: &WriteTx<'_>, entry_id: &str) -> Result<DiaryEntry> {
    let entry: DiaryEntry = load_required(tx.tx, entry_id)?;
    if entry.deleted {
        return Err(
            PphError::not_found(<DiaryEntry as crate::store::Entity>::KIND, entry_id).into(),
        );
    }
    Ok(entry)
}

fn page(entries: Vec<DiaryEntry>, limit: u32) -> EntryPage {
    let next_cursor = next(&entries, limit, |e| Cursor {
        at_ms: crate::time::ms_i64(e.recorded_at),
        id: e.id.clone(),
    });
    EntryPage {
        entries,
        next_cursor,
    }
}

#[uniffi::export]
impl Diary {
    /// The starter catalogue and the person's own symptoms, most used first.
    pub fn list_symptoms(&self) -> Result<Vec<Symptom>, PphError> {
        Ok(self.store.read(|conn| {
            let uses = store::symptom_uses(conn)?;
            let mut all: Vec<Symptom> = symptoms(conn)?.into_values().collect();
            crate::order::sort_by(&mut all, |a, b| {
                let use_of = |s: &Symptom| uses.get(&s.id).copied().unwrap_or(0);
                use_of(b).cmp(&use_of(a)).then_with(|| a.name.cmp(&b.name))
            });
            Ok(all)
        })?)
    }

    /// Adds one of the person's own symptoms.
    pub fn define_symptom(&self, new: NewSymptom) -> Result<Symptom, PphError> {
        new.validate()?;
        Ok(self.store.write(|tx| {
            let exists = symptoms(tx.tx)?
                .values()
                .any(|s| s.name.to_lowercase() == new.name.trim().to_lowercase());
            if exists {
                return Err(PphError::Conflict {
                    reason: "a symptom with that name exists".into(),
                }
                .into());
            }
            let symptom = Symptom {
                id: new_id(),
                name: new.name.trim().to_owned(),
                scale: new.scale,
                loinc: None,
                built_in: false,
            };
            tx.save_personal(None, &symptom)?;
            Ok(symptom)
        })?)
    }

    /// One quick call, one transaction.
    pub fn log_entry(&self, new: NewEntry) -> Result<DiaryEntry, PphError> {
        Ok(self.store.write(|tx| {
            let entry = new.into_entry(&symptoms(tx.tx)?)?;
            tx.save_personal(None, &entry)?;
            Ok(entry)
        })?)
    }

    /// Imports many entries in one transaction: all of them, or (on any bad
    /// entry) none, with the error naming the entry's position.
    pub fn import_entries(&self, entries: Vec<NewEntry>) -> Result<u32, PphError> {
        if entries.len() > MAX_IMPORT {
            return Err(PphError::validation(
                "entries",
                format!("at most {MAX_IMPORT} per import"),
            ));
        }
        Ok(self.store.write(|tx| {
            let catalogue = symptoms(tx.tx)?;
            let entries = entries
                .into_iter()
                .enumerate()
                .map(|(i, new)| {
                    new.into_entry(&catalogue).map_err(|e| match e {
                        PphError::Validation { field, reason } => {
                            PphError::validation(&format!("entries[{i}].{field}"), reason)
                        }
                        other => other,
                    })
                })
                .collect::<Result<Vec<_>, PphError>>()?;
            tx.save_all_new_personal(&entries)?;
            Ok(entries.len() as u32)
        })?)
    }

    pub fn entry(&self, entry_id: String) -> Result<DiaryEntry, PphError> {
        check_id("entry_id", &entry_id)?;
        Ok(self.store.read(|conn| {
            let e: DiaryEntry = load_required(conn, &entry_id)?;
            if e.deleted {
                return Err(PphError::not_found(DiaryEntry::KIND, &entry_id).into());
            }
            Ok(e)
        })?)
    }

    pub fn update_entry(
        &self,
        entry_id: String,
        update: EntryUpdate,
    ) -> Result<DiaryEntry, PphError> {
        check_id("entry_id", &entry_id)?;
        Ok(self.store.write(|tx| {
            let old = live_entry(tx, &entry_id)?;
            let mut new = old.clone();
            if let Some(r) = update.ratings {
                new.ratings = r;
            }
            if update.note.is_some() {
                new.note = update.note.filter(|n| !n.trim().is_empty());
            }
            if let Some(t) = update.tags {
                new.tags = normalise_tags(t);
            }
            if let Some(m) = update.medications {
                new.medications = m;
            }
            new.check_content(&symptoms(tx.tx)?)?;
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    /// Deletes an entry: a tombstone that syncs, no longer shown or counted.
    pub fn delete_entry(&self, entry_id: String) -> Result<(), PphError> {
        check_id("entry_id", &entry_id)?;
        Ok(self.store.write(|tx| {
            let old = live_entry(tx, &entry_id)?;
            let new = DiaryEntry {
                deleted: true,
                ..old.clone()
            };
            tx.save_personal(Some(&old), &new)
        })?)
    }

    /// Entries between two local dates, newest first, `limit` at a time;
    /// pass the returned cursor for the next page.
    pub fn entries(
        &self,
        from: String,
        to: String,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<EntryPage, PphError> {
        date_range(&from, &to)?;
        check_limit(limit)?;
        let before = Cursor::parse(cursor.as_deref())?;
        let found = self.store.read(|conn| {
            store::entries_page(conn, &from, &to, Cursor::bound(before.as_ref()), limit)
        })?;
        Ok(page(found, limit))
    }

    /// Full-text search over notes, newest first by when the entry
    /// happened (as `entries` orders them: an entry made today for last
    /// week sorts as last week), paged by a cursor.
    pub fn search(
        &self,
        query: String,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<EntryPage, PphError> {
        check_limit(limit)?;
        let fts = search_query(&query)?;
        let after = Cursor::parse(cursor.as_deref())?;
        let found = self.store.read(|conn| {
            store::search(
                conn,
                &fts,
                after.as_ref().map(|c| (c.at_ms, c.id.as_str())),
                limit,
            )
        })?;
        Ok(page(found, limit))
    }

    /// Count, mean, min and max per day, week (Monday-Sunday) or month, in
    /// the person's local calendar.
    pub fn trend(
        &self,
        symptom_id: String,
        from: String,
        to: String,
        bucket: Bucket,
    ) -> Result<Vec<TrendPoint>, PphError> {
        date_range(&from, &to)?;
        Ok(self.store.read(|conn| {
            if !symptoms(conn)?.contains_key(&symptom_id) {
                return Err(PphError::not_found(Symptom::KIND, &symptom_id).into());
            }
            store::trend(conn, &symptom_id, &from, &to, bucket)
        })?)
    }

    /// Runs of at least `min_days` consecutive days whose highest rating was
    /// at or above `threshold`.
    pub fn flares(
        &self,
        symptom_id: String,
        from: String,
        to: String,
        threshold: f64,
        min_days: u32,
    ) -> Result<Vec<Flare>, PphError> {
        date_range(&from, &to)?;
        if !threshold.is_finite() {
            return Err(PphError::validation("threshold", "must be a number"));
        }
        if min_days == 0 {
            return Err(PphError::validation("min_days", "must be at least 1"));
        }
        let daily = self
            .store
            .read(|conn| store::daily(conn, &symptom_id, &from, &to, "high"))?;
        Ok(insight::flares(&daily, threshold, min_days))
    }

    /// For each tag, the symptom's mean on days with it against days without
    /// it, where there are at least 3 days of each.
    pub fn triggers(
        &self,
        symptom_id: String,
        from: String,
        to: String,
    ) -> Result<Vec<TriggerInsight>, PphError> {
        date_range(&from, &to)?;
        let (means, tags) = self.store.read(|conn| {
            Ok((
                store::daily_means(conn, &symptom_id, &from, &to)?,
                store::tag_days(conn, &from, &to)?,
            ))
        })?;
        Ok(insight::triggers(&means, &tags))
    }

    /// Built-in instruments (PHQ-9, GAD-7, MRC dyspnoea) and any added ones.
    pub fn questionnaires(&self) -> Result<Vec<QuestionnaireDefinition>, PphError> {
        Ok(self.store.read(all_questionnaires)?)
    }

    /// Adds (or replaces) an instrument as data, e.g. a licensed COPD
    /// Assessment Test supplied by the deploying organisation.
    pub fn add_questionnaire(&self, definition: QuestionnaireDefinition) -> Result<(), PphError> {
        definition.validate()?;
        Ok(self
            .store
            .write(|tx| store::save_questionnaire(tx.tx, &definition))?)
    }

    /// Scores the answers and stores the result with any safety flags. A flag
    /// means the shell must show its message (crisis-support guidance).
    pub fn submit_questionnaire(
        &self,
        code: String,
        answers: Vec<Answer>,
        recorded_at: SystemTime,
        utc_offset_minutes: i32,
    ) -> Result<QuestionnaireResult, PphError> {
        check_offset("utc_offset_minutes", utc_offset_minutes)?;
        let at = to_ms("recorded_at", recorded_at)?;
        Ok(self.store.write(|tx| {
            let def = questionnaire(tx.tx, &code)?;
            let scored = def.score(&answers)?;
            let result = QuestionnaireResult {
                id: new_id(),
                code,
                recorded_at,
                utc_offset_minutes,
                local_date: local_date(at, utc_offset_minutes).to_string(),
                answers,
                score: scored.score,
                band: scored.band,
                flags: scored.flags,
            };
            tx.save_personal(None, &result)?;
            Ok(result)
        })?)
    }

    /// Results of one instrument between two local dates, oldest first.
    pub fn questionnaire_history(
        &self,
        code: String,
        from: String,
        to: String,
    ) -> Result<Vec<QuestionnaireResult>, PphError> {
        date_range(&from, &to)?;
        Ok(self
            .store
            .read(|conn| store::results_between(conn, Some(&code), &from, &to))?)
    }

    /// One row per rating of every live entry between two local dates.
    pub fn export_csv(&self, from: String, to: String) -> Result<String, PphError> {
        date_range(&from, &to)?;
        Ok(self.store.read(|conn| {
            export::csv(&store::entries_between(conn, &from, &to)?, &symptoms(conn)?)
        })?)
    }

    /// A FHIR R4 Bundle (JSON) of ratings and questionnaire results in a range.
    /// A FHIR R4 Bundle of the range: a Patient holding only the details in
    /// `patient` (none by default), an Observation per rating, and per
    /// questionnaire a QuestionnaireResponse and a total-score Observation,
    /// each with the Patient as its subject.
    #[uniffi::method(default(patient = None))]
    pub fn export_fhir(
        &self,
        from: String,
        to: String,
        patient: Option<FhirPatient>,
    ) -> Result<String, PphError> {
        date_range(&from, &to)?;
        let patient = patient.unwrap_or_default();
        patient.validate()?;
        let now = crate::time::from_ms(self.store.now_ms());
        Ok(self.store.read(|conn| {
            let questionnaires = all_questionnaires(conn)?
                .into_iter()
                .map(|q| (q.code.clone(), q))
                .collect();
            let bundle = export::fhir_bundle(
                &export::BundleParts {
                    entries: &store::entries_between(conn, &from, &to)?,
                    results: &store::results_between(conn, None, &from, &to)?,
                    symptoms: &symptoms(conn)?,
                    questionnaires: &questionnaires,
                    patient: &patient,
                },
                now,
            );
            Ok(bundle.to_string())
        })?)
    }
}
