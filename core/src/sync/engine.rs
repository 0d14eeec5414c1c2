//! The sync API (`companion.sync()`): accounts, `sync_now`, status and its
//! listener, shares, and the clinician's read-only views.
//!
//! One `sync_now` pushes the outbox in bounded batches, each marked synced
//! only once the server acknowledged it, then pulls every space the account
//! reaches page by page, each page applied with its cursor in one
//! transaction. A crash at any point repeats work, never loses it: the
//! server and the merge both ignore what they already have.

use super::merge::Authored;
use super::model::*;
use super::session::Attempts;
use super::transport::{Pushed, Transport};
use crate::clock::Clock;
use crate::error::{PphError, Result as IResult};
use crate::ids::check_id;
use crate::store::authz::SpaceFacts;
use crate::store::{lock, Store};
use pph_protocol::wire::{
    GrantShareRequest, SignInRequest, SignUpRequest, SpaceAccess, SpaceEntry, MAX_PUSH_BYTES,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Changes per push; the server takes up to 1,000 and 4 MiB.
const PUSH_BATCH: u32 = 500;
/// Changes per pull page.
const PULL_PAGE: u32 = 500;
/// Network attempts within one `sync_now` before reporting `Offline`.
const ATTEMPTS: u32 = 3;
/// First in-call retry delay; doubles each time.
const RETRY_DELAY: Duration = Duration::from_millis(200);
/// Between calls: the background job should wait 30 s after a failure,
/// doubling up to an hour.
const BACKOFF_BASE_MS: u64 = 30_000;
const BACKOFF_MAX_MS: u64 = 3_600_000;
const SHADOW_DEVICE: &str = "shared view";

type Listeners = Mutex<Vec<(u64, Arc<dyn SyncListener>)>>;

#[derive(uniffi::Object)]
pub struct SyncEngine {
    store: Arc<Store>,
    device_name: String,
    /// Clinician copies of shared patients' spaces: `<db>.shared/<space>.db`.
    shadow_dir: PathBuf,
    shadows: Mutex<HashMap<String, Arc<Store>>>,
    clock: Arc<dyn Clock>,
    /// Set while a sync runs, and after one fails; None: derive from rows.
    transient: Mutex<Option<SyncState>>,
    listeners: Arc<Listeners>,
    next_listener: AtomicU64,
    running: tokio::sync::Mutex<()>,
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

fn backoff_ms(failures: u32) -> u64 {
    let shift = failures.saturating_sub(1).min(16);
    (BACKOFF_BASE_MS << shift).min(BACKOFF_MAX_MS)
}

/// The outbox batch cut to the server's byte bound (at least one change).
fn within_push_bytes(mut batch: Vec<pph_protocol::Change>) -> Vec<pph_protocol::Change> {
    let budget = MAX_PUSH_BYTES - 64 * 1024;
    let mut used = 0;
    let mut keep = 0;
    for c in &batch {
        used += serde_json::to_string(c).map_or(budget, |s| s.len() + 1);
        if used > budget && keep > 0 {
            break;
        }
        keep += 1;
    }
    batch.truncate(keep);
    batch
}

impl SyncEngine {
    pub(crate) fn new(
        store: Arc<Store>,
        db_path: &str,
        device_name: &str,
        clock: Arc<dyn Clock>,
    ) -> Self {
        SyncEngine {
            store,
            device_name: device_name.to_owned(),
            shadow_dir: PathBuf::from(format!("{db_path}.shared")),
            shadows: Mutex::new(HashMap::new()),
            clock,
            transient: Mutex::new(None),
            listeners: Arc::new(Mutex::new(Vec::new())),
            next_listener: AtomicU64::new(1),
            running: tokio::sync::Mutex::new(()),
        }
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn set_state(&self, state: Option<SyncState>) {
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
    pub(crate) fn shadow(&self, space: &str) -> IResult<Arc<Store>> {
        check_id("patient_space", space)?;
        let mut shadows = lock(&self.shadows);
        if let Some(store) = shadows.get(space) {
            return Ok(store.clone());
        }
        std::fs::create_dir_all(&self.shadow_dir)?;
        let path = self.shadow_dir.join(format!("{space}.db"));
        let store = Arc::new(self.store.open_sibling(&path, SHADOW_DEVICE)?);
        shadows.insert(space.to_owned(), store.clone());
        Ok(store)
    }

    /// Deletes the copies of spaces no longer shared (revoked, expired, or
    /// signed out): the clinician keeps nothing they may no longer read.
    fn purge_shadows_except(&self, keep: &[String]) -> IResult<()> {
        lock(&self.shadows).retain(|space, _| keep.contains(space));
        let Ok(dir) = std::fs::read_dir(&self.shadow_dir) else {
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

    async fn pull_space(
        store: &Store,
        transport: &Transport,
        token: &str,
        source: &SpaceFacts,
        report: &mut SyncReport,
    ) -> Result<(), PphError> {
        loop {
            let since = store.cursor(&source.space)?;
            let page = transport
                .pull(token, &source.space, since, PULL_PAGE)
                .await?;
            let changes: Vec<Authored> = page
                .changes
                .into_iter()
                .map(|c| Authored {
                    author: c.author,
                    change: c.change,
                })
                .collect();
            let applied = store.apply_page(source, &changes, page.next)?;
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
            if !page.more {
                return Ok(());
            }
        }
    }

    async fn push_outbox(
        &self,
        transport: &Transport,
        token: &str,
        report: &mut SyncReport,
    ) -> Result<(), PphError> {
        loop {
            let batch = within_push_bytes(self.store.outbox(PUSH_BATCH)?);
            if batch.is_empty() {
                return Ok(());
            }
            let ids: Vec<String> = batch.iter().map(|c| c.change_id.clone()).collect();
            match transport.push(token, batch).await? {
                Pushed::Stored => {
                    self.store.mark_synced(&ids)?;
                    report.pushed += ids.len() as u32;
                }
                // Nothing was stored: set the refused changes aside with
                // their rule (the shell can resend or discard them) and
                // send the rest again.
                Pushed::Refused(refused) => {
                    let mut by_rule: HashMap<_, Vec<String>> = HashMap::new();
                    for r in &refused {
                        if let Some(id) = ids.get(r.index as usize) {
                            by_rule.entry(r.rule).or_default().push(id.clone());
                        }
                    }
                    if by_rule.is_empty() {
                        return Err(PphError::Internal {
                            reason: "the server refused a push without naming a change".into(),
                        });
                    }
                    for (rule, ids) in by_rule {
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

    /// The judge's view of a space the server lists.
    fn facts(entry: &SpaceEntry) -> SpaceFacts {
        SpaceFacts {
            space: entry.space.clone(),
            kind: entry.kind,
            owner: entry.owner.clone(),
            facilitators: entry.facilitators.clone(),
        }
    }

    async fn run_once(
        &self,
        transport: &Transport,
        token: &str,
        report: &mut SyncReport,
    ) -> Result<(), PphError> {
        self.push_outbox(transport, token, report).await?;
        let spaces = transport.spaces(token).await?;
        let members: Vec<SpaceFacts> = spaces
            .spaces
            .iter()
            .filter(|e| e.access == SpaceAccess::Member)
            .map(Self::facts)
            .collect();
        self.store.save_spaces(&members)?;
        let mut shared = Vec::new();
        for entry in spaces.spaces {
            let source = Self::facts(&entry);
            match entry.access {
                SpaceAccess::Member => {
                    self.store.save_device_names(&entry.devices)?;
                    Self::pull_space(&self.store, transport, token, &source, report).await?;
                }
                SpaceAccess::Shared {
                    share_id,
                    patient_name,
                    scopes,
                    expires_at_ms,
                } => {
                    let shadow = self.shadow(&entry.space)?;
                    shadow.save_device_names(&entry.devices)?;
                    Self::pull_space(&shadow, transport, token, &source, report).await?;
                    shared.push(SharedPatient {
                        patient_space: entry.space,
                        patient_name,
                        share_id,
                        scopes: scopes.into_iter().map(ShareScope::from).collect(),
                        expires_at_ms,
                        last_synced_ms: Some(self.now_ms()),
                    });
                }
            }
        }
        self.store.save_shared_patients(&shared)?;
        let keep: Vec<String> = shared.iter().map(|p| p.patient_space.clone()).collect();
        self.purge_shadows_except(&keep)?;
        Ok(())
    }

    fn record_outcome(&self, outcome: &Result<(), PphError>) -> IResult<()> {
        let mut attempts = self.store.attempts()?;
        let now = self.now_ms();
        let state = match outcome {
            Ok(()) => {
                attempts = Attempts {
                    last_success_ms: Some(now),
                    ..Attempts::default()
                };
                None
            }
            Err(e) => {
                attempts.failures += 1;
                attempts.last_error = Some(e.to_string());
                attempts.next_retry_ms = Some(now + backoff_ms(attempts.failures));
                Some(match e {
                    PphError::Unauthorized => {
                        self.store.clear_token()?;
                        attempts.next_retry_ms = None;
                        SyncState::Unauthorized
                    }
                    PphError::Network { .. } => SyncState::Offline,
                    PphError::RateLimited { retry_after_s } => {
                        attempts.next_retry_ms = Some(now + retry_after_s * 1000);
                        SyncState::Failed
                    }
                    _ => SyncState::Failed,
                })
            }
        };
        self.store.save_attempts(&attempts)?;
        self.set_state(state);
        Ok(())
    }

    fn account_info(
        &self,
        server_url: &str,
        email: &str,
        s: &pph_protocol::wire::SessionResponse,
    ) -> AccountInfo {
        AccountInfo {
            account_id: s.account_id.clone(),
            email: email.trim().to_lowercase(),
            display_name: s.display_name.clone(),
            role: s.role.into(),
            personal_space: s.personal_space.clone(),
            server_url: server_url.trim_end_matches('/').to_owned(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl SyncEngine {
    /// Creates an account on the server; this store's personal space
    /// becomes the account's. The store must not belong to an account yet.
    pub async fn sign_up(
        &self,
        server_url: String,
        email: String,
        password: String,
        display_name: String,
        role: AccountRole,
    ) -> Result<AccountInfo, PphError> {
        if self.store.session()?.is_some() {
            return Err(PphError::Conflict {
                reason: "this store belongs to an account already; sign in to it".into(),
            });
        }
        let transport = Transport::new(&server_url)?;
        let session = transport
            .sign_up(&SignUpRequest {
                email: email.clone(),
                password,
                role: role.into(),
                display_name,
                device_name: self.device_name.clone(),
                node: self.store.node().to_owned(),
                personal_space: self.store.personal_space(),
            })
            .await?;
        let info = self.account_info(&server_url, &email, &session);
        self.store.save_session(&info, &session.token)?;
        self.set_state(None);
        Ok(info)
    }

    /// Signs this device in. A new store adopts the account's personal
    /// space, so records made before signing in sync as the account's.
    pub async fn sign_in(
        &self,
        server_url: String,
        email: String,
        password: String,
    ) -> Result<AccountInfo, PphError> {
        let transport = Transport::new(&server_url)?;
        let session = transport
            .sign_in(&SignInRequest {
                email: email.clone(),
                password,
                device_name: self.device_name.clone(),
                node: self.store.node().to_owned(),
            })
            .await?;
        let info = self.account_info(&server_url, &email, &session);
        self.store.save_session(&info, &session.token)?;
        self.set_state(None);
        Ok(info)
    }

    /// Revokes this device's token (when the server can be reached) and
    /// forgets it, and deletes every copy of patients' shared records.
    /// The person's own records stay, and sync again after signing in.
    pub async fn sign_out(&self) -> Result<(), PphError> {
        if let Ok((session, token)) = self.store.signed_in() {
            let transport = Transport::new(&session.info.server_url)?;
            // Offline, the token is still forgotten here; it stays valid on
            // the server until revoked from another device.
            let _ = transport.sign_out(&token).await;
        }
        self.store.clear_token()?;
        self.store.save_attempts(&Attempts::default())?;
        self.store.save_shared_patients(&[])?;
        self.purge_shadows_except(&[])?;
        self.set_state(None);
        Ok(())
    }

    /// Pushes pending changes, then pulls every space this account reaches.
    /// Network failures are retried a few times with a growing delay; then
    /// the call fails with `Network` and the status says when to try again.
    /// A refused token stops the sync with `Unauthorized`.
    pub async fn sync_now(&self) -> Result<SyncReport, PphError> {
        let _one_at_a_time = self.running.lock().await;
        let (session, token) = match self.store.signed_in() {
            Ok(s) => s,
            Err(e) => {
                self.set_state(None);
                return Err(e);
            }
        };
        let transport = Transport::new(&session.info.server_url)?;
        self.set_state(Some(SyncState::Syncing));
        let mut report = SyncReport::default();
        let mut delay = RETRY_DELAY;
        let outcome = loop {
            match self.run_once(&transport, &token, &mut report).await {
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
        let attempts = self.store.attempts()?;
        let state = match (&session, *lock(&self.transient)) {
            (None, _) => SyncState::SignedOut,
            (Some(s), _) if s.token.is_none() => {
                if attempts.last_error.is_some() && attempts.failures > 0 {
                    SyncState::Unauthorized
                } else {
                    SyncState::SignedOut
                }
            }
            (_, Some(state)) => state,
            (_, None) => SyncState::Idle,
        };
        Ok(SyncStatus {
            state,
            account: session.map(|s| s.info),
            pending_changes: self.store.pending_changes()?,
            refused_changes: self.store.refused_changes()?,
            last_success_ms: attempts.last_success_ms,
            consecutive_failures: attempts.failures,
            last_error: attempts.last_error,
            next_retry_ms: attempts.next_retry_ms,
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

    /// Lets a clinician read chosen parts of this patient's records until
    /// `expires_at_ms` (at most a year ahead).
    pub async fn grant_share(
        &self,
        clinician_email: String,
        scopes: Vec<ShareScope>,
        expires_at_ms: i64,
    ) -> Result<Share, PphError> {
        if scopes.is_empty() {
            return Err(PphError::validation(
                "scopes",
                "must name at least one scope",
            ));
        }
        let (session, token) = self.store.signed_in()?;
        let transport = Transport::new(&session.info.server_url)?;
        let share = transport
            .grant_share(
                &token,
                &GrantShareRequest {
                    clinician_email,
                    scopes: scopes.into_iter().map(Into::into).collect(),
                    expires_at_ms,
                },
            )
            .await?;
        Ok(share.into())
    }

    /// Ends a share at once: the clinician's next sync deletes their copy.
    pub async fn revoke_share(&self, share_id: String) -> Result<(), PphError> {
        check_id("share_id", &share_id)?;
        let (session, token) = self.store.signed_in()?;
        Transport::new(&session.info.server_url)?
            .revoke_share(&token, &share_id)
            .await
    }

    /// This patient's shares, live and ended.
    pub async fn shares(&self) -> Result<Vec<Share>, PphError> {
        let (session, token) = self.store.signed_in()?;
        let shares = Transport::new(&session.info.server_url)?
            .shares(&token)
            .await?;
        Ok(shares.shares.into_iter().map(Into::into).collect())
    }

    /// Changes from others this device refused to apply (newest first):
    /// what someone tried to write that the authorisation table forbids.
    pub fn set_aside_changes(&self) -> Result<Vec<SetAsideChange>, PphError> {
        Ok(self.store.set_aside_changes()?)
    }

    /// Patients sharing with this clinician, as of the last sync, without
    /// those whose share has expired since.
    pub fn shared_with_me(&self) -> Result<Vec<SharedPatient>, PphError> {
        let now = self.now_ms() as i64;
        Ok(self
            .store
            .shared_patients()?
            .into_iter()
            .filter(|p| p.expires_at_ms > now)
            .collect())
    }

    /// One shared patient's records for a consultation; works offline from
    /// the last sync, and refuses once the share has expired.
    pub fn consultation_summary(
        &self,
        patient_space: String,
    ) -> Result<ConsultationSummary, PphError> {
        let patient = self
            .shared_with_me()?
            .into_iter()
            .find(|p| p.patient_space == patient_space)
            .ok_or(PphError::Unauthorized)?;
        let shadow = self.shadow(&patient_space)?;
        super::consultation::summary(&shadow, &patient, self.now_ms())
    }
}

impl From<pph_protocol::wire::ShareResponse> for Share {
    fn from(s: pph_protocol::wire::ShareResponse) -> Self {
        Share {
            share_id: s.share_id,
            clinician_email: s.clinician_email,
            clinician_name: s.clinician_name,
            scopes: s.scopes.into_iter().map(ShareScope::from).collect(),
            created_at_ms: s.created_at_ms,
            expires_at_ms: s.expires_at_ms,
            revoked: s.revoked,
        }
    }
}
