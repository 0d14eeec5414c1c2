//! A patient's shares with clinicians: grant for a while, list, revoke.

use crate::ctx::Ctx;
use crate::fail::Result;
use crate::parse;
use crate::render::sync::{AccessLog, Shares};
use clap::{Args, Subcommand};
use pph_core::*;
use std::time::SystemTime;

#[derive(Subcommand)]
pub enum ShareCommand {
    /// Let a clinician read chosen parts of your records for a while.
    Grant(Grant),
    /// End a share at once: the clinician's copy goes at their next sync.
    Revoke { share: String },
    /// Your shares, live and ended.
    List,
    /// Who read your shared records, which parts, and when.
    Log,
}

#[derive(Args, Default)]
pub struct Grant {
    /// The clinician's account email.
    pub clinician: String,
    /// care_plan, diary, questionnaires, budget; comma separated or repeated.
    #[arg(long = "scope", value_delimiter = ',', required = true)]
    pub scopes: Vec<String>,
    /// How long: 90m, 2h, 14d (at most a year).
    #[arg(long = "for", default_value = "14d")]
    pub span: String,
}

pub fn grant(ctx: &Ctx, a: Grant) -> Result<Share> {
    let scopes = a
        .scopes
        .iter()
        .map(|s| parse::enum_value("--scope", s))
        .collect::<Result<Vec<ShareScope>>>()?;
    // Expiry is the relay's to judge, by the wall clock.
    let until = SystemTime::now() + parse::span("--for", &a.span)?;
    Ok(ctx.block_on(
        ctx.companion
            .sharing()
            .grant_share(a.clinician, scopes, until),
    )?)
}

pub fn revoke(ctx: &Ctx, share: String) -> Result<()> {
    Ok(ctx.block_on(ctx.companion.sharing().revoke_share(share))?)
}

pub fn list(ctx: &Ctx) -> Result<Shares> {
    Ok(Shares(ctx.block_on(ctx.companion.sharing().shares())?))
}

pub fn log(ctx: &Ctx) -> Result<AccessLog> {
    Ok(AccessLog(
        ctx.block_on(ctx.companion.sharing().share_access_log())?,
    ))
}

pub fn run(ctx: &Ctx, command: ShareCommand) -> Result<()> {
    match command {
        ShareCommand::Grant(a) => {
            let share = grant(ctx, a)?;
            ctx.out.created(&share.share_id, &share);
        }
        ShareCommand::Revoke { share } => {
            revoke(ctx, share)?;
            ctx.out.done("revoked");
        }
        ShareCommand::List => ctx.out.show(&list(ctx)?),
        ShareCommand::Log => ctx.out.show(&log(ctx)?),
    }
    Ok(())
}
