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
        CarePlanUi(plan, if (since <= today) plans.adherence(id, since, today) else null)
    }

    fun setGoalStatus(goalId: String, status: GoalStatus) = guard {
        companion.carePlans().updateGoal(goalId, GoalUpdate(status = status))
        refresh()
        _ui.value
    }

    /// A goal in the person's own words.
    fun addGoal(goal: NewGoal) = guard {
        val id = _ui.value.plan?.info?.id ?: return@guard _ui.value
        companion.carePlans().addGoal(id, goal)
        refresh()
        _ui.value
    }

    fun addActivity(goalId: String, activity: NewActivity) = guard {
        companion.carePlans().addActivity(goalId, activity)
        refresh()
        _ui.value
    }

    fun recordReview(review: NewReview) = guard {
        val id = _ui.value.plan?.info?.id ?: return@guard _ui.value
        companion.carePlans().recordReview(id, review)
        refresh()
        _ui.value
    }
}
