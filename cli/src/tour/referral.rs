//! Social prescribing: Sam, a link worker, refers Ann to a walking group;
//! it counts in her plan only once she accepts it, and she drafts a note
//! back to her GP.

use super::{say, Tour, ANN};
use crate::cmd::plan::{self, ContactAdd, ScheduleArgs};
use crate::cmd::referral::{self, Add};
use crate::fail::Result;

pub(super) fn walking_group(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let sam = plan::add_contact(
        &ann,
        ContactAdd {
            plan: t.story.plan.clone(),
            name: "Sam Achebe".into(),
            role: "link_worker".into(),
            reach: "07700 900123".into(),
        },
    )?;
    let today = ann.today();
    let made = referral::add(
        &ann,
        Add {
            goal: t.story.walk_goal.clone(),
            service: "Hilltop Walkers".into(),
            kind: "walking_group".into(),
            by: Some(sam.id),
            text: "Walk with the group on Saturdays".into(),
            on: Some(today.clone()),
            when: ScheduleArgs {
                repeat: "on:sat".into(),
                start: today.clone(),
                ..ScheduleArgs::default()
            },
        },
    )?;
    say("Sam, Ann's link worker, refers her to Hilltop Walkers. Until Ann says yes it is only a proposal: nothing is due.");
    let accepted = referral::status(
        &ann,
        made.id.clone(),
        "accepted",
        Some(today),
        Some("Saturdays suit me".into()),
    )?;
    if let Some(r) = &accepted.referral {
        say(format!("Ann accepts: {}", crate::render::plan::referral(r)));
    }
    let message = ann
        .companion
        .care_plans()
        .referral_message(made.id.clone(), ann.today())?;
    say("The note Ann can send back to her GP:");
    for l in message.lines() {
        say(format!("  | {l}"));
    }
    crate::cmd::sync::now(&ann)?;
    Ok(())
}
