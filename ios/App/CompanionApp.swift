// The SwiftUI app: opens the one store, registers background sync, and
// shows a tab per screen over the sync status line. Every action is a call
// into the core, through the state holders in State/.
import BackgroundTasks
import PphCore
import SwiftUI
import UIKit

@main
struct CompanionApp: App {
    let companion: PphCompanion
    let reminders: ReminderPlanner
    /// From Info.plist (PphServerURL), so each deployment points at its own relay.
    let serverUrl = Bundle.main.object(forInfoDictionaryKey: "PphServerURL") as? String ?? ""

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A store that cannot open is unrecoverable here: nothing is deleted.
        companion = try! PphCompanion.open(config: CompanionConfig(
            dbPath: dir.appendingPathComponent("companion.db").path,
            encryptionKey: try! StoreKey.load(),
            deviceName: UIDevice.current.name
        ))
        reminders = ReminderPlanner(companion: companion, scheduler: ReminderNotifications())
        BackgroundSync.register(companion: companion, reminders: reminders)
        ReminderNotifications.requestAuthorisation()
        // A new zone (travel) or a clock change: ask the core again.
        let planner = reminders
        NotificationCenter.default.addObserver(
            forName: .NSSystemTimeZoneDidChange, object: nil, queue: .main) { _ in _ = planner.reschedule() }
        NotificationCenter.default.addObserver(
            forName: .NSSystemClockDidChange, object: nil, queue: .main) { _ in _ = planner.reschedule() }
        _ = reminders.reschedule()
    }

    var body: some Scene {
        WindowGroup {
            VStack(spacing: 0) {
                SyncStatusLine(model: SyncStatusModel(companion: companion))
                TabView {
                    TodayScreen(model: TodayModel(companion: companion, reminders: reminders)).tabItem { Text("Today") }
                    DiaryView(model: DiaryModel(companion: companion)).tabItem { Text("Diary") }
                    CarePlanView(model: CarePlanModel(companion: companion)).tabItem { Text("My plan") }
                    BudgetView(model: BudgetModel(companion: companion)).tabItem { Text("Budget") }
                    GroupsView(companion: companion, model: GroupsModel(companion: companion))
                        .tabItem { Text("Groups") }
                    ShareView(model: SharingModel(companion: companion)).tabItem { Text("Share") }
                    ClinicianView(model: ClinicianModel(companion: companion)).tabItem { Text("Clinician") }
                    AccountView(model: AccountModel(companion: companion, serverUrl: serverUrl))
                        .tabItem { Text("Account") }
                }
            }
            .onAppear { BackgroundSync.schedule() }
        }
    }
}

struct SyncStatusLine: View {
    @StateObject var model: SyncStatusModel
    var body: some View {
        Text(model.summary).font(.footnote).padding(4)
    }
}
