//! Today and reminders: the exported API. The core decides what is due and
//! when to remind; the shells render `today` and schedule what
//! `upcoming_reminders` returns, asking again after a sync, a reboot, a
//! time-zone change or any write.

mod facts;
pub mod model;
mod occurrences;
mod screen;
pub(crate) mod store;
mod wall_clock;

use crate::error::{PphError, Result};
use crate::ids::new_id;
use crate::store::{load_required, Store};
use crate::time::{from_ms_i64, ms_i64, parse_date, to_ms};
use model::*;
use occurrences::Expansion;
use std::sync::Arc;
use std::time::SystemTime;
use wall_clock::{parse_zone, LocalClock};

/// At most this many reminders per call: iOS keeps 64 pending, Android
/// needs no more at once.
const MAX_LIMIT: u32 = 500;
/// A snooze puts an occurrence off by at most a week.
const MAX_SNOOZE_MS: i64 = 7 * 24 * 3_600_000;
/// Zones remembered after a change, for reminders around a journey.
const ZONE_MEMORY_MS: i64 = 3 * 24 * 3_600_000;
/// Until the shell says otherwise (it sets the device's zone on start).
const DEFAULT_ZONE: &str = "UTC";

#[derive(uniffi::Object)]
pub struct Today {
    store: Arc<Store>,
}

impl Today {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Today { store }
    }

    /// The stored settings, or a new person's: UTC until the shell says.
    fn stored_prefs(&self) -> Result<ReminderPrefs> {
        Ok(self
            .store
            .read(store::prefs)?
            .unwrap_or_else(|| ReminderPrefs {
                zones: vec![ZoneSince {
                    since: SystemTime::UNIX_EPOCH,
                    zone: DEFAULT_ZONE.into(),
                }],
                ..no_prefs()
            }))
    }

    /// The device's zone now, as the shell last set it (UTC until then):
    /// the zone a clinician's pages show times in.
    pub(crate) fn device_zone(&self) -> Result<jiff::tz::TimeZone, PphError> {
        parse_zone("time_zone", &self.reminder_settings()?.time_zone)
    }

    fn rule(&self, rule_id: &str) -> Result<ReminderRule> {
        crate::ids::check_id("rule_id", rule_id)?;
        self.store
            .read(|conn| load_required::<ReminderRule>(conn, rule_id))
    }

    fn save_rule(&self, old: &ReminderRule, new: ReminderRule) -> Result<ReminderRule> {
        if *old != new {
            self.store.write(|tx| tx.save_personal(Some(old), &new))?;
        }
        Ok(new)
    }
}

#[uniffi::export]
impl Today {
    /// What the person sees first on a local date (`YYYY-MM-DD`).
    pub fn today(&self, date: String) -> Result<TodayView, PphError> {
        let day = parse_date("date", &date)?;
        let clock = LocalClock::from_zones(&self.stored_prefs()?.zones)?;
        let (facts, rules) = self
            .store
            .read(|conn| Ok((store::facts(conn, day)?, store::rules(conn)?)))?;
        Ok(screen::today_view(&facts, &rules, &clock, day))
    }

