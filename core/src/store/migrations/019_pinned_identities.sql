-- v19: the identities this device has seen (docs/adr/0018), pinned the
-- first time: an account served later with another identity is not
-- trusted with keys until the person accepts the change (`offered`), and
-- one whose safety number the person compared is marked `verified`.
CREATE TABLE pinned_identities (
    account       TEXT PRIMARY KEY,
    identity      TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    verified      INTEGER NOT NULL DEFAULT 0,
    offered       TEXT,
    offered_ms    INTEGER
) STRICT, WITHOUT ROWID;

-- The account of each patient sharing with this clinician: the one whose
-- safety number they compare.
ALTER TABLE sync_shared ADD COLUMN patient_account TEXT NOT NULL DEFAULT '';
