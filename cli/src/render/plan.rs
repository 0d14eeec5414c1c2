//! How the terminal shows core records, shared by the tour and the commands.

use pph_core::{
    describe_budget_warning, Adherence, AdherenceFigures, BudgetSummary, CarePlan, PlanChange,
    Repeat, Responsible, Schedule,
};
use std::time::SystemTime;

pub fn instant(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

pub fn schedule(s: &Schedule) -> String {
    let repeat = match &s.repeat {
        Repeat::Once => format!("once on {}", s.start),
        Repeat::Daily => "every day".into(),
        Repeat::TimesPerWeek { times } => format!("{times} times a week"),
        Repeat::OnWeekdays { days } => {
            let names: Vec<String> = days.iter().map(|d| format!("{d:?}")).collect();
            format!("on {}", names.join(", "))
        }
        Repeat::EveryNDays { days } => format!("every {days} days"),
    };
    let mut text = match (&s.repeat, &s.end) {
        (Repeat::Once, _) => repeat,
        (_, Some(end)) => format!("{repeat} from {} to {end}", s.start),
        (_, None) => format!("{repeat} from {}", s.start),
    };
    if let Some(w) = &s.window {
        text.push_str(&format!(
            ", {:02}:{:02}-{:02}:{:02}",
            w.start_minute / 60,
            w.start_minute % 60,
            w.end_minute / 60,
            w.end_minute % 60
        ));
    }
    text
}

pub fn plan(p: &CarePlan) -> String {
    let mut out = format!(
        "{} [{:?}]  id {}\n  What matters to me: {}\n  Next review: {}\n",
        p.info.title,
        p.info.status,
        p.info.id,
        p.info.what_matters,
        p.info.next_review.as_deref().unwrap_or("not set")
    );
    if !p.contacts.is_empty() {
        out.push_str("  Support network:\n");
        for c in &p.contacts {
            out.push_str(&format!("    - {} ({:?}): {}\n", c.name, c.role, c.reach));
        }
    }
    for g in &p.goals {
        out.push_str(&format!(
            "  Goal [{:?}] \"{}\" (expressed by {}){}\n",
            g.status,
            g.description,
            g.expressed_by,
            g.target
                .as_ref()
                .map(|t| format!(", target: {t}"))
                .unwrap_or_default()
        ));
        for a in p.activities.iter().filter(|a| a.goal_id == g.id) {
            let who = match &a.responsible {
                Responsible::Me => "me".to_string(),
                Responsible::Contact { contact_id } => p
                    .contacts
                    .iter()
                    .find(|c| &c.id == contact_id)
                    .map_or_else(|| "a former contact".into(), |c| c.name.clone()),
            };
            out.push_str(&format!(
                "    - {} ({}; by {})  id {}\n",
                a.description,
                schedule(&a.schedule),
                who,
                a.id
            ));
        }
    }
    for r in &p.reviews {
        out.push_str(&format!(
            "  Review {} with {}: {} -> {}\n",
            r.date,
            r.participants.join(", "),
            r.notes,
            r.outcome
        ));
    }
    out
}

fn figures(f: &AdherenceFigures) -> String {
    let ratio = f.ratio.map_or_else(
        || "nothing scheduled".into(),
        |r| format!("{:.0}%", r * 100.0),
    );
    format!(
        "{ratio} ({} done, {} partly, {} skipped, {} missed of {} scheduled)",
        f.done, f.partly, f.skipped, f.missed, f.scheduled
    )
}

pub fn adherence(a: &Adherence, plan: &CarePlan) -> String {
    let mut out = format!(
        "Adherence {} to {}: {}\n",
        a.from,
        a.to,
        figures(&a.overall)
    );
    for act in &a.activities {
        let name = plan
            .activities
            .iter()
            .find(|x| x.id == act.activity_id)
            .map_or("an activity", |x| x.description.as_str());
        out.push_str(&format!("  - {name}: {}\n", figures(&act.figures)));
    }
    out
}

pub fn history(changes: &[PlanChange]) -> String {
    changes
        .iter()
        .map(|c| match c.field.as_str() {
            "*" => format!(
                "  {}  {:<16} {} created\n",
                instant(c.at),
                c.device,
                c.entity_type
            ),
            field => format!(
                "  {}  {:<16} {}.{} = {}\n",
                instant(c.at),
                c.device,
                c.entity_type,
                field,
                c.value_json
            ),
        })
        .collect()
}

/// Pence as pounds, e.g. 123456 -> "£1234.56".
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!(
        "{sign}£{}.{:02}",
        pence.unsigned_abs() / 100,
        pence.unsigned_abs() % 100
    )
}

pub fn budget(s: &BudgetSummary) -> String {
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
