//! Timebank records (a group's settings, offers and requests, exchanges of
//! time) and what the screens show of them.

use crate::error::PphError;
use crate::time::parse_date;
use crate::validate::{optional_text, required_text, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// One exchange is at most a long day's help.
pub(crate) const MAX_EXCHANGE_MINUTES: u32 = 24 * 60;
/// Limits a group may set: within a year of full days either way.
pub(crate) const MAX_LIMIT_MINUTES: i64 = 365 * 24 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum TimeCategory {
    /// Lifts, accompanying someone to an appointment or a walk.
    Transport,
    Shopping,
    /// Company, a chat, a phone call: befriending.
    Company,
    HomeAndGarden,
    /// Forms, letters, benefits, booking things online.
    Paperwork,
    /// Teaching or sharing a skill.
    Skills,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// "I can drive two people to the Thursday walk".
    Offer,
    /// "Help with my shopping after rehab".
    Request,
}

/// What the group's facilitator last shared of the timebank as a whole
/// (members see only their own exchanges, so the group learns its totals
/// from the one person who sees them all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct TimebankTotals {
    /// Time given and confirmed, all members together.
    pub minutes: u64,
    pub exchanges: u32,
    /// Members who gave or received time.
    pub members: u32,
    #[serde(rename = "as_of_ms", with = "crate::time::as_ms")]
    pub as_of: SystemTime,
}

/// A group's timebank: one record per group, set by its facilitators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct TimebankSettings {
    pub id: String,
    pub group_id: String,
    pub on: bool,
    /// A balance may not go below this (e.g. -600: ten hours owed).
    pub lower_limit_minutes: i64,
    /// A balance may not go above this (e.g. 2400: forty hours banked).
    pub upper_limit_minutes: i64,
    pub set_by: String,
    pub totals: Option<TimebankTotals>,
}

#[derive(Clone, Debug, uniffi::Record)]
pub struct TimebankRules {
    pub on: bool,
    pub lower_limit_minutes: i64,
    pub upper_limit_minutes: i64,
}

impl TimebankRules {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        if !(-MAX_LIMIT_MINUTES..=0).contains(&self.lower_limit_minutes) {
            return Err(PphError::validation(
                "lower_limit_minutes",
                format!("must be from -{MAX_LIMIT_MINUTES} to 0"),
            ));
        }
        if !(0..=MAX_LIMIT_MINUTES).contains(&self.upper_limit_minutes) {
            return Err(PphError::validation(
                "upper_limit_minutes",
                format!("must be from 0 to {MAX_LIMIT_MINUTES}"),
            ));
        }
        Ok(())
    }
}

/// An offer or a request, seen by the whole group.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct TimebankPost {
    pub id: String,
    pub group_id: String,
    pub author_id: String,
    pub author_name: String,
    pub kind: PostKind,
    pub category: TimeCategory,
    pub text: String,
    /// One of the author's own care-plan goals it serves; only an id, which
    /// no one else's store can resolve.
    pub goal_id: Option<String>,
    #[serde(rename = "created_at_ms", with = "crate::time::as_ms")]
    pub created_at: SystemTime,
    pub closed: bool,
}

#[derive(Clone, uniffi::Record)]
pub struct NewPost {
    pub kind: PostKind,
    pub category: TimeCategory,
    pub text: String,
    #[uniffi(default = None)]
    pub goal_id: Option<String>,
}

impl NewPost {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("text", &self.text, MAX_LONG_TEXT)
    }
}

/// Time given by one member to another. Never edited: the receiver
/// confirms it, the giver may withdraw it while it is pending, and a
/// mistake is reversed by a second exchange the other way.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub id: String,
    pub group_id: String,
    pub giver_id: String,
    pub giver_name: String,
    pub receiver_id: String,
    pub receiver_name: String,
    pub minutes: u32,
    pub category: TimeCategory,
    /// The local date the time was given.
    pub on_date: String,
    pub note: String,
    /// The post it answered, if any.
    pub post_id: Option<String>,
    /// The exchange this one reverses.
    pub reverses: Option<String>,
    pub created_at_ms: u64,
    pub confirmed_at_ms: Option<u64>,
    pub withdrawn_at_ms: Option<u64>,
}

