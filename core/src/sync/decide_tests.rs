//! The merge's decision on one pulled change, without a store: each fact
//! in turn settles it, and a settled change asks nothing more (a duplicate
//! is never judged; a refused change never reaches the clock).

use super::merge::{decide, Authored, Facts, Fate};
use crate::error::Result;
use pph_protocol::authz::Refusal;
use pph_protocol::{Change, Hlc};

/// Facts given up front, with the questions asked recorded.
#[derive(Default)]
struct Given {
    seen: Option<bool>,
    verdict: Option<Refusal>,
    ahead: bool,
    asked: Vec<&'static str>,
}

impl Facts for Given {
    fn seen_before(&mut self, _: &Change) -> Result<Option<bool>> {
        self.asked.push("seen");
        Ok(self.seen)
    }

    fn judged(&mut self, _: &Authored) -> Result<std::result::Result<(), Refusal>> {
        self.asked.push("judged");
        Ok(self.verdict.map_or(Ok(()), Err))
    }

    fn too_far_ahead(&self, _: &Change) -> bool {
        self.ahead
    }
}

fn authored() -> Authored {
    Authored {
        author: "0190a5c2-0000-7000-8000-00000000000a".into(),
        change: Change {
            change_id: "0190a5c2-0000-7000-8000-0000000000c1".into(),
            space: "0190a5c2-0000-7000-8000-0000000000f1".into(),
            entity_type: "group_message".into(),
            entity_id: "0190a5c2-0000-7000-8000-0000000000e1".into(),
            field: "text".into(),
            value: serde_json::json!("hello"),
            hlc: Hlc {
                wall_ms: 1_772_442_000_000,
                counter: 0,
                node: "0190a5c2-0000-7000-8000-0000000000d1".into(),
            },
        },
    }
}

fn fate(a: &Authored, facts: &mut Given) -> Fate {
    decide(a, facts).expect("decided")
}

#[test]
fn a_new_allowed_change_in_time_is_stored_after_every_question() {
    let mut facts = Given::default();
    assert_eq!(fate(&authored(), &mut facts), Fate::Stored);
    assert_eq!(facts.asked, ["seen", "judged"]);
}

#[test]
fn a_malformed_change_is_rejected_before_any_question() {
    let mut a = authored();
    a.change.entity_id = "not an id".into();
    let mut facts = Given::default();
    assert_eq!(fate(&a, &mut facts), Fate::Rejected);
    assert!(facts.asked.is_empty());
}

#[test]
fn a_change_here_already_is_a_duplicate_and_never_judged() {
    let mut facts = Given {
        seen: Some(true),
        verdict: Some(Refusal::NotAuthor),
        ..Given::default()
    };
    assert_eq!(fate(&authored(), &mut facts), Fate::Duplicate);
    assert_eq!(facts.asked, ["seen"]);
}

#[test]
fn an_id_used_for_another_change_is_set_aside() {
    let mut facts = Given {
        seen: Some(false),
        ..Given::default()
    };
    assert_eq!(
        fate(&authored(), &mut facts),
        Fate::SetAside(Refusal::ChangeIdReused)
    );
    assert_eq!(facts.asked, ["seen"]);
}

#[test]
fn a_change_the_table_refuses_is_set_aside_under_its_rule_even_when_far_ahead() {
    let mut facts = Given {
        verdict: Some(Refusal::NotAuthor),
        ahead: true,
        ..Given::default()
    };
    assert_eq!(
        fate(&authored(), &mut facts),
        Fate::SetAside(Refusal::NotAuthor)
    );
}

#[test]
fn an_allowed_change_stamped_too_far_ahead_is_rejected() {
    let mut facts = Given {
        ahead: true,
        ..Given::default()
    };
    assert_eq!(fate(&authored(), &mut facts), Fate::Rejected);
}
