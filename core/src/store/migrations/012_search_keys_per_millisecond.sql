-- v12: the search index's keys cost nothing on import. In v11 every note
-- probed for a free key (`recorded_at * 1024 + n`) and wrote it back on
-- its entry. Now a note takes its millisecond's own key,
-- `recorded_at * 16384`, with a plain insert; only a second note of the
-- same millisecond (rare) takes the next free one and keeps it in
-- `note_key`. The index points at the entry's rowid rather than its id.
-- 16384 keys a millisecond keep every key within 64 bits until the year
-- 9999, the last instant the store accepts.
DROP TABLE diary_notes;
CREATE VIRTUAL TABLE diary_notes USING fts5 (
    note,
    entry_rowid UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
UPDATE diary_entries SET note_key = NULL WHERE note_key IS NOT NULL;
CREATE TEMP TABLE note_keys AS
SELECT rowid AS entry_rowid,
       recorded_at * 16384 + row_number() OVER (PARTITION BY recorded_at ORDER BY id) - 1 AS key,
       row_number() OVER (PARTITION BY recorded_at ORDER BY id) AS n,
       json_extract(doc, '$.note') AS note
FROM diary_entries
WHERE deleted = 0 AND trim(coalesce(json_extract(doc, '$.note'), '')) <> '';
INSERT INTO diary_notes (rowid, note, entry_rowid) SELECT key, note, entry_rowid FROM note_keys;
UPDATE diary_entries SET note_key = (SELECT key FROM note_keys k WHERE k.entry_rowid = diary_entries.rowid)
WHERE rowid IN (SELECT entry_rowid FROM note_keys WHERE n > 1);
DROP TABLE note_keys;
