//! Calendar helpers. Instants are UTC milliseconds plus the UTC offset the
//! person had when they entered them; dates are ISO `YYYY-MM-DD` in the
//! person's local calendar.

use crate::error::PphError;
use chrono::{DateTime, NaiveDate};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Offsets in use on Earth run from UTC-12 to UTC+14.
pub(crate) const MAX_OFFSET_MINUTES: i32 = 14 * 60;

pub(crate) const MINUTES_PER_DAY: u16 = 24 * 60;

/// A clock time as minutes after local midnight: 0 to 1439.
pub(crate) fn check_minute(field: &str, minute: u16) -> Result<(), PphError> {
    if minute >= MINUTES_PER_DAY {
        return Err(PphError::validation(
            field,
            "minutes after midnight, from 0 to 1439",
        ));
    }
    Ok(())
}

pub(crate) fn parse_date(field: &str, text: &str) -> Result<NaiveDate, PphError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| PphError::validation(field, "not a date of the form YYYY-MM-DD"))
}

pub(crate) fn check_offset(field: &str, minutes: i32) -> Result<(), PphError> {
    if minutes.abs() > MAX_OFFSET_MINUTES {
        return Err(PphError::validation(field, "UTC offset beyond ±14 hours"));
    }
    Ok(())
}

/// 10000-01-01T00:00Z: no instant we keep is this late, and keys built
/// from instants (the diary's search keys) stay within 64 bits below it.
pub(crate) const END_OF_TIME_MS: u64 = 253_402_300_800_000;

pub(crate) fn to_ms(field: &str, t: SystemTime) -> Result<u64, PphError> {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .map_err(|_| PphError::validation(field, "before 1970"))?;
    if ms >= u128::from(END_OF_TIME_MS) {
        return Err(PphError::validation(field, "after the year 9999"));
    }
    Ok(ms as u64)
}

pub(crate) fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Serde for an instant kept as whole milliseconds since 1970 (the form
/// records had on the wire and on disk before they used `SystemTime`).
pub(crate) mod as_ms {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::time::SystemTime;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        super::to_ms("instant", *t)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let ms = u64::deserialize(d)?;
        if ms >= super::END_OF_TIME_MS {
            return Err(serde::de::Error::custom("an instant after the year 9999"));
        }
        Ok(super::from_ms(ms))
    }
}

/// Milliseconds since 1970 of an instant already checked by `to_ms` (0
/// before 1970, for records that were never checked).
pub(crate) fn ms_i64(t: SystemTime) -> i64 {
    to_ms("instant", t).unwrap_or(0) as i64
}

/// An instant as records keep it: to the whole millisecond (so a record
/// reads the same here as on a device that received it).
pub(crate) fn whole_ms(t: SystemTime) -> SystemTime {
    from_ms(ms_i64(t) as u64)
}

/// An instant from a count of milliseconds that may be out of range (the
/// relay's `i64` stamps): clamped to 1970..9999.
pub(crate) fn from_ms_i64(ms: i64) -> SystemTime {
    from_ms((ms.max(0) as u64).min(END_OF_TIME_MS - 1))
}

/// The local calendar date of an instant seen at a UTC offset.
pub(crate) fn local_date(ms: u64, offset_minutes: i32) -> NaiveDate {
    let local_ms = ms as i64 + i64::from(offset_minutes) * 60_000;
    DateTime::from_timestamp_millis(local_ms)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_date_follows_the_offset_across_midnight() {
        // 2026-03-01T23:30Z
        let ms = 1_772_407_800_000;
        assert_eq!(local_date(ms, 0).to_string(), "2026-03-01");
        assert_eq!(local_date(ms, 60).to_string(), "2026-03-02");
        assert_eq!(local_date(ms, -600).to_string(), "2026-03-01");
    }

    #[test]
    fn bad_dates_and_offsets_are_named() {
        assert_eq!(
            parse_date("start", "2026-02-30"),
            Err(PphError::validation(
                "start",
                "not a date of the form YYYY-MM-DD"
            ))
        );
        assert!(check_offset("utc_offset_minutes", 15 * 60).is_err());
        assert!(check_offset("utc_offset_minutes", -12 * 60).is_ok());
    }

    #[test]
    fn instants_run_from_1970_to_the_year_9999() {
        let last = from_ms(END_OF_TIME_MS - 1);
        assert_eq!(to_ms("at", last), Ok(END_OF_TIME_MS - 1));
        assert_eq!(
            to_ms("at", from_ms(END_OF_TIME_MS)),
            Err(PphError::validation("at", "after the year 9999"))
        );
        assert!(to_ms("at", UNIX_EPOCH - Duration::from_millis(1)).is_err());
        // The diary's search keys (ms * 16384 + n) fit in 64 bits.
        assert!(i64::try_from(END_OF_TIME_MS * 16_384).is_ok());
    }
}
