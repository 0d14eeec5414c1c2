// Comparing safety numbers with a clinician in the consultation room or a
// member at a meetup, and the warnings when someone's identity changed
// (docs/adr/0018): no key goes to or comes from a changed identity until
// the person compares the new number and accepts it. Mirrors android's
// VerifyState.
import Combine
import Foundation
import PphCore

struct VerifyUi: Equatable {
    /// The number shown, to read out or hold beside the other phone's.
    var number: SafetyNumber?
    /// Accounts served with a new identity, waiting for the person.
    var warnings: [IdentityWarning] = []
    var error: String?
}

@MainActor
final class VerifyModel: ObservableObject {
    static let notSeenYet = "Sync first: this phone has not seen that account's identity yet"
    static let nothingWaiting = "That account's identity has not changed"
    @Published private(set) var ui = VerifyUi()
    private let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    private func guarded(notFound: String = VerifyModel.notSeenYet, _ change: () throws -> VerifyUi) {
        do {
            ui = try change()
        } catch PphError.NotFound {
            ui.error = notFound
        } catch {
            ui.error = describe(error)
        }
    }

    private func warnings() throws -> [IdentityWarning] { try companion.account().identityWarnings() }

    func refresh() { guarded { VerifyUi(number: ui.number, warnings: try warnings()) } }

    /// Shows the number to compare with `accountId` (a share's clinician, a
    /// shared patient, a group member).
    func show(accountId: String) {
        guarded { VerifyUi(number: try companion.account().safetyNumber(accountId: accountId), warnings: try warnings()) }
    }

    /// The numbers matched on both phones: marks the account verified.
    func confirm() {
        guard let shown = ui.number else { return }
        guarded {
            try companion.account().markVerified(accountId: shown.accountId, digits: shown.digits)
            return VerifyUi(number: try companion.account().safetyNumber(accountId: shown.accountId),
                            warnings: try warnings())
        }
    }

    /// Takes a changed identity, once its new number was compared.
    func accept(accountId: String) {
        guarded(notFound: Self.nothingWaiting) {
            try companion.account().acceptIdentityChange(accountId: accountId)
            return VerifyUi(number: try companion.account().safetyNumber(accountId: accountId), warnings: try warnings())
        }
    }

    /// How a warning reads: louder when the old identity was verified.
    static func warningText(_ w: IdentityWarning) -> String {
        w.wasVerified
            ? "Warning: an account you verified now has a different identity. Nothing is shared with it until you compare safety numbers again in person."
            : "An account's identity changed. Nothing is shared with it until you compare safety numbers and accept the change."
    }
}
