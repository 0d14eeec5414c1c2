// Sync through the generated Kotlin bindings: suspend functions on
// kotlinx.coroutines, a listener implemented in Kotlin, against the real
// server the Rust harness starts (PPH_TEST_SERVER_URL), signing up with
// the code it mails (org.pph.companion.state.signUpWithMail).

import kotlinx.coroutines.runBlocking
import org.pph.companion.state.signUpWithMail
import uniffi.pph.*
import java.nio.file.Files
import java.util.UUID

private class StateRecorder : SyncListener {
    val states = mutableListOf<SyncState>()
    override fun onStatus(status: SyncStatus) {
        synchronized(states) { states.add(status.state) }
    }
}

fun syncSuite(run: (String, () -> Unit) -> Unit) {
    val server = System.getenv("PPH_TEST_SERVER_URL") ?: return
    val dir = Files.createTempDirectory("pph-kotlin-sync")
    val key = ByteArray(32) { (it * 3).toByte() }
    fun store(name: String) =
        PphCompanion.open(CompanionConfig(dbPath = dir.resolve("$name.db").toString(), encryptionKey = key, deviceName = name))
    val password = "a long enough password"

    run("sync: sign up, push, share with a clinician, revoke") {
        runBlocking {
            val phone = store("phone")
            val email = "kt-${UUID.randomUUID()}@example.org"
            signUpWithMail(phone, server, email, password, "Kt Patient", AccountRole.PATIENT)
            val plan = phone.carePlans().createPlan(NewPlan(title = "Breathe easier", whatMatters = "", nextReview = null))
            val recorder = StateRecorder()
            val handle = phone.sync().setListener(recorder)
            val report = phone.sync().syncNow()
            if (report.pushed != 1u) throw AssertionError("pushed ${report.pushed}")
            if (recorder.states.last() != SyncState.IDLE) throw AssertionError("states ${recorder.states}")
            handle.cancel()

            val clinic = store("clinic")
            val doctor = "dr-${UUID.randomUUID()}@example.org"
            signUpWithMail(clinic, server, doctor, password, "Dr Kt", AccountRole.CLINICIAN)
            val share = phone.sharing().grantShare(doctor, listOf(ShareScope.CARE_PLAN, ShareScope.DIARY), java.time.Instant.now().plusSeconds(3_600))
            clinic.sync().syncNow()
            val patient = clinic.sharing().sharedWithMe().single()
            val summary = clinic.sharing().consultationSummary(patient.patientSpace)
            if (summary.carePlan?.info?.id != plan.id) throw AssertionError("summary ${summary.carePlan}")
            phone.sharing().revokeShare(share.shareId)
            clinic.sync().syncNow()
            if (clinic.sharing().sharedWithMe().isNotEmpty()) throw AssertionError("still shared")
            try {
                clinic.sharing().consultationSummary(patient.patientSpace)
                throw AssertionError("summary after revocation")
            } catch (e: PphException.Unauthorized) {
            }
        }
    }

    run("sync: a wrong password is refused with Unauthorized") {
        runBlocking {
            val phone = store("other")
            try {
                phone.account().signIn(server, "nobody@example.org", password)
                throw AssertionError("signed in")
            } catch (e: PphException.Unauthorized) {
            }
        }
    }
}
