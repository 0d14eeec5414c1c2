//! The clinician's consultation page for a patient with ten years of diary
//! (100,000 entries, about 27 a day, one rating each), a care plan with a
//! daily activity and a PHQ-9, shared in full and synced to the clinician's
//! laptop through a real server on loopback. Target (issue "The clinician's
//! consultation view"): the page renders in at most 50 ms on the laptop
//! (the server side of `pph clinic`: the core reading the patient's copy
//! and writing the HTML). Figures are in docs/PERFORMANCE.md.
//!
//!   cargo bench -p pph-testing --bench clinic

use criterion::{criterion_group, criterion_main, Criterion};
use pph_core::*;
use pph_testing::{a_record_for_a_consultation, in_ms, signed_up};
use std::time::{Duration, SystemTime};

const ENTRIES: u64 = 100_000;
const YEARS_MS: u64 = 10 * 365 * 86_400_000;
const BATCH: u64 = 10_000;

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let (laptop, space) = runtime.block_on(async {
        let phone = signed_up(&server.url, dir.path(), "ann", "Ann", AccountRole::Patient).await;
        a_record_for_a_consultation(&phone);
        let now = SystemTime::now();
        let step = YEARS_MS / ENTRIES;
        for batch in 0..ENTRIES / BATCH {
            let entries = (0..BATCH)
                .map(|i| {
                    let n = batch * BATCH + i;
                    NewEntry {
                        recorded_at: now - Duration::from_millis(YEARS_MS - n * step),
                        utc_offset_minutes: 0,
                        ratings: vec![Rating {
                            symptom_id: "00000000-0000-7000-8000-00000000a001".into(),
                            value: (n % 11) as f64,
                        }],
                        note: n.is_multiple_of(3).then(|| format!("entry {n}")),
                        tags: vec![],
                        medications: vec![],
                    }
                })
                .collect();
            phone.diary().import_entries(entries).expect("import");
        }
        phone.sync().sync_now().await.expect("phone sync");
        let laptop = signed_up(
            &server.url,
            dir.path(),
            "dr",
            "Dr Cole",
            AccountRole::Clinician,
        )
        .await;
        phone
            .sharing()
            .grant_share(
                "dr@example.org".into(),
                ShareScope::ALL.to_vec(),
                in_ms(86_400_000),
            )
            .await
            .expect("share");
        laptop.sync().sync_now().await.expect("laptop sync");
        let space = phone.store().personal_space();
        (laptop, space)
    });
    let page = laptop
        .sharing()
        .consultation_page(space.clone(), Some("/review".into()))
        .expect("page");
    // Ten years arrived: every one of the last 90 days has entries.
    assert!(page.contains("<td>90 of 90</td>"), "the diary did not sync");
    eprintln!("consultation page: {} bytes", page.len());
    c.bench_function("consultation page, ten years of diary", |b| {
        b.iter(|| {
            laptop
                .sharing()
                .consultation_page(space.clone(), Some("/review".into()))
                .expect("page")
        })
    });
    c.bench_function("patients list", |b| {
        b.iter(|| {
            laptop
                .sharing()
                .patients_page("/p/".into(), Some("/sync".into()))
                .expect("list")
        })
    });
}

criterion_group! {
    name = clinic;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(clinic);
