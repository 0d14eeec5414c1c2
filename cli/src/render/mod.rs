//! How the terminal shows core records (`Show` impls), one file per
//! capability; shared by the commands and the tour.

pub mod budget;
pub mod diary;
pub mod groups;
pub mod page;
pub mod plan;
pub mod sync;
pub mod timebank;
pub mod today;

use std::time::SystemTime;

/// An instant for people: `2026-03-02 09:00:00 UTC`.
pub fn instant(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

/// An instant for flags: RFC 3339, `2026-03-02T09:00:00Z`.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Minutes after midnight as `HH:MM`.
pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A time window as `HH:MM-HH:MM`.
pub fn window(w: &pph_core::TimeWindow) -> String {
    format!("{}-{}", clock(w.start_minute), clock(w.end_minute))
}

/// A list as text, one rendering per item.
pub fn lines<T>(items: &[T], line: impl Fn(&T) -> String) -> String {
    items.iter().map(|i| format!("{}\n", line(i))).collect()
}
