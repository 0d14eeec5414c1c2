"""Foreign-language test of the group timebank and social-prescribing
referrals through the Python bindings: referrals on a local store; the
timebank against the real server the Rust harness starts."""

import asyncio
import datetime as dt
import json
import tempfile
import unittest
import uuid

import pph

from server_support import NEEDS_SERVER, PASSWORD, SERVER, open_store, sign_up


class ReferralTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.store = open_store(self.dir.name, "ann")

    def tearDown(self):
        self.dir.cleanup()

    def test_a_referral_is_accepted_exported_and_never_moved_back(self):
        plans = self.store.care_plans()
        plan = plans.create_plan(pph.NewPlan(title="Feel less alone", what_matters="Company", next_review=None))
        goal = plans.add_goal(plan.id, pph.NewGoal(description="Get out more", expressed_by="me", target=None))
        walk = plans.add_referral(
            goal.id,
            pph.NewReferral(
                service="Hilltop Walkers",
                kind=pph.ServiceKind.WALKING_GROUP,
                referred_by=pph.Responsible.ME(),
                requested_on="2026-11-02",
                description="Walk on Saturdays",
                schedule=pph.Schedule(
                    repeat=pph.Repeat.ON_WEEKDAYS(days=[pph.Weekday.SAT]), start="2026-11-07", end=None, window=None
                ),
            ),
        )
        self.assertEqual(walk.referral.status, pph.ReferralStatus.REQUESTED)
        plans.update_referral(walk.id, pph.ReferralStatus.REJECTED, "2026-11-03", "Not yet")
        with self.assertRaises(pph.PphError.Validation):
            plans.update_referral(walk.id, pph.ReferralStatus.ACCEPTED, "2026-11-04", None)
        bundle = json.loads(plans.referral_fhir(walk.id, pph.FhirPatient(name=None, birth_date=None, nhs_number=None)))
        request = bundle["entry"][1]["resource"]
        self.assertEqual(request["code"]["coding"][0]["code"], "871711000000103")
        self.assertIn("I declined it on 2026-11-03", plans.referral_message(walk.id, "2026-11-30"))
        self.assertEqual(plans.open_referrals(plan.id), [])


@unittest.skipUnless(SERVER, NEEDS_SERVER)
class TimebankTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def test_time_given_is_confirmed_by_its_receiver(self):
        asyncio.run(self.exchange())

    async def exchange(self):
        people = {}
        for name in ("Fay", "Gus"):
            store = open_store(self.dir.name, name)
            await sign_up(store, f"{name}-{uuid.uuid4().hex}@example.org", PASSWORD, name, pph.AccountRole.PATIENT)
            people[name] = store
        fay, gus = people["Fay"], people["Gus"]
        group = await fay.groups().create_group(pph.NewGroup(name="Walkers", purpose="Walk", condition_focus=None))
        invite = await fay.groups().invite_code(group.id, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
        await gus.groups().join_group(invite.code)
        fay.timebank().set_rules(group.id, pph.TimebankRules(on=True, lower_limit_minutes=-600, upper_limit_minutes=2400))
        await fay.sync().sync_now()
        await gus.sync().sync_now()
        gus_id = gus.sync().status().account.account_id
        lift = fay.timebank().record_exchange(
            group.id,
            pph.NewExchange(
                receiver_id=gus_id, receiver_name="Gus", minutes=90, category=pph.TimeCategory.TRANSPORT,
                on_date="2026-12-01", note="", post_id=None,
            ),
        )
        self.assertEqual(lift.state, pph.ExchangeState.PENDING)
        with self.assertRaises(pph.PphError.Forbidden):
            fay.timebank().confirm_exchange(lift.id)
        await fay.sync().sync_now()
        await gus.sync().sync_now()
        confirmed = gus.timebank().confirm_exchange(lift.id)
        self.assertEqual(confirmed.state, pph.ExchangeState.CONFIRMED)
        await gus.sync().sync_now()
        await fay.sync().sync_now()
        self.assertEqual(fay.timebank().overview(group.id).my_balance.minutes, 90)
        self.assertEqual(gus.timebank().overview(group.id).my_balance.minutes, -90)
        with self.assertRaises(pph.PphError.Validation):
            fay.timebank().withdraw_exchange(lift.id)


if __name__ == "__main__":
    unittest.main()
