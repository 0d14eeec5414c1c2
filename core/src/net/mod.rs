//! The network: the relay's API as a trait (`Relay`), one HTTP
//! implementation (`http.rs`, one reqwest client per server), and the
//! registry the companion owns (`Net`), which hands every caller (sync,
//! groups) the one client for the signed-in account's server. Tests put a
//! relay in memory behind the same trait (`sync/fake_relay.rs`).

mod http;
pub(crate) use http::relay_identity;
pub(crate) mod swap;

use crate::error::PphError;
use crate::store::{Session, Store};
use async_trait::async_trait;
use pph_protocol::admission::Invite;
use pph_protocol::sealed::{DiscardEnvelopesRequest, KeysResponse, PutEnvelopesRequest};
use pph_protocol::wire::*;
use pph_protocol::Change;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) type Result<T> = std::result::Result<T, PphError>;

/// What the server did with a push.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Pushed {
    Stored,
    /// Nothing was stored: these changes (by place in the batch) break the
    /// authorisation table.
    Refused(Vec<RefusedChange>),
}

/// The relay's `/v1` API. Refusals come back as `PphError`s whose messages
/// never carry request contents.
#[async_trait]
pub(crate) trait Relay: Send + Sync {
    /// Asks the relay to mail a sign-up code to `email`
    /// (`POST /v1/accounts/code`).
    async fn ask_sign_up_code(&self, req: &SignUpCodeRequest) -> Result<SignUpCodeResponse>;
    async fn sign_up(&self, req: &SignUpRequest) -> Result<SessionResponse>;
    async fn sign_in(&self, req: &SignInRequest) -> Result<SessionResponse>;
    /// How `email`'s password is stretched (`POST /v1/sessions/kdf`).
    async fn kdf(&self, email: &str) -> Result<KdfResponse>;
    async fn sign_out(&self, token: &str) -> Result<()>;
    /// Swaps `token` for `new_token` (`swap`).
    async fn refresh_session(&self, token: &str, new_token: &str) -> Result<()>;
    async fn devices(&self, token: &str) -> Result<DevicesResponse>;
    async fn sign_out_device(&self, token: &str, session: &str) -> Result<()>;
    async fn delete_account(
        &self,
        token: &str,
        req: &DeleteAccountRequest,
    ) -> Result<AccountDeleted>;
    async fn push(&self, token: &str, changes: Vec<Change>) -> Result<Pushed>;
    async fn pull(&self, token: &str, space: &str, since: i64, limit: u32) -> Result<PullResponse>;
    async fn spaces(&self, token: &str) -> Result<SpacesResponse>;
    async fn lookup_clinician(&self, token: &str, email: &str) -> Result<ClinicianLookupResponse>;
    async fn grant_share(&self, token: &str, req: &GrantShareRequest) -> Result<ShareResponse>;
    async fn revoke_share(&self, token: &str, share_id: &str) -> Result<()>;
    async fn shares(&self, token: &str) -> Result<SharesResponse>;
    async fn access_log(&self, token: &str) -> Result<AccessLogResponse>;
    async fn create_group_space(&self, token: &str, req: &CreateGroupSpaceRequest) -> Result<()>;
    async fn create_invite(
        &self,
        token: &str,
        space: &str,
        req: &CreateInviteRequest,
    ) -> Result<InviteResponse>;
    async fn revoke_invite(&self, token: &str, space: &str, code: &str) -> Result<()>;
    /// The signed invite of a code's relay half.
    async fn invite(&self, token: &str, code: &str) -> Result<Invite>;
    async fn join(&self, token: &str, code: &str, req: &JoinRequest) -> Result<JoinResponse>;
    async fn members(&self, token: &str, space: &str) -> Result<MembersResponse>;
    async fn removed_members(&self, token: &str, space: &str) -> Result<MembersResponse>;
    async fn readmit(&self, token: &str, space: &str, account: &str) -> Result<()>;
    async fn remove_member(&self, token: &str, space: &str, account: &str) -> Result<()>;
    async fn keys(&self, token: &str) -> Result<KeysResponse>;
    async fn put_envelopes(&self, token: &str, req: &PutEnvelopesRequest) -> Result<()>;
    async fn discard_envelopes(&self, token: &str, req: &DiscardEnvelopesRequest) -> Result<()>;
    async fn set_account_keys(&self, token: &str, req: &AccountKeysRequest) -> Result<()>;
}

type Connect = dyn Fn(&str) -> Result<Arc<dyn Relay>> + Send + Sync;

/// One relay client per server, made on first use and kept.
pub(crate) struct Net {
    connect: Box<Connect>,
    relays: Mutex<HashMap<String, Arc<dyn Relay>>>,
}

impl Net {
    /// Clients over HTTP(S).
    pub(crate) fn http() -> Self {
        Self::with(|base| Ok(Arc::new(http::HttpRelay::new(base)?) as Arc<dyn Relay>))
    }

    /// Clients made by `connect` (tests put a relay in memory here).
    pub(crate) fn with(
        connect: impl Fn(&str) -> Result<Arc<dyn Relay>> + Send + Sync + 'static,
    ) -> Self {
        Net {
            connect: Box::new(connect),
            relays: Mutex::new(HashMap::new()),
        }
    }

    /// The client for a server, by its base URL.
    pub(crate) fn relay(&self, server_url: &str) -> Result<Arc<dyn Relay>> {
        let base = server_url.trim_end_matches('/').to_owned();
        let mut relays = crate::store::lock(&self.relays);
        if let Some(relay) = relays.get(&base) {
            return Ok(relay.clone());
        }
        let relay = (self.connect)(&base)?;
        relays.insert(base, relay.clone());
        Ok(relay)
    }

    /// The signed-in account's server and token; `Unauthorized` when the
    /// store is signed out.
    pub(crate) fn online(&self, store: &Store) -> Result<(Arc<dyn Relay>, String, Session)> {
        let (session, token) = store.signed_in()?;
        Ok((self.relay(&session.info.server_url)?, token, session))
    }
}

pub(crate) fn network(reason: &str) -> PphError {
    PphError::Network {
        reason: reason.to_owned(),
    }
}
