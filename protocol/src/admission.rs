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
//! - A newcomer with the whole code fetches the invite, checks it is the
//!   code's (its key's signature), and signs their admission to that one
//!   invite (its group, verifier and key's signature, their identity, a
//!   nonce) with the same key (`proof`) and with their identity (`sig`).
//!   Bound to the invite, an admission cannot be moved to another group or
//!   under another chain, even by someone holding the code.
//!
//! A device takes a reader as a member only when the reader's admission
//! roots in the founder its own account's admission roots in: the relay can
//! withhold an admission, or keep one it was told to drop, but it cannot
//! admit an account that nobody holding a code admitted.

use crate::ids::group_id;
use crate::signature::{transcript, verifies};
use serde::{Deserialize, Serialize};

/// Invite codes read well aloud and typed on a phone: no 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// The relay's half of a code, which finds the invite: 10 characters of
/// 31 (about 49 bits), its redeeming rate-limited.
pub const RELAY_HALF: usize = 10;
/// The secret half, which the relay never sees: 12 characters (about 59
/// bits), against a relay that knows the verifier and searches offline.
pub const SECRET_HALF: usize = 12;

/// A code as typed (any case, spaces and dashes anywhere), in the one
/// spelling the relay and the devices read: upper case, nothing else.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The longest chain of invites checked (each inviter admitted by an
/// earlier invite); a longer one is no one's, and the relay serves none
/// (nested deeper, it would be more than a device parses).
pub const MAX_CHAIN: usize = 32;

/// An admission's nonce: 16 random bytes, base64url.
pub const NONCE_LEN: usize = 22;

/// One member's admission to a group. What is signed names identities,
/// never accounts: a device ties an identity to its account (one identity,
/// one account: docs/adr/0018), and an account deleted leaves no id behind
/// in the admissions of those it let in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    /// The member's account, as the relay lists it; empty in an
    /// inviter's admission carried inside an invite.
    #[serde(default)]
    pub account_id: String,
    /// The member's identity (Ed25519, base64url) when admitted.
    pub identity: String,
    /// The invite's verifier this admission answers; empty for the
    /// founder's own.
    #[serde(default)]
    pub verifier: String,
    /// Drawn afresh for each admission (base64url), so that one account
    /// joining again with the same code makes a new admission, which a
    /// device that saw the old one end tells apart; in the founder's own,
    /// the salt the group's id was made with (`ids::group_id`).
    #[serde(default)]
    pub nonce: String,
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
    /// The facilitator's own admission, without its account id.
    pub by: Box<Admission>,
    /// The facilitator's identity's signature of [`invite_bytes`].
    pub sig: String,
    /// The invite key's signature of the same: whoever holds the code can
    /// tell that this invite, and its facilitator, are the code's.
    pub key_sig: String,
}

/// What a founder signs: the group they made, as its first member.
pub fn founding_bytes(space: &str, identity: &str) -> Vec<u8> {
    transcript(b"pph-founding-v1", &[space, identity])
}

/// What a newcomer and the invite key sign: the newcomer's identity,
/// answering this one invite (its group, its verifier, and its key's
/// signature, which covers its chain), this time.
pub fn admission_bytes(invite: &Invite, identity: &str, nonce: &str) -> Vec<u8> {
    transcript(
        b"pph-admission-v2",
        &[
            &invite.space,
            &invite.verifier,
            &invite.key_sig,
            identity,
            nonce,
        ],
    )
}

