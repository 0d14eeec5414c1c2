-- v3: moderation. The relay learns which record each change is for, and
-- which records a facilitator hid, so it stops serving their content.
-- Changes stored before v3 have no entity_id; no hidden kind existed then.
ALTER TABLE changes ADD COLUMN entity_id TEXT;

CREATE TABLE hidden_entities (
    space     TEXT NOT NULL REFERENCES spaces (id),
    entity_id TEXT NOT NULL,
    hidden_ms BIGINT NOT NULL,
    PRIMARY KEY (space, entity_id)
);
