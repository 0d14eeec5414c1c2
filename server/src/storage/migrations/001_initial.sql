-- v1. Every step serves both backends: only types and syntax SQLite and
-- PostgreSQL share. IF NOT EXISTS because servers created before steps were
-- numbered already have these tables.
CREATE TABLE IF NOT EXISTS accounts (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    personal_space TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    created_ms     BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS device_tokens (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    device_name TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    revoked_ms  BIGINT
);

CREATE TABLE IF NOT EXISTS spaces (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    owner    TEXT NOT NULL REFERENCES accounts (id),
    next_seq BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS space_members (
    space      TEXT NOT NULL REFERENCES spaces (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (space, account_id)
);
CREATE INDEX IF NOT EXISTS space_members_by_account ON space_members (account_id);

-- The relay's log: each change once (change_id), numbered per space.
CREATE TABLE IF NOT EXISTS changes (
    space       TEXT NOT NULL REFERENCES spaces (id),
    seq         BIGINT NOT NULL,
    change_id   TEXT NOT NULL UNIQUE,
    entity_type TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (space, seq)
);

CREATE TABLE IF NOT EXISTS shares (
    id                TEXT PRIMARY KEY,
    patient_account   TEXT NOT NULL REFERENCES accounts (id),
    clinician_account TEXT NOT NULL REFERENCES accounts (id),
    scopes            TEXT NOT NULL,
    created_ms        BIGINT NOT NULL,
    expires_ms        BIGINT NOT NULL,
    revoked_ms        BIGINT
);
CREATE INDEX IF NOT EXISTS shares_by_patient ON shares (patient_account);
CREATE INDEX IF NOT EXISTS shares_by_clinician ON shares (clinician_account);
