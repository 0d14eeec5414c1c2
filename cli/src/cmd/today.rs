//! The Today screen and reminders: what is due, the rules that remind, the
//! next occurrences to schedule, snoozes and the person's settings.

use crate::ctx::Ctx;
use crate::fail::{Fail, Result};
use crate::parse;
use crate::render::today::{Rules, Upcoming};
use clap::{Args, Subcommand};
use pph_core::*;

#[derive(Args, Default)]
pub struct TodayArgs {
    /// The local date, YYYY-MM-DD (today if not given).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Subcommand)]
pub enum RemindCommand {
    /// Add a reminder rule.
    Add(RemindAdd),
    /// Every rule, on or off.
    List,
    /// The next reminders, as a phone would schedule them.
    Next(Next),
    /// Stop a rule (it stays, off).
    Off { rule: String },
    /// Start a rule again.
    On { rule: String },
    /// Put one reminder off, by its key (from `remind next`).
    Snooze {
        key: String,
        /// How long: 10m, 2h, 1d.
        #[arg(long = "for")]
        span: String,
    },
    /// Show or change the time zone, quiet hours and lock-screen detail.
    Settings(SettingsArgs),
}

#[derive(Args, Default)]
pub struct RemindAdd {
    /// activity:ID, diary, questionnaire:CODE:DAYS, meetups or budget-review:DAYS.
    pub subject: String,
    /// At this local clock time, HH:MM, kept across clock changes.
    #[arg(long, conflicts_with_all = ["every", "before"])]
    pub at: Option<String>,
    /// Every span (8h, 1d) from --starting, whatever the clock shows.
    #[arg(long, requires = "starting")]
    pub every: Option<String>,
    /// The first of a fixed interval, RFC 3339.
    #[arg(long)]
    pub starting: Option<String>,
    /// For meetups: this long before the start (2h, 30m).
    #[arg(long)]
    pub before: Option<String>,
    /// What happens in quiet hours: defer (to their end) or drop.
    #[arg(long)]
    pub quiet: Option<String>,
}

#[derive(Args, Default)]
pub struct Next {
    /// From this instant, RFC 3339 (now if not given).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: u32,
}

#[derive(Args, Default)]
pub struct SettingsArgs {
    /// IANA time zone, e.g. Europe/London.
    #[arg(long)]
    pub zone: Option<String>,
    /// Quiet hours HH:MM-HH:MM, e.g. 22:00-07:00.
    #[arg(long, conflicts_with = "no_quiet")]
    pub quiet: Option<String>,
    /// No quiet hours.
    #[arg(long)]
    pub no_quiet: bool,
    /// Name the item on the lock screen (true) or keep it generic (false).
    #[arg(long)]
    pub detailed: Option<bool>,
}

fn minutes(flag: &str, span: &str) -> Result<u32> {
    let seconds = parse::span(flag, span)?.as_secs();
    u32::try_from(seconds / 60).map_err(|_| Fail::refused(format!("{flag} is too long")))
}

fn timing(a: &RemindAdd) -> Result<ReminderTiming> {
    match (&a.at, &a.every, &a.before) {
        (Some(at), None, None) => Ok(ReminderTiming::ClockTime {
            minute: parse::clock_time("--at", at)?,
        }),
        (None, Some(every), None) => Ok(ReminderTiming::FixedInterval {
            anchor: parse::instant("--starting", a.starting.as_deref().unwrap_or_default())?,
            every_minutes: minutes("--every", every)?,
        }),
        (None, None, Some(before)) => Ok(ReminderTiming::BeforeStart {
            minutes: minutes("--before", before)?,
        }),
        _ => Err(Fail::refused(
            "give one of --at HH:MM, --every SPAN --starting INSTANT, or --before SPAN",
        )),
    }
}

pub fn add(ctx: &Ctx, a: RemindAdd) -> Result<ReminderRule> {
    Ok(ctx.companion.today().add_reminder(NewReminder {
        subject: parse::reminder_subject(&a.subject)?,
        timing: timing(&a)?,
        quiet_hours: a
            .quiet
            .as_deref()
            .map(|q| parse::enum_value("--quiet", q))
            .transpose()?,
    })?)
}

pub fn today(ctx: &Ctx, a: TodayArgs) -> Result<TodayView> {
    let date = a.date.unwrap_or_else(|| ctx.today());
    Ok(ctx.companion.today().today(date)?)
}

pub fn next(ctx: &Ctx, a: Next) -> Result<Vec<UpcomingReminder>> {
    let from = parse::instant_or("--from", a.from.as_deref(), ctx.now())?;
    Ok(ctx.companion.today().upcoming_reminders(from, a.limit)?)
}

pub fn settings(ctx: &Ctx, a: SettingsArgs) -> Result<ReminderSettings> {
    let today = ctx.companion.today();
    let current = today.reminder_settings()?;
    if a.zone.is_none() && a.quiet.is_none() && !a.no_quiet && a.detailed.is_none() {
        return Ok(current);
    }
    let quiet_hours = match (a.quiet, a.no_quiet) {
        (Some(q), _) => Some(parse::quiet_hours(&q)?),
        (None, true) => None,
        (None, false) => current.quiet_hours.clone(),
    };
    Ok(today.set_reminder_settings(ReminderSettings {
        time_zone: a.zone.unwrap_or(current.time_zone),
        quiet_hours,
        detailed_text: a.detailed.unwrap_or(current.detailed_text),
    })?)
}

fn switch(ctx: &Ctx, rule: String, on: bool) -> Result<ReminderRule> {
    Ok(ctx.companion.today().update_reminder(
        rule,
        ReminderUpdate {
            enabled: Some(on),
            ..ReminderUpdate::default()
        },
    )?)
}

pub fn run_today(ctx: &Ctx, a: TodayArgs) -> Result<()> {
    ctx.out.show(&today(ctx, a)?);
    Ok(())
}

pub fn run_remind(ctx: &Ctx, command: RemindCommand) -> Result<()> {
    match command {
        RemindCommand::Add(a) => {
            let rule = add(ctx, a)?;
            ctx.out.created(&rule.id, &rule);
        }
        RemindCommand::List => ctx.out.show(&Rules(ctx.companion.today().reminders()?)),
        RemindCommand::Next(a) => ctx.out.show(&Upcoming(next(ctx, a)?)),
        RemindCommand::Off { rule } => ctx.out.said("reminder off", &switch(ctx, rule, false)?),
        RemindCommand::On { rule } => ctx.out.said("reminder on", &switch(ctx, rule, true)?),
        RemindCommand::Snooze { key, span } => {
            let until = ctx.now() + parse::span("--for", &span)?;
            let rule = ctx.companion.today().snooze(key, until)?;
            ctx.out.said(
                &format!("snoozed until {}", crate::render::instant(until)),
                &rule,
            );
        }
        RemindCommand::Settings(a) => ctx.out.show(&settings(ctx, a)?),
    }
    Ok(())
}
