//! Sync: a relay on this machine, Ann's tablet joining, offline edits on
//! both converging, and a fortnight of logging without signal.

use super::{say, Tour, ANN, DAY_MS, PASSWORD, TABLET};
use crate::cmd::diary::{self, AnswerArgs, List, Log};
use crate::cmd::plan::{self, Update};
use crate::cmd::sync::{self, SignIn};
use crate::ctx::Offset;
use crate::fail::Result;
use crate::render::rfc3339;
use pph_core::clock::Clock;

pub(super) fn sign_up(t: &mut Tour) -> Result<()> {
    let url = t.start_relay()?;
    say(format!("pph-server listening on {url} (SQLite file)"));
    t.story.server_url = url;

    let ann = t.device(ANN)?;
    let info = t.sign_up(&ann, "ann@example.org", "Ann", "patient")?;
    say("The relay mailed Ann a code to prove the address is hers; she typed it in to sign up.");
    let pending = sync::status(&ann)?.pending_changes;
    let report = sync::now(&ann)?;
    say(format!(
        "Ann signs up ({:?}) and syncs: {} of {pending} changes pushed; status {:?}.",
        info.role,
        report.pushed,
        sync::status(&ann)?.state
    ));
    if let Some(code) = ann.companion.account().take_recovery_code()? {
        say(format!(
            "Her password never left the phone: it was stretched there into a key the relay checks \
             and a key that seals hers. Her recovery code, to print and keep: {code}"
        ));
    }

    let tablet = t.open(TABLET)?;
    sync::sign_in(
        &tablet,
        SignIn {
            server: t.story.server_url.clone(),
            email: "ann@example.org".into(),
            ..SignIn::default()
        },
        PASSWORD,
    )?;
    let report = sync::now(&tablet)?;
    let title = plan::show(&tablet, t.story.plan.clone(), None)?.info.title;
    let entries = diary::list(
        &tablet,
        List {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
            limit: 200,
            cursor: None,
        },
    )?;
    say(format!(
        "Her tablet signs in with the password, opens her keys and pulls {} changes: \"{title}\", {} diary entries this month.",
        report.pulled,
        entries.page.entries.len()
    ));
    Ok(())
}

pub(super) fn offline_edits(t: &mut Tour) -> Result<()> {
    let (phone, tablet) = (t.device(ANN)?, t.device(TABLET)?);
    plan::update(
        &phone,
        Update {
            plan: t.story.plan.clone(),
            what_matters: Some("Taking my grandson to the park, and the allotment".into()),
            ..Update::default()
        },
    )?;
    t.clock.advance(1_000);
    plan::update(
        &tablet,
        Update {
            plan: t.story.plan.clone(),
            what_matters: Some("The park on Saturdays, and growing beans".into()),
            next_review: Some("2026-04-27".into()),
            ..Update::default()
        },
    )?;
    sync::now(&phone)?;
    let from_tablet = sync::now(&tablet)?;
    sync::now(&phone)?;
    let a = plan::show(&phone, t.story.plan.clone(), None)?;
    let b = plan::show(&tablet, t.story.plan.clone(), None)?;
    say(format!(
        "Both edited \"what matters\"; {} conflict settled by the later stamp.",
        from_tablet.conflicts_resolved
    ));
    say(format!(
        "Phone and tablet now agree: {} — \"{}\", next review {}.",
        if a == b { "identical" } else { "DIFFERENT" },
        a.info.what_matters,
        a.info.next_review.as_deref().unwrap_or("none")
    ));
    Ok(())
}

pub(super) fn offline_logging(t: &mut Tour) -> Result<()> {
    // British Summer Time by now.
    let phone = t.device(ANN)?.with_offset(Offset::Fixed(60));
    let review_ms = t.clock.now_ms();
    for day in 1..=12u64 {
        t.clock.set(review_ms + day * DAY_MS);
        diary::log(
            &phone,
            Log {
                ratings: vec![format!(
                    "Breathlessness={}",
                    [3.0, 4.0, 3.0, 2.0][day as usize % 4]
                )],
                ..Log::default()
            },
        )?;
    }
    diary::answer(
        &phone,
        AnswerArgs {
            code: "phq9".into(),
            answers: "1,1,1,1,1,1,1,1,1".into(),
            at: Some(rfc3339(t.now())),
        },
    )?;
    let report = sync::now(&phone)?;
    say(format!(
        "12 diary entries and a PHQ-9 written without signal; back online, {} changes pushed.",
        report.pushed
    ));
    Ok(())
}
