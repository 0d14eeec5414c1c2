package org.pph.companion.ui

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.FileProvider
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.pph.companion.state.BudgetState
import org.pph.companion.state.CarePlanState
import uniffi.pph.GoalStatus
import uniffi.pph.NewActivity
import uniffi.pph.Referral
import uniffi.pph.ReportSection
import uniffi.pph.ReferralStatus
import uniffi.pph.NewGoal
import uniffi.pph.NewReview
import uniffi.pph.NewSpend
import uniffi.pph.PphCompanion
import uniffi.pph.Receipt
import uniffi.pph.Repeat
import uniffi.pph.Responsible
import uniffi.pph.Schedule
import uniffi.pph.receiptOf
import java.io.File
import java.time.LocalDate
import java.util.UUID

@Composable
fun CarePlanScreen(companion: PphCompanion) {
    val state = remember { CarePlanState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    var goalText by remember { mutableStateOf("") }
    val activityText = remember { mutableStateMapOf<String, String>() }
    var reviewNotes by remember { mutableStateOf("") }
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        val plan = ui.plan ?: return@Column Text("No plan yet")
        Text(plan.info.title)
        Text("What matters to me: ${plan.info.whatMatters}")
        ui.adherence?.overall?.ratio?.let { Text("Since ${ui.adherence?.from}: ${(it * 100).toInt()}% done") }
        ui.proposals.filter { it.decision == null }.forEach { p ->
            Text("${p.proposerName} proposes a review on ${p.date}: ${p.outcome}")
            if (p.notes.isNotEmpty()) Text(p.notes)
            Row {
                Button(onClick = { state.acceptProposal(p.id) }) { Text("Agree: add it to my plan") }
                TextButton(onClick = { state.declineProposal(p.id) }) { Text("Decline") }
            }
        }
        plan.goals.forEach { goal ->
            Row {
                Text("• ${goal.description} (${goal.status})")
                if (goal.status != GoalStatus.ACHIEVED) {
                    TextButton(onClick = { state.setGoalStatus(goal.id, GoalStatus.ACHIEVED) }) { Text("Achieved") }
                }
            }
            plan.activities.filter { it.goalId == goal.id }.forEach { activity ->
                Text("    – ${activity.description}")
                activity.referral?.let { ReferralRow(state, activity.id, it) }
            }
            Row {
                OutlinedTextField(activityText[goal.id] ?: "", { activityText[goal.id] = it }, label = { Text("Something I will do daily") })
                TextButton(onClick = {
                    val what = activityText.remove(goal.id) ?: ""
                    state.addActivity(goal.id, NewActivity(what, Responsible.Me, Schedule(Repeat.Daily, LocalDate.now().toString(), null, null)))
                }) { Text("Add") }
            }
        }
        val context = LocalContext.current
        Button(onClick = {
            state.reportForDoctor(listOf(ReportSection.CARE_PLAN, ReportSection.DIARY_TRENDS, ReportSection.QUESTIONNAIRES))
                ?.let { printHtml(context, it, "A report for my doctor") }
        }) { Text("Print a report for my doctor") }
        OutlinedTextField(goalText, { goalText = it }, label = { Text("A goal, in my own words") })
        Button(onClick = { state.addGoal(NewGoal(goalText, "me", null, null)); goalText = "" }) { Text("Add goal") }
        OutlinedTextField(reviewNotes, { reviewNotes = it }, label = { Text("What we agreed at the review") })
        Button(onClick = {
            state.recordReview(NewReview(LocalDate.now().toString(), listOf("me"), reviewNotes, "continue", null))
            reviewNotes = ""
        }) { Text("Record today's review") }
    }
}

