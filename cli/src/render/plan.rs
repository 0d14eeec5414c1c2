//! Care plans as the terminal shows them.

use super::instant;
use crate::out::Show;
use pph_core::{
    Adherence, AdherenceFigures, CarePlan, Completion, OpenReferral, PlanChange, PlanInfo,
    ProposalDecision, Referral, Repeat, Responsible, ReviewProposal, Schedule,
};
use serde::Serialize;

/// Every plan on this device.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Plans(pub Vec<PlanInfo>);

/// A plan's change history, oldest first.
#[derive(Serialize)]
#[serde(transparent)]
pub struct PlanHistory(pub Vec<PlanChange>);

/// Adherence, with the plan that names its activities.
#[derive(Serialize)]
pub struct PlanAdherence {
    #[serde(flatten)]
    pub adherence: Adherence,
    #[serde(skip)]
    pub plan: CarePlan,
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
        text.push_str(&format!(", {}", super::window(w)));
    }
    text
}

pub(super) fn plan(p: &CarePlan) -> String {
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
            if let Some(r) = &a.referral {
                out.push_str(&format!("      {}\n", referral(r)));
            }
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

pub(super) fn adherence(a: &Adherence, plan: &CarePlan) -> String {
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

fn history(changes: &[PlanChange]) -> String {
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

impl Show for CarePlan {
    fn text(&self) -> String {
        plan(self)
    }
}

impl Show for Plans {
    fn text(&self) -> String {
        self.0
            .iter()
            .map(|p| format!("{}  {} [{:?}]\n", p.id, p.title, p.status))
            .collect()
    }
}

/// Reviews clinicians proposed, undecided first.
#[derive(Serialize)]
pub struct Proposals(pub Vec<ReviewProposal>);

impl Show for Proposals {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No reviews proposed.\n".into();
        }
        self.0
            .iter()
            .map(|p| {
                format!(
                    "{}  {} proposes a review on {} with {}: {} [{}]\n",
                    p.id,
                    p.proposer_name,
                    p.date,
                    p.participants.join(", "),
                    p.outcome,
                    match p.decision {
                        None => "awaiting your decision",
                        Some(ProposalDecision::Accepted) => "accepted",
                        Some(ProposalDecision::Declined) => "declined",
                    }
                )
            })
            .collect()
    }
}

impl Show for PlanHistory {
    fn text(&self) -> String {
        history(&self.0)
    }
}

impl Show for PlanAdherence {
    fn text(&self) -> String {
        adherence(&self.adherence, &self.plan)
    }
}

impl Show for Completion {
    fn text(&self) -> String {
        format!("recorded for {}\n", self.local_date)
    }
}

/// The open referrals of a plan.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Referrals(pub Vec<OpenReferral>);

/// A referral in one line: the service, its status and since when.
pub fn referral(r: &Referral) -> String {
    let since = r
        .ended_on
        .as_ref()
        .or(r.accepted_on.as_ref())
        .unwrap_or(&r.requested_on);
    format!(
        "Referral to {} ({:?}): {:?} since {since}",
        r.service, r.kind, r.status
    )
}

impl Show for Referrals {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No open referrals.\n".into();
        }
        super::lines(&self.0, |o| {
            format!(
                "{}  ({})  id {}",
                referral(&o.referral),
                o.description,
                o.activity_id
            )
        })
    }
}
