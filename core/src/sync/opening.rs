//! Opening a pulled page before the merge judges it: a value that does not
//! open is set aside, never applied; one whose key has not reached this
//! device yet waits, with the rest of its space after it, unless its epoch
//! is one no one began (`never`), which no key will ever come for: that one
//! is set aside too, so a relay cannot stop a space for good with it.

use super::key_store::Held;
use super::merge::Authored;
use crate::crypto::{seal, OpenError};
use pph_protocol::authz::Refusal;
use pph_protocol::sealed::{KeyName, Sealed};
use pph_protocol::wire::SequencedChange;
use std::collections::BTreeSet;

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

pub(super) fn open_page(
    held: &Held,
    never: &BTreeSet<(KeyName, u32)>,
    changes: Vec<SequencedChange>,
) -> Opened {
    let mut opened = Opened::default();
    for c in changes {
        let result = seal::open(&c.change, |key, epoch| held.get(&(key, epoch)).cloned());
        let authored = |change| Authored {
            author: c.author.clone(),
            change,
        };
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
