//! An account's identity: an Ed25519 key (RFC 8032, `ed25519-dalek`)
//! that signs the account's X25519 key and every envelope the account
//! wraps, so a device takes a key, or a reader's public key, only when the
//! account entitled to it signed it (docs/adr/0018). It is derived from
//! the account's private key with HKDF-SHA256, so every device holding
//! that key (sealed on the relay under the password and the recovery code)
//! has the same identity without another secret to keep or move.

use super::b64;
use super::wrap::AccountKeyPair;
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use pph_protocol::kinds::Scope;
use pph_protocol::sealed::{
    binding_bytes, commitment_bytes, grant_bytes, Envelope, KeyName, PublicIdentity,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The signing half of an account's identity; never leaves the device.
pub struct Identity(SigningKey);

impl Identity {
    /// The identity of the account whose key pair this is.
    pub fn of(pair: &AccountKeyPair) -> Option<Identity> {
        let hk = Hkdf::<sha2_next::Sha256>::new(None, &pair.private_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(b"pph-identity-ed25519-v1", &mut seed[..]).ok()?;
        Some(Identity(SigningKey::from_bytes(&seed)))
    }

    /// The public identity, base64url: what others pin and compare.
    pub fn public_b64(&self) -> String {
        b64(self.0.verifying_key().as_bytes())
    }

    /// The signature that binds `public_key` to this identity, base64url.
    pub fn bind(&self, public_key: &str) -> String {
        b64(&self.0.sign(&binding_bytes(public_key)).to_bytes())
    }

    /// `pair`'s account as others see it: this identity, its public key
    /// and the binding between them.
    pub fn public(&self, account_id: &str, pair: &AccountKeyPair) -> PublicIdentity {
        PublicIdentity {
            account_id: account_id.to_owned(),
            public_key: pair.public_b64(),
            identity: self.public_b64(),
            binding: self.bind(&pair.public_b64()),
        }
    }

    /// The signature of a grant of `patient`'s record to `clinician`
    /// ([`grant_bytes`]), base64url.
    pub fn sign_grant(
        &self,
        share_id: &str,
        patient: &str,
        clinician: &str,
        scopes: &[Scope],
        expires_at_ms: i64,
    ) -> String {
        let message = grant_bytes(share_id, patient, clinician, scopes, expires_at_ms);
        b64(&self.0.sign(&message).to_bytes())
    }

    /// The signature of this account's commitment to an epoch's key, as
    /// its beginner ([`commitment_bytes`]), base64url.
    pub fn sign_commitment(&self, space: &str, key: KeyName, epoch: u32, commit: &str) -> String {
        b64(&self
            .0
            .sign(&commitment_bytes(space, key, epoch, commit))
            .to_bytes())
    }

    /// Signs `envelope` as sent by `from`.
    pub fn sign(&self, from: &str, envelope: &mut Envelope) {
        envelope.from = from.to_owned();
        envelope.sig = b64(&self.0.sign(&envelope.signed_bytes()).to_bytes());
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(..)")
    }
}

/// One side's half of a safety number: 30 digits from a SHA-256 of its
/// account and identity, in six groups of five.
fn half(account_id: &str, identity: &str) -> Vec<String> {
    let mut h = Sha256::new();
    h.update(b"pph-safety-number-v1");
    for part in [account_id, identity] {
        h.update(u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    digest
        .chunks(5)
        .take(6)
        .map(|c| {
            let n = c.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
            format!("{:05}", n % 100_000)
        })
        .collect()
}

/// The number two people compare to know they see each other's real
/// identities: 60 digits in twelve groups, the same on both sides (the
/// halves in a fixed order), different if either identity differs.
pub fn safety_number(a: (&str, &str), b: (&str, &str)) -> String {
    let (x, y) = (half(a.0, a.1), half(b.0, b.1));
    let (first, second) = if x <= y { (x, y) } else { (y, x) };
    [first, second].concat().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::wrap::wrap;
    use crate::crypto::Key32;
    use pph_protocol::identity::{binds, signed_envelope};

    #[test]
    fn an_identity_is_the_same_on_every_device_and_signs_what_it_says() {
        let pair = AccountKeyPair::generate();
        let same = AccountKeyPair::from_private(&pair.private_bytes()).expect("pair");
        let me = Identity::of(&pair).expect("identity");
        assert_eq!(
            me.public_b64(),
            Identity::of(&same).expect("id").public_b64()
        );
        let other = Identity::of(&AccountKeyPair::generate()).expect("identity");
        assert_ne!(me.public_b64(), other.public_b64());

        let who = me.public("ann", &pair);
        assert!(binds(&who));
        let swapped_key = AccountKeyPair::generate().public_b64();
        for bad in [
            PublicIdentity {
                public_key: swapped_key.clone(),
                ..who.clone()
            },
            PublicIdentity {
                identity: other.public_b64(),
                ..who.clone()
            },
            PublicIdentity {
                binding: other.bind(&swapped_key),
                ..who.clone()
            },
        ] {
            assert!(!binds(&bad));
        }

        let mut e = wrap(
            &Key32::random(),
            "s",
            KeyName::Diary,
            2,
            "bob",
            &pair.public_b64(),
        )
        .expect("wrap");
        me.sign("ann", &mut e);
        assert_eq!(e.from, "ann");
        assert!(signed_envelope(&me.public_b64(), &e));
        assert!(!signed_envelope(&other.public_b64(), &e));
        for moved in [
            Envelope {
                epoch: 3,
                ..e.clone()
            },
            Envelope {
                recipient: "cat".into(),
                ..e.clone()
            },
            Envelope {
                from: "cat".into(),
                ..e.clone()
            },
            Envelope {
                ct: "AAAA".into(),
                ..e.clone()
            },
            Envelope {
                key: KeyName::Budget,
                ..e.clone()
            },
        ] {
            assert!(!signed_envelope(&me.public_b64(), &moved));
        }
    }

    #[test]
    fn a_safety_number_is_the_same_both_ways_and_changes_with_either_identity() {
        let n = safety_number(("ann", "id-a"), ("bob", "id-b"));
        assert_eq!(n, safety_number(("bob", "id-b"), ("ann", "id-a")));
        assert_eq!(n.split(' ').count(), 12);
        assert!(n
            .split(' ')
            .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())));
        assert_ne!(n, safety_number(("ann", "id-a"), ("bob", "id-x")));
        assert_ne!(n, safety_number(("ann", "id-x"), ("bob", "id-b")));
        assert_ne!(n, safety_number(("ann", "id-a"), ("cat", "id-b")));
    }
}
