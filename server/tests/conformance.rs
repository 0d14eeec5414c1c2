//! One storage conformance suite, run against every backend: SQLite always,
//! PostgreSQL when `PPH_TEST_DATABASE_URL` names one (scripts/test.sh starts
//! a throwaway cluster; without one the suite skips loudly, and fails under
//! `CI=true`). Every test makes its own accounts and spaces, so the
//! PostgreSQL database may be shared between runs.

use pph_protocol::authz::Refusal;
use pph_protocol::kdf::Stretch;
use pph_protocol::kinds::{self, IdRule};
use pph_protocol::wire::{DeviceName, PushResponse, RefusedChange, Role, Scope};
use pph_server::storage::*;
use pph_testing::id;
use serde_json::json;
use std::sync::Arc;

async fn sqlite_storage() -> (Arc<Storage>, Option<tempfile::TempDir>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    // Opened twice: the second open finds every step applied.
    drop(Storage::open_sqlite(&path).expect("first open"));
    let storage = Storage::open_sqlite(&path).expect("open sqlite");
    (Arc::new(storage), Some(dir))
}

/// The relay's SQLite file, its write-ahead log and its shared memory are
/// made readable by their owner alone, whatever the umask.
#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_file_and_its_log_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let (storage, dir) = sqlite_storage().await;
    let a = account(Role::Patient);
    storage.create_account(&a).await.expect("write");
    let dir = dir.expect("dir");
    for name in ["server.db", "server.db-wal", "server.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .expect(name)
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{name} is {mode:o}");
    }
}

/// A database of its own for each test, as SQLite's file is: a sweep over
/// every account (`forget_ended_sessions`) sees only its test's rows.
async fn postgres_storage() -> Option<(Arc<Storage>, Option<tempfile::TempDir>)> {
    // Skips loudly, once per test; fails under CI=true.
    let Some(pph_testing::Relay::Postgres(url)) = pph_testing::Relay::postgres().await else {
        return None;
    };
    let storage = Storage::connect_postgres(&url)
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
        kdf: Some(Stretch::LEAST.with_salt(&[5; 16])),
        id,
    }
}

/// A change creating a new record of `kind`, written by `author`, that the
/// authorisation table allows.
fn change(author: &str, space: &str, kind: &str) -> IncomingChange {
    let change_id = id();
    let rule = kinds::rule(kind);
    let entity_id = match rule.map(|r| r.id) {
        Some(IdRule::BoundToAuthor) => pph_protocol::ids::owned_id(author, &[&change_id]),
        Some(IdRule::SpaceId) => space.to_owned(),
        _ => id(),
    };
    let mut value = json!({ "id": entity_id });
    if let Some(rule) = rule {
        for field in [rule.author_field, rule.space_field].into_iter().flatten() {
            if field != "id" {
                value[field] = json!(if Some(field) == rule.author_field {
                    author
                } else {
                    space
                });
            }
        }
    }
    IncomingChange {
        body: format!("{{\"change_id\":\"{change_id}\"}}"),
        change_id,
        space: space.to_owned(),
        entity_type: kind.to_owned(),
        entity_id,
        field: "*".into(),
        value: Some(value),
        hides: None,
        sealed_only: false,
        sealed_under: None,
    }
}

async fn seqs(s: &Storage, space: &str) -> Vec<i64> {
    s.pull(space, 0, 1_000, Readable::ALL)
        .await
        .expect("pull")
        .into_iter()
        .map(|c| c.seq)
        .collect()
}

async fn the_schema_is_at_the_latest_step(s: Arc<Storage>) {
    assert_eq!(s.schema_version().await.expect("version"), latest_version());
}

async fn accounts_are_unique_by_email_and_space(s: Arc<Storage>) {
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

/// A new session's first token for `account` on `device`, made at
/// `now_ms`, with no secret to check.
fn token(hash: &str, account: &str, device: DeviceName, now_ms: i64) -> NewToken {
    NewToken {
        token_hash: hash.to_owned(),
        account_id: account.to_owned(),
        device,
        session_id: uuid::Uuid::now_v7().simple().to_string(),
        now_ms,
        recovery_only: false,
        proof: None,
    }
}

async fn tokens_find_their_account_until_revoked(s: Arc<Storage>) {
    let a = account(Role::Clinician);
    s.create_account(&a).await.expect("create");
    let hash = id();
    let phone = |name: &str| DeviceName {
        node: "a1b2c3d4e5f60718".into(),
        name: name.into(),
    };
    assert!(s
        .add_token(&token(&hash, &a.id, phone("phone"), 5))
        .await
        .expect("token"));
    let found = s.account_for_token(&hash, 6).await.expect("lookup");
    assert_eq!(
        found.map(|(f, used)| (f.id, f.role, used.last_used_ms, used.recovery_only)),
        Some((a.id.clone(), Role::Clinician, 5, false))
    );
    s.end_session_of(&hash, 6).await.expect("sign out");
    assert_eq!(s.account_for_token(&hash, 6).await.expect("lookup"), None);
    assert_eq!(s.account_for_token(&id(), 6).await.expect("lookup"), None);
    // Signing in again on the same device, renamed: its latest name counts.
    s.add_token(&token(&id(), &a.id, phone("Ann's phone"), 7))
        .await
        .expect("token");
    assert_eq!(
        s.device_names(&a.id).await.expect("names"),
        vec![phone("Ann's phone")]
    );
}

/// A locked account opens no session, whatever the proof: the lock is
/// read in the insert that makes the token, not only before it.
async fn a_locked_account_opens_no_session(s: Arc<Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let phone = DeviceName {
        node: "a1b2c3d4e5f60718".into(),
        name: "phone".into(),
    };
    assert!(s.set_locked(&a.id, true, 5).await.expect("lock"));
    let mut signed_in = token(&id(), &a.id, phone.clone(), 6);
    signed_in.proof = Some(pph_server::storage::Proof::Password(
        a.password_hash.clone(),
    ));
    assert!(!s.add_token(&signed_in).await.expect("token"));
    assert_eq!(
        s.account_for_token(&signed_in.token_hash, 7)
            .await
            .expect("lookup"),
        None
    );
    assert!(s.set_locked(&a.id, false, 8).await.expect("unlock"));
    assert!(s.add_token(&signed_in).await.expect("token"));
}

/// A session lives while its token is younger than its lifetime, the
/// session younger than a year and used within the idle limit; a swap
/// replaces the token within its session (it answers for the grace, and
/// the same swap asked again answers the same while the new token lives);
/// a token swapped twice, or replaced and used after its grace, was
/// copied and ends its session once; a sign-in whose password changed
/// meanwhile opens nothing; a recovery code's session only sets keys.
async fn sessions_end_old_idle_replaced_copied_or_signed_out(s: Arc<Storage>) {
    use pph_server::sessions::{devices, GRACE_MS, IDLE_MS, LIFETIME_MS, SESSION_MS};
    use pph_server::storage::{Proof, Swap};
    const DAY: i64 = 86_400_000;
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let device = |node: &str, name: &str| DeviceName {
        node: node.into(),
        name: name.into(),
    };
    let live = |hash: String, at: i64| {
        let s = s.clone();
        async move {
            s.account_for_token(&hash, at)
                .await
                .expect("lookup")
                .is_some()
        }
    };
    let t0 = 1_000 * DAY;

    // Idle: used on day 29, live until 30 days after that.
    let idle = id();
    s.add_token(&token(
        &idle,
        &a.id,
        device("aaaaaaaaaaaaaaa1", "phone"),
        t0,
    ))
    .await
    .expect("token");
    s.touch_token(&idle, t0 + 29 * DAY).await.expect("touch");
    assert!(live(idle.clone(), t0 + 29 * DAY + IDLE_MS - 1).await);
    assert!(!live(idle.clone(), t0 + 29 * DAY + IDLE_MS).await);
    // A token's lifetime, however often used.
    let used = id();
    s.add_token(&token(
        &used,
        &a.id,
        device("aaaaaaaaaaaaaaa2", "tablet"),
        t0,
    ))
    .await
    .expect("token");
    for day in (10..=90).step_by(10) {
        s.touch_token(&used, t0 + day * DAY).await.expect("touch");
    }
    assert!(live(used.clone(), t0 + LIFETIME_MS - 1).await);
    assert!(!live(used.clone(), t0 + LIFETIME_MS).await);

    // Swaps: each new token lives from its swap, within the session's year.
    let mut chain = vec![id()];
    s.add_token(&token(
        &chain[0],
        &a.id,
        device("aaaaaaaaaaaaaaa3", "laptop"),
        t0,
    ))
    .await
    .expect("token");
    let mut at = t0;
    while at + 20 * DAY < t0 + SESSION_MS {
        at += 20 * DAY;
        let next = id();
        let last = chain.last().expect("a token").clone();
        assert_eq!(
            s.swap_token(&last, &next, at).await.expect("swap"),
            Swap::Swapped
        );
        chain.push(next);
    }
    let newest = chain.last().expect("a token").clone();
    assert!(live(newest.clone(), t0 + SESSION_MS - 1).await);
    assert!(
        !live(newest.clone(), t0 + SESSION_MS).await,
        "a session lives a year, however often swapped"
    );

    // One swap: the same pair again answers the same; another pair means
    // the old token was copied, and the session ends, once.
    let (old, new, t1) = (id(), id(), t0 + 80 * DAY);
    s.add_token(&token(&old, &a.id, device("aaaaaaaaaaaaaaa4", "desk"), t1))
        .await
        .expect("token");
    assert_eq!(
        s.swap_token(&old, &new, t1).await.expect("swap"),
        Swap::Swapped
    );
    assert_eq!(
        s.swap_token(&old, &new, t1 + DAY).await.expect("again"),
        Swap::Swapped
    );
    assert!(live(old.clone(), t1 + GRACE_MS - 1).await);
    assert!(!live(old.clone(), t1 + GRACE_MS).await);
    assert!(!s
        .replaced_long_ago(&old, t1 + GRACE_MS - 1)
        .await
        .expect("read"));
    assert!(s
        .replaced_long_ago(&old, t1 + GRACE_MS)
        .await
        .expect("read"));
    let listed = devices(&s.device_tokens(&a.id, &new, t1 + 1).await.expect("devices"));
    let mut seen: Vec<(&str, bool)> = listed
        .iter()
        .map(|d| (d.name.as_str(), d.this_device))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![("desk", true), ("laptop", false), ("tablet", false)],
        "the phone, idle since day 29, is out"
    );
    assert_eq!(
        s.swap_token(&old, &id(), t1 + 1).await.expect("copy"),
        Swap::Copied
    );
    assert!(!live(new.clone(), t1 + 2).await, "the copied session ended");
    assert_eq!(
        s.swap_token(&old, &new, t1 + 3).await.expect("again"),
        Swap::Refused
    );
    assert!(
        !s.replaced_long_ago(&old, t1 + DAY).await.expect("read"),
        "once"
    );

    // Ending a session by its id: its tokens end, once.
    let session = listed
        .iter()
        .find(|d| d.name == "tablet")
        .expect("tablet")
        .session
        .clone();
    let at = t0 + DAY;
    assert_eq!(s.end_session(&a.id, &session, at).await.expect("out"), 1);
    assert_eq!(s.end_session(&a.id, &session, at).await.expect("out"), 0);
    assert!(!live(used.clone(), at).await);
    assert!(live(idle.clone(), at).await);

    // A sign-in checked against a password hash the account no longer has
    // opens nothing; one with the hash it has does. A recovery code's
    // session is marked so.
    let mut stale = token(&id(), &a.id, device("aaaaaaaaaaaaaaa5", "kiosk"), t0);
    stale.proof = Some(Proof::Password("an older hash".into()));
    assert!(!s.add_token(&stale).await.expect("token"));
    assert!(!live(stale.token_hash.clone(), t0 + 1).await);
    let mut fresh = token(&id(), &a.id, device("aaaaaaaaaaaaaaa5", "kiosk"), t0);
    fresh.proof = Some(Proof::Password(a.password_hash.clone()));
    fresh.recovery_only = true;
    assert!(s.add_token(&fresh).await.expect("token"));
    let (_, used) = s
        .account_for_token(&fresh.token_hash, t0 + 1)
        .await
        .expect("lookup")
        .expect("live");
    assert!(used.recovery_only);
    assert_eq!(
        s.swap_token(&fresh.token_hash, &id(), t0 + 2)
            .await
            .expect("swap"),
        Swap::Refused,
        "a recovery code's session is not swapped"
    );
}

