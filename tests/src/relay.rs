//! A real `pph-server` process on loopback over SQLite or PostgreSQL, and
//! raw access to what it stores and serves.

use crate::people::PASSWORD;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where a test's relay keeps its data.
#[derive(Clone, Debug)]
pub enum Relay {
    Sqlite(PathBuf),
    /// A PostgreSQL database of the test's own.
    Postgres(String),
}

impl Relay {
    pub fn sqlite(dir: &Path) -> Relay {
        Relay::Sqlite(dir.join("server.db"))
    }

    /// A fresh database on the cluster `PPH_TEST_DATABASE_URL` names; None
    /// when there is none and the suite may skip ([`Service::get`]).
    pub async fn postgres() -> Option<Relay> {
        let url = crate::Service::Postgres.get()?;
        let (admin, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("PPH_TEST_DATABASE_URL is set but PostgreSQL cannot be reached");
        tokio::spawn(conn);
        let name = format!("pph_testing_{}", uuid::Uuid::now_v7().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let base = url.rsplit_once('/').expect("url has a database").0;
        Some(Relay::Postgres(format!("{base}/{name}")))
    }

    /// The flags that point a relay process (or the operator's command)
    /// at this database, its secret file in `dir` on PostgreSQL.
    pub fn args(&self, dir: &Path) -> Vec<String> {
        let secret = dir.join("relay.secret").to_string_lossy().into_owned();
        match self {
            Relay::Sqlite(path) => vec!["--sqlite".into(), path.to_string_lossy().into_owned()],
            Relay::Postgres(url) => vec![
                "--database-url".into(),
                url.clone(),
                "--secret-file".into(),
                secret,
            ],
        }
    }

    /// Stores a change as if the relay had accepted it from `author`,
    /// bypassing every check: what a relay that is out of date, buggy or
    /// broken into would serve.
    pub async fn forge(&self, author: &str, change: &pph_protocol::Change) {
        let body = serde_json::to_string(change).expect("json");
        match self {
            Relay::Sqlite(path) => {
                let conn = sqlite_file(path);
                conn.execute(
                    "INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id, author)
                     VALUES (?1, (SELECT next_seq FROM spaces WHERE id = ?1), ?2, ?3, ?4, ?5, ?6)",
                    (&change.space, &change.change_id, &change.entity_type, &body, &change.entity_id, author),
                )
                .expect("forge");
                conn.execute(
                    "UPDATE spaces SET next_seq = next_seq + 1 WHERE id = ?1",
                    [&change.space],
                )
                .expect("bump");
            }
            Relay::Postgres(url) => {
                let client = postgres(url).await;
                client
                    .execute(
                        "WITH s AS (UPDATE spaces SET next_seq = next_seq + 1 WHERE id = $1 RETURNING next_seq - 1 AS seq)
                         INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id, author)
                         SELECT $1, seq, $2, $3, $4, $5, $6 FROM s",
                        &[&change.space, &change.change_id, &change.entity_type, &body, &change.entity_id, &author],
                    )
                    .await
                    .expect("forge");
            }
        }
    }
}

impl Relay {
    /// Runs one statement (`$1`-style parameters, all text) straight on the
    /// relay's database, past every check.
    async fn execute(&self, sql: &str, params: &[&str]) {
        match self {
            Relay::Sqlite(path) => {
                sqlite_file(path)
                    .execute(&sql.replace('$', "?"), rusqlite::params_from_iter(params))
                    .expect("execute on the relay's SQLite");
            }
            Relay::Postgres(url) => {
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as _).collect();
                postgres(url)
                    .await
                    .execute(sql, &params)
                    .await
                    .expect("execute on the relay's PostgreSQL");
            }
        }
    }

    /// Sets an account's public key past every check: what a relay broken
    /// into, or one that once took any key, would serve.
    pub async fn set_public_key(&self, account: &str, public_key: &str) {
        self.execute(
            "UPDATE accounts SET public_key = $2 WHERE id = $1",
            &[account, public_key],
        )
        .await;
    }

