//! The server's storage: one trait, two backends (an embedded SQLite file and
//! PostgreSQL), one conformance suite (`server/tests/conformance.rs`).

pub mod backfill;
mod deletion;
mod judge;
mod postgres;
mod pulled;
mod sqlite;

pub use judge::{judge_push, Owner, Plan, SpaceFacts};
pub use postgres::PostgresStorage;
pub use pph_protocol::kinds::SpaceKind;
pub use pulled::PulledChanges;
pub use sqlite::SqliteStorage;

use async_trait::async_trait;
use pph_protocol::sealed::{AccountKeys, Envelope, EpochRecipients, EpochRef};
pub use pph_protocol::wire::GroupRole;
use pph_protocol::wire::{
    AccountDeleted, DeviceName, ErasedRecord, PushResponse, RefusedChange, Role, Scope,
};

/// Numbered schema steps, applied in order, each in its own transaction and
/// recorded in `schema_migrations`; never edited once shipped.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/001_initial.sql")),
    (
        2,
        include_str!("migrations/002_group_roles_and_invites.sql"),
    ),
    (3, include_str!("migrations/003_hidden_messages.sql")),
    (4, include_str!("migrations/004_authorisation.sql")),
    (5, include_str!("migrations/005_two_party_records.sql")),
    (6, include_str!("migrations/006_share_access_log.sql")),
    (7, include_str!("migrations/007_erased_records.sql")),
    (8, include_str!("migrations/008_end_to_end_keys.sql")),
];

/// Pulls by one clinician of the same scopes within this long of the last
/// are one sitting in the access log.
pub const ACCESS_SITTING_MS: i64 = 10 * 60 * 1000;

/// The step whose data `backfill::backfill_v4` fills in.
pub(crate) const AUTHORS_STEP: i64 = 4;

/// The version table itself, created before any step runs.
pub(crate) const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    applied_ms BIGINT NOT NULL
)";

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique key is taken (email, space, share id).
    #[error("already exists")]
    Conflict,
    /// The backend failed; the text names the failure, never row values.
    #[error("storage backend: {0}")]
    Backend(String),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Why a push stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Changes the authorisation table refuses, each with its rule.
    #[error("{} changes refused", .0.len())]
    Refused(Vec<RefusedChange>),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub personal_space: String,
    pub password_hash: String,
    pub created_ms: i64,
}

/// A change as the relay keeps it: routing columns plus the JSON it relays.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomingChange {
    pub change_id: String,
    pub space: String,
    pub entity_type: String,
    pub entity_id: String,
    pub field: String,
    /// The value, where the relay can read it, for the checks on values.
    pub value: Option<serde_json::Value>,
    pub body: String,
    /// A facilitator's hide: the record (in the same space) whose changes
    /// are no longer served.
    pub hides: Option<String>,
    /// Refused (`unsealed`) if its value is in the clear, once the table
    /// allows it: every device seals what it pushes, so the relay keeps no
    /// value it could read. Storage tests that hand the judge readable
    /// values leave it false.
    pub sealed_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub patient_account: String,
    pub clinician_account: String,
    pub scopes: Vec<Scope>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// A grant seen by a clinician, with what identifies the patient's space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClinicianGrant {
    pub grant: Grant,
    pub patient_space: String,
    pub patient_name: String,
}

/// One pull of a patient's shared records by a clinician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub patient_account: String,
    pub clinician_account: String,
    pub scopes: Vec<Scope>,
    pub at_ms: i64,
    /// Changes served.
    pub records: i64,
}

/// Extends the clinician's last sitting on these scopes if it ended within
/// `ACCESS_SITTING_MS`; the same SQL on both backends (`?`-numbered here,
/// `$`-numbered by PostgreSQL's adapter): patient, clinician, scopes, at,
/// records, and the earliest end that still counts (at - the window).
pub(crate) const EXTEND_SITTING: &str = "UPDATE share_accesses
     SET last_ms = {4}, requests = requests + 1, records = records + {5}
     WHERE id = (SELECT id FROM share_accesses
                 WHERE patient_account = {1} AND clinician_account = {2} AND scopes = {3}
                   AND last_ms >= {6}
                 ORDER BY last_ms DESC LIMIT 1)";
