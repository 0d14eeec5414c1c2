//! `companion.sync()`: `sync_now`, the status and its listener. One
//! `sync_now` pushes the outbox in bounded batches, each marked synced only
//! once the relay acknowledged it, then pulls every space the account
//! reaches page by page, each page applied with its cursor in one
//! transaction. A crash at any point repeats work, never loses it: the
//! relay and the merge both ignore what they already have. The decisions
//! are the engine's (`engine.rs`); this talks to the relay and the store.

use super::engine::{self, ATTEMPTS, PULL_PAGE, PUSH_BATCH, RETRY_DELAY};
use super::key_store::Held;
use super::merge::{apply_pulled, apply_taken_back};
use super::model::*;
use super::opening::{not_the_writers, open_page, Own};
use super::{pins, store, trust};
use crate::clock::Clock;
use crate::error::{self, PphError};
use crate::ids::check_id;
use crate::net::{Net, Pushed, Relay};
use crate::store::authz::{save_spaces, SpaceFacts};
use crate::store::{lock, Store};
use crate::time::{from_ms, from_ms_i64};
use pph_protocol::kinds::SpaceKind;
use pph_protocol::sealed::{KeyName, PublicIdentity};
use pph_protocol::wire::{SpaceAccess, SpacesResponse};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

const SHADOW_DEVICE: &str = "shared view";

type Listeners = Mutex<Vec<(u64, Arc<dyn SyncListener>)>>;

#[derive(uniffi::Object)]
pub struct SyncEngine {
    pub(crate) store: Arc<Store>,
    pub(crate) net: Arc<Net>,
    pub(crate) device_name: String,
    /// Clinician copies of shared patients' spaces: `<db>.shared/<space>.db`.
    shared_copies_dir: PathBuf,
    shared_copies: Mutex<HashMap<String, Arc<Store>>>,
    clock: Arc<dyn Clock>,
    /// Set while a sync runs, and after one fails; None: derive from rows.
    transient: Mutex<Option<SyncState>>,
    listeners: Arc<Listeners>,
    next_listener: AtomicU64,
    pub(crate) running: tokio::sync::Mutex<()>,
}

/// Keeps a listener registered; dropping it (or `cancel`) unregisters.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    id: u64,
    listeners: Weak<Listeners>,
}

