//! Peer-group records and their validation.

use crate::error::PphError;
use crate::time::to_ms;
use crate::validate::{optional_text, required_text};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

pub(crate) const MAX_NAME: usize = 100;
pub(crate) const MAX_PURPOSE: usize = 1_000;
pub(crate) const MAX_BODY: usize = 4_000;
pub(crate) const MAX_EMOJI: usize = 16;

/// A peer group. Its id is its space's id.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub purpose: String,
    /// e.g. "COPD", "low mood"; free text.
    pub condition_focus: Option<String>,
    pub created_by: String,
    #[serde(rename = "created_at_ms", with = "crate::time::as_ms")]
    pub created_at: SystemTime,
}

#[derive(Clone, uniffi::Record)]
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
#[derive(Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub id: String,
    pub message_id: String,
    pub group_id: String,
    pub account_id: String,
    pub emoji: String,
    pub active: bool,
}

/// How far one person has read a group; id derived from (group, person).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadMark {
    pub id: String,
    pub group_id: String,
    pub account_id: String,
    pub read_up_to_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Written here and not yet acknowledged by the server: shown at once,
    /// sent on the next sync.
    Pending,
    Sent,
    /// The server refused it (see `failure`): resend or discard it.
    Failed,
}

#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u32,
    /// This person is among them.
    pub mine: bool,
}

/// A message as the chat screen shows it.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct ChatMessage {
    pub id: String,
    pub group_id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub reply_to: Option<String>,
    pub sent_at: SystemTime,
    pub edited: bool,
    pub retracted: bool,
    pub mine: bool,
    /// Hidden by a facilitator: the body is not shown (empty here).
    pub hidden: bool,
    pub status: MessageStatus,
    /// Why the server refused it, when `status` is Failed.
    pub failure: Option<String>,
    pub reactions: Vec<ReactionCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct MessagePage {
    /// Newest first.
    pub messages: Vec<ChatMessage>,
    /// Pass back as `before` for the next (older) page; None at the start.
    pub next: Option<String>,
}

/// A member's standing in a group: the wire's `GroupRole`.
pub type MemberRole = pph_protocol::wire::GroupRole;

#[uniffi::remote(Enum)]
enum MemberRole {
    Member,
    Facilitator,
}

#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct GroupMember {
    pub account_id: String,
    pub display_name: String,
    pub role: MemberRole,
}

#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct GroupInvite {
    /// Ten letters and digits to read out or send; case and dashes ignored.
    pub code: String,
    pub group_id: String,
    pub expires_at: SystemTime,
}

pub(crate) fn check_body(body: &str) -> Result<(), PphError> {
    required_text("body", body, MAX_BODY)
}

pub(crate) fn check_emoji(emoji: &str) -> Result<(), PphError> {
    required_text("emoji", emoji, MAX_EMOJI)
}

// ---- meetups ----

pub(crate) const MAX_NOTES: usize = 2_000;
pub(crate) const MAX_CAPACITY: u32 = 10_000;

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Meetup {
    pub id: String,
    pub group_id: String,
    pub title: String,
    #[serde(rename = "starts_at_ms", with = "crate::time::as_ms")]
    pub starts_at: SystemTime,
    #[serde(rename = "ends_at_ms", with = "crate::time::as_ms")]
    pub ends_at: SystemTime,
    pub place: Option<String>,
    pub online_link: Option<String>,
    /// Beyond it, "yes" answers wait in line, in the order given.
    pub capacity: Option<u32>,
    pub notes: String,
    pub created_by: String,
    pub cancelled: bool,
    /// Set when the time changed after the meetup was announced.
    pub rescheduled: bool,
}

#[derive(Clone, uniffi::Record)]
pub struct NewMeetup {
    pub title: String,
    pub starts_at: SystemTime,
    pub ends_at: SystemTime,
    #[uniffi(default = None)]
    pub place: Option<String>,
    #[uniffi(default = None)]
    pub online_link: Option<String>,
    #[uniffi(default = None)]
    pub capacity: Option<u32>,
    #[uniffi(default = "")]
    pub notes: String,
}

impl NewMeetup {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("title", &self.title, MAX_NAME)?;
        check_times(self.starts_at, self.ends_at)?;
        optional_text("place", self.place.as_deref(), MAX_NAME)?;
        optional_text("online_link", self.online_link.as_deref(), MAX_PURPOSE)?;
        if self.place.is_none() && self.online_link.is_none() {
            return Err(PphError::validation(
                "place",
                "give a place or an online link",
            ));
        }
        if self.capacity.is_some_and(|c| c == 0 || c > MAX_CAPACITY) {
            return Err(PphError::validation(
                "capacity",
                format!("must be 1 to {MAX_CAPACITY}"),
            ));
        }
        optional_text("notes", Some(&self.notes), MAX_NOTES)
    }
}

pub(crate) fn check_times(starts_at: SystemTime, ends_at: SystemTime) -> Result<(), PphError> {
    to_ms("starts_at", starts_at)?;
    to_ms("ends_at", ends_at)?;
    if ends_at <= starts_at {
        return Err(PphError::validation("ends_at", "must be after the start"));
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum RsvpAnswer {
    Yes,
    No,
    Maybe,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Rsvp {
    pub id: String,
    pub meetup_id: String,
    pub group_id: String,
    pub account_id: String,
    pub display_name: String,
    pub answer: RsvpAnswer,
    /// When this person first said yes (their place in the queue); kept
    /// while the answer stays yes.
    pub yes_since_ms: Option<u64>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    pub id: String,
    pub meetup_id: String,
    pub group_id: String,
    pub account_id: String,
    pub attended: bool,
    pub recorded_by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum MeetupPlace {
    /// Among the first `capacity` yes answers (or no limit).
    Going,
    /// A yes beyond capacity: `position` 1 is next in.
    Waitlisted {
        position: u32,
    },
    NotGoing,
}

/// A meetup as the group sees it.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct MeetupView {
    pub meetup: Meetup,
    pub yes: u32,
    pub no: u32,
    pub maybe: u32,
    /// Names of those with a place, in the order they said yes.
    pub going: Vec<String>,
    /// Names of those waiting for a place, in order.
    pub waitlist: Vec<String>,
    pub my_answer: Option<RsvpAnswer>,
    pub my_place: MeetupPlace,
    /// Attendance as recorded by a facilitator (account ids present).
    pub attended: Vec<String>,
}

// ---- moderation ----

/// A member asks the facilitators to look at a message.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub message_id: String,
    pub group_id: String,
    pub account_id: String,
    pub reason: String,
}

/// A facilitator hides a message for everyone. The server stops serving
/// the message's content once it has this.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Hidden {
    pub id: String,
    pub message_id: String,
    pub group_id: String,
    pub hidden_by: String,
}

/// A reported message, for the facilitator's queue.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct ReportedMessage {
    pub message: ChatMessage,
    pub reasons: Vec<String>,
}

pph_protocol::debug_without_secrets!(
    Group,
    NewGroup,
    Message,
    Reaction,
    ReadMark,
    ReactionCount,
    ChatMessage,
    GroupMember,
    GroupInvite,
    Meetup,
    NewMeetup,
    Rsvp,
    Attendance,
    MeetupView,
    Report,
    Hidden,
    ReportedMessage,
);
