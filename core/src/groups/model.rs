//! Peer-group records and their validation.

use crate::care_plan::model::{optional_text, required_text};
use crate::error::PphError;
use serde::{Deserialize, Serialize};

pub(crate) const MAX_NAME: usize = 100;
pub(crate) const MAX_PURPOSE: usize = 1_000;
pub(crate) const MAX_BODY: usize = 4_000;
pub(crate) const MAX_EMOJI: usize = 16;

/// A peer group. Its id is its space's id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub purpose: String,
    /// e.g. "COPD", "low mood"; free text.
    pub condition_focus: Option<String>,
    pub created_by: String,
    pub created_at_ms: u64,
}

#[derive(Clone, Debug, uniffi::Record)]
pub struct NewGroup {
    pub name: String,
    pub purpose: String,
    #[uniffi(default = None)]
    pub condition_focus: Option<String>,
}

impl NewGroup {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("name", &self.name, MAX_NAME)?;
        optional_text("purpose", Some(&self.purpose), MAX_PURPOSE)?;
        optional_text("condition_focus", self.condition_focus.as_deref(), MAX_NAME)
    }
}

/// A chat message as stored and synced. Retracting empties the body and
/// keeps the message's place in the conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub group_id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub reply_to: Option<String>,
    pub sent_at_ms: u64,
    pub edited: bool,
    pub retracted: bool,
}

/// One person's reaction to a message; its id is derived from (message,
/// person, emoji), so reacting twice on two devices is one reaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub id: String,
    pub message_id: String,
    pub group_id: String,
    pub account_id: String,
    pub emoji: String,
    pub active: bool,
}

/// How far one person has read a group; id derived from (group, person).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadMark {
    pub id: String,
    pub group_id: String,
    pub account_id: String,
    pub read_up_to_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MessageStatus {
    /// Written here and not yet acknowledged by the server: shown at once,
    /// sent on the next sync.
    Pending,
    Sent,
    /// The server refused it (see `failure`): resend or discard it.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u32,
    /// This person is among them.
    pub mine: bool,
}

/// A message as the chat screen shows it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChatMessage {
    pub id: String,
    pub group_id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub reply_to: Option<String>,
    pub sent_at_ms: u64,
    pub edited: bool,
    pub retracted: bool,
    pub mine: bool,
    pub status: MessageStatus,
    /// Why the server refused it, when `status` is Failed.
    pub failure: Option<String>,
    pub reactions: Vec<ReactionCount>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MessagePage {
    /// Newest first.
    pub messages: Vec<ChatMessage>,
    /// Pass back as `before` for the next (older) page; None at the start.
    pub next: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MemberRole {
    Member,
    Facilitator,
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GroupMember {
    pub account_id: String,
    pub display_name: String,
    pub role: MemberRole,
}

#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GroupInvite {
    /// Ten letters and digits to read out or send; case and dashes ignored.
    pub code: String,
    pub group_id: String,
    pub expires_at_ms: i64,
}

pub(crate) fn check_body(body: &str) -> Result<(), PphError> {
    required_text("body", body, MAX_BODY)
}

pub(crate) fn check_emoji(emoji: &str) -> Result<(), PphError> {
    required_text("emoji", emoji, MAX_EMOJI)
}

/// A stable id for a record that exists once per combination of parts.
pub(crate) fn derived_id(parts: &[&str]) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, parts.join("\u{1f}").as_bytes()).to_string()
}