pub(crate) const NEW_SITTING: &str = "INSERT INTO share_accesses
     (id, patient_account, clinician_account, scopes, first_ms, last_ms, requests, records)
     VALUES ({1}, {2}, {3}, {4}, {5}, {5}, 1, {6})";
pub(crate) const ACCESS_LOG: &str = "SELECT c.email, c.display_name, a.scopes, a.first_ms,
            a.last_ms, a.requests, a.records
     FROM share_accesses a JOIN accounts c ON c.id = a.clinician_account
     WHERE a.patient_account = {1} ORDER BY a.last_ms DESC, a.first_ms DESC, a.id";

/// An account's columns, in the order both backends' `account` mappers read.
pub(crate) const ACCOUNT_COLUMNS: &str =
    "a.id, a.email, a.display_name, a.role, a.personal_space, a.password_hash, a.created_ms";

/// The account behind a live token ({1}, its hash) and, as `member_role`,
/// its role in space {2} (NULL when not a member): one read where a pull
/// asked twice.
pub(crate) fn account_in_space_sql(prefix: char) -> String {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS},
                (SELECT m.role FROM space_members m
                 WHERE m.space = {{2}} AND m.account_id = a.id) AS member_role
         FROM device_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = {{1}} AND t.revoked_ms IS NULL"
    );
    numbered(&sql, prefix)
}

/// A space's erased records after a cursor, in sequence order: space,
/// since, limit.
pub(crate) const ERASED_SINCE: &str = "SELECT seq, entity_type, entity_id FROM erased_entities
     WHERE space = {1} AND seq > {2} ORDER BY seq LIMIT {3}";

/// The key statements, the same on both backends: `set_account_keys`
/// (account, public key, sealed keys, password hash or NULL, recovery hash
/// or NULL, 1 to write only over no keys) and the rest as named.
pub(crate) const SET_ACCOUNT_KEYS: &str = "UPDATE accounts
     SET public_key = {2}, sealed_keys = {3},
         password_hash = coalesce({4}, password_hash),
         recovery_hash = coalesce({5}, recovery_hash)
     WHERE id = {1} AND (CAST({6} AS BIGINT) = 0 OR sealed_keys IS NULL)";
pub(crate) const ACCOUNT_KEYS: &str =
    "SELECT sealed_keys, recovery_hash FROM accounts WHERE id = {1} AND sealed_keys IS NOT NULL";
pub(crate) const PUBLIC_KEY: &str =
    "SELECT public_key FROM accounts WHERE id = {1} AND public_key IS NOT NULL";
pub(crate) const EPOCH_TAKEN: &str = "SELECT 1 FROM key_envelopes
     WHERE space = {1} AND key_name = {2} AND epoch = {3} LIMIT 1";
pub(crate) const PUT_ENVELOPE: &str = "INSERT INTO key_envelopes
     (space, key_name, epoch, recipient, body, created_ms) VALUES ({1}, {2}, {3}, {4}, {5}, {6})
     ON CONFLICT DO NOTHING";
pub(crate) const ENVELOPES_FOR: &str =
    "SELECT body FROM key_envelopes WHERE recipient = {1} ORDER BY space, key_name, epoch";
pub(crate) const EPOCH_RECIPIENTS: &str = "SELECT key_name, epoch, recipient FROM key_envelopes
     WHERE space = {1} ORDER BY key_name, epoch, recipient";

/// `sql` with its `{n}` placeholders spelled `{prefix}n`.
pub(crate) fn numbered(sql: &str, prefix: char) -> String {
    (1..=9).fold(sql.to_owned(), |s, n| {
        s.replace(&format!("{{{n}}}"), &format!("{prefix}{n}"))
    })
}

/// One sitting in a patient's access log: who read which scopes, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub clinician_email: String,
    pub clinician_name: String,
    pub scopes: Vec<Scope>,
    pub first_ms: i64,
    pub last_ms: i64,
    pub requests: i64,
    pub records: i64,
}

