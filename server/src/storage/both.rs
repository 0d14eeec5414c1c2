//! `Storage`: the relay's storage, one type over its two backends (an
//! embedded SQLite file, or PostgreSQL for several relays behind a load
//! balancer). Each method is written once: its SQL and body live in the
//! storage's concern modules (`accounts`, `attempts`, `changes`,
//! `departure`, `keys`, `schema`, `shares`, `spaces`) over `db::Db`, and
//! run here on a reader or in a write transaction of whichever backend
//! this is.
//! One conformance suite (`server/tests/conformance.rs`) runs on both.

use super::db::Db;
use super::postgres::PostgresStorage;
use super::sqlite::SqliteStorage;
use super::*;
use std::path::Path;

pub struct Storage {
    backend: Backend,
}

enum Backend {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

impl Storage {
    /// The SQLite file at `path`, created and brought to the latest schema
    /// step if need be.
    pub fn open_sqlite(path: &Path) -> Result<Self> {
        Ok(Storage {
            backend: Backend::Sqlite(SqliteStorage::open(path)?),
        })
    }

    /// The PostgreSQL database at `url`, brought to the latest schema step
    /// (relays starting together take turns).
    pub async fn connect_postgres(url: &str) -> Result<Self> {
        Ok(Storage {
            backend: Backend::Postgres(PostgresStorage::connect(url).await?),
        })
    }

