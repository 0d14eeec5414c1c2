// The care-plan screen's state: the plan in the person's own words, its
// goals and activities, how they are doing since the last review, and
// recording a review. Mirrors android's CarePlanState.
import Combine
import Foundation
import PphCore

struct CarePlanUi: Equatable {
    var plan: CarePlan?
    /// From the last review (or the plan's first activity) to today.
    var adherence: Adherence?
    /// Reviews a clinician proposed from a consultation: undecided first.
    var proposals: [ReviewProposal] = []
    var error: String?
}

@MainActor
final class CarePlanModel: ObservableObject {
    @Published private(set) var ui = CarePlanUi()
    private let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    /// Shows the newest active plan (or the one asked for).
    func refresh(planId: String? = nil) {
        do {
            let plans = companion.carePlans()
            guard let id = try planId ?? ui.plan?.info.id
                ?? plans.listPlans().last(where: { $0.status == .active })?.id
            else {
                ui = CarePlanUi()
                return
            }
            let plan = try plans.plan(planId: id)
            let today = localDay()
            let since = plan.reviews.map(\.date).max()
                ?? plan.activities.map(\.schedule.start).min()
                ?? today
            ui = CarePlanUi(plan: plan,
                            adherence: since <= today ? try plans.adherence(planId: id, from: since, to: today) : nil,
                            proposals: try plans.reviewProposals(planId: id))
        } catch {
            ui.error = describe(error)
        }
    }

    func setGoalStatus(goalId: String, status: GoalStatus) {
        act { _ = try companion.carePlans().updateGoal(goalId: goalId, update: GoalUpdate(status: status)) }
    }

    func addGoal(_ goal: NewGoal) {
        guard let planId = ui.plan?.info.id else { return }
        act { _ = try companion.carePlans().addGoal(planId: planId, new: goal) }
    }

    func addActivity(goalId: String, _ activity: NewActivity) {
        act { _ = try companion.carePlans().addActivity(goalId: goalId, new: activity) }
    }

    func recordReview(_ review: NewReview) {
        guard let planId = ui.plan?.info.id else { return }
        act { _ = try companion.carePlans().recordReview(planId: planId, new: review) }
    }

    /// The person agrees to a review their clinician proposed: it becomes
    /// their own review. Declining leaves the plan as it is. Once each.
    func acceptProposal(_ proposalId: String) {
        act { _ = try companion.carePlans().acceptReviewProposal(proposalId: proposalId) }
    }

    func declineProposal(_ proposalId: String) {
        act { try companion.carePlans().declineReviewProposal(proposalId: proposalId) }
    }

    /// A referral to a community service, made by the person or someone in
    /// their support network; it waits for the person's yes.
    func addReferral(goalId: String, _ referral: NewReferral) {
        act { _ = try companion.carePlans().addReferral(goalId: goalId, new: referral) }
    }

    /// The person's say on a referral: accept, decline (rejected), start,
    /// complete or cancel it, today, in their own words.
    func moveReferral(activityId: String, to status: ReferralStatus, note: String? = nil) {
        act {
            _ = try companion.carePlans().updateReferral(
                activityId: activityId, status: status, date: localDay(), note: note)
        }
    }

    /// "A report for my doctor" over the last `days`: one HTML page the
    /// view hands to the print service (Save as PDF).
    func reportForDoctor(sections: [ReportSection], days: Int = 90) -> String? {
        do {
            let from = localDay(Date().addingTimeInterval(-Double(days) * 86_400))
            return try companion.reportForDoctor(request: ReportRequest(sections: sections, from: from, to: localDay()))
        } catch {
            ui.error = describe(error)
            return nil
        }
    }

    /// The note back to the GP, for the share sheet.
    func messageToGp(activityId: String) -> String? {
        do {
            return try companion.carePlans().referralMessage(activityId: activityId, today: localDay())
        } catch {
            ui.error = describe(error)
            return nil
        }
    }

    private func act(_ write: () throws -> Void) {
        do {
            try write()
            refresh()
        } catch {
            ui.error = describe(error)
        }
    }
}
