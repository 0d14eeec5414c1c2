package org.pph.companion.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.pph.companion.state.BudgetState
import org.pph.companion.state.CarePlanState
import uniffi.pph.PphCompanion

@Composable
fun CarePlanScreen(companion: PphCompanion) {
    val state = remember { CarePlanState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        val plan = ui.plan ?: return@Column Text("No plan yet")
        Text(plan.info.title)
        Text("What matters to me: ${plan.info.whatMatters}")
        plan.goals.forEach { goal ->
            Text("• ${goal.description} (${goal.status})")
            plan.activities.filter { it.goalId == goal.id }.forEach { Text("    – ${it.description}") }
        }
        ui.adherence?.overall?.ratio?.let { Text("Since ${ui.adherence?.from}: ${(it * 100).toInt()}% done") }
    }
}

@Composable
fun BudgetScreen(companion: PphCompanion) {
    val state = remember { BudgetState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        val summary = ui.summary ?: return@Column Text("No budget yet")
        Text("£%.2f left".format(summary.remainingPence / 100.0))
        summary.lines.forEach { Text("${it.category}: £%.2f of £%.2f".format(it.spentPence / 100.0, it.plannedPence / 100.0)) }
        ui.warnings.forEach { Text("! $it") }
        // Recording a spend: the camera writes the photo, receiptOf() hashes
        // it, and state.recordSpend() sends the rest to the core.
    }
}
