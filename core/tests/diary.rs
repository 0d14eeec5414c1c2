//! The symptom diary through the public API on a real encrypted store.

use pph_core::*;
use pph_testing::*;
use std::time::{Duration, UNIX_EPOCH};

const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";
const COUGH: &str = "00000000-0000-7000-8000-00000000a002";
const PEAK_FLOW: &str = "00000000-0000-7000-8000-00000000a00b";
const DAY_MS: u64 = 86_400_000;

fn at(ms: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn rating(symptom: &str, value: f64) -> Rating {
    Rating {
        symptom_id: symptom.into(),
        value,
    }
}

fn entry(
    ms: u64,
    offset: i32,
    ratings: Vec<Rating>,
    note: Option<&str>,
    tags: &[&str],
) -> NewEntry {
    NewEntry {
        recorded_at: at(ms),
        utc_offset_minutes: offset,
        ratings,
        note: note.map(Into::into),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        medications: vec![MedicationTaken {
            name: "Salbutamol".into(),
            dose: Some("2 puffs".into()),
        }],
    }
}

fn field_of<T: std::fmt::Debug>(r: Result<T, PphError>) -> String {
    match r {
        Err(PphError::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn log_edit_delete_keep_history_and_tombstones() {
    let t = new_store();
    let diary = t.companion.diary();
    let e = diary
        .log_entry(entry(
            T0_MS,
            0,
            vec![rating(BREATHLESSNESS, 6.0), rating(PEAK_FLOW, 310.0)],
            Some("Cold wind on the walk"),
            &["Weather", "exertion"],
        ))
        .expect("log");
    assert_eq!(e.local_date, "2026-03-02");
    assert_eq!(e.tags, vec!["exertion", "weather"], "tags are normalised");
    t.clock.advance(60_000);
    let edited = diary
        .update_entry(
            e.id.clone(),
            EntryUpdate {
                ratings: Some(vec![rating(BREATHLESSNESS, 7.0)]),
                ..Default::default()
            },
        )
        .expect("edit");
    assert_eq!(diary.entry(e.id.clone()).expect("read"), edited);
    let week = diary
        .trend(
            BREATHLESSNESS.into(),
            "2026-03-01".into(),
            "2026-03-08".into(),
            Bucket::Day,
        )
        .expect("trend");
    assert_eq!(week.len(), 1);
    assert_eq!(week[0].max, 7.0, "the trend follows the edit");

    diary.delete_entry(e.id.clone()).expect("delete");
    assert!(matches!(
        diary.entry(e.id.clone()),
        Err(PphError::NotFound { .. })
    ));
    assert!(diary
        .trend(
            BREATHLESSNESS.into(),
            "2026-03-01".into(),
            "2026-03-08".into(),
            Bucket::Day
        )
        .expect("trend")
        .is_empty());
    assert!(diary
        .search("wind".into(), 10, None)
        .expect("search")
        .entries
        .is_empty());
    // Create, edit, delete: three changes waiting to sync, the last a tombstone.
    assert_eq!(t.companion.store().pending_changes().expect("count"), 3);
}

#[test]
fn most_used_symptoms_come_first() {
    let t = new_store();
    let diary = t.companion.diary();
    for i in 0..3 {
        diary
            .log_entry(entry(
                T0_MS + i * DAY_MS,
                0,
                vec![rating(COUGH, 3.0)],
                None,
                &[],
            ))
            .expect("log");
    }
    diary
        .log_entry(entry(T0_MS, 0, vec![rating(PEAK_FLOW, 400.0)], None, &[]))
        .expect("log");
    let mine = diary
        .define_symptom(NewSymptom {
            name: "Ankle swelling".into(),
            scale: SymptomScale::Severity,
        })
        .expect("define");
    let list = diary.list_symptoms().expect("list");
    assert_eq!(list[0].id, COUGH);
    assert_eq!(list[1].id, PEAK_FLOW);
    assert!(list.iter().any(|s| s.id == mine.id && !s.built_in));
    assert_eq!(list.len(), 12);
    assert!(matches!(
        diary.define_symptom(NewSymptom {
            name: "cough".into(),
            scale: SymptomScale::Severity
        }),
        Err(PphError::Conflict { .. })
    ));
}

#[test]
fn bad_entries_are_refused_by_name_and_write_nothing() {
    let t = new_store();
    let diary = t.companion.diary();
    let before = t.companion.store().pending_changes().expect("count");
    assert_eq!(
        field_of(diary.log_entry(entry(
            T0_MS,
            0,
            vec![rating(BREATHLESSNESS, 11.0)],
            None,
            &[]
        ))),
        "ratings[0].value"
    );
    assert_eq!(
        field_of(diary.log_entry(entry(T0_MS, 0, vec![rating(PEAK_FLOW, 2000.0)], None, &[]))),
        "ratings[0].value"
    );
    assert_eq!(
        field_of(diary.log_entry(entry(
            T0_MS,
            0,
            vec![rating(BREATHLESSNESS, f64::NAN)],
            None,
            &[]
        ))),
        "ratings[0].value"
    );
    assert_eq!(
        field_of(diary.log_entry(entry(T0_MS, 0, vec![rating("nope", 1.0)], None, &[]))),
        "ratings[0].symptom_id"
    );
    assert_eq!(
        field_of(diary.log_entry(entry(T0_MS, 0, vec![], None, &[]))),
        "ratings"
    );
    assert_eq!(
        field_of(diary.log_entry(entry(T0_MS, 900, vec![rating(COUGH, 1.0)], None, &[]))),
        "utc_offset_minutes"
    );
    let bulk = vec![
        entry(T0_MS, 0, vec![rating(COUGH, 1.0)], None, &[]),
        entry(T0_MS, 0, vec![rating(COUGH, 12.0)], None, &[]),
    ];
    assert_eq!(
        field_of(diary.import_entries(bulk)),
        "entries[1].ratings[0].value"
    );
    assert_eq!(
        t.companion.store().pending_changes().expect("count"),
        before,
        "nothing written, not even the good half"
    );
    assert_eq!(
        field_of(diary.entries("2026-03-08".into(), "2026-03-01".into(), 10, None)),
        "to"
    );
    assert_eq!(
        field_of(diary.entries("2026-03-01".into(), "2026-03-08".into(), 0, None)),
        "limit"
    );
    assert_eq!(field_of(diary.search("  ".into(), 10, None)), "query");
    assert_eq!(
        field_of(diary.entries(
            "2026-03-01".into(),
            "2026-03-08".into(),
            10,
            Some("garbage".into())
        )),
        "cursor"
    );
}

#[test]
fn trends_bucket_in_the_local_calendar_across_time_zones_and_dst() {
    let t = new_store();
    let diary = t.companion.diary();
    // Sunday 29 March 2026 is the UK clock change. 23:30 UTC on Saturday 28th
    // is 00:30 on Sunday in BST (+60): it belongs to Sunday, which is in the
    // week starting Monday 23rd. A flight to New York (-240) later that week.
    let sat_2330_utc = 1_774_740_600_000;
    let entries = vec![
        entry(
            sat_2330_utc,
            60,
            vec![rating(BREATHLESSNESS, 8.0)],
            None,
            &[],
        ),
        entry(
            sat_2330_utc - 2 * 3_600_000,
            0,
            vec![rating(BREATHLESSNESS, 2.0)],
            None,
            &[],
        ),
        // Tuesday 31 March 02:00 UTC is still Monday 30th in New York.
        entry(
            1_774_922_400_000,
            -240,
            vec![rating(BREATHLESSNESS, 4.0)],
            None,
            &[],
        ),
    ];
    diary.import_entries(entries).expect("import");
    let days = diary
        .trend(
            BREATHLESSNESS.into(),
            "2026-03-01".into(),
            "2026-04-30".into(),
            Bucket::Day,
        )
        .expect("days");
    let d: Vec<(&str, u32)> = days.iter().map(|p| (p.start.as_str(), p.count)).collect();
    assert_eq!(
        d,
        vec![("2026-03-28", 1), ("2026-03-29", 1), ("2026-03-30", 1)]
    );
    let weeks = diary
        .trend(
            BREATHLESSNESS.into(),
            "2026-03-01".into(),
            "2026-04-30".into(),
            Bucket::Week,
        )
        .expect("weeks");
    assert_eq!(weeks.len(), 2);
    assert_eq!(
        (
            weeks[0].start.as_str(),
            weeks[0].count,
            weeks[0].mean,
            weeks[0].min,
            weeks[0].max
        ),
        ("2026-03-23", 2, 5.0, 2.0, 8.0)
    );
    assert_eq!((weeks[1].start.as_str(), weeks[1].count), ("2026-03-30", 1));
    let months = diary
        .trend(
            BREATHLESSNESS.into(),
            "2026-01-01".into(),
            "2026-12-31".into(),
            Bucket::Month,
        )
        .expect("months");
    assert_eq!(
        (months[0].start.as_str(), months[0].count),
        ("2026-03-01", 3)
    );
}

#[test]
fn flares_and_triggers() {
    let t = new_store();
    let diary = t.companion.diary();
    let mut batch = Vec::new();
    for day in 0..12u64 {
        let bad = (3..=6).contains(&day);
        let tags: &[&str] = if bad { &["damp weather"] } else { &[] };
        batch.push(entry(
            T0_MS + day * DAY_MS,
            0,
            vec![rating(BREATHLESSNESS, if bad { 8.0 } else { 3.0 })],
            None,
            tags,
        ));
    }
    diary.import_entries(batch).expect("import");
    let flares = diary
        .flares(
            BREATHLESSNESS.into(),
            "2026-03-01".into(),
            "2026-03-31".into(),
            7.0,
            3,
        )
        .expect("flares");
    assert_eq!(flares.len(), 1);
    assert_eq!(
        (
            flares[0].start.as_str(),
            flares[0].end.as_str(),
            flares[0].days
        ),
        ("2026-03-05", "2026-03-08", 4)
    );
    let triggers = diary
        .triggers(
            BREATHLESSNESS.into(),
            "2026-03-01".into(),
            "2026-03-31".into(),
        )
        .expect("triggers");
    assert_eq!(triggers.len(), 1);
    assert_eq!(
        (
            triggers[0].tag.as_str(),
            triggers[0].days_with,
            triggers[0].days_without
        ),
        ("damp weather", 4, 8)
    );
    assert_eq!(
        (triggers[0].mean_with, triggers[0].mean_without),
        (8.0, 3.0)
    );
}

#[test]
fn search_and_paging() {
    let t = new_store();
    let diary = t.companion.diary();
    let notes = [
        "Walked to the park, breathless at the gate",
        "Quiet day indoors",
        "Park again, easier today",
        "Café with Sam",
    ];
    let batch = notes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            entry(
                T0_MS + i as u64 * DAY_MS,
                0,
                vec![rating(COUGH, 2.0)],
                Some(n),
                &[],
            )
        })
        .collect();
    diary.import_entries(batch).expect("import");
    let found = diary.search("park".into(), 10, None).expect("search");
    assert_eq!(found.entries.len(), 2);
    assert!(
        diary
            .search("cafe".into(), 10, None)
            .expect("diacritics")
            .entries
            .len()
            == 1
    );
    assert_eq!(
        diary
            .search("brea".into(), 10, None)
            .expect("prefix")
            .entries
            .len(),
        1
    );
    assert!(
        diary.search("park\" OR *".into(), 10, None).is_ok(),
        "operators in the text are just words"
    );
    let first = diary.search("park".into(), 1, None).expect("page 1");
    let second = diary
        .search("park".into(), 1, first.next_cursor.clone())
        .expect("page 2");
    assert_ne!(first.entries[0].id, second.entries[0].id);

    let page1 = diary
        .entries("2026-03-01".into(), "2026-03-31".into(), 3, None)
        .expect("page");
    assert_eq!(page1.entries.len(), 3);
    assert_eq!(
        page1.entries[0].note.as_deref(),
        Some("Café with Sam"),
        "newest first"
    );
    let page2 = diary
        .entries(
            "2026-03-01".into(),
            "2026-03-31".into(),
            3,
            page1.next_cursor.clone(),
        )
        .expect("page 2");
    assert_eq!(page2.entries.len(), 1);
    assert_eq!(page2.entries[0].note.as_deref(), Some(notes[0]));
    assert_eq!(page2.next_cursor, None);
}

/// Search orders like `entries`: by when the entry happened, not when it
/// was typed in. A note back-filled today for last week sorts as last week.
#[test]
fn search_is_newest_by_when_it_happened() {
    let t = new_store();
    let diary = t.companion.diary();
    let log = |day: u64, note: &str| {
        diary
            .log_entry(entry(
                T0_MS + day * DAY_MS,
                0,
                vec![rating(COUGH, 2.0)],
                Some(note),
                &[],
            ))
            .expect("log")
    };
    let monday = log(7, "walk round the park");
    let tuesday = log(8, "walk to the shop");
    // Typed in last, about a day before both.
    let backfilled = log(0, "walk by the river, remembered late");
    let found = diary.search("walk".into(), 2, None).expect("search");
    let ids: Vec<&str> = found.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [tuesday.id.as_str(), monday.id.as_str()]);
    let rest = diary
        .search("walk".into(), 2, found.next_cursor)
        .expect("next page");
    assert_eq!(rest.entries.len(), 1);
    assert_eq!(rest.entries[0].id, backfilled.id);
    assert_eq!(rest.next_cursor, None);
}

/// Entries of the same millisecond share a time in the search index: each
/// is found once, through edits and deletions, page by page.
#[test]
fn search_tells_apart_entries_of_the_same_millisecond() {
    let t = new_store();
    let diary = t.companion.diary();
    let log = |note: &str| {
        diary
            .log_entry(entry(T0_MS, 0, vec![rating(COUGH, 2.0)], Some(note), &[]))
            .expect("log")
    };
    let first = log("walk one");
    let second = log("walk two");
    let third = log("walk three");
    let all_walks = || {
        let mut ids = Vec::new();
        let mut cursor = None;
        loop {
            let page = diary.search("walk".into(), 1, cursor).expect("search");
            ids.extend(page.entries.into_iter().map(|e| e.id));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return ids,
            }
        }
    };
    let mut found = all_walks();
    found.sort();
    let mut expected = vec![first.id.clone(), second.id.clone(), third.id.clone()];
    expected.sort();
    assert_eq!(found, expected);

    // The first holds the millisecond's own key; freeing it and taking it
    // again must not disturb the others.
    diary.delete_entry(first.id.clone()).expect("delete");
    let fourth = log("walk four");
    diary
        .update_entry(
            second.id.clone(),
            EntryUpdate {
                note: Some("walk two, rewritten".into()),
                ..Default::default()
            },
        )
        .expect("edit");
    diary
        .update_entry(
            third.id.clone(),
            EntryUpdate {
                note: Some(String::new()),
                ..Default::default()
            },
        )
        .expect("clear note");
    let mut found = all_walks();
    found.sort();
    let mut expected = vec![second.id.clone(), fourth.id.clone()];
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(
        diary
            .search("rewritten".into(), 5, None)
            .expect("search")
            .entries[0]
            .id,
        second.id
    );
    assert!(diary
        .search("three".into(), 5, None)
        .expect("search")
        .entries
        .is_empty());
}

