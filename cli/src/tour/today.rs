//! Ann's morning: the Today screen the core assembles, the reminder rules
//! she chooses, and the next reminders across the October clock change.

use super::{say, Tour, ANN};
use crate::cmd::today::{self, Next, RemindAdd, SettingsArgs, TodayArgs};
use crate::fail::Result;
use crate::render::today::Upcoming;

pub(super) fn morning(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let settings = today::settings(
        &ann,
        SettingsArgs {
            zone: Some("Europe/London".into()),
            quiet: Some("22:00-07:00".into()),
            ..SettingsArgs::default()
        },
    )?;
    ann.out.show(&settings);
    let rule = |subject: &str, at: Option<&str>, before: Option<&str>| {
        today::add(
            &ann,
            RemindAdd {
                subject: subject.into(),
                at: at.map(Into::into),
                before: before.map(Into::into),
                ..RemindAdd::default()
            },
        )
    };
    rule(&format!("activity:{}", t.story.walk), Some("09:00"), None)?;
    rule("diary", Some("20:00"), None)?;
    rule("questionnaire:phq9:7", Some("18:00"), None)?;
    rule("meetups", None, Some("2h"))?;
    say("Reminders: the shop walk at 09:00, the diary at 20:00, a PHQ-9 a week before each review, meetups 2 hours ahead.");
    ann.out.show(&today::today(&ann, TodayArgs::default())?);

    say("The next reminders over the last Saturday of October, when the clocks go back:");
    let next = today::next(
        &ann,
        Next {
            from: Some("2026-10-24T06:00:00Z".into()),
            limit: 5,
        },
    )?;
    ann.out.show(&Upcoming(next));
    say("09:00 stays 09:00 (BST, then GMT); the lock screen says only \"Time for your plan\".");
    Ok(())
}
