//! The clinician's consultation summary, built with the domain APIs over the
//! local copy of one patient's shared records. The server only ever sent the
//! granted kinds; the scopes are checked here again all the same.

use crate::budget::Budgets;
use crate::care_plan::CarePlans;
use crate::diary::model::Bucket;
use crate::diary::Diary;
use crate::error::PphError;
use crate::report;
use crate::report::clinic_page as clinic;
use crate::store::Store;
use crate::sync::model::{ConsultationSummary, ShareScope, SharedPatient, SymptomTrend};
use crate::time::local_date;
use chrono::{Duration, NaiveDate};
use jiff::tz::TimeZone;
use std::sync::Arc;

/// Without a review to start from, the "since" parts cover this many days.
const DEFAULT_LOOKBACK_DAYS: i64 = 90;

/// The clinician's date now, in their device's zone.
fn local_today(now_ms: u64, zone: &TimeZone) -> NaiveDate {
    let offset_minutes = jiff::Timestamp::from_millisecond(now_ms as i64)
        .map_or(0, |t| zone.to_offset(t).seconds() / 60);
    local_date(now_ms, offset_minutes)
}

pub(crate) fn summary(
    copy: &Arc<Store>,
    patient: &SharedPatient,
    now_ms: u64,
    zone: &TimeZone,
) -> Result<ConsultationSummary, PphError> {
    let granted = |scope| patient.scopes.contains(&scope);
    let today = local_today(now_ms, zone);
    let plans = CarePlans::new(copy.clone());
    let care_plan = if granted(ShareScope::CarePlan) {
        report::current_plan(&plans)?
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

    let diary = Diary::new(copy.clone());
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
        crate::order::sort_by_key(&mut questionnaires, |r| std::cmp::Reverse(r.recorded_at));
    }

    let mut budgets = Vec::new();
    if granted(ShareScope::Budget) {
        let ledger = Budgets::new(copy.clone());
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

/// Up to this many days, trends on the page are drawn day by day; longer
/// periods week by week.
const DAILY_UP_TO_DAYS: i64 = 42;

/// The consultation page: the summary, and what only the page shows
/// (day-by-day trends with flares, how complete the diary is, budget names).
pub(crate) fn page(
    copy: &Arc<Store>,
    patient: &SharedPatient,
    now_ms: u64,
    review_action: Option<&str>,
    clinician: &str,
    zone: &TimeZone,
) -> Result<String, PphError> {
    let summary = summary(copy, patient, now_ms, zone)?;
    let granted = |scope| patient.scopes.contains(&scope);
    let today = local_today(now_ms, zone);
    let day = today.to_string();
    let diary = Diary::new(copy.clone());
    let period_days = crate::time::parse_date("since", &summary.since)
        .map(|since| (today - since).num_days())
        .unwrap_or(DEFAULT_LOOKBACK_DAYS);
    let bucket = if period_days <= DAILY_UP_TO_DAYS {
        Bucket::Day
    } else {
        Bucket::Week
    };
    let (series, diary_days) = if granted(ShareScope::Diary) {
        let series = report::symptom_series(&diary, &summary.since, &day, bucket)?;
        let logged = copy.read(|conn| {
            crate::diary::store::entry_days_since(conn, &(today - Duration::days(89)).to_string())
        })?;
        let within = |n: i64| {
            let first = (today - Duration::days(n - 1)).to_string();
            logged.iter().filter(|d| **d >= first).count() as u32
        };
        (series, Some((within(14), within(90))))
    } else {
        (Vec::new(), None)
    };
    let definitions = if granted(ShareScope::Questionnaires) {
        diary.questionnaires()?
    } else {
        Vec::new()
    };
    let budgets = if granted(ShareScope::Budget) {
        report::named_budgets(copy, &day)?
    } else {
        Vec::new()
    };
    let proposals = match &summary.care_plan {
        Some(plan) => CarePlans::new(copy.clone()).review_proposals(plan.info.id.clone())?,
        None => Vec::new(),
    };
    Ok(clinic::consultation(&clinic::Consultation {
        summary: &summary,
        definitions: &definitions,
        series: &series,
        bucket: if bucket == Bucket::Day { "day" } else { "week" },
        budgets: &budgets,
        diary_days,
        proposals: &proposals,
        review_action,
        clinician,
        today: &day,
        zone,
    }))
}
