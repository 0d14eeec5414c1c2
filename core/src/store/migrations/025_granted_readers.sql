-- v25: the clinicians this device last saw reading each key of the
-- person's own record, by a grant the person's identity signed. When one no
-- longer does (the share revoked, expired or narrowed), every epoch of that
-- key held here may have reached them: the key's floor (v24) rises above
-- them all, whatever recipients the relay serves afterwards. The
-- seventeenth attacker run: a second phone of the patient, its envelope of
-- the new epoch withheld and the clinician taken off the old epoch's
-- recipients, sealed under the epoch the clinician held.
CREATE TABLE granted_readers (
    space   TEXT NOT NULL,
    account TEXT NOT NULL,
    key     TEXT NOT NULL,
    PRIMARY KEY (space, account, key)
) STRICT, WITHOUT ROWID;
