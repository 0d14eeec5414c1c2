-- v9: checking who may write what, where (protocol/src/kinds.rs). Each
-- change keeps the account that wrote it: '' for this store's own account
-- (every local write), the account the server vouched for on a pulled
-- change, NULL where it is not known (changes pulled before v9).
ALTER TABLE change_log ADD COLUMN author TEXT DEFAULT '';
UPDATE change_log SET author = NULL
WHERE node <> (SELECT value FROM meta WHERE key = 'node');

-- Pulled changes the authorisation table refuses: kept for inspection,
-- never applied, counted in the sync report.
CREATE TABLE sync_set_aside (
    change_id    TEXT PRIMARY KEY,
    space        TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    author       TEXT NOT NULL,
    rule         TEXT NOT NULL,
    change       TEXT NOT NULL,
    set_aside_ms INTEGER NOT NULL
) STRICT;

-- The spaces this account reaches, as the server last described them:
-- whose they are and who facilitates, for judging pulled changes and this
-- device's own writes into groups.
CREATE TABLE sync_spaces (
    space        TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    facilitators TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The names the server knows for the nodes of each person this store
-- holds records of (each device says its node and name when it signs in),
-- so history names the device that made a change on every device, not
-- only the one it was made on.
CREATE TABLE device_names (
    node TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT, WITHOUT ROWID;
