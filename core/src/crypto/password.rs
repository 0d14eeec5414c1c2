//! The password never reaches the relay (as Bitwarden's does not): the
//! device stretches it with Argon2id, with the account's own random salt
//! and the parameters the relay keeps with the account (docs/adr/0024),
//! and HKDF splits the result into an authentication key, which is what
//! the relay receives (and hashes again), and a wrapping key, which seals
//! the account's private key and never leaves the device. The
//! authentication key is bound to the relay's address, so one captured by
//! one relay signs in on no other, whatever salt that relay served. A
//! recovery code of 128 random bits gives a second pair, for a forgotten
//! password. Accounts made before random salts (`Kdf` None) were salted by
//! the email alone: only a device signed in already derives their key, for
//! its own relay (docs/adr/0024).

use super::{b64, unb64, Key32};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hkdf::Hkdf;
use pph_protocol::kdf::{Kdf, Stretch};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Shortest password the app accepts.
pub const MIN_PASSWORD: usize = 10;
const MAX_PASSWORD: usize = 256;

/// The two keys a secret (password or recovery code) gives.
pub struct SecretKeys {
    /// Sent to the relay in place of the secret, base64url.
    pub auth: Zeroizing<String>,
    /// Seals the account's private key; stays on the device.
    pub wrap: Key32,
    /// How a password was stretched (None: the old way, or a recovery
    /// code, which is not stretched).
    pub kdf: Option<Kdf>,
}

fn salt(email: &str, purpose: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(format!("pph-{purpose}-v1\0{}", email.trim().to_lowercase()));
    h.finalize().into()
}

/// The keys HKDF expands from `stretched` (salted by `hkdf_salt`) under
/// the two names.
fn split(
    stretched: &[u8],
    hkdf_salt: &[u8],
    auth_info: &[u8],
    wrap_info: &[u8],
    kdf: Option<Kdf>,
) -> Option<SecretKeys> {
    let hk = Hkdf::<sha2_next::Sha256>::new(Some(hkdf_salt), stretched);
    let mut auth = Zeroizing::new([0u8; 32]);
    let mut wrap = Zeroizing::new([0u8; 32]);
    hk.expand(auth_info, &mut auth[..]).ok()?;
    hk.expand(wrap_info, &mut wrap[..]).ok()?;
    Some(SecretKeys {
        auth: Zeroizing::new(b64(&auth[..])),
        wrap: Key32::from_slice(&wrap[..])?,
        kdf,
    })
}

/// Checks a new password on the device (the relay cannot: it never sees
/// it): its length, then how guessable it is (`strength`), knowing the
/// email and name a guesser would try first. The reason says what to do.
pub fn check_password(password: &str, known: &[&str]) -> Result<(), String> {
    let len = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&len) {
        return Err(format!(
            "a password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        ));
    }
    match super::strength::weakness(password, known) {
        Some(why) => Err(format!("this password is too easy to guess: {why}")),
        None => Ok(()),
    }
}

/// Argon2id of `password` into 32 bytes.
fn stretch(password: &str, salt: &[u8], s: Stretch) -> Option<Zeroizing<[u8; 32]>> {
    let params = Params::new(s.memory_kib, s.passes, s.lanes, Some(32)).ok()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut stretched = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, &mut stretched[..])
        .ok()?;
    Some(stretched)
}

/// The keys a password gives (Argon2id: about a quarter of a second here
/// at the least stretch, run off the async threads by the caller): with
/// `kdf`, its salt and parameters, the authentication key bound to `relay`
/// (its scheme and host, `net::relay_identity`); without, the old way,
/// salted by the email. Err says why a stretch is refused.
pub fn from_password(
    kdf: Option<&Kdf>,
    relay: &str,
    email: &str,
    password: &str,
) -> Result<SecretKeys, String> {
    let failed = || "the password could not be stretched".to_owned();
    let Some(kdf) = kdf else {
        let stretched =
            stretch(password, &salt(email, "password"), Stretch::LEAST).ok_or_else(failed)?;
        return split(
            &stretched[..],
            &salt(email, "password"),
            b"pph-auth-v1",
            b"pph-wrap-v1",
            None,
        )
        .ok_or_else(failed);
    };
    let salt = kdf.checked_salt()?;
    let stretched = stretch(password, &salt, kdf.stretch()).ok_or_else(failed)?;
    let auth_info = [b"pph-auth-v2\0".as_slice(), relay.as_bytes()].concat();
    split(
        &stretched[..],
        b"pph-password-v2",
        &auth_info,
        b"pph-wrap-v2",
        Some(kdf.clone()),
    )
    .ok_or_else(failed)
}