    /// Makes `to` the patient of `space`, `from`'s personal space, past
    /// every check: `from`'s account moved off it, `to` given it, and
    /// `from`'s shares named `to`'s; what a relay lying to a clinician about
    /// whose record it is would serve. The same call with `from` and `to`
    /// swapped puts it back.
    pub async fn hand_record_to(&self, space: &str, from: &str, to: &str) {
        let moved = format!("moved-{from}");
        self.execute(
            "UPDATE accounts SET personal_space = $2 WHERE id = $1",
            &[from, &moved],
        )
        .await;
        self.execute(
            "UPDATE accounts SET personal_space = $2 WHERE id = $1",
            &[to, space],
        )
        .await;
        self.execute(
            "UPDATE shares SET patient_account = $2 WHERE patient_account = $1",
            &[from, to],
        )
        .await;
    }

    /// Lists `space` (a person's record) as a group with `member` in it,
    /// past every check, or (`as_group` false) puts it back: what a relay
    /// telling a clinician a patient's record is a group would serve.
    pub async fn relist_as_group(&self, space: &str, member: &str, as_group: bool) {
        let kind = if as_group { "group" } else { "personal" };
        self.execute("UPDATE spaces SET kind = $2 WHERE id = $1", &[space, kind])
            .await;
        let membership = if as_group {
            "INSERT INTO space_members (space, account_id, role) VALUES ($1, $2, 'member')"
        } else {
            "DELETE FROM space_members WHERE space = $1 AND account_id = $2"
        };
        self.execute(membership, &[space, member]).await;
    }

    /// Names `owner` as the owner of `space` past every check: a relay
    /// telling a person's devices their record is someone else's.
    pub async fn set_owner(&self, space: &str, owner: &str) {
        self.execute(
            "UPDATE spaces SET owner = $2 WHERE id = $1",
            &[space, owner],
        )
        .await;
    }

    /// Stores an envelope past every check, as a relay broken into would
    /// serve it.
    pub async fn inject_envelope(&self, e: &pph_protocol::sealed::Envelope) {
        const SQL: &str = "INSERT INTO key_envelopes
             (space, key_name, epoch, recipient, body, created_ms) VALUES ($1, $2, $3, $4, $5, 0)";
        let (key, epoch) = (e.key.code(), i64::from(e.epoch));
        let body = serde_json::to_string(e).expect("json");
        match self {
            Relay::Sqlite(path) => {
                sqlite_file(path)
                    .execute(
                        &SQL.replace('$', "?"),
                        (&e.space, &key, epoch, &e.recipient, &body),
                    )
                    .expect("inject");
            }
            Relay::Postgres(url) => {
                postgres(url)
                    .await
                    .execute(SQL, &[&e.space, &key, &epoch, &e.recipient, &body])
                    .await
                    .expect("inject");
            }
        }
    }

