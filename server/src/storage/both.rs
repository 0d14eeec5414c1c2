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
use crate::sessions::TokenRow;
use std::path::Path;

/// Writes `Storage`'s methods that run one statement function of a concern
/// module: `read`/`write name(args) -> T = module::function;`.
macro_rules! methods {
    ($(
        $(#[$doc:meta])*
        $mode:ident $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty = $f:path;
    )*) => {
        impl Storage {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out> {
                    $(let $arg = Carried::carry($arg);)*
                    self.$mode(async move |db| $f(db, $(Lent::lent(&$arg)),*).await)
                        .await
                }
            )*
        }
    };
}

/// An argument copied onto the backend's task: the backends run a method's
/// statements there, so they can borrow nothing from the caller.
trait Carried {
    type Owned: Send + 'static;
    fn carry(self) -> Self::Owned;
}

/// How a statement function borrows back a carried argument.
trait Lent<'a> {
    type Out;
    fn lent(&'a self) -> Self::Out;
}

/// A carried value a statement function takes by reference.
struct By<T>(T);

impl Carried for &str {
    type Owned = String;
    fn carry(self) -> String {
        self.to_owned()
    }
}

impl<T: Clone + Send + 'static> Carried for &[T] {
    type Owned = Vec<T>;
    fn carry(self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Clone + Send + 'static> Carried for &T {
    type Owned = By<T>;
    fn carry(self) -> By<T> {
        By(self.clone())
    }
}

impl Carried for Readable {
    type Owned = By<Readable>;
    fn carry(self) -> By<Readable> {
        By(self)
    }
}

impl<'a> Lent<'a> for String {
    type Out = &'a str;
    fn lent(&'a self) -> &'a str {
        self
    }
}

impl<'a, T: 'a> Lent<'a> for Vec<T> {
    type Out = &'a [T];
    fn lent(&'a self) -> &'a [T] {
        self
    }
}

impl<'a, T: 'a> Lent<'a> for By<T> {
    type Out = &'a T;
    fn lent(&'a self) -> &'a T {
        &self.0
    }
}

/// Numbers are copied both ways.
macro_rules! copied {
    ($($t:ty),*) => {$(
        impl Carried for $t {
            type Owned = $t;
            fn carry(self) -> $t {
                self
            }
        }
        impl Lent<'_> for $t {
            type Out = $t;
            fn lent(&self) -> $t {
                *self
            }
        }
    )*};
}
copied!(i64, u32, bool);

pub struct Storage {
    backend: Backend,
    /// Time each read and each write transaction takes (`metrics.rs`
    /// serves it).
    query_seconds: prometheus::HistogramVec,
}

enum Backend {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

impl Storage {
    /// The SQLite file at `path`, created and brought to the latest schema
    /// step if need be.
    pub fn open_sqlite(path: &Path) -> Result<Self> {
        Self::over(Backend::Sqlite(SqliteStorage::open(path)?))
    }

    /// The PostgreSQL database at `url`, brought to the latest schema step
    /// (relays starting together take turns).
    pub async fn connect_postgres(url: &str) -> Result<Self> {
        Self::connect_postgres_pooled(url, None).await
    }

    /// `connect_postgres`, with at most `pool_size` connections (None:
    /// deadpool's default, two per core of this machine).
    pub async fn connect_postgres_pooled(url: &str, pool_size: Option<usize>) -> Result<Self> {
        Self::over(Backend::Postgres(
            PostgresStorage::connect(url, pool_size).await?,
        ))
    }

    fn over(backend: Backend) -> Result<Self> {
        let query_seconds = prometheus::HistogramVec::new(
            prometheus::HistogramOpts::new(
                "db_seconds",
                "Time a read or a write transaction takes, by which",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
            ]),
            &["op"],
        )
        .map_err(|_| StorageError::Backend("query timings".into()))?;
        Ok(Storage {
            backend,
            query_seconds,
        })
    }

    /// The timings of `read` and `write`, for the metrics to register.
    pub fn query_seconds(&self) -> &prometheus::HistogramVec {
        &self.query_seconds
    }

