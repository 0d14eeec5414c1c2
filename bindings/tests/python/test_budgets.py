"""Foreign-language test of personal health budgets through the Python bindings."""

import os
import tempfile
import unittest

import pph

KEY = bytes(range(32))


class BudgetsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        path = os.path.join(self.dir.name, "store.db")
        self.companion = pph.Companion.open(
            pph.CompanionConfig(db_path=path, encryption_key=KEY, device_name="python test")
        )
        self.budgets = self.companion.budgets()
        self.budget = self.budgets.create_budget(
            pph.NewBudget(
                name="Mobility PHB",
                holding=pph.BudgetHolding.DIRECT_PAYMENT,
                period_start="2026-04-01",
                period_end="2027-03-31",
                allocation_pence=365_000,
                currency="GBP",
                plan_id=None,
                underspend_warning_percent=None,
            )
        )
        self.line = self.budgets.add_line(
            self.budget.id, pph.NewBudgetLine(category="Personal assistant", planned_pence=200_000, goal_ids=[])
        )

    def tearDown(self):
        self.dir.cleanup()

    def spend(self, category, pence, date="2026-04-10"):
        return pph.NewSpend(
            line_id=self.line.id,
            date=date,
            payee="Care Co",
            category=category,
            amount_pence=pence,
            currency="GBP",
            goal_id=None,
            activity_id=None,
            note=None,
            receipt=pph.Receipt(file_name="r.jpg", media_type="image/jpeg", size_bytes=10, sha256="0" * 64),
        )

    def test_valid_spend_ineligible_spend_reversal_and_summary(self):
        recorded = self.budgets.record_spend(self.budget.id, self.spend("personal_assistant", 30_000))
        self.assertEqual(recorded.warnings, [])
        with self.assertRaises(pph.PphError.Validation) as caught:
            self.budgets.record_spend(self.budget.id, self.spend("alcohol", 1_000))
        self.assertEqual(caught.exception.field, "category")
        self.assertIn("alcohol", caught.exception.reason)
        with self.assertRaises(pph.PphError.Validation) as caught:
            self.budgets.record_spend(self.budget.id, self.spend("personal_assistant", 0))
        self.assertEqual(caught.exception.field, "amount_pence")

        reversal = self.budgets.reverse_spend(recorded.spend.id, "Paid twice", "2026-04-12")
        self.assertEqual(reversal.amount_pence, -30_000)
        self.assertEqual(reversal.kind, pph.SpendKind.REVERSAL)
        with self.assertRaises(pph.PphError.Conflict):
            self.budgets.reverse_spend(recorded.spend.id, "again", "2026-04-13")

        summary = self.budgets.summary(self.budget.id, "2026-04-30")
        self.assertEqual(summary.spent_pence, 30_000)
        self.assertEqual(summary.reversed_pence, 30_000)
        self.assertEqual(summary.remaining_pence, 365_000)
        self.assertEqual(summary.days_elapsed, 30)
        self.assertEqual([l.spent_pence for l in summary.lines], [0])


class ReceiptTest(unittest.TestCase):
    def test_the_core_describes_a_receipt_photo_and_refuses_a_missing_one(self):
        import hashlib

        with tempfile.TemporaryDirectory() as d:
            photo = os.path.join(d, "till.jpg")
            data = bytes(range(256)) * 1000
            with open(photo, "wb") as f:
                f.write(data)
            receipt = pph.receipt_of(photo, "image/jpeg")
            self.assertEqual(receipt.file_name, "till.jpg")
            self.assertEqual(receipt.size_bytes, len(data))
            self.assertEqual(receipt.sha256, hashlib.sha256(data).hexdigest())
            with self.assertRaises(pph.PphError.Validation) as caught:
                pph.receipt_of(os.path.join(d, "gone.jpg"), "image/jpeg")
            self.assertEqual(caught.exception.field, "path")



if __name__ == "__main__":
    unittest.main(verbosity=2)