    /// Stores a share past every check (with whatever signature), as a
    /// relay broken into would: one that names `clinician` a reader of
    /// `patient`'s `scopes` for an hour.
    pub async fn inject_share(
        &self,
        patient: &str,
        clinician: &str,
        scopes: &str,
        signature: &str,
    ) {
        const SQL: &str = "INSERT INTO shares (id, patient_account, clinician_account, scopes,
                                               created_ms, expires_ms, signature)
             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let (id, now) = (crate::id(), crate::now_ms() as i64);
        let until = now + 3_600_000;
        match self {
            Relay::Sqlite(path) => {
                sqlite_file(path)
                    .execute(
                        &SQL.replace('$', "?"),
                        (&id, patient, clinician, scopes, now, until, signature),
                    )
                    .expect("inject share");
            }
            Relay::Postgres(url) => {
                postgres(url)
                    .await
                    .execute(
                        SQL,
                        &[&id, &patient, &clinician, &scopes, &now, &until, &signature],
                    )
                    .await
                    .expect("inject share");
            }
        }
    }

    /// Makes `account` a member of `space` past every check, as a relay
    /// broken into would list it.
    pub async fn inject_member(&self, space: &str, account: &str) {
        self.execute(
            "INSERT INTO space_members (space, account_id, role) VALUES ($1, $2, 'member')",
            &[space, account],
        )
        .await;
    }

    /// Deletes the envelopes of `space`'s epoch `epoch` wrapped to
    /// `recipient`, past every check: a relay withholding a key.
    pub async fn withhold_envelope(&self, space: &str, recipient: &str, epoch: u32) {
        self.execute(
            "DELETE FROM key_envelopes
             WHERE space = $1 AND recipient = $2 AND CAST(epoch AS TEXT) = $3",
            &[space, recipient, &epoch.to_string()],
        )
        .await;
    }

    /// Clears the revocation of share `id`, past every check: a relay
    /// serving a revoked share as in force again.
    pub async fn unrevoke_share(&self, id: &str) {
        self.execute("UPDATE shares SET revoked_ms = NULL WHERE id = $1", &[id])
            .await;
    }

    /// Runs the operator's command `pph-server admin ARGS` on this relay's
    /// database (its secret file in `dir`).
    pub fn admin(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        Command::new(crate::built("e2e_server"))
            .args(self.args(dir))
            .arg("admin")
            .args(args)
            .output()
            .expect("run pph-server admin")
    }

    /// Makes every session of `account` older, past every check: made
    /// `made_ms` earlier and last used `used_ms` earlier than the relay
    /// recorded (what the passing of time would do).
    pub async fn age_sessions(&self, account: &str, made_ms: i64, used_ms: i64) {
        self.execute(
            "UPDATE device_tokens SET created_ms = created_ms - CAST(CAST($2 AS TEXT) AS BIGINT),
               last_seen_ms = COALESCE(last_seen_ms, created_ms) - CAST(CAST($3 AS TEXT) AS BIGINT)
             WHERE account_id = $1",
            &[account, &made_ms.to_string(), &used_ms.to_string()],
        )
        .await;
    }

    /// Moves every swap of `account`'s tokens `by_ms` earlier: the replaced
    /// tokens' grace runs out.
    pub async fn age_swaps(&self, account: &str, by_ms: i64) {
        self.execute(
            "UPDATE device_tokens SET revoked_ms = revoked_ms - CAST(CAST($2 AS TEXT) AS BIGINT)
             WHERE account_id = $1 AND replaced_by IS NOT NULL",
            &[account, &by_ms.to_string()],
        )
        .await;
    }

    /// Ends the sign-up code mailed to `email`, as its half hour passing
    /// would.
    pub async fn expire_sign_up_code(&self, email: &str) {
        self.execute(
            "UPDATE sign_up_codes SET expires_ms = 0 WHERE email = $1",
            &[email],
        )
        .await;
    }

    /// How many of `account`'s tokens were replaced by a swap.
    pub async fn swapped_tokens(&self, account: &str) -> usize {
        const SQL: &str =
            "SELECT token_hash FROM device_tokens WHERE account_id = $1 AND replaced_by IS NOT NULL";
        match self {
            Relay::Sqlite(path) => {
                let conn = sqlite_file(path);
                let mut stmt = conn.prepare(&SQL.replace('$', "?")).expect("prepare");
                stmt.query_map([account], |r| r.get::<_, String>(0))
                    .expect("query")
                    .count()
            }
            Relay::Postgres(url) => postgres(url)
                .await
                .query(SQL, &[&account])
                .await
                .expect("query")
                .len(),
        }
    }

    /// The stretch (JSON) the relay keeps for `email`'s password; None for
    /// an account from before salts.
    pub async fn kdf_of(&self, email: &str) -> Option<String> {
        const SQL: &str = "SELECT kdf FROM accounts WHERE email = $1";
        match self {
            Relay::Sqlite(path) => sqlite_file(path)
                .query_row(&SQL.replace('$', "?"), [email], |r| r.get(0))
                .expect("kdf"),
            Relay::Postgres(url) => postgres(url)
                .await
                .query_one(SQL, &[&email])
                .await
                .expect("kdf")
                .get(0),
        }
    }

    /// Sets the stretch (JSON) the relay serves for `email`, past every
    /// check; "" makes the account one from before salts.
    pub async fn set_kdf(&self, email: &str, kdf: &str) {
        self.execute(
            "UPDATE accounts SET kdf = NULLIF($2, '') WHERE email = $1",
            &[email, kdf],
        )
        .await;
    }

    /// The admission (JSON) the relay keeps for `account` in `space`.
    pub async fn admission_of(&self, space: &str, account: &str) -> Option<String> {
        const SQL: &str =
            "SELECT admission FROM space_members WHERE space = $1 AND account_id = $2";
        match self {
            Relay::Sqlite(path) => sqlite_file(path)
                .query_row(&SQL.replace('$', "?"), [space, account], |r| r.get(0))
                .expect("admission"),
            Relay::Postgres(url) => postgres(url)
                .await
                .query_one(SQL, &[&space, &account])
                .await
                .expect("admission")
                .get(0),
        }
    }

    /// Puts `account` back into `space` with `admission` (JSON), past every
    /// check: a relay undoing a removal.
    pub async fn put_back_member(&self, space: &str, account: &str, admission: &str) {
        self.execute(
            "INSERT INTO space_members (space, account_id, role, admission)
             VALUES ($1, $2, 'member', $3)",
            &[space, account, admission],
        )
        .await;
    }

    /// Gives `account`'s membership of `space` the admission (JSON) of
    /// `from`'s, past every check: a relay replaying one member's
    /// admission as another's.
    pub async fn copy_admission(&self, space: &str, from: &str, account: &str) {
        self.execute(
            "UPDATE space_members SET admission =
                 (SELECT admission FROM space_members WHERE space = $1 AND account_id = $2)
             WHERE space = $1 AND account_id = $3",
            &[space, from, account],
        )
        .await;
    }

    /// Replaces an account's public key and the identity kept beside it
    /// past every check: a relay serving an impostor as that account.
    pub async fn set_account_keys(&self, account: &str, keys: &pph_protocol::sealed::AccountKeys) {
        let sealed = serde_json::to_string(keys).expect("json");
        self.execute(
            "UPDATE accounts SET public_key = $2, sealed_keys = $3 WHERE id = $1",
            &[account, &keys.public_key, &sealed],
        )
        .await;
    }

    /// Every change the relay keeps for `space`, read straight from its
    /// tables past every check: what a breach of its storage would give.
    pub async fn raw_changes(&self, space: &str) -> Vec<pph_protocol::Change> {
        const SQL: &str = "SELECT body FROM changes WHERE space = $1 ORDER BY seq";
        let bodies: Vec<String> = match self {
            Relay::Sqlite(path) => {
                let conn = sqlite_file(path);
                let mut stmt = conn.prepare(&SQL.replace('$', "?")).expect("prepare");
                stmt.query_map([space], |r| r.get(0))
                    .expect("query")
                    .collect::<rusqlite::Result<_>>()
                    .expect("rows")
            }
            Relay::Postgres(url) => {
                let client = postgres(url).await;
                client
                    .query(SQL, &[&space])
                    .await
                    .expect("query")
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            }
        };
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).expect("a stored change"))
            .collect()
    }

    /// Where the relay's storage holds `needle`, ignoring case: the SQLite
    /// file and its write-ahead log byte for byte, or every row of every
    /// PostgreSQL table as text. Empty: nowhere.
    pub async fn places_holding(&self, needle: &str) -> Vec<String> {
        match self {
            Relay::Sqlite(path) => {
                let wal = PathBuf::from(format!("{}-wal", path.display()));
                [path.clone(), wal]
                    .into_iter()
                    .filter(|p| {
                        let bytes = std::fs::read(p).unwrap_or_default();
                        let lower = String::from_utf8_lossy(&bytes).to_lowercase();
                        lower.contains(&needle.to_lowercase())
                    })
                    .map(|p| p.display().to_string())
                    .collect()
            }
            Relay::Postgres(url) => {
                let client = postgres(url).await;
                let tables: Vec<String> = client
                    .query(
                        "SELECT table_name::text FROM information_schema.tables
                         WHERE table_schema = 'public'",
                        &[],
                    )
                    .await
                    .expect("tables")
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                let mut found = Vec::new();
                for t in tables {
                    let sql = format!(
                        "SELECT count(*) FROM \"{t}\" x WHERE x::text ILIKE '%' || $1 || '%'"
                    );
                    let n: i64 = client
                        .query_one(&sql, &[&needle])
                        .await
                        .expect("search")
                        .get(0);
                    if n > 0 {
                        found.push(t);
                    }
                }
                found
            }
        }
    }
}

