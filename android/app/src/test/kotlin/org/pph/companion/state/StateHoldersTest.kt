// The app's state holders on the JVM against the real core (a real
// encrypted store through the generated bindings and JNA). Compiled and run
// by bindings/tests/foreign.rs; prints "N passed, N failed".
package org.pph.companion.state

import kotlinx.coroutines.runBlocking
import uniffi.pph.*
import java.nio.file.Files
import java.util.UUID
import java.time.Clock
import java.time.Instant
import java.time.ZoneId

private var passed = 0
private var failed = 0

private fun test(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
    }
}

private fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw AssertionError(what())
}

private const val BREATHLESSNESS = "00000000-0000-7000-8000-00000000a001"

fun main() {
    val dir = Files.createTempDirectory("pph-state")
    val companion = PphCompanion.open(
        CompanionConfig(dbPath = dir.resolve("app.db").toString(), encryptionKey = ByteArray(32) { 9 }, deviceName = "jvm"),
    )
    // Wednesday 4 March 2026, 10:00 in London.
    val clock = Clock.fixed(Instant.parse("2026-03-04T10:00:00Z"), ZoneId.of("Europe/London"))
    val plans = companion.carePlans()
    val plan = plans.createPlan(NewPlan(title = "Breathe easier", whatMatters = "The park", nextReview = null))
    val goal = plans.addGoal(plan.id, NewGoal(description = "Walk more", expressedBy = "me", target = null))
    val daily = plans.addActivity(
        goal.id,
        NewActivity("Breathing exercises", Responsible.Me, Schedule(repeat = Repeat.Daily, start = "2026-03-02")),
    )
    plans.addActivity(
        goal.id,
        NewActivity("Group", Responsible.Me, Schedule(repeat = Repeat.OnWeekdays(listOf(Weekday.MON)), start = "2026-03-02")),
    )

    test("today renders the core's day and ticks it off") {
        val today = TodayState(companion, clock)
        today.refresh()
        val view = today.ui.value.view ?: error("no view: ${today.ui.value.error}")
        check(view.date == "2026-03-04") { "date ${view.date}" }
        // Wednesday: the daily exercises, not Monday's group.
        check(view.activities.map { it.description } == listOf("Breathing exercises")) { "due ${view.activities}" }
        check(view.activities.single().outcome == null) { "already recorded" }
        check(view.diaryPrompt) { "no diary prompt" }
        check(today.ui.value.quickSymptoms.size == 4) { "quick ${today.ui.value.quickSymptoms}" }
        today.tick(daily.id, Outcome.DONE)
        check(today.ui.value.view?.activities?.single()?.outcome == Outcome.DONE) { "not ticked: ${today.ui.value}" }
    }

    test("the reminder planner sets the zone and hands the soonest to the scheduler") {
        val scheduled = mutableListOf<List<UpcomingReminder>>()
        val recorder = object : ReminderScheduler {
            override fun replaceAll(reminders: List<UpcomingReminder>) { scheduled.add(reminders) }
        }
        companion.today().addReminder(
            NewReminder(ReminderSubject.Activity(daily.id), ReminderTiming.ClockTime((18 * 60).toUShort()), null),
        )
        val planner = ReminderPlanner(companion, recorder, clock)
        val first = planner.reschedule().getOrThrow()
        check(companion.today().reminderSettings().timeZone == "Europe/London") { "zone not set" }
        check(scheduled.single() == first && first.size == 64) { "scheduled ${first.size}" }
        // Done today (ticked above): the first is tomorrow's, at 18:00 GMT.
        check(first[0].forDate == "2026-03-05" && first[0].localLabel == "Thu 5 Mar 2026 18:00 GMT") { "first ${first[0]}" }
        check(first[0].title == "Time for your plan") { "lock-screen text ${first[0].title}" }
        // Across the clock change on 29 March, still 18:00.
        val spring = first.first { it.forDate == "2026-03-30" }
        check(spring.localLabel == "Mon 30 Mar 2026 18:00 BST") { "spring ${spring.localLabel}" }
        // The store's clock is the real one: an hour from really now is
        // months after this test's March, so the snoozed one leaves the list.
        val snoozed = planner.snooze(first[0].key, Instant.now().plusSeconds(3600)).getOrThrow()
        check(snoozed.none { it.key == first[0].key }) { "not moved" }
        check(snoozed[0].forDate == "2026-03-06") { "next ${snoozed[0].forDate}" }
        check(scheduled.size == 2) { "not rescheduled" }
    }

    test("a quick log out of range shows the field, and writes nothing") {
        val today = TodayState(companion, clock)
        today.quickLog(BREATHLESSNESS, 11.0)
        val error = today.ui.value.error
        check(error != null && error.startsWith("Please check")) { "error $error" }
        val entries = companion.diary().entries("2026-03-01", "2026-03-31", 10u, null).entries
        check(entries.isEmpty()) { "written: $entries" }
    }

    test("the diary logs, charts a week and shows the PHQ-9 safety message") {
        val diary = DiaryState(companion, clock)
        diary.log(listOf(Rating(BREATHLESSNESS, 6.0)), "windy", listOf("cold weather"))
        diary.refresh(BREATHLESSNESS)
        val trend = diary.ui.value.trend
        check(trend.size == 1 && trend[0].mean == 6.0 && trend[0].start == "2026-03-02") { "trend $trend" }
        val answers = (1..9).map { Answer(it.toString(), if (it == 9) 1 else 0) }
        diary.submit("phq9", answers)
        check(diary.ui.value.safetyMessages.size == 1) { "messages ${diary.ui.value.safetyMessages}" }
        diary.acknowledgeSafetyMessages()
        check(diary.ui.value.safetyMessages.isEmpty()) { "still shown" }
        check(diary.ui.value.lastResult?.flags?.size == 1) { "flag not kept with the result" }
        diary.submit("phq9", answers.drop(1))
        check(diary.ui.value.error?.contains("answers") == true) { "error ${diary.ui.value.error}" }
        val codes = diary.ui.value.questionnaires.map { it.code }
        check(codes.containsAll(listOf("phq9", "gad7", "mrc_dyspnoea"))) { "questionnaires $codes" }
    }

    budgetAndChatSuite(companion, clock, ::test)
    chatSuite(companion, ::test)
    planAndSharingSuite(companion, clock, dir, ::test)
    meetupsAndStatusSuite(companion, clock, ::test)
    accountAndGroupsSuite(dir, ::test)
    referralSuite(companion, clock, ::test)
    eraseSuite(dir, ::test)
    timebankSuite(dir, ::test)
    passwordSuite(dir, ::test)
    companion.close()
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}

