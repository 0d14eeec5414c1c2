//! Judging a push against the authorisation table, inside the push's
//! transaction: each backend gathers the facts (the spaces, the writer's
//! standing in each, the records already known, the change ids already
//! stored), this decides, and the backend then writes exactly what it says
//! or nothing at all.

use super::{GroupRole, IncomingChange, SpaceKind};
use pph_protocol::authz::{judge, party_of, Attempt, Known, Refusal, Scopes, Standing, Verdict};
use pph_protocol::sealed::KeyName;
use pph_protocol::wire::RefusedChange;
use pph_protocol::wire::Scope;
use std::collections::{HashMap, HashSet};

/// A space the push writes to, as seen by its writer.
#[derive(Clone, Debug)]
pub struct WriterInSpace {
    pub kind: SpaceKind,
    pub owner: String,
    /// The writer's role in it; None: not a member.
    pub role: Option<GroupRole>,
    /// In someone else's personal space: the scopes its person shares with
    /// the writer now (empty: none).
    pub shared: Vec<Scope>,
    /// The highest epoch begun of each of the space's keys.
    pub begun: HashMap<KeyName, u32>,
}

/// Where a record lives and who made it (None: from before v4, unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub space: String,
    pub kind: String,
    pub creator: Option<String>,
    /// The other party of a record between two people: it, its creator and
    /// the group's facilitators alone are served its changes.
    pub party: Option<String>,
}

/// What a judged push stores.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PushPlan {
    /// Indices of the changes to store, in batch order.
    pub fresh: Vec<usize>,
    /// Changes already stored (a retried push): not stored again.
    pub duplicates: u32,
    /// Records this push creates: (entity_id, owner).
    pub created: Vec<(String, Owner)>,
}

fn standing(author: &str, space: &WriterInSpace) -> Option<Standing> {
    match (space.kind, space.role) {
        (SpaceKind::Personal, _) if space.owner != author && !space.shared.is_empty() => {
            Some(Standing::Clinician(Scopes::of(&space.shared)))
        }
        (_, None) => None,
        (SpaceKind::Personal, Some(_)) if space.owner == author => Some(Standing::Owner),
        (SpaceKind::Personal, Some(_)) => None,
        (SpaceKind::Group, Some(GroupRole::Facilitator)) => Some(Standing::Facilitator),
        (SpaceKind::Group, Some(GroupRole::Member)) => Some(Standing::Member),
    }
}

/// The other party a record between two people names: in its value, or
/// (sealed) in the clear, which every client that opens it checks against
/// the value.
pub(crate) fn party_named(c: &IncomingChange) -> Option<String> {
    match &c.value {
        Some(v) => party_of(&c.entity_type, v).map(str::to_owned),
        None => sealed_party(c),
    }
}

/// The other party a sealed record names in the clear; read only for kinds
/// that have one.
fn sealed_party(c: &IncomingChange) -> Option<String> {
    pph_protocol::kinds::rule(&c.entity_type)?.party_field?;
    let change: pph_protocol::Change = serde_json::from_str(&c.body).ok()?;
    pph_protocol::sealed::Refs::of_change(&change).party
}

/// Judges every change of a push by `author`. `stored` holds, for each
/// change id of the batch already on the server, the (space, entity) it
/// was stored for; `members` the (space, account) of each other person the
/// push's records name who is a member there. All refusals are returned
/// together, so the client can set them all aside at once.
pub fn judge_push(
    author: &str,
    changes: &[IncomingChange],
    spaces: &HashMap<String, WriterInSpace>,
    owners: &HashMap<String, Owner>,
    stored: &HashMap<String, (String, String)>,
    members: &HashSet<(String, String)>,
) -> Result<PushPlan, Vec<RefusedChange>> {
    let mut plan = PushPlan::default();
    let mut refused = Vec::new();
    let mut created: HashMap<&str, Owner> = HashMap::new();
    let mut seen: HashMap<&str, (&str, &str)> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        let mut refuse = |rule| {
            refused.push(RefusedChange {
                index: i as u32,
                rule,
            })
        };
        let earlier = stored
            .get(&c.change_id)
            .map(|(s, e)| (s.as_str(), e.as_str()))
            .or_else(|| seen.get(c.change_id.as_str()).copied());
        if let Some((space, entity)) = earlier {
            if (space, entity) == (c.space.as_str(), c.entity_id.as_str()) {
                plan.duplicates += 1;
            } else {
                refuse(Refusal::ChangeIdReused);
            }
            continue;
        }
        let Some(facts) = spaces.get(&c.space) else {
            refuse(Refusal::NotMember);
            continue;
        };
        let Some(standing) = standing(author, facts) else {
            refuse(Refusal::NotMember);
            continue;
        };
        // Sealed under an epoch no one began: no device could open it, and
        // each would wait for its key for ever.
        if let Some((key, epoch)) = c.sealed_under {
            if facts.begun.get(&key).is_none_or(|last| epoch > *last) {
                refuse(Refusal::EpochNotBegun);
                continue;
            }
        }
        let known = created
            .get(c.entity_id.as_str())
            .or(owners.get(&c.entity_id));
        let party = party_named(c);
        let attempt = Attempt {
            space: &c.space,
            space_kind: facts.kind,
            standing,
            author,
            kind: &c.entity_type,
            entity_id: &c.entity_id,
            field: &c.field,
            value: c.value.as_ref(),
            sealed_party: party.as_deref().filter(|_| c.value.is_none()),
        };
        let known = known.map(|o| Known {
            space: &o.space,
            kind: &o.kind,
            creator: o.creator.as_deref(),
            party: o.party.as_deref(),
            created: None,
        });
        match judge(&attempt, known.as_ref()) {
            Ok(_) if c.sealed_only && c.value.is_some() => refuse(Refusal::Unsealed),
            // The other person must be one of the space's members.
            Ok(Verdict::Creates)
                if party
                    .as_ref()
                    .is_some_and(|p| !members.contains(&(c.space.clone(), p.clone()))) =>
            {
                refuse(Refusal::BadParty)
            }
            Ok(verdict) => {
                if verdict == Verdict::Creates {
                    let owner = Owner {
                        space: c.space.clone(),
                        kind: c.entity_type.clone(),
                        creator: Some(author.to_owned()),
                        party,
                    };
                    created.insert(&c.entity_id, owner.clone());
                    plan.created.push((c.entity_id.clone(), owner));
                }
                seen.insert(&c.change_id, (&c.space, &c.entity_id));
                plan.fresh.push(i);
            }
            Err(rule) => refuse(rule),
        }
    }
    if refused.is_empty() {
        Ok(plan)
    } else {
        Err(refused)
    }
}