/// The relay's SQLite file, opened beside the server (which may be writing).
fn sqlite_file(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("server file");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

/// A connection to the relay's PostgreSQL database.
async fn postgres(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

pub struct ServerProcess {
    child: Child,
    relay: Relay,
    dir: PathBuf,
    /// The flags it runs with: a closed relay's (the tests', which no
    /// stranger reaches: every clinician counts as verified and sign-ups
    /// are not limited), or none (an open one, with the operator's
    /// defaults), and any a restart added.
    flags: Vec<String>,
    pub url: String,
    /// Where its metrics are served, when started with `--metrics-listen`.
    pub metrics_url: Option<String>,
}

fn spawn(
    relay: &Relay,
    dir: &Path,
    listen: &str,
    flags: &[String],
) -> (Child, String, Option<String>) {
    spawn_logging(relay, dir, listen, None, flags)
}

/// A closed relay's flags (every clinician verified, sign-ups unlimited),
/// or an open one's (none).
fn closed_flags(closed: bool) -> Vec<String> {
    let flags = [
        "--verify-every-clinician",
        "--sign-ups-per-address",
        "1000000",
    ];
    match closed {
        true => flags.iter().map(|f| (*f).to_owned()).collect(),
        false => Vec::new(),
    }
}

/// Starts a server; with `log`, everything it prints (after its address
/// line) and its stderr go to that file.
fn spawn_logging(
    relay: &Relay,
    dir: &Path,
    listen: &str,
    log: Option<&Path>,
    flags: &[String],
) -> (Child, String, Option<String>) {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
        None => Stdio::inherit(),
    };
    // Mail goes to a Maildir the tests read, unless to an SMTP server.
    let maildir = dir.join("relay-mail");
    let mail_flags = match flags.iter().any(|f| f == "--smtp-url") {
        true => Vec::new(),
        false => vec![
            "--mail-dir".to_owned(),
            maildir.to_string_lossy().into_owned(),
        ],
    };
    let mut command = Command::new(crate::built("e2e_server"));
    // A relay whose log nobody reads says only what went wrong, so that a
    // failing test's output is not buried under request lines.
    if log.is_none() && std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "warn");
    }
    let mut child = command
        .args(["--listen", listen])
        .args(relay.args(dir))
        .args(mail_flags)
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start server");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .expect("server prints its address");
    // With metrics, their address is the next line.
    let metrics_url = flags.iter().any(|f| f == "--metrics-listen").then(|| {
        let mut line = String::new();
        reader.read_line(&mut line).expect("metrics line");
        line.trim()
            .strip_prefix("pph-server metrics on ")
            .expect("metrics line")
            .to_owned()
    });
    if let Some(path) = log {
        let mut out = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("log file");
        std::thread::spawn(move || std::io::copy(&mut reader, &mut out));
    }
    let url = line
        .trim()
        .strip_prefix("pph-server listening on ")
        .expect("address line")
        .to_owned();
    crate::register_maildir(&url, &maildir);
    (child, url, metrics_url)
}

