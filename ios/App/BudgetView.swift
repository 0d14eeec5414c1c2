// Budget: what is left, per line, and the warnings in words.
import PphCore
import SwiftUI

struct BudgetView: View {
    let companion: PphCompanion
    @State private var summary: BudgetSummary?

    var body: some View {
        List {
            if let s = summary {
                Text(String(format: "£%.2f left", Double(s.remainingPence) / 100))
                ForEach(s.lines, id: \.lineId) { l in
                    Text(String(format: "%@: £%.2f of £%.2f", l.category, Double(l.spentPence) / 100, Double(l.plannedPence) / 100))
                }
                ForEach(s.warnings.map { describeBudgetWarning(w: $0) }, id: \.self) { Text("! \($0)") }
            } else {
                Text("No budget yet")
            }
        }
        .onAppear {
            let budgets = companion.budgets()
            if let b = try? budgets.listBudgets().first {
                summary = try? budgets.summary(budgetId: b.id, asOf: ISO8601DateFormatter.localDay.string(from: Date()))
            }
        }
    }
}
