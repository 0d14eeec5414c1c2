//! Social-prescribing referrals as care-plan activities: made by the
//! person or someone in their support network, accepted or declined by the
//! person (nothing happens to them without their say), every step in the
//! plan's history; exported as FHIR and summed up for the GP.

use super::model::*;
use super::{check_person, referral, CarePlans};
use crate::error::{PphError, Result};
use crate::fhir::{collection, patient_resource, FhirPatient};
use crate::ids::{check_id, new_id};
use crate::store::{list_by, load, load_required};
use crate::time::parse_date;
use rusqlite::Connection;
use serde_json::json;

/// Who made a referral, from the contact this store holds.
fn referrer(conn: &Connection, who: &Responsible) -> Result<String> {
    let contact: Option<Contact> = match who {
        Responsible::Me => None,
        Responsible::Contact { contact_id } => load(conn, contact_id)?,
    };
    Ok(referral::referrer_name(who, contact.as_ref()))
}

fn referral_of(activity: &Activity) -> std::result::Result<&Referral, PphError> {
    activity
        .referral
        .as_ref()
        .ok_or_else(|| PphError::validation("activity_id", "is not a referral"))
}

#[uniffi::export]
impl CarePlans {
    /// Adds a referral to a community service under a goal. It starts as
    /// requested and counts in adherence only once the person accepts it.
    pub fn add_referral(&self, goal_id: String, new: NewReferral) -> Result<Activity, PphError> {
        check_id("goal_id", &goal_id)?;
        new.validate()?;
        Ok(self.store.write(|tx| {
            let goal: Goal = load_required(tx.tx, &goal_id)?;
            check_person(
                tx.tx,
                &goal.plan_id,
                &new.referred_by,
                "referred_by.contact_id",
            )?;
            let activity = Activity {
                id: new_id(),
                plan_id: goal.plan_id,
                goal_id,
                description: new.description.trim().to_owned(),
                responsible: Responsible::Me,
                schedule: new.schedule,
                past_schedules: vec![],
                referral: Some(Referral {
                    service: new.service.trim().to_owned(),
                    kind: new.kind,
                    referred_by: new.referred_by,
                    requested_on: new.requested_on,
                    status: ReferralStatus::Requested,
                    status_note: None,
                    accepted_on: None,
                    ended_on: None,
                }),
            };
            tx.save_personal(None, &activity)?;
            Ok(activity)
        })?)
    }

    /// Moves a referral on (accept, decline = rejected, start, complete,
    /// cancel) on a local date, with the person's words if they give any.
    /// An impossible move (completed to requested) is refused and writes
    /// nothing.
    pub fn update_referral(
        &self,
        activity_id: String,
        status: ReferralStatus,
        date: String,
        note: Option<String>,
    ) -> Result<Activity, PphError> {
        check_id("activity_id", &activity_id)?;
        crate::validate::optional_text("note", note.as_deref(), crate::validate::MAX_LONG_TEXT)?;
        Ok(self.store.write(|tx| {
            let old: Activity = load_required(tx.tx, &activity_id)?;
            let next = referral::step(referral_of(&old)?, status, &date, note.clone())?;
            let new = Activity {
                referral: Some(next),
                ..old.clone()
            };
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    /// Referrals of a plan still open (requested, accepted, in progress).
    pub fn open_referrals(&self, plan_id: String) -> Result<Vec<OpenReferral>, PphError> {
        check_id("plan_id", &plan_id)?;
        Ok(self.store.read(|conn| {
            Ok(list_by::<Activity>(conn, "plan_id", &plan_id)?
                .into_iter()
                .filter_map(|a| {
                    let r = a.referral?;
                    referral::is_open(r.status).then_some(OpenReferral {
                        activity_id: a.id,
                        goal_id: a.goal_id,
                        description: a.description,
                        referral: r,
                    })
                })
                .collect())
        })?)
    }

    /// The referral as a FHIR R4 Bundle: the Patient (only what the person
    /// chose to include), a ServiceRequest coded in SNOMED CT and a Task
    /// with its status.
    pub fn referral_fhir(
        &self,
        activity_id: String,
        patient: FhirPatient,
    ) -> Result<String, PphError> {
        check_id("activity_id", &activity_id)?;
        patient.validate()?;
        let (activity, by) = self.store.read(|conn| {
            let a: Activity = load_required(conn, &activity_id)?;
            let by = referrer(conn, &referral_of(&a)?.referred_by)?;
            Ok((a, by))
        })?;
        let patient_id = new_id();
        let subject = json!({ "reference": format!("urn:uuid:{patient_id}") });
        let [request, task] =
            referral::fhir_resources(&activity.id, referral_of(&activity)?, &by, &subject);
        let bundle = collection(
            vec![patient_resource(&patient_id, &patient), request, task],
            std::time::SystemTime::now(),
        );
        Ok(bundle.to_string())
    }

    /// A short message back to the GP (what was offered, taken up, how it
    /// went, with the sessions done up to `today`), for the person to send.
    pub fn referral_message(&self, activity_id: String, today: String) -> Result<String, PphError> {
        check_id("activity_id", &activity_id)?;
        parse_date("today", &today)?;
        let (activity, by) = self.store.read(|conn| {
            let a: Activity = load_required(conn, &activity_id)?;
            let by = referrer(conn, &referral_of(&a)?.referred_by)?;
            Ok((a, by))
        })?;
        let r = referral_of(&activity)?;
        let attended = match (&r.accepted_on, r.ended_on.as_deref()) {
            (Some(from), ended) => {
                let to = ended.unwrap_or(&today).min(today.as_str()).to_owned();
                if from.as_str() <= to.as_str() {
                    let all = self.adherence(activity.plan_id.clone(), from.clone(), to)?;
                    all.activities
                        .into_iter()
                        .find(|a| a.activity_id == activity.id)
                        .map(|a| a.figures)
                } else {
                    None
                }
            }
            (None, _) => None,
        };
        let by = if by == "self" {
            "myself".to_owned()
        } else {
            by
        };
        Ok(referral::message_to_gp(
            r,
            &activity.description,
            &by,
            attended.as_ref(),
        ))
    }
}
