//! Care-plan records and their validation. Text is kept in the person's own
//! words: checked for presence and length, never rewritten.

use crate::error::PphError;
use crate::time::{check_offset, parse_date, MINUTES_PER_DAY};
use crate::validate::{
    names, optional_date, optional_text, required_text, MAX_LONG_TEXT, MAX_SHORT_TEXT,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

const MAX_EVERY_N_DAYS: u16 = 366;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Active,
    Paused,
    Closed,
}

/// The plan itself, without its children.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct PlanInfo {
    pub id: String,
    pub title: String,
    /// "What matters to me", in the person's own words.
    pub what_matters: String,
    pub status: PlanStatus,
    /// Local date `YYYY-MM-DD`.
    pub next_review: Option<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewPlan {
    pub title: String,
    pub what_matters: String,
    #[uniffi(default = None)]
    pub next_review: Option<String>,
}

#[derive(Clone, Default, uniffi::Record)]
pub struct PlanUpdate {
    #[uniffi(default = None)]
    pub title: Option<String>,
    #[uniffi(default = None)]
    pub what_matters: Option<String>,
    #[uniffi(default = None)]
    pub status: Option<PlanStatus>,
    #[uniffi(default = None)]
    pub next_review: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    Gp,
    Nurse,
    Pharmacist,
    Consultant,
    SocialWorker,
    /// A social prescribing link worker.
    LinkWorker,
    Peer,
    Carer,
    Family,
    Other,
}

impl ContactRole {
    /// As people read it: "gp", "link worker".
    pub(crate) fn words(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default()
    }
}

/// Someone in the person's support network.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Contact {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub role: ContactRole,
    /// How to reach them, as the person wrote it (a phone number, "via reception").
    pub reach: String,
    pub removed: bool,
}

