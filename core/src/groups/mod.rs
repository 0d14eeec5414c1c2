//! Peer groups (`companion.groups()`): groups as spaces of their own, invite
//! codes and membership through the server, and a chat that works offline:
//! a message shows at once as pending and goes out with the next sync.

pub mod admission;
mod meetups;
pub mod model;
mod moderation;
pub(crate) mod store;

use crate::clock::Clock;
use crate::crypto::invite::{new_secret, InviteKey};
use crate::error::{self, PphError};
use crate::ids::{check_id, new_id, owned_id};
use crate::net::{Net, Relay};
use crate::paging::{check_limit, next, Cursor};
use crate::store::authz::{add_space, space_facts, SpaceFacts};
use crate::store::{load, load_required, AccountInfo, Store};
use crate::time::{from_ms, from_ms_i64, to_ms};
use admission::Identified;
use model::*;
use pph_protocol::kinds::SpaceKind;
use pph_protocol::wire;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

/// Facilitators run a group, as the server last said: this person's
/// account id if they are one of its facilitators.
pub(crate) fn require_facilitator(store: &Store, group_id: &str) -> Result<String, PphError> {
    check_id("group_id", group_id)?;
    let me = store.me()?.account_id;
    let facilitates = store
        .read(|conn| space_facts(conn, group_id))?
        .is_some_and(|s| s.facilitators.contains(&me));
    if !facilitates {
        return Err(PphError::Forbidden {
            reason: "only the group's facilitator does this".into(),
        });
    }
    Ok(me)
}

#[derive(uniffi::Object)]
pub struct Groups {
    store: Arc<Store>,
    net: Arc<Net>,
    clock: Arc<dyn Clock>,
    identified: Arc<dyn Identified>,
}

impl Groups {
    pub(crate) fn new(
        store: Arc<Store>,
        net: Arc<Net>,
        clock: Arc<dyn Clock>,
        identified: Arc<dyn Identified>,
    ) -> Self {
        Groups {
            store,
            net,
            clock,
            identified,
        }
    }

    /// Who writes: the account this store belongs to (offline too).
    fn me(&self) -> Result<AccountInfo, PphError> {
        self.store.me()
    }

    fn online(&self) -> Result<(Arc<dyn Relay>, String), PphError> {
        let (relay, token, _) = self.net.online(&self.store)?;
        Ok((relay, token))
    }

    fn group(&self, group_id: &str) -> Result<Group, PphError> {
        check_id("group_id", group_id)?;
        Ok(self
            .store
            .read(|conn| load_required::<Group>(conn, group_id))?)
    }

    fn message(&self, message_id: &str) -> Result<Message, PphError> {
        check_id("message_id", message_id)?;
        Ok(self
            .store
            .read(|conn| load_required::<Message>(conn, message_id))?)
    }

    fn own_message(&self, message_id: &str) -> Result<Message, PphError> {
        let message = self.message(message_id)?;
        if message.author_id != self.me()?.account_id {
            return Err(PphError::Forbidden {
                reason: "only its author changes a message".into(),
            });
        }
        if message.retracted {
            return Err(PphError::validation(
                "message_id",
                "the message was retracted",
            ));
        }
        Ok(message)
    }

    fn chat(
        &self,
        conn: &rusqlite::Connection,
        m: Message,
        me: &str,
    ) -> error::Result<ChatMessage> {
        let mut counts: BTreeMap<String, (u32, bool)> = BTreeMap::new();
        for r in store::reactions_of(conn, &m.id)?
            .into_iter()
            .filter(|r| r.active)
        {
            let entry = counts.entry(r.emoji).or_default();
            entry.0 += 1;
            entry.1 |= r.account_id == me;
        }
        let (waiting, failure) = store::send_state(conn, &m.id)?;
        let hidden = store::is_hidden(conn, &m.id)?;
        Ok(ChatMessage {
            hidden,
            status: match (waiting, &failure) {
                (_, Some(_)) => MessageStatus::Failed,
                (true, None) => MessageStatus::Pending,
                (false, None) => MessageStatus::Sent,
            },
            failure,
            mine: m.author_id == me,
            reactions: counts
                .into_iter()
                .map(|(emoji, (count, mine))| ReactionCount { emoji, count, mine })
                .collect(),
            id: m.id,
            group_id: m.group_id,
            author_id: m.author_id,
            author_name: m.author_name,
            body: if hidden { String::new() } else { m.body },
            reply_to: m.reply_to,
            sent_at: from_ms(m.sent_at_ms),
            edited: m.edited,
            retracted: m.retracted,
        })
    }

