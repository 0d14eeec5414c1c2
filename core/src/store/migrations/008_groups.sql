-- v8: peer groups. Each group is a space of its own (the group's id is the
-- space id); its records carry the group id so one store can hold several.
-- No foreign keys between them: a message may arrive before its group.
CREATE TABLE groups (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) STRICT;

CREATE TABLE group_messages (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL,
    sent_at_ms INTEGER NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
-- Pages of a chat, newest first.
CREATE INDEX group_messages_by_time ON group_messages (group_id, sent_at_ms, id);

-- One row per (message, person, emoji); `active` turns it off again.
CREATE TABLE group_reactions (
    id         TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX group_reactions_by_message ON group_reactions (message_id);

-- How far each member has read, one row per (group, person).
CREATE TABLE group_reads (
    id       TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    doc      TEXT NOT NULL
) STRICT;

-- Changes the server refused for good (a group this person was removed
-- from): set aside with the reason instead of blocking every later push;
-- the shell can resend or discard what they belong to.
ALTER TABLE change_log ADD COLUMN refused TEXT;
