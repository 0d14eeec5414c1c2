//! The sync part of `pph tour`: a real server on loopback, Ann's tablet
//! joining, offline edits converging, and Dr Okafor's consultation view of
//! what Ann chose to share, until she revokes it.

use crate::render;
use pph_core::clock::{Clock, ManualClock};
use pph_core::*;
use pph_server::{Backend, EmbeddedServer};
use std::path::Path;
use std::sync::Arc;

const PASSWORD: &str = "tour password, not for real use";
const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";

fn fail(e: PphError) -> String {
    format!("tour stopped: {e}")
}

pub(crate) fn device(
    dir: &Path,
    name: &str,
    key: &[u8],
    clock: &Arc<ManualClock>,
) -> Result<Arc<Companion>, String> {
    let config = CompanionConfig {
        db_path: dir
            .join(format!("{name}.db"))
            .to_string_lossy()
            .into_owned(),
        encryption_key: key.to_vec(),
        device_name: name.into(),
    };
    Companion::open_with_clock(config, clock.clone()).map_err(fail)
}

pub(crate) fn wall_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn run(
    phone: &Arc<Companion>,
    dir: &Path,
    key: &[u8],
    clock: &Arc<ManualClock>,
    group_activity_id: &str,
) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("no runtime: {e}"))?;
    runtime.block_on(run_async(phone, dir, key, clock, group_activity_id))
}

