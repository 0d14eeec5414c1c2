//! The personal-health-budget part of `pph tour`.

use crate::render;
use pph_core::*;

fn fail(e: PphError) -> String {
    format!("tour stopped: {e}")
}

fn receipt(name: &str, sha_byte: u8) -> Option<Receipt> {
    Some(Receipt {
        file_name: name.into(),
        media_type: "image/jpeg".into(),
        size_bytes: 182_113,
        sha256: format!("{sha_byte:02x}").repeat(32),
    })
}

pub fn run(
    companion: &Companion,
    plan_id: &str,
    walk_goal_id: &str,
    group_activity_id: &str,
) -> Result<(), String> {
    println!("\n== Ann's personal health budget ==");
    let budgets = companion.budgets();
    let budget = budgets
        .create_budget(NewBudget {
            name: "Breathing and getting out PHB".into(),
            holding: BudgetHolding::DirectPayment,
            period_start: "2026-03-01".into(),
            period_end: "2027-02-28".into(),
            allocation_pence: 240_000,
            currency: "GBP".into(),
            plan_id: Some(plan_id.into()),
            underspend_warning_percent: None,
        })
        .map_err(fail)?;
    let line = |category: &str, planned: i64, goals: Vec<String>| {
        budgets.add_line(
            budget.id.clone(),
            NewBudgetLine {
                category: category.into(),
                planned_pence: planned,
                goal_ids: goals,
            },
        )
    };
    let pa = line("Personal assistant", 150_000, vec![]).map_err(fail)?;
    let rehab = line("Pulmonary rehab classes", 60_000, vec![walk_goal_id.into()]).map_err(fail)?;
    let taxis = line("Taxis to the breathing group", 30_000, vec![]).map_err(fail)?;
    let spend = |line_id: &str,
                 date: &str,
                 payee: &str,
                 category: &str,
                 pence: i64,
                 receipt: Option<Receipt>| NewSpend {
        line_id: line_id.into(),
        date: date.into(),
        payee: payee.into(),
        category: category.into(),
        amount_pence: pence,
        currency: "GBP".into(),
        goal_id: None,
        activity_id: None,
        note: None,
        receipt,
    };
    budgets
        .record_spend(
            budget.id.clone(),
            spend(
                &pa.id,
                "2026-03-06",
                "Jo (PA)",
                "personal_assistant",
                18_000,
                receipt("jo-march.jpg", 0xa1),
            ),
        )
        .map_err(fail)?;
    // The class is charged twice; the second charge is reversed below.
    let mut charges = Vec::new();
    for (file, sha) in [("class.jpg", 0xb2), ("class-2.jpg", 0xb3)] {
        let class = spend(
            &rehab.id,
            "2026-03-09",
            "Breathe Well CIC",
            "classes",
            4_500,
            receipt(file, sha),
        );
        charges.push(
            budgets
                .record_spend(budget.id.clone(), class)
                .map_err(fail)?,
        );
    }
    let double = &charges[0];
    let mut taxi = spend(
        &taxis.id,
        "2026-03-12",
        "Town Cabs",
        "transport",
        1_850,
        None,
    );
    taxi.activity_id = Some(group_activity_id.into());
    budgets
        .record_spend(budget.id.clone(), taxi)
        .map_err(fail)?;
    println!("4 spends recorded, with receipt references (the photos stay on the phone).");

    match budgets.record_spend(
        budget.id.clone(),
        spend(&pa.id, "2026-03-13", "The Crown", "alcohol", 2_000, None),
    ) {
        Err(e) => println!("A spend at the pub -> {e}"),
        Ok(_) => return Err("an excluded spend was accepted".into()),
    }
    budgets
        .reverse_spend(
            double.spend.id.clone(),
            "Charged twice for one class".into(),
            "2026-03-14".into(),
        )
        .map_err(fail)?;
    println!("The double charge is reversed by a second entry; both stay in the trail.");

    let summary = budgets
        .summary(budget.id.clone(), "2026-03-15".into())
        .map_err(fail)?;
    print!("{}", render::budget(&summary));

    let pack = budgets
        .export_audit_pack(budget.id.clone(), "2026-03-01".into(), "2026-03-31".into())
        .map_err(fail)?;
    println!("Audit pack for the council, first lines of the spends CSV:");
    for row in pack.spends_csv.lines().take(3) {
        println!("  {row}");
    }
    Ok(())
}
