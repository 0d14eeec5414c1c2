//! Ann's personal health budget: plan lines, spends with receipt photos,
//! a refused spend, a reversal, the position and the audit pack.

use super::{say, Tour, ANN};
use crate::cmd::budget::{self, Create, LineAdd, Range, Reverse, SpendArgs};
use crate::fail::{Fail, Result, Status};
use std::path::PathBuf;

/// A stand-in receipt photo in the tour's folder.
fn photo(t: &Tour, name: &str) -> Result<PathBuf> {
    let path = t.dir.path().join(name);
    std::fs::write(&path, format!("a photo of {name}")).map_err(|e| {
        Fail::new(
            Status::Failure,
            format!("cannot write a photo: {}", e.kind()),
        )
    })?;
    Ok(path)
}

pub(super) fn budget(t: &mut Tour) -> Result<()> {
    let ann = t.device(ANN)?;
    let budget = budget::create(
        &ann,
        Create {
            name: "Breathing and getting out PHB".into(),
            holding: "direct_payment".into(),
            from: "2026-03-01".into(),
            to: "2027-02-28".into(),
            allocation: "2400".into(),
            currency: "GBP".into(),
            plan: Some(t.story.plan.clone()),
            underspend_warning: None,
        },
    )?;
    let line = |category: &str, planned: &str, goals: Vec<String>| {
        budget::add_line(
            &ann,
            LineAdd {
                budget: budget.id.clone(),
                category: category.into(),
                planned: planned.into(),
                goals,
            },
        )
    };
    let pa = line("Personal assistant", "1500", vec![])?;
    let rehab = line(
        "Pulmonary rehab classes",
        "600",
        vec![t.story.walk_goal.clone()],
    )?;
    let taxis = line("Taxis to the breathing group", "300", vec![])?;
    let spend = |line: &str, date: &str, payee: &str, category: &str, amount: &str| SpendArgs {
        budget: budget.id.clone(),
        line: line.into(),
        date: date.into(),
        payee: payee.into(),
        category: category.into(),
        amount: amount.into(),
        currency: "GBP".into(),
        ..SpendArgs::default()
    };
    budget::spend(
        &ann,
        SpendArgs {
            receipt: Some(photo(t, "jo-march.jpg")?),
            ..spend(
                &pa.id,
                "2026-03-06",
                "Jo (PA)",
                "personal_assistant",
                "180.00",
            )
        },
    )?;
    // The class is charged twice; the second charge is reversed below.
    let mut charges = Vec::new();
    for file in ["class.jpg", "class-2.jpg"] {
        charges.push(budget::spend(
            &ann,
            SpendArgs {
                receipt: Some(photo(t, file)?),
                ..spend(
                    &rehab.id,
                    "2026-03-09",
                    "Breathe Well CIC",
                    "classes",
                    "45.00",
                )
            },
        )?);
    }
    budget::spend(
        &ann,
        SpendArgs {
            activity: Some(t.story.group_activity.clone()),
            ..spend(&taxis.id, "2026-03-12", "Town Cabs", "transport", "18.50")
        },
    )?;
    say("4 spends recorded, with receipt references (the photos stay on the phone).");

    match budget::spend(
        &ann,
        spend(&pa.id, "2026-03-13", "The Crown", "alcohol", "20.00"),
    ) {
        Err(refused) => say(format!("A spend at the pub -> {}", refused.message)),
        Ok(_) => return Err(Fail::new(Status::Failure, "an excluded spend was accepted")),
    }
    budget::reverse(
        &ann,
        Reverse {
            spend: charges[0].spend.id.clone(),
            reason: "Charged twice for one class".into(),
            date: "2026-03-14".into(),
        },
    )?;
    say("The double charge is reversed by a second entry; both stay in the trail.");
    ann.out.show(&budget::summary(
        &ann,
        budget.id.clone(),
        Some("2026-03-15".into()),
    )?);
    let pack = budget::export(
        &ann,
        Range {
            budget: budget.id,
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
        },
    )?;
    say("Audit pack for the council, first lines of the spends CSV:");
    for row in pack.spends_csv.lines().take(3) {
        say(format!("  {row}"));
    }
    Ok(())
}
