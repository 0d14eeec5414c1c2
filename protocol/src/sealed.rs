//! End-to-end encryption on the wire (docs/SECURITY.md): a change's value
//! travels and rests on the relay sealed under a data key of its space, and
//! keys reach accounts as envelopes wrapped to their public keys. This
//! module is the format both sides read; the relay reads only what is in
//! the clear here (which key, which epoch, and the ids it routes by), the
//! cryptography lives in the core.

use crate::admission::Admission;
use crate::authz::{parent_of, party_of, WHOLE_RECORD};
use crate::ids::is_canonical;
use crate::kinds::{self, Scope, SpaceKind};
use crate::signature::transcript;
use crate::Change;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A space's data keys: one per share scope in a personal space (so that a
/// clinician can be given exactly the scopes shared with them), one for
/// what is never shared, and one per group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyName {
    /// A personal space's kinds in no share scope (reminder rules and
    /// settings): read by the person's own devices only.
    Private,
    CarePlan,
    Diary,
    Questionnaires,
    Budget,
    /// A group space's one key, read by its members.
    Group,
}

impl KeyName {
    pub const PERSONAL: [KeyName; 5] = [
        KeyName::Private,
        KeyName::CarePlan,
        KeyName::Diary,
        KeyName::Questionnaires,
        KeyName::Budget,
    ];

    /// The key a scope's kinds are sealed under.
    pub fn of_scope(scope: Scope) -> KeyName {
        match scope {
            Scope::CarePlan => KeyName::CarePlan,
            Scope::Diary => KeyName::Diary,
            Scope::Questionnaires => KeyName::Questionnaires,
            Scope::Budget => KeyName::Budget,
        }
    }

    /// The key a kind's values are sealed under, from the authorisation
    /// table; None for a kind it does not know.
    pub fn for_kind(kind: &str) -> Option<KeyName> {
        let rule = kinds::rule(kind)?;
        Some(match rule.space {
            SpaceKind::Group => KeyName::Group,
            SpaceKind::Personal => rule.scope.map_or(KeyName::Private, KeyName::of_scope),
        })
    }

    /// The keys a space of this kind has.
    pub fn of_space(kind: SpaceKind) -> &'static [KeyName] {
        match kind {
            SpaceKind::Personal => &KeyName::PERSONAL,
            SpaceKind::Group => &[KeyName::Group],
        }
    }

    pub fn code(self) -> String {
        crate::codes::code(&self)
    }
}

/// The ids in a value the relay needs in the clear: the other party of a
/// record between two people (it serves such a record to them alone), the
/// record a child names (a hide's message, erased with it) and the member
/// a record is about (erased with their account). Clients
/// check them against the opened value, so a writer cannot lie about them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The member a record made by someone else is about (an attendance
    /// mark's), so it is erased with that member's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Refs {
    /// The refs a plaintext value carries.
    pub fn of_value(kind: &str, field: &str, value: &Value) -> Refs {
        let party = if field == WHOLE_RECORD {
            party_of(kind, value).map(str::to_owned)
        } else {
            None
        };
        let subject = kinds::rule(kind)
            .and_then(|r| r.subject_field)
            .and_then(|f| {
                if field == WHOLE_RECORD {
                    value.get(f)
                } else {
                    (field == f).then_some(value)
                }
            })
            .and_then(Value::as_str)
            .map(str::to_owned);
        Refs {
            party,
            parent: parent_of(kind, field, value).map(str::to_owned),
            subject,
        }
    }

    /// The refs of a change as the relay sees it: from the sealed value's
    /// clear part, or from a plaintext value.
    pub fn of_change(c: &Change) -> Refs {
        match Sealed::of(&c.value) {
            Some(sealed) => sealed.refs,
            None => Refs::of_value(&c.entity_type, &c.field, &c.value),
        }
    }
}

