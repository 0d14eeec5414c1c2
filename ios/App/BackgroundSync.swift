// Background sync: a BGAppRefreshTask calling syncNow(); the next one is
// scheduled each time (iOS decides when it runs). Info.plist lists the
// identifier under BGTaskSchedulerPermittedIdentifiers.
import BackgroundTasks
import PphCore

enum BackgroundSync {
    static let identifier = "org.pph.companion.sync"

    static func register(companion: PphCompanion, reminders: ReminderPlanner) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule()
            let work = Task {
                do {
                    _ = try await companion.sync().syncNow()
                    // Pulled changes (a plan edited elsewhere, a new meetup) move reminders.
                    _ = reminders.reschedule()
                    task.setTaskCompleted(success: true)
                } catch {
                    task.setTaskCompleted(success: false)
                }
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }
}
