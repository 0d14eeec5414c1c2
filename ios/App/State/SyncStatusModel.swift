// The sync status line every screen shows, fed by the core's listener (called
// on a core thread, delivered on the main actor). Mirrors android's
// SyncStatusState.
import Combine
import Foundation
import PphCore

/// Forwards the core's status reports to the main actor.
private final class StatusForwarder: SyncListener, @unchecked Sendable {
    private let deliver: @Sendable (SyncStatus) -> Void
    init(_ deliver: @escaping @Sendable (SyncStatus) -> Void) { self.deliver = deliver }
    func onStatus(status: SyncStatus) { deliver(status) }
}

@MainActor
final class SyncStatusModel: ObservableObject {
    @Published private(set) var status: SyncStatus?
    private let companion: PphCompanion
    /// Cancelled when the model goes (deinit is not on the main actor).
    nonisolated(unsafe) private var handle: ListenerHandle?

    init(companion: PphCompanion) {
        self.companion = companion
        status = try? companion.sync().status()
        handle = companion.sync().setListener(listener: StatusForwarder { [weak self] status in
            Task { @MainActor in self?.status = status }
        })
    }

    deinit { handle?.cancel() }

    /// Re-reads the status after local writes (the listener reports the
    /// sync's own changes; a new entry only adds to the pending count).
    func refresh() { status = try? companion.sync().status() }

    /// One line for the person.
    var summary: String {
        guard let s = status else { return "" }
        switch s.state {
        case .signedOut: return "Only on this phone"
        case .syncing: return "Syncing…"
        case .offline: return "Offline: \(s.pendingChanges) change(s) will be sent later"
        case .unauthorized: return "Please sign in again"
        case .failed: return "Sync failed; it will try again"
        case .idle:
            if s.refusedChanges > 0 { return "\(s.refusedChanges) message(s) could not be sent" }
            if s.pendingChanges > 0 { return "\(s.pendingChanges) change(s) waiting to sync" }
            return "Up to date"
        }
    }
}
