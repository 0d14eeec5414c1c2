-- v11: search returns the newest by when an entry happened (as `entries`
-- does), not by when it was typed in, and still stops after a page. The
-- full-text index's rowid becomes a key ordered by the entry's time,
-- `recorded_at * 1024 + n` (n tells apart entries of the same
-- millisecond), kept on the entry as `note_key`; FTS5 walks its matches in
-- descending rowid order, so a page costs what it did.
ALTER TABLE diary_entries ADD COLUMN note_key INTEGER;
DROP TABLE diary_notes;
CREATE VIRTUAL TABLE diary_notes USING fts5 (
    note,
    entry_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TEMP TABLE note_keys AS
SELECT id, recorded_at * 1024 + row_number() OVER (PARTITION BY recorded_at ORDER BY id) - 1 AS key,
       json_extract(doc, '$.note') AS note
FROM diary_entries
WHERE deleted = 0 AND trim(coalesce(json_extract(doc, '$.note'), '')) <> '';
INSERT INTO diary_notes (rowid, note, entry_id) SELECT key, note, id FROM note_keys;
UPDATE diary_entries SET note_key = (SELECT key FROM note_keys k WHERE k.id = diary_entries.id)
WHERE id IN (SELECT id FROM note_keys);
DROP TABLE note_keys;
