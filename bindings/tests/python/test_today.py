"""Today and reminders through the generated Python bindings: the day's
screen, a reminder across the London spring clock change, and a typed
refusal for a zone that does not exist."""

import datetime as dt
import os
import tempfile
import unittest

import pph

from test_care_plans import config


class TodayTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.companion = pph.Companion.open(config(os.path.join(self.dir.name, "store.db")))
        plans = self.companion.care_plans()
        plan = plans.create_plan(pph.NewPlan(title="Breathe easier", what_matters="The allotment", next_review=None))
        goal = plans.add_goal(plan.id, pph.NewGoal(description="Walk more", expressed_by="me", target=None, status=None))
        schedule = pph.Schedule(repeat=pph.Repeat.DAILY(), start="2026-03-01", end=None, window=None)
        self.walk = plans.add_activity(
            goal.id, pph.NewActivity(description="Walk", responsible=pph.Responsible.ME(), schedule=schedule)
        )
        self.today = self.companion.today()

    def tearDown(self):
        self.dir.cleanup()

    def test_the_day_and_its_reminders_across_the_clock_change(self):
        view = self.today.today("2026-03-28")
        self.assertEqual([a.description for a in view.activities], ["Walk"])
        self.assertTrue(view.diary_prompt)

        self.today.set_reminder_settings(
            pph.ReminderSettings(time_zone="Europe/London", quiet_hours=None, detailed_text=False)
        )
        self.today.add_reminder(
            pph.NewReminder(
                subject=pph.ReminderSubject.ACTIVITY(activity_id=self.walk.id),
                timing=pph.ReminderTiming.CLOCK_TIME(minute=9 * 60),
                quiet_hours=None,
            )
        )
        start = dt.datetime(2026, 3, 28, 0, 0, tzinfo=dt.timezone.utc)
        upcoming = self.today.upcoming_reminders(start, 2)
        self.assertEqual(
            [r.local_label for r in upcoming], ["Sat 28 Mar 2026 09:00 GMT", "Sun 29 Mar 2026 09:00 BST"]
        )
        self.assertEqual(upcoming[1].at - upcoming[0].at, dt.timedelta(hours=23))

    def test_an_unknown_zone_is_a_validation_error(self):
        with self.assertRaises(pph.PphError.Validation):
            self.today.set_time_zone("Europe/Atlantis")
        self.assertEqual(self.today.reminder_settings().time_zone, "UTC")
