//! What a person sees first, and the reminders that bring them back: the
//! records of the Today screen, reminder rules and their settings (both
//! sync), and the occurrences the shells schedule.

use crate::care_plan::model::{Outcome, TimeWindow};
use crate::error::PphError;
use crate::groups::model::RsvpAnswer;
use crate::time::check_minute;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Longest gap a fixed-interval reminder may leave: a week.
const MAX_INTERVAL_MINUTES: u32 = 7 * 24 * 60;
/// Shortest: a reminder every quarter of an hour is already a lot.
const MIN_INTERVAL_MINUTES: u32 = 15;
/// Meetup and review reminders reach back at most this far.
const MAX_DAYS_BEFORE: u16 = 90;
const MAX_MINUTES_BEFORE: u32 = 7 * 24 * 60;
/// How many snoozed occurrences a rule remembers.
pub(crate) const MAX_SNOOZES: usize = 16;

/// One activity on the Today screen.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct TodayActivity {
    pub activity_id: String,
    pub plan_id: String,
    pub plan_title: String,
    pub description: String,
    pub window: Option<TimeWindow>,
    /// For an N-times-a-week activity: N, and how many days this week
    /// already have it done or partly done.
    pub times_per_week: Option<WeekProgress>,
    /// The best outcome recorded on the day so far; None: not yet.
    pub outcome: Option<Outcome>,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct WeekProgress {
    pub times: u8,
    pub done_this_week: u8,
}

/// A questionnaire asked for before a plan review (by a reminder rule).
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct DueQuestionnaire {
    pub code: String,
    pub plan_id: String,
    /// The review it prepares for, local date.
    pub review_date: String,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct TodayMeetup {
    pub meetup_id: String,
    pub group_id: String,
    pub group_name: String,
    pub title: String,
    pub starts_at: SystemTime,
    pub ends_at: SystemTime,
    /// When it starts on the person's clock, e.g. "Mon 30 Mar 2026 10:00 BST".
    pub starts_label: String,
    pub place: Option<String>,
    pub my_answer: Option<RsvpAnswer>,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ComingUpItem {
    PlanReview {
        plan_id: String,
        plan_title: String,
    },
    BudgetReview {
        budget_id: String,
        budget_name: String,
    },
    BudgetPeriodEnds {
        budget_id: String,
        budget_name: String,
    },
}

/// A date within the next fortnight worth knowing about.
#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct ComingUp {
    pub date: String,
    pub days_away: u32,
    pub item: ComingUpItem,
}

/// The Today screen: one call, rendered as it is by every shell.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct TodayView {
    /// Local date `YYYY-MM-DD`.
    pub date: String,
    /// Activities due that day, earliest window first.
    pub activities: Vec<TodayActivity>,
    /// Nothing is logged in the diary that day yet.
    pub diary_prompt: bool,
    pub questionnaires: Vec<DueQuestionnaire>,
    /// Meetups that day in the person's groups, soonest first (cancelled
    /// ones left out).
    pub meetups: Vec<TodayMeetup>,
    /// Plan and budget dates in the next 14 days, soonest first.
    pub coming_up: Vec<ComingUp>,
}

/// What a reminder rule is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReminderSubject {
    /// A care-plan activity, on the days its schedule makes it due.
    Activity { activity_id: String },
    /// A daily "how are you today?" while nothing is logged that day.
    DiaryPrompt,
    /// A questionnaire (e.g. PHQ-9) `days_before` each active plan's next
    /// review, until it is answered.
    QuestionnaireBeforeReview { code: String, days_before: u16 },
    /// Every meetup of the person's groups they have not declined.
    Meetups,
    /// Each budget's review, `days_before` it falls due.
    BudgetReview { days_before: u16 },
}

/// When, in time, a rule's reminders fall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReminderTiming {
    /// At this local clock time (minutes after midnight) on each day the
    /// item is due: 09:00 stays 09:00 across a clock change.
    ClockTime { minute: u16 },
    /// Every `every_minutes` from `anchor`, whatever the clock shows, on the
    /// days the item is due: 24 hours apart stays 24 hours apart, so the
    /// local time moves by an hour at a clock change.
    FixedInterval {
        #[serde(with = "crate::time::as_ms")]
        anchor: SystemTime,
        every_minutes: u32,
    },
    /// `minutes` before the item starts (meetups).
    BeforeStart { minutes: u32 },
}

/// What happens to a reminder that falls in the person's quiet hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum QuietHoursPolicy {
    /// Moved to the end of the quiet period.
    Defer,
    /// Not given at all.
    Drop,
}

/// One occurrence put off until later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct Snooze {
    /// The occurrence's key (`UpcomingReminder::key`).
    pub key: String,
    #[serde(rename = "until_ms", with = "crate::time::as_ms")]
    pub until: SystemTime,
}

/// A reminder rule: a record that syncs to the person's other devices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ReminderRule {
    pub id: String,
    pub subject: ReminderSubject,
    pub timing: ReminderTiming,
    pub quiet_hours: QuietHoursPolicy,
    pub enabled: bool,
    pub snoozes: Vec<Snooze>,
}

#[derive(Clone, Debug, uniffi::Record)]
pub struct NewReminder {
    pub subject: ReminderSubject,
    pub timing: ReminderTiming,
    #[uniffi(default = None)]
    pub quiet_hours: Option<QuietHoursPolicy>,
}

#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct ReminderUpdate {
    #[uniffi(default = None)]
    pub timing: Option<ReminderTiming>,
    #[uniffi(default = None)]
    pub quiet_hours: Option<QuietHoursPolicy>,
    #[uniffi(default = None)]
    pub enabled: Option<bool>,
}

