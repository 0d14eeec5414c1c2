//! The breathing group's timebank: Rosa gives Ann a lift, Ann confirms it,
//! and both balances move once both phones have synced. Jim, who
//! facilitates, shares the group's totals.

use super::{say, Tour, ANN, JIM, ROSA};
use crate::cmd::group;
use crate::cmd::sync;
use crate::cmd::timebank::{self, Give, PostArgs, Rules};
use crate::ctx::Ctx;
use crate::fail::Result;
use crate::render::timebank::{hours, Overview};

fn balance(phone: &Ctx, group: &str) -> Result<i64> {
    Ok(phone
        .companion
        .timebank()
        .overview(group.into())?
        .my_balance
        .minutes)
}

pub(super) fn lift(t: &mut Tour) -> Result<()> {
    let (ann, jim, rosa) = (t.device(ANN)?, t.device(JIM)?, t.device(ROSA)?);
    let g = t.story.group.clone();
    timebank::rules(
        &jim,
        Rules {
            group: g.clone(),
            off: false,
            lower: -10.0,
            upper: 40.0,
        },
    )?;
    sync::now(&jim)?;
    for phone in [&rosa, &ann] {
        sync::now(phone)?;
    }
    say("Jim turns the group's timebank on: balances from -10 h to +40 h.");
    let offer = timebank::post(
        &rosa,
        PostArgs {
            group: g.clone(),
            kind: "offer".into(),
            text: "I can drive two people to the Thursday walk".into(),
            category: "transport".into(),
            goal: None,
        },
    )?;
    timebank::post(
        &ann,
        PostArgs {
            group: g.clone(),
            kind: "request".into(),
            text: "A lift to the walk, while my knee mends".into(),
            category: "transport".into(),
            goal: Some(t.story.walk_goal.clone()),
        },
    )?;
    sync::now(&ann)?;
    sync::now(&rosa)?;

    let lift = timebank::give(
        &rosa,
        Give {
            group: g.clone(),
            to: group::my_account(&ann)?,
            name: "Ann".into(),
            minutes: 90,
            category: "transport".into(),
            on: None,
            note: "There and back".into(),
            post: Some(offer.id),
        },
    )?;
    say("Rosa drives Ann to the walk and records an hour and a half, offline:");
    rosa.out
        .show(&Overview(rosa.companion.timebank().overview(g.clone())?));
    sync::now(&rosa)?;
    sync::now(&ann)?;
    say("Ann's phone, after it syncs:");
    ann.out
        .show(&Overview(ann.companion.timebank().overview(g.clone())?));
    ann.companion.timebank().confirm_exchange(lift.id)?;
    say(format!(
        "Ann confirms. Before Rosa's phone syncs it still shows her balance as {}; after: {}. Ann's: {}.",
        hours(balance(&rosa, &g)?),
        {
            sync::now(&ann)?;
            sync::now(&rosa)?;
            hours(balance(&rosa, &g)?)
        },
        hours(balance(&ann, &g)?)
    ));
    sync::now(&jim)?;
    jim.companion.timebank().share_totals(g.clone())?;
    sync::now(&jim)?;
    sync::now(&ann)?;
    say("Only Rosa, Ann and Jim (who facilitates) ever receive the exchange; Jim shares the group's totals, which everyone sees:");
    ann.out
        .show(&Overview(ann.companion.timebank().overview(g)?));
    Ok(())
}
