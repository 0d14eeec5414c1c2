// Foreign-language tests of the generated Kotlin bindings (package uniffi.pph)
// on the JVM through JNA. Compiled and run by bindings/tests/foreign.rs.

import uniffi.pph.*
import java.nio.file.Files
import java.time.Instant

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

private inline fun <reified E : Throwable> expectThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing thrown")
}

private val key = ByteArray(32) { it.toByte() }

private fun openStore(path: String, k: ByteArray = key) =
    PphCompanion.open(CompanionConfig(dbPath = path, encryptionKey = k, deviceName = "kotlin test"))

private class Fixture(val plans: CarePlans, val plan: PlanInfo, val goal: Goal, val activity: Activity)

private fun build(companion: PphCompanion): Fixture {
    val plans = companion.carePlans()
    val plan = plans.createPlan(NewPlan(title = "Breathe easier", whatMatters = "Walking the dog", nextReview = "2026-06-01"))
    val goal = plans.addGoal(plan.id, NewGoal(description = "Walk to the park", expressedBy = "me", target = "3 times a week"))
    val schedule = Schedule(repeat = Repeat.OnWeekdays(listOf(Weekday.MON, Weekday.WED, Weekday.FRI)), start = "2026-03-02")
    val activity = plans.addActivity(goal.id, NewActivity(description = "Walk", responsible = Responsible.Me, schedule = schedule))
    return Fixture(plans, plan, goal, activity)
}

