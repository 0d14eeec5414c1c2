//! Whose keys this device trusts, decided without I/O from what the relay
//! serves and what this device pinned before (docs/adr/0018):
//!
//! - An identity is taken only with a binding it signed over the account's
//!   X25519 key; a key the relay swapped, without the identity's
//!   signature, is nobody's.
//! - The first identity seen for an account is pinned (trust on first
//!   use); a different one later is not trusted, but offered to the person
//!   with a warning, until they accept it.
//! - This account's own identity and key are this device's, never the
//!   relay's.
//! - An envelope is taken only signed by a trusted identity, and for this
//!   account's own personal space only from this account: a key of one's
//!   own diary never comes from anyone else, however the relay dresses it.
//! - A change is applied only signed by the pinned identity of the
//!   account the relay names as its writer (`signers`).

use pph_protocol::admission::{admission_key, chain, through_ended, Admission};
use pph_protocol::identity::{binds, signed_commitment, signed_envelope, signed_grant};
use pph_protocol::sealed::{
    key_commit, Envelope, EpochRecipients, KeyName, PublicIdentity, SignedGrant, SpaceKeys,
};

/// What the relay names an epoch's beginner once their account is deleted.
const DEPARTED: &str = "departed";
use std::collections::{BTreeMap, BTreeSet};

/// An identity pinned on this device, with one the relay now serves in its
/// place if it differs (waiting for the person to accept it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pin {
    pub identity: String,
    pub offered: Option<String>,
}

/// What this device makes of the identities served.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Trust {
    /// Accounts whose identity and public key are checked, by id.
    pub trusted: BTreeMap<String, PublicIdentity>,
    /// Identities seen for the first time, to pin.
    pub first_seen: Vec<(String, String)>,
    /// Accounts served with an identity other than the one pinned: the
    /// identity offered. Not trusted until accepted.
    pub changed: Vec<(String, String)>,
    /// Accounts served with no binding that checks, or with two
    /// identities at once.
    pub unchecked: Vec<String>,
}

/// Who may give each (space, key): in a space this account is a member
/// of, the readers of that key the relay names now; in a patient's space
/// shared with this clinician, the patient alone. A key from anyone else
/// (an account of the relay's own that no member list or share names) is
/// not taken, however well it is signed.
pub(crate) type Givers = BTreeMap<(String, KeyName), BTreeSet<String>>;

/// The clinicians a grant this account signed lets read its record now,
/// each with the keys of the scopes granted.
pub(crate) type Granted = BTreeMap<String, BTreeSet<KeyName>>;

/// A group's admissions as this device keeps them (`pins::kept_members`),
/// by `admission_key`: those it saw end, and those it takes now (account,
/// key); and the accounts whose admission it saw end.
#[derive(Debug, Default)]
pub(crate) struct KeptMembers {
    pub ended: BTreeSet<String>,
    pub current: BTreeSet<(String, String)>,
    pub left: BTreeSet<String>,
}

/// A group as this device takes it (`Trust::admitted`), and what to keep.
#[derive(Debug)]
pub(crate) struct Admitted {
    /// The group with only the readers admitted (and this account).
    pub space: SpaceKeys,
    /// The readers listed but not taken: an account the relay added, one
    /// it cannot show was admitted, one whose admission ended here.
    pub dropped: Vec<String>,
    /// Admissions kept as current whose member the relay no longer lists:
    /// ended now (by `admission_key`). Withheld for a while (an identity
    /// not served yet) is not ended: only unlisted is.
    pub ended: Vec<String>,
    /// Members taken now that were not kept before (account, key).
    pub new: Vec<(String, String)>,
    /// The readers dropped who were never members here (not one this
    /// device took, nor one it saw leave): an epoch that reached them is
    /// not turned over for that alone. Other members' devices may have
    /// taken them (they joined while this device was away, by a code it
    /// has since seen someone leave by), and a key this device begins
    /// without them would be refused by the relay while its current epoch
    /// reached them; no key goes to them from here either way.
    pub waived: BTreeSet<String>,
}

/// `Givers` from the spaces this account is a member of and, for each
/// patient's space shared with it, its owner.
pub(crate) fn givers(member_of: &[SpaceKeys], shared: &[(String, String)]) -> Givers {
    let mut givers = Givers::new();
    for space in member_of {
        for r in &space.readers {
            for key in &r.keys {
                givers
                    .entry((space.space.clone(), *key))
                    .or_default()
                    .insert(r.account_id.clone());
            }
        }
    }
    for (space, owner) in shared {
        for key in KeyName::PERSONAL {
            givers
                .entry((space.clone(), key))
                .or_default()
                .insert(owner.clone());
        }
    }
    givers
}

/// The identity each writer's changes must be signed by, by account: this
/// account's own, and each pinned one (the pin, not an identity offered in
/// its place: what a changed identity writes is not applied until the
/// person accepts the change).
pub(crate) fn signers(
    me: &PublicIdentity,
    pins: &BTreeMap<String, Pin>,
) -> BTreeMap<String, String> {
    let mut signers: BTreeMap<String, String> = pins
        .iter()
        .map(|(account, pin)| (account.clone(), pin.identity.clone()))
        .collect();
    signers.insert(me.account_id.clone(), me.identity.clone());
    signers
}