/// An ended session's tokens are forgotten once nothing has happened in
/// it for the retention, but each device's newest (which names the device
/// in its person's history); a session with a live token keeps every
/// token, so a replaced one presented again is still caught as a copy.
async fn ended_sessions_are_forgotten_after_their_retention(s: Arc<Storage>) {
    use pph_server::storage::Swap;
    const DAY: i64 = 86_400_000;
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let device = |node: &str, name: &str| DeviceName {
        node: node.into(),
        name: name.into(),
    };
    let t0 = 1_000 * DAY;
    let swapped = |old: String, at: i64| {
        let s = s.clone();
        async move {
            let new = id();
            assert_eq!(
                s.swap_token(&old, &new, at).await.expect("swap"),
                Swap::Swapped
            );
            new
        }
    };
    // Signed out on day 3 after two swaps; the same phone signs in again
    // on day 10, renamed, and out on day 11.
    let gone = id();
    s.add_token(&token(
        &gone,
        &a.id,
        device("aaaaaaaaaaaaaaa1", "phone"),
        t0,
    ))
    .await
    .expect("token");
    let gone2 = swapped(gone.clone(), t0 + DAY).await;
    let gone3 = swapped(gone2, t0 + 2 * DAY).await;
    s.end_session_of(&gone3, t0 + 3 * DAY).await.expect("out");
    let again = id();
    s.add_token(&token(
        &again,
        &a.id,
        device("aaaaaaaaaaaaaaa1", "Ann's phone"),
        t0 + 10 * DAY,
    ))
    .await
    .expect("token");
    s.end_session_of(&again, t0 + 11 * DAY).await.expect("out");
    // Swapped on day 1, then never used: idle from day 31.
    let idle = id();
    s.add_token(&token(
        &idle,
        &a.id,
        device("aaaaaaaaaaaaaaa2", "tablet"),
        t0,
    ))
    .await
    .expect("token");
    let idle2 = swapped(idle, t0 + DAY).await;
    // Swapped on days 1 and 30: live.
    let kept = id();
    s.add_token(&token(
        &kept,
        &a.id,
        device("aaaaaaaaaaaaaaa3", "laptop"),
        t0,
    ))
    .await
    .expect("token");
    let kept2 = swapped(kept.clone(), t0 + DAY).await;
    let kept3 = swapped(kept2, t0 + 30 * DAY).await;

    // Kept 30 days: the signed-out session, quiet since day 3, stays until
    // day 33 is past; the idle one's older token goes at once.
    let (now, days) = (t0 + 33 * DAY, 30);
    assert!(s
        .account_for_token(&idle2, now)
        .await
        .expect("read")
        .is_none());
    let quiet = |now: i64| pph_server::sessions::forget_quiet_before(now, days);
    assert_eq!(
        s.forget_ended_sessions(now, quiet(now))
            .await
            .expect("forget"),
        1
    );
    assert_eq!(
        s.forget_ended_sessions(now + 1, quiet(now + 1))
            .await
            .expect("forget"),
        3,
        "the signed-out session's three tokens"
    );
    // However short the retention, a live session and each device's
    // newest token stay.
    assert!(s
        .account_for_token(&kept3, now + 1)
        .await
        .expect("read")
        .is_some());
    assert_eq!(
        s.forget_ended_sessions(now + 1, now + 1)
            .await
            .expect("forget"),
        0
    );
    assert_eq!(
        s.device_names(&a.id).await.expect("names"),
        vec![
            device("aaaaaaaaaaaaaaa1", "Ann's phone"),
            device("aaaaaaaaaaaaaaa2", "tablet"),
            device("aaaaaaaaaaaaaaa3", "laptop"),
        ]
    );
    assert!(s.replaced_long_ago(&kept, now + 1).await.expect("read"));
    assert_eq!(
        s.swap_token(&kept, &id(), now + 2).await.expect("copy"),
        Swap::Copied,
        "a copy of a live session's first token is still caught"
    );
}

/// What a pull asks first, in one read: the token's account and its role
/// in the space asked for, or no role where it is not a member.
async fn a_token_finds_its_account_with_its_role_in_a_space(s: Arc<Storage>) {
    let (a, b) = (account(Role::Patient), account(Role::Patient));
    for x in [&a, &b] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &a.id, "founding")
        .await
        .expect("group");
    s.add_member(&group, &b.id).await.expect("member");
    let (ta, tb) = (id(), id());
    let phone = DeviceName {
        node: "a1b2c3d4e5f60718".into(),
        name: "phone".into(),
    };
    s.add_token(&token(&ta, &a.id, phone.clone(), 5))
        .await
        .expect("token");
    s.add_token(&token(&tb, &b.id, phone.clone(), 5))
        .await
        .expect("token");
    let role_of = |token: String, space: String| {
        let s = s.clone();
        async move {
            s.account_in_space(&token, &space, 6)
                .await
                .expect("lookup")
                .map(|(account, role, _)| (account.id, role))
        }
    };
    assert_eq!(
        role_of(ta.clone(), group.clone()).await,
        Some((a.id.clone(), Some(GroupRole::Facilitator)))
    );
    assert_eq!(
        role_of(tb.clone(), group.clone()).await,
        Some((b.id.clone(), Some(GroupRole::Member)))
    );
    assert_eq!(
        role_of(ta.clone(), a.personal_space.clone()).await,
        Some((a.id.clone(), Some(GroupRole::Member))),
        "an owner is its personal space's one member"
    );
    assert_eq!(
        role_of(tb.clone(), a.personal_space.clone()).await,
        Some((b.id.clone(), None)),
        "another's space: the account, no role"
    );
    assert_eq!(role_of(tb.clone(), id()).await, Some((b.id.clone(), None)));
    // Its answers agree with the two reads it replaces.
    for (token, who) in [(&ta, &a), (&tb, &b)] {
        for space in [&group, &a.personal_space, &b.personal_space] {
            assert_eq!(
                role_of(token.clone(), space.clone()).await,
                Some((
                    who.id.clone(),
                    s.member_role(space, &who.id).await.expect("role")
                ))
            );
        }
    }
    s.end_session_of(&tb, 6).await.expect("sign out");
    assert_eq!(role_of(tb, group.clone()).await, None, "a revoked token");
    assert_eq!(role_of(id(), group).await, None, "an unknown token");
}

async fn push_is_idempotent_and_numbers_each_space(s: Arc<Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let group = id();
    s.create_group_space(&group, &a.id, "founding")
        .await
        .expect("group");
    let batch: Vec<_> = (0..3)
        .map(|_| change(&a.id, &a.personal_space, "care_plan"))
        .chain([change(&a.id, &group, "group_message")])
        .collect();
    let first = s.push(&a.id, &batch).await.expect("push");
    assert_eq!(
        first,
        PushResponse {
            accepted: 4,
            duplicates: 0
        }
    );
    let again = s.push(&a.id, &batch).await.expect("retried push");
    assert_eq!(
        again,
        PushResponse {
            accepted: 0,
            duplicates: 4
        }
    );
    let mixed = vec![
        batch[0].clone(),
        change(&a.id, &a.personal_space, "plan_goal"),
    ];
    assert_eq!(
        s.push(&a.id, &mixed).await.expect("mixed"),
        PushResponse {
            accepted: 1,
            duplicates: 1
        }
    );
    assert_eq!(seqs(&s, &a.personal_space).await, vec![1, 2, 3, 4]);
    assert_eq!(seqs(&s, &group).await, vec![1]);
    let bodies: Vec<String> = s
        .pull(&a.personal_space, 0, 10, Readable::ALL)
        .await
        .expect("pull")
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(
        bodies[..3],
        batch[..3]
            .iter()
            .map(|c| c.body.clone())
            .collect::<Vec<_>>()[..]
    );
}