impl ServerProcess {
    /// A server on a free loopback port with its own SQLite file.
    pub fn start(dir: &Path) -> Self {
        Self::start_on(&Relay::sqlite(dir), dir)
    }

    /// A server on a free loopback port over `relay`; its secret file in
    /// `dir`, shared by every server started on the same `dir`. A closed
    /// relay: every clinician counts as verified, sign-ups are unlimited.
    pub fn start_on(relay: &Relay, dir: &Path) -> Self {
        Self::started(relay, dir, true)
    }

    /// `start_on`, as an open relay runs: only the clinicians its operator
    /// verifies (`pph-server admin verify-clinician`) receive shares, and
    /// sign-ups per address are limited as by default.
    pub fn start_open(relay: &Relay, dir: &Path) -> Self {
        Self::started(relay, dir, false)
    }

    /// `start_on`, with `flags` added (TLS, a raised stretch).
    pub fn start_with(relay: &Relay, dir: &Path, flags: &[&str]) -> Self {
        Self::started_with(relay, dir, true, flags)
    }

    fn started(relay: &Relay, dir: &Path, closed: bool) -> Self {
        Self::started_with(relay, dir, closed, &[])
    }

    fn started_with(relay: &Relay, dir: &Path, closed: bool, extra: &[&str]) -> Self {
        let mut flags = closed_flags(closed);
        flags.extend(extra.iter().map(|f| (*f).to_owned()));
        let (child, url, metrics_url) = spawn(relay, dir, "127.0.0.1:0", &flags);
        ServerProcess {
            child,
            relay: relay.clone(),
            dir: dir.to_owned(),
            flags,
            url,
            metrics_url,
        }
    }

