-- v18: fewer pages written per logged entry (the performance issue: a
-- diary entry wrote about 17 WAL pages). Nothing the app reads is lost.
--
-- 1. A day's rollups sit together: keyed by (day, symptom) instead of
--    (symptom, day), today's rows for every rated symptom share one leaf
--    page instead of one page per symptom.
CREATE TABLE diary_daily_by_day (
    local_date TEXT NOT NULL,
    symptom_id TEXT NOT NULL,
    count      INTEGER NOT NULL,
    total      REAL NOT NULL,
    low        REAL NOT NULL,
    high       REAL NOT NULL,
    PRIMARY KEY (local_date, symptom_id)
) STRICT, WITHOUT ROWID;
INSERT INTO diary_daily_by_day (local_date, symptom_id, count, total, low, high)
SELECT local_date, symptom_id, count, total, low, high FROM diary_daily;
DROP TABLE diary_daily;
ALTER TABLE diary_daily_by_day RENAME TO diary_daily;

-- 2. A symptom's use count moves into the rollups, under the key 'all',
--    which sorts after every date (they begin with a digit): the rows sit
--    on the page today's rows are written to, not on a page of their own.
INSERT INTO diary_daily (local_date, symptom_id, count, total, low, high)
SELECT 'all', symptom_id, uses, 0, 0, 0 FROM diary_symptom_use;
DROP TABLE diary_symptom_use;

-- 3. The search index keeps no per-row token counts (`columnsize=0`): they
--    serve only bm25 ranking, and search returns newest first.
CREATE VIRTUAL TABLE diary_notes_v18 USING fts5 (
    note,
    entry_rowid UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
INSERT INTO diary_notes_v18 (rowid, note, entry_rowid)
SELECT rowid, note, entry_rowid FROM diary_notes;
DROP TABLE diary_notes;
ALTER TABLE diary_notes_v18 RENAME TO diary_notes;

-- 4. Two indexes on the change log go, each written by every change, for
--    two marks written only when the device syncs:
--    - clock_wall/clock_counter: the newest stamp received from elsewhere
--      (the newest local stamp is the last row's), where opening the store
--      read the newest stamp off change_log_by_hlc;
--    - outbox_from: no row below this seq is waiting to be sent, where the
--      outbox was the partial index change_log_outbox.
CREATE TABLE log_marks (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    clock_wall    INTEGER NOT NULL,
    clock_counter INTEGER NOT NULL,
    outbox_from   INTEGER NOT NULL
) STRICT;
INSERT INTO log_marks (id, clock_wall, clock_counter, outbox_from)
SELECT 1,
       coalesce((SELECT hlc_wall FROM change_log ORDER BY hlc_wall DESC, hlc_counter DESC LIMIT 1), 0),
       coalesce((SELECT hlc_counter FROM change_log ORDER BY hlc_wall DESC, hlc_counter DESC LIMIT 1), 0),
       coalesce((SELECT min(seq) FROM change_log WHERE synced = 0),
                (SELECT coalesce(max(seq), 0) + 1 FROM change_log));
DROP INDEX change_log_by_hlc;
DROP INDEX change_log_outbox;
-- The outbox mark stays a lower bound whatever writes the log: a row put
-- back in the outbox moves it down to that row, and a deletion keeps it
-- at most one past the last row left (a new row takes that seq).
CREATE TRIGGER change_log_requeued AFTER UPDATE OF synced ON change_log
WHEN NEW.synced = 0
BEGIN
    UPDATE log_marks SET outbox_from = min(outbox_from, NEW.seq);
END;
CREATE TRIGGER change_log_deleted AFTER DELETE ON change_log
BEGIN
    UPDATE log_marks SET outbox_from =
        min(outbox_from, (SELECT coalesce(max(seq), 0) + 1 FROM change_log));
END;
