//! Personal health budgets as the terminal shows them.

use super::lines;
use crate::out::Show;
use pph_core::{
    describe_budget_warning, AuditPack, Budget, BudgetLine, BudgetSummary, RecordedSpend, Spend,
    SpendCategory, SpendKind,
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(transparent)]
pub struct Budgets(pub Vec<Budget>);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Spends(pub Vec<Spend>);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Lines(pub Vec<BudgetLine>);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Categories(pub Vec<SpendCategory>);

/// Pence as pounds, e.g. 123456 -> "£1234.56".
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!(
        "{sign}£{}.{:02}",
        pence.unsigned_abs() / 100,
        pence.unsigned_abs() % 100
    )
}

fn summary(s: &BudgetSummary) -> String {
    let mut out = format!(
        "Position on {}: {} left of {} allocated ({} spent, {} reversed, {} adjustments)\n  \
         Burn rate {} a day; projected balance at the end of the period: {}\n",
        s.as_of,
        pounds(s.remaining_pence),
        pounds(s.allocated_pence),
        pounds(s.spent_pence),
        pounds(s.reversed_pence),
        pounds(s.adjustments_pence),
        pounds(s.burn_rate_pence_per_day),
        pounds(s.projected_balance_at_end_pence),
    );
    for l in &s.lines {
        out.push_str(&format!(
            "  - {}: planned {}, spent {}, {} left\n",
            l.category,
            pounds(l.planned_pence),
            pounds(l.spent_pence),
            pounds(l.remaining_pence)
        ));
    }
    for w in &s.warnings {
        out.push_str(&format!("  ! {}\n", describe_budget_warning(w)));
    }
    out
}

impl Show for BudgetSummary {
    fn text(&self) -> String {
        summary(self)
    }
}

impl Show for Budgets {
    fn text(&self) -> String {
        lines(&self.0, |b| {
            format!(
                "{}  {} ({} to {}, {})",
                b.id,
                b.name,
                b.period_start,
                b.period_end,
                pounds(b.allocation_pence)
            )
        })
    }
}

impl Show for Lines {
    fn text(&self) -> String {
        lines(&self.0, |l| {
            format!(
                "{}  {}: planned {}",
                l.id,
                l.category,
                pounds(l.planned_pence)
            )
        })
    }
}

impl Show for Spends {
    fn text(&self) -> String {
        lines(&self.0, |s| {
            let what = match s.kind {
                SpendKind::Spend => format!("{} ({})", s.payee, s.category),
                SpendKind::Reversal => format!(
                    "reversal: {}",
                    s.reason.as_deref().unwrap_or("no reason given")
                ),
            };
            format!(
                "{}  {}  {:>10}  {what}",
                s.id,
                s.date,
                pounds(s.amount_pence)
            )
        })
    }
}

impl Show for RecordedSpend {
    fn text(&self) -> String {
        let mut out = format!("{}\n", self.spend.id);
        for w in &self.warnings {
            out.push_str(&format!("  ! {}\n", describe_budget_warning(w)));
        }
        out
    }
}

impl Show for Categories {
    fn text(&self) -> String {
        lines(&self.0, |c| format!("{:<20} {}", c.key, c.label))
    }
}

impl Show for AuditPack {
    fn text(&self) -> String {
        format!(
            "# spends.csv\n{}\n# summary.csv\n{}",
            self.spends_csv, self.summary_csv
        )
    }
}
