-- v20: envelopes this device refused (not signed by an account it trusts
-- to give that key; docs/adr/0018), so that each is reported to the
-- person once rather than at every sync. Names no key, only where it
-- claimed to belong and who it claimed to come from.
CREATE TABLE refused_envelopes (
    space    TEXT NOT NULL,
    key_name TEXT NOT NULL,
    epoch    INTEGER NOT NULL,
    sender   TEXT NOT NULL,
    seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (space, key_name, epoch, sender)
) STRICT, WITHOUT ROWID;