    /// The next `limit` reminders at or after `from`, soonest first, in the
    /// person's time zone, with quiet hours and snoozes applied; none for
    /// an item already logged or done.
    pub fn upcoming_reminders(
        &self,
        from: SystemTime,
        limit: u32,
    ) -> Result<Vec<UpcomingReminder>, PphError> {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(PphError::validation(
                "limit",
                format!("from 1 to {MAX_LIMIT}"),
            ));
        }
        let from = to_ms("from", from)? as i64;
        let prefs = self.stored_prefs()?;
        let clock = LocalClock::from_zones(&prefs.zones)?;
        let first = clock.local_date(from) - chrono::Duration::days(2);
        let (facts, rules) = self
            .store
            .read(|conn| Ok((store::facts(conn, first)?, store::rules(conn)?)))?;
        let expansion = Expansion {
            clock: &clock,
            quiet: prefs.quiet_hours.as_ref(),
            detailed: prefs.detailed_text,
            facts: &facts,
        };
        Ok(expansion.upcoming(&rules, from, limit as usize))
    }

    /// Every reminder rule, on or off, oldest first.
    pub fn reminders(&self) -> Result<Vec<ReminderRule>, PphError> {
        Ok(self.store.read(store::rules)?)
    }

    pub fn add_reminder(&self, new: NewReminder) -> Result<ReminderRule, PphError> {
        new.validate()?;
        let rule = ReminderRule {
            id: new_id(),
            subject: new.subject,
            timing: whole_ms_timing(new.timing),
            quiet_hours: new.quiet_hours.unwrap_or(QuietHoursPolicy::Defer),
            enabled: true,
            snoozes: vec![],
        };
        Ok(self.store.write(|tx| {
            if let ReminderSubject::Activity { activity_id } = &rule.subject {
                load_required::<crate::care_plan::model::Activity>(tx.tx, activity_id)?;
            }
            tx.save_personal(None, &rule)?;
            Ok(rule)
        })?)
    }

    /// Changes a rule's timing, its quiet-hours policy or turns it on or off.
    pub fn update_reminder(
        &self,
        rule_id: String,
        update: ReminderUpdate,
    ) -> Result<ReminderRule, PphError> {
        let old = self.rule(&rule_id)?;
        let mut new = old.clone();
        if let Some(timing) = update.timing {
            timing.validate(&old.subject)?;
            new.timing = whole_ms_timing(timing);
        }
        new.quiet_hours = update.quiet_hours.unwrap_or(new.quiet_hours);
        new.enabled = update.enabled.unwrap_or(new.enabled);
        Ok(self.save_rule(&old, new)?)
    }

    /// Puts one occurrence (by its key) off until `until`: after now and at
    /// most a week ahead.
    pub fn snooze(&self, key: String, until: SystemTime) -> Result<ReminderRule, PphError> {
        let rule_id = key.split(':').next().unwrap_or_default();
        let old = self.rule(rule_id)?;
        let now = self.store.now_ms() as i64;
        let until_ms = to_ms("until", until)? as i64;
        if until_ms <= now || until_ms > now + MAX_SNOOZE_MS {
            return Err(PphError::validation(
                "until",
                "must be after now and at most a week ahead",
            ));
        }
        let mut new = old.clone();
        // Forget snoozes long past, and the same occurrence's earlier one.
        new.snoozes
            .retain(|s| s.key != key && ms_i64(s.until) >= now - MAX_SNOOZE_MS);
        new.snoozes.push(Snooze {
            key,
            until: from_ms_i64(until_ms),
        });
        let excess = new.snoozes.len().saturating_sub(MAX_SNOOZES);
        new.snoozes.drain(..excess);
        Ok(self.save_rule(&old, new)?)
    }

    pub fn reminder_settings(&self) -> Result<ReminderSettings, PphError> {
        let prefs = self.stored_prefs()?;
        Ok(ReminderSettings {
            time_zone: prefs
                .zones
                .last()
                .map_or(DEFAULT_ZONE.into(), |z| z.zone.clone()),
            quiet_hours: prefs.quiet_hours,
            detailed_text: prefs.detailed_text,
        })
    }

    /// Sets the person's zone, quiet hours and lock-screen detail. A new
    /// zone applies from now: reminders already given are not given again.
    pub fn set_reminder_settings(
        &self,
        settings: ReminderSettings,
    ) -> Result<ReminderSettings, PphError> {
        parse_zone("time_zone", &settings.time_zone)?;
        if let Some(q) = &settings.quiet_hours {
            q.validate()?;
        }
        let now = self.store.now_ms() as i64;
        self.store.write(|tx| {
            let old = store::prefs(tx.tx)?;
            let mut new = old.clone().unwrap_or_else(no_prefs);
            if new.zones.last().map(|z| z.zone.as_str()) != Some(settings.time_zone.as_str()) {
                new.zones.push(ZoneSince {
                    since: from_ms_i64(now),
                    zone: settings.time_zone.clone(),
                });
            }
            forget_old_zones(&mut new.zones, now);
            new.quiet_hours = settings.quiet_hours.clone();
            new.detailed_text = settings.detailed_text;
            if old.as_ref() != Some(&new) {
                tx.save_personal(old.as_ref(), &new)?;
            }
            Ok(())
        })?;
        self.reminder_settings()
    }

    /// The device's zone changed (travel, or the person moved): the same as
    /// `set_reminder_settings` with only the zone changed.
    pub fn set_time_zone(&self, time_zone: String) -> Result<ReminderSettings, PphError> {
        let current = self.reminder_settings()?;
        self.set_reminder_settings(ReminderSettings {
            time_zone,
            ..current
        })
    }
}

/// The settings record before anything is set.
fn no_prefs() -> ReminderPrefs {
    ReminderPrefs {
        id: store::PREFS_ID.clone(),
        zones: vec![],
        quiet_hours: None,
        detailed_text: false,
    }
}

/// Keeps the zones of the last few days and the one in force before them;
/// the first is in force from the start of time.
fn forget_old_zones(zones: &mut Vec<ZoneSince>, now: i64) {
    let recent = zones
        .iter()
        .position(|z| ms_i64(z.since) >= now - ZONE_MEMORY_MS)
        .unwrap_or(zones.len());
    zones.drain(..recent.saturating_sub(1));
    if let Some(first) = zones.first_mut() {
        first.since = SystemTime::UNIX_EPOCH;
    }
}

/// Stored instants are whole milliseconds, as they sync.
fn whole_ms_timing(timing: ReminderTiming) -> ReminderTiming {
    match timing {
        ReminderTiming::FixedInterval {
            anchor,
            every_minutes,
        } => ReminderTiming::FixedInterval {
            anchor: crate::time::whole_ms(anchor),
            every_minutes,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
