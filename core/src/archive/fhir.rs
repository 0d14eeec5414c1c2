//! The archive's FHIR R4 Bundle: the diary's (Patient, an Observation per
//! rating, QuestionnaireResponses with their score Observations, for all
//! time) with the care plans added: a CarePlan per plan with its activities,
//! a Goal per goal, a CareTeam of the support network, and a ServiceRequest
//! and Task per referral. Budgets have no FHIR resource that fits: they are
//! in the CSVs and audit packs.

use super::{all, Records, EVER};
use crate::care_plan::model::{
    Activity, Contact, Goal, GoalStatus, PlanInfo, PlanStatus, Responsible,
};
use crate::care_plan::referral;
use crate::diary::model::FhirPatient;
use crate::diary::Diary;
use crate::error::Result;
use crate::fhir::entry;
use crate::store::Store;
use pph_protocol::kinds;
use serde_json::{json, Value};
use std::sync::Arc;

fn reference(id: &str) -> Value {
    json!({ "reference": format!("urn:uuid:{id}") })
}

fn goal(g: &Goal, subject: &Value) -> Value {
    let lifecycle = match g.status {
        GoalStatus::Proposed => "proposed",
        GoalStatus::Active => "active",
        GoalStatus::Achieved => "completed",
        GoalStatus::Abandoned => "cancelled",
    };
    let mut goal = json!({
        "resourceType": "Goal",
        "id": g.id,
        "lifecycleStatus": lifecycle,
        "description": { "text": g.description },
        "subject": subject,
        "expressedBy": { "display": g.expressed_by },
    });
    if g.status == GoalStatus::Achieved {
        goal["achievementStatus"] = json!({ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
            "code": "achieved"
        }]});
    }
    if let Some(t) = &g.target {
        goal["note"] = json!([{ "text": format!("Target: {t}") }]);
    }
    goal
}

fn care_team(plan: &PlanInfo, contacts: &[&Contact], subject: &Value) -> Value {
    json!({
        "resourceType": "CareTeam",
        "id": crate::ids::derived_id(&[&plan.id, "care-team"]),
        "status": "active",
        "subject": subject,
        "participant": contacts.iter().map(|c| json!({
            "role": [{ "text": c.role.words() }],
            "member": { "display": c.name },
        })).collect::<Vec<_>>(),
    })
}

fn care_plan(
    plan: &PlanInfo,
    goals: &[&Goal],
    activities: &[&Activity],
    team: &str,
    subject: &Value,
) -> Value {
    let status = match plan.status {
        PlanStatus::Active => "active",
        PlanStatus::Paused => "on-hold",
        PlanStatus::Closed => "completed",
    };
    json!({
        "resourceType": "CarePlan",
        "id": plan.id,
        "status": status,
        "intent": "plan",
        "title": plan.title,
        "description": plan.what_matters,
        "subject": subject,
        "careTeam": [reference(team)],
        "goal": goals.iter().map(|g| reference(&g.id)).collect::<Vec<_>>(),
        "activity": activities.iter().map(|a| json!({
            "detail": {
                "status": if a.referral.is_some() { "scheduled" } else { "in-progress" },
                "description": a.description,
                "goal": [reference(&a.goal_id)],
            }
        })).collect::<Vec<_>>(),
    })
}

fn referrer(contacts: &[Contact], who: &Responsible) -> String {
    let contact = match who {
        Responsible::Me => None,
        Responsible::Contact { contact_id } => contacts.iter().find(|c| &c.id == contact_id),
    };
    referral::referrer_name(who, contact)
}

pub(super) fn bundle(
    store: &Arc<Store>,
    records: &Records,
    patient: &FhirPatient,
) -> Result<Value> {
    let diary = Diary::new(store.clone());
    let mut bundle: Value = serde_json::from_str(&diary.export_fhir(
        EVER.0.into(),
        EVER.1.into(),
        Some(patient.clone()),
    )?)?;
    let subject = json!({ "reference": bundle["entry"][0]["fullUrl"].clone() });
    let plans: Vec<PlanInfo> = all(records, kinds::CARE_PLAN)?;
    let goals: Vec<Goal> = all(records, kinds::PLAN_GOAL)?;
    let activities: Vec<Activity> = all(records, kinds::PLAN_ACTIVITY)?;
    let contacts: Vec<Contact> = all(records, kinds::PLAN_CONTACT)?;
    let mut added = Vec::new();
    for plan in &plans {
        let goals: Vec<&Goal> = goals.iter().filter(|g| g.plan_id == plan.id).collect();
        let activities: Vec<&Activity> =
            activities.iter().filter(|a| a.plan_id == plan.id).collect();
        let team: Vec<&Contact> = contacts
            .iter()
            .filter(|c| c.plan_id == plan.id && !c.removed)
            .collect();
        let team_resource = care_team(plan, &team, &subject);
        let team_id = team_resource["id"].as_str().unwrap_or_default().to_owned();
        added.push(care_plan(plan, &goals, &activities, &team_id, &subject));
        added.push(team_resource);
        added.extend(goals.iter().map(|g| goal(g, &subject)));
        for a in &activities {
            if let Some(r) = &a.referral {
                added.extend(referral::fhir_resources(
                    &a.id,
                    r,
                    &referrer(&contacts, &r.referred_by),
                    &subject,
                ));
            }
        }
    }
    if let Some(entries) = bundle["entry"].as_array_mut() {
        entries.extend(added.into_iter().map(entry));
    }
    Ok(bundle)
}
