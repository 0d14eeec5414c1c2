//! Judging one change against the authorisation table (`crate::kinds`): the
//! same function on the server (every push) and on every client (every
//! pull, and every local write into a group). Sans-I/O: the caller looks
//! up where the record already lives and who created it.

use crate::ids::is_owned_by;
use crate::kinds::{self, Changes, Creator, IdRule, KindRule, Scope, SpaceKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The field name of a change that sets every field of a new record.
pub const WHOLE_RECORD: &str = "*";

/// Why a change was refused: a stable code naming the rule it broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// A kind of record this version does not know.
    UnknownKind,
    /// The kind belongs in the other kind of space (a care plan in a group).
    WrongSpaceKind,
    /// The writer is not a member of the space.
    NotMember,
    /// Only the person themselves writes in their personal space.
    NotOwner,
    /// The writer may not create this kind here (a member hiding a message).
    MayNotCreate,
    /// The writer may not change this record (someone else's message).
    NotAuthor,
    /// This kind is never changed once made (money: reverse it instead).
    Unchangeable,
    /// A field set at creation that never changes.
    FixedField,
    /// The record's id does not belong to the writer (someone else's RSVP).
    IdNotBound,
    /// The record's own id differs from the id the change names.
    IdMismatch,
    /// The record names someone other than the writer as its author.
    AuthorMismatch,
    /// The record names another space than the one it is written in.
    SpaceMismatch,
    /// The record already lives in another space.
    OtherSpace,
    /// The record already exists as another kind.
    KindMismatch,
    /// A change to a group record whose creation was never seen.
    NoCreation,
    /// The record it refers to lives in another space.
    ParentElsewhere,
    /// The change id was already used for another change.
    ChangeIdReused,
    /// The change names another space than the one it was served from.
    WrongSpace,
    /// A record between two people must name someone other than its writer
    /// as the other one.
    BadParty,
    /// A record between two other people, which this account may not hold
    /// (clients refuse what a relay should not have served them).
    NotAParty,
    /// A clinician writing what the person does not share with them (or no
    /// longer does).
    NotShared,
    /// A value in the clear: every device seals what it sends, so the relay
    /// refuses it and a device sets it aside (it came from elsewhere).
    Unsealed,
    /// A sealed value that does not open: altered, or moved from another
    /// record, field, space or change after it was sealed (clients only).
    BadSeal,
    /// Sealed under an epoch of its key that has not begun in its space
    /// (no envelope for it): no device could ever open it.
    EpochNotBegun,
    /// Not signed by the identity of the account named as its writer: the
    /// relay, or another key holder, may have made it (clients only).
    ForgedAuthor,
    /// Its writer's identity cannot be checked on this device: not served,
    /// claimed for two accounts, or changed and not yet accepted (clients
    /// only).
    UnknownAuthor,
}

impl Refusal {
    /// The rule's stable code, as it travels in JSON (`not_author`).
    pub fn code(self) -> String {
        crate::codes::code(&self)
    }

    /// What the person (or the shell) is told: names no value.
    pub fn explain(self) -> &'static str {
        match self {
            Refusal::UnknownKind => "a kind of record this version does not know",
            Refusal::WrongSpaceKind => "this kind of record does not belong in this space",
            Refusal::NotMember => "not a member of this space",
            Refusal::NotOwner => "only the person themselves writes here",
            Refusal::MayNotCreate => "only a facilitator makes this kind of record",
            Refusal::NotAuthor => "this account may not change this record",
            Refusal::Unchangeable => "this record is never changed; reverse it instead",
            Refusal::FixedField => "this field never changes",
            Refusal::IdNotBound => "this record belongs to someone else",
            Refusal::IdMismatch => "the record's id does not match the change",
            Refusal::AuthorMismatch => "the record names someone else as its author",
            Refusal::SpaceMismatch => "the record names another space",
            Refusal::OtherSpace => "the record lives in another space",
            Refusal::KindMismatch => "the record exists as another kind",
            Refusal::NoCreation => "a change to a record whose creation was never seen",
            Refusal::ParentElsewhere => "the record it refers to lives in another space",
            Refusal::ChangeIdReused => "the change id was already used for another change",
            Refusal::WrongSpace => "the change names another space than it came from",
            Refusal::BadParty => "the record must name another person as its other party",
            Refusal::NotAParty => "a record between two other people, not for this account",
            Refusal::NotShared => {
                "this person does not share that part of their record with this account now"
            }
            Refusal::Unsealed => "its value is not sealed, as every device seals what it sends",
            Refusal::BadSeal => "it was altered or moved after it was sealed",
            Refusal::EpochNotBegun => {
                "sealed under a key that was never handed out: sync the keys and seal it again"
            }
            Refusal::ForgedAuthor => {
                "not signed by the account named as its writer: it may have been forged"
            }
            Refusal::UnknownAuthor => {
                "its writer's identity cannot be checked on this device: compare safety numbers"
            }
        }
    }
}

