//! Ann shares part of her record with Dr Okafor for a consultation, then
//! ends the share.

use super::{say, Tour, ANN, LAPTOP, PASSWORD};
use crate::cmd::clinician;
use crate::cmd::share::{self, Grant};
use crate::cmd::sync::{self, SignUp};
use crate::fail::{Fail, Result, Status};

pub(super) fn consultation(t: &mut Tour) -> Result<()> {
    let phone = t.device(ANN)?;
    let laptop = t.open(LAPTOP)?;
    sync::sign_up(
        &laptop,
        SignUp {
            server: t.story.server_url.clone(),
            email: "dr.okafor@example.org".into(),
            name: "Dr Okafor".into(),
            role: "clinician".into(),
            ..SignUp::default()
        },
        PASSWORD,
    )?;
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

    say("Ann's phone shows who read what, and when:");
    phone.out.show(&share::log(&phone)?);

    share::revoke(&phone, granted.share_id)?;
    sync::now(&laptop)?;
    let after = clinician::summary(&laptop, patient.patient_space);
    say(format!(
        "Ann revokes the share; after the laptop's next sync: {} patients shared, summary {}.",
        clinician::patients(&laptop)?.0.len(),
        match after {
            Err(f) if f.status == Status::NotAllowed => "refused (copy deleted)",
            Err(_) => "failed",
            Ok(_) => "STILL VISIBLE",
        }
    ));
    Ok(())
}