/// What a facilitator and the invite key sign: the group, the verifier
/// and the facilitator's own admission.
pub fn invite_bytes(space: &str, verifier: &str, by: &Admission) -> Vec<u8> {
    transcript(
        b"pph-invite-v1",
        &[space, verifier, &by.identity, &by.verifier, &by.sig],
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

/// Whether `a` answers `invite`: signed, for that invite alone, by its
/// member's identity and by the invite's key, which only a holder of the
/// whole code has.
pub fn answers(a: &Admission, invite: &Invite) -> bool {
    let admitted = admission_bytes(invite, &a.identity, &a.nonce);
    a.verifier == invite.verifier
        && a.nonce.len() == NONCE_LEN
        && verifies(&a.identity, &admitted, &a.sig)
        && verifies(&invite.verifier, &admitted, &a.proof)
}

/// Whether `a` is the founder's own admission to `space`: the identity the
/// group's id was made from (with its salt), signing for that group, and
/// nothing else (it is carried in every admission below it).
pub fn founds(space: &str, a: &Admission) -> bool {
    let founding = founding_bytes(space, &a.identity);
    a.via.is_none()
        && a.verifier.is_empty()
        && a.proof.is_empty()
        && a.nonce.len() == NONCE_LEN
        && group_id(&a.identity, &a.nonce) == space
        && verifies(&a.identity, &founding, &a.sig)
}

/// What a device remembers an admission by once it ends: its member's
/// identity and the invite it answered, by that invite's verifier (one key
/// per code). Neither can the member vary, as they can any signature
/// (Ed25519 signs the same bytes many ways: the tenth attacker run came
/// back by signing his ended admission again, and a holder of the code can
/// sign the invite again too) or a nonce. None for a founding, which no
/// removal ends.
pub fn admission_key(a: &Admission) -> Option<String> {
    let invite = a.via.as_deref()?;
    Some(format!("{} {}", a.identity, invite.verifier))
}

/// How many invites `a`'s chain holds (0 for a founding); a device checks
/// at most `MAX_CHAIN`.
pub fn depth(a: &Admission) -> usize {
    let mut at = a;
    let mut depth = 0;
    while let Some(invite) = at.via.as_deref() {
        depth += 1;
        at = &invite.by;
    }
    depth
}

/// The admissions along `a`'s chain as it is carried, `a` first and the
/// last inviter's own last, unchecked; None past `MAX_CHAIN` invites.
pub fn links(a: &Admission) -> Option<Vec<&Admission>> {
    let mut links = vec![a];
    let mut at = a;
    for _ in 0..MAX_CHAIN {
        let Some(invite) = at.via.as_deref() else {
            return Some(links);
        };
        at = &invite.by;
        links.push(at);
    }
    at.via.is_none().then_some(links)
}

/// The admissions along `a`'s chain, `a` first and the founding last,
/// when every signature along it checks and it roots in the founder the
/// group's id names; None otherwise (or past `MAX_CHAIN` invites).
pub fn chain<'a>(space: &str, a: &'a Admission) -> Option<Vec<&'a Admission>> {
    let links = links(a)?;
    let signed = links.windows(2).all(|pair| {
        pair[0]
            .via
            .as_deref()
            .is_some_and(|invite| answers(pair[0], invite) && invite_signed(space, invite))
    });
    let founded = links.last().is_some_and(|f| founds(space, f));
    (signed && founded).then_some(links)
}

/// Whether an admission whose chain is `links` (`a` first, the founding
/// last) comes through one that ended: walking up from `a` towards the
/// founder, a link that `ended` is met before one that is still `taken`.
/// The one rule by which a judge (a device, from what it saw; the relay,
/// from what it keeps) lets a member who was taken stand for everyone they
/// let in, whoever let them in: a member admitted by a facilitator who has
/// since been removed still invites, and the removed facilitator does not.
pub fn through_ended(
    links: &[&Admission],
    taken: impl Fn(&Admission) -> bool,
    ended: impl Fn(&Admission) -> bool,
) -> bool {
    for link in links {
        if taken(link) {
            return false;
        }
        if ended(link) {
            return true;
        }
    }
    false
}

/// The founder's identity `a`, an admission to `space`, roots in when its
/// chain checks.
pub fn root(space: &str, a: &Admission) -> Option<String> {
    chain(space, a).and_then(|links| links.last().map(|f| f.identity.clone()))
}
