-- v1: store identity, the field-level change log, and care plans.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Every local write appends here in the same transaction as the domain rows.
-- It is both the sync outbox (synced = 0) and the history of every entity.
CREATE TABLE change_log (
    seq         INTEGER PRIMARY KEY,
    change_id   TEXT NOT NULL UNIQUE,
    space       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    node        TEXT NOT NULL,
    synced      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX change_log_by_entity ON change_log (entity_id, hlc_wall, hlc_counter, node);

-- Domain rows keep the whole record as JSON in `doc`, with the columns that
-- queries filter on alongside.
CREATE TABLE care_plans (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) STRICT;

CREATE TABLE plan_contacts (
    id      TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES care_plans (id),
    doc     TEXT NOT NULL
) STRICT;

CREATE TABLE plan_goals (
    id      TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES care_plans (id),
    doc     TEXT NOT NULL
) STRICT;

CREATE TABLE plan_activities (
    id      TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES care_plans (id),
    goal_id TEXT NOT NULL REFERENCES plan_goals (id),
    doc     TEXT NOT NULL
) STRICT;

CREATE TABLE plan_completions (
    id          TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES care_plans (id),
    activity_id TEXT NOT NULL REFERENCES plan_activities (id),
    local_date  TEXT NOT NULL,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX plan_completions_by_day ON plan_completions (activity_id, local_date);

CREATE TABLE plan_reviews (
    id      TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES care_plans (id),
    doc     TEXT NOT NULL
) STRICT;
