// Today: what is due (from the core's adherence over one day) and a quick log.
import PphCore
import SwiftUI

struct TodayView: View {
    let companion: PphCompanion
    @State private var due: [(Activity, Bool)] = []
    @State private var symptoms: [Symptom] = []
    @State private var error: String?

    private var today: String { ISO8601DateFormatter.localDay.string(from: Date()) }

    func refresh() {
        do {
            let plans = companion.carePlans()
            due = try plans.listPlans().filter { $0.status == .active }.flatMap { info -> [(Activity, Bool)] in
                let plan = try plans.plan(planId: info.id)
                return try plans.adherence(planId: info.id, from: today, to: today).activities
                    .filter { $0.figures.scheduled > 0 }
                    .compactMap { a in
                        plan.activities.first { $0.id == a.activityId }
                            .map { ($0, a.figures.done + a.figures.partly + a.figures.skipped > 0) }
                    }
            }
            symptoms = Array(try companion.diary().listSymptoms().prefix(4))
        } catch { self.error = describe(error) }
    }

    var body: some View {
        List {
            if let error { Text(error) }
            Section("Due today") {
                ForEach(due, id: \.0.id) { activity, recorded in
                    HStack {
                        Text(activity.description + (recorded ? " ✓" : ""))
                        if !recorded {
                            Button("Done") { act { _ = try companion.carePlans().recordCompletion(activityId: activity.id, new: NewCompletion(occurredAt: Date(), utcOffsetMinutes: offsetMinutes(), outcome: .done)) } }
                        }
                    }
                }
            }
            Section("How are you feeling?") {
                ForEach(symptoms, id: \.id) { s in
                    HStack {
                        Text(s.name)
                        ForEach([0.0, 3, 5, 7, 10], id: \.self) { v in
                            Button(String(Int(v))) { act { _ = try companion.diary().logEntry(new: NewEntry(recordedAt: Date(), utcOffsetMinutes: offsetMinutes(), ratings: [Rating(symptomId: s.id, value: v)])) } }
                        }
                    }
                }
            }
        }
        .onAppear(perform: refresh)
    }

    private func act(_ write: () throws -> Void) {
        do { try write(); refresh() } catch { self.error = describe(error) }
    }
}

func offsetMinutes() -> Int32 { Int32(TimeZone.current.secondsFromGMT() / 60) }

/// The core's errors carry field names and codes, never health data.
func describe(_ error: Error) -> String {
    switch error {
    case let PphError.Validation(field, reason): return "Please check \(field): \(reason)"
    case PphError.Network: return "No connection; it will be sent later"
    case PphError.Unauthorized: return "Please sign in again"
    default: return "Something went wrong"
    }
}

extension ISO8601DateFormatter {
    /// The person's local calendar day, as the core expects (YYYY-MM-DD).
    static let localDay: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        f.timeZone = .current
        return f
    }()
}
