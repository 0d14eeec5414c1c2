//! What the store refuses: bad input (nothing written) and the wrong key.

use super::{say, Tour, ANN};
use crate::cmd::plan::{self, ActivityAdd, Create, ScheduleArgs};
use crate::fail::{Fail, Result, Status};
use pph_core::{Companion, PphError};

pub(super) fn mistakes(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let refused = |what: &str, outcome: Result<String>| -> Result<()> {
        match outcome {
            Err(f) => {
                say(format!("{what} -> {}", f.message));
                Ok(())
            }
            Ok(_) => Err(Fail::new(Status::Failure, format!("{what} was accepted"))),
        }
    };
    refused(
        "0 times a week",
        plan::add_activity(
            &ann,
            ActivityAdd {
                goal: t.story.walk_goal.clone(),
                text: "Swim".into(),
                when: ScheduleArgs {
                    repeat: "weekly:0".into(),
                    start: "2026-03-16".into(),
                    ..ScheduleArgs::default()
                },
                ..ActivityAdd::default()
            },
        )
        .map(|a| a.id),
    )?;
    refused(
        "empty title   ",
        plan::create(
            &ann,
            Create {
                title: "  ".into(),
                ..Create::default()
            },
        )
        .map(|p| p.id),
    )
}

pub(super) fn keys(t: &mut Tour) -> Result<()> {
    // Every handle on the phone's store closes before it is opened again.
    t.devices.clear();
    match Companion::open(t.config(ANN, &[0; 32])) {
        Err(e) => say(format!("another key    -> {e}")),
        Ok(_) => {
            return Err(Fail::new(
                Status::Failure,
                "the store opened with the wrong key",
            ))
        }
    }
    let again = Companion::open(t.config(ANN, &t.key.clone()))?;
    say(format!(
        "the right key  -> {} plan(s), integrity check: {}",
        again.care_plans().list_plans()?.len(),
        again
            .store()
            .integrity_check()
            .map_err(|e| Fail::from(PphError::from(e)))?
    ));
    Ok(())
}