#[test]
fn phq9_with_item_9_raises_a_stored_flag() {
    let t = new_store();
    let diary = t.companion.diary();
    let answers: Vec<Answer> = [1, 2, 1, 2, 1, 1, 0, 0, 1]
        .iter()
        .enumerate()
        .map(|(i, v)| Answer {
            link_id: (i + 1).to_string(),
            value: *v,
        })
        .collect();
    let r = diary
        .submit_questionnaire("phq9".into(), answers.clone(), at(T0_MS), 0)
        .expect("submit");
    assert_eq!((r.score, r.band.as_str()), (9, "mild"));
    assert_eq!(r.flags.len(), 1);
    assert!(r.flags[0].message.contains("Samaritans"));
    let history = diary
        .questionnaire_history("phq9".into(), "2026-01-01".into(), "2026-12-31".into())
        .expect("history");
    assert_eq!(history, vec![r], "the flag is stored with the result");
    // Only the flag's code is stored and synced: the message comes from
    // the instrument on the device that shows it.
    let logged = t.companion.store().outbox(10).expect("outbox");
    let logged = serde_json::to_string(&logged).expect("json");
    assert!(logged.contains("self_harm_thoughts"), "{logged}");
    assert!(!logged.contains("Samaritans"), "{logged}");

    let mut short = answers.clone();
    short.pop();
    assert_eq!(
        field_of(diary.submit_questionnaire("phq9".into(), short, at(T0_MS), 0)),
        "answers.9"
    );
    assert!(matches!(
        diary.submit_questionnaire("no_such".into(), answers, at(T0_MS), 0),
        Err(PphError::NotFound { .. })
    ));
}

