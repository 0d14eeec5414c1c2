"""Foreign-language test of erasing a phone through the Python bindings:
the store's files go, the receipt says what the shell must still delete,
and the old companion refuses everything."""

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


if __name__ == "__main__":
    unittest.main()
