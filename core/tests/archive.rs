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
use std::time::{Duration, UNIX_EPOCH};

fn at(day: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(T0_MS + day * 86_400_000)
}

fn fill(c: &Companion) {
    let plans = c.care_plans();
    let plan = plans
        .create_plan(NewPlan {
            title: "Breathe <easier> & walk".into(),
            what_matters: "The park with my grandson".into(),
            next_review: Some("2026-06-01".into()),
        })
        .expect("plan");
    let gp = plans
        .add_contact(
            plan.id.clone(),
            NewContact {
                name: "Dr Okafor".into(),
                role: ContactRole::Gp,
                reach: "reception".into(),
            },
        )
        .expect("contact");
    let goal = plans
        .add_goal(
            plan.id.clone(),
            NewGoal {
                description: "Walk to the shop".into(),
                expressed_by: "me".into(),
                target: Some("3 times a week".into()),
                status: None,
            },
        )
        .expect("goal");
    let schedule = Schedule {
        repeat: Repeat::Daily,
        start: "2026-03-02".into(),
        end: None,
        window: None,
    };
    let walk = plans
        .add_activity(
            goal.id.clone(),
            NewActivity {
                description: "Walk".into(),
                responsible: Responsible::Me,
                schedule: schedule.clone(),
            },
        )
        .expect("activity");
    for day in 0..5 {
        plans
            .record_completion(
                walk.id.clone(),
                NewCompletion {
                    occurred_at: at(day),
                    utc_offset_minutes: 60,
                    outcome: Outcome::Done,
                    note: Some(format!("day {day}")),
                    value: Some(20.0),
                },
            )
            .expect("done");
    }
    let referral = plans
        .add_referral(
            goal.id,
            NewReferral {
                service: "Hilltop Walkers".into(),
                kind: ServiceKind::WalkingGroup,
                referred_by: Responsible::Contact { contact_id: gp.id },
                requested_on: "2026-03-02".into(),
                description: "Walk with the group".into(),
                schedule,
            },
        )
        .expect("referral");
    plans
        .update_referral(
            referral.id,
            ReferralStatus::Accepted,
            "2026-03-03".into(),
            None,
        )
        .expect("accept");
    plans
        .record_review(
            plan.id,
            NewReview {
                date: "2026-03-06".into(),
                participants: vec!["me".into(), "Priya".into()],
                notes: "Going well".into(),
                outcome: "Keep walking".into(),
                next_review: Some("2026-06-01".into()),
            },
        )
        .expect("review");

    let diary = c.diary();
    let cough = diary
        .define_symptom(NewSymptom {
            name: "Morning cough".into(),
            scale: SymptomScale::Severity,
        })
        .expect("symptom");
    for day in 0..10 {
        diary
            .log_entry(NewEntry {
                recorded_at: at(day),
                utc_offset_minutes: 0,
                ratings: vec![
                    Rating {
                        symptom_id: "00000000-0000-7000-8000-00000000a001".into(),
                        value: (day % 7) as f64,
                    },
                    Rating {
                        symptom_id: cough.id.clone(),
                        value: 2.0,
                    },
                ],
                note: Some(format!("note <{day}>")),
                tags: vec!["cold weather".into()],
                medications: vec![],
            })
            .expect("entry");
    }
    let answers = (1..=9)
        .map(|i| Answer {
            link_id: i.to_string(),
            value: if i == 9 { 1 } else { 2 },
        })
        .collect();
    diary
        .submit_questionnaire("phq9".into(), answers, at(3), 0)
        .expect("phq9");

    let budgets = c.budgets();
    let budget = budgets
        .create_budget(NewBudget {
            name: "Getting out".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-03-01".into(),
            period_end: "2027-02-28".into(),
            allocation_pence: 240_000,
            currency: "GBP".into(),
            plan_id: None,
            underspend_warning_percent: None,
        })
        .expect("budget");
    let line = budgets
        .add_line(
            budget.id.clone(),
            NewBudgetLine {
                category: "transport".into(),
                planned_pence: 60_000,
                goal_ids: vec![],
            },
        )
        .expect("line");
    budgets
        .record_spend(
            budget.id,
            NewSpend {
                line_id: line.id,
                date: "2026-03-04".into(),
                payee: "Town Cabs".into(),
                category: "transport".into(),
                amount_pence: 1_850,
                currency: "GBP".into(),
                goal_id: None,
                activity_id: None,
                note: None,
                receipt: None,
            },
        )
        .expect("spend");
    c.today()
        .set_reminder_settings(london_quiet_nights())
        .expect("settings");
    c.today()
        .add_reminder(NewReminder {
            subject: ReminderSubject::DiaryPrompt,
            timing: ReminderTiming::ClockTime { minute: 20 * 60 },
            quiet_hours: None,
        })
        .expect("rule");
}

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
    fill(&t.companion);
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
    fill(&t.companion);
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
