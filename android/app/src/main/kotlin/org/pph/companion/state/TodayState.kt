// The "today" screen's state: the core's today() as it is (what is due, a
// diary prompt, questionnaires, meetups, dates coming up), ticking activities
// off and a quick symptom log. No business rule lives here: after any write
// it asks the core again, and tells the reminder planner.
// Plain Kotlin: compiled and tested on the JVM.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock
import java.time.LocalDate

data class TodayUi(
    val date: LocalDate,
    /// The core's view of the day; null until loaded or on an error.
    val view: TodayView? = null,
    /// The person's most used symptoms first, for a one-tap log.
    val quickSymptoms: List<Symptom> = emptyList(),
    /// A message for the person, never containing their data.
    val error: String? = null,
)

class TodayState(
    private val companion: PphCompanion,
    private val clock: Clock = Clock.systemDefaultZone(),
    private val reminders: ReminderPlanner? = null,
) {
    private val _ui = MutableStateFlow(TodayUi(LocalDate.now(clock)))
    val ui: StateFlow<TodayUi> = _ui.asStateFlow()

    fun refresh() {
        val today = LocalDate.now(clock)
        _ui.value = try {
            TodayUi(
                today,
                companion.today().today(today.toString()),
                companion.diary().listSymptoms().take(QUICK_SYMPTOMS),
            )
        } catch (e: PphException) {
            TodayUi(today, error = describe(e))
        }
    }

    fun tick(activityId: String, outcome: Outcome) {
        act {
            companion.carePlans().recordCompletion(
                activityId,
                NewCompletion(
                    occurredAt = clock.instant(),
                    utcOffsetMinutes = offsetMinutes(clock),
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
                    utcOffsetMinutes = offsetMinutes(clock),
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
            // Done items lose their pending reminder at once.
            reminders?.reschedule()
        } catch (e: PphException) {
            _ui.value = _ui.value.copy(error = describe(e))
        }
    }

    private companion object {
        const val QUICK_SYMPTOMS = 4
    }
}

fun offsetMinutes(clock: Clock): Int = clock.zone.rules.getOffset(clock.instant()).totalSeconds / 60

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