#[derive(Clone, uniffi::Record)]
pub struct NewContact {
    pub name: String,
    pub role: ContactRole,
    pub reach: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    Proposed,
    Active,
    Achieved,
    Abandoned,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Goal {
    pub id: String,
    pub plan_id: String,
    /// The goal in the person's own words.
    pub description: String,
    /// Who expressed it: "me", or the name of someone in the support network.
    pub expressed_by: String,
    /// An optional measurable target, e.g. "walk to the shop 3 times a week".
    pub target: Option<String>,
    pub status: GoalStatus,
}

#[derive(Clone, uniffi::Record)]
pub struct NewGoal {
    pub description: String,
    pub expressed_by: String,
    #[uniffi(default = None)]
    pub target: Option<String>,
    /// Defaults to active; a goal suggested by someone else can start as proposed.
    #[uniffi(default = None)]
    pub status: Option<GoalStatus>,
}

#[derive(Clone, Default, uniffi::Record)]
pub struct GoalUpdate {
    #[uniffi(default = None)]
    pub description: Option<String>,
    #[uniffi(default = None)]
    pub target: Option<String>,
    #[uniffi(default = None)]
    pub status: Option<GoalStatus>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl From<chrono::Weekday> for Weekday {
    fn from(d: chrono::Weekday) -> Self {
        use chrono::Weekday as W;
        match d {
            W::Mon => Weekday::Mon,
            W::Tue => Weekday::Tue,
            W::Wed => Weekday::Wed,
            W::Thu => Weekday::Thu,
            W::Fri => Weekday::Fri,
            W::Sat => Weekday::Sat,
            W::Sun => Weekday::Sun,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Once, on the start date.
    Once,
    Daily,
    /// N times in each Monday-to-Sunday week, on whichever days suit.
    TimesPerWeek {
        times: u8,
    },
    /// On the chosen weekdays.
    OnWeekdays {
        days: Vec<Weekday>,
    },
    /// Every N days counted from the start date.
    EveryNDays {
        days: u16,
    },
}

/// A time-of-day window in minutes after local midnight, e.g. 540..600 for 9-10am.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct TimeWindow {
    pub start_minute: u16,
    pub end_minute: u16,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct Schedule {
    pub repeat: Repeat,
    /// Local date `YYYY-MM-DD` of the first possible occurrence.
    pub start: String,
    /// Optional last local date (inclusive).
    #[uniffi(default = None)]
    pub end: Option<String>,
    #[uniffi(default = None)]
    pub window: Option<TimeWindow>,
}

/// A schedule that applied until (not including) a local date.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct PastSchedule {
    pub schedule: Schedule,
    pub until: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum Responsible {
    Me,
    Contact { contact_id: String },
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Activity {
    pub id: String,
    pub plan_id: String,
    pub goal_id: String,
    pub description: String,
    pub responsible: Responsible,
    pub schedule: Schedule,
    /// Earlier schedules, oldest first, so adherence stays right after a change.
    pub past_schedules: Vec<PastSchedule>,
    /// Set when the activity is a referral to a community service: it then
    /// counts in adherence only from its acceptance.
    #[serde(default)]
    #[uniffi(default = None)]
    pub referral: Option<Referral>,
}

/// The kinds of community service a person is referred to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    WalkingGroup,
    DebtAdvice,
    Befriending,
    ArtsOnPrescription,
    Other,
}

/// A referral's lifecycle, as FHIR's Task statuses: requested, then
/// accepted or rejected (the person declined) or cancelled; accepted, then
/// in progress, completed or cancelled. The last three are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Requested,
    Accepted,
    Rejected,
    InProgress,
    Completed,
    Cancelled,
}

/// A social-prescribing referral: the care-plan activity it belongs to is
/// what the person does there (a weekly walk, three advice sessions).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct Referral {
    /// The named service, e.g. "Hilltop Walkers".
    pub service: String,
    pub kind: ServiceKind,
    /// The person themselves, or someone in their support network (a GP, a
    /// link worker).
    pub referred_by: Responsible,
    /// Local date `YYYY-MM-DD` the referral was made.
    pub requested_on: String,
    pub status: ReferralStatus,
    /// The person's words on the latest step (why they declined, how it went).
    pub status_note: Option<String>,
    pub accepted_on: Option<String>,
    /// When it was declined, completed or cancelled.
    pub ended_on: Option<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewReferral {
    pub service: String,
    pub kind: ServiceKind,
    pub referred_by: Responsible,
    /// Local date `YYYY-MM-DD` the referral was made.
    pub requested_on: String,
    /// What the person would do there, e.g. "Walk with the group".
    pub description: String,
    /// When they would go, once they accept it.
    pub schedule: Schedule,
}

impl NewReferral {
    pub(crate) fn validate(&self) -> Result<ScheduleRule, PphError> {
        required_text("service", &self.service, MAX_SHORT_TEXT)?;
        parse_date("requested_on", &self.requested_on)?;
        required_text("description", &self.description, MAX_LONG_TEXT)?;
        self.schedule.validate()
    }
}

/// A referral still open, as the consultation summary lists it.
#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct OpenReferral {
    pub activity_id: String,
    pub goal_id: String,
    pub description: String,
    pub referral: Referral,
}

#[derive(Clone, uniffi::Record)]
pub struct NewActivity {
    pub description: String,
    pub responsible: Responsible,
    pub schedule: Schedule,
}

#[derive(Clone, Default, uniffi::Record)]
pub struct ActivityUpdate {
    #[uniffi(default = None)]
    pub description: Option<String>,
    #[uniffi(default = None)]
    pub responsible: Option<Responsible>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, uniffi::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Skipped,
    Partly,
    Done,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Completion {
    pub id: String,
    pub plan_id: String,
    pub activity_id: String,
    pub occurred_at: SystemTime,
    pub utc_offset_minutes: i32,
    /// The person's local date when it happened.
    pub local_date: String,
    pub outcome: Outcome,
    pub note: Option<String>,
    /// An optional measured value (minutes walked, steps…).
    pub value: Option<f64>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewCompletion {
    pub occurred_at: SystemTime,
    pub utc_offset_minutes: i32,
    pub outcome: Outcome,
    #[uniffi(default = None)]
    pub note: Option<String>,
    #[uniffi(default = None)]
    pub value: Option<f64>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Review {
    pub id: String,
    pub plan_id: String,
    pub date: String,
    pub participants: Vec<String>,
    pub notes: String,
    pub outcome: String,
    pub next_review: Option<String>,
}

/// What the person decided about a proposed review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ProposalDecision {
    Accepted,
    Declined,
}

/// A review a clinician proposed from a consultation. It changes nothing
/// until the person accepts it (which records it as their review) or
/// declines it: the clinician proposes, the person agrees.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ReviewProposal {
    pub id: String,
    pub plan_id: String,
    /// The clinician's account, and their name as they signed up.
    pub proposed_by: String,
    pub proposer_name: String,
    pub proposed_at_ms: u64,
    pub date: String,
    pub participants: Vec<String>,
    pub notes: String,
    pub outcome: String,
    pub next_review: Option<String>,
    pub decision: Option<ProposalDecision>,
    pub decided_at_ms: Option<u64>,
    /// The review recorded on acceptance.
    pub review_id: Option<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewReview {
    pub date: String,
    pub participants: Vec<String>,
    pub notes: String,
    pub outcome: String,
    #[uniffi(default = None)]
    pub next_review: Option<String>,
}

/// A whole plan as the person (or, later, their clinician) sees it.
#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct CarePlan {
    pub info: PlanInfo,
    pub contacts: Vec<Contact>,
    pub goals: Vec<Goal>,
    pub activities: Vec<Activity>,
    pub reviews: Vec<Review>,
}

/// One field changed, when and on which device.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct PlanChange {
    pub at: SystemTime,
    pub device: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The field changed, or `*` when the record was created (the value then
    /// holds every field).
    pub field: String,
    /// The new value as JSON.
    pub value_json: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, uniffi::Record)]
pub struct AdherenceFigures {
    pub scheduled: u32,
    pub done: u32,
    pub partly: u32,
    pub skipped: u32,
    /// Not recorded at all.
    pub missed: u32,
    /// (done + half of partly) / scheduled; None when nothing was scheduled.
    pub ratio: Option<f64>,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct ActivityAdherence {
    pub activity_id: String,
    pub figures: AdherenceFigures,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct Adherence {
    pub from: String,
    pub to: String,
    pub overall: AdherenceFigures,
    pub activities: Vec<ActivityAdherence>,
}

// ---- validation ----

/// A schedule with its dates parsed, as adherence needs it.
#[derive(Clone, Debug)]
pub(crate) struct ScheduleRule {
    pub repeat: Repeat,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl Schedule {
    pub(crate) fn validate(&self) -> Result<ScheduleRule, PphError> {
        let start = parse_date("schedule.start", &self.start)?;
        let end = optional_date("schedule.end", self.end.as_deref())?;
        if end.is_some_and(|end| end < start) {
            return Err(PphError::validation("schedule.end", "is before the start"));
        }
        match &self.repeat {
            Repeat::TimesPerWeek { times } if !(1..=7).contains(times) => {
                return Err(PphError::validation(
                    "schedule.times",
                    "must be from 1 to 7 times a week",
                ))
            }
            Repeat::OnWeekdays { days } if days.is_empty() => {
                return Err(PphError::validation(
                    "schedule.days",
                    "choose at least one weekday",
                ))
            }
            Repeat::EveryNDays { days } if !(1..=MAX_EVERY_N_DAYS).contains(days) => {
                return Err(PphError::validation(
                    "schedule.every_n_days",
                    format!("must be from 1 to {MAX_EVERY_N_DAYS}"),
                ))
            }
            _ => {}
        }
        if let Some(w) = &self.window {
            if w.start_minute >= w.end_minute || w.end_minute > MINUTES_PER_DAY {
                return Err(PphError::validation(
                    "schedule.window",
                    "must start before it ends, within one day",
                ));
            }
        }
        Ok(ScheduleRule {
            repeat: self.repeat.clone(),
            start,
            end,
        })
    }
}

impl NewPlan {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("title", &self.title, MAX_SHORT_TEXT)?;
        optional_text("what_matters", Some(&self.what_matters), MAX_LONG_TEXT)?;
        optional_date("next_review", self.next_review.as_deref()).map(|_| ())
    }
}

impl PlanUpdate {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        if let Some(title) = &self.title {
            required_text("title", title, MAX_SHORT_TEXT)?;
        }
        optional_text("what_matters", self.what_matters.as_deref(), MAX_LONG_TEXT)?;
        optional_date("next_review", self.next_review.as_deref()).map(|_| ())
    }
}

impl NewContact {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("name", &self.name, MAX_SHORT_TEXT)?;
        optional_text("reach", Some(&self.reach), MAX_SHORT_TEXT)
    }
}

impl NewGoal {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("description", &self.description, MAX_LONG_TEXT)?;
        required_text("expressed_by", &self.expressed_by, MAX_SHORT_TEXT)?;
        optional_text("target", self.target.as_deref(), MAX_SHORT_TEXT)
    }
}

impl GoalUpdate {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        if let Some(d) = &self.description {
            required_text("description", d, MAX_LONG_TEXT)?;
        }
        optional_text("target", self.target.as_deref(), MAX_SHORT_TEXT)
    }
}

