-- v22: the owner this device first saw for each record shared with it
-- (docs/adr/0019). A personal space's owner never changes, so a relay that
-- later names another account (one of its own, made for the purpose) as
-- the patient of that record gets nothing taken from it: no key, no change
-- (the sixth attacker run). Kept after a share ends: the same space shared
-- again is still the same person's.
CREATE TABLE shared_record_owners (
    space         TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