async fn pull_pages_from_a_cursor_and_filters_kinds(s: Arc<Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let kinds = [
        "care_plan",
        "diary_entry",
        "budget",
        "diary_entry",
        "care_plan",
    ];
    let batch: Vec<_> = kinds
        .iter()
        .map(|k| change(&a.id, &a.personal_space, k))
        .collect();
    s.push(&a.id, &batch).await.expect("push");
    let page1 = s
        .pull(&a.personal_space, 0, 2, Readable::ALL)
        .await
        .expect("page 1");
    assert_eq!(page1.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2]);
    let page2 = s
        .pull(&a.personal_space, 2, 2, Readable::ALL)
        .await
        .expect("page 2");
    assert_eq!(page2.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4]);
    let last = s
        .pull(&a.personal_space, 4, 2, Readable::ALL)
        .await
        .expect("page 3");
    assert_eq!(last.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![5]);
    let diary = s
        .pull(
            &a.personal_space,
            0,
            10,
            Readable::kinds(&["diary_entry", "diary_symptom"]),
        )
        .await
        .expect("filtered");
    assert_eq!(diary.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![2, 4]);
    let none = s
        .pull(&a.personal_space, 0, 10, Readable::kinds(&["nothing"]))
        .await
        .expect("filtered");
    assert!(none.is_empty());
}

async fn membership_is_checked_per_space(s: Arc<Storage>) {
    let (a, b) = (account(Role::Patient), account(Role::Patient));
    s.create_account(&a).await.expect("a");
    s.create_account(&b).await.expect("b");
    let group = id();
    s.create_group_space(&group, &a.id, "founding")
        .await
        .expect("group");
    assert!(matches!(
        s.create_group_space(&group, &b.id, "founding").await,
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
    let spaces: Vec<String> = s
        .member_spaces(&b.id)
        .await
        .expect("spaces")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(spaces, expected);
}

async fn grants_live_until_revoked_or_expired(s: Arc<Storage>) {
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
        signature: Some("the patient's".into()),
    };
    let live = grant(vec![Scope::CarePlan, Scope::Diary], 10_000);
    let expiring = grant(vec![Scope::Budget], 2_000);
    s.create_grant(&live).await.expect("live");
    s.create_grant(&expiring).await.expect("expiring");
    // A share with no patient's signature (from before signatures) gives
    // the clinician nothing.
    let unsigned = Grant {
        signature: None,
        ..grant(vec![Scope::Diary], 10_000)
    };
    s.create_grant(&unsigned).await.expect("unsigned");
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
    assert_eq!(
        by_patient.len(),
        3,
        "the patient sees every share, signed or not"
    );
    assert_eq!(by_patient[2].grant.signature, None);
    assert_eq!(by_patient[0].grant.revoked_ms, Some(1_500));
    assert_eq!(by_patient[0].clinician_email, clinician.email);
}

async fn concurrent_pushes_number_without_gaps(s: Arc<Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let batches: Vec<Vec<IncomingChange>> = (0..4)
        .map(|_| {
            (0..25)
                .map(|_| change(&a.id, &a.personal_space, "diary_entry"))
                .collect()
        })
        .collect();
    let tasks: Vec<_> = batches
        .iter()
        .cycle()
        .take(8)
        .cloned()
        .map(|batch| {
            let (s, author) = (s.clone(), a.id.clone());
            tokio::spawn(async move { s.push(&author, &batch).await.expect("push") })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.expect("task").accepted;
    }
    assert_eq!(accepted, 100);
    assert_eq!(
        seqs(&s, &a.personal_space).await,
        (1..=100).collect::<Vec<_>>()
    );
}

async fn a_failing_push_stores_nothing(s: Arc<Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let good = change(&a.id, &a.personal_space, "care_plan");
    let into_nowhere = change(&a.id, &id(), "care_plan");
    assert!(s.push(&a.id, &[good.clone(), into_nowhere]).await.is_err());
    assert!(seqs(&s, &a.personal_space).await.is_empty());
    s.push(&a.id, &[good]).await.expect("good alone");
    assert_eq!(seqs(&s, &a.personal_space).await, vec![1]);
}

/// A live code to `group` made by `by` at 1,000 ms, until 100,000 ms,
/// its invite and verifier as the relay keeps them (opaque here).
fn code_to(group: &str, by: &str, verifier: &str) -> Invite {
    Invite {
        code_hash: id(),
        space: group.to_owned(),
        created_by: by.to_owned(),
        created_ms: 1_000,
        expires_ms: 100_000,
        invite: "signed invite".into(),
        verifier: verifier.into(),
    }
}

/// A group takes no more than `MAX_GROUP_MEMBERS`: an epoch begun reaches
/// every member in one request of at most that many envelopes (the
/// eleventh attacker run: one more member, and no key could turn over
/// after a removal). A member already in is no newcomer.
async fn a_group_takes_no_more_than_its_most_members(s: Arc<Storage>) {
    use pph_protocol::wire::MAX_GROUP_MEMBERS;
    let fac = account(Role::Patient);
    s.create_account(&fac).await.expect("facilitator");
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    let invite = code_to(&group, &fac.id, "v0");
    s.create_invite(&invite).await.expect("invite");
    let mut last = None;
    for _ in 1..MAX_GROUP_MEMBERS {
        let m = account(Role::Patient);
        s.create_account(&m).await.expect("member");
        s.add_member(&group, &m.id).await.expect("join");
        last = Some(m);
    }
    let one_more = account(Role::Patient);
    s.create_account(&one_more).await.expect("one more");
    let full = s
        .redeem_invite(&invite.code_hash, &one_more.id, "admission", 2_000)
        .await
        .expect("full");
    assert_eq!(full, Redeemed::Full);
    assert!(!s.is_member(&group, &one_more.id).await.expect("member?"));
    let within = last.expect("a member");
    let again = s
        .redeem_invite(&invite.code_hash, &within.id, "admission", 2_000)
        .await
        .expect("again");
    assert_eq!(again, Redeemed::Joined(group.clone()));
}

/// Leaving, being removed or deleting one's account ends the code one
/// joined with: no device takes anyone new through a code someone left by,
/// so the relay lets no one in by it (the twelfth attacker run: a newcomer
/// it let in was a reader no device would wrap to, and the group's key
/// stopped turning over). Other codes still work.
async fn leaving_ends_the_code_one_joined_with(s: Arc<Storage>) {
    let (fac, ann, bob, cat) = (
        account(Role::Patient),
        account(Role::Patient),
        account(Role::Patient),
        account(Role::Patient),
    );
    for x in [&fac, &ann, &bob, &cat] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    let invite = |verifier: &str| code_to(&group, &fac.id, verifier);
    let (meetup, another, third) = (invite("meetup"), invite("another"), invite("third"));
    for i in [&meetup, &another, &third] {
        s.create_invite(i).await.expect("invite");
    }
    let joined = s
        .redeem_invite(&meetup.code_hash, &ann.id, "ann's admission", 2_000)
        .await
        .expect("join");
    assert_eq!(joined, Redeemed::Joined(group.clone()));
    // A code Ann made ends with her too.
    let anns = Invite {
        created_by: ann.id.clone(),
        ..invite("ann's")
    };
    s.create_invite(&anns).await.expect("ann's code");
    assert!(s
        .remove_member(&group, &ann.id, &ann.id, 3_000)
        .await
        .expect("leave"));
    let by_anns = s
        .redeem_invite(&anns.code_hash, &bob.id, "admission", 4_000)
        .await
        .expect("redeem");
    assert_eq!(by_anns, Redeemed::NoSuchCode);
    let by_meetup = s
        .redeem_invite(&meetup.code_hash, &bob.id, "admission", 4_000)
        .await
        .expect("redeem");
    assert_eq!(by_meetup, Redeemed::NoSuchCode);
    let by_another = s
        .redeem_invite(&another.code_hash, &bob.id, "admission", 4_000)
        .await
        .expect("redeem");
    assert_eq!(by_another, Redeemed::Joined(group.clone()));
    // Cat joins with the third code and deletes her account.
    let joined = s
        .redeem_invite(&third.code_hash, &cat.id, "cat's admission", 5_000)
        .await
        .expect("join");
    assert_eq!(joined, Redeemed::Joined(group.clone()));
    s.delete_account(&cat.id).await.expect("delete");
    let after = s
        .redeem_invite(&third.code_hash, &bob.id, "admission", 6_000)
        .await
        .expect("redeem");
    assert_eq!(after, Redeemed::NoSuchCode);
}

async fn groups_have_roles_invites_and_removal(s: Arc<Storage>) {
    let (a, b, c) = (
        account(Role::Patient),
        account(Role::Patient),
        account(Role::Patient),
    );
    for x in [&a, &b, &c] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &a.id, "founding")
        .await
        .expect("group");
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
        invite: "a's signed invite".into(),
        verifier: "v1".into(),
    };
    s.create_invite(&invite).await.expect("invite");
    assert_eq!(
        s.live_invite(&invite.code_hash, 5_000).await.expect("live"),
        Some("a's signed invite".to_owned())
    );
    assert_eq!(
        s.live_invite(&invite.code_hash, 10_000)
            .await
            .expect("expired"),
        None
    );
    let joined = s
        .redeem_invite(&invite.code_hash, &b.id, "b's admission", 5_000)
        .await
        .expect("join");
    assert_eq!(joined, Redeemed::Joined(group.clone()));
    assert_eq!(
        s.redeem_invite(&invite.code_hash, &b.id, "another admission", 5_001)
            .await
            .expect("again"),
        Redeemed::Joined(group.clone()),
        "joining twice is harmless"
    );
    // Each member keeps the admission they joined with (the founder's
    // own from the group's making): joining again changes it not; a member
    // from before admissions gains one.
    s.add_member(&group, &c.id)
        .await
        .expect("a member from before");
    let kept = s.members(&group).await.expect("members");
    let kept: Vec<(&str, Option<&str>)> = kept
        .iter()
        .map(|m| (m.account_id.as_str(), m.admission.as_deref()))
        .collect();
    assert_eq!(
        kept,
        vec![
            (a.id.as_str(), Some("founding")),
            (b.id.as_str(), Some("b's admission")),
            (c.id.as_str(), None)
        ]
    );
    // (With a code of its own: leaving ends the code one joined with.)
    let c_code = Invite {
        code_hash: id(),
        verifier: "c's code".into(),
        ..invite.clone()
    };
    s.create_invite(&c_code).await.expect("c's code");
    s.redeem_invite(&c_code.code_hash, &c.id, "c's admission", 5_002)
        .await
        .expect("c joins with an admission");
    let c_kept = s.members(&group).await.expect("members");
    assert_eq!(
        c_kept
            .iter()
            .find(|m| m.account_id == c.id)
            .and_then(|m| m.admission.clone()),
        Some("c's admission".to_owned())
    );
    assert!(s
        .remove_member(&group, &c.id, &c.id, 5_003)
        .await
        .expect("c leaves"));
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
        s.redeem_invite(&invite.code_hash, &c.id, "admission", 10_000)
            .await
            .expect("expired"),
        Redeemed::NoSuchCode
    );
    assert_eq!(
        s.redeem_invite(&id(), &c.id, "admission", 5_000)
            .await
            .expect("unknown"),
        Redeemed::NoSuchCode
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
        s.redeem_invite(&invite.code_hash, &c.id, "admission", 7_000)
            .await
            .expect("revoked"),
        Redeemed::NoSuchCode
    );
    assert!(!s.is_member(&group, &c.id).await.expect("c"));
    assert!(s
        .remove_member(&group, &b.id, &a.id, 8_000)
        .await
        .expect("remove"));
    assert!(!s
        .remove_member(&group, &b.id, &a.id, 8_001)
        .await
        .expect("again"));
    assert!(!s.is_member(&group, &b.id).await.expect("b"));
}

