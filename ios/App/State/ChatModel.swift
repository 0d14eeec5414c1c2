// A group's chat: pages of messages (newest first, older on scroll), posting
// that shows at once as pending, reactions, read marks, and resend or
// discard for a message the server refused. Mirrors android's ChatState.
import Combine
import Foundation
import PphCore

struct ChatUi: Equatable {
    /// Newest first, as loaded so far.
    var messages: [ChatMessage] = []
    var olderCursor: String?
    var unread: UInt32 = 0
    var error: String?
}

@MainActor
final class ChatModel: ObservableObject {
    @Published private(set) var ui = ChatUi()
    private let companion: PphCompanion
    let groupId: String
    private let pageSize: UInt32

    init(companion: PphCompanion, groupId: String, pageSize: UInt32 = 50) {
        self.companion = companion
        self.groupId = groupId
        self.pageSize = pageSize
    }

    private func guarded(_ change: () throws -> Void) {
        do { try change() } catch { ui.error = describe(error) }
    }

    /// The latest page, replacing what was loaded.
    func refresh() {
        guarded {
            let groups = companion.groups()
            let page = try groups.messages(groupId: groupId, limit: pageSize, before: nil)
            ui = ChatUi(messages: page.messages, olderCursor: page.next,
                        unread: try groups.unreadCount(groupId: groupId))
        }
    }

    func loadOlder() {
        guard let cursor = ui.olderCursor else { return }
        guarded {
            let page = try companion.groups().messages(groupId: groupId, limit: pageSize, before: cursor)
            ui.messages += page.messages
            ui.olderCursor = page.next
        }
    }

    func post(_ body: String, replyTo: String? = nil) {
        guarded {
            _ = try companion.groups().postMessage(groupId: groupId, body: body, replyTo: replyTo)
            refresh()
        }
    }

    func react(messageId: String, emoji: String, on: Bool) {
        guarded {
            try companion.groups().react(messageId: messageId, emoji: emoji, on: on)
            refresh()
        }
    }

    /// The person has seen the chat up to now.
    func markRead() {
        guarded {
            try companion.groups().markRead(groupId: groupId)
            ui.unread = 0
        }
    }

    func resend(messageId: String) {
        guarded {
            _ = try companion.groups().resendMessage(messageId: messageId)
            refresh()
        }
    }

    func discard(messageId: String) {
        guarded {
            try companion.groups().discardMessage(messageId: messageId)
            refresh()
        }
    }
}
