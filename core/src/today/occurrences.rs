//! Reminder rules expanded into the occurrences the shells schedule: each
//! rule on each day its item is still to do, at its clock time or on its
//! fixed interval (`wall_clock` settles skipped, repeated and jumped-over
//! times), then quiet hours (deferred to their end or dropped, per rule),
//! then snoozes. Pure: no database, no system clock.

use super::facts::{DueItem, Facts};
use super::model::{
    QuietHours, QuietHoursPolicy, ReminderRule, ReminderShift, ReminderSubject, ReminderTiming,
    UpcomingReminder,
};
use super::wall_clock::LocalClock;
use crate::time::{from_ms_i64, ms_i64};
use chrono::{Duration, NaiveDate, NaiveTime};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// How far ahead reminders are looked for: a yearly budget review still
/// shows up.
const HORIZON_DAYS: i64 = 400;
/// Days before `from` whose reminders can still fall after it (moved by
/// quiet hours, or by a journey).
const LOOK_BACK_DAYS: i64 = 2;
/// Quiet-hours deferrals of one occurrence (more than one only on a journey).
const MAX_DEFERRALS: usize = 4;

pub(crate) struct Expansion<'a> {
    pub clock: &'a LocalClock,
    pub quiet: Option<&'a QuietHours>,
    pub detailed: bool,
    pub facts: &'a Facts,
}

/// One occurrence before it is dressed for the shell.
struct Occurrence {
    key: String,
    at: i64,
    for_date: NaiveDate,
    item_id: String,
    detail: String,
    shifted: Option<ReminderShift>,
}

/// What a lock screen says when the person has not asked for detail.
fn generic_title(subject: &ReminderSubject) -> &'static str {
    match subject {
        ReminderSubject::Activity { .. } => "Time for your plan",
        ReminderSubject::DiaryPrompt => "How are you today?",
        ReminderSubject::QuestionnaireBeforeReview { .. } => "A check-in is waiting for you",
        ReminderSubject::Meetups => "A meetup is coming up",
        ReminderSubject::BudgetReview { .. } => "A review date is coming up",
    }
}

/// The occurrences at or after `from`, one per rule, item and instant:
/// deferred to the end of quiet hours, several can meet, and they are given
/// once, as the one that was not moved, else the latest day's.
struct Found<'r> {
    from: i64,
    by_slot: HashMap<(&'r str, String, i64), (Occurrence, &'r ReminderRule)>,
}

impl<'r> Found<'r> {
    fn new(from: i64) -> Self {
        Found {
            from,
            by_slot: HashMap::new(),
        }
    }

    fn add(&mut self, o: Occurrence, rule: &'r ReminderRule) {
        if o.at < self.from {
            return;
        }
        let slot = (rule.id.as_str(), o.item_id.clone(), o.at);
        match self.by_slot.entry(slot) {
            Entry::Vacant(e) => {
                e.insert((o, rule));
            }
            Entry::Occupied(mut e) => {
                let kept = &e.get().0;
                let better =
                    (o.shifted.is_none(), o.for_date) > (kept.shifted.is_none(), kept.for_date);
                if better {
                    e.insert((o, rule));
                }
            }
        }
    }

    /// The instant of the `n`-th soonest, if there are that many.
    fn nth_at(&self, n: usize) -> Option<i64> {
        let mut ats: Vec<i64> = self.by_slot.keys().map(|(_, _, at)| *at).collect();
        if n == 0 || ats.len() < n {
            return None;
        }
        ats.select_nth_unstable(n - 1);
        Some(ats[n - 1])
    }

    fn soonest(self, limit: usize) -> Vec<(Occurrence, &'r ReminderRule)> {
        let mut all: Vec<_> = self.by_slot.into_values().collect();
        crate::order::sort_by(&mut all, |(a, _), (b, _)| {
            a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key))
        });
        all.truncate(limit);
        all
    }
}

