//! A day of use, driven through the `pph` command as people would: one
//! store file per person, one invocation at a time, a real relay process
//! on loopback. Ann plans and logs her day, joins Jim's group and answers
//! his meetup, spends from her budget, shares with Dr Cole for a
//! consultation and takes it back; the relay goes away and comes back.
//! Along the way every kind of refusal gives its exit status and changes
//! nothing.

use pph_testing::*;
use serde_json::Value;

/// A day's span around now, as `--from`/`--to` dates.
fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

fn days_from_today(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn signup(person: &Pph, url: &str, email: &str, name: &str, role: &str) -> Value {
    let out = person.sign_up(&["--json"], (url, email, name, role), PASSWORD);
    serde_json::from_str(&succeeded(&["sync", "signup"], &out)).expect("account JSON")
}

fn texts(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v[field].as_str().expect(field).to_owned())
        .collect()
}

#[test]
fn a_day_of_use_through_the_pph_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = ServerProcess::start(dir.path());
    let url = server.url.clone();
    let ann = Pph::new(dir.path(), "ann");
    let jim = Pph::new(dir.path(), "jim");
    let cole = Pph::new(dir.path(), "cole");

    // Morning: Ann's plan and her first diary entry, before any account.
    let plan = ann.id(&[
        "plan",
        "create",
        "--title",
        "Breathe easier",
        "--what-matters",
        "The park with my grandson",
    ]);
    let goal = ann.id(&["goal", "add", &plan, "--text", "Walk without stopping"]);
    let breathing = ann.id(&[
        "activity",
        &goal,
        "--text",
        "Breathing exercises",
        "--repeat",
        "daily",
        "--start",
        &today(),
        "--window",
        "09:00-10:00",
    ]);
    let entry = ann.id(&[
        "diary",
        "log",
        "--rate",
        "breathlessness=4",
        "--rate",
        "Cough=2",
        "--tag",
        "cold weather",
        "--note",
        "Frosty walk, took it slowly",
        "--med",
        "Salbutamol:2 puffs",
    ]);
    let listed = ann.json(&["diary", "list", "--from", &today(), "--to", &today()]);
    assert_eq!(listed["entries"][0]["id"], entry.as_str());
    assert_eq!(listed["entries"][0]["tags"][0], "cold weather");
    assert_eq!(listed["entries"][0]["medications"][0]["dose"], "2 puffs");
    assert!(
        listed["entries"][0]["recorded_at"]
            .as_str()
            .expect("an RFC 3339 instant")
            .ends_with('Z'),
        "{listed}"
    );
    let found = ann.ok(&["diary", "search", "frosty"]);
    assert!(found.contains("Frosty walk"), "{found}");

    // Ann makes an account; what she wrote goes with her.
    let account = signup(&ann, &url, "ann@example.org", "Ann", "patient");
    assert_eq!(account["role"], "patient");
    // The plan, the goal, the activity and the entry: one change each.
    assert_eq!(ann.json(&["sync", "status"])["pending_changes"], 4);
    assert_eq!(ann.json(&["sync", "now"])["pushed"], 4);
    assert_eq!(ann.json(&["sync", "status"])["pending_changes"], 0);
    assert_eq!(ann.json(&["sync", "status"])["state"], "idle");

    // Jim's group: an invite, a welcome, Ann's reply, a walk with places.
    signup(&jim, &url, "jim@example.org", "Jim", "patient");
    let group = ann_joins_jims_group(&ann, &jim);
    jim.id(&["group", "post", &group, "Welcome, Ann! Walk on Saturday?"]);
    jim.ok(&["sync", "now"]);
    ann.ok(&["sync", "now"]);
    let chat = ann.ok(&["group", "chat", &group]);
    assert!(chat.contains("Jim   Welcome, Ann!"), "{chat}");
    let reply = ann.id(&["group", "post", &group, "Yes please, if it's flat"]);
    assert!(ann.ok(&["group", "chat", &group]).contains("(pending)"));
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let walk = jim.id(&[
        "group",
        "meetup",
        &group,
        "--title",
        "Park walk",
        "--start",
        &tomorrow,
        "--for",
        "90m",
        "--place",
        "Café by the lake",
        "--capacity",
        "2",
    ]);
    jim.ok(&["sync", "now"]);
    ann.ok(&["sync", "now"]);
    let answered = ann.json(&["group", "rsvp", &walk, "yes"]);
    assert_eq!(answered["my_place"], "going");
    assert_eq!(answered["going"], serde_json::json!(["Ann"]));
    ann.ok(&["sync", "now"]);
    jim.ok(&["sync", "now"]);
    let seen = jim.ok(&["group", "chat", &group]);
    assert!(seen.contains("Ann   Yes please, if it's flat"), "{seen}");
    let meetups = jim.json(&["group", "meetups", &group]);
    assert_eq!(meetups[0]["going"], serde_json::json!(["Ann"]));
    // Jim may not edit Ann's message: refused here, before any network.
    let (status, said) = jim.fails(&["group", "edit", &reply, "Walk cancelled"]);
    assert_eq!(
        (status, said.as_str()),
        (5, "pph: not allowed: only its author changes a message\n")
    );

    // Ann's budget: a spend with its receipt photo, one refused.
    let budget = ann.id(&[
        "budget",
        "create",
        "--name",
        "Getting out",
        "--from",
        &days_from_today(-30),
        "--to",
        &days_from_today(334),
        "--allocation",
        "1200",
        "--plan",
        &plan,
    ]);
    let line = ann.id(&[
        "budget",
        "line",
        &budget,
        "--category",
        "Taxis to the group",
        "--planned",
        "300",
    ]);
    let photo = dir.path().join("cab-receipt.jpg");
    std::fs::write(&photo, b"a photo of a receipt").expect("photo");
    let spend_args = |payee: &'static str, category: &'static str| {
        vec![
            "budget".to_owned(),
            "spend".into(),
            budget.clone(),
            "--line".into(),
            line.clone(),
            "--date".into(),
            today(),
            "--payee".into(),
            payee.into(),
            "--category".into(),
            category.into(),
            "--amount".into(),
            "18.50".into(),
        ]
    };
    let mut with_receipt = spend_args("Town Cabs", "transport");
    with_receipt.extend(["--receipt".to_owned(), photo.to_string_lossy().into_owned()]);
    let args: Vec<&str> = with_receipt.iter().map(String::as_str).collect();
    ann.id(&args);
    let spends = || {
        ann.ok(&[
            "budget",
            "spends",
            &budget,
            "--from",
            &today(),
            "--to",
            &today(),
        ])
    };
    let before = spends();
    let pub_spend = spend_args("The Crown", "alcohol");
    let args: Vec<&str> = pub_spend.iter().map(String::as_str).collect();
    let (status, said) = ann.fails(&args);
    assert_eq!(status, 2, "{said}");
    assert!(said.contains("cannot buy alcohol"), "{said}");
    assert_eq!(spends(), before, "the refused spend wrote nothing");
    let position = ann.json(&["budget", "summary", &budget]);
    assert_eq!(position["spent_pence"], 1_850);
    assert_eq!(position["remaining_pence"], 120_000 - 1_850);
    let audit = dir.path().join("audit");
    std::fs::create_dir(&audit).expect("audit folder");
    ann.ok(&[
        "budget",
        "export",
        &budget,
        "--from",
        &today(),
        "--to",
        &today(),
        "--dir",
        &audit.to_string_lossy(),
    ]);
    let csv = std::fs::read_to_string(audit.join("spends.csv")).expect("spends.csv");
    assert!(csv.contains("Town Cabs,transport"), "{csv}");
    assert!(csv.contains("cab-receipt.jpg"), "{csv}");

    // A consultation: Ann shares her plan and diary (not her budget) with
    // Dr Cole for two hours, then ends it.
    signup(&cole, &url, "cole@example.org", "Dr Cole", "clinician");
    let share = ann.id(&[
        "share",
        "grant",
        "cole@example.org",
        "--scope",
        "care_plan,diary",
        "--for",
        "2h",
    ]);
    let shares = ann.json(&["share", "list"]);
    assert_eq!(texts(&shares, "share_id"), std::slice::from_ref(&share));
    cole.ok(&["sync", "now"]);
    let patients = cole.json(&["clinician", "patients"]);
    assert_eq!(texts(&patients, "patient_name"), ["Ann"]);
    let space = texts(&patients, "patient_space").remove(0);
    let summary = cole.ok(&["clinician", "summary", &space]);
    assert!(
        summary.contains("Consultation summary for Ann"),
        "{summary}"
    );
    assert!(summary.contains("Breathe easier"), "{summary}");
    assert!(summary.contains("Budget: not shared"), "{summary}");
    ann.ok(&["share", "revoke", &share]);
    cole.ok(&["sync", "now"]);
    let (status, said) = cole.fails(&["clinician", "summary", &space]);
    assert_eq!(status, 5, "{said}");
    assert_eq!(cole.json(&["clinician", "patients"]), serde_json::json!([]));

    // The relay goes away: writing carries on, syncing says to try later.
    ann.ok(&["sync", "now"]);
    server.kill();
    ann.ok(&["done", &breathing, "--outcome", "partly"]);
    let (status, said) = ann.fails(&["sync", "now"]);
    assert_eq!(status, 6, "{said}");
    assert!(said.contains("working offline"), "{said}");
    let offline = ann.json(&["sync", "status"]);
    assert_eq!(offline["state"], "offline");
    assert_eq!(offline["pending_changes"], 1);
    assert!(offline["next_retry"].is_string(), "{offline}");
    server.restart();
    ann.ok(&["sync", "now"]);
    assert_eq!(ann.json(&["sync", "status"])["pending_changes"], 0);

    // Evening: how the day went, and the diary for the GP's record.
    let adherence = ann.json(&["adherence", &plan, "--from", &today(), "--to", &today()]);
    assert_eq!(adherence["overall"]["partly"], 1);
    let trend = ann.ok(&[
        "diary",
        "trend",
        "Breathlessness",
        "--from",
        &today(),
        "--to",
        &today(),
    ]);
    assert!(trend.contains("mean 4.0, highest 4 (1 reading)"), "{trend}");
    let fhir = dir.path().join("ann-fhir.json");
    ann.ok(&[
        "diary",
        "export",
        "--from",
        &today(),
        "--to",
        &today(),
        "--format",
        "fhir",
        "--out",
        &fhir.to_string_lossy(),
    ]);
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(&fhir).expect("bundle")).expect("JSON");
    assert_eq!(bundle["resourceType"], "Bundle");
    validate_fhir(&bundle);

    // Night: Jim leaves for good. Asked without --yes, pph says what
    // deleting does and deletes nothing; a wrong password deletes nothing;
    // then his group passes to Ann, whose phone describes it again.
    let (status, said) = jim.fails(&["sync", "delete-account"]);
    assert_eq!(status, 2);
    assert!(said.contains("disappear for everyone"), "{said}");
    let wrong = jim.run_with(
        &["sync", "delete-account", "--yes"],
        Some("not the password!"),
    );
    assert_eq!(
        wrong.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    assert_eq!(jim.json(&["sync", "status"])["state"], "idle");
    let args = ["--json", "sync", "delete-account", "--yes"];
    let receipt: Value =
        serde_json::from_str(&succeeded(&args, &jim.run_with(&args, Some(PASSWORD))))
            .expect("receipt");
    assert_eq!(receipt["groups_passed_on"], 1);
    assert!(
        receipt["group_records_erased"].as_u64() >= Some(1),
        "{receipt}"
    );
    ann.ok(&["sync", "now"]);
    ann.ok(&["sync", "now"]);
    assert_eq!(
        texts(&ann.json(&["group", "list"]), "name"),
        ["Breathe Easy Thursdays"]
    );
    assert_eq!(
        texts(&ann.json(&["group", "members", &group]), "display_name"),
        ["Ann"]
    );
}

