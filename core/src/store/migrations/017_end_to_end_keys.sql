-- v17: end-to-end encryption. The account's key pair (its private key in
-- this encrypted file, and as the relay keeps it, sealed under the
-- password's and the recovery code's wrapping keys), a recovery code made
-- here and not yet shown, and every data key epoch this device holds.
CREATE TABLE account_key (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    private_key   BLOB NOT NULL,
    public_key    TEXT NOT NULL,
    sealed        TEXT NOT NULL,
    recovery_code TEXT
) STRICT;

CREATE TABLE space_keys (
    space    TEXT NOT NULL,
    key_name TEXT NOT NULL,
    epoch    INTEGER NOT NULL,
    secret   BLOB NOT NULL,
    PRIMARY KEY (space, key_name, epoch)
) STRICT, WITHOUT ROWID;