/// Judges `served` against `pins`; `me` is this account as this device
/// knows it.
pub(crate) fn judge(
    me: &PublicIdentity,
    pins: &BTreeMap<String, Pin>,
    served: &[PublicIdentity],
) -> Trust {
    let mut by_account: BTreeMap<&str, Vec<&PublicIdentity>> = BTreeMap::new();
    // Not this account, and not no account: the log writes this account
    // as '', so no identity is pinned for it.
    let others = served
        .iter()
        .filter(|w| w.account_id != me.account_id && !w.account_id.is_empty());
    for who in others {
        by_account.entry(&who.account_id).or_default().push(who);
    }
    // Which accounts each identity is claimed for: one identity is one
    // account (a binding does not name its account, so a relay could serve
    // one account's identity as another's).
    let mut claims: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let pinned = pins.iter().map(|(a, p)| (p.identity.as_str(), a.as_str()));
    let served_ids = served
        .iter()
        .map(|w| (w.identity.as_str(), w.account_id.as_str()));
    let mine = std::iter::once((me.identity.as_str(), me.account_id.as_str()));
    for (identity, account) in mine.chain(pinned).chain(served_ids) {
        claims.entry(identity).or_default().insert(account);
    }
    let mut trust = Trust::default();
    trust.trusted.insert(me.account_id.clone(), me.clone());
    for (account, seen) in by_account {
        let first = seen[0];
        let one = seen
            .iter()
            .all(|w| w.identity == first.identity && w.public_key == first.public_key);
        // An identity pinned for this account stays its own when another
        // account claims it later (the fifth attacker run: a member who
        // copied another's key and identity had every device stop trusting
        // them); a claim on one first seen is no one's.
        let pinned_here = pins
            .get(account)
            .is_some_and(|p| p.identity == first.identity);
        let own = pinned_here || claims.get(first.identity.as_str()).map_or(0, BTreeSet::len) == 1;
        if !one || !own || !binds(first) {
            trust.unchecked.push(account.to_owned());
            continue;
        }
        match pins.get(account) {
            Some(pin) if pin.identity == first.identity => {
                trust.trusted.insert(account.to_owned(), first.clone());
            }
            Some(_) => trust
                .changed
                .push((account.to_owned(), first.identity.clone())),
            None => {
                trust
                    .first_seen
                    .push((account.to_owned(), first.identity.clone()));
                trust.trusted.insert(account.to_owned(), first.clone());
            }
        }
    }
    trust
}

impl Trust {
    /// Whether to take `e`: wrapped to this account, signed by a trusted
    /// identity, from this account itself or from one entitled to give that
    /// key (`givers`); and a key of this account's own personal space from
    /// this account alone.
    pub fn accepts(&self, me: &str, personal_space: &str, givers: &Givers, e: &Envelope) -> bool {
        let entitled = if e.space == personal_space {
            e.from == me
        } else {
            e.from == me
                || givers
                    .get(&(e.space.clone(), e.key))
                    .is_some_and(|g| g.contains(&e.from))
        };
        e.recipient == me
            && entitled
            && self
                .trusted
                .get(&e.from)
                .is_some_and(|sender| signed_envelope(&sender.identity, e))
    }

    /// `space` with only the epochs this device can vouch for: one held
    /// here, or one whose commitment the trusted identity of the account
    /// named its beginner signed. A row the relay put in (no commitment, or
    /// one no trusted identity signed) is no epoch here: not followed (one
    /// at the end of the count left no epoch to turn over to: the fifteenth
    /// attacker run), not waited for, and no floor is set by it.
    pub fn vouched(&self, space: &SpaceKeys, held: &BTreeSet<(KeyName, u32)>) -> SpaceKeys {
        let mut space = space.clone();
        let id = space.space.clone();
        space.epochs.retain(|e| {
            held.contains(&(e.key, e.epoch))
                || e.commitment.as_ref().is_some_and(|c| {
                    self.trusted
                        .get(&c.began_by)
                        .is_some_and(|b| signed_commitment(&b.identity, &id, e.key, e.epoch, c))
                })
        });
        space
    }

    /// Whether `secret`, unwrapped from `e`, is the key its epoch's beginner
    /// committed to (`epochs`: its space's epochs as the relay serves
    /// them), the commitment signed by the beginner's trusted identity, or
    /// checked against the key alone once the beginner's account is gone.
    /// Asked of a group's key from another member: a holder cannot hand a
    /// newcomer another key for an epoch.
    pub fn committed(&self, epochs: &[EpochRecipients], e: &Envelope, secret: &[u8]) -> bool {
        let Some(c) = epochs
            .iter()
            .find(|x| x.key == e.key && x.epoch == e.epoch)
            .and_then(|x| x.commitment.as_ref())
        else {
            return false;
        };
        let signed = c.began_by == DEPARTED
            || self
                .trusted
                .get(&c.began_by)
                .is_some_and(|b| signed_commitment(&b.identity, &e.space, e.key, e.epoch, c));
        signed && key_commit(&e.space, e.key, e.epoch, secret) == c.commit
    }

