//! The client's judge on pulled changes, without a server: what a relay
//! that does not check (out of date, or broken into) could serve, and what
//! this store does with it.

use super::merge::{apply_page, Authored};
use crate::clock::ManualClock;
use crate::store::authz::SpaceFacts;
use crate::store::Store;
use pph_protocol::kinds::{self, SpaceKind};
use pph_protocol::wire::ErasedRecord;
use pph_protocol::{Change, Hlc};
use serde_json::{json, Value};
use std::sync::Arc;

const T0: u64 = 1_772_442_000_000;
const ANN: &str = "0190a5c2-0000-7000-8000-00000000000a";
const BOB: &str = "0190a5c2-0000-7000-8000-00000000000b";
const CAT: &str = "0190a5c2-0000-7000-8000-00000000000c";

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    g1: SpaceFacts,
    g2: SpaceFacts,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(
        &dir.path().join("s.db"),
        &[9; 32],
        "test",
        Arc::new(ManualClock::new(T0)),
    )
    .expect("open");
    let group = |owner: &str| SpaceFacts {
        space: id(),
        kind: SpaceKind::Group,
        owner: owner.into(),
        facilitators: vec![owner.into()],
        clinicians: vec![],
    };
    Fixture {
        g1: group(ANN),
        g2: group(BOB),
        store,
        _dir: dir,
    }
}

fn change(space: &str, kind: &str, entity: &str, field: &str, value: Value) -> Change {
    Change {
        change_id: id(),
        space: space.into(),
        entity_type: kind.into(),
        entity_id: entity.into(),
        field: field.into(),
        value,
        hlc: Hlc {
            wall_ms: T0,
            counter: 0,
            node: "feedfacefeedface".into(),
        },
    }
}

fn by(author: &str, change: Change) -> Authored {
    Authored {
        author: author.into(),
        change,
    }
}

fn message(group: &str, author: &str, name: &str) -> (String, Change) {
    let id = id();
    let value = json!({"id": id, "group_id": group, "author_id": author, "author_name": name,
                       "body": "hello", "reply_to": null, "sent_at_ms": T0, "edited": false,
                       "retracted": false});
    (
        id.clone(),
        change(group, kinds::GROUP_MESSAGE, &id, "*", value),
    )
}

fn set_aside_rules(store: &Store) -> Vec<String> {
    let mut rules: Vec<String> = store
        .read(super::store::set_aside_changes)
        .expect("set aside")
        .into_iter()
        .map(|c| c.rule)
        .collect();
    rules.sort();
    rules
}

#[test]
fn a_record_is_never_touched_from_another_space() {
    let f = fixture();
    let (msg, created) = message(&f.g1.space, ANN, "Ann");
    let report = apply_page(&f.store, &f.g1, &[by(ANN, created)], &[], 1).expect("apply");
    assert_eq!(report.applied, 1);
    // Bob, in his own group, edits Ann's message by id; then reacts in his
    // group to it; then a page from g1 names g2 as its space.
    let edit = change(
        &f.g2.space,
        kinds::GROUP_MESSAGE,
        &msg,
        "body",
        json!("forged"),
    );
    let reaction_id = pph_protocol::ids::owned_id(BOB, &[&msg, "👍"]);
    let reaction = change(
        &f.g2.space,
        kinds::GROUP_REACTION,
        &reaction_id,
        "*",
        json!({"id": reaction_id, "message_id": msg, "group_id": f.g2.space, "account_id": BOB,
               "emoji": "👍", "active": true}),
    );
    let astray = change(&f.g2.space, kinds::GROUP_MESSAGE, &id(), "*", json!({}));
    let report =
        apply_page(&f.store, &f.g2, &[by(BOB, edit), by(BOB, reaction)], &[], 1).expect("apply");
    assert_eq!((report.applied, report.set_aside), (0, 2));
    let report = apply_page(&f.store, &f.g1, &[by(BOB, astray)], &[], 2).expect("apply");
    assert_eq!(report.set_aside, 1);
    assert_eq!(
        set_aside_rules(&f.store),
        ["other_space", "parent_elsewhere", "wrong_space"]
    );
}

