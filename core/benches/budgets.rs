//! Budget benchmarks on a real encrypted store: five years of spends at 20 a
//! week (5,200 spends). Figures are recorded in docs/PERFORMANCE.md.
//!
//!   cargo bench -p pph-core --bench budgets

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::*;
use std::time::{Duration, Instant};

const KEY: [u8; 32] = [0x44; 32];
const WEEKS: i64 = 5 * 52;
const PER_WEEK: i64 = 20;

fn spend(line_id: &str, date: &str, pence: i64) -> NewSpend {
    NewSpend {
        line_id: line_id.into(),
        date: date.into(),
        payee: "Care Co".into(),
        category: "personal_assistant".into(),
        amount_pence: pence,
        currency: "GBP".into(),
        goal_id: None,
        activity_id: None,
        note: None,
        receipt: Some(Receipt {
            file_name: "receipt.jpg".into(),
            media_type: "image/jpeg".into(),
            size_bytes: 200_000,
            sha256: "cd".repeat(32),
        }),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let companion =
        Companion::open(pph_testing::config(&dir.path().join("budget.db"), &KEY)).expect("open");
    let budgets = companion.budgets();
    let budget = budgets
        .create_budget(NewBudget {
            name: "Five-year PHB".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-01-05".into(),
            period_end: "2031-01-05".into(),
            allocation_pence: 50_000_000,
            currency: "GBP".into(),
            plan_id: None,
            underspend_warning_percent: None,
        })
        .expect("budget");
    let lines: Vec<BudgetLine> = ["Personal assistant", "Therapies", "Equipment", "Transport"]
        .iter()
        .map(|c| {
            budgets
                .add_line(
                    budget.id.clone(),
                    NewBudgetLine {
                        category: (*c).into(),
                        planned_pence: 10_000_000,
                        goal_ids: vec![],
                    },
                )
                .expect("line")
        })
        .collect();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
    let mut latencies = Vec::new();
    for i in 0..WEEKS * PER_WEEK {
        let date = (start + chrono::Duration::days(i * 7 / PER_WEEK)).to_string();
        let begun = Instant::now();
        budgets
            .record_spend(
                budget.id.clone(),
                spend(&lines[(i % 4) as usize].id, &date, 1_000 + i % 9_000),
            )
            .expect("spend");
        latencies.push(begun.elapsed());
    }
    latencies.sort();
    println!(
        "record_spend over {} spends: p50 {:?}, p95 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    // Summary first, over exactly the five years; the spends timed next add more.
    c.bench_function("summary over 5 years of spends", |b| {
        b.iter(|| {
            budgets
                .summary(budget.id.clone(), "2030-06-30".into())
                .expect("summary")
        })
    });
    let mut day = 0i64;
    c.bench_function("record a spend (5 years of history)", |b| {
        b.iter(|| {
            day = (day + 1) % 1_800;
            let date = (start + chrono::Duration::days(day)).to_string();
            budgets
                .record_spend(budget.id.clone(), spend(&lines[0].id, &date, 2_500))
                .expect("spend")
        })
    });
}

criterion_group! {
    name = budget_benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(budget_benches);
