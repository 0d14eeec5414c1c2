//! Reminder expansion without a database: the stated rules across the 2026
//! and 2027 clock changes, quiet hours, snoozes and a journey, and property
//! tests over random schedules.

use super::facts::tests::{activity_facts, day};
use super::facts::Facts;
use super::model::*;
use super::occurrences::Expansion;
use super::wall_clock::LocalClock;
use crate::care_plan::model::{Outcome, Repeat, Weekday};
use crate::time::{from_ms_i64, ms_i64};
use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const ACTIVITY: &str = "00000000-0000-7000-8000-0000000000a1";

fn rule(id: &str, subject: ReminderSubject, timing: ReminderTiming) -> ReminderRule {
    ReminderRule {
        id: id.into(),
        subject,
        timing,
        quiet_hours: QuietHoursPolicy::Defer,
        enabled: true,
        snoozes: vec![],
    }
}

fn at_minute(minute: u16) -> ReminderTiming {
    ReminderTiming::ClockTime { minute }
}

fn walk(minute: u16) -> ReminderRule {
    rule(
        "r1",
        ReminderSubject::Activity {
            activity_id: ACTIVITY.into(),
        },
        at_minute(minute),
    )
}

fn daily_walk(best: &[(&str, Outcome)]) -> Facts {
    Facts {
        activities: vec![activity_facts(ACTIVITY, Repeat::Daily, best)],
        ..Facts::default()
    }
}

fn utc(s: &str) -> i64 {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .expect("time")
        .and_utc()
        .timestamp_millis()
}

fn london() -> LocalClock {
    LocalClock::single("Europe/London")
}

fn upcoming(
    clock: &LocalClock,
    quiet: Option<&QuietHours>,
    facts: &Facts,
    rules: &[ReminderRule],
    from: i64,
    limit: usize,
) -> Vec<UpcomingReminder> {
    Expansion {
        clock,
        quiet,
        detailed: false,
        facts,
    }
    .upcoming(rules, from, limit)
}

fn labels(list: &[UpcomingReminder]) -> Vec<String> {
    list.iter().map(|r| r.local_label.clone()).collect()
}

#[test]
fn nine_oclock_stays_nine_oclock_across_both_2026_changes() {
    let facts = daily_walk(&[]);
    let clock = london();
    let spring = upcoming(
        &clock,
        None,
        &facts,
        &[walk(540)],
        utc("2026-03-28 00:00"),
        3,
    );
    assert_eq!(
        labels(&spring),
        [
            "Sat 28 Mar 2026 09:00 GMT",
            "Sun 29 Mar 2026 09:00 BST",
            "Mon 30 Mar 2026 09:00 BST"
        ]
    );
    let autumn = upcoming(
        &clock,
        None,
        &facts,
        &[walk(540)],
        utc("2026-10-24 00:00"),
        3,
    );
    assert_eq!(
        labels(&autumn),
        [
            "Sat 24 Oct 2026 09:00 BST",
            "Sun 25 Oct 2026 09:00 GMT",
            "Mon 26 Oct 2026 09:00 GMT"
        ]
    );
}

#[test]
fn a_fixed_interval_keeps_24_hours_and_moves_on_the_clock() {
    let facts = Facts::default();
    let every_day = rule(
        "r1",
        ReminderSubject::DiaryPrompt,
        ReminderTiming::FixedInterval {
            anchor: from_ms_i64(utc("2026-03-01 09:00")),
            every_minutes: 24 * 60,
        },
    );
    let list = upcoming(
        &london(),
        None,
        &facts,
        &[every_day],
        utc("2026-03-28 00:00"),
        3,
    );
    assert_eq!(
        labels(&list),
        [
            "Sat 28 Mar 2026 09:00 GMT",
            "Sun 29 Mar 2026 10:00 BST",
            "Mon 30 Mar 2026 10:00 BST"
        ]
    );
    assert!(list
        .windows(2)
        .all(|w| ms_i64(w[1].at) - ms_i64(w[0].at) == 86_400_000));
}

