//! Exports: CSV of entries, and a FHIR R4 Bundle (type collection) with an
//! Observation per rating and, per questionnaire, a QuestionnaireResponse and
//! an Observation of its total score coded in LOINC where one exists.

use super::model::{
    DiaryEntry, FhirPatient, QuestionnaireDefinition, QuestionnaireResult, Symptom, SymptomScale,
};
use crate::error::{PphError, Result};
use crate::fhir::{collection, local_time, patient_resource};
use crate::ids::new_id;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::SystemTime;

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const SYMPTOM_SYSTEM: &str = "urn:pph:symptom";
const QUESTIONNAIRE_PREFIX: &str = "urn:pph:questionnaire:";

fn unit(symptom: Option<&Symptom>) -> &str {
    match symptom.map(|s| &s.scale) {
        Some(SymptomScale::Measured { unit, .. }) => unit,
        _ => "0-10",
    }
}

pub(crate) fn csv(entries: &[DiaryEntry], symptoms: &HashMap<String, Symptom>) -> Result<String> {
    let fail = |_| PphError::Internal {
        reason: "could not write CSV".into(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "recorded_at",
        "local_date",
        "entry_id",
        "symptom",
        "value",
        "unit",
        "tags",
        "medications",
        "note",
    ])
    .map_err(fail)?;
    for e in entries {
        let when = local_time(e.recorded_at, e.utc_offset_minutes);
        let tags = e.tags.join(";");
        let meds = e
            .medications
            .iter()
            .map(|m| match &m.dose {
                Some(d) => format!("{} {d}", m.name),
                None => m.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(";");
        let note = e.note.as_deref().unwrap_or("");
        let mut row = |symptom: &str, value: &str, unit: &str| {
            w.write_record([
                when.as_str(),
                &e.local_date,
                &e.id,
                symptom,
                value,
                unit,
                &tags,
                &meds,
                note,
            ])
            .map_err(fail)
        };
        if e.ratings.is_empty() {
            row("", "", "")?;
        }
        for r in &e.ratings {
            let s = symptoms.get(&r.symptom_id);
            row(
                s.map_or(r.symptom_id.as_str(), |s| s.name.as_str()),
                &r.value.to_string(),
                unit(s),
            )?;
        }
    }
    let bytes = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|_| {
        PphError::Internal {
            reason: "CSV is not UTF-8".into(),
        }
        .into()
    })
}

fn rating_observation(
    e: &DiaryEntry,
    symptom_id: &str,
    value: f64,
    symptom: Option<&Symptom>,
    subject: &Value,
) -> Value {
    let name = symptom.map_or(symptom_id, |s| s.name.as_str());
    let coding = match symptom.and_then(|s| s.loinc.as_deref()) {
        Some(code) => json!({ "system": LOINC, "code": code, "display": name }),
        None => json!({ "system": SYMPTOM_SYSTEM, "code": symptom_id, "display": name }),
    };
    let (category, quantity) = match symptom.map(|s| &s.scale) {
        Some(SymptomScale::Measured { unit, .. }) => (
            "vital-signs",
            json!({ "value": value, "unit": unit, "system": UCUM, "code": unit }),
        ),
        _ => (
            "survey",
            json!({ "value": value, "unit": "score (0-10)", "system": UCUM, "code": "{score}" }),
        ),
    };
    let mut obs = json!({
        "resourceType": "Observation",
        "id": new_id(),
        "status": "final",
        "category": [{ "coding": [{ "system": CATEGORY, "code": category }] }],
        "code": { "coding": [coding], "text": name },
        "subject": subject,
        "effectiveDateTime": local_time(e.recorded_at, e.utc_offset_minutes),
        "valueQuantity": quantity,
    });
    if let Some(note) = e.note.as_deref().filter(|n| !n.is_empty()) {
        obs["note"] = json!([{ "text": note }]);
    }
    obs
}

fn questionnaire_resources(
    r: &QuestionnaireResult,
    def: Option<&QuestionnaireDefinition>,
    subject: &Value,
) -> Vec<Value> {
    let text_of = |link: &str| {
        def.and_then(|d| d.items.iter().find(|i| i.link_id == link))
            .map(|i| i.text.clone())
    };
    let items: Vec<Value> = r
        .answers
        .iter()
        .map(|a| {
            let mut item = json!({ "linkId": a.link_id, "answer": [{ "valueInteger": a.value }] });
            if let Some(text) = text_of(&a.link_id) {
                item["text"] = json!(text);
            }
            item
        })
        .collect();
    let authored = local_time(r.recorded_at, r.utc_offset_minutes);
    let response = json!({
        "resourceType": "QuestionnaireResponse",
        "id": r.id,
        "questionnaire": format!("{QUESTIONNAIRE_PREFIX}{}", r.code),
        "status": "completed",
        "subject": subject,
        "authored": authored,
        "item": items,
    });
    let title = def.map_or(r.code.as_str(), |d| d.title.as_str());
    let coding = match def.and_then(|d| d.loinc_total.as_deref()) {
        Some(code) => {
            json!({ "system": LOINC, "code": code, "display": format!("{title} total score") })
        }
        None => {
            json!({ "system": QUESTIONNAIRE_PREFIX.trim_end_matches(':'), "code": r.code, "display": format!("{title} total score") })
        }
    };
    let mut total = json!({
        "resourceType": "Observation",
        "id": new_id(),
        "status": "final",
        "category": [{ "coding": [{ "system": CATEGORY, "code": "survey" }] }],
        "code": { "coding": [coding], "text": format!("{title} total score") },
        "subject": subject,
        "effectiveDateTime": authored,
        "valueInteger": r.score,
        "interpretation": [{ "text": r.band }],
        "derivedFrom": [{ "reference": format!("urn:uuid:{}", r.id) }],
    });
    if !r.flags.is_empty() {
        let flags: Vec<String> = r
            .flags
            .iter()
            .map(|f| format!("safety flag: {}", f.flag))
            .collect();
        total["note"] = json!([{ "text": flags.join("; ") }]);
    }
    vec![response, total]
}

pub(crate) struct BundleParts<'a> {
    pub entries: &'a [DiaryEntry],
    pub results: &'a [QuestionnaireResult],
    pub symptoms: &'a HashMap<String, Symptom>,
    pub questionnaires: &'a HashMap<String, QuestionnaireDefinition>,
    pub patient: &'a FhirPatient,
}

pub(crate) fn fhir_bundle(parts: &BundleParts<'_>, now: SystemTime) -> Value {
    let patient_id = new_id();
    let subject = json!({ "reference": format!("urn:uuid:{patient_id}") });
    let mut resources: Vec<Value> = vec![patient_resource(&patient_id, parts.patient)];
    for e in parts.entries {
        for r in &e.ratings {
            resources.push(rating_observation(
                e,
                &r.symptom_id,
                r.value,
                parts.symptoms.get(&r.symptom_id),
                &subject,
            ));
        }
    }
    for r in parts.results {
        resources.extend(questionnaire_resources(
            r,
            parts.questionnaires.get(&r.code),
            &subject,
        ));
    }
    collection(resources, now)
}
