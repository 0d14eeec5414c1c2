//! Adherence: credited completions over scheduled occurrences, in the person's
//! local calendar, using whichever schedule applied on each day.

use super::model::{
    Activity, ActivityAdherence, Adherence, AdherenceFigures, Outcome, Repeat, ScheduleRule,
};
use crate::error::PphError;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// Longest range one call may cover, so a typo cannot ask for millennia.
const MAX_RANGE_DAYS: i64 = 3_700;

pub(crate) fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), PphError> {
    if to < from {
        return Err(PphError::validation("to", "is before from"));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(PphError::validation("to", "range longer than ten years"));
    }
    Ok(())
}

/// Which schedule applied on a day: each past schedule up to its `until`, then
/// the current one. Adherence and the Today screen both ask it what was due.
pub(crate) struct Timeline {
    segments: Vec<(Option<NaiveDate>, ScheduleRule)>,
    /// For a referral, the days it counts (None: none at all); for any
    /// other activity, every day its schedules cover.
    counted: Option<Option<(NaiveDate, Option<NaiveDate>)>>,
}

impl Timeline {
    pub(crate) fn of(activity: &Activity) -> Result<Self, PphError> {
        let mut segments = Vec::new();
        for past in &activity.past_schedules {
            let until = crate::time::parse_date("until", &past.until)?;
            segments.push((Some(until), past.schedule.validate()?));
        }
        segments.push((None, activity.schedule.validate()?));
        let counted = activity
            .referral
            .as_ref()
            .map(super::referral::counted_days)
            .transpose()?;
        Ok(Timeline { segments, counted })
    }

    fn rule_on(&self, day: NaiveDate) -> Option<&ScheduleRule> {
        match self.counted {
            Some(None) => return None,
            Some(Some((from, until))) if day < from || until.is_some_and(|u| day > u) => {
                return None
            }
            _ => {}
        }
        let (_, rule) = self
            .segments
            .iter()
            .find(|(until, _)| until.is_none_or(|u| day < u))?;
        let active = rule.start <= day && rule.end.is_none_or(|end| day <= end);
        active.then_some(rule)
    }

    /// How the activity is due on a day.
    pub(crate) fn slot_on(&self, day: NaiveDate) -> Slot {
        self.rule_on(day).map_or(Slot::None, |rule| slot(rule, day))
    }
}

pub(crate) enum Slot {
    /// The activity was due on this exact day.
    Fixed,
    /// Counts towards a flexible N-times-a-week target.
    Flexible {
        times: u8,
    },
    None,
}

fn slot(rule: &ScheduleRule, day: NaiveDate) -> Slot {
    let due = match &rule.repeat {
        Repeat::Once => day == rule.start,
        Repeat::Daily => true,
        Repeat::OnWeekdays { days } => days.contains(&day.weekday().into()),
        Repeat::EveryNDays { days } => (day - rule.start).num_days() % i64::from(*days) == 0,
        Repeat::TimesPerWeek { times } => return Slot::Flexible { times: *times },
    };
    if due {
        Slot::Fixed
    } else {
        Slot::None
    }
}

#[derive(Default)]
struct Tally {
    scheduled: u32,
    done: u32,
    partly: u32,
    skipped: u32,
}

impl Tally {
    fn credit(&mut self, outcome: Option<Outcome>) {
        self.scheduled += 1;
        match outcome {
            Some(Outcome::Done) => self.done += 1,
            Some(Outcome::Partly) => self.partly += 1,
            Some(Outcome::Skipped) => self.skipped += 1,
            None => {}
        }
    }

    fn add(&mut self, other: &Tally) {
        self.scheduled += other.scheduled;
        self.done += other.done;
        self.partly += other.partly;
        self.skipped += other.skipped;
    }

    fn figures(&self) -> AdherenceFigures {
        let ratio = (self.scheduled > 0).then(|| {
            (f64::from(self.done) + 0.5 * f64::from(self.partly)) / f64::from(self.scheduled)
        });
        AdherenceFigures {
            scheduled: self.scheduled,
            done: self.done,
            partly: self.partly,
            skipped: self.skipped,
            missed: self.scheduled - self.done - self.partly - self.skipped,
            ratio,
        }
    }
}

/// Adherence of one activity over [from, to]. Fixed schedules credit the best
/// outcome recorded on each due day; an N-times-a-week schedule credits the
/// best outcomes in each week up to its expected count, which is N for a whole
/// week and pro rata for a week cut by the range or the schedule's dates.
/// What adherence needs of a completion: which activity, which local day, how it went.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mark {
    pub activity_id: String,
    pub day: NaiveDate,
    pub outcome: Outcome,
}