#[test]
fn the_skipped_and_repeated_hours_of_2027_follow_the_stated_rule() {
    // New York, 14 March 2027: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    let ny = LocalClock::single("America/New_York");
    let facts = daily_walk(&[]);
    let list = upcoming(&ny, None, &facts, &[walk(150)], utc("2027-03-13 12:00"), 2);
    assert_eq!(ms_i64(list[0].at), utc("2027-03-14 07:00"));
    assert_eq!(list[0].for_date, "2027-03-14");
    assert_eq!(list[0].shifted, Some(ReminderShift::ClockChange));
    assert_eq!(list[0].local_label, "Sun 14 Mar 2027 03:00 EDT");
    assert_eq!(list[1].local_label, "Mon 15 Mar 2027 02:30 EDT");
    assert_eq!(list[1].shifted, None);
    // 7 November 2027: 01:30 happens twice; the reminder comes once.
    let list = upcoming(&ny, None, &facts, &[walk(90)], utc("2027-11-06 12:00"), 3);
    assert_eq!(
        labels(&list),
        [
            "Sun 7 Nov 2027 01:30 EDT",
            "Mon 8 Nov 2027 01:30 EST",
            "Tue 9 Nov 2027 01:30 EST"
        ]
    );
}

#[test]
fn quiet_hours_defer_or_drop_per_rule() {
    let quiet = QuietHours {
        start_minute: 22 * 60,
        end_minute: 7 * 60,
    };
    let facts = daily_walk(&[]);
    let late = walk(23 * 60);
    let list = upcoming(
        &london(),
        Some(&quiet),
        &facts,
        std::slice::from_ref(&late),
        utc("2026-07-01 00:00"),
        2,
    );
    assert_eq!(
        labels(&list),
        ["Wed 1 Jul 2026 07:00 BST", "Thu 2 Jul 2026 07:00 BST"],
        "the 23:00 of the day before moves to 07:00"
    );
    assert_eq!(list[0].for_date, "2026-06-30");
    assert_eq!(list[0].shifted, Some(ReminderShift::QuietHours));
    let dropped = ReminderRule {
        quiet_hours: QuietHoursPolicy::Drop,
        ..late
    };
    assert!(upcoming(
        &london(),
        Some(&quiet),
        &facts,
        &[dropped],
        utc("2026-07-01 00:00"),
        5
    )
    .is_empty());
}

#[test]
fn a_done_item_has_no_reminder_and_a_snoozed_one_moves() {
    let facts = daily_walk(&[("2026-07-01", Outcome::Done)]);
    let list = upcoming(
        &london(),
        None,
        &facts,
        &[walk(540)],
        utc("2026-07-01 00:00"),
        1,
    );
    assert_eq!(list[0].for_date, "2026-07-02", "1 July is done");
    let mut snoozed = walk(540);
    snoozed.snoozes.push(Snooze {
        key: list[0].key.clone(),
        until: from_ms_i64(utc("2026-07-02 08:30")),
    });
    let list = upcoming(
        &london(),
        None,
        &facts,
        &[snoozed],
        utc("2026-07-02 08:10"),
        1,
    );
    assert_eq!(list[0].local_label, "Thu 2 Jul 2026 09:30 BST");
    assert_eq!(list[0].shifted, Some(ReminderShift::Snoozed));
}

#[test]
fn lock_screen_text_is_generic_unless_detail_is_on() {
    let facts = daily_walk(&[]);
    let clock = london();
    let mut x = Expansion {
        clock: &clock,
        quiet: None,
        detailed: false,
        facts: &facts,
    };
    let generic = x.upcoming(&[walk(540)], utc("2026-07-01 00:00"), 1);
    assert_eq!(generic[0].title, "Time for your plan");
    x.detailed = true;
    let detailed = x.upcoming(&[walk(540)], utc("2026-07-01 00:00"), 1);
    assert_eq!(detailed[0].title, format!("activity {ACTIVITY}"));
}