/// A sealed value: `{"sealed": {...}}` in place of the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub key: KeyName,
    pub epoch: u32,
    /// XChaCha20-Poly1305's 24-byte nonce, base64url without padding.
    pub nonce: String,
    /// The ciphertext with its tag, base64url without padding.
    pub ct: String,
    #[serde(flatten)]
    pub refs: Refs,
    /// Ed25519 by the writer's identity over [`Sealed::signed_bytes`],
    /// base64url: a device applies a change only signed by the account the
    /// relay names as its author, so neither the relay nor another key
    /// holder can show one person's words as another's (docs/adr/0019).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// HMAC-SHA256 over the same bytes under a key only the writer's own
    /// devices derive (from the account's private key), base64url: how
    /// those devices check a change of their own account's in about a
    /// microsecond, where an Ed25519 check costs some forty (docs/adr/0019).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

/// XChaCha20-Poly1305's nonce and tag, in bytes.
pub const NONCE_BYTES: usize = 24;
pub const TAG_BYTES: usize = 16;
/// An Ed25519 signature, in bytes.
pub const SIGNATURE_BYTES: usize = 64;
/// An HMAC-SHA256 tag, in bytes.
pub const MAC_BYTES: usize = 32;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapper {
    sealed: Sealed,
}

impl Sealed {
    /// The sealed value a change carries, if it carries one.
    pub fn of(value: &Value) -> Option<Sealed> {
        let object = value.as_object()?;
        if object.len() != 1 || !object.contains_key("sealed") {
            return None;
        }
        // Nothing beside the seal and its clear ids: a field of another
        // name would rest on the relay as it came, in the clear.
        const FIELDS: [&str; 9] = [
            "key", "epoch", "nonce", "ct", "party", "parent", "subject", "sig", "mac",
        ];
        let inner = object.get("sealed")?.as_object()?;
        if inner.keys().any(|k| !FIELDS.contains(&k.as_str())) {
            return None;
        }
        // Read in place: this runs for every change a relay takes in.
        Wrapper::deserialize(value).ok().map(|w| w.sealed)
    }

    /// The shape every replica and the relay insist on, whoever sealed it:
    /// a nonce of XChaCha20-Poly1305's 24 bytes and a ciphertext at least
    /// its 16-byte tag long, both base64url without padding, an epoch from
    /// 1, and clear ids in their canonical spelling (so no control
    /// character reaches a column). Returns the offending part's name,
    /// never its content.
    pub fn check(&self) -> Result<(), &'static str> {
        use base64::Engine;
        let bytes = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text);
        if bytes(&self.nonce).map(|n| n.len()).ok() != Some(NONCE_BYTES) {
            return Err("value.sealed.nonce");
        }
        if !bytes(&self.ct).is_ok_and(|ct| ct.len() >= TAG_BYTES) {
            return Err("value.sealed.ct");
        }
        if self.epoch == 0 {
            return Err("value.sealed.epoch");
        }
        // Ed25519's 64 bytes, when present (a device without an identity
        // signs nothing; the devices refuse what is unsigned).
        if self
            .sig
            .as_deref()
            .is_some_and(|sig| bytes(sig).map(|s| s.len()).ok() != Some(SIGNATURE_BYTES))
        {
            return Err("value.sealed.sig");
        }
        if self
            .mac
            .as_deref()
            .is_some_and(|mac| bytes(mac).map(|m| m.len()).ok() != Some(MAC_BYTES))
        {
            return Err("value.sealed.mac");
        }
        let ids = [
            ("value.sealed.party", &self.refs.party),
            ("value.sealed.parent", &self.refs.parent),
            ("value.sealed.subject", &self.refs.subject),
        ];
        match ids
            .iter()
            .find(|(_, id)| id.as_deref().is_some_and(|id| !is_canonical(id)))
        {
            Some((name, _)) => Err(name),
            None => Ok(()),
        }
    }

    /// What `author` signs of `c`, whose value this is: every clear field
    /// of the change and of the seal but the signature and the tag, and the author's
    /// account. The ciphertext binds the rest (the associated data), so a
    /// signature moved to another change, writer or value checks nowhere.
    pub fn signed_bytes(&self, c: &Change, author: &str) -> Vec<u8> {
        let none = String::new;
        let (epoch, wall, counter) = (
            self.epoch.to_string(),
            c.hlc.wall_ms.to_string(),
            c.hlc.counter.to_string(),
        );
        transcript(
            b"pph-change-signature-v1",
            &[
                author,
                &c.change_id,
                &c.space,
                &c.entity_type,
                &c.entity_id,
                &c.field,
                &wall,
                &counter,
                &c.hlc.node,
                &self.key.code(),
                &epoch,
                &self.nonce,
                &self.ct,
                &self.refs.party.clone().unwrap_or_else(none),
                &self.refs.parent.clone().unwrap_or_else(none),
                &self.refs.subject.clone().unwrap_or_else(none),
            ],
        )
    }

    /// The value to put in a change.
    pub fn into_value(self) -> Value {
        serde_json::to_value(Wrapper { sealed: self }).unwrap_or(Value::Null)
    }
}

