-- v15: a timebank in each peer group. Its settings (one per group), its
-- offers and requests, and exchanges of time between two members, which
-- only those two and the facilitators receive. Balances are never stored:
-- they are summed from confirmed exchanges (core/src/timebank/ledger.rs).
CREATE TABLE timebanks (
    id       TEXT PRIMARY KEY,
    doc      TEXT NOT NULL,
    group_id TEXT NOT NULL
) STRICT;
CREATE INDEX timebanks_by_group ON timebanks (group_id);

CREATE TABLE timebank_posts (
    id            TEXT PRIMARY KEY,
    doc           TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX timebank_posts_by_group ON timebank_posts (group_id, created_at_ms);

CREATE TABLE timebank_exchanges (
    id            TEXT PRIMARY KEY,
    doc           TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    giver_id      TEXT NOT NULL,
    receiver_id   TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    confirmed     INTEGER NOT NULL,
    withdrawn     INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    reverses      TEXT
) STRICT;
-- The ledger reads only these columns, from the index alone, summed per
-- (giver, receiver, state) in index order.
CREATE INDEX timebank_ledger ON timebank_exchanges
    (group_id, giver_id, receiver_id, confirmed, withdrawn, minutes);
-- A person's history: what they gave and what they received, newest first.
CREATE INDEX timebank_given ON timebank_exchanges (group_id, giver_id, created_at_ms, id);
CREATE INDEX timebank_received ON timebank_exchanges (group_id, receiver_id, created_at_ms, id);
-- A facilitator's view of the whole group, newest first.
CREATE INDEX timebank_by_time ON timebank_exchanges (group_id, created_at_ms, id);
CREATE INDEX timebank_reversals ON timebank_exchanges (reverses) WHERE reverses IS NOT NULL;
