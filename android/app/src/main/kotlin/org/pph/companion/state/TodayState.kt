// The "today" screen's state: the activities due today (as the core's
// schedule rules say, via adherence over one day), ticking them off, and a
// quick symptom log. Plain Kotlin: compiled and tested on the JVM.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock
import java.time.LocalDate
import java.time.ZoneId

data class DueActivity(
    val activityId: String,
    val description: String,
    val planTitle: String,
    /// Done, partly or skipped already today.
    val recorded: Boolean,
)

data class TodayUi(
    val date: LocalDate,
    val due: List<DueActivity> = emptyList(),
    /// The person's most used symptoms first, for a one-tap log.
    val quickSymptoms: List<Symptom> = emptyList(),
    /// A message for the person, never containing their data.
    val error: String? = null,
)

class TodayState(
    private val companion: PphCompanion,
    private val clock: Clock = Clock.systemDefaultZone(),
) {
    private val zone: ZoneId get() = clock.zone
    private val _ui = MutableStateFlow(TodayUi(LocalDate.now(clock)))
    val ui: StateFlow<TodayUi> = _ui.asStateFlow()

    fun refresh() {
        val today = LocalDate.now(clock)
        val day = today.toString()
        _ui.value = guarded(today) {
            val plans = companion.carePlans()
            val due = plans.listPlans().filter { it.status == PlanStatus.ACTIVE }.flatMap { info ->
                val plan = plans.plan(info.id)
                val byId = plan.activities.associateBy { it.id }
                plans.adherence(info.id, day, day).activities
                    .filter { it.figures.scheduled > 0u }
                    .mapNotNull { a ->
                        byId[a.activityId]?.let {
                            val f = a.figures
                            DueActivity(it.id, it.description, info.title, f.done + f.partly + f.skipped > 0u)
                        }
                    }
            }
            TodayUi(today, due, companion.diary().listSymptoms().take(QUICK_SYMPTOMS))
        }
    }

    fun tick(activityId: String, outcome: Outcome) {
        act {
            companion.carePlans().recordCompletion(
                activityId,
                NewCompletion(
                    occurredAt = clock.instant(),
                    utcOffsetMinutes = zone.rules.getOffset(clock.instant()).totalSeconds / 60,
                    outcome = outcome,
                ),
            )
        }
    }

    fun quickLog(symptomId: String, value: Double, note: String? = null) {
        act {
            companion.diary().logEntry(
                NewEntry(
                    recordedAt = clock.instant(),
                    utcOffsetMinutes = zone.rules.getOffset(clock.instant()).totalSeconds / 60,
                    ratings = listOf(Rating(symptomId, value)),
                    note = note,
                    tags = emptyList(),
                    medications = emptyList(),
                ),
            )
        }
    }

    private fun act(write: () -> Unit) {
        try {
            write()
            refresh()
        } catch (e: PphException) {
            _ui.value = _ui.value.copy(error = describe(e))
        }
    }

    private fun guarded(today: LocalDate, load: () -> TodayUi): TodayUi =
        try {
            load()
        } catch (e: PphException) {
            TodayUi(today, error = describe(e))
        }

    private companion object {
        const val QUICK_SYMPTOMS = 4
    }
}

/// What the shell shows for an error: the core's messages carry field names
/// and codes, never health data.
fun describe(e: PphException): String = when (e) {
    is PphException.Validation -> "Please check ${e.field}: ${e.reason}"
    is PphException.NotFound -> "That ${e.entity} is no longer here"
    is PphException.Network -> "No connection; it will be sent later"
    is PphException.RateLimited -> "Too many tries; please wait ${(e.retryAfterS.toLong() + 59) / 60} min"
    is PphException.Forbidden -> "Not allowed: ${e.reason}"
    is PphException.Unauthorized -> "Please sign in again"
    else -> "Something went wrong (${e::class.simpleName})"
}
