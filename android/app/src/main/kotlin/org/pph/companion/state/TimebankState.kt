// A group's timebank screen: offers and requests, my balance, what waits for
// me to confirm and what waits for others, my history a page at a time, and
// (for facilitators) everyone's balance. Every refusal (past a limit, not
// mine to confirm) shows as an error and changes nothing.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock
import java.time.LocalDate

data class TimebankUi(
    val overview: TimebankOverview? = null,
    /// My exchanges, newest first, as far as loaded.
    val history: List<ExchangeView> = emptyList(),
    val olderCursor: String? = null,
    /// Facilitators: everyone's balance.
    val balances: List<MemberBalance> = emptyList(),
    val error: String? = null,
)

class TimebankState(
    private val companion: PphCompanion,
    private val groupId: String,
    private val clock: Clock = Clock.systemDefaultZone(),
    private val pageSize: UInt = 50u,
) {
    private val _ui = MutableStateFlow(TimebankUi())
    val ui: StateFlow<TimebankUi> = _ui.asStateFlow()
    private val bank get() = companion.timebank()

    private fun guard(change: () -> Unit) {
        _ui.value = try {
            change()
            val page = bank.history(groupId, pageSize, null)
            TimebankUi(bank.overview(groupId), page.exchanges, page.next, _ui.value.balances)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    fun refresh() = guard {}

    fun loadOlder() {
        val cursor = _ui.value.olderCursor ?: return
        try {
            val page = bank.history(groupId, pageSize, cursor)
            _ui.value = _ui.value.copy(history = _ui.value.history + page.exchanges, olderCursor = page.next)
        } catch (e: PphException) {
            _ui.value = _ui.value.copy(error = describe(e))
        }
    }

    fun post(kind: PostKind, category: TimeCategory, text: String, goalId: String? = null) = guard {
        bank.post(groupId, NewPost(kind, category, text, goalId))
    }

    fun closePost(postId: String) = guard { bank.closePost(postId) }

    /// Time I gave a member (picked from the group's members), today.
    fun give(member: GroupMember, minutes: UInt, category: TimeCategory, note: String = "", postId: String? = null) = guard {
        bank.recordExchange(
            groupId,
            NewExchange(member.accountId, member.displayName, minutes, category, LocalDate.now(clock).toString(), note, postId),
        )
    }

    fun confirm(exchangeId: String) = guard { bank.confirmExchange(exchangeId) }

    fun withdraw(exchangeId: String) = guard { bank.withdrawExchange(exchangeId) }

    fun reverse(exchangeId: String, note: String = "") = guard { bank.reverseExchange(exchangeId, note) }

    /// Facilitators: turn it on with limits, see everyone's balance, and
    /// share the group's totals.
    fun setRules(on: Boolean, lowerHours: Int, upperHours: Int) = guard {
        bank.setRules(groupId, TimebankRules(on, lowerHours * 60L, upperHours * 60L))
    }

    fun loadBalances() {
        try {
            _ui.value = _ui.value.copy(balances = bank.balances(groupId), error = null)
        } catch (e: PphException) {
            _ui.value = _ui.value.copy(error = describe(e))
        }
    }

    fun shareTotals() = guard { bank.shareTotals(groupId) }
}

/// Minutes as people read them: "+1 h 30 min", "-45 min", "0 h".
fun hours(minutes: Long): String {
    if (minutes == 0L) return "0 h"
    val sign = if (minutes < 0) "-" else "+"
    val m = kotlin.math.abs(minutes)
    return when {
        m < 60 -> "$sign$m min"
        m % 60 == 0L -> "$sign${m / 60} h"
        else -> "$sign${m / 60} h ${m % 60} min"
    }
}
