// My plan: in the person's own words, goals and activities, how it is going
// since the last review, and adding a goal, an activity or a review.
import PphCore
import SwiftUI
import UIKit

struct CarePlanView: View {
    @StateObject var model: CarePlanModel
    @State private var newGoal = ""
    @State private var newActivity: [String: String] = [:]
    @State private var reviewNotes = ""

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            if let plan = model.ui.plan {
                Text(plan.info.title).font(.headline)
                Text("What matters to me: \(plan.info.whatMatters)")
                if let a = model.ui.adherence {
                    Text("Since \(a.from): \(a.overall.done) done of \(a.overall.scheduled)")
                }
                ForEach(plan.goals, id: \.id) { goal in
                    Section(goal.description) {
                        ForEach(plan.activities.filter { $0.goalId == goal.id }, id: \.id) { activity in
                            Text(activity.description)
                            if let referral = activity.referral {
                                ReferralRow(model: model, activityId: activity.id, referral: referral)
                            }
                        }
                        HStack {
                            TextField("Something I will do", text: Binding(
                                get: { newActivity[goal.id] ?? "" }, set: { newActivity[goal.id] = $0 }))
                            Button("Add daily") {
                                model.addActivity(goalId: goal.id, NewActivity(
                                    description: newActivity[goal.id] ?? "", responsible: .me,
                                    schedule: Schedule(repeat: .daily, start: localDay(), end: nil, window: nil)))
                                newActivity[goal.id] = nil
                            }
                        }
                        if goal.status != .achieved {
                            Button("Mark achieved") { model.setGoalStatus(goalId: goal.id, status: .achieved) }
                        }
                    }
                }
                Section("Add a goal, in my own words") {
                    TextField("What I want to be able to do", text: $newGoal)
                    Button("Add") {
                        model.addGoal(NewGoal(description: newGoal, expressedBy: "me"))
                        newGoal = ""
                    }
                }
                Section("For my doctor") {
                    Button("Print a report for my doctor") {
                        if let page = model.reportForDoctor(sections: [.carePlan, .diaryTrends, .questionnaires]) {
                            printPage(page, title: "A report for my doctor")
                        }
                    }
                }
                let waiting = model.ui.proposals.filter { $0.decision == nil }
                if !waiting.isEmpty {
                    Section("Reviews your clinician proposes") {
                        ForEach(waiting, id: \.id) { p in
                            Text("\(p.proposerName), \(p.date): \(p.outcome)")
                            if !p.notes.isEmpty { Text(p.notes).font(.footnote) }
                            Button("Agree: add it to my plan") { model.acceptProposal(p.id) }
                            Button("Decline", role: .destructive) { model.declineProposal(p.id) }
                        }
                    }
                }
                Section("Review") {
                    TextField("What we agreed", text: $reviewNotes)
                    Button("Record today's review") {
                        model.recordReview(NewReview(date: localDay(), participants: ["me"],
                                                     notes: reviewNotes, outcome: "continue"))
                        reviewNotes = ""
                    }
                }
            } else {
                Text("No plan yet")
            }
        }
        .onAppear { model.refresh() }
    }
}

/// A referral's status and the person's say on it: nothing happens to them
/// without their yes.
struct ReferralRow: View {
    @ObservedObject var model: CarePlanModel
    let activityId: String
    let referral: Referral
    @State private var gpNote: String?

    var body: some View {
        VStack(alignment: .leading) {
            Text("Referral to \(referral.service): \(String(describing: referral.status))").font(.caption)
            HStack {
                switch referral.status {
                case .requested:
                    Button("Accept") { model.moveReferral(activityId: activityId, to: .accepted) }
                    Button("Decline") { model.moveReferral(activityId: activityId, to: .rejected) }
                case .accepted, .inProgress:
                    Button("Finished") { model.moveReferral(activityId: activityId, to: .completed) }
                    Button("Stopped") { model.moveReferral(activityId: activityId, to: .cancelled) }
                default: EmptyView()
                }
                Button("Note for my GP") { gpNote = model.messageToGp(activityId: activityId) }
            }
            if let gpNote { Text(gpNote).textSelection(.enabled) }
        }
    }
}

/// Hands a page the core rendered to iOS's print service (which offers
/// "Save to Files" as PDF).
@MainActor
func printPage(_ html: String, title: String) {
    let info = UIPrintInfo(dictionary: nil)
    info.jobName = title
    info.outputType = .general
    let controller = UIPrintInteractionController.shared
    controller.printInfo = info
    controller.printFormatter = UIMarkupTextPrintFormatter(markupText: html)
    controller.present(animated: true)
}
