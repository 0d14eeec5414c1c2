-- v4: what the authorisation table needs (protocol/src/kinds.rs). Each
-- change keeps the account that pushed it, which pulls serve so clients can
-- check it too; each record, the space it lives in, its kind and the
-- account that created it. Changes from before v4 get their writer from
-- `backfill_v4` (server/src/storage/backfill.rs) in this same transaction.
ALTER TABLE changes ADD COLUMN author TEXT;

-- The node id each device stamps its changes with, given when it signs in,
-- so an account's other devices (and its clinicians) can name it in history.
ALTER TABLE device_tokens ADD COLUMN node TEXT;
CREATE INDEX device_tokens_by_account ON device_tokens (account_id);

CREATE TABLE entity_owners (
    entity_id   TEXT PRIMARY KEY,
    space       TEXT NOT NULL REFERENCES spaces (id),
    entity_type TEXT NOT NULL,
    -- NULL: made before v4 by someone unknown; only facilitators change it.
    creator     TEXT
);

-- A member removed by a facilitator cannot rejoin with a code they saw
-- earlier until a facilitator lets them back.
CREATE TABLE space_removals (
    space      TEXT NOT NULL REFERENCES spaces (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    removed_by TEXT NOT NULL REFERENCES accounts (id),
    removed_ms BIGINT NOT NULL,
    PRIMARY KEY (space, account_id)
);

-- Attempt counters (sign-in, invite codes) shared by every server process
-- on this database, counted atomically.
CREATE TABLE rate_limits (
    key             TEXT PRIMARY KEY,
    count           BIGINT NOT NULL,
    window_start_ms BIGINT NOT NULL
);

-- Invite codes are now stored keyed with the server's secret (HMAC), so a
-- copy of the database cannot be searched for them; codes stored as plain
-- SHA-256 can no longer be matched. Facilitators make new ones.
DELETE FROM group_invites;
