//! Personal health budgets: the exported API. Money is never edited: spends
//! are reversed by a second entry, and every write is one transaction with
//! its change-log rows.

mod audit;
mod eligibility;
pub mod model;
mod receipt;
pub(crate) mod store;
pub(crate) mod summary;

pub use audit::describe_budget_warning;
pub use receipt::receipt_of;

use crate::care_plan::model::{Activity, Goal, PlanInfo};
use crate::error::{PphError, Result};
use crate::ids::{check_id, new_id};
use crate::store::{list_by, load_required, Store};
use crate::time::parse_date;
use crate::validate::{required_text, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use chrono::NaiveDate;
use eligibility::normalise_term;
use model::*;
use rusqlite::Connection;
use std::sync::Arc;

#[derive(uniffi::Object)]
pub struct Budgets {
    store: Arc<Store>,
}

impl Budgets {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Budgets { store }
    }
}

fn period(budget: &Budget) -> Result<summary::Period> {
    Ok(summary::Period {
        start: parse_date("period_start", &budget.period_start)?,
        end: parse_date("period_end", &budget.period_end)?,
        last_review: budget
            .last_review
            .as_deref()
            .map(|d| parse_date("last_review", d))
            .transpose()?,
    })
}

fn in_period(budget: &Budget, field: &str, date: NaiveDate) -> Result<()> {
    let p = period(budget)?;
    if date < p.start || date > p.end {
        return Err(PphError::validation(field, "outside the budget period").into());
    }
    Ok(())
}

fn summary_at(conn: &Connection, budget: &Budget, as_of: NaiveDate) -> Result<BudgetSummary> {
    let lines: Vec<BudgetLine> = list_by(conn, "budget_id", &budget.id)?;
    let totals = store::totals(conn, &budget.id, &as_of.to_string())?;
    Ok(summary::summarise(
        budget,
        &period(budget)?,
        &lines,
        &totals,
        as_of,
    ))
}

/// An optional link must name an existing goal or activity.
fn check_link<E: crate::store::Entity>(
    conn: &Connection,
    field: &str,
    id: Option<&str>,
) -> Result<()> {
    if let Some(id) = id {
        check_id(field, id)?;
        load_required::<E>(conn, id)
            .map_err(|_| PphError::validation(field, "no such record in the care plan"))?;
    }
    Ok(())
}

#[uniffi::export]
impl Budgets {
    pub fn create_budget(&self, new: NewBudget) -> Result<Budget, PphError> {
        let percent = new.validate()?;
        Ok(self.store.write(|tx| {
            if let Some(plan_id) = &new.plan_id {
                load_required::<PlanInfo>(tx.tx, plan_id)?;
            }
            let budget = Budget {
                id: new_id(),
                name: new.name,
                holding: new.holding,
                period_start: new.period_start,
                period_end: new.period_end,
                allocation_pence: new.allocation_pence,
                currency: new.currency,
                plan_id: new.plan_id,
                underspend_warning_percent: percent,
                last_review: None,
            };
            tx.save_personal(None, &budget)?;
            Ok(budget)
        })?)
    }

    pub fn budget(&self, budget_id: String) -> Result<Budget, PphError> {
        check_id("budget_id", &budget_id)?;
        Ok(self.store.read(|conn| load_required(conn, &budget_id))?)
    }

    pub fn list_budgets(&self) -> Result<Vec<Budget>, PphError> {
        Ok(self.store.read(store::list_budgets)?)
    }

    /// A dated top-up (positive) or reduction (negative) of the allocation.
    pub fn adjust_budget(
        &self,
        budget_id: String,
        date: String,
        amount_pence: i64,
        reason: String,
    ) -> Result<Adjustment, PphError> {
        check_id("budget_id", &budget_id)?;
        let day = check_adjustment(&date, amount_pence, &reason)?;
        Ok(self.store.write(|tx| {
            let budget: Budget = load_required(tx.tx, &budget_id)?;
            in_period(&budget, "date", day)?;
            let adjustment = Adjustment {
                id: new_id(),
                budget_id,
                date,
                amount_pence,
                reason,
            };
            tx.save_personal(None, &adjustment)?;
            Ok(adjustment)
        })?)
    }

    pub fn add_line(&self, budget_id: String, new: NewBudgetLine) -> Result<BudgetLine, PphError> {
        check_id("budget_id", &budget_id)?;
        new.validate()?;
        Ok(self.store.write(|tx| {
            screen(tx.tx, &[("category", Some(&new.category))])?;
            let budget: Budget = load_required(tx.tx, &budget_id)?;
            for goal_id in &new.goal_ids {
                check_link::<Goal>(tx.tx, "goal_ids", Some(goal_id))?;
            }
            let line = BudgetLine {
                id: new_id(),
                budget_id: budget.id,
                category: new.category,
                planned_pence: new.planned_pence,
                goal_ids: new.goal_ids,
            };
            tx.save_personal(None, &line)?;
            Ok(line)
        })?)
    }

