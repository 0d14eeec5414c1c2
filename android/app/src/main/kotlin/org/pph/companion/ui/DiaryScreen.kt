package org.pph.companion.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.pph.companion.state.DiaryState
import uniffi.pph.Answer
import uniffi.pph.PphCompanion
import uniffi.pph.QuestionnaireDefinition
import uniffi.pph.Rating

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
            text = { Text(ui.safetyMessages.joinToString("\n\n") + "\n\n" + CRISIS_SUPPORT) },
        )
    }
    var open by remember { mutableStateOf<QuestionnaireDefinition?>(null) }
    open?.let { q ->
        QuestionnaireForm(q) { answers ->
            open = null
            state.submit(q.code, answers)
        }
        return
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
        LogForm(ui.symptoms.take(3).map { it.id to it.name }) { ratings, note -> state.log(ratings, note, emptyList()) }
        Text("Questionnaires")
        ui.questionnaires.forEach { q -> TextButton(onClick = { open = q }) { Text(q.title) } }
    }
}

private const val CRISIS_SUPPORT = "If you are in crisis, call 999, or Samaritans free on 116 123, any time."

/// 0–10 for the person's most used symptoms and a note: one call, one entry.
@Composable
private fun LogForm(symptoms: List<Pair<String, String>>, log: (List<Rating>, String?) -> Unit) {
    val values = remember { mutableStateMapOf<String, Float>() }
    var note by remember { mutableStateOf("") }
    symptoms.forEach { (id, name) ->
        Text("$name: ${values[id]?.toInt() ?: "–"}")
        Slider(values[id] ?: 0f, { values[id] = it }, valueRange = 0f..10f, steps = 9)
    }
    OutlinedTextField(note, { note = it }, label = { Text("Note (optional)") })
    Button(
        enabled = values.isNotEmpty(),
        onClick = {
            log(values.map { (id, v) -> Rating(id, v.toDouble()) }, note.ifBlank { null })
            values.clear()
            note = ""
        },
    ) { Text("Log") }
}

/// One answer per item from the instrument's options; the core scores it.
@Composable
private fun QuestionnaireForm(q: QuestionnaireDefinition, submit: (List<Answer>) -> Unit) {
    val chosen = remember { mutableStateMapOf<String, Int>() }
    Column {
        Text(q.title)
        Text(q.preamble)
        q.items.forEach { item ->
            Text(item.text)
            Row {
                (item.options ?: q.options).forEach { o ->
                    TextButton(onClick = { chosen[item.linkId] = o.value }) {
                        Text((if (chosen[item.linkId] == o.value) "● " else "") + o.label)
                    }
                }
            }
        }
        Button(enabled = chosen.size == q.items.size, onClick = {
            submit(q.items.map { Answer(it.linkId, chosen.getValue(it.linkId)) })
        }) { Text("Submit") }
    }
}
