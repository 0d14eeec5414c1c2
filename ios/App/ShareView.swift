// Sharing with a clinician (grant for a week, revoke), and the clinician
// mode: patients sharing with me and one consultation summary.
import PphCore
import SwiftUI

struct ShareView: View {
    @StateObject var model: SharingModel
    @State private var email = ""

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            TextField("Clinician's email", text: $email).keyboardType(.emailAddress)
            Button("Share my plan, diary and questionnaires for a week") {
                Task {
                    await model.grant(clinicianEmail: email, scopes: [.carePlan, .diary, .questionnaires],
                                      until: Date().addingTimeInterval(7 * 86_400))
                }
            }
            .disabled(email.isEmpty)
            ForEach(model.ui.shares.filter { !$0.revoked }, id: \.shareId) { share in
                HStack {
                    Text(share.clinicianName)
                    Spacer()
                    Button("Stop sharing") { Task { await model.revoke(shareId: share.shareId) } }
                }
                SafetyNumberRow(model: VerifyModel(companion: model.companion), accountId: share.clinicianAccountId)
            }
            if !model.ui.accesses.isEmpty {
                Section("Who read my records") {
                    ForEach(Array(model.ui.accesses.enumerated()), id: \.offset) { _, a in
                        Text("\(a.lastAt.formatted()): \(a.clinicianName) read \(a.scopes.map { String(describing: $0) }.joined(separator: ", ")) (\(a.records) records)")
                    }
                }
            }
        }
        .task { await model.refresh() }
    }
}

struct ClinicianView: View {
    @StateObject var model: ClinicianModel

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            ForEach(model.ui.patients, id: \.patientSpace) { p in
                Button(p.patientName) { model.open(patientSpace: p.patientSpace) }
                SafetyNumberRow(model: VerifyModel(companion: model.companion), accountId: p.patientAccountId)
            }
            if let s = model.ui.summary {
                Text("\(s.patientName), since \(s.since)").font(.headline)
                if let plan = s.carePlan { Text("Plan: \(plan.info.title)") }
                ForEach(s.questionnaires, id: \.id) { q in
                    Text("\(q.code) \(q.score) (\(q.band))\(q.flags.isEmpty ? "" : " — SAFETY FLAG")")
                        .foregroundStyle(q.flags.isEmpty ? Color.primary : Color.red)
                }
            }
        }
        .refreshable { await model.refresh() }
        .task { await model.refresh() }
    }
}

/// The safety number to compare with someone in the room, and a button to
/// say the two phones showed the same; a changed identity is said first.
struct SafetyNumberRow: View {
    @StateObject var model: VerifyModel
    let accountId: String

    var body: some View {
        VStack(alignment: .leading) {
            ForEach(model.ui.warnings.filter { $0.accountId == accountId }, id: \.accountId) { w in
                Text(VerifyModel.warningText(w)).foregroundStyle(.red)
                Button("We compared the new number: accept it") { model.accept(accountId: accountId) }
            }
            if let error = model.ui.error { Text(error).foregroundStyle(.secondary) }
            if let n = model.ui.number {
                Text("Safety number: \(n.digits)").font(.system(.body, design: .monospaced))
                if n.verified {
                    Label("Verified in person", systemImage: "checkmark.seal")
                } else {
                    Button("Both phones show this number") { model.confirm() }
                }
            }
        }
        .task { model.show(accountId: accountId) }
    }
}
