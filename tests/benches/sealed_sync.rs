//! What end-to-end encryption and authentication cost: sealing, signing,
//! checking and opening one change; a 1,000-change sync (a phone pushes
//! 1,000 diary entries, a tablet pulls them) through a real relay, beside
//! the time the sealing and signing, and the checking and opening, of those
//! 1,000 take on their own; and signing in with the chosen Argon2id
//! parameters. (The relay's own cost of sealed bodies is in the relay
//! bench, `cargo bench -p pph-server --bench relay`.)
//!
//!   cargo bench -p pph-testing --bench sealed_sync

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pph_core::crypto::identity::Identity;
use pph_core::crypto::password::from_password;
use pph_core::crypto::seal::{open, seal};
use pph_core::crypto::wrap::{wrap, AccountKeyPair};
use pph_core::crypto::Key32;
use pph_core::*;
use pph_protocol::identity::{signed_change, signed_envelope};
use pph_protocol::kdf::Stretch;
use pph_protocol::sealed::KeyName;
use pph_protocol::{Change, Hlc};
use pph_server::EmbeddedServer;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const CHANGES: usize = 1_000;
const BREATHLESSNESS: &str = "00000000-0000-7000-8000-00000000a001";
const PASSWORD: &str = "bench password 123";

/// A diary entry's change as a phone makes it.
fn entry_change(space: &str, i: usize) -> Change {
    let id = pph_testing::id();
    Change {
        change_id: pph_testing::id(),
        space: space.to_owned(),
        entity_type: "diary_entry".into(),
        value: json!({"id": id, "recorded_at": {"secs_since_epoch": 1_772_000_000 + i, "nanos_since_epoch": 0},
                      "utc_offset_minutes": 0, "local_date": "2026-02-25",
                      "ratings": [{"symptom_id": BREATHLESSNESS, "value": (i % 11) as f64}],
                      "note": "Wheezy after the stairs, better by lunch", "tags": ["weather"],
                      "medications": [], "deleted": false}),
        entity_id: id,
        field: "*".into(),
        hlc: Hlc {
            wall_ms: pph_testing::now_ms(),
            counter: i as u32,
            node: "0123456789abcdef".into(),
        },
    }
}

fn sealing(c: &mut Criterion) {
    let key = Key32::random();
    let space = pph_testing::id();
    let change = entry_change(&space, 1);
    let sealed = seal(&change, KeyName::Diary, 1, &key).expect("seal");
    let mut group = c.benchmark_group("sealing");
    group.bench_function("seal one diary entry change", |b| {
        b.iter(|| seal(&change, KeyName::Diary, 1, &key))
    });
    group.bench_function("open one diary entry change", |b| {
        b.iter(|| open(&sealed, |_, _| Some(key.clone())))
    });
    // An envelope: wrapped and signed by its sender, checked and opened by
    // its recipient (docs/adr/0018).
    let (ann, bob) = (AccountKeyPair::generate(), AccountKeyPair::generate());
    let bobs = Identity::of(&bob).expect("identity");
    let mut envelope =
        wrap(&key, &space, KeyName::Group, 1, "ann", &ann.public_b64()).expect("wrap");
    bobs.sign("bob", &mut envelope);
    let bob_public = bobs.public_b64();
    group.bench_function("sign one envelope", |b| {
        b.iter(|| bobs.sign("bob", &mut envelope.clone()))
    });
    group.bench_function("check one envelope's signature", |b| {
        b.iter(|| signed_envelope(&bob_public, &envelope))
    });
    // A change: signed by its writer, checked by every reader (docs/adr/0019).
    let signed = bobs.sign_change("bob", sealed.clone()).expect("sign");
    group.bench_function("sign one sealed change", |b| {
        b.iter(|| bobs.sign_change("bob", sealed.clone()))
    });
    group.bench_function("check one change's signature", |b| {
        b.iter(|| signed_change(&bob_public, "bob", &signed))
    });
    group.bench_function("check one change's own tag", |b| {
        b.iter(|| bobs.tagged_by_me("bob", &signed))
    });
    group.bench_function("wrap and sign one envelope", |b| {
        b.iter(|| {
            let mut e = wrap(&key, &space, KeyName::Group, 1, "ann", &ann.public_b64());
            if let Some(e) = e.as_mut() {
                bobs.sign("bob", e);
            }
            e
        })
    });
    group.finish();
}

fn entries(phone: &Companion) {
    let now = SystemTime::now();
    for k in 0..CHANGES {
        phone
            .diary()
            .log_entry(NewEntry {
                recorded_at: now - Duration::from_secs(k as u64 * 600 + 600),
                utc_offset_minutes: 0,
                ratings: vec![Rating {
                    symptom_id: BREATHLESSNESS.into(),
                    value: (k % 11) as f64,
                }],
                note: Some("Wheezy after the stairs, better by lunch".into()),
                tags: vec!["weather".into()],
                medications: vec![],
            })
            .expect("entry");
    }
}

