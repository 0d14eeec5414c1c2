//! Requests and responses of the sync server's HTTP API (`/v1/...`), JSON.

use crate::admission::{Admission, Invite};
use crate::authz::Refusal;
use crate::kdf::{Kdf, Stretch};
pub use crate::kinds::Scope;
use crate::kinds::SpaceKind;
use crate::sealed::AccountKeys;
use crate::Change;
use serde::{Deserialize, Serialize};

/// Most changes one push may carry.
pub const MAX_PUSH_CHANGES: usize = 1_000;
/// The most members a group has: an epoch begun reaches every member in
/// one request, of at most this many envelopes (the eleventh attacker
/// run: a group one larger could not turn its key over after a removal).
pub const MAX_GROUP_MEMBERS: usize = 1_000;
/// Largest push body in bytes.
pub const MAX_PUSH_BYTES: usize = 4 * 1024 * 1024;
/// Most changes one pull page returns.
pub const MAX_PULL_LIMIT: u32 = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Patient,
    Clinician,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SignUpRequest {
    pub email: String,
    /// The code the relay mailed to `email` (`SignUpCodeRequest`): proof
    /// that whoever signs up reads that mailbox.
    pub code: String,
    pub password: String,
    pub role: Role,
    pub display_name: String,
    pub device_name: String,
    /// The node id that stamps this device's changes, so other devices
    /// can name it in history.
    pub node: String,
    /// The device's existing personal space id, adopted as the account's.
    pub personal_space: String,
    /// The account's key pair as the device sealed it.
    #[serde(default)]
    pub keys: Option<AccountKeys>,
    /// The recovery code's authentication key (the relay keeps its hash).
    #[serde(default)]
    pub recovery: Option<String>,
    /// How `password` was stretched (a salt the device chose); optional on
    /// the wire only so that a sign-up without it is refused by name.
    #[serde(default)]
    pub kdf: Option<Kdf>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    pub email: String,
    /// The password's authentication key (the password never leaves the
    /// device), or with `recovery` the recovery code's.
    pub password: String,
    pub device_name: String,
    /// As in `SignUpRequest`.
    pub node: String,
    #[serde(default)]
    pub recovery: bool,
}

/// Asks the relay to mail a sign-up code to `email` (`POST
/// /v1/accounts/code`, docs/adr/0025). The answer is `SignUpCodeResponse`
/// whether or not the email has an account: one that has gets a mail
/// saying so instead of a code.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignUpCodeRequest {
    pub email: String,
    /// The asking device's personal space (`SignUpRequest::personal_space`):
    /// only a sign-up from that device may try the code, so no one else can
    /// spend it with wrong guesses or replace it by asking again.
    pub personal_space: String,
}

/// The same for every email: how long a mailed code works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpCodeResponse {
    pub expires_in_s: u64,
}

/// What a device asks before it signs in (`POST /v1/sessions/kdf`): the
/// email's stretch (`kdf`).
#[derive(Clone, Serialize, Deserialize)]
pub struct KdfRequest {
    pub email: String,
}

/// The email's stretch, or None for an account made before salts were
/// random (docs/adr/0024: its device signs in the old way once, then sets
/// a salt). An email with no account gets a salt all the same, the same
/// one every time, so the answer says nothing about whether it has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfResponse {
    pub kdf: Option<Kdf>,
    /// The stretch this relay asks of a new password (the same for every
    /// email): a device sets a new password at no less.
    pub asks: Stretch,
}

/// A device's session: the bearer token is shown once, stored only hashed.
#[derive(Clone, Serialize, Deserialize)]
pub struct SessionResponse {
    pub token: String,
    pub account_id: String,
    pub role: Role,
    pub display_name: String,
    pub personal_space: String,
    /// The account's key pair as its devices sealed it; None until a
    /// device has made one.
    #[serde(default)]
    pub keys: Option<AccountKeys>,
    /// After a sign-in with a password stretched less than the relay now
    /// asks (or the old way, salted by the email): the stretch to set now,
    /// with a fresh salt, as a password change setting the same password
    /// (`PUT /v1/accounts/current/keys`), which signs the other devices out
    /// as any does: the relay cannot tell it is the same password.
    #[serde(default)]
    pub restretch: Option<Kdf>,
}

