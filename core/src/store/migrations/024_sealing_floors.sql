-- v24: the lowest epoch of each key of a space this device seals under.
-- When it sees a member leave a group, every epoch it holds may have
-- reached them, and so may one the relay says reached someone who may not
-- read it now: what it writes from then on waits for an epoch above them
-- (begun here or given by a member), whatever the relay serves later (a
-- withheld envelope, a list of recipients with the leaver taken off). The
-- fourteenth attacker run: a phone sealed under the newest epoch it held,
-- one the leaver held too.
CREATE TABLE sealing_floors (
    space   TEXT NOT NULL,
    key     TEXT NOT NULL,
    epoch   INTEGER NOT NULL,
    PRIMARY KEY (space, key)
) STRICT, WITHOUT ROWID;