fun budgetAndChatSuite(companion: PphCompanion, clock: Clock, run: (String, () -> Unit) -> Unit) {
    run("the budget shows the balance, refuses alcohol, and records a receipt the core hashed") {
        val budgets = companion.budgets()
        val budget = budgets.createBudget(
            NewBudget("PHB", BudgetHolding.DIRECT_PAYMENT, "2026-03-01", "2027-02-28", 120_000, "GBP", null, null),
        )
        val line = budgets.addLine(budget.id, NewBudgetLine("Personal assistant", 100_000, emptyList()))
        val photo = Files.createTempFile("receipt", ".jpg").toFile()
        photo.writeBytes("not really a jpeg".toByteArray())
        val receipt = receiptOf(photo.path, "image/jpeg")
        // sha256sum of the same 17 bytes.
        check(receipt.sha256 == "21ac2586e213d1f490778a07bf0025a98fc57595863a282372bac594b398322b" && receipt.sizeBytes == 17uL) { "receipt $receipt" }
        val state = BudgetState(companion, clock)
        val spend = { category: String ->
            NewSpend(line.id, "2026-03-03", "Jo", category, 6_000, "GBP", null, null, null, receipt)
        }
        check(state.recordSpend(budget.id, spend("personal_assistant")) != null) { "spend refused: ${state.ui.value.error}" }
        check(state.ui.value.summary?.remainingPence == 114_000L) { "summary ${state.ui.value.summary}" }
        check(state.recordSpend(budget.id, spend("alcohol")) == null) { "alcohol accepted" }
        check(state.ui.value.error?.contains("category") == true) { "error ${state.ui.value.error}" }
        check(budgets.spends(budget.id, "2026-03-01", "2027-02-28").size == 1) { "the refused spend was written" }
    }
}

