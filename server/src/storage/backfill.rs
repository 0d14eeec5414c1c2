//! Schema step 4's data: who wrote the changes stored before the server
//! kept authors, and who created each record. A personal space's changes are
//! its person's; a group record's creator is the account its creating
//! change names in its author field (not checked when it was stored, but
//! all there is). A group edit from before v4 keeps no author: clients set
//! it aside. Each backend reads the rows and writes this back in step 4's
//! transaction.

use super::{Owner, SpaceKind};
use pph_protocol::authz::WHOLE_RECORD;
use pph_protocol::{kinds, Change};
use std::collections::{HashMap, HashSet};

/// A change stored before v4, in (space, seq) order.
pub struct LegacyChange {
    pub space: String,
    pub seq: i64,
    pub body: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Backfill {
    /// (space, seq, author) for every change whose writer is known.
    pub authors: Vec<(String, i64, String)>,
    /// The first change of every record: where it lives, and its creator.
    pub owners: Vec<(String, Owner)>,
}

/// `spaces`: each space's kind and owner.
pub fn backfill_v4(
    changes: &[LegacyChange],
    spaces: &HashMap<String, (SpaceKind, String)>,
) -> Backfill {
    let mut out = Backfill::default();
    let mut owned: HashSet<String> = HashSet::new();
    for row in changes {
        let (Some((kind, owner)), Ok(change)) = (
            spaces.get(&row.space),
            serde_json::from_str::<Change>(&row.body),
        ) else {
            continue;
        };
        let author = match kind {
            SpaceKind::Personal => Some(owner.clone()),
            SpaceKind::Group if change.field == WHOLE_RECORD => kinds::rule(&change.entity_type)
                .and_then(|r| r.author_field)
                .and_then(|f| change.value.get(f))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            SpaceKind::Group => None,
        };
        if let Some(author) = &author {
            out.authors
                .push((row.space.clone(), row.seq, author.clone()));
        }
        if owned.insert(change.entity_id.clone()) {
            let creator =
                author.filter(|_| change.field == WHOLE_RECORD || *kind == SpaceKind::Personal);
            out.owners.push((
                change.entity_id,
                Owner {
                    space: row.space.clone(),
                    kind: change.entity_type,
                    creator,
                    party: None,
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pph_protocol::Hlc;
    use serde_json::json;

    fn row(
        space: &str,
        seq: i64,
        kind: &str,
        entity: &str,
        field: &str,
        value: serde_json::Value,
    ) -> LegacyChange {
        let change = Change {
            change_id: format!("c{seq}"),
            space: space.into(),
            entity_type: kind.into(),
            entity_id: entity.into(),
            field: field.into(),
            value,
            hlc: Hlc::zero("n"),
        };
        LegacyChange {
            space: space.into(),
            seq,
            body: serde_json::to_string(&change).expect("json"),
        }
    }

    #[test]
    fn personal_changes_are_their_persons_and_group_creations_name_their_author() {
        let spaces = HashMap::from([
            ("p".to_owned(), (SpaceKind::Personal, "ann".to_owned())),
            ("g".to_owned(), (SpaceKind::Group, "fac".to_owned())),
        ]);
        let rows = [
            row(
                "g",
                1,
                kinds::GROUP_MESSAGE,
                "m",
                "*",
                json!({"author_id": "bob"}),
            ),
            row("g", 2, kinds::GROUP_MESSAGE, "m", "body", json!("edited")),
            row("g", 3, kinds::GROUP_MESSAGE, "orphan", "body", json!("x")),
            row("p", 1, kinds::CARE_PLAN, "plan", "title", json!("t")),
        ];
        let out = backfill_v4(&rows, &spaces);
        assert_eq!(
            out.authors,
            vec![("g".into(), 1, "bob".into()), ("p".into(), 1, "ann".into())]
        );
        let creators: Vec<(&str, Option<&str>)> = out
            .owners
            .iter()
            .map(|(id, o)| (id.as_str(), o.creator.as_deref()))
            .collect();
        assert_eq!(
            creators,
            vec![("m", Some("bob")), ("orphan", None), ("plan", Some("ann"))]
        );
    }
}
