//! An invite's key (docs/adr/0020): an Ed25519 key derived with HKDF-SHA256
//! from the secret half of an invite code, drawn on the facilitator's
//! device, salted with the group's id (so a relay searching for secrets
//! tests each guess against one group's verifiers only). The relay never
//! sees the secret, only the key's public half (the invite's verifier), so
//! it cannot sign an admission to the group.

use super::b64;
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use pph_protocol::admission::{CODE_ALPHABET, SECRET_HALF};
use zeroize::Zeroizing;

/// The signing key a code's secret half gives; never leaves the device.
pub struct InviteKey(SigningKey);

/// A new secret half: `SECRET_HALF` characters of the code alphabet.
pub fn new_secret() -> Zeroizing<String> {
    Zeroizing::new(
        (0..SECRET_HALF)
            .map(|_| char::from(CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())]))
            .collect(),
    )
}

impl InviteKey {
    /// The key of `secret` (the code's secret half, as drawn or as typed
    /// and normalised) for the group `space`; None if it is not one.
    pub fn of(secret: &str, space: &str) -> Option<InviteKey> {
        let ok = secret.len() == SECRET_HALF && secret.bytes().all(|b| CODE_ALPHABET.contains(&b));
        if !ok {
            return None;
        }
        let hk = Hkdf::<sha2_next::Sha256>::new(Some(space.as_bytes()), secret.as_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(b"pph-invite-key-v1", &mut seed[..]).ok()?;
        Some(InviteKey(SigningKey::from_bytes(&seed)))
    }

    /// The invite's verifier, base64url.
    pub fn verifier(&self) -> String {
        b64(self.0.verifying_key().as_bytes())
    }

    /// This key's signature of `message`, base64url.
    pub fn sign(&self, message: &[u8]) -> String {
        b64(&self.0.sign(message).to_bytes())
    }
}

impl std::fmt::Debug for InviteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InviteKey(..)")
    }
}
