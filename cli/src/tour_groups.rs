//! The peer-group part of `pph tour`: Jim's breathing group, a chat with a
//! message written offline, and a park walk with more yeses than places.

use pph_core::clock::{Clock, ManualClock};
use pph_core::*;
use std::path::Path;
use std::sync::Arc;

const PASSWORD: &str = "tour password, not for real use";

fn fail(e: PphError) -> String {
    format!("tour stopped: {e}")
}

async fn peer(
    dir: &Path,
    name: &str,
    key: &[u8],
    clock: &Arc<ManualClock>,
    server_url: &str,
) -> Result<Arc<Companion>, String> {
    let phone = crate::tour_sync::device(dir, name, key, clock)?;
    phone
        .sync()
        .sign_up(
            server_url.into(),
            format!("{}@example.org", name.to_lowercase()),
            PASSWORD.into(),
            name.into(),
            AccountRole::Patient,
        )
        .await
        .map_err(fail)?;
    Ok(phone)
}

fn show_chat(phone: &Companion, group_id: &str) -> Result<(), String> {
    let page = phone
        .groups()
        .messages(group_id.into(), 10, None)
        .map_err(fail)?;
    for m in page.messages.iter().rev() {
        let reactions: Vec<String> = m
            .reactions
            .iter()
            .map(|r| format!("{} {}", r.emoji, r.count))
            .collect();
        println!(
            "  {:<5} {}{}{}",
            m.author_name,
            m.body,
            if reactions.is_empty() {
                String::new()
            } else {
                format!("  [{}]", reactions.join(", "))
            },
            match m.status {
                MessageStatus::Pending => "  (pending)",
                MessageStatus::Failed => "  (failed)",
                MessageStatus::Sent => "",
            }
        );
    }
    Ok(())
}

pub async fn run(
    ann: &Arc<Companion>,
    dir: &Path,
    key: &[u8],
    clock: &Arc<ManualClock>,
    server_url: &str,
    group_activity_id: &str,
) -> Result<(), String> {
    println!("\n== Jim's breathing group ==");
    let jim = peer(dir, "Jim", key, clock, server_url).await?;
    let rosa = peer(dir, "Rosa", key, clock, server_url).await?;
    let group = jim
        .groups()
        .create_group(NewGroup {
            name: "Breathe Easy Thursdays".into(),
            purpose: "Support between sessions, and walks when we can".into(),
            condition_focus: Some("COPD".into()),
        })
        .await
        .map_err(fail)?;
    let wall_ms = crate::tour_sync::wall_now_ms();
    let invite = jim
        .groups()
        .invite_code(group.id.clone(), wall_ms + 7 * 86_400_000)
        .await
        .map_err(fail)?;
    println!(
        "Jim (facilitator) starts \"{}\" and shares invite code {}.",
        group.name, invite.code
    );
    for phone in [ann, &rosa] {
        phone
            .groups()
            .join_group(invite.code.clone())
            .await
            .map_err(fail)?;
    }
    let members = jim.groups().members(group.id.clone()).await.map_err(fail)?;
    println!(
        "Members: {}",
        members
            .iter()
            .map(|m| format!("{} ({:?})", m.display_name, m.role))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let welcome = jim
        .groups()
        .post_message(
            group.id.clone(),
            "Welcome both! Walk on Saturday?".into(),
            None,
        )
        .map_err(fail)?;
    jim.sync().sync_now().await.map_err(fail)?;
    ann.sync().sync_now().await.map_err(fail)?;
    rosa.sync().sync_now().await.map_err(fail)?;
    clock.advance(60_000);
    ann.groups()
        .post_message(
            group.id.clone(),
            "Yes please, if it's flat. (Sent from the bus, no signal)".into(),
            Some(welcome.id.clone()),
        )
        .map_err(fail)?;
    rosa.groups()
        .react(welcome.id.clone(), "👍".into(), true)
        .map_err(fail)?;
    println!("Ann's phone, before it finds a signal:");
    show_chat(ann, &group.id)?;
    for phone in [ann, &rosa, &jim] {
        phone.sync().sync_now().await.map_err(fail)?;
    }
    println!("Jim's phone, after everyone synced:");
    show_chat(&jim, &group.id)?;
    // Who may write what is one table, checked by every phone and the server.
    let forged = rosa
        .groups()
        .edit_message(welcome.id.clone(), "Walk cancelled".into());
    println!(
        "Rosa tries to change Jim's message -> {}",
        forged
            .err()
            .map_or("accepted!".to_owned(), |e| e.to_string())
    );

    println!("\n== A park walk with two places ==");
    let start = clock.now_ms() + 2 * 86_400_000;
    let walk = jim
        .groups()
        .create_meetup(
            group.id.clone(),
            NewMeetup {
                title: "Park walk".into(),
                starts_at_ms: start,
                ends_at_ms: start + 90 * 60_000,
                place: Some("Café by the lake".into()),
                online_link: None,
                capacity: Some(2),
                notes: "Flat route, benches every 200 m".into(),
            },
        )
        .map_err(fail)?;
    jim.sync().sync_now().await.map_err(fail)?;
    for phone in [&jim, &rosa, ann] {
        phone.sync().sync_now().await.map_err(fail)?;
        phone
            .groups()
            .rsvp(walk.id.clone(), RsvpAnswer::Yes)
            .map_err(fail)?;
        phone.sync().sync_now().await.map_err(fail)?;
        clock.advance(1_000);
    }
    let walk_as_ann_sees_it = || async {
        ann.sync().sync_now().await.map_err(fail)?;
        ann.groups()
            .meetups(group.id.clone())
            .map_err(fail)?
            .into_iter()
            .next()
            .ok_or_else(|| "the walk did not reach Ann".to_owned())
    };
    let view = walk_as_ann_sees_it().await?;
    println!(
        "3 yes for 2 places: going {:?}, waiting {:?}; Ann is {:?}.",
        view.going, view.waitlist, view.my_place
    );
    rosa.groups()
        .rsvp(walk.id.clone(), RsvpAnswer::No)
        .map_err(fail)?;
    rosa.sync().sync_now().await.map_err(fail)?;
    let view = walk_as_ann_sees_it().await?;
    println!(
        "Rosa can't make it: Ann moves up and is {:?}.",
        view.my_place
    );

    clock.set(start + 2 * 3_600_000);
    let ann_id = ann
        .sync()
        .status()
        .map_err(fail)?
        .account
        .map(|a| a.account_id)
        .ok_or("Ann has no account")?;
    jim.groups()
        .record_attendance(walk.id.clone(), ann_id, true)
        .map_err(fail)?;
    jim.sync().sync_now().await.map_err(fail)?;
    ann.sync().sync_now().await.map_err(fail)?;
    let done = ann
        .groups()
        .count_attendance(walk.id.clone(), group_activity_id.into(), 0)
        .map_err(fail)?;
    println!(
        "Jim records who came; Ann counts the walk as \"go to the breathing group\" on {} ({:?}).",
        done.local_date, done.outcome
    );
    Ok(())
}
