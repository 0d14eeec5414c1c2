//! The budget position on a date: pure arithmetic over the totals, in pence.

use super::model::{Budget, BudgetLine, BudgetSummary, BudgetWarning, LineSummary};
use super::store::Totals;
use chrono::{Months, NaiveDate};

/// Projections warn only once a quarter of the period has passed: before
/// that, one early invoice or a quiet start says little about the year.
/// Money already overspent is warned about at once.
const PROJECT_AFTER_SHARE: i64 = 4;
/// A review is flagged this many days before it falls due.
const REVIEW_NOTICE_DAYS: i64 = 28;

/// First review within 3 months of the start, then at least yearly.
pub(crate) fn review_due(budget_start: NaiveDate, last_review: Option<NaiveDate>) -> NaiveDate {
    match last_review {
        Some(last) => last.checked_add_months(Months::new(12)),
        None => budget_start.checked_add_months(Months::new(3)),
    }
    .unwrap_or(NaiveDate::MAX)
}

pub(crate) struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub last_review: Option<NaiveDate>,
}

pub(crate) fn summarise(
    budget: &Budget,
    period: &Period,
    lines: &[BudgetLine],
    totals: &Totals,
    as_of: NaiveDate,
) -> BudgetSummary {
    let total_days = (period.end - period.start).num_days() + 1;
    let elapsed = if as_of < period.start {
        0
    } else {
        ((as_of.min(period.end) - period.start).num_days() + 1).min(total_days)
    };
    let remaining_days = total_days - elapsed;
    let available = budget.allocation_pence + totals.adjustments;
    let net_spent = totals.spent - totals.reversed;
    let remaining = available - net_spent;
    // i128 so a year of pence times days cannot overflow.
    let projected_further = if elapsed > 0 {
        (i128::from(net_spent) * i128::from(remaining_days) / i128::from(elapsed)) as i64
    } else {
        0
    };
    let projected = remaining - projected_further;

    let mut warnings = Vec::new();
    let can_project = elapsed * PROJECT_AFTER_SHARE >= total_days;
    if remaining < 0 || (can_project && projected < 0) {
        warnings.push(BudgetWarning::ProjectedOverspend {
            amount_pence: -projected.min(remaining),
        });
    } else if can_project
        && i128::from(projected) * 100
            > i128::from(available) * i128::from(budget.underspend_warning_percent)
    {
        warnings.push(BudgetWarning::ProjectedUnderspend {
            amount_pence: projected,
        });
    }
    let line_summaries: Vec<LineSummary> = lines
        .iter()
        .map(|line| {
            let spent = totals.per_line.get(&line.id).copied().unwrap_or(0);
            LineSummary {
                line_id: line.id.clone(),
                category: line.category.clone(),
                planned_pence: line.planned_pence,
                spent_pence: spent,
                remaining_pence: line.planned_pence - spent,
            }
        })
        .collect();
    for line in line_summaries.iter().filter(|l| l.remaining_pence < 0) {
        warnings.push(BudgetWarning::LineOverspent {
            line_id: line.line_id.clone(),
            amount_pence: -line.remaining_pence,
        });
    }
    if totals.missing_receipts > 0 {
        warnings.push(BudgetWarning::SpendsWithoutReceipt {
            count: totals.missing_receipts,
        });
    }
    let due = review_due(period.start, period.last_review);
    if (due - as_of).num_days() <= REVIEW_NOTICE_DAYS {
        warnings.push(BudgetWarning::ReviewDue {
            due: due.to_string(),
        });
    }
    BudgetSummary {
        budget_id: budget.id.clone(),
        as_of: as_of.to_string(),
        currency: budget.currency.clone(),
        allocated_pence: budget.allocation_pence,
        adjustments_pence: totals.adjustments,
        spent_pence: totals.spent,
        reversed_pence: totals.reversed,
        remaining_pence: remaining,
        lines: line_summaries,
        days_elapsed: elapsed as u32,
        days_remaining: remaining_days as u32,
        burn_rate_pence_per_day: if elapsed > 0 { net_spent / elapsed } else { 0 },
        projected_balance_at_end_pence: projected,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::model::BudgetHolding;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn budget() -> Budget {
        Budget {
            id: "b".into(),
            name: "PHB".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-04-01".into(),
            period_end: "2027-03-31".into(),
            allocation_pence: 365_000,
            currency: "GBP".into(),
            plan_id: None,
            underspend_warning_percent: 10,
            last_review: None,
        }
    }

    fn period(last_review: Option<&str>) -> Period {
        Period {
            start: d("2026-04-01"),
            end: d("2027-03-31"),
            last_review: last_review.map(d),
        }
    }

    #[test]
    fn balance_burn_rate_and_projection() {
        let totals = Totals {
            adjustments: 10_000,
            spent: 120_000,
            reversed: 20_000,
            ..Default::default()
        };
        // 100 days elapsed (1 April to 9 July), 265 to go.
        let s = summarise(
            &budget(),
            &period(Some("2026-06-01")),
            &[],
            &totals,
            d("2026-07-09"),
        );
        assert_eq!(s.remaining_pence, 365_000 + 10_000 - 120_000 + 20_000);
        assert_eq!((s.days_elapsed, s.days_remaining), (100, 265));
        assert_eq!(s.burn_rate_pence_per_day, 1_000);
        assert_eq!(s.projected_balance_at_end_pence, 275_000 - 265_000);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn overspend_underspend_and_line_warnings() {
        let fast = Totals {
            spent: 200_000,
            per_line: [("l".to_string(), 200_000)].into(),
            ..Default::default()
        };
        let line = BudgetLine {
            id: "l".into(),
            budget_id: "b".into(),
            category: "PA".into(),
            planned_pence: 150_000,
            goal_ids: vec![],
        };
        let s = summarise(
            &budget(),
            &period(Some("2026-06-01")),
            &[line],
            &fast,
            d("2026-07-09"),
        );
        // 2,000/day for 265 more days on 165,000 left: 365,000 short.
        assert!(s.warnings.contains(&BudgetWarning::ProjectedOverspend {
            amount_pence: 200_000 * 265 / 100 - (365_000 - 200_000)
        }));
        assert!(s.warnings.contains(&BudgetWarning::LineOverspent {
            line_id: "l".into(),
            amount_pence: 50_000
        }));

        let slow = Totals {
            spent: 10_000,
            ..Default::default()
        };
        let early = summarise(
            &budget(),
            &period(Some("2026-06-01")),
            &[],
            &slow,
            d("2026-04-20"),
        );
        assert!(early.warnings.is_empty(), "too early to call an underspend");
        let later = summarise(
            &budget(),
            &period(Some("2026-06-01")),
            &[],
            &slow,
            d("2026-07-09"),
        );
        assert!(matches!(
            later.warnings[..],
            [BudgetWarning::ProjectedUnderspend { .. }]
        ));
    }

    #[test]
    fn review_falls_due_three_months_in_then_yearly() {
        assert_eq!(review_due(d("2026-04-01"), None), d("2026-07-01"));
        assert_eq!(
            review_due(d("2026-04-01"), Some(d("2026-06-20"))),
            d("2027-06-20")
        );
        let s = summarise(
            &budget(),
            &period(None),
            &[],
            &Totals::default(),
            d("2026-06-10"),
        );
        assert_eq!(
            s.warnings,
            vec![BudgetWarning::ReviewDue {
                due: "2026-07-01".into()
            }]
        );
    }
}
