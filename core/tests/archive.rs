//! Exporting everything and bringing it back: a real store with every
//! capability's records, exported to one archive (its FHIR checked by an
//! independent validator, its page escaped and printable), imported into an
//! empty store and exported again: the same records, field by field. An
//! archive goes only into an empty store, and a damaged one writes nothing.

use pph_core::*;
use pph_testing::*;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

fn read(archive: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).expect("open")).expect("zip");
    let mut text = String::new();
    zip.by_name(name)
        .expect(name)
        .read_to_string(&mut text)
        .expect("read");
    text
}

/// The records of an archive, with their kinds, as one comparable value.
fn records(archive: &Path) -> Value {
    let all: Value = serde_json::from_str(&read(archive, "records.json")).expect("json");
    all["records"].clone()
}

#[test]
fn export_import_export_gives_the_same_records() {
    let t = new_store();
    a_full_record(&t.companion);
    let first = t.dir.path().join("mine.zip");
    let summary = t
        .companion
        .export_all(
            first.display().to_string(),
            Some(FhirPatient {
                nhs_number: Some("9434765919".into()),
                ..FhirPatient::default()
            }),
        )
        .expect("export");
    for file in [
        "records.json",
        "fhir/bundle.json",
        "csv/diary.csv",
        "csv/care-plan-completions.csv",
        "audit/budget-1-spends.csv",
        "audit/budget-1-summary.csv",
        "my-record.html",
    ] {
        assert!(
            summary.files.iter().any(|f| f == file),
            "{file} missing: {summary:?}"
        );
    }
    let kinds = records(&first);
    let count = |kind: &str| kinds[kind].as_array().map_or(0, Vec::len);
    assert_eq!(count("diary_entry"), 10);
    assert_eq!(count("plan_completion"), 5);
    assert_eq!(count("reminder_rule"), 1);
    assert_eq!(
        summary.records as usize,
        kinds
            .as_object()
            .expect("map")
            .values()
            .map(|v| v.as_array().map_or(0, Vec::len))
            .sum::<usize>()
    );

    let bundle: Value = serde_json::from_str(&read(&first, "fhir/bundle.json")).expect("bundle");
    validate_fhir(&bundle);
    let types: Vec<&str> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .collect();
    for t in [
        "Patient",
        "Observation",
        "QuestionnaireResponse",
        "CarePlan",
        "Goal",
        "CareTeam",
        "ServiceRequest",
        "Task",
    ] {
        assert!(types.contains(&t), "no {t} in {types:?}");
    }
    let page = read(&first, "my-record.html");
    assert!(
        page.contains("Breathe &lt;easier&gt; &amp; walk"),
        "not escaped"
    );
    assert!(!page.contains("<easier>") && !page.contains("<script"));
    assert!(page.contains("@media print") && page.contains("(safety flag)"));
    assert!(read(&first, "csv/diary.csv").contains("Morning cough"));

    // A new phone, without the server: the archive comes back whole.
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = Companion::open(config(&dir.path().join("new.db"), &KEY)).expect("fresh");
    let restored = fresh
        .import_all(first.display().to_string())
        .expect("import");
    assert_eq!(restored.records, summary.records);
    let second = dir.path().join("again.zip");
    fresh
        .export_all(second.display().to_string(), None)
        .expect("export again");
    assert_eq!(records(&second), kinds, "the same records, field by field");
    // And they work there: adherence, trends and today read them.
    let plan = fresh.care_plans().list_plans().expect("plans").remove(0);
    let adherence = fresh
        .care_plans()
        .adherence(plan.id, "2026-03-02".into(), "2026-03-06".into())
        .expect("adherence");
    assert_eq!(adherence.overall.done, 5);
    assert_eq!(
        fresh
            .diary()
            .search("note".into(), 20, None)
            .expect("search")
            .entries
            .len(),
        10
    );
}

#[test]
fn an_archive_goes_only_into_an_empty_store_and_a_damaged_one_writes_nothing() {
    let t = new_store();
    a_full_record(&t.companion);
    let archive = t.dir.path().join("mine.zip");
    t.companion
        .export_all(archive.display().to_string(), None)
        .expect("export");
    let before = t.companion.store().pending_changes().expect("pending");
    let into_full = t.companion.import_all(archive.display().to_string());
    assert!(
        matches!(into_full, Err(PphError::Conflict { .. })),
        "{into_full:?}"
    );
    assert_eq!(
        t.companion.store().pending_changes().expect("pending"),
        before
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = Companion::open(config(&dir.path().join("new.db"), &KEY)).expect("fresh");
    let garbage = dir.path().join("garbage.zip");
    std::fs::write(&garbage, b"not a zip at all").expect("write");
    let refused = fresh.import_all(garbage.display().to_string());
    assert!(
        matches!(refused, Err(PphError::Validation { ref field, .. }) if field == "path"),
        "{refused:?}"
    );

    // An archive with one record damaged: nothing of it is written.
    let mut all: Value = serde_json::from_str(&read(&archive, "records.json")).expect("json");
    all["records"]["diary_entry"][3]["ratings"] = Value::String("broken".into());
    let damaged = dir.path().join("damaged.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&damaged).expect("create"));
        zip.start_file("records.json", zip::write::SimpleFileOptions::default())
            .expect("start");
        std::io::Write::write_all(&mut zip, all.to_string().as_bytes()).expect("write");
        zip.finish().expect("finish");
    }
    assert!(fresh.import_all(damaged.display().to_string()).is_err());
    assert_eq!(fresh.store().pending_changes().expect("pending"), 0);
    assert!(fresh.care_plans().list_plans().expect("plans").is_empty());
    assert!(fresh
        .import_all(dir.path().join("none.zip").display().to_string())
        .is_err());
}