/// Setting the account's keys, always with the current password's (or
/// recovery code's) authentication key: the first time, or to change the
/// password, the recovery code, or both, the keys sealed again to match.
/// `current` is optional on the wire only so that a request without it is
/// refused by name (a token alone sets nothing).
#[derive(Clone, Serialize, Deserialize)]
pub struct AccountKeysRequest {
    pub keys: AccountKeys,
    #[serde(default)]
    pub current: Option<String>,
    #[serde(default)]
    pub new_password: Option<String>,
    #[serde(default)]
    pub new_recovery: Option<String>,
    /// How `new_password` was stretched: required with it.
    #[serde(default)]
    pub new_kdf: Option<Kdf>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushRequest {
    pub changes: Vec<Change>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Changes stored for the first time.
    pub accepted: u32,
    /// Changes the server already had (a retried push); not stored again.
    pub duplicates: u32,
}

/// A change with its place in its space's sequence, and the account that
/// pushed it, as the server authenticated it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequencedChange {
    pub seq: i64,
    pub author: String,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<SequencedChange>,
    /// The cursor for the next pull.
    pub next: i64,
    /// True when more changes wait past `next`.
    pub more: bool,
    /// Records erased since `since` (a deleted account's group messages,
    /// and what else named it), numbered in the same sequence as changes:
    /// a client deletes each, with its changes, and never shows it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased: Vec<ErasedRecord>,
    /// The identities of the page's authors, as the relay has them: a
    /// device pins each on first sight and applies a change only signed by
    /// its author's pinned identity (docs/adr/0019).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<crate::sealed::PublicIdentity>,
}

/// A record the relay erased, with its place in its space's sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedRecord {
    pub seq: i64,
    pub entity_type: String,
    pub entity_id: String,
}

/// Deleting the signed-in account: its password again, as at sign-in.
#[derive(Clone, Serialize, Deserialize)]
pub struct DeleteAccountRequest {
    pub password: String,
}

/// What the relay deleted with an account, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeleted {
    /// Changes deleted: every one in the personal space, and every change
    /// of a group record that was erased.
    pub changes: u64,
    /// Group records erased for everyone (messages, reactions, RSVPs,
    /// attendance, timebank posts and exchanges, and what named the account).
    pub group_records: u64,
    /// Shares deleted, given or received, with their access logs.
    pub shares: u64,
    /// Devices signed out.
    pub devices: u64,
    /// Groups left.
    pub groups_left: u64,
    /// Groups the account ran that passed to another member.
    pub groups_passed_on: u64,
    /// Groups deleted because no one else was in them.
    pub groups_deleted: u64,
}

/// How an account reaches a space.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SpaceAccess {
    /// Its own personal space, or a group it belongs to: read and write.
    Member,
    /// A patient's personal space shared with this clinician: read only,
    /// limited to the scopes, until the expiry.
    Shared {
        share_id: String,
        patient_name: String,
        scopes: Vec<Scope>,
        expires_at_ms: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceEntry {
    pub space: String,
    pub kind: SpaceKind,
    /// A personal space's person; a group's creator.
    pub owner: String,
    /// Who moderates a group (empty for a personal space).
    pub facilitators: Vec<String>,
    /// A personal space's devices, as they named themselves signing in
    /// (empty for a group).
    pub devices: Vec<DeviceName>,
    pub access: SpaceAccess,
    /// A personal space's clinicians with a share in force: for its person,
    /// every one; for a clinician, themselves. Clients judge what a
    /// clinician wrote there (a review proposal) with it.
    #[serde(default)]
    pub clinicians: Vec<ClinicianAccess>,
}

/// A clinician's account and the scopes shared with them now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianAccess {
    pub account_id: String,
    pub scopes: Vec<Scope>,
}