/// A set of share scopes, small enough to copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub fn of(scopes: &[Scope]) -> Scopes {
        Scopes(scopes.iter().fold(0, |bits, s| bits | Self::bit(*s)))
    }

    fn bit(scope: Scope) -> u8 {
        1 << (Scope::ALL.iter().position(|s| *s == scope).unwrap_or(7) as u8)
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }
}

/// The writer's standing in the space the change is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The person whose personal space it is.
    Owner,
    Facilitator,
    Member,
    /// A clinician holding a share in force of these scopes of the
    /// person's personal space.
    Clinician(Scopes),
}

/// A record as it is already known, from the first change seen for it.
#[derive(Clone, Copy, Debug)]
pub struct Known<'a> {
    pub space: &'a str,
    pub kind: &'a str,
    /// The account whose change created it; None when not known (records
    /// from before authorship was kept, or whose creation has not arrived).
    pub creator: Option<&'a str>,
    /// The other party of a record between two people (`party_of` its
    /// creation), where the kind has one.
    pub party: Option<&'a str>,
    /// The value it was created with, where the judge can read it (clients).
    pub created: Option<&'a Value>,
}

/// One change as the judge sees it. `value` is None where it cannot be read
/// (a relay that only sees sealed values): the checks on values are then
/// left to the clients.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub space: &'a str,
    pub space_kind: SpaceKind,
    pub standing: Standing,
    pub author: &'a str,
    pub kind: &'a str,
    pub entity_id: &'a str,
    pub field: &'a str,
    pub value: Option<&'a Value>,
    /// The other party a sealed value names in the clear (its refs), read
    /// where `value` cannot be: a relay judges it as it judges a readable
    /// value's party field. None where the value is readable or names none.
    pub sealed_party: Option<&'a str>,
}

/// What an allowed change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Creates the record: its writer is its creator from now on.
    Creates,
    /// Changes a record that exists (or, in a personal space, will).
    Changes,
}

/// Judges one change against the table.
pub fn judge(a: &Attempt<'_>, known: Option<&Known<'_>>) -> Result<Verdict, Refusal> {
    let rule = kinds::rule(a.kind).ok_or(Refusal::UnknownKind)?;
    if rule.space != a.space_kind {
        return Err(Refusal::WrongSpaceKind);
    }
    if a.space_kind == SpaceKind::Personal && a.standing != Standing::Owner {
        // A clinician only creates, only the kinds the table lets a
        // clinician create, and only in a scope shared with them now.
        let Standing::Clinician(scopes) = a.standing else {
            return Err(Refusal::NotOwner);
        };
        if rule.create != Creator::Clinician || a.field != WHOLE_RECORD || known.is_some() {
            return Err(Refusal::NotOwner);
        }
        if !rule.scope.is_some_and(|s| scopes.contains(s)) {
            return Err(Refusal::NotShared);
        }
        return judge_creation(rule, a);
    }
    match known {
        Some(k) if k.space != a.space => Err(Refusal::OtherSpace),
        Some(k) if k.kind != a.kind => Err(Refusal::KindMismatch),
        Some(k) => judge_change(rule, a, k),
        // A personal record's edits may arrive before its creation: the
        // person writes all of them, so who created it does not matter.
        None if a.field != WHOLE_RECORD && rule.space == SpaceKind::Personal => {
            let unknown = Known {
                space: a.space,
                kind: a.kind,
                creator: None,
                party: None,
                created: None,
            };
            judge_change(rule, a, &unknown)
        }
        None if a.field != WHOLE_RECORD => Err(Refusal::NoCreation),
        None => judge_creation(rule, a),
    }
}

