//! Several relay processes on one PostgreSQL (issue 30): the changes per
//! second one `pph-server` process reached directly, one behind HAProxy
//! and three behind HAProxy push and pull, the CPU each part of the
//! deployment spent on them, and the bytes one change takes in PostgreSQL.
//!
//! Each setup gets a fresh database and `CLIENTS` raw clients (each its own
//! account and space, all signed up before the clock starts) that at once:
//! - push `BULK_PUSHES` pushes of `BULK` sealed diary entries each (a
//!   device catching up),
//! - push `SMALL_PUSHES` pushes of `SMALL` (a phone's usual sync),
//! - pull their whole space `PULL_ROUNDS` times in 1,000-change pages, as
//!   bytes (the page read off the socket, not parsed: what the relay serves),
//! - pull their last `SMALL` changes `SMALL_PULLS` times (a phone's usual
//!   pull: a few changes since its cursor).
//!
//! Everything (clients, relays, HAProxy, PostgreSQL) shares this machine,
//! so the figures are the machine's, and the CPU split says where it went.
//! Needs PostgreSQL and HAProxy; says so and does nothing without them.
//!
//!   PPH_TEST_DATABASE_URL=$(scripts/start-postgres.sh) PPH_HAPROXY=$(scripts/install-haproxy.sh) \
//!     cargo bench -p pph-testing --bench relay_processes

use pph_protocol::Change;
use pph_testing::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const BULK: usize = 100;
const BULK_PUSHES: usize = 20;
const SMALL: usize = 5;
const SMALL_PUSHES: usize = 40;
const PAGE: u32 = 1_000;
const PULL_ROUNDS: usize = 5;
const SMALL_PULLS: usize = 40;
/// Each setup is measured this many times, the setups interleaved.
const ROUNDS: usize = 3;

/// CPU time (clock ticks) spent so far by: the relay processes, HAProxy,
/// PostgreSQL (every `postgres` process), this client, every other
/// process (kernel threads included: the disk's flushes, loopback's
/// softirqs; a build someone else runs would show here), and the machine.
#[derive(Clone, Copy, Default)]
struct Cpu {
    relays: u64,
    haproxy: u64,
    postgres: u64,
    client: u64,
    others: u64,
    machine: u64,
}

/// A process's user and system ticks, and its command name.
fn process_ticks(stat: &str) -> Option<(String, u64)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    // After the name: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((comm, ticks))
}

fn ticks_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| process_ticks(&s))
        .map_or(0, |(_, t)| t)
}

impl Cpu {
    fn now(relays: &[ServerProcess], proxy: Option<&HaProxy>) -> Cpu {
        let (mut postgres, mut all) = (0, 0);
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if let Some((comm, ticks)) = process_ticks(&stat) {
                all += ticks;
                if comm == "postgres" {
                    postgres += ticks;
                }
            }
        }
        let machine = std::fs::read_to_string("/proc/stat")
            .expect("/proc/stat")
            .lines()
            .next()
            .map(|l| {
                // user nice system idle iowait irq softirq: busy is all
                // but idle and iowait (and steal, the hypervisor's).
                let f: Vec<u64> = l
                    .split_whitespace()
                    .skip(1)
                    .take(7)
                    .map(|v| v.parse().unwrap_or(0))
                    .collect();
                f.iter().sum::<u64>() - f[3] - f[4]
            })
            .unwrap_or(0);
        let relays = relays.iter().map(|r| ticks_of(r.pid())).sum();
        let haproxy = proxy.map_or(0, |p| ticks_of(p.pid()));
        let client = ticks_of(std::process::id());
        Cpu {
            relays,
            haproxy,
            postgres,
            client,
            // Read a moment apart from `all`: never below nothing.
            others: all.saturating_sub(relays + haproxy + postgres + client),
            machine,
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            relays: self.relays - before.relays,
            haproxy: self.haproxy - before.haproxy,
            postgres: self.postgres - before.postgres,
            client: self.client - before.client,
            // Processes that ended meanwhile take their ticks with them.
            others: self.others.saturating_sub(before.others),
            machine: self.machine - before.machine,
        }
    }

    /// "relays 1.23 s, HAProxy ..., PostgreSQL ..., client ..., machine ..."
    fn describe(self) -> String {
        let s = |ticks: u64| ticks as f64 / 100.0;
        format!(
            "CPU s: relays {:.2}, HAProxy {:.2}, PostgreSQL {:.2}, client {:.2}, others {:.2}, machine {:.2}",
            s(self.relays),
            s(self.haproxy),
            s(self.postgres),
            s(self.client),
            s(self.others),
            s(self.machine)
        )
    }
}

