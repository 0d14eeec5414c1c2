//! One SQLCipher page through the provider, as SQLCipher 4 treats it with
//! its defaults: a 4,096-byte page holds 4,016 bytes of AES-256-CBC
//! ciphertext, a 16-byte IV and a 64-byte HMAC-SHA512 over the ciphertext,
//! the IV and the page number. Writing a page encrypts then MACs; reading
//! one MACs then decrypts.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pph_sqlcipher_crypto::{cipher, hmac, kdf, random, Direction, HmacAlgorithm};
use std::hint::black_box;

const PAGE: usize = 4096;
const RESERVE: usize = 80;
const DATA: usize = PAGE - RESERVE;

fn page(c: &mut Criterion) {
    let key = [0x42u8; 32];
    let hmac_key = [0x24u8; 32];
    let iv = [7u8; 16];
    let plain = vec![0x5au8; DATA];
    let mut sealed = vec![0u8; DATA];
    let mut mac = [0u8; 64];
    let mut group = c.benchmark_group("sqlcipher_page");
    group.throughput(Throughput::Bytes(PAGE as u64));
    let mut reserve = [0u8; RESERVE];
    group.bench_function("write (random IV, encrypt, then HMAC-SHA512)", |b| {
        b.iter(|| {
            random(&mut reserve).expect("random");
            cipher(
                Direction::Encrypt,
                &key,
                &iv,
                black_box(&plain),
                &mut sealed,
            )
            .expect("encrypt");
            hmac(
                HmacAlgorithm::Sha512,
                &hmac_key,
                &sealed,
                &1u32.to_le_bytes(),
                &mut mac,
            )
            .expect("mac");
        })
    });
    let mut opened = vec![0u8; DATA];
    group.bench_function("read (HMAC-SHA512, then decrypt)", |b| {
        b.iter(|| {
            hmac(
                HmacAlgorithm::Sha512,
                &hmac_key,
                black_box(&sealed),
                &1u32.to_le_bytes(),
                &mut mac,
            )
            .expect("mac");
            cipher(Direction::Decrypt, &key, &iv, &sealed, &mut opened).expect("decrypt");
        })
    });
    group.finish();
    let mut one = c.benchmark_group("sqlcipher_page_parts");
    one.bench_function("random IV and reserve (80 bytes)", |b| {
        b.iter(|| random(black_box(&mut reserve)).expect("random"))
    });
    one.bench_function("AES-256-CBC encrypt", |b| {
        b.iter(|| {
            cipher(
                Direction::Encrypt,
                &key,
                &iv,
                black_box(&plain),
                &mut sealed,
            )
            .expect("encrypt")
        })
    });
    one.bench_function("AES-256-CBC decrypt", |b| {
        b.iter(|| {
            cipher(
                Direction::Decrypt,
                &key,
                &iv,
                black_box(&sealed),
                &mut opened,
            )
            .expect("decrypt")
        })
    });
    one.bench_function("HMAC-SHA512", |b| {
        b.iter(|| {
            hmac(
                HmacAlgorithm::Sha512,
                &hmac_key,
                black_box(&sealed),
                &1u32.to_le_bytes(),
                &mut mac,
            )
            .expect("mac")
        })
    });
    one.finish();
    // What a raw key costs at open: SQLCipher derives the HMAC key with
    // two PBKDF2 rounds (a passphrase would take 256,000; the app never
    // uses one).
    c.bench_function(
        "hmac key from a raw key (PBKDF2-HMAC-SHA512, 2 rounds)",
        |b| {
            let mut out = [0u8; 32];
            b.iter(|| {
                kdf(
                    HmacAlgorithm::Sha512,
                    black_box(&key),
                    &[0x3a; 16],
                    2,
                    &mut out,
                )
                .expect("kdf")
            })
        },
    );
}

criterion_group!(benches, page);
criterion_main!(benches);