fun chatSuite(companion: PphCompanion, run: (String, () -> Unit) -> Unit) {
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    run("the chat posts at once as pending, pages back, and reacts") {
        runBlocking {
            signUpWithMail(companion, server, "chat-${UUID.randomUUID()}@example.org", "a long enough password", "Kit", AccountRole.PATIENT)
            val group = companion.groups().createGroup(NewGroup("Circle", "Talk", null))
            val chat = ChatState(companion, group.id, pageSize = 2u)
            listOf("one", "two", "three").forEach { chat.post(it) }
            check(chat.ui.value.messages.map { it.body } == listOf("three", "two")) { "page ${chat.ui.value.messages}" }
            check(chat.ui.value.messages.all { it.status == MessageStatus.PENDING }) { "not pending" }
            chat.loadOlder()
            check(chat.ui.value.messages.map { it.body } == listOf("three", "two", "one")) { "older ${chat.ui.value.messages}" }
            companion.sync().syncNow()
            chat.refresh()
            check(chat.ui.value.messages.all { it.status == MessageStatus.SENT }) { "not sent" }
            chat.react(chat.ui.value.messages[0].id, "👍", true)
            check(chat.ui.value.messages[0].reactions.single().mine) { "reaction ${chat.ui.value.messages[0]}" }
            chat.post("")
            check(chat.ui.value.error?.startsWith("Please check body") == true) { "error ${chat.ui.value.error}" }
        }
    }
}

fun planAndSharingSuite(companion: PphCompanion, clock: Clock, dir: java.nio.file.Path, run: (String, () -> Unit) -> Unit) {
    run("the care plan shows adherence since the start and records a review") {
        val state = CarePlanState(companion, clock)
        state.refresh()
        val plan = state.ui.value.plan ?: throw AssertionError("no plan: ${state.ui.value.error}")
        check(plan.info.title == "Breathe easier") { "plan ${plan.info}" }
        check(state.ui.value.adherence?.from == "2026-03-02") { "adherence ${state.ui.value.adherence}" }
        state.recordReview(NewReview(date = "2026-03-04", participants = listOf("me"), notes = "", outcome = "keep going", nextReview = "2026-06-01"))
        check(state.ui.value.plan?.info?.nextReview == "2026-06-01") { "review ${state.ui.value.plan?.info}" }
        check(state.ui.value.adherence?.from == "2026-03-04") { "since review ${state.ui.value.adherence}" }
        check(state.ui.value.proposals.isEmpty()) { "proposals ${state.ui.value.proposals}" }
        state.declineProposal("0190a5c2-0000-7000-8000-000000000999")
        check(state.ui.value.error != null) { "declining a proposal that never came" }
        state.addGoal(NewGoal(description = "Walk to the shops", expressedBy = "me"))
        val goal = state.ui.value.plan?.goals?.lastOrNull() ?: throw AssertionError("no goal: ${state.ui.value.error}")
        check(goal.description == "Walk to the shops") { "goal $goal" }
        state.addActivity(goal.id, NewActivity("Walk ten minutes", Responsible.Me, Schedule(Repeat.Daily, "2026-03-05", null, null)))
        check(state.ui.value.plan?.activities?.any { it.goalId == goal.id && it.description == "Walk ten minutes" } == true) {
            "activity ${state.ui.value}"
        }
        state.addGoal(NewGoal(description = " ", expressedBy = "me"))
        check(state.ui.value.error?.startsWith("Please check description") == true) { "error ${state.ui.value.error}" }
        check(state.ui.value.plan?.goals?.size == plan.goals.size + 1) { "the blank goal was written" }
    }
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    run("a patient shares with a clinician, who sees the summary until it is revoked") {
        runBlocking {
            val doctor = "dr-${UUID.randomUUID()}@example.org"
            val clinic = PphCompanion.open(
                CompanionConfig(dbPath = dir.resolve("clinic.db").toString(), encryptionKey = ByteArray(32) { 3 }, deviceName = "clinic"),
            )
            signUpWithMail(clinic, server, doctor, "a long enough password", "Dr Lee", AccountRole.CLINICIAN)
            companion.sync().syncNow()
            val sharing = SharingState(companion)
            sharing.grant(doctor, listOf(ShareScope.CARE_PLAN), Instant.now().plusSeconds(3_600))
            val share = sharing.ui.value.shares.single()
            val clinician = ClinicianState(clinic)
            clinician.refresh()
            val patient = clinician.ui.value.patients.single()
            // In the consultation room: the same number on both phones.
            val mine = VerifyState(companion)
            mine.show(share.clinicianAccountId)
            val theirs = VerifyState(clinic)
            theirs.show(patient.patientAccountId)
            val number = mine.ui.value.number ?: throw AssertionError("no number: ${mine.ui.value.error}")
            check(number.digits == theirs.ui.value.number?.digits && number.digits.length == 71 && !number.verified) {
                "numbers ${mine.ui.value} ${theirs.ui.value}"
            }
            mine.confirm()
            check(mine.ui.value.number?.verified == true && mine.ui.value.warnings.isEmpty()) { "verified ${mine.ui.value}" }
            mine.accept(share.clinicianAccountId)
            check(mine.ui.value.error == VerifyState.NOTHING_WAITING) { "accepted nothing ${mine.ui.value}" }
            mine.show("0190a5c2-0000-7000-8000-000000000999")
            check(mine.ui.value.error == VerifyState.NOT_SEEN_YET) { "unknown account ${mine.ui.value}" }
            clinician.open(patient.patientSpace)
            check(clinician.ui.value.summary?.carePlan?.info?.title == "Breathe easier") { "summary ${clinician.ui.value}" }
            sharing.revoke(share.shareId)
            check(sharing.ui.value.shares.single().revoked) { "not revoked" }
            val read = sharing.ui.value.accesses.single()
            check(read.clinicianName == "Dr Lee" && read.scopes == listOf(ShareScope.CARE_PLAN) && read.records > 0u) {
                "access log ${sharing.ui.value.accesses}"
            }
            clinician.refresh()
            clinician.open(patient.patientSpace)
            check(clinician.ui.value.summary == null && clinician.ui.value.error == ClinicianState.NO_LONGER_SHARED) {
                "after revocation ${clinician.ui.value}"
            }
            clinic.close()
        }
    }
}

