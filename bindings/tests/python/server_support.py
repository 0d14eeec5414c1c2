"""What the suites that talk to the real server share: its URL (set by
bindings/tests/foreign.rs), a password it accepts, and stores in a directory."""

import os

import pph

KEY = bytes(range(32))
PASSWORD = "a long enough password"
SERVER = os.environ.get("PPH_TEST_SERVER_URL", "")
NEEDS_SERVER = "PPH_TEST_SERVER_URL is set by bindings/tests/foreign.rs"


def open_store(directory, name):
    return pph.Companion.open(
        pph.CompanionConfig(
            db_path=os.path.join(directory, name + ".db"), encryption_key=KEY, device_name=name
        )
    )
