//! One SQLCipher page through the provider, as SQLCipher 4 treats it with
//! its defaults: a 4,096-byte page holds 4,016 bytes of AES-256-CBC
//! ciphertext, a 16-byte IV and a 64-byte HMAC-SHA512 over the ciphertext,
//! the IV and the page number. Writing a page draws the IV and reserve,
//! encrypts, then MACs; reading one MACs then decrypts.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pph_sqlcipher_crypto::{cipher, hmac, kdf, random, Direction, HmacAlgorithm};
use std::hint::black_box;

const PAGE: usize = 4096;
const RESERVE: usize = 80;
const DATA: usize = PAGE - RESERVE;
const KEY: [u8; 32] = [0x42; 32];
const HMAC_KEY: [u8; 32] = [0x24; 32];
const IV: [u8; 16] = [7; 16];

fn crypt(direction: Direction, from: &[u8], to: &mut [u8]) {
    cipher(direction, &KEY, &IV, black_box(from), to).expect("cipher");
}

fn mac(page: &[u8], out: &mut [u8; 64]) {
    hmac(
        HmacAlgorithm::Sha512,
        &HMAC_KEY,
        black_box(page),
        &1u32.to_le_bytes(),
        out,
    )
    .expect("mac");
}

fn draw(reserve: &mut [u8; RESERVE]) {
    random(black_box(reserve)).expect("random");
}

fn page(c: &mut Criterion) {
    let plain = vec![0x5au8; DATA];
    let mut sealed = vec![0u8; DATA];
    let mut opened = vec![0u8; DATA];
    let mut tag = [0u8; 64];
    let mut reserve = [0u8; RESERVE];
    let mut whole = c.benchmark_group("sqlcipher_page");
    whole.throughput(Throughput::Bytes(PAGE as u64));
    whole.bench_function("write (random IV, encrypt, then HMAC-SHA512)", |b| {
        b.iter(|| {
            draw(&mut reserve);
            crypt(Direction::Encrypt, &plain, &mut sealed);
            mac(&sealed, &mut tag);
        })
    });
    whole.bench_function("read (HMAC-SHA512, then decrypt)", |b| {
        b.iter(|| {
            mac(&sealed, &mut tag);
            crypt(Direction::Decrypt, &sealed, &mut opened);
        })
    });
    whole.finish();
    let mut parts = c.benchmark_group("sqlcipher_page_parts");
    parts.bench_function("random IV and reserve (80 bytes)", |b| {
        b.iter(|| draw(&mut reserve))
    });
    parts.bench_function("AES-256-CBC encrypt", |b| {
        b.iter(|| crypt(Direction::Encrypt, &plain, &mut sealed))
    });
    parts.bench_function("AES-256-CBC decrypt", |b| {
        b.iter(|| crypt(Direction::Decrypt, &sealed, &mut opened))
    });
    parts.bench_function("HMAC-SHA512", |b| b.iter(|| mac(&sealed, &mut tag)));
    parts.finish();
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
                    black_box(&KEY),
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
