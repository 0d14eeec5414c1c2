// Sharing with a clinician, and the clinician's consultation summary.
import PphCore
import SwiftUI

struct ShareView: View {
    let companion: PphCompanion
    @State private var email = ""
    @State private var shares: [Share] = []

    var body: some View {
        List {
            TextField("Clinician's email", text: $email)
            Button("Share my plan, diary and questionnaires for a week") {
                Task {
                    let week = Int64(Date().timeIntervalSince1970 * 1000) + 7 * 86_400_000
                    _ = try? await companion.sync().grantShare(clinicianEmail: email, scopes: [.carePlan, .diary, .questionnaires], expiresAtMs: week)
                    shares = (try? await companion.sync().shares()) ?? []
                }
            }
            ForEach(shares.filter { !$0.revoked }, id: \.shareId) { share in
                HStack {
                    Text(share.clinicianName)
                    Button("Stop sharing") { Task { try? await companion.sync().revokeShare(shareId: share.shareId) } }
                }
            }
        }
        .task { shares = (try? await companion.sync().shares()) ?? [] }
    }
}

struct ClinicianView: View {
    let companion: PphCompanion
    @State private var patients: [SharedPatient] = []
    @State private var summary: ConsultationSummary?

    var body: some View {
        List {
            ForEach(patients, id: \.patientSpace) { p in
                Button(p.patientName) { summary = try? companion.sync().consultationSummary(patientSpace: p.patientSpace) }
            }
            if let s = summary {
                Text("\(s.patientName), since \(s.since)").font(.headline)
                if let plan = s.carePlan { Text("Plan: \(plan.info.title)") }
                ForEach(s.questionnaires, id: \.id) { q in
                    Text("\(q.code) \(q.score) (\(q.band))\(q.flags.isEmpty ? "" : " — SAFETY FLAG")")
                }
            }
        }
        .task {
            _ = try? await companion.sync().syncNow()
            patients = (try? companion.sync().sharedWithMe()) ?? []
        }
    }
}
