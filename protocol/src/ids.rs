//! Ids on the wire: UUIDs in their one canonical spelling (lower-case,
//! hyphenated), so one record or change can never pass as several; and ids
//! bound to the account that owns the record.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// True when `text` is a UUID written exactly as `Uuid::to_string` writes
/// it: no braces, no `urn:uuid:`, no upper case, hyphens in place.
pub fn is_canonical(text: &str) -> bool {
    Uuid::try_parse(text).is_ok_and(|u| u.hyphenated().to_string() == text)
}

/// How many leading bytes of an owned id come from its owner's account.
/// Account ids are made by the server, so no one can pick an account whose
/// bytes match another's.
const OWNER_BYTES: usize = 6;

fn owner_prefix(account_id: &str) -> [u8; OWNER_BYTES] {
    let digest = Sha256::digest(["pph owner\u{1f}", account_id].concat().as_bytes());
    let mut out = [0u8; OWNER_BYTES];
    out.copy_from_slice(&digest[..OWNER_BYTES]);
    out
}

/// The id of the one record of its kind that `account_id` has for `parts`
/// (a meetup, a message and an emoji...): the same on every device, and
/// recognisably that account's (a UUIDv8 whose first bytes come from it),
/// so the server and every client can tell that no one else wrote it.
pub fn owned_id(account_id: &str, parts: &[&str]) -> String {
    let mut bytes = [0u8; 16];
    bytes[..OWNER_BYTES].copy_from_slice(&owner_prefix(account_id));
    let rest = Sha256::digest(
        std::iter::once(account_id)
            .chain(parts.iter().copied())
            .collect::<Vec<_>>()
            .join("\u{1f}")
            .as_bytes(),
    );
    bytes[OWNER_BYTES..].copy_from_slice(&rest[..16 - OWNER_BYTES]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The id of a group founded by `identity` (an Ed25519 key, base64url)
/// with `salt`: a UUIDv8 of their SHA-256, so the group's founder is
/// fixed by its id, and no one else (no relay, no member holding a code)
/// can found it again under another identity.
pub fn group_id(identity: &str, salt: &str) -> String {
    let digest = Sha256::digest(
        ["pph group\u{1f}", identity, "\u{1f}", salt]
            .concat()
            .as_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// True when `id` was made by `owned_id` for `account_id`.
pub fn is_owned_by(id: &str, account_id: &str) -> bool {
    Uuid::try_parse(id).is_ok_and(|u| {
        u.get_version_num() == 8 && u.as_bytes()[..OWNER_BYTES] == owner_prefix(account_id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_is_canonical() {
        let id = "0190a5c2-7b1e-7c3d-8e4f-5a6b7c8d9e0f";
        assert!(is_canonical(id));
        for other in [
            "0190A5C2-7B1E-7C3D-8E4F-5A6B7C8D9E0F",
            "{0190a5c2-7b1e-7c3d-8e4f-5a6b7c8d9e0f}",
            "urn:uuid:0190a5c2-7b1e-7c3d-8e4f-5a6b7c8d9e0f",
            "0190a5c27b1e7c3d8e4f5a6b7c8d9e0f",
            "0190a5c2-7b1e-7c3d-8e4f-5a6b7c8d9e0f\0",
            "",
        ] {
            assert!(!is_canonical(other), "{other:?}");
        }
    }

    #[test]
    fn owned_ids_are_stable_canonical_and_bound_to_their_owner() {
        let a = "0190a5c2-0000-7000-8000-00000000000a";
        let b = "0190a5c2-0000-7000-8000-00000000000b";
        let id = owned_id(a, &["meetup", "x"]);
        assert_eq!(id, owned_id(a, &["meetup", "x"]));
        assert_ne!(id, owned_id(a, &["meetup", "y"]));
        assert!(is_canonical(&id), "{id}");
        assert!(is_owned_by(&id, a));
        assert!(!is_owned_by(&id, b));
        assert!(!is_owned_by(&owned_id(b, &["meetup", "x"]), a));
        assert!(!is_owned_by(&Uuid::now_v7().to_string(), a));
    }
}