    /// The database's size on disk: SQLite's pages (its write-ahead log
    /// aside), PostgreSQL's `pg_database_size`.
    pub async fn size_bytes(&self) -> Result<i64> {
        self.read(async |db| {
            let sql = match db.is_postgres() {
                true => "SELECT pg_database_size(current_database())",
                false => {
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
                }
            };
            match db.query_opt(sql, &[]).await? {
                Some(row) => row.int(0),
                None => Ok(0),
            }
        })
        .await
    }

    pub fn pool_use(&self) -> PoolUse {
        match &self.backend {
            Backend::Sqlite(_) => PoolUse::default(),
            Backend::Postgres(b) => b.pool_use(),
        }
    }

    /// Runs statements written once over `Db` on a connection that reads.
    async fn read<T: Send + 'static>(
        &self,
        f: impl AsyncFnOnce(&mut Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let timer = self
            .query_seconds
            .with_label_values(&["read"])
            .start_timer();
        let out = match &self.backend {
            Backend::Sqlite(b) => b.db_read(f).await,
            Backend::Postgres(b) => b.db_read(f).await,
        };
        timer.observe_duration();
        out
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
        let timer = self
            .query_seconds
            .with_label_values(&["write"])
            .start_timer();
        let out = match &self.backend {
            Backend::Sqlite(b) => b.db_write(f).await,
            Backend::Postgres(b) => b.db_write(f).await,
        };
        timer.observe_duration();
        out
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
}

// Every other method is one statement function of a concern module, run on
// a reader or in a write transaction; its arguments are carried onto the
// backend's task (`Carried`) and lent back to the function (`Lent`).
// Each method's doc comment is here, not again on its function.
methods! {
    /// The highest schema step applied.
    read schema_version() -> i64 = schema::schema_version;
    /// Records the secret's fingerprint if none is; false: another secret
    /// served this database (`secret_fingerprint`).
    write pin_secret(fingerprint: &str) -> bool = secret_fingerprint::pin;
    /// The secret's fingerprint a relay recorded, if one served.
    read secret_fingerprint() -> Option<String> = secret_fingerprint::recorded;
    /// How much the relay holds (`admin stats`).
    read counts(now_ms: i64) -> operator::Counts = operator::counts;
    /// Locks or unlocks an account (a lock ends its sessions); false: no
    /// such account.
    write set_locked(account_id: &str, locked: bool, now_ms: i64) -> bool = operator::set_locked;
    read is_locked(account_id: &str) -> bool = operator::is_locked;
    /// Ends every session of the account; how many tokens were live.
    write end_every_session(account_id: &str, now_ms: i64) -> u64 = sessions::end_every_session;
    /// Forgets ended sessions quiet since before `quiet_before_ms` (each
    /// device's newest token stays); how many tokens went.
    write forget_ended_sessions(now_ms: i64, quiet_before_ms: i64) -> u64 = sessions::forget_ended_sessions;
    read authored(account_id: &str) -> Vec<operator::Authored> = operator::authored;
    read session_records(account_id: &str) -> Vec<operator::SessionRecord> = operator::sessions;
    read shares_received(clinician: &str) -> Vec<operator::ShareReceived> = operator::shares_received;
    read reads_made(clinician: &str) -> Vec<operator::ReadMade> = operator::reads_made;
    read counters_naming(exact: &str, prefix: &str) -> Vec<operator::CounterNaming> = operator::counters_naming;
    /// Stores the account with its personal space, of which it is the only
    /// member. `Conflict` if the email or space id is taken.
    write create_account(account: &Account) -> () = accounts::create_account;
    read account_by_email(email: &str) -> Option<Account> = accounts::account_by_email;
    /// Stores a new session's first token; false (nothing stored) if the
    /// secret it was signed in with changed since it was checked.
    write add_token(token: &NewToken) -> bool = sessions::add_token;
    /// The account's devices by node, each with the name it gave last.
    read device_names(account_id: &str) -> Vec<DeviceName> = accounts::device_names;
    /// The account behind a token live at `now_ms` (`sessions::Live`), and
    /// the token's use.
    read account_for_token(token_hash: &str, now_ms: i64)
        -> Option<(Account, TokenUse)> = sessions::account_for_token;
    /// The account behind a live token with its role in `space` (None when
    /// not a member) and the token's use, in one read: what a pull asks
    /// before its page.
    read account_in_space(token_hash: &str, space: &str, now_ms: i64)
        -> Option<(Account, Option<GroupRole>, TokenUse)> = sessions::account_in_space;
    /// Writes a token's last use.
    write touch_token(token_hash: &str, now_ms: i64) -> () = sessions::touch_token;
    /// Whether the token was replaced by a swap longer ago than the grace.
    read replaced_long_ago(token_hash: &str, now_ms: i64) -> bool = sessions::replaced_long_ago;
    /// Ends the session the token belongs to; how many of its tokens lived.
    write end_session_of(token_hash: &str, now_ms: i64) -> u64 = sessions::end_session_of;
    /// Ends the account's session `session`; how many of its tokens lived.
    write end_session(account_id: &str, session: &str, now_ms: i64)
        -> u64 = sessions::end_session;
    /// Swaps a live token for a new one made now, in its session.
    write swap_token(old_hash: &str, new_hash: &str, now_ms: i64) -> Swap = sessions::swap_token;
    /// Every token of the account's sessions, marked live and asking.
    read device_tokens(account_id: &str, asking_hash: &str, now_ms: i64)
        -> Vec<TokenRow> = sessions::device_tokens;
    /// Whether the account is a clinician the operator verified.
    read clinician_verified(account_id: &str) -> bool = clinicians::clinician_verified;
    /// Verifies or unverifies the clinician with that email; its id, or
    /// None when no clinician has it.
    write set_clinician_verified(email: &str, verified: bool, now_ms: i64)
        -> Option<String> = clinicians::set_clinician_verified;
    /// A group space with its creator as facilitator. `Conflict` if taken.
    /// `founding`: the founder's admission, as its device signed it.
    write create_group_space(space: &str, owner: &str, founding: &str)
        -> () = spaces::create_group_space;
    write add_member(space: &str, account_id: &str) -> () = spaces::add_member;
    read is_member(space: &str, account_id: &str) -> bool = spaces::is_member;
    /// The spaces the account is a member of, by id.
    read member_spaces(account_id: &str) -> Vec<SpaceInfo> = spaces::member_spaces;
    /// The account's role in a group space; None if not a member.
    read member_role(space: &str, account_id: &str) -> Option<GroupRole> = spaces::member_role;
    /// A space's members, facilitators first, then by name.
    read members(space: &str) -> Vec<Member> = spaces::members;
    /// Ends a membership; false if there was none. Removed by someone else
    /// (a facilitator), the account cannot rejoin until readmitted.
    write remove_member(space: &str, account_id: &str, removed_by: &str, now_ms: i64)
        -> bool = spaces::remove_member;
    /// Accounts removed from a space and not let back, by name.
    read removed_members(space: &str) -> Vec<Member> = spaces::removed_members;
    /// Lets a removed account join again with a code; false if it was not
    /// removed.
    write readmit(space: &str, account_id: &str) -> bool = spaces::readmit;
    write create_invite(invite: &Invite) -> () = spaces::create_invite;
    /// Revokes an invite of this space; false if there is none.
    write revoke_invite(code_hash: &str, space: &str, now_ms: i64) -> bool = spaces::revoke_invite;
    /// The verifiers of a group's codes that ended (revoked by a
    /// facilitator, or by a departure of someone who joined with or made
    /// them): the members' devices may refuse anyone let in through them.
    read ended_verifiers(space: &str) -> Vec<String> = spaces::ended_verifiers;
    /// Joins the account to the invite's space if the invite is live at
    /// `now_ms` and the account was not removed from it.
    write redeem_invite(code_hash: &str, account_id: &str, admission: &str, now_ms: i64)
        -> Redeemed = spaces::redeem_invite;
    /// The signed invite (JSON) of a code live at `now_ms`.
    read live_invite(code_hash: &str, now_ms: i64) -> Option<String> = spaces::live_invite;
    /// Up to `limit` changes of `space` after `since`, in sequence order,
    /// only those `readable` allows, never those of hidden records.
    read pull(space: &str, since: i64, limit: u32, readable: Readable)
        -> PulledChanges = changes::pull;
    /// Records of `space` erased after `since` (with deleted accounts),
    /// in sequence order, up to `limit`.
    read erased(space: &str, since: i64, limit: u32) -> Vec<ErasedRecord> = changes::erased;
    /// The tables holding a row in which `needle` appears (in any column):
    /// how a deletion is checked, and how an operator audits one.
    read tables_naming(needle: &str) -> Vec<String> = departure::tables_naming;
    write create_grant(grant: &Grant) -> () = shares::create_grant;
    /// Revokes one of the patient's grants; false if it is not theirs.
    write revoke_grant(id: &str, patient_account: &str, now_ms: i64) -> bool = shares::revoke_grant;
    read grants_by_patient(patient_account: &str) -> Vec<PatientGrant> = shares::grants_by_patient;
    /// The clinician's grants neither revoked nor expired at `now_ms`.
    read live_grants_for_clinician(clinician_account: &str, now_ms: i64)
        -> Vec<ClinicianGrant> = shares::live_grants_for_clinician;
    /// Logs a clinician's pull: it extends the same clinician's last sitting
    /// on the same scopes if that ended within `ACCESS_SITTING_MS`, else
    /// starts one.
    write record_access(access: &Access) -> () = shares::record_access;
    /// Every sitting in which a clinician read the patient's records,
    /// newest first.
    read access_log(patient_account: &str) -> Vec<AccessEntry> = shares::access_log;
    /// Counts an attempt under `key` in a window of `window_ms`, in one
    /// atomic step however many servers share the database; Some(ms to
    /// wait) when this attempt is over `max` and must be refused.
    write take_attempt(key: &str, now_ms: i64, window_ms: i64, max: u32)
        -> Option<i64> = attempts::take;
    /// Gives back one attempt (one that succeeded and should not count).
    write refund_attempt(key: &str) -> () = attempts::refund;
    /// Forgets every attempt under `key`.
    write clear_attempts(key: &str) -> () = attempts::clear;
    /// Drops counters whose window ended before `before_ms`.
    write sweep_attempts(before_ms: i64) -> () = attempts::sweep;
    /// Keeps a new sign-up code for its email and device, replacing that
    /// device's earlier one.
    write put_sign_up_code(code: &SignUpCode) -> () = sign_up_codes::put;
    /// One try of a sign-up code by the device of `personal_space`: true,
    /// and the code spent, when it is that device's live code for the
    /// email; otherwise false, the try counted.
    write take_sign_up_code(email: &str, personal_space: &str, code_hash: &str, now_ms: i64)
        -> bool = sign_up_codes::take;
    /// Whether a space has this id already.
    read space_taken(space: &str) -> bool = sign_up_codes::space_taken;
    /// Drops sign-up codes expired at `now_ms` or tried out.
    write sweep_sign_up_codes(now_ms: i64) -> () = sign_up_codes::sweep;
    /// Keeps the account's key pair as its device sealed it, with the
    /// hashes of the password's and recovery code's authentication keys
    /// where they change (None: unchanged). With `only_if_none`, false and
    /// nothing written if the account has keys already.
    write set_account_keys(update: &KeysUpdate) -> bool = keys::set_account_keys;
    /// The account's sealed keys and its recovery code's hash.
    read account_keys(account_id: &str)
        -> Option<(AccountKeys, Option<String>)> = keys::account_keys;
    /// Whether an account holds this public key already.
    read key_held(public_key: &str) -> bool = keys::key_held;
    /// Public keys of these accounts (those that have one).
    read public_keys(accounts: &[String]) -> Vec<AccountKey> = keys::public_keys;
    /// Stores envelopes (again: ignored) in one transaction; `Conflict`,
    /// storing nothing, if an epoch in `creates` has an envelope already.
    write put_envelopes(envelopes: &[Envelope], creates: &[EpochRef],
        commitments: &[Commitment], began_by: &str, now_ms: i64)
        -> () = keys::put_envelopes;
    /// Every envelope wrapped to the account.
    read envelopes_for(recipient: &str) -> Vec<Envelope> = keys::envelopes_for;
    write discard_envelopes(recipient: &str, at: &[EpochRef]) -> () = keys::discard_envelopes;
    /// Each epoch of each key of a space, with the accounts it was wrapped to.
    read epoch_recipients(space: &str) -> Vec<EpochRecipients> = keys::epoch_recipients;
}