async fn hidden_records_are_no_longer_served(s: Arc<Storage>) {
    let a = account(Role::Patient);
    s.create_account(&a).await.expect("create");
    let group = id();
    s.create_group_space(&group, &a.id, "founding")
        .await
        .expect("group");
    let rude = change(&a.id, &group, "group_message");
    let edit = IncomingChange {
        change_id: id(),
        entity_id: rude.entity_id.clone(),
        ..rude.clone()
    };
    let kind = change(&a.id, &group, "group_message");
    s.push(&a.id, &[rude.clone(), edit, kind.clone()])
        .await
        .expect("push");
    let hide = IncomingChange {
        hides: Some(rude.entity_id.clone()),
        sealed_only: false,
        ..change(&a.id, &group, "group_hide")
    };
    s.push(&a.id, std::slice::from_ref(&hide))
        .await
        .expect("hide");
    let served: Vec<String> = s
        .pull(&group, 0, 100, Readable::ALL)
        .await
        .expect("pull")
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(served, vec![kind.body.clone(), hide.body.clone()]);
    let filtered = s
        .pull(&group, 0, 100, Readable::kinds(&["group_message"]))
        .await
        .expect("filtered");
    assert_eq!(filtered.len(), 1);
}

fn refused_rules(outcome: Result<PushResponse, PushError>) -> Vec<(u32, Refusal)> {
    match outcome {
        Err(PushError::Refused(refused)) => refused
            .into_iter()
            .map(|RefusedChange { index, rule }| (index, rule))
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The authorisation table, enforced inside the push: each change is judged
/// with who wrote it, where, and who made the record; a refused push stores
/// nothing and names every change it refuses.
async fn pushes_are_judged_against_the_authorisation_table(s: Arc<Storage>) {
    let (fac, ann, bob) = (
        account(Role::Patient),
        account(Role::Patient),
        account(Role::Patient),
    );
    for x in [&fac, &ann, &bob] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    s.add_member(&group, &ann.id).await.expect("ann");
    s.add_member(&group, &bob.id).await.expect("bob");
    let anns = change(&ann.id, &group, kinds::GROUP_MESSAGE);
    s.push(&ann.id, std::slice::from_ref(&anns))
        .await
        .expect("ann writes");

    // Bob edits Ann's message; writes a care plan into the group; writes
    // into Ann's personal space; makes a message claiming to be Ann's.
    let forged_edit = IncomingChange {
        change_id: id(),
        field: "body".into(),
        value: Some(json!("forged")),
        ..anns.clone()
    };
    let plan_in_group = change(&bob.id, &group, kinds::CARE_PLAN);
    let mut impostor = change(&bob.id, &group, kinds::GROUP_MESSAGE);
    impostor.value =
        Some(json!({"id": impostor.entity_id, "group_id": group, "author_id": ann.id}));
    let fine = change(&bob.id, &group, kinds::GROUP_MESSAGE);
    let batch = [fine.clone(), forged_edit, plan_in_group, impostor];
    assert_eq!(
        refused_rules(s.push(&bob.id, &batch).await),
        vec![
            (1, Refusal::NotAuthor),
            (2, Refusal::WrongSpaceKind),
            (3, Refusal::AuthorMismatch)
        ]
    );
    let into_anns = change(&bob.id, &ann.personal_space, kinds::DIARY_ENTRY);
    assert_eq!(
        refused_rules(s.push(&bob.id, &[into_anns]).await),
        vec![(0, Refusal::NotMember)]
    );
    // Nothing of a refused push was stored: only Ann's message is there.
    assert_eq!(seqs(&s, &group).await, vec![1]);

    // A member hides nothing; the facilitator does, and changes meetups.
    let hide = change(&bob.id, &group, kinds::GROUP_HIDE);
    assert_eq!(
        refused_rules(s.push(&bob.id, &[hide]).await),
        vec![(0, Refusal::MayNotCreate)]
    );
    let meetup = change(&ann.id, &group, kinds::GROUP_MEETUP);
    s.push(&ann.id, std::slice::from_ref(&meetup))
        .await
        .expect("meetup");
    let cancel = |by: &Account| IncomingChange {
        change_id: id(),
        field: "cancelled".into(),
        value: Some(json!(true)),
        ..change(&by.id, &group, kinds::GROUP_MEETUP)
    };
    let cancel = |by: &Account| IncomingChange {
        entity_id: meetup.entity_id.clone(),
        ..cancel(by)
    };
    assert_eq!(
        refused_rules(s.push(&bob.id, &[cancel(&bob)]).await),
        vec![(0, Refusal::NotAuthor)]
    );
    s.push(&fac.id, &[cancel(&fac)])
        .await
        .expect("the facilitator cancels");

    // The same change id again elsewhere is refused, not a silent duplicate.
    let reused = IncomingChange {
        change_id: fine.change_id.clone(),
        ..change(&bob.id, &bob.personal_space, kinds::CARE_PLAN)
    };
    s.push(&bob.id, std::slice::from_ref(&fine))
        .await
        .expect("fine");
    assert_eq!(
        refused_rules(s.push(&bob.id, &[reused]).await),
        vec![(0, Refusal::ChangeIdReused)]
    );
    assert_eq!(
        s.push(&bob.id, &[fine]).await.expect("retried"),
        PushResponse {
            accepted: 0,
            duplicates: 1
        }
    );

    // Every change is served with the account that pushed it.
    let authors: Vec<Option<String>> = s
        .pull(&group, 0, 100, Readable::ALL)
        .await
        .expect("pull")
        .into_iter()
        .map(|c| c.author)
        .collect();
    assert_eq!(
        authors,
        vec![
            Some(ann.id.clone()),
            Some(ann.id.clone()),
            Some(fac.id.clone()),
            Some(bob.id.clone())
        ]
    );
}

async fn removed_members_cannot_rejoin_until_readmitted(s: Arc<Storage>) {
    let (fac, ann) = (account(Role::Patient), account(Role::Patient));
    for x in [&fac, &ann] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    let invite = code_to(&group, &fac.id, "v2");
    let again = Invite {
        code_hash: id(),
        verifier: "again".into(),
        ..invite.clone()
    };
    let back = Invite {
        code_hash: id(),
        verifier: "back".into(),
        ..invite.clone()
    };
    for code in [&invite, &again, &back] {
        s.create_invite(code).await.expect("invite");
    }
    let join = || s.redeem_invite(&invite.code_hash, &ann.id, "admission", 2_000);
    assert_eq!(join().await.expect("join"), Redeemed::Joined(group.clone()));
    // Leaving of one's own accord bars nothing (but ends the code one
    // joined with: another brings one back).
    assert!(s
        .remove_member(&group, &ann.id, &ann.id, 2_500)
        .await
        .expect("leave"));
    assert_eq!(join().await.expect("ended"), Redeemed::NoSuchCode);
    let join = || s.redeem_invite(&again.code_hash, &ann.id, "admission", 2_600);
    assert_eq!(
        join().await.expect("rejoin"),
        Redeemed::Joined(group.clone())
    );
    assert!(s
        .remove_member(&group, &ann.id, &fac.id, 3_000)
        .await
        .expect("remove"));
    // Barred, with a code that still works for others.
    let join = || s.redeem_invite(&back.code_hash, &ann.id, "admission", 3_100);
    assert_eq!(join().await.expect("barred"), Redeemed::Removed);
    assert!(!s.is_member(&group, &ann.id).await.expect("not back"));
    let removed = s.removed_members(&group).await.expect("removed");
    assert_eq!(
        removed.iter().map(|m| &m.account_id).collect::<Vec<_>>(),
        vec![&ann.id]
    );
    assert!(s.readmit(&group, &ann.id).await.expect("readmit"));
    assert!(!s.readmit(&group, &ann.id).await.expect("again"));
    assert_eq!(join().await.expect("back"), Redeemed::Joined(group.clone()));
}

/// Attempts are counted before they are tried, atomically: forty at once
/// let exactly the limit through, on every backend.
async fn attempts_are_counted_atomically(s: Arc<Storage>) {
    let key = format!("test:{}", id());
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (s, key) = (s.clone(), key.clone());
            tokio::spawn(async move { s.take_attempt(&key, 1_000, 60_000, 5).await })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.expect("task").expect("take").is_none() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
    assert_eq!(
        s.take_attempt(&key, 2_000, 60_000, 5).await.expect("take"),
        Some(59_000)
    );
    // A new window starts afresh; a refund gives one back.
    assert_eq!(
        s.take_attempt(&key, 61_000, 60_000, 1).await.expect("new"),
        None
    );
    assert!(s
        .take_attempt(&key, 61_001, 60_000, 1)
        .await
        .expect("over")
        .is_some());
    s.refund_attempt(&key).await.expect("refund");
    s.refund_attempt(&key).await.expect("refund");
    assert_eq!(
        s.take_attempt(&key, 61_002, 60_000, 1)
            .await
            .expect("given back"),
        None
    );
    s.clear_attempts(&key).await.expect("clear");
    s.sweep_attempts(200_000).await.expect("sweep");
}

/// A sign-up code is spent by the one try that names it, live, from the
/// store that asked: tries are counted (forty wrong ones at once leave
/// none over), a store's later code replaces its earlier one but never
/// another store's, and an expired one is refused and swept.
async fn sign_up_codes_are_spent_once_and_tried_a_few_times(s: Arc<Storage>) {
    let email = format!("{}@example.org", id());
    let (mine, theirs) = (id(), id());
    let code = |space: &str, hash: &str, expires_ms: i64| SignUpCode {
        email: email.clone(),
        personal_space: space.to_owned(),
        code_hash: hash.to_owned(),
        expires_ms,
        tries: 5,
    };
    let put = |c: SignUpCode| {
        let s = s.clone();
        async move { s.put_sign_up_code(&c).await.expect("put") }
    };
    let take = |space: String, hash: &'static str, now_ms: i64| {
        let (s, email) = (s.clone(), email.clone());
        async move {
            s.take_sign_up_code(&email, &space, hash, now_ms)
                .await
                .expect("try")
        }
    };
    put(code(&mine, "first", 10_000)).await;
    put(code(&mine, "right", 10_000)).await;
    put(code(&theirs, "theirs", 10_000)).await;
    assert!(!take(mine.clone(), "first", 1_000).await, "replaced");
    assert!(
        !take(theirs.clone(), "right", 1_000).await,
        "not their store's"
    );
    for _ in 0..5 {
        assert!(!take(theirs.clone(), "wrong", 1_000).await);
    }
    assert!(!take(mine.clone(), "right", 10_000).await, "expired");
    assert!(
        take(mine.clone(), "right", 9_999).await,
        "their tries spent none of mine"
    );
    assert!(!take(mine.clone(), "right", 9_999).await, "spent");

    // Forty wrong tries at once, then the right one: none is left.
    put(code(&mine, "right", 10_000)).await;
    let tries: Vec<_> = (0..40)
        .map(|_| tokio::spawn(take(mine.clone(), "wrong", 1_000)))
        .collect();
    for t in tries {
        assert!(!t.await.expect("task"));
    }
    assert!(!take(mine.clone(), "right", 1_000).await, "tried out");

    // Four wrong, the fifth right; an expired code goes with the sweep.
    put(code(&mine, "right", 10_000)).await;
    for _ in 0..4 {
        assert!(!take(mine.clone(), "wrong", 1_000).await);
    }
    assert!(take(mine.clone(), "right", 1_000).await, "fifth");
    put(code(&mine, "right", 10_000)).await;
    s.sweep_sign_up_codes(10_000).await.expect("sweep");
    assert!(!take(mine.clone(), "right", 1_000).await, "swept");
}

/// A database a newer relay moved on is refused, naming both versions,
/// and left as it was.
#[tokio::test]
async fn a_database_newer_than_the_relay_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("newer.db");
    drop(Storage::open_sqlite(&path).expect("made"));
    let newer = latest_version() + 1;
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute(
            "INSERT INTO schema_migrations (version, applied_ms) VALUES (?1, 0)",
            [newer],
        )
        .expect("a newer step");
    }
    let refused = Storage::open_sqlite(&path).err().expect("refused");
    assert!(
        refused.to_string().contains(&format!("v{newer}")),
        "{refused}"
    );
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
    let s = Storage::open_sqlite(&path).expect("upgrade");
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

