"""What the suites that talk to the real server share: its URL and the
Maildir its mail goes to (set by bindings/tests/foreign.rs), a password it
accepts, stores in a directory, and signing up with a mailed code."""

import os
import re

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


MAIL_DIR = os.environ.get("PPH_TEST_MAIL_DIR", "")
# The code stands on a line of its own (an address or a header may hold a
# run of digits that looks like one).
CODE = re.compile(r"^\s*([0-9A-Z]{4}-[0-9A-Z]{4})\s*$", re.MULTILINE)


def mailed_code(email):
    """The sign-up code in the last mail the server wrote to `email` (its
    Maildir, PPH_TEST_MAIL_DIR), or None when that mail carries none."""
    new = os.path.join(MAIL_DIR, "new")
    for name in sorted(os.listdir(new), reverse=True):
        with open(os.path.join(new, name), encoding="utf-8") as f:
            text = f.read()
        if f"To: {email.lower()}" in text.splitlines():
            found = CODE.search(text)
            return found.group(1) if found else None
    return None


async def sign_up(store, email, password, name, role):
    """Signs up as a person does: asks for a code, reads the mail, types it."""
    await store.account().ask_sign_up_code(SERVER, email)
    return await store.account().sign_up(SERVER, email, mailed_code(email), password, name, role)
