//! One storage conformance suite, run against every backend: SQLite always,
//! PostgreSQL when `PPH_TEST_DATABASE_URL` names one (scripts/test.sh starts
//! a throwaway cluster). Every test makes its own accounts and spaces, so the
//! PostgreSQL database may be shared between runs.

use pph_protocol::wire::{PushResponse, Role, Scope};
use pph_server::storage::*;
use std::io::Write;
use std::sync::Arc;

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn sqlite_storage() -> (Arc<dyn Storage>, Option<tempfile::TempDir>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    // Opened twice: the second open finds every step applied.
    drop(SqliteStorage::open(&path).expect("first open"));
    let storage = SqliteStorage::open(&path).expect("open sqlite");
    (Arc::new(storage), Some(dir))
}

async fn postgres_storage() -> Option<(Arc<dyn Storage>, Option<tempfile::TempDir>)> {
    let Ok(url) = std::env::var("PPH_TEST_DATABASE_URL") else {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            // Straight to stderr, past the test harness's capture, so a run
            // without PostgreSQL says so instead of passing silently.
            let _ = writeln!(
                std::io::stderr(),
                "PostgreSQL conformance suite NOT RUN: PPH_TEST_DATABASE_URL is not set"
            );
        });
        return None;
    };
    let storage = PostgresStorage::connect(&url)
        .await
        .expect("PPH_TEST_DATABASE_URL is set but PostgreSQL cannot be reached");
    Some((Arc::new(storage), None))
}

fn account(role: Role) -> Account {
    let id = id();
    Account {
        email: format!("{id}@example.org"),
        display_name: "Test Person".into(),
        role,
        personal_space: uuid::Uuid::now_v7().to_string(),
        password_hash: "$argon2id$stand-in".into(),
        created_ms: 1_000,
        id,
    }
}

fn change(space: &str, kind: &str) -> IncomingChange {
    let change_id = id();
    IncomingChange {
        body: format!("{{\"change_id\":\"{change_id}\"}}"),
        change_id,
        space: space.to_owned(),
        entity_type: kind.to_owned(),
        entity_id: id(),
        hides: None,
    }
}

async fn seqs(s: &dyn Storage, space: &str) -> Vec<i64> {
    s.pull(space, 0, 1_000, None)
        .await
        .expect("pull")
        .into_iter()
        .map(|(seq, _)| seq)
        .collect()
}

async fn the_schema_is_at_the_latest_step(s: Arc<dyn Storage>) {
    assert_eq!(s.schema_version().await.expect("version"), latest_version());
}

async fn accounts_are_unique_by_email_and_space(s: Arc<dyn Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    assert_eq!(
        s.account_by_email(&a.email).await.expect("get"),
        Some(a.clone())
    );
    let same_email = Account {
        id: id(),
        personal_space: id(),
        ..a.clone()
    };
    assert!(matches!(
        s.create_account(&same_email).await,
        Err(StorageError::Conflict)
    ));
    let same_space = Account {
        id: id(),
        email: format!("{}@example.org", id()),
        ..a.clone()
    };
    assert!(matches!(
        s.create_account(&same_space).await,
        Err(StorageError::Conflict)
    ));
    assert_eq!(
        s.account_by_email("nobody@example.org").await.expect("get"),
        None
    );
    assert!(s.is_member(&a.personal_space, &a.id).await.expect("member"));
}

async fn tokens_find_their_account_until_revoked(s: Arc<dyn Storage>) {
    let a = account(Role::Clinician);
    s.create_account(&a).await.expect("create");
    let hash = id();
    s.add_token(&hash, &a.id, "phone", 5).await.expect("token");
    let found = s.account_for_token(&hash).await.expect("lookup");
    assert_eq!(
        found.map(|f| (f.id, f.role)),
        Some((a.id.clone(), Role::Clinician))
    );
    s.revoke_token(&hash, 6).await.expect("revoke");
    assert_eq!(s.account_for_token(&hash).await.expect("lookup"), None);
    assert_eq!(s.account_for_token(&id()).await.expect("lookup"), None);
}

