//! Several relay processes on one PostgreSQL behind HAProxy (issue 30):
//! three `pph-server` processes share one database, HAProxy balances
//! every request round robin, and clients (phones and tablets syncing
//! through the core, raw HTTP clients pushing and following diary
//! entries) keep working while one process is SIGKILLed holding a push
//! and then restarted. Afterwards every acknowledged change is stored
//! exactly once, every space is numbered 1..=n without a gap, no reader
//! ever saw a gap, and the devices agree.
//!
//! Nothing waits on the clock: the kill waits until the doomed process
//! holds a push (PostgreSQL says which process waits on a row the test
//! locked), and the restart until the others acknowledged more pushes.
//! Needs PostgreSQL (`PPH_TEST_DATABASE_URL`) and HAProxy (`PPH_HAPROXY`),
//! which scripts/test.sh provides.

use pph_core::*;
use pph_testing::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Raw clients pushing, each to its own space, one batch after another,
/// at least `BATCHES` and on until the kill and restart are over.
const PUSHERS: usize = 3;
const BATCHES: usize = 12;
const BATCH: usize = 40;
/// Goals each device adds to its person's plan, syncing after each: at
/// least these, and on until the kill and restart are over.
const GOALS: usize = 4;
/// A device's syncs that may fail in a row before the test gives up.
const SYNC_ATTEMPTS: usize = 100;
/// The whole load's bound: far above what it takes (a few seconds).
const LOAD_BOUND: Duration = Duration::from_secs(120);

/// What a raw client does with a push that failed: false makes a client
/// that gives up, for watching the test fail.
const RETRY: bool = true;
/// The most pushes held waiting on the held space's row (each holds a
/// connection: 30 spread over three relays of 16).
const HELD_AT_MOST: usize = 30;

fn goal(description: &str) -> NewGoal {
    NewGoal {
        description: description.into(),
        expressed_by: "me".into(),
        target: None,
        status: None,
    }
}

/// Syncs `device` until a sync succeeds, as its background job would.
async fn sync_until_done(device: &Companion) -> u32 {
    let mut failures = 0;
    for _ in 0..SYNC_ATTEMPTS {
        match device.sync().sync_now().await {
            Ok(report) => return failures + report.retries,
            Err(PphError::Network { .. }) => failures += 1,
            Err(e) => panic!("a sync was refused: {e:?}"),
        }
    }
    panic!("{SYNC_ATTEMPTS} syncs failed in a row");
}

/// The change ids a device holds unacknowledged: every change it makes
/// passes through here before any push.
fn outbox_ids(device: &Companion) -> BTreeSet<String> {
    device
        .store()
        .outbox(100_000)
        .expect("outbox")
        .into_iter()
        .map(|c| c.change_id)
        .collect()
}

/// What one device did: the change ids it made, its syncs' failures, the
/// goals it added.
type DeviceLoad = (BTreeSet<String>, u32, usize);

/// One device's part of the load: a goal at a time, each synced, until
/// `stop` (and at least `GOALS`).
async fn device_load(
    device: Arc<Companion>,
    plan: String,
    name: String,
    stop: Arc<AtomicBool>,
) -> DeviceLoad {
    let (mut made, mut failures, mut goals) = (BTreeSet::new(), 0, 0);
    while goals < GOALS || !stop.load(Ordering::SeqCst) {
        device
            .care_plans()
            .add_goal(plan.clone(), goal(&format!("{name}: goal {goals}")))
            .expect("goal");
        goals += 1;
        made.extend(outbox_ids(&device));
        failures += sync_until_done(&device).await;
    }
    (made, failures, goals)
}