fun main() {
    val dir = Files.createTempDirectory("pph-kotlin")
    val path = dir.resolve("store.db").toString()
    val companion = openStore(path)

    test("plan with goals, activities, completions and adherence") {
        val f = build(companion)
        // Mon 2, Wed 4 (partly), Fri 6 March 2026 at 10:00 UTC.
        listOf(2 to Outcome.DONE, 4 to Outcome.PARTLY, 6 to Outcome.DONE).forEach { (day, outcome) ->
            f.plans.recordCompletion(
                f.activity.id,
                NewCompletion(
                    occurredAt = Instant.parse("2026-03-%02dT10:00:00Z".format(day)),
                    utcOffsetMinutes = 0,
                    outcome = outcome,
                ),
            )
        }
        val adherence = f.plans.adherence(f.plan.id, "2026-03-02", "2026-03-15")
        check(adherence.overall.scheduled == 6u) { "scheduled ${adherence.overall.scheduled}" }
        check(adherence.overall.done == 2u && adherence.overall.partly == 1u) { "counts ${adherence.overall}" }
        check(adherence.overall.ratio == 2.5 / 6) { "ratio ${adherence.overall.ratio}" }
        val whole = f.plans.plan(f.plan.id)
        check(whole.goals.map { it.description } == listOf("Walk to the park")) { "goals ${whole.goals}" }
    }

    test("plan_as_of returns the plan before an edit") {
        val f = build(companion)
        val beforeEdit = f.plans.history(f.plan.id).last().at
        while (!Instant.now().isAfter(beforeEdit)) { /* let the clock pass the last stamp */ }
        f.plans.updatePlan(f.plan.id, PlanUpdate(title = "Breathe easier, sleep better"))
        val then = f.plans.planAsOf(f.plan.id, beforeEdit)
        check(then.info.title == "Breathe easier") { "as of: ${then.info.title}" }
        check(f.plans.plan(f.plan.id).info.title == "Breathe easier, sleep better") { "now" }
        expectThrows<PphException.NotFound> { f.plans.planAsOf(f.plan.id, Instant.parse("2000-01-01T00:00:00Z")) }
    }

    test("bad input raises the typed error and writes nothing") {
        val f = build(companion)
        val e = expectThrows<PphException.Validation> {
            f.plans.addActivity(
                f.goal.id,
                NewActivity("x", Responsible.Me, Schedule(repeat = Repeat.TimesPerWeek(0u), start = "2026-03-02")),
            )
        }
        check(e.field == "schedule.times") { "field ${e.field}" }
        val end = expectThrows<PphException.Validation> {
            f.plans.addActivity(
                f.goal.id,
                NewActivity("x", Responsible.Me, Schedule(repeat = Repeat.Daily, start = "2026-03-02", end = "2026-03-01")),
            )
        }
        check(end.field == "schedule.end") { "field ${end.field}" }
        check(f.plans.plan(f.plan.id).activities.size == 1) { "nothing written" }
        expectThrows<PphException.NotFound> { f.plans.plan("01900000-0000-7000-8000-00000000dead") }
    }

    test("budget: valid and ineligible spends, a reversal, the summary") {
        val budgets = companion.budgets()
        val budget = budgets.createBudget(
            NewBudget(
                name = "Mobility PHB",
                holding = BudgetHolding.THIRD_PARTY,
                periodStart = "2026-04-01",
                periodEnd = "2027-03-31",
                allocationPence = 365_000L,
                currency = "GBP",
            ),
        )
        val line = budgets.addLine(budget.id, NewBudgetLine(category = "Pulmonary rehab", plannedPence = 50_000L))
        fun spend(category: String, pence: Long) = NewSpend(
            lineId = line.id, date = "2026-04-10", payee = "Breathe Well", category = category,
            amountPence = pence, currency = "GBP",
        )
        val ok = budgets.recordSpend(budget.id, spend("classes", 12_500L))
        val refused = expectThrows<PphException.Validation> { budgets.recordSpend(budget.id, spend("Gambling", 500L)) }
        check(refused.field == "category") { "field ${refused.field}" }
        budgets.reverseSpend(ok.spend.id, "Cancelled class", "2026-04-11")
        budgets.recordSpend(budget.id, spend("classes", 60_000L)).also { r ->
            check(r.warnings.size == 1 && r.warnings[0] is BudgetWarning.LineOverspent) { "warned ${r.warnings}" }
        }
        val summary = budgets.summary(budget.id, "2026-04-30")
        check(summary.spentPence == 72_500L && summary.reversedPence == 12_500L) { "summary $summary" }
        check(summary.remainingPence == 365_000L - 60_000L) { "remaining ${summary.remainingPence}" }
        check(summary.warnings.any { it is BudgetWarning.SpendsWithoutReceipt }) { "receipts ${summary.warnings}" }
    }

    test("diary: log entries, PHQ-9 item 9 flag, weekly trend") {
        val diary = companion.diary()
        val breathlessness = "00000000-0000-7000-8000-00000000a001"
        listOf(2 to 4.0, 3 to 6.0, 9 to 2.0).forEach { (day, value) ->
            diary.logEntry(
                NewEntry(
                    recordedAt = Instant.parse("2026-03-%02dT09:00:00Z".format(day)),
                    utcOffsetMinutes = 60,
                    ratings = listOf(Rating(breathlessness, value)),
                    note = "walked to the shop",
                ),
            )
        }
        val weeks = diary.trend(breathlessness, "2026-03-01", "2026-03-31", Bucket.WEEK)
        check(weeks.map { it.start to it.count.toInt() } == listOf("2026-03-02" to 2, "2026-03-09" to 1)) { "weeks $weeks" }
        check(weeks[0].mean == 5.0) { "mean ${weeks[0].mean}" }
        val answers = (1..9).map { Answer(it.toString(), if (it == 9) 2 else 1) }
        val result = diary.submitQuestionnaire("phq9", answers, Instant.parse("2026-03-09T10:00:00Z"), 0)
        check(result.score == 10 && result.band == "moderate") { "scored ${result.score} ${result.band}" }
        check(result.flags.single().flag == "self_harm_thoughts") { "flags ${result.flags}" }
        val missing = expectThrows<PphException.Validation> {
            diary.submitQuestionnaire("phq9", answers.dropLast(1), Instant.parse("2026-03-09T10:00:00Z"), 0)
        }
        check(missing.field == "answers.9") { "field ${missing.field}" }
    }

    test("a wrong key is refused") {
        expectThrows<PphException.WrongKey> { openStore(path, ByteArray(32)) }
    }

    companion.close()
    syncSuite(::test)
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
