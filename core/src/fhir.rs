//! What every FHIR R4 export shares: the Patient resource (with only what
//! the person chose to include), instants in the person's own offset, and a
//! Bundle of type collection.

use crate::error::PphError;
use crate::ids::new_id;
use crate::validate::{required_text, MAX_SHORT_TEXT};
use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde_json::{json, Value};
use std::time::SystemTime;

const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// What a FHIR export may say about the person: each only if they choose
/// to include it (an export for an app may need none; one for a GP, their
/// NHS number).
#[derive(Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct FhirPatient {
    #[uniffi(default = None)]
    pub name: Option<String>,
    /// YYYY-MM-DD.
    #[uniffi(default = None)]
    pub birth_date: Option<String>,
    /// Ten digits, checked with the NHS number's modulus 11 check digit.
    #[uniffi(default = None)]
    pub nhs_number: Option<String>,
}

impl FhirPatient {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        if let Some(name) = &self.name {
            required_text("name", name, MAX_SHORT_TEXT)?;
        }
        if let Some(date) = &self.birth_date {
            crate::time::parse_date("birth_date", date)?;
        }
        if let Some(number) = &self.nhs_number {
            if !is_nhs_number(number) {
                return Err(PphError::validation(
                    "nhs_number",
                    "not a valid ten-digit NHS number",
                ));
            }
        }
        Ok(())
    }
}

/// Ten digits whose last is the modulus 11 check digit of the first nine
/// (weights 10 down to 2); a remainder giving 10 is never valid.
pub(crate) fn is_nhs_number(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || text.chars().count() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => digits[9] == 0,
        10 => false,
        check => digits[9] == check,
    }
}

/// An instant as RFC 3339 in the person's own offset, e.g. 2026-03-02T09:00:00+01:00.
pub(crate) fn local_time(at: SystemTime, offset_minutes: i32) -> String {
    let ms = crate::time::ms_i64(at);
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| Utc.fix());
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .to_rfc3339()
}

/// A Bundle entry for a resource, addressed by its id.
pub(crate) fn entry(resource: Value) -> Value {
    let id = resource["id"].as_str().unwrap_or_default().to_owned();
    json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
}

/// The Patient resource: an id the other resources refer to as their
/// subject, and only the details the person chose to include.
pub(crate) fn patient_resource(id: &str, p: &FhirPatient) -> Value {
    let mut patient = json!({ "resourceType": "Patient", "id": id });
    if let Some(name) = &p.name {
        patient["name"] = json!([{ "text": name }]);
    }
    if let Some(date) = &p.birth_date {
        patient["birthDate"] = json!(date);
    }
    if let Some(number) = &p.nhs_number {
        patient["identifier"] = json!([{ "system": NHS_NUMBER, "value": number }]);
    }
    patient
}

/// A Bundle of type collection holding `resources`, stamped `now`.
pub(crate) fn collection(resources: Vec<Value>, now: SystemTime) -> Value {
    json!({
        "resourceType": "Bundle",
        "id": new_id(),
        "type": "collection",
        "timestamp": local_time(now, 0),
        "entry": resources.into_iter().map(entry).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::is_nhs_number;

    #[test]
    fn the_check_digit_is_checked() {
        // NHS Digital's published test numbers.
        assert!(is_nhs_number("9434765919"));
        assert!(is_nhs_number("9434765870"));
        assert!(!is_nhs_number("9434765918"));
        assert!(!is_nhs_number("943476591"));
        assert!(!is_nhs_number("943 476 5919"));
    }
}

pph_protocol::debug_without_secrets!(FhirPatient,);
