//! Reviews proposed by a clinician from a consultation, on the person's
//! side: they see each one, and accept it (recording it as their own
//! review, in the same transaction) or decline it. Once decided, it stays
//! decided.

use super::model::{PlanInfo, ProposalDecision, Review, ReviewProposal};
use super::CarePlans;
use crate::error::PphError;
use crate::ids::{check_id, new_id};
use crate::store::{list_by, load_required};

#[uniffi::export]
impl CarePlans {
    /// Reviews clinicians proposed for this plan: those awaiting a decision
    /// first, then the decided ones; oldest first within each.
    pub fn review_proposals(&self, plan_id: String) -> Result<Vec<ReviewProposal>, PphError> {
        check_id("plan_id", &plan_id)?;
        let mut all: Vec<ReviewProposal> =
            self.store.read(|conn| list_by(conn, "plan_id", &plan_id))?;
        crate::order::sort_by(&mut all, |a, b| {
            (a.decision.is_some(), a.proposed_at_ms, &a.id).cmp(&(
                b.decision.is_some(),
                b.proposed_at_ms,
                &b.id,
            ))
        });
        Ok(all)
    }

    /// Accepts a proposal: its review becomes the person's own (with its
    /// next review date), and the proposal is marked accepted.
    pub fn accept_review_proposal(&self, proposal_id: String) -> Result<Review, PphError> {
        check_id("proposal_id", &proposal_id)?;
        Ok(self.store.write(|tx| {
            let old: ReviewProposal = load_required(tx.tx, &proposal_id)?;
            undecided(&old)?;
            let plan: PlanInfo = load_required(tx.tx, &old.plan_id)?;
            let review = Review {
                id: new_id(),
                plan_id: old.plan_id.clone(),
                date: old.date.clone(),
                participants: old.participants.clone(),
                notes: old.notes.clone(),
                outcome: old.outcome.clone(),
                next_review: old.next_review.clone(),
            };
            super::save_review(tx, &plan, &review)?;
            let decided = ReviewProposal {
                decision: Some(ProposalDecision::Accepted),
                decided_at_ms: Some(tx.now_ms()),
                review_id: Some(review.id.clone()),
                ..old.clone()
            };
            tx.save_personal(Some(&old), &decided)?;
            Ok(review)
        })?)
    }

    /// Declines a proposal: nothing of it enters the plan.
    pub fn decline_review_proposal(&self, proposal_id: String) -> Result<(), PphError> {
        check_id("proposal_id", &proposal_id)?;
        Ok(self.store.write(|tx| {
            let old: ReviewProposal = load_required(tx.tx, &proposal_id)?;
            undecided(&old)?;
            let decided = ReviewProposal {
                decision: Some(ProposalDecision::Declined),
                decided_at_ms: Some(tx.now_ms()),
                ..old.clone()
            };
            tx.save_personal(Some(&old), &decided)
        })?)
    }
}

fn undecided(p: &ReviewProposal) -> crate::error::Result<()> {
    match p.decision {
        None => Ok(()),
        Some(_) => Err(PphError::Conflict {
            reason: "this proposal was already decided; it cannot be decided again".into(),
        }
        .into()),
    }
}
