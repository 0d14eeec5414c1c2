//! Diary benchmarks on a real encrypted store holding a ten-year diary of
//! 100,000 entries (about 27 a day) with 3 ratings each, a note on every
//! third entry and a tag on every fifth. Figures in docs/PERFORMANCE.md.
//!
//!   cargo bench -p pph-core --bench diary

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::*;
use std::time::{Duration, Instant, UNIX_EPOCH};

#[path = "common/wal_pages.rs"]
mod wal_pages;

const KEY: [u8; 32] = [0x55; 32];
const ENTRIES: u64 = 100_000;
const BATCH: u64 = 10_000;
/// Monday 3 January 2022, 00:00 UTC; ten years of entries follow.
const START_MS: u64 = 1_641_168_000_000;
const TEN_YEARS_MS: u64 = 3_652 * 86_400_000;
const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";
const COUGH: &str = "00000000-0000-7000-8000-00000000a002";
const FATIGUE: &str = "00000000-0000-7000-8000-00000000a009";
const WORDS: [&str; 8] = [
    "walked",
    "park",
    "breathless",
    "damp",
    "slept",
    "badly",
    "group",
    "inhaler",
];

fn new_entry(i: u64) -> NewEntry {
    let at = START_MS + i * (TEN_YEARS_MS / ENTRIES);
    let v = |k: u64| ((i * k) % 11) as f64;
    NewEntry {
        recorded_at: UNIX_EPOCH + Duration::from_millis(at),
        utc_offset_minutes: if (i / 5_000).is_multiple_of(2) { 0 } else { 60 },
        ratings: vec![
            Rating {
                symptom_id: BREATHLESSNESS.into(),
                value: v(7),
            },
            Rating {
                symptom_id: COUGH.into(),
                value: v(3),
            },
            Rating {
                symptom_id: FATIGUE.into(),
                value: v(5),
            },
        ],
        note: i.is_multiple_of(3).then(|| {
            format!(
                "{} {} {} today",
                WORDS[(i % 8) as usize],
                WORDS[((i / 8) % 8) as usize],
                WORDS[((i / 64) % 8) as usize]
            )
        }),
        tags: if i.is_multiple_of(5) {
            vec!["damp weather".into()]
        } else {
            vec![]
        },
        medications: vec![],
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let companion =
        Companion::open(pph_testing::config(&dir.path().join("diary.db"), &KEY)).expect("open");
    let diary = companion.diary();

    let begun = Instant::now();
    let frames_before = companion.wal_frames_written();
    for batch in 0..ENTRIES / BATCH {
        let entries = (batch * BATCH..(batch + 1) * BATCH)
            .map(new_entry)
            .collect();
        diary.import_entries(entries).expect("import");
    }
    let took = begun.elapsed();
    println!(
        "bulk import: {ENTRIES} entries in {took:?} = {:.0} entries/s (batches of {BATCH}), {:.2} WAL pages per entry",
        ENTRIES as f64 / took.as_secs_f64(),
        (companion.wal_frames_written() - frames_before) as f64 / ENTRIES as f64
    );

    let db = dir.path().join("diary.db");
    let mut commit_pages = wal_pages::CommitPages::new(&db);
    let mut latencies = Vec::new();
    let frames_before = companion.wal_frames_written();
    for i in 0..500 {
        let started = Instant::now();
        diary.log_entry(new_entry(ENTRIES + i)).expect("log");
        latencies.push(started.elapsed());
        commit_pages.record_last_commit();
    }
    let pages = (companion.wal_frames_written() - frames_before) as f64 / 500.0;
    latencies.sort();
    println!(
        "log one entry on top of {ENTRIES}: p50 {:?}, p95 {:?}, p99 {:?}, {pages:.1} WAL pages per commit",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99)
    );
    for (btree, pages) in commit_pages.by_btree(&db, &KEY) {
        println!("  {pages:5.2} pages per commit in {btree}");
    }

    c.bench_function("one month of entries (all pages of 200)", |b| {
        b.iter(|| {
            let mut cursor = None;
            let mut n = 0;
            loop {
                let page = diary
                    .entries("2027-06-01".into(), "2027-06-30".into(), 200, cursor)
                    .expect("page");
                n += page.entries.len();
                cursor = page.next_cursor;
                if cursor.is_none() {
                    break n;
                }
            }
        })
    });
    c.bench_function("first page of a month (50 entries)", |b| {
        b.iter(|| {
            diary
                .entries("2027-06-01".into(), "2027-06-30".into(), 50, None)
                .expect("page")
        })
    });
    c.bench_function("10-year weekly trend", |b| {
        b.iter(|| {
            diary
                .trend(
                    BREATHLESSNESS.into(),
                    "2022-01-01".into(),
                    "2031-12-31".into(),
                    Bucket::Week,
                )
                .expect("trend")
        })
    });
    c.bench_function("flares over 10 years", |b| {
        b.iter(|| {
            diary
                .flares(
                    BREATHLESSNESS.into(),
                    "2022-01-01".into(),
                    "2031-12-31".into(),
                    7.0,
                    3,
                )
                .expect("flares")
        })
    });
    c.bench_function("symptoms, most used first", |b| {
        b.iter(|| diary.list_symptoms().expect("symptoms"))
    });
    c.bench_function("full-text search (first page of 20)", |b| {
        b.iter(|| {
            diary
                .search("breathless park".into(), 20, None)
                .expect("search")
        })
    });
}

criterion_group! {
    name = diary_benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(diary_benches);
