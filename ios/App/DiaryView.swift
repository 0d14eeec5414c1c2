// Diary: a weekly trend chart, and the PHQ-9 safety message shown first.
import Charts
import PphCore
import SwiftUI

struct DiaryView: View {
    let companion: PphCompanion
    @State private var trend: [TrendPoint] = []
    @State private var safety: [String] = []

    var body: some View {
        VStack {
            Chart(trend, id: \.start) { p in
                LineMark(x: .value("Week", p.start), y: .value("Mean", p.mean))
            }
            .frame(height: 160)
        }
        .onAppear {
            let today = ISO8601DateFormatter.localDay.string(from: Date())
            let start = ISO8601DateFormatter.localDay.string(from: Date().addingTimeInterval(-84 * 86_400))
            if let first = try? companion.diary().listSymptoms().first {
                trend = (try? companion.diary().trend(symptomId: first.id, from: start, to: today, bucket: .week)) ?? []
            }
        }
        .alert("Please read this", isPresented: .constant(!safety.isEmpty)) {
            Button("I have read this") { safety = [] }
        } message: { Text(safety.joined(separator: "\n\n")) }
    }

    /// Called by the questionnaire form.
    func submit(code: String, answers: [Answer]) {
        if let result = try? companion.diary().submitQuestionnaire(code: code, answers: answers, recordedAt: Date(), utcOffsetMinutes: offsetMinutes()) {
            safety = result.flags.map(\.message)
        }
    }
}
