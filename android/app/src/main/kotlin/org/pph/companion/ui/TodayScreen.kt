package org.pph.companion.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.platform.LocalContext
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.pph.companion.platform.ReminderAlarms
import org.pph.companion.state.ReminderPlanner
import org.pph.companion.state.TodayState
import uniffi.pph.ComingUpItem
import uniffi.pph.Outcome
import uniffi.pph.PphCompanion

@Composable
fun TodayScreen(companion: PphCompanion) {
    val context = LocalContext.current
    val state = remember { TodayState(companion, reminders = ReminderPlanner(companion, ReminderAlarms(context))) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        val view = ui.view ?: return@Column
        Text("Due today")
        view.activities.forEach { item ->
            Row {
                val window = item.window?.let { " %02d:%02d".format(it.startMinute.toInt() / 60, it.startMinute.toInt() % 60) } ?: ""
                val week = item.timesPerWeek?.let { " (${it.doneThisWeek} of ${it.times} this week)" } ?: ""
                Text(item.description + window + week + if (item.outcome != null) " ✓" else "")
                if (item.outcome == null) {
                    Button(onClick = { state.tick(item.activityId, Outcome.DONE) }) { Text("Done") }
                    Button(onClick = { state.tick(item.activityId, Outcome.PARTLY) }) { Text("Partly") }
                }
            }
        }
        view.questionnaires.forEach { Text("Before your review on ${it.reviewDate}: ${it.code}") }
        view.meetups.forEach { Text("${it.title} (${it.groupName}), ${it.startsLabel}") }
        view.comingUp.forEach { c ->
            val what = when (val item = c.item) {
                is ComingUpItem.PlanReview -> "Plan review: ${item.planTitle}"
                is ComingUpItem.BudgetReview -> "Budget review: ${item.budgetName}"
                is ComingUpItem.BudgetPeriodEnds -> "Budget period ends: ${item.budgetName}"
            }
            Text("$what in ${c.daysAway} days")
        }
        if (view.diaryPrompt) Text("How are you feeling?")
        ui.quickSymptoms.forEach { symptom ->
            Row {
                Text(symptom.name)
                listOf(0.0, 3.0, 5.0, 7.0, 10.0).forEach { v ->
                    Button(onClick = { state.quickLog(symptom.id, v) }) { Text(v.toInt().toString()) }
                }
            }
        }
    }
}
