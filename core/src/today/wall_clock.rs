//! The person's local clock over time: which IANA zone applied from when,
//! and the one rule for clock times that a day skips, repeats or that a
//! journey jumps over. A reminder for a local time falls at **the first
//! moment the person's clock reads that time or later**:
//!
//! - a time in the hour skipped in spring (01:30 in London) falls at the
//!   moment the clocks go forward (02:00 BST);
//! - a time in the hour repeated in autumn falls once, the first time;
//! - after flying west the clock reads a morning again, but the morning's
//!   reminder has already been given; after flying east past it, it falls
//!   at the moment the zone changed.
//!
//! Instants here are UTC milliseconds; nothing here reads a database.

use super::model::{ReminderShift, ZoneSince};
use crate::error::PphError;
use crate::time::MINUTES_PER_DAY;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{civil, Timestamp, Zoned};

/// A zone by its IANA name, from the platform's own zone database (iOS and
/// Linux `/usr/share/zoneinfo`, Android's tzdata): the app carries none.
pub(crate) fn parse_zone(field: &str, name: &str) -> Result<TimeZone, PphError> {
    TimeZone::get(name).map_err(|_| {
        PphError::validation(field, "not an IANA time-zone name such as Europe/London")
    })
}

fn civil_of(wall: NaiveDateTime) -> Option<civil::DateTime> {
    civil::DateTime::new(
        i16::try_from(wall.year()).ok()?,
        i8::try_from(wall.month()).ok()?,
        i8::try_from(wall.day()).ok()?,
        i8::try_from(wall.hour()).ok()?,
        i8::try_from(wall.minute()).ok()?,
        i8::try_from(wall.second()).ok()?,
        0,
    )
    .ok()
}

fn naive_of(dt: civil::DateTime) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(
        i32::from(dt.year()),
        dt.month().unsigned_abs().into(),
        dt.day().unsigned_abs().into(),
    )
    .and_then(|d| {
        d.and_hms_opt(
            dt.hour().unsigned_abs().into(),
            dt.minute().unsigned_abs().into(),
            dt.second().unsigned_abs().into(),
        )
    })
    .unwrap_or_default()
}

/// The instant at which the zone's clock reads `wall`: its earliest where
/// it reads it twice; None where the clock jumps over it.
fn earliest(tz: &TimeZone, wall: civil::DateTime) -> Option<Timestamp> {
    match tz.to_ambiguous_timestamp(wall).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(wall).ok(),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(wall).ok(),
        AmbiguousOffset::Gap { .. } => None,
    }
}

/// The zones in force, each from an instant (the first from all time).
#[derive(Clone, Debug)]
pub(crate) struct LocalClock {
    segments: Vec<(i64, TimeZone)>,
}

impl LocalClock {
    #[cfg(test)]
    pub(crate) fn single(zone: &str) -> Self {
        LocalClock {
            segments: vec![(i64::MIN, parse_zone("zone", zone).expect("a zone"))],
        }
    }

    /// From the stored zones, oldest first (a name the platform's zone data
    /// does not know is an error, not a silent UTC).
    pub(crate) fn from_zones(zones: &[ZoneSince]) -> Result<Self, PphError> {
        let mut segments = Vec::with_capacity(zones.len());
        for (i, z) in zones.iter().enumerate() {
            let since = if i == 0 {
                i64::MIN
            } else {
                crate::time::ms_i64(z.since)
            };
            segments.push((since, parse_zone("time_zone", &z.zone)?));
        }
        if segments.is_empty() {
            return Err(PphError::validation("time_zone", "no time zone is set"));
        }
        crate::order::sort_by_key(&mut segments, |(since, _)| *since);
        Ok(LocalClock { segments })
    }

    pub(crate) fn zone_at(&self, ms: i64) -> &TimeZone {
        self.segments
            .iter()
            .rev()
            .find(|(since, _)| *since <= ms)
            .map_or(&self.segments[0].1, |(_, tz)| tz)
    }

    fn at(&self, ms: i64) -> Zoned {
        // Instants we keep are within range; the epoch stands in for one
        // that is not rather than panicking.
        Timestamp::from_millisecond(ms)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone_at(ms).clone())
    }

    pub(crate) fn local(&self, ms: i64) -> NaiveDateTime {
        naive_of(self.at(ms).datetime())
    }

    pub(crate) fn local_date(&self, ms: i64) -> NaiveDate {
        self.local(ms).date()
    }

    /// Local clock minute of the day at an instant.
    pub(crate) fn minute_of_day(&self, ms: i64) -> u16 {
        let t = self.local(ms).time();
        (t.hour() * 60 + t.minute()) as u16
    }

    /// "Sun 29 Mar 2026 09:00 BST".
    pub(crate) fn label(&self, ms: i64) -> String {
        self.at(ms).strftime("%a %-d %b %Y %H:%M %Z").to_string()
    }

    /// The first instant at which the clock reads `wall` or later, and why
    /// that is not simply `wall` in the zone of the moment, if it is not.
    pub(crate) fn first_at_or_after(&self, wall: NaiveDateTime) -> (i64, Option<ReminderShift>) {
        for (i, (since, tz)) in self.segments.iter().enumerate() {
            let ends = self.segments.get(i + 1).map(|(next, _)| *next);
            if let Some((at, shift)) = first_in_segment(tz, *since, wall) {
                if ends.is_none_or(|end| at < end) {
                    return (at, shift);
                }
            }
        }
        // The last segment never ends and its clock reaches every time.
        (i64::MAX, None)
    }

    /// The first instant of a local day.
    pub(crate) fn day_start(&self, day: NaiveDate) -> i64 {
        self.first_at_or_after(day.and_time(chrono::NaiveTime::MIN))
            .0
    }
}

