package org.pph.companion.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TextField
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import org.pph.companion.state.ChatState
import org.pph.companion.state.ClinicianState
import org.pph.companion.state.GroupsState
import org.pph.companion.state.MeetupsState
import org.pph.companion.state.SharingState
import org.pph.companion.state.TimebankState
import org.pph.companion.state.VerifyState
import org.pph.companion.state.hours
import uniffi.pph.ExchangeState
import uniffi.pph.PostKind
import uniffi.pph.TimeCategory
import uniffi.pph.Group
import uniffi.pph.MessageStatus
import uniffi.pph.NewMeetup
import uniffi.pph.PphCompanion
import uniffi.pph.RsvpAnswer
import uniffi.pph.ShareScope
import java.time.Duration
import java.time.Instant

@Composable
fun GroupsScreen(companion: PphCompanion) {
    val groups = remember { GroupsState(companion) }
    val ui by groups.ui.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var code by remember { mutableStateOf("") }
    var openId by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(Unit) { groups.refresh() }
    val open = ui.groups.firstOrNull { it.group.id == openId }?.group
    if (open != null) {
        Column {
            TextButton(onClick = { openId = null; groups.refresh() }) { Text("All groups") }
            GroupScreen(companion, open)
            TimebankScreen(companion, open)
            Button(onClick = { scope.launch { groups.makeInvite(open.id) } }) { Text("Make an invite code (7 days)") }
            ui.invite?.let { Text("Code: ${it.code}") }
        }
        return
    }
    Column {
        ui.error?.let { Text(it) }
        ui.groups.forEach { entry ->
            TextButton(onClick = { openId = entry.group.id }) {
                Text(entry.group.name + if (entry.unread > 0u) " (${entry.unread})" else "")
            }
        }
        if (ui.waitingForKey > 0u) {
            Text("Joined ${ui.waitingForKey} group(s): it opens here once a member's phone lets this one in (when it next syncs).")
        }
        Row {
            TextField(code, { code = it }, label = { Text("Invite code") })
            Button(onClick = { scope.launch { groups.join(code); code = "" } }) { Text("Join") }
        }
    }
}

/// The group's timebank: my balance, offers and requests, what waits for
/// me, and my history. Giving time starts from a member's name in
/// `GroupsState`'s member list (not shown here).
@Composable
private fun TimebankScreen(companion: PphCompanion, group: Group) {
    val bank = remember(group.id) { TimebankState(companion, group.id) }
    val ui by bank.ui.collectAsStateWithLifecycle()
    var offer by remember { mutableStateOf("") }
    LaunchedEffect(group.id) { bank.refresh() }
    val overview = ui.overview ?: return
    Column {
        ui.error?.let { Text(it) }
        if (overview.settings?.on != true) {
            Text("The timebank is off")
            return@Column
        }
        Text("My balance: ${hours(overview.myBalance.minutes)}")
        overview.settings?.totals?.let { Text("The group: ${hours(it.minutes.toLong())} given in ${it.exchanges} exchanges") }
        overview.offers.forEach { Text("Offer: ${it.text} (${it.authorName})") }
        overview.requests.forEach { Text("Request: ${it.text} (${it.authorName})") }
        overview.toConfirm.forEach { e ->
            Row {
                Text("${e.giverName} gave you ${hours(e.minutes.toLong())} on ${e.onDate}")
                Button(onClick = { bank.confirm(e.id) }) { Text("Confirm") }
            }
        }
        overview.awaitingOthers.forEach { e ->
            Row {
                Text("You gave ${e.receiverName} ${hours(e.minutes.toLong())}: waiting for them")
                TextButton(onClick = { bank.withdraw(e.id) }) { Text("Withdraw") }
            }
        }
        Row {
            TextField(offer, { offer = it }, label = { Text("I can offer…") })
            Button(onClick = { bank.post(PostKind.OFFER, TimeCategory.OTHER, offer); offer = "" }) { Text("Offer") }
        }
        ui.history.filter { it.state != ExchangeState.PENDING }.forEach { e ->
            Text("${e.onDate}: ${hours(e.myMinutes)} (${e.state.name.lowercase()})")
        }
        if (ui.olderCursor != null) TextButton(onClick = { bank.loadOlder() }) { Text("Earlier") }
    }
}

