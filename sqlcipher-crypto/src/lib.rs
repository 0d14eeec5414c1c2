//! SQLCipher's crypto provider, over RustCrypto.
//!
//! SQLCipher asks a provider for five things: AES-256-CBC on a page, an HMAC
//! over it, PBKDF2 for keys, random bytes for IVs and salts, and the sizes of
//! each. This crate gives them from RustCrypto's `aes`, `cbc`, `hmac`,
//! `sha2` and `pbkdf2` and the operating system's generator (`getrandom`),
//! so the app carries no OpenSSL (docs/PERFORMANCE.md, "The crypto provider").
//! SQLCipher is built with `SQLCIPHER_CRYPTO_CUSTOM=pph_sqlcipher_setup`
//! (`.cargo/config.toml`) and calls [`ffi`]'s setup function once, at its
//! initialisation, to fill in its provider table.
//!
//! The page format is SQLCipher 4's: a store written through OpenSSL opens
//! here and the other way round (the store's fixture tests open files
//! written by the OpenSSL build, and tests/tests/sqlcipher.rs exchanges
//! files both ways with Debian's stock `sqlcipher`).

mod ffi;
mod primitives;

pub use primitives::{cipher, hmac, kdf, random, CryptoError, Direction, HmacAlgorithm};

/// Makes sure the provider is linked into every binary that links SQLCipher.
///
/// SQLCipher's C code names the setup function, but a linker reading
/// archives in order only takes a Rust object that something before it
/// needs; whoever opens a connection calls this first, so the object is
/// always taken. It does nothing at run time.
pub fn link() {
    std::hint::black_box(ffi::SETUP);
}