#[test]
fn group_edits_need_their_creation_and_a_rewrite_keeps_fixed_fields() {
    let f = fixture();
    let orphan = change(
        &f.g1.space,
        kinds::GROUP_MESSAGE,
        &id(),
        "body",
        json!("hi"),
    );
    let (msg, created) = message(&f.g1.space, BOB, "Bob");
    let renamed = change(
        &f.g1.space,
        kinds::GROUP_MESSAGE,
        &msg,
        "*",
        json!({"id": msg, "group_id": f.g1.space, "author_id": BOB, "author_name": "Nurse Ann",
               "body": "hello", "reply_to": null, "sent_at_ms": T0, "edited": false,
               "retracted": false}),
    );
    let report = apply_page(
        &f.store,
        &f.g1,
        &[by(BOB, orphan), by(BOB, created), by(BOB, renamed)],
        &[],
        3,
    )
    .expect("apply");
    assert_eq!((report.applied, report.set_aside), (1, 2));
    assert_eq!(set_aside_rules(&f.store), ["fixed_field", "no_creation"]);
}

#[test]
fn a_reused_change_id_is_set_aside_and_a_repeat_is_a_duplicate() {
    let f = fixture();
    let (_, created) = message(&f.g1.space, ANN, "Ann");
    let (_, other) = message(&f.g1.space, ANN, "Ann");
    let reused = Change {
        change_id: created.change_id.clone(),
        ..other
    };
    let page = [by(ANN, created.clone()), by(ANN, created), by(ANN, reused)];
    let report = apply_page(&f.store, &f.g1, &page, &[], 3).expect("apply");
    assert_eq!(
        (report.applied, report.duplicates, report.set_aside),
        (1, 1, 1)
    );
    assert_eq!(set_aside_rules(&f.store), ["change_id_reused"]);
}

#[test]
fn only_the_person_writes_their_personal_space_and_edits_may_come_first() {
    let f = fixture();
    let mine = SpaceFacts {
        space: f.store.personal_space(),
        kind: SpaceKind::Personal,
        owner: ANN.into(),
        facilitators: vec![],
        clinicians: vec![],
    };
    let plan = id();
    let retitle = change(
        &mine.space,
        kinds::CARE_PLAN,
        &plan,
        "title",
        json!("Later title"),
    );
    let create = change(
        &mine.space,
        kinds::CARE_PLAN,
        &plan,
        "*",
        json!({"id": plan, "title": "First", "what_matters": "", "status": "active", "next_review": null}),
    );
    let intruder = change(
        &mine.space,
        kinds::CARE_PLAN,
        &plan,
        "title",
        json!("forged"),
    );
    let report = apply_page(
        &f.store,
        &mine,
        &[by(ANN, retitle), by(BOB, intruder)],
        &[],
        2,
    )
    .expect("edit first");
    assert_eq!(
        (report.applied, report.waiting, report.set_aside),
        (1, 1, 1)
    );
    let report =
        apply_page(&f.store, &mine, &[by(ANN, create)], &[], 3).expect("then the creation");
    assert_eq!((report.applied, report.waiting), (1, 0));
    assert_eq!(set_aside_rules(&f.store), ["not_owner"]);
}

#[test]
fn an_exchange_between_two_others_is_set_aside_unless_this_account_runs_the_group() {
    let f = fixture();
    // This store's account ('' before sign-in) is neither Ann nor Bob.
    let exchange = |space: &str| {
        let id = id();
        let value = json!({"id": id, "group_id": space, "giver_id": BOB, "giver_name": "Bob",
                           "receiver_id": ANN, "receiver_name": "Ann", "minutes": 30,
                           "category": "company", "on_date": "2026-03-02", "note": "",
                           "post_id": null, "reverses": null, "created_at_ms": T0,
                           "confirmed_at_ms": null, "withdrawn_at_ms": null});
        change(space, kinds::TIMEBANK_EXCHANGE, &id, "*", value)
    };
    let report =
        apply_page(&f.store, &f.g1, &[by(BOB, exchange(&f.g1.space))], &[], 1).expect("apply");
    assert_eq!((report.applied, report.set_aside), (0, 1));
    assert_eq!(set_aside_rules(&f.store), ["not_a_party"]);
    // Where this account facilitates, it holds every exchange.
    let mine = SpaceFacts {
        facilitators: vec![String::new()],
        ..f.g2.clone()
    };
    let report =
        apply_page(&f.store, &mine, &[by(BOB, exchange(&mine.space))], &[], 1).expect("apply");
    assert_eq!((report.applied, report.set_aside), (1, 0));
}