fn activity_tally(
    activity: &Activity,
    marks: &[&Mark],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Tally, PphError> {
    let timeline = Timeline::of(activity)?;
    let mut by_day: HashMap<NaiveDate, Vec<Outcome>> = HashMap::new();
    for m in marks {
        by_day.entry(m.day).or_default().push(m.outcome);
    }
    let best = |day: NaiveDate| by_day.get(&day).and_then(|o| o.iter().max().copied());

    let mut tally = Tally::default();
    // Flexible weeks: (sum of times over eligible days, outcomes on those days).
    let mut weeks: HashMap<(i32, u32), (u32, Vec<Outcome>)> = HashMap::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        match timeline.slot_on(day) {
            Slot::Fixed => tally.credit(best(day)),
            Slot::Flexible { times } => {
                let week = day.iso_week();
                let entry = weeks.entry((week.year(), week.week())).or_default();
                entry.0 += u32::from(times);
                entry.1.extend(by_day.get(&day).into_iter().flatten());
            }
            Slot::None => {}
        }
    }
    for (times_days, mut outcomes) in weeks.into_values() {
        let expected = (f64::from(times_days) / 7.0).round() as usize;
        outcomes.sort_unstable_by(|a, b| b.cmp(a));
        for i in 0..expected {
            tally.credit(outcomes.get(i).copied());
        }
    }
    Ok(tally)
}