/// One setup under measurement.
struct Setup {
    relays: Vec<ServerProcess>,
    proxy: Option<HaProxy>,
    relay: Relay,
    url: String,
    _dir: tempfile::TempDir,
}

async fn setup(processes: usize, behind_haproxy: bool, haproxy: &str) -> Setup {
    let relay = Relay::postgres().await.expect("PostgreSQL");
    let dir = tempfile::tempdir().expect("tempdir");
    let relays = relay_processes(&relay, dir.path(), processes, &[]);
    let proxy = match behind_haproxy {
        true => {
            let backends: Vec<&str> = relays.iter().map(|r| r.url.as_str()).collect();
            Some(HaProxy::start(haproxy, dir.path(), &backends).await)
        }
        false => None,
    };
    let url = proxy
        .as_ref()
        .map_or_else(|| relays[0].url.clone(), |p| p.url.clone());
    register_maildir(&url, &dir.path().join("relay-mail"));
    Setup {
        relays,
        proxy,
        relay,
        url,
        _dir: dir,
    }
}

/// Every client's pushes at once, each client's one after another; the
/// time they took.
async fn push_all(
    url: &str,
    clients: &[Arc<RawAccount>],
    pushes: Vec<Vec<Vec<Change>>>,
) -> Duration {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for (account, batches) in clients.iter().cloned().zip(pushes) {
        let (http, url) = (http.clone(), url.to_owned());
        running.spawn(async move {
            for batch in batches {
                let answer = push_raw(&http, &url, &account.token, &batch).await;
                assert_eq!(answer.status(), 200, "a push is stored");
            }
        });
    }
    running.join_all().await;
    started.elapsed()
}

/// Every client reads its space of `each` changes from `from` to its end,
/// `rounds` times, at once, in pages of `PAGE`; the changes read and the
/// time taken.
async fn pull_all(
    url: &str,
    clients: &[Arc<RawAccount>],
    (from, each): (usize, usize),
    rounds: usize,
) -> (usize, Duration) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for account in clients.iter().cloned() {
        let (http, url) = (http.clone(), url.to_owned());
        running.spawn(async move {
            for _ in 0..rounds {
                let mut since = from as i64;
                while since < each as i64 {
                    let body = http
                        .get(format!(
                            "{url}/v1/spaces/{}/changes?since={since}&limit={PAGE}",
                            account.space
                        ))
                        .bearer_auth(&account.token)
                        .send()
                        .await
                        .expect("pull")
                        .bytes()
                        .await
                        .expect("page");
                    assert!(body.len() > 1000, "a page of changes");
                    since = (since + i64::from(PAGE)).min(each as i64);
                }
            }
        });
    }
    running.join_all().await;
    (clients.len() * (each - from) * rounds, started.elapsed())
}

fn batches_for(clients: &[Arc<RawAccount>], pushes: usize, size: usize) -> Vec<Vec<Vec<Change>>> {
    clients
        .iter()
        .map(|c| (0..pushes).map(|_| c.diary_entries(size)).collect())
        .collect()
}