/// Dates around every 2026 and 2027 clock change in London and New York.
const CHANGES: [&str; 8] = [
    "2026-03-08",
    "2026-03-29",
    "2026-10-25",
    "2026-11-01",
    "2027-03-14",
    "2027-03-28",
    "2027-10-31",
    "2027-11-07",
];
const ZONES: [&str; 4] = [
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
];
/// Days checked after the first.
const SPAN_DAYS: i64 = 30;

fn weekday(i: u8) -> Weekday {
    chrono::Weekday::try_from(i % 7).expect("0 to 6").into()
}

fn repeat_strategy() -> impl Strategy<Value = Repeat> {
    prop_oneof![
        Just(Repeat::Daily),
        prop::collection::btree_set(0u8..7, 1..7).prop_map(|d| Repeat::OnWeekdays {
            days: d.into_iter().map(weekday).collect()
        }),
        (2u16..5).prop_map(|days| Repeat::EveryNDays { days }),
    ]
}

/// Minutes that include the hours clocks skip and repeat.
fn minute_strategy() -> impl Strategy<Value = u16> {
    prop_oneof![0u16..1440, 60u16..180]
}

#[derive(Debug, Clone)]
struct Case {
    zone: usize,
    /// A second zone from an instant in the span (a journey).
    travel: Option<(usize, i64)>,
    first: NaiveDate,
    schedules: Vec<(Repeat, u16)>,
    quiet: Option<(u16, u16, bool)>,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        0..2usize,
        prop::option::of((0..4usize, 0i64..SPAN_DAYS * 24 * 60)),
        0..CHANGES.len(),
        -10i64..5,
        prop::collection::vec((repeat_strategy(), minute_strategy()), 1..4),
        prop::option::of((0u16..1440, 0u16..1440, any::<bool>())),
    )
        .prop_map(|(zone, travel, change, shift, schedules, quiet)| Case {
            zone,
            travel,
            first: day(CHANGES[change]) + Duration::days(shift),
            schedules,
            quiet: quiet.filter(|(s, e, _)| s != e),
        })
}

struct Built {
    clock: LocalClock,
    facts: Facts,
    rules: Vec<ReminderRule>,
    quiet: Option<QuietHours>,
    from: i64,
}

fn build(case: &Case) -> Built {
    let home = ZONES[case.zone];
    let start = home
        .parse::<chrono_tz::Tz>()
        .expect("zone")
        .from_local_datetime(&case.first.and_time(NaiveTime::MIN))
        .earliest()
        .expect("midnight exists")
        .timestamp_millis();
    let mut zones = vec![ZoneSince {
        since: from_ms_i64(0),
        zone: home.into(),
    }];
    if let Some((to, minutes)) = case.travel {
        zones.push(ZoneSince {
            since: from_ms_i64(start + minutes * 60_000),
            zone: ZONES[to].into(),
        });
    }
    let mut facts = Facts::default();
    let mut rules = Vec::new();
    for (i, (repeat, minute)) in case.schedules.iter().enumerate() {
        let id = format!("00000000-0000-7000-8000-{i:012}");
        facts
            .activities
            .push(activity_facts(&id, repeat.clone(), &[]));
        let mut r = rule(
            &format!("rule{i}"),
            ReminderSubject::Activity { activity_id: id },
            at_minute(*minute),
        );
        if let Some((_, _, drop)) = case.quiet {
            r.quiet_hours = if drop {
                QuietHoursPolicy::Drop
            } else {
                QuietHoursPolicy::Defer
            };
        }
        rules.push(r);
    }
    Built {
        clock: LocalClock::from_zones(&zones).expect("zones"),
        facts,
        rules,
        quiet: case.quiet.map(|(start_minute, end_minute, _)| QuietHours {
            start_minute,
            end_minute,
        }),
        from: start,
    }
}

fn wall(day: NaiveDate, minute: u16) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN + Duration::minutes(i64::from(minute)))
}

