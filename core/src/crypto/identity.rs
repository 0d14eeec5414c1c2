//! An account's identity: an Ed25519 key (RFC 8032, `ed25519-dalek`)
//! that signs the account's X25519 key, every envelope the account wraps
//! and every change it writes, so a device takes a key, a reader's public
//! key or a change only when the account entitled to it signed it
//! (docs/adr/0018, 0019). It is derived from
//! the account's private key with HKDF-SHA256, so every device holding
//! that key (sealed on the relay under the password and the recovery code)
//! has the same identity without another secret to keep or move.

use super::b64;
use super::wrap::AccountKeyPair;
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use pph_protocol::kinds::Scope;
use pph_protocol::sealed::{
    binding_bytes, commitment_bytes, grant_bytes, Envelope, KeyName, PublicIdentity, Sealed,
};
use pph_protocol::Change;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The signing half of an account's identity, and the key its own devices
/// tag their changes with; neither leaves the device.
pub struct Identity(SigningKey, Zeroizing<[u8; 32]>);

type OwnMac = hmac_next::Hmac<sha2_next::Sha256>;

impl Identity {
    /// The identity of the account whose key pair this is.
    pub fn of(pair: &AccountKeyPair) -> Option<Identity> {
        let hk = Hkdf::<sha2_next::Sha256>::new(None, &pair.private_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(b"pph-identity-ed25519-v1", &mut seed[..]).ok()?;
        let mut own = Zeroizing::new([0u8; 32]);
        hk.expand(b"pph-own-changes-hmac-v1", &mut own[..]).ok()?;
        Some(Identity(SigningKey::from_bytes(&seed), own))
    }

    /// HMAC-SHA256 under the key only this account's devices hold.
    fn own_mac(&self, message: &[u8]) -> Option<OwnMac> {
        use hmac_next::{KeyInit, Mac};
        let mut mac = <OwnMac as KeyInit>::new_from_slice(&self.1[..]).ok()?;
        mac.update(message);
        Some(mac)
    }

    /// Whether one of this account's own devices wrote `c`, as `author`
    /// (this account): its tag checks under the key they alone hold, in
    /// constant time. A change without a tag is not, here; its signature
    /// may still say so.
    pub fn tagged_by_me(&self, author: &str, c: &Change) -> bool {
        use hmac_next::Mac;
        let Some(sealed) = Sealed::of(&c.value) else {
            return false;
        };
        let Some(tag) = sealed.mac.as_deref().and_then(super::unb64) else {
            return false;
        };
        self.own_mac(&sealed.signed_bytes(c, author))
            .is_some_and(|mac| mac.verify_slice(&tag).is_ok())
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
    /// its beginner, with the identities it is begun for
    /// ([`commitment_bytes`]), base64url.
    pub fn sign_commitment(
        &self,
        space: &str,
        key: KeyName,
        epoch: u32,
        commit: &str,
        begun_for: &[String],
    ) -> String {
        b64(&self
            .0
            .sign(&commitment_bytes(space, key, epoch, commit, begun_for))
            .to_bytes())
    }

    /// Signs `change`, whose value is sealed, as written by `author`
    /// ([`Sealed::signed_bytes`]), and tags it for this account's own
    /// devices; None if its value is not sealed.
    pub fn sign_change(&self, author: &str, mut change: Change) -> Option<Change> {
        use hmac_next::Mac;
        let mut sealed = Sealed::of(&change.value)?;
        let message = sealed.signed_bytes(&change, author);
        sealed.sig = Some(b64(&self.0.sign(&message).to_bytes()));
        sealed.mac = Some(b64(&self.own_mac(&message)?.finalize().into_bytes()));
        change.value = sealed.into_value();
        Some(change)
    }

    /// This identity's signature of `message`, base64url: for what its
    /// caller spells (an admission to a group, an invite).
    pub fn sign_bytes(&self, message: &[u8]) -> String {
        b64(&self.0.sign(message).to_bytes())
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

    /// A change signed by its writer checks against their identity alone,
    /// as written by them alone, and no longer once any clear part of it or
    /// its seal moves; an unsigned or unsealed change checks nowhere.
    #[test]
    fn a_signed_change_checks_only_as_its_writers_and_only_as_it_was() {
        use pph_protocol::identity::signed_change;
        use pph_protocol::Hlc;
        let pair = AccountKeyPair::generate();
        let me = Identity::of(&pair).expect("identity");
        let other = Identity::of(&AccountKeyPair::generate()).expect("identity");
        let plain = Change {
            change_id: "c1".into(),
            space: "s".into(),
            entity_type: pph_protocol::kinds::GROUP_MESSAGE.into(),
            entity_id: "m1".into(),
            field: "body".into(),
            value: serde_json::json!("hello"),
            hlc: Hlc {
                wall_ms: 1,
                counter: 0,
                node: "n".into(),
            },
        };
        let sealed =
            super::super::seal::seal(&plain, KeyName::Group, 1, &Key32::random()).expect("seal");
        assert!(me.sign_change("ann", plain.clone()).is_none(), "unsealed");
        let signed = me.sign_change("ann", sealed.clone()).expect("sign");
        let (mine, theirs) = (me.public_b64(), other.public_b64());
        assert!(signed_change(&mine, "ann", &signed));
        assert!(!signed_change(&theirs, "ann", &signed));
        // Tagged for Ann's own devices: their key checks it, no one else's,
        // and only as hers.
        let same =
            Identity::of(&AccountKeyPair::from_private(&pair.private_bytes()).expect("pair"))
                .expect("identity");
        assert!(same.tagged_by_me("ann", &signed));
        assert!(!other.tagged_by_me("ann", &signed));
        assert!(!me.tagged_by_me("bob", &signed));
        assert!(!me.tagged_by_me("ann", &sealed), "untagged");
        assert!(!signed_change(&mine, "bob", &signed), "another writer");
        assert!(!signed_change(&mine, "ann", &sealed), "unsigned");
        assert!(!signed_change(&mine, "ann", &plain), "unsealed");
        // Signed again by another writer: only as theirs.
        let resigned = other.sign_change("bob", signed.clone()).expect("sign");
        assert!(signed_change(&theirs, "bob", &resigned));
        assert!(!signed_change(&mine, "ann", &resigned));
        let with_seal = |edit: &dyn Fn(&mut Sealed)| {
            let mut s = Sealed::of(&signed.value).expect("sealed");
            edit(&mut s);
            Change {
                value: s.into_value(),
                ..signed.clone()
            }
        };
        let moved = [
            Change {
                change_id: "c2".into(),
                ..signed.clone()
            },
            Change {
                space: "t".into(),
                ..signed.clone()
            },
            Change {
                entity_id: "m2".into(),
                ..signed.clone()
            },
            Change {
                field: "*".into(),
                ..signed.clone()
            },
            Change {
                hlc: Hlc {
                    counter: 1,
                    ..signed.hlc.clone()
                },
                ..signed.clone()
            },
            with_seal(&|s| s.epoch = 2),
            with_seal(&|s| {
                let first = if s.ct.starts_with('A') { "B" } else { "A" };
                s.ct = format!("{first}{}", &s.ct[1..]);
            }),
            with_seal(&|s| s.refs.parent = Some("m0".into())),
        ];
        for m in moved {
            assert!(!signed_change(&mine, "ann", &m), "{m:?}");
            assert!(!me.tagged_by_me("ann", &m), "{m:?}");
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