    pub fn lines(&self, budget_id: String) -> Result<Vec<BudgetLine>, PphError> {
        check_id("budget_id", &budget_id)?;
        Ok(self.store.read(|conn| {
            load_required::<Budget>(conn, &budget_id)?;
            list_by(conn, "budget_id", &budget_id)
        })?)
    }

    /// Records a spend after checking it is eligible: more than zero, in the
    /// budget's currency and period, on one of its lines, and not in an
    /// excluded category. Overspending a line is allowed and warned.
    pub fn record_spend(
        &self,
        budget_id: String,
        new: NewSpend,
    ) -> Result<RecordedSpend, PphError> {
        check_id("budget_id", &budget_id)?;
        new.validate_shape()?;
        let day = parse_date("date", &new.date)?;
        Ok(self.store.write(|tx| {
            let budget: Budget = load_required(tx.tx, &budget_id)?;
            in_period(&budget, "date", day)?;
            if new.currency != budget.currency {
                return Err(
                    PphError::validation("currency", "differs from the budget's currency").into(),
                );
            }
            let line = match check_id("line_id", &new.line_id) {
                Ok(()) => crate::store::load::<BudgetLine>(tx.tx, &new.line_id)?,
                Err(_) => None,
            }
            .filter(|l| l.budget_id == budget.id)
            .ok_or_else(|| PphError::validation("line_id", "not a line of this budget"))?;
            screen(
                tx.tx,
                &[
                    ("category", Some(&new.category)),
                    ("payee", Some(&new.payee)),
                    ("note", new.note.as_ref()),
                ],
            )?;
            let category = category_key(&new.category);
            if !store::is_spend_category(tx.tx, &category)? {
                return Err(PphError::validation(
                    "category",
                    "not one of the spend categories (see spend_categories)",
                )
                .into());
            }
            if category == OTHER_CATEGORY && new.note.as_deref().is_none_or(|n| n.trim().is_empty())
            {
                return Err(PphError::validation(
                    "note",
                    "say what it was for when the category is other",
                )
                .into());
            }
            check_link::<Goal>(tx.tx, "goal_id", new.goal_id.as_deref())?;
            check_link::<Activity>(tx.tx, "activity_id", new.activity_id.as_deref())?;
            let spend = Spend {
                id: new_id(),
                budget_id: budget.id.clone(),
                line_id: new.line_id,
                kind: SpendKind::Spend,
                date: new.date,
                payee: new.payee,
                category,
                amount_pence: new.amount_pence,
                currency: new.currency,
                goal_id: new.goal_id,
                activity_id: new.activity_id,
                note: new.note,
                receipt: new.receipt,
                reverses: None,
                reason: None,
            };
            tx.save_personal(None, &spend)?;
            let over = store::line_spent(tx.tx, &line.id)? - line.planned_pence;
            let warnings = if over > 0 {
                vec![BudgetWarning::LineOverspent {
                    line_id: line.id,
                    amount_pence: over,
                }]
            } else {
                vec![]
            };
            Ok(RecordedSpend { spend, warnings })
        })?)
    }

    /// Writes a reversing entry for a spend; both stay in the audit trail.
    pub fn reverse_spend(
        &self,
        spend_id: String,
        reason: String,
        date: String,
    ) -> Result<Spend, PphError> {
        check_id("spend_id", &spend_id)?;
        let day = check_reversal(&reason, &date)?;
        Ok(self.store.write(|tx| {
            let original: Spend = load_required(tx.tx, &spend_id)?;
            if original.kind == SpendKind::Reversal {
                return Err(PphError::Conflict {
                    reason: "a reversal cannot itself be reversed".into(),
                }
                .into());
            }
            if store::is_reversed(tx.tx, &spend_id)? {
                return Err(PphError::Conflict {
                    reason: "this spend is already reversed".into(),
                }
                .into());
            }
            if day < parse_date("date", &original.date)? {
                return Err(PphError::validation("date", "is before the spend it reverses").into());
            }
            let reversal = Spend {
                id: new_id(),
                kind: SpendKind::Reversal,
                date,
                amount_pence: -original.amount_pence,
                note: None,
                receipt: None,
                reverses: Some(original.id.clone()),
                reason: Some(reason),
                ..original
            };
            tx.save_personal(None, &reversal)?;
            Ok(reversal)
        })?)
    }

    /// Spends and reversals between two dates, inclusive, oldest first.
    pub fn spends(
        &self,
        budget_id: String,
        from: String,
        to: String,
    ) -> Result<Vec<Spend>, PphError> {
        check_id("budget_id", &budget_id)?;
        parse_date("from", &from)?;
        parse_date("to", &to)?;
        Ok(self.store.read(|conn| {
            load_required::<Budget>(conn, &budget_id)?;
            store::spends_between(conn, &budget_id, &from, &to)
        })?)
    }