/// Whether `wall` exists on the clock of the zone in force at `at`, by
/// chrono-tz's compiled zone data: an oracle independent of the platform
/// database the clock itself reads.
fn skipped(clock: &LocalClock, at: i64, wall: NaiveDateTime) -> bool {
    let zone = clock
        .zone_at(at)
        .iana_name()
        .and_then(|name| name.parse::<chrono_tz::Tz>().ok())
        .expect("an IANA zone chrono-tz knows");
    matches!(zone.from_local_datetime(&wall), LocalResult::None)
}

/// Where the stated rule puts a reminder that falls in quiet hours: the
/// first quiet-period end at which the clock is outside them.
fn deferred(b: &Built, mut at: i64) -> i64 {
    let q = b.quiet.as_ref().expect("quiet hours");
    while q.contains(b.clock.minute_of_day(at)) {
        let minute = b.clock.minute_of_day(at);
        let date = b.clock.local_date(at);
        let ends_on = if minute < q.end_minute {
            date
        } else {
            date + Duration::days(1)
        };
        at = b.clock.first_at_or_after(wall(ends_on, q.end_minute)).0;
    }
    at
}

/// Whether the reminder for `intended`, moved out of the quiet hours,
/// falls where another day's reminder of the same rule already is.
fn merged(
    b: &Built,
    list: &[UpcomingReminder],
    rule: &ReminderRule,
    intended: NaiveDateTime,
) -> bool {
    let Some(q) = b.quiet.as_ref() else {
        return false;
    };
    let at = b.clock.first_at_or_after(intended).0;
    if !q.contains(b.clock.minute_of_day(at)) || rule.quiet_hours != QuietHoursPolicy::Defer {
        return false;
    }
    let moved = deferred(b, at);
    list.iter()
        .any(|r| r.rule_id == rule.id && ms_i64(r.at) == moved)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn one_reminder_per_due_day_at_the_intended_time(case in case_strategy()) {
        let b = build(&case);
        let list = upcoming(&b.clock, b.quiet.as_ref(), &b.facts, &b.rules, b.from, 500);

        // No duplicates, in order, none before `from`.
        let keys: HashSet<&str> = list.iter().map(|r| r.key.as_str()).collect();
        prop_assert_eq!(keys.len(), list.len());
        prop_assert!(list.windows(2).all(|w| w[0].at <= w[1].at));
        prop_assert!(list.iter().all(|r| ms_i64(r.at) >= b.from));

        let by_rule_day: HashMap<(String, String), &UpcomingReminder> = list
            .iter()
            .map(|r| ((r.rule_id.clone(), r.for_date.clone()), r))
            .collect();
        prop_assert_eq!(by_rule_day.len(), list.len(), "one per rule and day");

        for (rule, (_, minute)) in b.rules.iter().zip(&case.schedules) {
            // Days 1..SPAN (day 0 may have begun before a journey's zone).
            for d in (1..SPAN_DAYS).map(|k| case.first + Duration::days(k)) {
                let due = !b.facts.due(&rule.subject, d).is_empty();
                let found = by_rule_day.get(&(rule.id.clone(), d.to_string()));
                let intended = wall(d, *minute);
                // Judged where the clock rule puts it (a journey can move it into quiet hours).
                let plain = b.clock.first_at_or_after(intended).0;
                let quiet = b.quiet.as_ref().is_some_and(|q| q.contains(b.clock.minute_of_day(plain)));
                if !due {
                    prop_assert!(found.is_none(), "nothing on a day not due");
                    continue;
                }
                let Some(r) = found else {
                    // Missing only if dropped in quiet hours, or deferred
                    // onto another day's reminder of the same rule.
                    let dropped = quiet && rule.quiet_hours == QuietHoursPolicy::Drop;
                    prop_assert!(dropped || merged(&b, &list, rule, intended),
                        "no reminder for {} {}", rule.id, d);
                    continue;
                };
                let at = ms_i64(r.at);
                let local = b.clock.local(at);
                match r.shifted {
                    None => prop_assert_eq!(local, intended),
                    Some(ReminderShift::ClockChange) => {
                        prop_assert!(skipped(&b.clock, at, intended));
                        prop_assert!(b.clock.local(at - 1) < intended && local > intended);
                    }
                    Some(ReminderShift::TimeZoneChange) => {
                        let (_, since) = case.travel.expect("a journey");
                        prop_assert_eq!(at, b.from + since * 60_000);
                        prop_assert!(local >= intended);
                    }
                    Some(ReminderShift::QuietHours) => {
                        let q = b.quiet.as_ref().expect("quiet hours");
                        let plain = b.clock.first_at_or_after(intended).0;
                        prop_assert!(q.contains(b.clock.minute_of_day(plain)));
                        prop_assert!(!q.contains(b.clock.minute_of_day(at)));
                        prop_assert_eq!(deferred(&b, plain), at);
                    }
                    Some(ReminderShift::Snoozed) => prop_assert!(false, "nothing was snoozed"),
                }
            }
        }
    }

    #[test]
    fn logging_the_item_cancels_that_days_reminder(case in case_strategy(), k in 1i64..SPAN_DAYS) {
        let mut b = build(&case);
        let d = case.first + Duration::days(k);
        let before = upcoming(&b.clock, b.quiet.as_ref(), &b.facts, &b.rules, b.from, 500);
        for a in &mut b.facts.activities {
            a.best.insert(d, Outcome::Skipped);
        }
        let after = upcoming(&b.clock, b.quiet.as_ref(), &b.facts, &b.rules, b.from, 500);
        let (d, last) = (d.to_string(), (case.first + Duration::days(SPAN_DAYS)).to_string());
        prop_assert!(after.iter().all(|r| r.for_date != d));
        // Within the span (the lists are cut at 500, so their tails differ).
        let others = |l: &[UpcomingReminder]| {
            l.iter()
                .filter(|r| r.for_date != d && r.for_date <= last)
                .map(|r| (r.key.clone(), r.at))
                .collect::<Vec<_>>()
        };
        let (was, is) = (others(&before), others(&after));
        // Every other day's reminder stays; one that had been merged into
        // the logged day's (deferred onto the same instant) comes back.
        let freed: HashSet<_> = before.iter().filter(|r| r.for_date == d).map(|r| r.at).collect();
        prop_assert!(was.iter().all(|o| is.contains(o)), "a reminder of another day went");
        prop_assert!(is.iter().all(|o| was.contains(o) || freed.contains(&o.1)),
            "a reminder appeared: {} before, {} after", was.len(), is.len());
    }
}

