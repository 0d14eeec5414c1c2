//! Deleting an account, once for both backends: what to read (the SQL
//! here), what to do with it (`plan`, pure), and the statements
//! `departure` then runs in the same transaction. Hard deletes: afterwards no
//! row of any table names the account.

use pph_protocol::kinds::{GROUP_HIDE, GROUP_MESSAGE};
use pph_protocol::wire::{AccountDeleted, GroupRole};
use pph_protocol::Change;
use std::collections::BTreeSet;

/// The groups the account is in, owns or wrote in, with where their
/// numbering stands: account. A group it left still holds what it wrote there.
pub(crate) const GROUPS_OF: &str = "SELECT s.id, s.owner, s.next_seq FROM spaces s
     WHERE s.kind = 'group' AND (s.owner = $1
        OR EXISTS (SELECT 1 FROM space_members m WHERE m.space = s.id AND m.account_id = $1)
        OR EXISTS (SELECT 1 FROM entity_owners o
                   WHERE o.space = s.id AND (o.creator = $1 OR o.party = $1))
        OR EXISTS (SELECT 1 FROM changes c
                   WHERE c.space = s.id AND (c.author = $1 OR c.body LIKE '%' || $1 || '%')))
     ORDER BY s.id";

/// The other members of a group, who may take it over: space, account.
pub(crate) const OTHER_MEMBERS: &str = "SELECT account_id, role FROM space_members
     WHERE space = $1 AND account_id <> $2 ORDER BY account_id";

/// Records of a group the account created, is the other party to, wrote a
/// change to, or is named in (an attendance mark, a reaction's owner):
/// space, account. Account ids are UUIDs, so a match in a body is a name.
pub(crate) const NAMING_RECORDS: &str = "SELECT entity_type, entity_id, body FROM changes
     WHERE space = $1 AND entity_id IS NOT NULL
       AND (author = $2 OR body LIKE '%' || $2 || '%')
     UNION
     SELECT entity_type, entity_id, CAST(NULL AS TEXT) FROM entity_owners
     WHERE space = $1 AND (creator = $2 OR party = $2)";

/// The account's identity, as the plan needs it.
#[derive(Clone)]
pub(crate) struct Departing {
    pub id: String,
    pub email: String,
    pub personal_space: String,
}

/// One group the departing account is in, as read in the transaction.
#[derive(Clone, Debug)]
pub(crate) struct GroupFacts {
    pub id: String,
    pub owner: String,
    pub next_seq: i64,
    /// Everyone else, by account id.
    pub others: Vec<(String, GroupRole)>,
    /// `NAMING_RECORDS`: kind, id and (for changes) the stored body.
    pub naming: Vec<(String, String, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// Which count of the receipt a statement's affected rows add to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tally {
    Changes,
    Shares,
    Devices,
    GroupsLeft,
}

/// A statement with `$n` placeholders and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    pub sql: &'static str,
    pub params: Vec<Param>,
    pub tally: Option<Tally>,
}

/// The statements and the counts known before running them.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeletionPlan {
    pub steps: Vec<Step>,
    pub receipt: AccountDeleted,
}

impl DeletionPlan {
    fn run(&mut self, sql: &'static str, params: Vec<Param>) {
        self.steps.push(Step {
            sql,
            params,
            tally: None,
        });
    }

    fn count(&mut self, tally: Tally, sql: &'static str, params: Vec<Param>) {
        self.steps.push(Step {
            sql,
            params,
            tally: Some(tally),
        });
    }

    /// Adds a statement's affected rows to the receipt.
    pub fn add(&mut self, tally: Tally, rows: u64) {
        let r = &mut self.receipt;
        match tally {
            Tally::Changes => r.changes += rows,
            Tally::Shares => r.shares += rows,
            Tally::Devices => r.devices += rows,
            Tally::GroupsLeft => r.groups_left += rows,
        }
    }
}

fn text(s: &str) -> Param {
    Param::Text(s.to_owned())
}

/// The records of a group to erase for everyone: every record naming the
/// account, and every message one of its hides hid (a departing
/// facilitator's hide goes, and what it hid must not come back).
pub(crate) fn erasure_targets(
    naming: &[(String, String, Option<String>)],
) -> BTreeSet<(String, String)> {
    let mut targets = BTreeSet::new();
    for (kind, id, body) in naming {
        targets.insert((kind.clone(), id.clone()));
        if kind != GROUP_HIDE {
            continue;
        }
        let hidden = body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Change>(b).ok())
            .and_then(|c| pph_protocol::sealed::Refs::of_change(&c).parent);
        if let Some(message) = hidden {
            targets.insert((GROUP_MESSAGE.to_owned(), message));
        }
    }
    targets
}

/// Who runs a group after its owner leaves: the first other facilitator,
/// else the first other member (made facilitator); None: no one is left.
pub(crate) fn next_owner(others: &[(String, GroupRole)]) -> Option<(String, GroupRole)> {
    others
        .iter()
        .find(|(_, role)| *role == GroupRole::Facilitator)
        .or_else(|| others.first())
        .cloned()
}

