// Sharing with a clinician (patient side) and the clinician mode: the
// patients sharing with me and one consultation summary. Network calls are
// suspend functions, called from the screen's coroutine scope.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*

data class SharingUi(
    val shares: List<Share> = emptyList(),
    /// Who read my shared records, which parts, when; newest first.
    val accesses: List<ShareAccess> = emptyList(),
    val error: String? = null,
)

class SharingState(private val companion: PphCompanion) {
    private val _ui = MutableStateFlow(SharingUi())
    val ui: StateFlow<SharingUi> = _ui.asStateFlow()

    private suspend fun guard(change: suspend () -> SharingUi) {
        _ui.value = try {
            change()
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    private suspend fun current() = SharingUi(companion.sharing().shares(), companion.sharing().shareAccessLog())

    suspend fun refresh() = guard { current() }

    suspend fun grant(clinicianEmail: String, scopes: List<ShareScope>, until: java.time.Instant) = guard {
        companion.sharing().grantShare(clinicianEmail, scopes, until)
        current()
    }

    suspend fun revoke(shareId: String) = guard {
        companion.sharing().revokeShare(shareId)
        current()
    }
}

data class ClinicianUi(
    val patients: List<SharedPatient> = emptyList(),
    val summary: ConsultationSummary? = null,
    val error: String? = null,
)

class ClinicianState(private val companion: PphCompanion) {
    private val _ui = MutableStateFlow(ClinicianUi())
    val ui: StateFlow<ClinicianUi> = _ui.asStateFlow()

    /// Syncs, then lists who shares with me now.
    suspend fun refresh() {
        _ui.value = try {
            companion.sync().syncNow()
            ClinicianUi(companion.sharing().sharedWithMe())
        } catch (e: PphException) {
            // Offline, the last synced list still serves the consultation.
            ClinicianUi(companion.sharing().sharedWithMe(), error = describe(e))
        }
    }

    fun open(patientSpace: String) {
        _ui.value = try {
            _ui.value.copy(summary = companion.sharing().consultationSummary(patientSpace), error = null)
        } catch (e: PphException.Unauthorized) {
            _ui.value.copy(summary = null, error = NO_LONGER_SHARED)
        } catch (e: PphException) {
            _ui.value.copy(summary = null, error = describe(e))
        }
    }

    companion object {
        const val NO_LONGER_SHARED = "This patient no longer shares their records with you"
    }
}