/// Quiet hours in local clock minutes; the period may wrap midnight
/// (22:00 to 07:00 is `start_minute` 1320, `end_minute` 420).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct QuietHours {
    pub start_minute: u16,
    pub end_minute: u16,
}

/// The person's reminder settings, as the shells show and set them.
#[derive(Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ReminderSettings {
    /// IANA time-zone name, e.g. "Europe/London".
    pub time_zone: String,
    #[uniffi(default = None)]
    pub quiet_hours: Option<QuietHours>,
    /// Lock-screen text names the activity, questionnaire, meetup or budget;
    /// off by default, when it says only "Time for your plan" and the like.
    #[uniffi(default = false)]
    pub detailed_text: bool,
}

/// From when a time zone applied (the person travelled, or moved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ZoneSince {
    #[serde(rename = "since_ms", with = "crate::time::as_ms")]
    pub since: SystemTime,
    pub zone: String,
}

/// The stored settings: one record per person, with the zones recently in
/// force so that a trip never repeats or loses a day's reminder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReminderPrefs {
    pub id: String,
    /// Oldest first; the last is the zone now.
    pub zones: Vec<ZoneSince>,
    pub quiet_hours: Option<QuietHours>,
    pub detailed_text: bool,
}

/// Why an occurrence is not at its plain time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ReminderShift {
    /// Its clock time does not exist that day (the hour skipped in spring):
    /// it falls at the moment the clocks go forward.
    ClockChange,
    /// Moved to the end of the quiet hours.
    QuietHours,
    /// The person snoozed it.
    Snoozed,
    /// The clock passed its time as the person changed time zone: it falls
    /// at the change.
    TimeZoneChange,
}

/// One reminder to schedule.
#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct UpcomingReminder {
    /// Stable for the same occurrence across calls: the shell's
    /// notification id, and what `snooze` takes.
    pub key: String,
    pub rule_id: String,
    pub at: SystemTime,
    /// The local wall-clock time it falls at, e.g. "Sun 29 Mar 2026 09:00 BST".
    pub local_label: String,
    /// The local date of the item it is for.
    pub for_date: String,
    /// For the lock screen: generic unless the person turned detailed text on.
    pub title: String,
    pub subject: ReminderSubject,
    /// The activity, meetup, questionnaire or budget it is about.
    pub item_id: String,
    pub shifted: Option<ReminderShift>,
}

impl ReminderSubject {
    fn validate(&self) -> Result<(), PphError> {
        match self {
            ReminderSubject::Activity { activity_id } => {
                crate::ids::check_id("subject.activity_id", activity_id)
            }
            ReminderSubject::QuestionnaireBeforeReview { code, days_before } => {
                crate::validate::required_text("subject.code", code, 40)?;
                days_before_in_range(*days_before)
            }
            ReminderSubject::BudgetReview { days_before } => days_before_in_range(*days_before),
            ReminderSubject::DiaryPrompt | ReminderSubject::Meetups => Ok(()),
        }
    }

    fn starts_at_an_instant(&self) -> bool {
        matches!(self, ReminderSubject::Meetups)
    }
}

fn days_before_in_range(days: u16) -> Result<(), PphError> {
    if days > MAX_DAYS_BEFORE {
        return Err(PphError::validation(
            "subject.days_before",
            format!("at most {MAX_DAYS_BEFORE} days"),
        ));
    }
    Ok(())
}

impl ReminderTiming {
    /// Checks the timing on its own and against what it is for.
    pub(crate) fn validate(&self, subject: &ReminderSubject) -> Result<(), PphError> {
        match self {
            ReminderTiming::ClockTime { minute } => check_minute("timing.minute", *minute)?,
            ReminderTiming::FixedInterval { every_minutes, .. } => {
                if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(every_minutes) {
                    return Err(PphError::validation(
                        "timing.every_minutes",
                        format!(
                            "must be from {MIN_INTERVAL_MINUTES} minutes to {MAX_INTERVAL_MINUTES} (a week)"
                        ),
                    ));
                }
            }
            ReminderTiming::BeforeStart { minutes } => {
                if *minutes > MAX_MINUTES_BEFORE {
                    return Err(PphError::validation(
                        "timing.minutes",
                        "at most a week before",
                    ));
                }
            }
        }
        let before_start = matches!(self, ReminderTiming::BeforeStart { .. });
        if before_start != subject.starts_at_an_instant() {
            return Err(PphError::validation(
                "timing",
                if before_start {
                    "only meetups have a start to remind before; use a clock time"
                } else {
                    "meetup reminders are set in minutes before the start"
                },
            ));
        }
        Ok(())
    }
}

impl NewReminder {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        self.subject.validate()?;
        self.timing.validate(&self.subject)
    }
}

impl QuietHours {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        check_minute("quiet_hours.start_minute", self.start_minute)?;
        check_minute("quiet_hours.end_minute", self.end_minute)?;
        if self.start_minute == self.end_minute {
            return Err(PphError::validation(
                "quiet_hours",
                "start and end are the same; turn quiet hours off instead",
            ));
        }
        Ok(())
    }

    /// Whether a local clock minute falls in the quiet period.
    pub(crate) fn contains(&self, minute: u16) -> bool {
        if self.start_minute < self.end_minute {
            (self.start_minute..self.end_minute).contains(&minute)
        } else {
            minute >= self.start_minute || minute < self.end_minute
        }
    }
}

pph_protocol::debug_without_secrets!(
    TodayActivity,
    DueQuestionnaire,
    TodayMeetup,
    TodayView,
    ReminderSettings,
    UpcomingReminder,
);
