//! Which keys a device begins and hands out, decided without I/O from the
//! relay's view of one space (who holds which epoch, who may read which key
//! now) and the epochs held here.
//!
//! - A key with no epoch yet gets its first.
//! - A key whose current epoch reached someone who may no longer read it
//!   (a revoked or expired share, a member who left or was removed) gets a
//!   new epoch, wrapped only to its readers now: what is sealed from then on
//!   is closed to them.
//! - A reader lacking an epoch held here is given it: a clinician every
//!   epoch of the scopes shared (the share covers the record's history), a
//!   group's newcomer every epoch of the group key (they read the group's
//!   history, as the group's members did before encryption; docs/SECURITY.md).

use pph_protocol::sealed::{EpochRecipients, KeyName, SignedGrant, SpaceKeys};
use std::collections::{BTreeMap, BTreeSet};

/// What this device holds and knows of a space, beside the relay's view.
#[derive(Debug, Default)]
pub(crate) struct Here {
    /// The epochs held here.
    pub held: BTreeSet<(KeyName, u32)>,
    /// Readers listed whom this device does not take and never did
    /// (`Admitted::waived`): an epoch that reached them is not stale for
    /// that alone.
    pub waived: BTreeSet<String>,
    /// The lowest epoch of each key this device seals under
    /// (`key_store::floors`): an epoch below it is stale, whoever it
    /// reached as the relay says. Wider than an epoch, so that there is a
    /// floor above the last one (an epoch at the end of the count, begun
    /// for someone who left, once left no floor at all: the sixteenth
    /// attacker run); none is reached, and nothing is sealed.
    pub floors: BTreeMap<KeyName, u64>,
    /// The identities that may hold the space's keys now: its readers'
    /// (this account's among them) and the waived readers'. An epoch
    /// whose beginner signed it was begun for anyone else is below the
    /// floor.
    pub may_hold: BTreeSet<String>,
    /// Whether this device begins a key's first epoch when none is
    /// served: in its own personal space, and in a group it founded. A
    /// newcomer's device that began one when the relay hid the group's
    /// (for one sync) kept its own key for that number, and never read the
    /// group's (the fifteenth attacker run).
    pub begins_first: bool,
}

/// An account a key can be wrapped to: its id and public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recipient {
    pub account_id: String,
    pub public_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyAction {
    /// Begin `epoch` of `key` (the first, or a rotation), wrapped to `to`.
    Begin {
        key: KeyName,
        epoch: u32,
        to: Vec<Recipient>,
    },
    /// Wrap an epoch held here to a reader who lacks it.
    Give {
        key: KeyName,
        epoch: u32,
        to: Recipient,
    },
}

/// What this device should do for `space`, given what it holds and knows
/// (`here`).
pub(crate) fn plan(space: &SpaceKeys, here: &Here) -> Vec<KeyAction> {
    let mut actions = Vec::new();
    for &key in KeyName::of_space(space.kind) {
        let readers = readers_of(space, key);
        let reachable: Vec<Recipient> = space
            .readers
            .iter()
            .filter(|r| r.keys.contains(&key))
            .filter_map(|r| {
                Some(Recipient {
                    account_id: r.account_id.clone(),
                    public_key: r.public_key.clone()?,
                })
            })
            .collect();
        let epochs: Vec<_> = space.epochs.iter().filter(|e| e.key == key).collect();
        let current = epochs.iter().map(|e| e.epoch).max();
        // Stale: the current epoch reached someone who may not read it now
        // (and whom this device took, or saw leave); or is below the floor
        // this device set when it saw someone leave; or is not held here
        // and was begun by someone this device does not take as a reader,
        // from whom it takes no key (a newcomer it refuses), so that it
        // would wait for it for good.
        let stale = epochs.iter().filter(|e| Some(e.epoch) == current).any(|e| {
            let from_no_reader = !here.held.contains(&(key, e.epoch))
                && e.commitment
                    .as_ref()
                    .is_some_and(|c| !readers.contains(c.began_by.as_str()));
            reaches_another(e, &readers, here) || from_no_reader
        }) || current
            .is_some_and(|c| here.floors.get(&key).is_some_and(|f| u64::from(c) < *f));
        match current {
            None if here.begins_first => actions.push(KeyAction::Begin {
                key,
                epoch: 1,
                to: reachable.clone(),
            }),
            None => {}
            // An epoch at the end of the count (which no honest relay
            // lets anyone begin) cannot be followed: the key stays as it is
            // rather than the count wrapping round.
            Some(epoch) if stale => {
                if let Some(next) = epoch.checked_add(1) {
                    actions.push(KeyAction::Begin {
                        key,
                        epoch: next,
                        to: reachable.clone(),
                    });
                }
            }
            Some(_) => {}
        }
        for e in &epochs {
            if !here.held.contains(&(key, e.epoch)) {
                continue;
            }
            for r in &reachable {
                if !e.recipients.contains(&r.account_id) {
                    actions.push(KeyAction::Give {
                        key,
                        epoch: e.epoch,
                        to: r.clone(),
                    });
                }
            }
        }
    }
    actions
}

