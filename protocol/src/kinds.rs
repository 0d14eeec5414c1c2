//! Every kind of record that syncs, once, with who may write it where: the
//! authorisation table the server enforces on every push and every client
//! enforces on every pull (`crate::authz` reads it). A kind string appears
//! here and nowhere else; the core's `Entity::KIND`s and the share scopes
//! name these constants.

use serde::{Deserialize, Serialize};

/// What a patient may share with a clinician; each names a set of entity kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    CarePlan,
    Diary,
    Questionnaires,
    Budget,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::CarePlan,
        Scope::Diary,
        Scope::Questionnaires,
        Scope::Budget,
    ];

    /// The entity kinds (change `entity_type`s) this scope lets a clinician
    /// read, as the authorisation table lists them.
    pub fn kinds(self) -> impl Iterator<Item = &'static str> {
        in_scope(self)
    }
}

pub const CARE_PLAN: &str = "care_plan";
pub const PLAN_CONTACT: &str = "plan_contact";
pub const PLAN_GOAL: &str = "plan_goal";
pub const PLAN_ACTIVITY: &str = "plan_activity";
pub const PLAN_COMPLETION: &str = "plan_completion";
pub const PLAN_REVIEW: &str = "plan_review";
pub const PLAN_PROPOSAL: &str = "plan_proposal";
pub const DIARY_SYMPTOM: &str = "diary_symptom";
pub const DIARY_ENTRY: &str = "diary_entry";
pub const QUESTIONNAIRE_RESULT: &str = "questionnaire_result";
pub const BUDGET: &str = "budget";
pub const BUDGET_ADJUSTMENT: &str = "budget_adjustment";
pub const BUDGET_LINE: &str = "budget_line";
pub const BUDGET_SPEND: &str = "budget_spend";
pub const GROUP: &str = "group";
pub const GROUP_MESSAGE: &str = "group_message";
pub const GROUP_REACTION: &str = "group_reaction";
pub const GROUP_READ: &str = "group_read";
pub const GROUP_MEETUP: &str = "group_meetup";
pub const MEETUP_RSVP: &str = "meetup_rsvp";
pub const MEETUP_ATTENDANCE: &str = "meetup_attendance";
pub const GROUP_REPORT: &str = "group_report";
pub const GROUP_HIDE: &str = "group_hide";
pub const REMINDER_RULE: &str = "reminder_rule";
pub const REMINDER_SETTINGS: &str = "reminder_settings";
pub const TIMEBANK: &str = "timebank";
pub const TIMEBANK_POST: &str = "timebank_post";
pub const TIMEBANK_EXCHANGE: &str = "timebank_exchange";

/// The two kinds of space a record can live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    /// One person's own records; only that person writes.
    Personal,
    /// A peer group's shared records; members write, a facilitator moderates.
    Group,
}

impl SpaceKind {
    pub fn name(self) -> &'static str {
        match self {
            SpaceKind::Personal => "personal",
            SpaceKind::Group => "group",
        }
    }

    pub fn parse(name: &str) -> Option<SpaceKind> {
        [SpaceKind::Personal, SpaceKind::Group]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// Who may create a record of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creator {
    /// The person whose personal space it is.
    Owner,
    /// Any member of the group.
    Member,
    /// A facilitator of the group.
    Facilitator,
    /// A clinician the person shares the kind's scope with, while the share
    /// is in force (a review proposed from a consultation). In a personal
    /// space, what a clinician may do ends there: the person alone changes
    /// it afterwards, as `creator_may` says.
    Clinician,
}

/// What may change after creation (never the `fixed` fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changes {
    /// Nothing: the record is never edited (money is corrected by a
    /// reversing record instead).
    Never,
    /// Every field but the fixed ones.
    AllButFixed,
    /// Only these fields, one at a time, and only to a value: never cleared
    /// (a confirmation, a withdrawal).
    SetOnly(&'static [&'static str]),
}

impl Changes {
    /// Whether this right lets `field` be written with `value` (None: a
    /// value the judge cannot read).
    pub fn allows(self, field: &str, value: Option<&serde_json::Value>) -> bool {
        match self {
            Changes::Never => false,
            Changes::AllButFixed => true,
            Changes::SetOnly(fields) => {
                fields.contains(&field) && !value.is_some_and(serde_json::Value::is_null)
            }
        }
    }
}