impl NewActivity {
    /// The schedule, parsed, once the activity is known to be valid.
    pub(crate) fn validate(&self) -> Result<ScheduleRule, PphError> {
        required_text("description", &self.description, MAX_LONG_TEXT)?;
        self.schedule.validate()
    }
}

impl ActivityUpdate {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        match &self.description {
            Some(d) => required_text("description", d, MAX_LONG_TEXT),
            None => Ok(()),
        }
    }
}

impl NewCompletion {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        check_offset("utc_offset_minutes", self.utc_offset_minutes)?;
        optional_text("note", self.note.as_deref(), MAX_LONG_TEXT)?;
        if self.value.is_some_and(|v| !v.is_finite()) {
            return Err(PphError::validation("value", "must be a finite number"));
        }
        Ok(())
    }
}

impl NewReview {
    /// The review's date, once the review is known to be valid.
    pub(crate) fn validate(&self) -> Result<NaiveDate, PphError> {
        let date = parse_date("date", &self.date)?;
        if optional_date("next_review", self.next_review.as_deref())?.is_some_and(|n| n <= date) {
            return Err(PphError::validation(
                "next_review",
                "must be after the review date",
            ));
        }
        names("participants", &self.participants)?;
        optional_text("notes", Some(&self.notes), MAX_LONG_TEXT)?;
        optional_text("outcome", Some(&self.outcome), MAX_LONG_TEXT)?;
        Ok(date)
    }
}

pph_protocol::debug_without_secrets!(
    PlanInfo,
    NewPlan,
    PlanUpdate,
    Contact,
    NewContact,
    Goal,
    NewGoal,
    GoalUpdate,
    Schedule,
    PastSchedule,
    Activity,
    Referral,
    NewReferral,
    OpenReferral,
    NewActivity,
    ActivityUpdate,
    Completion,
    NewCompletion,
    Review,
    ReviewProposal,
    NewReview,
    PlanChange,
    ActivityAdherence,
    Adherence,
);
