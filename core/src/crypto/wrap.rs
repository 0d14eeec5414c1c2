//! Data keys wrapped to accounts with HPKE (RFC 9180, base mode,
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305). The
//! envelope binds where the key belongs (space, key, epoch, recipient), so
//! a relay cannot hand one space's key out as another's.

use super::{b64, unb64, Key32, OpenError};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use pph_protocol::sealed::{Envelope, KeyName};
use zeroize::Zeroizing;

type Suite = X25519HkdfSha256;
const INFO: &[u8] = b"pph-envelope-v1";

/// An account's key pair; the private half never leaves a device unsealed.
pub struct AccountKeyPair {
    private: <Suite as Kem>::PrivateKey,
    public: <Suite as Kem>::PublicKey,
}

impl AccountKeyPair {
    pub fn generate() -> AccountKeyPair {
        let (private, public) = Suite::gen_keypair();
        AccountKeyPair { private, public }
    }

    pub fn from_private(bytes: &[u8]) -> Option<AccountKeyPair> {
        let private = <Suite as Kem>::PrivateKey::from_bytes(bytes).ok()?;
        let public = Suite::sk_to_pk(&private);
        Some(AccountKeyPair { private, public })
    }

    pub fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.private.to_bytes().to_vec())
    }

    pub fn public_b64(&self) -> String {
        b64(&self.public.to_bytes())
    }

    /// Opens an envelope wrapped to this account.
    pub fn unwrap(&self, e: &Envelope) -> Result<Key32, OpenError> {
        let enc = unb64(&e.enc)
            .and_then(|b| <Suite as Kem>::EncappedKey::from_bytes(&b).ok())
            .ok_or(OpenError::Refused)?;
        let ct = unb64(&e.ct).ok_or(OpenError::Refused)?;
        let key = Zeroizing::new(
            hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Suite>(
                &OpModeR::Base,
                &self.private,
                &enc,
                INFO,
                &ct,
                &aad(&e.space, e.key, e.epoch, &e.recipient),
            )
            .map_err(|_| OpenError::Refused)?,
        );
        Key32::from_slice(&key).ok_or(OpenError::Refused)
    }
}

impl std::fmt::Debug for AccountKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountKeyPair(..)")
    }
}

fn aad(space: &str, key: KeyName, epoch: u32, recipient: &str) -> Vec<u8> {
    format!("{space}\0{}\0{epoch}\0{recipient}", key.code()).into_bytes()
}

/// `secret` (the epoch `epoch` of `space`'s key `key`) wrapped to
/// `recipient`'s public key, not yet signed (`Identity::sign`); None if
/// that key is not an X25519 key.
pub fn wrap(
    secret: &Key32,
    space: &str,
    key: KeyName,
    epoch: u32,
    recipient: &str,
    public_key: &str,
) -> Option<Envelope> {
    let public = <Suite as Kem>::PublicKey::from_bytes(&unb64(public_key)?).ok()?;
    let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Suite>(
        &OpModeS::Base,
        &public,
        INFO,
        secret.bytes(),
        &aad(space, key, epoch, recipient),
    )
    .ok()?;
    Some(Envelope {
        space: space.to_owned(),
        key,
        epoch,
        recipient: recipient.to_owned(),
        enc: b64(&enc.to_bytes()),
        ct: b64(&ct),
        from: String::new(),
        sig: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("hex")
    }

    /// RFC 9180, appendix A.2.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
    /// ChaCha20Poly1305, base mode), encryption sequence number 0: the
    /// suite the envelopes use opens the RFC's ciphertext to its plaintext.
    #[test]
    fn the_suite_passes_the_rfc_9180_test_vector() {
        let info = hex("4f6465206f6e2061204772656369616e2055726e");
        let sk_rm = hex("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb");
        let pk_rm = hex("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a");
        let enc = hex("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a");
        let pt = hex("4265617574792069732074727574682c20747275746820626561757479");
        let aad = hex("436f756e742d30");
        let ct = hex(concat!(
            "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db",
            "21993c62ce81883d2dd1b51a28"
        ));
        let private = <Suite as Kem>::PrivateKey::from_bytes(&sk_rm).expect("skRm");
        assert_eq!(Suite::sk_to_pk(&private).to_bytes().to_vec(), pk_rm);
        let enc = <Suite as Kem>::EncappedKey::from_bytes(&enc).expect("enc");
        let opened = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Suite>(
            &OpModeR::Base,
            &private,
            &enc,
            &info,
            &ct,
            &aad,
        )
        .expect("the RFC's ciphertext opens");
        assert_eq!(opened, pt);
    }

    #[test]
    fn an_envelope_opens_only_for_its_recipient_and_its_place() {
        let alice = AccountKeyPair::generate();
        let bob = AccountKeyPair::generate();
        let secret = Key32::random();
        let e = wrap(
            &secret,
            "s1",
            KeyName::Diary,
            3,
            "alice",
            &alice.public_b64(),
        )
        .expect("wrap");
        assert_eq!(alice.unwrap(&e).expect("opens").bytes(), secret.bytes());
        assert_eq!(bob.unwrap(&e).err(), Some(OpenError::Refused));
        let again = AccountKeyPair::from_private(&alice.private_bytes()).expect("pair");
        assert_eq!(again.public_b64(), alice.public_b64());
        for moved in [
            Envelope {
                space: "s2".into(),
                ..e.clone()
            },
            Envelope {
                key: KeyName::Budget,
                ..e.clone()
            },
            Envelope {
                epoch: 4,
                ..e.clone()
            },
            Envelope {
                recipient: "bob".into(),
                ..e.clone()
            },
        ] {
            assert_eq!(alice.unwrap(&moved).err(), Some(OpenError::Refused));
        }
        assert!(wrap(&secret, "s1", KeyName::Diary, 3, "x", "not a key").is_none());
    }
}
