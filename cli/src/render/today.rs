//! The Today screen and reminders as the terminal shows them.

use super::{clock, instant, lines, window};
use crate::out::Show;
use pph_core::{
    ComingUpItem, Outcome, ReminderRule, ReminderSettings, ReminderShift, ReminderSubject,
    ReminderTiming, TodayView, UpcomingReminder,
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(transparent)]
pub struct Rules(pub Vec<ReminderRule>);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Upcoming(pub Vec<UpcomingReminder>);

fn outcome(o: Option<Outcome>) -> &'static str {
    match o {
        None => "[ ]",
        Some(Outcome::Done) => "[x]",
        Some(Outcome::Partly) => "[~]",
        Some(Outcome::Skipped) => "[-]",
    }
}

impl Show for TodayView {
    fn text(&self) -> String {
        let mut out = format!("Today, {}\n", self.date);
        if self.activities.is_empty() {
            out.push_str("  Nothing in your plan today.\n");
        }
        for a in &self.activities {
            let hours = a
                .window
                .as_ref()
                .map_or(String::new(), |w| format!(" {}", window(w)));
            let week = a.times_per_week.as_ref().map_or(String::new(), |w| {
                format!(" ({} of {} this week)", w.done_this_week, w.times)
            });
            out.push_str(&format!(
                "  {} {}{hours}{week}\n",
                outcome(a.outcome),
                a.description
            ));
        }
        if self.diary_prompt {
            out.push_str("  How are you today? Nothing is in your diary yet.\n");
        }
        for q in &self.questionnaires {
            out.push_str(&format!(
                "  Questionnaire {} before your review on {}\n",
                q.code, q.review_date
            ));
        }
        for m in &self.meetups {
            out.push_str(&format!(
                "  Meetup: {} ({}) at {}\n",
                m.title, m.group_name, m.starts_label
            ));
        }
        for c in &self.coming_up {
            let what = match &c.item {
                ComingUpItem::PlanReview { plan_title, .. } => format!("review of {plan_title}"),
                ComingUpItem::BudgetReview { budget_name, .. } => {
                    format!("budget review: {budget_name}")
                }
                ComingUpItem::BudgetPeriodEnds { budget_name, .. } => {
                    format!("budget period ends: {budget_name}")
                }
            };
            out.push_str(&format!(
                "  Coming up on {} (in {} days): {what}\n",
                c.date, c.days_away
            ));
        }
        out
    }
}

fn subject(s: &ReminderSubject) -> String {
    match s {
        ReminderSubject::Activity { activity_id } => format!("activity {activity_id}"),
        ReminderSubject::DiaryPrompt => "diary prompt".into(),
        ReminderSubject::QuestionnaireBeforeReview { code, days_before } => {
            format!("{code}, {days_before} days before each review")
        }
        ReminderSubject::Meetups => "meetups".into(),
        ReminderSubject::BudgetReview { days_before } => {
            format!("budget reviews, {days_before} days before")
        }
    }
}

fn timing(t: &ReminderTiming) -> String {
    match t {
        ReminderTiming::ClockTime { minute } => format!("at {} (same clock time)", clock(*minute)),
        ReminderTiming::FixedInterval {
            anchor,
            every_minutes,
        } => format!(
            "every {every_minutes} minutes from {} (fixed interval)",
            instant(*anchor)
        ),
        ReminderTiming::BeforeStart { minutes } => format!("{minutes} minutes before"),
    }
}

impl Show for Rules {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No reminders.\n".into();
        }
        lines(&self.0, |r| {
            format!(
                "{} {}: {}, {}{}",
                r.id,
                subject(&r.subject),
                timing(&r.timing),
                match r.quiet_hours {
                    pph_core::QuietHoursPolicy::Defer => "deferred in quiet hours",
                    pph_core::QuietHoursPolicy::Drop => "dropped in quiet hours",
                },
                if r.enabled { "" } else { " (off)" }
            )
        })
    }
}

impl Show for Upcoming {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No reminders coming up.\n".into();
        }
        lines(&self.0, |r| {
            let why = match r.shifted {
                None => "",
                Some(ReminderShift::ClockChange) => " (the clocks went forward past its time)",
                Some(ReminderShift::QuietHours) => " (after quiet hours)",
                Some(ReminderShift::Snoozed) => " (snoozed)",
                Some(ReminderShift::TimeZoneChange) => " (on arrival in a new time zone)",
            };
            format!(
                "{}  {}  for {}{why}  [{}]",
                r.local_label, r.title, r.for_date, r.key
            )
        })
    }
}

impl Show for ReminderSettings {
    fn text(&self) -> String {
        format!(
            "Time zone {}; quiet hours {}; lock-screen text {}\n",
            self.time_zone,
            self.quiet_hours.as_ref().map_or("off".into(), |q| format!(
                "{}-{}",
                clock(q.start_minute),
                clock(q.end_minute)
            )),
            if self.detailed_text {
                "names the item"
            } else {
                "generic"
            }
        )
    }
}