fun meetupsAndStatusSuite(companion: PphCompanion, clock: Clock, run: (String, () -> Unit) -> Unit) {
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    run("meetups show my place, and the status line follows the listener") {
        runBlocking {
            val status = SyncStatusState(companion)
            val group = companion.groups().createGroup(NewGroup("Walkers", "Walk", null))
            val start = clock.instant().plusSeconds(86_400)
            val meetups = MeetupsState(companion, group.id, clock)
            meetups.schedule(NewMeetup("Walk", start, start.plusSeconds(3_600), "Park", null, 1u, ""))
            val meetup = meetups.ui.value.meetups.singleOrNull()?.meetup ?: throw AssertionError("not scheduled: ${meetups.ui.value}")
            meetups.schedule(NewMeetup("Backwards", start, start.minusMillis(1), "Park", null, null, ""))
            check(meetups.ui.value.error?.startsWith("Please check") == true) { "error ${meetups.ui.value.error}" }
            meetups.rsvp(meetup.id, RsvpAnswer.YES)
            check(meetups.ui.value.meetups.single().myPlace == MeetupPlace.Going) { "place ${meetups.ui.value}" }
            status.refresh()
            check(status.summary().endsWith("waiting to sync")) { "status ${status.summary()}" }
            companion.sync().syncNow()
            check(status.status.value.state == SyncState.IDLE && status.summary() == "Up to date") { "status ${status.status.value}" }
            meetups.countForActivity(meetup.id, "00000000-0000-7000-8000-000000000000")
            check(meetups.ui.value.error?.startsWith("Please check meetup_id") == true) { "error ${meetups.ui.value.error}" }
            status.close()
        }
    }
}

