//! The password never reaches the relay (as Bitwarden's does not): the
//! device stretches it with Argon2id, salted by the account's email, and
//! HKDF splits the result into an authentication key, which is what the
//! relay receives (and hashes again), and a wrapping key, which seals the
//! account's private key and never leaves the device. A recovery code of
//! 128 random bits gives a second pair the same way, for a forgotten
//! password.

use super::{b64, unb64, Key32};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Argon2id's memory in KiB, passes and lanes: 64 MiB and 3 passes, the
/// strength Bitwarden uses, measured on this machine and budgeted for a
/// phone in docs/SECURITY.md. Every device of an account uses the same.
pub const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
pub const ARGON2_PASSES: u32 = 3;
pub const ARGON2_LANES: u32 = 1;

/// Shortest password the app accepts.
pub const MIN_PASSWORD: usize = 10;
const MAX_PASSWORD: usize = 256;

/// The two keys a secret (password or recovery code) gives.
pub struct SecretKeys {
    /// Sent to the relay in place of the secret, base64url.
    pub auth: Zeroizing<String>,
    /// Seals the account's private key; stays on the device.
    pub wrap: Key32,
}

fn salt(email: &str, purpose: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(format!("pph-{purpose}-v1\0{}", email.trim().to_lowercase()));
    h.finalize().into()
}

fn split(stretched: &[u8], email: &str, purpose: &str) -> Option<SecretKeys> {
    let hk = Hkdf::<sha2_next::Sha256>::new(Some(&salt(email, purpose)), stretched);
    let mut auth = Zeroizing::new([0u8; 32]);
    let mut wrap = Zeroizing::new([0u8; 32]);
    hk.expand(b"pph-auth-v1", &mut auth[..]).ok()?;
    hk.expand(b"pph-wrap-v1", &mut wrap[..]).ok()?;
    Some(SecretKeys {
        auth: Zeroizing::new(b64(&auth[..])),
        wrap: Key32::from_slice(&wrap[..])?,
    })
}

/// Checks a new password's length (the relay cannot: it never sees it).
pub fn check_password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if (MIN_PASSWORD..=MAX_PASSWORD).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "a password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        ))
    }
}

/// The keys a password gives for this email (Argon2id: about a quarter of
/// a second here, run off the async threads by the caller).
pub fn from_password(email: &str, password: &str) -> Option<SecretKeys> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(32)).ok()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut stretched = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(
            password.as_bytes(),
            &salt(email, "password"),
            &mut stretched[..],
        )
        .ok()?;
    split(&stretched[..], email, "password")
}

/// What a device sends the relay in place of `password` for `email`: for
/// tools and tests that speak the relay's HTTP API themselves.
pub fn relay_password(email: &str, password: &str) -> Option<String> {
    from_password(email, password).map(|k| k.auth.to_string())
}

/// A new recovery code: 128 random bits as 32 hex digits in groups of four.
pub fn new_recovery_code() -> Zeroizing<String> {
    let mut bits = Zeroizing::new([0u8; 16]);
    rand::fill(&mut bits[..]);
    let digits = Zeroizing::new(hex::encode_upper(&bits[..]));
    let groups: Vec<&str> = (0..8).map(|i| &digits[i * 4..i * 4 + 4]).collect();
    Zeroizing::new(groups.join("-"))
}

/// The keys a recovery code gives (it is random already: no stretching);
/// None if it is not 32 hex digits, whatever the spacing or case.
pub fn from_recovery_code(email: &str, code: &str) -> Option<SecretKeys> {
    let digits: Zeroizing<String> = Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
    );
    let bits = Zeroizing::new(hex::decode(digits.as_str()).ok()?);
    if bits.len() != 16 {
        return None;
    }
    split(&bits, email, "recovery")
}

fn private_aad(account_id: &str) -> Vec<u8> {
    format!("pph-account-key-v1\0{account_id}").into_bytes()
}

/// The private key sealed under a wrapping key: `nonce.ciphertext`.
pub fn seal_private(wrap: &Key32, account_id: &str, private: &[u8]) -> Option<String> {
    let mut nonce = [0u8; 24];
    rand::fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new_from_slice(wrap.bytes()).ok()?;
    let aad = private_aad(account_id);
    let ct = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: private,
                aad: &aad,
            },
        )
        .ok()?;
    Some(format!("{}.{}", b64(&nonce), b64(&ct)))
}

/// The private key, if `wrap` opens what `seal_private` made.
pub fn open_private(wrap: &Key32, account_id: &str, sealed: &str) -> Option<Zeroizing<Vec<u8>>> {
    let (nonce, ct) = sealed.split_once('.')?;
    let nonce: [u8; 24] = unb64(nonce)?.try_into().ok()?;
    let cipher = XChaCha20Poly1305::new_from_slice(wrap.bytes()).ok()?;
    let aad = private_aad(account_id);
    cipher
        .decrypt(
            &nonce.into(),
            Payload {
                msg: &unb64(ct)?,
                aad: &aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_gives_the_same_keys_for_the_same_email_only() {
        let a = from_password("Ann@Example.org ", "correct horse battery").expect("keys");
        let b = from_password("ann@example.org", "correct horse battery").expect("keys");
        assert_eq!(*a.auth, *b.auth);
        assert_eq!(a.wrap.bytes(), b.wrap.bytes());
        assert_ne!(a.auth.as_bytes(), a.wrap.bytes().as_slice());
        let other = from_password("bob@example.org", "correct horse battery").expect("keys");
        assert_ne!(*a.auth, *other.auth);
        let wrong = from_password("ann@example.org", "correct horse battery!").expect("keys");
        assert_ne!(*a.auth, *wrong.auth);
        assert!(!a.auth.contains("horse"));
    }

    #[test]
    fn a_private_key_opens_with_its_wrapping_key_and_account_only() {
        let keys = from_password("ann@example.org", "correct horse battery").expect("keys");
        let sealed = seal_private(&keys.wrap, "acct-1", b"private key bytes").expect("seal");
        assert_eq!(
            open_private(&keys.wrap, "acct-1", &sealed)
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"private key bytes"[..])
        );
        assert!(open_private(&keys.wrap, "acct-2", &sealed).is_none());
        let wrong = from_password("ann@example.org", "wrong horse battery").expect("keys");
        assert!(open_private(&wrong.wrap, "acct-1", &sealed).is_none());
    }

    #[test]
    fn a_recovery_code_has_128_bits_and_reads_back_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 39);
        assert_ne!(*code, *new_recovery_code());
        let keys = from_recovery_code("ann@example.org", &code).expect("keys");
        let typed = code.to_lowercase().replace('-', " ");
        let again = from_recovery_code("ann@example.org", &typed).expect("keys");
        assert_eq!(keys.wrap.bytes(), again.wrap.bytes());
        assert!(from_recovery_code("ann@example.org", "1234-5678").is_none());
        let mut not_hex = code.to_string();
        not_hex.replace_range(0..1, "G");
        assert!(from_recovery_code("ann@example.org", &not_hex).is_none());
    }

    #[test]
    fn passwords_too_short_or_long_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(257)).is_err());
        assert!(check_password("long enough now").is_ok());
    }
}