fn judge_creation(rule: &KindRule, a: &Attempt<'_>) -> Result<Verdict, Refusal> {
    let may = match rule.create {
        Creator::Owner => a.standing == Standing::Owner,
        Creator::Member => true,
        Creator::Facilitator => a.standing == Standing::Facilitator,
        Creator::Clinician => matches!(a.standing, Standing::Clinician(_)),
    };
    if !may {
        return Err(Refusal::MayNotCreate);
    }
    check_id(rule, a)?;
    if let Some(value) = a.value {
        let record = value.as_object().ok_or(Refusal::IdMismatch)?;
        if record.get("id").and_then(Value::as_str) != Some(a.entity_id) {
            return Err(Refusal::IdMismatch);
        }
        check_fields(rule, a, |f| record.get(f))?;
        if let Some(field) = rule.party_field {
            match record.get(field).and_then(Value::as_str) {
                Some(party) if party != a.author => {}
                _ => return Err(Refusal::BadParty),
            }
            // What only the other party sets cannot come with the record.
            if let Changes::SetOnly(theirs) = rule.party_may {
                if theirs
                    .iter()
                    .any(|f| record.get(*f).is_some_and(|v| !v.is_null()))
                {
                    return Err(Refusal::NotAuthor);
                }
            }
        }
    } else if rule.party_field.is_some() && a.sealed_party.is_none_or(|p| p == a.author) {
        // Sealed, the record must still name another person in the clear.
        return Err(Refusal::BadParty);
    }
    Ok(Verdict::Creates)
}

/// The other party a record between two people names, from its creating
/// value; None for kinds without one.
pub fn party_of<'v>(kind: &str, created: &'v Value) -> Option<&'v str> {
    created.get(kinds::rule(kind)?.party_field?)?.as_str()
}

fn judge_change(rule: &KindRule, a: &Attempt<'_>, known: &Known<'_>) -> Result<Verdict, Refusal> {
    if a.field != WHOLE_RECORD && rule.fixed.contains(&a.field) {
        return Err(Refusal::FixedField);
    }
    let as_creator = match rule.id {
        // The id says who owns it, whoever's change arrived first.
        IdRule::BoundToAuthor => is_owned_by(a.entity_id, a.author),
        _ => match rule.space {
            SpaceKind::Personal => a.standing == Standing::Owner,
            SpaceKind::Group => known.creator == Some(a.author),
        },
    };
    let as_party = rule.party_field.is_some() && known.party == Some(a.author);
    let as_facilitator = a.standing == Standing::Facilitator;
    let may = |right: Changes| right.allows(a.field, a.value);
    let allowed = (as_creator && may(rule.creator_may))
        || (as_party && may(rule.party_may))
        || (as_facilitator && may(rule.facilitator_may));
    if !allowed {
        let never = [rule.creator_may, rule.party_may, rule.facilitator_may]
            .iter()
            .all(|&c| c == Changes::Never);
        return Err(if never {
            Refusal::Unchangeable
        } else {
            Refusal::NotAuthor
        });
    }
    check_id(rule, a)?;
    if let Some(value) = a.value {
        if a.field == WHOLE_RECORD {
            let record = value.as_object().ok_or(Refusal::IdMismatch)?;
            if record.get("id").and_then(Value::as_str) != Some(a.entity_id) {
                return Err(Refusal::IdMismatch);
            }
            // A whole-record rewrite keeps every fixed field as created.
            if let Some(created) = known.created {
                for f in rule.fixed {
                    if record.get(*f) != created.get(*f) {
                        return Err(Refusal::FixedField);
                    }
                }
            }
            check_fields(rule, a, |f| record.get(f))?;
        } else {
            check_fields(rule, a, |f| (f == a.field).then_some(value))?;
        }
    }
    Ok(Verdict::Changes)
}