/// Ann keeps her recovery code from signing up, changes her password, then
/// forgets it: her tablet signs in with the code and a new password, is
/// shown the code that replaces it, reads her plan and is the one device
/// still signed in; a wrong code is refused and names no secret.
#[test]
fn a_password_changed_and_forgotten_through_the_pph_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let url = server.url.clone();
    let ann = Pph::new(dir.path(), "ann");
    let account = signup(&ann, &url, "ann@example.org", "Ann", "patient");
    let code = account["recovery_code"]
        .as_str()
        .expect("a recovery code")
        .to_owned();
    assert_eq!(code.len(), 39, "{code}");
    ann.id(&["plan", "create", "--title", "Breathe easier"]);
    ann.ok(&["sync", "now"]);
    let changed = ["--json", "sync", "password"];
    let changed: Value = serde_json::from_str(&succeeded(
        &changed,
        &ann.run_env(
            &changed,
            &[
                ("PPH_PASSWORD", PASSWORD),
                ("PPH_NEW_PASSWORD", "a brand new password"),
            ],
        ),
    ))
    .expect("json");
    // A new password replaces the recovery code: the old one is refused.
    let code_after_change = changed["recovery_code"]
        .as_str()
        .expect("a new recovery code")
        .to_owned();
    assert_ne!(code_after_change, code);
    let tablet = Pph::new(dir.path(), "tablet");
    let recover = [
        "--json",
        "sync",
        "recover",
        "--server",
        &url,
        "--email",
        "ann@example.org",
    ];
    let wrong = tablet.run_env(
        &recover,
        &[
            (
                "PPH_RECOVERY_CODE",
                "0000-0000-0000-0000-0000-0000-0000-0000",
            ),
            ("PPH_NEW_PASSWORD", "after forgetting it"),
        ],
    );
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(said.contains("sign in"), "{said}");
    assert!(
        !said.contains("0000-0000") && !said.contains("forgetting"),
        "{said}"
    );
    let replaced_code = tablet.run_env(
        &recover,
        &[
            ("PPH_RECOVERY_CODE", &code),
            ("PPH_NEW_PASSWORD", "after forgetting it"),
        ],
    );
    assert!(!replaced_code.status.success());
    let recovered = tablet.run_env(
        &recover,
        &[
            ("PPH_RECOVERY_CODE", &code_after_change),
            ("PPH_NEW_PASSWORD", "after forgetting it"),
        ],
    );
    let recovered: Value = serde_json::from_str(&succeeded(&recover, &recovered)).expect("json");
    let replaced = recovered["recovery_code"]
        .as_str()
        .expect("the code works once: a new one is shown");
    assert_ne!(replaced, code_after_change);
    tablet.ok(&["sync", "now"]);
    assert_eq!(
        texts(&tablet.json(&["plan", "list"]), "title"),
        ["Breathe easier"]
    );
    // The recovery signed every other device out: the phone signs in again.
    let devices = tablet.json(&["sync", "devices"]);
    assert_eq!(devices.as_array().map(Vec::len), Some(1), "{devices}");
    assert_eq!(devices[0]["this_device"], Value::Bool(true), "{devices}");
    let (_, said) = ann.fails(&["sync", "now"]);
    assert!(said.contains("sign in"), "{said}");
    let (_, said) = tablet.fails(&["sync", "sign-out-device", "not a session"]);
    assert!(said.contains("session"), "{said}");
    let renewed = ["--json", "sync", "recovery-code"];
    let fresh: Value = serde_json::from_str(&succeeded(
        &renewed,
        &tablet.run_env(&renewed, &[("PPH_PASSWORD", "after forgetting it")]),
    ))
    .expect("json");
    assert_ne!(fresh["recovery_code"].as_str(), Some(code.as_str()));
}

