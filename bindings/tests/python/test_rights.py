"""Foreign-language test of the person's rights through the Python
bindings: exporting everything and importing it into an empty store,
erasing a phone (the store's files go, the receipt says what the shell must
still delete, and the old companion refuses everything), and deleting an
account on the real server (PPH_TEST_SERVER_URL)."""

import asyncio
import datetime as dt
import os
import tempfile
import unittest
import uuid

import pph

from server_support import NEEDS_SERVER, PASSWORD, SERVER, open_store, sign_up


@unittest.skipUnless(SERVER, NEEDS_SERVER)
class DeleteAccountTest(unittest.TestCase):
    def test_a_deleted_accounts_messages_leave_the_group(self):
        asyncio.run(self.leave())

    async def leave(self):
        with tempfile.TemporaryDirectory() as directory:
            fay, gus = open_store(directory, "fay"), open_store(directory, "gus")
            for store, name in [(fay, "Fay"), (gus, "Gus")]:
                email = f"{name}-{uuid.uuid4().hex}@example.org"
                await sign_up(store, email, PASSWORD, name, pph.AccountRole.PATIENT)
            group = await fay.groups().create_group(pph.NewGroup(name="Circle", purpose="Talk", condition_focus=None))
            code = (await fay.groups().invite_code(group.id, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))).code
            await fay.sync().sync_now()
            await gus.groups().join_group(code)
            # A member's device wraps the group's key to a newcomer when it syncs.
            await fay.sync().sync_now()
            await gus.sync().sync_now()
            gus.groups().post_message(group.id, "Bye all", None)
            await gus.sync().sync_now()
            await fay.sync().sync_now()
            self.assertEqual(len(fay.groups().messages(group.id, 10, None).messages), 1)
            with self.assertRaises(pph.PphError.Forbidden):
                await gus.account().delete_account("not the password!")
            self.assertIn("disappear for everyone", " ".join(gus.account().account_deletion_warning()))
            receipt = await gus.account().delete_account(PASSWORD)
            self.assertGreaterEqual(receipt.group_records_erased, 1)
            self.assertIsNone(gus.sync().status().account)
            report = await fay.sync().sync_now()
            self.assertGreaterEqual(report.erased, 1)
            self.assertEqual(fay.groups().messages(group.id, 10, None).messages, [])


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
