//! The shell's own readings of what was typed: enum names, schedules,
//! instants, amounts, ratings. A refusal names the flag and never repeats
//! the value (it may be something private).

use crate::fail::{Fail, Result};
use pph_core::{QuietHours, ReminderSubject, Repeat, TimeWindow, Weekday};
use std::time::{Duration, SystemTime};

/// A core enum from its snake_case name (`gp`, `social_worker`,
/// `achieved`…), the names the change log records.
pub fn enum_value<T: serde::de::DeserializeOwned>(flag: &str, text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_ascii_lowercase()))
        .map_err(|_| Fail::refused(format!("{flag}: unknown value (see --help)")))
}

/// `once | daily | weekly:N | on:mon,thu | every:N`.
pub fn repeat(text: &str) -> Result<Repeat> {
    let (kind, arg) = text.split_once(':').unwrap_or((text, ""));
    let number = |what: &str| -> Result<u16> {
        arg.parse()
            .map_err(|_| Fail::refused(format!("--repeat {kind}:N needs a whole number of {what}")))
    };
    match kind {
        "once" => Ok(Repeat::Once),
        "daily" => Ok(Repeat::Daily),
        "weekly" => Ok(Repeat::TimesPerWeek {
            times: u8::try_from(number("times")?)
                .map_err(|_| Fail::refused("--repeat: too many times a week"))?,
        }),
        "every" => Ok(Repeat::EveryNDays {
            days: number("days")?,
        }),
        "on" => {
            let days = arg
                .split(',')
                .filter(|d| !d.is_empty())
                .map(|d| enum_value::<Weekday>("--repeat on:", d))
                .collect::<Result<_>>()?;
            Ok(Repeat::OnWeekdays { days })
        }
        _ => Err(Fail::refused(
            "--repeat is one of once, daily, weekly:N, on:mon,thu, every:N",
        )),
    }
}

/// `HH:MM`, a local clock time, as minutes after midnight (24:00 allowed
/// as the end of a window).
fn clock_minute(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m <= 59).then_some(h * 60 + m)
}

/// `HH:MM`, a local clock time.
pub fn clock_time(flag: &str, text: &str) -> Result<u16> {
    clock_minute(text)
        .filter(|m| *m < 24 * 60)
        .ok_or_else(|| Fail::refused(format!("{flag} takes a clock time HH:MM, e.g. 09:00")))
}

/// `HH:MM-HH:MM`, local time.
pub fn window(text: &str) -> Result<TimeWindow> {
    let refused = || Fail::refused("--window takes HH:MM-HH:MM");
    let (start, end) = text.split_once('-').ok_or_else(refused)?;
    Ok(TimeWindow {
        start_minute: clock_minute(start).ok_or_else(refused)?,
        end_minute: clock_minute(end).ok_or_else(refused)?,
    })
}

/// Quiet hours `HH:MM-HH:MM` (may wrap midnight, e.g. 22:00-07:00).
pub fn quiet_hours(text: &str) -> Result<QuietHours> {
    let refused = || Fail::refused("--quiet takes HH:MM-HH:MM, e.g. 22:00-07:00");
    let (start, end) = text.split_once('-').ok_or_else(refused)?;
    Ok(QuietHours {
        start_minute: clock_time("--quiet", start).map_err(|_| refused())?,
        end_minute: clock_time("--quiet", end).map_err(|_| refused())?,
    })
}

/// What a reminder is for: `activity:ID`, `diary`, `questionnaire:CODE:DAYS`
/// (days before each plan review), `meetups`, `budget-review:DAYS`.
pub fn reminder_subject(text: &str) -> Result<ReminderSubject> {
    let refused = || {
        Fail::refused(
            "a reminder is for activity:ID, diary, questionnaire:CODE:DAYS, meetups or budget-review:DAYS",
        )
    };
    let days = |d: &str| d.parse::<u16>().map_err(|_| refused());
    let parts: Vec<&str> = text.split(':').collect();
    Ok(match parts.as_slice() {
        ["activity", id] => ReminderSubject::Activity {
            activity_id: (*id).into(),
        },
        ["diary"] => ReminderSubject::DiaryPrompt,
        ["questionnaire", code, d] => ReminderSubject::QuestionnaireBeforeReview {
            code: (*code).into(),
            days_before: days(d)?,
        },
        ["meetups"] => ReminderSubject::Meetups,
        ["budget-review", d] => ReminderSubject::BudgetReview {
            days_before: days(d)?,
        },
        _ => return Err(refused()),
    })
}

/// An RFC 3339 instant, e.g. `2026-03-02T09:00:00Z`.
pub fn instant(flag: &str, text: &str) -> Result<SystemTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(SystemTime::from)
        .map_err(|_| {
            Fail::refused(format!(
                "{flag} takes an RFC 3339 instant, e.g. 2026-03-02T09:00:00Z"
            ))
        })
}

