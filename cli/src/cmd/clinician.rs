//! A clinician's view: who shares with them, and one patient's summary for
//! a consultation, from the last sync (works offline).

use super::plan::ReviewFields;
use crate::ctx::Ctx;
use crate::fail::Result;
use crate::render::sync::Patients;
use clap::{Args, Subcommand};
use pph_core::*;

#[derive(Subcommand)]
pub enum ClinicianCommand {
    /// Patients sharing with you, as of the last sync.
    Patients,
    /// One patient's shared records, read only.
    Summary {
        /// The patient's space, from `pph clinician patients`.
        patient: String,
    },
    /// Propose a review of the patient's care plan from a consultation;
    /// sent at the next sync, it enters their plan if they accept it.
    Propose(Propose),
}

#[derive(Args, Default)]
pub struct Propose {
    /// The patient's space, from `pph clinician patients`.
    pub patient: String,
    #[command(flatten)]
    pub review: ReviewFields,
}

pub fn propose(ctx: &Ctx, a: Propose) -> Result<ReviewProposal> {
    Ok(ctx
        .companion
        .sharing()
        .propose_review(a.patient, a.review.into())?)
}

pub fn patients(ctx: &Ctx) -> Result<Patients> {
    Ok(Patients(ctx.companion.sharing().shared_with_me()?))
}

pub fn summary(ctx: &Ctx, patient: String) -> Result<ConsultationSummary> {
    Ok(ctx.companion.sharing().consultation_summary(patient)?)
}

pub fn run(ctx: &Ctx, command: ClinicianCommand) -> Result<()> {
    match command {
        ClinicianCommand::Patients => ctx.out.show(&patients(ctx)?),
        ClinicianCommand::Summary { patient } => ctx.out.show(&summary(ctx, patient)?),
        ClinicianCommand::Propose(a) => {
            let proposal = propose(ctx, a)?;
            ctx.out.created(&proposal.id, &proposal);
        }
    }
    Ok(())
}
