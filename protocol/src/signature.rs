//! The two primitives every signed statement shares: the transcript a
//! signature covers (a label, then each part length-prefixed, so no two
//! statements read the same), and the strict Ed25519 check (RFC 8032,
//! through `ed25519-dalek`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};

/// A context label then each part with its length (u32, big-endian) ahead
/// of it: no two lists of parts give the same bytes.
pub(crate) fn transcript(label: &[u8], parts: &[&str]) -> Vec<u8> {
    let mut out = label.to_vec();
    for part in parts {
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Whether `sig` (base64url) is `identity`'s (base64url) strict Ed25519
/// signature of `message`: a malformed key or signature is simply not.
pub fn verifies(identity: &str, message: &[u8], sig: &str) -> bool {
    let key = URL_SAFE_NO_PAD
        .decode(identity)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok());
    match (key, sig) {
        // Strict: no small-order keys, no malleable signatures.
        (Some(key), Some(sig)) => !key.is_weak() && key.verify_strict(message, &sig).is_ok(),
        _ => false,
    }
}
