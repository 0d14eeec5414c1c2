//! The clinician's consultation summary, built with the domain APIs over the
//! local copy of one patient's shared records. The server only ever sent the
//! granted kinds; the scopes are checked here again all the same.

use super::model::{ConsultationSummary, ShareScope, SharedPatient, SymptomTrend};
use crate::budget::Budgets;
use crate::care_plan::model::PlanStatus;
use crate::care_plan::CarePlans;
use crate::diary::model::Bucket;
use crate::diary::Diary;
use crate::error::PphError;
use crate::store::Store;
use crate::time::local_date;
use chrono::Duration;
use std::sync::Arc;

/// Without a review to start from, the "since" parts cover this many days.
const DEFAULT_LOOKBACK_DAYS: i64 = 90;

pub(crate) fn summary(
    shadow: &Arc<Store>,
    patient: &SharedPatient,
    now_ms: u64,
) -> Result<ConsultationSummary, PphError> {
    let granted = |scope| patient.scopes.contains(&scope);
    let today = local_date(now_ms, 0);
    let plans = CarePlans::new(shadow.clone());
    let care_plan = if granted(ShareScope::CarePlan) {
        // The newest active plan (ids are time-ordered), else the newest.
        let infos = plans.list_plans()?;
        let chosen = infos
            .iter()
            .rev()
            .find(|p| p.status == PlanStatus::Active)
            .or(infos.last());
        chosen.map(|p| plans.plan(p.id.clone())).transpose()?
    } else {
        None
    };
    let open_referrals = match &care_plan {
        Some(p) => plans.open_referrals(p.info.id.clone())?,
        None => Vec::new(),
    };
    let since = care_plan
        .as_ref()
        .and_then(|p| p.reviews.iter().map(|r| r.date.clone()).max())
        .unwrap_or_else(|| (today - Duration::days(DEFAULT_LOOKBACK_DAYS)).to_string());
    let today = today.to_string();
    let since = since.min(today.clone());
    let adherence = care_plan
        .as_ref()
        .map(|p| plans.adherence(p.info.id.clone(), since.clone(), today.clone()))
        .transpose()?;

    let diary = Diary::new(shadow.clone());
    let mut symptom_trends = Vec::new();
    if granted(ShareScope::Diary) {
        for symptom in diary.list_symptoms()? {
            let buckets = diary.trend(
                symptom.id.clone(),
                since.clone(),
                today.clone(),
                Bucket::Week,
            )?;
            if !buckets.is_empty() {
                symptom_trends.push(SymptomTrend { symptom, buckets });
            }
        }
    }
    let mut questionnaires = Vec::new();
    if granted(ShareScope::Questionnaires) {
        for definition in diary.questionnaires()? {
            questionnaires.extend(diary.questionnaire_history(
                definition.code,
                since.clone(),
                today.clone(),
            )?);
        }
        questionnaires.sort_by_key(|r| std::cmp::Reverse(r.recorded_at));
    }

    let mut budgets = Vec::new();
    if granted(ShareScope::Budget) {
        let ledger = Budgets::new(shadow.clone());
        for budget in ledger.list_budgets()? {
            budgets.push(ledger.summary(budget.id, today.clone())?);
        }
    }

    Ok(ConsultationSummary {
        patient_name: patient.patient_name.clone(),
        scopes: patient.scopes.clone(),
        expires_at: patient.expires_at,
        last_synced: patient.last_synced,
        since,
        care_plan,
        open_referrals,
        adherence,
        symptom_trends,
        questionnaires,
        budgets,
    })
}