impl Exchange {
    pub(crate) fn state(&self) -> ExchangeState {
        ExchangeState::of(
            self.confirmed_at_ms.is_some(),
            self.withdrawn_at_ms.is_some(),
        )
    }
}

#[derive(Clone, uniffi::Record)]
pub struct NewExchange {
    /// The member who received the time.
    pub receiver_id: String,
    /// Their name as the group knows it (from `groups().members()`).
    pub receiver_name: String,
    pub minutes: u32,
    pub category: TimeCategory,
    /// Local date `YYYY-MM-DD`.
    pub on_date: String,
    #[uniffi(default = "")]
    pub note: String,
    #[uniffi(default = None)]
    pub post_id: Option<String>,
}

impl NewExchange {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        crate::ids::check_id("receiver_id", &self.receiver_id)?;
        required_text("receiver_name", &self.receiver_name, MAX_SHORT_TEXT)?;
        check_minutes(self.minutes)?;
        parse_date("on_date", &self.on_date)?;
        optional_text("note", Some(&self.note), MAX_LONG_TEXT)
    }
}

pub(crate) fn check_minutes(minutes: u32) -> Result<(), PphError> {
    if !(1..=MAX_EXCHANGE_MINUTES).contains(&minutes) {
        return Err(PphError::validation(
            "minutes",
            format!("must be from 1 to {MAX_EXCHANGE_MINUTES} whole minutes"),
        ));
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeState {
    /// Waiting for the receiver to confirm it.
    Pending,
    /// Counted in both balances, for good.
    Confirmed,
    /// Taken back by the giver before it was confirmed.
    Withdrawn,
}

impl ExchangeState {
    /// From the two facts its parties set. A confirmation wins over a
    /// withdrawal made at the same time offline: the receiver relied on
    /// it, and the giver can still have it reversed.
    pub(crate) fn of(confirmed: bool, withdrawn: bool) -> Self {
        match (confirmed, withdrawn) {
            (true, _) => ExchangeState::Confirmed,
            (false, true) => ExchangeState::Withdrawn,
            (false, false) => ExchangeState::Pending,
        }
    }
}

/// An exchange as this person's history shows it.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct ExchangeView {
    pub id: String,
    pub group_id: String,
    pub giver_id: String,
    pub giver_name: String,
    pub receiver_id: String,
    pub receiver_name: String,
    pub minutes: u32,
    pub category: TimeCategory,
    pub on_date: String,
    pub note: String,
    pub post_id: Option<String>,
    pub reverses: Option<String>,
    pub recorded_at: SystemTime,
    pub state: ExchangeState,
    /// What it does to this person's balance once confirmed: + given,
    /// - received, 0 for someone else's (a facilitator's view).
    pub my_minutes: i64,
    /// This person may confirm it now (its receiver, while pending).
    pub can_confirm: bool,
    /// This person may withdraw it now (its giver, while pending).
    pub can_withdraw: bool,
    /// This person may reverse it now (its receiver, once confirmed, if not
    /// reversed already).
    pub can_reverse: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct ExchangePage {
    /// Newest recorded first.
    pub exchanges: Vec<ExchangeView>,
    /// Pass back as `before` for the next (older) page; None at the end.
    pub next: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct MemberBalance {
    pub account_id: String,
    pub display_name: String,
    /// Confirmed time given minus confirmed time received.
    pub minutes: i64,
    /// Outside the group's limits (exchanges confirmed offline at the same
    /// time can take a balance past a limit each device checked).
    pub beyond_limits: bool,
}

/// The timebank screen of a group.
#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct TimebankOverview {
    pub group_id: String,
    /// None until a facilitator sets the timebank up.
    pub settings: Option<TimebankSettings>,
    pub my_balance: MemberBalance,
    /// Open offers and requests, newest first.
    pub offers: Vec<TimebankPost>,
    pub requests: Vec<TimebankPost>,
    /// Exchanges waiting for this person to confirm them.
    pub to_confirm: Vec<ExchangeView>,
    /// Exchanges this person gave, waiting for the other to confirm.
    pub awaiting_others: Vec<ExchangeView>,
}

pph_protocol::debug_without_secrets!(
    TimebankPost,
    NewPost,
    Exchange,
    NewExchange,
    ExchangeView,
    MemberBalance,
);
