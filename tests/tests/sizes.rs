//! What the lengths a relay keeps say, over SQLite and over PostgreSQL:
//! read straight from the relay's tables, a questionnaire result's sealed
//! value is one length whatever its band and flags, and a diary entry's
//! whatever its ratings and a short note (docs/adr/0022-padding.md).

use pph_core::*;
use pph_protocol::kinds::{DIARY_ENTRY, QUESTIONNAIRE_RESULT};
use pph_protocol::Change;
use pph_testing::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::SystemTime;

fn answers(values: &[i32]) -> Vec<Answer> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Answer {
            link_id: (i + 1).to_string(),
            value: *v,
        })
        .collect()
}

/// The lengths of `kind`'s sealed values among `changes`, as stored.
fn lengths(changes: &[Change], kind: &str) -> Vec<usize> {
    changes
        .iter()
        .filter(|c| c.entity_type == kind)
        .map(|c| c.value.to_string().len())
        .collect()
}

/// Four PHQ-9 results (minimal; only item 9 answered, which raises the
/// self-harm flag; moderate; severe), two GAD-7 results (minimal, severe),
/// and diary entries whose ratings and notes differ: in the relay's own
/// rows each kind is one length.
async fn a_result_or_an_entry_is_one_length_whatever_it_says(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let ann = patient(&server, dir, "ann").await;
    let diary = ann.diary();
    let results = [
        ("phq9", vec![0; 9]),
        ("phq9", vec![0, 0, 0, 0, 0, 0, 0, 0, 1]),
        ("phq9", vec![2, 1, 2, 1, 1, 2, 1, 1, 1]),
        ("phq9", vec![3; 9]),
        ("gad7", vec![0; 7]),
        ("gad7", vec![3; 7]),
    ];
    let mut bands = BTreeSet::new();
    for (code, values) in results {
        let result = diary
            .submit_questionnaire(code.into(), answers(&values), SystemTime::now(), 0)
            .expect("result");
        bands.insert((result.band, result.flags.len()));
    }
    assert!(bands.len() >= 5, "the results differ: {bands:?}");
    let pain = diary
        .define_symptom(NewSymptom {
            name: "Knee pain".into(),
            scale: SymptomScale::Severity,
        })
        .expect("symptom")
        .id;
    for (note, value) in [
        ("a", 0.0),
        ("slept badly and the knee kept me up again", 10.0),
    ] {
        diary
            .log_entry(NewEntry {
                recorded_at: SystemTime::now(),
                utc_offset_minutes: 0,
                ratings: vec![Rating {
                    symptom_id: pain.clone(),
                    value,
                }],
                note: Some(note.into()),
                tags: vec![],
                medications: vec![],
            })
            .expect("entry");
    }
    ann.sync().sync_now().await.expect("sync");

    let stored = relay.raw_changes(&ann.store().personal_space()).await;
    for (kind, count) in [(QUESTIONNAIRE_RESULT, 6), (DIARY_ENTRY, 2)] {
        let lengths = lengths(&stored, kind);
        assert_eq!(lengths.len(), count, "{kind}: {lengths:?}");
        assert_eq!(
            lengths.iter().collect::<BTreeSet<_>>().len(),
            1,
            "{kind} lengths say what they hold: {lengths:?}"
        );
    }
}

on_both_relays!(a_result_or_an_entry_is_one_length_whatever_it_says);
