"""What crossing the boundary costs from Python (uniffi's generated
bindings over ctypes), per call: a pure call with a small record, a small
read, a screen's worth of records (a page of 200 diary entries, a month of
daily trend points). Run by scripts/bench-ffi.sh; prints one line each."""

import datetime as dt
import os
import sys
import tempfile
import time

import pph

BREATHLESSNESS = "00000000-0000-7000-8000-00000000a001"


def per_call(label, call, rounds):
    call()  # warm
    best = None
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            call()
        took = (time.perf_counter() - start) / rounds
        best = took if best is None else min(best, took)
    print(f"python  {label:<44} {best * 1e6:10.1f} us per call")


def main():
    with tempfile.TemporaryDirectory() as directory:
        companion = pph.Companion.open(
            pph.CompanionConfig(
                db_path=os.path.join(directory, "bench.db"),
                encryption_key=bytes(range(32)),
                device_name="bench",
            )
        )
        diary = companion.diary()
        start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.timezone.utc)
        diary.import_entries(
            [
                pph.NewEntry(
                    recorded_at=start + dt.timedelta(hours=12 * i),
                    utc_offset_minutes=0,
                    ratings=[pph.Rating(symptom_id=BREATHLESSNESS, value=float(i % 11))],
                    note="walked to the shop" if i % 3 == 0 else None,
                    tags=["poor_sleep"] if i % 4 == 0 else [],
                    medications=[],
                )
                for i in range(600)
            ]
        )
        warning = pph.BudgetWarning.PROJECTED_OVERSPEND(amount_pence=12_345)
        per_call("pure call (describe_budget_warning)", lambda: pph.describe_budget_warning(warning), 20_000)
        per_call("small read (list_symptoms)", diary.list_symptoms, 2_000)
        page = diary.entries("2026-01-01", "2026-12-31", 200, None)
        assert len(page.entries) == 200, len(page.entries)
        per_call("page of 200 diary entries", lambda: diary.entries("2026-01-01", "2026-12-31", 200, None), 100)
        month = diary.trend(BREATHLESSNESS, "2026-03-01", "2026-03-31", pph.Bucket.DAY)
        assert len(month) == 31, len(month)
        per_call("month of daily trend points (31)", lambda: diary.trend(BREATHLESSNESS, "2026-03-01", "2026-03-31", pph.Bucket.DAY), 500)


if __name__ == "__main__":
    sys.exit(main())
