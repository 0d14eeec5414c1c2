"""Foreign-language test of the generated Python bindings (module `pph`).

Run by bindings/tests/foreign.rs with PYTHONPATH pointing at freshly
generated bindings and the library beside them.
"""

import datetime as dt
import os
import tempfile
import unittest

import pph

KEY = bytes(range(32))


def config(path, key=KEY):
    return pph.CompanionConfig(db_path=path, encryption_key=key, device_name="python test")


class CarePlansTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "store.db")
        self.companion = pph.Companion.open(config(self.path))
        self.plans = self.companion.care_plans()

    def tearDown(self):
        self.dir.cleanup()

    def build_plan(self):
        plan = self.plans.create_plan(
            pph.NewPlan(title="Breathe easier", what_matters="Gardening again", next_review="2026-06-01")
        )
        goal = self.plans.add_goal(
            plan.id, pph.NewGoal(description="Walk to the shop", expressed_by="me", target="3 times a week", status=None)
        )
        schedule = pph.Schedule(repeat=pph.Repeat.DAILY(), start="2026-03-02", end=None, window=None)
        activity = self.plans.add_activity(
            goal.id, pph.NewActivity(description="Breathing exercises", responsible=pph.Responsible.ME(), schedule=schedule)
        )
        return plan, goal, activity

    def test_plan_with_goals_activities_completions_and_adherence(self):
        plan, goal, activity = self.build_plan()
        utc = dt.timezone.utc
        for day, outcome in [(2, pph.Outcome.DONE), (3, pph.Outcome.DONE), (4, pph.Outcome.PARTLY)]:
            self.plans.record_completion(
                activity.id,
                pph.NewCompletion(
                    occurred_at=dt.datetime(2026, 3, day, 9, 30, tzinfo=utc),
                    utc_offset_minutes=0,
                    outcome=outcome,
                    note=None,
                    value=None,
                ),
            )
        adherence = self.plans.adherence(plan.id, "2026-03-02", "2026-03-08")
        self.assertEqual(adherence.overall.scheduled, 7)
        self.assertEqual(adherence.overall.done, 2)
        self.assertEqual(adherence.overall.partly, 1)
        self.assertAlmostEqual(adherence.overall.ratio, 2.5 / 7)

        whole = self.plans.plan(plan.id)
        self.assertEqual([g.description for g in whole.goals], ["Walk to the shop"])
        self.assertEqual(whole.activities[0].id, activity.id)

    def test_plan_as_of_sees_the_past(self):
        plan, goal, _ = self.build_plan()
        before_edit = self.plans.history(plan.id)[-1].at
        # Let the wall clock pass the last stamp so the edit lands strictly after it.
        while dt.datetime.now(dt.timezone.utc) <= before_edit:
            pass
        self.plans.update_goal(goal.id, pph.GoalUpdate(description=None, target=None, status=pph.GoalStatus.ACHIEVED))
        self.assertEqual(self.plans.plan(plan.id).goals[0].status, pph.GoalStatus.ACHIEVED)
        then = self.plans.plan_as_of(plan.id, before_edit)
        self.assertEqual(then.goals[0].status, pph.GoalStatus.ACTIVE)
        self.assertEqual(then.info, self.plans.plan(plan.id).info)
        changes = self.plans.history(plan.id)
        self.assertEqual((changes[-1].field, changes[-1].value_json, changes[-1].device), ("status", '"achieved"', "python test"))
        with self.assertRaises(pph.PphError.NotFound):
            self.plans.plan_as_of(plan.id, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))

    def test_bad_input_raises_the_typed_error(self):
        plan, goal, _ = self.build_plan()
        with self.assertRaises(pph.PphError.Validation) as caught:
            self.plans.create_plan(pph.NewPlan(title="", what_matters="", next_review=None))
        self.assertEqual(caught.exception.field, "title")
        bad = pph.Schedule(repeat=pph.Repeat.TIMES_PER_WEEK(times=0), start="2026-03-02", end=None, window=None)
        with self.assertRaises(pph.PphError.Validation) as caught:
            self.plans.add_activity(goal.id, pph.NewActivity(description="x", responsible=pph.Responsible.ME(), schedule=bad))
        self.assertEqual(caught.exception.field, "schedule.times")
        with self.assertRaises(pph.PphError.NotFound):
            self.plans.plan("01900000-0000-7000-8000-00000000dead")
        self.assertEqual(len(self.plans.plan(plan.id).activities), 1)

    def test_wrong_key_is_refused(self):
        self.build_plan()
        del self.plans
        del self.companion
        with self.assertRaises(pph.PphError.WrongKey):
            pph.Companion.open(config(self.path, key=bytes(32)))
        with self.assertRaises(pph.PphError.Validation):
            pph.Companion.open(config(self.path, key=b"short"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