/// A grant seen by its patient, with who receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientGrant {
    pub grant: Grant,
    pub clinician_email: String,
    pub clinician_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub account_id: String,
    pub display_name: String,
    pub role: GroupRole,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub code_hash: String,
    pub space: String,
    pub created_by: String,
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// A space an account reaches as a member, with who runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceInfo {
    pub id: String,
    pub kind: SpaceKind,
    pub owner: String,
    pub facilitators: Vec<String>,
}

/// What redeeming an invite code did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redeemed {
    Joined(String),
    /// Unknown, expired or revoked.
    NoSuchCode,
    /// The account was removed from the code's group and not let back.
    Removed,
}

/// Which changes of a space a pull may serve.
#[derive(Clone, Copy, Debug, Default)]
pub struct Readable<'a> {
    /// Only these kinds (a clinician's grant); None: every kind.
    pub kinds: Option<&'a [&'a str]>,
    /// Records between two people only where this account is one of them;
    /// None: all of them (a facilitator, the owner of a personal space).
    pub reader: Option<&'a str>,
}

impl<'a> Readable<'a> {
    /// Everything in the space.
    pub const ALL: Readable<'static> = Readable {
        kinds: None,
        reader: None,
    };

    pub fn kinds(kinds: &'a [&'a str]) -> Self {
        Readable {
            kinds: Some(kinds),
            reader: None,
        }
    }

    pub fn member(account_id: &'a str) -> Self {
        Readable {
            kinds: None,
            reader: Some(account_id),
        }
    }
}

/// One stored change as a pull serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChange {
    pub seq: i64,
    /// The account that pushed it; None for changes from before v4 whose
    /// writer is not known.
    pub author: Option<String>,
    pub body: String,
}

#[async_trait]
pub trait Storage: Send + Sync {
    /// The highest schema step applied.
    async fn schema_version(&self) -> Result<i64>;

    /// Stores the account with its personal space, of which it is the only
    /// member. `Conflict` if the email or space id is taken.
    async fn create_account(&self, account: &Account) -> Result<()>;
    async fn account_by_email(&self, email: &str) -> Result<Option<Account>>;
    async fn add_token(
        &self,
        token_hash: &str,
        account_id: &str,
        device: &DeviceName,
        now_ms: i64,
    ) -> Result<()>;
    /// The account's devices by node, each with the name it gave last.
    async fn device_names(&self, account_id: &str) -> Result<Vec<DeviceName>>;
    /// The account behind a live (not revoked) token.
    async fn account_for_token(&self, token_hash: &str) -> Result<Option<Account>>;
    /// The account behind a live token with its role in `space` (None when
    /// not a member), in one read: what a pull asks before its page.
    async fn account_in_space(
        &self,
        token_hash: &str,
        space: &str,
    ) -> Result<Option<(Account, Option<GroupRole>)>>;
    async fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<()>;

    /// A group space with its creator as facilitator. `Conflict` if taken.
    async fn create_group_space(&self, space: &str, owner: &str) -> Result<()>;
    async fn add_member(&self, space: &str, account_id: &str) -> Result<()>;
    async fn is_member(&self, space: &str, account_id: &str) -> Result<bool>;
    /// The spaces the account is a member of, by id.
    async fn member_spaces(&self, account_id: &str) -> Result<Vec<SpaceInfo>>;
    /// The account's role in a group space; None if not a member.
    async fn member_role(&self, space: &str, account_id: &str) -> Result<Option<GroupRole>>;
    /// A space's members, facilitators first, then by name.
    async fn members(&self, space: &str) -> Result<Vec<Member>>;
    /// Ends a membership; false if there was none. Removed by someone else
    /// (a facilitator), the account cannot rejoin until readmitted.
    async fn remove_member(
        &self,
        space: &str,
        account_id: &str,
        removed_by: &str,
        now_ms: i64,
    ) -> Result<bool>;
    /// Accounts removed from a space and not let back, by name.
    async fn removed_members(&self, space: &str) -> Result<Vec<Member>>;
    /// Lets a removed account join again with a code; false if it was not
    /// removed.
    async fn readmit(&self, space: &str, account_id: &str) -> Result<bool>;

