//! The sync driver against a relay in memory: retries and backoff after
//! network failures, a push whose refused changes are set aside while the
//! rest go through, a refused token, and the token swapped for a fresh one.

use super::client::SyncEngine;
use super::fake_relay::FakeRelay;
use super::model::SyncState;
use crate::care_plan::model::NewPlan;
use crate::care_plan::CarePlans;
use crate::clock::ManualClock;
use crate::error::PphError;
use crate::net::{Net, Relay};
use crate::store::{AccountInfo, Store};
use pph_protocol::authz::Refusal;
use pph_protocol::wire::Role;
use std::sync::Arc;

const T0: u64 = 1_772_442_000_000;
const ACCOUNT: &str = "0190a5c2-0000-7000-8000-00000000000a";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    relay: Arc<FakeRelay>,
    sync: SyncEngine,
    clock: Arc<ManualClock>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    let clock = Arc::new(ManualClock::new(T0));
    let store = Arc::new(Store::open(&path, &[3; 32], "phone", clock.clone()).expect("open"));
    let space = store.personal_space();
    store
        .save_session(
            &AccountInfo {
                account_id: ACCOUNT.into(),
                email: "pat@example.org".into(),
                display_name: "Pat".into(),
                role: Role::Patient,
                personal_space: space.clone(),
                server_url: "https://relay.test".into(),
            },
            "pph_token",
        )
        .expect("session");
    let pair = crate::crypto::wrap::AccountKeyPair::generate();
    let sealed = pph_protocol::sealed::AccountKeys {
        public_key: pair.public_b64(),
        by_password: "unused".into(),
        by_recovery: "unused".into(),
        identity: None,
        binding: None,
    };
    store
        .write(|tx| super::key_store::save_account_key(tx.tx, &pair, &sealed, None))
        .expect("keys");
    let relay = Arc::new(FakeRelay::new(ACCOUNT, &space, &pair.public_b64()));
    let to_relay = relay.clone();
    let net = Arc::new(Net::with(move |_| Ok(to_relay.clone() as Arc<dyn Relay>)));
    let sync = SyncEngine::new(
        store.clone(),
        net,
        &path.to_string_lossy(),
        "phone",
        clock.clone(),
    );
    Fixture {
        _dir: dir,
        store,
        relay,
        sync,
        clock,
    }
}

fn plan(store: &Arc<Store>, title: &str) -> String {
    CarePlans::new(store.clone())
        .create_plan(NewPlan {
            title: title.into(),
            what_matters: String::new(),
            next_review: None,
        })
        .expect("plan")
        .id
}

fn network() -> PphError {
    PphError::Network {
        reason: "no signal".into(),
    }
}

#[tokio::test(start_paused = true)]
async fn network_failures_are_retried_then_reported_with_a_backoff() {
    let f = fixture();
    plan(&f.store, "Breathe easier");
    f.relay
        .failures
        .lock()
        .expect("lock")
        .extend([network(), network(), network()]);
    let err = f.sync.sync_now().await.expect_err("offline");
    assert!(matches!(err, PphError::Network { .. }));
    let status = f.sync.status().expect("status");
    assert_eq!(status.state, SyncState::Offline);
    assert_eq!(status.consecutive_failures, 1);
    assert_eq!(status.next_retry, Some(crate::time::from_ms(T0 + 30_000)));
    assert_eq!(status.pending_changes, 1, "nothing lost");
    assert_eq!(*f.relay.pushes.lock().expect("lock"), 0);

    // One failure, then through: the retry inside the call gets there.
    f.relay.failures.lock().expect("lock").push_back(network());
    let report = f.sync.sync_now().await.expect("second try");
    assert_eq!((report.retries, report.pushed), (1, 1));
    let status = f.sync.status().expect("status");
    assert_eq!(
        (status.state, status.consecutive_failures),
        (SyncState::Idle, 0)
    );
    assert_eq!(status.pending_changes, 0);
}

