//! The one error funnel. Internal code returns [`Error`], which keeps the rich
//! source; everything exported returns [`PphError`], whose messages never carry
//! health data, names or keys: only field names, entity kinds, ids and codes.

use pph_protocol::ClockError;

/// The error every exported call can raise.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum PphError {
    #[error("invalid {field}: {reason}")]
    Validation { field: String, reason: String },
    #[error("{entity} {id} not found")]
    NotFound { entity: String, id: String },
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    #[error("not signed in or access refused")]
    Unauthorized,
    /// Signed in, but the server refused this account the action (a group
    /// it is no longer in, a share that ended). The session stays.
    #[error("not allowed: {reason}")]
    Forbidden { reason: String },
    #[error("network: {reason}")]
    Network { reason: String },
    /// Too many attempts (wrong passwords, unknown invite codes): the server
    /// takes no more until `retry_after_s` seconds have passed. Not a
    /// connection problem: the shell says to wait, not that it is offline.
    #[error("too many attempts; try again in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    /// The key does not open this store (or the file is not an encrypted store).
    #[error("the key does not open this store")]
    WrongKey,
    #[error("the file is not an encrypted store")]
    NotADatabase,
    #[error("the store has schema version {found}, newer than this app's {supported}")]
    SchemaTooNew { found: u32, supported: u32 },
    /// Another connection holds the database; retry.
    #[error("the store is busy")]
    Locked,
    #[error("storage failure ({reason})")]
    Storage { reason: String },
    #[error("internal error ({reason})")]
    Internal { reason: String },
}

impl PphError {
    pub(crate) fn validation(field: &str, reason: impl Into<String>) -> Self {
        PphError::Validation {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(entity: &str, id: &str) -> Self {
        PphError::NotFound {
            entity: entity.to_owned(),
            id: id.to_owned(),
        }
    }
}

/// Internal error: a public error, or a failure of a layer below us.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Pph(#[from] PphError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for PphError {
    fn from(err: Error) -> Self {
        match err {
            Error::Pph(e) => e,
            Error::Sqlite(e) => from_sqlite(&e),
            // serde messages can quote the offending value: keep only the category.
            Error::Json(e) => PphError::Storage {
                reason: format!("unreadable record ({:?})", e.classify()),
            },
            Error::Clock(e) => PphError::Internal {
                reason: e.to_string(),
            },
            Error::Io(e) => PphError::Storage {
                reason: format!("io {:?}", e.kind()),
            },
        }
    }
}

/// SQLite's own messages may name tables and constraints but no values; we
/// still report only the code so nothing from a row can leak.
fn from_sqlite(e: &rusqlite::Error) -> PphError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => PphError::Locked,
        Some(ErrorCode::NotADatabase) => PphError::WrongKey,
        Some(code) => PphError::Storage {
            reason: match e {
                rusqlite::Error::SqliteFailure(raw, _) => {
                    format!("sqlite {code:?} (code {})", raw.extended_code)
                }
                _ => format!("sqlite {code:?}"),
            },
        },
        None => PphError::Storage {
            reason: "sqlite client error".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_do_not_quote_values() {
        let err = serde_json::from_str::<u32>("\"my secret symptom\"").expect_err("not a number");
        let public = PphError::from(Error::from(err));
        assert!(!public.to_string().contains("secret"), "{public}");
    }
}
