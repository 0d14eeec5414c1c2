//! Five devices of one patient, each making 1,000 edits offline (diary
//! entries, and edits to one shared care plan that all five touch), then
//! syncing in turn through a real server until all agree: rounds and time.
//!
//!   cargo bench -p pph-testing --bench converge

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::*;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const DEVICES: usize = 5;
const EDITS: usize = 1_000;
const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";

fn device(dir: &std::path::Path, i: usize) -> Arc<Companion> {
    pph_testing::device(dir, &format!("d{i}"))
}

/// Sets up five signed-in devices sharing one plan, makes the offline
/// edits, then syncs round by round; returns (rounds, time syncing).
fn scenario(runtime: &tokio::runtime::Runtime) -> (u32, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let devices: Vec<_> = (0..DEVICES).map(|i| device(dir.path(), i)).collect();
    let email = format!("{}@bench.example", uuid_like());
    runtime.block_on(async {
        pph_testing::sign_up_with_mail(
            &devices[0],
            &server.url,
            &email,
            "bench password 123",
            "Bench",
            AccountRole::Patient,
        )
        .await
        .expect("sign up");
        for d in &devices[1..] {
            d.account()
                .sign_in(
                    server.url.clone(),
                    email.clone(),
                    "bench password 123".into(),
                )
                .await
                .expect("sign in");
        }
    });
    let plan = devices[0]
        .care_plans()
        .create_plan(NewPlan {
            title: "Shared".into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan");
    runtime.block_on(async {
        devices[0].sync().sync_now().await.expect("seed");
        for d in &devices[1..] {
            d.sync().sync_now().await.expect("seed");
        }
    });
    let now = SystemTime::now();
    for (i, d) in devices.iter().enumerate() {
        let entries = (0..EDITS * 9 / 10)
            .map(|k| NewEntry {
                recorded_at: now - Duration::from_secs((k * DEVICES + i) as u64 * 600 + 600),
                utc_offset_minutes: 0,
                ratings: vec![Rating {
                    symptom_id: BREATHLESSNESS.into(),
                    value: (k % 11) as f64,
                }],
                note: None,
                tags: vec![],
                medications: vec![],
            })
            .collect();
        d.diary().import_entries(entries).expect("entries");
        for k in 0..EDITS / 10 {
            d.care_plans()
                .update_plan(
                    plan.id.clone(),
                    PlanUpdate {
                        what_matters: Some(format!("device {i} edit {k}")),
                        ..PlanUpdate::default()
                    },
                )
                .expect("edit");
        }
    }
    let start = Instant::now();
    let mut rounds = 0;
    runtime.block_on(async {
        loop {
            rounds += 1;
            let mut pulled = 0;
            for d in &devices {
                pulled += d.sync().sync_now().await.expect("sync").pulled;
            }
            let pending: u64 = devices
                .iter()
                .map(|d| d.sync().status().expect("status").pending_changes)
                .sum();
            if pending == 0 && pulled == 0 {
                break;
            }
        }
    });
    let elapsed = start.elapsed();
    let reference = format!(
        "{:?}",
        devices[0].care_plans().plan(plan.id.clone()).expect("plan")
    );
    for d in &devices[1..] {
        assert_eq!(
            format!("{:?}", d.care_plans().plan(plan.id.clone()).expect("plan")),
            reference
        );
    }
    // The last round only confirms nothing is left to exchange.
    (rounds - 1, elapsed)
}

fn uuid_like() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (rounds, took) = scenario(&runtime);
    println!(
        "converge: {DEVICES} devices x {EDITS} offline edits agree after {rounds} sync rounds in {:.2} s",
        took.as_secs_f64()
    );
    let mut group = c.benchmark_group("converge");
    group.sample_size(10);
    group.bench_function("5 devices x 1000 offline edits", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| scenario(&runtime).1).sum())
    });
    group.finish();
}

criterion_group!(converge, benches);
criterion_main!(converge);
