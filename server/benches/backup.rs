//! `pph-server backup` of a relay's SQLite file holding 1,000,000 changes
//! (2,000 pushes of 500 sealed diary entries by 20 accounts, through the
//! HTTP API), and `restore` of that backup into an empty file: time per
//! copy, and the sizes printed once (the file, and its backup).
//!
//!   cargo bench -p pph-server --bench backup
//!
//! Filling the file takes about a minute; set `PPH_BENCH_CHANGES` for
//! another count (a multiple of 10,000).

use criterion::{criterion_group, criterion_main, Criterion};
use pph_server::Backend;
use pph_testing::{diary_batch, push_raw, RawAccount};

const BATCH: usize = 500;
const ACCOUNTS: usize = 20;

fn filled(db: &std::path::Path, changes: usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mail = tempfile::tempdir().expect("mail dir");
    let server = pph_testing::embedded_on(Backend::Sqlite(db.to_owned()), mail.path());
    let client = reqwest::Client::new();
    runtime.block_on(async {
        let mut accounts = Vec::new();
        for _ in 0..ACCOUNTS {
            accounts.push(RawAccount::sign_up(&client, &server.url).await);
        }
        for round in 0..changes / BATCH {
            let account = &accounts[round % ACCOUNTS];
            let batch = diary_batch(&account.space, BATCH);
            let resp = push_raw(&client, &server.url, &account.token, &batch).await;
            assert_eq!(resp.status(), 200, "push");
        }
    });
}

fn benches(c: &mut Criterion) {
    let changes: usize = std::env::var("PPH_BENCH_CHANGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("relay.db");
    let started = std::time::Instant::now();
    filled(&db, changes);
    println!("filled with {changes} changes in {:?}", started.elapsed());
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = size(&dir.path().join("relay.db-wal"));
    println!(
        "relay file: {} bytes (+ {wal} bytes of write-ahead log)",
        size(&db)
    );
    let mut group = c.benchmark_group(format!("backup/{changes} changes"));
    group.sample_size(10);
    let mut n = 0;
    group.bench_function("backup (VACUUM INTO)", |b| {
        b.iter(|| {
            n += 1;
            let to = dir.path().join(format!("backup-{n}.db"));
            let copied = pph_server::backup::backup(&db, &to).expect("backup");
            assert_eq!(copied.changes as usize, changes);
            if n == 1 {
                println!("backup file: {} bytes", copied.bytes);
            }
            std::fs::remove_file(&to).expect("remove");
        })
    });
    let backup = dir.path().join("backup.db");
    pph_server::backup::backup(&db, &backup).expect("backup");
    group.bench_function("restore into an empty file", |b| {
        b.iter(|| {
            n += 1;
            let into = dir.path().join(format!("restored-{n}.db"));
            pph_server::backup::restore(&backup, &into).expect("restore");
            std::fs::remove_file(&into).expect("remove");
        })
    });
    group.finish();
}

criterion_group!(backup, benches);
criterion_main!(backup);
