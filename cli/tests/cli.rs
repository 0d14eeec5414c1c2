//! The `pph` binary as a person uses it: the tour, and a real store file.

use std::path::Path;
use std::process::{Command, Output};

fn pph(args: &[&str], key_file: &Path, db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pph"))
        .arg("--db")
        .arg(db)
        .arg("--key-file")
        .arg(key_file)
        .args(args)
        .env_remove("PPH_KEY")
        .output()
        .expect("run pph")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_tour_walks_through_care_plans() {
    let out = Command::new(env!("CARGO_BIN_EXE_pph"))
        .arg("tour")
        .output()
        .expect("run tour");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "What matters to me: Being able to take my grandson",
        "Adherence 2026-03-02 to 2026-03-08: 100%",
        "Adherence 2026-03-09 to 2026-03-15: 58%",
        "walking then: 3 times a week",
        "invalid schedule.times",
        "another key    -> the key does not open this store",
        "integrity check: ok",
        "Next time the form starts with: Breathlessness, Cough, Peak flow",
        "Peak flow, week of 2026-03-02: mean 351 L/min (lowest 300, highest 390) over 7 readings",
        "A flare: 2026-03-04 to 2026-03-06 (3 days, peak 7)",
        "PHQ-9 score 9 (mild)",
        "Samaritans any time, free, on 116 123",
        "A spend at the pub -> invalid category: not allowed: a personal health budget cannot buy alcohol",
        "Position on 2026-03-15: £2156.50 left of £2400.00 allocated",
        "- Pulmonary rehab classes: planned £600.00, spent £45.00, £555.00 left",
        "! 1 spend(s) without a receipt",
        "Jo (PA),personal_assistant,Personal assistant,180.00,GBP,,,jo-march.jpg",
        "Offered: Walk with the group on Saturdays, referred by Sam Achebe (link worker) on 2026-03-28.",
        "    - Referral to Hilltop Walkers (WalkingGroup): Accepted since 2026-03-28",
        "For you to confirm:\n    - 2026-03-30 11:01:01 UTC  Rosa gave Ann 1 h 30 min (Transport) on 2026-03-30 [pending]",
        "after: +1 h 30 min. Ann's: -1 h 30 min.",
        "The group: 1 h 30 min given in 1 exchange by 2 members",
        "  Dr Okafor <dr.okafor@example.org> read [CarePlan, Diary, Questionnaires] (",
        "Dr Okafor opens the clinic view (served on this machine while the tour runs): http://127.0.0.1:",
        "## Safety flags\n- 2026-03-28, PHQ9: item 9 (Thoughts that you would be better off dead",
        "Walk to the shop | 7 | 0 | 0 | 7 | 0%",
        "Last 14 days | 12 of 14 | 86%",
        "\"Keep the daily walk; add the rehab class\" is now her review of 2026-03-28.",
        "records restored; the same plans: yes.",
        "Ann erases that phone: 1 file deleted, the key next.",
        "4 group records erased for everyone",
        "Jim's phone syncs: 4 of Rosa's records deleted there",
        "Her recovery code, to print and keep: ",
        "68 of the 68 changes the relay holds for Ann are sealed on her phone.",
        "\"value\":{\"sealed\":{\"ct\":",
        "the relay's copy of it does not open; an entry from before the revocation opens",
        "0 patients shared, summary refused (copy deleted), no key to her record kept.",
        "(the same).",
        "Ann's phone: 1 key set aside: not signed by an account this device trusts to give it.",
        "the intruder's key does not open it.",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(
        stderr(&out),
        "",
        "nothing on stderr, SQLCipher's log included"
    );
}

#[test]
fn a_real_store_is_used_across_invocations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    let db = dir.path().join("ann.db");
    let made = Command::new(env!("CARGO_BIN_EXE_pph"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .expect("key new");
    assert!(made.status.success());

    let created = pph(
        &[
            "plan",
            "create",
            "--title",
            "Breathe easier",
            "--what-matters",
            "Gardening",
        ],
        &key,
        &db,
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let plan_id = stdout(&created).trim().to_string();
    let goal = pph(
        &["goal", "add", &plan_id, "--text", "Walk to the shop"],
        &key,
        &db,
    );
    let goal_id = stdout(&goal).trim().to_string();
    let activity = pph(
        &[
            "activity",
            &goal_id,
            "--text",
            "Walk",
            "--repeat",
            "on:mon,thu",
            "--start",
            "2026-03-02",
        ],
        &key,
        &db,
    );
    assert!(activity.status.success(), "{}", stderr(&activity));
    let activity_id = stdout(&activity).trim().to_string();
    let contact = pph(
        &[
            "contact",
            &plan_id,
            "--name",
            "Dr Okafor",
            "--role",
            "social_worker",
        ],
        &key,
        &db,
    );
    assert!(contact.status.success(), "{}", stderr(&contact));
    let odd_role = pph(
        &["contact", &plan_id, "--name", "X", "--role", "wizard"],
        &key,
        &db,
    );
    assert_eq!(
        stderr(&odd_role),
        "pph: --role: unknown value (see --help)\n"
    );
    let done = pph(&["done", &activity_id, "--outcome", "partly"], &key, &db);
    assert!(
        stdout(&done).starts_with("recorded for "),
        "{}",
        stderr(&done)
    );

    let shown = stdout(&pph(&["plan", "show", &plan_id], &key, &db));
    assert!(
        shown.contains("Walk (on Mon, Thu from 2026-03-02; by me)"),
        "{shown}"
    );
    let listed = stdout(&pph(&["plan", "list"], &key, &db));
    assert!(listed.contains("Breathe easier [Active]"), "{listed}");
    let history = stdout(&pph(&["plan", "history", &plan_id], &key, &db));
    assert!(history.contains("pph command line"), "{history}");
    let adherence = pph(
        &[
            "adherence",
            &plan_id,
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
        ],
        &key,
        &db,
    );
    assert!(
        stdout(&adherence).contains("of 2 scheduled"),
        "{}",
        stdout(&adherence)
    );

    // Bad input: a typed message naming the field, exit 2, nothing echoed back.
    let bad = pph(
        &[
            "activity",
            &goal_id,
            "--text",
            "Secret swim",
            "--repeat",
            "weekly:0",
            "--start",
            "2026-03-02",
        ],
        &key,
        &db,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid schedule.times"),
        "{}",
        stderr(&bad)
    );
    assert!(!stderr(&bad).contains("Secret"));
    let after = stdout(&pph(&["plan", "show", &plan_id], &key, &db));
    assert_eq!(after, shown, "the refused command wrote nothing");
}

#[test]
fn a_wrong_key_is_refused_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, other, db) = (
        dir.path().join("k1"),
        dir.path().join("k2"),
        dir.path().join("s.db"),
    );
    for k in [&key, &other] {
        Command::new(env!("CARGO_BIN_EXE_pph"))
            .args(["key", "new"])
            .arg(k)
            .output()
            .expect("key new");
    }
    assert!(pph(&["plan", "create", "--title", "Private"], &key, &db)
        .status
        .success());
    let refused = pph(&["plan", "list"], &other, &db);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(stderr(&refused), "pph: the key does not open this store\n");
    assert!(stdout(&pph(&["plan", "list"], &key, &db)).contains("Private"));
}

#[test]
fn a_referral_is_made_accepted_and_never_moved_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    let db = dir.path().join("ann.db");
    let run = |args: &[&str]| {
        let out = pph(args, &key, &db);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out).trim().to_string()
    };
    Command::new(env!("CARGO_BIN_EXE_pph"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .expect("key new");
    let plan = run(&["plan", "create", "--title", "Feel less alone"]);
    let goal = run(&["goal", "add", &plan, "--text", "Get out more"]);
    let sam = run(&["contact", &plan, "--name", "Sam", "--role", "link_worker"]);
    let referral = run(&[
        "referral",
        "add",
        &goal,
        "--service",
        "Hilltop Walkers",
        "--kind",
        "walking_group",
        "--by",
        &sam,
        "--text",
        "Walk on Saturdays",
        "--on",
        "2026-11-02",
        "--repeat",
        "on:sat",
        "--start",
        "2026-11-07",
    ]);
    run(&[
        "referral",
        "status",
        &referral,
        "accepted",
        "--on",
        "2026-11-03",
    ]);
    run(&[
        "referral",
        "status",
        &referral,
        "completed",
        "--on",
        "2026-11-30",
    ]);
    let back = pph(
        &[
            "referral",
            "status",
            &referral,
            "requested",
            "--on",
            "2026-12-01",
        ],
        &key,
        &db,
    );
    assert_eq!(back.status.code(), Some(2), "{}", stderr(&back));
    assert_eq!(
        stderr(&back),
        "pph: invalid status: a referral that is completed cannot become requested\n"
    );
    let fhir: serde_json::Value =
        serde_json::from_str(&run(&["referral", "fhir", &referral])).expect("json");
    assert_eq!(fhir["entry"][2]["resource"]["status"], "completed");
    let message = run(&["referral", "message", &referral]);
    assert!(
        message.contains("Outcome: completed on 2026-11-30."),
        "{message}"
    );
    assert_eq!(run(&["referral", "open", &plan]), "No open referrals.");
}

#[test]
fn erase_deletes_the_store_and_the_key_file_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    let db = dir.path().join("ann.db");
    Command::new(env!("CARGO_BIN_EXE_pph"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .expect("key new");
    let made = pph(&["plan", "create", "--title", "Breathe easier"], &key, &db);
    assert!(made.status.success(), "{}", stderr(&made));

    let unasked = pph(&["erase"], &key, &db);
    assert_eq!(unasked.status.code(), Some(2));
    assert!(stderr(&unasked).contains("--yes"), "{}", stderr(&unasked));
    assert!(db.exists() && key.exists(), "nothing is erased unasked");

    let erased = pph(&["erase", "--yes"], &key, &db);
    assert!(erased.status.success(), "{}", stderr(&erased));
    let said = stdout(&erased);
    assert!(said.contains(&db.display().to_string()), "{said}");
    assert!(
        said.contains("(the key)") && said.contains("What remains elsewhere"),
        "{said}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn an_export_comes_back_in_a_new_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    let (db, new_db) = (dir.path().join("ann.db"), dir.path().join("new.db"));
    let archive = dir.path().join("ann.zip");
    Command::new(env!("CARGO_BIN_EXE_pph"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .expect("key new");
    let made = pph(&["plan", "create", "--title", "Breathe easier"], &key, &db);
    assert!(made.status.success(), "{}", stderr(&made));
    let exported = pph(&["export", &archive.display().to_string()], &key, &db);
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(
        stdout(&exported).starts_with("1 records in "),
        "{}",
        stdout(&exported)
    );
    let imported = pph(&["import", &archive.display().to_string()], &key, &new_db);
    assert_eq!(
        stdout(&imported),
        "1 records restored\n",
        "{}",
        stderr(&imported)
    );
    let listed = pph(&["plan", "list"], &key, &new_db);
    assert!(
        stdout(&listed).contains("Breathe easier"),
        "{}",
        stdout(&listed)
    );
    let again = pph(&["import", &archive.display().to_string()], &key, &new_db);
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
}

#[test]
fn a_report_for_the_doctor_is_one_printable_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    let db = dir.path().join("ann.db");
    let page = dir.path().join("report.html");
    Command::new(env!("CARGO_BIN_EXE_pph"))
        .args(["key", "new"])
        .arg(&key)
        .output()
        .expect("key new");
    let made = pph(
        &["plan", "create", "--title", "Breathe <easier>"],
        &key,
        &db,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let args = [
        "report",
        "--section",
        "care_plan,questionnaires",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--out",
    ];
    let written = pph(
        &[&args[..], &[page.to_str().expect("path")]].concat(),
        &key,
        &db,
    );
    assert!(written.status.success(), "{}", stderr(&written));
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.starts_with("<!doctype html>") && html.contains("Breathe &lt;easier&gt;"));
    let odd = pph(
        &[
            "report",
            "--section",
            "horoscope",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
        ],
        &key,
        &db,
    );
    assert_eq!(stderr(&odd), "pph: --section: unknown value (see --help)\n");
}