impl Expansion<'_> {
    /// The next `limit` reminders at or after `from`, soonest first.
    pub(crate) fn upcoming(
        &self,
        rules: &[ReminderRule],
        from: i64,
        limit: usize,
    ) -> Vec<UpcomingReminder> {
        let rules: Vec<&ReminderRule> = rules.iter().filter(|r| r.enabled).collect();
        let mut found = Found::new(from);
        for rule in &rules {
            for o in self.meetup_occurrences(rule) {
                found.add(o, rule);
            }
        }
        let first_day = self.clock.local_date(from) - Duration::days(LOOK_BACK_DAYS);
        let mut expanded = HashSet::new();
        for day in first_day.iter_days().take(HORIZON_DAYS as usize) {
            for rule in &rules {
                for o in self.on_day(rule, day) {
                    found.add(o, rule);
                }
            }
            expanded.insert(day);
            let next_day = self.clock.day_start(day + Duration::days(1));
            if found.nth_at(limit).is_some_and(|at| at < next_day) {
                break;
            }
        }
        // A snoozed occurrence of a day not looked at (an old one put off,
        // or one far ahead brought forward) is still due when it says.
        for rule in &rules {
            for snooze in &rule.snoozes {
                let Some(day) = self.day_of_key(rule, &snooze.key) else {
                    continue;
                };
                if !expanded.contains(&day) {
                    for o in self.on_day(rule, day) {
                        if o.key == snooze.key {
                            found.add(o, rule);
                        }
                    }
                }
            }
        }
        found
            .soonest(limit)
            .into_iter()
            .map(|(o, rule)| self.dress(o, rule))
            .collect()
    }

    fn dress(&self, o: Occurrence, rule: &ReminderRule) -> UpcomingReminder {
        UpcomingReminder {
            key: o.key,
            rule_id: rule.id.clone(),
            at: from_ms_i64(o.at),
            local_label: self.clock.label(o.at),
            for_date: o.for_date.to_string(),
            title: if self.detailed {
                o.detail
            } else {
                generic_title(&rule.subject).to_owned()
            },
            subject: rule.subject.clone(),
            item_id: o.item_id,
            shifted: o.shifted,
        }
    }

    /// The local date a key's occurrence belongs to.
    fn day_of_key(&self, rule: &ReminderRule, key: &str) -> Option<NaiveDate> {
        let suffix = key.strip_prefix(&rule.id)?.rsplit(':').next()?;
        match rule.timing {
            ReminderTiming::ClockTime { .. } => NaiveDate::parse_from_str(suffix, "%Y-%m-%d").ok(),
            ReminderTiming::FixedInterval { .. } => suffix
                .parse::<i64>()
                .ok()
                .map(|ms| self.clock.local_date(ms)),
            ReminderTiming::BeforeStart { .. } => None,
        }
    }

    /// A day-based rule's occurrences for the items still to do that day.
    fn on_day(&self, rule: &ReminderRule, day: NaiveDate) -> Vec<Occurrence> {
        let items = self.facts.due(&rule.subject, day);
        let mut out = Vec::new();
        match rule.timing {
            ReminderTiming::ClockTime { minute } => {
                let time = NaiveTime::MIN + Duration::minutes(i64::from(minute));
                let (at, shifted) = self.clock.first_at_or_after(day.and_time(time));
                for item in items {
                    let key = format!("{}:{}:{}", rule.id, item.item_id, day);
                    out.push(occurrence(key, at, day, item, shifted));
                }
            }
            ReminderTiming::FixedInterval {
                anchor,
                every_minutes,
            } => {
                let (start, end) = (
                    self.clock.day_start(day),
                    self.clock.day_start(day + Duration::days(1)),
                );
                let (anchor, step) = (ms_i64(anchor), i64::from(every_minutes) * 60_000);
                let first = anchor + (start - anchor).div_euclid(step) * step;
                let ats: Vec<i64> = (0..)
                    .map(|k| first + k * step)
                    .skip_while(|at| *at < start)
                    .take_while(|at| *at < end)
                    .collect();
                for item in items {
                    for at in &ats {
                        let key = format!("{}:{}:{}", rule.id, item.item_id, at);
                        out.push(occurrence(key, *at, day, item.clone(), None));
                    }
                }
            }
            ReminderTiming::BeforeStart { .. } => {}
        }
        out.into_iter()
            .filter_map(|o| self.settle(rule, o))
            .collect()
    }

    fn meetup_occurrences(&self, rule: &ReminderRule) -> Vec<Occurrence> {
        let (ReminderSubject::Meetups, ReminderTiming::BeforeStart { minutes }) =
            (&rule.subject, &rule.timing)
        else {
            return vec![];
        };
        self.facts
            .meetups_to_remind()
            .map(|m| {
                let starts = ms_i64(m.meetup.starts_at);
                let item = DueItem {
                    item_id: m.meetup.id.clone(),
                    detail: format!("{} at {}", m.meetup.title, self.clock.label(starts)),
                };
                let key = format!("{}:{}", rule.id, m.meetup.id);
                let at = starts - i64::from(*minutes) * 60_000;
                occurrence(key, at, self.clock.local_date(starts), item, None)
            })
            .filter_map(|o| self.settle(rule, o))
            .collect()
    }

    /// Applies the person's snooze, else their quiet hours.
    fn settle(&self, rule: &ReminderRule, mut o: Occurrence) -> Option<Occurrence> {
        if let Some(snooze) = rule.snoozes.iter().find(|s| s.key == o.key) {
            o.at = ms_i64(snooze.until);
            o.shifted = Some(ReminderShift::Snoozed);
            return Some(o);
        }
        let Some(quiet) = self.quiet else {
            return Some(o);
        };
        if !quiet.contains(self.clock.minute_of_day(o.at)) {
            return Some(o);
        }
        match rule.quiet_hours {
            QuietHoursPolicy::Drop => None,
            QuietHoursPolicy::Defer => {
                o.at = self.after_quiet_hours(quiet, o.at);
                o.shifted = Some(ReminderShift::QuietHours);
                Some(o)
            }
        }
    }

    /// The end of the quiet period an instant falls in: the same local date
    /// if the period began before midnight, else the next. A journey can
    /// land the clock in quiet hours again, so this repeats (a few times
    /// at most: each step moves at least to the next quiet end).
    fn after_quiet_hours(&self, quiet: &QuietHours, mut at: i64) -> i64 {
        let end = NaiveTime::MIN + Duration::minutes(i64::from(quiet.end_minute));
        for _ in 0..MAX_DEFERRALS {
            let minute = self.clock.minute_of_day(at);
            if !quiet.contains(minute) {
                break;
            }
            let date = self.clock.local_date(at);
            let ends_on = if minute < quiet.end_minute {
                date
            } else {
                date + Duration::days(1)
            };
            at = self.clock.first_at_or_after(ends_on.and_time(end)).0;
        }
        at
    }
}

fn occurrence(
    key: String,
    at: i64,
    for_date: NaiveDate,
    item: DueItem,
    shifted: Option<ReminderShift>,
) -> Occurrence {
    Occurrence {
        key,
        at,
        for_date,
        item_id: item.item_id,
        detail: item.detail,
        shifted,
    }
}