async fn push_is_idempotent_and_numbers_each_space(s: Arc<dyn Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let group = id();
    s.create_group_space(&group, &a.id).await.expect("group");
    let batch: Vec<_> = (0..3)
        .map(|_| change(&a.personal_space, "care_plan"))
        .chain([change(&group, "group_message")])
        .collect();
    let first = s.push(&batch).await.expect("push");
    assert_eq!(
        first,
        PushResponse {
            accepted: 4,
            duplicates: 0
        }
    );
    let again = s.push(&batch).await.expect("retried push");
    assert_eq!(
        again,
        PushResponse {
            accepted: 0,
            duplicates: 4
        }
    );
    let mixed = vec![batch[0].clone(), change(&a.personal_space, "plan_goal")];
    assert_eq!(
        s.push(&mixed).await.expect("mixed"),
        PushResponse {
            accepted: 1,
            duplicates: 1
        }
    );
    assert_eq!(seqs(&*s, &a.personal_space).await, vec![1, 2, 3, 4]);
    assert_eq!(seqs(&*s, &group).await, vec![1]);
    let bodies: Vec<String> = s
        .pull(&a.personal_space, 0, 10, None)
        .await
        .expect("pull")
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert_eq!(
        bodies[..3],
        batch[..3]
            .iter()
            .map(|c| c.body.clone())
            .collect::<Vec<_>>()[..]
    );
}

async fn pull_pages_from_a_cursor_and_filters_kinds(s: Arc<dyn Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let kinds = [
        "care_plan",
        "diary_entry",
        "budget",
        "diary_entry",
        "care_plan",
    ];
    let batch: Vec<_> = kinds.iter().map(|k| change(&a.personal_space, k)).collect();
    s.push(&batch).await.expect("push");
    let page1 = s.pull(&a.personal_space, 0, 2, None).await.expect("page 1");
    assert_eq!(page1.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2]);
    let page2 = s.pull(&a.personal_space, 2, 2, None).await.expect("page 2");
    assert_eq!(page2.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 4]);
    let last = s.pull(&a.personal_space, 4, 2, None).await.expect("page 3");
    assert_eq!(last.iter().map(|r| r.0).collect::<Vec<_>>(), vec![5]);
    let diary = s
        .pull(
            &a.personal_space,
            0,
            10,
            Some(&["diary_entry", "diary_symptom"]),
        )
        .await
        .expect("filtered");
    assert_eq!(diary.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4]);
    let none = s
        .pull(&a.personal_space, 0, 10, Some(&["nothing"]))
        .await
        .expect("filtered");
    assert!(none.is_empty());
}

async fn membership_is_checked_per_space(s: Arc<dyn Storage>) {
    let (a, b) = (account(Role::Patient), account(Role::Patient));
    s.create_account(&a).await.expect("a");
    s.create_account(&b).await.expect("b");
    let group = id();
    s.create_group_space(&group, &a.id).await.expect("group");
    assert!(matches!(
        s.create_group_space(&group, &b.id).await,
        Err(StorageError::Conflict)
    ));
    assert!(s.is_member(&group, &a.id).await.expect("a"));
    assert!(!s.is_member(&group, &b.id).await.expect("b"));
    assert!(!s.is_member(&a.personal_space, &b.id).await.expect("b"));
    s.add_member(&group, &b.id).await.expect("join");
    s.add_member(&group, &b.id).await.expect("join twice");
    assert!(s.is_member(&group, &b.id).await.expect("b"));
    let mut expected = vec![b.personal_space.clone(), group.clone()];
    expected.sort();
    assert_eq!(s.member_spaces(&b.id).await.expect("spaces"), expected);
}

