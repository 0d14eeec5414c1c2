// Diary: a weekly trend chart, questionnaires, and the safety message shown
// before anything else. All state in DiaryModel.
import Charts
import PphCore
import SwiftUI

struct DiaryView: View {
    @StateObject var model: DiaryModel
    @State private var questionnaire: QuestionnaireDefinition?
    @State private var values: [String: Double] = [:]
    @State private var note = ""

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            Picker("Symptom", selection: Binding(
                get: { model.ui.trendSymptomId ?? "" },
                set: { model.refresh(trendSymptomId: $0) }
            )) {
                ForEach(model.ui.symptoms, id: \.id) { Text($0.name).tag($0.id) }
            }
            Chart(model.ui.trend, id: \.start) { p in
                LineMark(x: .value("Week", p.start), y: .value("Mean", p.mean))
            }
            .frame(height: 160)
            if let r = model.ui.lastResult { Text("\(r.code): \(r.score), \(r.band)") }
            Section("Log how I am") {
                ForEach(model.ui.symptoms.prefix(3), id: \.id) { s in
                    VStack(alignment: .leading) {
                        Text("\(s.name): \(values[s.id].map { String(Int($0)) } ?? "–")")
                        Slider(value: Binding(get: { values[s.id] ?? 0 }, set: { values[s.id] = $0.rounded() }),
                               in: 0...10, step: 1)
                    }
                }
                TextField("Note (optional)", text: $note)
                Button("Log") {
                    model.log(ratings: values.map { Rating(symptomId: $0.key, value: $0.value) },
                              note: note.isEmpty ? nil : note, tags: [])
                    values = [:]
                    note = ""
                }
                .disabled(values.isEmpty)
            }
            Section("Questionnaires") {
                ForEach(model.ui.questionnaires, id: \.code) { q in
                    Button(q.title) { questionnaire = q }
                }
            }
        }
        .onAppear { model.refresh() }
        .sheet(item: $questionnaire) { q in
            QuestionnaireForm(definition: q) { answers in
                questionnaire = nil
                model.submit(code: q.code, answers: answers)
            }
        }
        .alert("Please read this", isPresented: .constant(!model.ui.safetyMessages.isEmpty)) {
            Button("I have read this") { model.acknowledgeSafetyMessages() }
        } message: {
            Text(model.ui.safetyMessages.joined(separator: "\n\n")
                 + "\n\nIf you are in crisis, call 999, or Samaritans free on 116 123, any time.")
        }
    }
}

extension QuestionnaireDefinition: Identifiable { public var id: String { code } }

/// One answer per item, from the instrument's own options; the core scores it.
struct QuestionnaireForm: View {
    let definition: QuestionnaireDefinition
    let submit: ([Answer]) -> Void
    @State private var chosen: [String: Int32] = [:]

    var body: some View {
        Form {
            Text(definition.preamble)
            ForEach(definition.items, id: \.linkId) { item in
                Picker(item.text, selection: Binding(
                    get: { chosen[item.linkId] ?? -1 },
                    set: { chosen[item.linkId] = $0 }
                )) {
                    ForEach(item.options ?? definition.options, id: \.value) { Text($0.label).tag($0.value) }
                }
            }
            Button("Submit") {
                submit(definition.items.compactMap { item in
                    chosen[item.linkId].map { Answer(linkId: item.linkId, value: $0) }
                })
            }
            .disabled(chosen.count < definition.items.count)
        }
    }
}
