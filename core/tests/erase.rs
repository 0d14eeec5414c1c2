//! Erasing this phone: the store, its write-ahead files and everything in
//! them go, the shell is told which receipt photos and which key to delete,
//! and nothing more can be read or written through the old companion.

use pph_core::*;
use pph_testing::*;

#[test]
fn erase_local_deletes_the_store_and_refuses_everything_after() {
    let t = new_store();
    let c = &t.companion;
    let plan = c
        .care_plans()
        .create_plan(NewPlan {
            title: "Breathe easier".into(),
            what_matters: "The park".into(),
            next_review: None,
        })
        .expect("plan");
    let budget = c
        .budgets()
        .create_budget(NewBudget {
            name: "Getting out".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-01-01".into(),
            period_end: "2026-12-31".into(),
            allocation_pence: 100_000,
            currency: "GBP".into(),
            plan_id: Some(plan.id.clone()),
            underspend_warning_percent: None,
        })
        .expect("budget");
    let line = c
        .budgets()
        .add_line(
            budget.id.clone(),
            NewBudgetLine {
                category: "transport".into(),
                planned_pence: 10_000,
                goal_ids: vec![],
            },
        )
        .expect("line");
    c.budgets()
        .record_spend(
            budget.id,
            NewSpend {
                line_id: line.id,
                date: "2026-03-02".into(),
                payee: "Town Cabs".into(),
                category: "transport".into(),
                amount_pence: 1_850,
                currency: "GBP".into(),
                goal_id: None,
                activity_id: None,
                note: None,
                receipt: Some(Receipt {
                    file_name: "cab-0302.jpg".into(),
                    media_type: "image/jpeg".into(),
                    size_bytes: 1_000,
                    sha256: "ab".repeat(32),
                }),
            },
        )
        .expect("spend");
    let wal = format!("{}-wal", t.path.display());
    assert!(t.path.exists() && std::path::Path::new(&wal).exists());

    let receipt = c.erase_local().expect("erase");
    assert!(
        receipt
            .deleted_files
            .contains(&t.path.display().to_string()),
        "{receipt:?}"
    );
    assert_eq!(receipt.receipt_photos, ["cab-0302.jpg"]);
    assert!(receipt.delete_the_key);
    assert!(!receipt.remains_elsewhere.is_empty());
    let left: Vec<_> = std::fs::read_dir(t.dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // The old companion refuses everything; nothing is written anew.
    for refused in [
        c.care_plans().list_plans().map(|_| ()),
        c.care_plans()
            .create_plan(NewPlan {
                title: "Again".into(),
                what_matters: String::new(),
                next_review: None,
            })
            .map(|_| ()),
        c.schema_version().map(|_| ()),
        c.erase_local().map(|_| ()),
    ] {
        assert!(
            matches!(&refused, Err(PphError::Storage { reason }) if reason.contains("erased")),
            "{refused:?}"
        );
    }
    assert!(!t.path.exists(), "a refused write made a file");

    // A new store at the same place starts empty.
    let fresh = Companion::open(config(&t.path, &KEY)).expect("new store");
    assert!(fresh.care_plans().list_plans().expect("plans").is_empty());
}