fn check_id(rule: &KindRule, a: &Attempt<'_>) -> Result<(), Refusal> {
    let bound = match rule.id {
        IdRule::Free => true,
        IdRule::BoundToAuthor => is_owned_by(a.entity_id, a.author),
        IdRule::SpaceId => a.entity_id == a.space,
    };
    if bound {
        Ok(())
    } else {
        Err(Refusal::IdNotBound)
    }
}

/// The author and space fields, where the change writes them, must name
/// the writer and the space.
fn check_fields<'v>(
    rule: &KindRule,
    a: &Attempt<'_>,
    get: impl Fn(&str) -> Option<&'v Value>,
) -> Result<(), Refusal> {
    if let Some(field) = rule.author_field {
        if let Some(v) = get(field) {
            if v.as_str() != Some(a.author) {
                return Err(Refusal::AuthorMismatch);
            }
        }
    }
    if let Some(field) = rule.space_field {
        if let Some(v) = get(field) {
            if v.as_str() != Some(a.space) {
                return Err(Refusal::SpaceMismatch);
            }
        }
    }
    Ok(())
}

/// The record a change's value refers to through the kind's parent field
/// (a reaction's message), if any.
pub fn parent_of<'v>(kind: &str, field: &str, value: &'v Value) -> Option<&'v str> {
    let parent = kinds::rule(kind)?.parent_field?;
    let v = if field == WHOLE_RECORD {
        value.get(parent)?
    } else if field == parent {
        value
    } else {
        return None;
    };
    v.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::owned_id;
    use crate::kinds::*;
    use serde_json::json;

    const G: &str = "0190a5c2-0000-7000-8000-0000000000aa";
    const P: &str = "0190a5c2-0000-7000-8000-0000000000bb";
    const ANN: &str = "0190a5c2-0000-7000-8000-000000000001";
    const BOB: &str = "0190a5c2-0000-7000-8000-000000000002";
    const MSG: &str = "0190a5c2-0000-7000-8000-000000000010";

    fn attempt<'a>(
        space: &'a str,
        standing: Standing,
        author: &'a str,
        kind: &'a str,
        id: &'a str,
        field: &'a str,
        value: Option<&'a Value>,
    ) -> Attempt<'a> {
        Attempt {
            space,
            space_kind: if space == G {
                SpaceKind::Group
            } else {
                SpaceKind::Personal
            },
            standing,
            author,
            kind,
            entity_id: id,
            field,
            value,
            sealed_party: None,
        }
    }

    #[test]
    fn personal_kinds_stay_out_of_groups_and_only_their_person_writes_them() {
        let v = json!({"id": MSG, "title": "x"});
        let in_group = attempt(G, Standing::Member, BOB, CARE_PLAN, MSG, "*", Some(&v));
        assert_eq!(judge(&in_group, None), Err(Refusal::WrongSpaceKind));
        let other = attempt(P, Standing::Member, BOB, CARE_PLAN, MSG, "title", None);
        assert_eq!(judge(&other, None), Err(Refusal::NotOwner));
        let own = attempt(P, Standing::Owner, ANN, CARE_PLAN, MSG, "*", Some(&v));
        assert_eq!(judge(&own, None), Ok(Verdict::Creates));
    }

    #[test]
    fn a_message_is_changed_by_its_author_only() {
        let known = Known {
            space: G,
            kind: GROUP_MESSAGE,
            creator: Some(ANN),
            party: None,
            created: None,
        };
        let body = json!("forged");
        let by_bob = attempt(
            G,
            Standing::Facilitator,
            BOB,
            GROUP_MESSAGE,
            MSG,
            "body",
            Some(&body),
        );
        assert_eq!(judge(&by_bob, Some(&known)), Err(Refusal::NotAuthor));
        let by_ann = attempt(
            G,
            Standing::Member,
            ANN,
            GROUP_MESSAGE,
            MSG,
            "body",
            Some(&body),
        );
        assert_eq!(judge(&by_ann, Some(&known)), Ok(Verdict::Changes));
        let renamed = json!(BOB);
        let moved = attempt(
            G,
            Standing::Member,
            ANN,
            GROUP_MESSAGE,
            MSG,
            "author_id",
            Some(&renamed),
        );
        assert_eq!(judge(&moved, Some(&known)), Err(Refusal::FixedField));
        let elsewhere = Known { space: P, ..known };
        assert_eq!(judge(&by_ann, Some(&elsewhere)), Err(Refusal::OtherSpace));
    }

    #[test]
    fn a_new_message_must_name_its_writer_and_its_group() {
        let forged = json!({"id": MSG, "group_id": G, "author_id": ANN});
        let a = attempt(
            G,
            Standing::Member,
            BOB,
            GROUP_MESSAGE,
            MSG,
            "*",
            Some(&forged),
        );
        assert_eq!(judge(&a, None), Err(Refusal::AuthorMismatch));
        let astray = json!({"id": MSG, "group_id": P, "author_id": BOB});
        let a = attempt(
            G,
            Standing::Member,
            BOB,
            GROUP_MESSAGE,
            MSG,
            "*",
            Some(&astray),
        );
        assert_eq!(judge(&a, None), Err(Refusal::SpaceMismatch));
        let other_id = json!({"id": P, "group_id": G, "author_id": BOB});
        let a = attempt(
            G,
            Standing::Member,
            BOB,
            GROUP_MESSAGE,
            MSG,
            "*",
            Some(&other_id),
        );
        assert_eq!(judge(&a, None), Err(Refusal::IdMismatch));
    }

    #[test]
    fn meetups_change_by_their_creator_or_a_facilitator() {
        let known = Known {
            space: G,
            kind: GROUP_MEETUP,
            creator: Some(ANN),
            party: None,
            created: None,
        };
        let yes = json!(true);
        let member = attempt(
            G,
            Standing::Member,
            BOB,
            GROUP_MEETUP,
            MSG,
            "cancelled",
            Some(&yes),
        );
        assert_eq!(judge(&member, Some(&known)), Err(Refusal::NotAuthor));
        let facilitator = Attempt {
            standing: Standing::Facilitator,
            ..member
        };
        assert_eq!(judge(&facilitator, Some(&known)), Ok(Verdict::Changes));
    }

    #[test]
    fn own_records_are_bound_to_their_owner() {
        let ann_rsvp = owned_id(ANN, &["meetup"]);
        let v = json!({"id": ann_rsvp, "group_id": G, "account_id": ANN});
        let by_bob = attempt(
            G,
            Standing::Member,
            BOB,
            MEETUP_RSVP,
            &ann_rsvp,
            "*",
            Some(&v),
        );
        assert_eq!(judge(&by_bob, None), Err(Refusal::IdNotBound));
        let by_ann = attempt(
            G,
            Standing::Member,
            ANN,
            MEETUP_RSVP,
            &ann_rsvp,
            "*",
            Some(&v),
        );
        assert_eq!(judge(&by_ann, None), Ok(Verdict::Creates));
        let answer = json!("no");
        let change = attempt(
            G,
            Standing::Facilitator,
            BOB,
            MEETUP_RSVP,
            &ann_rsvp,
            "answer",
            Some(&answer),
        );
        let known = Known {
            space: G,
            kind: MEETUP_RSVP,
            creator: None,
            party: None,
            created: None,
        };
        assert_eq!(judge(&change, Some(&known)), Err(Refusal::NotAuthor));
    }

    #[test]
    fn only_facilitators_hide_and_money_is_never_edited() {
        let v = json!({"id": MSG, "group_id": G, "hidden_by": BOB, "message_id": MSG});
        let hide = attempt(G, Standing::Member, BOB, GROUP_HIDE, MSG, "*", Some(&v));
        assert_eq!(judge(&hide, None), Err(Refusal::MayNotCreate));
        let known = Known {
            space: P,
            kind: BUDGET_SPEND,
            creator: Some(ANN),
            party: None,
            created: None,
        };
        let amount = json!(1);
        let edit = attempt(
            P,
            Standing::Owner,
            ANN,
            BUDGET_SPEND,
            MSG,
            "amount_pence",
            Some(&amount),
        );
        assert_eq!(judge(&edit, Some(&known)), Err(Refusal::Unchangeable));
    }

    #[test]
    fn a_group_record_is_the_space_itself_made_by_a_facilitator() {
        let v = json!({"id": MSG, "created_by": ANN});
        let a = attempt(G, Standing::Facilitator, ANN, GROUP, MSG, "*", Some(&v));
        assert_eq!(judge(&a, None), Err(Refusal::IdNotBound));
        let v = json!({"id": G, "created_by": ANN});
        let a = attempt(G, Standing::Facilitator, ANN, GROUP, G, "*", Some(&v));
        assert_eq!(judge(&a, None), Ok(Verdict::Creates));
    }

    #[test]
    fn a_rewrite_keeps_fixed_fields_and_group_edits_need_a_creation() {
        let created = json!({"id": MSG, "group_id": G, "author_id": ANN, "author_name": "Ann"});
        let known = Known {
            space: G,
            kind: GROUP_MESSAGE,
            creator: Some(ANN),
            party: None,
            created: Some(&created),
        };
        let renamed = json!({"id": MSG, "group_id": G, "author_id": ANN, "author_name": "Nurse"});
        let a = attempt(
            G,
            Standing::Member,
            ANN,
            GROUP_MESSAGE,
            MSG,
            "*",
            Some(&renamed),
        );
        assert_eq!(judge(&a, Some(&known)), Err(Refusal::FixedField));
        let body = json!("hi");
        let orphan = attempt(
            G,
            Standing::Member,
            ANN,
            GROUP_MESSAGE,
            MSG,
            "body",
            Some(&body),
        );
        assert_eq!(judge(&orphan, None), Err(Refusal::NoCreation));
        let unknown = attempt(G, Standing::Member, ANN, "spell", MSG, "*", None);
        assert_eq!(judge(&unknown, None), Err(Refusal::UnknownKind));
    }

    #[test]
    fn an_exchange_is_confirmed_by_its_receiver_and_withdrawn_by_its_giver() {
        let created = json!({"id": MSG, "group_id": G, "giver_id": ANN, "receiver_id": BOB});
        assert_eq!(party_of(TIMEBANK_EXCHANGE, &created), Some(BOB));
        let known = Known {
            space: G,
            kind: TIMEBANK_EXCHANGE,
            creator: Some(ANN),
            party: Some(BOB),
            created: Some(&created),
        };
        let at = json!(5);
        let set = |who, standing, field, value| {
            judge(
                &attempt(G, standing, who, TIMEBANK_EXCHANGE, MSG, field, Some(value)),
                Some(&known),
            )
        };
        let m = Standing::Member;
        assert_eq!(set(BOB, m, "confirmed_at_ms", &at), Ok(Verdict::Changes));
        assert_eq!(set(ANN, m, "confirmed_at_ms", &at), Err(Refusal::NotAuthor));
        assert_eq!(set(ANN, m, "withdrawn_at_ms", &at), Ok(Verdict::Changes));
        assert_eq!(set(BOB, m, "withdrawn_at_ms", &at), Err(Refusal::NotAuthor));
        let f = Standing::Facilitator;
        assert_eq!(set(MSG, f, "confirmed_at_ms", &at), Err(Refusal::NotAuthor));
        assert_eq!(
            set(BOB, m, "confirmed_at_ms", &json!(null)),
            Err(Refusal::NotAuthor)
        );
        assert_eq!(set(ANN, m, "minutes", &at), Err(Refusal::FixedField));
        assert_eq!(set(ANN, m, "*", &created), Err(Refusal::NotAuthor));

        let to_self = json!({"id": MSG, "group_id": G, "giver_id": ANN, "receiver_id": ANN});
        let new = |v| {
            judge(
                &attempt(G, m, ANN, TIMEBANK_EXCHANGE, MSG, "*", Some(v)),
                None,
            )
        };
        assert_eq!(new(&to_self), Err(Refusal::BadParty));
        let confirmed = json!({"id": MSG, "group_id": G, "giver_id": ANN,
                               "receiver_id": BOB, "confirmed_at_ms": 1});
        assert_eq!(new(&confirmed), Err(Refusal::NotAuthor));
        assert_eq!(new(&created), Ok(Verdict::Creates));

        // Sealed, the party it names in the clear is judged the same way.
        let sealed = |party| {
            let a = attempt(G, m, ANN, TIMEBANK_EXCHANGE, MSG, "*", None);
            judge(
                &Attempt {
                    sealed_party: party,
                    ..a
                },
                None,
            )
        };
        assert_eq!(sealed(Some(ANN)), Err(Refusal::BadParty));
        assert_eq!(sealed(None), Err(Refusal::BadParty));
        assert_eq!(sealed(Some(BOB)), Ok(Verdict::Creates));
    }

    #[test]
    fn a_clinician_proposes_in_a_shared_scope_and_only_the_person_decides() {
        let v = json!({"id": MSG, "plan_id": MSG, "proposed_by": BOB, "notes": "x"});
        let care = Standing::Clinician(Scopes::of(&[Scope::CarePlan]));
        let propose = |standing, author, value| {
            judge(
                &attempt(P, standing, author, PLAN_PROPOSAL, MSG, "*", Some(value)),
                None,
            )
        };
        assert_eq!(propose(care, BOB, &v), Ok(Verdict::Creates));
        let diary_only = Standing::Clinician(Scopes::of(&[Scope::Diary]));
        assert_eq!(propose(diary_only, BOB, &v), Err(Refusal::NotShared));
        let forged = json!({"id": MSG, "plan_id": MSG, "proposed_by": ANN});
        assert_eq!(propose(care, BOB, &forged), Err(Refusal::AuthorMismatch));
        assert_eq!(
            propose(Standing::Owner, ANN, &forged),
            Err(Refusal::MayNotCreate)
        );
        // A clinician writes nothing else of the person's record.
        let goal = json!({"id": MSG, "plan_id": MSG});
        let a = attempt(P, care, BOB, PLAN_GOAL, MSG, "*", Some(&goal));
        assert_eq!(judge(&a, None), Err(Refusal::NotOwner));

        let known = Known {
            space: P,
            kind: PLAN_PROPOSAL,
            creator: Some(BOB),
            party: None,
            created: Some(&v),
        };
        let decide = |standing, author, field, value| {
            judge(
                &attempt(P, standing, author, PLAN_PROPOSAL, MSG, field, Some(value)),
                Some(&known),
            )
        };
        let accepted = json!("accepted");
        assert_eq!(
            decide(Standing::Owner, ANN, "decision", &accepted),
            Ok(Verdict::Changes)
        );
        assert_eq!(
            decide(care, BOB, "decision", &accepted),
            Err(Refusal::NotOwner)
        );
        let rewritten = json!("something else");
        assert_eq!(
            decide(Standing::Owner, ANN, "notes", &rewritten),
            Err(Refusal::FixedField)
        );
        assert_eq!(
            decide(Standing::Owner, ANN, "decision", &json!(null)),
            Err(Refusal::NotAuthor)
        );
        assert!(Scopes::of(&Scope::ALL).contains(Scope::Budget));
        assert!(!Scopes::default().contains(Scope::CarePlan));
    }
}