    /// Runs statements written once over `Db` on a connection that reads.
    async fn read<T: Send + 'static>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(b) => b.db_read(f).await,
            Backend::Postgres(b) => b.db_read(f).await,
        }
    }

    /// After an erasure, SQLite's zeroed pages leave its write-ahead log
    /// and the log is emptied, so no copy of the deleted rows stays in it
    /// (`secure_delete` zeroes them in the file). PostgreSQL's dead rows go
    /// at its next vacuum (docs/RIGHTS.md).
    async fn forget_erased(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(b) => b.truncate_wal().await,
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Runs statements written once over `Db` in one write transaction:
    /// all of them or, on an error, none.
    async fn write<T: Send + 'static>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(b) => b.db_write(f).await,
            Backend::Postgres(b) => b.db_write(f).await,
        }
    }

    /// The highest schema step applied.
    pub async fn schema_version(&self) -> Result<i64> {
        self.read(async move |db| schema::schema_version(db).await)
            .await
    }

    /// Stores the account with its personal space, of which it is the only
    /// member. `Conflict` if the email or space id is taken.
    pub async fn create_account(&self, account: &Account) -> Result<()> {
        let account = account.clone();
        self.write(async move |db| accounts::create_account(db, &account).await)
            .await
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let email = email.to_owned();
        self.read(async move |db| accounts::account_by_email(db, &email).await)
            .await
    }

    pub async fn add_token(
        &self,
        token_hash: &str,
        account_id: &str,
        device: &DeviceName,
        now_ms: i64,
    ) -> Result<()> {
        let (token_hash, account_id, device) =
            (token_hash.to_owned(), account_id.to_owned(), device.clone());
        self.write(async move |db| {
            accounts::add_token(db, &token_hash, &account_id, &device, now_ms).await
        })
        .await
    }

    /// The account's devices by node, each with the name it gave last.
    pub async fn device_names(&self, account_id: &str) -> Result<Vec<DeviceName>> {
        let account_id = account_id.to_owned();
        self.read(async move |db| accounts::device_names(db, &account_id).await)
            .await
    }

    /// The account behind a live (not revoked) token.
    pub async fn account_for_token(&self, token_hash: &str) -> Result<Option<Account>> {
        let token_hash = token_hash.to_owned();
        self.read(async move |db| accounts::account_for_token(db, &token_hash).await)
            .await
    }

    /// The account behind a live token with its role in `space` (None when
    /// not a member), in one read: what a pull asks before its page.
    pub async fn account_in_space(
        &self,
        token_hash: &str,
        space: &str,
    ) -> Result<Option<(Account, Option<GroupRole>)>> {
        let (token_hash, space) = (token_hash.to_owned(), space.to_owned());
        self.read(async move |db| accounts::account_in_space(db, &token_hash, &space).await)
            .await
    }

    pub async fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(async move |db| accounts::revoke_token(db, &token_hash, now_ms).await)
            .await
    }

    /// A group space with its creator as facilitator. `Conflict` if taken.
    pub async fn create_group_space(&self, space: &str, owner: &str) -> Result<()> {
        let (space, owner) = (space.to_owned(), owner.to_owned());
        self.write(async move |db| spaces::create_group_space(db, &space, &owner).await)
            .await
    }

    pub async fn add_member(&self, space: &str, account_id: &str) -> Result<()> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.write(async move |db| spaces::add_member(db, &space, &account_id).await)
            .await
    }

    pub async fn is_member(&self, space: &str, account_id: &str) -> Result<bool> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.read(async move |db| spaces::is_member(db, &space, &account_id).await)
            .await
    }

    /// The spaces the account is a member of, by id.
    pub async fn member_spaces(&self, account_id: &str) -> Result<Vec<SpaceInfo>> {
        let account_id = account_id.to_owned();
        self.read(async move |db| spaces::member_spaces(db, &account_id).await)
            .await
    }

    /// The account's role in a group space; None if not a member.
    pub async fn member_role(&self, space: &str, account_id: &str) -> Result<Option<GroupRole>> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.read(async move |db| spaces::member_role(db, &space, &account_id).await)
            .await
    }

    /// A space's members, facilitators first, then by name.
    pub async fn members(&self, space: &str) -> Result<Vec<Member>> {
        let space = space.to_owned();
        self.read(async move |db| spaces::members(db, &space).await)
            .await
    }

    /// Ends a membership; false if there was none. Removed by someone else
    /// (a facilitator), the account cannot rejoin until readmitted.
    pub async fn remove_member(
        &self,
        space: &str,
        account_id: &str,
        removed_by: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let (space, account_id, removed_by) = (
            space.to_owned(),
            account_id.to_owned(),
            removed_by.to_owned(),
        );
        self.write(async move |db| {
            spaces::remove_member(db, &space, &account_id, &removed_by, now_ms).await
        })
        .await
    }

    /// Accounts removed from a space and not let back, by name.
    pub async fn removed_members(&self, space: &str) -> Result<Vec<Member>> {
        let space = space.to_owned();
        self.read(async move |db| spaces::removed_members(db, &space).await)
            .await
    }

    /// Lets a removed account join again with a code; false if it was not
    /// removed.
    pub async fn readmit(&self, space: &str, account_id: &str) -> Result<bool> {
        let (space, account_id) = (space.to_owned(), account_id.to_owned());
        self.write(async move |db| spaces::readmit(db, &space, &account_id).await)
            .await
    }

    pub async fn create_invite(&self, invite: &Invite) -> Result<()> {
        let invite = invite.clone();
        self.write(async move |db| spaces::create_invite(db, &invite).await)
            .await
    }

    /// Revokes an invite of this space; false if there is none.
    pub async fn revoke_invite(&self, code_hash: &str, space: &str, now_ms: i64) -> Result<bool> {
        let (code_hash, space) = (code_hash.to_owned(), space.to_owned());
        self.write(async move |db| spaces::revoke_invite(db, &code_hash, &space, now_ms).await)
            .await
    }

    /// Joins the account to the invite's space if the invite is live at
    /// `now_ms` and the account was not removed from it.
    pub async fn redeem_invite(
        &self,
        code_hash: &str,
        account_id: &str,
        now_ms: i64,
    ) -> Result<Redeemed> {
        let (code_hash, account_id) = (code_hash.to_owned(), account_id.to_owned());
        self.write(async move |db| spaces::redeem_invite(db, &code_hash, &account_id, now_ms).await)
            .await
    }

    /// Judges the push by `author` against the authorisation table
    /// (`judge_push`) and, if nothing is refused, stores each change not
    /// already stored, numbering it next in its space, and records the
    /// records it creates, all in one transaction. Refused or failed, it
    /// stores nothing.
    pub async fn push(
        &self,
        author: &str,
        changes: &[IncomingChange],
    ) -> Result<PushResponse, PushError> {
        let (author, changes) = (author.to_owned(), changes.to_vec());
        self.write(async move |db| changes::push(db, &author, &changes).await)
            .await?
            .map_err(PushError::Refused)
    }

    /// Up to `limit` changes of `space` after `since`, in sequence order,
    /// only those `readable` allows, never those of hidden records.
    pub async fn pull(
        &self,
        space: &str,
        since: i64,
        limit: u32,
        readable: Readable,
    ) -> Result<PulledChanges> {
        let space = space.to_owned();
        self.read(async move |db| changes::pull(db, &space, since, limit, &readable).await)
            .await
    }

    /// Records of `space` erased after `since` (with deleted accounts),
    /// in sequence order, up to `limit`.
    pub async fn erased(&self, space: &str, since: i64, limit: u32) -> Result<Vec<ErasedRecord>> {
        let space = space.to_owned();
        self.read(async move |db| changes::erased(db, &space, since, limit).await)
            .await
    }

    /// Deletes the account and everything of it as `deletion::plan` says,
    /// in one transaction: its personal space, shares either way, devices,
    /// memberships, invites and counters; in groups, every record naming it
    /// erased for everyone, and a group it ran passed on (or deleted when
    /// no one else is in it). None: no such account.
    pub async fn delete_account(&self, account_id: &str) -> Result<Option<AccountDeleted>> {
        let id = account_id.to_owned();
        let receipt = self
            .write(async move |db| departure::delete_account(db, &id).await)
            .await?;
        if receipt.is_some() {
            self.forget_erased().await?;
        }
        Ok(receipt)
    }

    /// The tables holding a row in which `needle` appears (in any column):
    /// how a deletion is checked, and how an operator audits one.
    pub async fn tables_naming(&self, needle: &str) -> Result<Vec<String>> {
        let needle = needle.to_owned();
        self.read(async move |db| departure::tables_naming(db, &needle).await)
            .await
    }

    pub async fn create_grant(&self, grant: &Grant) -> Result<()> {
        let grant = grant.clone();
        self.write(async move |db| shares::create_grant(db, &grant).await)
            .await
    }

    /// Revokes one of the patient's grants; false if it is not theirs.
    pub async fn revoke_grant(&self, id: &str, patient_account: &str, now_ms: i64) -> Result<bool> {
        let (id, patient) = (id.to_owned(), patient_account.to_owned());
        self.write(async move |db| shares::revoke_grant(db, &id, &patient, now_ms).await)
            .await
    }

    pub async fn grants_by_patient(&self, patient_account: &str) -> Result<Vec<PatientGrant>> {
        let patient = patient_account.to_owned();
        self.read(async move |db| shares::grants_by_patient(db, &patient).await)
            .await
    }

    /// The clinician's grants neither revoked nor expired at `now_ms`.
    pub async fn live_grants_for_clinician(
        &self,
        clinician_account: &str,
        now_ms: i64,
    ) -> Result<Vec<ClinicianGrant>> {
        let clinician = clinician_account.to_owned();
        self.read(async move |db| shares::live_grants_for_clinician(db, &clinician, now_ms).await)
            .await
    }

    /// Logs a clinician's pull: it extends the same clinician's last sitting
    /// on the same scopes if that ended within `ACCESS_SITTING_MS`, else
    /// starts one.
    pub async fn record_access(&self, access: &Access) -> Result<()> {
        let access = access.clone();
        self.write(async move |db| shares::record_access(db, &access).await)
            .await
    }

    /// Every sitting in which a clinician read the patient's records,
    /// newest first.
    pub async fn access_log(&self, patient_account: &str) -> Result<Vec<AccessEntry>> {
        let patient = patient_account.to_owned();
        self.read(async move |db| shares::access_log(db, &patient).await)
            .await
    }

    /// Counts an attempt under `key` in a window of `window_ms`, in one
    /// atomic step however many servers share the database; Some(ms to
    /// wait) when this attempt is over `max` and must be refused.
    pub async fn take_attempt(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
        max: u32,
    ) -> Result<Option<i64>> {
        let key = key.to_owned();
        self.write(async move |db| attempts::take(db, &key, now_ms, window_ms, max).await)
            .await
    }

    /// Gives back one attempt (one that succeeded and should not count).
    pub async fn refund_attempt(&self, key: &str) -> Result<()> {
        let key = key.to_owned();
        self.write(async move |db| attempts::refund(db, &key).await)
            .await
    }

    /// Forgets every attempt under `key`.
    pub async fn clear_attempts(&self, key: &str) -> Result<()> {
        let key = key.to_owned();
        self.write(async move |db| attempts::clear(db, &key).await)
            .await
    }

    /// Drops counters whose window ended before `before_ms`.
    pub async fn sweep_attempts(&self, before_ms: i64) -> Result<()> {
        self.write(async move |db| attempts::sweep(db, before_ms).await)
            .await
    }

    /// Keeps the account's key pair as its device sealed it, with the
    /// hashes of the password's and recovery code's authentication keys
    /// where they change (None: unchanged). With `only_if_none`, false and
    /// nothing written if the account has keys already.
    pub async fn set_account_keys(&self, update: &KeysUpdate) -> Result<bool> {
        let update = update.clone();
        self.write(async move |db| keys::set_account_keys(db, &update).await)
            .await
    }

    /// The account's sealed keys and its recovery code's hash.
    pub async fn account_keys(
        &self,
        account_id: &str,
    ) -> Result<Option<(AccountKeys, Option<String>)>> {
        let id = account_id.to_owned();
        self.read(async move |db| keys::account_keys(db, &id).await)
            .await
    }

    /// Public keys of these accounts (those that have one).
    pub async fn public_keys(&self, accounts: &[String]) -> Result<Vec<(String, String)>> {
        let accounts = accounts.to_vec();
        self.read(async move |db| keys::public_keys(db, &accounts).await)
            .await
    }

    /// Stores envelopes (again: ignored) in one transaction; `Conflict`,
    /// storing nothing, if an epoch in `creates` has an envelope already.
    pub async fn put_envelopes(
        &self,
        envelopes: &[Envelope],
        creates: &[EpochRef],
        now_ms: i64,
    ) -> Result<()> {
        let (envelopes, creates) = (envelopes.to_vec(), creates.to_vec());
        self.write(async move |db| keys::put_envelopes(db, &envelopes, &creates, now_ms).await)
            .await
    }

    /// Every envelope wrapped to the account.
    pub async fn envelopes_for(&self, recipient: &str) -> Result<Vec<Envelope>> {
        let recipient = recipient.to_owned();
        self.read(async move |db| keys::envelopes_for(db, &recipient).await)
            .await
    }

    /// Each epoch of each key of a space, with the accounts it was wrapped to.
    pub async fn epoch_recipients(&self, space: &str) -> Result<Vec<EpochRecipients>> {
        let space = space.to_owned();
        self.read(async move |db| keys::epoch_recipients(db, &space).await)
            .await
    }
}