    async fn create_invite(&self, invite: &Invite) -> Result<()>;
    /// Revokes an invite of this space; false if there is none.
    async fn revoke_invite(&self, code_hash: &str, space: &str, now_ms: i64) -> Result<bool>;
    /// Joins the account to the invite's space if the invite is live at
    /// `now_ms` and the account was not removed from it.
    async fn redeem_invite(
        &self,
        code_hash: &str,
        account_id: &str,
        now_ms: i64,
    ) -> Result<Redeemed>;

    /// Judges the push by `author` against the authorisation table
    /// (`judge_push`) and, if nothing is refused, stores each change not
    /// already stored, numbering it next in its space, and records the
    /// records it creates, all in one transaction. Refused or failed, it
    /// stores nothing.
    async fn push(
        &self,
        author: &str,
        changes: &[IncomingChange],
    ) -> Result<PushResponse, PushError>;
    /// Up to `limit` changes of `space` after `since`, in sequence order,
    /// only those `readable` allows, never those of hidden records.
    async fn pull(
        &self,
        space: &str,
        since: i64,
        limit: u32,
        readable: Readable<'_>,
    ) -> Result<PulledChanges>;

    /// Records of `space` erased after `since` (with deleted accounts),
    /// in sequence order, up to `limit`.
    async fn erased(&self, space: &str, since: i64, limit: u32) -> Result<Vec<ErasedRecord>>;

    /// Deletes the account and everything of it as `deletion::plan` says,
    /// in one transaction: its personal space, shares either way, devices,
    /// memberships, invites and counters; in groups, every record naming it
    /// erased for everyone, and a group it ran passed on (or deleted when
    /// no one else is in it). None: no such account.
    async fn delete_account(&self, account_id: &str) -> Result<Option<AccountDeleted>>;

    /// The tables holding a row in which `needle` appears (in any column):
    /// how a deletion is checked, and how an operator audits one.
    async fn tables_naming(&self, needle: &str) -> Result<Vec<String>>;

    async fn create_grant(&self, grant: &Grant) -> Result<()>;
    /// Revokes one of the patient's grants; false if it is not theirs.
    async fn revoke_grant(&self, id: &str, patient_account: &str, now_ms: i64) -> Result<bool>;
    async fn grants_by_patient(&self, patient_account: &str) -> Result<Vec<PatientGrant>>;
    /// The clinician's grants neither revoked nor expired at `now_ms`.
    async fn live_grants_for_clinician(
        &self,
        clinician_account: &str,
        now_ms: i64,
    ) -> Result<Vec<ClinicianGrant>>;
    /// Logs a clinician's pull: it extends the same clinician's last sitting
    /// on the same scopes if that ended within `ACCESS_SITTING_MS`, else
    /// starts one.
    async fn record_access(&self, access: &Access) -> Result<()>;
    /// Every sitting in which a clinician read the patient's records,
    /// newest first.
    async fn access_log(&self, patient_account: &str) -> Result<Vec<AccessEntry>>;

    /// Counts an attempt under `key` in a window of `window_ms`, in one
    /// atomic step however many servers share the database; Some(ms to
    /// wait) when this attempt is over `max` and must be refused.
    async fn take_attempt(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
        max: u32,
    ) -> Result<Option<i64>>;
    /// Gives back one attempt (one that succeeded and should not count).
    async fn refund_attempt(&self, key: &str) -> Result<()>;
    /// Forgets every attempt under `key`.
    async fn clear_attempts(&self, key: &str) -> Result<()>;
    /// Drops counters whose window ended before `before_ms`.
    async fn sweep_attempts(&self, before_ms: i64) -> Result<()>;

