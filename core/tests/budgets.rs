//! Personal health budgets through the public API on a real encrypted store.

use pph_core::*;
use pph_testing::*;
use proptest::prelude::*;

fn new_budget(budgets: &Budgets) -> Budget {
    budgets
        .create_budget(NewBudget {
            name: "Breathing and mobility PHB".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-04-01".into(),
            period_end: "2027-03-31".into(),
            allocation_pence: 365_000,
            currency: "GBP".into(),
            plan_id: None,
            underspend_warning_percent: None,
        })
        .expect("budget")
}

fn line(budgets: &Budgets, budget_id: &str, category: &str, planned: i64) -> BudgetLine {
    budgets
        .add_line(
            budget_id.into(),
            NewBudgetLine {
                category: category.into(),
                planned_pence: planned,
                goal_ids: vec![],
            },
        )
        .expect("line")
}

fn spend(line_id: &str, date: &str, category: &str, pence: i64) -> NewSpend {
    NewSpend {
        line_id: line_id.into(),
        date: date.into(),
        payee: "Breathe Well CIC".into(),
        category: category.into(),
        amount_pence: pence,
        currency: "GBP".into(),
        goal_id: None,
        activity_id: None,
        note: None,
        receipt: Some(Receipt {
            file_name: "receipt.jpg".into(),
            media_type: "image/jpeg".into(),
            size_bytes: 123_456,
            sha256: "ab".repeat(32),
        }),
    }
}

