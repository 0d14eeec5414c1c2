//! Entity ids: UUIDv7, so ids sort by creation time across devices; ids
//! derived from their parts, for records that exist once per combination;
//! and ids bound to the account that owns the record.

use crate::error::PphError;
use uuid::Uuid;

pub(crate) fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// Checks that a caller-supplied id is a UUID in its canonical spelling
/// (as every id this core makes is), naming the argument if not.
pub(crate) fn check_id(field: &str, id: &str) -> Result<(), PphError> {
    if pph_protocol::ids::is_canonical(id) {
        Ok(())
    } else {
        Err(PphError::validation(field, "not an id"))
    }
}

/// A stable id for a record that exists once per combination of parts.
pub(crate) fn derived_id(parts: &[&str]) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, parts.join("\u{1f}").as_bytes()).to_string()
}

/// The id of `account_id`'s one record for `parts` (an RSVP to a meetup, a
/// reaction to a message): only that account may write it, as the server
/// and every other member can check from the id alone.
pub(crate) fn owned_id(account_id: &str, parts: &[&str]) -> String {
    pph_protocol::ids::owned_id(account_id, parts)
}
