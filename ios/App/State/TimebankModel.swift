// A group's timebank screen: offers and requests, my balance, what waits for
// me to confirm and what waits for others, my history a page at a time, and
// (for facilitators) everyone's balance. Mirrors android's TimebankState.
import Combine
import Foundation
import PphCore

struct TimebankUi: Equatable {
    var overview: TimebankOverview?
    /// My exchanges, newest first, as far as loaded.
    var history: [ExchangeView] = []
    var olderCursor: String?
    /// Facilitators: everyone's balance.
    var balances: [MemberBalance] = []
    var error: String?
}

@MainActor
final class TimebankModel: ObservableObject {
    @Published private(set) var ui = TimebankUi()
    private let companion: PphCompanion
    let groupId: String
    private let pageSize: UInt32

    init(companion: PphCompanion, groupId: String, pageSize: UInt32 = 50) {
        self.companion = companion
        self.groupId = groupId
        self.pageSize = pageSize
    }

    private var bank: Timebank { companion.timebank() }

    private func guarded(_ change: () throws -> Void) {
        do {
            try change()
            let page = try bank.history(groupId: groupId, limit: pageSize, before: nil)
            ui = TimebankUi(overview: try bank.overview(groupId: groupId), history: page.exchanges,
                            olderCursor: page.next, balances: ui.balances)
        } catch {
            ui.error = describe(error)
        }
    }

    func refresh() { guarded {} }

    func loadOlder() {
        guard let cursor = ui.olderCursor else { return }
        do {
            let page = try bank.history(groupId: groupId, limit: pageSize, before: cursor)
            ui.history += page.exchanges
            ui.olderCursor = page.next
        } catch {
            ui.error = describe(error)
        }
    }

    func post(kind: PostKind, category: TimeCategory, text: String, goalId: String? = nil) {
        guarded {
            _ = try bank.post(groupId: groupId, new: NewPost(kind: kind, category: category, text: text, goalId: goalId))
        }
    }

    func closePost(postId: String) { guarded { _ = try bank.closePost(postId: postId) } }

    /// Time I gave a member (picked from the group's members), today.
    func give(to member: GroupMember, minutes: UInt32, category: TimeCategory, note: String = "", postId: String? = nil) {
        guarded {
            _ = try bank.recordExchange(groupId: groupId, new: NewExchange(
                receiverId: member.accountId, receiverName: member.displayName, minutes: minutes,
                category: category, onDate: localDay(), note: note, postId: postId))
        }
    }

    func confirm(exchangeId: String) { guarded { _ = try bank.confirmExchange(exchangeId: exchangeId) } }

    func withdraw(exchangeId: String) { guarded { _ = try bank.withdrawExchange(exchangeId: exchangeId) } }

    func reverse(exchangeId: String, note: String = "") {
        guarded { _ = try bank.reverseExchange(exchangeId: exchangeId, note: note) }
    }

    /// Facilitators: turn it on with limits, see everyone's balance, and
    /// share the group's totals.
    func setRules(on: Bool, lowerHours: Int64, upperHours: Int64) {
        guarded {
            _ = try bank.setRules(groupId: groupId, rules: TimebankRules(
                on: on, lowerLimitMinutes: lowerHours * 60, upperLimitMinutes: upperHours * 60))
        }
    }

    func loadBalances() {
        do {
            ui.balances = try bank.balances(groupId: groupId)
            ui.error = nil
        } catch {
            ui.error = describe(error)
        }
    }

    func shareTotals() { guarded { _ = try bank.shareTotals(groupId: groupId) } }
}

/// Minutes as people read them: "+1 h 30 min", "-45 min", "0 h".
func hours(_ minutes: Int64) -> String {
    if minutes == 0 { return "0 h" }
    let sign = minutes < 0 ? "-" : "+"
    let m = abs(minutes)
    if m < 60 { return "\(sign)\(m) min" }
    return m % 60 == 0 ? "\(sign)\(m / 60) h" : "\(sign)\(m / 60) h \(m % 60) min"
}