fn validation_field<T: std::fmt::Debug>(r: Result<T, PphError>) -> String {
    match r {
        Err(PphError::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn spends_reversals_and_summary() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let b = new_budget(&budgets);
    let pa = line(&budgets, &b.id, "Personal assistant", 200_000);
    let rehab = line(&budgets, &b.id, "Pulmonary rehab classes", 50_000);

    budgets
        .adjust_budget(
            b.id.clone(),
            "2026-05-01".into(),
            20_000,
            "Top-up agreed at review".into(),
        )
        .expect("top-up");
    let first = budgets
        .record_spend(
            b.id.clone(),
            spend(&pa.id, "2026-04-10", "personal_assistant", 30_000),
        )
        .expect("spend");
    assert!(first.warnings.is_empty());
    let mistake = budgets
        .record_spend(
            b.id.clone(),
            spend(&rehab.id, "2026-04-12", "classes", 12_500),
        )
        .expect("spend");
    let reversal = budgets
        .reverse_spend(
            mistake.spend.id.clone(),
            "Charged twice".into(),
            "2026-04-20".into(),
        )
        .expect("reverse");
    assert_eq!(reversal.amount_pence, -12_500);
    assert_eq!(
        reversal.reverses.as_deref(),
        Some(mistake.spend.id.as_str())
    );
    assert_eq!(reversal.kind, SpendKind::Reversal);

    let s = budgets
        .summary(b.id.clone(), "2026-07-09".into())
        .expect("summary");
    assert_eq!(s.allocated_pence, 365_000);
    assert_eq!(s.adjustments_pence, 20_000);
    assert_eq!(s.spent_pence, 42_500);
    assert_eq!(s.reversed_pence, 12_500);
    assert_eq!(s.remaining_pence, 365_000 + 20_000 - 42_500 + 12_500);
    assert_eq!(s.days_elapsed, 100);
    assert_eq!(s.burn_rate_pence_per_day, 300);
    let pa_line = s
        .lines
        .iter()
        .find(|l| l.line_id == pa.id)
        .expect("pa line");
    assert_eq!(
        (pa_line.spent_pence, pa_line.remaining_pence),
        (30_000, 170_000)
    );
    let rehab_line = s
        .lines
        .iter()
        .find(|l| l.line_id == rehab.id)
        .expect("rehab line");
    assert_eq!(rehab_line.spent_pence, 0);
    // A slow start: a large projected underspend, and the first review is due 1 July.
    assert!(s
        .warnings
        .iter()
        .any(|w| matches!(w, BudgetWarning::ProjectedUnderspend { .. })));
    assert!(s.warnings.contains(&BudgetWarning::ReviewDue {
        due: "2026-07-01".into()
    }));

    // Both entries stay in the trail, in date order.
    let trail = budgets
        .spends(b.id.clone(), "2026-04-01".into(), "2027-03-31".into())
        .expect("spends");
    assert_eq!(trail.len(), 3);
    assert_eq!(trail[2].id, reversal.id);

    // A spend is reversed once; a reversal is never reversed.
    assert!(matches!(
        budgets.reverse_spend(mistake.spend.id, "again".into(), "2026-04-21".into()),
        Err(PphError::Conflict { .. })
    ));
    assert!(matches!(
        budgets.reverse_spend(reversal.id, "undo".into(), "2026-04-21".into()),
        Err(PphError::Conflict { .. })
    ));
}

#[test]
fn ineligible_spends_name_the_rule_and_write_nothing() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let b = new_budget(&budgets);
    let pa = line(&budgets, &b.id, "Personal assistant", 200_000);
    let before = t.companion.store().pending_changes().expect("count");

    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), spend(&pa.id, "2026-04-10", "x", 0))),
        "amount_pence"
    );
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), spend(&pa.id, "2026-04-10", "x", -5))),
        "amount_pence"
    );
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), spend(&pa.id, "2027-04-01", "x", 100))),
        "date"
    );
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), spend(&pa.id, "2026-03-31", "x", 100))),
        "date"
    );
    let stranger = "01900000-0000-7000-8000-00000000beef";
    assert_eq!(
        validation_field(
            budgets.record_spend(b.id.clone(), spend(stranger, "2026-04-10", "x", 100))
        ),
        "line_id"
    );
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), spend("nope", "2026-04-10", "x", 100))),
        "line_id"
    );
    for excluded in [
        "alcohol",
        "Tobacco",
        "gambling",
        "debt repayment",
        "emergency-care",
        "gp_services",
        "illegal",
    ] {
        match budgets.record_spend(b.id.clone(), spend(&pa.id, "2026-04-10", excluded, 100)) {
            Err(PphError::Validation { field, reason }) => {
                assert_eq!(field, "category");
                assert!(reason.starts_with("not allowed: "), "{reason}");
            }
            other => panic!("{excluded}: {other:?}"),
        }
    }
    let mut euros = spend(&pa.id, "2026-04-10", "x", 100);
    euros.currency = "EUR".into();
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), euros)),
        "currency"
    );
    let mut bad_receipt = spend(&pa.id, "2026-04-10", "x", 100);
    bad_receipt.receipt = Some(Receipt {
        file_name: "r.jpg".into(),
        media_type: "image/jpeg".into(),
        size_bytes: 1,
        sha256: "not a hash".into(),
    });
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), bad_receipt)),
        "receipt.sha256"
    );

    assert_eq!(
        t.companion.store().pending_changes().expect("count"),
        before
    );
    let s = budgets
        .summary(b.id.clone(), "2026-05-01".into())
        .expect("summary");
    assert_eq!(s.spent_pence, 0);

    // Exclusions are data: a local policy adds one without a release.
    assert_eq!(budgets.exclusions().expect("list").len(), 7);
    budgets
        .add_exclusion(
            "Holidays".into(),
            "local policy: holidays are not funded".into(),
        )
        .expect("add");
    match budgets.record_spend(b.id.clone(), spend(&pa.id, "2026-04-10", "holidays", 100)) {
        Err(PphError::Validation { reason, .. }) => assert!(reason.contains("local policy")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn overspending_a_line_is_allowed_and_warned() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let b = new_budget(&budgets);
    let gym = line(&budgets, &b.id, "Gym membership", 10_000);
    let r = budgets
        .record_spend(b.id.clone(), spend(&gym.id, "2026-04-10", "gym", 12_000))
        .expect("allowed");
    assert_eq!(
        r.warnings,
        vec![BudgetWarning::LineOverspent {
            line_id: gym.id,
            amount_pence: 2_000
        }]
    );
    assert!(describe_budget_warning(&r.warnings[0]).contains("overspent by 20.00"));
}

#[test]
fn audit_pack_lists_spends_with_receipts_and_a_summary() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let b = new_budget(&budgets);
    let pa = line(&budgets, &b.id, "Personal assistant", 200_000);
    let kept = budgets
        .record_spend(
            b.id.clone(),
            spend(&pa.id, "2026-04-10", "personal_assistant", 30_000),
        )
        .expect("spend");
    let mut no_receipt = spend(&pa.id, "2026-04-11", "personal_assistant", 4_550);
    no_receipt.receipt = None;
    budgets
        .record_spend(b.id.clone(), no_receipt)
        .expect("spend");
    budgets
        .reverse_spend(
            kept.spend.id.clone(),
            "Refunded".into(),
            "2026-04-15".into(),
        )
        .expect("reverse");

    let pack = budgets
        .export_audit_pack(b.id.clone(), "2026-04-01".into(), "2026-04-30".into())
        .expect("pack");
    let mut rows = csv::Reader::from_reader(pack.spends_csv.as_bytes());
    let header = rows.headers().expect("header").clone();
    assert_eq!(&header[0], "date");
    let records: Vec<csv::StringRecord> = rows.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(records.len(), 3);
    assert_eq!(&records[0][2], "spend");
    assert_eq!(&records[0][7], "300.00");
    assert_eq!(&records[0][14], "ab".repeat(32).as_str());
    assert_eq!(&records[1][7], "45.50");
    assert_eq!(&records[1][11], "", "no receipt file");
    assert_eq!(&records[2][2], "reversal");
    assert_eq!(&records[2][3], kept.spend.id.as_str());
    assert_eq!(&records[2][7], "-300.00");
    assert_eq!(&records[2][15], "Refunded");
    assert!(
        pack.summary_csv.contains("remaining,3604.50"),
        "{}",
        pack.summary_csv
    );
    assert!(
        pack.summary_csv.contains("1 spend(s) without a receipt"),
        "{}",
        pack.summary_csv
    );
}