fun accountAndGroupsSuite(dir: java.nio.file.Path, run: (String, () -> Unit) -> Unit) {
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    run("signing in, a wrong password, and joining a group by a typed code") {
        runBlocking {
            fun store(name: String) = PphCompanion.open(
                CompanionConfig(dbPath = dir.resolve("$name.db").toString(), encryptionKey = ByteArray(32) { 5 }, deviceName = name),
            )
            val host = store("host")
            val hostAccount = AccountState(host, server)
            val hostEmail = "host-${UUID.randomUUID()}@example.org"
            hostAccount.signUp("ABCD-EFGH", "a long enough password", "Host", AccountRole.PATIENT)
            check(hostAccount.ui.value.error?.contains("code") == true) { "no code asked for: ${hostAccount.ui.value}" }
            hostAccount.askSignUpCode(hostEmail)
            check(hostAccount.ui.value.codeSentTo == hostEmail) { "code sent: ${hostAccount.ui.value}" }
            hostAccount.signUp("0000-0000", "a long enough password", "Host", AccountRole.PATIENT)
            check(hostAccount.ui.value.account == null && hostAccount.ui.value.error?.contains("code") == true) {
                "a wrong code: ${hostAccount.ui.value}"
            }
            hostAccount.signUp(mailedCode(hostEmail) ?: "", "a long enough password", "Host", AccountRole.PATIENT)
            check(hostAccount.ui.value.account?.displayName == "Host") { "account ${hostAccount.ui.value}" }
            val group = host.groups().createGroup(NewGroup("Walkers", "Walk", null))
            host.groups().postMessage(group.id, "Welcome", null)
            host.sync().syncNow()
            val hostGroups = GroupsState(host)
            hostGroups.makeInvite(group.id, days = 1)
            val code = hostGroups.ui.value.invite?.code ?: throw AssertionError("no code: ${hostGroups.ui.value.error}")

            val guest = store("guest")
            val email = "guest-${UUID.randomUUID()}@example.org"
            val guestAccount = AccountState(guest, server)
            guestAccount.askSignUpCode(email)
            guestAccount.signUp(mailedCode(email) ?: "", "a long enough password", "Guest", AccountRole.PATIENT)
            guestAccount.signOut()
            check(guestAccount.ui.value.account == null) { "still signed in" }
            guestAccount.signIn(email, "not the password!")
            check(guestAccount.ui.value.error == "Wrong email or password") { "error ${guestAccount.ui.value.error}" }
            guestAccount.signIn(email, "a long enough password")
            check(guestAccount.ui.value.account != null) { "not signed in: ${guestAccount.ui.value.error}" }

            val groups = GroupsState(guest)
            // Half a code (the relay's half alone, or a code from before)
            // is refused on the phone; a whole code nobody made, by the relay.
            groups.join("XXXXX-XXXXX")
            check(groups.ui.value.error?.contains("half a code") == true) { "error ${groups.ui.value.error}" }
            groups.join("XXXXX-XXXXX-XXXX-XXXX-XXXX")
            check(groups.ui.value.error == "That code is unknown, expired or revoked") { "error ${groups.ui.value.error}" }
            groups.join(code.lowercase().chunked(5).joinToString("-"))
            check(groups.ui.value.groups.isEmpty() && groups.ui.value.waitingForKey == 1u) { "waiting ${groups.ui.value}" }
            // The host's phone passes the group's key on when it syncs.
            host.sync().syncNow()
            guest.sync().syncNow()
            groups.refresh()
            check(groups.ui.value.waitingForKey == 0u) { "still waiting ${groups.ui.value}" }
            val entry = groups.ui.value.groups.single()
            check(entry.group.name == "Walkers" && entry.unread == 1u) { "groups ${groups.ui.value}" }

            // The guest leaves for good: told first that their messages go
            // for everyone; a wrong password deletes nothing.
            guest.groups().postMessage(group.id, "Bye all", null)
            guest.sync().syncNow()
            host.sync().syncNow()
            check(host.groups().messages(group.id, 10u, null).messages.size == 2) { "before" }
            check(guestAccount.deletionWarning().any { it.contains("1 message(s) in 1 group(s)") }) {
                "warning ${guestAccount.deletionWarning()}"
            }
            guestAccount.deleteAccount("not the password!")
            check(guestAccount.ui.value.error == "Wrong password: nothing was deleted") { "error ${guestAccount.ui.value.error}" }
            check(guestAccount.ui.value.account != null) { "signed out by a wrong password" }
            guestAccount.deleteAccount("a long enough password")
            val deleted = guestAccount.ui.value.deleted ?: throw AssertionError("not deleted: ${guestAccount.ui.value.error}")
            check(deleted.groupRecordsErased >= 1uL && guestAccount.ui.value.account == null) { "receipt $deleted" }
            check(host.sync().syncNow().erased >= 1u) { "nothing erased on the host" }
            check(host.groups().messages(group.id, 10u, null).messages.map { it.body } == listOf("Welcome")) { "after" }

            // Too many wrong passwords: the person is told to wait, not that
            // they are offline.
            val laptop = store("laptop")
            val held = AccountState(laptop, server)
            repeat(5) { held.signIn(email, "not the password!") }
            check(held.ui.value.error == "Wrong email or password") { "error ${held.ui.value.error}" }
            held.signIn(email, "a long enough password")
            check(held.ui.value.error?.startsWith("Too many tries; please wait") == true) { "error ${held.ui.value.error}" }
            host.close()
            guest.close()
            laptop.close()
        }
    }
}

