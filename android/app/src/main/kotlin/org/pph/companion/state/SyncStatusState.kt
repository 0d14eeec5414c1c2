// The sync status line every screen shows: state, pending changes, refused
// ones, when the background job will try again. Fed by the core's listener.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*

class SyncStatusState(private val companion: PphCompanion) : AutoCloseable {
    private val _status = MutableStateFlow(companion.sync().status())
    val status: StateFlow<SyncStatus> = _status.asStateFlow()

    private val handle: ListenerHandle = companion.sync().setListener(
        object : SyncListener {
            override fun onStatus(status: SyncStatus) {
                _status.value = status
            }
        },
    )

    /// Re-reads the status after local writes (the listener reports the
    /// sync's own changes; a new entry only adds to the pending count).
    fun refresh() {
        _status.value = companion.sync().status()
    }

    /// One line for the person.
    fun summary(): String {
        val s = _status.value
        return when (s.state) {
            SyncState.SIGNED_OUT -> "Only on this phone"
            SyncState.SYNCING -> "Syncing…"
            SyncState.OFFLINE -> "Offline: ${s.pendingChanges} change(s) will be sent later"
            SyncState.UNAUTHORIZED -> "Please sign in again"
            SyncState.FAILED -> "Sync failed; it will try again"
            SyncState.IDLE -> when {
                s.refusedChanges > 0uL -> "${s.refusedChanges} message(s) could not be sent"
                s.pendingChanges > 0uL -> "${s.pendingChanges} change(s) waiting to sync"
                else -> "Up to date"
            }
        }
    }

    override fun close() = handle.cancel()
}
