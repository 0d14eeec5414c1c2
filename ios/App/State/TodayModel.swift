// The today screen's state: the activities due today (the core's schedule
// rules, read as adherence over one day), ticking them off, and a quick log
// of the most used symptoms. Mirrors android's TodayState.
import Combine
import Foundation
import PphCore

struct DueActivity: Identifiable, Equatable {
    let id: String
    let description: String
    let planTitle: String
    /// Done, partly or skipped already today.
    let recorded: Bool
}

struct TodayUi: Equatable {
    var due: [DueActivity] = []
    /// The person's most used symptoms first, for a one-tap log.
    var quickSymptoms: [Symptom] = []
    var error: String?
}

@MainActor
final class TodayModel: ObservableObject {
    @Published private(set) var ui = TodayUi()
    private let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    func refresh() {
        let day = localDay()
        do {
            let plans = companion.carePlans()
            var due: [DueActivity] = []
            for info in try plans.listPlans() where info.status == .active {
                let plan = try plans.plan(planId: info.id)
                for a in try plans.adherence(planId: info.id, from: day, to: day).activities
                where a.figures.scheduled > 0 {
                    guard let activity = plan.activities.first(where: { $0.id == a.activityId }) else { continue }
                    let f = a.figures
                    due.append(DueActivity(id: activity.id, description: activity.description,
                                           planTitle: info.title, recorded: f.done + f.partly + f.skipped > 0))
                }
            }
            ui = TodayUi(due: due, quickSymptoms: Array(try companion.diary().listSymptoms().prefix(4)))
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
        } catch {
            ui.error = describe(error)
        }
    }
}