@Composable
fun BudgetScreen(companion: PphCompanion) {
    val state = remember { BudgetState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    val context = LocalContext.current
    var lineId by remember { mutableStateOf<String?>(null) }
    var payee by remember { mutableStateOf("") }
    var pounds by remember { mutableStateOf("") }
    var category by remember { mutableStateOf<String?>(null) }
    var note by remember { mutableStateOf("") }
    var receipt by remember { mutableStateOf<Receipt?>(null) }
    // The camera app writes into our own files/receipts (shared with it for
    // this one photo through the FileProvider; the app allows no backup);
    // only the photo's name, size and hash reach the core.
    var photo by remember { mutableStateOf<File?>(null) }
    val takePicture = rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val file = photo
        receipt = if (saved && file != null) receiptOf(file.path, "image/jpeg") else null
    }
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        val summary = ui.summary ?: return@Column Text("No budget yet")
        Text("£%.2f left".format(summary.remainingPence / 100.0))
        summary.lines.forEach { line ->
            TextButton(onClick = { lineId = line.lineId }) {
                Text("${line.category}: £%.2f of £%.2f".format(line.spentPence / 100.0, line.plannedPence / 100.0))
            }
        }
        ui.warnings.forEach { Text("! $it") }
        Text("What was it for?")
        ui.categories.forEach { c ->
            TextButton(onClick = { category = c.key }) {
                Text(if (category == c.key) "✓ ${c.label}" else c.label)
            }
        }
        OutlinedTextField(payee, { payee = it }, label = { Text("Paid to") })
        OutlinedTextField(note, { note = it }, label = { Text("What it was (needed for something else)") })
        OutlinedTextField(pounds, { pounds = it }, label = { Text("Amount (£)") })
        Button(onClick = {
            val dir = File(context.filesDir, "receipts").apply { mkdirs() }
            val file = File(dir, "${UUID.randomUUID()}.jpg").also { photo = it }
            takePicture.launch(FileProvider.getUriForFile(context, "${context.packageName}.receipts", file))
        }) { Text(if (receipt == null) "Photograph the receipt" else "Receipt taken") }
        Button(
            enabled = lineId != null && category != null && payee.isNotBlank() && pounds.toDoubleOrNull() != null,
            onClick = {
                val line = summary.lines.first { it.lineId == lineId }
                val spend = NewSpend(
                    lineId = line.lineId, date = LocalDate.now().toString(), payee = payee,
                    category = category ?: "other",
                    amountPence = Math.round((pounds.toDoubleOrNull() ?: 0.0) * 100), currency = summary.currency,
                    goalId = null, activityId = null, note = note.ifBlank { null }, receipt = receipt,
                )
                if (state.recordSpend(summary.budgetId, spend) != null) {
                    payee = ""; pounds = ""; note = ""; receipt = null
                }
            },
        ) { Text("Record spend") }
    }
}

/// A referral's status and the person's say on it: nothing happens to them
/// without their yes.
@Composable
private fun ReferralRow(state: CarePlanState, activityId: String, referral: Referral) {
    var gpNote by remember { mutableStateOf<String?>(null) }
    Column {
        Text("      Referral to ${referral.service}: ${referral.status.name.lowercase().replace('_', ' ')}")
        Row {
            when (referral.status) {
                ReferralStatus.REQUESTED -> {
                    TextButton(onClick = { state.moveReferral(activityId, ReferralStatus.ACCEPTED) }) { Text("Accept") }
                    TextButton(onClick = { state.moveReferral(activityId, ReferralStatus.REJECTED) }) { Text("Decline") }
                }
                ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS -> {
                    TextButton(onClick = { state.moveReferral(activityId, ReferralStatus.COMPLETED) }) { Text("Finished") }
                    TextButton(onClick = { state.moveReferral(activityId, ReferralStatus.CANCELLED) }) { Text("Stopped") }
                }
                else -> {}
            }
            TextButton(onClick = { gpNote = state.messageToGp(activityId) }) { Text("Note for my GP") }
        }
        gpNote?.let { Text(it) }
    }
}

/// Hands a page the core rendered to Android's print service (which offers
/// "Save as PDF"): loaded in an off-screen WebView, printed once laid out.
private fun printHtml(context: android.content.Context, html: String, title: String) {
    val webView = android.webkit.WebView(context)
    webView.webViewClient = object : android.webkit.WebViewClient() {
        override fun onPageFinished(view: android.webkit.WebView, url: String?) {
            val printing = context.getSystemService(android.content.Context.PRINT_SERVICE) as android.print.PrintManager
            printing.print(title, view.createPrintDocumentAdapter(title), android.print.PrintAttributes.Builder().build())
        }
    }
    webView.loadDataWithBaseURL(null, html, "text/html", "utf-8", null)
}