/// A data key's epoch wrapped to one account's public key with HPKE
/// (base mode, X25519-HKDF-SHA256, ChaCha20-Poly1305).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub space: String,
    pub key: KeyName,
    pub epoch: u32,
    /// The account it is wrapped to.
    pub recipient: String,
    /// HPKE's encapsulated key, base64url.
    pub enc: String,
    /// The wrapped key, base64url.
    pub ct: String,
    /// The account that wrapped it, which the relay insists is the one
    /// that posted it.
    #[serde(default)]
    pub from: String,
    /// Ed25519 by `from`'s identity over [`Envelope::signed_bytes`],
    /// base64url: a device takes the key only from someone entitled to give
    /// it, never from the relay alone (docs/SECURITY.md).
    #[serde(default)]
    pub sig: String,
}

impl Envelope {
    /// Whether this envelope carries the epoch `at` names.
    pub fn is_for(&self, at: &EpochRef) -> bool {
        (self.space.as_str(), self.key, self.epoch) == (at.space.as_str(), at.key, at.epoch)
    }

    /// What its sender signs: every field but the signature.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let epoch = self.epoch.to_string();
        transcript(
            b"pph-envelope-signature-v1",
            &[
                &self.space,
                &self.key.code(),
                &epoch,
                &self.recipient,
                &self.enc,
                &self.ct,
                &self.from,
            ],
        )
    }
}

/// What an account's identity signs to say "this X25519 key is mine" (so a
/// relay cannot serve another key under it). Not the account's id: a new
/// account signs it before the relay has given it one; a device refuses
/// one identity served for two accounts instead (`trust.rs`).
pub fn binding_bytes(public_key: &str) -> Vec<u8> {
    transcript(b"pph-account-key-binding-v1", &[public_key])
}

/// What a patient's identity signs to grant a share: its id, the patient,
/// the clinician, the scopes (their codes, sorted) and the end. A device
/// wraps a personal space's keys to a clinician only under a grant its own
/// identity signed, so a share the relay adds names no reader.
pub fn grant_bytes(
    share_id: &str,
    patient: &str,
    clinician: &str,
    scopes: &[Scope],
    expires_at_ms: i64,
) -> Vec<u8> {
    let mut codes: Vec<String> = scopes.iter().map(crate::codes::code).collect();
    codes.sort_unstable();
    codes.dedup();
    let (scopes, expires) = (codes.join(","), expires_at_ms.to_string());
    transcript(
        b"pph-share-grant-v1",
        &[share_id, patient, clinician, &scopes, &expires],
    )
}

/// Envelopes to store; `creates` names the epochs this post begins (a
/// space's first key, or a rotation), which the relay refuses with
/// `conflict` if another device began them first, and `commitments` the
/// beginner's word on each begun epoch's key.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PutEnvelopesRequest {
    pub envelopes: Vec<Envelope>,
    #[serde(default)]
    pub creates: Vec<EpochRef>,
    #[serde(default)]
    pub commitments: Vec<Commitment>,
}

/// Envelopes addressed to this account that its device refused (a key
/// that is not the one committed to, or that does not open), to drop: the
/// epoch's other holders then give it again.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DiscardEnvelopesRequest {
    pub envelopes: Vec<EpochRef>,
}

/// A begun epoch's key committed to by its beginner: [`key_commit`] of the
/// key, signed by the beginner's identity over [`commitment_bytes`]. Every
/// recipient checks the key it unwraps against it, so a holder cannot hand
/// a newcomer another key for the epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub space: String,
    pub key: KeyName,
    pub epoch: u32,
    pub commit: String,
    pub sig: String,
    /// The identities the epoch is begun for (those its envelopes in the
    /// same request are wrapped to), sorted, signed with the commitment.
    #[serde(default)]
    pub begun_for: Vec<String>,
}

