// The app's state holders on the JVM against the real core (a real
// encrypted store through the generated bindings and JNA). Compiled and run
// by bindings/tests/foreign.rs; prints "N passed, N failed".
package org.pph.companion.state

import uniffi.pph.*
import java.nio.file.Files
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

    test("today lists what is due today and ticks it off") {
        val today = TodayState(companion, clock)
        today.refresh()
        val due = today.ui.value.due
        check(due.map { it.description } == listOf("Breathing exercises")) { "due $due" }
        check(!due.single().recorded) { "already recorded" }
        check(today.ui.value.quickSymptoms.size == 4) { "quick ${today.ui.value.quickSymptoms}" }
        today.tick(daily.id, Outcome.DONE)
        check(today.ui.value.due.single().recorded) { "not ticked: ${today.ui.value}" }
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
    }

    companion.close()
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
