//! Property: random pushes by random accounts, of random kinds, into random
//! spaces, are stored exactly when the rules allow them, so nobody ever
//! changes a record they may not. The rules are written out again here, in
//! a small model of their own (from the trust issue's words, not from
//! `protocol/src/kinds.rs`), and the storage on each backend must agree
//! with the model on every push.

use pph_protocol::ids::owned_id;
use pph_protocol::wire::Role;
use pph_server::storage::*;
use pph_testing::id;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

const ACCOUNTS: usize = 3;

/// Who writes: 0 facilitates group 0, 2 facilitates group 1; 1 is a member
/// of both; 2 is also a member of group 0.
struct World {
    accounts: Vec<Account>,
    groups: Vec<String>,
}

impl World {
    fn spaces(&self) -> Vec<String> {
        self.accounts
            .iter()
            .map(|a| a.personal_space.clone())
            .chain(self.groups.iter().cloned())
            .collect()
    }

    /// The model's view of who may be in which space, and as what.
    fn standing(&self, actor: usize, space: usize) -> Standing {
        match space {
            s if s < ACCOUNTS => {
                if s == actor {
                    Standing::Owner
                } else {
                    Standing::Outsider
                }
            }
            s => match (s - ACCOUNTS, actor) {
                (0, 0) | (1, 2) => Standing::Facilitator,
                (0, _) | (1, 1) => Standing::Member,
                _ => Standing::Outsider,
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Standing {
    Owner,
    Facilitator,
    Member,
    Outsider,
}

async fn world(s: &Arc<Storage>) -> World {
    let accounts: Vec<Account> = (0..ACCOUNTS)
        .map(|i| {
            let id = id();
            Account {
                email: format!("{id}@example.org"),
                display_name: format!("person {i}"),
                role: Role::Patient,
                personal_space: uuid::Uuid::now_v7().to_string(),
                password_hash: "$argon2id$stand-in".into(),
                created_ms: 0,
                kdf: None,
                id,
            }
        })
        .collect();
    for a in &accounts {
        s.create_account(a).await.expect("account");
    }
    let groups = vec![id(), id()];
    s.create_group_space(&groups[0], &accounts[0].id, "founding")
        .await
        .expect("g0");
    s.create_group_space(&groups[1], &accounts[2].id, "founding")
        .await
        .expect("g1");
    s.add_member(&groups[0], &accounts[1].id).await.expect("m");
    s.add_member(&groups[0], &accounts[2].id).await.expect("m");
    s.add_member(&groups[1], &accounts[1].id).await.expect("m");
    World { accounts, groups }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    CarePlan,
    Spend,
    Message,
    Meetup,
    Rsvp,
    Hide,
    Bogus,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::CarePlan => "care_plan",
            Kind::Spend => "budget_spend",
            Kind::Message => "group_message",
            Kind::Meetup => "group_meetup",
            Kind::Rsvp => "meetup_rsvp",
            Kind::Hide => "group_hide",
            Kind::Bogus => "spell",
        }
    }

    fn personal(self) -> bool {
        matches!(self, Kind::CarePlan | Kind::Spend)
    }

    /// The field naming who wrote it, for group kinds.
    fn author_field(self) -> Option<&'static str> {
        match self {
            Kind::Message => Some("author_id"),
            Kind::Meetup => Some("created_by"),
            Kind::Rsvp => Some("account_id"),
            Kind::Hide => Some("hidden_by"),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
enum Target {
    /// A new record, its id made as `IdMade` says.
    New(IdMade),
    /// The n-th record created so far (if any).
    Existing(usize),
}

#[derive(Clone, Copy, Debug)]
enum IdMade {
    Random,
    OwnedByWriter,
    OwnedBySomeoneElse,
}

#[derive(Clone, Debug)]
struct Op {
    actor: usize,
    space: usize,
    kind: Kind,
    target: Target,
    /// A field edit (None: the whole record).
    field: Option<&'static str>,
    /// Whether the record claims someone else as its author.
    claims_other: bool,
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        Just(Kind::CarePlan),
        Just(Kind::Spend),
        Just(Kind::Message),
        Just(Kind::Meetup),
        Just(Kind::Rsvp),
        Just(Kind::Hide),
        Just(Kind::Bogus),
    ];
    let target = prop_oneof![
        2 => prop_oneof![Just(IdMade::Random), Just(IdMade::OwnedByWriter), Just(IdMade::OwnedBySomeoneElse)]
            .prop_map(Target::New),
        3 => (0usize..40).prop_map(Target::Existing),
    ];
    let field = prop_oneof![
        Just(None),
        Just(Some("body")),
        Just(Some("title")),
        Just(Some("answer")),
        Just(Some("amount_pence")),
        Just(Some("author_id")),
        Just(Some("group_id")),
    ];
    (
        0..ACCOUNTS,
        0..ACCOUNTS + 2,
        kind,
        target,
        field,
        proptest::bool::weighted(0.2),
    )
        .prop_map(|(actor, space, kind, target, field, claims_other)| Op {
            actor,
            space,
            kind,
            target,
            field,
            claims_other,
        })
}

/// A record as the model knows it.
#[derive(Clone, Debug)]
struct Record {
    id: String,
    kind: Kind,
    space: usize,
    creator: usize,
}

/// The model: may `op` (on `existing`, if it names one) be stored?
fn allowed(world: &World, op: &Op, existing: Option<&Record>, entity_id: &str) -> bool {
    if op.kind == Kind::Bogus {
        return false;
    }
    let standing = world.standing(op.actor, op.space);
    if standing == Standing::Outsider || op.kind.personal() != (op.space < ACCOUNTS) {
        return false;
    }
    if op.claims_other && op.kind.author_field().is_some() {
        let writes_author = op.field.is_none() || op.field == op.kind.author_field();
        if writes_author {
            return false;
        }
    }
    match existing {
        Some(r) => {
            if r.space != op.space || r.kind != op.kind {
                return false;
            }
            let field = op.field.unwrap_or("*");
            let group_kind = !op.kind.personal();
            if group_kind
                && (field == "group_id" || (field == "author_id" && op.kind == Kind::Message))
            {
                return false; // never moved, never handed to someone else
            }
            match op.kind {
                Kind::CarePlan => true,
                Kind::Spend => false, // money is never edited
                Kind::Message => r.creator == op.actor,
                Kind::Meetup => {
                    field != "created_by"
                        && (r.creator == op.actor || standing == Standing::Facilitator)
                }
                Kind::Rsvp => r.creator == op.actor,
                Kind::Hide => standing == Standing::Facilitator,
                Kind::Bogus => false,
            }
        }
        // A personal record's edits may arrive before its creation; money
        // is never edited, arrived or not.
        None if op.field.is_some() => op.kind == Kind::CarePlan,
        None => match op.kind {
            Kind::Hide => standing == Standing::Facilitator,
            Kind::Rsvp => pph_protocol::ids::is_owned_by(entity_id, &world.accounts[op.actor].id),
            _ => true,
        },
    }
}

fn record_value(world: &World, op: &Op, entity_id: &str) -> Value {
    let author = if op.claims_other {
        &world.accounts[(op.actor + 1) % ACCOUNTS].id
    } else {
        &world.accounts[op.actor].id
    };
    let mut v = json!({ "id": entity_id, "title": "x" });
    if let Some(field) = op.kind.author_field() {
        v[field] = json!(author);
        v["group_id"] = json!(world.spaces()[op.space]);
    }
    v
}

fn field_value(world: &World, op: &Op, field: &str) -> Value {
    match field {
        "author_id" if op.claims_other => json!(world.accounts[(op.actor + 1) % ACCOUNTS].id),
        "author_id" => json!(world.accounts[op.actor].id),
        "group_id" => json!(world.groups[0]),
        _ => json!("changed"),
    }
}

async fn run(s: Arc<Storage>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let world = world(&s).await;
    let spaces = world.spaces();
    let mut records: Vec<Record> = Vec::new();
    let mut stored: HashMap<String, bool> = HashMap::new();
    for op in ops {
        let actor_id = &world.accounts[op.actor].id;
        let (entity_id, existing) = match &op.target {
            Target::Existing(n) if !records.is_empty() => {
                let r = records[n % records.len()].clone();
                (r.id.clone(), Some(r))
            }
            Target::New(IdMade::OwnedByWriter) => (owned_id(actor_id, &[&id()]), None),
            Target::New(IdMade::OwnedBySomeoneElse) => (
                owned_id(&world.accounts[(op.actor + 1) % ACCOUNTS].id, &[&id()]),
                None,
            ),
            _ => (id(), None),
        };
        let (field, value) = match op.field {
            None => ("*".to_owned(), record_value(&world, &op, &entity_id)),
            Some(f) => (f.to_owned(), field_value(&world, &op, f)),
        };
        let change = IncomingChange {
            change_id: id(),
            space: spaces[op.space].clone(),
            entity_type: op.kind.name().into(),
            entity_id: entity_id.clone(),
            field,
            value: Some(value),
            body: "{}".into(),
            hides: None,
            sealed_only: false,
            sealed_under: None,
        };
        let expected = allowed(&world, &op, existing.as_ref(), &entity_id);
        let outcome = s.push(actor_id, std::slice::from_ref(&change)).await;
        match (&outcome, expected) {
            (Ok(_), true) | (Err(PushError::Refused(_)), false) => {}
            other => {
                return Err(TestCaseError::fail(format!(
                    "model says {expected}, storage did {other:?} for {op:?} on {existing:?}"
                )))
            }
        }
        stored.insert(change.change_id.clone(), outcome.is_ok());
        if outcome.is_ok() && existing.is_none() && op.field.is_none() {
            records.push(Record {
                id: entity_id,
                kind: op.kind,
                space: op.space,
                creator: op.actor,
            });
        }
    }
    // The relay serves exactly what the model allowed, no more.
    let served: usize = {
        let mut n = 0;
        for space in &spaces {
            n += s
                .pull(space, 0, 1_000, Readable::ALL)
                .await
                .expect("pull")
                .len();
        }
        n
    };
    prop_assert_eq!(served, stored.values().filter(|ok| **ok).count());
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_stores_exactly_what_the_rules_allow(ops in proptest::collection::vec(op(), 1..40)) {
        runtime().block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let s: Arc<Storage> = Arc::new(Storage::open_sqlite(&dir.path().join("s.db")).expect("open"));
            run(s, ops).await
        })?;
    }

    #[test]
    fn postgres_stores_exactly_what_the_rules_allow(ops in proptest::collection::vec(op(), 1..40)) {
        let Some(url) = pph_testing::Service::Postgres.get() else {
            return Ok(());
        };
        runtime().block_on(async {
            let s: Arc<Storage> = Arc::new(Storage::connect_postgres(&url).await.expect("connect"));
            run(s, ops).await
        })?;
    }
}
