//! The account (`companion.account()`): signing up, in and out on this
//! device, the devices signed in, the password and the recovery code, and
//! deleting the account.
//! It acts through the sync client's state (its store, relay and keys),
//! which it shares with `companion.sync()` and `companion.sharing()`.

mod devices;
pub use devices::SignedInDevice;
mod identities;
pub use identities::{IdentityWarning, SafetyNumber};
mod keys;
mod session;

use crate::sync::SyncEngine;
use std::sync::Arc;

#[derive(uniffi::Object)]
pub struct Account {
    engine: Arc<SyncEngine>,
}

impl Account {
    pub(crate) fn new(engine: Arc<SyncEngine>) -> Self {
        Account { engine }
    }
}
