//! Every `pph` subcommand: one file per capability, each with its
//! arguments, the functions that do the work (the tour calls the same
//! ones) and the dispatch that shows their results.

pub mod budget;
pub mod clinic;
pub mod clinician;
pub mod diary;
pub mod group;
pub mod plan;
pub mod referral;
pub mod share;
pub mod sync;
pub mod timebank;
pub mod today;

use crate::ctx::Ctx;
use crate::fail::Result;
use clap::Subcommand;
use pph_core::{ReportRequest, ReportSection};

#[derive(Subcommand)]
pub enum StoreCommand {
    /// What is due today: activities, a diary prompt, questionnaires,
    /// meetups and dates coming up.
    Today(today::TodayArgs),
    /// Reminder rules, the next reminders, snoozes and settings.
    Remind {
        #[command(subcommand)]
        command: today::RemindCommand,
    },
    /// Care plans.
    Plan {
        #[command(subcommand)]
        command: plan::PlanCommand,
    },
    /// Goals in a plan.
    Goal {
        #[command(subcommand)]
        command: plan::GoalCommand,
    },
    /// Add someone to a plan's support network.
    Contact(plan::ContactAdd),
    /// Add an activity to a goal.
    Activity(plan::ActivityAdd),
    /// Social-prescribing referrals in a care plan.
    Referral {
        #[command(subcommand)]
        command: referral::ReferralCommand,
    },
    /// Change an activity's schedule from a date on (earlier days keep the old one).
    Reschedule(plan::Reschedule),
    /// Record that an activity was done.
    Done(plan::Done),
    /// Adherence of a plan between two local dates.
    Adherence(plan::Range),
    /// Record a review and the next review date.
    Review(plan::ReviewArgs),
    /// The symptom diary.
    Diary {
        #[command(subcommand)]
        command: diary::DiaryCommand,
    },
    /// Personal health budgets.
    Budget {
        #[command(subcommand)]
        command: budget::BudgetCommand,
    },
    /// Peer groups: chat and meetups.
    Group {
        #[command(subcommand)]
        command: group::GroupCommand,
    },
    /// Your account and sync with a relay.
    Sync {
        #[command(subcommand)]
        command: sync::SyncCommand,
    },
    /// Sharing with clinicians.
    Share {
        #[command(subcommand)]
        command: share::ShareCommand,
    },
    /// Your whole record in one archive (a zip: records, FHIR, CSVs, audit
    /// packs, a printable page).
    Export {
        /// Where to write it.
        file: std::path::PathBuf,
        #[command(flatten)]
        patient: diary::PatientArgs,
    },
    /// A report for your doctor: chosen sections over a date range, as
    /// one printable HTML page.
    Report {
        /// care_plan, diary_trends, questionnaires, budget (comma separated).
        #[arg(long = "section", value_delimiter = ',', required = true)]
        sections: Vec<String>,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// Write the page here instead of to the terminal.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Restore an archive from `pph export` into an empty store.
    Import { file: std::path::PathBuf },
    /// For clinicians: patients who share with you.
    Clinician {
        #[command(subcommand)]
        command: clinician::ClinicianCommand,
    },
    /// The consultation view in your browser (clinicians): serves the
    /// patients who share with you on 127.0.0.1 behind a secret address.
    Clinic(clinic::ClinicArgs),
}

pub fn run(ctx: &Ctx, command: StoreCommand) -> Result<()> {
    match command {
        StoreCommand::Today(a) => today::run_today(ctx, a),
        StoreCommand::Remind { command } => today::run_remind(ctx, command),
        StoreCommand::Plan { command } => plan::run_plan(ctx, command),
        StoreCommand::Goal { command } => plan::run_goal(ctx, command),
        StoreCommand::Contact(a) => {
            let contact = plan::add_contact(ctx, a)?;
            ctx.out.created(&contact.id, &contact);
            Ok(())
        }
        StoreCommand::Activity(a) => {
            let activity = plan::add_activity(ctx, a)?;
            ctx.out.created(&activity.id, &activity);
            Ok(())
        }
        StoreCommand::Referral { command } => referral::run(ctx, command),
        StoreCommand::Reschedule(a) => {
            let activity = plan::reschedule(ctx, a)?;
            ctx.out.said("rescheduled", &activity);
            Ok(())
        }
        StoreCommand::Done(a) => {
            ctx.out.show(&plan::done(ctx, a)?);
            Ok(())
        }
        StoreCommand::Adherence(a) => {
            ctx.out.show(&plan::adherence(ctx, a)?);
            Ok(())
        }
        StoreCommand::Review(a) => {
            let review = plan::review(ctx, a)?;
            ctx.out.created(&review.id, &review);
            Ok(())
        }
        StoreCommand::Diary { command } => diary::run(ctx, command),
        StoreCommand::Budget { command } => budget::run(ctx, command),
        StoreCommand::Group { command } => group::run(ctx, command),
        StoreCommand::Sync { command } => sync::run(ctx, command),
        StoreCommand::Share { command } => share::run(ctx, command),
        StoreCommand::Clinician { command } => clinician::run(ctx, command),
        StoreCommand::Clinic(a) => clinic::run(ctx, a),
        StoreCommand::Export { file, patient } => {
            let summary = ctx
                .companion
                .export_all(file.display().to_string(), Some(patient.into()))?;
            ctx.out.said(
                &format!(
                    "{} records in {} files written to {} ({} bytes)",
                    summary.records,
                    summary.files.len(),
                    summary.path,
                    summary.bytes
                ),
                &summary,
            );
            Ok(())
        }
        StoreCommand::Report {
            sections,
            from,
            to,
            out,
        } => {
            let sections = sections
                .iter()
                .map(|s| crate::parse::enum_value("--section", s))
                .collect::<Result<Vec<ReportSection>>>()?;
            let page = ctx
                .companion
                .report_for_doctor(ReportRequest { sections, from, to })?;
            match out {
                Some(path) => {
                    std::fs::write(&path, page).map_err(|e| {
                        crate::fail::Fail::new(
                            crate::fail::Status::Failure,
                            format!("cannot write the report: {}", e.kind()),
                        )
                    })?;
                    ctx.out
                        .done(&format!("report written to {}", path.display()));
                }
                None => crate::out::raw(&page),
            }
            Ok(())
        }
        StoreCommand::Import { file } => {
            let summary = ctx.companion.import_all(file.display().to_string())?;
            ctx.out
                .said(&format!("{} records restored", summary.records), &summary);
            Ok(())
        }
    }
}