fn meetup(id: &str, starts: &str, cancelled: bool) -> super::facts::MeetupFacts {
    super::facts::MeetupFacts {
        meetup: crate::groups::model::Meetup {
            id: id.into(),
            group_id: "group".into(),
            title: format!("Walk {id}"),
            starts_at: from_ms_i64(utc(starts)),
            ends_at: from_ms_i64(utc(starts) + 5_400_000),
            place: None,
            online_link: None,
            capacity: None,
            notes: String::new(),
            created_by: "facilitator".into(),
            cancelled,
            rescheduled: false,
        },
        group_name: "Breathe Easy".into(),
        my_answer: None,
    }
}

#[test]
fn the_days_meetups_show_on_the_persons_clock_and_cancelled_ones_do_not() {
    let facts = Facts {
        meetups: vec![
            meetup("b", "2026-07-01 13:00", false),
            meetup("a", "2026-07-01 09:00", false),
            meetup("c", "2026-07-01 10:00", true),
            // 00:30 BST on 2 July: the next day on the person's clock.
            meetup("d", "2026-07-01 23:30", false),
        ],
        ..Facts::default()
    };
    let view = super::screen::today_view(&facts, &[], &london(), day("2026-07-01"));
    let shown: Vec<(&str, &str)> = view
        .meetups
        .iter()
        .map(|m| (m.meetup_id.as_str(), m.starts_label.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("a", "Wed 1 Jul 2026 10:00 BST"),
            ("b", "Wed 1 Jul 2026 14:00 BST")
        ]
    );
}