    /// Keeps the account's key pair as its device sealed it, with the
    /// hashes of the password's and recovery code's authentication keys
    /// where they change (None: unchanged). With `only_if_none`, false and
    /// nothing written if the account has keys already.
    async fn set_account_keys(&self, update: &KeysUpdate) -> Result<bool>;
    /// The account's sealed keys and its recovery code's hash.
    async fn account_keys(&self, account_id: &str)
        -> Result<Option<(AccountKeys, Option<String>)>>;
    /// Public keys of these accounts (those that have one).
    async fn public_keys(&self, accounts: &[String]) -> Result<Vec<(String, String)>>;
    /// Stores envelopes (again: ignored) in one transaction; `Conflict`,
    /// storing nothing, if an epoch in `creates` has an envelope already.
    async fn put_envelopes(
        &self,
        envelopes: &[Envelope],
        creates: &[EpochRef],
        now_ms: i64,
    ) -> Result<()>;
    /// Every envelope wrapped to the account.
    async fn envelopes_for(&self, recipient: &str) -> Result<Vec<Envelope>>;
    /// Each epoch of each key of a space, with the accounts it was wrapped to.
    async fn epoch_recipients(&self, space: &str) -> Result<Vec<EpochRecipients>>;
}

/// What `set_account_keys` writes.
#[derive(Clone, Debug)]
pub struct KeysUpdate {
    pub account_id: String,
    pub keys: AccountKeys,
    pub password_hash: Option<String>,
    pub recovery_hash: Option<String>,
    pub only_if_none: bool,
}

/// Epochs with their recipients, from (key, epoch, recipient) rows in that
/// order.
pub(crate) fn group_epochs(rows: Vec<(String, i64, String)>) -> Result<Vec<EpochRecipients>> {
    let mut out: Vec<EpochRecipients> = Vec::new();
    for (key, epoch, recipient) in rows {
        let key = parse_key_name(&key)?;
        let epoch =
            u32::try_from(epoch).map_err(|_| StorageError::Backend("epoch out of range".into()))?;
        match out.last_mut() {
            Some(last) if last.key == key && last.epoch == epoch => last.recipients.push(recipient),
            _ => out.push(EpochRecipients {
                key,
                epoch,
                recipients: vec![recipient],
            }),
        }
    }
    Ok(out)
}

pub(crate) fn parse_key_name(name: &str) -> Result<pph_protocol::sealed::KeyName> {
    pph_protocol::codes::parse(name)
        .ok_or_else(|| StorageError::Backend("unknown key in key_envelopes".into()))
}

pub(crate) fn envelope_json(e: &Envelope) -> Result<String> {
    serde_json::to_string(e).map_err(|_| StorageError::Backend("could not encode".into()))
}

pub(crate) fn parse_envelope(body: &str) -> Result<Envelope> {
    serde_json::from_str(body).map_err(|_| StorageError::Backend("bad envelope".into()))
}

pub(crate) fn parse_account_keys(body: &str) -> Result<AccountKeys> {
    serde_json::from_str(body).map_err(|_| StorageError::Backend("bad account keys".into()))
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Patient => "patient",
        Role::Clinician => "clinician",
    }
}

pub(crate) fn parse_role(name: &str) -> Result<Role> {
    match name {
        "patient" => Ok(Role::Patient),
        "clinician" => Ok(Role::Clinician),
        _ => Err(StorageError::Backend("unknown role in accounts".into())),
    }
}

pub(crate) fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| scope_name(*s))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn parse_scopes(text: &str) -> Result<Vec<Scope>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|name| {
            Scope::ALL
                .into_iter()
                .find(|s| scope_name(*s) == name)
                .ok_or_else(|| StorageError::Backend("unknown scope in shares".into()))
        })
        .collect()
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::CarePlan => "care_plan",
        Scope::Diary => "diary",
        Scope::Questionnaires => "questionnaires",
        Scope::Budget => "budget",
    }
}

pub(crate) fn group_role_name(role: GroupRole) -> &'static str {
    match role {
        GroupRole::Member => "member",
        GroupRole::Facilitator => "facilitator",
    }
}

pub(crate) fn parse_group_role(name: &str) -> Result<GroupRole> {
    match name {
        "member" => Ok(GroupRole::Member),
        "facilitator" => Ok(GroupRole::Facilitator),
        _ => Err(StorageError::Backend(
            "unknown role in space_members".into(),
        )),
    }
}

pub(crate) fn parse_space_kind(name: &str) -> Result<SpaceKind> {
    SpaceKind::parse(name).ok_or_else(|| StorageError::Backend("unknown kind in spaces".into()))
}