/// How a record's id relates to who wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdRule {
    /// Any UUID (v7 from the writer's device, or derived from its parts).
    Free,
    /// Derived from the writer's account (`ids::owned_id`): one per person
    /// and parent, which no one else can write (RSVPs, reactions...).
    BoundToAuthor,
    /// The space's own id: the one record describing a group.
    SpaceId,
}

#[derive(Clone, Copy, Debug)]
pub struct KindRule {
    pub kind: &'static str,
    pub space: SpaceKind,
    pub create: Creator,
    pub id: IdRule,
    /// The field naming the account that wrote the record; whenever it is
    /// written it must be the writer.
    pub author_field: Option<&'static str>,
    /// The field naming the space the record belongs to (a group's id).
    pub space_field: Option<&'static str>,
    /// A field naming another record that must live in the same space.
    pub parent_field: Option<&'static str>,
    /// For a record between two people (a timebank exchange): the field
    /// naming the other one. Such a record is served only to its two people
    /// and the group's facilitators.
    pub party_field: Option<&'static str>,
    /// A field naming the member a record is about, made by someone else
    /// (an attendance mark): kept in the clear beside a sealed value, so
    /// the relay can erase the record with that member's account.
    pub subject_field: Option<&'static str>,
    /// What the record's creator may change later.
    pub creator_may: Changes,
    /// What the other party may change later.
    pub party_may: Changes,
    /// What any facilitator of the group may change later.
    pub facilitator_may: Changes,
    /// Fields set at creation that never change.
    pub fixed: &'static [&'static str],
    /// The share scope that lets a clinician read it; None: never shared.
    pub scope: Option<Scope>,
}

const fn personal(kind: &'static str, scope: Scope, creator_may: Changes) -> KindRule {
    KindRule {
        scope: Some(scope),
        creator_may,
        ..private(kind)
    }
}

/// A record of the person's own that no share ever shows (reminder rules
/// and settings: when they want nudging is nobody else's business).
const fn private(kind: &'static str) -> KindRule {
    KindRule {
        kind,
        space: SpaceKind::Personal,
        create: Creator::Owner,
        id: IdRule::Free,
        author_field: None,
        space_field: None,
        parent_field: None,
        party_field: None,
        subject_field: None,
        creator_may: Changes::AllButFixed,
        party_may: Changes::Never,
        facilitator_may: Changes::Never,
        fixed: &["id"],
        scope: None,
    }
}

/// A member's own record in a group: one per person (and parent), written
/// only by them.
const fn owned(
    kind: &'static str,
    parent_field: Option<&'static str>,
    fixed: &'static [&'static str],
) -> KindRule {
    KindRule {
        kind,
        space: SpaceKind::Group,
        create: Creator::Member,
        id: IdRule::BoundToAuthor,
        author_field: Some("account_id"),
        space_field: Some("group_id"),
        parent_field,
        ..group(kind, Creator::Member, Changes::Never, fixed)
    }
}

/// A group record any member (or only a facilitator) makes, changed later
/// by its creator and as `facilitator_may` says.
const fn group(
    kind: &'static str,
    create: Creator,
    facilitator_may: Changes,
    fixed: &'static [&'static str],
) -> KindRule {
    KindRule {
        kind,
        space: SpaceKind::Group,
        create,
        id: IdRule::Free,
        author_field: None,
        space_field: Some("group_id"),
        parent_field: None,
        party_field: None,
        subject_field: None,
        creator_may: Changes::AllButFixed,
        party_may: Changes::Never,
        facilitator_may,
        fixed,
        scope: None,
    }
}