/// A phone signed up on `server` as a new account: the phone and its email.
fn relay_and_phone(
    runtime: &tokio::runtime::Runtime,
    server: &EmbeddedServer,
    dir: &std::path::Path,
) -> (Arc<Companion>, String) {
    let phone = pph_testing::device(dir, "phone");
    let email = format!("{}@bench.example", pph_testing::id());
    runtime
        .block_on(pph_testing::sign_up_with_mail(
            &phone,
            &server.url,
            &email,
            PASSWORD,
            "Bench",
            AccountRole::Patient,
        ))
        .expect("sign up");
    (phone, email)
}

/// One phone pushing 1,000 entries and a new tablet pulling them, through a
/// relay on loopback: (push, pull), each one `sync_now`.
fn one_sync(runtime: &tokio::runtime::Runtime) -> (Duration, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let (phone, email) = relay_and_phone(runtime, &server, dir.path());
    let tablet: Arc<Companion> = pph_testing::device(dir.path(), "tablet");
    runtime.block_on(async {
        phone.sync().sync_now().await.expect("keys");
        tablet
            .account()
            .sign_in(server.url.clone(), email, PASSWORD.into())
            .await
            .expect("sign in");
        tablet.sync().sync_now().await.expect("keys");
    });
    entries(&phone);
    runtime.block_on(async {
        let start = Instant::now();
        let pushed = phone.sync().sync_now().await.expect("push");
        let push = start.elapsed();
        assert_eq!(pushed.pushed as usize, CHANGES);
        let start = Instant::now();
        let pulled = tablet.sync().sync_now().await.expect("pull");
        let pull = start.elapsed();
        assert_eq!(pulled.pulled as usize, CHANGES);
        (push, pull)
    })
}

fn sync_1000(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("sync 1,000 diary entries through a relay");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CHANGES as u64));
    let mut pulls = Vec::new();
    group.bench_function("phone pushes (sealed, signed)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (push, pull) = one_sync(&runtime);
                total += push;
                pulls.push(pull);
            }
            total
        })
    });
    pulls.sort();
    if let Some(median) = pulls.get(pulls.len() / 2) {
        println!(
            "tablet pulls (opened), median of {}: {median:?}",
            pulls.len()
        );
    }
    // The same 1,000 changes sealed and opened, alone: encryption's part.
    let key = Key32::random();
    let space = pph_testing::id();
    let plain: Vec<Change> = (0..CHANGES).map(|i| entry_change(&space, i)).collect();
    let writer = Identity::of(&AccountKeyPair::generate()).expect("identity");
    let public = writer.public_b64();
    let sealed: Vec<Change> = plain
        .iter()
        .map(|c| seal(c, KeyName::Diary, 1, &key).expect("seal"))
        .map(|c| writer.sign_change("ann", c).expect("sign"))
        .collect();
    group.bench_function("seal and sign 1,000 alone", |b| {
        b.iter(|| {
            plain
                .iter()
                .filter_map(|c| seal(c, KeyName::Diary, 1, &key))
                .filter_map(|c| writer.sign_change("ann", c))
                .count()
        })
    });
    // A device of the writer's own account checks its tag instead.
    group.bench_function("check the own tag and open 1,000 alone", |b| {
        b.iter(|| {
            sealed
                .iter()
                .filter(|c| writer.tagged_by_me("ann", c))
                .filter(|c| open(c, |_, _| Some(key.clone())).is_ok())
                .count()
        })
    });
    group.bench_function("check and open 1,000 alone", |b| {
        b.iter(|| {
            sealed
                .iter()
                .filter(|c| signed_change(&public, "ann", c))
                .filter(|c| open(c, |_, _| Some(key.clone())).is_ok())
                .count()
        })
    });
    let bytes = |changes: &[Change]| {
        changes
            .iter()
            .map(|c| serde_json::to_string(c).map_or(0, |s| s.len()))
            .sum::<usize>()
    };
    println!(
        "1,000 changes on the wire: {} bytes in the clear, {} sealed and signed",
        bytes(&plain),
        bytes(&sealed)
    );
    group.finish();
}

fn sign_in(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = pph_testing::embedded(dir.path());
    let (_phone, email) = relay_and_phone(&runtime, &server, dir.path());
    let mut group = c.benchmark_group(format!(
        "sign-in, Argon2id {} MiB x {} passes",
        Stretch::LEAST.memory_kib / 1024,
        Stretch::LEAST.passes
    ));
    let kdf = Stretch::LEAST.with_salt(&[9; 16]);
    group.sample_size(10);
    group.bench_function("stretching the password alone", |b| {
        b.iter(|| from_password(Some(&kdf), "http://127.0.0.1:7878", &email, PASSWORD).is_ok())
    });
    let mut n = 0;
    group.bench_function("a new device signs in (relay on loopback)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let device = pph_testing::device(dir.path(), &format!("d{n}"));
                let start = Instant::now();
                runtime
                    .block_on(device.account().sign_in(
                        server.url.clone(),
                        email.clone(),
                        PASSWORD.into(),
                    ))
                    .expect("sign in");
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, sealing, sync_1000, sign_in);
criterion_main!(benches);
