//! Entity ids: UUIDv7, so ids sort by creation time across devices.

use crate::error::PphError;
use uuid::Uuid;

pub(crate) fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// Checks that a caller-supplied id is a UUID, naming the argument if not.
pub(crate) fn check_id(field: &str, id: &str) -> Result<(), PphError> {
    Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| PphError::validation(field, "not an id"))
}
