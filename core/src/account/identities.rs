//! Who this device has checked (docs/adr/0018): the safety number a person
//! compares with a clinician in the consultation room or a member at a
//! meetup, identities marked verified, and the warnings when an account
//! is served with an identity other than the one pinned, which no key goes
//! to or comes from until the person accepts it.

use super::Account;
use crate::error::PphError;
use crate::sync::pins;
use crate::time::from_ms_i64;
use std::time::SystemTime;

/// The number to compare with someone, read aloud or shown side by side.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, uniffi::Record)]
pub struct SafetyNumber {
    pub account_id: String,
    /// Sixty digits in twelve groups of five, the same on both phones.
    pub digits: String,
    /// Whether the person marked it compared.
    pub verified: bool,
}

/// An account served with a new identity: nothing is wrapped to it or
/// taken from it until the person compares the new safety number and
/// accepts it. Loud if the old one had been verified.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, uniffi::Record)]
pub struct IdentityWarning {
    pub account_id: String,
    pub since: SystemTime,
    pub was_verified: bool,
}

#[uniffi::export]
impl Account {
    /// The safety number of this account and `account_id` (a clinician's
    /// from `Share`, a patient's from `SharedPatient`, a member's from the
    /// group's members). `NotFound` until a sync has shown this device
    /// that account's identity.
    pub fn safety_number(&self, account_id: String) -> Result<SafetyNumber, PphError> {
        let (digits, verified) = self
            .engine
            .safety_number(&account_id)?
            .ok_or_else(|| PphError::not_found("identity", &account_id))?;
        Ok(SafetyNumber {
            account_id,
            digits,
            verified,
        })
    }

    /// Marks `account_id`'s identity verified, once the person compared
    /// `digits` (what the shell showed) with the other phone. `Validation`
    /// if the number is no longer the one shown (the identity changed
    /// meanwhile), and nothing is marked.
    pub fn mark_verified(&self, account_id: String, digits: String) -> Result<(), PphError> {
        let now = self.safety_number(account_id.clone())?;
        if now.digits != digits.trim() {
            return Err(PphError::validation(
                "digits",
                "not this account's safety number now: show it again and compare",
            ));
        }
        self.engine
            .store
            .write(|tx| pins::set_verified(tx.tx, &account_id, true).map(|_| ()))?;
        Ok(())
    }

    /// Accounts served with an identity other than the one pinned here.
    pub fn identity_warnings(&self) -> Result<Vec<IdentityWarning>, PphError> {
        Ok(self
            .engine
            .store
            .read(pins::changed)?
            .into_iter()
            .map(|c| IdentityWarning {
                account_id: c.account,
                since: from_ms_i64(c.since_ms),
                was_verified: c.was_verified,
            })
            .collect())
    }

    /// Takes `account_id`'s new identity (unverified) after the person
    /// compared its safety number: keys go to and come from it again from
    /// the next sync. `NotFound` if no change is waiting.
    pub fn accept_identity_change(&self, account_id: String) -> Result<(), PphError> {
        let accepted = self
            .engine
            .store
            .write(|tx| pins::accept_offered(tx.tx, &account_id))?;
        if accepted {
            Ok(())
        } else {
            Err(PphError::not_found("identity change", &account_id))
        }
    }
}
