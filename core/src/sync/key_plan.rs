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

use pph_protocol::sealed::{KeyName, SpaceKeys};
use std::collections::BTreeSet;

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

/// What this device should do for `space`, holding the epochs `held`;
/// `waived`, readers listed whom this device does not take and never did
/// (`Admitted::waived`), do not make an epoch that reached them stale.
pub(crate) fn plan(
    space: &SpaceKeys,
    held: &BTreeSet<(KeyName, u32)>,
    waived: &BTreeSet<String>,
) -> Vec<KeyAction> {
    let mut actions = Vec::new();
    for &key in KeyName::of_space(space.kind) {
        let readers: BTreeSet<&str> = space
            .readers
            .iter()
            .filter(|r| r.keys.contains(&key))
            .map(|r| r.account_id.as_str())
            .collect();
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
        let stale = epochs.iter().filter(|e| Some(e.epoch) == current).any(|e| {
            e.recipients
                .iter()
                .any(|r| !readers.contains(r.as_str()) && !waived.contains(r))
        });
        match current {
            None => actions.push(KeyAction::Begin {
                key,
                epoch: 1,
                to: reachable.clone(),
            }),
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
            if !held.contains(&(key, e.epoch)) {
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
        let actions = plan(&space, &BTreeSet::new(), &BTreeSet::new());
        assert_eq!(actions.len(), 5);
        assert!(actions.iter().all(|a| matches!(a,
            KeyAction::Begin { epoch: 1, to, .. } if to == &vec![to_me()])));
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
        assert_eq!(plan(&space, &BTreeSet::new(), &BTreeSet::new()), vec![]);
    }

    #[test]
    fn a_member_who_left_makes_the_key_turn_over_to_those_who_stay() {
        let space = group(
            vec![epoch(KeyName::Group, 1, &["a", "b", "c"])],
            &["a", "b"],
        );
        let held = BTreeSet::from([(KeyName::Group, 1)]);
        assert_eq!(
            plan(&space, &held, &BTreeSet::new()),
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
                &BTreeSet::from([(KeyName::Group, 1), (KeyName::Group, 2)]),
                &BTreeSet::new()
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
            plan(&space, &held, &BTreeSet::new()),
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
        assert_eq!(plan(&space, &only_two, &BTreeSet::new()).len(), 1);
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
            plan(&space, &held, &BTreeSet::new()),
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
            plan(&space, &held, &BTreeSet::new()),
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
            plan(
                &space,
                &BTreeSet::from([(KeyName::Group, 1)]),
                &BTreeSet::new()
            ),
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
        let ivy = BTreeSet::from(["ivy".to_owned()]);
        assert_eq!(plan(&space, &held, &ivy), vec![]);
        assert_eq!(
            plan(&space, &held, &BTreeSet::new()),
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
        assert_eq!(plan(&left, &held, &ivy).len(), 1);
    }
}