#[test]
fn a_licensed_instrument_is_added_as_data() {
    let t = new_store();
    let diary = t.companion.diary();
    let anchors = |low: &str, high: &str| {
        Some(
            (0..=5)
                .map(|v| AnswerOption {
                    value: v,
                    label: match v {
                        0 => low.to_string(),
                        5 => high.to_string(),
                        _ => v.to_string(),
                    },
                })
                .collect(),
        )
    };
    let cat = QuestionnaireDefinition {
        code: "cat".into(),
        title: "COPD Assessment Test".into(),
        preamble: "For each item, choose the number that describes you".into(),
        licence: "Licensed to the deploying organisation".into(),
        loinc_panel: None,
        loinc_total: None,
        items: (1..=8)
            .map(|i| QuestionnaireItem {
                link_id: i.to_string(),
                text: format!("item {i}"),
                options: anchors("never", "always"),
            })
            .collect(),
        options: vec![],
        bands: vec![
            ScoreBand {
                min: 0,
                max: 9,
                label: "low impact".into(),
            },
            ScoreBand {
                min: 10,
                max: 20,
                label: "medium impact".into(),
            },
            ScoreBand {
                min: 21,
                max: 30,
                label: "high impact".into(),
            },
            ScoreBand {
                min: 31,
                max: 40,
                label: "very high impact".into(),
            },
        ],
        safety: vec![],
    };
    diary.add_questionnaire(cat).expect("add");
    assert!(diary
        .questionnaires()
        .expect("list")
        .iter()
        .any(|q| q.code == "cat"));
    let answers = (1..=8)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: 3,
        })
        .collect();
    let r = diary
        .submit_questionnaire("cat".into(), answers, at(T0_MS), 0)
        .expect("submit");
    assert_eq!((r.score, r.band.as_str()), (24, "high impact"));
}