/// Everything deleting `who` does, in order.
pub(crate) fn plan(who: &Departing, groups: &[GroupFacts]) -> DeletionPlan {
    let mut plan = DeletionPlan::default();
    let a = || text(&who.id);
    for group in groups {
        let g = || text(&group.id);
        let successor = if group.owner == who.id {
            next_owner(&group.others)
        } else {
            None
        };
        if group.owner == who.id && successor.is_none() {
            plan.receipt.groups_deleted += 1;
            delete_space(&mut plan, &group.id, Some(Tally::GroupsLeft));
            continue;
        }
        let targets = erasure_targets(&group.naming);
        plan.receipt.group_records += targets.len() as u64;
        let mut seq = group.next_seq;
        for (kind, id) in &targets {
            let e = || text(id);
            plan.count(
                Tally::Changes,
                "DELETE FROM changes WHERE space = $1 AND entity_id = $2",
                vec![g(), e()],
            );
            for sql in [
                "DELETE FROM entity_owners WHERE space = $1 AND entity_id = $2",
                "DELETE FROM hidden_entities WHERE space = $1 AND entity_id = $2",
                "DELETE FROM erased_entities WHERE space = $1 AND entity_id = $2",
            ] {
                plan.run(sql, vec![g(), e()]);
            }
            plan.run(
                "INSERT INTO erased_entities (space, seq, entity_type, entity_id)
                 VALUES ($1, $2, $3, $4)",
                vec![g(), Param::Int(seq), text(kind), e()],
            );
            seq += 1;
        }
        plan.run(
            "UPDATE spaces SET next_seq = $2 WHERE id = $1",
            vec![g(), Param::Int(seq)],
        );
        // Changes from before records were named (no entity id).
        plan.count(
            Tally::Changes,
            "DELETE FROM changes WHERE space = $1 AND author = $2",
            vec![g(), a()],
        );
        if let Some((heir, role)) = successor {
            plan.receipt.groups_passed_on += 1;
            plan.run(
                "UPDATE spaces SET owner = $2 WHERE id = $1",
                vec![g(), text(&heir)],
            );
            if role == GroupRole::Member {
                plan.run(
                    "UPDATE space_members SET role = 'facilitator'
                     WHERE space = $1 AND account_id = $2",
                    vec![g(), text(&heir)],
                );
            }
            // A removal the departing facilitator made still stands.
            plan.run(
                "UPDATE space_removals SET removed_by = $2 WHERE space = $1 AND removed_by = $3",
                vec![g(), text(&heir), a()],
            );
        }
    }
    // Removals it made in groups it did not own stand, under the owner.
    plan.run(
        "UPDATE space_removals SET removed_by = (
             SELECT s.owner FROM spaces s WHERE s.id = space_removals.space)
         WHERE removed_by = $1",
        vec![a()],
    );
    plan.run(
        "DELETE FROM space_removals WHERE account_id = $1",
        vec![a()],
    );
    plan.run("DELETE FROM group_invites WHERE created_by = $1", vec![a()]);
    // Keys it held elsewhere must still turn over: each epoch keeps a
    // holder that names no one.
    plan.run(
        "INSERT INTO key_envelopes (space, key_name, epoch, recipient, body, created_ms)
         SELECT space, key_name, epoch, 'departed', '', 0 FROM key_envelopes
         WHERE recipient = $1 AND space <> $2
         ON CONFLICT DO NOTHING",
        vec![a(), text(&who.personal_space)],
    );
    plan.run("DELETE FROM key_envelopes WHERE recipient = $1", vec![a()]);
    // What it sent names it, and no device can check it once its identity
    // is gone: the epochs' other holders give them again.
    plan.run("DELETE FROM key_envelopes WHERE sender = $1", vec![a()]);
    // The epochs it began keep their commitments, checked from then on
    // against the key alone (its identity goes with it).
    plan.run(
        "UPDATE key_epochs SET began_by = 'departed' WHERE began_by = $1",
        vec![a()],
    );
    // The codes it joined with end, as on leaving (docs/adr/0020).
    plan.run(
        "UPDATE group_invites SET revoked_ms = 0 WHERE revoked_ms IS NULL
         AND verifier IN (SELECT joined_with FROM space_members WHERE account_id = $1)",
        vec![a()],
    );
    plan.count(
        Tally::GroupsLeft,
        "DELETE FROM space_members WHERE account_id = $1 AND space <> $2",
        vec![a(), text(&who.personal_space)],
    );
    delete_space(&mut plan, &who.personal_space, None);
    plan.run(
        "DELETE FROM share_accesses WHERE patient_account = $1 OR clinician_account = $1",
        vec![a()],
    );
    plan.count(
        Tally::Shares,
        "DELETE FROM shares WHERE patient_account = $1 OR clinician_account = $1",
        vec![a()],
    );
    plan.count(
        Tally::Devices,
        "DELETE FROM device_tokens WHERE account_id = $1",
        vec![a()],
    );
    plan.run(
        "DELETE FROM rate_limits
         WHERE key = $1 OR key = $3 OR key = $4 OR substr(key, 1, length($2)) = $2",
        vec![
            text(&crate::rate_limit::invite_key(&who.id)),
            text(&crate::rate_limit::sign_in_prefix(&who.email)),
            text(&crate::rate_limit::mail_key(&who.email)),
            text(&crate::rate_limit::lookup_key(&who.id)),
        ],
    );
    plan.run(
        "DELETE FROM sign_up_codes WHERE email = $1",
        vec![text(&who.email)],
    );
    plan.run("DELETE FROM accounts WHERE id = $1", vec![a()]);
    plan
}

