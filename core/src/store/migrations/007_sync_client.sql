-- v7: the sync client's state, inside the encrypted store so the token and
-- the cursors are as safe as the records. At most one signed-in account per
-- store; its token is cleared on sign-out or when the server refuses it.
CREATE TABLE sync_account (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT NOT NULL,
    token        TEXT,
    account_id   TEXT NOT NULL,
    email        TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL
) STRICT;

-- Where each space's pull resumes.
CREATE TABLE sync_cursors (
    space    TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Patients' spaces shared with this clinician, as the last sync saw them.
CREATE TABLE sync_shared (
    space         TEXT PRIMARY KEY,
    share_id      TEXT NOT NULL,
    patient_name  TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    synced_at_ms  INTEGER
) STRICT, WITHOUT ROWID;

-- Outcome of the last attempts, so backoff survives a restart.
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_ms INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_retry_ms   INTEGER
) STRICT;
INSERT INTO sync_state (id) VALUES (1);