#[test]
fn exports_csv_and_a_fhir_r4_bundle() {
    let t = new_store();
    let diary = t.companion.diary();
    diary
        .log_entry(entry(
            T0_MS,
            60,
            vec![rating(BREATHLESSNESS, 6.0), rating(PEAK_FLOW, 310.0)],
            Some("windy"),
            &["weather"],
        ))
        .expect("log");
    let answers: Vec<Answer> = (1..=7)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: 1,
        })
        .collect();
    diary
        .submit_questionnaire("gad7".into(), answers, at(T0_MS), 60)
        .expect("gad7");
    let phq: Vec<Answer> = (1..=9)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: 0,
        })
        .collect();
    diary
        .submit_questionnaire("phq9".into(), phq, at(T0_MS), 60)
        .expect("phq9");

    let csv_text = diary
        .export_csv("2026-03-01".into(), "2026-03-31".into())
        .expect("csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "2026-03-02T10:00:00+01:00");
    assert_eq!((&rows[0][3], &rows[0][4]), ("Breathlessness", "6"));
    assert_eq!(
        (&rows[1][3], &rows[1][4], &rows[1][5]),
        ("Peak flow", "310", "L/min")
    );
    assert_eq!(
        (&rows[1][6], &rows[1][7], &rows[1][8]),
        ("weather", "Salbutamol 2 puffs", "windy")
    );

    let bundle: serde_json::Value = serde_json::from_str(
        &diary
            .export_fhir("2026-03-01".into(), "2026-03-31".into(), None)
            .expect("fhir"),
    )
    .expect("json");
    validate_fhir(&bundle);
    let resources: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let of_type = |t: &str| resources.iter().filter(|r| r["resourceType"] == t).count();
    assert_eq!(
        of_type("Observation"),
        2 + 2,
        "one per rating, one per questionnaire total"
    );
    assert_eq!(of_type("QuestionnaireResponse"), 2);
    let codes: Vec<&str> = resources
        .iter()
        .filter_map(|r| r["code"]["coding"][0]["code"].as_str())
        .collect();
    assert!(codes.contains(&"44261-6"), "PHQ-9 total in LOINC");
    assert!(codes.contains(&"70274-6"), "GAD-7 total in LOINC");
    assert!(codes.contains(&"19935-6"), "peak flow in LOINC");
    let peak = resources
        .iter()
        .find(|r| r["code"]["coding"][0]["code"] == "19935-6")
        .expect("peak");
    assert_eq!(peak["valueQuantity"]["value"], 310.0);
    assert_eq!(peak["effectiveDateTime"], "2026-03-02T10:00:00+01:00");

    // Every Observation and QuestionnaireResponse names the Patient, which
    // holds nothing the person did not choose to include.
    let patient = resources
        .iter()
        .find(|r| r["resourceType"] == "Patient")
        .expect("a Patient");
    assert_eq!(patient.as_object().expect("object").len(), 2, "{patient}");
    let subject = format!("urn:uuid:{}", patient["id"].as_str().expect("id"));
    for r in resources.iter().filter(|r| r["resourceType"] != "Patient") {
        assert_eq!(r["subject"]["reference"], subject.as_str(), "{r}");
    }
    let chosen = FhirPatient {
        name: Some("Ann Example".into()),
        birth_date: Some("1951-06-30".into()),
        nhs_number: Some("9434765919".into()),
    };
    let named: serde_json::Value = serde_json::from_str(
        &diary
            .export_fhir("2026-03-01".into(), "2026-03-31".into(), Some(chosen))
            .expect("fhir"),
    )
    .expect("json");
    validate_fhir(&named);
    let patient = &named["entry"][0]["resource"];
    assert_eq!(patient["name"][0]["text"], "Ann Example");
    assert_eq!(patient["birthDate"], "1951-06-30");
    assert_eq!(patient["identifier"][0]["value"], "9434765919");
    let wrong = FhirPatient {
        nhs_number: Some("9434765918".into()),
        ..FhirPatient::default()
    };
    assert_eq!(
        field_of(diary.export_fhir("2026-03-01".into(), "2026-03-31".into(), Some(wrong))),
        "nhs_number"
    );
}

