//! Running the relay, as its operator does (docs/OPERATIONS.md), on real
//! relay processes over SQLite and PostgreSQL: metrics count what happened
//! and are served only on their own listener; a bad configuration stops
//! the relay before it listens, naming the setting; each operator's
//! command does what it says and refuses an unknown account, changing
//! nothing; a backup taken while clients push restores every change,
//! key and account acknowledged before it began, once each, with no gap.

use pph_core::*;
use pph_testing::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The value of the sample of `name` whose labels include each of
/// `labels` (`key="value"`), 0 when there is none yet.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// A sign-in to `email` with a password no account has: its status.
async fn wrong_sign_in(url: &str, email: String) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{url}/v1/sessions"))
        .json(&pph_protocol::wire::SignInRequest {
            email,
            password: "0".repeat(64),
            device_name: "phone".into(),
            node: "a1b2c3d4e5f60718".into(),
            recovery: false,
        })
        .send()
        .await
        .expect("sign in")
        .status()
}

async fn scrape(url: &str) -> String {
    let resp = reqwest::get(url).await.expect("scrape");
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("metrics")
}

async fn metrics_count_a_push_and_a_refusal_and_stay_off_the_public_listener(
    relay: Relay,
    dir: &Path,
) {
    // Six failed sign-ins from one address, set in place of the default
    // twenty, are let through; the seventh is limited.
    let server = ServerProcess::start_with(
        &relay,
        dir,
        &[
            "--metrics-listen",
            "127.0.0.1:0",
            "--sign-ins-per-address",
            "6",
        ],
    );
    let metrics = server.metrics_url.clone().expect("a metrics listener");
    let client = reqwest::Client::new();
    let ann = RawAccount::sign_up(&client, &server.url).await;
    let bob = RawAccount::sign_up(&client, &server.url).await;
    let before = scrape(&metrics).await;

    let pushed = push_raw(
        &client,
        &server.url,
        &ann.token,
        &diary_batch(&ann.space, 7),
    )
    .await;
    assert_eq!(pushed.status(), 200);
    // Ann writing into Bob's diary: each change refused by a rule.
    let refused = push_raw(
        &client,
        &server.url,
        &ann.token,
        &diary_batch(&bob.space, 3),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let body: pph_protocol::wire::ErrorBody = refused.json().await.expect("refusal");
    assert_eq!(body.refused.len(), 3);
    let rule = serde_json::to_value(body.refused[0].rule).expect("rule");
    let rule = format!("rule=\"{}\"", rule.as_str().expect("a name"));

    let after = scrape(&metrics).await;
    let grew =
        |name: &str, labels: &[&str]| sample(&after, name, labels) - sample(&before, name, labels);
    assert_eq!(grew("pph_pushed_changes_total", &[]), 7.0);
    assert!(grew("pph_pushed_bytes_total", &[]) > 7.0 * 100.0);
    assert_eq!(grew("pph_refusals_total", &["code=\"forbidden\""]), 1.0);
    assert_eq!(grew("pph_push_refusals_total", &[rule.as_str()]), 3.0);
    let push = ["route=\"/v1/changes\"", "method=\"POST\""];
    assert_eq!(
        grew("pph_requests_total", &[push[0], push[1], "status=\"200\""]),
        1.0
    );
    assert_eq!(
        grew("pph_requests_total", &[push[0], push[1], "status=\"403\""]),
        1.0
    );
    assert_eq!(grew("pph_request_duration_seconds_count", &[push[0]]), 2.0);

    // Sign-in failures, each for another unknown email from one address.
    let sign_in = |n: usize| wrong_sign_in(&server.url, format!("nobody{n}@example.org"));
    for n in 0..6 {
        assert_eq!(sign_in(n).await, 401);
    }
    assert_eq!(sign_in(6).await, 429);
    let after = scrape(&metrics).await;
    let grew =
        |name: &str, labels: &[&str]| sample(&after, name, labels) - sample(&before, name, labels);
    assert_eq!(grew("pph_sign_in_failures_total", &[]), 6.0);
    assert_eq!(
        grew("pph_rate_limited_total", &["route=\"/v1/sessions\""]),
        1.0
    );
    assert!(sample(&after, "pph_storage_bytes", &[]) > 0.0);
    assert!(grew("pph_db_seconds_count", &["op=\"write\""]) >= 1.0);
    // No label holds an account, a space or an email.
    for secret in [
        ann.account_id.as_str(),
        &ann.space,
        &ann.email,
        &bob.space,
        "nobody0@example.org",
    ] {
        assert!(!after.contains(secret), "the metrics name someone");
    }

    // The public listener has no metrics.
    let public = client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .expect("public");
    assert_eq!(public.status(), 404);
    assert!(!public
        .text()
        .await
        .expect("body")
        .contains("pph_requests_total"));
}

/// A relay process started with `args` that is expected not to start:
/// its exit status and what it said.
fn refused_start(dir: &Path, args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let out = Command::new(built("e2e_server"))
        .args(["--sqlite", &dir.join("r.db").to_string_lossy()])
        .args(args)
        .output()
        .expect("run");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_configuration_is_refused_by_name_and_nothing_starts() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("relay.toml");
    let config = file.to_string_lossy().into_owned();
    let cases = [
        // A misspelt key, a value out of bounds, half a TLS pair, a
        // metrics listener on the public one, a password that cannot
        // parse (and is not repeated).
        (
            "listen = \"127.0.0.1:0\"\n[tls]\ncertificate = \"x\"\n",
            "certificate",
        ),
        ("[kdf]\nmemory_kib = 1\n", "kdf.memory_kib"),
        ("[tls]\ncert = \"/etc/hostname\"\n", "tls.key"),
        (
            "listen = \"127.0.0.1:7999\"\n[metrics]\nlisten = \"127.0.0.1:7999\"\n",
            "metrics.listen",
        ),
        (
            "[database]\nurl = \"postgres://pph:Hunter2Secret@h/db\n",
            "line 2",
        ),
        ("[log]\nformat = \"xml\"\n", "xml"),
    ];
    for (text, named) in cases {
        std::fs::write(&file, text).expect("write");
        for command in [&["check-config"][..], &[]] {
            let mut args = vec!["--config", config.as_str()];
            args.extend_from_slice(command);
            let (status, stdout, stderr) = refused_start(dir.path(), &args);
            assert!(!status.success(), "{text} was taken by {command:?}");
            assert!(stderr.contains(named), "{text}: {stderr}");
            assert!(!stderr.contains("Hunter2Secret"), "a password was repeated");
            assert!(!stdout.contains("listening"), "{text}: it started");
        }
    }
    assert!(
        !dir.path().join("r.db").exists(),
        "a refused start made a database"
    );
    // A good file passes, and a flag overrides it.
    std::fs::write(&file, "listen = \"nowhere\"\n[kdf]\npasses = 4\n").expect("write");
    let (status, _, stderr) = refused_start(dir.path(), &["--config", &config, "check-config"]);
    assert!(!status.success() && stderr.contains("listen"), "{stderr}");
    let out = Command::new(built("e2e_server"))
        .args(["--sqlite", &dir.path().join("r.db").to_string_lossy()])
        .args([
            "--config",
            &config,
            "--listen",
            "127.0.0.1:0",
            "check-config",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // So does the environment.
    let out = Command::new(built("e2e_server"))
        .env("PPH_LISTEN", "127.0.0.1:0")
        .args(["--sqlite", &dir.path().join("r.db").to_string_lossy()])
        .args(["--config", &config, "check-config"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn a_relay_process_with_another_secret_file_is_refused(relay: Relay, dir: &Path) {
    let first = ServerProcess::start_on(&relay, dir);
    drop(first);
    let other = dir.join("other.secret");
    let mut args: Vec<String> = match &relay {
        Relay::Sqlite(db) => vec!["--sqlite".into(), db.to_string_lossy().into_owned()],
        Relay::Postgres(url) => vec!["--database-url".into(), url.clone()],
    };
    args.extend(["--secret-file".into(), other.to_string_lossy().into_owned()]);
    args.extend(["--listen".into(), "127.0.0.1:0".into()]);
    args.extend([
        "--mail-dir".into(),
        dir.join("mail").to_string_lossy().into_owned(),
    ]);
    let out = Command::new(built("e2e_server"))
        .args(&args)
        .output()
        .expect("run");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a relay with another secret started");
    assert!(said.contains("database.secret_file"), "{said}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    // The shared one still serves.
    let again = ServerProcess::start_on(&relay, dir);
    let health = reqwest::get(format!("{}/v1/health", again.url))
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
}

async fn relays_started_together_on_an_empty_database_all_serve(relay: Relay, dir: &Path) {
    // Each makes the schema, or waits for the one that does, and they
    // share one secret file made once.
    let started: Vec<ServerProcess> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| ServerProcess::start_on(&relay, dir)))
            .collect();
        starting
            .into_iter()
            .map(|s| s.join().expect("a relay started"))
            .collect()
    });
    for server in &started {
        let health = reqwest::get(format!("{}/v1/health", server.url))
            .await
            .expect("health");
        assert_eq!(health.status(), 200);
    }
}

/// `pph-server admin …` on the relay; its status, stdout and stderr (the
/// command's word and its audit line).
fn admin(relay: &Relay, dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = relay.admin(dir, args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_of(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim()).expect("one JSON document")
}

async fn the_operators_commands_do_what_they_say_and_refuse_an_unknown_account(
    relay: Relay,
    dir: &Path,
) {
    let server = ServerProcess::start_on(&relay, dir);
    let ann = patient(&server, dir, "ann").await;
    let email = "ann@example.org";
    ann.diary()
        .log_entry(NewEntry {
            recorded_at: std::time::SystemTime::now(),
            utc_offset_minutes: 0,
            ratings: vec![],
            note: Some("a private note".into()),
            tags: vec![],
            medications: vec![],
        })
        .expect("entry");
    ann.sync().sync_now().await.expect("sync");
    let id = account_id(&ann);

    let (ok, out, audit) = admin(&relay, dir, &["find-account", "--email", email]);
    assert!(ok, "{audit}");
    let found = json_of(&out);
    assert_eq!(found["account"], id.as_str());
    assert_eq!(found["live_devices"], 1);
    assert_eq!(found["locked"], false);
    assert!(audit.contains("operator command done") && audit.contains("find-account"));
    let log_id = found["log_id"].as_str().expect("a log id").to_owned();
    assert!(
        audit.contains(&log_id),
        "the audit line names the account's log id"
    );

    // With another secret file than the relay's, refused before acting:
    // its audit lines would name accounts by ids the relay's log never has.
    let other = tempfile::tempdir().expect("dir");
    let other_secret = other.path().join("relay.secret");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&other_secret)
            .and_then(|mut f| f.write_all("ab".repeat(32).as_bytes()))
            .expect("another secret");
    }
    let out = Command::new(built("e2e_server"))
        .args(relay.args(other.path()))
        .env("PPH_SECRET_FILE", &other_secret)
        .args(["admin", "lock", "--email", email])
        .output()
        .expect("admin");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "taken with another secret: {said}");
    assert!(said.contains("not the secret"), "{said}");
    assert!(out.stdout.is_empty());
    let found = json_of(&admin(&relay, dir, &["find-account", "--email", email]).1);
    assert_eq!(found["locked"], false, "a refused lock locked");

    let (ok, out, _) = admin(&relay, dir, &["stats"]);
    assert!(ok);
    let stats = json_of(&out);
    assert_eq!(stats["accounts"], 1);
    assert!(stats["changes"].as_i64().expect("changes") >= 1);
    assert_eq!(stats["live_sessions"], 1);
    assert!(stats["storage_bytes"].as_i64().expect("bytes") > 0);

    // An unknown account: refused by every command, nothing changed.
    for command in [
        &["find-account", "--email", "nobody@example.org"][..],
        &["lock", "--email", "nobody@example.org"],
        &["unlock", "--email", "nobody@example.org"],
        &["sign-out", "--email", "nobody@example.org"],
        &["subject-access", "--email", "nobody@example.org"],
        &[
            "delete-account",
            "--email",
            "nobody@example.org",
            "--confirm",
        ],
        &["lock", "--email", "not an address"],
    ] {
        let (ok, out, said) = admin(&relay, dir, command);
        assert!(!ok, "{command:?} was taken");
        assert!(out.is_empty(), "{command:?} printed {out}");
        assert!(
            said.contains("no account has this email") || said.contains("not an email"),
            "{command:?}: {said}"
        );
        assert!(
            said.contains("operator command refused"),
            "{command:?} is not audited"
        );
    }
    assert_eq!(json_of(&admin(&relay, dir, &["stats"]).1), stats);

    // Subject access: what the relay holds, and none of the sealed content.
    // A wrong password first: the counter naming her email is hers too.
    assert_eq!(wrong_sign_in(&server.url, email.into()).await, 401);
    let (ok, out, _) = admin(&relay, dir, &["subject-access", "--email", email]);
    assert!(ok);
    let report = json_of(&out);
    assert_eq!(report["account"]["email"], email);
    let pushed: i64 = report["changes_pushed"]
        .as_array()
        .expect("per space")
        .iter()
        .map(|s| s["changes"].as_i64().expect("count"))
        .sum();
    let space = ann
        .sync()
        .status()
        .expect("status")
        .account
        .expect("in")
        .personal_space;
    let stored = relay.raw_changes(&space).await;
    assert_eq!(pushed, stored.len() as i64);
    for change in &stored {
        let sealed = change.value["sealed"]["ct"].as_str().expect("sealed");
        assert!(!out.contains(sealed), "a sealed value was given");
    }
    assert!(!out.contains("a private note"));
    let sessions = report["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0]["node"].as_str().is_some_and(|n| n.len() == 16));
    let counters = report["limit_counters"].as_array().expect("counters");
    assert!(
        counters.iter().any(|c| c["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("sign-in:ann@example.org:"))),
        "{counters:?}"
    );

    // Sign-out: the device's token no longer works; a new sign-in does.
    let (ok, _, said) = admin(&relay, dir, &["sign-out", "--email", email]);
    assert!(ok, "{said}");
    assert!(matches!(
        ann.sync().sync_now().await,
        Err(PphError::Unauthorized)
    ));
    let again = signed_in(&server.url, dir, "ann-again", email).await;
    again.sync().sync_now().await.expect("signed in again");

    // Lock: signed out, and the password opens nothing until unlocked.
    assert!(admin(&relay, dir, &["lock", "--email", email]).0);
    assert!(matches!(
        again.sync().sync_now().await,
        Err(PphError::Unauthorized)
    ));
    let third = device(dir, "ann-third");
    let locked = third
        .account()
        .sign_in(server.url.clone(), email.into(), PASSWORD.into())
        .await;
    let Err(PphError::Forbidden { reason }) = locked else {
        panic!("a locked account signed in: {locked:?}");
    };
    assert!(reason.contains("locked"), "{reason}");
    assert_eq!(
        json_of(&admin(&relay, dir, &["find-account", "--email", email]).1)["locked"],
        true
    );
    assert!(admin(&relay, dir, &["unlock", "--email", email]).0);
    third
        .account()
        .sign_in(server.url.clone(), email.into(), PASSWORD.into())
        .await
        .expect("unlocked");

    // Delete: refused without --confirm, then done.
    let (ok, _, said) = admin(&relay, dir, &["delete-account", "--email", email]);
    assert!(!ok && said.contains("--confirm"), "{said}");
    assert!(admin(&relay, dir, &["find-account", "--email", email]).0);
    let (ok, out, _) = admin(
        &relay,
        dir,
        &["delete-account", "--email", email, "--confirm"],
    );
    assert!(ok);
    assert!(json_of(&out)["changes"].as_u64().expect("changes") >= 1);
    assert!(!admin(&relay, dir, &["find-account", "--email", email]).0);
    assert!(relay.raw_changes(&space).await.is_empty());
}

/// Every change of `space` the relay serves `token`, page by page:
/// change id and sequence number.
async fn all_changes(url: &str, token: &str, space: &str) -> Vec<(String, i64)> {
    let client = reqwest::Client::new();
    let (mut since, mut out) = (0, Vec::new());
    loop {
        let page = pull_page(&client, url, token, space, since, 1000).await;
        out.extend(
            page.changes
                .iter()
                .map(|c| (c.change.change_id.clone(), c.seq)),
        );
        since = page.next;
        if !page.more {
            return out;
        }
    }
}

/// Pushes batches as each account until `stop`, recording every change
/// acknowledged, and whether `started` was already set when it was.
async fn load(
    url: String,
    accounts: Arc<Vec<RawAccount>>,
    stop: Arc<AtomicBool>,
    started: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(usize, String, bool)>>>,
    rounds: tokio::sync::watch::Sender<usize>,
) {
    let client = reqwest::Client::new();
    let mut round = 0;
    while !stop.load(Ordering::SeqCst) {
        for (i, account) in accounts.iter().enumerate() {
            let batch = diary_batch(&account.space, 20);
            let resp = push_raw(&client, &url, &account.token, &batch).await;
            assert_eq!(resp.status(), 200, "a push under load was refused");
            // Read after the answer: set before it, the backup may have
            // begun before this push was stored.
            let after_start = started.load(Ordering::SeqCst);
            let mut acked = acked.lock().expect("acked");
            acked.extend(batch.iter().map(|c| (i, c.change_id.clone(), after_start)));
        }
        round += 1;
        rounds.send_replace(round);
    }
}

/// The backup, while `load` runs: the relay's own command on SQLite,
/// `pg_dump` on PostgreSQL. Returns the backup file.
fn back_up(relay: &Relay, dir: &Path) -> std::path::PathBuf {
    match relay {
        Relay::Sqlite(db) => {
            // A relative name SQLite would read as a URI is the backup's
            // name all the same (the twenty-eighth attacker run's copy
            // went to `backup.db`, past the checks on this one).
            let to = dir.join("file:backup.db");
            let out = Command::new(built("e2e_server"))
                .current_dir(dir)
                .args(["--sqlite", &db.to_string_lossy(), "backup", "--to"])
                .arg("file:backup.db")
                .output()
                .expect("backup");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!dir.join("backup.db").exists(), "the copy went elsewhere");
            to
        }
        Relay::Postgres(url) => {
            let to = dir.join("backup.dump");
            let out = Command::new("pg_dump")
                .args(["--format=custom", "--file"])
                .arg(&to)
                .arg(url)
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            to
        }
    }
}

/// The backup put in place as a new, empty database.
async fn restored(relay: &Relay, dir: &Path, backup: &Path) -> Relay {
    match relay {
        Relay::Sqlite(served) => {
            let db = dir.join("restored.db");
            // The secret file goes with the backup (docs/OPERATIONS.md).
            std::fs::copy(
                format!("{}.secret", served.display()),
                format!("{}.secret", db.display()),
            )
            .expect("the secret file");
            let out = Command::new(built("e2e_server"))
                .args(["--sqlite", &db.to_string_lossy(), "restore", "--from"])
                .arg(backup)
                .output()
                .expect("restore");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // A second restore over it is refused.
            let out = Command::new(built("e2e_server"))
                .args(["--sqlite", &db.to_string_lossy(), "restore", "--from"])
                .arg(backup)
                .output()
                .expect("restore");
            assert!(!out.status.success(), "a restore went over a used database");
            Relay::Sqlite(db)
        }
        Relay::Postgres(_) => {
            let fresh = Relay::postgres().await.expect("a second database");
            let Relay::Postgres(url) = &fresh else {
                unreachable!("postgres")
            };
            let out = Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname", url])
                .arg(backup)
                .output()
                .expect("pg_restore");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            fresh
        }
    }
}

async fn a_backup_under_load_restores_every_acknowledged_change(relay: Relay, dir: &Path) {
    let server = ServerProcess::start_on(&relay, dir);
    let client = reqwest::Client::new();
    let mut accounts = Vec::new();
    for _ in 0..3 {
        accounts.push(RawAccount::sign_up(&client, &server.url).await);
    }
    let accounts = Arc::new(accounts);
    let (stop, started) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let acked = Arc::new(Mutex::new(Vec::new()));
    let (rounds_tx, mut rounds) = tokio::sync::watch::channel(0);
    let pushing = tokio::spawn(load(
        server.url.clone(),
        accounts.clone(),
        stop.clone(),
        started.clone(),
        acked.clone(),
        rounds_tx,
    ));
    rounds.wait_for(|r| *r >= 3).await.expect("pushes");
    started.store(true, Ordering::SeqCst);
    let (relay2, dir2) = (relay.clone(), dir.to_owned());
    let backup = tokio::task::spawn_blocking(move || back_up(&relay2, &dir2))
        .await
        .expect("backup");
    // The load went on through the backup; a round more, then stop.
    let now = *rounds.borrow();
    rounds.wait_for(|r| *r > now).await.expect("pushes");
    stop.store(true, Ordering::SeqCst);
    pushing.await.expect("load");
    drop(server);

    let restored = restored(&relay, dir, &backup).await;
    let server = ServerProcess::start_on(&restored, dir);
    let acked = acked.lock().expect("acked").clone();
    let before: usize = acked.iter().filter(|(_, _, after)| !after).count();
    assert!(before >= 3 * 3 * 20, "the backup began under load");
    for (i, account) in accounts.iter().enumerate() {
        // The account and its session came back: its token still works.
        let held = all_changes(&server.url, &account.token, &account.space).await;
        let mut seen = BTreeMap::new();
        for (change, _) in &held {
            *seen.entry(change.clone()).or_insert(0) += 1;
        }
        assert!(seen.values().all(|n| *n == 1), "a change is held twice");
        let seqs: Vec<i64> = held.iter().map(|(_, seq)| *seq).collect();
        assert_eq!(seqs, (1..=held.len() as i64).collect::<Vec<_>>(), "a gap");
        let pushed: BTreeSet<&String> = acked
            .iter()
            .filter(|(a, _, _)| *a == i)
            .map(|(_, c, _)| c)
            .collect();
        for (a, change, after_start) in &acked {
            if *a == i && !after_start {
                assert!(seen.contains_key(change), "an acknowledged change was lost");
            }
        }
        assert!(
            seen.keys().all(|c| pushed.contains(c)),
            "a change no one pushed"
        );
        // Its key epoch came back too.
        let keys: serde_json::Value = client
            .get(format!("{}/v1/keys", server.url))
            .bearer_auth(&account.token)
            .send()
            .await
            .expect("keys")
            .json()
            .await
            .expect("keys");
        let envelopes = keys["envelopes"].as_array().expect("envelopes");
        assert!(
            envelopes
                .iter()
                .any(|e| e["space"] == account.space.as_str() && e["epoch"] == 1),
            "a key envelope was lost"
        );
    }
    let (ok, out, _) = admin(&restored, dir, &["stats"]);
    assert!(ok);
    assert_eq!(json_of(&out)["accounts"], 3);
}

/// The health probe says 503 while the relay's PostgreSQL takes no
/// connection, so a balancer takes the process out, and "ok" again once it
/// does (the twenty-eighth attacker run found it "ok" throughout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_probe_fails_while_the_database_does_not_answer() {
    let Some(relay) = Relay::postgres().await else {
        return;
    };
    let Relay::Postgres(url) = &relay else {
        unreachable!("postgres")
    };
    let name = url.rsplit('/').next().expect("a database").to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let server = ServerProcess::start_on(&relay, dir.path());
    let health = format!("{}/v1/health", server.url);
    let status = || async { reqwest::get(&health).await.expect("probe").status() };
    assert_eq!(status().await, 200);
    let cluster = Service::Postgres.get().expect("PostgreSQL");
    let (admin, conn) = tokio_postgres::connect(&cluster, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        ))
        .await
        .expect("cut the relay off");
    // A terminated backend goes when it handles its signal: until every
    // one has, a pooled connection may still answer (the fresh-clone run
    // probed one in time).
    let mut left = 1;
    for _ in 0..500 {
        left = admin
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1",
                &[&name],
            )
            .await
            .expect("activity")
            .get::<_, i64>(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        left, 0,
        "the relay's connections outlived their termination"
    );
    assert_eq!(status().await, 503);
    let out = Command::new(built("e2e_server"))
        .args(["health", "--address"])
        .arg(server.url.trim_start_matches("http://"))
        .output()
        .expect("health");
    assert!(!out.status.success(), "healthy without a database");
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .expect("let it back");
    assert_eq!(status().await, 200);
}

on_both_relays!(
    metrics_count_a_push_and_a_refusal_and_stay_off_the_public_listener,
    the_operators_commands_do_what_they_say_and_refuse_an_unknown_account,
    a_backup_under_load_restores_every_acknowledged_change,
    a_relay_process_with_another_secret_file_is_refused,
    relays_started_together_on_an_empty_database_all_serve,
);
