//! A week of Ann's symptom diary, what it shows, and a PHQ-9.

use super::{say, Tour, ANN};
use crate::cmd::diary::{self, AnswerArgs, Export, FlareArgs, Log, Search, Span, TrendArgs};
use crate::fail::Result;

/// (breathlessness, cough, peak flow, tags, note) for one morning.
type Morning<'a> = (f64, f64, f64, &'a [&'a str], Option<&'a str>);

const WEEK: [Morning; 7] = [
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

fn span(symptom: &str) -> Span {
    Span {
        symptom: symptom.into(),
        from: "2026-03-02".into(),
        to: "2026-03-08".into(),
    }
}

pub(super) fn week(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    for (day, (breath, cough, peak, tags, note)) in WEEK.iter().enumerate() {
        diary::log(
            &ann,
            Log {
                ratings: vec![
                    format!("Breathlessness={breath}"),
                    format!("Cough={cough}"),
                    format!("Peak flow={peak}"),
                ],
                note: note.map(Into::into),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                medications: vec![],
                at: Some(Tour::at(day as u64, 0)),
            },
        )?;
    }
    let first: Vec<String> = diary::symptoms(&ann)?
        .0
        .into_iter()
        .take(3)
        .map(|s| s.name)
        .collect();
    say(format!(
        "7 mornings logged, one call each. Next time the form starts with: {}",
        first.join(", ")
    ));
    ann.out.show(&diary::trend(
        &ann,
        TrendArgs {
            span: span("Breathlessness"),
            by: "day".into(),
        },
    )?);
    ann.out.show(&diary::trend(
        &ann,
        TrendArgs {
            span: span("Peak flow"),
            by: "week".into(),
        },
    )?);
    ann.out.show(&diary::flares(
        &ann,
        FlareArgs {
            span: span("Breathlessness"),
            at_least: 5.0,
            days: 2,
        },
    )?);
    ann.out
        .show(&diary::triggers(&ann, span("Breathlessness"))?);
    say("Searching notes for \"coughing\":");
    ann.out.show(&diary::search(
        &ann,
        Search {
            words: "coughing".into(),
            limit: 5,
            cursor: None,
        },
    )?);
    Ok(())
}

pub(super) fn phq9(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    ann.out.show(&diary::answer(
        &ann,
        AnswerArgs {
            code: "phq9".into(),
            answers: "1,1,2,2,1,1,0,0,1".into(),
            at: Some(Tour::at(6, 0)),
        },
    )?);
    let fhir = diary::export(
        &ann,
        Export {
            from: "2026-03-02".into(),
            to: "2026-03-08".into(),
            format: "fhir".into(),
            ..Export::default()
        },
    )?;
    say(format!(
        "FHIR R4 Bundle for the clinician's record: {} resources, {} bytes",
        fhir.matches("\"resourceType\":").count() - 1,
        fhir.len()
    ));
    Ok(())
}