/// The validator itself refuses what is not FHIR, so a pass means something.
#[test]
#[should_panic(expected = "FHIR.js refuses")]
fn the_fhir_validator_refuses_a_malformed_bundle() {
    if std::env::var_os("PPH_FHIR_NODE_PATH").is_none() {
        panic!("FHIR.js refuses nothing: not installed (FHIR validation NOT RUN)");
    }
    validate_fhir(&serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{ "resource": { "resourceType": "Observation", "id": "o", "status": "sometime" } }]
    }));
}

mod rollups {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Debug)]
    enum Op {
        Log {
            day: u64,
            value: u8,
        },
        /// Several entries in one call, on any days (some sharing one).
        Import {
            entries: Vec<(u64, u8)>,
        },
        Edit {
            which: usize,
            value: u8,
        },
        Delete {
            which: usize,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u64..6, 0u8..=10).prop_map(|(day, value)| Op::Log { day, value }),
            1 => proptest::collection::vec((0u64..6, 0u8..=10), 1..8)
                .prop_map(|entries| Op::Import { entries }),
            1 => (0usize..20, 0u8..=10).prop_map(|(which, value)| Op::Edit { which, value }),
            1 => (0usize..20).prop_map(|which| Op::Delete { which }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        /// Daily count, mean, min and max always equal those of the live
        /// entries, through any mix of logs, imports, edits and deletes.
        #[test]
        fn daily_figures_follow_every_edit_and_delete(ops in proptest::collection::vec(op(), 1..30)) {
            let t = new_store();
            let diary = t.companion.diary();
            let mut live: Vec<(String, u64, f64)> = Vec::new();
            // Imported entries are never edited here; they share days with logged ones.
            let mut imported: Vec<(u64, f64)> = Vec::new();
            for op in ops {
                match op {
                    Op::Log { day, value } => {
                        let e = diary
                            .log_entry(entry(T0_MS + day * DAY_MS, 0, vec![rating(COUGH, f64::from(value))], Some("wheezy morning"), &[]))
                            .expect("log");
                        live.push((e.id, day, f64::from(value)));
                    }
                    Op::Import { entries } => {
                        let batch = entries
                            .iter()
                            .map(|(day, value)| entry(T0_MS + day * DAY_MS, 0, vec![rating(COUGH, f64::from(*value))], Some("wheezy morning"), &[]))
                            .collect();
                        diary.import_entries(batch).expect("import");
                        imported.extend(entries.iter().map(|(day, value)| (*day, f64::from(*value))));
                    }
                    Op::Edit { which, value } if !live.is_empty() => {
                        let i = which % live.len();
                        diary
                            .update_entry(live[i].0.clone(), EntryUpdate { ratings: Some(vec![rating(COUGH, f64::from(value))]), ..Default::default() })
                            .expect("edit");
                        live[i].2 = f64::from(value);
                    }
                    Op::Delete { which } if !live.is_empty() => {
                        let (id, _, _) = live.remove(which % live.len());
                        diary.delete_entry(id).expect("delete");
                    }
                    _ => {}
                }
            }
            let mut model: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
            for (day, v) in live.iter().map(|(_, d, v)| (d, v)).chain(imported.iter().map(|(d, v)| (d, v))) {
                model.entry(*day).or_default().push(*v);
            }
            let got = diary
                .trend(COUGH.into(), "2026-03-01".into(), "2026-03-31".into(), Bucket::Day)
                .expect("trend");
            // Edits and deletes keep search (and tags) in step with the live entries.
            let found = diary.search("wheezy".into(), 200, None).expect("search");
            prop_assert_eq!(found.entries.len(), live.len() + imported.len());
            // Every rating counts once towards "most used first".
            let uses = live.len() + imported.len();
            let cough_first = diary.list_symptoms().expect("symptoms")[0].id == COUGH;
            prop_assert_eq!(cough_first, uses > 0);
            prop_assert_eq!(got.len(), model.len());
            for (point, (_, values)) in got.iter().zip(&model) {
                prop_assert_eq!(point.count as usize, values.len());
                prop_assert!((point.mean - values.iter().sum::<f64>() / values.len() as f64).abs() < 1e-9);
                prop_assert_eq!(point.min, values.iter().copied().fold(f64::MAX, f64::min));
                prop_assert_eq!(point.max, values.iter().copied().fold(f64::MIN, f64::max));
            }
        }
    }
}
