//! Server ingest and pull through the HTTP API (changes/s), on SQLite and,
//! when `PPH_TEST_DATABASE_URL` names one, PostgreSQL. Each push is a full
//! 500-change batch from one device; each pull reads a 1,000-change page.
//!
//!   cargo bench -p pph-server --bench relay
//!   PPH_TEST_DATABASE_URL=$(scripts/start-postgres.sh) cargo bench -p pph-server --bench relay

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pph_protocol::wire::SessionResponse;
use pph_protocol::{Change, Hlc};
use pph_server::{Backend, EmbeddedServer};
use pph_testing::{id, now_ms};
use serde_json::json;

const BATCH: usize = 500;
const PAGE: u32 = 1_000;

fn batch(space: &str) -> Vec<Change> {
    (0..BATCH)
        .map(|i| (i, id()))
        .map(|(i, entity_id)| Change {
            change_id: id(),
            space: space.to_owned(),
            entity_type: "diary_entry".into(),
            value: json!({"id": entity_id, "ratings": [{"symptom_id": "a001", "value": i % 11}], "note": null, "tags": ["poor_sleep"]}),
            entity_id,
            field: "*".into(),
            hlc: Hlc {
                wall_ms: now_ms(),
                counter: i as u32,
                node: "bench-node".into(),
            },
        })
        .collect()
}

fn bench_backend(c: &mut Criterion, name: &str, backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = EmbeddedServer::start(backend).expect("server");
    let client = reqwest::Client::new();
    let session: SessionResponse = runtime.block_on(async {
        client
            .post(format!("{}/v1/accounts", server.url))
            .json(&json!({
                "email": format!("{}@bench.example", id()), "password": "bench password 123",
                "role": "patient", "display_name": "Bench", "device_name": "bench", "node": "0123456789abcdef",
                "personal_space": id()
            }))
            .send()
            .await
            .expect("sign up")
            .json()
            .await
            .expect("session")
    });
    let space = session.personal_space.clone();
    let push = |changes: Vec<Change>| {
        let req = client
            .post(format!("{}/v1/changes", server.url))
            .bearer_auth(&session.token)
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
            || batch(&space),
            |changes| runtime.block_on(push(changes)),
            criterion::BatchSize::PerIteration,
        )
    });
    // Enough stored to pull full pages from anywhere in the log.
    for _ in 0..10 {
        runtime.block_on(push(batch(&space)));
    }
    group.throughput(Throughput::Elements(u64::from(PAGE)));
    group.bench_function("pull 1000-change page", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let page = pph_testing::pull_page(
                    &client,
                    &server.url,
                    &session.token,
                    &space,
                    1000,
                    PAGE,
                )
                .await;
                assert_eq!(page.changes.len(), PAGE as usize);
            })
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    bench_backend(c, "sqlite", Backend::Sqlite(dir.path().join("bench.db")));
    match std::env::var("PPH_TEST_DATABASE_URL") {
        Ok(url) => bench_backend(c, "postgres", Backend::Postgres(url)),
        Err(_) => println!("relay/postgres NOT RUN: PPH_TEST_DATABASE_URL is not set"),
    }
}

criterion_group!(relay, benches);
criterion_main!(relay);