/// Jim starts a group and invites Ann; she joins with the code. Returns
/// the group's id.
fn ann_joins_jims_group(ann: &Pph, jim: &Pph) -> String {
    let group = jim.id(&[
        "group",
        "create",
        "--name",
        "Breathe Easy Thursdays",
        "--focus",
        "COPD",
    ]);
    jim.ok(&["sync", "now"]);
    let code = jim.id(&["group", "invite", &group, "--for", "2d"]);
    assert_eq!(code.len(), 26, "{code}");
    assert_eq!(ann.id(&["group", "join", &code]), group);
    // A member's device wraps the group's key to a newcomer when it next
    // syncs; only then can Ann's phone open what the group wrote.
    jim.ok(&["sync", "now"]);
    ann.ok(&["sync", "now"]);
    let groups = ann.json(&["group", "list"]);
    assert_eq!(texts(&groups, "name"), ["Breathe Easy Thursdays"]);
    let members = ann.json(&["group", "members", &group]);
    let mut names = texts(&members, "display_name");
    names.sort();
    assert_eq!(names, ["Ann", "Jim"]);
    group
}

/// Refusals through the command: each has its exit status, says what to
/// do, never echoes what was typed, and leaves the store as it was.
#[test]
fn refusals_have_their_exit_status_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path());
    let ann = Pph::new(dir.path(), "ann");
    let plan = ann.id(&["plan", "create", "--title", "Private plan"]);
    let before = ann.ok(&["plan", "show", &plan]);

    // A code asked for, then no password given: refused before anything
    // is sent; a wrong code: refused by name, still not signed in.
    let signup = [
        "sync",
        "signup",
        "--server",
        &server.url,
        "--email",
        "a@example.org",
        "--name",
        "Ann",
    ];
    assert!(ann.ok(&signup).contains("A code is on its way"));
    let mut with_code = signup.to_vec();
    with_code.extend_from_slice(&["--code", "0000-0000"]);
    let (status, said) = ann.fails(&with_code);
    assert_eq!(
        (status, said.as_str()),
        (
            2,
            "pph: no password: set PPH_PASSWORD or pass --password-stdin\n"
        )
    );
    let wrong = ann.run_with(&with_code, Some(PASSWORD));
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("code"));
    // Not signed in: sharing is not allowed yet.
    let (status, said) = ann.fails(&["share", "list"]);
    assert_eq!(status, 5, "{said}");
    // An unknown plan, a malformed id, a bad amount, a bad date.
    let unknown = id();
    assert_eq!(ann.fails(&["plan", "show", &unknown]).0, 3);
    let (status, said) = ann.fails(&["plan", "show", "not-an-id\u{1}secret"]);
    assert_eq!(status, 2);
    assert!(!said.contains("secret"), "{said}");
    let (status, said) = ann.fails(&[
        "budget",
        "create",
        "--name",
        "B",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--allocation",
        "12.345",
    ]);
    assert_eq!(
        (status, said.as_str()),
        (
            2,
            "pph: --allocation takes an amount such as 180 or 180.50\n"
        )
    );
    let (status, said) = ann.fails(&[
        "diary",
        "log",
        "--rate",
        "breathlessness=4",
        "--at",
        "yesterday teatime",
    ]);
    assert_eq!(status, 2);
    assert!(!said.contains("teatime"), "{said}");
    // A symptom that does not exist, and a rating out of its scale.
    assert_eq!(ann.fails(&["diary", "log", "--rate", "gout=3"]).0, 3);
    let (status, said) = ann.fails(&["diary", "log", "--rate", "breathlessness=11"]);
    assert_eq!(status, 2, "{said}");
    // JSON errors for scripts.
    let out = ann.run(&["--json", "plan", "show", &unknown]);
    assert_eq!(out.status.code(), Some(3));
    let error: Value = serde_json::from_slice(&out.stderr).expect("a JSON error");
    assert_eq!(error["error"]["status"], "not_found");
    assert_eq!(error["error"]["exit"], 3);

    assert_eq!(ann.ok(&["plan", "show", &plan]), before, "nothing changed");
    assert_eq!(
        ann.json(&[
            "diary",
            "list",
            "--from",
            "2020-01-01",
            "--to",
            "2099-12-31"
        ])["entries"],
        serde_json::json!([]),
        "no refused entry was written"
    );
}
