package org.pph.companion.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.pph.companion.state.TodayState
import uniffi.pph.Outcome
import uniffi.pph.PphCompanion

@Composable
fun TodayScreen(companion: PphCompanion) {
    val state = remember { TodayState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        Text("Due today")
        ui.due.forEach { item ->
            Row {
                Text(item.description + if (item.recorded) " ✓" else "")
                if (!item.recorded) {
                    Button(onClick = { state.tick(item.activityId, Outcome.DONE) }) { Text("Done") }
                    Button(onClick = { state.tick(item.activityId, Outcome.PARTLY) }) { Text("Partly") }
                }
            }
        }
        Text("How are you feeling?")
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
