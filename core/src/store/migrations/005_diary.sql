-- v5: the symptom diary. Entries are stored whole in `doc`; their tags,
-- note, daily rollups and symptom use counts are kept in derived tables
-- (rewritten with the entry in the same transaction) so trends, flares,
-- triggers and search never parse records.
CREATE TABLE diary_symptoms (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) STRICT;

CREATE TABLE diary_entries (
    id          TEXT PRIMARY KEY,
    local_date  TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    deleted     INTEGER NOT NULL,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX diary_entries_by_time ON diary_entries (local_date, recorded_at, id) WHERE deleted = 0;

-- Per symptom and local day: count, sum, lowest and highest rating. Trends,
-- flares and triggers over years read these (one row a day), not every rating.
CREATE TABLE diary_daily (
    symptom_id TEXT NOT NULL,
    local_date TEXT NOT NULL,
    count      INTEGER NOT NULL,
    total      REAL NOT NULL,
    low        REAL NOT NULL,
    high       REAL NOT NULL,
    PRIMARY KEY (symptom_id, local_date)
) STRICT, WITHOUT ROWID;

-- How often each symptom has been rated: the most used come first.
CREATE TABLE diary_symptom_use (
    symptom_id TEXT PRIMARY KEY,
    uses       INTEGER NOT NULL
) STRICT;

CREATE TABLE diary_tags (
    entry_rowid INTEGER NOT NULL,
    tag         TEXT NOT NULL,
    local_date  TEXT NOT NULL
) STRICT;
CREATE INDEX diary_tags_by_tag ON diary_tags (tag, local_date);
CREATE INDEX diary_tags_by_entry ON diary_tags (entry_rowid);

-- Full-text search over notes; rowid = the entry's rowid.
CREATE VIRTUAL TABLE diary_notes USING fts5 (note, tokenize = 'unicode61 remove_diacritics 2');

-- Instruments a deploying organisation adds (the built-ins ship in the app).
CREATE TABLE questionnaire_definitions (
    code TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
) STRICT;

CREATE TABLE questionnaire_results (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    local_date  TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX questionnaire_results_by_code ON questionnaire_results (code, recorded_at);