    fn chat_message(&self, message_id: &str) -> Result<ChatMessage, PphError> {
        let me = self.me()?.account_id;
        Ok(self.store.read(|conn| {
            let m = load_required::<Message>(conn, message_id)?;
            self.chat(conn, m, &me)
        })?)
    }
}

fn group_members(response: wire::MembersResponse) -> Vec<GroupMember> {
    response
        .members
        .into_iter()
        .map(|m| GroupMember {
            account_id: m.account_id,
            display_name: m.display_name,
            role: m.role,
        })
        .collect()
}

#[uniffi::export(async_runtime = "tokio")]
impl Groups {
    /// Creates a group on the server (its space, with this person as
    /// facilitator) and here.
    pub async fn create_group(&self, new: NewGroup) -> Result<Group, PphError> {
        new.validate()?;
        let me = self.me()?;
        let (transport, token) = self.online()?;
        // The group's id is made from its founder's identity: it names
        // them, for every member's device to check (docs/adr/0020).
        let (account, identity) = self.identified.identity()?;
        let (id, founding) = admission::founding(&account, &identity);
        let req = wire::CreateGroupSpaceRequest {
            founding,
            space: id.clone(),
        };
        transport.create_group_space(&token, &req).await?;
        // Until the next sync describes it, this device knows the new group
        // as the server does: its creator runs it.
        let facts = SpaceFacts {
            space: id.clone(),
            kind: SpaceKind::Group,
            owner: me.account_id.clone(),
            facilitators: vec![me.account_id.clone()],
            clinicians: Vec::new(),
        };
        self.store.write(|tx| add_space(tx.tx, &facts))?;
        let group = Group {
            id: id.clone(),
            name: new.name.trim().to_owned(),
            purpose: new.purpose.trim().to_owned(),
            condition_focus: new.condition_focus.map(|c| c.trim().to_owned()),
            created_by: me.account_id,
            created_at: from_ms(self.clock.now_ms()),
        };
        self.store.write(|tx| tx.save(&id, None, &group))?;
        Ok(group)
    }

    /// A code that lets someone join, until `expires_at` (at most 30
    /// days); facilitators only. Its second half is drawn here and never
    /// reaches the relay: the key it gives signs the newcomer's admission,
    /// which every member's device checks.
    pub async fn invite_code(
        &self,
        group_id: String,
        expires_at: SystemTime,
    ) -> Result<GroupInvite, PphError> {
        check_id("group_id", &group_id)?;
        let expires_at_ms = to_ms("expires_at", expires_at)? as i64;
        let (transport, token) = self.online()?;
        let (account, identity) = self.identified.identity()?;
        let served = transport.keys(&token).await?;
        let own = served
            .spaces
            .iter()
            .filter(|s| s.space == group_id)
            .flat_map(|s| s.admissions.iter().cloned())
            .collect::<Vec<_>>();
        let secret = new_secret();
        let key = InviteKey::of(&secret, &group_id).ok_or_else(|| PphError::Internal {
            reason: "could not derive an invite's key".into(),
        })?;
        let signed =
            admission::invite(&account, &identity, &group_id, &own, &key).ok_or_else(|| {
                PphError::Conflict {
                    reason: "this group has no admission of yours that checks (a group made \
                         before admissions): make the group again to invite people"
                        .into(),
                }
            })?;
        let req = wire::CreateInviteRequest {
            expires_at_ms,
            invite: signed,
        };
        let invite = transport.create_invite(&token, &group_id, &req).await?;
        Ok(GroupInvite {
            code: admission::whole_code(&invite.code, &secret),
            group_id: invite.space,
            expires_at: from_ms_i64(invite.expires_at_ms),
        })
    }

    /// Stops a code from letting anyone else in; facilitators only.
    pub async fn revoke_invite(&self, group_id: String, code: String) -> Result<(), PphError> {
        check_id("group_id", &group_id)?;
        let (relay_half, _) = admission::halves(&code)?;
        let (transport, token) = self.online()?;
        transport
            .revoke_invite(&token, &group_id, &relay_half)
            .await
    }