    /// The position on a date: balance, lines, burn rate, projection, warnings.
    pub fn summary(&self, budget_id: String, as_of: String) -> Result<BudgetSummary, PphError> {
        check_id("budget_id", &budget_id)?;
        let day = parse_date("as_of", &as_of)?;
        Ok(self.store.read(|conn| {
            let budget: Budget = load_required(conn, &budget_id)?;
            summary_at(conn, &budget, day)
        })?)
    }

    /// Records that the budget was reviewed, which sets the next review due.
    pub fn record_budget_review(
        &self,
        budget_id: String,
        date: String,
    ) -> Result<Budget, PphError> {
        check_id("budget_id", &budget_id)?;
        parse_date("date", &date)?;
        Ok(self.store.write(|tx| {
            let old: Budget = load_required(tx.tx, &budget_id)?;
            let new = Budget {
                last_review: Some(date),
                ..old.clone()
            };
            tx.save_personal(Some(&old), &new)?;
            Ok(new)
        })?)
    }

    /// What budgets may not buy, as configured on this device.
    pub fn exclusions(&self) -> Result<Vec<Exclusion>, PphError> {
        Ok(self.store.read(store::exclusions)?)
    }

    /// Adds (or rewords) an excluded category, e.g. for a local policy; its
    /// name is also a term screened for in what spends say.
    pub fn add_exclusion(&self, category: String, rule: String) -> Result<(), PphError> {
        required_text("category", &category, MAX_SHORT_TEXT)?;
        required_text("rule", &rule, MAX_LONG_TEXT)?;
        let key = category_key(&category);
        Ok(self.store.write(|tx| {
            store::add_exclusion(tx.tx, &key, &rule)?;
            store::add_exclusion_term(tx.tx, &key, &normalise_term(&category))
        })?)
    }

    /// Adds a word or phrase (and so its plural) that marks a spend as
    /// falling under an excluded category: "mead" for alcohol.
    pub fn add_exclusion_term(&self, category: String, term: String) -> Result<(), PphError> {
        required_text("category", &category, MAX_SHORT_TEXT)?;
        required_text("term", &term, MAX_SHORT_TEXT)?;
        let (key, term) = (category_key(&category), normalise_term(&term));
        if term.is_empty() {
            return Err(PphError::validation("term", "must hold a word"));
        }
        Ok(self.store.write(|tx| {
            if !store::exclusion_exists(tx.tx, &key)? {
                return Err(PphError::not_found("exclusion", &key).into());
            }
            store::add_exclusion_term(tx.tx, &key, &term)
        })?)
    }

    /// What a spend can be for: the controlled list a spend's category
    /// comes from, "something else" last.
    pub fn spend_categories(&self) -> Result<Vec<SpendCategory>, PphError> {
        Ok(self.store.read(store::spend_categories)?)
    }

    /// Adds (or relabels) a spend category, for a deploying organisation.
    pub fn add_spend_category(&self, key: String, label: String) -> Result<(), PphError> {
        required_text("key", &key, MAX_SHORT_TEXT)?;
        required_text("label", &label, MAX_SHORT_TEXT)?;
        let key = category_key(&key);
        Ok(self.store.write(|tx| {
            screen(tx.tx, &[("key", Some(&key)), ("label", Some(&label))])?;
            store::add_spend_category(tx.tx, &key, &label)
        })?)
    }

    /// The CSV of spends in a range with receipt references, and the summary
    /// at the end of the range.
    pub fn export_audit_pack(
        &self,
        budget_id: String,
        from: String,
        to: String,
    ) -> Result<AuditPack, PphError> {
        check_id("budget_id", &budget_id)?;
        parse_date("from", &from)?;
        let to_day = parse_date("to", &to)?;
        Ok(self.store.read(|conn| {
            let budget: Budget = load_required(conn, &budget_id)?;
            let lines: Vec<BudgetLine> = list_by(conn, "budget_id", &budget_id)?;
            let spends = store::spends_between(conn, &budget_id, &from, &to)?;
            let summary = summary_at(conn, &budget, to_day)?;
            audit::pack(&budget, &lines, &spends, &summary)
        })?)
    }
}

/// Refuses, naming the field and the rule, when any of the texts says
/// something a personal health budget may not buy.
fn screen(conn: &Connection, texts: &[(&str, Option<&String>)]) -> Result<()> {
    let terms = store::exclusion_terms(conn)?;
    for (field, text) in texts {
        if let Some(rule) = text.and_then(|t| eligibility::screen(t, &terms)) {
            return Err(PphError::validation(field, format!("not allowed: {rule}")).into());
        }
    }
    Ok(())
}