/// An epoch's commitment as the relay serves it, with who began the epoch
/// (`departed` once that account is deleted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochCommitment {
    pub began_by: String,
    pub commit: String,
    pub sig: String,
    /// The identities it was begun for, as its beginner signed them: who
    /// may hold it, which a relay cannot take anyone off (docs/adr/0021).
    #[serde(default)]
    pub begun_for: Vec<String>,
}

/// The hash an epoch's beginner commits to: SHA-256 of where the key
/// belongs and the key itself, base64url.
pub fn key_commit(space: &str, key: KeyName, epoch: u32, secret: &[u8]) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let epoch = epoch.to_string();
    let mut h = Sha256::new();
    h.update(transcript(
        b"pph-epoch-key-v1",
        &[space, &key.code(), &epoch],
    ));
    h.update(secret);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// What an epoch's beginner signs: the epoch, the commitment to its key,
/// and the identities it is begun for.
pub fn commitment_bytes(
    space: &str,
    key: KeyName,
    epoch: u32,
    commit: &str,
    begun_for: &[String],
) -> Vec<u8> {
    let (key, epoch) = (key.code(), epoch.to_string());
    let mut parts = vec![space, key.as_str(), epoch.as_str(), commit];
    parts.extend(begun_for.iter().map(String::as_str));
    transcript(b"pph-epoch-commitment-v2", &parts)
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EpochRef {
    pub space: String,
    pub key: KeyName,
    pub epoch: u32,
}

/// Who holds a key's epoch: the accounts it was wrapped to, and the
/// commitment its beginner made to its key (None for an epoch begun before
/// commitments).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochRecipients {
    pub key: KeyName,
    pub epoch: u32,
    pub recipients: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<EpochCommitment>,
}

/// An account that may read some of a space's keys now, with its public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    pub account_id: String,
    /// X25519, base64url; None for an account that has none yet.
    pub public_key: Option<String>,
    pub keys: Vec<KeyName>,
}

/// A space this account keeps keys for: what was wrapped to whom, and who
/// may read which key now. A device rotates a key whose current epoch
/// reached someone no longer among its readers, and wraps every epoch to a
/// reader who lacks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceKeys {
    pub space: String,
    pub kind: SpaceKind,
    pub epochs: Vec<EpochRecipients>,
    pub readers: Vec<Reader>,
    /// For the account's own personal space: the grants in force that name
    /// its clinician readers, with the signatures its devices made. A
    /// device takes a clinician reader only under one its identity signed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<SignedGrant>,
    /// For a group: its members' admissions as the relay keeps them. A
    /// device takes a reader as a member only through one that roots where
    /// its own account's does (`admission::root`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admissions: Vec<Admission>,
}

/// A grant as its patient's device signed it ([`grant_bytes`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedGrant {
    pub share_id: String,
    pub clinician: String,
    pub scopes: Vec<Scope>,
    pub expires_at_ms: i64,
    pub signature: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysResponse {
    /// Every envelope wrapped to this account.
    pub envelopes: Vec<Envelope>,
    /// The spaces this account is a member of (its own personal space, its
    /// groups).
    pub spaces: Vec<SpaceKeys>,
    /// The identities of the readers named in `spaces` and of the senders
    /// of `envelopes`, as the relay has them: a device pins each the first
    /// time it sees it and trusts none it cannot check.
    #[serde(default)]
    pub identities: Vec<PublicIdentity>,
}

/// An account's identity (Ed25519, base64url) and its X25519 public key,
/// bound by the identity's signature over [`binding_bytes`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicIdentity {
    pub account_id: String,
    pub public_key: String,
    pub identity: String,
    pub binding: String,
}

