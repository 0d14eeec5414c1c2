//! A relay in memory behind the `Relay` trait, for testing the sync driver
//! without a network: it stores what is pushed, serves it back, and can be
//! told to fail the next calls or refuse chosen changes.

use crate::error::PphError;
use crate::net::{Pushed, Relay, Result};
use async_trait::async_trait;
use pph_protocol::kinds::SpaceKind;
use pph_protocol::sealed::*;
use pph_protocol::wire::*;
use pph_protocol::Change;
use std::collections::VecDeque;
use std::sync::Mutex;

pub(crate) struct FakeRelay {
    pub account: String,
    pub space: String,
    pub public_key: String,
    pub envelopes: Mutex<Vec<Envelope>>,
    /// Errors to answer the next calls with, in order.
    pub failures: Mutex<VecDeque<PphError>>,
    /// Refuse the push of any change whose record is one of these.
    pub refuse_entities: Mutex<Vec<(String, pph_protocol::authz::Refusal)>>,
    pub stored: Mutex<Vec<Change>>,
    pub pushes: Mutex<u32>,
    /// Token swaps taken, as (old, new).
    pub swaps: Mutex<Vec<(String, String)>>,
    /// Errors to answer the next swaps with, in order.
    pub swap_failures: Mutex<VecDeque<PphError>>,
}

impl FakeRelay {
    pub(crate) fn new(account: &str, space: &str, public_key: &str) -> Self {
        FakeRelay {
            account: account.into(),
            space: space.into(),
            public_key: public_key.into(),
            envelopes: Mutex::new(Vec::new()),
            failures: Mutex::new(VecDeque::new()),
            refuse_entities: Mutex::new(Vec::new()),
            stored: Mutex::new(Vec::new()),
            pushes: Mutex::new(0),
            swaps: Mutex::new(Vec::new()),
            swap_failures: Mutex::new(VecDeque::new()),
        }
    }

