// My plan: in the person's own words, goals and activities.
import PphCore
import SwiftUI

struct CarePlanView: View {
    let companion: PphCompanion
    @State private var plan: CarePlan?

    var body: some View {
        List {
            if let plan {
                Text(plan.info.title).font(.headline)
                Text("What matters to me: \(plan.info.whatMatters)")
                ForEach(plan.goals, id: \.id) { goal in
                    Section(goal.description) {
                        ForEach(plan.activities.filter { $0.goalId == goal.id }, id: \.id) { Text($0.description) }
                    }
                }
            } else {
                Text("No plan yet")
            }
        }
        .onAppear {
            let plans = companion.carePlans()
            if let info = try? plans.listPlans().last(where: { $0.status == .active }) {
                plan = try? plans.plan(planId: info.id)
            }
        }
    }
}
