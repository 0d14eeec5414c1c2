//! A group of 50 members: a facilitator removes one, and the key turns
//! over end to end: the removal, the facilitator's sync (a new epoch,
//! wrapped and signed to each of the 49 who stay, docs/adr/0018) and one
//! remaining member's sync taking it. Each sample removes the next member
//! of a pool, so the group is 50 strong (give or take the spares) at every
//! measurement.
//!
//!   cargo bench -p pph-testing --bench rotation

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use pph_core::*;
use pph_testing::device;
use std::time::{Duration, Instant};

/// Members at the start: 50, and one spare per sample taken.
const MEMBERS: usize = 50;
const SAMPLES: usize = 10;

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let sign_up = |name: &str| {
        let phone = device(dir.path(), name);
        runtime
            .block_on(pph_testing::sign_up_with_mail(
                &phone,
                &server.url,
                &format!("{name}-{:x}@bench.example", rand::random::<u64>()),
                "bench password 123",
                name,
                AccountRole::Patient,
            ))
            .expect("sign up");
        phone
    };
    let facilitator = sign_up("facilitator");
    let group = runtime
        .block_on(facilitator.groups().create_group(NewGroup {
            name: "Bench group".into(),
            purpose: String::new(),
            condition_focus: None,
        }))
        .expect("group");
    let invite = runtime
        .block_on(facilitator.groups().invite_code(
            group.id.clone(),
            std::time::SystemTime::now() + Duration::from_secs(3_600),
        ))
        .expect("invite");
    // Spares: warm-up and every sample each remove one.
    let members: Vec<_> = (0..MEMBERS + SAMPLES + 5)
        .map(|i| {
            let phone = sign_up(&format!("m{i}"));
            runtime
                .block_on(phone.groups().join_group(invite.code.clone()))
                .expect("join");
            phone
        })
        .collect();
    let ids: Vec<String> = members
        .iter()
        .map(|m| {
            m.sync()
                .status()
                .expect("status")
                .account
                .expect("signed in")
                .account_id
        })
        .collect();
    runtime.block_on(async {
        facilitator.sync().sync_now().await.expect("keys to all");
        members
            .last()
            .expect("a member")
            .sync()
            .sync_now()
            .await
            .expect("the last member's key");
    });

    let mut g = c.benchmark_group("rotation");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_millis(100));
    let mut removed = 0;
    let stays = members.last().expect("a member");
    g.bench_function(
        "remove one of 50 members, the key turns over to the 49 and one of them takes it",
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let gone = ids.get(removed).expect("a spare member left").clone();
                    removed += 1;
                    let started = Instant::now();
                    runtime.block_on(async {
                        facilitator
                            .groups()
                            .remove_member(group.id.clone(), gone)
                            .await
                            .expect("remove");
                        facilitator.sync().sync_now().await.expect("turn over");
                        stays.sync().sync_now().await.expect("take the new key");
                    });
                    total += started.elapsed();
                }
                total
            })
        },
    );
    g.finish();
    assert!(
        facilitator
            .groups()
            .groups_waiting_for_key()
            .expect("waiting")
            == 0
            && stays.groups().groups_waiting_for_key().expect("waiting") == 0
    );
}

criterion_group!(rotation, benches);
criterion_main!(rotation);
