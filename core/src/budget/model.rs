//! Personal health budget records and their validation. All money is integer
//! minor units (pence) with an ISO 4217 currency code.

use crate::error::PphError;
use crate::ids::check_id;
use crate::time::parse_date;
use crate::validate::{optional_text, required_text, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// £10 million: beyond any personal health budget, far below overflow.
pub(crate) const MAX_AMOUNT_PENCE: i64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum BudgetHolding {
    /// Money paid to the person (or their representative) to buy care.
    DirectPayment,
    /// Held by the NHS, spent as the person decides.
    Notional,
    /// Held and managed by an organisation on the person's behalf.
    ThirdParty,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Budget {
    pub id: String,
    pub name: String,
    pub holding: BudgetHolding,
    /// First and last local dates of the period, inclusive.
    pub period_start: String,
    pub period_end: String,
    pub allocation_pence: i64,
    pub currency: String,
    pub plan_id: Option<String>,
    /// Projected underspend beyond this share of the budget is warned about.
    pub underspend_warning_percent: u8,
    pub last_review: Option<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewBudget {
    pub name: String,
    pub holding: BudgetHolding,
    pub period_start: String,
    pub period_end: String,
    pub allocation_pence: i64,
    pub currency: String,
    #[uniffi(default = None)]
    pub plan_id: Option<String>,
    /// Defaults to 10.
    #[uniffi(default = None)]
    pub underspend_warning_percent: Option<u8>,
}

/// A dated top-up (positive) or reduction (negative).
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Adjustment {
    pub id: String,
    pub budget_id: String,
    pub date: String,
    pub amount_pence: i64,
    pub reason: String,
}

/// A support-plan category with its planned amount.
#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct BudgetLine {
    pub id: String,
    pub budget_id: String,
    /// "Personal assistant", "Pulmonary rehab classes"…
    pub category: String,
    pub planned_pence: i64,
    /// Care-plan goals this line serves.
    pub goal_ids: Vec<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewBudgetLine {
    pub category: String,
    pub planned_pence: i64,
    #[uniffi(default = [])]
    pub goal_ids: Vec<String>,
}

/// What the shell keeps of a receipt: the bytes stay on the phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct Receipt {
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: u64,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum SpendKind {
    Spend,
    Reversal,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Spend {
    pub id: String,
    pub budget_id: String,
    pub line_id: String,
    pub kind: SpendKind,
    pub date: String,
    pub payee: String,
    /// What it was for: a key of the spend categories (`spend_categories`).
    pub category: String,
    /// Positive for a spend; the negated original for a reversal.
    pub amount_pence: i64,
    pub currency: String,
    pub goal_id: Option<String>,
    pub activity_id: Option<String>,
    pub note: Option<String>,
    pub receipt: Option<Receipt>,
    /// For a reversal: the spend it reverses, and why.
    pub reverses: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, uniffi::Record)]
pub struct NewSpend {
    pub line_id: String,
    pub date: String,
    pub payee: String,
    pub category: String,
    pub amount_pence: i64,
    pub currency: String,
    #[uniffi(default = None)]
    pub goal_id: Option<String>,
    #[uniffi(default = None)]
    pub activity_id: Option<String>,
    #[uniffi(default = None)]
    pub note: Option<String>,
    #[uniffi(default = None)]
    pub receipt: Option<Receipt>,
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum BudgetWarning {
    /// At the current rate the budget runs out before the period ends.
    ProjectedOverspend {
        amount_pence: i64,
    },
    /// At the current rate this much will be left over (and may be reclaimed).
    ProjectedUnderspend {
        amount_pence: i64,
    },
    LineOverspent {
        line_id: String,
        amount_pence: i64,
    },
    SpendsWithoutReceipt {
        count: u32,
    },
    /// A review is due on this date (or was, if it has passed).
    ReviewDue {
        due: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct RecordedSpend {
    pub spend: Spend,
    /// Allowed, but worth telling the person now (e.g. the line is overspent).
    pub warnings: Vec<BudgetWarning>,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct LineSummary {
    pub line_id: String,
    pub category: String,
    pub planned_pence: i64,
    /// Spends less reversals.
    pub spent_pence: i64,
    pub remaining_pence: i64,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct BudgetSummary {
    pub budget_id: String,
    pub as_of: String,
    pub currency: String,
    pub allocated_pence: i64,
    pub adjustments_pence: i64,
    /// Sum of spends (before reversals).
    pub spent_pence: i64,
    /// Sum of reversals, as a positive amount given back.
    pub reversed_pence: i64,
    /// allocated + adjustments - spent + reversed.
    pub remaining_pence: i64,
    pub lines: Vec<LineSummary>,
    pub days_elapsed: u32,
    pub days_remaining: u32,
    /// Net spending per day so far.
    pub burn_rate_pence_per_day: i64,
    pub projected_balance_at_end_pence: i64,
    pub warnings: Vec<BudgetWarning>,
}

/// One of the things a spend can be for (the controlled list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct SpendCategory {
    /// What `NewSpend.category` takes, e.g. "personal_assistant".
    pub key: String,
    /// What the person sees, e.g. "A personal assistant or carer".
    pub label: String,
}

/// The category a spend says "something else" with: its note must say what.
pub(crate) const OTHER_CATEGORY: &str = "other";

#[derive(Clone, Debug, PartialEq, Serialize, uniffi::Record)]
pub struct Exclusion {
    pub category: String,
    pub rule: String,
}

#[derive(Clone, PartialEq, Serialize, uniffi::Record)]
pub struct AuditPack {
    /// One row per spend and reversal in the range, with receipt references.
    pub spends_csv: String,
    /// The summary at the end of the range, as field,value rows.
    pub summary_csv: String,
}

// ---- validation ----

pub(crate) fn check_amount(field: &str, pence: i64) -> Result<(), PphError> {
    if pence <= 0 {
        return Err(PphError::validation(field, "must be more than zero"));
    }
    check_magnitude(field, pence)
}

pub(crate) fn check_magnitude(field: &str, pence: i64) -> Result<(), PphError> {
    if pence.abs() > MAX_AMOUNT_PENCE {
        return Err(PphError::validation(field, "larger than any budget allows"));
    }
    Ok(())
}

pub(crate) fn check_currency(currency: &str) -> Result<(), PphError> {
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PphError::validation(
            "currency",
            "must be a three-letter ISO 4217 code such as GBP",
        ));
    }
    Ok(())
}

/// Category keys are compared lower-case and trimmed.
pub(crate) fn category_key(category: &str) -> String {
    category.trim().to_lowercase().replace([' ', '-'], "_")
}

impl Receipt {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("receipt.file_name", &self.file_name, MAX_SHORT_TEXT)?;
        required_text("receipt.media_type", &self.media_type, MAX_SHORT_TEXT)?;
        if self.sha256.len() != 64
            || !self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(PphError::validation(
                "receipt.sha256",
                "must be 64 lower-case hex characters",
            ));
        }
        Ok(())
    }
}

/// The share of the budget left at the end of the period below which an
/// underspend is warned of, unless the budget says otherwise.
pub(crate) const DEFAULT_UNDERSPEND_PERCENT: u8 = 10;

impl NewBudget {
    /// The underspend warning threshold, once the budget is known valid.
    pub(crate) fn validate(&self) -> Result<u8, PphError> {
        required_text("name", &self.name, MAX_SHORT_TEXT)?;
        let start = parse_date("period_start", &self.period_start)?;
        let end = parse_date("period_end", &self.period_end)?;
        if end < start {
            return Err(PphError::validation("period_end", "is before the start"));
        }
        if self.allocation_pence < 0 {
            return Err(PphError::validation(
                "allocation_pence",
                "must not be negative",
            ));
        }
        check_magnitude("allocation_pence", self.allocation_pence)?;
        check_currency(&self.currency)?;
        let percent = self
            .underspend_warning_percent
            .unwrap_or(DEFAULT_UNDERSPEND_PERCENT);
        if percent > 100 {
            return Err(PphError::validation(
                "underspend_warning_percent",
                "must be 0 to 100",
            ));
        }
        if let Some(plan_id) = &self.plan_id {
            check_id("plan_id", plan_id)?;
        }
        Ok(percent)
    }
}

impl NewBudgetLine {
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        required_text("category", &self.category, MAX_SHORT_TEXT)?;
        if self.planned_pence < 0 {
            return Err(PphError::validation(
                "planned_pence",
                "must not be negative",
            ));
        }
        check_magnitude("planned_pence", self.planned_pence)
    }
}

/// A top-up or reduction: its day, once known valid.
pub(crate) fn check_adjustment(
    date: &str,
    amount_pence: i64,
    reason: &str,
) -> Result<NaiveDate, PphError> {
    let day = parse_date("date", date)?;
    if amount_pence == 0 {
        return Err(PphError::validation("amount_pence", "must not be zero"));
    }
    check_magnitude("amount_pence", amount_pence)?;
    required_text("reason", reason, MAX_LONG_TEXT)?;
    Ok(day)
}

/// Why and when a spend is reversed: the day, once known valid.
pub(crate) fn check_reversal(reason: &str, date: &str) -> Result<NaiveDate, PphError> {
    required_text("reason", reason, MAX_LONG_TEXT)?;
    parse_date("date", date)
}

impl NewSpend {
    /// Checks everything that needs no store; eligibility against the budget
    /// and the exclusions is checked in the transaction.
    pub(crate) fn validate_shape(&self) -> Result<(), PphError> {
        check_amount("amount_pence", self.amount_pence)?;
        check_currency(&self.currency)?;
        required_text("payee", &self.payee, MAX_SHORT_TEXT)?;
        required_text("category", &self.category, MAX_SHORT_TEXT)?;
        optional_text("note", self.note.as_deref(), MAX_LONG_TEXT)?;
        self.receipt.as_ref().map_or(Ok(()), Receipt::validate)
    }
}

pph_protocol::debug_without_secrets!(
    Budget,
    NewBudget,
    Adjustment,
    BudgetLine,
    NewBudgetLine,
    Spend,
    NewSpend,
    LineSummary,
    BudgetSummary,
    AuditPack,
);
