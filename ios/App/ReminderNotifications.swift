// The platform half of reminders: local notifications through
// UNUserNotificationCenter for the soonest 64 occurrences the core returns,
// with the core's `title` as the text (generic unless the person turned
// detailed text on). Authorisation is asked for on first launch. Not
// compiled here (no Apple SDK on Linux); ReminderPlanner, which decides
// what to schedule, is tested with the state holders.
import Foundation
import PphCore
import UserNotifications

final class ReminderNotifications: ReminderScheduler {
    private let center = UNUserNotificationCenter.current()
    private static let prefix = "pph-reminder:"

    static func requestAuthorisation() {
        UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge]) { _, _ in }
    }

    func replaceAll(_ reminders: [UpcomingReminder]) {
        let keep = Set(reminders.map { Self.prefix + $0.key })
        center.getPendingNotificationRequests { [center] pending in
            let stale = pending.map(\.identifier).filter { $0.hasPrefix(Self.prefix) && !keep.contains($0) }
            center.removePendingNotificationRequests(withIdentifiers: stale)
            for r in reminders.prefix(Int(ReminderPlanner.soonest)) {
                let content = UNMutableNotificationContent()
                content.title = r.title
                content.sound = .default
                content.userInfo = ["key": r.key]
                // An absolute instant: the core already chose it in the person's zone.
                let seconds = max(1, r.at.timeIntervalSinceNow)
                let trigger = UNTimeIntervalNotificationTrigger(timeInterval: seconds, repeats: false)
                center.add(UNNotificationRequest(identifier: Self.prefix + r.key, content: content, trigger: trigger))
            }
        }
    }
}