/// What a device sends the relay in place of `password`, stretched as
/// `kdf` says, for the relay at `server_url`: for tools and tests that
/// speak the relay's HTTP API themselves.
pub fn relay_password(
    kdf: Option<&Kdf>,
    server_url: &str,
    email: &str,
    password: &str,
) -> Option<String> {
    let relay = crate::net::relay_identity(server_url).ok()?;
    from_password(kdf, &relay, email, password)
        .ok()
        .map(|k| k.auth.to_string())
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
    split(
        &bits,
        &salt(email, "recovery"),
        b"pph-auth-v1",
        b"pph-wrap-v1",
        None,
    )
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

    const RELAY_A: &str = "https://relay-a.example.org:443";
    const RELAY_B: &str = "https://relay-b.example.org:443";

    fn kdf(salt: u8) -> Kdf {
        Stretch::LEAST.with_salt(&[salt; 16])
    }

    fn keys(kdf: Option<&Kdf>, relay: &str, email: &str, password: &str) -> SecretKeys {
        from_password(kdf, relay, email, password).expect("keys")
    }

    #[test]
    fn a_password_gives_one_authentication_key_per_salt_and_relay() {
        let pw = "correct horse battery";
        let a = keys(Some(&kdf(1)), RELAY_A, "ann@example.org", pw);
        let again = keys(Some(&kdf(1)), RELAY_A, "other@example.org", pw);
        assert_eq!(*a.auth, *again.auth, "the salt, not the email, salts it");
        assert_eq!(a.wrap.bytes(), again.wrap.bytes());
        assert_eq!(a.kdf, Some(kdf(1)));
        // Another relay: another authentication key, even from the same
        // salt (a relay serving another's salt learns nothing to use there).
        let elsewhere = keys(Some(&kdf(1)), RELAY_B, "ann@example.org", pw);
        assert_ne!(*a.auth, *elsewhere.auth);
        assert_eq!(a.wrap.bytes(), elsewhere.wrap.bytes());
        let salted = keys(Some(&kdf(2)), RELAY_A, "ann@example.org", pw);
        assert_ne!(*a.auth, *salted.auth);
        assert_ne!(a.wrap.bytes(), salted.wrap.bytes());
        let wrong = keys(
            Some(&kdf(1)),
            RELAY_A,
            "ann@example.org",
            "correct horse battery!",
        );
        assert_ne!(*a.auth, *wrong.auth);
        assert!(!a.auth.contains("horse"));
        // The old way: salted by the email (however typed), the same on
        // every relay, unlike any salted key.
        let old = keys(None, RELAY_A, "Ann@Example.org ", pw);
        assert_eq!(*old.auth, *keys(None, RELAY_B, "ann@example.org", pw).auth);
        assert_ne!(*old.auth, *a.auth);
        assert_ne!(*old.auth, *keys(None, RELAY_A, "bob@example.org", pw).auth);
        assert!(old.kdf.is_none());
    }

    #[test]
    fn a_stretch_out_of_bounds_is_refused_before_any_work() {
        let weak = Kdf {
            memory_kib: 8,
            passes: 1,
            ..kdf(1)
        };
        let refused = from_password(Some(&weak), RELAY_A, "ann@example.org", "pw")
            .err()
            .expect("refused");
        assert!(refused.contains("memory"), "{refused}");
    }

    #[test]
    fn a_guessable_password_is_refused_with_what_to_do() {
        for (weak, why) in [
            ("password123", "common"),
            ("abcdefghijkl", "Sequences"),
            ("aaaaaaaaaaaa", "Repeats"),
        ] {
            assert!(
                weak.len() >= MIN_PASSWORD,
                "long enough: refused for its guessability"
            );
            let reason = check_password(weak, &[]).expect_err(weak);
            assert!(reason.contains(why), "{weak}: {reason}");
            assert!(
                reason.starts_with("this password is too easy to guess"),
                "{reason}"
            );
        }
        // What it knows of the person counts as guessed.
        assert!(check_password("ann.smith@example.org", &["ann.smith@example.org"]).is_err());
        assert!(check_password("a long enough password", &["ann@example.org"]).is_ok());
    }

    #[test]
    fn a_private_key_opens_with_its_wrapping_key_and_account_only() {
        let keys = keys(
            Some(&kdf(1)),
            RELAY_A,
            "ann@example.org",
            "correct horse battery",
        );
        let sealed = seal_private(&keys.wrap, "acct-1", b"private key bytes").expect("seal");
        assert_eq!(
            open_private(&keys.wrap, "acct-1", &sealed)
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"private key bytes"[..])
        );
        assert!(open_private(&keys.wrap, "acct-2", &sealed).is_none());
        let wrong = super::from_password(Some(&kdf(1)), RELAY_A, "ann@example.org", "wrong pw")
            .expect("keys");
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
        assert!(check_password("short", &[]).is_err());
        assert!(check_password(&"x".repeat(257), &[]).is_err());
        assert!(check_password("long enough now", &[]).is_ok());
    }
}