/// Where the load stands: pushes acknowledged so far, and whether to stop.
#[derive(Clone, Default)]
struct Progress {
    acknowledged: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

/// What a raw client did.
struct PushLoad {
    /// The change ids acknowledged, in the order pushed.
    acknowledged: Vec<String>,
    /// The change ids of pushes given up on (only a client that does not
    /// retry gives up).
    given_up: Vec<String>,
    failures: u32,
    /// Changes an answer called already stored: a push whose first answer
    /// was lost after it was stored.
    duplicates: u32,
}

/// A raw client's part: batches one after another, each pushed until
/// acknowledged, until `stop` (and at least `BATCHES`); the number
/// acknowledged also in `total` once done.
async fn push_load(
    url: String,
    account: Arc<RawAccount>,
    progress: Progress,
    total: Arc<AtomicUsize>,
) -> PushLoad {
    let client = reqwest::Client::new();
    let (mut ids, mut given_up, mut failures, mut duplicates) = (Vec::new(), Vec::new(), 0, 0);
    let mut batches = 0;
    while batches < BATCHES || !progress.stop.load(Ordering::SeqCst) {
        batches += 1;
        let batch = account.diary_entries(BATCH);
        let Some(pushed) = push_until_stored(&client, &url, &account.token, &batch, RETRY).await
        else {
            given_up.extend(batch.into_iter().map(|c| c.change_id));
            continue;
        };
        assert_eq!(
            pushed.answer.accepted + pushed.answer.duplicates,
            BATCH as u32,
            "every change of an acknowledged push is stored, now or before"
        );
        ids.extend(batch.into_iter().map(|c| c.change_id));
        failures += pushed.failures;
        duplicates += pushed.answer.duplicates;
        progress.acknowledged.fetch_add(1, Ordering::SeqCst);
    }
    total.store(ids.len(), Ordering::SeqCst);
    PushLoad {
        acknowledged: ids,
        given_up,
        failures,
        duplicates,
    }
}

/// A reader following a space while it is written, page by page from its
/// cursor, until it holds the `total` its pusher pushed (unknown, usize::MAX,
/// until the pusher is done): every page must go on from the cursor
/// without a gap (a reader skipping past a change not yet committed would
/// never see it). The change ids in the order served.
async fn follow(url: String, account: Arc<RawAccount>, total: Arc<AtomicUsize>) -> Vec<String> {
    let client = reqwest::Client::new();
    let (mut since, mut ids) = (0i64, Vec::new());
    while ids.len() < total.load(Ordering::SeqCst) {
        let page =
            pull_until_answered(&client, &url, &account.token, &account.space, since, 100).await;
        if page.changes.is_empty() {
            // Caught up with the pushers: ask again shortly.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        for c in page.changes {
            assert_eq!(
                c.seq,
                since + 1,
                "a reader saw a gap in its space's numbering"
            );
            since = c.seq;
            ids.push(c.change.change_id);
        }
        assert_eq!(page.next, since, "the cursor is the last change served");
    }
    ids
}

/// The backends blocked, directly or behind another waiter, by the
/// PostgreSQL session `holder`: the relay process of each (its
/// `application_name`).
async fn blocked_by(pg: &tokio_postgres::Client, holder: i32) -> Vec<String> {
    let rows = pg
        .query(
            "SELECT pid, application_name, pg_blocking_pids(pid) FROM pg_stat_activity
             WHERE cardinality(pg_blocking_pids(pid)) > 0",
            &[],
        )
        .await
        .expect("pg_stat_activity");
    let waits: Vec<(i32, String, Vec<i32>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let mut blocked: BTreeMap<i32, String> = BTreeMap::new();
    loop {
        let before = blocked.len();
        for (pid, name, by) in &waits {
            if by.iter().any(|b| *b == holder || blocked.contains_key(b)) {
                blocked.insert(*pid, name.clone());
            }
        }
        if blocked.len() == before {
            return blocked.into_values().collect();
        }
    }
}

/// Polls (a bounded number of times) until `done` holds.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..1_000 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("waited 10 s for {what}");
}

/// A direct session on the relays' database.
async fn database(relay: &Relay) -> tokio_postgres::Client {
    let Relay::Postgres(url) = relay else {
        unreachable!("a PostgreSQL relay")
    };
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

/// A space's stored changes in sequence order: (seq, change id, record).
async fn stored(pg: &tokio_postgres::Client, space: &str) -> Vec<(i64, String, String)> {
    pg.query(
        "SELECT seq, change_id, entity_id FROM changes WHERE space = $1 ORDER BY seq",
        &[&space],
    )
    .await
    .expect("changes")
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

/// The invariants of one space's log: numbered 1..=n without a gap or a
/// repeat, the space's counter just past it, each change id once.
async fn assert_numbered(pg: &tokio_postgres::Client, space: &str) -> Vec<(i64, String, String)> {
    let rows = stored(pg, space).await;
    let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let n = rows.len() as i64;
    assert_eq!(
        seqs,
        (1..=n).collect::<Vec<_>>(),
        "space {space} is numbered 1..=n"
    );
    let next: i64 = pg
        .query_one("SELECT next_seq FROM spaces WHERE id = $1", &[&space])
        .await
        .expect("space")
        .get(0);
    assert_eq!(next, n + 1, "the space's counter stands just past its log");
    let ids: BTreeSet<&String> = rows.iter().map(|r| &r.1).collect();
    assert_eq!(ids.len(), rows.len(), "each change id once");
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_relays_on_one_postgres_lose_and_duplicate_nothing_when_one_is_killed() {
    let haproxy = Service::HaProxy.get();
    let Some(relay) = Relay::postgres().await else {
        return;
    };
    let Some(haproxy) = haproxy else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    // Up to 16 connections each (48 of PostgreSQL's 100): the pushes held
    // waiting on a row below never leave a request queued for a
    // connection, where PostgreSQL does not show it waiting.
    let mut relays = relay_processes(&relay, dir.path(), 3, &["--database-pool-size", "16"]);
    let backends: Vec<&str> = relays.iter().map(|r| r.url.as_str()).collect();
    let proxy = HaProxy::start(&haproxy, dir.path(), &backends).await;
    let url = proxy.url.clone();
    // The processes share one Maildir: whichever took the request for a
    // code wrote it there, and any of them takes the code (it is stored).
    register_maildir(&url, &dir.path().join("relay-mail"));
    let client = reqwest::Client::new();

    // Two people, each on a phone and a tablet sharing a plan.
    let mut devices = Vec::new();
    let mut plans = Vec::new();
    for name in ["ann", "bob"] {
        let phone = signed_up(&url, dir.path(), name, name, AccountRole::Patient).await;
        let plan = phone
            .care_plans()
            .create_plan(NewPlan {
                title: format!("{name}'s plan"),
                what_matters: "Getting to the allotment".into(),
                next_review: None,
            })
            .expect("plan");
        let first = outbox_ids(&phone);
        sync_until_done(&phone).await;
        let tablet = signed_in(
            &url,
            dir.path(),
            &format!("{name}-tablet"),
            &format!("{name}@example.org"),
        )
        .await;
        sync_until_done(&tablet).await;
        devices.push((format!("{name}'s phone"), phone, plan.id.clone(), first));
        devices.push((
            format!("{name}'s tablet"),
            tablet,
            plan.id.clone(),
            BTreeSet::new(),
        ));
        plans.push(plan.id);
    }
    let pushers: Vec<Arc<RawAccount>> = {
        let mut made = Vec::new();
        for _ in 0..PUSHERS {
            made.push(Arc::new(RawAccount::sign_up(&client, &url).await));
        }
        made
    };
    // The space whose row the test locks, so a push to it waits, inside
    // whichever process took it, until the test lets go.
    let held = Arc::new(RawAccount::sign_up(&client, &url).await);

    // The load: devices, pushers and their readers, all at once.
    let progress = Progress::default();
    let mut device_tasks = Vec::new();
    for (name, device, plan, _) in &devices {
        let (device, plan, name) = (device.clone(), plan.clone(), name.clone());
        let stop = progress.stop.clone();
        device_tasks.push(tokio::spawn(device_load(device, plan, name, stop)));
    }
    let mut push_tasks = Vec::new();
    let mut follow_tasks = Vec::new();
    for account in &pushers {
        let total = Arc::new(AtomicUsize::new(usize::MAX));
        let (url, account) = (url.clone(), account.clone());
        follow_tasks.push(tokio::spawn(follow(
            url.clone(),
            account.clone(),
            total.clone(),
        )));
        push_tasks.push(tokio::spawn(push_load(
            url,
            account,
            progress.clone(),
            total,
        )));
    }

    // Mid-load: a push waits inside relay-1 when it is killed. The test
    // holds the held space's row; pushes to it are sent one at a time
    // until PostgreSQL shows relay-1 waiting with one. Round robin
    // shares its turns with the load's requests, so which process a push
    // reaches is a draw of one in three: none of 30 at relay-1 happens
    // once in 190,000 runs (none of 9, the bound before, once in 38).
    let lock = database(&relay).await;
    let watch = database(&relay).await;
    let holder: i32 = lock
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    lock.batch_execute("BEGIN").await.expect("begin");
    lock.execute(
        "SELECT 1 FROM spaces WHERE id = $1 FOR UPDATE",
        &[&held.space],
    )
    .await
    .expect("hold the space's row");
    let held_failures = Arc::new(AtomicU32::new(0));
    let mut held_tasks = Vec::new();
    loop {
        assert!(
            held_tasks.len() < HELD_AT_MOST,
            "round robin never sent relay-1 a push"
        );
        let (client, url, held, failures) = (
            client.clone(),
            url.clone(),
            held.clone(),
            held_failures.clone(),
        );
        held_tasks.push(tokio::spawn(async move {
            let batch = held.diary_entries(BATCH);
            let pushed = push_until_stored(&client, &url, &held.token, &batch, RETRY).await;
            let ids: Vec<String> = batch.into_iter().map(|c| c.change_id).collect();
            match pushed {
                Some(p) => {
                    failures.fetch_add(p.failures, Ordering::SeqCst);
                    Some(ids)
                }
                None => {
                    failures.fetch_add(1, Ordering::SeqCst);
                    None
                }
            }
        }));
        let sent = held_tasks.len();
        // At least as many waiting as sent: a push retried after a lost
        // answer may wait twice, and a request queued behind a waiting
        // push counts too.
        let mut waiting = Vec::new();
        for _ in 0..1_000 {
            waiting = blocked_by(&watch, holder).await;
            if waiting.len() >= sent {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            waiting.len() >= sent,
            "waited 10 s for {sent} pushes to the held space to wait; waiting: {waiting:?}"
        );
        if blocked_by(&watch, holder)
            .await
            .iter()
            .any(|n| n == "relay-1")
        {
            break;
        }
    }
    let acknowledged = || progress.acknowledged.load(Ordering::SeqCst);
    relays[0].kill();
    lock.batch_execute("COMMIT").await.expect("let go");
    // HAProxy's health checks take relay-1 out; the others acknowledge a
    // round of pushes without it; it restarts, HAProxy brings it back, and
    // after another round the load winds down.
    until("HAProxy to take relay-1 out", async || {
        proxy.backends().await[0].taken_down >= 1
    })
    .await;
    let out = acknowledged();
    until("pushes acknowledged without relay-1", async || {
        acknowledged() >= out + PUSHERS
    })
    .await;
    relays[0].restart();
    proxy.all_up().await;
    let back = acknowledged();
    until("pushes acknowledged after the restart", async || {
        acknowledged() >= back + PUSHERS
    })
    .await;
    progress.stop.store(true, Ordering::SeqCst);

    // The load runs to its end.
    let load = async {
        let mut made = Vec::new();
        for t in device_tasks {
            made.push(t.await.expect("device"));
        }
        let mut pushed = Vec::new();
        for t in push_tasks {
            pushed.push(t.await.expect("pusher"));
        }
        let mut followed = Vec::new();
        for t in follow_tasks {
            followed.push(t.await.expect("reader"));
        }
        let mut held_ids = Vec::new();
        for t in held_tasks {
            held_ids.push(t.await.expect("held push"));
        }
        (made, pushed, followed, held_ids)
    };
    let (made, pushed, followed, held_ids) = tokio::time::timeout(LOAD_BOUND, load)
        .await
        .expect("the load ends");

    // relay-1 is back in the balancer and takes its turn again: after
    // HAProxy sees all three up, round robin gives it requests.
    let answered_before = proxy.all_up().await[0].answered_2xx;
    for _ in 0..2 {
        for (_, device, _, _) in &devices {
            sync_until_done(device).await;
        }
    }
    let backends = proxy.backends().await;
    assert!(
        backends[0].answered_2xx > answered_before,
        "the restarted relay-1 serves again: {backends:?}"
    );

    // The push relay-1 held when it died failed, and was retried.
    let held_failures = held_failures.load(Ordering::SeqCst);
    assert!(held_failures >= 1, "the kill cut a push in flight");

    let pg = database(&relay).await;
    // Every raw client's acknowledged change is stored exactly once, in
    // the order pushed (one pusher per space), as its reader was served it.
    let mut failures = 0;
    let mut duplicates = 0;
    for ((account, load), followed) in pushers.iter().zip(&pushed).zip(&followed) {
        assert_eq!(
            load.given_up,
            Vec::<String>::new(),
            "every push acknowledged"
        );
        let rows = assert_numbered(&pg, &account.space).await;
        let stored_ids: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
        assert_eq!(
            stored_ids, load.acknowledged,
            "stored once each, in the order pushed"
        );
        assert_eq!(
            followed, &load.acknowledged,
            "the reader was served the same log"
        );
        let records: BTreeSet<&String> = rows.iter().map(|r| &r.2).collect();
        assert_eq!(records.len(), rows.len(), "no record stored twice");
        failures += load.failures;
        duplicates += load.duplicates;
    }
    // The held space: its pushes ran at once, so in no set order.
    let held_rows = assert_numbered(&pg, &held.space).await;
    let held_stored: BTreeSet<String> = held_rows.iter().map(|r| r.1.clone()).collect();
    let mut held_pushed = BTreeSet::new();
    for ids in &held_ids {
        held_pushed.extend(ids.clone().expect("every held push acknowledged"));
    }
    assert_eq!(held_stored, held_pushed, "each held push stored once");

    // Every device's change is stored once; each person's space numbered
    // without a gap; both devices of each person agree.
    for ((name, device, _, first), (made, _, _)) in devices.iter().zip(&made) {
        assert_eq!(device.sync().status().expect("status").pending_changes, 0);
        let rows = assert_numbered(&pg, &device.store().personal_space()).await;
        let stored_ids: BTreeSet<&String> = rows.iter().map(|r| &r.1).collect();
        for id in first.iter().chain(made) {
            assert!(stored_ids.contains(id), "{name}'s change {id} is stored");
        }
    }
    for ((pair, plan), loads) in devices.chunks(2).zip(&plans).zip(made.chunks(2)) {
        let [(_, phone, _, _), (_, tablet, _, _)] = pair else {
            unreachable!("a phone and a tablet")
        };
        let a = phone.care_plans().plan(plan.clone()).expect("phone's plan");
        let b = tablet
            .care_plans()
            .plan(plan.clone())
            .expect("tablet's plan");
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "the devices agree");
        let goals: usize = loads.iter().map(|l| l.2).sum();
        assert_eq!(a.goals.len(), goals, "every goal of both devices");
    }

    // The same push sent at once to two processes (a client that gave up
    // waiting and sent it again): both wait on the held space's row; the
    // first stores it, the second finds it stored. Stored once, and both
    // acknowledge every change.
    let twice = held.diary_entries(BATCH);
    lock.batch_execute("BEGIN").await.expect("begin");
    lock.execute(
        "SELECT 1 FROM spaces WHERE id = $1 FOR UPDATE",
        &[&held.space],
    )
    .await
    .expect("hold the space's row");
    let mut at_once = Vec::new();
    for process in &relays[1..] {
        let (client, to, token, batch) = (
            client.clone(),
            process.url.clone(),
            held.token.clone(),
            twice.clone(),
        );
        at_once.push(tokio::spawn(async move {
            let answer = push_raw(&client, &to, &token, &batch).await;
            assert_eq!(answer.status(), 200, "acknowledged");
            answer
                .json::<pph_protocol::wire::PushResponse>()
                .await
                .expect("answer")
        }));
    }
    until("both copies of the push to wait", async || {
        blocked_by(&watch, holder).await.len() == 2
    })
    .await;
    lock.batch_execute("COMMIT").await.expect("let go");
    let mut answers = Vec::new();
    for t in at_once {
        answers.push(t.await.expect("push"));
    }
    let mut counts: Vec<(u32, u32)> = answers.iter().map(|a| (a.accepted, a.duplicates)).collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![(0, BATCH as u32), (BATCH as u32, 0)]);
    let twice_ids: BTreeSet<String> = twice.iter().map(|c| c.change_id.clone()).collect();
    let held_after = assert_numbered(&pg, &held.space).await;
    assert_eq!(held_after.len(), held_rows.len() + BATCH, "stored once");
    assert!(held_after[held_rows.len()..]
        .iter()
        .all(|r| twice_ids.contains(&r.1)));

    // A push is idempotent by change id, whichever process takes it: the
    // first batch again, through the balancer and to each process directly,
    // is all duplicates and stores nothing.
    let first_batch: Vec<pph_protocol::Change> = relay
        .raw_changes(&pushers[0].space)
        .await
        .into_iter()
        .take(BATCH)
        .collect();
    for to in [url.as_str()]
        .into_iter()
        .chain(relays.iter().map(|r| r.url.as_str()))
    {
        let again = push_raw(&client, to, &pushers[0].token, &first_batch).await;
        assert_eq!(again.status(), 200, "a push again is acknowledged");
        let answer: pph_protocol::wire::PushResponse = again.json().await.expect("answer");
        assert_eq!((answer.accepted, answer.duplicates), (0, BATCH as u32));
    }
    assert_eq!(
        stored(&pg, &pushers[0].space).await.len(),
        pushed[0].acknowledged.len(),
        "nothing stored twice"
    );

    let device_failures: u32 = made.iter().map(|m| m.1).sum();
    let raw: usize = pushed.iter().map(|p| p.acknowledged.len()).sum::<usize>() + held_rows.len();
    let goals: usize = made.iter().map(|m| m.2).sum();
    eprintln!(
        "cluster: {raw} raw changes, {goals} goals synced; failures retried: raw {failures}, \
         held {held_failures}, devices {device_failures}; duplicates acknowledged: {duplicates}; \
         HAProxy: {backends:?}"
    );
}