/// The bytes PostgreSQL holds for the changes log and the records' owners
/// (tables, indexes and TOAST), the whole database's, and the changes'
/// JSON bodies' own.
async fn storage(relay: &Relay) -> (i64, i64, i64, i64) {
    let Relay::Postgres(url) = relay else {
        unreachable!("PostgreSQL")
    };
    let (pg, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    let r = pg
        .query_one(
            "SELECT pg_total_relation_size('changes'), pg_total_relation_size('entity_owners'),
                    pg_database_size(current_database()),
                    (SELECT CAST(coalesce(sum(octet_length(body)), 0) AS BIGINT) FROM changes)",
            &[],
        )
        .await
        .expect("sizes");
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

/// Stops a setup's processes and drops its database (about 90 MB, and a
/// run makes nine).
async fn forget(s: Setup) {
    let Setup {
        relays,
        proxy,
        relay,
        ..
    } = s;
    drop(proxy);
    drop(relays);
    let (Relay::Postgres(url), Ok(admin)) = (relay, std::env::var("PPH_TEST_DATABASE_URL")) else {
        return;
    };
    let name = url.rsplit('/').next().expect("a database name");
    let (pg, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    pg.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop the bench's database");
}

async fn measure(label: &str, processes: usize, behind_haproxy: bool, haproxy: &str) {
    let s = setup(processes, behind_haproxy, haproxy).await;
    let http = reqwest::Client::new();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Arc::new(RawAccount::sign_up(&http, &s.url).await));
    }
    let (_, _, empty_db, _) = storage(&s.relay).await;
    let cpu = || Cpu::now(&s.relays, s.proxy.as_ref());

    let bulk = batches_for(&clients, BULK_PUSHES, BULK);
    let before = cpu();
    let took = push_all(&s.url, &clients, bulk).await;
    let used = cpu().since(before);
    let n = CLIENTS * BULK_PUSHES * BULK;
    println!(
        "{label}: push {BULK}-change batches: {n} changes in {:.2} s: {:.0} changes/s; {}",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        used.describe()
    );

    let small = batches_for(&clients, SMALL_PUSHES, SMALL);
    let before = cpu();
    let took = push_all(&s.url, &clients, small).await;
    let used = cpu().since(before);
    let pushes = CLIENTS * SMALL_PUSHES;
    println!(
        "{label}: push {SMALL}-change batches: {pushes} pushes in {:.2} s: {:.0} pushes/s, {:.0} changes/s; {}",
        took.as_secs_f64(),
        pushes as f64 / took.as_secs_f64(),
        (pushes * SMALL) as f64 / took.as_secs_f64(),
        used.describe()
    );

    let each = BULK_PUSHES * BULK + SMALL_PUSHES * SMALL;
    let before = cpu();
    let (read, took) = pull_all(&s.url, &clients, (0, each), PULL_ROUNDS).await;
    let used = cpu().since(before);
    println!(
        "{label}: pull {PAGE}-change pages, bytes: {read} changes in {:.2} s: {:.0} changes/s; {}",
        took.as_secs_f64(),
        read as f64 / took.as_secs_f64(),
        used.describe()
    );

    let before = cpu();
    let (read, took) = pull_all(&s.url, &clients, (each - SMALL, each), SMALL_PULLS).await;
    let used = cpu().since(before);
    let pulls = CLIENTS * SMALL_PULLS;
    println!(
        "{label}: pull the last {SMALL} changes: {pulls} pulls in {:.2} s: {:.0} pulls/s, {:.0} changes/s; {}",
        took.as_secs_f64(),
        pulls as f64 / took.as_secs_f64(),
        read as f64 / took.as_secs_f64(),
        used.describe()
    );

    let (changes, owners, db, bodies) = storage(&s.relay).await;
    forget(s).await;
    let stored = CLIENTS * each;
    println!(
        "{label}: storage after {stored} changes: changes {changes} B ({:.0} B a change, \
         of them {:.0} B its JSON), entity_owners {owners} B ({:.0} B a record), \
         database grew {} B ({:.0} B a change)",
        changes as f64 / stored as f64,
        bodies as f64 / stored as f64,
        owners as f64 / stored as f64,
        db - empty_db,
        (db - empty_db) as f64 / stored as f64
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (Ok(_), Ok(haproxy)) = (
        std::env::var("PPH_TEST_DATABASE_URL"),
        std::env::var("PPH_HAPROXY"),
    ) else {
        println!("relay_processes NOT RUN: PPH_TEST_DATABASE_URL and PPH_HAPROXY are needed");
        return;
    };
    println!(
        "relay_processes: {CLIENTS} clients at once; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for _ in 0..ROUNDS {
        measure("1 process, direct", 1, false, &haproxy).await;
        measure("1 process, HAProxy", 1, true, &haproxy).await;
        measure("3 processes, HAProxy", 3, true, &haproxy).await;
    }
}
