//! The symptom-diary part of `pph tour`.

use pph_core::*;
use std::time::{Duration, UNIX_EPOCH};

const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";
const COUGH: &str = "00000000-0000-7000-8000-00000000a002";
const PEAK_FLOW: &str = "00000000-0000-7000-8000-00000000a00b";
/// Monday 2 March 2026, 08:00 UTC.
const START_MS: u64 = 1_772_438_400_000;
const DAY_MS: u64 = 86_400_000;

/// (breathlessness, cough, peak flow, tags, note) for one morning.
type Morning<'a> = (f64, f64, f64, &'a [&'a str], Option<&'a str>);

fn fail(e: PphError) -> String {
    format!("tour stopped: {e}")
}

pub fn run(companion: &Companion) -> Result<(), String> {
    println!("\n== A week of Ann's symptom diary ==");
    let diary = companion.diary();
    let week: [Morning; 7] = [
        (3.0, 2.0, 380.0, &[], None),
        (
            4.0,
            3.0,
            360.0,
            &["cold weather"],
            Some("Frosty walk, took it slowly"),
        ),
        (
            6.0,
            5.0,
            320.0,
            &["cold weather", "poor sleep"],
            Some("Woke at 4am coughing"),
        ),
        (
            7.0,
            6.0,
            300.0,
            &["cold weather", "poor sleep"],
            Some("Used the rescue pack as agreed with Priya"),
        ),
        (5.0, 4.0, 340.0, &["poor sleep"], None),
        (
            3.0,
            3.0,
            370.0,
            &[],
            Some("Breathing group, felt better after"),
        ),
        (2.0, 2.0, 390.0, &[], None),
    ];
    for (day, (breath, cough, peak, tags, note)) in week.iter().enumerate() {
        diary
            .log_entry(NewEntry {
                recorded_at: UNIX_EPOCH + Duration::from_millis(START_MS + day as u64 * DAY_MS),
                utc_offset_minutes: 0,
                ratings: vec![
                    Rating {
                        symptom_id: BREATHLESSNESS.into(),
                        value: *breath,
                    },
                    Rating {
                        symptom_id: COUGH.into(),
                        value: *cough,
                    },
                    Rating {
                        symptom_id: PEAK_FLOW.into(),
                        value: *peak,
                    },
                ],
                note: note.map(Into::into),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                medications: vec![],
            })
            .map_err(fail)?;
    }
    let first: Vec<String> = diary
        .list_symptoms()
        .map_err(fail)?
        .into_iter()
        .take(3)
        .map(|s| s.name)
        .collect();
    println!(
        "7 mornings logged, one call each. Next time the form starts with: {}",
        first.join(", ")
    );

    println!("Breathlessness by day (0-10):");
    for p in diary
        .trend(
            BREATHLESSNESS.into(),
            "2026-03-02".into(),
            "2026-03-08".into(),
            Bucket::Day,
        )
        .map_err(fail)?
    {
        println!(
            "  {}  {:<10} {}",
            p.start,
            "#".repeat(p.max as usize),
            p.max
        );
    }
    let weekly = diary
        .trend(
            PEAK_FLOW.into(),
            "2026-03-02".into(),
            "2026-03-08".into(),
            Bucket::Week,
        )
        .map_err(fail)?;
    for p in &weekly {
        println!(
            "Peak flow, week of {}: mean {:.0} L/min (lowest {}, highest {}) over {} readings",
            p.start, p.mean, p.min, p.max, p.count
        );
    }
    for f in diary
        .flares(
            BREATHLESSNESS.into(),
            "2026-03-02".into(),
            "2026-03-08".into(),
            5.0,
            2,
        )
        .map_err(fail)?
    {
        println!(
            "A flare: {} to {} ({} days, peak {})",
            f.start, f.end, f.days, f.peak
        );
    }
    for t in diary
        .triggers(
            BREATHLESSNESS.into(),
            "2026-03-02".into(),
            "2026-03-08".into(),
        )
        .map_err(fail)?
    {
        println!(
            "On days with \"{}\" breathlessness averaged {:.1}, otherwise {:.1} ({} days vs {})",
            t.tag, t.mean_with, t.mean_without, t.days_with, t.days_without
        );
    }
    let found = diary.search("coughing".into(), 5, None).map_err(fail)?;
    println!(
        "Searching notes for \"coughing\": {} entry, {}",
        found.entries.len(),
        found.entries.first().map_or("", |e| e.local_date.as_str())
    );

    println!("\n== A PHQ-9, with its safety message ==");
    let answers = [1, 1, 2, 2, 1, 1, 0, 0, 1]
        .iter()
        .enumerate()
        .map(|(i, v)| Answer {
            link_id: (i + 1).to_string(),
            value: *v,
        })
        .collect();
    let result = diary
        .submit_questionnaire(
            "phq9".into(),
            answers,
            UNIX_EPOCH + Duration::from_millis(START_MS + 6 * DAY_MS),
            0,
        )
        .map_err(fail)?;
    println!("PHQ-9 score {} ({})", result.score, result.band);
    for flag in &result.flags {
        println!("  ! {}", flag.message);
    }
    let fhir = diary
        .export_fhir("2026-03-02".into(), "2026-03-08".into(), None)
        .map_err(fail)?;
    println!(
        "FHIR R4 Bundle for the clinician's record: {} resources, {} bytes",
        fhir.matches("\"resourceType\":").count() - 1,
        fhir.len()
    );
    Ok(())
}
