//! End-to-end encryption of synced values (docs/SECURITY.md), from
//! well-kept crates only: XChaCha20-Poly1305 seals values (`seal`), HPKE
//! (RFC 9180) wraps data keys to accounts (`wrap`), Argon2id and HKDF turn
//! the password or the recovery code into keys (`password`). Secrets live
//! in `Zeroizing` buffers and have no `Debug` that shows them. Public for
//! the benchmarks only; the shells never call it.

pub mod identity;
pub mod invite;
pub mod pad;
pub mod password;
pub mod seal;
pub mod strength;
pub mod wrap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use zeroize::Zeroizing;

/// A 32-byte symmetric key: a data key's epoch, or a wrapping key.
#[derive(Clone)]
pub struct Key32(Zeroizing<[u8; 32]>);

impl Key32 {
    pub fn random() -> Key32 {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::fill(&mut k[..]);
        Key32(k)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Key32> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(Key32(Zeroizing::new(array)))
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key32(..)")
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Why something sealed could not be opened. Says nothing of the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// No key for this space, key and epoch on this device (yet).
    NoKey,
    /// Altered, moved to another record, field or space, or not ours.
    Refused,
}