#[tokio::test(start_paused = true)]
async fn refused_changes_are_set_aside_and_the_rest_go_through() {
    let f = fixture();
    let refused = plan(&f.store, "Refused");
    let accepted = plan(&f.store, "Accepted");
    f.relay
        .refuse_entities
        .lock()
        .expect("lock")
        .push((refused.clone(), Refusal::NotAuthor));
    let report = f.sync.sync_now().await.expect("sync");
    assert_eq!(report.pushed, 1);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let stored: Vec<String> = f
        .relay
        .stored
        .lock()
        .expect("lock")
        .iter()
        .map(|c| c.entity_id.clone())
        .collect();
    assert_eq!(stored, [accepted]);
    let status = f.sync.status().expect("status");
    assert_eq!((status.pending_changes, status.refused_changes), (0, 1));
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_stops_the_sync_and_is_forgotten() {
    let f = fixture();
    plan(&f.store, "Written while the token is refused");
    f.relay
        .failures
        .lock()
        .expect("lock")
        .push_back(PphError::Unauthorized);
    assert_eq!(
        f.sync.sync_now().await.expect_err("refused"),
        PphError::Unauthorized
    );
    let status = f.sync.status().expect("status");
    assert_eq!(status.state, SyncState::Unauthorized);
    assert_eq!(status.next_retry, None);
    assert_eq!(status.pending_changes, 1);
    assert!(f
        .store
        .session()
        .expect("session")
        .expect("kept")
        .token
        .is_none());
    assert_eq!(
        f.sync.sync_now().await.expect_err("signed out"),
        PphError::Unauthorized
    );
}

fn token(f: &Fixture) -> (String, Option<String>) {
    let swap = f.store.token_swap().expect("read").expect("signed in");
    (swap.token, swap.next)
}

/// A day-old token is swapped for one the device made and kept first: a
/// swap whose answer never came is asked again with the same pair, and
/// then the new token is the one used; a fresh token is not swapped; a
/// swap refused as unauthorised signs the device out.
#[tokio::test(start_paused = true)]
async fn a_day_old_token_is_swapped_and_a_swap_cut_short_asked_again_the_same() {
    let f = fixture();
    f.sync.sync_now().await.expect("sync");
    assert!(f.relay.swaps.lock().expect("lock").is_empty(), "fresh");
    f.clock.advance(86_400_000);
    f.relay
        .swap_failures
        .lock()
        .expect("lock")
        .push_back(network());
    f.sync.sync_now().await.expect("sync with the old token");
    let (now, next) = token(&f);
    assert_eq!(now, "pph_token");
    let next = next.expect("the new token is kept while its swap is unfinished");
    assert!(pph_protocol::wire::is_token(&next), "{next}");
    f.sync.sync_now().await.expect("sync");
    assert_eq!(
        *f.relay.swaps.lock().expect("lock"),
        vec![("pph_token".to_owned(), next.clone())]
    );
    assert_eq!(token(&f), (next.clone(), None));
    f.sync.sync_now().await.expect("sync");
    assert_eq!(
        f.relay.swaps.lock().expect("lock").len(),
        1,
        "swapped once a day"
    );

    f.clock.advance(86_400_000);
    f.relay
        .swap_failures
        .lock()
        .expect("lock")
        .push_back(PphError::Unauthorized);
    assert_eq!(
        f.sync.sync_now().await.expect_err("signed out"),
        PphError::Unauthorized
    );
    assert!(f.store.token_swap().expect("read").is_none());
}

/// A crash after the relay took a new key but before this phone kept it
/// loses nothing: the key comes back from its envelope to this account,
/// and no second epoch is begun in its place.
#[tokio::test(start_paused = true)]
async fn a_key_the_relay_took_but_the_phone_lost_comes_back_from_its_envelope() {
    let f = fixture();
    plan(&f.store, "Before the crash");
    f.sync.sync_now().await.expect("first sync");
    let space = f.store.personal_space();
    let held = |store: &Store| {
        store
            .read(|c| super::key_store::held(c, &space))
            .expect("held")
            .into_iter()
            .map(|(at, key)| (at, *key.bytes()))
            .collect::<Vec<_>>()
    };
    let before = held(&f.store);
    assert_eq!(before.len(), 5, "one epoch of each personal key");
    let envelopes = f.relay.envelopes.lock().expect("lock").len();
    f.store
        .write(|tx| {
            tx.tx.execute("DELETE FROM space_keys", [])?;
            Ok(())
        })
        .expect("lose the keys");
    plan(&f.store, "After the crash");
    let report = f.sync.sync_now().await.expect("second sync");
    assert_eq!(report.pushed, 1);
    assert_eq!(held(&f.store), before, "the same keys, back");
    assert_eq!(f.relay.envelopes.lock().expect("lock").len(), envelopes);
    let stored = f.relay.stored.lock().expect("lock").clone();
    assert!(stored
        .iter()
        .all(|c| { f.sync.open_as_this_device(c).expect("open").is_some() }));
}
