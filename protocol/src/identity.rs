//! Checking what an account's identity signed (Ed25519, RFC 8032, through
//! `ed25519-dalek`; docs/adr/0018): that an X25519 key is the account's,
//! that an envelope comes from the account it names, and that a change was
//! written by the account the relay names as its author. Both the relay
//! (to refuse a client's mistake early) and every device (which trusts
//! only what it checks here) call these; signing lives on the devices.

use crate::sealed::{
    binding_bytes, commitment_bytes, grant_bytes, Envelope, EpochCommitment, KeyName,
    PublicIdentity, Sealed, SignedGrant,
};
pub use crate::signature::verifies;
use crate::Change;

/// Whether `identity` signed `public_key` as its own.
pub fn binds_key(identity: &str, public_key: &str, binding: &str) -> bool {
    verifies(identity, &binding_bytes(public_key), binding)
}

/// Whether the identity signed this account's public key.
pub fn binds(who: &PublicIdentity) -> bool {
    binds_key(&who.identity, &who.public_key, &who.binding)
}

/// Whether `identity` (the patient's) signed this grant to `patient`'s
/// record.
pub fn signed_grant(identity: &str, patient: &str, g: &SignedGrant) -> bool {
    let message = grant_bytes(
        &g.share_id,
        patient,
        &g.clinician,
        &g.scopes,
        g.expires_at_ms,
    );
    verifies(identity, &message, &g.signature)
}

/// Whether `identity` (the beginner's) signed this commitment to an
/// epoch's key.
pub fn signed_commitment(
    identity: &str,
    space: &str,
    key: KeyName,
    epoch: u32,
    c: &EpochCommitment,
) -> bool {
    verifies(
        identity,
        &commitment_bytes(space, key, epoch, &c.commit, &c.begun_for),
        &c.sig,
    )
}

/// Whether `identity` (`author`'s) signed change `c`, whose value is
/// sealed: an unsealed value or one without a signature is not signed.
pub fn signed_change(identity: &str, author: &str, c: &Change) -> bool {
    Sealed::of(&c.value).is_some_and(|s| {
        s.sig
            .as_deref()
            .is_some_and(|sig| verifies(identity, &s.signed_bytes(c, author), sig))
    })
}

/// Whether `identity` signed this envelope.
pub fn signed_envelope(identity: &str, e: &Envelope) -> bool {
    verifies(identity, &e.signed_bytes(), &e.sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn b64(hex: &str) -> String {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// RFC 8032, section 7.1, TEST 2 (one-byte message 0x72): the
    /// signature checks, and no longer does with the message, key or
    /// signature changed by a bit.
    #[test]
    fn the_rfc_8032_test_vector_verifies_and_nothing_near_it_does() {
        let public = b64("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
        let sig = b64(concat!(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da",
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ));
        assert!(verifies(&public, &[0x72], &sig));
        assert!(!verifies(&public, &[0x73], &sig));
        let other = b64("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660d");
        assert!(!verifies(&other, &[0x72], &sig));
        let bent = b64(concat!(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da",
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c01"
        ));
        assert!(!verifies(&public, &[0x72], &bent));
        assert!(!verifies("not a key", &[0x72], &sig));
        assert!(!verifies(&public, &[0x72], "not a signature"));
        // The identity point (small order) signs nothing.
        let weak = b64("0100000000000000000000000000000000000000000000000000000000000000");
        let zero_sig = b64(&format!("01{}", "0".repeat(126)));
        assert!(!verifies(&weak, &[0x72], &zero_sig));
    }
}
