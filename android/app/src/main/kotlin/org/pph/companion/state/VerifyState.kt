// Comparing safety numbers with a clinician in the consultation room or a
// member at a meetup, and the warnings when someone's identity changed
// (docs/adr/0018): no key goes to or comes from a changed identity until
// the person compares the new number and accepts it.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*

data class VerifyUi(
    /// The number shown, to read out or hold beside the other phone's.
    val number: SafetyNumber? = null,
    /// Accounts served with a new identity, waiting for the person.
    val warnings: List<IdentityWarning> = emptyList(),
    val error: String? = null,
)

class VerifyState(private val companion: PphCompanion) {
    private val _ui = MutableStateFlow(VerifyUi())
    val ui: StateFlow<VerifyUi> = _ui.asStateFlow()

    private fun guard(notFound: String = NOT_SEEN_YET, change: () -> VerifyUi) {
        _ui.value = try {
            change()
        } catch (e: PphException.NotFound) {
            _ui.value.copy(error = notFound)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    private fun warnings() = companion.account().identityWarnings()

    fun refresh() = guard { _ui.value.copy(warnings = warnings(), error = null) }

    /// Shows the number to compare with `accountId` (a share's clinician, a
    /// shared patient, a group member).
    fun show(accountId: String) = guard {
        VerifyUi(number = companion.account().safetyNumber(accountId), warnings = warnings())
    }

    /// The numbers matched on both phones: marks the account verified.
    fun confirm() = guard {
        val shown = _ui.value.number ?: return@guard _ui.value
        companion.account().markVerified(shown.accountId, shown.digits)
        _ui.value.copy(number = companion.account().safetyNumber(shown.accountId), error = null)
    }

    /// Takes a changed identity, once its new number was compared.
    fun accept(accountId: String) = guard(NOTHING_WAITING) {
        companion.account().acceptIdentityChange(accountId)
        VerifyUi(number = companion.account().safetyNumber(accountId), warnings = warnings())
    }

    companion object {
        const val NOT_SEEN_YET = "Sync first: this phone has not seen that account's identity yet"
        const val NOTHING_WAITING = "That account's identity has not changed"

        /// How a warning reads: louder when the old identity was verified.
        fun warningText(w: IdentityWarning): String =
            if (w.wasVerified) {
                "Warning: an account you verified now has a different identity. Nothing is shared with it " +
                    "until you compare safety numbers again in person."
            } else {
                "An account's identity changed. Nothing is shared with it until you compare safety numbers " +
                    "and accept the change."
            }
    }
}