/// A server from before v4 (changes without authors), in the rows v1-v3
/// wrote: a patient's plan, and in a group Ann's message, its edit, and
/// Bob's reaction. The same SQL serves both backends.
fn v3_rows(ann: &str, bob: &str, group: &str) -> String {
    let body =
        |id: &str, space: &str, kind: &str, entity: &str, field: &str, value: serde_json::Value| {
            let change = pph_protocol::Change {
                change_id: id.into(),
                space: space.into(),
                entity_type: kind.into(),
                entity_id: entity.into(),
                field: field.into(),
                value,
                hlc: pph_protocol::Hlc::zero("n"),
            };
            serde_json::to_string(&change).expect("json")
        };
    let msg = "01900000-0000-7000-8000-0000000000e1";
    let plan = "01900000-0000-7000-8000-0000000000e2";
    let reaction = "01900000-0000-7000-8000-0000000000e3";
    let rows = [
        (
            "pa",
            1,
            kinds::CARE_PLAN,
            plan,
            body("c1", "pa", kinds::CARE_PLAN, plan, "*", json!({"id": plan})),
        ),
        (
            group,
            1,
            kinds::GROUP_MESSAGE,
            msg,
            body(
                "c2",
                group,
                kinds::GROUP_MESSAGE,
                msg,
                "*",
                json!({"id": msg, "group_id": group, "author_id": ann}),
            ),
        ),
        (
            group,
            2,
            kinds::GROUP_MESSAGE,
            msg,
            body(
                "c3",
                group,
                kinds::GROUP_MESSAGE,
                msg,
                "body",
                json!("edited"),
            ),
        ),
        (
            group,
            3,
            kinds::GROUP_REACTION,
            reaction,
            body(
                "c4",
                group,
                kinds::GROUP_REACTION,
                reaction,
                "*",
                json!({"id": reaction, "group_id": group, "account_id": bob}),
            ),
        ),
    ];
    let mut sql = format!(
        "INSERT INTO accounts VALUES ('{ann}', 'a@x.org', 'A', 'patient', 'pa', 'h', 0);
         INSERT INTO accounts VALUES ('{bob}', 'b@x.org', 'B', 'patient', 'pb', 'h', 0);
         INSERT INTO spaces (id, kind, owner, next_seq) VALUES ('pa', 'personal', '{ann}', 2),
            ('{group}', 'group', '{ann}', 4);
         INSERT INTO space_members (space, account_id, role) VALUES ('pa', '{ann}', 'member'),
            ('{group}', '{ann}', 'facilitator'), ('{group}', '{bob}', 'member');
         INSERT INTO group_invites VALUES ('plainhash', '{group}', '{ann}', 0, 99999999999999, NULL);"
    );
    for (space, seq, kind, entity, body) in rows {
        sql.push_str(&format!(
            "INSERT INTO changes (space, seq, change_id, entity_type, body, entity_id)
             VALUES ('{space}', {seq}, 'c{seq}{space}', '{kind}', '{body}', '{entity}');"
        ));
    }
    sql
}

/// After the upgrade: authors and creators come from what v3 stored.
async fn check_v4_backfill(s: &Storage, ann: &str, bob: &str, group: &str) {
    assert_eq!(s.schema_version().await.expect("version"), latest_version());
    let authors = |space: String| async move {
        s.pull(&space, 0, 10, Readable::ALL)
            .await
            .expect("pull")
            .into_iter()
            .map(|c| c.author)
            .collect::<Vec<_>>()
    };
    assert_eq!(authors("pa".into()).await, vec![Some(ann.to_owned())]);
    assert_eq!(
        authors(group.to_owned()).await,
        vec![Some(ann.to_owned()), None, Some(bob.to_owned())],
        "creations name their author; an edit from before v4 has none"
    );
    // Ann's old message is still hers to edit, and no one else's.
    let edit = IncomingChange {
        change_id: id(),
        space: group.to_owned(),
        entity_type: kinds::GROUP_MESSAGE.into(),
        entity_id: "01900000-0000-7000-8000-0000000000e1".into(),
        field: "body".into(),
        value: Some(json!("edited again")),
        body: "{}".into(),
        hides: None,
        sealed_only: false,
        sealed_under: None,
    };
    assert_eq!(
        refused_rules(s.push(bob, std::slice::from_ref(&edit)).await),
        vec![(0, Refusal::NotAuthor)]
    );
    s.push(ann, &[edit]).await.expect("the author edits");
    // Old invite codes (plain SHA-256) are gone.
    assert_eq!(
        s.redeem_invite("plainhash", bob, "admission", 1)
            .await
            .expect("redeem"),
        Redeemed::NoSuchCode
    );
}

