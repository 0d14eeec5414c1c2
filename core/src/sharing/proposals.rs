//! A clinician proposes a review from a consultation: it is written into
//! the patient's own space (the authorisation table lets a clinician with
//! the care plan shared create that one kind there, and nothing else) and
//! travels at the next sync; the patient accepts or declines it on their
//! phone (`CarePlans::accept_review_proposal`).

use super::Sharing;
use crate::care_plan::model::{NewReview, ReviewProposal};
use crate::care_plan::CarePlans;
use crate::error::PphError;
use crate::ids::new_id;
use crate::sync::model::ShareScope;

#[uniffi::export]
impl Sharing {
    /// Proposes a review of the shared patient's current care plan, to be
    /// sent at the next sync. Needs a share in force that includes the care
    /// plan; changes nothing in the patient's plan until they accept it.
    pub fn propose_review(
        &self,
        patient_space: String,
        review: NewReview,
    ) -> Result<ReviewProposal, PphError> {
        review.validate()?;
        let patient = self.shared_patient(&patient_space)?;
        if !patient.scopes.contains(&ShareScope::CarePlan) {
            return Err(PphError::Forbidden {
                reason: "the care plan is not shared with you, so no review can be proposed".into(),
            });
        }
        let plans = CarePlans::new(self.engine.shared_copy(&patient_space)?);
        let plan = crate::report::current_plan(&plans)?.ok_or_else(|| PphError::NotFound {
            entity: "care_plan".into(),
            id: patient_space.clone(),
        })?;
        let me = self
            .engine
            .store
            .session()?
            .ok_or(PphError::Unauthorized)?
            .info;
        Ok(self.engine.store.write(|tx| {
            let proposal = ReviewProposal {
                id: new_id(),
                plan_id: plan.info.id.clone(),
                proposed_by: me.account_id.clone(),
                proposer_name: me.display_name.clone(),
                proposed_at_ms: tx.now_ms(),
                date: review.date,
                participants: review.participants,
                notes: review.notes,
                outcome: review.outcome,
                next_review: review.next_review,
                decision: None,
                decided_at_ms: None,
                review_id: None,
            };
            tx.save(&patient_space, None, &proposal)?;
            Ok(proposal)
        })?)
    }
}
