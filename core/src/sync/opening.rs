//! Opening a pulled page before the merge judges it: a change not signed by
//! the identity pinned for the account named as its writer, or a value
//! that does not open, is set aside, never applied; one whose key has not reached this
//! device yet waits, with the rest of its space after it, unless its epoch
//! is one no one began (`never`), which no key will ever come for: that one
//! is set aside too, so a relay cannot stop a space for good with it.

use super::key_store::Held;
use super::merge::Authored;
use crate::crypto::identity::Identity;
use crate::crypto::{seal, OpenError};
use pph_protocol::authz::Refusal;
use pph_protocol::identity::signed_change;
use pph_protocol::sealed::{KeyName, PublicIdentity, Sealed};
use pph_protocol::wire::SequencedChange;
use std::collections::{BTreeMap, BTreeSet};

/// A pulled page, opened.
#[derive(Debug, Default)]
pub(super) struct Opened {
    /// In order, up to the first change whose key is not here.
    pub ready: Vec<Authored>,
    /// Changes that do not open: set aside with their rule.
    pub refused: Vec<(Authored, Refusal)>,
    /// The sequence number of the first change whose key is not here, and
    /// that key's name and epoch: the page is applied only up to it, and the
    /// space waits.
    pub waits_at: Option<(i64, KeyName, u32)>,
}

/// Why `c` is not its named writer's, if it is not: the identity its
/// writer must sign with (`signers`, by account) is unknown here, or did
/// not sign it. Checked before it opens, so that no key it names is waited
/// for; a value in the clear is refused when it does not open.
pub(super) fn not_the_writers(
    signers: &BTreeMap<String, String>,
    own: &Own<'_>,
    c: &SequencedChange,
) -> Option<Refusal> {
    Sealed::of(&c.change.value)?;
    // One of this account's own devices: its tag is checked in a
    // microsecond where the signature costs forty.
    if c.author == own.public.account_id && own.identity.tagged_by_me(&c.author, &c.change) {
        return None;
    }
    match signers.get(&c.author) {
        // No author at all: the log writes this account as '', so a
        // change served without one is never taken for this account's.
        _ if c.author.is_empty() => Some(Refusal::UnknownAuthor),
        None => Some(Refusal::UnknownAuthor),
        Some(identity) if !signed_change(identity, &c.author, &c.change) => {
            Some(Refusal::ForgedAuthor)
        }
        Some(_) => None,
    }
}

/// This account, as opening a page needs it: its public identity, and the
/// identity whose tag its own devices' changes carry.
pub(super) struct Own<'a> {
    pub public: &'a PublicIdentity,
    pub identity: &'a Identity,
}

