// A group's chat screen: pages of messages (newest first, loading older on
// scroll), posting that shows at once as pending, reactions, read marks,
// and resend or discard for a message the server refused.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*

data class ChatUi(
    /// Newest first, as loaded so far.
    val messages: List<ChatMessage> = emptyList(),
    val olderCursor: String? = null,
    val unread: UInt = 0u,
    val error: String? = null,
)

class ChatState(
    private val companion: PphCompanion,
    private val groupId: String,
    private val pageSize: UInt = 50u,
) {
    private val _ui = MutableStateFlow(ChatUi())
    val ui: StateFlow<ChatUi> = _ui.asStateFlow()

    private fun guard(change: () -> ChatUi) {
        _ui.value = try {
            change()
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// The latest page, replacing what was loaded.
    fun refresh() = guard {
        val groups = companion.groups()
        val page = groups.messages(groupId, pageSize, null)
        ChatUi(page.messages, page.next, groups.unreadCount(groupId))
    }

    fun loadOlder() = guard {
        val cursor = _ui.value.olderCursor ?: return@guard _ui.value
        val page = companion.groups().messages(groupId, pageSize, cursor)
        _ui.value.copy(messages = _ui.value.messages + page.messages, olderCursor = page.next)
    }

    fun post(body: String, replyTo: String? = null) = guard {
        companion.groups().postMessage(groupId, body, replyTo)
        refresh()
        _ui.value
    }

    fun react(messageId: String, emoji: String, on: Boolean) = guard {
        companion.groups().react(messageId, emoji, on)
        refresh()
        _ui.value
    }

    /// The person has seen the chat up to now.
    fun markRead() = guard {
        companion.groups().markRead(groupId)
        _ui.value.copy(unread = 0u)
    }

    fun resend(messageId: String) = guard {
        companion.groups().resendMessage(messageId)
        refresh()
        _ui.value
    }

    fun discard(messageId: String) = guard {
        companion.groups().discardMessage(messageId)
        refresh()
        _ui.value
    }
}