async fn grants_live_until_revoked_or_expired(s: Arc<dyn Storage>) {
    let (patient, clinician, other) = (
        account(Role::Patient),
        account(Role::Clinician),
        account(Role::Patient),
    );
    for a in [&patient, &clinician, &other] {
        s.create_account(a).await.expect("account");
    }
    let grant = |scopes: Vec<Scope>, expires_ms| Grant {
        id: id(),
        patient_account: patient.id.clone(),
        clinician_account: clinician.id.clone(),
        scopes,
        created_ms: 100,
        expires_ms,
        revoked_ms: None,
    };
    let live = grant(vec![Scope::CarePlan, Scope::Diary], 10_000);
    let expiring = grant(vec![Scope::Budget], 2_000);
    s.create_grant(&live).await.expect("live");
    s.create_grant(&expiring).await.expect("expiring");
    let seen = s
        .live_grants_for_clinician(&clinician.id, 1_000)
        .await
        .expect("live");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].grant, live);
    assert_eq!(seen[0].patient_space, patient.personal_space);
    assert_eq!(seen[0].patient_name, patient.display_name);
    let later = s
        .live_grants_for_clinician(&clinician.id, 2_000)
        .await
        .expect("later");
    assert_eq!(
        later.iter().map(|g| &g.grant.id).collect::<Vec<_>>(),
        vec![&live.id]
    );
    assert!(!s
        .revoke_grant(&live.id, &other.id, 1_500)
        .await
        .expect("not theirs"));
    assert!(s
        .revoke_grant(&live.id, &patient.id, 1_500)
        .await
        .expect("revoke"));
    assert!(s
        .live_grants_for_clinician(&clinician.id, 1_600)
        .await
        .expect("after")
        .iter()
        .all(|g| g.grant.id != live.id));
    let by_patient = s.grants_by_patient(&patient.id).await.expect("patient's");
    assert_eq!(by_patient.len(), 2);
    assert_eq!(by_patient[0].grant.revoked_ms, Some(1_500));
    assert_eq!(by_patient[0].clinician_email, clinician.email);
}

async fn concurrent_pushes_number_without_gaps(s: Arc<dyn Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let batches: Vec<Vec<IncomingChange>> = (0..4)
        .map(|_| {
            (0..25)
                .map(|_| change(&a.personal_space, "diary_entry"))
                .collect()
        })
        .collect();
    let tasks: Vec<_> = batches
        .iter()
        .cycle()
        .take(8)
        .cloned()
        .map(|batch| {
            let s = s.clone();
            tokio::spawn(async move { s.push(&batch).await.expect("push") })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.expect("task").accepted;
    }
    assert_eq!(accepted, 100);
    assert_eq!(
        seqs(&*s, &a.personal_space).await,
        (1..=100).collect::<Vec<_>>()
    );
}

async fn a_failing_push_stores_nothing(s: Arc<dyn Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let good = change(&a.personal_space, "care_plan");
    let into_nowhere = change(&id(), "care_plan");
    assert!(s.push(&[good.clone(), into_nowhere]).await.is_err());
    assert!(seqs(&*s, &a.personal_space).await.is_empty());
    s.push(&[good]).await.expect("good alone");
    assert_eq!(seqs(&*s, &a.personal_space).await, vec![1]);
}

async fn groups_have_roles_invites_and_removal(s: Arc<dyn Storage>) {
    let (a, b, c) = (
        account(Role::Patient),
        account(Role::Patient),
        account(Role::Patient),
    );
    for x in [&a, &b, &c] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &a.id).await.expect("group");
    assert_eq!(
        s.member_role(&group, &a.id).await.expect("role"),
        Some(GroupRole::Facilitator)
    );
    assert_eq!(s.member_role(&group, &b.id).await.expect("role"), None);
    let invite = Invite {
        code_hash: id(),
        space: group.clone(),
        created_by: a.id.clone(),
        created_ms: 1_000,
        expires_ms: 10_000,
    };
    s.create_invite(&invite).await.expect("invite");
    let joined = s
        .redeem_invite(&invite.code_hash, &b.id, 5_000)
        .await
        .expect("join");
    assert_eq!(joined.as_deref(), Some(group.as_str()));
    assert_eq!(
        s.redeem_invite(&invite.code_hash, &b.id, 5_001)
            .await
            .expect("again"),
        Some(group.clone()),
        "joining twice is harmless"
    );
    assert_eq!(
        s.member_role(&group, &b.id).await.expect("role"),
        Some(GroupRole::Member)
    );
    let members = s.members(&group).await.expect("members");
    assert_eq!(
        members
            .iter()
            .map(|m| (&m.account_id, m.role))
            .collect::<Vec<_>>(),
        vec![(&a.id, GroupRole::Facilitator), (&b.id, GroupRole::Member)]
    );
    assert_eq!(
        s.redeem_invite(&invite.code_hash, &c.id, 10_000)
            .await
            .expect("expired"),
        None
    );
    assert_eq!(
        s.redeem_invite(&id(), &c.id, 5_000).await.expect("unknown"),
        None
    );
    assert!(!s
        .revoke_invite(&invite.code_hash, &id(), 6_000)
        .await
        .expect("other space"));
    assert!(s
        .revoke_invite(&invite.code_hash, &group, 6_000)
        .await
        .expect("revoke"));
    assert_eq!(
        s.redeem_invite(&invite.code_hash, &c.id, 7_000)
            .await
            .expect("revoked"),
        None
    );
    assert!(!s.is_member(&group, &c.id).await.expect("c"));
    assert!(s.remove_member(&group, &b.id).await.expect("remove"));
    assert!(!s.remove_member(&group, &b.id).await.expect("again"));
    assert!(!s.is_member(&group, &b.id).await.expect("b"));
}

