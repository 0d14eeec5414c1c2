// Today: what is due, and a one-tap symptom log. All state in TodayModel.
import PphCore
import SwiftUI

struct TodayView: View {
    @StateObject var model: TodayModel

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            Section("Due today") {
                ForEach(model.ui.due) { activity in
                    HStack {
                        Text(activity.description + (activity.recorded ? " ✓" : ""))
                        Spacer()
                        if !activity.recorded {
                            Button("Done") { model.tick(activityId: activity.id, outcome: .done) }
                            Button("Skip") { model.tick(activityId: activity.id, outcome: .skipped) }
                        }
                    }
                }
            }
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
        .onAppear { model.refresh() }
    }
}
