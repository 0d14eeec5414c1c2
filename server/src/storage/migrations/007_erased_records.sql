-- v7: accounts deleted for good. A group's records that named a deleted
-- account are erased: their changes deleted and their ids kept here,
-- numbered in the space's sequence like changes, so every member's phone
-- deletes them too when it pulls. No row here names the account.
CREATE TABLE erased_entities (
    space       TEXT NOT NULL REFERENCES spaces (id),
    seq         BIGINT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    PRIMARY KEY (space, seq)
);
CREATE UNIQUE INDEX erased_entities_by_record ON erased_entities (space, entity_id);
