// The care-plan screen's state: the person's plan in their own words, its
// goals and activities, how they are doing since the last review, and
// recording a review.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock
import java.time.LocalDate

data class CarePlanUi(
    val plan: CarePlan? = null,
    /// From the last review (or the plan's first activity) to today.
    val adherence: Adherence? = null,
    /// Reviews a clinician proposed from a consultation: undecided first.
    val proposals: List<ReviewProposal> = emptyList(),
    val error: String? = null,
)

class CarePlanState(
    private val companion: PphCompanion,
    private val clock: Clock = Clock.systemDefaultZone(),
) {
    private val _ui = MutableStateFlow(CarePlanUi())
    val ui: StateFlow<CarePlanUi> = _ui.asStateFlow()

    private fun guard(change: () -> CarePlanUi) {
        _ui.value = try {
            change()
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// Shows the newest active plan (or the one asked for).
    fun refresh(planId: String? = _ui.value.plan?.info?.id) = guard {
        val plans = companion.carePlans()
        val id = planId ?: plans.listPlans().lastOrNull { it.status == PlanStatus.ACTIVE }?.id
            ?: return@guard CarePlanUi()
        val plan = plans.plan(id)
        val today = LocalDate.now(clock).toString()
        val since = plan.reviews.maxOfOrNull { it.date }
            ?: plan.activities.minOfOrNull { it.schedule.start }
            ?: today
        CarePlanUi(
            plan,
            if (since <= today) plans.adherence(id, since, today) else null,
            plans.reviewProposals(id),
        )
    }

    /// Writes through the core, then shows the plan as it now stands.
    private fun act(write: (CarePlans) -> Unit) = guard {
        write(companion.carePlans())
        refresh()
        _ui.value
    }

    /// Writes to the plan on screen; nothing when there is none.
    private fun actOnPlan(write: (CarePlans, String) -> Unit) {
        val id = _ui.value.plan?.info?.id ?: return
        act { write(it, id) }
    }

    fun setGoalStatus(goalId: String, status: GoalStatus) = act { it.updateGoal(goalId, GoalUpdate(status = status)) }

    /// A goal in the person's own words.
    fun addGoal(goal: NewGoal) = actOnPlan { plans, id -> plans.addGoal(id, goal) }

    fun addActivity(goalId: String, activity: NewActivity) = act { it.addActivity(goalId, activity) }

    fun recordReview(review: NewReview) = actOnPlan { plans, id -> plans.recordReview(id, review) }

    /// The person agrees to a review their clinician proposed: it becomes
    /// their own review. Declining leaves the plan as it is. Once each.
    fun acceptProposal(proposalId: String) = act { it.acceptReviewProposal(proposalId) }

    fun declineProposal(proposalId: String) = act { it.declineReviewProposal(proposalId) }

    /// A referral to a community service, made by the person or someone in
    /// their support network; it waits for the person's yes.
    fun addReferral(goalId: String, referral: NewReferral) = act { it.addReferral(goalId, referral) }

    /// The person's say on a referral: accept, decline (rejected), start,
    /// complete or cancel it, today, in their own words.
    fun moveReferral(activityId: String, status: ReferralStatus, note: String? = null) = act {
        it.updateReferral(activityId, status, LocalDate.now(clock).toString(), note)
    }

    /// "A report for my doctor" over the last `days`: one HTML page the
    /// screen hands to the print service (Save as PDF).
    fun reportForDoctor(sections: List<ReportSection>, days: Long = 90): String? = try {
        val today = LocalDate.now(clock)
        companion.reportForDoctor(ReportRequest(sections, today.minusDays(days).toString(), today.toString()))
    } catch (e: PphException) {
        _ui.value = _ui.value.copy(error = describe(e))
        null
    }

    /// The note back to the GP, for the share sheet.
    fun messageToGp(activityId: String): String? = try {
        companion.carePlans().referralMessage(activityId, LocalDate.now(clock).toString())
    } catch (e: PphException) {
        _ui.value = _ui.value.copy(error = describe(e))
        null
    }
}