    fn next_failure(&self) -> Result<()> {
        match crate::store::lock(&self.failures).pop_front() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn unsupported<T>() -> Result<T> {
        Err(PphError::Internal {
            reason: "not in the fake relay".into(),
        })
    }
}

#[async_trait]
impl Relay for FakeRelay {
    async fn ask_sign_up_code(&self, _: &SignUpCodeRequest) -> Result<SignUpCodeResponse> {
        Self::unsupported()
    }
    async fn sign_up(&self, _: &SignUpRequest) -> Result<SessionResponse> {
        Self::unsupported()
    }
    async fn sign_in(&self, _: &SignInRequest) -> Result<SessionResponse> {
        Self::unsupported()
    }
    async fn kdf(&self, _: &str) -> Result<KdfResponse> {
        Self::unsupported()
    }
    async fn sign_out(&self, _: &str) -> Result<()> {
        self.next_failure()
    }
    async fn refresh_session(&self, token: &str, new_token: &str) -> Result<()> {
        if let Some(e) = crate::store::lock(&self.swap_failures).pop_front() {
            return Err(e);
        }
        crate::store::lock(&self.swaps).push((token.to_owned(), new_token.to_owned()));
        Ok(())
    }
    async fn devices(&self, _: &str) -> Result<DevicesResponse> {
        Self::unsupported()
    }
    async fn sign_out_device(&self, _: &str, _: &str) -> Result<()> {
        Self::unsupported()
    }
    async fn push(&self, _: &str, changes: Vec<Change>) -> Result<Pushed> {
        self.next_failure()?;
        *crate::store::lock(&self.pushes) += 1;
        let refuse = crate::store::lock(&self.refuse_entities).clone();
        let refused: Vec<RefusedChange> = changes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                refuse
                    .iter()
                    .find(|(id, _)| *id == c.entity_id)
                    .map(|(_, rule)| RefusedChange {
                        index: i as u32,
                        rule: *rule,
                    })
            })
            .collect();
        if !refused.is_empty() {
            return Ok(Pushed::Refused(refused));
        }
        crate::store::lock(&self.stored).extend(changes);
        Ok(Pushed::Stored)
    }
    async fn pull(&self, _: &str, _: &str, since: i64, limit: u32) -> Result<PullResponse> {
        self.next_failure()?;
        let stored = crate::store::lock(&self.stored);
        let changes: Vec<SequencedChange> = stored
            .iter()
            .enumerate()
            .map(|(i, c)| SequencedChange {
                seq: i as i64 + 1,
                author: self.account.clone(),
                change: c.clone(),
            })
            .filter(|c| c.seq > since)
            .take(limit as usize)
            .collect();
        Ok(PullResponse {
            next: changes.last().map_or(since, |c| c.seq),
            more: changes.len() == limit as usize,
            changes,
            erased: Vec::new(),
            identities: Vec::new(),
        })
    }
    async fn spaces(&self, _: &str) -> Result<SpacesResponse> {
        self.next_failure()?;
        Ok(SpacesResponse {
            spaces: vec![SpaceEntry {
                space: self.space.clone(),
                kind: SpaceKind::Personal,
                owner: self.account.clone(),
                facilitators: vec![],
                devices: vec![],
                access: SpaceAccess::Member,
                clinicians: vec![],
            }],
        })
    }
    async fn delete_account(&self, _: &str, _: &DeleteAccountRequest) -> Result<AccountDeleted> {
        Self::unsupported()
    }
    async fn grant_share(&self, _: &str, _: &GrantShareRequest) -> Result<ShareResponse> {
        Self::unsupported()
    }
    async fn lookup_clinician(&self, _: &str, _: &str) -> Result<ClinicianLookupResponse> {
        Self::unsupported()
    }
    async fn revoke_share(&self, _: &str, _: &str) -> Result<()> {
        Self::unsupported()
    }
    async fn shares(&self, _: &str) -> Result<SharesResponse> {
        Self::unsupported()
    }
    async fn access_log(&self, _: &str) -> Result<AccessLogResponse> {
        Self::unsupported()
    }
    async fn create_group_space(&self, _: &str, _: &CreateGroupSpaceRequest) -> Result<()> {
        Self::unsupported()
    }
    async fn create_invite(
        &self,
        _: &str,
        _: &str,
        _: &CreateInviteRequest,
    ) -> Result<InviteResponse> {
        Self::unsupported()
    }
    async fn revoke_invite(&self, _: &str, _: &str, _: &str) -> Result<()> {
        Self::unsupported()
    }
    async fn invite(&self, _: &str, _: &str) -> Result<pph_protocol::admission::Invite> {
        Self::unsupported()
    }
    async fn join(&self, _: &str, _: &str, _: &JoinRequest) -> Result<JoinResponse> {
        Self::unsupported()
    }
    async fn members(&self, _: &str, _: &str) -> Result<MembersResponse> {
        Self::unsupported()
    }
    async fn removed_members(&self, _: &str, _: &str) -> Result<MembersResponse> {
        Self::unsupported()
    }
    async fn readmit(&self, _: &str, _: &str, _: &str) -> Result<()> {
        Self::unsupported()
    }
    async fn remove_member(&self, _: &str, _: &str, _: &str) -> Result<()> {
        Self::unsupported()
    }
    async fn keys(&self, _: &str) -> Result<KeysResponse> {
        self.next_failure()?;
        let envelopes = crate::store::lock(&self.envelopes).clone();
        let mut epochs: Vec<EpochRecipients> = Vec::new();
        for e in &envelopes {
            match epochs
                .iter_mut()
                .find(|x| x.key == e.key && x.epoch == e.epoch)
            {
                Some(x) => x.recipients.push(e.recipient.clone()),
                None => epochs.push(EpochRecipients {
                    key: e.key,
                    epoch: e.epoch,
                    recipients: vec![e.recipient.clone()],
                    commitment: None,
                }),
            }
        }
        Ok(KeysResponse {
            spaces: vec![SpaceKeys {
                space: self.space.clone(),
                kind: SpaceKind::Personal,
                epochs,
                readers: vec![Reader {
                    account_id: self.account.clone(),
                    public_key: Some(self.public_key.clone()),
                    keys: KeyName::PERSONAL.to_vec(),
                }],
                grants: Vec::new(),
                admissions: Vec::new(),
            }],
            envelopes,
            identities: Vec::new(),
        })
    }
    async fn discard_envelopes(&self, _: &str, _: &DiscardEnvelopesRequest) -> Result<()> {
        Self::unsupported()
    }
    async fn put_envelopes(&self, _: &str, req: &PutEnvelopesRequest) -> Result<()> {
        self.next_failure()?;
        let mut stored = crate::store::lock(&self.envelopes);
        let taken = req
            .creates
            .iter()
            .any(|c| stored.iter().any(|e| e.is_for(c)));
        if taken {
            return Err(PphError::Conflict {
                reason: "epoch begun".into(),
            });
        }
        stored.extend(req.envelopes.iter().cloned());
        Ok(())
    }
    async fn set_account_keys(&self, _: &str, _: &AccountKeysRequest) -> Result<()> {
        Self::unsupported()
    }
}
