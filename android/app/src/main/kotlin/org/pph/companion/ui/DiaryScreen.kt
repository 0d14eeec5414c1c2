package org.pph.companion.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.pph.companion.state.DiaryState
import uniffi.pph.PphCompanion

@Composable
fun DiaryScreen(companion: PphCompanion) {
    val state = remember { DiaryState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { state.refresh() }
    // The PHQ-9 item 9 message comes first and stays until acknowledged.
    if (ui.safetyMessages.isNotEmpty()) {
        AlertDialog(
            onDismissRequest = {},
            confirmButton = { TextButton(onClick = { state.acknowledgeSafetyMessages() }) { Text("I have read this") } },
            text = { Text(ui.safetyMessages.joinToString("\n\n")) },
        )
    }
    Column {
        ui.error?.let { Text(it) }
        Text("Weekly trend")
        Canvas(Modifier.fillMaxWidth().height(160.dp)) {
            val points = ui.trend
            if (points.size > 1) {
                val step = size.width / (points.size - 1)
                points.zipWithNext().forEachIndexed { i, (a, b) ->
                    drawLine(
                        Color.DarkGray,
                        Offset(i * step, size.height * (1 - (a.mean / 10).toFloat())),
                        Offset((i + 1) * step, size.height * (1 - (b.mean / 10).toFloat())),
                        strokeWidth = 4f,
                    )
                }
            }
        }
        ui.lastResult?.let { Text("${it.code}: ${it.score} (${it.band})") }
    }
}