/// A bearer token as the relay makes one at sign-in and a device makes one
/// to swap for: `pph_` and 32 random bytes in lower-case hex.
pub fn is_token(text: &str) -> bool {
    text.strip_prefix("pph_").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Whether `text` can name a session (`DeviceSession::session`): a new
/// one's 32 lower-case hex digits, or a token's hash (64) for a session
/// begun before sessions were chains.
pub fn is_session(text: &str) -> bool {
    matches!(text.len(), 32 | 64)
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A bearer token of `random` bytes, in the shape `is_token` checks.
pub fn new_token(random: [u8; 32]) -> String {
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("pph_{hex}")
}

/// Swapping a device's token for a fresh one (`POST /v1/sessions/refresh`,
/// with the current token as the bearer): the device makes the new token
/// (32 random bytes, base64url) and keeps it before it asks, so a crash
/// mid-swap loses neither; asking again with the same pair answers the
/// same.
#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshSessionRequest {
    pub new_token: String,
}

/// A device signed in to the account (`GET /v1/devices`), one per
/// session (a sign-in and the token swaps that followed): the node that
/// stamps its changes and the name it gave last, when it signed in, when
/// it was last seen (to the hour), and whether it is the one asking.
/// `DELETE /v1/devices/{session}` signs it out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub session: String,
    pub node: String,
    pub name: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub this_device: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesResponse {
    pub devices: Vec<DeviceSession>,
}

/// The name a device gave for itself, by the node that stamps its changes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceName {
    pub node: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpacesResponse {
    pub spaces: Vec<SpaceEntry>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct GrantShareRequest {
    pub clinician_email: String,
    pub scopes: Vec<Scope>,
    pub expires_at_ms: i64,
    /// The share's id, chosen by the patient's device so that it can sign
    /// the grant before sending it.
    #[serde(default)]
    pub share_id: String,
    /// The clinician's account, as `POST /v1/clinicians/lookup` gave it:
    /// the relay refuses the grant if the email now names another.
    #[serde(default)]
    pub clinician_account: String,
    /// The patient's identity's signature over
    /// [`crate::sealed::grant_bytes`], base64url: the patient's devices
    /// wrap keys only to clinicians with a grant signed so.
    #[serde(default)]
    pub signature: String,
}

/// `POST /v1/clinicians/lookup`: the clinician account an email names, to
/// sign a grant to.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianLookupRequest {
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianLookupResponse {
    pub account_id: String,
    /// Whether the relay's operator vouches for the clinician: only a
    /// verified clinician receives a share.
    #[serde(default)]
    pub verified: bool,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareResponse {
    pub share_id: String,
    #[serde(default)]
    pub clinician_account: String,
    pub clinician_email: String,
    pub clinician_name: String,
    pub scopes: Vec<Scope>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharesResponse {
    pub shares: Vec<ShareResponse>,
}

/// One sitting in which a clinician read a patient's shared records.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareAccessResponse {
    pub clinician_email: String,
    pub clinician_name: String,
    pub scopes: Vec<Scope>,
    pub first_at_ms: i64,
    pub last_at_ms: i64,
    /// Pull requests in the sitting.
    pub requests: i64,
    /// Changes served in it.
    pub records: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogResponse {
    pub accesses: Vec<ShareAccessResponse>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateGroupSpaceRequest {
    pub space: String,
    /// The founder's admission, signed on their device.
    pub founding: Admission,
}

/// Every refusal: a stable machine code and a message without user data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// A refused push: each change that broke a rule, by its place in the
    /// batch (nothing of the batch was stored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedChange>,
    /// `rate_limited`: when to try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

/// One change of a push that the authorisation table refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedChange {
    /// Its place in the pushed batch, from 0.
    pub index: u32,
    pub rule: Refusal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field is missing, malformed or out of bounds.
    Invalid,
    /// The body or batch is larger than the server takes.
    TooLarge,
    /// No valid token, or wrong email or password.
    Unauthorized,
    /// Signed in, but this account may not do this to this space.
    Forbidden,
    NotFound,
    /// The email is taken, or the space already exists.
    Conflict,
    /// A change stamped too far ahead of the server's clock.
    ClockDrift,
    /// Too many sign-in attempts; try again later.
    RateLimited,
    /// A sign-up's mailed code is wrong, used, expired or tried too often
    /// (or the email has an account, which is not said): ask for a new one.
    WrongCode,
    Internal,
}

/// A member's standing in a group space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    Member,
    Facilitator,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreateInviteRequest {
    pub expires_at_ms: i64,
    /// The invite as the facilitator's device signed it.
    pub invite: Invite,
}

/// Redeeming a code: the newcomer's admission, signed on their device with
/// their identity and the key of the code's secret half (`via` empty: the
/// relay adds the invite it keeps).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub admission: Admission,
}

/// An invite code, shown once to the facilitator who made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteResponse {
    pub code: String,
    pub space: String,
    pub expires_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub space: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEntry {
    pub account_id: String,
    pub display_name: String,
    pub role: GroupRole,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersResponse {
    pub members: Vec<MemberEntry>,
}

/// `Debug` for a type that carries a secret (a password's or a recovery
/// code's authentication key, a token, an invite code, a hash of one), an
/// email, or a person's words, names or health data: its name only, so no
/// log, panic or error message can show them. The core's records and the
/// relay's rows use it too.
#[macro_export]
macro_rules! debug_without_secrets {
    ($($t:ident),* $(,)?) => {
        $(impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { .. }"))
            }
        })*
    };
}

crate::debug_without_secrets!(
    SpaceAccess,
    DeviceSession,
    DeviceName,
    ShareResponse,
    ShareAccessResponse,
    MemberEntry,
    SignUpRequest,
    SignInRequest,
    SessionResponse,
    AccountKeysRequest,
    DeleteAccountRequest,
    RefreshSessionRequest,
    GrantShareRequest,
    ClinicianLookupRequest,
    InviteResponse,
    KdfRequest,
    SignUpCodeRequest,
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "Zebra4711Secret";

    fn debug_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(v: serde_json::Value) -> String {
        format!("{:?}", serde_json::from_value::<T>(v).expect("parse"))
    }

    /// The sentinel in every field of every type that carries a secret or
    /// an email: its `Debug` shows none of it.
    #[test]
    fn types_that_carry_secrets_or_emails_show_none_in_debug() {
        let s = SECRET;
        let shown = [
            debug_of::<SignUpRequest>(
                json!({"email": s, "code": s, "password": s, "role": "patient",
                "display_name": s, "device_name": s, "node": s, "personal_space": s,
                "recovery": s}),
            ),
            debug_of::<SignInRequest>(
                json!({"email": s, "password": s, "device_name": s, "node": s}),
            ),
            debug_of::<SessionResponse>(json!({"token": s, "account_id": s, "role": "patient",
                "display_name": s, "personal_space": s})),
            debug_of::<AccountKeysRequest>(json!({"keys": {"public_key": s, "by_password": s,
                "by_recovery": s}, "current": s, "new_password": s, "new_recovery": s})),
            debug_of::<DeleteAccountRequest>(json!({"password": s})),
            debug_of::<RefreshSessionRequest>(json!({"new_token": s})),
            debug_of::<GrantShareRequest>(
                json!({"clinician_email": s, "scopes": [], "expires_at_ms": 1}),
            ),
            debug_of::<ClinicianLookupRequest>(json!({"email": s})),
            debug_of::<InviteResponse>(json!({"code": s, "space": s, "expires_at_ms": 1})),
            debug_of::<KdfRequest>(json!({"email": s})),
            debug_of::<SignUpCodeRequest>(json!({"email": s, "personal_space": s})),
        ];
        for text in shown {
            assert!(!text.contains(SECRET), "{text}");
            assert!(text.ends_with("{ .. }"), "{text}");
        }
    }

    #[test]
    fn a_token_is_pph_and_64_hex_digits() {
        let token = new_token([0xab; 32]);
        assert!(is_token(&token), "{token}");
        for not in [
            "",
            "pph_",
            &token.to_uppercase(),
            &format!("{token}0"),
            &token[1..],
        ] {
            assert!(!is_token(not), "{not}");
        }
    }
}
