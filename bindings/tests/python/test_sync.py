"""Foreign-language test of sync through the Python bindings, against the
real server the Rust harness starts on loopback (PPH_TEST_SERVER_URL)."""

import asyncio
import datetime as dt
import tempfile
import unittest
import uuid

import pph

from server_support import NEEDS_SERVER, PASSWORD, SERVER, open_store, sign_up


class Recorder(pph.SyncListener):
    def __init__(self):
        self.states = []

    def on_status(self, status):
        self.states.append(status.state)


@unittest.skipUnless(SERVER, NEEDS_SERVER)
class SyncTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def test_patient_syncs_and_shares_with_a_clinician(self):
        asyncio.run(self.share_flow())

    def test_a_forgotten_password_is_replaced_with_the_recovery_code(self):
        asyncio.run(self.recovery_flow())

    async def recovery_flow(self):
        phone = open_store(self.dir.name, "keys-phone")
        email = f"py-keys-{uuid.uuid4().hex}@example.org"
        await phone.account().ask_sign_up_code(SERVER, email)
        # A code not mailed to this email is refused by name, and changes nothing.
        with self.assertRaises(pph.PphError.Validation):
            await phone.account().sign_up(SERVER, email, "0000-0000", PASSWORD, "Py", pph.AccountRole.PATIENT)
        self.assertIsNone(phone.sync().status().account)
        await sign_up(phone, email, PASSWORD, "Py", pph.AccountRole.PATIENT)
        code = phone.account().take_recovery_code()
        self.assertEqual(len(code), 39)
        self.assertIsNone(phone.account().take_recovery_code())
        phone.care_plans().create_plan(pph.NewPlan(title="Sleep better", what_matters="Rest", next_review=None))
        await phone.sync().sync_now()
        with self.assertRaises(pph.PphError.Forbidden):
            await phone.account().change_password("not the password!", "a new long password")
        await phone.account().change_password(PASSWORD, "a new long password")
        # A new password replaces the recovery code: the old one is dead.
        changed = phone.account().take_recovery_code()
        self.assertEqual(len(changed), 39)
        self.assertNotEqual(changed, code)
        tablet = open_store(self.dir.name, "keys-tablet")
        with self.assertRaises(pph.PphError.Validation):
            await tablet.account().sign_in_with_recovery_code(SERVER, email, "12", "after forgetting")
        with self.assertRaises(pph.PphError.Unauthorized):
            await tablet.account().sign_in_with_recovery_code(SERVER, email, code, "after forgetting it")
        await tablet.account().sign_in_with_recovery_code(SERVER, email, changed, "after forgetting it")
        replaced = tablet.account().take_recovery_code()
        self.assertEqual(len(replaced), 39)
        self.assertNotEqual(replaced, changed)
        await tablet.sync().sync_now()
        self.assertEqual([p.title for p in tablet.care_plans().list_plans()], ["Sleep better"])
        # The recovery signed the phone out; it signs in with the new password.
        with self.assertRaises(pph.PphError.Unauthorized):
            await phone.sync().sync_now()
        await phone.account().sign_in(SERVER, email, "after forgetting it")
        await phone.sync().sync_now()
        devices = await tablet.account().devices()
        self.assertEqual(sorted(d.name for d in devices), ["keys-phone", "keys-tablet"])
        self.assertEqual([d.name for d in devices if d.this_device], ["keys-tablet"])
        phone_session = next(d.session for d in devices if not d.this_device)
        await tablet.account().sign_out_device(phone_session)
        with self.assertRaises(pph.PphError.Unauthorized):
            await phone.sync().sync_now()
        with self.assertRaises(pph.PphError.NotFound):
            await tablet.account().sign_out_device(phone_session)

    async def share_flow(self):
        phone = open_store(self.dir.name, "phone")
        email = f"py-{uuid.uuid4().hex}@example.org"
        info = await sign_up(phone, email, PASSWORD, "Py Patient", pph.AccountRole.PATIENT)
        self.assertEqual(info.role, pph.AccountRole.PATIENT)
        plan = phone.care_plans().create_plan(
            pph.NewPlan(title="Breathe easier", what_matters="My garden", next_review=None)
        )
        recorder = Recorder()
        handle = phone.sync().set_listener(recorder)
        report = await phone.sync().sync_now()
        self.assertEqual(report.pushed, 1)
        self.assertEqual(recorder.states[0], pph.SyncState.SYNCING)
        self.assertEqual(recorder.states[-1], pph.SyncState.IDLE)
        self.assertEqual(phone.sync().status().pending_changes, 0)
        handle.cancel()

        clinic = open_store(self.dir.name, "clinic")
        doctor = f"dr-{uuid.uuid4().hex}@example.org"
        await sign_up(clinic, doctor, PASSWORD, "Dr Py", pph.AccountRole.CLINICIAN)
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        share = await phone.sharing().grant_share(doctor, [pph.ShareScope.CARE_PLAN], expires)
        self.assertEqual(share.scopes, [pph.ShareScope.CARE_PLAN])
        await clinic.sync().sync_now()
        patients = clinic.sharing().shared_with_me()
        self.assertEqual([p.patient_name for p in patients], ["Py Patient"])
        summary = clinic.sharing().consultation_summary(patients[0].patient_space)
        self.assertEqual(summary.care_plan.info.id, plan.id)
        self.assertEqual(summary.questionnaires, [])
        log = await phone.sharing().share_access_log()
        self.assertEqual([(a.clinician_email, a.scopes) for a in log], [(doctor, [pph.ShareScope.CARE_PLAN])])
        self.assertGreater(log[0].records, 0)

        # The consultation page, and a review proposed from it that the
        # patient accepts on their phone.
        page = clinic.sharing().consultation_page(patients[0].patient_space, "/review")
        self.assertIn("My garden", page)
        self.assertIn('action="/review"', page)
        # Only the care plan is shared: the rest says so and shows nothing.
        self.assertIn("The symptom diary is not shared with you.", page)
        self.assertIn("Questionnaires are not shared with you", page)
        self.assertNotIn("<h2>Questionnaires</h2>", page)
        self.assertNotIn("Personal health budget", page)
        today = dt.date.today().isoformat()
        review = pph.NewReview(
            date=today, participants=["Py Patient", "Dr Py"], notes="", outcome="Keep going", next_review=None
        )
        proposal = clinic.sharing().propose_review(patients[0].patient_space, review)
        self.assertIsNone(proposal.decision)
        await clinic.sync().sync_now()
        await phone.sync().sync_now()
        [arrived] = phone.care_plans().review_proposals(plan.id)
        self.assertEqual((arrived.proposer_name, arrived.outcome), ("Dr Py", "Keep going"))
        accepted = phone.care_plans().accept_review_proposal(arrived.id)
        self.assertEqual(accepted.outcome, "Keep going")
        with self.assertRaises(pph.PphError.Conflict):
            phone.care_plans().decline_review_proposal(arrived.id)
        self.assertEqual(
            phone.care_plans().review_proposals(plan.id)[0].decision, pph.ProposalDecision.ACCEPTED
        )

        with self.assertRaises(pph.PphError.Validation):
            await phone.sharing().grant_share(doctor, [], expires)
        await phone.sharing().revoke_share(share.share_id)
        await clinic.sync().sync_now()
        with self.assertRaises(pph.PphError.Unauthorized):
            clinic.sharing().consultation_summary(patients[0].patient_space)

    def test_a_wrong_password_is_unauthorized_and_no_server_is_network(self):
        async def flow():
            phone = open_store(self.dir.name, "phone")
            with self.assertRaises(pph.PphError.Unauthorized):
                await phone.account().sign_in(SERVER, "nobody@example.org", PASSWORD)
            with self.assertRaises(pph.PphError.Network):
                await phone.account().sign_in("http://127.0.0.1:9", "nobody@example.org", PASSWORD)
            with self.assertRaises(pph.PphError.Unauthorized):
                await phone.sync().sync_now()
            self.assertEqual(phone.sync().status().state, pph.SyncState.SIGNED_OUT)

        asyncio.run(flow())


if __name__ == "__main__":
    unittest.main()