fun referralSuite(companion: PphCompanion, clock: Clock, run: (String, () -> Unit) -> Unit) {
    run("a referral waits for the person's yes, and a completed one never goes back") {
        val state = CarePlanState(companion, clock)
        state.refresh(companion.carePlans().listPlans().first().id)
        val goal = state.ui.value.plan?.goals?.first() ?: throw AssertionError("no plan: ${state.ui.value}")
        state.addReferral(
            goal.id,
            NewReferral(
                "Hilltop Walkers", ServiceKind.WALKING_GROUP, Responsible.Me, "2026-03-01",
                "Walk with the group", Schedule(repeat = Repeat.OnWeekdays(listOf(Weekday.SAT)), start = "2026-03-07"),
            ),
        )
        val walk = state.ui.value.plan?.activities?.firstOrNull { it.referral != null } ?: throw AssertionError("no referral")
        check(walk.referral?.status == ReferralStatus.REQUESTED) { "status ${walk.referral}" }
        state.moveReferral(walk.id, ReferralStatus.ACCEPTED, "Saturdays suit me")
        state.moveReferral(walk.id, ReferralStatus.COMPLETED)
        state.moveReferral(walk.id, ReferralStatus.REQUESTED)
        check(state.ui.value.error?.startsWith("Please check status") == true) { "error ${state.ui.value.error}" }
        val now = state.ui.value.plan?.activities?.single { it.id == walk.id }?.referral
        check(now?.status == ReferralStatus.COMPLETED) { "moved back: $now" }
        val page = state.reportForDoctor(listOf(ReportSection.CARE_PLAN, ReportSection.QUESTIONNAIRES)) ?: throw AssertionError("no report")
        check(page.startsWith("<!doctype html>") && page.contains("Care plan")) { "report ${page.take(200)}" }
        state.reportForDoctor(emptyList())
        check(state.ui.value.error?.startsWith("Please check sections") == true) { "error ${state.ui.value.error}" }
        val note = state.messageToGp(walk.id) ?: throw AssertionError("no message")
        check(note.contains("Taken up: yes, from 2026-03-04.")) { note }
    }
}

