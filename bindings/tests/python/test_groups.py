"""Foreign-language test of peer-group chat through the Python bindings,
against the real server the Rust harness starts (PPH_TEST_SERVER_URL)."""

import asyncio
import datetime as dt
import tempfile
import unittest
import uuid

import pph

from server_support import NEEDS_SERVER, PASSWORD, SERVER, open_store, sign_up


async def signed_up(directory, name):
    store = open_store(directory, name)
    email = f"{name}-{uuid.uuid4().hex}@example.org"
    await sign_up(store, email, PASSWORD, name, pph.AccountRole.PATIENT)
    return store


@unittest.skipUnless(SERVER, NEEDS_SERVER)
class GroupsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def test_post_and_read_messages(self):
        asyncio.run(self.chat())

    async def chat(self):
        fay = await signed_up(self.dir.name, "Fay")
        gus = await signed_up(self.dir.name, "Gus")
        group = await fay.groups().create_group(
            pph.NewGroup(name="Peer circle", purpose="Talk it through", condition_focus="low mood")
        )
        invite = await fay.groups().invite_code(group.id, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
        self.assertEqual(await gus.groups().join_group(invite.code), group.id)

        hello = fay.groups().post_message(group.id, "Hello, circle", None)
        self.assertEqual(hello.status, pph.MessageStatus.PENDING)
        await fay.sync().sync_now()
        await gus.sync().sync_now()
        self.assertEqual(gus.groups().unread_count(group.id), 1)
        gus.groups().post_message(group.id, "Hi Fay", hello.id)
        gus.groups().react(hello.id, "❤️", True)
        gus.groups().mark_read(group.id)
        await gus.sync().sync_now()
        await fay.sync().sync_now()

        page = fay.groups().messages(group.id, 1, None)
        self.assertEqual([m.body for m in page.messages], ["Hi Fay"])
        self.assertEqual(page.messages[0].reply_to, hello.id)
        older = fay.groups().messages(group.id, 1, page.next)
        self.assertEqual([m.body for m in older.messages], ["Hello, circle"])
        self.assertEqual(older.messages[0].reactions[0].emoji, "❤️")
        self.assertEqual(older.messages[0].status, pph.MessageStatus.SENT)

        with self.assertRaises(pph.PphError.Validation):
            fay.groups().post_message(group.id, "", None)
        with self.assertRaises(pph.PphError.Forbidden):
            gus.groups().edit_message(hello.id, "not mine to edit")


if __name__ == "__main__":
    unittest.main()
