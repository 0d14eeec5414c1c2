//! A group's timebank (`pph group timebank ...`): rules, offers and
//! requests, time given and confirmed, balances and history.

use crate::ctx::Ctx;
use crate::fail::Result;
use crate::parse;
use crate::render::timebank::{Balances, Overview, Page};
use clap::{Args, Subcommand};
use pph_core::*;

#[derive(Subcommand)]
pub enum TimebankCommand {
    /// Offers, requests, your balance and what waits for you.
    Show { group: String },
    /// Turn the timebank on or off and set its limits (facilitators).
    Rules(Rules),
    /// Offer time or ask for it.
    Post(PostArgs),
    /// Take an offer or request down.
    Close { post: String },
    /// Record time you gave someone; it waits for them to confirm.
    Give(Give),
    /// Confirm time you were given.
    Confirm { exchange: String },
    /// Take back time you recorded, while it is unconfirmed.
    Withdraw { exchange: String },
    /// Give back time you were given by mistake (they confirm it).
    Reverse {
        exchange: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Your exchanges, newest first (`--all`: the whole group, facilitators).
    History {
        group: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        before: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Everyone's balance (facilitators).
    Balances { group: String },
    /// Share the group's totals with every member (facilitators).
    Totals { group: String },
}

#[derive(Args)]
pub struct Rules {
    pub group: String,
    /// Turn it off (on is the default).
    #[arg(long)]
    pub off: bool,
    /// Lowest balance, in hours (e.g. -10).
    #[arg(long, default_value_t = -10.0, allow_hyphen_values = true)]
    pub lower: f64,
    /// Highest balance, in hours (e.g. 40).
    #[arg(long, default_value_t = 40.0)]
    pub upper: f64,
}

#[derive(Args)]
pub struct PostArgs {
    pub group: String,
    /// offer or request
    pub kind: String,
    pub text: String,
    /// transport, shopping, company, home_and_garden, paperwork, skills, other
    #[arg(long, default_value = "other")]
    pub category: String,
    /// One of your care-plan goals it serves.
    #[arg(long)]
    pub goal: Option<String>,
}

#[derive(Args)]
pub struct Give {
    pub group: String,
    /// The member's account id.
    pub to: String,
    /// Their name as the group knows it.
    #[arg(long)]
    pub name: String,
    /// Whole minutes.
    #[arg(long)]
    pub minutes: u32,
    #[arg(long, default_value = "other")]
    pub category: String,
    /// The local date, YYYY-MM-DD; today if not given.
    #[arg(long)]
    pub on: Option<String>,
    #[arg(long, default_value = "")]
    pub note: String,
    /// The offer or request it answered.
    #[arg(long)]
    pub post: Option<String>,
}

fn minutes(flag: &str, hours: f64) -> Result<i64> {
    if !hours.is_finite() {
        return Err(crate::fail::Fail::refused(format!(
            "{flag}: a number of hours"
        )));
    }
    Ok((hours * 60.0).round() as i64)
}

pub fn rules(ctx: &Ctx, a: Rules) -> Result<TimebankSettings> {
    Ok(ctx.companion.timebank().set_rules(
        a.group,
        TimebankRules {
            on: !a.off,
            lower_limit_minutes: minutes("--lower", a.lower)?,
            upper_limit_minutes: minutes("--upper", a.upper)?,
        },
    )?)
}

pub fn post(ctx: &Ctx, a: PostArgs) -> Result<TimebankPost> {
    Ok(ctx.companion.timebank().post(
        a.group,
        NewPost {
            kind: parse::enum_value("kind", &a.kind)?,
            category: parse::enum_value("--category", &a.category)?,
            text: a.text,
            goal_id: a.goal,
        },
    )?)
}

pub fn give(ctx: &Ctx, a: Give) -> Result<ExchangeView> {
    Ok(ctx.companion.timebank().record_exchange(
        a.group,
        NewExchange {
            receiver_id: a.to,
            receiver_name: a.name,
            minutes: a.minutes,
            category: parse::enum_value("--category", &a.category)?,
            on_date: a.on.unwrap_or_else(|| ctx.today()),
            note: a.note,
            post_id: a.post,
        },
    )?)
}

pub fn run(ctx: &Ctx, command: TimebankCommand) -> Result<()> {
    let bank = ctx.companion.timebank();
    match command {
        TimebankCommand::Show { group } => ctx.out.show(&Overview(bank.overview(group)?)),
        TimebankCommand::Rules(a) => {
            let settings = rules(ctx, a)?;
            ctx.out.said("timebank rules set", &settings);
        }
        TimebankCommand::Post(a) => {
            let post = post(ctx, a)?;
            ctx.out.created(&post.id, &post);
        }
        TimebankCommand::Close { post } => {
            let post = bank.close_post(post)?;
            ctx.out.said("closed", &post);
        }
        TimebankCommand::Give(a) => {
            let exchange = give(ctx, a)?;
            ctx.out.created(&exchange.id, &exchange);
        }
        TimebankCommand::Confirm { exchange } => {
            let e = bank.confirm_exchange(exchange)?;
            ctx.out.said("confirmed", &e);
        }
        TimebankCommand::Withdraw { exchange } => {
            let e = bank.withdraw_exchange(exchange)?;
            ctx.out.said("withdrawn", &e);
        }
        TimebankCommand::Reverse { exchange, note } => {
            let e = bank.reverse_exchange(exchange, note)?;
            ctx.out.created(&e.id, &e);
        }
        TimebankCommand::History {
            group,
            limit,
            before,
            all,
        } => {
            let page = if all {
                bank.group_exchanges(group, limit, before)?
            } else {
                bank.history(group, limit, before)?
            };
            ctx.out.show(&Page(page));
        }
        TimebankCommand::Balances { group } => ctx.out.show(&Balances(bank.balances(group)?)),
        TimebankCommand::Totals { group } => {
            let settings = bank.share_totals(group)?;
            ctx.out.said("totals shared with the group", &settings);
        }
    }
    Ok(())
}
