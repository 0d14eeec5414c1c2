// What crossing the boundary costs from Kotlin on the JVM (uniffi's
// generated bindings over JNA), per call: the same calls as
// ffi_cost.py. Run by scripts/bench-ffi.sh; prints one line each.
import java.nio.file.Files
import java.time.Instant
import uniffi.pph.*

const val BREATHLESSNESS = "00000000-0000-7000-8000-00000000a001"

fun perCall(label: String, rounds: Int, call: () -> Unit) {
    repeat(rounds) { call() } // warm the JIT
    var best = Long.MAX_VALUE
    repeat(5) {
        val start = System.nanoTime()
        repeat(rounds) { call() }
        best = minOf(best, (System.nanoTime() - start) / rounds)
    }
    println("kotlin  %-44s %10.1f us per call".format(label, best / 1000.0))
}

fun main() {
    val dir = Files.createTempDirectory("pph-ffi-bench")
    val companion = PphCompanion.open(
        CompanionConfig(dbPath = dir.resolve("bench.db").toString(), encryptionKey = ByteArray(32) { it.toByte() }, deviceName = "bench"),
    )
    val diary = companion.diary()
    val start = Instant.parse("2026-01-01T09:00:00Z")
    diary.importEntries(
        (0 until 600).map { i ->
            NewEntry(
                recordedAt = start.plusSeconds(12L * 3600 * i),
                utcOffsetMinutes = 0,
                ratings = listOf(Rating(BREATHLESSNESS, (i % 11).toDouble())),
                note = if (i % 3 == 0) "walked to the shop" else null,
                tags = if (i % 4 == 0) listOf("poor_sleep") else emptyList(),
                medications = emptyList(),
            )
        },
    )
    val warning = BudgetWarning.ProjectedOverspend(12_345)
    perCall("pure call (describeBudgetWarning)", 20_000) { describeBudgetWarning(warning) }
    perCall("small read (listSymptoms)", 2_000) { diary.listSymptoms() }
    check(diary.entries("2026-01-01", "2026-12-31", 200u, null).entries.size == 200)
    perCall("page of 200 diary entries", 100) { diary.entries("2026-01-01", "2026-12-31", 200u, null) }
    check(diary.trend(BREATHLESSNESS, "2026-03-01", "2026-03-31", Bucket.DAY).size == 31)
    perCall("month of daily trend points (31)", 500) { diary.trend(BREATHLESSNESS, "2026-03-01", "2026-03-31", Bucket.DAY) }
    companion.close()
    dir.toFile().deleteRecursively()
}
