//! A group with 10,000 messages: the latest page on a member's phone, and
//! one member receiving 1,000 new messages through a real server on
//! loopback.
//!
//!   cargo bench -p pph-testing --bench groups

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::*;
use pph_testing::device;
use std::time::{Duration, Instant};

const HISTORY: usize = 10_000;
const NEW: usize = 1_000;
const PAGE: u32 = 50;

fn post_many(phone: &Companion, group: &str, n: usize, from: usize) {
    for i in from..from + n {
        phone
            .groups()
            .post_message(
                group.into(),
                format!("Message {i}: how is everyone's breathing this week?"),
                None,
            )
            .expect("post");
    }
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let (poster, reader) = (device(dir.path(), "poster"), device(dir.path(), "reader"));
    let group = runtime.block_on(async {
        for (phone, name) in [(&poster, "poster"), (&reader, "reader")] {
            let email = format!("{name}-{:x}@bench.example", rand::random::<u64>());
            let password = "bench password 123";
            pph_testing::sign_up_with_mail(
                phone,
                &server.url,
                &email,
                password,
                name,
                AccountRole::Patient,
            )
            .await
            .expect("sign up");
        }
        let group = poster
            .groups()
            .create_group(NewGroup {
                name: "Bench group".into(),
                purpose: String::new(),
                condition_focus: None,
            })
            .await
            .expect("group");
        let invite = poster
            .groups()
            .invite_code(
                group.id.clone(),
                std::time::SystemTime::now() + Duration::from_secs(3_600),
            )
            .await
            .expect("invite");
        reader.groups().join_group(invite.code).await.expect("join");
        group.id
    });
    post_many(&poster, &group, HISTORY, 0);
    runtime.block_on(async {
        poster.sync().sync_now().await.expect("push history");
        reader.sync().sync_now().await.expect("pull history");
    });

    let mut g = c.benchmark_group("groups");
    g.bench_function("latest page of 50 in a 10,000-message group", |b| {
        b.iter(|| {
            let page = reader
                .groups()
                .messages(group.clone(), PAGE, None)
                .expect("page");
            assert_eq!(page.messages.len(), PAGE as usize);
        })
    });
    g.sample_size(10);
    let mut posted = HISTORY;
    g.bench_function("sync 1,000 new messages to a member", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                post_many(&poster, &group, NEW, posted);
                posted += NEW;
                runtime.block_on(poster.sync().sync_now()).expect("push");
                let started = Instant::now();
                let report = runtime.block_on(reader.sync().sync_now()).expect("pull");
                total += started.elapsed();
                assert_eq!(report.pulled as usize, NEW);
            }
            total
        })
    });
    g.finish();
}

criterion_group!(groups, benches);
criterion_main!(groups);