/// The accounts that may read `key` of `space` now, as this device takes
/// them.
fn readers_of(space: &SpaceKeys, key: KeyName) -> BTreeSet<&str> {
    space
        .readers
        .iter()
        .filter(|r| r.keys.contains(&key))
        .map(|r| r.account_id.as_str())
        .collect()
}

/// Whether epoch `e` reached someone who may not read it now, other than
/// a reader this device never took (`Here::waived`).
fn reaches_another(e: &EpochRecipients, readers: &BTreeSet<&str>, here: &Here) -> bool {
    e.recipients
        .iter()
        .any(|r| !readers.contains(r.as_str()) && !here.waived.contains(r))
}

/// The floor of each of `space`'s keys (its epochs those this device can
/// vouch for: `Trust::vouched`): above every epoch its beginner signed was
/// begun for someone who may not hold it now (a member who left, a
/// clinician whose share ended), which no relay can take them off; and
/// above every epoch held here that the relay says reached such a
/// someone (given to them after it began). Kept
/// (`key_store::raise_floor`), so that a relay that later takes them off
/// the epoch's recipients, or withholds the next epoch's envelope, gets
/// nothing sealed under it. Of what the relay says, only epochs held here
/// count: no other is sealed under, and a row it puts in for an epoch far
/// ahead raises no floor that would hold writes back for good.
pub(crate) fn floors_seen(space: &SpaceKeys, here: &Here) -> BTreeMap<KeyName, u64> {
    let mut floors = BTreeMap::new();
    for &key in KeyName::of_space(space.kind) {
        let readers = readers_of(space, key);
        let begun_for_another = |e: &&EpochRecipients| {
            e.commitment
                .as_ref()
                .is_some_and(|c| c.begun_for.iter().any(|id| !here.may_hold.contains(id)))
        };
        let above = space
            .epochs
            .iter()
            .filter(|e| e.key == key)
            .filter(|e| {
                begun_for_another(e)
                    || (here.held.contains(&(key, e.epoch)) && reaches_another(e, &readers, here))
            })
            .map(|e| u64::from(e.epoch) + 1)
            .max();
        if let Some(floor) = above {
            floors.insert(key, floor);
        }
    }
    floors
}

/// Whether this device may seal new values of `key` under the newest
/// epoch of it held here: one at or above its floor. Else what it writes
/// there waits for a newer epoch (begun here, or given by a member): an
/// older one may have reached someone who has since left (the fourteenth
/// attacker run: a withheld envelope, or an epoch begun by a newcomer this
/// device refuses, left a phone sealing under an epoch the leaver held).
pub(crate) fn seals(here: &Here, key: KeyName) -> bool {
    let newest = here
        .held
        .iter()
        .filter(|(k, _)| *k == key)
        .map(|(_, epoch)| *epoch)
        .max();
    let floor = here.floors.get(&key).copied().unwrap_or(0);
    newest.is_some_and(|n| u64::from(n) >= floor)
}

