// Today: the core's view of the day, and a one-tap symptom log. All state
// in TodayModel.
import PphCore
import SwiftUI

struct TodayScreen: View {
    @StateObject var model: TodayModel

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            if let view = model.ui.view {
                Section("Due today") {
                    ForEach(view.activities, id: \.activityId) { activity in
                        HStack {
                            Text(activity.description + (activity.outcome != nil ? " ✓" : ""))
                            if let week = activity.timesPerWeek {
                                Text("\(week.doneThisWeek) of \(week.times) this week").font(.caption)
                            }
                            Spacer()
                            if activity.outcome == nil {
                                Button("Done") { model.tick(activityId: activity.activityId, outcome: .done) }
                                Button("Skip") { model.tick(activityId: activity.activityId, outcome: .skipped) }
                            }
                        }
                    }
                }
                if !view.questionnaires.isEmpty || !view.meetups.isEmpty || !view.comingUp.isEmpty {
                    Section("Coming up") {
                        ForEach(view.questionnaires, id: \.planId) { q in
                            Text("Before your review on \(q.reviewDate): \(q.code)")
                        }
                        ForEach(view.meetups, id: \.meetupId) { m in Text("\(m.title) (\(m.groupName)), \(m.startsLabel)") }
                        ForEach(view.comingUp, id: \.date) { c in Text("\(label(c.item)) in \(c.daysAway) days") }
                    }
                }
                if view.diaryPrompt {
                    Section("How are you feeling?") {
                        ForEach(model.ui.quickSymptoms, id: \.id) { s in
                            HStack {
                                Text(s.name)
                                ForEach([0.0, 3, 5, 7, 10], id: \.self) { v in
                                    Button(String(Int(v))) { model.quickLog(symptomId: s.id, value: v) }
                                        .buttonStyle(.bordered)
                                }
                            }
                        }
                    }
                }
            }
        }
        .onAppear { model.refresh() }
    }

    private func label(_ item: ComingUpItem) -> String {
        switch item {
        case let .planReview(_, planTitle): return "Plan review: \(planTitle)"
        case let .budgetReview(_, budgetName): return "Budget review: \(budgetName)"
        case let .budgetPeriodEnds(_, budgetName): return "Budget period ends: \(budgetName)"
        }
    }
}