pub(super) fn open_page(
    held: &Held,
    never: &BTreeSet<(KeyName, u32)>,
    signers: &BTreeMap<String, String>,
    own: &Own<'_>,
    changes: Vec<SequencedChange>,
) -> Opened {
    let mut opened = Opened::default();
    for c in changes {
        let authored = |change| Authored {
            author: c.author.clone(),
            change,
        };
        if let Some(rule) = not_the_writers(signers, own, &c) {
            opened.refused.push((authored(c.change.clone()), rule));
            continue;
        }
        let result = seal::open(&c.change, |key, epoch| held.get(&(key, epoch)).cloned());
        match result {
            Ok(change) => opened.ready.push(authored(change)),
            Err(OpenError::NoKey) => {
                let sealed = Sealed::of(&c.change.value).map(|s| (s.key, s.epoch));
                match sealed {
                    Some(at) if never.contains(&at) => opened
                        .refused
                        .push((authored(c.change.clone()), Refusal::EpochNotBegun)),
                    Some((key, epoch)) => {
                        opened.waits_at = Some((c.seq, key, epoch));
                        break;
                    }
                    None => opened
                        .refused
                        .push((authored(c.change.clone()), Refusal::Unsealed)),
                }
            }
            Err(OpenError::Refused) => {
                let rule = if Sealed::of(&c.change.value).is_some() {
                    Refusal::BadSeal
                } else {
                    Refusal::Unsealed
                };
                opened.refused.push((authored(c.change.clone()), rule));
            }
        }
    }
    opened
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::wrap::AccountKeyPair;
    use crate::crypto::Key32;
    use pph_protocol::{Change, Hlc};

    fn message(n: u32) -> Change {
        Change {
            change_id: format!("c{n}"),
            space: "g".into(),
            entity_type: pph_protocol::kinds::GROUP_MESSAGE.into(),
            entity_id: format!("m{n}"),
            field: "body".into(),
            value: serde_json::json!("see you at the walk"),
            hlc: Hlc {
                wall_ms: 1,
                counter: n,
                node: "n".into(),
            },
        }
    }

    fn by(author: &str, seq: i64, change: Change) -> SequencedChange {
        SequencedChange {
            seq,
            author: author.into(),
            change,
        }
    }

    /// Each change goes only as far as its writer's signature lets it: one
    /// signed by the writer the relay names is opened; one that writer did
    /// not sign (another key holder's, or unsigned) and one by a writer
    /// whose identity is not known here are set aside at once, even under
    /// a key this device does not hold yet, so none of them holds up the
    /// space.
    #[test]
    fn a_change_is_opened_only_as_signed_by_the_writer_named() {
        let key = Key32::random();
        let held: Held = [((KeyName::Group, 1), key.clone())].into();
        let ann = Identity::of(&AccountKeyPair::generate()).expect("ann");
        let bob = Identity::of(&AccountKeyPair::generate()).expect("bob");
        let signers: BTreeMap<String, String> = [
            ("ann".to_owned(), ann.public_b64()),
            ("bob".to_owned(), bob.public_b64()),
        ]
        .into();
        let sealed = |n, epoch| seal::seal(&message(n), KeyName::Group, epoch, &key).expect("seal");
        let signed = |who: &Identity, writer: &str, n: u32, epoch: u32| {
            who.sign_change(writer, sealed(n, epoch)).expect("sign")
        };
        let page = vec![
            by("ann", 1, signed(&ann, "ann", 1, 1)),
            // Bob's words, served as Ann's.
            by("ann", 2, signed(&bob, "bob", 2, 1)),
            // Bob signs as Ann: his identity, not hers.
            by("ann", 3, signed(&bob, "ann", 3, 1)),
            by("ann", 4, sealed(4, 1)),
            by("cat", 5, signed(&ann, "cat", 5, 1)),
            // Under an epoch not held here, from a forger: set aside, not
            // waited for.
            by("bob", 6, signed(&ann, "ann", 6, 2)),
            by("bob", 7, signed(&bob, "bob", 7, 1)),
        ];
        let cat_pair = AccountKeyPair::generate();
        let cat = Identity::of(&cat_pair).expect("cat");
        let own = Own {
            public: &cat.public("cat", &cat_pair),
            identity: &cat,
        };
        let opened = open_page(&held, &BTreeSet::new(), &signers, &own, page);
        let ready: Vec<&str> = opened
            .ready
            .iter()
            .map(|a| a.change.change_id.as_str())
            .collect();
        assert_eq!(ready, ["c1", "c7"]);
        assert_eq!(opened.ready[0].change, message(1));
        let refused: Vec<(&str, Refusal)> = opened
            .refused
            .iter()
            .map(|(a, rule)| (a.change.change_id.as_str(), *rule))
            .collect();
        assert_eq!(
            refused,
            [
                ("c2", Refusal::ForgedAuthor),
                ("c3", Refusal::ForgedAuthor),
                ("c4", Refusal::ForgedAuthor),
                ("c5", Refusal::UnknownAuthor),
                ("c6", Refusal::ForgedAuthor),
            ]
        );
        assert_eq!(opened.waits_at, None);
    }
}