    /// `space` as this account's own personal space may be read: each
    /// clinician reader keeps only the keys of scopes a grant in force at
    /// `now_ms` names with this account's signature, and that this device
    /// has not seen end (`ended`, by share id: a revocation is the relay's
    /// word, and a relay that clears one the device saw gets nothing); one
    /// with none is no reader (a share the relay added, or one from before
    /// signatures). Returns the space (its grants those in force) and the
    /// readers dropped.
    pub fn granted(
        &self,
        me: &str,
        space: &SpaceKeys,
        now_ms: i64,
        ended: &BTreeSet<String>,
    ) -> (SpaceKeys, Vec<String>) {
        let mut space = space.clone();
        let mut dropped = Vec::new();
        let Some(mine) = self.trusted.get(me) else {
            return (space, dropped);
        };
        space.grants.retain(|g| {
            g.expires_at_ms > now_ms
                && !ended.contains(&g.share_id)
                && signed_grant(&mine.identity, me, g)
        });
        let signed: Vec<&SignedGrant> = space.grants.iter().collect();
        space.readers.retain_mut(|r| {
            if r.account_id == me {
                return true;
            }
            let allowed: BTreeSet<KeyName> = signed
                .iter()
                .filter(|g| g.clinician == r.account_id)
                .flat_map(|g| g.scopes.iter().map(|s| KeyName::of_scope(*s)))
                .collect();
            r.keys.retain(|k| allowed.contains(k));
            if r.keys.is_empty() {
                dropped.push(r.account_id.clone());
            }
            !r.keys.is_empty()
        });
        (space, dropped)
    }

    /// `space`, a group, with only the readers this device can check are
    /// members (docs/adr/0020): this account, and each reader with an
    /// admission that names the identity trusted for them and roots,
    /// signature by signature, in the founder the group's id names; not
    /// one this device saw end (`kept`, or unlisted now), nor a new one
    /// that comes through one that ended before it comes through a member
    /// taken here (`through_ended`): an inviter removed, inviting still;
    /// or an invite someone who answered it left by (a removed member
    /// answering their code again as another account: the eleventh
    /// attacker run; revoking a code is the relay's word, so a departure
    /// ends the code here). A member taken here stands for everyone they
    /// let in, whoever let them in.
    pub fn admitted(&self, me: &str, space: &SpaceKeys, kept: &KeptMembers) -> Admitted {
        let listed = |account: &str| space.readers.iter().any(|r| r.account_id == account);
        // A departure seen now ends its admission before any newcomer is
        // judged, as one seen at an earlier sync would have.
        let ended_now: Vec<String> = kept
            .current
            .iter()
            .filter(|(account, _)| !listed(account))
            .map(|(_, key)| key.clone())
            .collect();
        let ended: BTreeSet<&str> = kept
            .ended
            .iter()
            .chain(&ended_now)
            .map(String::as_str)
            .collect();
        let taken: BTreeSet<&str> = kept
            .current
            .iter()
            .filter(|(account, _)| listed(account))
            .map(|(_, key)| key.as_str())
            .collect();
        let ended_invites: BTreeSet<&str> = ended
            .iter()
            .filter_map(|k| k.split_once(' ').map(|(_, verifier)| verifier))
            .collect();
        // A founding is taken (its founder is the id's), and this
        // account's own admission (a facilitator's device takes those they
        // let in); any other link by its key.
        let mine = self.trusted.get(me).map(|t| t.identity.as_str());
        let takes = |l: &Admission| {
            mine == Some(l.identity.as_str())
                || admission_key(l).is_none_or(|k| taken.contains(k.as_str()))
        };
        let ends = |l: &Admission| {
            admission_key(l).is_some_and(|k| ended.contains(k.as_str()))
                || l.via
                    .as_deref()
                    .is_some_and(|v| ended_invites.contains(v.verifier.as_str()))
        };
        let mut space = space.clone();
        let admission_of = |account: &str| {
            let identity = &self.trusted.get(account)?.identity;
            space
                .admissions
                .iter()
                .filter(|a| a.account_id == account && &a.identity == identity)
                .filter(|a| !admission_key(a).is_some_and(|k| ended.contains(k.as_str())))
                .find(|a| {
                    chain(&space.space, a).is_some_and(|links| !through_ended(&links, takes, ends))
                })
        };
        // Each member taken, with its admission's key, to keep; not a
        // founder's, which no removal ends (a group's founder is its id's).
        let mut members = Vec::new();
        let mut to_keep = Vec::new();
        for r in space.readers.iter().filter(|r| r.account_id != me) {
            if let Some(a) = admission_of(&r.account_id) {
                members.push(r.account_id.clone());
                if let Some(key) = admission_key(a) {
                    to_keep.push((r.account_id.clone(), key));
                }
            }
        }
        let mut dropped = Vec::new();
        space.readers.retain(|r| {
            let member = r.account_id == me || members.contains(&r.account_id);
            if !member {
                dropped.push(r.account_id.clone());
            }
            member
        });
        let waived = dropped
            .iter()
            .filter(|a| !kept.left.contains(*a) && !kept.current.iter().any(|(m, _)| m == *a))
            .cloned()
            .collect();
        Admitted {
            space,
            dropped,
            ended: ended_now,
            new: to_keep
                .into_iter()
                .filter(|m| !kept.current.contains(m))
                .collect(),
            waived,
        }
    }

