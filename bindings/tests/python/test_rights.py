"""Foreign-language test of the person's rights through the Python
bindings: exporting everything and importing it into an empty store, and
erasing a phone (the store's files go, the receipt says what the shell must
still delete, and the old companion refuses everything)."""

import os
import tempfile
import unittest

import pph

from server_support import open_store


class EraseTest(unittest.TestCase):
    def test_erase_local_deletes_the_store_and_refuses_everything_after(self):
        with tempfile.TemporaryDirectory() as directory:
            store = open_store(directory, "phone")
            store.care_plans().create_plan(pph.NewPlan(title="Breathe easier", what_matters="The park", next_review=None))
            receipt = store.erase_local()
            path = os.path.join(directory, "phone.db")
            self.assertIn(path, receipt.deleted_files)
            self.assertTrue(receipt.delete_the_key)
            self.assertEqual(receipt.receipt_photos, [])
            self.assertEqual(os.listdir(directory), [])
            with self.assertRaises(pph.PphError.Storage):
                store.care_plans().list_plans()


class ExportTest(unittest.TestCase):
    def test_an_export_comes_back_in_an_empty_store(self):
        with tempfile.TemporaryDirectory() as directory:
            store = open_store(directory, "phone")
            store.care_plans().create_plan(pph.NewPlan(title="Breathe easier", what_matters="The park", next_review=None))
            archive = os.path.join(directory, "mine.zip")
            summary = store.export_all(archive, None)
            self.assertEqual(summary.records, 1)
            self.assertIn("fhir/bundle.json", summary.files)
            fresh = open_store(directory, "new")
            self.assertEqual(fresh.import_all(archive).records, 1)
            self.assertEqual([p.title for p in fresh.care_plans().list_plans()], ["Breathe easier"])
            with self.assertRaises(pph.PphError.Conflict):
                fresh.import_all(archive)


if __name__ == "__main__":
    unittest.main()
