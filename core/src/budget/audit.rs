//! The audit pack a council or ICB reviewer asks for: every spend and
//! reversal in a range with its receipt reference, and the position at the end.

use super::model::{AuditPack, Budget, BudgetLine, BudgetSummary, BudgetWarning, Spend, SpendKind};
use crate::error::{PphError, Result};

/// Pence as a plain decimal, e.g. -1234 -> "-12.34".
pub(crate) fn money(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        pence.unsigned_abs() / 100,
        pence.unsigned_abs() % 100
    )
}

fn csv_error(_: csv::Error) -> PphError {
    PphError::Internal {
        reason: "could not write CSV".into(),
    }
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = writer
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|_| {
        PphError::Internal {
            reason: "CSV is not UTF-8".into(),
        }
        .into()
    })
}

pub(crate) fn pack(
    budget: &Budget,
    lines: &[BudgetLine],
    spends: &[Spend],
    summary: &BudgetSummary,
) -> Result<AuditPack> {
    let line_name = |id: &str| {
        lines
            .iter()
            .find(|l| l.id == id)
            .map_or("", |l| l.category.as_str())
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "date",
        "entry_id",
        "kind",
        "reverses",
        "payee",
        "category",
        "budget_line",
        "amount",
        "currency",
        "goal_id",
        "activity_id",
        "receipt_file",
        "receipt_type",
        "receipt_bytes",
        "receipt_sha256",
        "note",
    ])
    .map_err(csv_error)?;
    for s in spends {
        let receipt = s.receipt.as_ref();
        w.write_record([
            s.date.as_str(),
            &s.id,
            match s.kind {
                SpendKind::Spend => "spend",
                SpendKind::Reversal => "reversal",
            },
            s.reverses.as_deref().unwrap_or(""),
            &s.payee,
            &s.category,
            line_name(&s.line_id),
            &money(s.amount_pence),
            &s.currency,
            s.goal_id.as_deref().unwrap_or(""),
            s.activity_id.as_deref().unwrap_or(""),
            receipt.map_or("", |r| r.file_name.as_str()),
            receipt.map_or("", |r| r.media_type.as_str()),
            &receipt.map_or(String::new(), |r| r.size_bytes.to_string()),
            receipt.map_or("", |r| r.sha256.as_str()),
            // Reversals carry their reason where a spend carries its note.
            s.note.as_deref().or(s.reason.as_deref()).unwrap_or(""),
        ])
        .map_err(csv_error)?;
    }
    let spends_csv = finish(w)?;

    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |field: &str, value: &str| w.write_record([field, value]).map_err(csv_error);
    row("field", "value")?;
    row("budget", &budget.name)?;
    row("holding", &format!("{:?}", budget.holding))?;
    row(
        "period",
        &format!("{} to {}", budget.period_start, budget.period_end),
    )?;
    row("as_of", &summary.as_of)?;
    row("currency", &summary.currency)?;
    row("allocated", &money(summary.allocated_pence))?;
    row("adjustments", &money(summary.adjustments_pence))?;
    row("spent", &money(summary.spent_pence))?;
    row("reversed", &money(summary.reversed_pence))?;
    row("remaining", &money(summary.remaining_pence))?;
    row(
        "projected_balance_at_end",
        &money(summary.projected_balance_at_end_pence),
    )?;
    for l in &summary.lines {
        row(
            &format!("line: {}", l.category),
            &format!(
                "planned {} spent {} remaining {}",
                money(l.planned_pence),
                money(l.spent_pence),
                money(l.remaining_pence)
            ),
        )?;
    }
    for warning in &summary.warnings {
        row("warning", &describe_budget_warning(warning))?;
    }
    Ok(AuditPack {
        spends_csv,
        summary_csv: finish(w)?,
    })
}

/// A warning in words, so every shell says the same thing.
#[uniffi::export]
pub fn describe_budget_warning(w: &BudgetWarning) -> String {
    match w {
        BudgetWarning::ProjectedOverspend { amount_pence } => {
            format!(
                "projected overspend of {} by the end of the period",
                money(*amount_pence)
            )
        }
        BudgetWarning::ProjectedUnderspend { amount_pence } => {
            format!(
                "projected underspend of {} by the end of the period",
                money(*amount_pence)
            )
        }
        BudgetWarning::LineOverspent {
            line_id,
            amount_pence,
        } => {
            format!("line {line_id} overspent by {}", money(*amount_pence))
        }
        BudgetWarning::SpendsWithoutReceipt { count } => {
            format!("{count} spend(s) without a receipt")
        }
        BudgetWarning::ReviewDue { due } => format!("review due {due}"),
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_formats_pence_exactly() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(123_456), "1234.56");
        assert_eq!(money(-1_999), "-19.99");
        assert_eq!(money(i64::MIN + 1), "-92233720368547758.07");
    }
}
