// Budget: what is left, per line, warnings in words, and recording a spend
// with a receipt photo (camera or library). The photo is kept in the app's
// own receipts folder; the core records its name, type, size and SHA-256.
import PhotosUI
import PphCore
import SwiftUI

struct BudgetView: View {
    @StateObject var model: BudgetModel
    @State private var payee = ""
    @State private var pounds = ""
    @State private var lineId: String?
    @State private var category: String?
    @State private var note = ""
    @State private var photo: PhotosPickerItem?
    @State private var receipt: Receipt?

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            if let s = model.ui.summary {
                Text(String(format: "£%.2f left", Double(s.remainingPence) / 100)).font(.headline)
                ForEach(s.lines, id: \.lineId) { l in
                    Button(String(format: "%@: £%.2f of £%.2f", l.category,
                                  Double(l.spentPence) / 100, Double(l.plannedPence) / 100)) { lineId = l.lineId }
                }
                ForEach(model.ui.warnings, id: \.self) { Text("! \($0)") }
                Section("Record a spend") {
                    Picker("What was it for?", selection: $category) {
                        ForEach(model.ui.categories, id: \.key) { c in Text(c.label).tag(Optional(c.key)) }
                    }
                    TextField("Paid to", text: $payee)
                    TextField("What it was (needed for something else)", text: $note)
                    TextField("Amount (£)", text: $pounds).keyboardType(.decimalPad)
                    PhotosPicker(receipt == nil ? "Add the receipt photo" : "Receipt added",
                                 selection: $photo, matching: .images)
                    Button("Record") { record(summary: s) }
                        .disabled(lineId == nil || category == nil || payee.isEmpty || Double(pounds) == nil)
                }
            } else {
                Text("No budget yet")
            }
        }
        .onAppear { model.refresh() }
        .onChange(of: photo) { item in Task { receipt = await keep(item) } }
    }

    private func record(summary s: BudgetSummary) {
        guard let lineId, let category, let amount = Double(pounds) else { return }
        let recorded = model.recordSpend(budgetId: s.budgetId, spend: NewSpend(
            lineId: lineId, date: localDay(), payee: payee, category: category,
            amountPence: Int64((amount * 100).rounded()), currency: s.currency,
            note: note.isEmpty ? nil : note, receipt: receipt))
        if recorded != nil { payee = ""; pounds = ""; note = ""; receipt = nil; photo = nil }
    }

    /// Copies the picked photo into Application Support/receipts and
    /// describes it for the core.
    private func keep(_ item: PhotosPickerItem?) async -> Receipt? {
        guard let item, let data = try? await item.loadTransferable(type: Data.self) else { return nil }
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("receipts", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(UUID().uuidString + ".jpg")
        guard (try? data.write(to: file, options: [.atomic, .completeFileProtection])) != nil else { return nil }
        return try? receiptOf(path: file.path, mediaType: "image/jpeg")
    }
}