/// In one zone from `since` (a journey's arrival; `i64::MIN` for the first
/// zone): the first instant its clock reads `wall` or later, if it does.
fn first_in_segment(
    tz: &TimeZone,
    since: i64,
    wall: NaiveDateTime,
) -> Option<(i64, Option<ReminderShift>)> {
    if since != i64::MIN {
        let arrival = Timestamp::from_millisecond(since)
            .ok()?
            .to_zoned(tz.clone());
        if naive_of(arrival.datetime()) >= wall {
            // The zone before had not reached `wall`; this one is past it.
            return Some((since, Some(ReminderShift::TimeZoneChange)));
        }
    }
    let at = |t: Timestamp| Some(t.as_millisecond()).filter(|ms| *ms >= since);
    let civil = civil_of(wall)?;
    match tz.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            at(offset.to_timestamp(civil).ok()?).map(|ms| (ms, None))
        }
        // Repeated in autumn: the first time, unless the arrival came
        // between the two.
        AmbiguousOffset::Fold { before, after } => at(before.to_timestamp(civil).ok()?)
            .or_else(|| at(after.to_timestamp(civil).ok()?))
            .map(|ms| (ms, None)),
        AmbiguousOffset::Gap { .. } => {
            // The clock jumped over `wall`: the first local minute after it
            // that exists is where it landed, at the moment of the jump.
            let landed = (1..=i64::from(MINUTES_PER_DAY))
                .find_map(|k| earliest(tz, civil_of(wall + Duration::minutes(k))?))?;
            at(landed).map(|ms| (ms, Some(ReminderShift::ClockChange)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::from_ms_i64;

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("wall time")
    }

    fn utc(s: &str) -> i64 {
        wall(s).and_utc().timestamp_millis()
    }

    fn london() -> LocalClock {
        LocalClock::single("Europe/London")
    }

    #[test]
    fn an_ordinary_time_maps_both_ways() {
        let c = london();
        let (at, shift) = c.first_at_or_after(wall("2026-07-01 09:00"));
        assert_eq!((at, shift), (utc("2026-07-01 08:00"), None));
        assert_eq!(c.label(at), "Wed 1 Jul 2026 09:00 BST");
    }

    #[test]
    fn a_skipped_time_falls_when_the_clocks_go_forward() {
        // London, 29 March 2026: 01:00 GMT becomes 02:00 BST at 01:00 UTC.
        let (at, shift) = london().first_at_or_after(wall("2026-03-29 01:30"));
        assert_eq!(at, utc("2026-03-29 01:00"));
        assert_eq!(shift, Some(ReminderShift::ClockChange));
        assert_eq!(london().label(at), "Sun 29 Mar 2026 02:00 BST");
    }

    #[test]
    fn a_repeated_time_falls_once_the_first_time() {
        // London, 25 October 2026: 01:00-02:00 happens in BST, then in GMT.
        let (at, shift) = london().first_at_or_after(wall("2026-10-25 01:30"));
        assert_eq!((at, shift), (utc("2026-10-25 00:30"), None));
    }

    #[test]
    fn flying_west_does_not_give_the_morning_twice() {
        // London until 12:00 UTC on 1 July, then New York.
        let c = LocalClock::from_zones(&[
            ZoneSince {
                since: from_ms_i64(0),
                zone: "Europe/London".into(),
            },
            ZoneSince {
                since: from_ms_i64(utc("2026-07-01 12:00")),
                zone: "America/New_York".into(),
            },
        ])
        .expect("zones");
        // 09:00 on 1 July was reached in London (08:00 UTC), before the
        // change; New York's 09:00 that day is not a second one.
        assert_eq!(
            c.first_at_or_after(wall("2026-07-01 09:00")),
            (utc("2026-07-01 08:00"), None)
        );
        // The next morning is New York's.
        assert_eq!(
            c.first_at_or_after(wall("2026-07-02 09:00")),
            (utc("2026-07-02 13:00"), None)
        );
    }

    #[test]
    fn flying_east_past_a_time_gives_it_at_the_change() {
        // New York until 12:00 UTC (08:00 EDT) on 1 July, then London (13:00 BST).
        let c = LocalClock::from_zones(&[
            ZoneSince {
                since: from_ms_i64(0),
                zone: "America/New_York".into(),
            },
            ZoneSince {
                since: from_ms_i64(utc("2026-07-01 12:00")),
                zone: "Europe/London".into(),
            },
        ])
        .expect("zones");
        assert_eq!(
            c.first_at_or_after(wall("2026-07-01 09:00")),
            (utc("2026-07-01 12:00"), Some(ReminderShift::TimeZoneChange))
        );
    }

    #[test]
    fn an_unknown_zone_is_refused_by_name() {
        let e = parse_zone("time_zone", "Mars/Olympus_Mons").expect_err("unknown");
        assert!(e.to_string().contains("time_zone"), "{e}");
    }
}