    /// Joins the group a code belongs to and returns its id; the group's
    /// name and messages arrive with the next `sync_now`. The invite the
    /// relay serves for the code's first half is answered only if the
    /// second half's key signed it: a relay cannot show the newcomer
    /// another group, or another chain, than the code was made for.
    pub async fn join_group(&self, code: String) -> Result<String, PphError> {
        let (relay_half, secret) = admission::halves(&code)?;
        let (transport, token) = self.online()?;
        let invite = transport.invite(&token, &relay_half).await?;
        let key = InviteKey::of(&secret, &invite.space)
            .filter(|key| admission::is_the_codes(&invite, key))
            .ok_or_else(|| {
                PphError::validation(
                    "code",
                    "its second half does not match its first: check the whole code",
                )
            })?;
        let (account, identity) = self.identified.identity()?;
        let req = wire::JoinRequest {
            admission: admission::answer(&account, &identity, &key, &invite),
        };
        Ok(transport.join(&token, &relay_half, &req).await?.space)
    }

    pub async fn members(&self, group_id: String) -> Result<Vec<GroupMember>, PphError> {
        check_id("group_id", &group_id)?;
        let (transport, token) = self.online()?;
        Ok(group_members(transport.members(&token, &group_id).await?))
    }

    /// People a facilitator removed, who cannot rejoin with an invite code
    /// until let back; facilitators only.
    pub async fn removed_members(&self, group_id: String) -> Result<Vec<GroupMember>, PphError> {
        check_id("group_id", &group_id)?;
        let (transport, token) = self.online()?;
        Ok(group_members(
            transport.removed_members(&token, &group_id).await?,
        ))
    }

    /// Lets a removed person join again with an invite code; facilitators
    /// only.
    pub async fn readmit_member(
        &self,
        group_id: String,
        account_id: String,
    ) -> Result<(), PphError> {
        check_id("group_id", &group_id)?;
        check_id("account_id", &account_id)?;
        let (transport, token) = self.online()?;
        transport.readmit(&token, &group_id, &account_id).await
    }

    /// Leaves a group: nothing new arrives from it after this.
    pub async fn leave_group(&self, group_id: String) -> Result<(), PphError> {
        check_id("group_id", &group_id)?;
        let me = self.me()?.account_id;
        let (transport, token) = self.online()?;
        transport.remove_member(&token, &group_id, &me).await
    }

    /// A facilitator removes a member, who cannot rejoin until readmitted.
    pub async fn remove_member(
        &self,
        group_id: String,
        account_id: String,
    ) -> Result<(), PphError> {
        check_id("group_id", &group_id)?;
        check_id("account_id", &account_id)?;
        let (transport, token) = self.online()?;
        transport
            .remove_member(&token, &group_id, &account_id)
            .await
    }

    /// The groups on this device.
    pub fn groups(&self) -> Result<Vec<Group>, PphError> {
        Ok(self.store.read(store::groups)?)
    }

    /// Groups joined whose key has not reached this phone yet: a member's
    /// phone wraps it to a newcomer when it next syncs, and until then the
    /// group's name and messages cannot be opened here (show "waiting for
    /// the group to let you in"; sync again later).
    pub fn groups_waiting_for_key(&self) -> Result<u32, PphError> {
        Ok(self.store.read(store::groups_waiting_for_key)?)
    }

    /// Posts a message: stored at once (status Pending), sent with the next
    /// sync. Works offline.
    pub fn post_message(
        &self,
        group_id: String,
        body: String,
        reply_to: Option<String>,
    ) -> Result<ChatMessage, PphError> {
        check_body(&body)?;
        let group = self.group(&group_id)?;
        if let Some(reply_to) = &reply_to {
            let original = self.message(reply_to)?;
            if original.group_id != group.id {
                return Err(PphError::validation("reply_to", "is in another group"));
            }
        }
        let me = self.me()?;
        let message = Message {
            id: new_id(),
            group_id: group.id.clone(),
            author_id: me.account_id,
            author_name: me.display_name,
            body,
            reply_to,
            sent_at_ms: self.clock.now_ms(),
            edited: false,
            retracted: false,
        };
        self.store.write(|tx| tx.save(&group.id, None, &message))?;
        self.chat_message(&message.id)
    }