/// An instant given as `--at`, or now.
pub fn instant_or(flag: &str, text: Option<&str>, now: SystemTime) -> Result<SystemTime> {
    text.map_or(Ok(now), |t| instant(flag, t))
}

/// A span such as `90m`, `2h` or `14d`.
pub fn span(flag: &str, text: &str) -> Result<Duration> {
    let refused = || {
        Fail::refused(format!(
            "{flag} takes a whole number of minutes, hours or days: 90m, 2h, 14d"
        ))
    };
    let (n, unit) = text.split_at(text.len().saturating_sub(1));
    let n: u64 = n.parse().map_err(|_| refused())?;
    let seconds = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(refused()),
    };
    Ok(Duration::from_secs(
        n.checked_mul(seconds).ok_or_else(refused)?,
    ))
}

/// Pounds and pence (`180`, `180.5`, `180.50`, `-20.00`) as pence.
pub fn pence(flag: &str, text: &str) -> Result<i64> {
    let refused = || Fail::refused(format!("{flag} takes an amount such as 180 or 180.50"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((_, "")) => return Err(refused()),
        Some(parts) => parts,
        None => (digits, ""),
    };
    if whole.is_empty()
        || fraction.len() > 2
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(refused());
    }
    let whole: i64 = whole.parse().map_err(|_| refused())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| refused())?;
    let pence = whole
        .checked_mul(100)
        .and_then(|p| p.checked_add(fraction))
        .ok_or_else(refused)?;
    Ok(if negative { -pence } else { pence })
}

/// `NAME=VALUE`, e.g. `breathlessness=6`.
pub fn rating(text: &str) -> Result<(String, f64)> {
    let refused = || Fail::refused("--rate takes SYMPTOM=VALUE, e.g. breathlessness=6");
    let (name, value) = text.rsplit_once('=').ok_or_else(refused)?;
    let value: f64 = value.trim().parse().map_err(|_| refused())?;
    if name.trim().is_empty() || !value.is_finite() {
        return Err(refused());
    }
    Ok((name.trim().to_owned(), value))
}

/// `NAME` or `NAME:DOSE`, e.g. `Salbutamol:2 puffs`.
pub fn medication(text: &str) -> pph_core::MedicationTaken {
    match text.split_once(':') {
        Some((name, dose)) => pph_core::MedicationTaken {
            name: name.trim().to_owned(),
            dose: Some(dose.trim().to_owned()),
        },
        None => pph_core::MedicationTaken {
            name: text.trim().to_owned(),
            dose: None,
        },
    }
}

/// Answers as whole numbers, `1,1,2,0`.
pub fn answers(text: &str) -> Result<Vec<i32>> {
    text.split(',')
        .map(|a| {
            a.trim()
                .parse()
                .map_err(|_| Fail::refused("--answers takes whole numbers separated by commas"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_to_the_penny_and_odd_ones_refused() {
        assert_eq!(pence("--amount", "180").ok(), Some(18_000));
        assert_eq!(pence("--amount", "180.5").ok(), Some(18_050));
        assert_eq!(pence("--amount", "0.07").ok(), Some(7));
        assert_eq!(pence("--amount", "-20.00").ok(), Some(-2_000));
        for bad in [
            "",
            "12.345",
            "£12",
            "1e3",
            "12.",
            ".5",
            "99999999999999999999",
        ] {
            let refused = pence("--amount", bad).expect_err(bad);
            // The same words whatever was typed: nothing echoed back.
            assert_eq!(
                refused.message,
                "--amount takes an amount such as 180 or 180.50"
            );
        }
    }

    #[test]
    fn schedules_windows_and_spans_read_as_written() {
        assert_eq!(
            repeat("weekly:3").ok(),
            Some(Repeat::TimesPerWeek { times: 3 })
        );
        assert_eq!(
            repeat("on:mon,THU").ok(),
            Some(Repeat::OnWeekdays {
                days: vec![Weekday::Mon, Weekday::Thu]
            })
        );
        assert!(repeat("fortnightly").is_err());
        assert_eq!(
            window("09:00-10:30").ok(),
            Some(TimeWindow {
                start_minute: 540,
                end_minute: 630
            })
        );
        assert!(window("9-10").is_err());
        assert_eq!(span("--for", "2h").ok(), Some(Duration::from_secs(7_200)));
        assert_eq!(
            span("--for", "14d").ok(),
            Some(Duration::from_secs(14 * 86_400))
        );
        assert!(span("--for", "2w").is_err());
        assert_eq!(
            rating("Peak flow=380").ok(),
            Some(("Peak flow".into(), 380.0))
        );
        assert!(rating("cough").is_err());
        assert!(rating("cough=NaN").is_err());
    }
}
