//! Records the sync API hands to the shells.

use crate::budget::model::BudgetSummary;
use crate::care_plan::model::{Adherence, CarePlan, OpenReferral};
use crate::diary::model::{QuestionnaireResult, Symptom, TrendPoint};
use crate::time::from_ms_i64;
use pph_protocol::wire::{AccountDeleted, Role, Scope, ShareAccessResponse, ShareResponse};
use serde::Serialize;
use std::time::SystemTime;

/// Patient or clinician: the wire's `Role`, exported as `AccountRole`
/// (declared to uniffi below; the protocol's enum is the one type).
pub type AccountRole = Role;

#[uniffi::remote(Enum)]
enum AccountRole {
    Patient,
    Clinician,
}

/// What a patient may share with a clinician: the wire's `Scope`.
pub type ShareScope = Scope;

#[uniffi::remote(Enum)]
enum ShareScope {
    CarePlan,
    Diary,
    Questionnaires,
    Budget,
}

pub use crate::store::AccountInfo;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No account on this store: everything stays on the device.
    SignedOut,
    Idle,
    Syncing,
    /// The last attempt could not reach the server; retried with backoff.
    Offline,
    /// The server refused the token: sign in again.
    Unauthorized,
    /// The last attempt failed for another reason (see `last_error`).
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct SyncStatus {
    pub state: SyncState,
    pub account: Option<AccountInfo>,
    /// Local changes the server has not acknowledged yet.
    pub pending_changes: u64,
    /// Local changes the server refused for good (e.g. for a group this
    /// person was removed from): set aside until resent or discarded.
    pub refused_changes: u64,
    pub last_success: Option<SystemTime>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    /// When the background job should try again (backoff), if it failed.
    pub next_retry: Option<SystemTime>,
}

/// What one `sync_now` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct SyncReport {
    /// Local changes the server acknowledged (including ones it already had).
    pub pushed: u32,
    /// Remote changes stored here for the first time.
    pub pulled: u32,
    /// Remote changes to fields this device had also written, settled by
    /// the greatest (hlc, node).
    pub conflicts_resolved: u32,
    /// Records waiting for a parent that has not arrived yet.
    pub waiting: u32,
    /// Remote changes refused (malformed, or stamped too far ahead).
    pub rejected: u32,
    /// Remote changes the authorisation table refuses (someone writing
    /// what they may not, or into another space): set aside, never
    /// applied; `errors` says which rules they broke.
    pub set_aside: u32,
    /// Network attempts that failed and were retried within this call.
    pub retries: u32,
    /// Records the relay erased (with a deleted account) deleted here.
    #[uniffi(default = 0)]
    pub erased: u32,
    /// Errors met along the way that did not stop the sync (e.g. one
    /// shared patient unreadable); a stopping error is returned instead.
    pub errors: Vec<String>,
}

/// A patient's grant to a clinician, as the relay describes it.
#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct Share {
    pub share_id: String,
    /// The clinician's account: whose safety number to compare
    /// (`account().safety_number`).
    pub clinician_account_id: String,
    pub clinician_email: String,
    pub clinician_name: String,
    pub scopes: Vec<ShareScope>,
    pub created_at: SystemTime,
    pub expires_at: SystemTime,
    pub revoked: bool,
}

impl From<ShareResponse> for Share {
    fn from(s: ShareResponse) -> Self {
        Share {
            share_id: s.share_id,
            clinician_account_id: s.clinician_account,
            clinician_email: s.clinician_email,
            clinician_name: s.clinician_name,
            scopes: s.scopes,
            created_at: from_ms_i64(s.created_at_ms),
            expires_at: from_ms_i64(s.expires_at_ms),
            revoked: s.revoked,
        }
    }
}

/// One sitting in which a clinician read this patient's shared records:
/// who, which scopes, from when to when.
#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ShareAccess {
    pub clinician_email: String,
    pub clinician_name: String,
    pub scopes: Vec<ShareScope>,
    pub first_at: SystemTime,
    pub last_at: SystemTime,
    /// Requests made in the sitting.
    pub requests: u32,
    /// Records (changes) served in it.
    pub records: u32,
}

