// Sharing with a clinician (patient side) and the clinician mode: patients
// sharing with me and one consultation summary. Network calls are async.
// Mirrors android's SharingState and ClinicianState.
import Combine
import Foundation
import PphCore

struct SharingUi: Equatable {
    var shares: [Share] = []
    /// Who read my shared records, which parts, when; newest first.
    var accesses: [ShareAccess] = []
    var error: String?
}

@MainActor
final class SharingModel: ObservableObject {
    @Published private(set) var ui = SharingUi()
    let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    private func guarded(_ change: () async throws -> Void) async {
        do {
            try await change()
            ui = SharingUi(shares: try await companion.sharing().shares(),
                           accesses: try await companion.sharing().shareAccessLog())
        } catch {
            ui.error = describe(error)
        }
    }

    func refresh() async { await guarded {} }

    func grant(clinicianEmail: String, scopes: [ShareScope], until: Date) async {
        await guarded {
            _ = try await companion.sharing().grantShare(
                clinicianEmail: clinicianEmail, scopes: scopes,
                expiresAt: until)
        }
    }

    func revoke(shareId: String) async {
        await guarded { try await companion.sharing().revokeShare(shareId: shareId) }
    }
}

struct ClinicianUi: Equatable {
    var patients: [SharedPatient] = []
    var summary: ConsultationSummary?
    var error: String?
}

@MainActor
final class ClinicianModel: ObservableObject {
    static let noLongerShared = "This patient no longer shares their records with you"
    @Published private(set) var ui = ClinicianUi()
    let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    /// Syncs, then lists who shares with me now; offline, the last synced
    /// list still serves the consultation.
    func refresh() async {
        var error: String?
        do { _ = try await companion.sync().syncNow() } catch let e { error = describe(e) }
        do {
            ui = ClinicianUi(patients: try companion.sharing().sharedWithMe(), error: error)
        } catch let e {
            ui.error = describe(e)
        }
    }

    func open(patientSpace: String) {
        do {
            ui.summary = try companion.sharing().consultationSummary(patientSpace: patientSpace)
            ui.error = nil
        } catch PphError.Unauthorized {
            ui.summary = nil
            ui.error = Self.noLongerShared
        } catch {
            ui.summary = nil
            ui.error = describe(error)
        }
    }
}