/// An account's key pair as the relay keeps it: the public key, and the
/// private key sealed twice on the device, under the password's wrapping
/// key and under the recovery code's, neither of which the relay sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountKeys {
    pub public_key: String,
    /// `nonce.ciphertext`, base64url, under the password's wrapping key.
    pub by_password: String,
    /// The same under the recovery code's wrapping key.
    pub by_recovery: String,
    /// The account's identity (Ed25519, base64url), derived on the device
    /// from its private key; it never changes once the relay has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The identity's signature over [`binding_bytes`] of `public_key`,
    /// base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_round_trips_and_a_record_is_not_one() {
        let sealed = Sealed {
            key: KeyName::Diary,
            epoch: 2,
            nonce: "n".into(),
            ct: "c".into(),
            refs: Refs {
                party: Some("p".into()),
                ..Refs::default()
            },
            sig: Some("s".into()),
            mac: Some("m".into()),
        };
        let value = sealed.clone().into_value();
        assert_eq!(value["sealed"]["party"], "p");
        assert_eq!(Sealed::of(&value), Some(sealed));
        let record = serde_json::json!({"id": "x", "sealed": {"key": "diary"}});
        assert_eq!(Sealed::of(&record), None);
        assert_eq!(Sealed::of(&serde_json::json!("text")), None);
        // A field beside the seal would rest on the relay in the clear.
        let mut extra = value.clone();
        extra["sealed"]["note"] = serde_json::json!("in the clear");
        assert_eq!(Sealed::of(&extra), None);
    }

    #[test]
    fn each_kind_has_the_key_of_its_scope() {
        assert_eq!(
            KeyName::for_kind(kinds::GROUP_MESSAGE),
            Some(KeyName::Group)
        );
        for scope in Scope::ALL {
            for kind in scope.kinds() {
                assert_eq!(KeyName::for_kind(kind), Some(KeyName::of_scope(scope)));
            }
        }
        assert_eq!(KeyName::for_kind("no such kind"), None);
    }

    #[test]
    fn a_malformed_seal_or_an_odd_clear_id_is_named_by_its_part() {
        let id = crate::ids::owned_id("ann", &["a test"]);
        let good = Sealed {
            key: KeyName::Group,
            epoch: 1,
            nonce: "A".repeat(32),
            ct: "A".repeat(22),
            refs: Refs {
                party: Some(id.clone()),
                ..Refs::default()
            },
            sig: Some("A".repeat(86)),
            mac: Some("A".repeat(43)),
        };
        assert_eq!(good.check(), Ok(()));
        let bad = |edit: &dyn Fn(&mut Sealed)| {
            let mut s = good.clone();
            edit(&mut s);
            s.check()
        };
        assert_eq!(
            bad(&|s| s.sig = None),
            Ok(()),
            "unsigned: the devices refuse it"
        );
        let nonce = Err("value.sealed.nonce");
        assert_eq!(bad(&|s| s.nonce = "A".repeat(31)), nonce);
        assert_eq!(bad(&|s| s.nonce = "A".repeat(30)), nonce, "22 bytes");
        assert_eq!(bad(&|s| s.nonce = format!("{}==", "A".repeat(30))), nonce);
        let ct = Err("value.sealed.ct");
        assert_eq!(bad(&|s| s.ct = String::new()), ct);
        assert_eq!(
            bad(&|s| s.ct = "B".repeat(20)),
            ct,
            "15 bytes: shorter than a tag"
        );
        assert_eq!(bad(&|s| s.ct = "B+/B".repeat(6)), ct, "not base64url");
        assert_eq!(bad(&|s| s.epoch = 0), Err("value.sealed.epoch"));
        let sig = Err("value.sealed.sig");
        assert_eq!(bad(&|s| s.sig = Some("A".repeat(84))), sig, "63 bytes");
        assert_eq!(bad(&|s| s.sig = Some(String::new())), sig);
        let mac = Err("value.sealed.mac");
        assert_eq!(bad(&|s| s.mac = Some("A".repeat(42))), mac, "31 bytes");
        let party = Err("value.sealed.party");
        assert_eq!(bad(&|s| s.refs.party = Some(format!("{id}\u{0}"))), party);
        assert_eq!(bad(&|s| s.refs.party = Some(id.to_uppercase())), party);
        let parent = Some("x".to_owned());
        assert_eq!(
            bad(&|s| s.refs.parent = parent.clone()),
            Err("value.sealed.parent")
        );
        let subject = Some(String::new());
        assert_eq!(
            bad(&|s| s.refs.subject = subject.clone()),
            Err("value.sealed.subject")
        );
    }
}
