//! The devices signed in to the account: seen from any of them, and each
//! signed out from any of them (a lost or stolen phone). A device signed
//! out keeps its store, with everything it has not sent; it signs in again
//! to go on, and its sealed keys were never the relay's to take.

use super::Account;
use crate::error::PphError;
use crate::time::from_ms_i64;
use std::time::SystemTime;

/// One device signed in to the account: one sign-in and the token swaps
/// that followed. Someone who signs in under another device's name shows
/// as a second entry with its own sign-in time.
#[derive(Clone, PartialEq, Eq, serde::Serialize, uniffi::Record)]
pub struct SignedInDevice {
    /// What `sign_out_device` takes.
    pub session: String,
    /// The node that stamps its changes.
    pub node: String,
    /// The name it gave when it last signed in.
    pub name: String,
    /// When it signed in.
    pub first_seen: SystemTime,
    /// To the hour.
    pub last_seen: SystemTime,
    /// The device asking.
    pub this_device: bool,
}

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
                session: d.session,
                node: d.node,
                name: d.name,
                first_seen: from_ms_i64(d.first_seen_ms),
                last_seen: from_ms_i64(d.last_seen_ms),
                this_device: d.this_device,
            })
            .collect())
    }

    /// Signs a device out by its `session` (from `devices`): every token
    /// of it ends at once. Naming this device signs it out as `sign_out`
    /// does. `NotFound` if the account has no such session signed in.
    pub async fn sign_out_device(&self, session: String) -> Result<(), PphError> {
        if !pph_protocol::wire::is_session(&session) {
            return Err(PphError::validation(
                "session",
                "must be a device's session from the devices list",
            ));
        }
        let this_one = self
            .devices()
            .await?
            .iter()
            .any(|d| d.this_device && d.session == session);
        if this_one {
            return self.sign_out().await;
        }
        let (relay, token, _) = self.engine.net.online(&self.engine.store)?;
        relay.sign_out_device(&token, &session).await
    }
}

pph_protocol::debug_without_secrets!(SignedInDevice,);