    /// A server on a free loopback port whose every printed line (stdout
    /// after its address, and stderr) goes to `log`.
    pub fn start_logging(dir: &Path, log: &Path) -> Self {
        let relay = Relay::sqlite(dir);
        let flags = closed_flags(true);
        let (child, url, metrics_url) =
            spawn_logging(&relay, dir, "127.0.0.1:0", Some(log), &flags);
        ServerProcess {
            child,
            relay,
            dir: dir.to_owned(),
            flags,
            url,
            metrics_url,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, as systemd and `docker stop` send it, then waits (a
    /// minute at most, then kills and fails): how the process ended.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "SIGTERM sent");
        for _ in 0..1200 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.kill();
        panic!("the relay did not stop within a minute of SIGTERM");
    }

    /// SIGKILL: no shutdown, no flush beyond what was committed.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A new process on the same storage and port.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.url.trim_start_matches("http://").to_owned();
        let (child, url, metrics_url) = spawn(&self.relay, &self.dir, &listen, &self.flags);
        assert_eq!(url, self.url);
        self.child = child;
        self.metrics_url = metrics_url;
    }

    /// `restart`, with `flags` added to the ones it started with (an
    /// operator changing its configuration).
    pub fn restart_with(&mut self, flags: &[&str]) {
        self.flags.extend(flags.iter().map(|f| (*f).to_owned()));
        self.restart();
    }

    /// A new process on the same port with an empty SQLite database: every
    /// account and token is gone.
    pub fn restart_empty(&mut self) {
        self.kill();
        let Relay::Sqlite(db) = &self.relay else {
            panic!("restart_empty is for SQLite relays");
        };
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        self.restart();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One page of a space's changes, raw over HTTP as `token` (which may be
/// the wrong account's: callers check the status first when they expect a
/// refusal, this one expects a page).
pub async fn pull_page(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    space: &str,
    since: i64,
    limit: u32,
) -> pph_protocol::wire::PullResponse {
    client
        .get(format!(
            "{url}/v1/spaces/{space}/changes?since={since}&limit={limit}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("pull")
        .json()
        .await
        .expect("page")
}

/// `change` with its value sealed, as a device pushes it (under a key of
/// the test's own that no one else holds: the relay cannot tell). What a
/// raw push must carry for the relay to store it.
pub fn sealed(change: &pph_protocol::Change) -> pph_protocol::Change {
    let key = pph_protocol::sealed::KeyName::for_kind(&change.entity_type)
        .unwrap_or(pph_protocol::sealed::KeyName::Private);
    pph_core::crypto::seal::seal(change, key, 1, &pph_core::crypto::Key32::random()).expect("seal")
}

/// `change` sealed as [`sealed`] does and signed by `by`'s identity, as
/// that account's device signs what it pushes: what a raw push from an
/// account with an identity must carry for the relay to store it.
pub fn sealed_by(by: &pph_core::Companion, change: &pph_protocol::Change) -> pph_protocol::Change {
    by.sync()
        .sign_as_this_device(sealed(change))
        .expect("sign")
        .expect("sealed")
}

/// Begins epoch 1 of `key` in `space`, wrapped to `to`, raw over HTTP, as
/// a device does before it seals anything under it (the relay refuses a
/// change sealed under an epoch no one began).
pub async fn begin_epoch(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    space: &str,
    key: pph_protocol::sealed::KeyName,
    to: &str,
) {
    // From `to` itself: the callers begin their own epochs, with accounts
    // made over raw HTTP with no identity, whose envelopes no device takes.
    let envelope = serde_json::json!({"space": space, "key": key, "epoch": 1,
                                      "recipient": to, "enc": "AAAA", "ct": "BBBB",
                                      "from": to});
    let resp = client
        .post(format!("{url}/v1/keys/envelopes"))
        .bearer_auth(token)
        .json(&serde_json::json!({"envelopes": [envelope],
                                  "creates": [{"space": space, "key": key, "epoch": 1}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204, "epoch 1 begun");
}

/// Begins epoch 1 of `key` in `space` as [`begin_epoch`] does, for an
/// account with an identity (`by`): wrapped to each reader `to` (account
/// and public key) and signed, with its signed commitment, as its device
/// would.
pub async fn begin_epoch_signed(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    at: (&str, pph_protocol::sealed::KeyName),
    (account, identity): (&str, &pph_core::crypto::identity::Identity),
    to: &[(&str, String)],
) {
    use pph_protocol::sealed::{key_commit, Commitment};
    let (space, key) = at;
    let secret = pph_core::crypto::Key32::random();
    let envelopes: Vec<_> = to
        .iter()
        .map(|(reader, public)| {
            let mut e =
                pph_core::crypto::wrap::wrap(&secret, space, key, 1, reader, public).expect("wrap");
            identity.sign(account, &mut e);
            e
        })
        .collect();
    let commit = key_commit(space, key, 1, secret.bytes());
    let begun_for = begun_for(url, token, &envelopes).await;
    let commitment = Commitment {
        space: space.to_owned(),
        key,
        epoch: 1,
        sig: identity.sign_commitment(space, key, 1, &commit, &begun_for),
        commit,
        begun_for,
    };
    let resp = client
        .post(format!("{url}/v1/keys/envelopes"))
        .bearer_auth(token)
        .json(
            &serde_json::json!({"envelopes": envelopes, "commitments": [commitment],
                                  "creates": [{"space": space, "key": key, "epoch": 1}]}),
        )
        .send()
        .await
        .expect("send");
    let status = resp.status();
    assert_eq!(
        status,
        204,
        "epoch 1 begun: {}",
        resp.text().await.unwrap_or_default()
    );
}

/// Keys as a device makes them for `pair` (its public key, identity and the
/// binding between them), with placeholder sealed copies.
pub fn account_keys(
    pair: &pph_core::crypto::wrap::AccountKeyPair,
) -> pph_protocol::sealed::AccountKeys {
    let identity = pph_core::crypto::identity::Identity::of(pair).expect("identity");
    pph_protocol::sealed::AccountKeys {
        public_key: pair.public_b64(),
        by_password: "AAAA.BBBB".into(),
        by_recovery: "AAAA.BBBB".into(),
        identity: Some(identity.public_b64()),
        binding: Some(identity.bind(&pair.public_b64())),
    }
}

/// The public key the relay serves for `account` to the account signed in
/// as `viewer` (an email).
pub async fn served_public_key(url: &str, viewer: &str, account: &str) -> String {
    keys_view(url, &token_for(url, viewer).await)
        .await
        .identities
        .into_iter()
        .find(|i| i.account_id == account)
        .expect("an identity served")
        .public_key
}

/// The identities `envelopes` are wrapped to, sorted, as the relay serves
/// them to the account of `token`: what a commitment names as those its
/// epoch is begun for.
pub async fn begun_for(
    url: &str,
    token: &str,
    envelopes: &[pph_protocol::sealed::Envelope],
) -> Vec<String> {
    let served = keys_view(url, token).await.identities;
    let mut identities: Vec<String> = envelopes
        .iter()
        .filter_map(|e| served.iter().find(|i| i.account_id == e.recipient))
        .map(|i| i.identity.clone())
        .collect();
    identities.sort_unstable();
    identities.dedup();
    identities
}

/// The envelopes of `space` wrapped to the account signed in as `email`.
pub async fn envelopes_in(
    url: &str,
    email: &str,
    space: &str,
) -> Vec<pph_protocol::sealed::Envelope> {
    keys_view(url, &token_for(url, email).await)
        .await
        .envelopes
        .into_iter()
        .filter(|e| e.space == space)
        .collect()
}

/// Joins `account` to the group of invite `code` over raw HTTP, with an
/// admission signed by `identity` (one the test holds) and the code's key.
pub async fn join_raw(
    url: &str,
    token: &str,
    code: &str,
    (account, identity): (&str, &pph_core::crypto::identity::Identity),
) -> reqwest::Response {
    use pph_core::crypto::invite::InviteKey;
    use pph_core::groups::admission::{answer, halves, is_the_codes};
    let (relay_half, secret) = halves(code).expect("a whole code");
    let invite: pph_protocol::admission::Invite = reqwest::Client::new()
        .get(format!("{url}/v1/invites/{relay_half}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("the code's invite");
    let key = InviteKey::of(&secret, &invite.space).expect("key");
    assert!(is_the_codes(&invite, &key), "the code's own invite");
    let admission = answer(account, identity, &key, &invite);
    reqwest::Client::new()
        .post(format!("{url}/v1/invites/{relay_half}"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "admission": admission }))
        .send()
        .await
        .expect("send")
}

/// A raw push as `token`, bypassing every client-side check.
pub async fn push_raw(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    changes: &[pph_protocol::Change],
) -> reqwest::Response {
    client
        .post(format!("{url}/v1/changes"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "changes": changes }))
        .send()
        .await
        .expect("push")
}

/// What `GET /v1/keys` serves `token`'s account, raw over HTTP.
pub async fn keys_view(url: &str, token: &str) -> pph_protocol::sealed::KeysResponse {
    reqwest::Client::new()
        .get(format!("{url}/v1/keys"))
        .bearer_auth(token)
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("json")
}

/// Every change of a space on the server, through the HTTP API as `token`.
pub async fn server_changes(url: &str, token: &str, space: &str) -> Vec<(i64, String)> {
    let client = reqwest::Client::new();
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let page = pull_page(&client, url, token, space, since, 1000).await;
        out.extend(
            page.changes
                .into_iter()
                .map(|c| (c.seq, c.change.change_id)),
        );
        since = page.next;
        if !page.more {
            return out;
        }
    }
}

/// What the relay answers `token` on a plain authenticated read (the
/// account's spaces): 200 for a live session, 401, or 403 for a recovery
/// code's.
pub async fn status_with(url: &str, token: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(format!("{url}/v1/spaces"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
}

/// A raw sign-in as `email` with `secret` (a password's authentication
/// key, or with `recovery` the recovery code's), as the device `node` named
/// `name`: the status, and the session's answer when there is one.
pub async fn raw_sign_in(
    url: &str,
    email: &str,
    secret: &str,
    (node, name): (&str, &str),
    recovery: bool,
) -> (reqwest::StatusCode, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/sessions"))
        .json(
            &serde_json::json!({"email": email, "password": secret, "device_name": name,
                                   "node": node, "recovery": recovery}),
        )
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

/// A raw sign-up as `email` with the authentication key `auth` stretched as
/// `kdf`, without keys (as a device made before keys did): the status and
/// the session.
pub async fn raw_sign_up_without_keys(
    url: &str,
    email: &str,
    auth: &str,
    kdf: &pph_protocol::kdf::Kdf,
) -> (reqwest::StatusCode, serde_json::Value) {
    let space = crate::id();
    let code = crate::raw_sign_up_code(url, email, &space).await;
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/accounts"))
        .json(&serde_json::json!({
            "email": email, "code": code, "password": auth, "role": "patient",
            "display_name": "Old", "device_name": "old phone", "node": "0123456789abcdef",
            "personal_space": space, "kdf": kdf
        }))
        .send()
        .await
        .expect("sign up");
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

/// How the relay at `url` says `email`'s password is stretched.
pub async fn served_kdf(url: &str, email: &str) -> Option<pph_protocol::kdf::Kdf> {
    let served: pph_protocol::wire::KdfResponse = reqwest::Client::new()
        .post(format!("{url}/v1/sessions/kdf"))
        .json(&serde_json::json!({ "email": email }))
        .send()
        .await
        .expect("kdf")
        .json()
        .await
        .expect("kdf body");
    served.kdf
}

/// What a device sends the relay at `url` in place of `password`, as it
/// would: stretched as the relay says, bound to its address.
pub async fn auth_key(url: &str, email: &str, password: &str) -> String {
    let kdf = served_kdf(url, email).await;
    pph_core::relay_password(kdf.as_ref(), url, email, password).expect("auth key")
}

/// Signs in over HTTP (as a second session) and returns the token.
pub async fn token_for(url: &str, email: &str) -> String {
    token_for_from(url, email, [127, 0, 0, 1]).await
}

/// `token_for`, from another loopback address (sign-in limits count per
/// address).
pub async fn token_for_from(url: &str, email: &str, from: [u8; 4]) -> String {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .build()
        .expect("client");
    let session: pph_protocol::wire::SessionResponse = client
        .post(format!("{url}/v1/sessions"))
        .json(&serde_json::json!({"email": email, "password": auth_key(url, email, PASSWORD).await, "device_name": "test", "node": "0123456789abcdef"}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("session");
    session.token
}

/// Runs each named `async fn(Relay, &Path)` as two tests, `sqlite::name`
/// on a relay over an SQLite file and `postgres::name` on PostgreSQL (when
/// `PPH_TEST_DATABASE_URL` names one), each in its own directory.
#[macro_export]
macro_rules! on_both_relays {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().expect("tempdir");
                    super::$name($crate::Relay::sqlite(dir.path()), dir.path()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(relay) = $crate::Relay::postgres().await else {
                        return;
                    };
                    let dir = tempfile::tempdir().expect("tempdir");
                    super::$name(relay, dir.path()).await;
                }
            )*
        }
    };
}
