// The SwiftUI app: opens the one store, registers background sync, and
// shows a tab per screen. Every action is a call into the core.
import BackgroundTasks
import PphCore
import SwiftUI
import UIKit

@main
struct CompanionApp: App {
    let companion: PphCompanion

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A store that cannot open is unrecoverable here: nothing is deleted.
        companion = try! PphCompanion.open(config: CompanionConfig(
            dbPath: dir.appendingPathComponent("companion.db").path,
            encryptionKey: try! StoreKey.load(),
            deviceName: UIDevice.current.name
        ))
        BackgroundSync.register(companion: companion)
    }

    var body: some Scene {
        WindowGroup {
            TabView {
                TodayView(companion: companion).tabItem { Text("Today") }
                DiaryView(companion: companion).tabItem { Text("Diary") }
                CarePlanView(companion: companion).tabItem { Text("My plan") }
                BudgetView(companion: companion).tabItem { Text("Budget") }
                GroupsView(companion: companion).tabItem { Text("Groups") }
                ShareView(companion: companion).tabItem { Text("Share") }
                ClinicianView(companion: companion).tabItem { Text("Clinician") }
            }
            .onAppear { BackgroundSync.schedule() }
        }
    }
}
