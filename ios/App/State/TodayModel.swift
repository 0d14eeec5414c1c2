// The today screen's state: the core's today() as it is (what is due, a
// diary prompt, questionnaires, meetups, dates coming up), ticking activities
// off and a quick log of the most used symptoms. No business rule lives
// here: after a write it asks the core again and re-plans reminders.
// Mirrors android's TodayState.
import Combine
import Foundation
import PphCore

struct TodayUi {
    /// The core's view of the day; nil until loaded or on an error.
    var view: TodayView?
    /// The person's most used symptoms first, for a one-tap log.
    var quickSymptoms: [Symptom] = []
    var error: String?
}

@MainActor
final class TodayModel: ObservableObject {
    @Published private(set) var ui = TodayUi()
    private let companion: PphCompanion
    private let reminders: ReminderPlanner?

    init(companion: PphCompanion, reminders: ReminderPlanner? = nil) {
        self.companion = companion
        self.reminders = reminders
    }

    func refresh() {
        do {
            ui = TodayUi(view: try companion.today().today(date: localDay()),
                         quickSymptoms: Array(try companion.diary().listSymptoms().prefix(4)))
        } catch {
            ui = TodayUi(error: describe(error))
        }
    }

    func tick(activityId: String, outcome: Outcome) {
        act {
            _ = try companion.carePlans().recordCompletion(
                activityId: activityId,
                new: NewCompletion(occurredAt: Date(), utcOffsetMinutes: offsetMinutes(), outcome: outcome))
        }
    }

    func quickLog(symptomId: String, value: Double, note: String? = nil) {
        act {
            _ = try companion.diary().logEntry(new: NewEntry(
                recordedAt: Date(), utcOffsetMinutes: offsetMinutes(),
                ratings: [Rating(symptomId: symptomId, value: value)], note: note))
        }
    }

    private func act(_ write: () throws -> Void) {
        do {
            try write()
            refresh()
            // Done items lose their pending reminder at once.
            _ = reminders?.reschedule()
        } catch {
            ui.error = describe(error)
        }
    }
}
