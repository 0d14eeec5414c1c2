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

CREATE TABLE group_meetups (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL,
    starts_at_ms INTEGER NOT NULL,
    doc          TEXT NOT NULL
) STRICT;
CREATE INDEX group_meetups_by_start ON group_meetups (group_id, starts_at_ms);

-- One answer per (meetup, person), and one attendance mark per (meetup,
-- person), each with an id derived from the pair.
CREATE TABLE meetup_rsvps (
    id        TEXT PRIMARY KEY,
    meetup_id TEXT NOT NULL,
    doc       TEXT NOT NULL
) STRICT;
CREATE INDEX meetup_rsvps_by_meetup ON meetup_rsvps (meetup_id);

CREATE TABLE meetup_attendance (
    id        TEXT PRIMARY KEY,
    meetup_id TEXT NOT NULL,
    doc       TEXT NOT NULL
) STRICT;
CREATE INDEX meetup_attendance_by_meetup ON meetup_attendance (meetup_id);

-- Members' reports about a message, and a facilitator's decision to hide
-- one for everyone.
CREATE TABLE group_reports (
    id         TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX group_reports_by_message ON group_reports (message_id);

CREATE TABLE group_hidden (
    id         TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX group_hidden_by_message ON group_hidden (message_id);

-- Changes the server refused for good (a group this person was removed
-- from): set aside with the reason instead of blocking every later push;
-- the shell can resend or discard what they belong to.
ALTER TABLE change_log ADD COLUMN refused TEXT;