/// An erasure removes a group record with its changes; one naming a
/// record of the person's own space, or a kind that is not a group's, is
/// ignored: a relay cannot delete a person's records by naming them.
#[test]
fn an_erasure_deletes_a_group_record_and_nothing_of_another_space() {
    let f = fixture();
    let (msg, created) = message(&f.g1.space, ANN, "Ann");
    apply_page(&f.store, &f.g1, &[by(ANN, created)], &[], 1).expect("apply");
    let (theirs, in_g2) = message(&f.g2.space, BOB, "Bob");
    apply_page(&f.store, &f.g2, &[by(BOB, in_g2)], &[], 1).expect("apply");
    let plan = id();
    let create = change(
        &f.store.personal_space(),
        kinds::CARE_PLAN,
        &plan,
        "*",
        json!({"id": plan, "title": "Mine", "what_matters": "", "status": "active", "next_review": null}),
    );
    super::merge::apply_remote(&f.store, &[create]).expect("own plan");
    let erase = |kind: &str, entity: &str, seq: i64| ErasedRecord {
        seq,
        entity_type: kind.into(),
        entity_id: entity.into(),
    };
    let report = apply_page(
        &f.store,
        &f.g1,
        &[],
        &[
            erase(kinds::CARE_PLAN, &plan, 2),
            erase(kinds::GROUP_MESSAGE, &theirs, 3),
            erase(kinds::GROUP_MESSAGE, &msg, 4),
        ],
        4,
    )
    .expect("erase");
    assert_eq!(report.erased, 1);
    let (messages, logged, plans): (i64, i64, i64) = f
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM group_messages),
                        (SELECT count(*) FROM change_log WHERE entity_id = ?1),
                        (SELECT count(*) FROM care_plans)",
                [&msg],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .expect("count");
    assert_eq!((messages, logged, plans), (1, 0, 1));
}

#[test]
fn a_review_proposal_applies_only_from_a_clinician_the_care_plan_is_shared_with() {
    let f = fixture();
    let shared = |scopes: Vec<pph_protocol::wire::Scope>| SpaceFacts {
        space: f.store.personal_space(),
        kind: SpaceKind::Personal,
        owner: ANN.into(),
        facilitators: vec![],
        clinicians: vec![pph_protocol::wire::ClinicianAccess {
            account_id: BOB.into(),
            scopes,
        }],
    };
    let proposal = |space: &str| {
        let id = id();
        let value = json!({"id": id, "plan_id": id, "proposed_by": BOB, "proposer_name": "Dr Bob",
                           "proposed_at_ms": T0, "date": "2026-03-02", "participants": ["Ann"],
                           "notes": "", "outcome": "Keep going", "next_review": null,
                           "decision": null, "decided_at_ms": null, "review_id": null});
        change(space, kinds::PLAN_PROPOSAL, &id, "*", value)
    };
    use pph_protocol::wire::Scope;
    let diary_only = shared(vec![Scope::Diary]);
    let report = apply_page(
        &f.store,
        &diary_only,
        &[by(BOB, proposal(&diary_only.space))],
        &[],
        1,
    )
    .expect("apply");
    assert_eq!((report.applied, report.set_aside), (0, 1));
    assert_eq!(set_aside_rules(&f.store), ["not_shared"]);
    let care = shared(vec![Scope::CarePlan]);
    let report =
        apply_page(&f.store, &care, &[by(BOB, proposal(&care.space))], &[], 2).expect("apply");
    assert_eq!((report.applied, report.set_aside), (1, 0));
    // Someone the person shares nothing with writes nothing there.
    let report =
        apply_page(&f.store, &care, &[by(CAT, proposal(&care.space))], &[], 3).expect("apply");
    assert_eq!((report.applied, report.set_aside), (0, 1));
}
