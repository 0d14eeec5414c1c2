-- v14: reminder rules and the person's reminder settings (time zone with
-- the zones of a recent journey, quiet hours, lock-screen detail). Both
-- sync like any record of the person's own; neither is ever shared.
CREATE TABLE reminder_rules (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) STRICT;

CREATE TABLE reminder_settings (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) STRICT;
