// The diary screen's state: log an entry, a weekly trend for the chart, and
// questionnaires whose safety messages are held until the person has read
// them (PHQ-9 item 9). Mirrors android's DiaryState.
import Combine
import Foundation
import PphCore

struct DiaryUi: Equatable {
    var symptoms: [Symptom] = []
    /// Built in (PHQ-9, GAD-7, MRC) and any the organisation added.
    var questionnaires: [QuestionnaireDefinition] = []
    var trendSymptomId: String?
    var trend: [TrendPoint] = []
    var lastResult: QuestionnaireResult?
    /// Shown now, before anything else, with crisis-support guidance.
    var safetyMessages: [String] = []
    var error: String?
}

@MainActor
final class DiaryModel: ObservableObject {
    @Published private(set) var ui = DiaryUi()
    private let companion: PphCompanion
    private let trendWeeks: Int

    init(companion: PphCompanion, trendWeeks: Int = 12) {
        self.companion = companion
        self.trendWeeks = trendWeeks
    }

    func refresh(trendSymptomId: String? = nil) {
        do {
            let diary = companion.diary()
            let symptoms = try diary.listSymptoms()
            let chosen = trendSymptomId ?? ui.trendSymptomId ?? symptoms.first?.id
            let start = Calendar.current.date(byAdding: .weekOfYear, value: -trendWeeks, to: Date()) ?? Date()
            let trend = try chosen.map {
                try diary.trend(symptomId: $0, from: localDay(start), to: localDay(), bucket: .week)
            } ?? []
            ui = DiaryUi(symptoms: symptoms, questionnaires: try diary.questionnaires(),
                         trendSymptomId: chosen, trend: trend,
                         lastResult: ui.lastResult, safetyMessages: ui.safetyMessages)
        } catch {
            ui.error = describe(error)
        }
    }

    func log(ratings: [Rating], note: String?, tags: [String]) {
        do {
            _ = try companion.diary().logEntry(new: NewEntry(
                recordedAt: Date(), utcOffsetMinutes: offsetMinutes(),
                ratings: ratings, note: note, tags: tags))
            refresh()
        } catch {
            ui.error = describe(error)
        }
    }

    func submit(code: String, answers: [Answer]) {
        do {
            let result = try companion.diary().submitQuestionnaire(
                code: code, answers: answers, recordedAt: Date(), utcOffsetMinutes: offsetMinutes())
            ui.lastResult = result
            ui.safetyMessages = result.flags.map(\.message)
            ui.error = nil
        } catch {
            ui.error = describe(error)
        }
    }

    /// The person has read the message; it stays stored with the result.
    func acknowledgeSafetyMessages() { ui.safetyMessages = [] }
}