/// The table. Personal kinds are written by their person alone; group
/// kinds by members as each row says.
pub const KINDS: &[KindRule] = &[
    personal(CARE_PLAN, Scope::CarePlan, Changes::AllButFixed),
    personal(PLAN_CONTACT, Scope::CarePlan, Changes::AllButFixed),
    personal(PLAN_GOAL, Scope::CarePlan, Changes::AllButFixed),
    personal(PLAN_ACTIVITY, Scope::CarePlan, Changes::AllButFixed),
    personal(PLAN_COMPLETION, Scope::CarePlan, Changes::AllButFixed),
    personal(PLAN_REVIEW, Scope::CarePlan, Changes::AllButFixed),
    // A review a clinician proposes from a consultation; the person accepts
    // (which records the review) or declines it, once, and nothing else.
    KindRule {
        create: Creator::Clinician,
        author_field: Some("proposed_by"),
        parent_field: Some("plan_id"),
        fixed: &[
            "id",
            "plan_id",
            "proposed_by",
            "proposer_name",
            "proposed_at_ms",
            "date",
            "participants",
            "notes",
            "outcome",
            "next_review",
        ],
        ..personal(
            PLAN_PROPOSAL,
            Scope::CarePlan,
            Changes::SetOnly(&["decision", "decided_at_ms", "review_id"]),
        )
    },
    personal(DIARY_SYMPTOM, Scope::Diary, Changes::AllButFixed),
    personal(DIARY_ENTRY, Scope::Diary, Changes::AllButFixed),
    personal(
        QUESTIONNAIRE_RESULT,
        Scope::Questionnaires,
        Changes::AllButFixed,
    ),
    personal(BUDGET, Scope::Budget, Changes::AllButFixed),
    personal(BUDGET_ADJUSTMENT, Scope::Budget, Changes::Never),
    personal(BUDGET_LINE, Scope::Budget, Changes::AllButFixed),
    personal(BUDGET_SPEND, Scope::Budget, Changes::Never),
    private(REMINDER_RULE),
    private(REMINDER_SETTINGS),
    KindRule {
        id: IdRule::SpaceId,
        author_field: Some("created_by"),
        space_field: Some("id"),
        ..group(
            GROUP,
            Creator::Facilitator,
            Changes::AllButFixed,
            &["id", "created_by", "created_at_ms"],
        )
    },
    KindRule {
        author_field: Some("author_id"),
        parent_field: Some("reply_to"),
        ..group(
            GROUP_MESSAGE,
            Creator::Member,
            Changes::Never,
            &[
                "id",
                "group_id",
                "author_id",
                "author_name",
                "reply_to",
                "sent_at_ms",
            ],
        )
    },
    owned(
        GROUP_REACTION,
        Some("message_id"),
        &["id", "message_id", "group_id", "account_id", "emoji"],
    ),
    owned(GROUP_READ, None, &["id", "group_id", "account_id"]),
    KindRule {
        author_field: Some("created_by"),
        ..group(
            GROUP_MEETUP,
            Creator::Member,
            Changes::AllButFixed,
            &["id", "group_id", "created_by"],
        )
    },
    owned(
        MEETUP_RSVP,
        Some("meetup_id"),
        &["id", "meetup_id", "group_id", "account_id"],
    ),
    KindRule {
        author_field: Some("recorded_by"),
        parent_field: Some("meetup_id"),
        subject_field: Some("account_id"),
        ..group(
            MEETUP_ATTENDANCE,
            Creator::Facilitator,
            Changes::AllButFixed,
            &["id", "meetup_id", "group_id", "account_id"],
        )
    },
    owned(
        GROUP_REPORT,
        Some("message_id"),
        &["id", "message_id", "group_id", "account_id"],
    ),
    KindRule {
        author_field: Some("hidden_by"),
        parent_field: Some("message_id"),
        ..group(
            GROUP_HIDE,
            Creator::Facilitator,
            Changes::AllButFixed,
            &["id", "message_id", "group_id"],
        )
    },
    // The group's timebank: on or off, its limits and the totals a
    // facilitator last shared. One per group (its id derives from the group).
    KindRule {
        author_field: Some("set_by"),
        ..group(
            TIMEBANK,
            Creator::Facilitator,
            Changes::AllButFixed,
            &["id", "group_id"],
        )
    },
    // An offer or a request, seen by the whole group.
    KindRule {
        author_field: Some("author_id"),
        ..group(
            TIMEBANK_POST,
            Creator::Member,
            Changes::AllButFixed,
            &["id", "group_id", "author_id", "kind", "created_at_ms"],
        )
    },
    // Time given: written by the giver, confirmed by the receiver alone,
    // withdrawn (while pending) by the giver alone, never edited; seen only
    // by the two of them and the facilitators.
    KindRule {
        author_field: Some("giver_id"),
        parent_field: Some("reverses"),
        party_field: Some("receiver_id"),
        creator_may: Changes::SetOnly(&["withdrawn_at_ms"]),
        party_may: Changes::SetOnly(&["confirmed_at_ms"]),
        ..group(
            TIMEBANK_EXCHANGE,
            Creator::Member,
            Changes::Never,
            &[
                "id",
                "group_id",
                "giver_id",
                "receiver_id",
                "minutes",
                "category",
                "on_date",
                "reverses",
            ],
        )
    },
];