/// A SQLite server file from before v4 upgrades with its writers filled in.
#[tokio::test]
async fn a_v3_sqlite_server_upgrades_with_its_writers_known() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v3.db");
    let (ann, bob, group) = (id(), id(), id());
    {
        let conn = rusqlite::Connection::open(&path).expect("v3");
        conn.execute_batch(include_str!("../src/storage/migrations/001_initial.sql"))
            .expect("v1");
        conn.execute_batch(include_str!(
            "../src/storage/migrations/002_group_roles_and_invites.sql"
        ))
        .expect("v2");
        conn.execute_batch(include_str!(
            "../src/storage/migrations/003_hidden_messages.sql"
        ))
        .expect("v3");
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0);",
        )
        .expect("versions");
        conn.execute_batch(&v3_rows(&ann, &bob, &group))
            .expect("rows");
    }
    let s = Storage::open_sqlite(&path).expect("upgrade");
    check_v4_backfill(&s, &ann, &bob, &group).await;
}

/// The same upgrade on PostgreSQL, in a database of its own.
#[tokio::test]
async fn a_v3_postgres_server_upgrades_with_its_writers_known() {
    let Some(url) = pph_testing::Service::Postgres.get() else {
        return;
    };
    let (admin, _) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .map(|(client, conn)| (client, tokio::spawn(conn)))
        .expect("connect");
    let name = format!("pph_v3_{}", id().replace('-', ""));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let fresh = format!("{}/{name}", url.rsplit_once('/').expect("url").0);
    let (ann, bob, group) = (id(), id(), id());
    {
        let (old, conn) = tokio_postgres::connect(&fresh, tokio_postgres::NoTls)
            .await
            .expect("connect fresh");
        let task = tokio::spawn(conn);
        for step in [
            include_str!("../src/storage/migrations/001_initial.sql"),
            include_str!("../src/storage/migrations/002_group_roles_and_invites.sql"),
            include_str!("../src/storage/migrations/003_hidden_messages.sql"),
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0);",
        ] {
            old.batch_execute(step).await.expect("v3 step");
        }
        old.batch_execute(&v3_rows(&ann, &bob, &group))
            .await
            .expect("rows");
        drop(old);
        let _ = task.await;
    }
    let s = Storage::connect_postgres(&fresh).await.expect("upgrade");
    check_v4_backfill(&s, &ann, &bob, &group).await;
    drop(s);
    let _ = admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await;
}

/// A timebank exchange is between two people: only the receiver confirms,
/// only the giver withdraws, neither clears it, and members who are neither
/// are never served it (facilitators are).
async fn two_party_records_reach_only_their_parties(s: Arc<Storage>) {
    let [fac, ann, bob, cat] = [(); 4].map(|_| account(Role::Patient));
    for x in [&fac, &ann, &bob, &cat] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    for x in [&ann, &bob, &cat] {
        s.add_member(&group, &x.id).await.expect("member");
    }
    let exchange_to = |receiver: &str, extra: serde_json::Value| {
        let mut c = change(&ann.id, &group, kinds::TIMEBANK_EXCHANGE);
        let value = c.value.as_mut().expect("value");
        value["receiver_id"] = json!(receiver);
        value["minutes"] = json!(90);
        for (k, v) in extra.as_object().expect("object") {
            value[k] = v.clone();
        }
        c
    };
    assert_eq!(
        refused_rules(s.push(&ann.id, &[exchange_to(&ann.id, json!({}))]).await),
        vec![(0, Refusal::BadParty)]
    );
    let self_confirmed = exchange_to(&bob.id, json!({"confirmed_at_ms": 1}));
    assert_eq!(
        refused_rules(s.push(&ann.id, &[self_confirmed]).await),
        vec![(0, Refusal::NotAuthor)]
    );
    let given = exchange_to(&bob.id, json!({}));
    s.push(&ann.id, std::slice::from_ref(&given))
        .await
        .expect("ann gives");
    let set = |field: &str, value: serde_json::Value| IncomingChange {
        change_id: id(),
        field: field.into(),
        value: Some(value),
        ..given.clone()
    };
    let confirm = set("confirmed_at_ms", json!(2_000));
    for (who, c, rule) in [
        (&cat, confirm.clone(), Refusal::NotAuthor),
        (&ann, confirm.clone(), Refusal::NotAuthor),
        (
            &bob,
            set("withdrawn_at_ms", json!(2_000)),
            Refusal::NotAuthor,
        ),
        (&fac, confirm.clone(), Refusal::NotAuthor),
        (&bob, set("minutes", json!(900)), Refusal::FixedField),
    ] {
        assert_eq!(
            refused_rules(s.push(&who.id, std::slice::from_ref(&c)).await),
            vec![(0, rule)]
        );
    }
    s.push(&bob.id, std::slice::from_ref(&confirm))
        .await
        .expect("bob confirms");
    assert_eq!(
        refused_rules(
            s.push(&bob.id, &[set("confirmed_at_ms", json!(null))])
                .await
        ),
        vec![(0, Refusal::NotAuthor)]
    );
    let note = change(&cat.id, &group, kinds::GROUP_MESSAGE);
    s.push(&cat.id, std::slice::from_ref(&note))
        .await
        .expect("cat writes");
    let all = vec![given.body.clone(), confirm.body.clone(), note.body.clone()];
    assert_eq!(bodies(&s, &group, Readable::ALL).await, all);
    assert_eq!(bodies(&s, &group, Readable::member(&ann.id)).await, all);
    assert_eq!(bodies(&s, &group, Readable::member(&bob.id)).await, all);
    assert_eq!(
        bodies(&s, &group, Readable::member(&cat.id)).await,
        vec![note.body.clone()]
    );
}

async fn bodies(s: &Storage, space: &str, readable: Readable) -> Vec<String> {
    s.pull(space, 0, 100, readable)
        .await
        .expect("pull")
        .into_iter()
        .map(|c| c.body)
        .collect()
}

