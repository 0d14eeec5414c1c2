//! The server's storage: one type (`Storage`, in `both`), two backends (an
//! embedded SQLite file and PostgreSQL), one conformance suite
//! (`server/tests/conformance.rs`).

/// An account's columns, in the order `accounts::account` reads them
/// (before the modules, so that those reading accounts see it).
macro_rules! account_columns {
    () => {
        "a.id, a.email, a.display_name, a.role, a.personal_space, a.password_hash, a.created_ms, a.kdf"
    };
}
/// How many columns `account_columns!` names: what a query selects after
/// them starts here.
const ACCOUNT_COLUMNS: usize = 8;

mod accounts;
mod attempts;
pub mod backfill;
mod both;
mod changes;
pub mod clinicians;
mod db;
mod deletion;
mod departure;
mod judge;
mod keys;
pub mod operator;
mod postgres;
mod pulled;
mod schema;
mod secret_fingerprint;
mod sessions;
mod shares;
mod sign_up_codes;
mod spaces;
mod sqlite;

pub use both::Storage;
pub use judge::{judge_push, Owner, PushPlan, WriterInSpace};
pub use pph_protocol::kinds::SpaceKind;
pub use pulled::PulledChanges;
pub use schema::latest_version;
pub use sign_up_codes::SignUpCode;

use pph_protocol::codes;
pub use pph_protocol::kdf::Kdf;
use pph_protocol::sealed::{
    AccountKeys, Commitment, Envelope, EpochCommitment, EpochRecipients, EpochRef, KeyName,
};
pub use pph_protocol::wire::GroupRole;
use pph_protocol::wire::{
    AccountDeleted, DeviceName, ErasedRecord, PushResponse, RefusedChange, Role, Scope,
};

/// Pulls by one clinician of the same scopes within this long of the last
/// are one sitting in the access log.
pub const ACCESS_SITTING_MS: i64 = 10 * 60 * 1000;

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

#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub personal_space: String,
    pub password_hash: String,
    pub created_ms: i64,
    /// How the password is stretched (docs/adr/0024); None for an account
    /// made before salts were random.
    pub kdf: Option<Kdf>,
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
    /// The key and epoch a sealed value names; None for a readable one.
    pub sealed_under: Option<(KeyName, u32)>,
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
    /// The patient's identity's signature over the grant (None for a share
    /// from before signatures: it names no reader).
    pub signature: Option<String>,
}

/// A grant seen by a clinician, with what identifies the patient's space.
#[derive(Clone, PartialEq, Eq)]
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

/// One sitting in a patient's access log: who read which scopes, when.
#[derive(Clone, PartialEq, Eq)]
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
#[derive(Clone, PartialEq, Eq)]
pub struct PatientGrant {
    pub grant: Grant,
    pub clinician_email: String,
    pub clinician_name: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Member {
    pub account_id: String,
    pub display_name: String,
    pub role: GroupRole,
    /// The admission the member's device signed (JSON, `Admission`);
    /// None for one from before admissions.
    pub admission: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Invite {
    pub code_hash: String,
    pub space: String,
    pub created_by: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// The invite its facilitator's device signed (JSON, `Invite`).
    pub invite: String,
    /// Its verifier (the key of the code's secret half).
    pub verifier: String,
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
    /// The group has `MAX_GROUP_MEMBERS` members already.
    Full,
}

/// Which changes of a space a pull may serve: the one description of a
/// reader's view, decided by the API from the caller's standing and used
/// by the storage's pull.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Readable {
    /// Only these kinds (a clinician's grant); None: every kind.
    pub kinds: Option<Vec<&'static str>>,
    /// Records between two people only where this account is one of them;
    /// None: all of them (a facilitator, the owner of a personal space).
    pub reader: Option<String>,
}

impl Readable {
    /// Everything in the space.
    pub const ALL: Readable = Readable {
        kinds: None,
        reader: None,
    };

