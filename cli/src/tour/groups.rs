//! Jim's breathing group: a chat with a message written offline, a
//! peer's edit refused, and a park walk with more yeses than places.

use super::{say, Tour, ANN, DAY_MS, JIM, ROSA};
use crate::cmd::group::{self, Create, MeetupArgs, Post};
use crate::cmd::sync;
use crate::ctx::Ctx;
use crate::fail::{Fail, Result, Status};
use crate::render::rfc3339;
use pph_core::MeetupView;
use std::time::Duration;

fn peer(t: &mut Tour, name: &'static str) -> Result<Ctx> {
    let phone = t.open(name)?;
    let email = format!("{}@example.org", name.to_lowercase());
    t.sign_up(&phone, &email, name, "patient")?;
    Ok(phone)
}

fn sync_all(phones: &[&Ctx]) -> Result<()> {
    for phone in phones {
        sync::now(phone)?;
    }
    Ok(())
}

pub(super) fn chat(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let jim = peer(t, JIM)?;
    let rosa = peer(t, ROSA)?;
    let created = group::create(
        &jim,
        Create {
            name: "Breathe Easy Thursdays".into(),
            purpose: "Support between sessions, and walks when we can".into(),
            focus: Some("COPD".into()),
        },
    )?;
    let invite = group::invite(&jim, created.id.clone(), "7d")?;
    say(format!(
        "Jim (facilitator) starts \"{}\" and shares invite code {}.",
        created.name, invite.code
    ));
    for phone in [&ann, &rosa] {
        group::join(phone, invite.code.clone())?;
    }
    let members = group::members(&jim, created.id.clone())?;
    say(format!(
        "Members: {}",
        members
            .0
            .iter()
            .map(|m| format!("{} ({:?})", m.display_name, m.role))
            .collect::<Vec<_>>()
            .join(", ")
    ));

    let welcome = group::post(
        &jim,
        Post {
            group: created.id.clone(),
            text: "Welcome both! Walk on Saturday?".into(),
            reply_to: None,
        },
    )?;
    sync_all(&[&jim, &ann, &rosa])?;
    t.clock.advance(60_000);
    group::post(
        &ann,
        Post {
            group: created.id.clone(),
            text: "Yes please, if it's flat. (Sent from the bus, no signal)".into(),
            reply_to: Some(welcome.id.clone()),
        },
    )?;
    group::react(&rosa, welcome.id.clone(), "👍".into(), true)?;
    say("Ann's phone, before it finds a signal:");
    ann.out
        .show(&group::chat(&ann, created.id.clone(), 10, None)?);
    sync_all(&[&ann, &rosa, &jim])?;
    say("Jim's phone, after everyone synced:");
    jim.out
        .show(&group::chat(&jim, created.id.clone(), 10, None)?);
    // Who may write what is one table, checked by every phone and the server.
    let forged = group::edit(&rosa, welcome.id.clone(), "Walk cancelled".into());
    say(format!(
        "Rosa tries to change Jim's message -> {}",
        forged.err().map_or("accepted!".to_owned(), |f| f.message)
    ));
    t.story.group = created.id;
    t.story.welcome = welcome.id;
    Ok(())
}

pub(super) fn walk(t: &mut Tour) -> Result<()> {
    let (ann, jim, rosa) = (t.device(ANN)?, t.device(JIM)?, t.device(ROSA)?);
    let start = t.now() + Duration::from_millis(2 * DAY_MS);
    let walk = group::meetup(
        &jim,
        MeetupArgs {
            group: t.story.group.clone(),
            title: "Park walk".into(),
            start: rfc3339(start),
            span: "90m".into(),
            place: Some("Café by the lake".into()),
            link: None,
            capacity: Some(2),
            notes: "Flat route, benches every 200 m".into(),
        },
    )?;
    sync::now(&jim)?;
    for phone in [&jim, &rosa, &ann] {
        sync::now(phone)?;
        group::rsvp(phone, walk.id.clone(), "yes")?;
        sync::now(phone)?;
        t.clock.advance(1_000);
    }
    let as_ann_sees_it = || -> Result<MeetupView> {
        sync::now(&ann)?;
        group::meetups(&ann, t.story.group.clone())?
            .0
            .into_iter()
            .next()
            .ok_or_else(|| Fail::new(Status::Failure, "the walk did not reach Ann"))
    };
    let view = as_ann_sees_it()?;
    ann.out.show(&view);
    say(format!(
        "3 yes for 2 places: going {:?}, waiting {:?}; Ann is {:?}.",
        view.going, view.waitlist, view.my_place
    ));
    group::rsvp(&rosa, walk.id.clone(), "no")?;
    sync::now(&rosa)?;
    let view = as_ann_sees_it()?;
    say(format!(
        "Rosa can't make it: Ann moves up and is {:?}.",
        view.my_place
    ));

    t.clock.set(
        start
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default()
            + 2 * 3_600_000,
    );
    let ann_id = group::my_account(&ann)?;
    group::attendance(&jim, walk.id.clone(), ann_id, true)?;
    sync_all(&[&jim, &ann])?;
    let done = group::count(&ann, walk.id, t.story.group_activity.clone())?;
    say(format!(
        "Jim records who came; Ann counts the walk as \"go to the breathing group\" on {} ({:?}).",
        done.local_date, done.outcome
    ));
    Ok(())
}