async fn hidden_records_are_no_longer_served(s: Arc<dyn Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let group = id();
    s.create_group_space(&group, &a.id).await.expect("group");
    let rude = change(&group, "group_message");
    let edit = IncomingChange {
        change_id: id(),
        entity_id: rude.entity_id.clone(),
        ..rude.clone()
    };
    let kind = change(&group, "group_message");
    s.push(&[rude.clone(), edit, kind.clone()])
        .await
        .expect("push");
    let hide = IncomingChange {
        hides: Some(rude.entity_id.clone()),
        ..change(&group, "group_hide")
    };
    s.push(std::slice::from_ref(&hide)).await.expect("hide");
    let served: Vec<String> = s
        .pull(&group, 0, 100, None)
        .await
        .expect("pull")
        .into_iter()
        .map(|(_, body)| body)
        .collect();
    assert_eq!(served, vec![kind.body.clone(), hide.body.clone()]);
    let filtered = s
        .pull(&group, 0, 100, Some(&["group_message"]))
        .await
        .expect("filtered");
    assert_eq!(filtered.len(), 1);
}

/// A server file from before v2: its group creators become facilitators.
#[tokio::test]
async fn a_v1_sqlite_server_upgrades_with_its_group_creators_as_facilitators() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("v1");
        conn.execute_batch(include_str!("../src/storage/migrations/001_initial.sql"))
            .expect("v1 schema");
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0);
             INSERT INTO accounts VALUES ('a', 'a@x.org', 'A', 'patient', 'pa', 'h', 0);
             INSERT INTO accounts VALUES ('b', 'b@x.org', 'B', 'patient', 'pb', 'h', 0);
             INSERT INTO spaces (id, kind, owner) VALUES ('pa', 'personal', 'a'), ('g', 'group', 'a');
             INSERT INTO space_members VALUES ('pa', 'a'), ('g', 'a'), ('g', 'b');",
        )
        .expect("v1 rows");
    }
    let s = SqliteStorage::open(&path).expect("upgrade");
    assert_eq!(s.schema_version().await.expect("version"), latest_version());
    assert_eq!(
        s.member_role("g", "a").await.expect("a"),
        Some(GroupRole::Facilitator)
    );
    assert_eq!(
        s.member_role("g", "b").await.expect("b"),
        Some(GroupRole::Member)
    );
    assert_eq!(
        s.member_role("pa", "a").await.expect("own"),
        Some(GroupRole::Member)
    );
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (storage, _dir) = super::sqlite_storage().await;
                    super::$name(storage).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((storage, _dir)) = super::postgres_storage().await else {
                        return;
                    };
                    super::$name(storage).await;
                }
            )*
        }
    };
}

conformance!(
    the_schema_is_at_the_latest_step,
    accounts_are_unique_by_email_and_space,
    tokens_find_their_account_until_revoked,
    push_is_idempotent_and_numbers_each_space,
    pull_pages_from_a_cursor_and_filters_kinds,
    membership_is_checked_per_space,
    grants_live_until_revoked_or_expired,
    concurrent_pushes_number_without_gaps,
    a_failing_push_stores_nothing,
    groups_have_roles_invites_and_removal,
    hidden_records_are_no_longer_served,
);