    pub fn edit_message(&self, message_id: String, body: String) -> Result<ChatMessage, PphError> {
        check_body(&body)?;
        let old = self.own_message(&message_id)?;
        let new = Message {
            body,
            edited: true,
            ..old.clone()
        };
        self.store
            .write(|tx| tx.save(&old.group_id, Some(&old), &new))?;
        self.chat_message(&message_id)
    }

    /// Takes a message back: its text is gone on every device, its place
    /// in the conversation stays.
    pub fn retract_message(&self, message_id: String) -> Result<(), PphError> {
        let old = self.own_message(&message_id)?;
        let new = Message {
            body: String::new(),
            retracted: true,
            ..old.clone()
        };
        Ok(self
            .store
            .write(|tx| tx.save(&old.group_id, Some(&old), &new))?)
    }

    /// Puts a failed message back in the outbox for the next sync.
    pub fn resend_message(&self, message_id: String) -> Result<ChatMessage, PphError> {
        self.own_message(&message_id)?;
        self.store.retry_refused(&message_id)?;
        self.chat_message(&message_id)
    }

    /// Drops a message that never reached the server (pending or failed).
    /// One already sent is retracted instead.
    pub fn discard_message(&self, message_id: String) -> Result<(), PphError> {
        self.own_message(&message_id)?;
        let discarded = self
            .store
            .write(|tx| store::discard_unsent(tx.tx, &message_id))?;
        if !discarded {
            return Err(PphError::validation(
                "message_id",
                "already sent: retract it instead",
            ));
        }
        Ok(())
    }

    /// Adds (`on`) or takes back this person's reaction to a message.
    pub fn react(&self, message_id: String, emoji: String, on: bool) -> Result<(), PphError> {
        check_emoji(&emoji)?;
        let message = self.message(&message_id)?;
        let me = self.me()?.account_id;
        let id = owned_id(&me, &[&message_id, &emoji]);
        Ok(self.store.write(|tx| {
            let old: Option<Reaction> = load(tx.tx, &id)?;
            let new = Reaction {
                id: id.clone(),
                message_id: message_id.clone(),
                group_id: message.group_id.clone(),
                account_id: me.clone(),
                emoji: emoji.clone(),
                active: on,
            };
            if old.as_ref() == Some(&new) {
                return Ok(());
            }
            tx.save(&message.group_id, old.as_ref(), &new)
        })?)
    }

    /// A page of messages, newest first; `before` is the previous page's
    /// `next`.
    pub fn messages(
        &self,
        group_id: String,
        limit: u32,
        before: Option<String>,
    ) -> Result<MessagePage, PphError> {
        check_id("group_id", &group_id)?;
        check_limit(limit)?;
        let before = Cursor::parse(before.as_deref())?;
        let me = self.me()?.account_id;
        Ok(self.store.read(|conn| {
            let rows =
                store::messages_before(conn, &group_id, Cursor::bound(before.as_ref()), limit)?;
            let next = next(&rows, limit, |m| Cursor {
                at_ms: m.sent_at_ms as i64,
                id: m.id.clone(),
            });
            let messages = rows
                .into_iter()
                .map(|m| self.chat(conn, m, &me))
                .collect::<error::Result<_>>()?;
            Ok(MessagePage { messages, next })
        })?)
    }

    /// Marks everything in the group read up to now; syncs to this
    /// person's other devices.
    pub fn mark_read(&self, group_id: String) -> Result<(), PphError> {
        let group = self.group(&group_id)?;
        let me = self.me()?.account_id;
        let id = owned_id(&me, &[&group.id]);
        let now = self.clock.now_ms();
        Ok(self.store.write(|tx| {
            let old: Option<ReadMark> = load(tx.tx, &id)?;
            let new = ReadMark {
                id: id.clone(),
                group_id: group.id.clone(),
                account_id: me.clone(),
                read_up_to_ms: now.max(old.as_ref().map_or(0, |o| o.read_up_to_ms)),
            };
            tx.save(&group.id, old.as_ref(), &new)
        })?)
    }

    /// Messages from others since this person last marked the group read.
    pub fn unread_count(&self, group_id: String) -> Result<u32, PphError> {
        check_id("group_id", &group_id)?;
        let me = self.me()?.account_id;
        let id = owned_id(&me, &[&group_id]);
        Ok(self.store.read(|conn| {
            let mark: Option<ReadMark> = load(conn, &id)?;
            store::unread(conn, &group_id, &me, mark.map_or(0, |m| m.read_up_to_ms))
        })?)
    }
}