async fn run_async(
    phone: &Arc<Companion>,
    dir: &Path,
    key: &[u8],
    clock: &Arc<ManualClock>,
    group_activity_id: &str,
) -> Result<(), String> {
    println!("\n== Sync: a server on this machine ==");
    let server = EmbeddedServer::start(Backend::Sqlite(dir.join("server.db")))?;
    println!("pph-server listening on {} (SQLite file)", server.url);

    let info = phone
        .sync()
        .sign_up(
            server.url.clone(),
            "ann@example.org".into(),
            PASSWORD.into(),
            "Ann".into(),
            AccountRole::Patient,
        )
        .await
        .map_err(fail)?;
    let pending = phone.sync().status().map_err(fail)?.pending_changes;
    let report = phone.sync().sync_now().await.map_err(fail)?;
    println!(
        "Ann signs up ({:?}) and syncs: {} of {pending} changes pushed; status {:?}.",
        info.role,
        report.pushed,
        phone.sync().status().map_err(fail)?.state
    );

    let tablet = device(dir, "Ann's tablet", key, clock)?;
    tablet
        .sync()
        .sign_in(
            server.url.clone(),
            "ann@example.org".into(),
            PASSWORD.into(),
        )
        .await
        .map_err(fail)?;
    let report = tablet.sync().sync_now().await.map_err(fail)?;
    let plans = tablet.care_plans().list_plans().map_err(fail)?;
    let plan_id = plans
        .first()
        .map(|p| p.id.clone())
        .ok_or("no plan on the tablet")?;
    println!(
        "Her tablet signs in and pulls {} changes: \"{}\", {} diary entries this month.",
        report.pulled,
        plans[0].title,
        tablet
            .diary()
            .entries("2026-03-01".into(), "2026-03-31".into(), 200, None)
            .map_err(fail)?
            .entries
            .len()
    );

    println!("\n== Offline on both, then together again ==");
    phone
        .care_plans()
        .update_plan(
            plan_id.clone(),
            PlanUpdate {
                what_matters: Some("Taking my grandson to the park, and the allotment".into()),
                ..PlanUpdate::default()
            },
        )
        .map_err(fail)?;
    clock.advance(1_000);
    tablet
        .care_plans()
        .update_plan(
            plan_id.clone(),
            PlanUpdate {
                what_matters: Some("The park on Saturdays, and growing beans".into()),
                next_review: Some("2026-04-27".into()),
                ..PlanUpdate::default()
            },
        )
        .map_err(fail)?;
    phone.sync().sync_now().await.map_err(fail)?;
    let from_tablet = tablet.sync().sync_now().await.map_err(fail)?;
    phone.sync().sync_now().await.map_err(fail)?;
    let a = phone.care_plans().plan(plan_id.clone()).map_err(fail)?;
    let b = tablet.care_plans().plan(plan_id.clone()).map_err(fail)?;
    println!(
        "Both edited \"what matters\"; {} conflict settled by the later stamp.",
        from_tablet.conflicts_resolved
    );
    println!(
        "Phone and tablet now agree: {} — \"{}\", next review {}.",
        if format!("{a:?}") == format!("{b:?}") {
            "identical"
        } else {
            "DIFFERENT"
        },
        a.info.what_matters,
        a.info.next_review.as_deref().unwrap_or("none")
    );

    println!("\n== Two weeks on: Ann's phone keeps logging, offline ==");
    let review_ms = clock.now_ms();
    for day in 1..=12u64 {
        clock.set(review_ms + day * 86_400_000);
        phone
            .diary()
            .log_entry(NewEntry {
                recorded_at: std::time::UNIX_EPOCH
                    + std::time::Duration::from_millis(clock.now_ms()),
                utc_offset_minutes: 60,
                ratings: vec![Rating {
                    symptom_id: BREATHLESSNESS.into(),
                    value: [3.0, 4.0, 3.0, 2.0][day as usize % 4],
                }],
                note: None,
                tags: vec![],
                medications: vec![],
            })
            .map_err(fail)?;
    }
    let answers = (1..=9)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: 1,
        })
        .collect();
    phone
        .diary()
        .submit_questionnaire(
            "phq9".into(),
            answers,
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(clock.now_ms()),
            60,
        )
        .map_err(fail)?;
    let report = phone.sync().sync_now().await.map_err(fail)?;
    println!(
        "12 diary entries and a PHQ-9 written without signal; back online, {} changes pushed.",
        report.pushed
    );

    println!("\n== Ann shares with Dr Okafor for the consultation ==");
    let laptop = device(dir, "Surgery laptop", key, clock)?;
    laptop
        .sync()
        .sign_up(
            server.url.clone(),
            "dr.okafor@example.org".into(),
            PASSWORD.into(),
            "Dr Okafor".into(),
            AccountRole::Clinician,
        )
        .await
        .map_err(fail)?;
    let share = phone
        .sync()
        .grant_share(
            "dr.okafor@example.org".into(),
            vec![
                ShareScope::CarePlan,
                ShareScope::Diary,
                ShareScope::Questionnaires,
            ],
            wall_now_ms() + 2 * 3_600_000,
        )
        .await
        .map_err(fail)?;
    println!(
        "Ann grants {:?} for two hours; her budget stays private.",
        share.scopes
    );
    laptop.sync().sync_now().await.map_err(fail)?;
    let patient = laptop
        .sync()
        .shared_with_me()
        .map_err(fail)?
        .into_iter()
        .next()
        .ok_or("nothing shared with the clinician")?;
    let summary = laptop
        .sync()
        .consultation_summary(patient.patient_space.clone())
        .map_err(fail)?;
    println!(
        "Consultation summary for {} (since {}):",
        summary.patient_name, summary.since
    );
    if let Some(plan) = &summary.care_plan {
        print!("{}", render::plan(plan));
        if let Some(adherence) = &summary.adherence {
            print!("{}", render::adherence(adherence, plan));
        }
    }
    for trend in &summary.symptom_trends {
        let weeks: Vec<String> = trend
            .buckets
            .iter()
            .map(|b| format!("{} mean {:.1}", b.start, b.mean))
            .collect();
        println!("  {}: {}", trend.symptom.name, weeks.join("; "));
    }
    for result in &summary.questionnaires {
        println!(
            "  {} on {}: {} ({}){}",
            result.code,
            result.local_date,
            result.score,
            result.band,
            if result.flags.is_empty() {
                ""
            } else {
                " — SAFETY FLAG raised"
            }
        );
    }
    println!(
        "  Budget: {}",
        if summary.budgets.is_empty() {
            "not shared"
        } else {
            "shared"
        }
    );

    phone
        .sync()
        .revoke_share(share.share_id)
        .await
        .map_err(fail)?;
    laptop.sync().sync_now().await.map_err(fail)?;
    let after = laptop.sync().consultation_summary(patient.patient_space);
    println!(
        "Ann revokes the share; after the laptop's next sync: {} patients shared, summary {}.",
        laptop.sync().shared_with_me().map_err(fail)?.len(),
        match after {
            Err(PphError::Unauthorized) => "refused (copy deleted)",
            Err(_) => "failed",
            Ok(_) => "STILL VISIBLE",
        }
    );
    crate::tour_groups::run(phone, dir, key, clock, &server.url, group_activity_id).await
}