/// A clinician's pulls within ten minutes of each other, of the same
/// scopes, are one sitting in the patient's access log; another patient
/// never sees it.
async fn clinician_reads_are_logged_for_the_patient(s: Arc<Storage>) {
    let [pat, other, doc] = [Role::Patient, Role::Patient, Role::Clinician].map(account);
    for x in [&pat, &other, &doc] {
        s.create_account(x).await.expect("account");
    }
    let read = |patient: &Account, scopes: Vec<Scope>, at_ms: i64, records: i64| Access {
        patient_account: patient.id.clone(),
        clinician_account: doc.id.clone(),
        scopes,
        at_ms,
        records,
    };
    let minute = 60_000;
    let plan = vec![Scope::CarePlan, Scope::Diary];
    for access in [
        read(&pat, plan.clone(), 1_000, 500),
        read(&pat, plan.clone(), 1_000 + 9 * minute, 20),
        read(&pat, vec![Scope::Budget], 1_000 + 9 * minute, 3),
        read(&pat, plan.clone(), 1_000 + 20 * minute, 0),
        read(&other, plan.clone(), 5_000, 7),
    ] {
        s.record_access(&access).await.expect("record");
    }
    let log = s.access_log(&pat.id).await.expect("log");
    let seen: Vec<(Vec<Scope>, i64, i64, i64, i64)> = log
        .iter()
        .map(|a| {
            (
                a.scopes.clone(),
                a.first_ms,
                a.last_ms,
                a.requests,
                a.records,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (plan.clone(), 1_000 + 20 * minute, 1_000 + 20 * minute, 1, 0),
            (
                vec![Scope::Budget],
                1_000 + 9 * minute,
                1_000 + 9 * minute,
                1,
                3
            ),
            (plan.clone(), 1_000, 1_000 + 9 * minute, 2, 520),
        ]
    );
    assert!(log.iter().all(|a| a.clinician_email == doc.email));
    assert_eq!(s.access_log(&other.id).await.expect("other").len(), 1);
    assert!(s.access_log(&doc.id).await.expect("none").is_empty());
}

/// `change` with a body that carries its value, as a real push's does, so
/// names in the value are in what the relay stores.
/// A clinician writes one kind into a patient's personal space, a review
/// proposal, and only while the care plan is shared with them; they change
/// nothing after, and the patient alone decides it.
async fn a_clinician_proposes_only_while_the_care_plan_is_shared(s: Arc<Storage>) {
    let (ann, doc, nurse) = (
        account(Role::Patient),
        account(Role::Clinician),
        account(Role::Clinician),
    );
    for a in [&ann, &doc, &nurse] {
        s.create_account(a).await.expect("account");
    }
    let space = ann.personal_space.clone();
    let proposal = |by: &Account| change(&by.id, &space, kinds::PLAN_PROPOSAL);
    let first = proposal(&doc);
    assert_eq!(
        refused_rules(s.push(&doc.id, std::slice::from_ref(&first)).await),
        vec![(0, Refusal::NotMember)],
        "nothing shared yet"
    );
    let share = |clinician: &Account, scopes| Grant {
        id: id(),
        patient_account: ann.id.clone(),
        clinician_account: clinician.id.clone(),
        scopes,
        created_ms: 1_000,
        expires_ms: i64::MAX,
        revoked_ms: None,
        signature: Some("the patient's".into()),
    };
    let care = share(&doc, vec![Scope::CarePlan]);
    s.create_grant(&care).await.expect("care plan shared");
    s.create_grant(&share(&nurse, vec![Scope::Diary]))
        .await
        .expect("diary shared");
    s.push(&doc.id, std::slice::from_ref(&first))
        .await
        .expect("the proposal");
    assert_eq!(
        refused_rules(s.push(&nurse.id, &[proposal(&nurse)]).await),
        vec![(0, Refusal::NotShared)]
    );
    // The push names its writer; the change is the same whoever sends it.
    let decide = || {
        with_value_in_body(IncomingChange {
            change_id: id(),
            field: "decision".into(),
            value: Some(json!("accepted")),
            ..first.clone()
        })
    };
    let goal = change(&doc.id, &space, kinds::PLAN_GOAL);
    assert_eq!(
        refused_rules(s.push(&doc.id, &[goal, decide()]).await),
        vec![(0, Refusal::NotOwner), (1, Refusal::NotOwner)]
    );
    s.push(&ann.id, &[decide()])
        .await
        .expect("the person decides");
    assert_eq!(seqs(&s, &space).await.len(), 2);
    assert!(s
        .revoke_grant(&care.id, &ann.id, 2_000)
        .await
        .expect("revoke"));
    assert_eq!(
        refused_rules(s.push(&doc.id, &[proposal(&doc)]).await),
        vec![(0, Refusal::NotMember)],
        "not after the share ends"
    );
}

fn with_value_in_body(mut c: IncomingChange) -> IncomingChange {
    c.body = json!({"change_id": c.change_id, "value": c.value}).to_string();
    c
}

/// Deleting an account leaves no row naming it: its personal space, share,
/// token, invite, counters and memberships go; in a group it was in, every
/// record naming it (its message, an attendance mark of it, an exchange
/// with it) is erased and served as erased after the last change; a group
/// it ran passes to the next member, a removal it made there stands, and a
/// group no one else is in goes.
async fn deleting_an_account_leaves_no_row_naming_it(s: Arc<Storage>) {
    const SENTINEL: &str = "Okapi8128Sentinel";
    let [mut ann, bob, cat, eve] = [(); 4].map(|_| account(Role::Patient));
    ann.display_name = format!("Ann {SENTINEL}");
    let doc = account(Role::Clinician);
    for x in [&ann, &bob, &cat, &eve, &doc] {
        s.create_account(x).await.expect("account");
    }
    let (runs, joined, alone) = (id(), id(), id());
    s.create_group_space(&runs, &ann.id, "founding")
        .await
        .expect("group");
    s.create_group_space(&joined, &cat.id, "founding")
        .await
        .expect("group");
    s.create_group_space(&alone, &ann.id, "founding")
        .await
        .expect("group");
    for (group, who) in [
        (&runs, &bob),
        (&runs, &eve),
        (&joined, &ann),
        (&joined, &bob),
    ] {
        s.add_member(group, &who.id).await.expect("member");
    }
    assert!(s
        .remove_member(&runs, &eve.id, &ann.id, 2_000)
        .await
        .expect("remove"));
    let mine = change(&ann.id, &ann.personal_space, kinds::DIARY_ENTRY);
    s.push(&ann.id, std::slice::from_ref(&mine))
        .await
        .expect("diary");
    let mut ann_says = change(&ann.id, &joined, kinds::GROUP_MESSAGE);
    ann_says.value.as_mut().expect("value")["body"] = json!(format!("Hello {SENTINEL}"));
    let ann_says = with_value_in_body(ann_says);
    let bob_says = change(&bob.id, &joined, kinds::GROUP_MESSAGE);
    let mut marked = change(&cat.id, &joined, kinds::MEETUP_ATTENDANCE);
    marked.value.as_mut().expect("value")["account_id"] = json!(ann.id);
    let mut given = change(&bob.id, &joined, kinds::TIMEBANK_EXCHANGE);
    given.value.as_mut().expect("value")["receiver_id"] = json!(ann.id);
    for (who, c) in [
        (&ann, ann_says.clone()),
        (&bob, bob_says.clone()),
        (&cat, with_value_in_body(marked.clone())),
        (&bob, with_value_in_body(given.clone())),
        (&ann, change(&ann.id, &runs, kinds::GROUP_MESSAGE)),
        (&ann, change(&ann.id, &alone, kinds::GROUP_MESSAGE)),
    ] {
        s.push(&who.id, std::slice::from_ref(&c))
            .await
            .expect("push");
    }
    let last_change = *seqs(&s, &joined).await.last().expect("changes");
    s.create_grant(&Grant {
        id: id(),
        patient_account: ann.id.clone(),
        clinician_account: doc.id.clone(),
        scopes: vec![Scope::Diary],
        created_ms: 1_000,
        expires_ms: i64::MAX,
        revoked_ms: None,
        signature: Some("the patient's".into()),
    })
    .await
    .expect("share");
    s.record_access(&Access {
        patient_account: ann.id.clone(),
        clinician_account: doc.id.clone(),
        scopes: vec![Scope::Diary],
        at_ms: 3_000,
        records: 1,
    })
    .await
    .expect("access");
    let device = DeviceName {
        node: id(),
        name: "phone".into(),
    };
    s.add_token(&token(&id(), &ann.id, device.clone(), 1_000))
        .await
        .expect("token");
    s.create_invite(&Invite {
        expires_ms: i64::MAX,
        ..code_to(&runs, &ann.id, "v3")
    })
    .await
    .expect("invite");
    let counter = format!("sign-in:{}:127.0.0.1", ann.email);
    s.take_attempt(&counter, 1_000, 60_000, 5)
        .await
        .expect("attempt");

    let receipt = s
        .delete_account(&ann.id)
        .await
        .expect("delete")
        .expect("the account existed");
    assert_eq!(
        (
            receipt.group_records,
            receipt.shares,
            receipt.devices,
            receipt.groups_passed_on,
            receipt.groups_deleted,
            receipt.groups_left,
        ),
        (4, 1, 1, 1, 1, 3)
    );
    assert_eq!(
        receipt.changes, 6,
        "diary, 3 in the group it joined, 2 in its own"
    );
    for needle in [&*ann.id, &ann.email, &ann.personal_space, &alone, SENTINEL] {
        assert_eq!(
            s.tables_naming(needle).await.expect("scan"),
            Vec::<String>::new()
        );
    }
    assert!(s
        .account_by_email(&ann.email)
        .await
        .expect("email")
        .is_none());
    assert_eq!(
        bodies(&s, &joined, Readable::ALL).await,
        vec![bob_says.body.clone()]
    );
    let erased = s.erased(&joined, 0, 100).await.expect("erased");
    let mut ids: Vec<&str> = erased.iter().map(|e| e.entity_id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = vec![
        ann_says.entity_id.as_str(),
        marked.entity_id.as_str(),
        given.entity_id.as_str(),
    ];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(erased.iter().all(|e| e.seq > last_change));
    assert_eq!(
        erased.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (last_change + 1..=last_change + 3).collect::<Vec<_>>()
    );
    assert!(s
        .erased(&joined, last_change + 3, 100)
        .await
        .expect("after")
        .is_empty());
    let next = change(&bob.id, &joined, kinds::GROUP_MESSAGE);
    s.push(&bob.id, std::slice::from_ref(&next))
        .await
        .expect("later");
    assert_eq!(seqs(&s, &joined).await.last(), Some(&(last_change + 4)));
    assert_eq!(
        s.member_role(&runs, &bob.id).await.expect("role"),
        Some(GroupRole::Facilitator)
    );
    let runs_now = s
        .member_spaces(&bob.id)
        .await
        .expect("spaces")
        .into_iter()
        .find(|g| g.id == runs)
        .expect("bob is still in it");
    assert_eq!(runs_now.owner, bob.id);
    assert_eq!(
        s.removed_members(&runs)
            .await
            .expect("removed")
            .iter()
            .map(|m| &m.account_id)
            .collect::<Vec<_>>(),
        vec![&eve.id]
    );
    assert!(s
        .pull(&alone, 0, 100, Readable::ALL)
        .await
        .expect("gone")
        .is_empty());
    assert!(s
        .grants_by_patient(&ann.id)
        .await
        .expect("grants")
        .is_empty());
    assert!(s.delete_account(&ann.id).await.expect("again").is_none());
}

/// Keys the relay keeps and cannot open: an account's sealed key pair (its
/// first set only once, then changed with the password), data keys wrapped
/// to accounts, each epoch begun once however many devices try, every row
/// gone with its account.
async fn keys_are_kept_as_sealed_and_each_epoch_begins_once(s: Arc<Storage>) {
    use pph_protocol::sealed::{
        AccountKeys, Commitment, Envelope, EpochCommitment, EpochRecipients, EpochRef, KeyName,
    };
    let ann = account(Role::Patient);
    let doc = account(Role::Clinician);
    for x in [&ann, &doc] {
        s.create_account(x).await.expect("account");
    }
    // Distinct from anything another test (sharing the database) stores.
    let tag = id();
    let keys = |n: &str| AccountKeys {
        public_key: format!("pk-{n}-{tag}"),
        by_password: format!("sealed-{n}-{tag}"),
        by_recovery: format!("recovery-{n}-{tag}"),
        identity: Some(format!("id-{n}-{tag}")),
        binding: Some(format!("binding-{n}-{tag}")),
    };
    let raised = Stretch {
        passes: 4,
        ..Stretch::LEAST
    }
    .with_salt(&[6; 16]);
    let first = |k: AccountKeys, only_if_none: bool, password: Option<&str>| KeysUpdate {
        account_id: ann.id.clone(),
        keys: k,
        password: password.map(|hash| (hash.to_owned(), raised.clone())),
        recovery_hash: Some("recovery-hash".into()),
        only_if_none,
        signing_out_all_but: None,
        checked: None,
    };
    assert!(s
        .set_account_keys(&first(keys("1"), true, None))
        .await
        .expect("set"));
    assert!(!s
        .set_account_keys(&first(keys("2"), true, None))
        .await
        .expect("set"));
    let (kept, recovery) = s.account_keys(&ann.id).await.expect("read").expect("kept");
    assert_eq!(
        (kept, recovery.as_deref()),
        (keys("1"), Some("recovery-hash"))
    );
    assert!(s
        .set_account_keys(&first(keys("3"), false, Some("new-hash")))
        .await
        .expect("change"));
    let now = s
        .account_by_email(&ann.email)
        .await
        .expect("read")
        .expect("ann");
    assert_eq!(now.password_hash, "new-hash");
    assert_eq!(
        now.kdf.as_ref(),
        Some(&raised),
        "a password's stretch changes with it"
    );
    assert_eq!(
        s.public_keys(&[ann.id.clone(), doc.id.clone()])
            .await
            .expect("keys"),
        [AccountKey {
            account_id: ann.id.clone(),
            public_key: format!("pk-3-{tag}"),
            identity: Some(format!("id-3-{tag}")),
            binding: Some(format!("binding-3-{tag}")),
        }]
    );
    // One key, one account (v12): Doc cannot take Ann's.
    assert!(s.key_held(&format!("pk-3-{tag}")).await.expect("read"));
    assert!(!s.key_held(&format!("pk-1-{tag}")).await.expect("read"));
    let taken = s
        .set_account_keys(&KeysUpdate {
            account_id: doc.id.clone(),
            ..first(keys("3"), false, None)
        })
        .await;
    assert!(matches!(taken, Err(StorageError::Conflict)), "{taken:?}");

    let space = ann.personal_space.clone();
    let envelope = |to: &Account, epoch: u32, body: &str| Envelope {
        space: space.clone(),
        key: KeyName::Diary,
        epoch,
        recipient: to.id.clone(),
        enc: body.into(),
        ct: body.into(),
        from: ann.id.clone(),
        sig: format!("sig-{body}"),
    };
    let begin = |epoch| EpochRef {
        space: space.clone(),
        key: KeyName::Diary,
        epoch,
    };
    // Ann's device commits to the epoch's key as it begins it.
    let commitment = Commitment {
        space: space.clone(),
        key: KeyName::Diary,
        epoch: 1,
        commit: format!("commit-{tag}"),
        sig: format!("commit-sig-{tag}"),
        begun_for: vec![format!("identity-{tag}")],
    };
    s.put_envelopes(
        &[envelope(&ann, 1, "a")],
        &[begin(1)],
        std::slice::from_ref(&commitment),
        &ann.id,
        5,
    )
    .await
    .expect("begun");
    // Another device beginning the same epoch stores nothing.
    let twice = s
        .put_envelopes(
            &[envelope(&ann, 1, "b"), envelope(&doc, 1, "b")],
            &[begin(1)],
            &[],
            &ann.id,
            6,
        )
        .await;
    assert!(matches!(twice, Err(StorageError::Conflict)), "{twice:?}");
    assert_eq!(s.envelopes_for(&doc.id).await.expect("read"), []);
    // Given to a reader, twice: kept once.
    for _ in 0..2 {
        s.put_envelopes(&[envelope(&doc, 1, "c")], &[], &[], &ann.id, 7)
            .await
            .expect("given");
    }
    assert_eq!(
        s.envelopes_for(&ann.id).await.expect("read"),
        [envelope(&ann, 1, "a")]
    );
    assert_eq!(
        s.envelopes_for(&doc.id).await.expect("read"),
        [envelope(&doc, 1, "c")]
    );
    let mut both = vec![ann.id.clone(), doc.id.clone()];
    both.sort();
    assert_eq!(
        s.epoch_recipients(&space).await.expect("epochs"),
        [EpochRecipients {
            key: KeyName::Diary,
            epoch: 1,
            recipients: both,
            commitment: Some(EpochCommitment {
                began_by: ann.id.clone(),
                commit: commitment.commit.clone(),
                sig: commitment.sig.clone(),
                begun_for: commitment.begun_for.clone(),
            }),
        }]
    );
    s.delete_account(&doc.id)
        .await
        .expect("delete")
        .expect("doc");
    assert_eq!(
        s.tables_naming(&doc.id).await.expect("search"),
        Vec::<String>::new()
    );
    // The epoch doc held still shows a holder gone, so it turns over.
    assert_eq!(
        s.epoch_recipients(&space).await.expect("epochs")[0].recipients,
        [ann.id.clone(), "departed".to_owned()]
    );
    s.delete_account(&ann.id)
        .await
        .expect("delete")
        .expect("ann");
    for needle in [
        ann.id.clone(),
        format!("pk-3-{tag}"),
        format!("sealed-3-{tag}"),
    ] {
        assert_eq!(
            s.tables_naming(&needle).await.expect("search"),
            Vec::<String>::new()
        );
    }
}

/// Sealed records are erased with the accounts they name in the clear: a
/// facilitator's attendance mark of a member (its subject) and an exchange
/// with them (its party), whose values the relay cannot read.
async fn sealed_records_about_a_member_are_erased_with_them(s: Arc<Storage>) {
    use pph_protocol::sealed::{KeyName, Refs, Sealed};
    let [fac, ann, bob] = [(); 3].map(|_| account(Role::Patient));
    for x in [&fac, &ann, &bob] {
        s.create_account(x).await.expect("account");
    }
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    for who in [&ann, &bob] {
        s.add_member(&group, &who.id).await.expect("member");
    }
    let sealed = |mut c: IncomingChange, refs: Refs| {
        let value = Sealed {
            key: KeyName::Group,
            epoch: 1,
            nonce: "AAAA".into(),
            ct: "BBBB".into(),
            refs,
            sig: None,
            mac: None,
        }
        .into_value();
        let whole = pph_protocol::Change {
            change_id: c.change_id.clone(),
            space: c.space.clone(),
            entity_type: c.entity_type.clone(),
            entity_id: c.entity_id.clone(),
            field: c.field.clone(),
            value,
            hlc: pph_protocol::Hlc::zero("n"),
        };
        c.body = serde_json::to_string(&whole).expect("json");
        c.value = None;
        c.sealed_under = Some((KeyName::Group, 1));
        c
    };
    begin(&s, &group, &fac.id, 1).await;
    let mark = sealed(
        change(&fac.id, &group, kinds::MEETUP_ATTENDANCE),
        Refs {
            subject: Some(ann.id.clone()),
            ..Refs::default()
        },
    );
    let gift = sealed(
        change(&bob.id, &group, kinds::TIMEBANK_EXCHANGE),
        Refs {
            party: Some(ann.id.clone()),
            ..Refs::default()
        },
    );
    let other = sealed(
        change(&fac.id, &group, kinds::MEETUP_ATTENDANCE),
        Refs {
            subject: Some(bob.id.clone()),
            ..Refs::default()
        },
    );
    for (who, c) in [(&fac, &mark), (&bob, &gift), (&fac, &other)] {
        s.push(&who.id, std::slice::from_ref(c))
            .await
            .expect("push");
    }
    s.delete_account(&ann.id)
        .await
        .expect("delete")
        .expect("ann");
    let erased: Vec<String> = s
        .erased(&group, 0, 100)
        .await
        .expect("erased")
        .into_iter()
        .map(|e| e.entity_id)
        .collect();
    assert!(erased.contains(&mark.entity_id), "{erased:?}");
    assert!(erased.contains(&gift.entity_id), "{erased:?}");
    assert!(!erased.contains(&other.entity_id), "{erased:?}");
    assert_eq!(
        s.tables_naming(&ann.id).await.expect("search"),
        Vec::<String>::new()
    );
}

/// Begins epoch `epoch` of a group's key, wrapped to `to`.
async fn begin(s: &Storage, group: &str, to: &str, epoch: u32) {
    use pph_protocol::sealed::{Envelope, EpochRef, KeyName};
    let envelope = Envelope {
        space: group.to_owned(),
        key: KeyName::Group,
        epoch,
        recipient: to.to_owned(),
        enc: "AAAA".into(),
        ct: "BBBB".into(),
        from: to.to_owned(),
        sig: String::new(),
    };
    let at = EpochRef {
        space: group.to_owned(),
        key: KeyName::Group,
        epoch,
    };
    s.put_envelopes(&[envelope], &[at], &[], to, 0)
        .await
        .expect("begun");
}

/// A change sealed under an epoch no one began is refused: no device could
/// open it, and every device would wait for its key for ever.
async fn a_change_sealed_under_an_epoch_never_begun_is_refused(s: Arc<Storage>) {
    use pph_protocol::sealed::KeyName;
    let fac = account(Role::Patient);
    s.create_account(&fac).await.expect("account");
    let group = id();
    s.create_group_space(&group, &fac.id, "founding")
        .await
        .expect("group");
    let under = |epoch| IncomingChange {
        value: None,
        sealed_under: Some((KeyName::Group, epoch)),
        ..change(&fac.id, &group, kinds::GROUP_MESSAGE)
    };
    let refused = vec![(0, Refusal::EpochNotBegun)];
    assert_eq!(refused_rules(s.push(&fac.id, &[under(1)]).await), refused);
    begin(&s, &group, &fac.id, 1).await;
    assert_eq!(refused_rules(s.push(&fac.id, &[under(2)]).await), refused);
    s.push(&fac.id, &[under(1)])
        .await
        .expect("epoch 1 has begun");
    begin(&s, &group, &fac.id, 2).await;
    s.push(&fac.id, &[under(2), under(1)])
        .await
        .expect("an older epoch still opens on every device that holds it");
    let page = s.pull(&group, 0, 10, Readable::ALL).await.expect("pull");
    assert_eq!(page.len(), 3);
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
    a_locked_account_opens_no_session,
    sessions_end_old_idle_replaced_copied_or_signed_out,
    ended_sessions_are_forgotten_after_their_retention,
    a_token_finds_its_account_with_its_role_in_a_space,
    push_is_idempotent_and_numbers_each_space,
    pull_pages_from_a_cursor_and_filters_kinds,
    membership_is_checked_per_space,
    grants_live_until_revoked_or_expired,
    concurrent_pushes_number_without_gaps,
    a_failing_push_stores_nothing,
    groups_have_roles_invites_and_removal,
    a_group_takes_no_more_than_its_most_members,
    leaving_ends_the_code_one_joined_with,
    hidden_records_are_no_longer_served,
    pushes_are_judged_against_the_authorisation_table,
    removed_members_cannot_rejoin_until_readmitted,
    attempts_are_counted_atomically,
    sign_up_codes_are_spent_once_and_tried_a_few_times,
    two_party_records_reach_only_their_parties,
    clinician_reads_are_logged_for_the_patient,
    deleting_an_account_leaves_no_row_naming_it,
    a_clinician_proposes_only_while_the_care_plan_is_shared,
    keys_are_kept_as_sealed_and_each_epoch_begins_once,
    sealed_records_about_a_member_are_erased_with_them,
    a_change_sealed_under_an_epoch_never_begun_is_refused,
);
