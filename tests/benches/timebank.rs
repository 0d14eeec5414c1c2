//! A group timebank with 10,000 exchanges among ten members (nine in ten
//! confirmed), made on the members' phones and synced through a real server
//! on loopback. Targets (issue "Reciprocity and wider support"): balances
//! for all members at most 5 ms (the facilitator's phone, which receives
//! every exchange); a member's history page at most 2 ms. Figures are in
//! docs/PERFORMANCE.md.
//!
//!   cargo bench -p pph-testing --bench timebank

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::*;
use pph_server::{Backend, EmbeddedServer};
use pph_testing::device;
use std::sync::Arc;
use std::time::Duration;

const MEMBERS: usize = 10;
const EXCHANGES: usize = 10_000;
const PAGE: u32 = 50;

fn account(c: &Companion) -> String {
    c.sync()
        .status()
        .expect("status")
        .account
        .expect("signed in")
        .account_id
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let server =
        EmbeddedServer::start(Backend::Sqlite(dir.path().join("server.db"))).expect("server");
    let fay = device(dir.path(), "fay");
    let members: Vec<Arc<Companion>> = (0..MEMBERS)
        .map(|i| device(dir.path(), &format!("m{i}")))
        .collect();
    let group = runtime.block_on(async {
        for (phone, name) in std::iter::once((&fay, "fay".to_owned())).chain(
            members
                .iter()
                .enumerate()
                .map(|(i, m)| (m, format!("m{i}"))),
        ) {
            phone
                .sync()
                .sign_up(
                    server.url.clone(),
                    format!("{name}-{:x}@bench.example", rand::random::<u64>()),
                    "bench password 123".into(),
                    name,
                    AccountRole::Patient,
                )
                .await
                .expect("sign up");
        }
        let group = fay
            .groups()
            .create_group(NewGroup {
                name: "Bench timebank".into(),
                purpose: String::new(),
                condition_focus: None,
            })
            .await
            .expect("group");
        let invite = fay
            .groups()
            .invite_code(
                group.id.clone(),
                std::time::SystemTime::now() + Duration::from_secs(3_600),
            )
            .await
            .expect("invite");
        for m in &members {
            m.groups()
                .join_group(invite.code.clone())
                .await
                .expect("join");
        }
        fay.timebank()
            .set_rules(
                group.id.clone(),
                TimebankRules {
                    on: true,
                    lower_limit_minutes: -500_000,
                    upper_limit_minutes: 500_000,
                },
            )
            .expect("rules");
        fay.sync().sync_now().await.expect("rules out");
        for m in &members {
            m.sync().sync_now().await.expect("member sync");
        }
        group.id
    });
    let ids: Vec<String> = members.iter().map(|m| account(m)).collect();
    for i in 0..EXCHANGES {
        let (from, to) = (i % MEMBERS, (i + 1 + i / MEMBERS) % MEMBERS);
        let to = if to == from { (to + 1) % MEMBERS } else { to };
        members[from]
            .timebank()
            .record_exchange(
                group.clone(),
                NewExchange {
                    receiver_id: ids[to].clone(),
                    receiver_name: format!("m{to}"),
                    minutes: 15 + (i % 8) as u32 * 15,
                    category: TimeCategory::Company,
                    on_date: "2026-11-30".into(),
                    note: String::new(),
                    post_id: None,
                },
            )
            .expect("give");
    }
    runtime.block_on(async {
        for m in &members {
            m.sync().sync_now().await.expect("push");
        }
        for m in &members {
            m.sync().sync_now().await.expect("pull");
            let waiting = m
                .timebank()
                .overview(group.clone())
                .expect("overview")
                .to_confirm;
            for (k, e) in waiting.into_iter().enumerate() {
                if k % 10 != 9 {
                    m.timebank().confirm_exchange(e.id).expect("confirm");
                }
            }
            m.sync().sync_now().await.expect("confirmations");
        }
        fay.sync().sync_now().await.expect("facilitator");
    });

    let mut g = c.benchmark_group("timebank");
    g.bench_function("balances for all members, 10,000 exchanges", |b| {
        b.iter(|| {
            let balances = fay.timebank().balances(group.clone()).expect("balances");
            assert_eq!(balances.len(), MEMBERS);
            assert_eq!(balances.iter().map(|b| b.minutes).sum::<i64>(), 0);
        })
    });
    g.bench_function("a member's history page of 50", |b| {
        b.iter(|| {
            let page = members[3]
                .timebank()
                .history(group.clone(), PAGE, None)
                .expect("page");
            assert_eq!(page.exchanges.len(), PAGE as usize);
        })
    });
    g.bench_function("a member's timebank screen", |b| {
        b.iter(|| {
            members[3]
                .timebank()
                .overview(group.clone())
                .expect("overview")
        })
    });
    g.finish();
}

criterion_group!(timebank, benches);
criterion_main!(timebank);