fun timebankSuite(dir: java.nio.file.Path, run: (String, () -> Unit) -> Unit) {
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    run("time given is confirmed by its receiver, and limits are named") {
        runBlocking {
            fun store(name: String) = PphCompanion.open(
                CompanionConfig(dbPath = dir.resolve("tb-$name.db").toString(), encryptionKey = ByteArray(32) { 6 }, deviceName = name),
            )
            val (fay, gus) = store("fay") to store("gus")
            for ((c, name) in listOf(fay to "Fay", gus to "Gus")) {
                signUpWithMail(c, server, "$name-${UUID.randomUUID()}@example.org", "a long enough password", name, AccountRole.PATIENT)
            }
            val group = fay.groups().createGroup(NewGroup("Walkers", "Walk", null))
            val code = fay.groups().inviteCode(group.id, Instant.now().plusSeconds(3_600)).code
            gus.groups().joinGroup(code)
            val fays = TimebankState(fay, group.id)
            fays.setRules(on = true, lowerHours = -1, upperHours = 40)
            fay.sync().syncNow()
            gus.sync().syncNow()
            val gusAccount = fay.groups().members(group.id).single { it.displayName == "Gus" }
            fays.give(gusAccount, 45u, TimeCategory.TRANSPORT, "A lift")
            check(fays.ui.value.overview?.awaitingOthers?.size == 1) { "pending ${fays.ui.value}" }
            fays.give(gusAccount, 30u, TimeCategory.COMPANY)
            fay.sync().syncNow()
            gus.sync().syncNow()
            val guss = TimebankState(gus, group.id, pageSize = 1u)
            guss.refresh()
            val waiting = guss.ui.value.overview?.toConfirm ?: emptyList()
            check(waiting.size == 2) { "to confirm ${guss.ui.value}" }
            guss.confirm(waiting.single { it.minutes == 45u }.id)
            guss.confirm(waiting.single { it.minutes == 30u }.id)
            check(guss.ui.value.error?.contains("-1 h") == true) { "limit ${guss.ui.value.error}" }
            check(hours(guss.ui.value.overview!!.myBalance.minutes) == "-45 min") { "balance ${guss.ui.value.overview}" }
            check(guss.ui.value.history.size == 1 && guss.ui.value.olderCursor != null) { "page ${guss.ui.value.history}" }
            guss.loadOlder()
            check(guss.ui.value.history.size == 2) { "older ${guss.ui.value.history}" }
            guss.loadBalances()
            check(guss.ui.value.error?.startsWith("Not allowed") == true) { "balances ${guss.ui.value.error}" }
            gus.sync().syncNow()
            fay.sync().syncNow()
            fays.loadBalances()
            check(fays.ui.value.balances.map { it.displayName to it.minutes }.toSet() == setOf("Fay" to 45L, "Gus" to -45L)) {
                "balances ${fays.ui.value.balances}"
            }
            fay.close()
            gus.close()
        }
    }
}

