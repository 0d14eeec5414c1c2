//! Personal health budgets: the budget and its plan lines, spends with
//! their receipts, reversals, the position and the audit pack.

use crate::ctx::Ctx;
use crate::fail::{Fail, Result, Status};
use crate::parse;
use crate::render::budget::{Budgets, Categories, Lines, Spends};
use clap::{Args, Subcommand};
use pph_core::*;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum BudgetCommand {
    /// Start a budget for a period.
    Create(Create),
    List,
    /// Add a line of the support plan: what the money is for.
    Line(LineAdd),
    Lines {
        budget: String,
    },
    /// Record money spent, with a receipt photo if you have one.
    Spend(SpendArgs),
    /// Reverse a spend (a refund, a double charge); both stay in the trail.
    Reverse(Reverse),
    /// A dated top-up (positive) or reduction (negative).
    Adjust(Adjust),
    Spends(Range),
    /// The position on a date (today if not given).
    Summary {
        budget: String,
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Record that the budget was reviewed.
    Review {
        budget: String,
        #[arg(long)]
        date: String,
    },
    /// What a spend's --category may be.
    Categories,
    /// The spends and summary CSVs for an audit.
    Export {
        #[command(flatten)]
        range: Range,
        /// Write spends.csv and summary.csv here instead of to the terminal.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Args, Default)]
pub struct Create {
    #[arg(long)]
    pub name: String,
    /// direct_payment, notional or third_party
    #[arg(long, default_value = "direct_payment")]
    pub holding: String,
    /// First day of the period, YYYY-MM-DD.
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    /// Pounds, e.g. 2400 or 2400.00.
    #[arg(long)]
    pub allocation: String,
    #[arg(long, default_value = "GBP")]
    pub currency: String,
    /// The care plan it pays for.
    #[arg(long)]
    pub plan: Option<String>,
    /// Warn when projected to leave more than this percentage unspent.
    #[arg(long)]
    pub underspend_warning: Option<u8>,
}

#[derive(Args, Default)]
pub struct LineAdd {
    pub budget: String,
    #[arg(long)]
    pub category: String,
    #[arg(long)]
    pub planned: String,
    /// Goals it serves; repeat for each.
    #[arg(long = "goal")]
    pub goals: Vec<String>,
}

#[derive(Args, Default)]
pub struct SpendArgs {
    pub budget: String,
    #[arg(long)]
    pub line: String,
    #[arg(long)]
    pub date: String,
    #[arg(long)]
    pub payee: String,
    /// See `pph budget categories`.
    #[arg(long)]
    pub category: String,
    #[arg(long)]
    pub amount: String,
    #[arg(long, default_value = "GBP")]
    pub currency: String,
    #[arg(long)]
    pub goal: Option<String>,
    #[arg(long)]
    pub activity: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// The receipt photo: only its name, size and fingerprint are kept.
    #[arg(long)]
    pub receipt: Option<PathBuf>,
}

#[derive(Args, Default)]
pub struct Reverse {
    pub spend: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Default)]
pub struct Adjust {
    pub budget: String,
    #[arg(long)]
    pub date: String,
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    #[arg(long)]
    pub reason: String,
}

#[derive(Args, Default)]
pub struct Range {
    pub budget: String,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
}

pub fn create(ctx: &Ctx, a: Create) -> Result<Budget> {
    Ok(ctx.companion.budgets().create_budget(NewBudget {
        name: a.name,
        holding: parse::enum_value("--holding", &a.holding)?,
        period_start: a.from,
        period_end: a.to,
        allocation_pence: parse::pence("--allocation", &a.allocation)?,
        currency: a.currency,
        plan_id: a.plan,
        underspend_warning_percent: a.underspend_warning,
    })?)
}

pub fn add_line(ctx: &Ctx, a: LineAdd) -> Result<BudgetLine> {
    Ok(ctx.companion.budgets().add_line(
        a.budget,
        NewBudgetLine {
            category: a.category,
            planned_pence: parse::pence("--planned", &a.planned)?,
            goal_ids: a.goals,
        },
    )?)
}

/// A receipt's media type from its file name.
fn media_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

pub fn spend(ctx: &Ctx, a: SpendArgs) -> Result<RecordedSpend> {
    let receipt = a
        .receipt
        .map(|path| {
            receipt_of(
                path.to_string_lossy().into_owned(),
                media_type(&path).into(),
            )
        })
        .transpose()?;
    Ok(ctx.companion.budgets().record_spend(
        a.budget,
        NewSpend {
            line_id: a.line,
            date: a.date,
            payee: a.payee,
            category: a.category,
            amount_pence: parse::pence("--amount", &a.amount)?,
            currency: a.currency,
            goal_id: a.goal,
            activity_id: a.activity,
            note: a.note,
            receipt,
        },
    )?)
}

pub fn reverse(ctx: &Ctx, a: Reverse) -> Result<Spend> {
    Ok(ctx
        .companion
        .budgets()
        .reverse_spend(a.spend, a.reason, a.date)?)
}

pub fn summary(ctx: &Ctx, budget: String, as_of: Option<String>) -> Result<BudgetSummary> {
    let as_of = as_of.unwrap_or_else(|| ctx.today());
    Ok(ctx.companion.budgets().summary(budget, as_of)?)
}

pub fn export(ctx: &Ctx, r: Range) -> Result<AuditPack> {
    Ok(ctx
        .companion
        .budgets()
        .export_audit_pack(r.budget, r.from, r.to)?)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<()> {
    std::fs::write(dir.join(name), text.as_bytes()).map_err(|e| {
        Fail::new(
            Status::Failure,
            format!("cannot write {name}: {}", e.kind()),
        )
    })
}

pub fn run(ctx: &Ctx, command: BudgetCommand) -> Result<()> {
    let budgets = ctx.companion.budgets();
    match command {
        BudgetCommand::Create(a) => {
            let budget = create(ctx, a)?;
            ctx.out.created(&budget.id, &budget);
        }
        BudgetCommand::List => ctx.out.show(&Budgets(budgets.list_budgets()?)),
        BudgetCommand::Line(a) => {
            let line = add_line(ctx, a)?;
            ctx.out.created(&line.id, &line);
        }
        BudgetCommand::Lines { budget } => ctx.out.show(&Lines(budgets.lines(budget)?)),
        BudgetCommand::Spend(a) => ctx.out.show(&spend(ctx, a)?),
        BudgetCommand::Reverse(a) => {
            let reversal = reverse(ctx, a)?;
            ctx.out.created(&reversal.id, &reversal);
        }
        BudgetCommand::Adjust(a) => {
            let amount = parse::pence("--amount", &a.amount)?;
            let adjustment = budgets.adjust_budget(a.budget, a.date, amount, a.reason)?;
            ctx.out.created(&adjustment.id, &adjustment);
        }
        BudgetCommand::Spends(r) => ctx
            .out
            .show(&Spends(budgets.spends(r.budget, r.from, r.to)?)),
        BudgetCommand::Summary { budget, as_of } => ctx.out.show(&summary(ctx, budget, as_of)?),
        BudgetCommand::Review { budget, date } => {
            let budget = budgets.record_budget_review(budget, date)?;
            ctx.out.said("review recorded", &budget);
        }
        BudgetCommand::Categories => ctx.out.show(&Categories(budgets.spend_categories()?)),
        BudgetCommand::Export { range, dir } => {
            let pack = export(ctx, range)?;
            match dir {
                Some(dir) => {
                    write(&dir, "spends.csv", &pack.spends_csv)?;
                    write(&dir, "summary.csv", &pack.summary_csv)?;
                    ctx.out
                        .said(&format!("written to {}", dir.display()), &pack);
                }
                None => ctx.out.show(&pack),
            }
        }
    }
    Ok(())
}