/// Deletes a space and everything in it; `members` counts its memberships.
fn delete_space(plan: &mut DeletionPlan, space: &str, members: Option<Tally>) {
    let s = || vec![text(space)];
    plan.count(Tally::Changes, "DELETE FROM changes WHERE space = $1", s());
    for sql in [
        "DELETE FROM entity_owners WHERE space = $1",
        "DELETE FROM hidden_entities WHERE space = $1",
        "DELETE FROM erased_entities WHERE space = $1",
        "DELETE FROM key_envelopes WHERE space = $1",
        "DELETE FROM key_epochs WHERE space = $1",
        "DELETE FROM group_invites WHERE space = $1",
        "DELETE FROM space_removals WHERE space = $1",
    ] {
        plan.run(sql, s());
    }
    match members {
        Some(tally) => plan.count(tally, "DELETE FROM space_members WHERE space = $1", s()),
        None => plan.run("DELETE FROM space_members WHERE space = $1", s()),
    }
    plan.run("DELETE FROM spaces WHERE id = $1", s());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(owner: &str, others: &[(&str, GroupRole)]) -> GroupFacts {
        GroupFacts {
            id: "g".into(),
            owner: owner.into(),
            next_seq: 10,
            others: others.iter().map(|(a, r)| ((*a).to_owned(), *r)).collect(),
            naming: vec![
                ("group_message".into(), "m1".into(), None),
                ("group_message".into(), "m1".into(), Some("{}".into())),
                ("group_reaction".into(), "r1".into(), None),
            ],
        }
    }

    fn who() -> Departing {
        Departing {
            id: "a".into(),
            email: "a@example.org".into(),
            personal_space: "p".into(),
        }
    }

    #[test]
    fn a_group_passes_to_a_facilitator_before_a_member() {
        let others = [
            ("b".to_owned(), GroupRole::Member),
            ("c".to_owned(), GroupRole::Facilitator),
        ];
        assert_eq!(
            next_owner(&others),
            Some(("c".to_owned(), GroupRole::Facilitator))
        );
        assert_eq!(
            next_owner(&others[..1]),
            Some(("b".to_owned(), GroupRole::Member))
        );
        assert_eq!(next_owner(&[]), None);
    }

    #[test]
    fn each_record_is_erased_once_numbered_after_the_last_change() {
        let plan = plan(&who(), &[group("z", &[])]);
        let inserts: Vec<&Step> = plan
            .steps
            .iter()
            .filter(|s| s.sql.starts_with("INSERT INTO erased_entities"))
            .collect();
        assert_eq!(inserts.len(), 2);
        assert_eq!(inserts[0].params[1], Param::Int(10));
        assert_eq!(inserts[1].params[1], Param::Int(11));
        assert_eq!(plan.receipt.group_records, 2);
        assert!(plan
            .steps
            .iter()
            .any(|s| s.sql.starts_with("UPDATE spaces SET next_seq")
                && s.params[1] == Param::Int(12)));
    }

    #[test]
    fn a_group_no_one_else_is_in_is_deleted_not_erased_from() {
        let plan = plan(&who(), &[group("a", &[])]);
        assert_eq!(plan.receipt.groups_deleted, 1);
        assert_eq!(plan.receipt.group_records, 0);
        assert!(plan
            .steps
            .iter()
            .any(|s| s.sql == "DELETE FROM spaces WHERE id = $1"
                && s.params == [Param::Text("g".into())]));
    }

    #[test]
    fn a_departing_facilitators_hide_takes_the_hidden_message_with_it() {
        let hide = Change {
            change_id: "c".into(),
            space: "g".into(),
            entity_type: GROUP_HIDE.into(),
            entity_id: "h1".into(),
            field: "*".into(),
            value: serde_json::json!({"id": "h1", "message_id": "m9", "group_id": "g"}),
            hlc: pph_protocol::Hlc {
                wall_ms: 1,
                counter: 0,
                node: "n".into(),
            },
        };
        let naming = vec![(
            GROUP_HIDE.to_owned(),
            "h1".to_owned(),
            Some(serde_json::to_string(&hide).expect("json")),
        )];
        let targets = erasure_targets(&naming);
        assert!(targets.contains(&(GROUP_MESSAGE.to_owned(), "m9".to_owned())));
        assert!(targets.contains(&(GROUP_HIDE.to_owned(), "h1".to_owned())));
    }
}

pph_protocol::debug_without_secrets!(Departing,);
