// The diary screen's state: log an entry, a weekly trend for the chart, and
// questionnaires whose safety messages must be shown (PHQ-9 item 9).
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock
import java.time.LocalDate

data class DiaryUi(
    val symptoms: List<Symptom> = emptyList(),
    /// Built in (PHQ-9, GAD-7, MRC) and any the organisation added.
    val questionnaires: List<QuestionnaireDefinition> = emptyList(),
    val trendSymptomId: String? = null,
    val trend: List<TrendPoint> = emptyList(),
    val lastResult: QuestionnaireResult? = null,
    /// Safety messages to show now, before anything else.
    val safetyMessages: List<String> = emptyList(),
    val error: String? = null,
)

class DiaryState(
    private val companion: PphCompanion,
    private val clock: Clock = Clock.systemDefaultZone(),
    private val trendWeeks: Long = 12,
) {
    private val _ui = MutableStateFlow(DiaryUi())
    val ui: StateFlow<DiaryUi> = _ui.asStateFlow()

    fun refresh(trendSymptomId: String? = _ui.value.trendSymptomId) {
        update {
            val diary = companion.diary()
            val symptoms = diary.listSymptoms()
            val chosen = trendSymptomId ?: symptoms.firstOrNull()?.id
            val today = LocalDate.now(clock)
            val trend = chosen?.let {
                diary.trend(it, today.minusWeeks(trendWeeks).toString(), today.toString(), Bucket.WEEK)
            } ?: emptyList()
            it.copy(
                symptoms = symptoms,
                questionnaires = diary.questionnaires(),
                trendSymptomId = chosen,
                trend = trend,
                error = null,
            )
        }
    }

    fun log(ratings: List<Rating>, note: String?, tags: List<String>) {
        update {
            companion.diary().logEntry(
                NewEntry(
                    recordedAt = clock.instant(),
                    utcOffsetMinutes = offsetMinutes(clock),
                    ratings = ratings,
                    note = note,
                    tags = tags,
                    medications = emptyList(),
                ),
            )
            it
        }
        refresh()
    }

    fun submit(code: String, answers: List<Answer>) {
        update {
            val result = companion.diary().submitQuestionnaire(code, answers, clock.instant(), offsetMinutes(clock))
            it.copy(lastResult = result, safetyMessages = result.flags.map { f -> f.message }, error = null)
        }
    }

    /// The person has seen the safety message; it stays stored with the result.
    fun acknowledgeSafetyMessages() {
        _ui.value = _ui.value.copy(safetyMessages = emptyList())
    }

    private fun update(change: (DiaryUi) -> DiaryUi) {
        _ui.value = try {
            change(_ui.value)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }
}