#[uniffi::export]
impl ListenerHandle {
    pub fn cancel(&self) {
        if let Some(listeners) = self.listeners.upgrade() {
            if let Ok(mut l) = listeners.lock() {
                l.retain(|(id, _)| *id != self.id);
            }
        }
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl SyncEngine {
    pub(crate) fn new(
        store: Arc<Store>,
        net: Arc<Net>,
        db_path: &str,
        device_name: &str,
        clock: Arc<dyn Clock>,
    ) -> Self {
        SyncEngine {
            store,
            net,
            device_name: device_name.to_owned(),
            shared_copies_dir: PathBuf::from(format!("{db_path}.shared")),
            shared_copies: Mutex::new(HashMap::new()),
            clock,
            transient: Mutex::new(None),
            listeners: Arc::new(Mutex::new(Vec::new())),
            next_listener: AtomicU64::new(1),
            running: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    pub(crate) fn set_state(&self, state: Option<SyncState>) {
        *lock(&self.transient) = state;
        self.notify();
    }

    fn notify(&self) {
        let listeners: Vec<_> = lock(&self.listeners)
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        // Reading the status costs three queries: only for someone listening.
        if listeners.is_empty() {
            return;
        }
        let Ok(status) = self.status() else {
            return;
        };
        for listener in listeners {
            listener.on_status(status.clone());
        }
    }

    /// The clinician's copy of one shared space, opened once.
    pub(crate) fn shared_copy(&self, space: &str) -> error::Result<Arc<Store>> {
        check_id("patient_space", space)?;
        let mut copies = lock(&self.shared_copies);
        if let Some(store) = copies.get(space) {
            return Ok(store.clone());
        }
        std::fs::create_dir_all(&self.shared_copies_dir)?;
        let path = self.shared_copies_dir.join(format!("{space}.db"));
        let store = Arc::new(self.store.open_sibling(&path, SHADOW_DEVICE)?);
        copies.insert(space.to_owned(), store.clone());
        Ok(store)
    }

    /// Erases every copy of patients' shared records on this device and
    /// their folder; returns the files deleted.
    pub(crate) fn erase_shared_copies(&self) -> error::Result<Vec<String>> {
        let copies: Vec<Arc<Store>> = lock(&self.shared_copies).drain().map(|(_, s)| s).collect();
        let mut deleted = Vec::new();
        for copy in copies {
            deleted.extend(copy.erase()?);
        }
        let Ok(dir) = std::fs::read_dir(&self.shared_copies_dir) else {
            return Ok(deleted);
        };
        for entry in dir {
            let path = entry?.path();
            std::fs::remove_file(&path)?;
            deleted.push(path.display().to_string());
        }
        std::fs::remove_dir(&self.shared_copies_dir)?;
        Ok(deleted)
    }

    /// Deletes the copies of spaces no longer shared (revoked, expired, or
    /// signed out): the clinician keeps nothing they may no longer read.
    pub(crate) fn erase_shared_copies_except(&self, keep: &[String]) -> error::Result<()> {
        lock(&self.shared_copies).retain(|space, _| keep.contains(space));
        let Ok(dir) = std::fs::read_dir(&self.shared_copies_dir) else {
            return Ok(());
        };
        for entry in dir {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let space = name.split(".db").next().unwrap_or_default();
            if !keep.iter().any(|k| k == space) {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    }

    /// Pulls a space page by page, each opened with the keys `held` and
    /// applied with its cursor; stops early at a change whose key has not
    /// reached this device, to carry on from it once it has, unless that
    /// key will never come (`never_comes`): those changes are set aside.
    #[allow(clippy::too_many_arguments)]
    async fn pull_space(
        &self,
        store: &Store,
        relay: &dyn Relay,
        token: &str,
        source: &SpaceFacts,
        held: &Held,
        own: &Own<'_>,
        report: &mut SyncReport,
    ) -> Result<(), PphError> {
        self.take_back(store, source, held, own, report)?;
        // Epochs found never begun in this space: their changes are set
        // aside rather than waited for.
        let mut never = BTreeSet::new();
        loop {
            let since = store.read(|c| store::cursor(c, &source.space))?;
            let page = relay.pull(token, &source.space, since, PULL_PAGE).await?;
            let signers = self.signers(own.public, &page.identities)?;
            let opened = open_page(held, &never, &signers, own, page.changes);
            if let Some((_, key, epoch)) = opened.waits_at {
                if self
                    .never_comes(store, relay, token, own.public, &source.space, (key, epoch))
                    .await?
                {
                    // Pulled again from the same cursor, set aside this time.
                    never.insert((key, epoch));
                    continue;
                }
            }
            let (erased, next) = match opened.waits_at {
                Some((seq, _, _)) => {
                    let before: Vec<_> = page.erased.into_iter().filter(|e| e.seq < seq).collect();
                    (before, seq - 1)
                }
                None => (page.erased, page.next),
            };
            let applied =
                apply_pulled(store, source, &opened.ready, &opened.refused, &erased, next)?;
            report.erased += applied.erased;
            report.pulled += applied.applied;
            report.conflicts_resolved += applied.conflicts;
            report.rejected += applied.rejected;
            report.waiting = applied.waiting;
            report.set_aside += applied.set_aside;
            for (rule, n) in applied.set_aside_rules {
                report.errors.push(format!(
                    "{n} changes from others set aside, never applied: {}",
                    rule.explain()
                ));
            }
            if opened.waits_at.is_some() {
                report.errors.push(
                    "some changes wait for a key that has not reached this device yet".into(),
                );
                return Ok(());
            }
            if !page.more {
                return Ok(());
            }
        }
    }

    /// The spaces as the relay lists them, less any record shared with this
    /// account that the relay now describes otherwise than this device
    /// first saw it. A personal space's owner never changes, and a record
    /// shared with this account stays another person's record: a listing
    /// that names another owner, or lists such a record as a group or as
    /// this account's own (the seventh attacker run: relisted as a group,
    /// a patient's record had this clinician's device take a key the relay
    /// made, and seal the clinician's next proposal under it), is a relay's
    /// lie, and nothing of that space is taken while it says so.
    fn with_known_owners(
        &self,
        mut spaces: SpacesResponse,
        report: &mut SyncReport,
    ) -> Result<SpacesResponse, PphError> {
        let personal = self.store.personal_space();
        let pinned = self.store.read(pins::record_owners)?;
        let mut first_seen = Vec::new();
        let mut lies = BTreeSet::new();
        for s in spaces.spaces.iter().filter(|s| s.space != personal) {
            let shared = matches!(s.access, SpaceAccess::Shared { .. });
            match (pinned.get(&s.space), shared) {
                (None, true) => first_seen.push((s.space.clone(), s.owner.clone())),
                (None, false) => {}
                (Some(owner), true) if *owner == s.owner => {}
                (Some(_), _) => {
                    lies.insert(s.space.clone());
                }
            }
        }
        if !first_seen.is_empty() {
            let now = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
            self.store.write(|tx| {
                for (space, owner) in &first_seen {
                    pins::pin_record_owner(tx.tx, space, owner, now)?;
                }
                Ok(())
            })?;
        }
        spaces.spaces.retain(|s| {
            let lie = lies.contains(&s.space);
            if lie {
                report.errors.push(format!(
                    "the relay describes the record shared with you in space {} as someone \
                     else's, or as no longer a person's record: nothing of it is taken",
                    s.space
                ));
            }
            !lie
        });
        Ok(spaces)
    }

    /// Takes up again the changes of a space set aside only because their
    /// writer's identity did not sign them as this device saw it, where
    /// the pins now say it does (an identity served late, or a new one the
    /// person accepted): a relay that withheld an identity for a while
    /// costs no one their history. One whose key has not come stays set
    /// aside until a later sync.
    fn take_back(
        &self,
        store: &Store,
        source: &SpaceFacts,
        held: &Held,
        own: &Own<'_>,
        report: &mut SyncReport,
    ) -> Result<(), PphError> {
        let set_aside = store.read(|c| store::set_aside_for_their_writer(c, &source.space))?;
        if set_aside.is_empty() {
            return Ok(());
        }
        let signers = trust::signers(own.public, &self.store.read(pins::pins)?);
        let now_theirs: Vec<_> = set_aside
            .into_iter()
            .filter(|c| not_the_writers(&signers, own, c).is_none())
            .collect();
        if now_theirs.is_empty() {
            return Ok(());
        }
        let opened = open_page(held, &BTreeSet::new(), &signers, own, now_theirs);
        let applied = apply_taken_back(store, source, &opened.ready, &opened.refused)?;
        report.pulled += applied.applied;
        report.conflicts_resolved += applied.conflicts;
        Ok(())
    }

    /// The identity each writer of a page must have signed with, by
    /// account: the pins, once the page's writers seen here for the first
    /// time are pinned (the pins live in this account's own store, whatever
    /// store the page goes to).
    fn signers(
        &self,
        me: &PublicIdentity,
        served: &[PublicIdentity],
    ) -> Result<BTreeMap<String, String>, PphError> {
        let pinned = self.store.read(pins::pins)?;
        let trust = trust::judge(me, &pinned, served);
        if !trust.first_seen.is_empty() || !trust.changed.is_empty() {
            let now = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
            self.store.write(|tx| pins::keep_seen(tx.tx, &trust, now))?;
        }
        let mut signers = trust::signers(me, &pinned);
        signers.extend(trust.first_seen);
        Ok(signers)
    }

    /// Whether the key of an epoch will never reach this device, as the
    /// relay's keys say now, after the page naming it was served: the epoch
    /// never began (a relay refuses a change sealed under such an epoch, so
    /// an honest one always has it); or its beginner's own envelope to this
    /// device was refused (a key other than the one they committed to, or
    /// one that does not open: no one holds the committed key); or, in a
    /// group, no one but this account who holds it is a member this device
    /// takes, from whom alone it takes a key (an epoch begun by a newcomer
    /// it refuses, who pushes under it: the fourteenth attacker run's
    /// scene, in which the group stopped there for good on this device). A
    /// key refused from another holder is waited for, as is any epoch of a
    /// space this account is not a member of (a patient's, shared with it).
    async fn never_comes(
        &self,
        store: &Store,
        relay: &dyn Relay,
        token: &str,
        me: &PublicIdentity,
        space: &str,
        (key, epoch): (KeyName, u32),
    ) -> Result<bool, PphError> {
        let view = relay.keys(token).await?;
        let Some(keys) = view.spaces.iter().find(|s| s.space == space) else {
            return Ok(false);
        };
        let Some(begun) = keys
            .epochs
            .iter()
            .find(|e| e.key == key && e.epoch == epoch)
        else {
            return Ok(true);
        };
        if keys.kind == SpaceKind::Group {
            let pinned = self.store.read(pins::pins)?;
            let trust = trust::judge(me, &pinned, &view.identities);
            let kept = self.store.read(|c| pins::kept_members(c, space))?;
            let members = trust.admitted(&me.account_id, keys, &kept).space.readers;
            let given_by_a_member = begun.recipients.iter().any(|holder| {
                holder != &me.account_id && members.iter().any(|m| &m.account_id == holder)
            });
            if !given_by_a_member {
                return Ok(true);
            }
        }
        let Some(beginner) = begun.commitment.as_ref().map(|c| c.began_by.as_str()) else {
            return Ok(false);
        };
        Ok(store.read(|c| super::pins::refused_from(c, space, key, epoch, beginner))?)
    }

    /// Pushes the outbox, but for the spaces in `blocked` (whose key could
    /// not turn over): their changes stay here until it has.
    async fn push_outbox(
        &self,
        relay: &dyn Relay,
        token: &str,
        report: &mut SyncReport,
        blocked: &BTreeSet<String>,
    ) -> Result<(), PphError> {
        loop {
            let batch = engine::within_push_bytes(
                self.seal_batch(self.store.outbox(PUSH_BATCH)?, blocked)?,
            );
            if batch.is_empty() {
                return Ok(());
            }
            let ids: Vec<String> = batch.iter().map(|c| c.change_id.clone()).collect();
            match relay.push(token, batch).await? {
                Pushed::Stored => {
                    self.store.mark_synced(&ids)?;
                    report.pushed += ids.len() as u32;
                }
                // Nothing was stored: set the refused changes aside with
                // their rule (the shell can resend or discard them) and
                // send the rest again.
                Pushed::Refused(refused) => {
                    for (rule, ids) in engine::refusals(&ids, &refused)? {
                        self.store.refuse(&ids, rule.explain())?;
                        report.errors.push(format!(
                            "{} changes set aside: the server refused them ({})",
                            ids.len(),
                            rule.explain()
                        ));
                    }
                }
            }
            self.notify();
        }
    }

    async fn run_once(
        &self,
        relay: &dyn Relay,
        token: &str,
        report: &mut SyncReport,
    ) -> Result<(), PphError> {
        let spaces = self.with_known_owners(relay.spaces(token).await?, report)?;
        let keys = self.sync_keys(relay, token, &spaces, report).await?;
        let blocked = keys.blocked;
        let me = self.me()?;
        let own = Own {
            public: &me.public,
            identity: &me.identity,
        };
        let me = &me.public;
        self.push_outbox(relay, token, report, &blocked).await?;
        // Shared patients' spaces too: a clinician's review proposal is
        // judged against them before it is queued.
        let known: Vec<SpaceFacts> = spaces
            .spaces
            .iter()
            .map(|s| engine::facts(s, &me.account_id, &keys.granted))
            .collect();
        self.store.write(|tx| save_spaces(tx.tx, &known))?;
        let mut shared = Vec::new();
        let mut reached = Vec::new();
        for entry in spaces.spaces {
            reached.push(entry.space.clone());
            let source = engine::facts(&entry, &me.account_id, &keys.granted);
            let into = match &entry.access {
                SpaceAccess::Member => self.store.clone(),
                SpaceAccess::Shared { .. } => self.shared_copy(&entry.space)?,
            };
            into.write(|tx| store::save_device_names(tx.tx, &entry.devices))?;
            let held = self.held_for(&entry.space)?;
            self.pull_space(&into, relay, token, &source, &held, &own, report)
                .await?;
            if let SpaceAccess::Shared {
                share_id,
                patient_name,
                scopes,
                expires_at_ms,
            } = entry.access
            {
                shared.push(SharedPatient {
                    patient_space: entry.space,
                    patient_account_id: entry.owner,
                    patient_name,
                    share_id,
                    scopes,
                    expires_at: from_ms_i64(expires_at_ms),
                    last_synced: Some(from_ms(self.now_ms())),
                });
            }
        }
        self.store.write(|tx| {
            store::save_shared_patients(tx.tx, &shared)?;
            super::key_store::keep_keys_of(tx.tx, &reached)
        })?;
        let keep: Vec<String> = shared.iter().map(|p| p.patient_space.clone()).collect();
        self.erase_shared_copies_except(&keep)?;
        Ok(())
    }

    fn record_outcome(&self, outcome: &Result<(), PphError>) -> error::Result<()> {
        let before = self.store.read(store::attempts)?;
        let settled = engine::settle(before, outcome, self.now_ms());
        if settled.forget_token {
            self.store.clear_token()?;
        }
        self.store
            .write(|tx| store::save_attempts(tx.tx, &settled.attempts))?;
        self.set_state(settled.state);
        Ok(())
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl SyncEngine {
    /// Pushes pending changes, then pulls every space this account reaches.
    /// Network failures are retried a few times with a growing delay; then
    /// the call fails with `Network` and the status says when to try again.
    /// A refused token stops the sync with `Unauthorized`.
    pub async fn sync_now(&self) -> Result<SyncReport, PphError> {
        let _one_at_a_time = self.running.lock().await;
        let (relay, token, _) = match self.net.online(&self.store) {
            Ok(online) => online,
            Err(e) => {
                self.set_state(None);
                return Err(e);
            }
        };
        self.set_state(Some(SyncState::Syncing));
        let mut report = SyncReport::default();
        let mut delay = RETRY_DELAY;
        let token = match crate::net::swap::fresh_token(&self.store, &*relay).await {
            Ok(fresh) => fresh,
            Err(PphError::Unauthorized) => {
                self.record_outcome(&Err(PphError::Unauthorized))?;
                return Err(PphError::Unauthorized);
            }
            Err(_) => token,
        };
        let outcome = loop {
            match self.run_once(&*relay, &token, &mut report).await {
                Err(PphError::Network { .. }) if report.retries + 1 < ATTEMPTS => {
                    report.retries += 1;
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                other => break other,
            }
        };
        self.record_outcome(&outcome)?;
        outcome.map(|()| report)
    }

    pub fn status(&self) -> Result<SyncStatus, PphError> {
        let session = self.store.session()?;
        let attempts = self.store.read(store::attempts)?;
        let state = engine::state(
            session.is_some(),
            session.as_ref().is_some_and(|s| s.token.is_some()),
            &attempts,
            *lock(&self.transient),
        );
        Ok(SyncStatus {
            state,
            account: session.map(|s| s.info),
            pending_changes: self.store.pending_changes()?,
            refused_changes: self.store.refused_changes()?,
            last_success: attempts.last_success_ms.map(from_ms),
            consecutive_failures: attempts.failures,
            last_error: attempts.last_error,
            next_retry: attempts.next_retry_ms.map(from_ms),
        })
    }

    /// Calls `listener` on every status change until the handle is dropped
    /// or cancelled.
    pub fn set_listener(&self, listener: Arc<dyn SyncListener>) -> Arc<ListenerHandle> {
        let id = self.next_listener.fetch_add(1, Ordering::Relaxed);
        lock(&self.listeners).push((id, listener));
        Arc::new(ListenerHandle {
            id,
            listeners: Arc::downgrade(&self.listeners),
        })
    }

    /// Changes from others this device refused to apply (newest first):
    /// what someone tried to write that the authorisation table forbids.
    pub fn set_aside_changes(&self) -> Result<Vec<SetAsideChange>, PphError> {
        Ok(self.store.read(store::set_aside_changes)?)
    }
}