pub(crate) fn adherence(
    activities: &[Activity],
    marks: &[Mark],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Adherence, PphError> {
    let mut by_activity: HashMap<&str, Vec<&Mark>> = HashMap::new();
    for m in marks {
        by_activity.entry(&m.activity_id).or_default().push(m);
    }
    let mut overall = Tally::default();
    let mut per_activity = Vec::with_capacity(activities.len());
    for activity in activities {
        let own = by_activity
            .get(activity.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let tally = activity_tally(activity, own, from, to)?;
        overall.add(&tally);
        per_activity.push(ActivityAdherence {
            activity_id: activity.id.clone(),
            figures: tally.figures(),
        });
    }
    Ok(Adherence {
        from: from.to_string(),
        to: to.to_string(),
        overall: overall.figures(),
        activities: per_activity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::care_plan::model::{PastSchedule, Responsible, Schedule, Weekday};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn activity(repeat: Repeat, start: &str, end: Option<&str>) -> Activity {
        Activity {
            id: "a".into(),
            plan_id: "p".into(),
            goal_id: "g".into(),
            description: "walk".into(),
            responsible: Responsible::Me,
            schedule: Schedule {
                repeat,
                start: start.into(),
                end: end.map(Into::into),
                window: None,
            },
            past_schedules: vec![],
            referral: None,
        }
    }

    fn done(day: &str, outcome: Outcome) -> Mark {
        Mark {
            activity_id: "a".into(),
            day: date(day),
            outcome,
        }
    }

    fn figures(a: &Activity, cs: &[Mark], from: &str, to: &str) -> AdherenceFigures {
        adherence(std::slice::from_ref(a), cs, date(from), date(to))
            .expect("adherence")
            .overall
    }

    #[test]
    fn daily_counts_best_outcome_per_day_once() {
        let a = activity(Repeat::Daily, "2026-01-01", None);
        let cs = [
            done("2026-01-01", Outcome::Skipped),
            done("2026-01-01", Outcome::Done),
            done("2026-01-02", Outcome::Partly),
            done("2026-01-02", Outcome::Partly),
        ];
        let f = figures(&a, &cs, "2026-01-01", "2026-01-04");
        assert_eq!(
            (f.scheduled, f.done, f.partly, f.skipped, f.missed),
            (4, 1, 1, 0, 2)
        );
        assert_eq!(f.ratio, Some(1.5 / 4.0));
    }

    #[test]
    fn start_and_end_bound_the_occurrences() {
        let a = activity(Repeat::Daily, "2026-01-10", Some("2026-01-12"));
        let f = figures(&a, &[], "2026-01-01", "2026-01-31");
        assert_eq!(f.scheduled, 3);
        let once = activity(Repeat::Once, "2026-01-10", None);
        assert_eq!(figures(&once, &[], "2026-01-01", "2026-01-31").scheduled, 1);
        assert_eq!(figures(&once, &[], "2026-01-11", "2026-01-31").ratio, None);
    }

    #[test]
    fn weekdays_and_every_n_days() {
        // 2026-01-05 is a Monday.
        let a = activity(
            Repeat::OnWeekdays {
                days: vec![Weekday::Mon, Weekday::Thu],
            },
            "2026-01-05",
            None,
        );
        assert_eq!(figures(&a, &[], "2026-01-05", "2026-01-18").scheduled, 4);
        let b = activity(Repeat::EveryNDays { days: 3 }, "2026-01-05", None);
        // 5, 8, 11, 14, 17
        assert_eq!(figures(&b, &[], "2026-01-05", "2026-01-18").scheduled, 5);
    }

    #[test]
    fn times_per_week_credits_up_to_the_weekly_target() {
        let a = activity(Repeat::TimesPerWeek { times: 3 }, "2026-01-05", None);
        let cs = [
            done("2026-01-05", Outcome::Done),
            done("2026-01-06", Outcome::Done),
            done("2026-01-07", Outcome::Done),
            done("2026-01-08", Outcome::Done), // a fourth time earns no extra credit
            done("2026-01-13", Outcome::Partly),
        ];
        let f = figures(&a, &cs, "2026-01-05", "2026-01-18");
        assert_eq!((f.scheduled, f.done, f.partly, f.missed), (6, 3, 1, 2));
    }

    #[test]
    fn a_schedule_change_applies_from_its_date() {
        // Daily until the 11th, then Mondays only.
        let mut a = activity(
            Repeat::OnWeekdays {
                days: vec![Weekday::Mon],
            },
            "2026-01-01",
            None,
        );
        a.past_schedules = vec![PastSchedule {
            schedule: activity(Repeat::Daily, "2026-01-01", None).schedule,
            until: "2026-01-11".into(),
        }];
        // 10 daily days (1..=10), then Mondays 12, 19, 26.
        let f = figures(&a, &[], "2026-01-01", "2026-01-31");
        assert_eq!(f.scheduled, 13);
    }

    #[test]
    fn reversed_or_huge_ranges_are_refused() {
        assert!(check_range(date("2026-02-01"), date("2026-01-01")).is_err());
        assert!(check_range(date("2000-01-01"), date("2026-01-01")).is_err());
        assert!(check_range(date("2026-01-01"), date("2026-01-01")).is_ok());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn repeat() -> impl Strategy<Value = Repeat> {
            prop_oneof![
                Just(Repeat::Once),
                Just(Repeat::Daily),
                (1u8..=7).prop_map(|times| Repeat::TimesPerWeek { times }),
                proptest::sample::subsequence(
                    vec![
                        Weekday::Mon,
                        Weekday::Tue,
                        Weekday::Wed,
                        Weekday::Thu,
                        Weekday::Fri,
                        Weekday::Sat,
                        Weekday::Sun
                    ],
                    1..=7
                )
                .prop_map(|days| Repeat::OnWeekdays { days }),
                (1u16..=30).prop_map(|days| Repeat::EveryNDays { days }),
            ]
        }

        fn outcome() -> impl Strategy<Value = Outcome> {
            prop_oneof![
                Just(Outcome::Done),
                Just(Outcome::Partly),
                Just(Outcome::Skipped)
            ]
        }

        proptest! {
            #[test]
            fn counts_add_up_and_ratio_stays_in_bounds(
                repeat in repeat(),
                start_offset in 0i64..60,
                span in 0i64..120,
                done in proptest::collection::vec((0i64..180, outcome()), 0..200),
            ) {
                let base = date("2026-01-01");
                let start = base + chrono::Duration::days(start_offset);
                let a = activity(repeat, &start.to_string(), None);
                let cs: Vec<Mark> = done
                    .iter()
                    .map(|(d, o)| Mark { activity_id: "a".into(), day: base + chrono::Duration::days(*d), outcome: *o })
                    .collect();
                let from = base;
                let to = base + chrono::Duration::days(span);
                let f = adherence(std::slice::from_ref(&a), &cs, from, to).expect("adherence").overall;
                prop_assert_eq!(f.done + f.partly + f.skipped + f.missed, f.scheduled);
                match f.ratio {
                    Some(r) => prop_assert!((0.0..=1.0).contains(&r)),
                    None => prop_assert_eq!(f.scheduled, 0),
                }
                // Recording everything as done can only raise the figure.
                let all_done: Vec<Mark> = cs.iter().map(|c| Mark { outcome: Outcome::Done, ..c.clone() }).collect();
                let g = adherence(std::slice::from_ref(&a), &all_done, from, to).expect("adherence").overall;
                prop_assert!(g.ratio >= f.ratio);
                prop_assert_eq!(g.scheduled, f.scheduled);
            }
        }
    }
}