/// The (clinician, key) pairs the person's grants in force name (`grants`,
/// each signed by their identity: `Trust::granted`), whatever readers the
/// relay lists; and, for each pair named `before` and not now (a share
/// revoked, expired or narrowed), the floor of its key: above every epoch
/// of it held here, which the clinician may hold. From the signed grants,
/// not the readers listed: a relay that never listed the clinician as a
/// reader on one of the person's phones, while serving it the grant, had
/// that phone raise no floor when the share ended (the nineteenth
/// attacker run).
pub(crate) fn share_floors(
    before: &BTreeSet<(String, KeyName)>,
    grants: &[SignedGrant],
    held: &BTreeSet<(KeyName, u32)>,
) -> (BTreeSet<(String, KeyName)>, BTreeMap<KeyName, u64>) {
    let now: BTreeSet<(String, KeyName)> = grants
        .iter()
        .flat_map(|g| {
            g.scopes
                .iter()
                .map(|s| (g.clinician.clone(), KeyName::of_scope(*s)))
        })
        .collect();
    let mut floors = BTreeMap::new();
    for (_, key) in before.difference(&now) {
        let newest = held
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, epoch)| *epoch)
            .max()
            .unwrap_or(0);
        floors.insert(*key, u64::from(newest) + 1);
    }
    (now, floors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pph_protocol::kinds::SpaceKind;
    use pph_protocol::sealed::{EpochRecipients, Reader};

    fn reader(id: &str, keys: &[KeyName]) -> Reader {
        Reader {
            account_id: id.into(),
            public_key: Some(format!("pk-{id}")),
            keys: keys.to_vec(),
        }
    }

    fn epoch(key: KeyName, epoch: u32, recipients: &[&str]) -> EpochRecipients {
        EpochRecipients {
            key,
            epoch,
            recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
            commitment: None,
        }
    }

    fn group(epochs: Vec<EpochRecipients>, members: &[&str]) -> SpaceKeys {
        SpaceKeys {
            space: "g".into(),
            kind: SpaceKind::Group,
            epochs,
            readers: members
                .iter()
                .map(|m| reader(m, &[KeyName::Group]))
                .collect(),
            grants: Vec::new(),
            admissions: Vec::new(),
        }
    }

    fn holding(held: &BTreeSet<(KeyName, u32)>) -> Here {
        Here {
            held: held.clone(),
            ..Here::default()
        }
    }

    fn to(id: &str) -> Recipient {
        Recipient {
            account_id: id.into(),
            public_key: format!("pk-{id}"),
        }
    }

    #[test]
    fn a_new_space_begins_every_key_for_its_readers() {
        let space = SpaceKeys {
            space: "p".into(),
            kind: SpaceKind::Personal,
            epochs: vec![],
            readers: vec![reader("me", &KeyName::PERSONAL)],
            grants: Vec::new(),
            admissions: Vec::new(),
        };
        let mine = Here {
            begins_first: true,
            ..Here::default()
        };
        let actions = plan(&space, &mine);
        assert_eq!(actions.len(), 5);
        assert!(actions.iter().all(|a| matches!(a,
            KeyAction::Begin { epoch: 1, to, .. } if to == &vec![to_me()])));
        // A group's newcomer shown no epoch begins none: its founder's
        // device begins the first, which a relay may hide for a while.
        let newcomer = group(vec![], &["a", "n"]);
        assert_eq!(plan(&newcomer, &Here::default()), vec![]);
        assert_eq!(plan(&newcomer, &mine).len(), 1, "the founder's");
    }

    fn to_me() -> Recipient {
        to("me")
    }

    #[test]
    fn an_epoch_at_the_end_of_the_count_is_not_followed() {
        // What only a relay that writes its own rows could serve: no new
        // epoch past it (the count would wrap), and no panic.
        let space = group(
            vec![epoch(KeyName::Group, u32::MAX, &["a", "gone"])],
            &["a"],
        );
        assert_eq!(plan(&space, &Here::default()), vec![]);
    }

    #[test]
    fn a_member_who_left_makes_the_key_turn_over_to_those_who_stay() {
        let space = group(
            vec![epoch(KeyName::Group, 1, &["a", "b", "c"])],
            &["a", "b"],
        );
        let held = BTreeSet::from([(KeyName::Group, 1)]);
        assert_eq!(
            plan(&space, &holding(&held)),
            vec![KeyAction::Begin {
                key: KeyName::Group,
                epoch: 2,
                to: vec![to("a"), to("b")]
            }]
        );
        // Once turned over, nothing more: the old epoch stays with whoever had it.
        let turned = group(
            vec![
                epoch(KeyName::Group, 1, &["a", "b", "c"]),
                epoch(KeyName::Group, 2, &["a", "b"]),
            ],
            &["a", "b"],
        );
        assert_eq!(
            plan(
                &turned,
                &holding(&BTreeSet::from([(KeyName::Group, 1), (KeyName::Group, 2)]))
            ),
            vec![]
        );
    }

    #[test]
    fn a_newcomer_is_given_every_epoch_held_here() {
        let space = group(
            vec![
                epoch(KeyName::Group, 1, &["a"]),
                epoch(KeyName::Group, 2, &["a"]),
            ],
            &["a", "n"],
        );
        let held = BTreeSet::from([(KeyName::Group, 1), (KeyName::Group, 2)]);
        assert_eq!(
            plan(&space, &holding(&held)),
            vec![
                KeyAction::Give {
                    key: KeyName::Group,
                    epoch: 1,
                    to: to("n")
                },
                KeyAction::Give {
                    key: KeyName::Group,
                    epoch: 2,
                    to: to("n")
                },
            ]
        );
        // An epoch not held here cannot be given.
        let only_two = BTreeSet::from([(KeyName::Group, 2)]);
        assert_eq!(plan(&space, &holding(&only_two)).len(), 1);
    }

    #[test]
    fn a_clinician_gets_the_shared_scopes_and_a_revocation_turns_them_over() {
        let mut space = SpaceKeys {
            space: "p".into(),
            kind: SpaceKind::Personal,
            epochs: KeyName::PERSONAL
                .iter()
                .map(|k| epoch(*k, 1, &["me"]))
                .collect(),
            readers: vec![
                reader("me", &KeyName::PERSONAL),
                reader("doc", &[KeyName::Diary]),
            ],
            grants: Vec::new(),
            admissions: Vec::new(),
        };
        let held: BTreeSet<_> = KeyName::PERSONAL.iter().map(|k| (*k, 1)).collect();
        assert_eq!(
            plan(&space, &holding(&held)),
            vec![KeyAction::Give {
                key: KeyName::Diary,
                epoch: 1,
                to: to("doc")
            }]
        );
        // The clinician holds the diary's epoch 1; the share ends.
        space.epochs = KeyName::PERSONAL
            .iter()
            .map(|k| match k {
                KeyName::Diary => epoch(*k, 1, &["doc", "me"]),
                _ => epoch(*k, 1, &["me"]),
            })
            .collect();
        space.readers.truncate(1);
        assert_eq!(
            plan(&space, &holding(&held)),
            vec![KeyAction::Begin {
                key: KeyName::Diary,
                epoch: 2,
                to: vec![to_me()]
            }]
        );
    }

    #[test]
    fn a_reader_without_a_public_key_is_waited_for_not_written_to() {
        let mut space = group(vec![epoch(KeyName::Group, 1, &["a"])], &["a", "n"]);
        space.readers[1].public_key = None;
        assert_eq!(
            plan(&space, &holding(&BTreeSet::from([(KeyName::Group, 1)]))),
            vec![]
        );
    }

    /// Ivy joined while this device was away, by a code it has since seen
    /// someone leave by: it does not take her, and the others' devices
    /// did. The epoch that reached her is not turned over for that (the
    /// relay would refuse a new one without her): it is turned over for a
    /// member this device saw leave, or one it took and now refuses.
    #[test]
    fn an_epoch_that_reached_a_newcomer_not_taken_here_is_not_turned_over() {
        let space = group(
            vec![epoch(KeyName::Group, 2, &["a", "b", "ivy"])],
            &["a", "b"],
        );
        let held = BTreeSet::from([(KeyName::Group, 2)]);
        let ivy = Here {
            held: held.clone(),
            waived: BTreeSet::from(["ivy".to_owned()]),
            ..Here::default()
        };
        assert_eq!(plan(&space, &ivy), vec![]);
        assert_eq!(
            plan(&space, &holding(&held)),
            vec![KeyAction::Begin {
                key: KeyName::Group,
                epoch: 3,
                to: vec![to("a"), to("b")]
            }]
        );
        // Waived is Ivy alone: Cat, who left, still turns the key over.
        let left = group(
            vec![epoch(KeyName::Group, 2, &["a", "b", "cat", "ivy"])],
            &["a", "b"],
        );
        assert_eq!(plan(&left, &ivy).len(), 1);
    }

    /// Gus left when epoch 2 was the newest this device held: its floor is
    /// 3. The relay then serves epoch 2 as the current one, with Gus taken
    /// off its recipients: this device turns the key over rather than seal
    /// under an epoch Gus may hold, and seals nothing until it holds an
    /// epoch at or above its floor. The floor it sees for itself is above
    /// every epoch the relay says reached someone who may not read it now.
    #[test]
    fn nothing_is_sealed_under_an_epoch_that_may_have_reached_someone_who_left() {
        let space = group(vec![epoch(KeyName::Group, 2, &["a", "b"])], &["a", "b"]);
        let mut here = Here {
            held: BTreeSet::from([(KeyName::Group, 1), (KeyName::Group, 2)]),
            floors: BTreeMap::from([(KeyName::Group, 3)]),
            ..Here::default()
        };
        assert_eq!(
            plan(&space, &here),
            vec![KeyAction::Begin {
                key: KeyName::Group,
                epoch: 3,
                to: vec![to("a"), to("b")]
            }]
        );
        assert!(!seals(&here, KeyName::Group), "under the floor");
        here.held.insert((KeyName::Group, 3));
        assert!(seals(&here, KeyName::Group));
        assert!(!seals(&Here::default(), KeyName::Group), "none held");

        let served = group(
            vec![
                epoch(KeyName::Group, 1, &["a", "b", "gus"]),
                epoch(KeyName::Group, 2, &["a", "b", "ivy"]),
                epoch(KeyName::Group, 3, &["a", "b"]),
            ],
            &["a", "b"],
        );
        let held = BTreeSet::from([(KeyName::Group, 1), (KeyName::Group, 2)]);
        let ivy = Here {
            held: held.clone(),
            waived: BTreeSet::from(["ivy".to_owned()]),
            ..Here::default()
        };
        assert_eq!(
            floors_seen(&served, &ivy),
            BTreeMap::from([(KeyName::Group, 2)])
        );
        assert_eq!(
            floors_seen(&served, &holding(&held)),
            BTreeMap::from([(KeyName::Group, 3)]),
            "Ivy, not waived"
        );
        // An epoch not held here raises nothing (a relay's row for epoch
        // 1,000 wrapped to a stranger).
        let far = group(
            vec![
                epoch(KeyName::Group, 1, &["a", "b"]),
                epoch(KeyName::Group, 1_000, &["stranger"]),
            ],
            &["a", "b"],
        );
        assert!(floors_seen(&far, &holding(&held)).is_empty());
    }

    /// Ivy, whom this device refuses, began epoch 2 after someone left (her
    /// own device saw them go first): it takes no key from her, so it
    /// would wait for epoch 2 for good. It begins epoch 3 for those it
    /// takes; the devices that take Ivy give it to her. An epoch begun by
    /// a member it takes is waited for.
    #[test]
    fn an_epoch_begun_by_someone_not_taken_here_is_turned_over_when_not_held() {
        let begun_by = |by: &str| {
            let mut e = epoch(KeyName::Group, 2, &["a", "b", "ivy"]);
            e.commitment = Some(pph_protocol::sealed::EpochCommitment {
                began_by: by.into(),
                commit: "c".into(),
                sig: "s".into(),
                begun_for: Vec::new(),
            });
            group(vec![epoch(KeyName::Group, 1, &["a", "b"]), e], &["a", "b"])
        };
        let here = Here {
            held: BTreeSet::from([(KeyName::Group, 1)]),
            waived: BTreeSet::from(["ivy".to_owned()]),
            ..Here::default()
        };
        assert_eq!(
            plan(&begun_by("ivy"), &here),
            vec![KeyAction::Begin {
                key: KeyName::Group,
                epoch: 3,
                to: vec![to("a"), to("b")]
            }]
        );
        assert_eq!(plan(&begun_by("b"), &here), vec![], "b's is waited for");
        let holding_two = Here {
            held: BTreeSet::from([(KeyName::Group, 1), (KeyName::Group, 2)]),
            ..here
        };
        assert_eq!(plan(&begun_by("ivy"), &holding_two), vec![], "held already");
    }

    /// Epoch 2 was begun, as its beginner signed, for a, b and gus; the
    /// relay serves it with gus taken off. Gus is no one who may hold it
    /// now: the floor is 3, held or not. An epoch begun for those who may
    /// hold it (a waived newcomer among them) sets nothing.
    #[test]
    fn an_epoch_begun_for_someone_who_left_is_below_the_floor_whatever_the_relay_says() {
        let begun_for = |ids: &[&str]| {
            let mut e = epoch(KeyName::Group, 2, &["a", "b"]);
            e.commitment = Some(pph_protocol::sealed::EpochCommitment {
                began_by: "b".into(),
                commit: "c".into(),
                sig: "s".into(),
                begun_for: ids.iter().map(|id| format!("id-{id}")).collect(),
            });
            group(vec![epoch(KeyName::Group, 1, &["a", "b"]), e], &["a", "b"])
        };
        let here = Here {
            held: BTreeSet::from([(KeyName::Group, 1)]),
            may_hold: ["id-a", "id-b", "id-ivy"].map(String::from).into(),
            ..Here::default()
        };
        assert_eq!(
            floors_seen(&begun_for(&["a", "b", "gus"]), &here),
            BTreeMap::from([(KeyName::Group, 3)])
        );
        assert!(floors_seen(&begun_for(&["a", "b", "ivy"]), &here).is_empty());
        // At the end of the count (a leaver's signed row there, the
        // sixteenth attacker run), the floor is above every epoch: nothing
        // is sealed, not even under the last.
        let mut last = begun_for(&["a", "b", "gus"]);
        last.epochs[1].epoch = u32::MAX;
        let floors = floors_seen(&last, &here);
        assert_eq!(floors, BTreeMap::from([(KeyName::Group, 1 << 32)]));
        let at_the_end = Here {
            held: BTreeSet::from([(KeyName::Group, u32::MAX)]),
            floors,
            ..Here::default()
        };
        assert!(!seals(&at_the_end, KeyName::Group));
    }

    /// Doc's diary share ends: the diary's floor is above every epoch of
    /// it held here, whether or not the relay ever listed Doc as a reader
    /// (the pairs come from the grants signed); the budget, still shared
    /// with Eve, keeps its floor.
    #[test]
    fn a_share_that_ends_raises_its_keys_floor_above_every_epoch_held() {
        use pph_protocol::kinds::Scope;
        let grant = |clinician: &str, scopes: &[Scope]| SignedGrant {
            share_id: format!("s-{clinician}"),
            clinician: clinician.into(),
            scopes: scopes.to_vec(),
            expires_at_ms: 1,
            signature: String::new(),
        };
        let both = [
            grant("doc", &[Scope::Diary]),
            grant("eve", &[Scope::Budget]),
        ];
        let held = BTreeSet::from([
            (KeyName::Diary, 1),
            (KeyName::Diary, 2),
            (KeyName::Budget, 1),
        ]);
        let (named, floors) = share_floors(&BTreeSet::new(), &both, &held);
        assert_eq!(
            named,
            BTreeSet::from([
                ("doc".to_owned(), KeyName::Diary),
                ("eve".to_owned(), KeyName::Budget)
            ])
        );
        assert!(floors.is_empty());
        let (_, floors) = share_floors(&named, &both[1..], &held);
        assert_eq!(floors, BTreeMap::from([(KeyName::Diary, 3)]));
    }
}
