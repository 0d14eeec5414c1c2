// The budget screen's state: balance and lines, warnings in words, and
// recording a spend with a receipt photo (the photo stays on the phone; the
// core's receiptOf() describes it by name, type, size and SHA-256).
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock
import java.time.LocalDate

data class BudgetUi(
    val budgets: List<Budget> = emptyList(),
    val summary: BudgetSummary? = null,
    /// The core's warnings, in words for the person.
    val warnings: List<String> = emptyList(),
    /// What a spend can be for: the core's controlled list.
    val categories: List<SpendCategory> = emptyList(),
    val error: String? = null,
)

class BudgetState(
    private val companion: PphCompanion,
    private val clock: Clock = Clock.systemDefaultZone(),
) {
    private val _ui = MutableStateFlow(BudgetUi())
    val ui: StateFlow<BudgetUi> = _ui.asStateFlow()

    fun refresh(budgetId: String? = _ui.value.summary?.budgetId) {
        _ui.value = try {
            val budgets = companion.budgets()
            val all = budgets.listBudgets()
            val chosen = budgetId ?: all.firstOrNull()?.id
            val summary = chosen?.let { budgets.summary(it, LocalDate.now(clock).toString()) }
            BudgetUi(
                all, summary, summary?.warnings?.map { describeBudgetWarning(it) } ?: emptyList(),
                budgets.spendCategories(),
            )
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// Records a spend; an ineligible one (alcohol, a betting shop as the
    /// payee, out of period…) is refused by the core with the field and
    /// reason, and nothing is written.
    fun recordSpend(budgetId: String, spend: NewSpend): RecordedSpend? =
        try {
            companion.budgets().recordSpend(budgetId, spend).also { refresh(budgetId) }
        } catch (e: PphException) {
            _ui.value = _ui.value.copy(error = describe(e))
            null
        }
}