/// The rule for a kind; None for a kind this version does not know.
pub fn rule(kind: &str) -> Option<&'static KindRule> {
    KINDS.iter().find(|r| r.kind == kind)
}

/// The kinds a share scope lets a clinician read.
pub fn in_scope(scope: Scope) -> impl Iterator<Item = &'static str> {
    KINDS
        .iter()
        .filter(move |r| r.scope == Some(scope))
        .map(|r| r.kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The table as docs/SYNC.md shows it.
    fn markdown() -> String {
        let mut out = String::from(
            "| kind | lives in | created by | id | author field | its creator (in a personal space: the person) may change | the other party | a facilitator may change | fixed | clinicians read it with |\n\
             |---|---|---|---|---|---|---|---|---|---|\n",
        );
        let may = |c: Changes| match c {
            Changes::Never => "nothing".to_owned(),
            Changes::AllButFixed => "all but fixed".to_owned(),
            Changes::SetOnly(fields) => fields
                .iter()
                .map(|f| format!("sets `{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        for r in KINDS {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.kind,
                r.space.name(),
                match r.create {
                    Creator::Owner => "the person",
                    Creator::Member => "any member",
                    Creator::Facilitator => "a facilitator",
                    Creator::Clinician => "a clinician it is shared with",
                },
                match r.id {
                    IdRule::Free => "any",
                    IdRule::BoundToAuthor => "bound to its author",
                    IdRule::SpaceId => "the group's own",
                },
                r.author_field.map_or("-".to_owned(), |f| format!("`{f}`")),
                may(r.creator_may),
                r.party_field.map_or("-".to_owned(), |f| format!(
                    "`{f}`, who {}",
                    may(r.party_may)
                )),
                may(r.facilitator_may),
                r.fixed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                r.scope.map_or("never".to_owned(), |s| format!("{s:?}")),
            ));
        }
        out
    }

    #[test]
    fn docs_show_the_table_as_it_is() {
        let docs = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .expect("run by cargo")
            .join("../docs/SYNC.md");
        let text = std::fs::read_to_string(docs).expect("docs/SYNC.md");
        let table = markdown();
        assert!(
            text.contains(&table),
            "docs/SYNC.md must hold the authorisation table as it is now:\n{table}"
        );
    }

    #[test]
    fn every_kind_is_listed_once_and_fixes_its_id() {
        let mut seen = HashSet::new();
        for r in KINDS {
            assert!(seen.insert(r.kind), "{} twice", r.kind);
            assert!(r.fixed.contains(&"id"), "{} must fix its id", r.kind);
            for f in [r.author_field, r.space_field].into_iter().flatten() {
                // An author or space field that could change would let a
                // record move or change hands. Records only facilitators
                // make (hides, attendance) name the last one to write them.
                let renamed_by_facilitators =
                    r.create == Creator::Facilitator && Some(f) == r.author_field;
                assert!(
                    f == "id" || r.fixed.contains(&f) || renamed_by_facilitators,
                    "{}.{f} must be fixed",
                    r.kind
                );
            }
        }
    }

    #[test]
    fn only_personal_kinds_are_shared_with_clinicians_and_not_the_private_ones() {
        let private = [REMINDER_RULE, REMINDER_SETTINGS];
        for r in KINDS {
            assert_eq!(
                r.scope.is_some(),
                r.space == SpaceKind::Personal && !private.contains(&r.kind),
                "{}",
                r.kind
            );
        }
        assert!(in_scope(Scope::Budget).any(|k| k == BUDGET_SPEND));
        assert!(!in_scope(Scope::Diary).any(|k| k == CARE_PLAN));
    }
}
