// The budget screen's state: balance and lines, warnings in words, and
// recording a spend with a receipt photo (the photo stays on the phone; the
// core's receiptOf describes it by name, type, size and SHA-256). Mirrors
// android's BudgetState.
import Combine
import Foundation
import PphCore

struct BudgetUi: Equatable {
    var budgets: [Budget] = []
    var summary: BudgetSummary?
    /// The core's warnings, in words for the person.
    var warnings: [String] = []
    /// What a spend can be for: the core's controlled list.
    var categories: [SpendCategory] = []
    var error: String?
}

@MainActor
final class BudgetModel: ObservableObject {
    @Published private(set) var ui = BudgetUi()
    private let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    func refresh(budgetId: String? = nil) {
        do {
            let budgets = companion.budgets()
            let all = try budgets.listBudgets()
            let chosen = budgetId ?? ui.summary?.budgetId ?? all.first?.id
            let summary = try chosen.map { try budgets.summary(budgetId: $0, asOf: localDay()) }
            ui = BudgetUi(budgets: all, summary: summary,
                          warnings: summary?.warnings.map { describeBudgetWarning(w: $0) } ?? [],
                          categories: try budgets.spendCategories())
        } catch {
            ui.error = describe(error)
        }
    }

    /// Records a spend; an ineligible one (alcohol, out of period…) is
    /// refused by the core with the field and reason, and nothing is written.
    @discardableResult
    func recordSpend(budgetId: String, spend: NewSpend) -> RecordedSpend? {
        do {
            let recorded = try companion.budgets().recordSpend(budgetId: budgetId, new: spend)
            refresh(budgetId: budgetId)
            return recorded
        } catch {
            ui.error = describe(error)
            return nil
        }
    }
}
