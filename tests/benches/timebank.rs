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
use pph_testing::{account_id, group_of, signed_up, sync_all};
use std::sync::Arc;

const MEMBERS: usize = 10;
const EXCHANGES: usize = 10_000;
const PAGE: u32 = 50;

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let (fay, members, group) = runtime.block_on(async {
        let fay = signed_up(&server.url, dir.path(), "fay", "Fay", AccountRole::Patient).await;
        let mut members = Vec::new();
        for i in 0..MEMBERS {
            let name = format!("m{i}");
            members
                .push(signed_up(&server.url, dir.path(), &name, &name, AccountRole::Patient).await);
        }
        let joiners: Vec<&Arc<Companion>> = members.iter().collect();
        let (group, _) = group_of(&fay, &joiners, "Bench timebank").await;
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
        sync_all(&[&fay]).await;
        sync_all(&members).await;
        (fay, members, group.id)
    });
    let ids: Vec<String> = members.iter().map(|m| account_id(m)).collect();
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
