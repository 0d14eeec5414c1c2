//! Group membership a device can check itself (docs/adr/0020): every
//! member's admission is a chain of signatures back to the group's
//! founder, which no relay can make.
//!
//! - The founder signs their own founding admission when the group is made.
//! - A facilitator making an invite draws a secret on their device that the
//!   relay never sees: it is the second half of the code they give out, and
//!   an Ed25519 key (the invite's `verifier`) is derived from it. The
//!   facilitator signs the invite (the group, the verifier and their own
//!   admission) with their identity and with that key.
//! - A newcomer with the whole code signs their admission (the verifier,
//!   their account and identity) with the same key (`proof`) and with their
//!   identity (`sig`).
//!
//! A device takes a reader as a member only when the reader's admission
//! roots in the founder its own account's admission roots in: the relay can
//! withhold an admission, or keep one it was told to drop, but it cannot
//! admit an account that nobody holding a code admitted.

use crate::identity::verifies;
use crate::sealed::transcript;
use serde::{Deserialize, Serialize};

/// Invite codes read well aloud and typed on a phone: no 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// The relay's half of a code, which finds the invite: 10 characters of
/// 31 (about 49 bits), its redeeming rate-limited.
pub const RELAY_HALF: usize = 10;
/// The secret half, which the relay never sees: 12 characters (about 59
/// bits), against a relay that knows the verifier and searches offline.
pub const SECRET_HALF: usize = 12;

/// The longest chain of invites checked (each inviter admitted by an
/// earlier invite); a longer one is no one's.
pub const MAX_CHAIN: usize = 32;

/// One member's admission to a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    pub account_id: String,
    /// The member's identity (Ed25519, base64url) when admitted.
    pub identity: String,
    /// The invite's verifier this admission answers; empty for the
    /// founder's own.
    #[serde(default)]
    pub verifier: String,
    /// The invite key's signature of [`admission_bytes`]; empty for the
    /// founder's own.
    #[serde(default)]
    pub proof: String,
    /// The member's identity's signature of [`admission_bytes`] (or of
    /// [`founding_bytes`] for the founder).
    pub sig: String,
    /// The invite answered, as the relay kept it; None for the founder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Box<Invite>>,
}

/// An invite as its facilitator's device made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub space: String,
    /// The Ed25519 key (base64url) derived from the code's secret half.
    pub verifier: String,
    /// The facilitator's own admission.
    pub by: Box<Admission>,
    /// The facilitator's identity's signature of [`invite_bytes`].
    pub sig: String,
    /// The invite key's signature of the same: whoever holds the code can
    /// tell that this invite, and its facilitator, are the code's.
    pub key_sig: String,
}

/// What a founder signs: the group they made, as its first member.
pub fn founding_bytes(space: &str, account_id: &str, identity: &str) -> Vec<u8> {
    transcript(b"pph-founding-v1", &[space, account_id, identity])
}

/// What a newcomer and the invite key sign: the newcomer, answering the
/// invite with this verifier (which names its group).
pub fn admission_bytes(verifier: &str, account_id: &str, identity: &str) -> Vec<u8> {
    transcript(b"pph-admission-v1", &[verifier, account_id, identity])
}

/// What a facilitator and the invite key sign: the group, the verifier
/// and the facilitator's own admission.
pub fn invite_bytes(space: &str, verifier: &str, by: &Admission) -> Vec<u8> {
    transcript(
        b"pph-invite-v1",
        &[
            space,
            verifier,
            &by.account_id,
            &by.identity,
            &by.verifier,
            &by.sig,
        ],
    )
}

/// Whether `invite` is an invite to `space` signed by its key and by its
/// facilitator's identity (as its facilitator's admission names it).
pub fn invite_signed(space: &str, invite: &Invite) -> bool {
    let offered = invite_bytes(space, &invite.verifier, &invite.by);
    invite.space == space
        && verifies(&invite.verifier, &offered, &invite.key_sig)
        && verifies(&invite.by.identity, &offered, &invite.sig)
}

/// Whether `a` answers `invite`: signed by its member's identity and by
/// the invite's key, which only a holder of the whole code has.
pub fn answers(a: &Admission, invite: &Invite) -> bool {
    let admitted = admission_bytes(&a.verifier, &a.account_id, &a.identity);
    a.verifier == invite.verifier
        && verifies(&a.identity, &admitted, &a.sig)
        && verifies(&invite.verifier, &admitted, &a.proof)
}

/// Whether `a` is a founder's own admission to `space`, signed by them.
pub fn founds(space: &str, a: &Admission) -> bool {
    let founding = founding_bytes(space, &a.account_id, &a.identity);
    a.via.is_none() && a.verifier.is_empty() && verifies(&a.identity, &founding, &a.sig)
}

/// The founder (account, identity) that `a`, an admission to `space`,
/// roots in when every signature along its chain checks; None otherwise.
pub fn root(space: &str, a: &Admission) -> Option<(String, String)> {
    let mut at = a;
    for _ in 0..MAX_CHAIN {
        let Some(invite) = at.via.as_deref() else {
            return founds(space, at).then(|| (at.account_id.clone(), at.identity.clone()));
        };
        if !(answers(at, invite) && invite_signed(space, invite)) {
            return None;
        }
        at = &invite.by;
    }
    None
}
