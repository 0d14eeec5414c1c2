//! Social-prescribing referrals in a care plan (`pph referral ...`): made,
//! accepted or declined, followed to the end, exported as FHIR and summed
//! up for the GP.

use super::diary::PatientArgs;
use super::plan::ScheduleArgs;
use crate::ctx::Ctx;
use crate::fail::Result;
use crate::parse;
use crate::render::plan::Referrals;
use clap::{Args, Subcommand};
use pph_core::*;

#[derive(Subcommand)]
pub enum ReferralCommand {
    /// Refer to a community service under a goal (it starts as requested).
    Add(Add),
    /// Move a referral on: accepted, rejected (declined), in_progress,
    /// completed or cancelled.
    Status {
        activity: String,
        status: String,
        /// The local date, YYYY-MM-DD; today if not given.
        #[arg(long)]
        on: Option<String>,
        /// In your own words: why, or how it went.
        #[arg(long)]
        note: Option<String>,
    },
    /// The plan's referrals still open.
    Open { plan: String },
    /// The referral as FHIR (ServiceRequest and Task), to share.
    Fhir {
        activity: String,
        #[command(flatten)]
        patient: PatientArgs,
    },
    /// A short message back to the GP: offered, taken up, outcome.
    Message { activity: String },
}

#[derive(Args)]
pub struct Add {
    pub goal: String,
    /// The service's name, e.g. "Hilltop Walkers".
    #[arg(long)]
    pub service: String,
    /// walking_group, debt_advice, befriending, arts_on_prescription, other
    #[arg(long)]
    pub kind: String,
    /// The contact (GP, link worker) who referred you; yourself if not given.
    #[arg(long)]
    pub by: Option<String>,
    /// What you would do there.
    #[arg(long)]
    pub text: String,
    /// The local date it was made, YYYY-MM-DD; today if not given.
    #[arg(long)]
    pub on: Option<String>,
    /// When you would go, once you accept it.
    #[command(flatten)]
    pub when: ScheduleArgs,
}

pub fn add(ctx: &Ctx, a: Add) -> Result<Activity> {
    Ok(ctx.companion.care_plans().add_referral(
        a.goal,
        NewReferral {
            service: a.service,
            kind: parse::enum_value("--kind", &a.kind)?,
            referred_by: match a.by {
                Some(contact_id) => Responsible::Contact { contact_id },
                None => Responsible::Me,
            },
            requested_on: a.on.unwrap_or_else(|| ctx.today()),
            description: a.text,
            schedule: a.when.schedule()?,
        },
    )?)
}

pub fn status(
    ctx: &Ctx,
    activity: String,
    status: &str,
    on: Option<String>,
    note: Option<String>,
) -> Result<Activity> {
    Ok(ctx.companion.care_plans().update_referral(
        activity,
        parse::enum_value("status", status)?,
        on.unwrap_or_else(|| ctx.today()),
        note,
    )?)
}

pub fn run(ctx: &Ctx, command: ReferralCommand) -> Result<()> {
    let plans = ctx.companion.care_plans();
    match command {
        ReferralCommand::Add(a) => {
            let activity = add(ctx, a)?;
            ctx.out.created(&activity.id, &activity);
        }
        ReferralCommand::Status {
            activity,
            status: to,
            on,
            note,
        } => {
            let activity = status(ctx, activity, &to, on, note)?;
            ctx.out.said("updated", &activity);
        }
        ReferralCommand::Open { plan } => ctx.out.show(&Referrals(plans.open_referrals(plan)?)),
        ReferralCommand::Fhir { activity, patient } => {
            crate::out::raw(&plans.referral_fhir(activity, patient.into())?)
        }
        ReferralCommand::Message { activity } => {
            let text = plans.referral_message(activity, ctx.today())?;
            ctx.out
                .said(text.trim_end(), &serde_json::json!({ "message": text }));
        }
    }
    Ok(())
}
