// Reminders: the core decides what and when (upcomingReminders, in the
// person's IANA time zone, with quiet hours and snoozes); this keeps the
// core's zone in step with the device and hands the soonest 64 (iOS keeps
// at most 64 pending) to the platform scheduler, replacing what it held.
// Called on launch, on a time-zone change, after a sync and after any
// write. Mirrors android's ReminderPlanner; tested on Linux with a
// recording scheduler.
import Foundation
import PphCore

/// The platform side: UNUserNotificationCenter (ReminderNotifications.swift).
protocol ReminderScheduler: AnyObject {
    /// Removes every pending reminder not in `reminders` and adds the rest.
    func replaceAll(_ reminders: [UpcomingReminder])
}

final class ReminderPlanner {
    /// The platform's limit on pending local notifications.
    static let soonest: UInt32 = 64
    private let companion: PphCompanion
    private let scheduler: ReminderScheduler
    private let zone: () -> TimeZone
    private let now: () -> Date

    init(companion: PphCompanion, scheduler: ReminderScheduler,
         zone: @escaping () -> TimeZone = { .current }, now: @escaping () -> Date = Date.init) {
        self.companion = companion
        self.scheduler = scheduler
        self.zone = zone
        self.now = now
    }

    /// What was scheduled, or a message for the person.
    func reschedule() -> Result<[UpcomingReminder], PlannerError> {
        do {
            let today = companion.today()
            let id = zone().identifier
            if try today.reminderSettings().timeZone != id {
                _ = try today.setTimeZone(timeZone: id)
            }
            let soonest = try today.upcomingReminders(from: now(), limit: Self.soonest)
            scheduler.replaceAll(soonest)
            return .success(soonest)
        } catch {
            return .failure(PlannerError(message: describe(error)))
        }
    }

    /// The notification's "later" action: `until` is after now and at most
    /// a week ahead, or the core refuses it.
    func snooze(key: String, until: Date) -> Result<[UpcomingReminder], PlannerError> {
        do {
            _ = try companion.today().snooze(key: key, until: until)
            return reschedule()
        } catch {
            return .failure(PlannerError(message: describe(error)))
        }
    }
}

struct PlannerError: Error, Equatable { let message: String }