    /// `space` with each reader's public key as checked here: a reader this
    /// device does not trust is left without one, and so waits, as one
    /// that has no key yet does, with nothing wrapped to it.
    pub fn checked_readers(&self, space: &SpaceKeys) -> SpaceKeys {
        let mut space = space.clone();
        for r in &mut space.readers {
            r.public_key = self
                .trusted
                .get(&r.account_id)
                .map(|t| t.public_key.clone());
        }
        space
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::identity::Identity;
    use crate::crypto::wrap::{wrap, AccountKeyPair};
    use crate::crypto::Key32;
    use pph_protocol::admission::{Admission, Invite};
    use pph_protocol::kinds::SpaceKind;
    use pph_protocol::sealed::{KeyName, Reader};

    struct Person {
        pair: AccountKeyPair,
        identity: Identity,
        public: PublicIdentity,
    }

    fn person(id: &str) -> Person {
        let pair = AccountKeyPair::generate();
        let identity = Identity::of(&pair).expect("identity");
        let public = identity.public(id, &pair);
        Person {
            pair,
            identity,
            public,
        }
    }

    fn pin(p: &Person) -> Pin {
        Pin {
            identity: p.public.identity.clone(),
            offered: None,
        }
    }

    fn envelope(to: &Person, from: &Person, space: &str) -> Envelope {
        let mut e = wrap(
            &Key32::random(),
            space,
            KeyName::Diary,
            2,
            &to.public.account_id,
            &to.pair.public_b64(),
        )
        .expect("wrap");
        from.identity.sign(&from.public.account_id, &mut e);
        e
    }

    #[test]
    fn identities_are_pinned_on_first_sight_and_a_change_is_held_back() {
        let (ann, bob, cat) = (person("ann"), person("bob"), person("cat"));
        let t = judge(
            &ann.public,
            &BTreeMap::new(),
            std::slice::from_ref(&bob.public),
        );
        assert_eq!(
            t.first_seen,
            vec![("bob".into(), bob.public.identity.clone())]
        );
        assert!(t.trusted.contains_key("bob") && t.trusted.contains_key("ann"));

        let pins = BTreeMap::from([("bob".to_owned(), pin(&bob))]);
        let t = judge(&ann.public, &pins, std::slice::from_ref(&bob.public));
        assert!(t.first_seen.is_empty() && t.changed.is_empty());
        assert_eq!(t.trusted.get("bob"), Some(&bob.public));

        // Bob's account served with Cat's identity, properly bound: a
        // change, not trusted until Ann accepts it.
        let new_bob = PublicIdentity {
            account_id: "bob".into(),
            binding: cat.public.binding.clone(),
            ..cat.public.clone()
        };
        let t = judge(&ann.public, &pins, &[new_bob]);
        assert_eq!(t.changed, vec![("bob".into(), cat.public.identity.clone())]);
        assert!(!t.trusted.contains_key("bob"));
    }

    #[test]
    fn a_key_swapped_without_its_identity_two_identities_or_my_own_are_not_taken() {
        let (ann, bob, cat) = (person("ann"), person("bob"), person("cat"));
        let swapped = PublicIdentity {
            public_key: cat.public.public_key.clone(),
            ..bob.public.clone()
        };
        let t = judge(&ann.public, &BTreeMap::new(), &[swapped]);
        assert_eq!(t.unchecked, vec!["bob".to_owned()]);
        assert!(!t.trusted.contains_key("bob") && t.first_seen.is_empty());

        let other_bob = PublicIdentity {
            account_id: "bob".into(),
            binding: cat.public.binding.clone(),
            ..cat.public.clone()
        };
        let t = judge(
            &ann.public,
            &BTreeMap::new(),
            &[bob.public.clone(), other_bob],
        );
        assert_eq!(t.unchecked, vec!["bob".to_owned()]);

        let fake_me = PublicIdentity {
            account_id: "ann".into(),
            binding: cat.public.binding.clone(),
            ..cat.public.clone()
        };
        let t = judge(&ann.public, &BTreeMap::new(), &[fake_me]);
        assert_eq!(t.trusted.get("ann"), Some(&ann.public));

        // One identity served as two accounts' (or as mine), or served for
        // another account than the one it is pinned for, is neither's.
        let bob_as_dan = PublicIdentity {
            account_id: "dan".into(),
            ..bob.public.clone()
        };
        let t = judge(
            &ann.public,
            &BTreeMap::new(),
            &[bob.public.clone(), bob_as_dan.clone()],
        );
        assert_eq!(t.unchecked, vec!["bob".to_owned(), "dan".to_owned()]);
        let pins = BTreeMap::from([("bob".to_owned(), pin(&bob))]);
        let t = judge(&ann.public, &pins, &[bob_as_dan]);
        assert_eq!(t.unchecked, vec!["dan".to_owned()]);
        let me_as_dan = PublicIdentity {
            account_id: "dan".into(),
            ..ann.public.clone()
        };
        let t = judge(&ann.public, &BTreeMap::new(), &[me_as_dan]);
        assert_eq!(t.unchecked, vec!["dan".to_owned()]);
    }

    /// Mal copies Bob's key and identity onto his own account after Ann
    /// pinned Bob: Bob stays trusted, Mal is no one; and an identity served
    /// for no account at all (which the log would read as Ann's own) is
    /// never pinned.
    #[test]
    fn a_copied_identity_is_the_first_holders_and_no_account_is_no_one() {
        let (ann, bob) = (person("ann"), person("bob"));
        let mal_as_bob = PublicIdentity {
            account_id: "mal".into(),
            ..bob.public.clone()
        };
        let pins = BTreeMap::from([("bob".to_owned(), pin(&bob))]);
        let t = judge(&ann.public, &pins, &[bob.public.clone(), mal_as_bob]);
        assert_eq!(t.trusted.get("bob"), Some(&bob.public));
        assert_eq!(t.unchecked, vec!["mal".to_owned()]);
        assert!(t.first_seen.is_empty());
        let nobody = PublicIdentity {
            account_id: String::new(),
            ..bob.public.clone()
        };
        let t = judge(&ann.public, &BTreeMap::new(), &[nobody]);
        assert!(t.first_seen.is_empty() && !t.trusted.contains_key(""));
    }

    #[test]
    fn an_envelope_is_taken_only_from_a_trusted_sender_and_my_own_keys_only_from_me() {
        let (ann, bob, eve) = (person("ann"), person("bob"), person("eve"));
        let t = judge(
            &ann.public,
            &BTreeMap::new(),
            &[bob.public.clone(), eve.public.clone()],
        );
        // Bob reads the group's key; Eve (trusted: the relay served her
        // identity) is in no member list and no share. Pat shares her
        // record with Ann, who is her clinician.
        let group = |readers: &[&str]| SpaceKeys {
            space: "group".into(),
            kind: pph_protocol::kinds::SpaceKind::Group,
            epochs: Vec::new(),
            readers: readers
                .iter()
                .map(|id| Reader {
                    account_id: (*id).into(),
                    public_key: None,
                    keys: vec![KeyName::Diary],
                })
                .collect(),
            grants: Vec::new(),
            admissions: Vec::new(),
        };
        let givers = givers(
            &[group(&["ann", "bob"])],
            &[("pat-space".into(), "pat".into())],
        );
        let takes = |e: &Envelope| t.accepts("ann", "ann-space", &givers, e);
        assert!(takes(&envelope(&ann, &ann, "ann-space")));
        assert!(takes(&envelope(&ann, &bob, "group")));
        assert!(
            takes(&envelope(&ann, &ann, "group")),
            "her own, kept under her signature"
        );
        // Bob is trusted, but Ann's own diary key never comes from him.
        assert!(!takes(&envelope(&ann, &bob, "ann-space")));
        // Eve is trusted but gives no group's key and no patient's.
        assert!(!takes(&envelope(&ann, &eve, "group")));
        assert!(!takes(&envelope(&ann, &eve, "pat-space")));
        assert!(!takes(&envelope(&ann, &bob, "pat-space")));
        // Signed by Eve, named as from Bob.
        let mut forged = envelope(&ann, &eve, "group");
        forged.from = "bob".into();
        assert!(!takes(&forged));
        // Another's envelope, or an unsigned one.
        assert!(!takes(&envelope(&bob, &bob, "group")));
        let mut unsigned = envelope(&ann, &ann, "ann-space");
        unsigned.sig = String::new();
        assert!(!takes(&unsigned));
    }

    #[test]
    fn a_clinician_reads_my_space_only_under_a_grant_i_signed_and_only_its_scopes() {
        use pph_protocol::kinds::Scope;
        use pph_protocol::sealed::SignedGrant;
        let (ann, mal) = (person("ann"), person("mal"));
        let grant =
            |share: &str, doc: &str, scopes: &[Scope], until: i64, by: &Person| SignedGrant {
                share_id: share.into(),
                clinician: doc.into(),
                scopes: scopes.to_vec(),
                expires_at_ms: until,
                signature: by.identity.sign_grant(share, "ann", doc, scopes, until),
            };
        let reader = |id: &str, keys: Vec<KeyName>| Reader {
            account_id: id.into(),
            public_key: Some("k".into()),
            keys,
        };
        let space = SpaceKeys {
            space: "ann-space".into(),
            kind: SpaceKind::Personal,
            epochs: Vec::new(),
            readers: vec![
                reader("ann", KeyName::PERSONAL.to_vec()),
                reader("doc", vec![KeyName::Diary, KeyName::Budget]),
                reader("eve", vec![KeyName::Diary]),
                reader("old", vec![KeyName::Diary]),
                reader("copy", vec![KeyName::Diary]),
            ],
            grants: vec![
                grant("s1", "doc", &[Scope::Diary], 2_000, &ann),
                grant("s2", "eve", &[Scope::Diary], 2_000, &mal),
                grant("s3", "old", &[Scope::Diary], 1_000, &ann),
                SignedGrant {
                    clinician: "copy".into(),
                    ..grant("s1", "doc", &[Scope::Diary], 2_000, &ann)
                },
            ],
            admissions: Vec::new(),
        };
        let t = judge(&ann.public, &BTreeMap::new(), &[]);
        let (granted, dropped) = t.granted("ann", &space, 1_500, &BTreeSet::new());
        let readers: Vec<(&str, &[KeyName])> = granted
            .readers
            .iter()
            .map(|r| (r.account_id.as_str(), r.keys.as_slice()))
            .collect();
        // Doc only for the diary (the budget is not in a grant Ann
        // signed); Eve's grant is signed by someone else, Old's has ended,
        // and Copy's is Doc's signature moved to another clinician.
        assert_eq!(
            readers,
            vec![
                ("ann", &KeyName::PERSONAL[..]),
                ("doc", &[KeyName::Diary][..])
            ]
        );
        assert_eq!(
            dropped,
            vec!["eve".to_owned(), "old".to_owned(), "copy".to_owned()]
        );
        assert_eq!(
            granted
                .grants
                .iter()
                .map(|g| g.share_id.as_str())
                .collect::<Vec<_>>(),
            ["s1"],
            "the grants in force"
        );
        // A share this device saw end is no grant, however the relay
        // serves it again (the eighteenth attacker run cleared a
        // revocation).
        let seen_end = BTreeSet::from(["s1".to_owned()]);
        let (granted, dropped) = t.granted("ann", &space, 1_500, &seen_end);
        assert_eq!(granted.readers.len(), 1);
        assert!(dropped.contains(&"doc".to_owned()));
    }

    /// Ann, admitted by Fay's code, takes as members Fay (the founder the
    /// group's id names) and Bob (admitted by the same code), and no one
    /// else: not Eve, listed without an admission; not Mal, under Bob's;
    /// not Cat, admitted under Rex's founding of another group moved here.
    /// An admission seen to end is not taken again, nor a new one made
    /// through it; one taken before the inviter's ended stays.
    #[test]
    fn a_group_reader_is_a_member_only_through_an_admission_rooted_in_its_founder() {
        use crate::crypto::invite::{new_secret, InviteKey};
        use crate::groups::admission::{answer, founding, invite};
        let (fay, ann, bob, eve, mal, cat, rex, dot) = (
            person("fay"),
            person("ann"),
            person("bob"),
            person("eve"),
            person("mal"),
            person("cat"),
            person("rex"),
            person("dot"),
        );
        let (g, fay_in) = founding("fay", &fay.identity);
        let key = InviteKey::of(&new_secret(), &g).expect("key");
        let code = invite(
            "fay",
            &fay.identity,
            &g,
            std::slice::from_ref(&fay_in),
            &key,
        )
        .expect("invite");
        let admitted = |account: &str, p: &Person, key: &InviteKey, via: &Invite| Admission {
            via: Some(Box::new(via.clone())),
            ..answer(account, &p.identity, key, via)
        };
        let bob_in = admitted("bob", &bob, &key, &code);
        // Bob, a facilitator, invites Dot.
        let bob_key = InviteKey::of(&new_secret(), &g).expect("key");
        let bob_code = invite(
            "bob",
            &bob.identity,
            &g,
            std::slice::from_ref(&bob_in),
            &bob_key,
        )
        .expect("bob's");
        let dot_in = admitted("dot", &dot, &bob_key, &bob_code);
        // Rex founds a group of his own and moves its founding here.
        let (h, rex_in) = founding("rex", &rex.identity);
        let rex_key = InviteKey::of(&new_secret(), &h).expect("key");
        let rex_code = invite(
            "rex",
            &rex.identity,
            &h,
            std::slice::from_ref(&rex_in),
            &rex_key,
        )
        .expect("rex's");
        let cat_in = admitted("cat", &cat, &rex_key, &rex_code);
        let mal_in = Admission {
            account_id: "mal".into(),
            ..bob_in.clone()
        };
        let reader = |id: &str| Reader {
            account_id: id.into(),
            public_key: None,
            keys: vec![KeyName::Group],
        };
        let everyone = ["ann", "fay", "bob", "dot", "eve", "mal", "cat", "rex"];
        let space = |admissions: Vec<Admission>| SpaceKeys {
            space: g.clone(),
            kind: SpaceKind::Group,
            epochs: Vec::new(),
            readers: everyone.iter().map(|id| reader(id)).collect(),
            grants: Vec::new(),
            admissions,
        };
        let served: Vec<PublicIdentity> = [&fay, &bob, &dot, &eve, &mal, &cat, &rex]
            .iter()
            .map(|p| p.public.clone())
            .collect();
        let t = judge(&ann.public, &BTreeMap::new(), &served);
        let key_of = |a: &Admission| admission_key(a).expect("not a founding");
        let (bob_sig, dot_sig) = (key_of(&bob_in), key_of(&dot_in));
        // Bob answering the same invite again (a new nonce, a new
        // signature: the tenth attacker run) is the same admission to a
        // device that saw his end.
        let bob_again = admitted("bob", &bob, &key, &code);
        assert_ne!(bob_again.sig, bob_in.sig);
        assert_eq!(key_of(&bob_again), bob_sig);
        // Nor does any signature on the invite change it (a holder of the
        // code can sign the invite again).
        let resigned = Admission {
            via: bob_in.via.clone().map(|v| {
                Box::new(Invite {
                    key_sig: "another".into(),
                    sig: "another".into(),
                    ..*v
                })
            }),
            ..bob_in.clone()
        };
        assert_eq!(key_of(&resigned), bob_sig);
        let all = vec![fay_in, bob_again, dot_in, mal_in, cat_in, rex_in];
        let taken = |kept: &KeptMembers| {
            let a = t.admitted("ann", &space(all.clone()), kept);
            let readers: Vec<String> = a.space.readers.into_iter().map(|r| r.account_id).collect();
            (readers, a.dropped, a.ended, a.new)
        };
        let (readers, dropped, ended, new) = taken(&KeptMembers::default());
        // Ann is hers whether or not her own admission is served.
        assert_eq!(readers, vec!["ann", "fay", "bob", "dot"]);
        assert_eq!(dropped, vec!["eve", "mal", "cat", "rex"]);
        assert!(ended.is_empty());
        // The founder's is not kept: no removal ends a group's founder.
        assert_eq!(
            new,
            vec![
                ("bob".to_owned(), bob_sig.clone()),
                ("dot".into(), dot_sig.clone())
            ]
        );
        // Bob's admission ended here (a removal): he is not taken again, nor
        // Dot's admission through his if it is new; Gil, kept and no longer
        // listed, has just ended.
        let ended_bob = KeptMembers {
            ended: BTreeSet::from([bob_sig.clone()]),
            current: BTreeSet::from([("gil".to_owned(), "gil's".to_owned())]),
            ..KeptMembers::default()
        };
        let (readers, _, ended, new) = taken(&ended_bob);
        assert_eq!(readers, vec!["ann", "fay"]);
        assert_eq!(ended, vec!["gil's".to_owned()]);
        assert!(new.is_empty());
        // Nor is a newcomer answering the code Bob left by (a removed Bob
        // as another account, the eleventh attacker run) taken.
        let gil = person("gil");
        let gil_in = admitted("gil", &gil, &key, &code);
        let with_gil = SpaceKeys {
            readers: vec![reader("ann"), reader("gil")],
            admissions: vec![gil_in],
            ..space(Vec::new())
        };
        let t_gil = judge(
            &ann.public,
            &BTreeMap::new(),
            std::slice::from_ref(&gil.public),
        );
        let only_bob_ended = KeptMembers {
            ended: BTreeSet::from([bob_sig.clone()]),
            ..KeptMembers::default()
        };
        let a = t_gil.admitted("ann", &with_gil, &only_bob_ended);
        assert_eq!(a.dropped, vec!["gil".to_owned()]);
        assert!(t_gil
            .admitted("ann", &with_gil, &KeptMembers::default())
            .dropped
            .is_empty());
        // Dot, taken before Bob's removal, stays.
        let dot_before = KeptMembers {
            ended: BTreeSet::from([bob_sig]),
            current: BTreeSet::from([("dot".to_owned(), dot_sig)]),
            ..KeptMembers::default()
        };
        let (readers, ..) = taken(&dot_before);
        assert_eq!(readers, vec!["ann", "fay", "dot"]);
    }

    /// Bob, let in by the founder's code, lets Dot in; Dot, a facilitator
    /// too, lets Ivy in after Bob has left. A device that took Dot takes
    /// Ivy (Dot stands for those they let in); one that never took Dot
    /// takes neither, and waives both, as it does Eve, who answers Bob's
    /// code after his departure, seen in this very sync. Bob, put back by
    /// the relay, is refused and not waived.
    #[test]
    fn a_newcomer_is_taken_through_a_member_taken_whoever_invited_them() {
        use crate::crypto::invite::{new_secret, InviteKey};
        use crate::groups::admission::{answer, founding, invite};
        let (fay, ann, bob, dot, ivy, eve) = (
            person("fay"),
            person("ann"),
            person("bob"),
            person("dot"),
            person("ivy"),
            person("eve"),
        );
        let (g, fay_in) = founding("fay", &fay.identity);
        let code_of = |account: &str, p: &Person, by: &Admission| {
            let key = InviteKey::of(&new_secret(), &g).expect("key");
            let code =
                invite(account, &p.identity, &g, std::slice::from_ref(by), &key).expect("invite");
            (key, code)
        };
        let admitted = |account: &str, p: &Person, (key, via): &(InviteKey, Invite)| Admission {
            via: Some(Box::new(via.clone())),
            ..answer(account, &p.identity, key, via)
        };
        let fays = code_of("fay", &fay, &fay_in);
        let bob_in = admitted("bob", &bob, &fays);
        let bobs = code_of("bob", &bob, &bob_in);
        let dot_in = admitted("dot", &dot, &bobs);
        let dots = code_of("dot", &dot, &dot_in);
        let ivy_in = admitted("ivy", &ivy, &dots);
        let eve_in = admitted("eve", &eve, &bobs);
        let key_of = |a: &Admission| admission_key(a).expect("not a founding");
        let served: Vec<PublicIdentity> = [&fay, &bob, &dot, &ivy, &eve]
            .iter()
            .map(|p| p.public.clone())
            .collect();
        let t = judge(&ann.public, &BTreeMap::new(), &served);
        let group = |listed: &[&str]| SpaceKeys {
            space: g.clone(),
            kind: SpaceKind::Group,
            epochs: Vec::new(),
            readers: listed
                .iter()
                .map(|id| Reader {
                    account_id: (*id).into(),
                    public_key: None,
                    keys: vec![KeyName::Group],
                })
                .collect(),
            grants: Vec::new(),
            admissions: vec![
                fay_in.clone(),
                bob_in.clone(),
                dot_in.clone(),
                ivy_in.clone(),
                eve_in.clone(),
            ],
        };
        let readers = |a: &Admitted| -> Vec<String> {
            a.space
                .readers
                .iter()
                .map(|r| r.account_id.clone())
                .collect()
        };
        let after_bob = group(&["ann", "fay", "dot", "ivy", "eve"]);
        // Ann took Dot before Bob left (seen at an earlier sync).
        let took_dot = KeptMembers {
            ended: BTreeSet::from([key_of(&bob_in)]),
            current: BTreeSet::from([("dot".to_owned(), key_of(&dot_in))]),
            left: BTreeSet::from(["bob".to_owned()]),
        };
        let a = t.admitted("ann", &after_bob, &took_dot);
        assert_eq!(readers(&a), vec!["ann", "fay", "dot", "ivy"]);
        assert_eq!(a.dropped, vec!["eve".to_owned()]);
        assert_eq!(a.new, vec![("ivy".to_owned(), key_of(&ivy_in))]);
        // Ann took Bob and Dot, and sees Bob leave in this sync: his
        // admission ends before Eve, who answered his code, is judged.
        let both = KeptMembers {
            current: BTreeSet::from([
                ("bob".to_owned(), key_of(&bob_in)),
                ("dot".to_owned(), key_of(&dot_in)),
            ]),
            ..KeptMembers::default()
        };
        let a = t.admitted("ann", &after_bob, &both);
        assert_eq!(readers(&a), vec!["ann", "fay", "dot", "ivy"]);
        assert_eq!(a.ended, vec![key_of(&bob_in)]);
        assert_eq!(a.waived, BTreeSet::from(["eve".to_owned()]));
        // Ann was away while Dot joined, and sees Bob leave now: she takes
        // neither Dot nor those Dot let in, and turns no key over for them.
        let only_bob = KeptMembers {
            current: BTreeSet::from([("bob".to_owned(), key_of(&bob_in))]),
            ..KeptMembers::default()
        };
        let a = t.admitted("ann", &after_bob, &only_bob);
        assert_eq!(readers(&a), vec!["ann", "fay"]);
        assert_eq!(a.dropped, vec!["dot", "ivy", "eve"]);
        assert_eq!(a.waived.len(), 3);
        // The relay puts Bob back: refused, and an epoch that reached him
        // is turned over.
        let bob_back = t.admitted("ann", &group(&["ann", "fay", "bob", "dot"]), &took_dot);
        assert_eq!(readers(&bob_back), vec!["ann", "fay", "dot"]);
        assert!(bob_back.waived.is_empty());
        // Dot's own device takes those Dot let in, Bob gone.
        let t_dot = judge(&dot.public, &BTreeMap::new(), &served);
        let bob_gone = KeptMembers {
            ended: BTreeSet::from([key_of(&bob_in)]),
            left: BTreeSet::from(["bob".to_owned()]),
            ..KeptMembers::default()
        };
        let a = t_dot.admitted("dot", &after_bob, &bob_gone);
        assert_eq!(readers(&a), vec!["fay", "dot", "ivy"]);
    }

    #[test]
    fn only_checked_readers_keep_a_public_key() {
        let (ann, bob) = (person("ann"), person("bob"));
        let reader = |id: &str, key: &str| Reader {
            account_id: id.into(),
            public_key: Some(key.into()),
            keys: vec![KeyName::Group],
        };
        let space = SpaceKeys {
            space: "g".into(),
            kind: SpaceKind::Group,
            epochs: Vec::new(),
            readers: vec![
                reader("ann", &ann.public.public_key),
                reader("bob", "relay's key"),
                reader("eve", "eve's key"),
            ],
            grants: Vec::new(),
            admissions: Vec::new(),
        };
        let t = judge(
            &ann.public,
            &BTreeMap::new(),
            std::slice::from_ref(&bob.public),
        );
        let checked = t.checked_readers(&space);
        let keys: Vec<_> = checked
            .readers
            .iter()
            .map(|r| r.public_key.clone())
            .collect();
        assert_eq!(
            keys,
            vec![
                Some(ann.public.public_key.clone()),
                Some(bob.public.public_key.clone()),
                None
            ]
        );
    }
}
