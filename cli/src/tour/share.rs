//! Ann shares part of her record with Dr Okafor for a consultation, who
//! reads it in the clinic view and proposes a review that Ann accepts; then
//! she ends the share.

use super::{last_diary_entry, say, Tour, ANN, LAPTOP};
use crate::cmd::clinic;
use crate::cmd::clinician::{self, Propose};
use crate::cmd::diary::{self, Log};
use crate::cmd::plan::{self, ReviewFields};
use crate::cmd::share::{self, Grant};
use crate::cmd::sync;
use crate::ctx::Ctx;
use crate::fail::{Fail, Result, Status};
use crate::out::line;
use crate::render::page::as_text;
use pph_core::Companion;
use pph_protocol::Change;

pub(super) fn consultation(t: &mut Tour) -> Result<()> {
    let phone = t.device(ANN)?;
    let laptop = t.open(LAPTOP)?;
    t.sign_up(&laptop, "dr.okafor@example.org", "Dr Okafor", "clinician")?;
    // Anyone can sign up as a clinician: the relay's operator vouches for
    // this one (`pph-server admin verify-clinician`) before Ann can share.
    t.verify_clinician("dr.okafor@example.org")?;
    say("The relay's operator verifies Dr Okafor's account; only then can Ann share with him.");
    let granted = share::grant(
        &phone,
        Grant {
            clinician: "dr.okafor@example.org".into(),
            scopes: vec!["care_plan".into(), "diary".into(), "questionnaires".into()],
            span: "2h".into(),
        },
    )?;
    say(format!(
        "Ann grants {:?} for two hours; her budget stays private.",
        granted.scopes
    ));
    sync::now(&laptop)?;
    let patient = clinician::patients(&laptop)?
        .0
        .into_iter()
        .next()
        .ok_or_else(|| Fail::new(Status::Failure, "nothing shared with the clinician"))?;
    laptop
        .out
        .show(&clinician::summary(&laptop, patient.patient_space.clone())?);

    // In the consultation room, before anything is read: the same number
    // on both screens means each device wraps to, and takes keys from, the
    // other person and no one the relay put in their place.
    let hers = sync::safety_number(&phone, granted.clinician_account_id.clone())?;
    let his = sync::safety_number(&laptop, patient.patient_account_id.clone())?;
    say(format!(
        "Ann and Dr Okafor compare safety numbers: her phone shows {}, his laptop {} ({}).",
        hers.digits,
        his.digits,
        if hers.digits == his.digits {
            "the same"
        } else {
            "DIFFERENT"
        }
    ));
    sync::verify(&phone, granted.clinician_account_id.clone(), hers.digits)?;
    say("Ann marks Dr Okafor verified; a change of his identity would now be a loud warning.");

    // The same, as Dr Okafor reads it at the desk: `pph clinic` serves the
    // consultation page to the laptop's browser.
    let view = clinic::start(&laptop, 0)?;
    let page_url = format!("{}patients/{}", view.url, patient.patient_space);
    say(format!(
        "Dr Okafor opens the clinic view (served on this machine while the tour runs): {page_url}"
    ));
    say("The consultation page, as text:");
    line(&as_text(&clinic::fetch(&laptop, &page_url)?));
    let proposal = clinician::propose(
        &laptop,
        Propose {
            patient: patient.patient_space.clone(),
            review: ReviewFields {
                date: laptop.today(),
                with: vec!["Ann".into(), "Dr Okafor".into()],
                notes: "Breathing steadier; walking most days".into(),
                outcome: "Keep the daily walk; add the rehab class".into(),
                next: None,
            },
        },
    )?;
    sync::now(&laptop)?;
    sync::now(&phone)?;
    let review = plan::accept(&phone, proposal.id)?;
    say(format!(
        "Dr Okafor proposes a review from the page; it reaches Ann's phone, and she agrees: \"{}\" is now her review of {}.",
        review.outcome, review.date
    ));
    view.serving.abort();

    say("Ann's phone shows who read what, and when:");
    phone.out.show(&share::log(&phone)?);

    share::revoke(&phone, granted.share_id)?;
    let old = after_revocation(t, &phone, &laptop.companion)?;
    sync::now(&laptop)?;
    let after = clinician::summary(&laptop, patient.patient_space);
    let keys = match laptop.companion.sync().open_as_this_device(&old)? {
        Some(_) => "its keys STILL KEPT",
        None => "no key to her record kept",
    };
    say(format!(
        "After the laptop's next sync: {} patients shared, summary {}, {keys}.",
        clinician::patients(&laptop)?.0.len(),
        match after {
            Err(f) if f.status == Status::NotAllowed => "refused (copy deleted)",
            Err(_) => "failed",
            Ok(_) => "STILL VISIBLE",
        }
    ));
    Ok(())
}

/// After Ann revokes the share: her next entry is sealed under a new epoch
/// of the diary key that the laptop never receives. Returns the relay's
/// copy of an entry from before.
fn after_revocation(t: &Tour, phone: &Ctx, laptop: &Companion) -> Result<Change> {
    let space = phone.companion.store().personal_space();
    let before = t.relay_changes(&space)?;
    let old = last_diary_entry(&before)?.clone();
    diary::log(
        phone,
        Log {
            ratings: vec!["Breathlessness=2".into()],
            note: Some("Slept right through".into()),
            ..Log::default()
        },
    )?;
    sync::now(phone)?;
    let after = t.relay_changes(&space)?;
    let new = last_diary_entry(&after)?;
    let opens = |c: &Change| -> Result<&str> {
        Ok(match laptop.sync().open_as_this_device(c)? {
            Some(_) => "opens",
            None => "does not open",
        })
    };
    say(format!(
        "Ann revokes the share; her next entry is sealed under the diary key's new epoch. With the \
         keys Dr Okafor's laptop still holds, the relay's copy of it {}; an entry from before the \
         revocation {} (what was shared then).",
        opens(new)?,
        opens(&old)?
    ));
    Ok(old)
}