@Composable
private fun GroupScreen(companion: PphCompanion, group: Group) {
    val chat = remember(group.id) { ChatState(companion, group.id) }
    val meetups = remember(group.id) { MeetupsState(companion, group.id) }
    val chatUi by chat.ui.collectAsStateWithLifecycle()
    val meetupsUi by meetups.ui.collectAsStateWithLifecycle()
    var draft by remember { mutableStateOf("") }
    var meetupTitle by remember { mutableStateOf("") }
    var meetupPlace by remember { mutableStateOf("") }
    LaunchedEffect(group.id) {
        chat.refresh()
        meetups.refresh()
        chat.markRead()
    }
    Column {
        Text(group.name)
        (chatUi.error ?: meetupsUi.error)?.let { Text(it) }
        meetupsUi.meetups.forEach { m ->
            Row {
                Text("${m.meetup.title}${if (m.meetup.cancelled) " (cancelled)" else ""}: ${m.yes} going, ${m.waitlist.size} waiting")
                Button(onClick = { meetups.rsvp(m.meetup.id, RsvpAnswer.YES) }) { Text("Yes") }
                Button(onClick = { meetups.rsvp(m.meetup.id, RsvpAnswer.NO) }) { Text("No") }
            }
        }
        // Facilitators schedule a meetup a week ahead; the core refuses members.
        Row {
            TextField(meetupTitle, { meetupTitle = it }, label = { Text("New meetup") })
            TextField(meetupPlace, { meetupPlace = it }, label = { Text("Where") })
            Button(onClick = {
                val start = Instant.now().plus(Duration.ofDays(7))
                meetups.schedule(NewMeetup(meetupTitle, start, start.plus(Duration.ofHours(1)), meetupPlace, null, null, ""))
                meetupTitle = ""
                meetupPlace = ""
            }) { Text("Schedule") }
        }
        if (chatUi.olderCursor != null) TextButton(onClick = { chat.loadOlder() }) { Text("Earlier messages") }
        chatUi.messages.asReversed().forEach { m ->
            val status = when (m.status) {
                MessageStatus.PENDING -> " (sending)"
                MessageStatus.FAILED -> " (not sent: ${m.failure})"
                MessageStatus.SENT -> ""
            }
            Text("${m.authorName}: ${if (m.hidden) "hidden by the facilitator" else m.body}$status")
            if (m.status == MessageStatus.FAILED) {
                Row {
                    Button(onClick = { chat.resend(m.id) }) { Text("Resend") }
                    Button(onClick = { chat.discard(m.id) }) { Text("Discard") }
                }
            }
        }
        Row {
            TextField(draft, { draft = it })
            Button(onClick = { chat.post(draft); draft = "" }) { Text("Send") }
        }
    }
}

@Composable
fun ShareScreen(companion: PphCompanion) {
    val state = remember { SharingState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var email by remember { mutableStateOf("") }
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        TextField(email, { email = it }, label = { Text("Clinician's email") })
        Button(onClick = {
            scope.launch {
                state.grant(email, listOf(ShareScope.CARE_PLAN, ShareScope.DIARY, ShareScope.QUESTIONNAIRES), Instant.now().plus(Duration.ofDays(7)))
            }
        }) { Text("Share my plan, diary and questionnaires for a week") }
        ui.shares.filter { !it.revoked }.forEach { share ->
            Row {
                Text("${share.clinicianName}: ${share.scopes.joinToString()}")
                Button(onClick = { scope.launch { state.revoke(share.shareId) } }) { Text("Stop sharing") }
            }
            SafetyNumberRow(companion, share.clinicianAccountId)
        }
        if (ui.accesses.isNotEmpty()) Text("Who read my records")
        ui.accesses.forEach { a ->
            Text("${a.lastAt}: ${a.clinicianName} read ${a.scopes.joinToString()} (${a.records} records)")
        }
    }
}

@Composable
fun ClinicianScreen(companion: PphCompanion) {
    val state = remember { ClinicianState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { state.refresh() }
    Column {
        ui.error?.let { Text(it) }
        ui.patients.forEach { p ->
            Button(onClick = { state.open(p.patientSpace) }) { Text(p.patientName) }
            SafetyNumberRow(companion, p.patientAccountId)
        }
        ui.summary?.let { s ->
            Text("${s.patientName}, since ${s.since}")
            s.carePlan?.let { Text("Plan: ${it.info.title} — ${it.info.whatMatters}") }
            s.adherence?.overall?.ratio?.let { Text("Adherence ${(it * 100).toInt()}%") }
            s.symptomTrends.forEach { t -> Text("${t.symptom.name}: ${t.buckets.joinToString { "%.1f".format(it.mean) }}") }
            s.questionnaires.forEach { q -> Text("${q.code} ${q.score} (${q.band})${if (q.flags.isNotEmpty()) " — SAFETY FLAG" else ""}") }
        }
    }
}

/// The safety number to compare with someone in the room, and a button to
/// say the two phones showed the same; a changed identity is said first.
@Composable
fun SafetyNumberRow(companion: PphCompanion, accountId: String) {
    val state = remember(accountId) { VerifyState(companion) }
    val ui by state.ui.collectAsStateWithLifecycle()
    LaunchedEffect(accountId) { state.show(accountId) }
    Column {
        ui.warnings.filter { it.accountId == accountId }.forEach { w ->
            Text(VerifyState.warningText(w))
            TextButton(onClick = { state.accept(accountId) }) { Text("We compared the new number: accept it") }
        }
        ui.error?.let { Text(it) }
        ui.number?.let { n ->
            Text("Safety number: ${n.digits}")
            if (n.verified) {
                Text("Verified in person")
            } else {
                TextButton(onClick = { state.confirm() }) { Text("Both phones show this number") }
            }
        }
    }
}
