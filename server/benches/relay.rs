//! Server ingest and pull through the HTTP API (changes/s), on SQLite and,
//! when `PPH_TEST_DATABASE_URL` names one, PostgreSQL. Each push is a full
//! 500-change batch from one device; each pull reads a 1,000-change page,
//! alone and with 1, 10 and 50 clients pulling at once (each from its own
//! place in the log); after those, each load's p50 and p99 per-request
//! latency over 100 rounds is printed. One pull is also timed as bytes
//! only (the page read off the socket, not parsed), which is what the
//! relay itself serves.
//!
//! Every request is counted into the relay's metrics, as it always is;
//! with `PPH_BENCH_LOG` set, each is also logged as a serving relay logs it
//! (send stderr to /dev/null), which is how its cost is measured.
//!
//!   cargo bench -p pph-server --bench relay
//!   PPH_TEST_DATABASE_URL=$(scripts/start-postgres.sh) cargo bench -p pph-server --bench relay
//!   PPH_BENCH_LOG=1 cargo bench -p pph-server --bench relay 2>/dev/null

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pph_protocol::Change;
use pph_server::Backend;
use pph_testing::{diary_batch, RawAccount};
use serde_json::json;

const BATCH: usize = 500;
const PAGE: u32 = 1_000;

fn bench_backend(c: &mut Criterion, name: &str, backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mail = tempfile::tempdir().expect("mail dir");
    let server = pph_testing::embedded_on(backend, mail.path());
    let client = reqwest::Client::new();
    let account = runtime.block_on(pph_testing::RawAccount::sign_up(&client, &server.url));
    let space = account.space.clone();
    let push = |changes: Vec<Change>| {
        let req = client
            .post(format!("{}/v1/changes", server.url))
            .bearer_auth(&account.token)
            .json(&json!({ "changes": changes }));
        async move {
            let resp = req.send().await.expect("push");
            assert!(resp.status().is_success());
        }
    };
    let mut group = c.benchmark_group(format!("relay/{name}"));
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("ingest 500-change batch", |b| {
        b.iter_batched(
            || diary_batch(&space, BATCH),
            |changes| runtime.block_on(push(changes)),
            criterion::BatchSize::PerIteration,
        )
    });
    // Enough stored to pull full pages from anywhere in the log.
    for _ in 0..10 {
        runtime.block_on(push(diary_batch(&space, BATCH)));
    }
    group.throughput(Throughput::Elements(u64::from(PAGE)));
    // What the server can serve, without the client's parsing: the page's
    // bytes read off the socket and nothing more.
    group.bench_function("pull 1000-change page, bytes only", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let body = client
                    .get(format!(
                        "{}/v1/spaces/{space}/changes?since=1000&limit={PAGE}",
                        server.url
                    ))
                    .bearer_auth(&account.token)
                    .send()
                    .await
                    .expect("pull")
                    .bytes()
                    .await
                    .expect("page");
                assert!(body.len() > PAGE as usize * 100, "a full page");
            })
        })
    });
    group.bench_function("pull 1000-change page", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let page = pph_testing::pull_page(
                    &client,
                    &server.url,
                    &account.token,
                    &space,
                    1000,
                    PAGE,
                )
                .await;
                assert_eq!(page.changes.len(), PAGE as usize);
            })
        })
    });
    for clients in [1usize, 10, 50] {
        group.throughput(Throughput::Elements(clients as u64 * u64::from(PAGE)));
        group.bench_function(format!("pull with {clients} clients at once"), |b| {
            b.iter(|| runtime.block_on(pulls_at_once(&client, &server.url, &account, clients)))
        });
    }
    group.finish();
    for clients in [1usize, 10, 50] {
        let mut latencies: Vec<std::time::Duration> = Vec::new();
        for _ in 0..100 {
            latencies.extend(runtime.block_on(pulls_at_once(
                &client,
                &server.url,
                &account,
                clients,
            )));
        }
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        println!(
            "relay/{name}: {clients} clients pulling at once: p50 {:.2} ms, p99 {:.2} ms per request",
            at(0.50).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3
        );
    }
}

/// `clients` full-page pulls at once, each from its own place in the log;
/// each one's time.
async fn pulls_at_once(
    client: &reqwest::Client,
    url: &str,
    account: &RawAccount,
    clients: usize,
) -> Vec<std::time::Duration> {
    let mut running = tokio::task::JoinSet::new();
    for i in 0..clients {
        let (client, url) = (client.clone(), url.to_owned());
        let (token, space) = (account.token.clone(), account.space.clone());
        running.spawn(async move {
            let started = std::time::Instant::now();
            let since = (i % 5) as i64 * 1000;
            let page = pph_testing::pull_page(&client, &url, &token, &space, since, PAGE).await;
            assert_eq!(page.changes.len(), PAGE as usize);
            started.elapsed()
        });
    }
    running.join_all().await
}

fn benches(c: &mut Criterion) {
    if std::env::var_os("PPH_BENCH_LOG").is_some() {
        pph_server::telemetry::init(pph_server::settings::LogFormat::Human);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    bench_backend(c, "sqlite", Backend::Sqlite(dir.path().join("bench.db")));
    match std::env::var("PPH_TEST_DATABASE_URL") {
        Ok(url) => bench_backend(c, "postgres", Backend::Postgres(url)),
        Err(_) => println!("relay/postgres NOT RUN: PPH_TEST_DATABASE_URL is not set"),
    }
}

criterion_group!(relay, benches);
criterion_main!(relay);