#[test]
fn bad_budgets_are_refused() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let base = || NewBudget {
        name: "PHB".into(),
        holding: BudgetHolding::Notional,
        period_start: "2026-04-01".into(),
        period_end: "2027-03-31".into(),
        allocation_pence: 100,
        currency: "GBP".into(),
        plan_id: None,
        underspend_warning_percent: None,
    };
    let reversed = NewBudget {
        period_end: "2026-03-01".into(),
        ..base()
    };
    assert_eq!(
        validation_field(budgets.create_budget(reversed)),
        "period_end"
    );
    let negative = NewBudget {
        allocation_pence: -1,
        ..base()
    };
    assert_eq!(
        validation_field(budgets.create_budget(negative)),
        "allocation_pence"
    );
    let currency = NewBudget {
        currency: "pounds".into(),
        ..base()
    };
    assert_eq!(
        validation_field(budgets.create_budget(currency)),
        "currency"
    );
    let plan = NewBudget {
        plan_id: Some("01900000-0000-7000-8000-00000000beef".into()),
        ..base()
    };
    assert!(matches!(
        budgets.create_budget(plan),
        Err(PphError::NotFound { .. })
    ));
    assert!(budgets.list_budgets().expect("list").is_empty());
}

#[derive(Clone, Debug)]
enum Op {
    Spend { line: usize, day: i64, pence: i64 },
    Reverse { which: usize, later: i64 },
    Adjust { day: i64, pence: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, 0i64..365, 1i64..500_000).prop_map(|(line, day, pence)| Op::Spend { line, day, pence }),
        1 => (0usize..50, 0i64..30).prop_map(|(which, later)| Op::Reverse { which, later }),
        1 => (0i64..365, -50_000i64..50_000).prop_map(|(day, pence)| Op::Adjust { day, pence }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// balance = allocation + adjustments - spends + reversals, on every date,
    /// against a model kept here independently of the store.
    #[test]
    fn balance_always_adds_up(ops in proptest::collection::vec(op(), 1..40), as_of in 0i64..400) {
        let t = new_store();
        let budgets = t.companion.budgets();
        let b = new_budget(&budgets);
        let lines: Vec<BudgetLine> = (0..3).map(|i| line(&budgets, &b.id, &format!("line {i}"), 100_000)).collect();
        let start = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let day = |d: i64| (start + chrono::Duration::days(d)).to_string();
        // (date, amount) of every accepted movement, by kind.
        let mut spends: Vec<(String, i64, String)> = Vec::new();
        let mut reversals: Vec<(String, i64)> = Vec::new();
        let mut adjustments: Vec<(String, i64)> = Vec::new();
        let mut reversed_ids = std::collections::HashSet::new();
        for op in ops {
            match op {
                Op::Spend { line, day: d, pence } => {
                    let r = budgets.record_spend(b.id.clone(), spend(&lines[line].id, &day(d), "support", pence)).expect("eligible");
                    spends.push((day(d), pence, r.spend.id));
                }
                Op::Reverse { which, later } => {
                    if let Some((date, pence, id)) = spends.get(which % spends.len().max(1)).cloned() {
                        let on = (chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").expect("date") + chrono::Duration::days(later)).to_string();
                        let r = budgets.reverse_spend(id.clone(), "mistake".into(), on.clone());
                        if reversed_ids.insert(id) {
                            r.expect("first reversal");
                            reversals.push((on, pence));
                        } else {
                            let conflict = matches!(r, Err(PphError::Conflict { .. }));
                            prop_assert!(conflict, "a second reversal is a conflict");
                        }
                    }
                }
                Op::Adjust { day: d, pence } => {
                    if pence != 0 {
                        budgets.adjust_budget(b.id.clone(), day(d), pence, "change".into()).expect("adjust");
                        adjustments.push((day(d), pence));
                    }
                }
            }
        }
        let as_of = day(as_of);
        let upto = |v: &[(String, i64)]| v.iter().filter(|(d, _)| *d <= as_of).map(|(_, p)| p).sum::<i64>();
        let spent: i64 = spends.iter().filter(|(d, _, _)| *d <= as_of).map(|(_, p, _)| p).sum();
        let s = budgets.summary(b.id.clone(), as_of.clone()).expect("summary");
        prop_assert_eq!(s.spent_pence, spent);
        prop_assert_eq!(s.reversed_pence, upto(&reversals));
        prop_assert_eq!(s.adjustments_pence, upto(&adjustments));
        prop_assert_eq!(s.remaining_pence, 365_000 + upto(&adjustments) - spent + upto(&reversals));
        prop_assert_eq!(s.lines.iter().map(|l| l.spent_pence).sum::<i64>(), spent - upto(&reversals));
    }
}

#[test]
fn a_reversed_spend_needs_no_receipt() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let b = new_budget(&budgets);
    let pa = line(&budgets, &b.id, "Personal assistant", 200_000);
    let missing = |as_of: &str| {
        budgets
            .summary(b.id.clone(), as_of.into())
            .expect("summary")
            .warnings
            .iter()
            .find_map(|w| match w {
                BudgetWarning::SpendsWithoutReceipt { count } => Some(*count),
                _ => None,
            })
            .unwrap_or(0)
    };
    let mut first = spend(&pa.id, "2026-04-10", "personal_assistant", 1_000);
    first.receipt = None;
    let first = budgets.record_spend(b.id.clone(), first).expect("spend");
    let mut second = spend(&pa.id, "2026-04-11", "personal_assistant", 2_000);
    second.receipt = None;
    budgets.record_spend(b.id.clone(), second).expect("spend");
    assert_eq!(missing("2026-04-30"), 2);
    assert_eq!(missing("2026-04-10"), 1, "only spends up to the date count");
    budgets
        .reverse_spend(first.spend.id, "Paid in error".into(), "2026-04-20".into())
        .expect("reverse");
    assert_eq!(missing("2026-04-30"), 1);
    assert_eq!(missing("2026-04-10"), 0, "reversed later, still needs none");
}

#[test]
fn a_receipt_photo_is_described_by_name_size_and_sha256() {
    let dir = tempfile::tempdir().expect("tempdir");
    let photo = dir.path().join("till.jpg");
    std::fs::write(&photo, b"abc").expect("write");
    let receipt =
        receipt_of(photo.to_string_lossy().into_owned(), "image/jpeg".into()).expect("receipt");
    assert_eq!(receipt.file_name, "till.jpg");
    assert_eq!(receipt.size_bytes, 3);
    // The FIPS 180-2 test vector for "abc".
    assert_eq!(
        receipt.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // Larger than one read chunk, and so hashed in pieces.
    let big = dir.path().join("big.jpg");
    std::fs::write(&big, vec![7u8; 200_000]).expect("write");
    let whole =
        receipt_of(big.to_string_lossy().into_owned(), "image/jpeg".into()).expect("big receipt");
    assert_eq!(whole.size_bytes, 200_000);
    // As Python's hashlib.sha256(bytes([7]) * 200000) gives it.
    assert_eq!(
        whole.sha256,
        "8cfcba83dcfc81a193bb4e52fd3161efb513906f52cbbe2328fac5f1a79c2b6e"
    );

    let missing = dir.path().join("gone.jpg").to_string_lossy().into_owned();
    assert_eq!(
        validation_field(receipt_of(missing, "image/jpeg".into())),
        "path"
    );
    let folder = dir.path().to_string_lossy().into_owned();
    assert_eq!(
        validation_field(receipt_of(folder, "image/jpeg".into())),
        "path"
    );
    assert_eq!(
        validation_field(receipt_of(photo.to_string_lossy().into_owned(), " ".into())),
        "receipt.media_type"
    );
}

/// What a spend says is screened against the exclusions whatever its case,
/// punctuation or plurals, and through synonyms; a refused spend names the
/// field and the rule and writes nothing.
#[test]
fn exclusions_are_found_in_what_a_spend_says() {
    let t = new_store();
    let budgets = t.companion.budgets();
    let b = new_budget(&budgets);
    let pa = line(&budgets, &b.id, "Personal assistant", 100_000);
    let before = t.companion.store().pending_changes().expect("count");
    let said = |field: &str, text: &str| {
        let mut s = spend(&pa.id, "2026-04-10", "personal_assistant", 100);
        match field {
            "payee" => s.payee = text.into(),
            "note" => s.note = Some(text.into()),
            _ => s.category = text.into(),
        }
        s
    };
    for (field, text, rule) in [
        ("category", "alcoholic drinks", "alcohol"),
        ("category", "wine", "alcohol"),
        ("category", "Alcohol.", "alcohol"),
        ("category", "betting", "gambling"),
        ("category", "cigarettes", "tobacco"),
        ("payee", "Ladbrokes", "gambling"),
        ("payee", "Corner Off-Licence", "alcohol"),
        ("note", "Lottery tickets for the week", "gambling"),
        ("note", "Vapes and refills", "tobacco"),
        ("note", "Paying off my credit card bill", "debts"),
    ] {
        match budgets.record_spend(b.id.clone(), said(field, text)) {
            Err(PphError::Validation { field: f, reason }) => {
                assert_eq!(f, field, "{text}");
                assert!(
                    reason.starts_with("not allowed: ") && reason.contains(rule),
                    "{text}: {reason}"
                );
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    assert_eq!(
        t.companion.store().pending_changes().expect("count"),
        before,
        "nothing written"
    );
    // Words that only look alike pass; a category must come from the list.
    budgets
        .record_spend(
            b.id.clone(),
            said("note", "Ginger tea and a swimming lesson"),
        )
        .expect("not gin, not a bet");
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), said("category", "shopping"))),
        "category"
    );
    let keys: Vec<String> = budgets
        .spend_categories()
        .expect("list")
        .into_iter()
        .map(|c| c.key)
        .collect();
    assert!(keys.contains(&"personal_assistant".to_owned()));
    assert_eq!(keys.last().map(String::as_str), Some("other"));
    // "Something else" must say what it was.
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), said("category", "other"))),
        "note"
    );
    let mut other = said("category", "other");
    other.note = Some("A raised toilet seat".into());
    budgets
        .record_spend(b.id.clone(), other)
        .expect("other, said");
    // An organisation extends both lists without a release.
    budgets
        .add_spend_category("garden".into(), "Gardening and allotments".into())
        .expect("category");
    budgets
        .record_spend(b.id.clone(), said("category", "Garden"))
        .expect("garden");
    budgets
        .add_exclusion_term("alcohol".into(), "mead".into())
        .expect("term");
    assert_eq!(
        validation_field(budgets.record_spend(b.id.clone(), said("note", "Two meads"))),
        "note"
    );
    assert!(matches!(
        budgets.add_exclusion_term("no such rule".into(), "x".into()),
        Err(PphError::NotFound { .. })
    ));
    // A support-plan line is screened too.
    assert!(budgets
        .add_line(
            b.id.clone(),
            NewBudgetLine {
                category: "Casino nights".into(),
                planned_pence: 1,
                goal_ids: vec![]
            }
        )
        .is_err());
}
