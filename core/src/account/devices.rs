//! The devices signed in to the account: seen from any of them, and each
//! signed out from any of them (a lost or stolen phone). A device signed
//! out keeps its store, with everything it has not sent; it signs in again
//! to go on, and its sealed keys were never the relay's to take.

use super::Account;
use crate::error::PphError;
use crate::time::from_ms_i64;
use std::time::SystemTime;

/// One device signed in to the account.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, uniffi::Record)]
pub struct SignedInDevice {
    /// What `sign_out_device` takes.
    pub node: String,
    /// The name it gave when it last signed in.
    pub name: String,
    pub first_seen: SystemTime,
    /// To the hour.
    pub last_seen: SystemTime,
    /// The device asking.
    pub this_device: bool,
}

/// The longest node the relay keeps.
const MAX_NODE: usize = 100;

#[uniffi::export(async_runtime = "tokio")]
impl Account {
    /// The devices signed in to this account, this one among them, newest
    /// seen first.
    pub async fn devices(&self) -> Result<Vec<SignedInDevice>, PphError> {
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        Ok(relay
            .devices(&token)
            .await?
            .devices
            .into_iter()
            .map(|d| SignedInDevice {
                node: d.node,
                name: d.name,
                first_seen: from_ms_i64(d.first_seen_ms),
                last_seen: from_ms_i64(d.last_seen_ms),
                this_device: d.this_device,
            })
            .collect())
    }

    /// Signs a device out by its `node` (from `devices`): every session it
    /// has ends at once. Naming this device signs it out as `sign_out`
    /// does. `NotFound` if no device of the account with that node is
    /// signed in.
    pub async fn sign_out_device(&self, node: String) -> Result<(), PphError> {
        if node.is_empty()
            || node.len() > MAX_NODE
            || !node.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(PphError::validation(
                "node",
                "must be a device's node from the devices list",
            ));
        }
        if node == self.engine.store.node() {
            return self.sign_out().await;
        }
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        relay.sign_out_device(&token, &node).await
    }
}
