//! The shell's one error: words a person can act on, and an exit status a
//! script can branch on. Core refusals keep the core's wording, which never
//! carries health data; the shell's own never echo what was typed.

use pph_core::PphError;
use std::process::ExitCode;

/// What kind of failure ended a command, as its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// This machine could not do it: storage, an internal fault, a store
    /// written by a newer `pph`.
    Failure = 1,
    /// Refused as given: a bad argument or value, no key, the wrong key.
    Refused = 2,
    NotFound = 3,
    /// Changed meanwhile: look again, then retry.
    Conflict = 4,
    /// Not signed in, or this account may not do it.
    NotAllowed = 5,
    /// Offline, too many attempts, or the store is busy: try again later;
    /// nothing written here is lost.
    TryLater = 6,
}

impl Status {
    /// The name `--json` errors carry.
    pub fn code(self) -> &'static str {
        match self {
            Status::Failure => "failure",
            Status::Refused => "refused",
            Status::NotFound => "not_found",
            Status::Conflict => "conflict",
            Status::NotAllowed => "not_allowed",
            Status::TryLater => "try_later",
        }
    }
}

#[derive(Debug)]
pub struct Fail {
    pub status: Status,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Fail>;

impl Fail {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Fail {
            status,
            message: message.into(),
        }
    }

    /// A bad argument, named by its flag.
    pub fn refused(message: impl Into<String>) -> Self {
        Fail::new(Status::Refused, message)
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.status as u8)
    }
}

impl From<PphError> for Fail {
    fn from(e: PphError) -> Self {
        let status = match &e {
            PphError::Validation { .. } | PphError::WrongKey | PphError::NotADatabase => {
                Status::Refused
            }
            PphError::NotFound { .. } => Status::NotFound,
            PphError::Conflict { .. } => Status::Conflict,
            PphError::Unauthorized | PphError::Forbidden { .. } => Status::NotAllowed,
            PphError::Network { .. } | PphError::RateLimited { .. } | PphError::Locked => {
                Status::TryLater
            }
            PphError::SchemaTooNew { .. }
            | PphError::Storage { .. }
            | PphError::Internal { .. } => Status::Failure,
        };
        let hint = match &e {
            PphError::Unauthorized => " (sign in again: pph sync signin)",
            PphError::Network { .. } => {
                " (working offline: what you wrote is kept and goes with the next `pph sync now`)"
            }
            PphError::SchemaTooNew { .. } => " (update pph)",
            _ => "",
        };
        Fail::new(status, format!("{e}{hint}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_statuses_scripts_can_branch_on() {
        let cases = [
            (PphError::WrongKey, Status::Refused),
            (
                PphError::NotFound {
                    entity: "care_plan".into(),
                    id: "x".into(),
                },
                Status::NotFound,
            ),
            (PphError::Unauthorized, Status::NotAllowed),
            (
                PphError::RateLimited { retry_after_s: 60 },
                Status::TryLater,
            ),
            (
                PphError::Network {
                    reason: "refused".into(),
                },
                Status::TryLater,
            ),
            (
                PphError::SchemaTooNew {
                    found: 99,
                    supported: 11,
                },
                Status::Failure,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(Fail::from(error).status, status);
        }
        assert_eq!(
            Fail::from(PphError::WrongKey).message,
            "the key does not open this store"
        );
        assert!(Fail::from(PphError::Unauthorized)
            .message
            .contains("pph sync signin"));
    }
}
