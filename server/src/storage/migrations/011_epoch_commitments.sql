-- v11: each begun epoch's commitment to its key (docs/adr/0018): a hash of
-- the key signed by the account that began the epoch, which every
-- recipient checks the key it unwraps against, so that a holder cannot
-- hand a newcomer another key. `began_by` becomes 'departed' when that
-- account is deleted.
CREATE TABLE key_epochs (
    space       TEXT NOT NULL REFERENCES spaces (id),
    key_name    TEXT NOT NULL,
    epoch       BIGINT NOT NULL,
    began_by    TEXT NOT NULL,
    commit_hash TEXT NOT NULL,
    commit_sig  TEXT NOT NULL,
    PRIMARY KEY (space, key_name, epoch)
);
