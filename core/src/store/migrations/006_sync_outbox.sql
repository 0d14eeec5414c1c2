-- v6: the sync engine's bookkeeping. The outbox is the unsynced part of the
-- change log; a partial index keeps finding it cheap however long the log
-- grows. Remote records that could not be stored yet (a goal that arrived
-- before its plan) wait in sync_unmaterialized and are retried on every
-- later apply.
CREATE INDEX change_log_outbox ON change_log (seq) WHERE synced = 0;

CREATE TABLE sync_unmaterialized (
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
) STRICT;
