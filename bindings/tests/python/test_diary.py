"""Foreign-language test of the symptom diary through the Python bindings."""

import datetime as dt
import os
import tempfile
import unittest

import pph

KEY = bytes(range(32))
BREATHLESSNESS = "00000000-0000-7000-8000-00000000a001"


class DiaryTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        path = os.path.join(self.dir.name, "store.db")
        self.companion = pph.Companion.open(
            pph.CompanionConfig(db_path=path, encryption_key=KEY, device_name="python test")
        )
        self.diary = self.companion.diary()

    def tearDown(self):
        self.dir.cleanup()

    def test_log_entries_and_read_a_weekly_trend(self):
        utc = dt.timezone.utc
        for day, value in [(2, 3.0), (3, 5.0), (4, 7.0), (10, 4.0)]:
            self.diary.log_entry(
                pph.NewEntry(
                    recorded_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=utc),
                    utc_offset_minutes=0,
                    ratings=[pph.Rating(symptom_id=BREATHLESSNESS, value=value)],
                    note=None,
                    tags=["damp"],
                    medications=[],
                )
            )
        weeks = self.diary.trend(BREATHLESSNESS, "2026-03-01", "2026-03-31", pph.Bucket.WEEK)
        self.assertEqual([(w.start, w.count) for w in weeks], [("2026-03-02", 3), ("2026-03-09", 1)])
        self.assertAlmostEqual(weeks[0].mean, 5.0)
        self.assertEqual((weeks[0].min, weeks[0].max), (3.0, 7.0))
        with self.assertRaises(pph.PphError.Validation) as caught:
            self.diary.log_entry(
                pph.NewEntry(
                    recorded_at=dt.datetime(2026, 3, 5, tzinfo=utc),
                    utc_offset_minutes=0,
                    ratings=[pph.Rating(symptom_id=BREATHLESSNESS, value=12.0)],
                    note=None,
                    tags=[],
                    medications=[],
                )
            )
        self.assertEqual(caught.exception.field, "ratings[0].value")

    def test_phq9_item_9_raises_the_flag(self):
        answers = [pph.Answer(link_id=str(i), value=0) for i in range(1, 9)]
        answers.append(pph.Answer(link_id="9", value=1))
        result = self.diary.submit_questionnaire(
            "phq9", answers, dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc), 0
        )
        self.assertEqual((result.score, result.band), (1, "minimal"))
        self.assertEqual([f.flag for f in result.flags], ["self_harm_thoughts"])
        self.assertIn("116 123", result.flags[0].message)
        stored = self.diary.questionnaire_history("phq9", "2026-03-01", "2026-03-31")
        self.assertEqual(stored[0].flags, result.flags)
        with self.assertRaises(pph.PphError.Validation) as caught:
            self.diary.submit_questionnaire("phq9", answers[:-1], dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc), 0)
        self.assertEqual(caught.exception.field, "answers.9")


if __name__ == "__main__":
    unittest.main(verbosity=2)
