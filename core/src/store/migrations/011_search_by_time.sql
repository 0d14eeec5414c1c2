-- v11: search returns the newest by when an entry happened (as `entries`
-- does), not by when it was typed in, and still stops after a page. The
-- full-text index's rowid becomes a key ordered by the entry's time,
-- `recorded_at * 16384 + n`, n = 0 for the first note of a millisecond
-- (later ones, rare, take the next free n and keep it in `note_key`);
-- FTS5 walks its matches in descending rowid order, so a page costs what
-- it did.
ALTER TABLE diary_entries ADD COLUMN note_key INTEGER;
DROP TABLE diary_notes;
CREATE VIRTUAL TABLE diary_notes USING fts5 (
    note,
    entry_rowid UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
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