impl From<ShareAccessResponse> for ShareAccess {
    fn from(a: ShareAccessResponse) -> Self {
        ShareAccess {
            clinician_email: a.clinician_email,
            clinician_name: a.clinician_name,
            scopes: a.scopes,
            first_at: from_ms_i64(a.first_at_ms),
            last_at: from_ms_i64(a.last_at_ms),
            requests: u32::try_from(a.requests).unwrap_or(u32::MAX),
            records: u32::try_from(a.records).unwrap_or(u32::MAX),
        }
    }
}

/// A patient who shares with this clinician, as of the last sync.
#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct SharedPatient {
    /// The patient's space: pass it to `consultation_summary`.
    pub patient_space: String,
    pub patient_name: String,
    /// The patient's account: whose safety number to compare
    /// (`account().safety_number`).
    pub patient_account_id: String,
    pub share_id: String,
    pub scopes: Vec<ShareScope>,
    pub expires_at: SystemTime,
    pub last_synced: Option<SystemTime>,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct SymptomTrend {
    pub symptom: Symptom,
    pub buckets: Vec<TrendPoint>,
}

/// One patient's shared data for a ten-minute consultation, read only.
/// A part is empty (None or no items) when its scope is not granted.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct ConsultationSummary {
    pub patient_name: String,
    pub scopes: Vec<ShareScope>,
    pub expires_at: SystemTime,
    pub last_synced: Option<SystemTime>,
    /// The day the "since" parts start: the last review, else 90 days back.
    pub since: String,
    pub care_plan: Option<CarePlan>,
    /// Its referrals still open (requested, accepted, in progress).
    pub open_referrals: Vec<OpenReferral>,
    pub adherence: Option<Adherence>,
    /// Weekly buckets per symptom logged since `since`.
    pub symptom_trends: Vec<SymptomTrend>,
    /// Scores since `since`, newest first, with their safety flags.
    pub questionnaires: Vec<QuestionnaireResult>,
    pub budgets: Vec<BudgetSummary>,
}

/// A change from someone else that this device refused to apply, kept for
/// inspection (`sync().set_aside_changes()`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct SetAsideChange {
    pub change_id: String,
    pub space: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The account the server said wrote it ('' when it did not know).
    pub author: String,
    /// The rule it broke, as a stable code (`not_author`).
    pub rule: String,
    pub set_aside_at: SystemTime,
}

/// Receives every status change (state, pending count, errors).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_status(&self, status: SyncStatus);
}

/// What deleting the account did on the relay, and what remains elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct AccountDeletionReceipt {
    /// Changes deleted: every one of the person's own records, and every
    /// change of the group records erased.
    pub changes_deleted: u64,
    /// Group records erased for everyone: the person's messages,
    /// reactions, answers, attendance marks, timebank posts and exchanges.
    pub group_records_erased: u64,
    /// Shares deleted, given or received, with their access logs.
    pub shares_deleted: u64,
    pub devices_signed_out: u64,
    pub groups_left: u64,
    /// Groups the person ran, now run by another member.
    pub groups_passed_on: u64,
    /// Groups deleted because no one else was in them.
    pub groups_deleted: u64,
    /// What the relay could not delete, in plain words, to tell the person.
    pub remains_elsewhere: Vec<String>,
}

impl AccountDeletionReceipt {
    pub(crate) fn of(d: AccountDeleted) -> Self {
        AccountDeletionReceipt {
            changes_deleted: d.changes,
            group_records_erased: d.group_records,
            shares_deleted: d.shares,
            devices_signed_out: d.devices,
            groups_left: d.groups_left,
            groups_passed_on: d.groups_passed_on,
            groups_deleted: d.groups_deleted,
            remains_elsewhere: vec![
                "This phone still holds your records until you erase it.".into(),
                "What a clinician saved from a consultation or an export you gave them is \
                 in their records, not ours."
                    .into(),
                "Messages other members wrote stay in their groups, in their words.".into(),
                "A group member's phone deletes your messages the next time it syncs.".into(),
            ],
        }
    }
}

pph_protocol::debug_without_secrets!(Share, ShareAccess, SharedPatient, ConsultationSummary,);