fun passwordSuite(dir: java.nio.file.Path, run: (String, () -> Unit) -> Unit) {
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    run("the recovery code is shown once; a changed or forgotten password loses nothing") {
        runBlocking {
            fun store(name: String) = PphCompanion.open(
                CompanionConfig(dbPath = dir.resolve("pw-$name.db").toString(), encryptionKey = ByteArray(32) { 9 }, deviceName = name),
            )
            val phone = store("phone")
            val email = "pw-${UUID.randomUUID()}@example.org"
            val account = AccountState(phone, server)
            account.askSignUpCode(email)
            account.signUp(mailedCode(email) ?: "", "a long enough password", "Pia", AccountRole.PATIENT)
            val code = account.ui.value.recoveryCode ?: throw AssertionError("no code: ${account.ui.value}")
            check(code.length == 39) { code }
            account.recoveryCodeKept()
            check(account.ui.value.recoveryCode == null) { "still shown" }
            phone.carePlans().createPlan(NewPlan("Breathe easier", "The park", null))
            phone.sync().syncNow()
            account.changePassword("not the password!", "a new long password")
            check(account.ui.value.error == "Wrong password: nothing was changed") { "error ${account.ui.value.error}" }
            account.changePassword("a long enough password", "a new long password")
            check(account.ui.value.passwordChanged) { "not changed: ${account.ui.value.error}" }
            // A new password replaces the recovery code: the new one is shown.
            val changedCode = account.ui.value.recoveryCode ?: throw AssertionError("no new code: ${account.ui.value}")
            check(changedCode != code) { "the old code shown again" }
            account.recoveryCodeKept()

            val tablet = store("tablet")
            val recovering = AccountState(tablet, server)
            recovering.recover(email, "0000-0000-0000-0000-0000-0000-0000-0000", "after forgetting it")
            check(recovering.ui.value.error == "Wrong email or recovery code") { "error ${recovering.ui.value.error}" }
            recovering.recover(email, code.lowercase(), "after forgetting it")
            check(recovering.ui.value.error == "Wrong email or recovery code") { "the replaced code: ${recovering.ui.value.error}" }
            recovering.recover(email, changedCode.lowercase(), "after forgetting it")
            check(recovering.ui.value.account != null) { "not recovered: ${recovering.ui.value.error}" }
            val replaced = recovering.ui.value.recoveryCode ?: throw AssertionError("no new code: ${recovering.ui.value}")
            check(replaced != changedCode) { "the used code shown again" }
            tablet.sync().syncNow()
            check(tablet.carePlans().listPlans().single().title == "Breathe easier") { "plans" }

            // The recovery signed the phone out; signed in again, it lists
            // both devices and signs the tablet out, which keeps its work.
            check(runCatching { phone.sync().syncNow() }.exceptionOrNull() is PphException.Unauthorized) { "phone still in" }
            account.signIn(email, "after forgetting it")
            account.loadDevices()
            check(account.ui.value.devices.map { it.name }.sorted() == listOf("phone", "tablet")) { "devices ${account.ui.value.devices}" }
            val tabletSession = account.ui.value.devices.single { !it.thisDevice }.session
            account.signOutDevice(tabletSession)
            check(account.ui.value.devices.map { it.name } == listOf("phone")) { "after ${account.ui.value}" }
            account.signOutDevice(tabletSession)
            check(account.ui.value.error == "That device is already signed out") { "error ${account.ui.value.error}" }
            tablet.carePlans().createPlan(NewPlan("Written signed out", "", null))
            check(runCatching { tablet.sync().syncNow() }.exceptionOrNull() is PphException.Unauthorized) { "tablet still in" }
            check(tablet.sync().status().pendingChanges > 0uL) { "the tablet's work is kept" }
            phone.close()
            tablet.close()
        }
    }
}

fun eraseSuite(dir: java.nio.file.Path, run: (String, () -> Unit) -> Unit) {
    run("erasing this phone deletes the store, then the key, and nothing works after") {
        val path = dir.resolve("erase-me.db")
        val phone = PphCompanion.open(CompanionConfig(dbPath = path.toString(), encryptionKey = ByteArray(32) { 8 }, deviceName = "old"))
        phone.carePlans().createPlan(NewPlan(title = "Breathe easier", whatMatters = "The park", nextReview = null))
        val deleted = mutableListOf<String>()
        val platform = object : PlatformEraser {
            override fun deleteKey() { deleted.add("key") }
            override fun deletePhoto(fileName: String) { deleted.add(fileName) }
        }
        val account = AccountState(phone, "http://127.0.0.1:9")
        val archive = account.exportRecord(dir.toFile()) ?: throw AssertionError("no export: ${account.ui.value.error}")
        val newPhone = PphCompanion.open(CompanionConfig(dbPath = dir.resolve("erase-new.db").toString(), encryptionKey = ByteArray(32) { 8 }, deviceName = "new"))
        val restored = AccountState(newPhone, "http://127.0.0.1:9")
        check(restored.importRecord(archive) == 1u) { "import ${restored.ui.value.error}" }
        check(restored.importRecord(archive) == null && restored.ui.value.error?.startsWith("This phone already") == true) {
            "second import ${restored.ui.value.error}"
        }
        newPhone.close()
        account.eraseThisPhone(platform)
        val receipt = account.ui.value.erased ?: throw AssertionError("not erased: ${account.ui.value.error}")
        check(receipt.deletedFiles.contains(path.toString()) && !Files.exists(path)) { "receipt $receipt" }
        check(deleted == listOf("key")) { "platform asked to delete $deleted" }
        check(receipt.remainsElsewhere.isNotEmpty()) { "nothing said of what remains" }
        val after = runCatching { phone.carePlans().listPlans() }.exceptionOrNull()
        check(after is PphException.Storage) { "after erasing: $after" }
        phone.close()
    }
}
