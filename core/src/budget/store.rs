//! Budget SQL: where each record lives, and the aggregates the summary needs.

use super::model::{Adjustment, Budget, BudgetLine, Exclusion, Spend, SpendCategory};
use crate::error::Result;
use crate::store::entity;
use crate::store::entity::{docs, text};
use pph_protocol::kinds;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

entity!(Budget, kinds::BUDGET, "budgets");

entity!(Adjustment, kinds::BUDGET_ADJUSTMENT, "budget_adjustments", |r| {
    "budget_id": text(&r.budget_id),
    "date": text(&r.date),
    "amount_pence": Value::Integer(r.amount_pence),
});

entity!(BudgetLine, kinds::BUDGET_LINE, "budget_lines", |r| {
    "budget_id": text(&r.budget_id),
});

entity!(Spend, kinds::BUDGET_SPEND, "budget_spends", |r| {
    "budget_id": text(&r.budget_id),
    "line_id": text(&r.line_id),
    "date": text(&r.date),
    "amount_pence": Value::Integer(r.amount_pence),
    "has_receipt": Value::Integer(i64::from(r.receipt.is_some())),
    "reverses": r.reverses.as_deref().map_or(Value::Null, text),
});

pub(crate) fn list_budgets(conn: &Connection) -> Result<Vec<Budget>> {
    docs(
        &mut conn.prepare_cached("SELECT doc FROM budgets ORDER BY id")?,
        [],
    )
}

/// Every exclusion term with the rule it belongs to, longest terms first
/// (so "payday loan" is reported before "loan" would be).
pub(crate) fn exclusion_terms(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.term, e.rule FROM budget_exclusion_terms t
         JOIN budget_exclusions e ON e.category = t.category
         ORDER BY length(t.term) DESC, t.term",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn add_exclusion_term(conn: &Connection, category_key: &str, term: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO budget_exclusion_terms (category, term) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute((category_key, term))?;
    Ok(())
}

pub(crate) fn exclusion_exists(conn: &Connection, category_key: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM budget_exclusions WHERE category = ?1")?
        .exists([category_key])?)
}

pub(crate) fn spend_categories(conn: &Connection) -> Result<Vec<SpendCategory>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, label FROM budget_spend_categories ORDER BY key = 'other', label",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SpendCategory {
            key: r.get(0)?,
            label: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn is_spend_category(conn: &Connection, key: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM budget_spend_categories WHERE key = ?1")?
        .exists([key])?)
}

pub(crate) fn add_spend_category(conn: &Connection, key: &str, label: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO budget_spend_categories (key, label) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET label = excluded.label",
    )?
    .execute((key, label))?;
    Ok(())
}

pub(crate) fn exclusions(conn: &Connection) -> Result<Vec<Exclusion>> {
    let mut stmt =
        conn.prepare_cached("SELECT category, rule FROM budget_exclusions ORDER BY category")?;
    let rows = stmt.query_map([], |r| {
        Ok(Exclusion {
            category: r.get(0)?,
            rule: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn add_exclusion(conn: &Connection, category_key: &str, rule: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO budget_exclusions (category, rule) VALUES (?1, ?2)
         ON CONFLICT (category) DO UPDATE SET rule = excluded.rule",
    )?
    .execute((category_key, rule))?;
    Ok(())
}

pub(crate) fn is_reversed(conn: &Connection, spend_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM budget_spends WHERE reverses = ?1")?
        .query_row([spend_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Spends and reversals of a budget between two dates, inclusive, oldest first.
pub(crate) fn spends_between(
    conn: &Connection,
    budget_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<Spend>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc FROM budget_spends WHERE budget_id = ?1 AND date BETWEEN ?2 AND ?3
         ORDER BY date, id",
    )?;
    docs(&mut stmt, (budget_id, from, to))
}

/// Net spent on a line so far (spends less reversals, any date).
pub(crate) fn line_spent(conn: &Connection, line_id: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(amount_pence), 0) FROM budget_spends WHERE line_id = ?1",
        )?
        .query_row([line_id], |r| r.get(0))?)
}

/// Money movements up to a date, summed by SQL over indexed columns.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Totals {
    pub adjustments: i64,
    pub spent: i64,
    pub reversed: i64,
    /// Net (spends less reversals) per line.
    pub per_line: HashMap<String, i64>,
    /// Spends (not reversed) with no receipt.
    pub missing_receipts: u32,
}

pub(crate) fn totals(conn: &Connection, budget_id: &str, as_of: &str) -> Result<Totals> {
    let adjustments = conn
        .prepare_cached(
            "SELECT coalesce(sum(amount_pence), 0) FROM budget_adjustments
             WHERE budget_id = ?1 AND date <= ?2",
        )?
        .query_row((budget_id, as_of), |r| r.get(0))?;
    let mut totals = Totals {
        adjustments,
        ..Totals::default()
    };
    // One pass over the covering index, grouped by line. Pinned: grouping
    // tempts the planner to walk the line index and fetch every record.
    let mut stmt = conn.prepare_cached(
        "SELECT line_id,
                coalesce(sum(amount_pence) FILTER (WHERE amount_pence > 0), 0),
                coalesce(-sum(amount_pence) FILTER (WHERE amount_pence < 0), 0),
                count(*) FILTER (WHERE amount_pence > 0 AND has_receipt = 0)
         FROM budget_spends INDEXED BY budget_spends_totals
         WHERE budget_id = ?1 AND date <= ?2 GROUP BY line_id",
    )?;
    let rows = stmt.query_map((budget_id, as_of), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, u32>(3)?,
        ))
    })?;
    for row in rows {
        let (line_id, spent, reversed, missing) = row?;
        totals.spent += spent;
        totals.reversed += reversed;
        totals.missing_receipts += missing;
        totals.per_line.insert(line_id, spent - reversed);
    }
    // A spend without a receipt that has since been reversed needs none.
    // Driven from the (few) reversals, not from every spend.
    let reversed_without_receipt: u32 = conn
        .prepare_cached(
            "SELECT count(*) FROM budget_spends r INDEXED BY budget_spends_one_reversal
             JOIN budget_spends s ON s.id = r.reverses
             WHERE r.reverses IS NOT NULL AND r.budget_id = ?1
               AND s.date <= ?2 AND s.has_receipt = 0",
        )?
        .query_row((budget_id, as_of), |r| r.get(0))?;
    totals.missing_receipts -= reversed_without_receipt;
    Ok(totals)
}

/// The file names of every receipt photo a spend refers to (the photos
/// themselves are the shell's).
pub(crate) fn receipt_files(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT json_extract(doc, '$.receipt.file_name') FROM budget_spends
         WHERE has_receipt = 1 ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
