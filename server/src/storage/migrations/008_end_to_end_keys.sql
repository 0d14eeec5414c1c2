-- v8: end-to-end encryption. Change values arrive sealed; the relay keeps
-- each account's public key and its private key as the device sealed it
-- (under the password's and the recovery code's wrapping keys, which it
-- never sees), a hash of the recovery code's authentication key, and data
-- keys wrapped to accounts (envelopes), none of which it can open.
ALTER TABLE accounts ADD COLUMN public_key TEXT;
ALTER TABLE accounts ADD COLUMN sealed_keys TEXT;
ALTER TABLE accounts ADD COLUMN recovery_hash TEXT;
CREATE TABLE key_envelopes (
    space      TEXT NOT NULL REFERENCES spaces (id),
    key_name   TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    -- An account, or 'departed' for one deleted since: a key it held
    -- must still turn over, and no row may name it.
    recipient  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (space, key_name, epoch, recipient)
);
CREATE INDEX key_envelopes_by_recipient ON key_envelopes (recipient);