    pub fn kinds(kinds: &[&'static str]) -> Self {
        Readable {
            kinds: Some(kinds.to_vec()),
            reader: None,
        }
    }

    pub fn member(account_id: &str) -> Self {
        Readable {
            kinds: None,
            reader: Some(account_id.to_owned()),
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

/// What `set_account_keys` writes.
#[derive(Clone)]
pub struct KeysUpdate {
    pub account_id: String,
    pub keys: AccountKeys,
    /// A new password: its hash and how the device stretched it.
    pub password: Option<(String, Kdf)>,
    pub recovery_hash: Option<String>,
    pub only_if_none: bool,
    /// With a new password or recovery code: every session but this
    /// token's ends in the same transaction (`sessions`), when the keys are
    /// stored.
    pub signing_out_all_but: Option<(String, i64)>,
    /// The secret the change was authorised with, as the hash it was
    /// checked against: nothing is stored if the account no longer has it
    /// (two changes with one recovery code at once: the second finds it
    /// gone).
    pub checked: Option<Proof>,
}

/// The hash a secret was checked against, and which secret it was.
#[derive(Clone, PartialEq, Eq)]
pub enum Proof {
    Password(String),
    RecoveryCode(String),
}

/// A new session's first token.
#[derive(Clone)]
pub struct NewToken {
    pub token_hash: String,
    pub account_id: String,
    pub device: DeviceName,
    /// The session's id (random), carried by every token swapped from it.
    pub session_id: String,
    pub now_ms: i64,
    /// Signed in with the recovery code: the session may only set new
    /// keys (with a new password and a new code).
    pub recovery_only: bool,
    /// The secret signed in with: no token if the account no longer has
    /// it (a password changed at the same moment). None at sign-up.
    pub proof: Option<Proof>,
}

/// A live token's use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenUse {
    pub last_used_ms: i64,
    /// A recovery code's session: it only sets new keys.
    pub recovery_only: bool,
}

/// What a swap did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swap {
    /// The new token lives (now, or since the same pair was asked before).
    Swapped,
    /// The old token is not live; nothing changed.
    Refused,
    /// The old token had been swapped for another already: two hold it,
    /// and its session has ended.
    Copied,
}

/// An account's public key as the relay keeps it, with the identity and
/// the binding its device sealed beside it (None for an account made
/// before identities). The relay passes them on; devices check them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountKey {
    pub account_id: String,
    pub public_key: String,
    pub identity: Option<String>,
    pub binding: Option<String>,
}

/// An enum value as its column holds it: its name on the wire
/// (`pph_protocol::codes`), so the relay and the devices spell it alike.
pub(crate) fn name_of<T: serde::Serialize>(value: &T) -> String {
    codes::code(value)
}

/// The value a column names; a name the wire does not know is a backend
/// error naming the column, never the value.
pub(crate) fn parse_name<T: serde::de::DeserializeOwned>(name: &str, column: &str) -> Result<T> {
    codes::parse(name).ok_or_else(|| StorageError::Backend(format!("unknown name in {column}")))
}

/// Scopes as `shares.scopes` and `access_log.scopes` hold them: names
/// joined by commas.
pub(crate) fn scopes_text(scopes: &[Scope]) -> String {
    scopes.iter().map(codes::code).collect::<Vec<_>>().join(",")
}

/// An epoch as `key_envelopes.epoch` holds it.
pub(crate) fn parse_epoch(epoch: i64) -> Result<u32> {
    u32::try_from(epoch).map_err(|_| StorageError::Backend("epoch out of range".into()))
}

pub(crate) fn parse_scopes(text: &str) -> Result<Vec<Scope>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|name| parse_name(name, "scopes"))
        .collect()
}

pph_protocol::debug_without_secrets!(
    Account,
    ClinicianGrant,
    AccessEntry,
    PatientGrant,
    Member,
    Invite,
    KeysUpdate,
    Proof,
    NewToken,
);

#[cfg(test)]
mod tests {
    use super::*;

    const SENTINEL: &str = "Zebra4711Sentinel";

    /// What the relay holds of a person (email, name, hashes of their
    /// secrets, a database password) shows none of it in `Debug`.
    #[test]
    fn rows_that_name_a_person_or_a_secret_show_none_in_debug() {
        let account = Account {
            id: SENTINEL.into(),
            email: SENTINEL.into(),
            display_name: SENTINEL.into(),
            role: Role::Patient,
            personal_space: SENTINEL.into(),
            password_hash: SENTINEL.into(),
            created_ms: 0,
            kdf: None,
        };
        let token = NewToken {
            token_hash: SENTINEL.into(),
            account_id: SENTINEL.into(),
            device: DeviceName {
                node: SENTINEL.into(),
                name: SENTINEL.into(),
            },
            session_id: SENTINEL.into(),
            now_ms: 0,
            recovery_only: false,
            proof: Some(Proof::Password(SENTINEL.into())),
        };
        let member = Member {
            account_id: SENTINEL.into(),
            display_name: SENTINEL.into(),
            role: GroupRole::Member,
            admission: None,
        };
        let backend = crate::Backend::Postgres(format!("postgres://pph:{SENTINEL}@db/pph"));
        for shown in [
            format!("{account:?}"),
            format!("{token:?}"),
            format!("{member:?}"),
            format!("{backend:?}"),
        ] {
            assert!(!shown.contains(SENTINEL), "{shown}");
            assert!(shown.ends_with("{ .. }"), "{shown}");
        }
    }
}

/// How a PostgreSQL pool is used now (all 0 on SQLite, which has none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUse {
    pub size: usize,
    pub idle: usize,
    pub waiting: usize,
}
